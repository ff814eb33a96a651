"""Liveness at scale: what N idle hosts' heartbeats cost PostgreSQL today.

    python -m bench.fleet [--hosts 3,100,1000] [--seconds 30]

On a database of its own on the stack's PostgreSQL
(MAGNUM_LITE_TEST_POSTGRES_URL; created, migrated, dropped at the end),
each simulated host runs the conductor's own liveness loops, unchanged:
Conductor._beat (objects.Service.report every [conductor]
heartbeat_interval) and Backlog._watch (every conductor reads every
service each heartbeat_interval to look after lost hosts), at the
defaults. One reader does what the API does once per request
(objects.Service.list, then liveness.losses) at --reader-rate a second.

A conductor process has one engine (db.api, pool of [database]
max_pool_size); here each host's threads see an engine of their own:
db.api's get_engine and session factory are swapped for ones that answer
per thread, so every query is db.api's and objects' own code. The
connections come from what the pools really open.

The stack's PostgreSQL is shared (max_connections 100), so the bench
never takes its last connections: hosts get engines of their own while
--leave connections stay free for others; the rest share one engine
("overflow"), and the line says how many did. Where a server with
max_connections would refuse a host is computed from the connections
each own-engine host was seen to hold, not provoked.

Per N, over --seconds after the hosts have beaten twice:
  commits/s, rollbacks/s  pg_stat_database delta of this database (reads
                          end in a rollback when their connection returns)
  backend CPU             utime+stime (/proc/<pid>/stat) of this
                          database's backends, seconds per second; and of
                          every postgres process (shared with others)
  connections             pg_stat_activity of this database, the most seen
  beat                    latency of Service.report, and beats/s reached
                          against N/interval (the simulator's own limit)
  judgement               latency of the reader's list + losses, and how
                          many hosts it found lost (all are alive: any is
                          a false verdict, or the simulator falling behind)
"""
import argparse
import collections
import datetime
import logging
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

import sqlalchemy as sa

TICK = os.sysconf("SC_CLK_TCK")


class _Bound(threading.local):
    """The engine and session factory of the host this thread belongs to."""
    engine = None
    sessions = None


BOUND = _Bound()


def _per_thread_engines(db):
    """Make db.api answer with the calling thread's engine, as if each
    host were a process of its own."""
    db.get_engine = lambda: BOUND.engine
    db._SESSION = types.SimpleNamespace(
        begin=lambda: BOUND.sessions.begin())


def _engine(db, url, name, pool_size):
    from oslo_db.sqlalchemy import exc_filters
    from sqlalchemy import orm
    url = sa.make_url(url).update_query_dict({"application_name": name})
    engine = db.create_engine(url, max_pool_size=pool_size)
    exc_filters.register_engine(engine)
    return engine, orm.sessionmaker(engine, expire_on_commit=False)


def _bind(pair):
    BOUND.engine, BOUND.sessions = pair


class Timings:
    """Latencies and failures per kind, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seconds = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.counting = False

    def add(self, kind, seconds):
        if self.counting:
            with self.lock:
                self.seconds[kind].append(seconds)

    def failed(self, kind, error):
        with self.lock:
            self.errors["%s: %s" % (kind, str(error).splitlines()[0][:80])] \
                += 1


def _timed_report(objects, timings):
    """Service.report, timed: the heartbeat loop calls it by name."""
    report = objects.Service.__dict__["report"].__func__

    def timed(cls, *args, **kwargs):
        start = time.perf_counter()
        try:
            answer = report(cls, *args, **kwargs)
        except Exception as e:
            timings.failed("beat", e)
            raise
        timings.add("beat", time.perf_counter() - start)
        return answer
    objects.Service.report = classmethod(timed)
    return report


class Server:
    """What PostgreSQL says about one database, on a connection of the
    bench's own to the maintenance database."""

    def __init__(self, admin_url, name):
        self.name = name
        self.engine = sa.create_engine(admin_url,
                                       isolation_level="AUTOCOMMIT",
                                       poolclass=sa.pool.NullPool)
        self.conn = self.engine.connect()

    def value(self, query, **params):
        return self.conn.execute(sa.text(query), params).scalar()

    def transactions(self):
        row = self.conn.execute(sa.text(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database "
            "WHERE datname = :d"), {"d": self.name}).one()
        return row[0], row[1]

    def backends(self, prefix=None):
        """{pid: application_name} of this database's client backends."""
        rows = self.conn.execute(sa.text(
            "SELECT pid, application_name FROM pg_stat_activity "
            "WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": self.name}).all()
        return {pid: app for pid, app in rows
                if prefix is None or app.startswith(prefix)}

    def others(self):
        return self.value("SELECT count(*) FROM pg_stat_activity WHERE "
                          "backend_type = 'client backend' AND "
                          "datname IS DISTINCT FROM :d", d=self.name)

    def close(self):
        self.conn.close()
        self.engine.dispose()


def _cpu_ticks(pids):
    ticks = {}
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass  # gone, or not ours to read
    return ticks


def _postgres_pids():
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def _seconds(before, after):
    return sum(t - before.get(pid, 0) for pid, t in after.items()) / TICK


def _pct(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run_fleet(n, seconds, url, server, args):
    """The figures of n idle hosts over `seconds`."""
    from oslo_config import cfg

    from magnum_lite.conductor import backlog
    from magnum_lite.conductor import service
    from magnum_lite import conf as ml_conf
    from magnum_lite import context
    from magnum_lite.db import api as db
    from magnum_lite import objects

    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf([], project="magnum_lite", default_config_files=[])
    c = conf.conductor
    interval = c.heartbeat_interval
    pool = conf.database.max_pool_size
    timings = Timings()
    report = _timed_report(objects, timings)
    capacity = service.capacity(conf, {"memory": 8 * 1024 ** 3, "cpus": 4})

    # Two connections a host: the beat and the watch run at once.
    budget = (int(server.value("SHOW max_connections")) - server.others()
              - args.leave)
    own = n if 2 * n <= budget else max(0, (budget - 2 * pool) // 2)
    engines = [_engine(db, url, "fleet-host-%d" % i, pool)
               for i in range(own)]
    if own < n:
        shared = _engine(db, url, "fleet-overflow", pool)
        engines += [shared] * (n - own)
    reader_engine = _engine(db, url, "fleet-reader", pool)
    stopping = threading.Event()
    admin = context.admin_context()
    threads = []

    # Hosts are not in step; a host's beat and watch start together.
    offsets = [random.uniform(0, interval) for _ in range(n)]

    def beat(i):
        _bind(engines[i])
        time.sleep(offsets[i])
        host = types.SimpleNamespace(
            conf=types.SimpleNamespace(host="fleet-%04d" % i, conductor=c),
            capacity=capacity, _engine_error=None,
            _stopping=stopping, _beat_now=threading.Event())
        try:  # Conductor.start's first report, with the engine's info
            objects.Service.report(admin, host.conf.host, c.topic,
                                   {"version": "bench"}, capacity)
        except Exception:
            pass
        beat_now[i] = host._beat_now
        service.Conductor._beat(host)

    def watch(i):
        _bind(engines[i])
        time.sleep(offsets[i])
        tend = backlog.Backlog(types.SimpleNamespace(
            host="fleet-%04d" % i, conductor=c), None)
        tend._stopping = stopping
        tend._watch()

    def judge():
        _bind(reader_engine)
        period = 1.0 / args.reader_rate
        while not stopping.wait(period):
            start = time.perf_counter()
            try:
                lost = objects.Service.losses(admin,
                                                c.service_down_time)
            except Exception as e:
                timings.failed("judgement", e)
                continue
            timings.add("judgement", time.perf_counter() - start)
            if timings.counting:
                with timings.lock:
                    timings.seconds["lost"].append(len(lost))

    beat_now = [None] * n
    for i in range(n):
        threads.append(threading.Thread(target=beat, args=(i,),
                                        daemon=True))
        if not args.no_watch:
            threads.append(threading.Thread(target=watch, args=(i,),
                                            daemon=True))
    threads.append(threading.Thread(target=judge, daemon=True))
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(max(3 * interval, 3))  # every host has beaten twice
    setup = time.monotonic() - started

    commits0 = server.transactions()
    ours0 = _cpu_ticks(server.backends())
    all0 = _cpu_ticks(_postgres_pids())
    timings.counting = True
    start = time.monotonic()
    held = 0
    while time.monotonic() - start < seconds:
        time.sleep(1)
        held = max(held, len(server.backends()))
    backends = server.backends()
    ours1 = _cpu_ticks(backends)
    all1 = _cpu_ticks(_postgres_pids())
    # Backends flush their counts about once a second: read at both ends,
    # the lag is the same.
    commits1 = server.transactions()
    timings.counting = False
    wall = time.monotonic() - start

    stopping.set()
    for h in beat_now:
        if h is not None:
            h.set()
    for t in threads:
        t.join(timeout=5)
    per_host = collections.Counter(
        app for app in backends.values() if app.startswith("fleet-host-"))
    for engine, _ in set(engines) | {reader_engine}:
        engine.dispose()
    objects.Service.report = classmethod(report)
    units = unit_costs(db, url, server, conf)

    beats = timings.seconds["beat"]
    judged = timings.seconds["judgement"]
    lost = timings.seconds["lost"]
    return {
        "hosts": n, "watch": not args.no_watch, "own": own,
        "seconds": wall, "setup": setup,
        "commits": (commits1[0] - commits0[0]) / wall,
        "rollbacks": (commits1[1] - commits0[1]) / wall,
        "cpu": _seconds(ours0, ours1) / wall,
        "cpu_hosts": _seconds(ours0, {p: t for p, t in ours1.items()
                                      if backends[p] != "fleet-reader"})
        / wall,
        "cpu_server": _seconds(all0, all1) / wall,
        "held": held,
        "per_host": (statistics.mean(per_host.values())
                     if per_host else None),
        "beats": len(beats) / wall, "beats_due": n / interval,
        "beat_ms": (statistics.median(beats) * 1000,
                    _pct(beats, 0.99) * 1000) if beats else None,
        "judge_ms": (statistics.median(judged) * 1000,
                     _pct(judged, 0.99) * 1000) if judged else None,
        "judgements": len(judged),
        "false": sum(1 for x in lost if x), "most_lost": max(lost or [0]),
        "errors": dict(timings.errors),
        "units": units,
        "max_connections": int(server.value("SHOW max_connections")),
    }


def unit_costs(db, url, server, conf, count=500):
    """{op: (backend CPU ms, wall ms, commits, rollbacks) each}: one
    heartbeat and one liveness judgement (Service.losses: the API's per
    request, and every conductor's lost-host watch per interval), done
    `count` times one after another on one connection, over the rows the
    fleet left."""
    from magnum_lite import context
    from magnum_lite import objects

    c = conf.conductor
    admin = context.admin_context()
    within = max(1.5 * c.heartbeat_interval, c.service_down_time / 2)
    ops = {
        "beat": lambda: objects.Service.report(
            admin, "fleet-0000", c.topic, capacity={"cpus": 64.0},
            engine_error=None, continuous_within=within),
        "judgement": lambda: objects.Service.losses(admin,
                                                    c.service_down_time),
    }
    costs = {}
    for name, op in ops.items():
        pair = _engine(db, url, "fleet-unit", 1)
        _bind(pair)
        for _ in range(10):
            op()
        time.sleep(1.2)  # the warm-up's counts flushed
        pid, = server.backends("fleet-unit")
        before, xacts = _cpu_ticks([pid]), server.transactions()
        start = time.perf_counter()
        for _ in range(count):
            op()
        wall = time.perf_counter() - start
        after = _cpu_ticks([pid])
        pair[0].dispose()  # an ending backend flushes its counts
        time.sleep(0.5)
        done = server.transactions()
        costs[name] = (_seconds(before, after) * 1000 / count,
                       wall * 1000 / count,
                       (done[0] - xacts[0]) / count,
                       (done[1] - xacts[1]) / count)
    return costs


def refused_at(per_host, max_connections, reserved=3):
    """The first host a server refuses, each holding per_host
    connections, for a role that is not a superuser."""
    if not per_host:
        return None
    return int((max_connections - reserved) // per_host) + 1


def show(r):
    print("%5d hosts%s (%d on engines of their own, %.0f s): "
          "%.1f commits/s, %.1f rollbacks/s; backend CPU %.3f s/s "
          "(hosts %.3f; every postgres process %.3f)" % (
              r["hosts"], "" if r["watch"] else ", beats only", r["own"],
              r["seconds"], r["commits"],
              r["rollbacks"], r["cpu"], r["cpu_hosts"], r["cpu_server"]))
    print("      connections held %d (%s a host); beats %.1f/s of %.1f due,"
          " latency median %.1f ms p99 %.1f ms" % (
              r["held"], "%.2f" % r["per_host"] if r["per_host"] else "-",
              r["beats"], r["beats_due"], *(r["beat_ms"] or (0, 0))))
    print("      judgement median %.1f ms p99 %.1f ms (%d), %.2f ms of "
          "backend CPU each; false verdicts in %d of them (most hosts at "
          "once %d)" % (
              *(r["judge_ms"] or (0, 0)), r["judgements"],
              (r["cpu"] - r["cpu_hosts"]) * r["seconds"] * 1000 /
              max(r["judgements"], 1), r["false"], r["most_lost"]))
    if r["beats"] < 0.9 * r["beats_due"]:
        print("      THE SIMULATOR FELL BEHIND (one process, shared pool): "
              "these are not the figures of %d real conductors" % r["hosts"])
    if r["per_host"]:
        print("      a server with max_connections %d refuses host %d "
              "(100: host %d)" % (
                  r["max_connections"],
                  refused_at(r["per_host"], r["max_connections"]),
                  refused_at(r["per_host"], 100)))
    for name, (cpu, wall, commits, rollbacks) in r["units"].items():
        print("      one %s alone: %.3f ms backend CPU, %.2f ms, "
              "%.2f commits, %.2f rollbacks" % (name, cpu, wall, commits,
                                                 rollbacks))
    for error, count in sorted(r["errors"].items()):
        print("      %d x %s" % (count, error))
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="3,100,1000")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--reader-rate", type=float, default=10,
                        help="API requests a second that judge liveness")
    parser.add_argument("--leave", type=int, default=30,
                        help="connections of the shared server left free")
    parser.add_argument("--no-watch", action="store_true",
                        help="beats only, without each host's lost-host "
                             "watch")
    args = parser.parse_args(argv)
    # The loops' own warnings when the simulator falls behind: counted.
    logging.getLogger("magnum_lite").setLevel(logging.CRITICAL)
    from harness import stack
    from magnum_lite.db import api as db
    from magnum_lite.db import migration

    print("%s, code %s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        subprocess.run(["git", "describe", "--always", "--dirty"],
                       capture_output=True, text=True).stdout.strip()))
    admin_url = stack.server_url("postgresql")
    results = []
    for n in [int(x) for x in args.hosts.split(",")]:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="ml-bench-fleet-"))
        with stack.fresh_database("postgresql", tmp) as url:
            db.configure(url)
            migration.upgrade("head")
            db.configured().dispose()
            server = Server(admin_url, sa.make_url(url).database)
            saved = db.get_engine, db._SESSION
            _per_thread_engines(db)
            try:
                results.append(run_fleet(n, args.seconds, url, server,
                                         args))
            finally:
                db.get_engine, db._SESSION = saved
                server.close()
            show(results[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())

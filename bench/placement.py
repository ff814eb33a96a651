"""Placement: create throughput on 1 and 3 hosts, and the scheduling step."""
# python -m bench.placement [--rounds 3] [--part throughput|scheduling]
#                           [--host-subset-size N]
#
# Throughput: one magnum-lite-api and N magnum-lite-conductor processes on
# RabbitMQ and PostgreSQL (harness/multihost.py), one engine of
# `.ci/stack up` each. 8 REST clients create-and-run 60 containers, each
# waiting for its container to be Running before the next create, against
# 8 threads of raw docker-py create+start spread round-robin over the same
# engines. Scheduling: scheduler.plan(), the project's quota limits, and
# the claims and insert (Container.create), as the API's create calls them,
# in this process, on a PostgreSQL database of 10,000 records on 3 hosts.
import argparse
import collections
import concurrent.futures
import configparser
import datetime
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import docker

from bench import common

IMAGE = "localbusybox:latest"
SPEC = {"image": IMAGE, "command": ["sleep", "300"], "memory": "64"}
# Room for every container of a run on one host, so that placement never
# refuses: 60 x 64 MiB, and 60 CPUs out of 8 x 16 (cpu_allocation_ratio),
# a container without a CPU limit counting for one.
CAPACITY = {"memory_mb": 16384, "cpus": 8, "reserved_host_memory_mb": 0}
# The defaults a deployment runs with, not the multihost tests' quick ones:
# a reconcile pass every 2 s would weigh on what is measured.
CADENCE = {"heartbeat_interval": 10, "service_down_time": 60,
           "reconcile_interval": 60, "request_timeout": 600}


class Watcher(threading.Thread):
    """Tells each client when its container is done, from one list of the
    run's records still Creating every `interval` seconds. Eight clients
    each asking for their own would cost the API eight requests (~1 ms of
    its CPU each) every interval, a list of all the run's records (up to
    60) ~5 ms: the API shares the machine's two cores with what it drives.
    The conductor writes the end status and clears task_state in one
    write, so a record no longer Creating is done."""

    def __init__(self, port, headers, interval):
        super().__init__(daemon=True)
        self.client = common.Client(port, headers, timeout=120)
        self.interval = interval
        self.lock = threading.Lock()
        self.waiting = {}   # uuid -> Event
        self.error = None
        self.stopped = threading.Event()

    def wait(self, container_uuid, timeout=120):
        event = threading.Event()
        with self.lock:
            self.waiting[container_uuid] = event
        if not event.wait(timeout) or self.error:
            raise RuntimeError("%s: not done after %ss (%s)" % (
                container_uuid, timeout, self.error))

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                with self.lock:
                    # Only those registered before the list is asked for:
                    # one registered after could be missing from it yet.
                    asked = set(self.waiting)
                if not asked:
                    continue
                body = self.client.call(
                    "GET", "/v1/containers?status=Creating&limit=1000")
                creating = {c["uuid"] for c in body["containers"]}
                with self.lock:
                    for done in asked - creating:
                        self.waiting.pop(done).set()
        except Exception as e:
            self.error = repr(e)
            with self.lock:
                for event in self.waiting.values():
                    event.set()
        finally:
            self.client.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=30)


# -- throughput ---------------------------------------------------------------

def service_run(d, engine, count, concurrency, poll):
    """containers/s through the REST API, and where they went. A run is
    a project of its own, so that its list holds only its containers."""
    import sqlalchemy as sa

    from magnum_lite.db import models

    project = "bench-" + uuid.uuid4().hex[:8]
    headers = {"X-Project-Id": project, "X-User-Id": "bench"}
    watcher = Watcher(d.port, headers, poll)
    watcher.start()
    local = threading.local()

    def one(_):
        if not hasattr(local, "client"):
            local.client = common.Client(d.port, headers, timeout=120)
        body = local.client.call("POST", "/v1/containers?run=true", SPEC)
        watcher.wait(body["uuid"])
    start = time.time()
    try:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(count)))
    finally:
        watcher.stop()
    table = models.Container.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            table.c.host, table.c.updated_at, table.c.status,
            table.c.status_reason).where(
                table.c.project_id == project).order_by(table.c.id)).all()
    failed = [r for r in rows if r.status != "Running"]
    if failed or len(rows) != count:
        raise RuntimeError("%d of %d records, not Running: %s" % (
            len(rows), count, [(r.status, r.status_reason)
                               for r in failed[:3]]))
    # The run ends when the last record was written Running (to the
    # microsecond; the API shows whole seconds), not when the watcher next
    # looked.
    end = max(common.epoch(r.updated_at) for r in rows)
    where = {"all": collections.Counter(r.host for r in rows),
             # The first burst, placed at once: where spread is tested.
             "first": collections.Counter(r.host for r in
                                          rows[:concurrency])}
    return count / (end - start), where, project


def raw_run(clients, count, concurrency):
    """containers/s of docker-py create+start, job i on engine i mod N."""
    runs = [common.raw_create_start(client, IMAGE) for client in clients]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda i: runs[i % len(runs)](), range(count)))
    return count / (time.perf_counter() - start)


def settle(timeout=15):
    """Until the machine is mostly idle again: removing 60 containers
    leaves the kernel writing back their vfs copies for seconds, which
    would weigh on whichever run comes next."""
    os.sync()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = _cpu_times()
        time.sleep(0.5)
        after = _cpu_times()
        busy = 1 - (after[1] - before[1]) / max(after[0] - before[0], 1)
        if busy < 0.15:
            return


def _cpu_times():
    """(all, idle) jiffies of the machine, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]


def clean_raw(clients):
    ids = [(client, c["Id"]) for client in clients for c in client.containers(
        all=True, filters={"label": "bench=raw"})]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: _remove(*item), ids))


def _remove(client, container_id):
    try:
        client.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        pass


def clean_service(d, project, timeout=120):
    """Delete the run's containers through the API (their claims go back),
    wait until their records are gone, then check the engines."""
    headers = {"X-Project-Id": project, "X-User-Id": "bench",
               "X-Roles": "admin"}  # force=true is an admin's
    client = common.Client(d.port, headers, timeout=120)
    local = threading.local()

    def delete(container_uuid):
        if not hasattr(local, "client"):
            local.client = common.Client(d.port, headers, timeout=120)
        local.client.call("DELETE", "/v1/containers/%s?force=true" %
                          container_uuid)
    try:
        uuids = [c["uuid"] for c in client.call(
            "GET", "/v1/containers?limit=1000")["containers"]]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(delete, uuids))
        deadline = time.monotonic() + timeout
        while client.call("GET", "/v1/containers?limit=1000")["containers"]:
            if time.monotonic() > deadline:
                raise RuntimeError("%s: records left after %ss" % (
                    project, timeout))
            time.sleep(0.2)
    finally:
        client.close()
    left = [(d.docker(host), c.id) for host, found in d.census().items()
            for c in found]
    for client_, container_id in left:
        _remove(client_, container_id)
    if left:
        print("  (removed %d containers the deletes left)" % len(left))


def bench_throughput(args):
    import sqlalchemy as sa

    from harness import multihost

    results = {}
    for n in args.hosts:
        workdir = pathlib.Path(tempfile.mkdtemp(prefix="ml-bench-place-"))
        options = {"conductor": dict(
            CAPACITY, host_subset_size=args.host_subset_size, **CADENCE)}
        with multihost.deployed(workdir, n, options=options) as d:
            engine = sa.create_engine(_database_url(d),
                                      poolclass=sa.pool.NullPool)
            clients = [docker.APIClient(base_url=d.engines[h],
                                        version="auto") for h in d.hosts]
            try:
                results[n] = _rounds(args, d, engine, clients)
            finally:
                clean_raw(clients)
                for client in clients:
                    client.close()
                engine.dispose()
    print()
    for n, (raw, service) in results.items():
        print("%d host%s: raw %s /s, service %s /s" % (
            n, "" if n == 1 else "s", _spread(raw), _spread(service)))
        print("  ratio service/raw: %.3f (of the medians); per round %s" % (
            statistics.median(service) / statistics.median(raw),
            ", ".join("%.2f" % (s / r) for r, s in zip(raw, service))))


def _rounds(args, d, engine, clients):
    n = len(clients)

    def raw():
        rate = raw_run(clients, args.count, args.concurrency)
        clean_raw(clients)
        settle()
        return rate

    def service(count=args.count):
        rate, where, project = service_run(d, engine, count,
                                           args.concurrency, args.poll)
        clean_service(d, project)
        settle()
        return rate, where

    # Warm up: first use of each engine, connection and API path.
    raw_run(clients, args.concurrency, args.concurrency)
    clean_raw(clients)
    service(args.concurrency)
    rates = {"raw": [], "service": []}
    for r in range(args.rounds):
        # Raw first in even rounds, the service first in odd ones: drift
        # in the daemons' speed weighs on both alike.
        for side in (("raw", "service") if r % 2 == 0 else
                     ("service", "raw")):
            if side == "raw":
                rate = raw()
                print("%d host%s round %d raw docker-py   %5.2f /s" % (
                    n, " " if n == 1 else "s", r + 1, rate))
            else:
                rate, where = service()
                print("%d host%s round %d service (API)   %5.2f /s  "
                      "per host %s, the first %d %s" % (
                          n, " " if n == 1 else "s", r + 1, rate,
                          _counts(where["all"], d.hosts), args.concurrency,
                          _counts(where["first"], d.hosts)))
            rates[side].append(rate)
            sys.stdout.flush()
    return rates["raw"], rates["service"]


def _counts(counter, hosts):
    return "/".join(str(counter[h]) for h in hosts)


def _database_url(d):
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(d.confs["api"])
    return conf["database"]["connection"]


def _spread(rates):
    return "%.2f (%.2f-%.2f)" % (statistics.median(rates), min(rates),
                                 max(rates))


# -- the scheduling step ------------------------------------------------------

def bench_scheduling(args):
    from oslo_config import cfg

    from magnum_lite import scheduler
    from magnum_lite import conf as ml_conf
    from magnum_lite import context as ml_context
    from magnum_lite.db import api as db
    from magnum_lite.db import migration
    from magnum_lite import lifecycle
    from magnum_lite import objects
    from harness import stack as shared

    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf([], project="magnum_lite", default_config_files=[])
    # The heartbeats written below stay fresh for the whole run.
    conf.set_override("service_down_time", 3600, group="conductor")
    # Hundreds of creates in one project: the quota's check is measured,
    # not its refusal.
    for name in ("containers", "memory", "cpu"):
        conf.set_override(name, -1, group="quota")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="ml-bench-sched-"))
    with shared.fresh_database("postgresql", workdir) as url:
        db.configure(url)
        migration.upgrade("head")
        hosts = ["sched-%d" % (i + 1) for i in range(args.sched_hosts)]
        _populate(db.get_engine(), hosts, args.records)
        context = ml_context.RequestContext(
            project_id="tenant", user_id="tenant", overwrite=False)
        claim = scheduler.claim_for(conf, 64, None)

        def place(i):
            # As the API's create does it: plan, the project's limits, then
            # the record with the host's and the project's claims.
            # in one transaction; the last part includes its COMMIT.
            t0 = time.perf_counter()
            with objects.together():
                planned = scheduler.plan(context, conf, claim)
                t1 = time.perf_counter()
                limits = objects.quota.limits(conf, "tenant")
                t2 = time.perf_counter()
                container = objects.Container(
                    context, status=lifecycle.CREATING, project_id="tenant",
                    user_id="tenant", name="placed-%06d" % i, image=IMAGE,
                    command=["sleep", "300"], cpu=None, memory=64,
                    environment={}, labels={}, restart_policy=None,
                    auto_remove=False, idempotency_key=None)
                if not container.create(planned, claim, limits,
                                        {"hints": {}, "forced": False}):
                    raise RuntimeError("placement refused")
            return t1 - t0, t2 - t1, time.perf_counter() - t2

        for i in range(20):
            place(-1 - i)  # warm up: connections, ORM mappers
        times = [place(i) for i in range(args.placements)]
        print("scheduling, %d hosts, %d records, PostgreSQL, %d placements:"
              % (len(hosts), args.records, args.placements))
        for name, samples in (
                ("scheduler.plan()", [t[0] for t in times]),
                ("quota.limits()", [t[1] for t in times]),
                ("Container.create(hosts, claim...)", [t[2] for t in times]),
                ("the three", [sum(t) for t in times])):
            print("  %-34s %s" % (name, _percentiles(samples)))
        _explain(db.get_engine(), place, args.placements)


def _populate(engine, hosts, count):
    """count records spread over hosts, their claims, and the hosts' and
    projects' usage as the claims would have left them; in bulk, then
    ANALYZE, as a live database's autovacuum would have."""
    import sqlalchemy as sa

    from magnum_lite.db import models

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    services = models.Service.__table__
    containers = models.Container.__table__
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(services.insert(), [
            {"host": h, "binary": "magnum-lite-conductor", "topic": "t",
             "disabled": False, "report_count": 1, "engine_info": {},
             "memory_mb": 1 << 30, "cpus": 1e6, "labels": {},
             "memory_used_mb": 0, "cpu_used": 0.0, "container_count": 0,
             "created_at": now, "updated_at": now} for h in hosts])
        rows = [{"uuid": str(uuid.uuid4()), "name": "bulk-%05d" % i,
                 "project_id": "p%02d" % (i % 20), "user_id": "u",
                 "image": IMAGE, "command": ["sleep", "300"],
                 "memory": 64, "cpu": None, "environment": {"A": "1"},
                 "labels": {"team": "bench"}, "status": "Running",
                 "host": hosts[i % len(hosts)],
                 "container_id": uuid.uuid4().hex * 2,
                 "auto_remove": False,
                 "restart_policy": {"Name": "no", "MaximumRetryCount": 0},
                 "claim_memory_mb": 64, "claim_cpu": 1.0,
                 "created_at": now}
                for i in range(count)]
        if rows:
            conn.execute(containers.insert(), rows)
        for h in hosts:
            mine = sum(1 for r in rows if r["host"] == h)
            conn.execute(services.update().where(services.c.host == h)
                         .values(memory_used_mb=64 * mine,
                                 cpu_used=float(mine), container_count=mine))
        projects = collections.Counter(r["project_id"] for r in rows)
        if projects:
            conn.execute(models.ProjectUsage.__table__.insert(), [
                {"project_id": p, "containers": n, "memory_mb": 64 * n,
                 "cpu": float(n)} for p, n in projects.items()])
    with engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    print("populated %d records over %d hosts in %.1f s" % (
        count, len(hosts), time.perf_counter() - start))


def _explain(engine, place, first):
    """Each statement one placement sends, its own time as the client sees
    it, and PostgreSQL's plan of it (EXPLAIN ANALYZE in a transaction
    rolled back)."""
    import sqlalchemy as sa

    seen = collections.OrderedDict()   # statement -> [params, seconds...]
    begun = {}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, many):
        begun[id(cursor)] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, many):
        took = time.perf_counter() - begun.pop(id(cursor))
        seen.setdefault(statement, [parameters, []])[1].append(took)

    try:
        for i in range(50):
            place(first + i)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    print("statements of one placement (median of 50, as sent):")
    for statement, (parameters, took) in seen.items():
        print("  %.3f ms  %s" % (statistics.median(took) * 1000,
                                 " ".join(statement.split())[:200]))
    for statement, (parameters, _) in seen.items():
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            continue
        if statement.lstrip().upper().startswith("INSERT"):
            # A new uuid and name, or the insert meets the one it copies.
            parameters = dict(parameters, uuid=str(uuid.uuid4()),
                              name="explained-" + uuid.uuid4().hex[:8])
        with engine.connect() as conn:
            with conn.begin() as transaction:
                plan = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement,
                    parameters).scalars().all()
                transaction.rollback()
        print("-- " + " ".join(statement.split())[:120])
        for line in plan:
            print("   " + line)


def _percentiles(samples):
    ordered = sorted(samples)

    def at(q):
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000
    return "median %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms" % (
        statistics.median(samples) * 1000, at(0.9), at(0.99),
        ordered[-1] * 1000)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=60,
                        help="containers per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--hosts", type=lambda s: [int(n) for n in
                                                   s.split(",")],
                        default=[1, 3], help="host counts, e.g. 1,3")
    parser.add_argument("--poll", type=float, default=0.05,
                        help="seconds between two lists of a run's records")
    parser.add_argument("--host-subset-size", type=int, default=1,
                        help="[conductor] host_subset_size of the API")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--placements", type=int, default=500)
    parser.add_argument("--sched-hosts", type=int, default=3)
    parser.add_argument("--part", choices=("all", "throughput",
                                           "scheduling"), default="all")
    args = parser.parse_args(argv)
    head = subprocess.run(["git", "-C", str(common.ROOT), "describe",
                           "--always", "--dirty"], capture_output=True,
                          text=True).stdout.strip() or str(common.ROOT)
    print("%s, code %s" % (datetime.datetime.now(
        datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), head))
    if args.part in ("all", "scheduling"):
        bench_scheduling(args)
    if args.part in ("all", "throughput"):
        bench_throughput(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

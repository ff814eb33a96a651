"""Hosts that die and requests that get lost, on three real engines with a
real API process and a conductor process per engine, on RabbitMQ and
PostgreSQL (docs/status.md).

Each run counts the requests it made and how they ended:

    completed  a create Running, a stop whose entry ended in Success
    failed     ended in Error with a reason
    refused    answered 409 at once (an operation on a lost host's record)
    lost       accepted, and never ended (a record gone or still
               Creating, an entry still open)
    stuck      records in a transient status or with a task in flight
    doubled    a record with more than one Docker container, or with one on
               an engine other than its host's
    orphans    Docker containers whose record does not exist

prints them (pytest -s), and asserts lost = stuck = doubled = orphans = 0.
"""
import collections
from concurrent import futures
import os
import signal
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa

from harness import stack as shared
from harness import multihost
from magnum_lite import conf as ml_conf
from magnum_lite import lifecycle
from tests.integration import faultproxy

# Creates that no conductor took on a lost host move after 3 s, not 60.
OPTIONS = {"conductor": {"replace_after": 3}}

# Each run waits on hosts being found lost and back (seconds each), on a
# deployment and relays of its own: .ci/test runs them beside the rest.
pytestmark = pytest.mark.slow


def _until(check, timeout, what):
    return shared.wait_for(check, timeout, 0.1, what)


def _entry(d, uuid, request_id):
    status, body = d.request(
        "GET", "/v1/containers/%s/container_actions/%s" % (uuid, request_id))
    return body if status == 200 else None


def _stop(d, uuid):
    """Ask for a stop; (uuid, request id) when accepted, else the status
    it was refused with."""
    status, body, headers = shared.request_json(
        d.port, "POST", "/v1/containers/%s/stop?timeout=1" % uuid, None,
        multihost.HEADERS, 60, with_headers=True)
    if status == 202:
        return uuid, headers["x-openstack-request-id"]
    return status


def tally(d, creates, stops, refused=0, deleted=()):
    """The figures of a run: creates are accepted uuids, stops (uuid,
    request id) pairs, `deleted` records deleted on purpose; records on a
    lost host (Unknown) are neither completed nor lost."""
    records = d.records()
    copies = collections.defaultdict(list)
    for engine_host, found in d.census().items():
        for f in found:
            copies[f.uuid].append(engine_host)
    figures = collections.Counter(requests=len(creates) + len(stops),
                                  refused=refused)
    for uuid in creates:
        r = records.get(uuid)
        if uuid in deleted and r is None:
            figures["deleted"] += 1
        elif r is None or r["status"] == lifecycle.CREATING:
            figures["lost"] += 1
        elif r["status"] == lifecycle.ERROR and r["status_reason"]:
            figures["failed"] += 1
        elif r["status"] == lifecycle.UNKNOWN:
            figures["unknown"] += 1
        else:
            figures["completed"] += 1
    for uuid, request_id in stops:
        entry = _entry(d, uuid, request_id)
        if entry is None or not entry["finish_time"]:
            figures["lost"] += 1
        elif entry["message"] is None:
            figures["completed"] += 1
        else:
            figures["failed"] += 1
    figures["stuck"] = sum(
        r["status"] in lifecycle.TRANSIENT or r["task_state"] is not None
        for r in records.values())
    for uuid, where in copies.items():
        if uuid not in records:
            figures["orphans"] += len(where)
        else:
            figures["doubled"] += len(where) - 1 + sum(
                h != records[uuid]["host"] for h in set(where))
    for key in ("completed", "failed", "lost", "stuck", "doubled",
                "orphans", "unknown"):
        figures.setdefault(key, 0)
    print("\n%s" % dict(figures))
    return figures


def _settled(d, uuids, timeout=60):
    """Until none of these records is transient or busy; the records."""
    def check():
        records = d.records()
        if all(u in records and
               records[u]["status"] not in lifecycle.TRANSIENT and
               records[u]["task_state"] is None for u in uuids):
            return records
    return _until(check, timeout, "records settled")


def _creates(d, n, prefix):
    """n creates one after the other (so that they spread over the hosts
    evenly); the uuids accepted, in order."""
    return [d.create(name="%s-%d" % (prefix, i))["uuid"] for i in range(n)]


def _assert_clean(figures):
    assert (figures["lost"], figures["stuck"], figures["doubled"],
            figures["orphans"]) == (0, 0, 0, 0), dict(figures)


def test_a_conductor_killed_mid_work_and_back_after_5s(tmp_path):
    """SIGKILL one conductor while 30 creates and 15 stops are under way
    on the three hosts; start it again 5 s later: every accepted request
    is carried out, once."""
    with multihost.deployed(tmp_path, 3, options=OPTIONS) as d:
        victim = d.hosts[0]
        running = _creates(d, 15, "base")
        d.wait_status(running)
        creates, stops, refused = [], [], 0
        killed = threading.Event()

        def kill_when_busy():
            _until(lambda: any(r["host"] == victim and r["task_state"]
                               for r in d.records().values()), 60,
                   "the victim busy")
            d.kill(victim)
            killed.set()

        killer = threading.Thread(target=kill_when_busy)
        killer.start()
        with futures.ThreadPoolExecutor(8) as pool:
            made = pool.map(lambda i: d.create(name="run-%d" % i), range(30))
            asked = pool.map(lambda u: _stop(d, u), running)
            creates = [c["uuid"] for c in made]
            for answer in asked:
                if isinstance(answer, tuple):
                    stops.append(answer)
                else:
                    assert answer == 409, answer  # on the lost host
                    refused += 1
        killer.join()
        time.sleep(5)  # the 5 s outage under test, not a wait
        d.start(victim)
        d.wait_alive([victim])
        back = time.monotonic()
        _settled(d, creates + running)
        _until(lambda: all((_entry(d, u, r) or {}).get("finish_time")
                           for u, r in stops), 60, "every stop ended")
        print("settled %.1f s after the conductor was back" % (
            time.monotonic() - back))
        figures = tally(d, creates, stops, refused)
        _assert_clean(figures)
        # Nothing accepted ended in Error: each was carried out.
        assert figures["completed"] == figures["requests"], dict(figures)


def test_a_conductor_killed_for_good(tmp_path):
    """Its records read Unknown, its unstarted creates run elsewhere,
    deletes of its records are accepted, other operations refused; when
    the host does come back, it runs nothing twice."""
    with multihost.deployed(tmp_path, 3, options=OPTIONS) as d:
        victim = d.hosts[0]
        before = _creates(d, 6, "before")
        d.wait_status(before)
        mine = [u for u, r in d.records().items() if r["host"] == victim]
        assert len(mine) == 2, d.records()
        d.kill(victim)
        killed = time.monotonic()
        # Sent before anyone can know: two of these go to the dead host.
        burst = [d.create(name="burst-%d" % i)["uuid"] for i in range(6)]
        sent_to_victim = [u for u in burst
                          if d.records()[u]["host"] == victim]

        def unknown():
            records = d.records()
            return all(records[u]["status"] == lifecycle.UNKNOWN
                       for u in mine) and records
        records = _until(unknown, 30, "its records Unknown")
        print("records Unknown %.1f s after the kill" % (
            time.monotonic() - killed))
        reason = records[mine[0]]["status_reason"]
        assert reason.startswith("Host %s is lost: the conductor of host "
                                 "%s has not reported since" % (victim,
                                                                victim))
        assert reason.endswith("The last status Docker reported was "
                               "Running.")
        status, body = d.request("POST",
                                 "/v1/containers/%s/stop" % mine[0])
        assert status == 409, body
        assert "is lost" in body["errors"][0]["detail"]
        # The creates it never took run on the other two.
        assert sent_to_victim, "no create went to the dead host"
        records = d.wait_status(burst, timeout=60)
        assert all(records[u]["host"] != victim for u in burst), records
        status, body = d.request("DELETE", "/v1/containers/%s" % mine[0])
        assert status == 204, body
        assert mine[0] not in d.records()
        figures = tally(d, before + burst, [], deleted=mine[:1])
        assert figures["unknown"] == 1  # mine[1]
        assert (figures["lost"], figures["stuck"]) == (0, 0)
        # Back after all: the deleted record's container goes, the moved
        # creates do not run here, and its one record left is Running.
        d.start(victim)
        d.wait_alive([victim])
        d.wait_status([mine[1]])
        _until(lambda: not any(f.uuid == mine[0]
                               for f in d.census()[victim]), 30,
               "the deleted record's container removed")
        _assert_clean(tally(d, before + burst, [], deleted=mine[:1]))


def test_an_engine_that_stops_and_starts(tmp_path):
    """The conductor stays up, its Docker Engine goes away: the host is
    lost within a beat or two, creates go elsewhere, and when the engine
    is back the records say what Docker says."""
    with shared.private_engine() as engine:
        urls = multihost.docker_urls(2) + [engine.up()]
        with multihost.deployed(tmp_path, 3, options=OPTIONS,
                                urls=urls) as d:
            victim = d.hosts[2]
            before = _creates(d, 6, "before")
            d.wait_status(before)
            mine = [u for u, r in d.records().items()
                    if r["host"] == victim]
            pid = engine.pid()
            stopped = time.monotonic()
            os.kill(pid, signal.SIGTERM)  # stops its containers, exits
            records = _until(
                lambda: (lambda r: all(r[u]["status"] == lifecycle.UNKNOWN
                                       for u in mine) and r)(d.records()),
                30, "its records Unknown")
            print("engine lost %.1f s after SIGTERM" % (
                time.monotonic() - stopped))
            assert "Docker Engine of host %s has not answered" % victim in \
                records[mine[0]]["status_reason"]
            during = _creates(d, 3, "during")
            records = d.wait_status(during)
            assert all(records[u]["host"] != victim for u in during)
            _until(lambda: not os.path.exists("/proc/%d" % pid), 60,
                   "dockerd gone")
            engine.up()
            # Back: dockerd stopped its containers on the way down.
            d.wait_status(mine, lifecycle.STOPPED, timeout=30)
            _assert_clean(tally(d, before + during, []))


def test_a_hung_conductor_runs_nothing_placed_elsewhere(tmp_path):
    """SIGSTOP for 20 s, then SIGCONT: the creates it had not taken were
    placed again meanwhile, and it must not run them when it wakes."""
    with multihost.deployed(tmp_path, 3, options=OPTIONS) as d:
        victim = d.hosts[0]
        before = _creates(d, 3, "before")
        d.wait_status(before)
        d.pause(victim)
        try:
            burst = [d.create(name="burst-%d" % i)["uuid"]
                     for i in range(6)]
            sent_to_victim = [u for u in burst
                              if d.records()[u]["host"] == victim]
            assert sent_to_victim, d.records()
            records = d.wait_status(burst, timeout=60)
            assert all(records[u]["host"] != victim for u in burst)
            # The rest of the 20 s hang this test is about (what came
            # before took about 8): not a wait for anything.
            time.sleep(max(0, 20 - 8))
        finally:
            d.resume(victim)
        d.wait_alive([victim])
        mine = [u for u in before if d.records()[u]["host"] == victim]
        d.wait_status(before)
        # What it had in its queue, it handles now, and it must run none
        # of it. 3 s more (it is awake for some seconds already: it beat
        # twice for wait_alive): RabbitMQ hands a consumer its queue as
        # it wakes; a create it ran would have its Docker container
        # within a second (the image is on its engine), and a reconcile
        # pass (reconcile_interval 2 s) has come and gone too.
        time.sleep(3)
        figures = tally(d, before + burst, [])
        _assert_clean(figures)
        assert figures["completed"] == len(before + burst)
        assert all(d.records()[u]["status"] == lifecycle.RUNNING
                   for u in mine)


def test_a_conductor_cut_off_from_rabbitmq(tmp_path):
    """Its heartbeats still reach the database: it is not lost, and the
    requests sent to it meanwhile are carried out from the action log,
    once, even when their messages arrive after the cut heals."""
    env = shared.stack()
    rabbit = env["MAGNUM_LITE_TEST_RABBIT_URL"]
    host_port = rabbit.split("@")[-1].strip("/")
    relay = faultproxy.Relay(host_port.split(":")[0],
                             int(host_port.split(":")[1]))
    cut_url = rabbit.replace(host_port, "127.0.0.1:%d" % relay.port)
    try:
        with multihost.deployed(
                tmp_path, 3, options=OPTIONS, conductor_options=[
                    {"DEFAULT": {"transport_url": cut_url}}]) as d:
            victim = d.hosts[0]
            running = _creates(d, 6, "base")
            d.wait_status(running)
            mine = [u for u in running if d.records()[u]["host"] == victim]
            relay.cut(silently=True)
            stops = [_stop(d, u) for u in mine]
            assert all(isinstance(s, tuple) for s in stops), stops
            # Never down: a false verdict would come within
            # service_down_time (5 s) of a missed beat; watch for three.
            watch = time.monotonic() + 15
            while time.monotonic() < watch:
                assert d.services()[victim]["state"] == "up"
                time.sleep(0.5)
            d.wait_status(mine, lifecycle.STOPPED, timeout=30)
            relay.heal()
            # The late messages must do nothing. 5 s: the heal drops the
            # held connection, RabbitMQ puts the stops it never got
            # acknowledged back, and the conductor connects again within
            # about a second (rabbit_retry_interval, 1 s) and is handed
            # them at once; a second stop would be in the log by then.
            time.sleep(5)
            figures = tally(d, running, stops)
            _assert_clean(figures)
            assert figures["completed"] == figures["requests"]
            # One entry per stop: the late messages did nothing.
            for uuid, _ in stops:
                _, body = d.request(
                    "GET", "/v1/containers/%s/container_actions" % uuid)
                assert [a["action"] for a in body["containerActions"]
                        ].count("stop") == 1
    finally:
        relay.close()


def test_a_conductor_cut_off_from_postgresql(tmp_path):
    """It cannot beat nor record: its host reads lost, its records
    Unknown; when the cut heals, what it was asked before anyone knew is
    carried out, and nothing runs twice."""
    env = shared.stack()
    url = sa.make_url(env["MAGNUM_LITE_TEST_POSTGRES_URL"])
    relay = faultproxy.Relay(url.host or "127.0.0.1", url.port or 5432)
    try:
        with multihost.deployed(tmp_path, 3, options=OPTIONS) as d:
            victim = d.hosts[0]
            # Its conductor reaches the database through the relay.
            d.stop(victim)
            conf = d.confs[victim]
            server = "@%s:%d/" % (url.host, url.port or 5432)
            assert server in conf.read_text()
            conf.write_text(conf.read_text().replace(
                server, "@127.0.0.1:%d/" % relay.port))
            d.start(victim)
            d.wait_alive([victim])
            running = _creates(d, 6, "base")
            d.wait_status(running)
            mine = [u for u in running if d.records()[u]["host"] == victim]
            relay.cut()
            # Before anyone can know: accepted, and cast to it.
            stops = [_stop(d, u) for u in mine]
            d.wait_down(victim, timeout=30)
            records = d.records()
            assert all(records[u]["status"] == lifecycle.UNKNOWN
                       for u in mine)
            refused = sum(_stop(d, u) == 409 for u in mine)
            assert refused == len(mine)
            relay.heal()
            d.wait_alive([victim])
            accepted = [s for s in stops if isinstance(s, tuple)]
            _until(lambda: all((_entry(d, u, r) or {}).get("finish_time")
                               for u, r in accepted), 60, "stops ended")
            figures = tally(d, running, accepted, refused)
            _assert_clean(figures)
            assert figures["completed"] == figures["requests"]
    finally:
        relay.close()


# How long a restart keeps each server from its clients, as timed on this
# machine: `pg_ctlcluster ... restart` of the stack's PostgreSQL under this
# soak's load took a few seconds (a private, idle one restarts in 0.3 s),
# and `rabbitmqctl stop_app`, `start_app`, `await_startup` of a private
# RabbitMQ node 2.5 to 4.3 s. The longer figures: the harder case for the
# heartbeats.
POSTGRESQL_RESTART, RABBITMQ_RESTART = 3, 4


@pytest.mark.parametrize("minutes", [3])
def test_no_false_verdicts_under_load(tmp_path, minutes):
    """The defaults ([conductor] heartbeat_interval and service_down_time)
    on three hosts, with every core busy for the whole run and PostgreSQL
    and RabbitMQ each restarted in it: no host is ever reported lost.
    MAGNUM_LITE_SOAK_CADENCE=2,6 tries another pair.

    Every process reaches both servers through a relay of the test's own,
    and a restart is the relay dropping every connection and refusing new
    ones for a restart's length, then healing: what each client of a
    restarted server sees, with nothing shared restarted under the tests
    that run beside this one.
    """
    opts = {o.name: o.default for o in ml_conf.conductor_opts}
    cadence = os.environ.get("MAGNUM_LITE_SOAK_CADENCE", "%d,%d" % (
        opts["heartbeat_interval"], opts["service_down_time"])).split(",")
    defaults = {"conductor": {"heartbeat_interval": int(cadence[0]),
                              "service_down_time": int(cadence[1])}}
    with faultproxy.before_the_stack() as (relays, routes):
        with multihost.deployed(tmp_path, 3, options=defaults,
                                routes=routes) as d:
            # The API's and each conductor's.
            faultproxy.assert_routed(d.confs.values(), routes)
            _soak(d, minutes, relays)


def _soak(d, minutes, relays):
    # One burner per core keeps every core busy. No more: CI runs this
    # beside the main stage, whose tests keep the cores busy as well, and
    # twice as many burners only starved those for the three minutes.
    burners = [subprocess.Popen(["python3", "-c", "while True: pass"])
               for _ in range(os.cpu_count() or 2)]
    verdicts, polls, failed_polls = [], 0, 0
    try:
        end = time.monotonic() + minutes * 60
        postgresql, rabbitmq = relays["postgresql"], relays["rabbitmq"]
        restarts = sorted([
            (end - minutes * 40, postgresql.cut),
            (end - minutes * 40 + POSTGRESQL_RESTART, postgresql.heal),
            (end - minutes * 20, rabbitmq.cut),
            (end - minutes * 20 + RABBITMQ_RESTART, rabbitmq.heal)],
            key=lambda step: step[0])
        work = []
        while time.monotonic() < end:
            while restarts and time.monotonic() >= restarts[0][0]:
                restarts.pop(0)[1]()
            try:
                services = d.services()
                polls += 1
            except (OSError, AssertionError):
                failed_polls += 1  # the database is away
                time.sleep(0.3)
                continue
            verdicts += [(h, s["updated_at"]) for h, s in
                         services.items() if s["state"] != "up"]
            if polls % 20 == 0:  # some work on the side
                try:
                    work.append(d.create(name="soak-%d" % polls)["uuid"])
                except (OSError, AssertionError):
                    pass
            time.sleep(0.3)
    finally:
        for b in burners:
            b.kill()
        for relay in relays.values():
            relay.heal()
    print("\n%d polls (%d failed while the database was away), %d false "
          "verdicts: %s" % (polls, failed_polls, len(verdicts),
                            verdicts[:5]))
    assert restarts == [], "the run ended before both restarts were over"
    assert verdicts == []
    assert polls > minutes * 60  # it did look, all along

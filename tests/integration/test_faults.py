"""Scripted, bounded fault runs on the real stack, scaled out: an API
process and a conductor process on RabbitMQ and PostgreSQL.

Each run makes a known number of requests, breaks something in the middle
(SIGKILL of the conductor, a RabbitMQ or PostgreSQL restart, the Docker
Engine stopping), lets the service recover by itself, and takes a census:

    lost     accepted (202) creates whose record is gone or never left
             Creating
    stuck    records still in a transient status or with a task in flight
    orphans  Docker containers of this host with no record that owns them,
             and records owning more than one Docker container
and asserts all three are zero. The figures are printed (pytest -s).

A restart never touches the stack's servers, which the tests beside these
use: the deployment reaches them through relays of the test's own
(faultproxy.py), and a restart is a relay cut for a restart's length.
"""
import contextlib
import os
import signal
import time

import docker
import pytest

from harness import multihost
from harness import stack as shared
from magnum_lite import lifecycle
from tests.integration import faultproxy

# What these runs add to a deployment's defaults (harness/multihost.py):
# accepted requests survive a RabbitMQ restart, as scaled out.
OPTIONS = {"oslo_messaging_rabbit": {"amqp_durable_queues": True},
           "conductor": {"request_timeout": 20}}

# How long a restart keeps each server from its clients: the lengths timed
# for the soak in test_host_loss.py (`pg_ctlcluster ... restart` of the
# stack's PostgreSQL; `rabbitmqctl stop_app`, `start_app`, `await_startup`
# of a RabbitMQ node), the longer figures.
POSTGRESQL_RESTART, RABBITMQ_RESTART = 3, 4


class Deployment:
    """A one-host deployment (harness/multihost.py: an API process and a
    conductor process on RabbitMQ and PostgreSQL), and what these runs do
    with it: creates that may be refused, and the census."""

    def __init__(self, deployed):
        self.deployed = deployed
        self.host = deployed.hosts[0]
        self.docker_url = deployed.engines[self.host]

    def _name(self, binary):
        return multihost.API if binary == "api" else self.host

    def start(self, binary):
        self.deployed.start(self._name(binary))

    def kill(self, binary):
        self.deployed.kill(self._name(binary))

    def wait_ready(self, timeout=60):
        self.deployed.wait_alive(timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        return self.deployed.request(method, path, body, headers)

    def create(self, n, key_prefix):
        """n creates with run=true; the uuids of those accepted (202)."""
        accepted = []
        for i in range(n):
            status, body = self.request(
                "POST", "/v1/containers?run=true",
                {"image": os.environ["MAGNUM_LITE_TEST_IMAGE"],
                 "command": ["sleep", "300"], "memory": "32"},
                headers={"Idempotency-Key": "%s-%d" % (key_prefix, i)})
            if status == 202:
                accepted.append(body["uuid"])
            else:
                assert status in (503,), (status, body)
        return accepted

    def records(self):
        return self.deployed.records()

    def settle(self, timeout=90):
        """Wait until no record is transient or has a task in flight (a
        record still unsettled then is counted as stuck, not failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.records()
            if not any(_unsettled(r) for r in records.values()):
                return records
            time.sleep(0.5)
        return self.records()

    def census(self, accepted, deleted=()):
        """The figures of a run; `deleted` were asked to be deleted, so
        their records may rightly be gone."""
        records = self.settle()
        by_uuid = {}
        for found in self.deployed.census()[self.host]:
            by_uuid.setdefault(found.uuid, []).append(found.id)
        figures = {
            "requests": len(accepted),
            "running": sum(records.get(u, {}).get("status") ==
                           lifecycle.RUNNING for u in accepted),
            "failed with a reason": sum(
                records.get(u, {}).get("status") == lifecycle.ERROR and
                bool(records[u]["status_reason"]) for u in accepted),
            "lost": sum((u not in records and u not in deleted) or
                        records.get(u, {}).get("status") ==
                        lifecycle.CREATING for u in accepted),
            "stuck": sum(_unsettled(r) for r in records.values()),
            "orphans": sum(u not in records for u in by_uuid) + sum(
                len(ids) - 1 for ids in by_uuid.values()),
        }
        # What the host's claims hold, against what its records ask: a
        # crash anywhere must leave the two equal.
        host = self.deployed.get("/v1/hosts/" + self.host)
        claimed = sum(int((r["memory"] or "512M").rstrip("M"))
                      for r in records.values())
        figures["usage off"] = (abs(host["mem_used"] - claimed) +
                                abs(host["total_containers"] - len(records)))
        print("\n%s: %s" % (self.host, figures))
        return figures, records


def _unsettled(record):
    return (record["status"] in lifecycle.TRANSIENT or
            record["task_state"] is not None)


@contextlib.contextmanager
def _deployed(tmp_path, docker_url, routes=None):
    with multihost.deployed(tmp_path, 1, options=OPTIONS,
                            urls=[docker_url], routes=routes) as deployed:
        yield Deployment(deployed)


@pytest.fixture
def deployment(tmp_path):
    with _deployed(tmp_path,
                   shared.stack()["MAGNUM_LITE_TEST_DOCKER_URL"]) as d:
        yield d


@pytest.fixture
def relayed(tmp_path):
    """A deployment whose API and conductor reach PostgreSQL and RabbitMQ
    through relays of the test's own, in d.relays["postgresql"] and
    d.relays["rabbitmq"]: a cut of one is what its clients see of that
    server restarting (every connection dropped, new ones refused), and
    nothing shared is restarted."""
    env = shared.stack()
    with faultproxy.before_the_stack() as (relays, routes):
        with _deployed(tmp_path, env["MAGNUM_LITE_TEST_DOCKER_URL"],
                       routes=routes) as d:
            # The API's and the host's.
            faultproxy.assert_routed(d.deployed.confs.values(), routes)
            d.relays = relays
            try:
                yield d
            finally:
                for relay in relays.values():
                    relay.heal()  # a test that ended mid-restart


def _when(check, timeout=30):
    shared.wait_for(check, timeout, 0.01, "it happened")


def test_sigkill_of_the_conductor_in_the_middle_of_creates(deployment):
    accepted = deployment.create(4, "before")
    # Kill it while a create is under way (its record has a task).
    _when(lambda: any(r["task_state"] == "create"
                      for r in deployment.records().values()))
    deployment.kill("conductor")
    accepted += deployment.create(4, "while-down")
    deployment.start("conductor")
    deployment.wait_ready()
    # A client that retries the creates made while it was down gets the
    # same containers, not new ones.
    retried = deployment.create(4, "while-down")
    assert retried == accepted[4:]
    figures, _ = deployment.census(accepted)
    assert figures["requests"] == 8
    assert (figures["lost"], figures["stuck"], figures["orphans"],
            figures["usage off"]) == (0, 0, 0, 0)
    assert figures["running"] + figures["failed with a reason"] == 8


def test_sigkill_of_the_conductor_during_stops_and_deletes(deployment):
    accepted = deployment.create(6, "ops")
    records = deployment.settle()
    assert all(records[u]["status"] == lifecycle.RUNNING for u in accepted)
    for uuid_ in accepted[:3]:
        status, _ = deployment.request(
            "POST", "/v1/containers/%s/stop?timeout=2" % uuid_)
        assert status == 202
    for uuid_ in accepted[3:]:
        status, _ = deployment.request(
            "DELETE", "/v1/containers/%s?stop=True" % uuid_)
        assert status == 204
    _when(lambda: any(r["task_state"] in ("stop", "delete")
                      for r in deployment.records().values()))
    deployment.kill("conductor")
    deployment.start("conductor")
    deployment.wait_ready()

    # Every stop asked is in its container's action log, and ends there:
    # done, interrupted by the kill, or never taken (after the
    # request_timeout of 20 s); none stays open. A stop whose message the
    # killed conductor had taken, before it marked the record, is done by
    # the new one's backlog: the records are compared with Docker after.
    def stop_entries():
        entries = []
        for uuid_ in accepted[:3]:
            _, body = deployment.request(
                "GET", "/v1/containers/%s/container_actions" % uuid_)
            entries += [a for a in body["containerActions"]
                        if a["action"] == "stop"]
        return entries

    _when(lambda: all(a["finish_time"] for a in stop_entries()), timeout=60)
    figures, records = deployment.census(accepted, deleted=accepted[3:])
    assert (figures["lost"], figures["stuck"], figures["orphans"],
            figures["usage off"]) == (0, 0, 0, 0)
    # Every accepted delete is done, even one whose message the killed
    # conductor had taken; every record left says what Docker says.
    assert not any(u in records for u in accepted[3:]), records
    client = docker.APIClient(base_url=deployment.docker_url,
                              version="auto")
    try:
        for uuid_ in accepted[:3]:
            state = client.inspect_container("magnum-lite-" + uuid_)["State"]
            assert records[uuid_]["status"] == \
                lifecycle.status_from_docker(state)
        for uuid_ in accepted[3:]:
            if uuid_ in records:
                state = client.inspect_container(
                    "magnum-lite-" + uuid_)["State"]
                assert records[uuid_]["status"] == \
                    lifecycle.status_from_docker(state)
    finally:
        client.close()
    entries = stop_entries()
    assert len(entries) == 3, entries
    print("stopped: %d of 3; deleted: %d of 3; stop entries: %s" % (
        sum(records[u]["status"] == lifecycle.STOPPED
            for u in accepted[:3]),
        sum(u not in records for u in accepted[3:]),
        "; ".join(sorted(str(a["message"]) for a in entries))))


def test_rabbitmq_restart_under_load(relayed):
    deployment, broker = relayed, relayed.relays["rabbitmq"]
    accepted = deployment.create(3, "before")
    # The broker restarts (stop_app, start_app, await_startup): the API and
    # the conductor lose their connections to it, and get none back while
    # the creates below run and until a restart's length has passed.
    broker.cut()
    back = time.monotonic() + RABBITMQ_RESTART
    try:
        # Requests while the broker is away: accepted and kept, or refused
        # (503) with nothing left behind; never accepted and then lost.
        accepted += deployment.create(3, "during")
        time.sleep(max(0, back - time.monotonic()))  # the restart's length
    finally:
        broker.heal()
    accepted += deployment.create(3, "after")
    figures, _ = deployment.census(accepted)
    assert figures["requests"] >= 6
    assert (figures["lost"], figures["stuck"], figures["orphans"]) == (
        0, 0, 0)
    assert figures["running"] + figures["failed with a reason"] == \
        figures["requests"]


@pytest.fixture
def engine_deployment(tmp_path):
    """A deployment on a Docker Engine of its own, so that stopping the
    engine disturbs no other test."""
    with shared.private_engine() as engine:
        with _deployed(tmp_path, engine.up()) as d:
            d.engine = engine
            yield d


def test_docker_engine_stops_and_starts_while_containers_run(
        engine_deployment):
    d = engine_deployment
    accepted = d.create(3, "before")
    d.settle()
    pid = d.engine.pid()
    os.kill(pid, signal.SIGTERM)  # dockerd stops its containers, then exits
    _when(lambda: not os.path.exists("/proc/%d/cmdline" % pid) or
          open("/proc/%d/cmdline" % pid).read() == "", timeout=60)
    # While it is away: a create is refused at once once the host reads
    # lost (503, the engine named), or, accepted before that, fails with
    # a reason; never silently.
    during = d.create(1, "during")
    accepted += during
    d.engine.up()
    figures, records = d.census(accepted)
    assert (figures["lost"], figures["stuck"], figures["orphans"]) == (
        0, 0, 0)
    client = docker.APIClient(base_url=d.docker_url, version="auto")
    try:
        # Every record says what Docker says, after the engine came back.
        for uuid_ in accepted:
            record = records[uuid_]
            if record["status"] == lifecycle.ERROR:
                assert record["status_reason"], record
                continue
            state = client.inspect_container(
                "magnum-lite-" + uuid_)["State"]
            assert record["status"] == lifecycle.status_from_docker(state)
        if during:
            record = records[during[0]]
            assert record["status"] == lifecycle.ERROR
            assert "does not answer" in record["status_reason"]
        # And the event stream is followed again: a start from outside
        # shows in the record.
        first = accepted[0]
        client.start("magnum-lite-" + first)
        _when(lambda: d.records()[first]["status"] == lifecycle.RUNNING)
    finally:
        client.close()


def test_postgresql_restart_is_survived(relayed):
    """The API and the conductor reconnect to the database by themselves."""
    deployment, database = relayed, relayed.relays["postgresql"]
    accepted = deployment.create(2, "before")
    deployment.settle()
    # PostgreSQL restarts (pg_ctlcluster ... restart): every connection the
    # API and the conductor hold, pooled ones too, is dropped, and none is
    # taken for a restart's length.
    database.cut()
    time.sleep(POSTGRESQL_RESTART)  # the restart's length
    database.heal()
    # The first request after the restart already works: the pool checks
    # a connection before lending it.
    accepted += deployment.create(2, "after")
    figures, records = deployment.census(accepted)
    assert (figures["lost"], figures["stuck"], figures["orphans"]) == (
        0, 0, 0)
    assert figures["running"] == 4, records

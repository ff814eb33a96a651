"""Scripted, bounded fault runs on the real stack, scaled out: an API
process and a conductor process on RabbitMQ and PostgreSQL.

Each run makes a known number of requests, breaks something in the middle
(SIGKILL of the conductor, a RabbitMQ restart, the Docker Engine stopping),
lets the service recover by itself, and takes a census:

    lost     accepted (202) creates whose record is gone or never left
             Creating
    stuck    records still in a transient status or with a task in flight
    orphans  Docker containers of this host with no record that owns them,
             and records owning more than one Docker container
and asserts all three are zero. The figures are printed (pytest -s).
"""
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid

import docker
import pytest

from harness import stack as shared
from magnum_lite.docker import driver as docker_driver
from magnum_lite import lifecycle

HEADERS = {"Content-Type": "application/json",
           "OpenStack-API-Version": "container 1.40",
           "X-Project-Id": "faults", "X-User-Id": "tester"}


class Deployment:
    """magnum-lite-api and magnum-lite-conductor as real processes."""

    def __init__(self, tmp_path, database, docker_url, rabbit_url):
        self.tag = uuid.uuid4().hex[:8]
        self.host = "fault-" + self.tag
        self.port = shared.free_port()
        self.docker_url = docker_url
        self.logs = tmp_path
        self.conf = tmp_path / "ml.conf"
        self.conf.write_text(
            "[DEFAULT]\nhost = %s\ntransport_url = %s\n"
            # An exchange of its own: durable here, not in other tests.
            "control_exchange = ml-fault-%s\n"
            "[oslo_messaging_rabbit]\namqp_durable_queues = true\n"
            "[api]\nport = %d\n"
            "[conductor]\ntopic = ml-fault-%s\nreconcile_interval = 2\n"
            "request_timeout = 20\nheartbeat_interval = 1\n"
            # Many creates of one project: these runs are not about quotas.
            "[quota]\ncontainers = -1\nmemory = -1\ncpu = -1\n"
            "[docker]\napi_url = %s\n[database]\nconnection = %s\n"
            "[registries]\nallowed_hosts = %s\n" % (
                self.host, rabbit_url, self.tag, self.port, self.tag,
                docker_url,
                database, ",".join(shared.allowed_registries())))
        self.processes = {}

    def start(self, binary):
        log = open(self.logs / ("%s.log" % binary), "a")
        self.processes[binary] = subprocess.Popen(
            [sys.executable, "-m", "magnum_lite.cmd." + binary,
             "--config-file", str(self.conf)], stdout=log, stderr=log,
            cwd=shared.ROOT)

    def kill(self, binary):
        proc = self.processes.pop(binary)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self):
        for proc in self.processes.values():
            proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes = {}

    def request(self, method, path, body=None, headers=None):
        return shared.request_json(self.port, method, path, body,
                                   dict(HEADERS, **(headers or {})))

    def wait_ready(self, timeout=60):
        def up():
            try:
                status, body = self.request(
                    "GET", "/v1/services", headers={"X-Roles": "admin"})
            except OSError:
                return False
            return status == 200 and any(
                s["host"] == self.host and s["state"] == "up"
                for s in body["services"])

        shared.wait_for(up, timeout, 0.2,
                        "the deployment up; logs in %s" % self.logs)

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
        status, body = self.request("GET", "/v1/containers?limit=1000")
        assert status == 200, body
        return {c["uuid"]: c for c in body["containers"]}

    def settle(self, timeout=90):
        """Wait until no record is transient or has a task in flight."""
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
        client = docker.APIClient(base_url=self.docker_url, version="auto")
        try:
            ours = client.containers(all=True, filters={"label": [
                "%s=%s" % (docker_driver.HOST_LABEL, self.host)]})
        finally:
            client.close()
        by_uuid = {}
        for c in ours:
            by_uuid.setdefault(c["Labels"][docker_driver.MANAGED_LABEL],
                               []).append(c["Id"])
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
        _, host = self.request("GET", "/v1/hosts/" + self.host,
                               headers={"X-Roles": "admin"})
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
def _deployed(tmp_path, docker_url):
    """API and conductor processes on a fresh PostgreSQL database."""
    env = shared.stack()
    with shared.fresh_database("postgresql", tmp_path) as url:
        subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                        "--config-file", _bare_conf(tmp_path, url), "db",
                        "upgrade"], check=True, capture_output=True,
                       cwd=shared.ROOT)
        d = Deployment(tmp_path, url, docker_url,
                       env["MAGNUM_LITE_TEST_RABBIT_URL"])
        d.start("conductor")
        d.start("api")
        try:
            d.wait_ready()
            yield d
        finally:
            d.stop_all()
            _remove_host_containers(d)


@pytest.fixture
def deployment(tmp_path):
    with _deployed(tmp_path,
                   shared.stack()["MAGNUM_LITE_TEST_DOCKER_URL"]) as d:
        yield d


def _bare_conf(tmp_path, url):
    path = tmp_path / "manage.conf"
    path.write_text("[database]\nconnection = %s\n" % url)
    return str(path)


def _remove_host_containers(d):
    client = docker.APIClient(base_url=d.docker_url, version="auto")
    for c in client.containers(all=True, filters={
            "label": "%s=%s" % (docker_driver.HOST_LABEL, d.host)}):
        client.remove_container(c["Id"], force=True)
    client.close()


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


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True,
                   timeout=120)


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


def test_rabbitmq_restart_under_load(deployment):
    accepted = deployment.create(3, "before")
    _rabbitmqctl("stop_app")
    try:
        # Requests while the broker is away: accepted and kept, or refused
        # (503) with nothing left behind; never accepted and then lost.
        accepted += deployment.create(3, "during")
    finally:
        _rabbitmqctl("start_app")
    _rabbitmqctl("await_startup")
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


def test_postgresql_restart_is_survived(deployment):
    """The API and the conductor reconnect to the database by themselves."""
    accepted = deployment.create(2, "before")
    deployment.settle()
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version,
                    "main", "restart"], check=True, capture_output=True,
                   timeout=120)
    # The first request after the restart already works: the pool checks
    # a connection before lending it.
    accepted += deployment.create(2, "after")
    figures, records = deployment.census(accepted)
    assert (figures["lost"], figures["stuck"], figures["orphans"]) == (
        0, 0, 0)
    assert figures["running"] == 4, records

"""Three conductors, each on a Docker Engine of its own, behind one API."""
import collections
from concurrent import futures
import os
import signal
import subprocess

import docker
import pytest

from harness import stack as shared
from harness import multihost
from magnum_lite.docker import driver as docker_driver
from magnum_lite import lifecycle

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    with multihost.deployed(tmp_path_factory.mktemp("multihost"), 3) as d:
        yield d


def _counts(d):
    return collections.Counter(r["host"] for r in d.records().values())


def _fewest(counts, hosts):
    """Where today's scheduler puts the next container: the live host
    with the fewest containers, the first by name on a tie."""
    return min(hosts, key=lambda host: (counts[host], host))


def _assert_on_its_engine(d, records):
    """Each container runs in Docker on the engine of the host its record
    names, as that host's conductor made it, and on no other engine."""
    where = collections.defaultdict(list)
    for engine_host, found in d.census().items():
        for c in found:
            where[c.uuid].append((engine_host, c.host, c.state))
    for uuid_, record in records.items():
        host = record["host"]
        assert where[uuid_] == [(host, host, "running")], (record, where)
        inspected = d.docker(host).inspect_container("magnum-lite-" + uuid_)
        assert inspected["State"]["Running"]
        assert inspected["HostConfig"]["Memory"] == 64 * MiB
        assert inspected["HostConfig"]["NetworkMode"] == "none"
        assert inspected["Config"]["Labels"][docker_driver.HOST_LABEL] == \
            host
        for other in set(d.hosts) - {host}:
            with pytest.raises(docker.errors.NotFound):
                d.docker(other).inspect_container("magnum-lite-" + uuid_)


def test_every_host_is_listed_and_up(d):
    services = d.services()
    assert sorted(services) == sorted(d.hosts)
    for service in services.values():
        assert (service["state"], service["binary"], service["topic"],
                service["disabled"]) == (
            "up", "magnum-lite-conductor", d.topic, False), service
    hosts = d.hosts_listed()
    assert sorted(hosts) == sorted(d.hosts)
    counts = _counts(d)
    for name, host in hosts.items():
        # What its own engine reported (they all share this machine).
        assert host["docker_version"] and host["mem_total"], host
        assert host["total_containers"] == counts[name], host


def test_creates_spread_over_hosts_and_run_on_their_engines(d):
    counts = _counts(d)
    expected, uuids = {}, []
    for i in range(9):
        # Sequential creates: each record exists before the next is
        # placed, so the placement is exactly predictable.
        created = d.create(name="spread-%d" % i)
        expected[created["uuid"]] = _fewest(counts, d.hosts)
        counts[expected[created["uuid"]]] += 1
        uuids.append(created["uuid"])
    records = d.wait_status(uuids, lifecycle.RUNNING, timeout=60)
    placed = {u: r["host"] for u, r in records.items()}
    assert placed == expected
    assert set(placed.values()) == set(d.hosts)
    _assert_on_its_engine(d, records)


def test_the_other_two_serve_when_one_conductor_is_killed(d):
    victim, survivors = d.hosts[0], d.hosts[1:]
    kept = {u for u, r in d.records().items() if r["host"] == victim}
    d.kill(victim)
    # Until its heartbeat is overdue the API still places containers on
    # it (and they wait for it); after, only on the live two.
    d.wait_down(victim, timeout=30)
    counts = _counts(d)
    uuids = []
    for i in range(4):
        created = d.create(name="survivors-%d" % i)
        assert created["host"] == _fewest(counts, survivors), created
        counts[created["host"]] += 1
        uuids.append(created["uuid"])
    records = d.wait_status(uuids, lifecycle.RUNNING, timeout=60)
    assert {r["host"] for r in records.values()} == set(survivors)
    _assert_on_its_engine(d, records)
    # Its engine is not its conductor: what ran there runs on.
    running = {c.uuid for c in d.census()[victim] if c.state == "running"}
    assert kept <= running, (kept, running)
    # Leave the deployment whole for whatever runs next.
    d.restart(victim)
    assert d.services()[victim]["state"] == "up"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three hosts that declare 256 MiB each: room for twelve 64 MiB
    containers in all."""
    with multihost.deployed(
            tmp_path_factory.mktemp("small"), 3, options={"conductor": {
                "memory_mb": 256, "reserved_host_memory_mb": 0,
                "cpus": 2}}) as d:
        yield d


def test_twice_what_fits_asked_at_once_gets_exactly_what_fits(small):
    """...through two API processes placing at the same time."""
    d = small
    d.wait_alive()
    ports = [d.port, d.start_api("api2")]

    def create(i):
        return shared.request_json(
            ports[i % 2], "POST", "/v1/containers?run=true",
            dict(image=os.environ["MAGNUM_LITE_TEST_IMAGE"],
                 command=["sleep", "300"], memory="64", name="fit-%d" % i),
            multihost.HEADERS)

    with futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(24)))
    accepted = [body["uuid"] for status, body in answers if status == 202]
    refused = [body for status, body in answers if status != 202]
    assert len(accepted) == 12, answers
    assert {r["errors"][0]["code"] for r in refused} == {
        "magnum_lite.no_valid_host"}
    records = d.wait_status(accepted, lifecycle.RUNNING, timeout=120)
    _assert_on_its_engine(d, records)
    counts = _counts(d)
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    for host in d.hosts:
        given = sum(d.docker(host).inspect_container(c.id)["HostConfig"][
            "Memory"] for c in d.census()[host])
        assert given <= 256 * MiB, (host, given)
        listed = d.hosts_listed()[host]
        assert (listed["mem_total"], listed["mem_used"],
                listed["total_containers"]) == (256, 64 * counts[host],
                                                counts[host])


def test_concurrent_creates_of_one_project_stop_at_its_quota(d):
    # Room for four more 64 MiB containers than the project holds now.
    path = "/v1/quotas/" + multihost.HEADERS["X-Project-Id"]
    held = d.get(path + "?usages=true")["memory"]["in_use"]
    status, _ = d.request("PUT", path, {"memory": held + 256})
    assert status == 200

    def create(i):
        return d.request(
            "POST", "/v1/containers?run=true",
            dict(image=os.environ["MAGNUM_LITE_TEST_IMAGE"],
                 command=["sleep", "300"], memory="64", name="q-%d" % i))

    try:
        with futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(create, range(10)))
    finally:
        # The deployment's other tests are not about quotas.
        assert d.request("DELETE", path)[0] == 204
    accepted = [body["uuid"] for status, body in answers if status == 202]
    assert len(accepted) == 4, answers
    assert {body["errors"][0]["code"] for status, body in answers
            if status != 202} == {"magnum_lite.quota_exceeded"}
    d.wait_status(accepted, lifecycle.RUNNING, timeout=60)
    assert d.get(path + "?usages=true")["memory"]["in_use"] == held + 256


def test_a_disabled_host_receives_nothing(d):
    off = d.hosts[-1]
    named = "host=%s&binary=magnum-lite-conductor" % off
    status, _ = d.request("PUT", "/v1/services/disable?" + named +
                          "&disabled_reason=maintenance")
    assert status == 200
    try:
        placed = [d.create(name="off-%d" % i) for i in range(6)]
        assert off not in {c["host"] for c in placed}
        d.wait_status([c["uuid"] for c in placed], lifecycle.RUNNING)
    finally:
        status, _ = d.request("PUT", "/v1/services/enable?" + named)
        assert status == 200
    assert d.services()[off]["disabled"] is False


@pytest.fixture
def flaky(tmp_path_factory):
    """Two hosts; the second looks roomier, so placement tries it first."""
    with multihost.deployed(
            tmp_path_factory.mktemp("flaky"), 2,
            options={"conductor": {"memory_mb": 10000}},
            conductor_options=[{}, {"conductor": {"memory_mb": 20000}}]) as d:
        yield d


def _stop_engine(url):
    """SIGKILL the dockerd behind url (its conductor stays up)."""
    state = os.path.dirname(url.removeprefix("unix://"))
    with open(os.path.join(state, "dockerd.pid")) as f:
        os.kill(int(f.read()), signal.SIGKILL)


def test_a_host_whose_engine_fails_hands_its_creates_on(flaky):
    d = flaky
    good, bad = d.hosts
    d.wait_alive()
    _stop_engine(d.engines[bad])
    try:
        created = [d.create(name="moved-%d" % i) for i in range(3)]
        assert {c["host"] for c in created} == {bad}  # the roomier
        records = d.wait_status([c["uuid"] for c in created],
                                lifecycle.RUNNING, timeout=90)
        assert {r["host"] for r in records.values()} == {good}
        for uuid_ in records:
            # (The census would ask the dead engine too.)
            assert d.docker(good).inspect_container(
                "magnum-lite-" + uuid_)["State"]["Running"]
            log = d.get("/v1/containers/%s/container_actions" % uuid_)
            said = sorted(a["message"] or "" for a in log["containerActions"]
                          if a["action"] == "create")
            # One entry an attempt: why it failed there, what worked here.
            assert len(said) == 2, log
            assert [m for m in said if "does not answer" in m] and \
                [m for m in said if m == ""], said  # success: no message
        hosts = d.hosts_listed()
        assert (hosts[bad]["total_containers"],
                hosts[good]["total_containers"]) == (0, 3)
    finally:
        subprocess.run(["bash", str(shared.ROOT / ".ci" / "stack"), "up"],
                       check=True, capture_output=True)

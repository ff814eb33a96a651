"""The Docker driver against a real private dockerd and a loopback registry."""
import gc
import io
import itertools
import os
import tarfile
import time
import uuid

import docker
import pytest
import requests

from harness import stack as shared
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite.docker import client as docker_client
from magnum_lite.docker import driver as docker_driver
from magnum_lite.docker import progress as docker_progress
from magnum_lite.docker import image

MiB = 1024 * 1024
ENV = ("MAGNUM_LITE_TEST_DOCKER_URL", "MAGNUM_LITE_TEST_IMAGE",
       "MAGNUM_LITE_TEST_REGISTRY", "MAGNUM_LITE_TEST_REGISTRY_IMAGE",
       "MAGNUM_LITE_TEST_REGISTRY_DIGEST")
# Every container this module makes carries this label (the run) and
# RUN_LABEL.test (the test), so cleanup finds them all by label.
RUN_LABEL = "magnum_lite.test.docker_driver"
RUN = uuid.uuid4().hex[:12]
# The manifest type `docker push` writes; asked for it, the registry
# answers with the digest the engine knows.
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture(scope="module")
def env():
    stack = shared.stack()
    return {name: stack[name] for name in ENV}


@pytest.fixture(scope="module")
def driver(env):
    client = docker_client.DockerHTTPClient(
        env["MAGNUM_LITE_TEST_DOCKER_URL"], version="auto", timeout=60)
    yield docker_driver.DockerDriver(client)
    # A safety net: whatever a failed test left behind in this run.
    for found in client.containers(
            all=True, filters={"label": f"{RUN_LABEL}={RUN}"}):
        client.remove_container(found["Id"], force=True)
    client.close()


@pytest.fixture
def images(driver):
    """A list to append image names or ids to; removed after the test."""
    names = []
    yield names
    for name in names:
        try:
            driver.client.remove_image(name, force=True)
        except docker.errors.NotFound:
            pass


@pytest.fixture
def make(driver, env, images):
    """make(**spec) -> id of a new container, removed after the test.

    It asks for `images` so that containers go before their images do.
    """
    test_id = uuid.uuid4().hex[:12]

    def make(**spec):
        spec.setdefault("image", env["MAGNUM_LITE_TEST_IMAGE"])
        spec.setdefault("command", ["sleep", "300"])
        # Not magnum_lite.uuid: a conductor on this engine would take the
        # container for an orphan of its own.
        spec["labels"] = {RUN_LABEL: RUN, f"{RUN_LABEL}.test": test_id,
                          **(spec.get("labels") or {})}
        # Never a bridge: its addresses are not routed on this workplace.
        spec["network_mode"] = "none"
        return driver.create(spec)

    yield make
    for found in driver.client.containers(
            all=True, filters={"label": f"{RUN_LABEL}.test={test_id}"}):
        driver.remove(found["Id"], force=True)


def wait_exit(driver, container_id):
    return driver.client.wait(container_id, timeout=30)["StatusCode"]


def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# Containers

def test_create_sets_limits_labels_and_environment(driver, make):
    cid = make(name=f"ml-test-{RUN}-create", memory=64 * MiB, cpu=0.5,
               environment={"GREETING": "hello world", "EMPTY": ""},
               labels={"team": "a"}, workdir="/tmp", hostname="box",
               entrypoint=["/bin/sh", "-c"], command=["sleep 300"],
               restart_policy={"Name": "on-failure", "MaximumRetryCount": 3})
    found = driver.inspect(cid)
    host = found["HostConfig"]
    assert host["Memory"] == 67108864
    assert host["NanoCpus"] == 500000000
    assert host["NetworkMode"] == "none"
    assert host["RestartPolicy"] == {"Name": "on-failure",
                                     "MaximumRetryCount": 3}
    config = found["Config"]
    assert config["Labels"]["team"] == "a"
    assert config["Labels"][RUN_LABEL] == RUN
    assert "GREETING=hello world" in config["Env"]
    assert "EMPTY=" in config["Env"]
    assert config["WorkingDir"] == "/tmp"
    assert config["Hostname"] == "box"
    assert config["Entrypoint"] == ["/bin/sh", "-c"]
    assert config["Cmd"] == ["sleep 300"]
    assert found["Name"] == f"/ml-test-{RUN}-create"
    assert driver.status(cid)[0] == lifecycle.CREATED


def test_calls_about_many_containers_reuse_one_connection(driver, make,
                                                         monkeypatch):
    # docker-py alone dials the unix socket again for every container's
    # URL, and closes the oldest pool's connection past 25 of them.
    dialled = []
    connect = docker.transport.unixconn.UnixHTTPConnection.connect
    monkeypatch.setattr(docker.transport.unixconn.UnixHTTPConnection,
                        "connect", lambda conn: dialled.append(conn) or
                        connect(conn))

    for container_id in [make(command=["true"]) for _ in range(30)]:
        driver.change_state(container_id, "start")
        driver.status(container_id)

    assert len(dialled) <= 1


def test_memory_below_docker_minimum_is_invalid(make):
    with pytest.raises(exception.DockerInvalid) as info:
        make(memory=6 * MiB - 1)
    assert info.value.code == 400
    assert info.value.kwargs["explanation"]


def test_cpu_beyond_the_host_is_invalid(driver, make):
    with pytest.raises(exception.DockerInvalid):
        make(cpu=driver.info()["cpus"] + 1)


def test_missing_image_on_create_is_image_not_found(make):
    with pytest.raises(exception.ImageNotFound):
        make(image=f"ml-test-missing-{RUN}:1")


def test_taken_name_is_a_conflict(make):
    make(name=f"ml-test-{RUN}-taken")
    with pytest.raises(exception.DockerConflict):
        make(name=f"ml-test-{RUN}-taken")


def test_lifecycle_statuses_come_from_docker(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    assert driver.status(cid)[0] == lifecycle.RUNNING
    driver.change_state(cid, "pause")
    status, state = driver.status(cid)
    assert (status, state["Paused"]) == (lifecycle.PAUSED, True)
    with pytest.raises(exception.DockerConflict):
        driver.change_state(cid, "pause")
    driver.change_state(cid, "unpause")
    assert driver.status(cid)[0] == lifecycle.RUNNING
    # sleep as pid 1 ignores SIGTERM: stop falls back to SIGKILL after 1 s.
    driver.change_state(cid, "stop", timeout=1)
    status, state = driver.status(cid)
    assert (status, state["ExitCode"]) == (lifecycle.STOPPED, 137)
    driver.change_state(cid, "reboot", timeout=1)
    assert driver.status(cid)[0] == lifecycle.RUNNING
    driver.change_state(cid, "kill", signal="SIGKILL")
    assert wait_exit(driver, cid) == 137
    assert driver.status(cid)[0] == lifecycle.STOPPED
    driver.change_state(cid, "start")
    driver.change_state(cid, "kill")
    assert driver.status(cid)[0] == lifecycle.STOPPED


def test_kill_with_unknown_signal_is_invalid(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    with pytest.raises(exception.DockerInvalid):
        driver.change_state(cid, "kill", signal="SIGNOPE")


def test_remove(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    with pytest.raises(exception.DockerConflict):
        driver.remove(cid)
    assert driver.remove(cid, force=True) is True
    assert driver.remove(cid) is False
    with pytest.raises(exception.DockerNotFound):
        driver.status(cid)


def test_logs(driver, make):
    # Two pipes keep no order between them: the pause makes one.
    script = "echo one; echo two; sleep 0.2; echo oops >&2"
    cid = make(command=["sh", "-c", script])
    driver.change_state(cid, "start")
    assert wait_exit(driver, cid) == 0
    assert driver.logs(cid) == "one\ntwo\noops\n"
    assert driver.logs(cid, stderr=False) == "one\ntwo\n"
    assert driver.logs(cid, stdout=False) == "oops\n"
    assert driver.logs(cid, tail=1) == "oops\n"
    # Docker takes the tail first, then leaves out the unwanted stream.
    assert driver.logs(cid, stderr=False, tail=2) == "two\n"
    stamped = driver.logs(cid, stderr=False, timestamps=True).splitlines()
    assert stamped[0].endswith(" one") and stamped[0][:4].isdigit()
    assert driver.logs(cid, since=int(time.time()) + 60) == ""


def test_execute(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    ok = driver.execute(cid, ["sh", "-c", "echo out; echo err >&2"])
    assert ok["exit_code"] == 0
    # Both streams, in an order the two pipes do not promise.
    assert sorted(ok["output"].splitlines()) == ["err", "out"]
    failed = driver.execute(cid, "sh -c 'exit 3'")
    assert (failed["exit_code"], failed["output"]) == (3, "")
    assert driver.execute(cid, ["/no/such/binary"])["exit_code"] in (126, 127)
    created = driver.execute(cid, ["true"], run=False)
    assert created["exit_code"] is None and created["exec_id"]


def test_execute_reads_large_output_whole(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    done = driver.execute(cid, ["sh", "-c", "head -c 300000 /dev/zero | "
                                "tr '\\0' a; echo end >&2"])
    assert done["exit_code"] == 0
    # The two streams interleave where the pipes happen to meet.
    output = done["output"]
    assert (len(output), output.count("a"), output.count("end\n")) == (
        300004, 300000, 1)


def test_execute_that_outlasts_its_timeout_says_so(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    driver.execute(cid, ["true"])  # the pool's connection is open
    # Without the cycle collector, a connection left to it stays open.
    gc.disable()
    try:
        open_files = len(os.listdir("/proc/self/fd"))
        began = time.monotonic()
        with pytest.raises(exception.ExecuteTimeout) as raised:
            driver.execute(cid, ["sh", "-c", "echo started; sleep 30"],
                           timeout=1)
        assert time.monotonic() - began < 10
        # The conductor is free again, and the container answers.
        assert driver.execute(cid, ["true"])["exit_code"] == 0
        assert len(os.listdir("/proc/self/fd")) <= open_files
    finally:
        gc.enable()
    assert raised.value.code == 504
    assert "did not finish within 1 s" in str(raised.value)


def test_execute_in_a_stopped_container_is_a_conflict(driver, make):
    cid = make()
    with pytest.raises(exception.DockerConflict):
        driver.execute(cid, ["true"])


def test_top(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    top = driver.top(cid)
    assert "PID" in top["Titles"]
    commands = [p[top["Titles"].index("CMD")] for p in top["Processes"]]
    assert commands == ["sleep 300"]
    wide = driver.top(cid, ps_args="aux")
    assert "%MEM" in wide["Titles"]


def test_stats(driver, make):
    cid = make(memory=64 * MiB)
    driver.change_state(cid, "start")
    stats = driver.stats(cid)
    assert set(stats) == {"cpu_percent", "memory_usage", "memory_limit",
                          "memory_percent", "block_read", "block_write",
                          "net_rx", "net_tx", "pids"}
    assert stats["memory_limit"] == 64 * MiB
    assert 0 < stats["memory_usage"] < 64 * MiB
    assert 0 < stats["memory_percent"] < 100
    assert stats["pids"] == 1
    assert stats["cpu_percent"] >= 0


def test_rename(driver, make):
    cid = make(name=f"ml-test-{RUN}-old")
    other = make(name=f"ml-test-{RUN}-other")
    driver.rename(cid, f"ml-test-{RUN}-new")
    assert driver.inspect(cid)["Name"] == f"/ml-test-{RUN}-new"
    with pytest.raises(exception.DockerConflict):
        driver.rename(other, f"ml-test-{RUN}-new")


def test_update_limits_of_a_running_container(driver, make):
    cid = make(memory=64 * MiB, cpu=0.5)
    driver.change_state(cid, "start")
    driver.update(cid, memory=128 * MiB)
    host = driver.inspect(cid)["HostConfig"]
    assert (host["Memory"], host["NanoCpus"]) == (128 * MiB, 500000000)
    driver.update(cid, memory=32 * MiB, cpu=0.25)
    host = driver.inspect(cid)["HostConfig"]
    assert (host["Memory"], host["NanoCpus"]) == (32 * MiB, 250000000)
    assert driver.stats(cid)["memory_limit"] == 32 * MiB
    driver.update(cid)  # nothing asked, nothing sent
    with pytest.raises(exception.DockerInvalid):
        driver.update(cid, memory=1 * MiB)
    assert driver.status(cid)[0] == lifecycle.RUNNING


def test_archive_round_trip(driver, make):
    cid = make()
    driver.change_state(cid, "start")
    driver.put_archive(cid, "/tmp", tar_of({"greeting.txt": b"hello\n"}))
    assert driver.execute(cid, ["cat", "/tmp/greeting.txt"])["output"] == \
        "hello\n"
    data, stat = driver.get_archive(cid, "/tmp/greeting.txt")
    assert (stat["name"], stat["size"]) == ("greeting.txt", 6)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.extractfile("greeting.txt").read() == b"hello\n"
    with pytest.raises(exception.DockerNotFound):
        driver.get_archive(cid, "/no/such/path")
    with pytest.raises(exception.DockerNotFound):
        driver.put_archive(cid, "/no/such/dir", tar_of({"x": b"x"}))


def test_commit(driver, make, images):
    cid = make()
    driver.change_state(cid, "start")
    driver.put_archive(cid, "/tmp", tar_of({"mark": b"committed"}))
    repository = f"ml-test-commit-{RUN}"
    images.append(f"{repository}:v1")
    image_id = driver.commit(cid, repository, tag="v1")
    assert image_id.startswith("sha256:")
    found = driver.inspect_image(image.parse(f"{repository}:v1"))
    assert found["Id"] == image_id
    child = make(image=f"{repository}:v1", command=["cat", "/tmp/mark"])
    driver.change_state(child, "start")
    assert wait_exit(driver, child) == 0
    assert driver.logs(child) == "committed"
    assert f"{repository}:v1" in {
        tag for i in driver.images() for tag in i["repo_tags"]}


def test_list_managed_finds_our_containers_by_host(driver, make):
    # A host name of this run alone: a conductor sweeping orphans on this
    # engine only touches containers labelled with its own host.
    host = f"ml-test-host-{RUN}"
    ours = {docker_driver.HOST_LABEL: host}
    running = make(name=f"ml-test-{RUN}-m1",
                   labels={docker_driver.MANAGED_LABEL: "uuid-1",
                           docker_driver.RUN_LABEL: "true", **ours})
    stopped = make(name=f"ml-test-{RUN}-m2",
                   labels={docker_driver.MANAGED_LABEL: "uuid-2", **ours})
    make(labels=ours)  # without a uuid: not ours to manage
    make(labels={docker_driver.MANAGED_LABEL: "uuid-3",
                 docker_driver.HOST_LABEL: "another-host"})
    driver.change_state(running, "start")
    found = {c["id"]: c for c in driver.list_managed(host)}
    assert found == {
        running: {"id": running, "uuid": "uuid-1", "run": True,
                  "status": lifecycle.RUNNING, "name": f"ml-test-{RUN}-m1",
                  "deployment": None},
        stopped: {"id": stopped, "uuid": "uuid-2", "run": False,
                  "status": lifecycle.CREATED, "name": f"ml-test-{RUN}-m2",
                  "deployment": None},
    }
    driver.change_state(running, "pause")
    statuses = {c["id"]: c["status"] for c in driver.list_managed(host)}
    assert statuses[running] == lifecycle.PAUSED
    driver.change_state(running, "unpause")


def test_info_and_images(driver, env):
    info = driver.info()
    assert info["api_version"] == driver.client.api_version
    assert info["version"] and info["cpus"] >= 1 and info["memory"] > 0
    assert info["containers"] >= 0
    local = [i for i in driver.images()
             if env["MAGNUM_LITE_TEST_IMAGE"] in i["repo_tags"]]
    assert len(local) == 1
    assert local[0]["id"].startswith("sha256:") and local[0]["size"] > 0
    assert isinstance(local[0]["created"], int)


# Images and the loopback registry

@pytest.fixture
def pushed(driver, env, images):
    """A fresh one-layer image in the registry, absent from the engine."""
    registry = env["MAGNUM_LITE_TEST_REGISTRY"]
    name = f"{registry}/test/ml-driver-{uuid.uuid4().hex[:10]}"
    client = driver.client
    layer = tar_of({"marker": uuid.uuid4().hex.encode()})
    client.import_image_from_data(layer, repository=name, tag="1.0")
    # By id: a pull by digest leaves no tag to remove it by.
    images.append(client.inspect_image(f"{name}:1.0")["Id"])
    for event in client.push(name, tag="1.0", stream=True, decode=True):
        assert "error" not in event, event
    client.remove_image(f"{name}:1.0")
    yield image.parse(f"{name}:1.0")
    # Keep the registry small: forget the manifest again.
    repo = name.split("/", 1)[1]
    url = f"http://{registry}/v2/{repo}/manifests/1.0"
    head = requests.head(url, headers={"Accept": MANIFEST_V2}, timeout=10)
    digest = head.headers.get("Docker-Content-Digest")
    if digest:
        requests.delete(f"http://{registry}/v2/{repo}/manifests/{digest}",
                        timeout=10)


def test_always_pulls_by_tag(driver, env):
    ref = image.parse(env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"])
    reports = []
    found = driver.ensure_image(ref, "always", progress=reports.append)
    assert str(ref) in found["RepoTags"]
    assert f"{ref.name}@{env['MAGNUM_LITE_TEST_REGISTRY_DIGEST']}" in \
        found["RepoDigests"]
    assert reports  # a pull reports at least its outcome


def test_always_pulls_by_digest(driver, env):
    tagged = image.parse(env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"])
    ref = image.parse(
        f"{tagged.name}@{env['MAGNUM_LITE_TEST_REGISTRY_DIGEST']}")
    assert ref.tag is None
    found = driver.ensure_image(ref, "always")
    assert str(ref) in found["RepoDigests"]


def test_ifnotpresent_pulls_a_missing_image_with_progress(driver, pushed):
    with pytest.raises(exception.ImageNotFound):
        driver.inspect_image(pushed)
    reports, times = [], []

    def progress(text):
        reports.append(text)
        times.append(time.monotonic())

    found = driver.ensure_image(pushed, "ifnotpresent", progress=progress)
    assert str(pushed) in found["RepoTags"]
    assert reports[-1] == f"Downloaded newer image for {pushed}"
    assert all(r.startswith("pulling ") for r in reports[:-1])
    # Throttled: no two reports closer than the interval, but the last.
    gaps = [b - a for a, b in itertools.pairwise(times[:-1])]
    assert all(g >= docker_progress.PROGRESS_INTERVAL for g in gaps)


def test_ifnotpresent_and_never_do_not_pull_a_present_image(driver, pushed):
    driver.ensure_image(pushed, "always")
    for policy in ("ifnotpresent", "never"):
        reports = []
        found = driver.ensure_image(pushed, policy, progress=reports.append)
        assert str(pushed) in found["RepoTags"]
        assert reports == []


def test_never_with_a_missing_image(driver, pushed):
    with pytest.raises(exception.ImageNotFound) as info:
        driver.ensure_image(pushed, "never")
    assert info.value.kwargs == {
        "image": str(pushed),
        "reason": "not present locally and the pull policy is never"}


def test_pull_by_digest_of_a_fresh_image(driver, pushed, env):
    registry = env["MAGNUM_LITE_TEST_REGISTRY"]
    repo = pushed.repository
    head = requests.head(f"http://{registry}/v2/{repo}/manifests/1.0",
                         headers={"Accept": MANIFEST_V2}, timeout=10)
    ref = image.parse(f"{pushed.name}@{head.headers['Docker-Content-Digest']}")
    found = driver.ensure_image(ref, "ifnotpresent")
    assert str(ref) in found["RepoDigests"]
    # By digest only: the tag was not pulled along.
    assert str(pushed) not in (found["RepoTags"] or [])


@pytest.mark.parametrize("policy", ["always", "ifnotpresent"])
def test_pull_of_a_missing_tag_is_image_not_found(driver, env, policy):
    ref = image.parse(f"{env['MAGNUM_LITE_TEST_REGISTRY']}/test/busybox:"
                      f"no-such-tag-{RUN}")
    with pytest.raises(exception.ImageNotFound) as info:
        driver.ensure_image(ref, policy)
    assert info.value.kwargs["image"] == str(ref)
    assert info.value.kwargs["reason"]


def test_pull_of_a_missing_digest_is_image_not_found(driver, env):
    ref = image.parse(f"{env['MAGNUM_LITE_TEST_REGISTRY']}/test/busybox@"
                      f"sha256:{'0' * 64}")
    with pytest.raises(exception.ImageNotFound):
        driver.ensure_image(ref, "always")


def test_pull_from_a_registry_that_does_not_answer(driver):
    # Port 1 on loopback: refused. The engine answers, its registry not.
    with pytest.raises(exception.DockerError):
        driver.ensure_image(image.parse("127.0.0.1:1/test/x:1"), "always")


def test_error_inside_the_pull_stream_raises(driver, env, pushed):
    # The manifest is served (the stream starts) but its layer is gone.
    registry = env["MAGNUM_LITE_TEST_REGISTRY"]
    url = f"http://{registry}/v2/{pushed.repository}/manifests/1.0"
    manifest = requests.get(url, headers={"Accept": MANIFEST_V2},
                            timeout=10).json()
    for layer in manifest["layers"]:
        requests.delete(f"http://{registry}/v2/{pushed.repository}/blobs/"
                        f"{layer['digest']}", timeout=10).raise_for_status()
    with pytest.raises(exception.DockerError) as info:
        driver.ensure_image(pushed, "always")
    assert info.value.kwargs["explanation"]


def test_unknown_pull_policy_is_refused(driver, env):
    with pytest.raises(exception.InvalidParameter):
        driver.ensure_image(image.parse(env["MAGNUM_LITE_TEST_IMAGE"]),
                            "sometimes")

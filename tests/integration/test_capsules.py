"""Capsules through the unmodified `openstack capsule` CLI against a running
all-in-one on the real dockerd: a sidecar that reads what its app serves
on the capsule's loopback, an init container that hands a file to the app
through a volume, a failing init container, a capsule too large for the
host, and a delete that leaves nothing in Docker. Every effect is checked
in Docker itself."""
import json
import os
import signal
import subprocess
import uuid

import docker
import pytest
import requests
import yaml

from harness import stack as shared
from tests.integration.test_clients_e2e import OPENSTACK
from tests.integration.test_clients_e2e import _until

MiB = 1024 * 1024
# The host offers this much: small enough for a capsule to be too large.
HOST_MEMORY_MB = 2048


@pytest.fixture(scope="module")
def aio(tmp_path_factory):
    env = shared.stack()
    client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                              version="auto")
    config = ("[conductor]\nmemory_mb = %d\ndefault_memory_mb = 64\n"
              "[capsule]\nsandbox_image = %s\n" % (
                  HOST_MEMORY_MB, env["MAGNUM_LITE_TEST_SLEEPER_IMAGE"]))
    state = tmp_path_factory.mktemp("capsules")
    with shared.all_in_one(state, config) as running:
        yield running.endpoint, client, env["MAGNUM_LITE_TEST_IMAGE"], state
    client.close()


def _capsule_cli(endpoint, *args, ok=True):
    run = subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", endpoint,
         "capsule", *args], capture_output=True, text=True, timeout=120)
    assert (run.returncode == 0) == ok, run.stdout + run.stderr
    return run.stdout + ("" if ok else run.stderr)


def _create(endpoint, state, template):
    path = state / (template["metadata"]["name"] + ".yaml")
    path.write_text(yaml.safe_dump(template))
    return json.loads(_capsule_cli(endpoint, "create", "--file", str(path),
                                   "-f", "json"))


def _show(endpoint, ident):
    return json.loads(_capsule_cli(endpoint, "show", ident, "-f", "json"))


def _status(endpoint, ident):
    return lambda: _show(endpoint, ident)["status"]


def _template(name, containers, **spec):
    return {"kind": "capsule", "capsuleVersion": "beta",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": dict(spec, containers=containers)}


def _docker(client, uuid_):
    return client.inspect_container("magnum-lite-" + uuid_)


def _logs(client, uuid_):
    return client.logs("magnum-lite-" + uuid_).decode()


def _made_for(client, uuids):
    return [c["Id"] for c in client.containers(all=True) if
            c["Labels"].get("magnum_lite.uuid") in uuids]


def test_a_sidecar_reads_what_its_app_serves_on_the_capsules_loopback(aio):
    endpoint, client, image, state = aio
    made = _create(endpoint, state, _template("web", [
        {"name": "app", "image": image,
         "command": ["sh", "-c", "mkdir -p /www && echo served-by-app > "
                     "/www/index.html && httpd -f -p 127.0.0.1:8080 -h /www"],
         "resources": {"requests": {"memory": 32, "cpu": 0.25}}},
        {"name": "sidecar", "image": image,
         "command": ["sh", "-c", "until wget -q -O - http://127.0.0.1:8080/;"
                     " do sleep 0.2; done; sleep 300"]}]))
    _until(_status(endpoint, "web"), "Running")
    shown = _show(endpoint, "web")
    app, sidecar = shown["containers"]
    assert [app["status"], sidecar["status"]] == ["Running", "Running"]
    # The claim: the sandbox's, 32 MiB and the default 64 for the sidecar.
    assert shown["memory"] == str(16 + 32 + 64)
    _until(lambda: "served-by-app" in _logs(client, sidecar["uuid"]), True)
    sandbox = _docker(client, made["uuid"])
    assert sandbox["HostConfig"]["NetworkMode"] == "none"
    assert sandbox["HostConfig"]["IpcMode"] == "shareable"
    assert sandbox["HostConfig"]["Memory"] == 16 * MiB
    for member, memory in ((app, 32), (sidecar, 64)):
        info = _docker(client, member["uuid"])
        joined = "container:" + sandbox["Id"]
        assert info["HostConfig"]["NetworkMode"] == joined
        assert info["HostConfig"]["IpcMode"] == joined
        assert info["HostConfig"]["Memory"] == memory * MiB
        assert info["HostConfig"]["PidsLimit"] > 0
        assert info["HostConfig"]["RestartPolicy"]["Name"] == "always"
    # Its members are not containers of the project.
    listed = subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", endpoint,
         "appcontainer", "list", "-f", "json"], capture_output=True,
        text=True, timeout=120)
    assert json.loads(listed.stdout) == []
    assert "web" in [c["name"] for c in json.loads(_capsule_cli(
        endpoint, "list", "-f", "json"))]
    _delete_leaves_nothing(endpoint, client, shown)


def test_an_init_container_hands_a_file_to_the_app_through_a_volume(aio):
    endpoint, client, image, state = aio
    _create(endpoint, state, _template(
        "init-demo",
        [{"name": "app", "image": image, "command": [
            "sh", "-c", "cat /work/index.html; sleep 300"],
          "volumeMounts": [{"name": "init-work", "mountPath": "/work"}]}],
        initContainers=[{"name": "fetch", "image": image, "command": [
            "sh", "-c", "echo written-by-init > /work/index.html"],
            "volumeMounts": [{"name": "init-work", "mountPath": "/work"}]}],
        volumes=[{"name": "init-work"}]))
    _until(_status(endpoint, "init-demo"), "Running")
    shown = _show(endpoint, "init-demo")
    [init] = shown["init_containers"]
    [app] = shown["containers"]
    assert init["status"] == "Stopped"
    assert app["status"] == "Running"
    _until(lambda: _logs(client, app["uuid"]).strip(), "written-by-init")
    # The init container ran to its end before the app was started.
    init_state = _docker(client, init["uuid"])["State"]
    assert init_state["ExitCode"] == 0
    assert init_state["FinishedAt"] <= _docker(
        client, app["uuid"])["State"]["StartedAt"]
    _delete_leaves_nothing(endpoint, client, shown)


def test_a_failing_init_container_ends_the_capsule_in_error(aio):
    endpoint, client, image, state = aio
    made = _create(endpoint, state, _template(
        "broken", [{"name": "app", "image": image,
                    "command": ["sleep", "300"]}],
        initContainers=[{"name": "check", "image": image, "command": [
            "sh", "-c", "echo precondition-missing; exit 3"]}]))
    _until(_status(endpoint, "broken"), "Error")
    shown = _show(endpoint, "broken")
    assert "exited with code 3" in shown["status_reason"]
    assert "precondition-missing" in shown["status_reason"]
    [init] = shown["init_containers"]
    [app] = shown["containers"]
    assert init["status"] == "Error"
    assert app["status"] == "Error"
    # A create that fails fails whole: nothing of it stays in Docker.
    uuids = {made["uuid"], init["uuid"], app["uuid"]}
    assert _made_for(client, uuids) == []
    _delete_leaves_nothing(endpoint, client, shown)


def test_its_containers_status_follows_dockers_events(aio):
    endpoint, client, image, state = aio
    made = _create(endpoint, state, _template(
        "short", [{"name": "brief", "image": image,
                   "command": ["sh", "-c", "sleep 2; exit 4"]}],
        restartPolicy="Never"))
    [brief] = made["containers"]

    def member():
        return _show(endpoint, "short")["containers"][0]

    _until(lambda: member()["status"], "Stopped", timeout=60)
    assert member()["status_reason"] == "Exited with code 4"
    assert _docker(client, brief["uuid"])["State"]["ExitCode"] == 4
    # The sandbox goes on: the capsule is as its sandbox is.
    assert _show(endpoint, "short")["status"] == "Running"
    _delete_leaves_nothing(endpoint, client, _show(endpoint, "short"))


def test_a_capsule_too_large_for_the_host_is_refused_at_once(aio):
    endpoint, client, image, state = aio
    path = state / "huge.yaml"
    path.write_text(yaml.safe_dump(_template("huge", [
        {"image": image, "resources": {"requests": {"memory": 1500}}},
        {"image": image, "resources": {"requests": {"memory": 1500}}}])))
    said = _capsule_cli(endpoint, "create", "--file", str(path), ok=False)
    assert "memory" in said
    assert "huge" not in [c["name"] for c in json.loads(_capsule_cli(
        endpoint, "list", "-f", "json"))]


def _delete_leaves_nothing(endpoint, client, shown):
    uuids = {shown["uuid"]} | {c["uuid"] for c in
                               shown["containers"] + shown["init_containers"]}
    _capsule_cli(endpoint, "delete", shown["uuid"])
    _until(lambda: shown["uuid"] in [c["uuid"] for c in json.loads(
        _capsule_cli(endpoint, "list", "-f", "json"))], False)
    assert _made_for(client, uuids) == []


def test_a_create_cut_short_by_a_crash_is_carried_out_once_after(
        tmp_path):
    """SIGKILL the all-in-one while the capsule's init container runs; the
    one started in its place (same host, same database) carries the create
    out from the action log: Running, one Docker container for each of
    the capsule's records, nothing of the first attempt left."""
    env = shared.stack()
    client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                              version="auto")
    config = ("[DEFAULT]\nhost = aio-crash-%s\n[conductor]\nmemory_mb = %d\n"
              "default_memory_mb = 64\n[capsule]\nsandbox_image = %s\n" % (
                  uuid.uuid4().hex[:8], HOST_MEMORY_MB,
                  env["MAGNUM_LITE_TEST_SLEEPER_IMAGE"]))
    image = env["MAGNUM_LITE_TEST_IMAGE"]
    template = _template("crashed", [
        {"name": "app", "image": image, "command": ["sleep", "300"]}],
        initContainers=[{"name": "slow", "image": image,
                         "command": ["sleep", "3"]}])
    try:
        with shared.all_in_one(tmp_path, config) as first:
            made = requests.post(first.endpoint + "/capsules",
                                 json={"template": template}).json()
            _until(lambda: any(
                c["Labels"].get("magnum_lite.uuid") == made["uuid"]
                for c in client.containers()), True)
            os.kill(first.pid, signal.SIGKILL)
            with shared.all_in_one(tmp_path, config) as second:
                shown = lambda: requests.get(  # noqa: E731
                    second.endpoint + "/capsules/crashed").json()
                _until(lambda: shown()["status"], "Running", timeout=120)
                body = shown()
                records = [made["uuid"]] + [
                    c["uuid"] for c in body["init_containers"] +
                    body["containers"]]
                labels = [c["Labels"].get("magnum_lite.uuid") for c in
                          client.containers(all=True)]
                assert sorted(u for u in labels if u in records) == sorted(
                    records)
                assert [c["status"] for c in body["init_containers"]] == [
                    "Stopped"]
                assert [c["status"] for c in body["containers"]] == [
                    "Running"]
                requests.delete(second.endpoint + "/capsules/crashed")
                _until(lambda: _made_for(client, set(records)), [])
    finally:
        client.close()

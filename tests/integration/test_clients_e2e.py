"""The unmodified OpenStack clients against a running all-in-one
(`magnum-lite-all`: API and conductor in one process, SQLite, the
in-process bus) on the real private dockerd; every effect is checked in
Docker itself."""
import json
import os
import subprocess
import sys

import docker
import pytest
from zunclient import client as zun_client

from harness import stack as shared

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def all_in_one(tmp_path_factory):
    env = shared.stack()
    client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                              version="auto")
    with shared.all_in_one(tmp_path_factory.mktemp("aio")) as aio:
        yield aio.endpoint, client, env["MAGNUM_LITE_TEST_IMAGE"]
    client.close()


def _until(read, want, timeout=60):
    shared.wait_for(lambda: read() == want, timeout, 0.1,
                    lambda: "%r; still %r" % (want, read()))
    return want


def _docker_state(client, container_uuid):
    return client.inspect_container("magnum-lite-" + container_uuid)


def test_python_client_lifecycle_on_docker(all_in_one):
    endpoint, client, image = all_in_one
    zun = zun_client.Client("1", endpoint_override=endpoint,
                            auth_token="unused")
    c = zun.containers.run(name="py-web", image=image, memory="64",
                           environment={"GREETING": "hi"},
                           command=["sh", "-c", "echo $GREETING; sleep 300"])
    status = lambda: zun.containers.get("py-web").status  # noqa: E731
    _until(status, "Running")
    info = _docker_state(client, c.uuid)
    assert info["HostConfig"]["Memory"] == 64 * MiB
    assert "GREETING=hi" in info["Config"]["Env"]
    assert info["State"]["Running"]
    assert "py-web" in [x.name for x in zun.containers.list()]
    assert zun.containers.logs("py-web", stdout=True, stderr=False,
                               timestamps=False, tail="all",
                               since=None) == "hi\n"
    result = zun.containers.execute("py-web",
                                    command='"sh" "-c" "echo out; exit 3"')
    assert (result["output"], result["exit_code"]) == ("out\n", 3)
    zun.containers.stop("py-web", 1)
    _until(status, "Stopped")
    assert not _docker_state(client, c.uuid)["State"]["Running"]
    zun.containers.start("py-web")
    _until(status, "Running")
    zun.containers.pause("py-web")
    _until(status, "Paused")
    assert _docker_state(client, c.uuid)["State"]["Paused"]
    zun.containers.unpause("py-web")
    _until(status, "Running")
    zun.containers.kill("py-web", "SIGKILL")
    _until(status, "Stopped")
    assert _docker_state(client, c.uuid)["State"]["ExitCode"] == 137
    zun.containers.start("py-web")
    _until(status, "Running")
    updated = zun.containers.update("py-web", memory="128")
    assert updated.memory == "128"
    assert _docker_state(client, c.uuid)["HostConfig"]["Memory"] == \
        128 * MiB
    assert zun.containers.update("py-web", name="py-web2").name == "py-web2"
    zun.containers.delete("py-web2", force=False, stop=True,
                          all_projects=False)
    _until(lambda: [x.name for x in zun.containers.list()
                    if x.name == "py-web2"], [])
    assert client.containers(all=True, filters={
        "name": "magnum-lite-" + c.uuid}) == []


def _cli(endpoint, *args):
    return subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", endpoint,
         "appcontainer", *args], capture_output=True, text=True, timeout=120)


def _openstack(endpoint, *args):
    run = _cli(endpoint, *args)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _openstack_fails(endpoint, *args):
    """What the CLI printed for a request it was refused."""
    run = _cli(endpoint, *args)
    assert run.returncode != 0, run.stdout
    return run.stdout + run.stderr


def test_openstack_cli_lifecycle_on_docker(all_in_one):
    endpoint, client, image = all_in_one
    created = json.loads(_openstack(
        endpoint, "run", "--name", "cli-web", "--memory", "64",
        "--environment", "A=1", "-f", "json", image, "sleep", "300"))
    uuid_ = created["uuid"]

    def status():
        return json.loads(_openstack(endpoint, "show", "cli-web", "-f",
                                     "json"))["status"]

    _until(status, "Running")
    info = _docker_state(client, uuid_)
    assert info["HostConfig"]["Memory"] == 64 * MiB
    assert "A=1" in info["Config"]["Env"]
    listed = json.loads(_openstack(endpoint, "list", "-f", "json"))
    assert "cli-web" in [c["name"] for c in listed]
    out = _openstack(endpoint, "exec", "cli-web", "sh", "-c", "echo fine")
    assert "fine" in out
    for action, then in (("stop", "Stopped"), ("start", "Running"),
                         ("pause", "Paused"), ("unpause", "Running"),
                         ("kill", "Stopped"), ("start", "Running")):
        _openstack(endpoint, action, "cli-web")
        _until(status, then)
    _openstack(endpoint, "set", "--memory", "96", "cli-web")
    assert _docker_state(client, uuid_)["HostConfig"]["Memory"] == 96 * MiB
    _openstack(endpoint, "set", "--name", "cli-web2", "cli-web")
    _openstack(endpoint, "delete", "--stop", "cli-web2")
    _until(lambda: client.containers(
        all=True, filters={"name": "magnum-lite-" + uuid_}), [])


def test_openstack_cli_private_registry(all_in_one):
    """`appcontainer registry ...` and `run --registry` with the stack's
    registry that requires a login."""
    endpoint, client, _ = all_in_one
    env = shared.stack()
    domain = env["MAGNUM_LITE_TEST_AUTH_REGISTRY"]
    made = json.loads(_openstack(
        endpoint, "registry", "create", "--name", "cli-private",
        "--domain", domain, "--username",
        env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"], "--password",
        env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"], "-f", "json"))
    assert (made["domain"], made["password"]) == (domain, "***")
    listed = json.loads(_openstack(endpoint, "registry", "list", "-f",
                                   "json"))
    assert [r["password"] for r in listed if r["name"] == "cli-private"] \
        == ["***"]
    shown = json.loads(_openstack(endpoint, "registry", "show",
                                  "cli-private", "-f", "json"))
    assert shown["uuid"] == made["uuid"]
    created = json.loads(_openstack(
        endpoint, "run", "--name", "cli-private-run", "--registry",
        "cli-private", "-f", "json", "test/busybox:1.0", "sleep", "300"))
    assert created["image"] == domain + "/test/busybox:1.0"

    def status():
        return json.loads(_openstack(endpoint, "show", created["uuid"],
                                     "-f", "json"))["status"]
    _until(status, "Running")
    _openstack(endpoint, "delete", "--stop", "cli-private-run")
    _openstack(endpoint, "registry", "update", "cli-private",
               "--username", "someone-else")
    _openstack(endpoint, "registry", "delete", "cli-private")
    assert json.loads(_openstack(endpoint, "registry", "list", "-f",
                                 "json")) == []
    _until(lambda: client.containers(
        all=True, filters={"name": "magnum-lite-" + created["uuid"]}), [])


"""The unmodified clients against the API served over HTTP: python-zunclient's
Python API and the `openstack appcontainer` CLI walk a container's life.

The conductor is a stand-in that finishes each operation at once (the real
one, on a real dockerd, is driven in tests/integration). The backend does
not matter to the clients, so these run on SQLite only.
"""
import json
import os
import subprocess
import sys
import threading

from cheroot import wsgi
import pytest
from zunclient import client as zun_client
from zunclient import exceptions as zun_exceptions

from magnum_lite.api import app as api_app

from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import LifelikeConductor

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = [
    pytest.mark.parametrize("api_database", ["sqlite"], indirect=True),
    pytest.mark.usefixtures("conductor_host"),
]
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


@pytest.fixture
def lifelike():
    return LifelikeConductor()


@pytest.fixture
def endpoint(database, conf, lifelike):
    """The API on a real HTTP server; its /v1 endpoint URL."""
    server = wsgi.Server(("127.0.0.1", 0), api_app.build_app(conf, lifelike),
                         numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.bind_addr[1]}/v1"
    server.stop()
    thread.join(10)


@pytest.fixture
def zun(endpoint):
    return zun_client.Client("1", endpoint_override=endpoint,
                             auth_token="unused")


def test_python_client_negotiates_the_latest_version(zun):
    assert str(zun.api_version) == "API Version Major: 1, Minor: 40"


def test_python_client_walks_a_lifecycle(zun, lifelike):
    container = zun.containers.run(name="web", image="busybox", memory="64",
                                   environment={"GREETING": "hi"},
                                   command=["sleep", "300"])
    assert (container.name, container.memory) == ("web", "64")
    assert zun.containers.get("web").status == "Running"
    assert [c.name for c in zun.containers.list()] == ["web"]
    assert zun.containers.logs("web", stdout=True, stderr=False,
                               timestamps=False, tail="all",
                               since=None) == "hello\nworld\n"
    result = zun.containers.execute("web", command='"echo" "hi"')
    assert (result["output"], result["exit_code"]) == ("hi\n", 3)
    zun.containers.stop("web", 5)
    assert zun.containers.get("web").status == "Stopped"
    zun.containers.start("web")
    zun.containers.pause("web")
    assert zun.containers.get("web").status == "Paused"
    zun.containers.unpause("web")
    zun.containers.kill("web", "SIGTERM")
    zun.containers.start("web")
    updated = zun.containers.update("web", memory="128", cpu="0.5")
    assert (updated.memory, updated.cpu) == ("128", 0.5)
    assert zun.containers.update("web", name="web2").name == "web2"
    zun.containers.stop("web2", 10)
    zun.containers.delete("web2", force=False, stop=False,
                          all_projects=False)
    assert container_rows() == []
    assert lifelike.names() == [
        "create", "logs", "execute", "stop", "start", "pause", "unpause",
        "kill", "start", "update", "rename", "stop", "delete"]


def test_python_client_pages_through_a_long_list(zun):
    for i in range(12):
        zun.containers.create(name=f"c{i:02d}", image="busybox")
    names = [c.name for c in zun.containers.list(limit=7)]
    assert names == [f"c{i:02d}" for i in range(7)]
    listed = zun.containers.list(sort_key="name", sort_dir="desc")
    assert [c.name for c in listed][:2] == ["c11", "c10"]


def test_python_client_reads_our_errors(zun):
    with pytest.raises(zun_exceptions.NotFound) as caught:
        zun.containers.get("nothing")
    assert "Container nothing could not be found" in str(caught.value)
    zun.containers.create(name="web", image="busybox")
    with pytest.raises(zun_exceptions.Conflict) as caught:
        zun.containers.pause("web")
    assert "Cannot pause container" in str(caught.value)
    with pytest.raises(zun_exceptions.BadRequest) as caught:
        zun.containers.create(image="busybox", memory="2")
    assert "between 6 MiB and" in str(caught.value)


def test_python_client_copies_files_both_ways(zun, lifelike):
    zun.containers.run(name="web", image="busybox")
    zun.containers.put_archive("web", "/tmp", b"tar bytes")
    assert lifelike.calls[-1][2]["data"] == "dGFyIGJ5dGVz"
    archive = zun.containers.get_archive("web", "/etc/hostname")
    assert archive["data"].startswith(b"hello.txt")


def openstack(endpoint, *args):
    run = subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", endpoint,
         "appcontainer", *args], capture_output=True, text=True, timeout=120,
        check=False)
    return run.returncode, run.stdout + run.stderr


def test_openstack_cli_creates_lists_shows_and_deletes(endpoint):
    code, out = openstack(endpoint, "run", "--name", "web", "--memory", "64",
                          "--environment", "A=1", "-f", "json", "busybox",
                          "sleep", "60")
    assert code == 0, out
    assert json.loads(out)["status"] == "Creating"
    code, out = openstack(endpoint, "list", "-f", "json")
    assert [(c["name"], c["status"]) for c in json.loads(out)] == [
        ("web", "Running")]
    code, out = openstack(endpoint, "set", "--memory", "1g", "web", "-f",
                          "json")
    assert json.loads(out)["memory"] == "1024", out
    code, out = openstack(endpoint, "delete", "web")
    assert "Cannot delete container" in out and "409" in out
    code, out = openstack(endpoint, "delete", "--stop", "web")
    assert "accepted" in out
    code, out = openstack(endpoint, "show", "web")
    assert code != 0 and "could not be found" in out

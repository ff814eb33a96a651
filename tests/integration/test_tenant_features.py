"""What tenants bring from Zun, through the unmodified `openstack
appcontainer` CLI against a running all-in-one on the real dockerd:
named volumes, health checks and auto_heal, rebuild and image search.
Every effect is checked in Docker itself."""
import json
import time

import requests

from harness import stack as shared
from magnum_lite.objects import volume as volume_object
from tests.integration.test_clients_e2e import _openstack
from tests.integration.test_clients_e2e import _openstack_fails
from tests.integration.test_clients_e2e import _until
from tests.integration.test_clients_e2e import all_in_one  # noqa: F401

OTHER = {"X-Project-Id": "other-project", "X-User-Id": "other-user",
         "X-Roles": "member,reader"}


def _show(endpoint, ident):
    return json.loads(_openstack(endpoint, "show", ident, "-f", "json"))


def _status(endpoint, ident):
    return lambda: _show(endpoint, ident)["status"]


def _run(endpoint, *args):
    return json.loads(_openstack(endpoint, "run", "-f", "json", *args))


def _gone(client, uuid_):
    _until(lambda: client.containers(
        all=True, filters={"name": "magnum-lite-" + uuid_}), [])


def _actions(endpoint, ident):
    return json.loads(_openstack(endpoint, "action", "list", ident, "-f",
                                 "json"))


def test_a_named_volume_outlives_its_container(all_in_one):  # noqa: F811
    endpoint, client, image = all_in_one
    writer = _run(endpoint, "--name", "vol-writer", "--mount",
                  "source=data,destination=/data", image, "sh", "-c",
                  "echo kept > /data/f; sleep 300")
    assert writer["mounts"] == [{"source": "data", "destination": "/data"}]
    _until(_status(endpoint, "vol-writer"), "Running")
    [mount] = client.inspect_container(
        "magnum-lite-" + writer["uuid"])["Mounts"]
    assert mount["Type"] == "volume" and mount["Destination"] == "/data"
    assert mount["Name"].startswith(volume_object.DOCKER_PREFIX)
    _openstack(endpoint, "delete", "--stop", "vol-writer")
    _gone(client, writer["uuid"])
    # Deleting the container kept the volume and what was written to it.
    assert client.inspect_volume(mount["Name"])["Name"] == mount["Name"]
    reader = _run(endpoint, "--name", "vol-reader", "--mount",
                  "source=data,destination=/data", image, "cat", "/data/f")
    _until(_status(endpoint, "vol-reader"), "Stopped")
    assert _openstack(endpoint, "logs", "vol-reader").strip() == "kept"

    volumes = requests.get(endpoint + "/volumes").json()["volumes"]
    [data] = [v for v in volumes if v["name"] == "data"]
    assert data["host"] == _admin_host(client, reader["uuid"])
    # Another project sees none of it, and its own "data" is another
    # Docker volume, empty.
    assert requests.get(endpoint + "/volumes",
                        headers=OTHER).json()["volumes"] == []
    assert requests.get(endpoint + "/volumes/data",
                        headers=OTHER).status_code == 404
    theirs = requests.post(endpoint + "/containers?run=true", headers=dict(
        OTHER, **{"OpenStack-API-Version": "container 1.40"}), json={
        "image": image, "name": "vol-other",
        "command": ["sh", "-c", "ls /data; cat /data/f"],
        "mounts": [{"source": "data", "destination": "/data"}]}).json()
    _until(lambda: requests.get(endpoint + "/containers/vol-other",
                                headers=OTHER).json()["status"], "Stopped")
    [their_mount] = client.inspect_container(
        "magnum-lite-" + theirs["uuid"])["Mounts"]
    assert their_mount["Name"] != mount["Name"]
    assert "No such file" in requests.get(
        endpoint + "/containers/vol-other/logs", headers=OTHER).json()

    # Removed only once nobody mounts it, with its data.
    refused = requests.delete(endpoint + "/volumes/data")
    assert refused.status_code == 409
    assert reader["uuid"] in refused.json()["errors"][0]["detail"]
    _openstack(endpoint, "delete", "vol-reader")
    _gone(client, reader["uuid"])
    assert requests.delete(endpoint + "/volumes/data").status_code == 204
    assert mount["Name"] not in [v["Name"] for v in
                                 client.volumes()["Volumes"] or ()]
    # The other project's volume stays until it removes it.
    requests.delete(endpoint + "/containers/vol-other", headers=OTHER)
    _gone(client, theirs["uuid"])
    assert requests.delete(endpoint + "/volumes/data",
                           headers=OTHER).status_code == 204
    assert their_mount["Name"] not in [v["Name"] for v in
                                       client.volumes()["Volumes"] or ()]


def _admin_host(client, uuid_):
    labels = client.inspect_container("magnum-lite-" + uuid_)["Config"][
        "Labels"]
    return labels["magnum_lite.host"]


def test_a_failed_create_leaves_no_volume_behind(all_in_one):  # noqa: F811
    endpoint, client, _ = all_in_one
    before = {v["Name"] for v in client.volumes()["Volumes"] or ()}
    made = _run(endpoint, "--name", "vol-bad-image", "--mount",
                "source=never-used,destination=/data",
                "127.0.0.1:5050/no/such-image:1", "true")
    _until(_status(endpoint, "vol-bad-image"), "Error")
    assert "never-used" not in [
        v["name"] for v in requests.get(endpoint + "/volumes").json()[
            "volumes"]]
    assert {v["Name"] for v in client.volumes()["Volumes"] or ()} == before
    _openstack(endpoint, "delete", made["uuid"])


def test_a_file_injected_by_the_cli_is_in_place_before_it_starts(
        all_in_one, tmp_path):  # noqa: F811
    endpoint, _, image = all_in_one
    local = tmp_path / "greeting.conf"
    local.write_bytes(b"injected-by-the-cli\n")
    _run(endpoint, "--name", "injected", "--mount",
         f"type=bind,source={local},destination=/etc/app/greeting.conf",
         image, "cat", "/etc/app/greeting.conf")
    _until(_status(endpoint, "injected"), "Stopped")
    assert _openstack(endpoint, "logs", "injected").strip() == (
        "injected-by-the-cli")
    _openstack(endpoint, "delete", "injected")


def test_bad_mounts_are_refused_by_the_cli_request(all_in_one):  # noqa: F811
    endpoint, _, image = all_in_one
    for mount, says in (("size=1,destination=/data", "size cannot be set"),
                        ("source=-x,destination=/data", "Volume name")):
        run = _openstack_fails(endpoint, "run", "--mount", mount, image,
                               "true")
        assert says in run


def test_health_is_shown_and_auto_heal_restarts_then_rebuilds(
        all_in_one):  # noqa: F811
    endpoint, client, image = all_in_one
    made = _run(endpoint, "--name", "healing", "--auto-heal",
                "--healthcheck", "cmd=test -f /tmp/ok,interval=1,retries=1,"
                "timeout=1", image, "sh", "-c", "touch /tmp/ok; sleep 300")
    assert made["healthcheck"]["test"] == "test -f /tmp/ok"
    assert made["auto_heal"] is True
    _until(lambda: _show(endpoint, "healing")["health"], "healthy")
    docker_name = "magnum-lite-" + made["uuid"]
    check = client.inspect_container(docker_name)["Config"]["Healthcheck"]
    assert check["Test"] == ["CMD-SHELL", "test -f /tmp/ok"]
    assert check["Interval"] == 10 ** 9 and check["Retries"] == 1
    started = client.inspect_container(docker_name)["State"]["StartedAt"]

    # Unhealthy: restarted, which makes it healthy again (the command
    # touches the file anew).
    _openstack(endpoint, "exec", "healing", "rm", "/tmp/ok")
    _until(lambda: client.inspect_container(docker_name)["State"][
        "StartedAt"] != started, True)
    _until(lambda: _show(endpoint, "healing")["health"], "healthy")
    reboots = [a for a in _actions(endpoint, "healing")
               if a["action"] == "reboot"]
    assert len(reboots) == 1

    # Vanished from Docker: made anew, with the same name and uuid.
    old_id = client.inspect_container(docker_name)["Id"]
    client.remove_container(docker_name, force=True)
    _until(lambda: _new_id(client, docker_name, old_id), True)
    _until(_status(endpoint, "healing"), "Running")
    assert [a["action"] for a in _actions(endpoint, "healing")].count(
        "rebuild") == 1

    # Without auto_heal, a vanished container stays gone.
    _openstack(endpoint, "set", "--no-auto-heal", "healing")
    assert _show(endpoint, "healing")["auto_heal"] is False
    client.remove_container(docker_name, force=True)
    _until(_status(endpoint, "healing"), "Deleted")
    time.sleep(1)
    assert client.containers(all=True, filters={"name": docker_name}) == []
    _openstack(endpoint, "delete", "healing")


def _new_id(client, name, old_id):
    found = client.containers(all=True, filters={"name": name})
    return bool(found) and found[0]["Id"] != old_id


def test_rebuild_makes_the_container_anew_keeping_its_volume(
        all_in_one):  # noqa: F811
    endpoint, client, image = all_in_one
    env = shared.stack()
    made = _run(endpoint, "--name", "rebuilt", "--memory", "64", "--mount",
                "source=rebuild-data,destination=/data", image, "sh", "-c",
                "date >> /data/starts; sleep 300")
    _until(_status(endpoint, "rebuilt"), "Running")
    docker_name = "magnum-lite-" + made["uuid"]
    old_id = client.inspect_container(docker_name)["Id"]
    out = _openstack(endpoint, "rebuild", "--image",
                     env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"], "rebuilt")
    assert "accepted" in out
    _until(lambda: _new_id(client, docker_name, old_id), True)
    _until(_status(endpoint, "rebuilt"), "Running")
    shown = _show(endpoint, "rebuilt")
    assert (shown["uuid"], shown["image"]) == (
        made["uuid"], env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"])
    info = client.inspect_container(docker_name)
    assert info["HostConfig"]["Memory"] == 64 * 1024 * 1024
    # The same volume: the second start appended to the first's file.
    result = _openstack(endpoint, "exec", "rebuilt", "wc", "-l",
                        "/data/starts")
    assert result.split()[0] == "2"
    assert [a["action"] for a in _actions(endpoint, "rebuilt")].count(
        "rebuild") == 1
    _openstack(endpoint, "delete", "--stop", "rebuilt")
    _gone(client, made["uuid"])
    assert requests.delete(endpoint + "/volumes/rebuild-data").status_code \
        == 204


def test_image_search_in_a_private_registry_and_on_docker_hub(
        all_in_one):  # noqa: F811
    endpoint, _, _ = all_in_one
    env = shared.stack()
    domain = env["MAGNUM_LITE_TEST_AUTH_REGISTRY"]
    # Without a login the registry refuses, and the CLI says so.
    refused = _openstack_fails(endpoint, "image", "search",
                               f"{domain}/test/busy")
    assert "refused the search" in refused
    _openstack(endpoint, "registry", "create", "--name", "search-login",
               "--domain", domain, "--username",
               env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"], "--password",
               env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"])
    try:
        found = json.loads(_openstack(endpoint, "image", "search",
                                      f"{domain}/test/busy", "-f", "json"))
        assert [(f["Name"], f["Tags"]) for f in found] == [
            (f"{domain}/test/busybox", ["1.0"])]
        assert json.loads(_openstack(
            endpoint, "image", "search", "--exact-match",
            f"{domain}/test/busy", "-f", "json")) == []
    finally:
        _openstack(endpoint, "registry", "delete", "search-login")
    # Docker Hub's index is not reachable from this machine: a clear 503.
    hub = _openstack_fails(endpoint, "image", "search", "busybox")
    assert "Docker Hub's index" in hub

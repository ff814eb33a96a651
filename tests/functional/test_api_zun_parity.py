"""Answers that must read as Zun's do, for zun-tempest-plugin: the exec
command in a JSON body, a container's fields and their types at each
microversion, the default security group at 1.1, archives before 1.25, and
an action log whose successes carry no message."""
import base64
import logging

import oslo_messaging as messaging
import pytest

from harness import stack as shared
from magnum_lite.conductor import manager
from magnum_lite.conductor import status
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import lifecycle

from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import HOST
from tests.functional.api_fixtures import tar_of

pytest_plugins = ["tests.functional.api_fixtures"]


def _v(version):
    return {"OpenStack-API-Version": f"container {version}"}


# -- execute ------------------------------------------------------------------

def test_execute_takes_the_command_from_a_json_body(api, conductor,
                                                    make_container):
    # As tempest's exec_container sends it.
    c = make_container()
    response = api.request("POST", f"/v1/containers/{c.uuid}/execute",
                           raw=b'{"command": "echo hello"}')
    assert response.status_int == 200, response.body
    assert conductor.calls == [("execute", c.uuid,
                                {"command": "echo hello", "run": True})]
    response = api.post(f"/v1/containers/{c.uuid}/execute",
                        {"command": "true", "run": False})
    assert response.status_int == 200, response.body
    assert conductor.calls[-1][2] == {"command": "true", "run": False}


def test_execute_without_a_command_anywhere_is_a_400(api, make_container):
    c = make_container()
    response = api.post(f"/v1/containers/{c.uuid}/execute")
    assert response.status_int == 400
    assert "'command' is required" in error_of(response)["detail"]
    response = api.post(f"/v1/containers/{c.uuid}/execute", {"run": True})
    assert response.status_int == 400


# -- a container's fields -----------------------------------------------------

@pytest.mark.parametrize("asked, shown", [
    ({"Name": "on-failure", "MaximumRetryCount": 2},
     {"Name": "on-failure", "MaximumRetryCount": "2"}),
    ({"Name": "on-failure"}, {"Name": "on-failure", "MaximumRetryCount": "0"}),
    ({"Name": "always"}, {"Name": "always", "MaximumRetryCount": "0"}),
    ({"Name": "no", "MaximumRetryCount": "3"},
     {"Name": "no", "MaximumRetryCount": "0"}),
    (None, None),
])
@pytest.mark.parametrize("version", ["1.1", "1.16", "1.40"])
def test_restart_policy_reads_as_zun_keeps_it(api, conductor_host, asked,
                                             shown, version):
    # Zun keeps a dict of strings (utils.check_for_restart_policy).
    made = api.post("/v1/containers", {"image": "busybox",
                                       "restart_policy": asked},
                    headers=_v(version))
    assert made.status_int == 202, made.body
    assert made.json["restart_policy"] == shown
    got = api.get(f"/v1/containers/{made.json['uuid']}", headers=_v(version))
    assert got.json["restart_policy"] == shown


def test_memory_reads_as_a_string_of_mib_without_a_unit(
        api, conductor_host, make_container):
    # As tempest's test_update_container: Zun keeps str(MiB).
    made = api.post("/v1/containers", {"image": "busybox", "memory": 100,
                                       "cpu": 0.1}, headers=_v("1.14"))
    assert (made.json["memory"], made.json["cpu"]) == ("100", 0.1)
    c = make_container(memory=100, cpu=0.1)
    patched = api.patch(f"/v1/containers/{c.uuid}", {"memory": 200,
                                                     "cpu": 0.2})
    assert patched.status_int == 200, patched.body
    assert (patched.json["memory"], patched.json["cpu"]) == ("200", 0.2)


# Zun's container view (containers_view._basic_keys) at every version:
# the same keys; and magnum_lite's own two (docs/api-differences.md).
ZUN_KEYS = {
    "uuid", "user_id", "project_id", "name", "image", "links", "command",
    "status", "status_reason", "task_state", "cpu", "memory", "environment",
    "workdir", "ports", "hostname", "labels", "addresses",
    "image_pull_policy", "host", "restart_policy", "status_detail",
    "interactive", "tty", "image_driver", "security_groups", "auto_remove",
    "runtime", "disk", "auto_heal", "privileged", "healthcheck",
    "cpu_policy", "registry_id", "entrypoint", "created_at", "updated_at"}


@pytest.mark.parametrize("version", ["1.1", "1.12", "1.20", "1.40"])
def test_a_container_shows_zuns_keys_with_zuns_types(admin, conductor_host,
                                                     version):
    made = admin.post("/v1/containers", {"image": "busybox"},
                      headers=_v(version))
    assert made.status_int == 202, made.body
    body = admin.get(f"/v1/containers/{made.json['uuid']}",
                     headers=_v(version)).json
    assert set(body) - {"mounts", "health"} == ZUN_KEYS
    # What nobody asked for is null, as Zun's record leaves it.
    for key in ("restart_policy", "healthcheck", "entrypoint", "runtime",
                "command", "registry_id", "memory"):
        assert body[key] is None, key
    assert isinstance(body["disk"], int)


def test_command_is_a_list_at_every_version(api, conductor_host):
    made = api.post("/v1/containers", {"image": "busybox",
                                       "command": "sh -c 'echo hi'"},
                    headers=_v("1.1"))
    assert made.json["command"] == ["sh", "-c", "echo hi"]


# -- security groups at 1.1 ---------------------------------------------------

@pytest.mark.parametrize("groups, status", [
    (["default"], 202), ([], 202), (None, 202),
    (["web"], 400), (["default", "web"], 400)])
def test_only_the_default_security_group_is_accepted(api, conductor_host,
                                                     groups, status):
    # Every lifecycle test of tempest's TestContainerLegacy sends it.
    response = api.post("/v1/containers", {"image": "busybox",
                                           "security_groups": groups},
                        headers=_v("1.1"))
    assert response.status_int == status, response.body
    if status == 202:
        assert response.json["security_groups"] == []


# -- archives before 1.25 -----------------------------------------------------

def test_archives_before_1_25_carry_the_tar_as_text(api, conductor,
                                                    make_container):
    c = make_container()
    tar = tar_of("test.txt", b"Random text")
    # As tempest's legacy test sends it: the bytes as the JSON text.
    response = api.post(f"/v1/containers/{c.uuid}/put_archive?path=/tmp",
                        {"data": tar.decode("utf-8")}, headers=_v("1.24"))
    assert response.status_int == 200, response.body
    assert conductor.calls[-1] == ("put_archive", c.uuid, {
        "path": "/tmp", "data": base64.b64encode(tar).decode()})
    response = api.get(f"/v1/containers/{c.uuid}/get_archive?path=/tmp",
                       headers=_v("1.1"))
    assert response.status_int == 200, response.body
    assert response.json["data"].encode() == tar_of("hello.txt", b"hi")
    assert response.json["stat"]["name"] == "hello.txt"
    # From 1.25, base64 both ways.
    response = api.get(f"/v1/containers/{c.uuid}/get_archive?path=/tmp",
                       headers=_v("1.25"))
    assert base64.b64decode(response.json["data"]) == tar_of("hello.txt",
                                                             b"hi")


# -- the action log -----------------------------------------------------------

class _Driver:
    """What a state change asks of Docker; change_state fails on demand."""

    def __init__(self, error=None):
        self.error = error

    def change_state(self, docker_id, action, **options):
        if self.error:
            raise self.error

    def status(self, docker_id):
        return lifecycle.RUNNING, {"Running": True}

    def inspect(self, docker_id):
        return {"State": {"StartedAt": "2000-01-01T00:00:00Z"}}


def _conductor(driver):
    return manager.ConductorManager(shared.make_conf(DEFAULT={"host": HOST}),
                                    driver, status.StatusRecorder(driver))


@pytest.mark.parametrize("error", [None, exception.DockerError(
    explanation="it would not restart")])
def test_a_success_has_no_message_and_a_failure_says_why(
        api, make_container, caplog, error):
    c = make_container(container_id="d0" * 32)
    context = ml_context.RequestContext(project_id="project-a",
                                        user_id="user-a",
                                        request_id="req-heal")
    caplog.set_level(logging.INFO, logger=manager.__name__)
    try:
        _conductor(_Driver(error)).reboot(context, c,
                                          why="auto_heal: it was unhealthy")
    except messaging.ExpectedException as marker:
        # A direct caller (auto_heal) gets the error inside
        # oslo.messaging's marker (manager._request).
        assert marker.exc_info[1] is error
    path = f"/v1/containers/{c.uuid}/container_actions/req-heal"
    shown = api.get(path).json
    if error is None:
        # As Zun: null on success; the steps go to the conductor's log.
        assert (shown["result"], shown["message"]) == ("Success", None)
        assert "auto_heal: it was unhealthy" in caplog.text
    else:
        assert shown["result"] == "Error"
        assert shown["message"] == ("auto_heal: it was unhealthy; "
                                    "Docker failed: it would not restart")

"""Answers that must read as Zun's do, for zun-tempest-plugin: the exec
command in a JSON body, a container's fields and their types at each
microversion, the default security group at 1.1, archives before 1.25, and
an action log whose successes carry no message and whose steps are Zun's
events."""
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
from tests.functional.test_api_zun_views import wrong_shapes

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


@pytest.mark.parametrize("version", ["1.1", "1.12", "1.20", "1.40"])
def test_a_container_shows_zuns_keys_with_zuns_types(admin, conductor_host,
                                                     version):
    # Zun's container view (containers_view._basic_keys) is the same at
    # every version; ours adds the keys docs/api-differences.md lists.
    made = admin.post("/v1/containers", {"image": "busybox"},
                      headers=_v(version))
    assert made.status_int == 202, made.body
    body = admin.get(f"/v1/containers/{made.json['uuid']}",
                     headers=_v(version)).json
    assert wrong_shapes("container", made.json) == []
    assert wrong_shapes("container", body) == []
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
    """What an operation asks of Docker, with busybox on the host; the
    method named `fails` raises `error`."""

    def __init__(self, error=None, fails="change_state"):
        self.error, self.fails = error, fails

    def _call(self, method):
        if self.error and method == self.fails:
            raise self.error

    def inspect_image(self, ref):
        self._call("inspect_image")
        return {"Id": "sha256:" + "ab" * 32, "RepoTags": ["busybox:latest"]}

    def create(self, spec):
        self._call("create")
        return "c0" * 32

    def remove(self, docker_id, force=False):
        return True

    def change_state(self, docker_id, action, **options):
        self._call("change_state")

    def status(self, docker_id):
        return lifecycle.RUNNING, {"Running": True}

    def inspect(self, docker_id):
        return {"State": {"StartedAt": "2000-01-01T00:00:00Z"}}


def _conductor(driver):
    return manager.ConductorManager(shared.make_conf(DEFAULT={"host": HOST}),
                                    driver, status.StatusRecorder(driver))


def _carry_out(driver, operation, container, **options):
    """Run the operation in a conductor, as request req-op; the error it
    ended on, if any."""
    context = ml_context.RequestContext(project_id="project-a",
                                        user_id="user-a",
                                        request_id="req-op")
    try:
        getattr(_conductor(driver), operation)(context, container,
                                               **options)
    except messaging.ExpectedException as marker:
        # A direct caller (auto_heal, the backlog) gets the error inside
        # oslo.messaging's marker (manager._request).
        return marker.exc_info[1]


def _shown(api, container):
    return api.get(f"/v1/containers/{container.uuid}/container_actions/"
                   "req-op").json


def _events(shown):
    """[(event, result)], after checking each event's form: the action's
    times (steps keep none of their own) and never a traceback."""
    for event in shown["events"]:
        assert set(event) == {"event", "start_time", "finish_time",
                              "result", "traceback"}
        assert (event["start_time"], event["finish_time"]) == (
            shown["start_time"], shown["finish_time"])
        assert event["traceback"] is None
    return [(e["event"], e["result"]) for e in shown["events"]]


FOUND = ("found busybox:latest (pull policy ifnotpresent)", "Success")


@pytest.mark.parametrize("operation, status, steps", [
    ("create", lifecycle.CREATING, []),
    ("rebuild", lifecycle.RUNNING, ["removed the old Docker container"])])
def test_a_success_has_no_message_and_its_steps_are_its_events(
        api, make_container, operation, status, steps):
    c = make_container(status=status, container_id=(
        None if status == lifecycle.CREATING else "d0" * 32))
    assert _carry_out(_Driver(), operation, c, run=True) is None
    shown = _shown(api, c)
    # As Zun: null on success; what was done is in its events.
    assert shown["message"] is None
    assert _events(shown) == [FOUND] + [(s, "Success") for s in steps] + [
        ("created Docker container c0c0c0c0c0c0", "Success"),
        ("started", "Success")]


@pytest.mark.parametrize("operation, status, driver, said", [
    # Pull policy never, and the image is not on the host.
    ("create", lifecycle.CREATING,
     _Driver(exception.NotFound("no such image"), "inspect_image"),
     ["Image busybox:latest could not be found: not present locally and "
      "the pull policy is never"]),
    ("rebuild", lifecycle.RUNNING,
     _Driver(exception.DockerError(explanation="no space left"), "create"),
     [FOUND[0], "removed the old Docker container",
      "Docker failed: no space left"]),
    ("reboot", lifecycle.RUNNING,
     _Driver(exception.DockerError(explanation="it would not restart")),
     ["auto_heal: it was unhealthy", "Docker failed: it would not restart"]),
])
def test_a_failure_says_why_and_its_last_event_is_the_error(
        api, make_container, operation, status, driver, said):
    creating = status == lifecycle.CREATING
    c = make_container(status=status,
                       image_pull_policy="never" if creating else None,
                       container_id=None if creating else "d0" * 32)
    options = ({"why": "auto_heal: it was unhealthy"}
               if operation == "reboot" else {"run": True})
    assert str(_carry_out(driver, operation, c, **options)) == said[-1]
    shown = _shown(api, c)
    # The steps done, then the error: in the message, and as events.
    assert shown["message"] == "; ".join(said)
    assert _events(shown) == [(s, "Success") for s in said[:-1]] + [
        (said[-1], "Error")]


def test_an_auto_heal_says_why_in_its_events_and_the_log(
        api, make_container, caplog):
    c = make_container(container_id="d0" * 32)
    caplog.set_level(logging.INFO, logger=manager.__name__)
    assert _carry_out(_Driver(), "reboot", c,
                      why="auto_heal: it was unhealthy") is None
    shown = _shown(api, c)
    assert shown["message"] is None
    assert _events(shown) == [("auto_heal: it was unhealthy", "Success")]
    # The conductor's log says it too.
    assert "auto_heal: it was unhealthy" in caplog.text

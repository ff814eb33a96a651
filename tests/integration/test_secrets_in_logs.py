"""Secrets stay out of the logs: a registry password and an exec'd
command, driven through a real all-in-one (a registry record, a create
that pulls with its login, an exec) with the magnum_lite and
oslo_messaging loggers at DEBUG, appear in no line it logged."""
import uuid
from urllib import parse

import docker
from oslo_log import log

from harness import stack as shared
from magnum_lite import lifecycle

V = "container 1.40"


def _call(port, method, path, body=None):
    return shared.request_json(port, method, path, body, headers={
        "Content-Type": "application/json", "OpenStack-API-Version": V,
        "X-Project-Id": "secrets", "X-User-Id": "tester",
        "X-Roles": "member"})


def _forget_image(env, image):
    """Remove `image` from the engine, so that the create pulls it (with
    the registry's login); a tenant may not ask for pull policy always."""
    client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                              version="auto")
    try:
        client.remove_image(image, force=True)
    except docker.errors.NotFound:
        pass
    finally:
        client.close()


def _debug_config():
    levels = [level for level in log.get_default_log_levels()
              if not level.startswith(("oslo_messaging=", "magnum_lite="))]
    return ("[DEFAULT]\ndebug = true\ndefault_log_levels = %s\n" % ",".join(
        levels + ["oslo_messaging=DEBUG", "magnum_lite=DEBUG"]))


def test_a_registry_password_and_an_exec_command_are_never_logged(tmp_path):
    env = shared.stack()
    user = env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"]
    password = env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"]
    marker = "cmd-marker-" + uuid.uuid4().hex[:8]
    _forget_image(env, env["MAGNUM_LITE_TEST_AUTH_REGISTRY_IMAGE"])
    with shared.all_in_one(tmp_path, config=_debug_config()) as aio:
        status, made = _call(aio.port, "POST", "/v1/registries", {
            "registry": {"name": "private",
                         "domain": env["MAGNUM_LITE_TEST_AUTH_REGISTRY"],
                         "username": user,
                         "password": password}})
        assert status == 201, made
        status, c = _call(aio.port, "POST", "/v1/containers?run=true", {
            "image": env["MAGNUM_LITE_TEST_AUTH_REGISTRY_IMAGE"],
            "registry": "private", "command": ["sleep", "300"]})
        assert status == 202, c

        def running():
            status, shown = _call(aio.port, "GET",
                                  "/v1/containers/" + c["uuid"])
            assert shown["status"] != lifecycle.ERROR, shown
            return shown["status"] == lifecycle.RUNNING

        shared.wait_for(running, 120, 0.2, "the create ran")
        # The command's text is not its output: expr prints 11.
        command = "busybox expr %s : cmd-marker-" % marker
        status, done = _call(
            aio.port, "POST", "/v1/containers/%s/execute?run=true&command=%s"
            % (c["uuid"], parse.quote(command)))
        assert status == 200, done
        assert (done["output"].strip(), done["exit_code"]) == ("11", 0)
    lines = (tmp_path / "aio.log").read_text().splitlines()
    # What was logged covers the pull with the login, at DEBUG.
    assert any(" DEBUG oslo_messaging." in line for line in lines)
    assert any("login of registry private" in line for line in lines)
    assert [line for line in lines if password in line] == []
    assert [line for line in lines if marker in line] == []

"""Pulls from a private registry that requires a login (the stack's
htpasswd registry), through a live conductor on the real engine: with the
project's registry record it runs; without a login, or with a wrong one,
the record says "Authentication required" and nothing is retried
elsewhere or left behind."""
import logging

import pytest

from harness import stack as shared
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import secret


@pytest.fixture
def registry_env(live, tmp_path):
    env = shared.stack()
    missing = [k for k in ("MAGNUM_LITE_TEST_AUTH_REGISTRY",
                           "MAGNUM_LITE_TEST_AUTH_REGISTRY_IMAGE")
               if not env.get(k)]
    if missing:
        pytest.fail("the stack has no registry that requires a login (%s): "
                    "run `bash .ci/stack up`" % ", ".join(missing),
                    pytrace=False)
    live.conf.set_override("password_key_file", str(tmp_path / "key"),
                           group="registries")
    yield env
    live.conf.clear_override("password_key_file", group="registries")


def _record(live, env, project, password, name="private"):
    registry = objects.Registry(
        live.context, name=name, domain=env["MAGNUM_LITE_TEST_AUTH_REGISTRY"],
        username=env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"],
        password=secret.encrypt(live.conf, password), project_id=project,
        user_id="u1")
    registry.create()
    return registry


def _created(live, env, project="p1", **fields):
    c = live.new_container(
        image=env["MAGNUM_LITE_TEST_AUTH_REGISTRY_IMAGE"], project_id=project,
        image_pull_policy="always", **fields)
    live.api.create(live.context, c, run=True)
    return live.wait(c)


def _told(caplog, action, c):
    """The steps the conductor logged for the container's `action`: a
    success keeps no message in the action log (as Zun)."""
    prefix = "%s of container %s: " % (action, c.uuid)
    return "; ".join(r.getMessage()[len(prefix):] for r in caplog.records
                     if r.getMessage().startswith(prefix))


def test_a_named_registry_logs_the_pull_in(live, registry_env, caplog):
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    env = registry_env
    registry = _record(live, env, "p1",
                       env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"])
    c = _created(live, env, registry_id=registry.uuid)
    assert c.status == lifecycle.RUNNING, c.status_reason
    [create] = [a for a in objects.ContainerAction.list_for(
        live.context, c.uuid) if a.action == "create"]
    assert create.message is None  # a success has none, as Zun
    assert "login of registry private" in _told(caplog, "create", c)
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)


def test_the_record_for_the_images_domain_is_used(live, registry_env):
    env = registry_env
    _record(live, env, "p-domain",
            env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"])
    c = _created(live, env, project="p-domain")
    assert c.status == lifecycle.RUNNING, c.status_reason
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)


def test_without_a_login_the_reason_says_authentication_required(
        live, registry_env):
    c = _created(live, registry_env, project="p-none")
    assert c.status == lifecycle.ERROR
    assert c.status_reason.startswith(
        "Authentication required: the registry %s refused to let" %
        registry_env["MAGNUM_LITE_TEST_AUTH_REGISTRY"])
    assert "without a login" in c.status_reason
    assert live.docker_containers(c.uuid) == []
    # The tenant's to fix: not placed again on another host.
    assert "tried" not in (c.placement() or {})


def test_a_wrong_password_is_refused_too(live, registry_env):
    registry = _record(live, registry_env, "p-wrong", "not-the-password")
    c = _created(live, registry_env, project="p-wrong",
                 registry_id=registry.uuid)
    assert c.status == lifecycle.ERROR
    assert "with the login given" in c.status_reason
    assert "not-the-password" not in c.status_reason
    assert live.docker_containers(c.uuid) == []


def test_another_projects_record_is_never_used(live, registry_env):
    env = registry_env
    theirs = _record(live, env, "p-owner",
                     env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"])
    c = _created(live, env, project="p-thief", registry_id=theirs.uuid)
    assert c.status == lifecycle.ERROR
    assert "without a login" in c.status_reason

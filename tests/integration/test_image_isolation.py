"""Images are resolved per project, through a live conductor on the real
engine and the stack's registries: a copy one project pulled with its
registry login is not another's without the registry's word (asked with a
manifest request, not a new download), and a commit is only its
project's."""
import logging
import time
import uuid

import pytest

from harness import stack as shared
from magnum_lite.docker import image as image_ref
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import secret

REPOSITORY = "test/isolated"


@pytest.fixture
def stack(live, tmp_path):
    env = shared.stack()
    registries = [env["MAGNUM_LITE_TEST_REGISTRY"],
                  env["MAGNUM_LITE_TEST_AUTH_REGISTRY"]]
    live.conf.set_override("password_key_file", str(tmp_path / "key"),
                           group="registries")
    before = list(live.conf.registries.allowed_hosts)
    live.conf.set_override("allowed_hosts", sorted(set(before + registries)),
                           group="registries")
    made = []
    yield env, made
    for c in made:
        live.api.delete(live.context, c, force=True)
        assert live.gone(c.uuid)
    live.conf.set_override("allowed_hosts", before, group="registries")
    live.conf.clear_override("password_key_file", group="registries")


@pytest.fixture
def private_image(live, stack):
    """A reference to an image of its own that only the login registry
    holds (the stack's test/busybox is also loaded on the host as
    localbusybox:latest, the operator's, which anyone may run)."""
    env, _ = stack
    client = live.docker
    repository = f"{env['MAGNUM_LITE_TEST_AUTH_REGISTRY']}/{REPOSITORY}"
    tag = uuid.uuid4().hex[:12]
    made = client.create_container(
        env["MAGNUM_LITE_TEST_IMAGE"],
        ["sh", "-c", f"echo {tag} > /private-mark"])
    try:
        client.start(made["Id"])
        assert client.wait(made["Id"], timeout=30)["StatusCode"] == 0
        image_id = client.commit(made["Id"], repository=repository,
                                 tag=tag)["Id"]
    finally:
        client.remove_container(made["Id"], force=True)
    pushed = list(client.push(repository, tag=tag, stream=True, decode=True,
                              auth_config=_login(env)))
    assert not [e for e in pushed if "error" in e], pushed
    # Only in the registry now: a project's create pulls it.
    client.remove_image(f"{repository}:{tag}")
    yield f"{repository}:{tag}", image_id
    for found in client.containers(all=True,
                                   filters={"ancestor": image_id}):
        client.remove_container(found["Id"], force=True)
    try:
        client.remove_image(image_id, force=True)
    except Exception:  # noqa: BLE001 - gone already
        pass


def _login(env):
    return {"username": env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"],
            "password": env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"]}


def _project(name):
    return f"{name}-{uuid.uuid4().hex[:6]}"


def _record(live, env, project, password=None):
    registry = objects.Registry(
        live.context, name="private",
        domain=env["MAGNUM_LITE_TEST_AUTH_REGISTRY"],
        username=env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"],
        password=secret.encrypt(
            live.conf,
            password or env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"]),
        project_id=project, user_id="u1")
    registry.create()
    return registry


def _created(live, made, image, project, policy="ifnotpresent"):
    c = live.new_container(image=image, project_id=project,
                           image_pull_policy=policy)
    made.append(c)
    live.api.create(live.context, c, run=True)
    return live.wait(c)


def _message(live, c, caplog):
    """The create's steps: the conductor logs them, as a success keeps no
    message in the action log (as Zun)."""
    [create] = [a for a in objects.ContainerAction.list_for(
        live.context, c.uuid) if a.action == "create"]
    assert create.message is None
    prefix = "create of container %s: " % c.uuid
    return "; ".join(r.getMessage()[len(prefix):] for r in caplog.records
                     if r.getMessage().startswith(prefix))


def _run_in(live, c, *command):
    """(exit code, output) of `command` in the container."""
    run = live.docker.exec_create(c.container_id, list(command))
    output = live.docker.exec_start(run["Id"])
    return live.docker.exec_inspect(run["Id"])["ExitCode"], output


def _pulls_of(live, repository, since):
    """The engine's pull events for `repository` since `since`."""
    events = live.docker.events(
        since=int(since), until=int(time.time()) + 1, decode=True,
        filters={"type": "image", "event": "pull"})
    return [e for e in events if e.get("id", "").startswith(repository)
            and e["timeNano"] >= since * 1e9]


def _refused(c, env):
    assert c.status == lifecycle.ERROR, c.status
    assert c.status_reason.startswith(
        "Authentication required: the registry %s refused to let" %
        env["MAGNUM_LITE_TEST_AUTH_REGISTRY"]), c.status_reason


def test_a_private_copy_on_the_host_needs_the_projects_own_login(
        live, stack, private_image, caplog):
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    env, made = stack
    image, image_id = private_image
    owner, other = _project("pa"), _project("pb")
    _record(live, env, owner)
    mine = _created(live, made, image, owner)
    assert mine.status == lifecycle.RUNNING, mine.status_reason
    assert _message(live, mine, caplog).startswith(f"pulled {image} ")

    # Without a login, as if the host had no copy: refused, nothing left.
    theirs = _created(live, made, image, other)
    _refused(theirs, env)
    assert "without a login" in theirs.status_reason
    assert live.docker_containers(theirs.uuid) == []
    # By the image's id, or by its digest: the same.
    by_id = _created(live, made, image_id, other)
    _refused(by_id, env)
    assert live.docker_containers(by_id.uuid) == []
    [digest] = live.docker.inspect_image(image_id)["RepoDigests"]
    _refused(_created(live, made, digest, other), env)
    # A wrong login is no better.
    wrong = _project("pw")
    _record(live, env, wrong, password="not-the-password")
    refused = _created(live, made, image, wrong)
    _refused(refused, env)
    assert "with the login given" in refused.status_reason
    assert "not-the-password" not in refused.status_reason

    # With its own login: the registry's word, and the same copy.
    _record(live, env, other)
    since = time.time()
    allowed = _created(live, made, image, other)
    assert allowed.status == lifecycle.RUNNING, allowed.status_reason
    assert live.inspect(allowed)["Image"] == image_id
    assert "lets this project read it" in _message(live, allowed, caplog)
    assert _pulls_of(live, image.rpartition(":")[0], since) == []
    again = _created(live, made, image_id, other)
    assert again.status == lifecycle.RUNNING, again.status_reason
    assert "lets this project read it" not in _message(live, again, caplog)


def test_shared_images_stay_shared(live, stack, private_image):
    """An admin's pull makes an image shared; and the operator's own
    images stay everyone's, even when a project pulled the same image
    with its login."""
    env, made = stack
    image, image_id = private_image
    owner, other = _project("pa"), _project("pb")
    _record(live, env, owner)
    assert _created(live, made, image, owner).status == lifecycle.RUNNING
    _refused(_created(live, made, image, other), env)

    _record(live, env, live.context.project_id)
    pulled = live.api.image_pull(live.context, live.conf.host, image)
    assert pulled["id"] == image_id
    shared_now = _created(live, made, image, other)
    assert shared_now.status == lifecycle.RUNNING, shared_now.status_reason

    # The operator's own image, pushed to the login registry under a name
    # of this test's: a project's login pull of it gives the same image.
    local = env["MAGNUM_LITE_TEST_IMAGE"]
    repository = f"{env['MAGNUM_LITE_TEST_AUTH_REGISTRY']}/{REPOSITORY}-local"
    tag = uuid.uuid4().hex[:12]
    private = f"{repository}:{tag}"
    live.docker.tag(local, repository, tag)
    try:
        pushed = list(live.docker.push(repository, tag=tag, stream=True,
                                       decode=True,
                                       auth_config=_login(env)))
        assert not [e for e in pushed if "error" in e], pushed
        live.docker.remove_image(private)  # the tag only: local stays
        mine = _created(live, made, private, owner, policy="always")
        assert mine.status == lifecycle.RUNNING, mine.status_reason
        assert live.inspect(mine)["Image"] == live.docker.inspect_image(
            local)["Id"]
        for image in (local, private):
            c = _created(live, made, image, other)
            assert c.status == lifecycle.RUNNING, c.status_reason
    finally:
        try:
            live.docker.remove_image(private)
        except Exception:  # noqa: BLE001 - untagged already
            pass


def test_a_commit_is_its_projects_alone(live, stack):
    env, made = stack
    namespace = live.conf.docker.commit_namespace
    alpha, beta = _project("pa"), _project("pb")
    public = env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"]
    first = _created(live, made, public, alpha)
    assert first.status == lifecycle.RUNNING, first.status_reason

    writer = _created(live, made, env["MAGNUM_LITE_TEST_IMAGE"], beta)
    assert writer.status == lifecycle.RUNNING, writer.status_reason
    assert _run_in(live, writer, "sh", "-c", "echo beta > /beta-file")[0] == 0
    public_repository = public.rpartition(":")[0]
    # As the API names a commit: never onto another image's name...
    with pytest.raises(exception.InvalidParameter):
        image_ref.committed(namespace, beta, public_repository, "1.0")
    # ...but into the project's namespace.
    repository, tag = image_ref.committed(namespace, beta, "test/busybox",
                                          "1.0")
    committed = f"{repository}:{tag}"
    commit_id = live.api.commit(live.context, writer, repository,
                                tag)["uuid"]
    try:
        second = _created(live, made, public, alpha)
        assert second.status == lifecycle.RUNNING, second.status_reason
        assert _run_in(live, second, "cat", "/beta-file")[0] != 0

        # Another project's commit, by name or by id, is not there for it:
        # told as of an image that is nowhere.
        nowhere = image_ref.committed(namespace, alpha, "nothing", "1")
        absent = _created(live, made, "%s:%s" % nowhere, alpha)
        for image in (committed, commit_id):
            c = _created(live, made, image, alpha)
            assert c.status == lifecycle.ERROR
            assert c.status_reason == absent.status_reason.replace(
                "%s:%s" % nowhere, image), c.status_reason
            assert live.docker_containers(c.uuid) == []

        own = _created(live, made, committed, beta)
        assert own.status == lifecycle.RUNNING, own.status_reason
        assert _run_in(live, own, "cat", "/beta-file") == (0, b"beta\n")
    finally:
        for c in made:
            live.api.delete(live.context, c, force=True)
            assert live.gone(c.uuid)
        made.clear()
        live.docker.remove_image(commit_id, force=True)


def test_rebuild_takes_the_same_path(live, stack, private_image):
    env, made = stack
    image, _ = private_image
    owner, other = _project("pa"), _project("pb")
    _record(live, env, owner)
    assert _created(live, made, image, owner).status == lifecycle.RUNNING
    theirs = _created(live, made, env["MAGNUM_LITE_TEST_IMAGE"], other)
    assert theirs.status == lifecycle.RUNNING, theirs.status_reason
    context = ml_context.RequestContext(project_id=other, user_id="u1",
                                        is_admin=True, overwrite=False)
    live.api.rebuild(context, theirs, image=image, run=True)
    rebuild = _finished(live, theirs, "rebuild")
    assert rebuild.result == "Error"
    assert "Authentication required" in rebuild.message, rebuild.message
    # Pulled before anything is removed: the old container stays.
    assert live.inspect(theirs)["State"]["Running"]


def _finished(live, c, action, timeout=30):
    """The container's entry for `action` in the action log, once ended."""
    def ended():
        return [a for a in objects.ContainerAction.list_for(
            live.context, c.uuid) if a.action == action and a.finish_time]

    return shared.wait_for(ended, timeout, 0.02, f"a {action} ended")[-1]

"""Every conductor operation over real RPC, checked in Docker itself."""
import base64
import io
import logging
import tarfile
import types

import pytest

from harness import stack as shared
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from tests.functional.api_fixtures import FakeConductor

MiB = 1024 * 1024


def test_create_and_run_applies_limits_env_and_labels(live, caplog):
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    c = live.new_container(memory=64, cpu=0.5, environment={"GREETING": "hi"},
                           labels={"team": "blue"}, workdir="/tmp",
                           hostname="box1",
                           restart_policy={"Name": "on-failure",
                                           "MaximumRetryCount": 2})
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.RUNNING, c.status_reason
    info = live.inspect(c)
    host = info["HostConfig"]
    assert host["Memory"] == 64 * MiB
    assert host["NanoCpus"] == 500_000_000
    assert host["NetworkMode"] == "none"
    assert host["RestartPolicy"] == {"Name": "on-failure",
                                     "MaximumRetryCount": 2}
    assert info["Config"]["Labels"]["magnum_lite.uuid"] == c.uuid
    assert info["Config"]["Labels"]["team"] == "blue"
    assert "GREETING=hi" in info["Config"]["Env"]
    assert info["Config"]["WorkingDir"] == "/tmp"
    assert info["Config"]["Hostname"] == "box1"
    assert info["State"]["Running"]
    actions = objects.ContainerAction.list_for(live.context, c.uuid)
    assert [(a.action, a.result) for a in actions] == [("create", "Success")]
    assert actions[0].finish_time is not None
    # A success has no message (as Zun); each step is in the conductor's
    # log.
    assert actions[0].message is None
    assert _told(caplog, "create", c) == (
        "found %s (pull policy ifnotpresent); created Docker container %s; "
        "started" % (live.env["MAGNUM_LITE_TEST_IMAGE"], c.container_id[:12]))


def test_create_without_run_fills_command_from_image(live):
    c = live.new_container(command=None)
    live.api.create(live.context, c, run=False)
    c = live.wait(c)
    assert c.status == lifecycle.CREATED
    assert c.command == ["sh"]  # the image's CMD, shown as what will run
    assert live.inspect(c)["State"]["Status"] == "created"


def test_lifecycle_follows_docker(live):
    c = live.new_container()
    live.api.create(live.context, c, run=False)
    c = live.wait(c, lifecycle.CREATED)
    steps = [
        (live.api.start, {}, lifecycle.RUNNING, "running"),
        (live.api.pause, {}, lifecycle.PAUSED, "paused"),
        (live.api.unpause, {}, lifecycle.RUNNING, "running"),
        (live.api.reboot, {"timeout": 1}, lifecycle.RUNNING, "running"),
        (live.api.stop, {"timeout": 1}, lifecycle.STOPPED, "exited"),
        (live.api.start, {}, lifecycle.RUNNING, "running"),
        (live.api.kill, {"signal": "SIGKILL"}, lifecycle.STOPPED, "exited"),
    ]
    for call, kwargs, status, docker_status in steps:
        call(live.context, c, **kwargs)
        c = live.wait(c, status)
        assert live.inspect(c)["State"]["Status"] == docker_status, call
    assert c.status_reason == "Exited with code 137"
    names = [a.action for a in objects.ContainerAction.list_for(
        live.context, c.uuid)]
    assert names == ["kill", "start", "stop", "reboot", "unpause", "pause",
                     "start", "create"]


def test_delete_removes_container_and_record(live):
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    live.api.delete(live.context, c, stop=True)
    assert live.gone(c.uuid)
    assert live.docker_containers(c.uuid) == []


def test_force_delete_of_running_container(live):
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)
    assert live.docker_containers(c.uuid) == []


def test_reads_logs_execute_top_stats(live):
    c = live.new_container(command=["sh", "-c",
                                    "echo out; echo err >&2; sleep 300"])
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    logs = live.api.logs(live.context, c, stdout=True, stderr=False)
    assert logs.strip() == "out"
    both = live.api.logs(live.context, c)
    assert sorted(both.split()) == ["err", "out"]
    ok = live.api.execute(live.context, c, ["sh", "-c", "echo $GREETING x"])
    assert (ok["output"], ok["exit_code"]) == ("x\n", 0)
    failed = live.api.execute(live.context, c, ["sh", "-c", "exit 3"])
    assert failed["exit_code"] == 3
    # A command that outlasts [docker] execute_timeout: the caller hears so
    # in time, typed, and the conductor is free for the next request.
    live.conf.set_override("execute_timeout", 1, group="docker")
    try:
        with pytest.raises(exception.ExecuteTimeout):
            live.api.execute(live.context, c, ["sleep", "30"])
    finally:
        live.conf.clear_override("execute_timeout", group="docker")
    top = live.api.top(live.context, c)
    assert any("sleep 300" in " ".join(p) for p in top["Processes"])
    stats = live.api.stats(live.context, c)
    assert stats["memory_usage"] > 0


def test_update_changes_limits_live(live):
    c = live.new_container(memory=64)
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    updated = live.api.update(live.context, c, {"memory": 128, "cpu": 1.5})
    assert (updated.memory, updated.cpu) == (128, 1.5)
    host = live.inspect(c)["HostConfig"]
    assert host["Memory"] == 128 * MiB
    assert host["NanoCpus"] == 1_500_000_000
    assert objects.Container.get(live.context, c.uuid).memory == 128


def test_update_below_docker_minimum_is_typed_and_changes_nothing(live):
    c = live.new_container(memory=64)
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    with pytest.raises(exception.Invalid):
        live.api.update(live.context, c, {"memory": 4})
    assert live.inspect(c)["HostConfig"]["Memory"] == 64 * MiB
    after = objects.Container.get(live.context, c.uuid)
    assert (after.memory, after.status, after.status_reason) == (
        64, lifecycle.RUNNING, None)


def test_rename_changes_the_record_only(live):
    c = live.new_container()
    live.api.create(live.context, c, run=False)
    c = live.wait(c)
    renamed = live.api.rename(live.context, c, "renamed-" + c.name)
    assert renamed.name == "renamed-" + c.name
    assert objects.Container.get(live.context, c.uuid).name == renamed.name


def test_archive_round_trip_and_commit(live):
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        body = b"hello from the tenant\n"
        info = tarfile.TarInfo("note.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    live.api.put_archive(live.context, c, "/tmp",
                         base64.b64encode(buf.getvalue()).decode())
    out = live.api.execute(live.context, c, ["cat", "/tmp/note.txt"])
    assert out["output"] == "hello from the tenant\n"
    got = live.api.get_archive(live.context, c, "/tmp/note.txt")
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(got["data"]))) as t:
        assert t.extractfile("note.txt").read() == body
    assert got["stat"]["name"] == "note.txt"
    image = live.api.commit(live.context, c, "committed/" + c.name, "v1")
    try:
        tags = live.docker.inspect_image(image["uuid"])["RepoTags"]
        assert "committed/%s:v1" % c.name in tags
    finally:
        live.docker.remove_image(image["uuid"], force=True)


def _push_missing(live):
    return "%s/test/never-pushed:1.0" % live.env["MAGNUM_LITE_TEST_REGISTRY"]


def _told(caplog, action, c):
    """The steps the conductor logged for the container's `action`: a
    success keeps no message in the action log (as Zun)."""
    prefix = "%s of container %s: " % (action, c.uuid)
    return "; ".join(r.getMessage()[len(prefix):] for r in caplog.records
                     if r.getMessage().startswith(prefix))


@pytest.mark.parametrize("how", ["tag", "digest"])
def test_pull_from_registry_with_port(live, caplog, how):
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    ref = live.env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"]
    if how == "digest":
        ref = ref.rsplit(":", 1)[0] + "@" + live.env[
            "MAGNUM_LITE_TEST_REGISTRY_DIGEST"]
    c = live.new_container(image=ref, image_pull_policy="always")
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.RUNNING, c.status_reason
    assert c.status_detail is None  # progress is cleared once done
    [action] = objects.ContainerAction.list_for(live.context, c.uuid)
    assert action.message is None
    assert _told(caplog, "create", c).startswith(
        "pulled %s (pull policy always)" % ref)
    pulled = live.docker.inspect_image(live.inspect(c)["Image"])
    assert any(d.endswith(live.env["MAGNUM_LITE_TEST_REGISTRY_DIGEST"])
               for d in pulled["RepoDigests"])


def test_pull_policy_never_with_missing_image(live):
    c = live.new_container(image=_push_missing(live),
                           image_pull_policy="never")
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR
    assert "never" in c.status_reason
    assert c.task_state is None
    assert live.docker_containers(c.uuid) == []
    [action] = objects.ContainerAction.list_for(live.context, c.uuid)
    assert action.result == "Error" and "never" in action.message


def test_pull_of_missing_tag_ends_in_error_without_leftovers(live):
    c = live.new_container(image=_push_missing(live),
                           image_pull_policy="ifnotpresent")
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR
    assert "never-pushed" in c.status_reason
    assert "Traceback" not in c.status_reason
    assert live.docker_containers(c.uuid) == []


def test_failed_start_removes_the_docker_container(live):
    # Docker creates it, then cannot exec the command: nothing is left.
    c = live.new_container(command=["/no/such/binary"])
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR
    assert "/no/such/binary" in c.status_reason
    assert c.container_id is None
    assert live.docker_containers(c.uuid) == []


def _call(live, method, container, context=None, **kwargs):
    # Casts cannot return errors; a call of the same method shows the typed
    # error another service would see.
    return live.api._prepare(container).call(
        context or live.context, method, container=container, **kwargs)


def test_bad_requests_are_typed_and_change_nothing(live):
    c = live.new_container()
    live.api.create(live.context, c, run=False)
    c = live.wait(c, lifecycle.CREATED)
    before = live.inspect(c)["State"]
    with pytest.raises(exception.ActionNotAllowed):
        _call(live, "pause", c)
    with pytest.raises(exception.ActionNotAllowed):
        live.api.execute(live.context, c, ["true"])
    ghost = objects.Container(live.context, uuid="0" * 8 + "-0000-4000-8000-"
                              + "0" * 12, host=live.conf.host)
    with pytest.raises(exception.ContainerNotFound):
        _call(live, "start", ghost)
    _call(live, "start", c)
    with pytest.raises(exception.Invalid):
        _call(live, "kill", c, signal="SIGNOPE")
    after = objects.Container.get(live.context, c.uuid)
    assert after.status == lifecycle.RUNNING and after.status_reason is None
    assert before["Status"] == "created"
    # The refused pause is in the action log, with the reason.
    [pause] = [a for a in objects.ContainerAction.list_for(live.context,
                                                            c.uuid)
               if a.action == "pause"]
    assert (pause.result, pause.message) == (
        "Error", "Cannot pause container %s in status Created." % c.uuid)
    assert live.inspect(c)["State"]["Running"]


def test_a_refusal_reaches_the_caller_even_unrecorded(live, monkeypatch):
    c = live.new_container()
    live.api.create(live.context, c, run=False)
    c = live.wait(c, lifecycle.CREATED)

    def database_away(*args, **kwargs):
        raise RuntimeError("the database is away")

    monkeypatch.setattr(objects.ContainerAction, "take", database_away)
    with pytest.raises(exception.ActionNotAllowed):
        _call(live, "pause", c)


def test_a_delete_refused_by_the_conductor_is_not_carried_out(live):
    # The API accepted a delete (the record was Stopped, say) and marked
    # the record; by the time the conductor looks, the container runs.
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    c.task_state = lifecycle.PENDING_DELETE
    asked = live.context  # the API's request
    objects.ContainerAction.begin(asked, c.uuid, "delete", c)

    with pytest.raises(exception.ActionNotAllowed):
        _call(live, "delete", c, context=asked)
    live.conductor.sync.reconcile()

    after = objects.Container.get(live.context, c.uuid)
    assert (after.status, after.task_state) == (lifecycle.RUNNING, None)
    assert live.inspect(after)["State"]["Running"]
    [delete] = [a for a in objects.ContainerAction.list_for(live.context,
                                                             c.uuid)
                if a.action == "delete"]
    assert delete.result == "Error"
    assert "Cannot delete container" in delete.message


def test_memory_below_docker_minimum_at_create(live):
    c = live.new_container(memory=4)
    with pytest.raises(exception.Invalid):
        _call(live, "create", c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR
    assert live.docker_containers(c.uuid) == []


def _shape(value):
    """What an answer looks like, its values aside: the keys of a dict with
    the shapes of their values, a list by its first item's, else the type
    (a whole number counts as a number; a text that comes in pieces, as
    the API reads one, counts as text)."""
    if isinstance(value, types.GeneratorType):
        return _shape("".join(value))
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def test_the_api_tests_fake_answers_as_this_conductor_does(live):
    """The API's functional tests run on FakeConductor's canned answers;
    each has the shape of a live conductor's answer to the same call."""
    fake = FakeConductor()
    c = live.new_container(command=["sh", "-c", "echo hi; sleep 300"])
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    calls = {
        "logs": {}, "execute": {"command": ["true"]}, "top": {},
        "stats": {}, "get_archive": {"path": "/bin/sh"},
        "get_archive as text": {"path": "/tmp", "as_text": True},
        "commit": {"repository": "fake-shape-" + c.uuid[:8]},
    }
    for call, kwargs in calls.items():
        method = call.split()[0]
        real = getattr(live.api, method)(live.context, c, **kwargs)
        canned = getattr(fake, method)(live.context, c, **kwargs)
        assert _shape(canned) == _shape(real), call
    real = live.api.images(live.context, live.conf.host)
    assert _shape(fake.images(live.context, live.conf.host)) == _shape(real)
    pulled = live.env["MAGNUM_LITE_TEST_REGISTRY_IMAGE"]
    real = live.api.image_pull(live.context, live.conf.host, pulled)
    assert pulled in real["repo_tags"]
    assert _shape(fake.image_pull(live.context, live.conf.host,
                                  pulled)) == _shape(real)
    live.docker.remove_image("fake-shape-" + c.uuid[:8])


def test_entrypoint_and_runtime_reach_docker(live):
    c = live.new_container(entrypoint=["/bin/sh", "-c"],
                           command=["echo started; sleep 300"],
                           runtime="runc")
    live.api.create(live.context, c, run=True)
    c = live.wait(c, lifecycle.RUNNING)
    info = live.inspect(c)
    assert info["Config"]["Entrypoint"] == ["/bin/sh", "-c"]
    assert info["HostConfig"]["Runtime"] == "runc"
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)


def test_privileged_reaches_docker(live):
    # Created, not started: this machine's dockerd runs without the
    # capabilities a privileged container needs (runc: "unable to apply
    # caps: operation not permitted").
    c = live.new_container(privileged=True)
    live.api.create(live.context, c, run=False)
    c = live.wait(c, lifecycle.CREATED)
    assert live.inspect(c)["HostConfig"]["Privileged"] is True
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)


def test_a_runtime_the_engine_lacks_fails_with_dockers_reason(live):
    c = live.new_container(runtime="no-such-runtime")
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR
    assert "no-such-runtime" in c.status_reason
    assert live.docker_containers(c.uuid) == []


def test_an_image_is_untagged_and_one_in_use_is_refused(live):
    image = live.env["MAGNUM_LITE_TEST_IMAGE"]
    spare = "ml-test-untag:" + live.conf.host[-8:]
    live.docker.tag(image, *spare.split(":"))
    live.api.image_delete(live.context, live.conf.host, spare)
    assert spare not in [t for i in live.docker.images()
                         for t in i.get("RepoTags") or []]
    # A container made from a tag holds it.
    used = "ml-test-used:" + live.conf.host[-8:]
    live.docker.tag(image, *used.split(":"))
    holder = live.docker.create_container(used, ["true"], labels={
        "magnum_lite.test": "holder"})
    try:
        with pytest.raises(exception.DockerConflict):
            live.api.image_delete(live.context, live.conf.host,
                                  live.docker.inspect_image(used)["Id"])
    finally:
        live.docker.remove_container(holder["Id"], force=True)
        live.docker.remove_image(used)


def test_injected_files_are_in_the_container_before_it_starts(live):
    """Zun's type=bind mounts: the command sees the file at its first
    instruction, and a rebuild writes it into the new container again."""
    c = live.new_container(
        command=["cat", "/data/testfile"],
        mounts=[{"type": "file", "source": "", "destination":
                 "/data/testfile",
                 "content": base64.b64encode(b"Random text").decode()}])
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.container_id, c.status_reason
    assert live.docker.wait(c.container_id, timeout=30)["StatusCode"] == 0
    assert live.docker.logs(c.container_id) == b"Random text"
    live.api.rebuild(live.context, c, run=True)

    def saved():
        """the rebuild's record saved"""
        record = live.wait(c)
        if record.container_id not in (None, c.container_id):
            return record

    rebuilt = shared.wait_for(saved, 30, 0.05)
    assert live.docker.wait(rebuilt.container_id,
                            timeout=30)["StatusCode"] == 0
    assert live.docker.logs(rebuilt.container_id) == b"Random text"


def test_a_tenants_mistake_is_one_warning_not_a_traceback(live, caplog):
    """A create of an image that exists nowhere (a cast) and an exec that
    outlives its timeout (a call): the record or the caller learns why,
    and the conductor's log says it in one WARNING line naming the
    container, with no ERROR and no traceback from the message bus."""
    caplog.set_level(logging.DEBUG)
    missing = live.new_container(image="%s/test/busybox:no-such-tag" %
                                 live.env["MAGNUM_LITE_TEST_REGISTRY"])
    live.api.create(live.context, missing, run=True)
    assert live.wait(missing).status == lifecycle.ERROR
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, until=lifecycle.RUNNING)
    live.conf.set_override("execute_timeout", 1, group="docker")
    try:
        with pytest.raises(exception.ExecuteTimeout):
            live.api.execute(live.context, c, ["sleep", "5"])
    finally:
        live.conf.clear_override("execute_timeout", group="docker")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info]
    for uuid_, what in ((missing.uuid, "create"), (c.uuid, "execute")):
        warned = [r.getMessage() for r in caplog.records
                  if r.levelno == logging.WARNING and uuid_ in
                  r.getMessage() and r.getMessage().startswith(what)]
        assert len(warned) == 1, (what, warned)

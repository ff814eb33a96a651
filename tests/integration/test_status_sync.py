"""Records follow Docker when Docker changes on its own, and the reconcile
pass repairs what the event stream could not see."""
import datetime
import time

import sqlalchemy as sa

from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite.docker import driver as docker_driver
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects


def _context(request_id):
    return ml_context.RequestContext(project_id="p1", user_id="u1",
                                     is_admin=True, overwrite=False,
                                     request_id=request_id)


def _running(live, **fields):
    c = live.new_container(**fields)
    live.api.create(live.context, c, run=True)
    return live.wait(c, lifecycle.RUNNING)


def _until(live, container, check, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        current = objects.Container.get(live.context, container.uuid)
        if check(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError("record is %s (%s)" % (
                current.status, current.status_reason))
        time.sleep(0.02)


def test_killed_from_outside_shows_exit_code(live):
    c = _running(live)
    live.docker.kill(c.container_id)
    c = _until(live, c, lambda r: r.status == lifecycle.STOPPED)
    assert c.status_reason == "Exited with code 137"


def test_restarted_from_outside_shows_the_new_exit_code(live):
    # Exits 3 the first time, 4 on every start after: a record that took
    # the second `die` for the first would keep saying 3.
    c = live.new_container(command=[
        "sh", "-c", "test -f /ran && exit 4; touch /ran; sleep 0.3; exit 3"])
    live.api.create(live.context, c, run=True)
    c = _until(live, c, lambda r: r.status_reason == "Exited with code 3")
    live.docker.start(c.container_id)
    c = _until(live, c, lambda r: r.status_reason == "Exited with code 4")
    assert c.status == lifecycle.STOPPED


def test_paused_and_unpaused_from_outside(live):
    c = _running(live)
    live.docker.pause(c.container_id)
    _until(live, c, lambda r: r.status == lifecycle.PAUSED)
    live.docker.unpause(c.container_id)
    _until(live, c, lambda r: r.status == lifecycle.RUNNING)


def test_oom_killed_is_named_in_the_reason(live):
    # 8 MiB of memory (and as much swap) cannot hold 64 MB in a variable.
    c = _running(live, memory=8, command=[
        "sh", "-c", "sleep 1; a=$(head -c 64000000 /dev/urandom); sleep 300"])
    c = _until(live, c, lambda r: r.status == lifecycle.STOPPED)
    assert c.status_reason.startswith("OOMKilled"), c.status_reason


def test_removed_outside_the_service(live):
    c = _running(live)
    live.docker.remove_container(c.container_id, force=True)
    c = _until(live, c, lambda r: r.status == lifecycle.DELETED)
    assert c.status_reason == "Removed from Docker outside magnum_lite"
    assert c.container_id is None
    live.api.delete(live.context, c)  # and the record can go
    assert live.gone(c.uuid)


def test_auto_remove_exit_keeps_the_exit_code(live):
    c = _running(live, auto_remove=True,
                 command=["sh", "-c", "sleep 1; exit 3"])
    c = _until(live, c, lambda r: r.status == lifecycle.DELETED)
    assert c.status_reason == "Exited with code 3; Docker removed it " \
                              "(auto_remove)"


def test_restart_policy_gives_up_and_says_why(live):
    c = _running(live, restart_policy={"Name": "on-failure",
                                       "MaximumRetryCount": 2},
                 command=["sh", "-c", "sleep 1; exit 4"])
    c = _until(live, c, lambda r: r.status == lifecycle.STOPPED and
               live.inspect(r)["RestartCount"] == 2)
    c = _until(live, c, lambda r: r.status == lifecycle.STOPPED)
    assert c.status_reason == "Exited with code 4"


def _as_left_by_a_crash(live, container, **fields):
    """Write the record as a conductor that died mid-operation left it
    (under the container's lock, as that conductor held it)."""
    with live.conductor.manager._status.locks.hold(container.uuid):
        record = objects.Container.get(live.context, container.uuid)
        for name, value in fields.items():
            setattr(record, name, value)
        record.save()


def test_reconcile_repairs_what_happened_while_away(live):
    """The reconcile pass (at start, after reconnecting, periodically)."""
    stale = _running(live)
    # As if the change had happened while no conductor listened.
    live.docker.stop(stale.container_id, timeout=0)
    _as_left_by_a_crash(live, stale, status=lifecycle.RUNNING,
                        status_reason=None, task_state="stop")
    objects.ContainerAction.start(_context("req-interrupted"), stale.uuid,
                                  "stop")
    # A create interrupted after Docker made the container, before the
    # record learnt its id.
    made = live.new_container(task_state="create")
    created = live.docker.create_container(
        live.env["MAGNUM_LITE_TEST_IMAGE"], ["sleep", "300"],
        name="magnum-lite-" + made.uuid, labels={
            docker_driver.MANAGED_LABEL: made.uuid,
            docker_driver.HOST_LABEL: live.conf.host,
            docker_driver.RUN_LABEL: "true"},
        host_config=live.docker.create_host_config(network_mode="none"))
    # A create interrupted before Docker made anything.
    lost = live.new_container(task_state="create")
    # A delete interrupted between Docker and the record.
    half_deleted = _running(live)
    _as_left_by_a_crash(live, half_deleted, status=lifecycle.DELETING,
                        task_state="delete")
    # A Docker container whose record is gone.
    orphan = live.docker.create_container(
        live.env["MAGNUM_LITE_TEST_IMAGE"], ["sleep", "300"], labels={
            docker_driver.MANAGED_LABEL:
                "7d3c7d8e-0000-4000-8000-00000000dead",
            docker_driver.HOST_LABEL: live.conf.host},
        host_config=live.docker.create_host_config(network_mode="none"))
    # A create that no conductor has taken yet is left alone.
    queued = live.new_container()

    live.conductor.sync.reconcile()

    stale = objects.Container.get(live.context, stale.uuid)
    assert (stale.status, stale.status_reason, stale.task_state) == (
        lifecycle.STOPPED, "Exited with code 137", None)
    entry = objects.ContainerAction.get(live.context, stale.uuid,
                                        "req-interrupted")
    assert entry.result == "Error" and entry.finish_time
    assert entry.message.startswith("The conductor stopped before it "
                                    "finished")
    made = objects.Container.get(live.context, made.uuid)
    # Adopted, and started: its create had asked to run it.
    assert (made.status, made.container_id, made.task_state) == (
        lifecycle.RUNNING, created["Id"], None)
    lost = objects.Container.get(live.context, lost.uuid)
    assert lost.status == lifecycle.ERROR
    assert "stopped while creating" in lost.status_reason
    assert live.gone(half_deleted.uuid, timeout=1)
    assert live.docker_containers(half_deleted.uuid) == []
    assert live.docker.containers(all=True, filters={"id": orphan["Id"]}) \
        == []
    queued = objects.Container.get(live.context, queued.uuid)
    assert (queued.status, queued.task_state) == (lifecycle.CREATING, None)
    # Left for the next tests' fixtures to clean: delete what we made.
    live.api.delete(live.context, made, force=True)
    live.api.delete(live.context, queued, force=True)
    live.gone(made.uuid)


def test_reconcile_ends_requests_no_conductor_took(live):
    c = _running(live)
    # This conductor has been taking requests for longer than that.
    live.conf.set_override("request_timeout", 1, group="conductor")
    timeout = 1
    # Entered by the API, the message then lost: one long ago, one just now
    # (which may still be on its way).
    objects.ContainerAction.start(_context("req-lost"), c.uuid, "stop")
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.ContainerAction).where(
            models.ContainerAction.request_id == "req-lost").values(
                start_time=datetime.datetime.utcnow() -
                datetime.timedelta(seconds=timeout + 5)))
    objects.ContainerAction.start(_context("req-young"), c.uuid, "pause")

    try:
        live.conductor.sync.reconcile()
    finally:
        live.conf.clear_override("request_timeout", group="conductor")

    lost = objects.ContainerAction.get(live.context, c.uuid, "req-lost")
    assert (lost.result, lost.message) == (
        "Error", "No conductor took this request within %s s; nothing was "
        "done. Ask again." % timeout)
    young = objects.ContainerAction.get(live.context, c.uuid, "req-young")
    assert (young.result, young.finish_time) == (None, None)
    # Nothing was done, and the record still says so.
    assert objects.Container.get(live.context, c.uuid).status == \
        lifecycle.RUNNING


def test_the_conductor_ends_the_entry_the_api_began(live):
    c = _running(live)
    asked = _context("req-from-the-api")
    objects.ContainerAction.start(asked, c.uuid, "stop")

    live.api.stop(asked, c, timeout=0)
    live.wait(c, until=lifecycle.STOPPED)

    stops = [a for a in objects.ContainerAction.list_for(live.context, c.uuid)
             if a.action == "stop"]
    assert [(a.request_id, a.result) for a in stops] == [
        ("req-from-the-api", "Success")]


def test_events_never_fight_an_operation(live):
    """An outside kill during our stop: the record ends as Docker says."""
    c = _running(live, command=["sh", "-c", "trap '' TERM; sleep 300"])
    live.api.stop(live.context, c, timeout=3)
    _until(live, c, lambda r: r.task_state == "stop")
    live.docker.kill(c.container_id)
    c = live.wait(c)
    assert c.status == lifecycle.STOPPED
    assert c.status_reason == "Exited with code 137"
    try:
        objects.Container.get(live.context, c.uuid)
    except exception.ContainerNotFound:
        raise AssertionError("the record was lost")

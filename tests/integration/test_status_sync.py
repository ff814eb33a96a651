"""Records follow Docker when Docker changes on its own, and the reconcile
pass repairs what the event stream could not see."""
import datetime
import logging

import sqlalchemy as sa

from harness import stack as shared
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
    def reached():
        current = objects.Container.get(live.context, container.uuid)
        return current if check(current) else None

    def how():
        current = objects.Container.get(live.context, container.uuid)
        return "the record as wanted; it is %s (%s)" % (
            current.status, current.status_reason)

    return shared.wait_for(reached, timeout, 0.02, how)


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


def _entered(live, container, action, request_id, seconds_ago=0,
             taken_by=None, **options):
    """An entry as the API begins it before its cast (and, with taken_by,
    as a conductor process that took it up left it)."""
    objects.ContainerAction.begin(_context(request_id), container.uuid,
                                  action, options=options)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.ContainerAction).where(
            models.ContainerAction.request_id == request_id).values(
                taken_by=taken_by, start_time=datetime.datetime.utcnow() -
                datetime.timedelta(seconds=seconds_ago)))


def _entry(live, container, request_id):
    return objects.ContainerAction.get(live.context, container.uuid,
                                       request_id)


def test_reconcile_repairs_what_happened_while_away(live):
    """The reconcile pass (at start, after reconnecting, periodically),
    and the requests it leaves to the backlog, which carries them out."""
    dead = live.conf.host + ":dead0000"  # a process of this host, gone
    stale = _running(live)
    # A stop that went through in Docker; its conductor died before it
    # wrote so: carried out again, it finds the container stopped.
    live.docker.stop(stale.container_id, timeout=0)
    _as_left_by_a_crash(live, stale, status=lifecycle.RUNNING,
                        status_reason=None, task_state="stop")
    _entered(live, stale, "stop", "req-interrupted", 60, dead, timeout=10)
    # A create interrupted after Docker made the container, before the
    # record learnt its id.
    made = live.new_container(task_state="create")
    _entered(live, made, "create", "req-made", 60, dead, run=True)
    created = live.docker.create_container(
        live.env["MAGNUM_LITE_TEST_IMAGE"], ["sleep", "300"],
        name="magnum-lite-" + made.uuid, labels={
            docker_driver.MANAGED_LABEL: made.uuid,
            docker_driver.HOST_LABEL: live.conf.host,
            docker_driver.DEPLOYMENT_LABEL: live.conductor.driver.deployment,
            docker_driver.RUN_LABEL: "true"},
        host_config=live.docker.create_host_config(network_mode="none"))
    # A create interrupted before Docker made anything: done again.
    redone = live.new_container(task_state="create")
    _entered(live, redone, "create", "req-redone", 60, dead, run=True)
    # A delete interrupted between Docker and the record.
    half_deleted = _running(live)
    _as_left_by_a_crash(live, half_deleted, status=lifecycle.DELETING,
                        task_state="delete")
    # A Docker container whose record is gone.
    orphan = live.docker.create_container(
        live.env["MAGNUM_LITE_TEST_IMAGE"], ["sleep", "300"], labels={
            docker_driver.MANAGED_LABEL:
                "7d3c7d8e-0000-4000-8000-00000000dead",
            docker_driver.HOST_LABEL: live.conf.host,
            docker_driver.DEPLOYMENT_LABEL: live.conductor.driver.deployment},
        host_config=live.docker.create_host_config(network_mode="none"))
    # A create entered just now, whose message may be on its way: left to
    # the message (this is not the process's first pass).
    queued = live.new_container()
    _entered(live, queued, "create", "req-queued", 0, run=False)

    live.conductor.sync.reconcile()

    stale = objects.Container.get(live.context, stale.uuid)
    assert (stale.status, stale.status_reason, stale.task_state) == (
        lifecycle.STOPPED, "Exited with code 137", None)
    entry = _entry(live, stale, "req-interrupted")
    # A success has no message (as Zun); the conductor logs "it was
    # Stopped already".
    assert (entry.result, entry.message) == ("Success", None)
    made = objects.Container.get(live.context, made.uuid)
    # Adopted, and started: its create had asked to run it.
    assert (made.status, made.container_id, made.task_state) == (
        lifecycle.RUNNING, created["Id"], None)
    assert _entry(live, made, "req-made").result == "Success"
    redone = live.wait(redone)
    assert (redone.status, redone.task_state) == (lifecycle.RUNNING, None)
    assert len(live.docker_containers(redone.uuid)) == 1
    entry = _entry(live, redone, "req-redone")
    assert entry.result == "Success"
    assert entry.taken_by == live.conductor.manager.incarnation
    assert live.gone(half_deleted.uuid, timeout=1)
    assert live.docker_containers(half_deleted.uuid) == []
    assert live.docker.containers(all=True, filters={"id": orphan["Id"]}) \
        == []
    queued = objects.Container.get(live.context, queued.uuid)
    assert (queued.status, queued.task_state) == (lifecycle.CREATING, None)
    assert _entry(live, queued, "req-queued").finish_time is None
    # Left for the next tests' fixtures to clean: delete what we made.
    for c in (made, redone, queued):
        live.api.delete(live.context, c, force=True)
    live.gone(made.uuid)


def test_requests_no_message_brought_are_carried_out_once(live, caplog):
    c = _running(live)
    # Entered by the API, the message then lost.
    _entered(live, c, "stop", "req-lost", seconds_ago=60, timeout=0)

    live.conductor.sync.reconcile()

    c = live.wait(c, until=lifecycle.STOPPED)
    lost = _entry(live, c, "req-lost")
    assert (lost.result, lost.taken_by) == (
        "Success", live.conductor.manager.incarnation)
    # Started again by someone else, then the lost message turns up
    # after all: the request was carried out, it is not done twice.
    live.docker.start(c.container_id)
    live.wait(c, until=lifecycle.RUNNING)
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    caplog.clear()
    live.api.stop(_context("req-lost"), c, timeout=0)

    def handled():
        """the conductor's word on the late stop (whatever it did)"""
        return [m for m in (r.getMessage() for r in caplog.records)
                if m.startswith("stop of") and c.uuid in m]

    shared.wait_for(handled)
    c = objects.Container.get(live.context, c.uuid)
    assert c.status == lifecycle.RUNNING
    assert [a.request_id for a in objects.ContainerAction.list_for(
        live.context, c.uuid) if a.action == "stop"] == ["req-lost"]


def test_the_conductor_ends_the_entry_the_api_began(live):
    c = _running(live)
    asked = _context("req-from-the-api")
    objects.ContainerAction.begin(asked, c.uuid, "stop")

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


def test_a_reboot_carried_out_again_restarts_once(live):
    # A reboot went through in Docker (the container started after the
    # request was made); its conductor died before it said so.
    c = _running(live)
    started = live.inspect(c)["State"]["StartedAt"]
    _as_left_by_a_crash(live, c, task_state="reboot")
    _entered(live, c, "reboot", "req-rebooted", 60,
             live.conf.host + ":dead0000", timeout=0)

    live.conductor.sync.reconcile()

    entry = _entry(live, c, "req-rebooted")
    # A success has no message (as Zun); the conductor logs "it had
    # restarted since the request already".
    assert (entry.result, entry.message) == ("Success", None)
    assert live.inspect(c)["State"]["StartedAt"] == started
    # One that did not go through yet is done.
    _entered(live, c, "reboot", "req-not-yet", 0,
             live.conf.host + ":dead0000", timeout=0)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.ContainerAction).where(
            models.ContainerAction.request_id == "req-not-yet").values(
                start_time=datetime.datetime.utcnow()))
    live.conductor.backlog.carry_out()
    assert _entry(live, c, "req-not-yet").result == "Success"
    assert live.inspect(c)["State"]["StartedAt"] != started
    live.api.delete(live.context, c, force=True)
    assert live.gone(c.uuid)

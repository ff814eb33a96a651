"""What the reconcile pass says of requests that no operation finished.

The timing is the point here (how long the conductor has been taking
requests, how old an entry is), so Docker is a stand-in that says every
container runs; the same pass on the real daemon is in
tests/integration/test_status_sync.py.
"""
import datetime
import time

import pytest
import sqlalchemy as sa

from magnum_lite.conductor import status
from magnum_lite.conductor import sync
from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import lifecycle
from magnum_lite import objects
from tests import conftest

HOST = "host-a"
DOCKER_ID = "d" * 64
TIMEOUT = 1  # [conductor] request_timeout, seconds


class Docker:
    def list_managed(self, host=None):
        return []

    def status(self, container_id):
        return lifecycle.RUNNING, {"Running": True, "Status": "running"}


@pytest.fixture
def conductor_sync(tmp_path):
    with conftest.migrated_database("sqlite", tmp_path):
        conf = conftest.make_conf(DEFAULT={"host": HOST},
                                  conductor={"request_timeout": TIMEOUT})
        docker = Docker()
        yield sync.Sync(conf, docker, status.StatusRecorder(docker))


def _running(**fields):
    c = objects.Container(
        ml_context.admin_context(), name="c", project_id="p", user_id="u",
        image="busybox", status=lifecycle.RUNNING, host=HOST,
        container_id=DOCKER_ID, **fields)
    c.create()
    return c


def _asked(c, action, request_id, seconds_ago=0):
    context = ml_context.RequestContext(project_id="p", user_id="u",
                                        request_id=request_id)
    objects.ContainerAction.start(context, c.uuid, action)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.ContainerAction).where(
            models.ContainerAction.request_id == request_id).values(
                start_time=datetime.datetime.utcnow() -
                datetime.timedelta(seconds=seconds_ago)))


def _entry(c, request_id):
    return objects.ContainerAction.get(ml_context.admin_context(), c.uuid,
                                       request_id)


def test_requests_are_not_called_lost_while_the_queue_drains(
        conductor_sync):
    # Back after time away: what waited in its queue is done first.
    c = _running()
    _asked(c, "stop", "req-waited", seconds_ago=3600)

    conductor_sync.reconcile()
    assert _entry(c, "req-waited").finish_time is None

    time.sleep(TIMEOUT + 0.1)
    conductor_sync.reconcile()
    waited = _entry(c, "req-waited")
    assert waited.result == "Error"
    assert waited.message.startswith("No conductor took this request")


def test_an_interrupted_operation_ends_its_own_entry_only(conductor_sync):
    c = _running(task_state="stop")
    _asked(c, "stop", "req-interrupted", seconds_ago=2)
    _asked(c, "stop", "req-waiting")

    conductor_sync.reconcile()

    interrupted = _entry(c, "req-interrupted")
    assert interrupted.result == "Error"
    assert interrupted.message.startswith("The conductor stopped before")
    assert _entry(c, "req-waiting").finish_time is None
    record = objects.Container.get(ml_context.admin_context(), c.uuid)
    assert (record.status, record.task_state) == (lifecycle.RUNNING, None)

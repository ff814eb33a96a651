"""The event follower asks Docker again only when a record may be behind.

The order in which events reach the follower's threads is a race a real
daemon cannot be made to lose on demand; here the events are handed over
one by one and Docker is a stand-in that counts how often it is asked.
The same behaviour on the real daemon is in
tests/integration/test_status_sync.py.
"""
import pytest

from harness import stack as shared
from magnum_lite.conductor import status
from magnum_lite.conductor import sync
from magnum_lite import context as ml_context
from magnum_lite.docker import driver as docker_driver
from magnum_lite import lifecycle
from magnum_lite import objects
HOST = "host-a"
DOCKER_ID = "d" * 64


class Docker:
    """Answers status() as Docker would for an exited container."""

    def __init__(self, exit_code):
        self.exit_code = exit_code
        self.asked = 0

    def status(self, container_id):
        self.asked += 1
        return lifecycle.STOPPED, {"Status": "exited",
                                   "ExitCode": self.exit_code}


class Pool:
    """Holds the follower's re-reads until the test runs them."""

    def __init__(self):
        self.waiting = []

    def submit(self, fn, *args):
        self.waiting.append((fn, args))

    def run(self):
        while self.waiting:
            fn, args = self.waiting.pop(0)
            fn(*args)


@pytest.fixture
def follower(tmp_path):
    with shared.migrated_database("sqlite", tmp_path):
        docker = Docker(exit_code=4)
        follower = sync.Sync(shared.make_conf(DEFAULT={"host": HOST}),
                             docker, status.StatusRecorder(docker))
        follower._pool.shutdown()
        follower._pool = Pool()
        yield follower, docker


def _stopped_record(code):
    c = objects.Container(
        ml_context.admin_context(), name="c", project_id="p", user_id="u",
        image="busybox", status=lifecycle.STOPPED, host=HOST,
        container_id=DOCKER_ID, status_reason="Exited with code %d" % code)
    c.create()
    return c


def _event(action, uuid, docker_id=DOCKER_ID):
    return {"Type": "container", "Action": action,
            "Actor": {"ID": docker_id, "Attributes": {
                docker_driver.MANAGED_LABEL: uuid,
                docker_driver.HOST_LABEL: HOST}}}


def _reason(c):
    return objects.Container.get(ml_context.admin_context(),
                                 c.uuid).status_reason


def test_an_event_the_record_already_shows_is_not_asked_again(follower):
    follower, docker = follower
    c = _stopped_record(code=3)

    for action in ("create", "die"):
        follower._on_event(_event(action, c.uuid))
        follower._pool.run()

    assert docker.asked == 0


def test_events_that_came_together_are_always_asked_again(follower):
    # Started from outside and died again at once: by the time the
    # follower looks, both events are waiting. The record says Stopped,
    # as the last event does, but with the first run's exit code.
    follower, docker = follower
    c = _stopped_record(code=3)

    follower._on_event(_event("start", c.uuid))
    follower._on_event(_event("die", c.uuid))
    follower._pool.run()

    assert docker.asked == 1
    assert _reason(c) == "Exited with code 4"


def test_an_event_of_another_docker_container_is_asked_again(follower):
    follower, docker = follower
    c = _stopped_record(code=3)

    follower._on_event(_event("die", c.uuid, docker_id="e" * 64))
    follower._pool.run()

    assert docker.asked == 1
    assert _reason(c) == "Exited with code 4"

"""The conductor checks a registry host again right before each connection
(conductor/build.py: a pull, a cached image's manifest check, an image
pull): a record whose image names a loopback endpoint, written past the
API as a stale or forged record would be, fails at the conductor and the
engine never connects to the endpoint."""
import socket
import threading
import uuid

import pytest

from harness import stack as shared
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects

REFUSED = "registry host %s is refused"


class _Listener:
    """A loopback listener that counts the connections it is offered (and
    closes each at once, so that a pull fails fast)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.domain = "127.0.0.1:%d" % self.socket.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            conn.close()

    def close(self):
        self.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.socket.close()
        self.thread.join(timeout=10)


@pytest.fixture
def endpoint():
    listener = _Listener()
    try:
        yield listener
    finally:
        listener.close()


def _failed_create(live, image, **fields):
    c = live.new_container(image=image, **fields)
    live.api.create(live.context, c, run=True)
    c = live.wait(c)
    assert c.status == lifecycle.ERROR, c.status_reason
    assert live.docker_containers(c.uuid) == []
    return c


@pytest.mark.parametrize("policy", ["always", "ifnotpresent"])
def test_a_pull_from_a_refused_host_fails_at_the_conductor(live, endpoint,
                                                           policy):
    image = endpoint.domain + "/team/app:1.0"
    c = _failed_create(live, image, image_pull_policy=policy)
    assert REFUSED % endpoint.domain in c.status_reason
    assert "[registries] disallowed_hosts" in c.status_reason
    assert endpoint.accepted == 0


def test_a_rebuild_from_a_refused_host_keeps_the_old_container(live,
                                                               endpoint):
    c = live.new_container()
    live.api.create(live.context, c, run=True)
    c = live.wait(c, until=lifecycle.RUNNING)
    old = c.container_id
    live.api.rebuild(live.context, c, image=endpoint.domain + "/app:1.0",
                     run=True)

    def ended():
        return next((a for a in objects.ContainerAction.list_for(
            live.context, c.uuid) if a.action == "rebuild" and
            a.finish_time), None)

    entry = shared.wait_for(ended, 30, 0.05, "the rebuild ended")
    assert REFUSED % endpoint.domain in entry.message
    assert live.inspect(c)["State"]["Running"]
    assert live.docker_containers(c.uuid)[0]["Id"] == old
    assert endpoint.accepted == 0


def test_an_image_pull_from_a_refused_host_fails(live, endpoint):
    with pytest.raises(exception.RegistryHostRefused) as raised:
        live.api.image_pull(live.context, live.conf.host,
                            endpoint.domain + "/team/app:1.0")
    assert "[registries] disallowed_hosts" in str(raised.value)
    assert endpoint.accepted == 0


def test_a_cached_copy_is_not_checked_with_a_refused_host(live, endpoint):
    # A copy on the host that only another project pulled, with a login,
    # from the endpoint: using it asks the registry first (may_use), and
    # that manifest request is refused before the engine is told.
    repository = endpoint.domain + "/team/private-" + uuid.uuid4().hex[:6]
    base = live.docker.create_container(live.env["MAGNUM_LITE_TEST_IMAGE"],
                                        ["true"])
    try:
        image_id = live.docker.commit(base["Id"], repository=repository,
                                      tag="1.0")["Id"]
    finally:
        live.docker.remove_container(base["Id"], force=True)
    try:
        objects.image_pull.record(live.conf.host, image_id, repository,
                                  "p-other")
        c = _failed_create(live, repository + ":1.0",
                           image_pull_policy="ifnotpresent")
        assert REFUSED % endpoint.domain in c.status_reason
        assert endpoint.accepted == 0
    finally:
        live.docker.remove_image(image_id, force=True)

"""The websocket proxy of a live conductor on the real engine, driven with
a websocket client as python-zunclient's is (websocket-client, the
"binary" subprotocol): sessions open once per token, bytes arrive exact
both ways, limits hold, and nothing is left open afterwards."""
import collections
import contextlib
import io
import os
import secrets
import tarfile
import threading
import time
import urllib.parse

import pytest
import websocket

from harness import stack as shared
from magnum_lite import lifecycle
from magnum_lite import objects


@pytest.fixture
def shell(live):
    """A running interactive container with a TTY."""
    c = live.new_container(command=["sh"], interactive=True, tty=True)
    live.api.create(live.context, c, run=True)
    c = live.wait(c, until=lifecycle.RUNNING)
    yield c
    _remove(live, c)


def _remove(live, c):
    try:
        live.api.delete(live.context, objects.Container.get(
            live.context, c.uuid), force=True)
    except Exception:
        return
    assert live.gone(c.uuid)


def _connect(url, **kwargs):
    return websocket.create_connection(url, subprotocols=["binary"],
                                       timeout=20, **kwargs)


def _read_until(ws, wanted, limit=10):
    seen = b""
    deadline = time.monotonic() + limit
    while wanted not in seen:
        assert time.monotonic() < deadline, seen
        data = ws.recv()
        seen += data if isinstance(data, bytes) else data.encode()
    return seen


def _close_code(ws):
    """The code of the close frame the proxy ends the session with."""
    while True:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(frame.data[:2], "big")


def _refused(url, **kwargs):
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        _connect(url, **kwargs)
    return caught.value.status_code


def test_exec_interactive_runs_a_shell_and_resizes_its_tty(live, shell):
    started = live.api.execute(live.context, shell, ["sh"], run=False,
                               interactive=True)
    assert started["output"] is None and len(started["exec_id"]) == 64
    # As the CLI does: the size is sent as the session opens, so it may
    # come before the exec has started.
    ws = _connect(started["proxy_url"])
    live.api.execute_resize(live.context, shell, started["exec_id"],
                            33, 101)
    ws.send_binary(b"echo $((6*7)); stty size\n")
    seen = _read_until(ws, b"33 101")
    assert b"\r\n42\r\n" in seen
    ws.send_binary(b"exit\n")
    # The exec ended: the proxy closes the session, normally.
    assert _close_code(ws) == 1000
    ws.close()


def test_tokens_open_one_session_of_their_own_container(live, shell):
    url = live.api.attach(live.context, shell)
    ws = _connect(url)
    ws.close()
    assert _refused(url) == 403  # used
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"]
    base = url.split("?")[0]
    assert _refused(base + "?token=" + secrets.token_urlsafe(32) +
                    "&uuid=" + shell.uuid) == 403  # made up
    assert _refused(base + "?uuid=" + shell.uuid) == 403  # none
    # A token for this container, presented for another (of another
    # project, say): refused, and spent.
    fresh = live.api.attach(live.context, shell)
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(fresh).query)[
        "token"][0]
    other = "0b3f3c1e-8f5c-4a0e-9a51-0c1e2f3a4b5c"
    assert _refused(f"{base}?token={token}&uuid={other}") == 403
    assert _refused(fresh) == 403
    # A browser page of another site.
    assert _refused(live.api.attach(live.context, shell),
                    origin="http://evil.example") == 403


def test_an_expired_token_is_refused(live, shell):
    live.conf.set_override("token_ttl", 1, group="websocket_proxy")
    try:
        url = live.api.attach(live.context, shell)
        # The event is the clock passing the token's expiry (1 s, on the
        # proxy's monotonic clock): a look before would spend the token.
        time.sleep(1.5)
        assert _refused(url) == 403
    finally:
        live.conf.clear_override("token_ttl", group="websocket_proxy")


def test_binary_streams_arrive_byte_exact_both_ways(live):
    # No TTY: Docker frames the output (8-byte headers), and the proxy
    # passes on the payload only.
    c = live.new_container(
        command=["sh", "-c", "head -c 1048576 > /tmp/got; "
                             "head -c 1048576 /dev/urandom | tee /tmp/sent"],
        interactive=True, tty=False)
    live.api.create(live.context, c, run=False)
    c = live.wait(c)
    url = live.api.attach(live.context, live.wait(_started(live, c)))
    ws = _connect(url)
    sent = os.urandom(1 << 20)
    writer = threading.Thread(target=lambda: [
        ws.send_binary(sent[i:i + 65536]) for i in range(0, len(sent),
                                                          65536)])
    writer.start()
    received = b""
    try:
        while True:
            data = ws.recv()
            received += data if isinstance(data, bytes) else data.encode()
    except websocket.WebSocketConnectionClosedException:
        pass
    writer.join()
    c = live.wait(c, until=lifecycle.STOPPED)
    assert _file(live, c, "/tmp/got") == sent
    assert received == _file(live, c, "/tmp/sent")
    assert len(received) == 1 << 20
    _remove(live, c)


def _started(live, c):
    live.api.start(live.context, c)
    return live.wait(c, until=lifecycle.RUNNING)


def _file(live, c, path):
    stream, _ = live.docker.get_archive(c.container_id, path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        return tar.extractfile(tar.getmembers()[0]).read()


def test_two_hundred_sessions_leave_no_socket_or_thread(live, shell):
    # Tokens made in-process: an RPC call per session would grow
    # oslo.messaging's own pool of workers, which is not the proxy's.
    proxy = live.conductor.proxy

    def url():
        return proxy.url(shell.uuid, shell.project_id, shell.container_id)

    def fds():
        return len(os.listdir("/proc/self/fd"))

    def settled(threads):
        # Until every session has ended (the last close may still be on
        # its way under load) and its threads with it; after 20 s, the
        # assertions below say what is left.
        with contextlib.suppress(AssertionError):
            shared.wait_for(lambda: (threading.active_count() <= threads
                                     and not proxy.sessions()), 20, 0.2)
        # The fds have no event of their own (the count they fall back
        # to is what is measured): 0.5 s more after the threads that
        # close them have ended.
        time.sleep(0.5)
        return fds()

    def sessions(count):
        for _ in range(count):
            ws = _connect(url())
            ws.send_binary(b"true\n")
            ws.close()

    sessions(3)  # warm up: the first session's lazy imports
    # Its threads end: the count they fall back to is what is measured
    # here, so there is nothing to wait on but time; a session's threads
    # end within moments of its close.
    time.sleep(1)
    threads = threading.active_count()
    before = settled(threads)
    sessions(100)
    half = settled(threads)
    sessions(100)
    after = settled(threads)
    assert threading.active_count() <= threads, collections.Counter(
        (type(t).__module__, type(t).__qualname__)
        for t in threading.enumerate())
    # Each attach hijacks a connection of the engine's pool, which opens
    # another when next needed: the count moves within the pool's size,
    # and does not grow with the sessions.
    pool = live.conf.conductor.workers + 6
    assert after <= before + pool, (before, half, after)
    assert proxy.sessions() == 0


def test_sessions_per_container_are_bounded(live, shell):
    limit = live.conf.websocket_proxy.max_sessions_per_container
    held = [_connect(live.api.attach(live.context, shell))
            for _ in range(limit)]
    extra = _connect(live.api.attach(live.context, shell))
    assert _close_code(extra) == 1013
    for ws in held:
        ws.close()


def test_sessions_per_host_are_bounded(live, shell):
    live.conf.set_override("max_sessions", 1, group="websocket_proxy")
    try:
        held = _connect(live.api.attach(live.context, shell))
        started = live.api.execute(live.context, shell, ["sh"], run=False,
                                   interactive=True)
        extra = _connect(started["proxy_url"])
        assert _close_code(extra) == 1013
        held.close()
    finally:
        live.conf.clear_override("max_sessions", group="websocket_proxy")


def test_an_idle_session_is_closed(live, shell):
    live.conf.set_override("idle_timeout", 1, group="websocket_proxy")
    try:
        ws = _connect(live.api.attach(live.context, shell))
        assert _close_code(ws) == 1000
    finally:
        live.conf.clear_override("idle_timeout", group="websocket_proxy")


def test_a_container_deleted_while_attached_ends_the_session(live):
    c = live.new_container(command=["sh"], interactive=True, tty=True)
    live.api.create(live.context, c, run=True)
    c = live.wait(c, until=lifecycle.RUNNING)
    ws = _connect(live.api.attach(live.context, c))
    ws.send_binary(b"echo still-here\n")
    _read_until(ws, b"still-here")
    live.api.delete(live.context, c, force=True)
    assert _close_code(ws) == 1000
    assert live.gone(c.uuid)

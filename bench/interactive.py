"""Interactive sessions through the websocket proxy against Docker's own
hijacked exec stream (what `docker exec -i` speaks), on the same engine.

    python -m bench.interactive [--keystrokes 500] [--megabytes 10]

Both run `cat` in an exec without a TTY in one container: a keystroke is
one byte sent and the same byte read back; the stream is N MB sent while
a reader takes them back. The proxy's sessions are opened with tokens
made in-process (the RPC call that hands one out is not part of a
keystroke) and driven with websocket-client, the library python-zunclient
uses. Raw and proxy rounds alternate.
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid

import docker
import websocket

from bench import common


def _raw(client, container_id):
    """A send(bytes) / recv(n) pair on Docker's hijacked exec socket."""
    from magnum_lite.docker import streams
    exec_id = client.exec_create(container_id, ["cat"], stdin=True,
                                 tty=False)["Id"]
    sock = streams.raw_socket(client.exec_start(exec_id, socket=True))

    def recv(n):
        got = b""
        while len(got) < n:
            header = _exact(sock, 8)
            got += _exact(sock, int.from_bytes(header[4:], "big"))
        return got

    return sock.sendall, recv, sock.close


def _exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _proxied(live, client, container):
    exec_id = client.exec_create(container.container_id, ["cat"],
                                 stdin=True, tty=False)["Id"]
    url = live.conductor.proxy.url(container.uuid, container.project_id,
                                   container.container_id, exec_id,
                                   tty=False)
    ws = websocket.create_connection(url, subprotocols=["binary"],
                                     skip_utf8_validation=True)
    buffer = bytearray()

    def recv(n):
        while len(buffer) < n:
            buffer.extend(ws.recv())
        data = bytes(buffer[:n])
        del buffer[:n]
        return data

    return ws.send_binary, recv, ws.close


def _keystrokes(session, count):
    send, recv, close = session
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        send(b"k")
        assert recv(1) == b"k"
        samples.append(time.perf_counter() - start)
    close()
    return samples


def _stream(session, megabytes):
    send, recv, close = session
    payload = os.urandom(1 << 20)
    total = megabytes << 20

    def write():  # in 64 KiB messages, as a terminal's reader would
        for _ in range(megabytes):
            for i in range(0, len(payload), 65536):
                send(payload[i:i + 65536])

    start = time.perf_counter()
    writer = threading.Thread(target=write)
    writer.start()
    got = 0
    while got < total:
        got += len(recv(min(65536, total - got)))
    writer.join()
    elapsed = time.perf_counter() - start
    close()
    return megabytes / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=500)
    parser.add_argument("--megabytes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    env = common.engine_env()
    url, image = env["MAGNUM_LITE_TEST_DOCKER_URL"], env[
        "MAGNUM_LITE_TEST_IMAGE"]
    client = docker.APIClient(base_url=url, version="auto")
    live = common.live_conductor(url, "kombu+memory:////",
                                 "sqlite:///%s/bench.sqlite" %
                                 tempfile.mkdtemp())
    from magnum_lite import lifecycle
    from magnum_lite import objects

    c = objects.Container(live.context, name="ia-" + uuid.uuid4().hex[:8],
                          project_id="bench", user_id="bench", image=image,
                          command=["sleep", "3600"], interactive=True,
                          status=lifecycle.CREATING, host=live.conf.host)
    c.create()
    live.api.create(live.context, c, run=True)
    while c.status != lifecycle.RUNNING:
        time.sleep(0.05)
        c = objects.Container.get(live.context, c.uuid)
    keys = {"raw": [], "proxy": []}
    speed = {"raw": [], "proxy": []}
    try:
        for _ in range(args.rounds):
            keys["raw"] += _keystrokes(_raw(client, c.container_id),
                                       args.keystrokes)
            keys["proxy"] += _keystrokes(_proxied(live, client, c),
                                         args.keystrokes)
            speed["raw"].append(_stream(_raw(client, c.container_id),
                                        args.megabytes))
            speed["proxy"].append(_stream(_proxied(live, client, c),
                                          args.megabytes))
    finally:
        client.remove_container(c.container_id, force=True)
        live.stop()
    for name in ("raw", "proxy"):
        samples = sorted(keys[name])
        print("keystroke %-6s median %6.3f ms  p99 %6.3f ms  n=%d" % (
            name, statistics.median(samples) * 1000,
            samples[int(len(samples) * 0.99) - 1] * 1000, len(samples)))
    added = statistics.median(keys["proxy"]) - statistics.median(keys["raw"])
    print("keystroke added by the proxy: median %.3f ms" % (added * 1000))
    for name in ("raw", "proxy"):
        print("stream %-6s %d MB: median %.1f MB/s (rounds %s)" % (
            name, args.megabytes, statistics.median(speed[name]),
            ", ".join("%.1f" % s for s in speed[name])))
    print("stream ratio proxy/raw: %.2f" % (
        statistics.median(speed["proxy"]) / statistics.median(speed["raw"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""docker-py's hijacked connections, as magnum_lite/docker/streams.py
takes them apart: checked against docker-py 7.2.0 on the real engine, so
an upgrade that hands over something else fails here first."""
import docker

from harness import stack as shared
from magnum_lite.docker import client as docker_client
from magnum_lite.docker import streams

CHECKED_AGAINST = "7.2.0"


def test_raw_socket_unwraps_what_docker_py_hands_over():
    env = shared.stack()
    client = docker_client.DockerHTTPClient(
        env["MAGNUM_LITE_TEST_DOCKER_URL"])
    created = client.create_container(
        env["MAGNUM_LITE_TEST_IMAGE"], ["cat"], stdin_open=True,
        host_config=client.create_host_config(network_mode="none"))["Id"]
    try:
        client.start(created)
        # What docker-py gives: a SocketIO over the unix socket.
        hijacked = client.attach_socket(created, params={
            "stdin": 1, "stdout": 1, "stream": 1})
        assert type(hijacked).__name__ == "SocketIO", (
            docker.__version__, type(hijacked))
        sock = streams.raw_socket(hijacked)
        sock.sendall(b"ping\n")
        demux = streams.Demux()
        got = b""
        while b"ping\n" not in got:
            got += demux.feed(sock.recv(4096))
        sock.close()
        engine = streams.Streams(client)
        exec_id = engine.exec_create(created, ["echo", "hi"], tty=True)
        sock = engine.exec_start(exec_id)
        assert sock.recv(100).strip() == b"hi"
        sock.close()
    finally:
        client.remove_container(created, force=True)
        client.close()
    if docker.__version__ != CHECKED_AGAINST:
        print("docker-py %s, checked against %s: the test above still "
              "holds" % (docker.__version__, CHECKED_AGAINST))

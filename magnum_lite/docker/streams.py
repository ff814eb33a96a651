"""Interactive streams of the Docker Engine: the hijacked connection of an
attach or of a started exec, as a plain socket, and TTY resizes.

docker-py hands a hijacked connection over as whatever its transport
holds (a SocketIO over a unix socket, an SSL socket over TLS). raw_socket()
reaches for the socket underneath, checked against docker-py 7.2.0;
tests/integration/test_streams.py holds it to that.
"""
import socket

from magnum_lite.docker import client as docker_client


def raw_socket(hijacked):
    """The socket.socket (or ssl.SSLSocket) under docker-py's answer."""
    sock = getattr(hijacked, "_sock", hijacked)  # SocketIO wraps one
    if not isinstance(sock, socket.socket):
        raise TypeError("docker-py handed over a %s, not a socket; "
                        "magnum_lite/docker/streams.py needs a look"
                        % type(hijacked).__name__)
    return sock


class Streams:
    """The interactive side of one engine: exec sessions, TTY resizes and
    the hijacked sockets that the websocket proxy bridges."""

    def __init__(self, client):
        self._client = client

    def _errors(self):
        return docker_client.translate_errors(self._client.api_url)

    def attach(self, container_id):
        """A socket joined to the container's stdin, stdout and stderr."""
        with self._errors():
            hijacked = self._client.attach_socket(container_id, params={
                "stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        return raw_socket(hijacked)

    def exec_create(self, container_id, command, tty=True):
        """An exec of `command` with stdin open (and a TTY); its id."""
        with self._errors():
            return self._client.exec_create(container_id, command,
                                            stdin=True, tty=tty)["Id"]

    def exec_start(self, exec_id, tty=True):
        """Start a created exec; a socket joined to its stdin and
        output."""
        with self._errors():
            hijacked = self._client.exec_start(exec_id, tty=tty,
                                               socket=True)
        return raw_socket(hijacked)

    def exec_inspect(self, exec_id):
        with self._errors():
            return self._client.exec_inspect(exec_id)

    def resize(self, container_id, height, width):
        with self._errors():
            self._client.resize(container_id, height=height, width=width)

    def exec_resize(self, exec_id, height, width):
        with self._errors():
            self._client.exec_resize(exec_id, height=height, width=width)


class Demux:
    """Docker's framing of a stream without a TTY: 8-byte headers (stream,
    0, 0, 0, big-endian size) before each chunk; feed() gives the
    payload bytes, whatever the stream."""

    def __init__(self):
        self._buffer = b""

    def feed(self, data):
        self._buffer += data
        out = []
        while len(self._buffer) >= 8:
            size = int.from_bytes(self._buffer[4:8], "big")
            if len(self._buffer) < 8 + size:
                break
            out.append(self._buffer[8:8 + size])
            self._buffer = self._buffer[8 + size:]
        return b"".join(out)

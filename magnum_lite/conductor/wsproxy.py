"""The websocket proxy of a conductor: each session bridges one client to
the Docker attach or exec stream of a container on this host, raw bytes
both ways.

A session opens with a token the conductor made for that container (and
exec) moments before (tokens.py); a wrong, spent or expired token, one of
another container, or a browser Origin not allowed is refused at the
handshake (HTTP 403) and logged. Every session costs three threads (the
websockets library's handler and reader, and the pump from Docker) and
two sockets, all released when either side closes, when the container's
stream ends, or after [websocket_proxy] idle_timeout seconds of silence.
Blocking reads and writes on both sides are the backpressure: a slow
client stalls the Docker stream, not the proxy's memory.
"""
import collections
import http
import threading
import time
import urllib.parse

from oslo_log import log as logging
from oslo_utils import units
from websockets import exceptions as ws_errors
from websockets.sync import server as ws_server

from magnum_lite.conductor import tokens as ml_tokens
from magnum_lite.docker import streams
from magnum_lite import exception

LOG = logging.getLogger(__name__)

CHUNK = 65536
HOLD = 0.05  # seconds the start of a character waits for its end
# A client's message may be up to 1 MiB, and a session buffers at most
# QUEUE of them while Docker is slow to take them: 4 MiB at worst.
MAX_MESSAGE, QUEUE = units.Mi, 4
POLL = 1.0  # seconds between two looks at the idle clock
# Close codes (RFC 6455): normal, policy violation, try again later.
NORMAL, POLICY, BUSY = 1000, 1008, 1013


class Proxy:

    def __init__(self, conf, engine):
        """engine: its interactive side (docker/streams.py Streams)."""
        self._conf = conf.websocket_proxy
        self._streams = engine
        self.tokens = ml_tokens.Tokens(lambda: self._conf.token_ttl)
        self._guard = threading.Lock()
        self._open = collections.Counter()  # container uuid -> sessions
        self._sizes = {}  # exec id -> (rows, columns), set at its start
        self._server = None
        self._thread = None

    # -- the server ----------------------------------------------------------

    def start(self):
        self._server = ws_server.serve(
            self._session, self._conf.wsproxy_host, self._conf.wsproxy_port,
            process_request=self._admit, subprotocols=["binary"],
            compression=None, max_size=MAX_MESSAGE, max_queue=QUEUE,
            logger=LOG)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="wsproxy", daemon=True)
        self._thread.start()
        LOG.info("websocket proxy listening on %s", self.base_url)

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)

    @property
    def port(self):
        return self._server.socket.getsockname()[1]

    @property
    def base_url(self):
        return self._conf.base_url or "ws://%s:%d/" % (
            self._conf.wsproxy_host, self.port)

    def url(self, container_uuid, project_id, docker_id, exec_id=None,
            tty=True):
        """A URL that opens one session on the container (or exec)."""
        token = self.tokens.mint(container_uuid, project_id, docker_id,
                                 exec_id, tty)
        return self.base_url + "?" + urllib.parse.urlencode(
            {"token": token, "uuid": container_uuid})

    def size_later(self, exec_id, height, width):
        """The TTY size of an exec not started yet, set when it is."""
        with self._guard:
            self._sizes[exec_id] = (height, width)

    def sessions(self):
        with self._guard:
            return sum(self._open.values())

    # -- admission, at the handshake ---------------------------------------

    def _admit(self, connection, request):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(
            request.path).query)
        uuid = (query.get("uuid") or [""])[0]
        origin = request.headers.get("Origin")
        try:
            if origin is not None and origin not in self._origins():
                raise exception.TokenRefused(
                    "origin %s is not allowed" % origin)
            connection.grant = self.tokens.redeem(
                (query.get("token") or [""])[0], uuid)
        except exception.TokenRefused as refused:
            LOG.warning("websocket session on container %s from %s "
                        "refused: %s", uuid or "(none)",
                        connection.remote_address[0], refused)
            return connection.respond(http.HTTPStatus.FORBIDDEN,
                                      "Refused: %s.\n" % refused)
        return None

    def _origins(self):
        own = urllib.parse.urlsplit(self.base_url)
        scheme = "https" if own.scheme == "wss" else "http"
        return {"%s://%s:%s" % (scheme, own.hostname, own.port),
                "%s://%s" % (scheme, own.netloc),
                *self._conf.allowed_origins}

    # -- a session ------------------------------------------------------------

    def _session(self, connection):
        grant = connection.grant
        if not self._enter(grant.container_uuid):
            connection.close(BUSY, "too many sessions")
            return
        sock = None
        try:
            if grant.exec_id is None:
                sock = self._streams.attach(grant.docker_id)
            else:
                sock = self._streams.exec_start(grant.exec_id, grant.tty)
                with self._guard:
                    size = self._sizes.pop(grant.exec_id, None)
                if size is not None:
                    self._streams.exec_resize(grant.exec_id, *size)
            LOG.info("websocket session on container %s (%s) opened",
                     grant.container_uuid, "exec " + grant.exec_id[:12]
                     if grant.exec_id else "attach")
            _bridge(connection, sock, grant.tty, self._conf.idle_timeout)
        except Exception as error:  # the stream could not be had
            LOG.warning("websocket session on container %s: %s",
                        grant.container_uuid, error)
            connection.close(POLICY, str(error)[:120])
        finally:
            if sock is not None:
                sock.close()
            self._leave(grant.container_uuid)

    def _enter(self, uuid):
        with self._guard:
            if (sum(self._open.values()) >= self._conf.max_sessions or
                    self._open[uuid] >= self._conf.max_sessions_per_container):
                LOG.warning("websocket session on container %s refused: "
                            "too many sessions", uuid)
                return False
            self._open[uuid] += 1
            return True

    def _leave(self, uuid):
        with self._guard:
            self._open[uuid] -= 1
            if not self._open[uuid]:
                del self._open[uuid]


def _bridge(connection, sock, tty, idle_timeout):
    """Pump bytes both ways until one side ends or both are silent for
    idle_timeout seconds: client to Docker here, Docker to client in a
    thread of its own."""
    last = [time.monotonic()]
    ended = threading.Event()

    def down():
        demux = None if tty else streams.Demux()
        held = b""
        try:
            while True:
                # The hijacked socket keeps the HTTP client's timeout: a
                # shell may say nothing for longer. Only the first bytes
                # of a character held back wait, and not for long.
                sock.settimeout(HOLD if held else None)
                try:
                    data = sock.recv(CHUNK)
                except TimeoutError:
                    connection.send(held)
                    held = b""
                    continue
                if not data:
                    break
                last[0] = time.monotonic()
                if demux is not None:
                    data = demux.feed(data)
                # A frame never ends inside a UTF-8 character: the CLI
                # decodes each frame on its own.
                data, held = _utf8_cut(held + data)
                if data:
                    connection.send(data)
            if held:
                connection.send(held)
            connection.close(NORMAL, "the stream ended")
        except (OSError, ws_errors.ConnectionClosed) as error:
            LOG.debug("session: Docker to client ended: %r", error)
        finally:
            ended.set()

    pump = threading.Thread(target=down, name="wsproxy-pump", daemon=True)
    pump.start()
    try:
        while not ended.is_set():
            try:
                message = connection.recv(timeout=POLL)
            except TimeoutError:
                if time.monotonic() - last[0] > idle_timeout:
                    connection.close(NORMAL, "idle")
                    break
                continue
            last[0] = time.monotonic()
            sock.sendall(message.encode() if isinstance(message, str)
                         else message)
    except (OSError, ws_errors.ConnectionClosed) as error:
        LOG.debug("session: client to Docker ended: %r", error)
    finally:
        try:
            sock.shutdown(2)  # wakes the pump
        except OSError:
            pass
        pump.join()


def _utf8_cut(data):
    """(data up to its last whole UTF-8 character, the rest): at most the
    first bytes of one character are held back."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: look further back
        if byte & 0x80 == 0:
            return data, b""  # ASCII ends it
        need = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 \
            else 4 if byte & 0xF8 == 0xF0 else 1
        if back < need:
            return data[:-back], data[-back:]
        return data, b""
    return data, b""

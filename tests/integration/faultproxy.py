"""A TCP relay between one process and a server (RabbitMQ, PostgreSQL)
that a test can cut and heal: a network partition of that one process
from that one server, with the real server on both sides of it."""
import contextlib
import socket
import threading
import urllib.parse

from harness import stack as shared


class Relay:
    """Listens on a loopback port of its own and relays each connection to
    (host, port). cut() drops every connection and refuses new ones until
    heal(); cut(silently=True) keeps them open and lets nothing through
    either way, as a cable pulled out does (the peers learn it only from
    their own timeouts)."""

    def __init__(self, host, port):
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._silent = False
        self._closing = False
        self._guard = threading.Lock()
        self._sockets = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                if self._silent:
                    with self._guard:  # held open, never answered
                        self._sockets.add(client)
                else:
                    client.close()
                continue
            try:
                server = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._guard:
                self._sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b),
                                 daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self._open.is_set():
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._drop(s)

    def _drop(self, sock):
        with self._guard:
            self._sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self, silently=False):
        self._silent = silently
        self._open.clear()
        if silently:
            return
        with self._guard:
            sockets = list(self._sockets)
        for sock in sockets:
            self._drop(sock)

    def heal(self):
        """Let traffic through again. Connections held through a silent
        cut are dropped: what was lost in them is lost, as on a network."""
        if self._silent:
            with self._guard:
                sockets = list(self._sockets)
            for sock in sockets:
                self._drop(sock)
        self._open.set()

    def close(self):
        self._closing = True
        self.cut()
        self._listener.close()


@contextlib.contextmanager
def before_the_stack():
    """Relays of the caller's own before the stack's PostgreSQL and
    RabbitMQ: yields ({"postgresql": Relay, "rabbitmq": Relay}, routes),
    routes being what harness/multihost.deployed takes to send every
    process through them. A cut of one is what its clients see of that
    server restarting, and nothing shared is restarted."""
    env = shared.stack()
    servers = {name: urllib.parse.urlsplit(env[var]) for name, var in (
        ("postgresql", "MAGNUM_LITE_TEST_POSTGRES_URL"),
        ("rabbitmq", "MAGNUM_LITE_TEST_RABBIT_URL"))}
    relays = {name: Relay(s.hostname, s.port) for name, s in servers.items()}
    try:
        yield relays, {"%s:%d" % (s.hostname, s.port):
                       "127.0.0.1:%d" % relays[name].port
                       for name, s in servers.items()}
    finally:
        for relay in relays.values():
            relay.close()


def assert_routed(confs, routes):
    """Every config file names the relays, never the servers behind."""
    for conf in confs:
        text = conf.read_text()
        assert all("@%s/" % server not in text and "@%s/" % relay in text
                   for server, relay in routes.items()), conf

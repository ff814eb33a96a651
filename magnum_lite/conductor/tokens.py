"""Tokens of interactive sessions: each opens one session, on the one
container (and exec) it was made for, within [websocket_proxy] token_ttl
seconds. They live in the conductor process whose proxy redeems them."""
import dataclasses
import secrets
import threading
import time

from magnum_lite import exception


@dataclasses.dataclass(frozen=True)
class Grant:
    """What a token lets its bearer open."""
    container_uuid: str
    project_id: str
    docker_id: str
    exec_id: str | None  # None: an attach
    tty: bool
    expires: float  # time.monotonic()


class Tokens:

    def __init__(self, ttl):
        self._ttl = ttl  # a callable: seconds a new token lives
        self._guard = threading.Lock()
        self._grants = {}

    def mint(self, container_uuid, project_id, docker_id, exec_id=None,
             tty=True):
        token = secrets.token_urlsafe(32)
        grant = Grant(container_uuid, project_id, docker_id, exec_id, tty,
                      time.monotonic() + self._ttl())
        with self._guard:
            self._drop_expired()
            self._grants[token] = grant
        return token

    def redeem(self, token, container_uuid):
        """The grant of `token`, spent now; TokenRefused when it is unknown (or
        spent), expired, or for another container."""
        with self._guard:
            grant = self._grants.pop(token or "", None)
        if grant is None:
            raise exception.TokenRefused("unknown or already used token")
        if grant.expires < time.monotonic():
            raise exception.TokenRefused("expired token")
        if grant.container_uuid != container_uuid:
            raise exception.TokenRefused(
                "token of container %s presented for %s" % (
                    grant.container_uuid, container_uuid))
        return grant

    def __len__(self):
        return len(self._grants)

    def _drop_expired(self):
        now = time.monotonic()
        for token in [t for t, g in self._grants.items() if g.expires < now]:
            del self._grants[token]

"""The conductor's calls that ask its engine and write no record: reads
of a container, images (list, pull, delete, search) and volumes."""
import base64
import codecs
import functools
import secrets
import threading
import time

from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_lite.conductor import build
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects


LOG = logging.getLogger(__name__)


def call(method):
    """An RPC call whose failures are the caller's to tell (a tenant's
    mistake, an engine's refusal): one WARNING line here, not
    oslo.messaging's ERROR traceback (it logs an expected exception at
    debug), and the exception goes to the caller as before."""
    @functools.wraps(method)
    def run(self, context, *args, **kwargs):
        try:
            return method(self, context, *args, **kwargs)
        except exception.MagnumLiteError as error:
            about = kwargs.get("container", args[0] if args else None)
            LOG.warning("%s%s: %s", method.__name__,
                        " of container %s" % about.uuid
                        if hasattr(about, "uuid") else "", error.message)
            raise
    # oslo.messaging's wrapper keeps no name or signature of its own.
    return functools.wraps(method)(
        messaging.expected_exceptions(exception.MagnumLiteError)(run))


class Calls:
    """Mixed into ConductorManager, which gives it _conf, _driver and
    _proxy (the websocket proxy, or None)."""

    def _read(self, context, container, action):
        container = objects.Container.get(context.elevated(), container.uuid)
        lifecycle.check(action, container)
        return container.container_id

    @call
    def logs(self, context, container, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False, with_cut=False, piece_size=None):
        # A caller at 1.5 asks with_cut: {"output", "cut"}; before, text.
        # At 1.6 it gives piece_size too (see _in_pieces).
        answer = self._driver.logs(self._read(context, container, "logs"),
                                   stdout=stdout, stderr=stderr, tail=tail,
                                   since=since, timestamps=timestamps,
                                   limit=self._conf.api.max_output_bytes,
                                   with_cut=with_cut)
        if not with_cut:
            return answer
        return self._in_pieces(container, answer, piece_size)

    @call
    def execute(self, context, container, command, run=True,
                interactive=False, piece_size=None):
        docker_id = self._read(context, container, "execute")
        if not interactive:
            return self._in_pieces(container, self._driver.execute(
                docker_id, command, run=run,
                timeout=self._conf.docker.execute_timeout,
                limit=self._conf.api.max_output_bytes), piece_size)
        exec_id = self._driver.streams.exec_create(docker_id, command)
        return {"output": None, "exit_code": None, "exec_id": exec_id,
                "proxy_url": self._proxy_of().url(
                    container.uuid, container.project_id, docker_id,
                    exec_id)}

    @call
    def attach(self, context, container):
        docker_id = self._read(context, container, "attach")
        return self._proxy_of().url(container.uuid, container.project_id,
                                    docker_id, tty=bool(container.tty))

    @call
    def resize(self, context, container, height, width):
        docker_id = self._read(context, container, "resize")
        self._driver.streams.resize(docker_id, height, width)

    @call
    def execute_resize(self, context, container, exec_id, height, width):
        docker_id = self._read(context, container, "execute_resize")
        found = self._driver.streams.exec_inspect(exec_id)
        if found.get("ContainerID") != docker_id:
            # An exec id is no secret of its container's: say nothing of
            # another's.
            raise exception.NotFound(
                f"Exec {exec_id} could not be found in container "
                f"{container.uuid}.")
        if not found.get("Running"):
            # Not started yet (the client resizes as it connects): the
            # proxy sets the size when it starts the exec.
            self._proxy_of().size_later(exec_id, height, width)
            return
        self._driver.streams.exec_resize(exec_id, height, width)

    def _in_pieces(self, container, answer, piece_size):
        """answer, its output cut to its first piece_size characters when
        longer (a caller at 1.6): the rest is held for output_piece."""
        if not piece_size or answer["output"] is None:
            return answer
        return self._held(container, answer, "output",
                          Sliced(answer["output"], piece_size))

    def _held(self, container, answer, key, pieces):
        return _HELD.first_piece(container.uuid, answer, key, pieces,
                                 self._conf.conductor.call_timeout)

    @call
    def output_piece(self, context, container, held):
        """The next piece of an output held to be sent in pieces (RPC 1.6;
        an archive's from 1.7)."""
        return _HELD.next_piece(container.uuid, held,
                                self._conf.conductor.call_timeout)

    def _proxy_of(self):
        if self._proxy is None:
            raise exception.Conflict(
                reason=f"Host {self._conf.host} serves no interactive "
                       "sessions ([websocket_proxy] enabled is false).")
        return self._proxy

    @call
    def top(self, context, container, ps_args=None):
        return self._driver.top(self._read(context, container, "top"),
                                ps_args)

    @call
    def stats(self, context, container):
        return self._driver.stats(self._read(context, container, "stats"))

    @call
    def get_archive(self, context, container, path, as_text=False,
                    piece_size=None):
        # A caller at 1.7 gives piece_size: the tar is held as bytes and
        # each piece of its base64 (or, as_text, of its UTF-8 text) is
        # made when asked for. Before, the base64 comes whole.
        data, stat = self._driver.get_archive(
            self._read(context, container, "get_archive"), path,
            limit=self._conf.api.max_output_bytes)
        if piece_size:
            try:
                pieces = (Utf8(data, piece_size) if as_text
                          else Base64(data, piece_size))
            except UnicodeDecodeError:
                raise exception.NotAcceptable(
                    reason="This archive is not UTF-8 text, so it cannot "
                           "be carried before microversion 1.25; ask for "
                           "1.25 or later to have it as base64.") from None
            return self._held(container, {"stat": stat}, "data", pieces)
        data = base64.b64encode(data)  # let the tar go before the text
        return {"data": data.decode("ascii"), "stat": stat}

    @call
    def put_archive(self, context, container, path, data):
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise exception.InvalidParameter(
                reason="data must be a base64-encoded tar archive.")
        self._driver.put_archive(
            self._read(context, container, "put_archive"), path, raw)

    @call
    def images(self, context):
        return self._driver.images()

    @call
    def image_delete(self, context, image):
        self._driver.remove_image(image)

    @call
    def image_pull(self, context, image):
        return build.pull_image(self._conf, self._driver, context, image)

    @call
    def image_search(self, context, term, exact=False):
        return build.search(self._conf, self._driver, context, term, exact)

    @call
    def volume_delete(self, context, name):
        self._driver.remove_volume(name)

    @call
    def commit(self, context, container, repository, tag=None):
        image_id = self._driver.commit(
            self._read(context, container, "commit"), repository, tag)
        return {"uuid": image_id}


class HeldOutputs:
    """Outputs sent in pieces: each is kept (as the driver gave it: a
    str, or an archive's bytes) until its last piece is asked for, or
    dropped when `keep` seconds pass without a request for the next. One
    per process: an id is unguessable, and its pieces are asked of the
    conductor of the container's host, which is the one that holds it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._outputs = {}  # id -> _Output

    def first_piece(self, container, answer, key, pieces, keep):
        """answer, its `key` the first of `pieces`; when there are more,
        with "held" (the id to ask for them by) and "pieces" (how many
        more)."""
        answer[key] = pieces[0]
        if len(pieces) <= 1:
            return answer
        held = secrets.token_urlsafe(16)
        with self._lock:
            self._drop_expired()
            self._outputs[held] = _Output(container, pieces,
                                          time.monotonic() + keep)
        answer.update(held=held, pieces=len(pieces) - 1)
        return answer

    def next_piece(self, container, held, keep):
        with self._lock:
            self._drop_expired()
            output = self._outputs.get(held)
            if output is None or output.container != container:
                raise exception.NotFound(
                    "This output is no longer held: its pieces were not "
                    "asked for in time ([conductor] call_timeout).")
            output.at += 1
            at = output.at
            if at + 1 >= len(output.pieces):
                del self._outputs[held]
            output.expires = time.monotonic() + keep
        return output.pieces[at]

    def _drop_expired(self):
        now = time.monotonic()
        for held in [held for held, output in self._outputs.items()
                     if output.expires < now]:
            del self._outputs[held]


class _Output:
    def __init__(self, container, pieces, expires):
        self.container = container
        self.pieces = pieces
        self.at = 0  # the piece given last
        self.expires = expires


_HELD = HeldOutputs()


# How an output is cut: len() pieces of at most about `size` characters,
# the i-th made when asked for, so that what is held is the output as
# the driver gave it, never its pieces' text besides.

class Sliced:
    """A str, in slices of `size` characters."""

    def __init__(self, text, size):
        self.text, self.size = text, size

    def __len__(self):
        return max(1, -(-len(self.text) // self.size))

    def __getitem__(self, i):
        return self.text[i * self.size:(i + 1) * self.size]


class Base64:
    """The base64 of bytes, in pieces of `size` characters (rounded down
    to a multiple of 4): each is the base64 of its own 3/4 as many bytes,
    so the pieces put together are the whole's."""

    def __init__(self, data, size):
        self.data, self.step = data, max(1, size // 4) * 3

    def __len__(self):
        return max(1, -(-len(self.data) // self.step))

    def __getitem__(self, i):
        return base64.b64encode(
            self.data[i * self.step:(i + 1) * self.step]).decode("ascii")


class Utf8:
    """UTF-8 bytes as text, in pieces of about `size` bytes each, cut at
    a character's first byte. UnicodeDecodeError, checked up front a
    chunk at a time, when they are not UTF-8."""

    def __init__(self, data, size):
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        view = memoryview(data)
        for at in range(0, len(data), 64 * 1024):
            decoder.decode(view[at:at + 64 * 1024])
        decoder.decode(b"", final=True)
        self.data, self.step = data, max(4, size)

    def __len__(self):
        return max(1, -(-len(self.data) // self.step))

    def _start(self, at):
        """at, or the first byte after it that begins a character."""
        while at < len(self.data) and self.data[at] & 0xC0 == 0x80:
            at += 1
        return at

    def __getitem__(self, i):
        return str(memoryview(self.data)[
            self._start(i * self.step):self._start((i + 1) * self.step)],
            "utf-8")

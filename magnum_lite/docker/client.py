"""One Docker Engine's HTTP client, and where its errors become ours."""
import contextlib
import functools
import threading

import docker
from docker import transport
from docker.utils import socket as docker_socket
import requests

from magnum_lite.docker import bounded
from magnum_lite import exception

# A broken or silent connection: the engine is not there to answer.
_UNREACHABLE = (requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError)


class DockerHTTPClient(docker.APIClient):
    """docker-py's APIClient, plus the endpoints it lacks.

    Build one per conductor with from_conf() and reuse it: it holds a
    connection pool, and with version 'auto' building it asks the engine.
    """

    def __init__(self, api_url, version="auto", timeout=60, tls=False,
                 max_pool_size=10):
        super().__init__(base_url=api_url, version=version, timeout=timeout,
                         tls=tls, max_pool_size=max_pool_size)
        # docker-py rewrites base_url for unix sockets; keep what we dialled.
        self.api_url = api_url
        adapter = self.get_adapter(self.base_url)
        if isinstance(adapter, transport.UnixHTTPAdapter):
            self.mount("http+docker://", _SocketAdapter(
                adapter.socket_path, timeout, max_pool_size=max_pool_size))
            adapter.close()
            # Proxies and .netrc mean nothing on a unix socket; reading
            # them from the environment costs every request.
            self.trust_env = False

    @classmethod
    def from_conf(cls, conf):
        opts = conf.docker
        with translate_errors(opts.api_url):
            return cls(opts.api_url,
                       version=opts.docker_remote_api_version,
                       timeout=opts.default_timeout,
                       tls=_tls_config(opts),
                       # Every conductor worker may hold a connection at
                       # once, and so may the event follower, its four
                       # re-readers and the reconcile pass.
                       max_pool_size=conf.conductor.workers + 6)

    def exec_output(self, exec_id, timeout, limit):
        """Start a created exec (no tty); a bounded.Tail of its stdout and
        stderr as they came, keeping the newest `limit` bytes. ExecuteTimeout
        when it has not ended in `timeout` seconds (the command goes on:
        Docker cannot stop an exec).

        docker-py's exec_start() waits for the end with no limit, which
        would hold a conductor worker for as long as the command runs, and
        holds all the output.
        """
        response = self._post_json(
            self._url("/exec/{0}/start", exec_id),
            headers={"Connection": "Upgrade", "Upgrade": "tcp"},
            data={"Tty": False, "Detach": False}, stream=True)
        sock = self._get_raw_response_socket(response)
        frames = docker.types.CancellableStream(
            bounded.frames(functools.partial(docker_socket.read, sock)),
            response)
        expired = threading.Event()

        def end_stream():
            # Shuts the socket down, which ends a read blocked on it; on a
            # connection the peer already dropped, that fails, harmlessly.
            with contextlib.suppress(OSError):
                frames.close()

        def expire():
            expired.set()
            end_stream()  # from this other thread

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            output = bounded.tail_of(frames, limit)
        except (OSError, ValueError):
            # A read on the socket expire() closed (ValueError: polling
            # a closed one).
            if not expired.is_set():
                raise
        finally:
            timer.cancel()
            end_stream()
            response.close()
        if expired.is_set():
            raise exception.ExecuteTimeout(timeout=timeout)
        return output

    def logs_tail(self, container, limit, stdout=True, stderr=True,
                  tail="all", since=None, timestamps=False):
        """A bounded.Tail of the container's log (not followed), read in
        chunks: its newest `limit` bytes. docker-py's logs() holds the
        whole log, or with stream=True reads a TTY's one byte at a time."""
        tty = self.inspect_container(container)["Config"].get("Tty")
        if tail != "all" and (not isinstance(tail, int) or tail < 0):
            tail = "all"
        params = {"stdout": int(stdout), "stderr": int(stderr),
                  "timestamps": int(timestamps), "follow": 0, "tail": tail}
        if since is not None:
            params["since"] = since
        with contextlib.closing(self._open(
                self._url("/containers/{0}/logs", container),
                params)) as response:
            read = response.raw.read
            return bounded.tail_of(
                bounded.raw(read) if tty else bounded.frames(read), limit)

    def archive_at_most(self, container, path, limit):
        """(tar of `path` as a bytearray, Docker's stat of it); or
        AnswerTooLarge when the tar is over `limit` bytes: before reading
        when the stat gives a file larger than that, else as soon as more
        has come (the rest is not read)."""
        with contextlib.closing(self._open(
                self._url("/containers/{0}/archive", container),
                {"path": path})) as response:
            stat = response.headers.get("x-docker-container-path-stat")
            stat = docker.utils.decode_json_header(stat) if stat else {}
            size = None
            if bounded.is_regular(stat) and stat.get("size", 0) > limit:
                size = f" (the file has {stat['size']} bytes)"
            else:
                data = bounded.at_most(bounded.raw(response.raw.read), limit)
                if data is None:
                    size = f" (it has more than {limit} bytes)"
        if size is not None:
            raise exception.AnswerTooLarge(what=f"The archive of {path}",
                                           limit=limit, size=size)
        return data, stat

    def _open(self, url, params):
        """GET url, its body not read yet. Uncompressed: the engine gzips
        an archive for a client that accepts it, and a few KiB of gzip can
        be gigabytes of tar."""
        response = self._get(url, params=params, stream=True,
                             headers={"Accept-Encoding": "identity"})
        try:
            self._raise_for_status(response)
        except docker.errors.APIError:
            response.close()
            raise
        return response

    def update_resources(self, container, resources):
        """POST /containers/{id}/update with Engine field names.

        docker-py's update_container() cannot send NanoCpus.
        """
        url = self._url("/containers/{0}/update", container)
        return self._result(self._post_json(url, data=resources), json=True)


class _SocketAdapter(transport.UnixHTTPAdapter):
    """docker-py's unix socket adapter keeps a pool of connections per
    URL: every call about a container it has not seen yet (start,
    inspect...) dials the socket again, and the 26th URL closes the
    first one's. This one keeps one pool for the socket."""

    def get_connection(self, url, proxies=None):
        return super().get_connection("http+docker://localhost", proxies)


def _tls_config(opts):
    if not (opts.ca_file or opts.cert_file or opts.key_file
            or opts.api_insecure):
        return False
    client_cert = None
    if opts.cert_file or opts.key_file:
        client_cert = (opts.cert_file, opts.key_file)
    # verify=True with a CA file means: verify against that CA only.
    return docker.tls.TLSConfig(client_cert=client_cert,
                                ca_cert=opts.ca_file,
                                verify=not opts.api_insecure)


@contextlib.contextmanager
def translate_errors(url, image=None):
    """Raise our exception for any docker-py or requests error in the block.

    image: the reference the block is about, given only where every 404
    means that image is missing (inspecting or pulling it).
    """
    try:
        yield
    except (docker.errors.DockerException,
            requests.exceptions.RequestException, OSError) as exc:
        raise to_magnum_error(exc, url, image) from exc


def to_magnum_error(exc, url, image=None):
    """Our exception for one docker-py/requests error, by type and status.

    Never by the message's wording: Docker's text is carried, not parsed.
    """
    if isinstance(exc, docker.errors.APIError):
        explanation = _explanation(exc)
        status = exc.status_code
        if isinstance(exc, docker.errors.ImageNotFound) or (
                status == 404 and image is not None):
            # With no reference at hand, Docker's own words name the image.
            return exception.ImageNotFound(
                None if image else explanation, image=image,
                reason=explanation)
        if status == 404:
            return exception.DockerNotFound(explanation=explanation)
        if status == 409:
            return exception.DockerConflict(explanation=explanation)
        if status == 400:
            return exception.DockerInvalid(explanation=explanation)
        return exception.DockerError(explanation=explanation)

    unreachable = _unreachable_cause(exc)
    if unreachable is not None:
        return exception.DockerUnavailable(url=url,
                                           reason=_reason(unreachable))
    return exception.DockerError(explanation=str(exc) or type(exc).__name__)


def _explanation(exc):
    if exc.explanation:
        return str(exc.explanation).strip()
    response = exc.response
    if response is not None and response.reason:
        return f"{response.status_code} {response.reason}"
    return str(exc)


def _unreachable_cause(exc):
    """The connection failure behind exc, following explicit causes.

    docker-py wraps a failed version negotiation in a bare DockerException.
    """
    while exc is not None:
        if isinstance(exc, _UNREACHABLE):
            return exc
        # requests' errors are OSErrors too; only a socket's own counts.
        if (isinstance(exc, OSError)
                and not isinstance(exc, requests.exceptions.RequestException)):
            return exc
        exc = exc.__cause__
    return None


def _reason(exc):
    """The innermost error's words: requests nests them in tuples."""
    inner = exc
    while True:
        args = getattr(inner, "args", ())
        nested = [a for a in args if isinstance(a, BaseException)]
        if nested:
            inner = nested[-1]
            continue
        reason = getattr(inner, "reason", None)
        if isinstance(reason, BaseException):
            inner = reason
            continue
        break
    text = str(inner) or type(inner).__name__
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timed out ({text})"
    return text

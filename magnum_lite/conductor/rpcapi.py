"""The conductor's RPC interface: the only RPC client in magnum_lite.

Topic: [conductor] topic (default "magnum-lite-conductor"), namespace
"magnum_lite.conductor". Each call goes to the conductor that owns the
container's Docker host (its record's `host`), by prepare(server=host).

API version history:

    1.0 - Initial version: create, start, stop, reboot, pause, unpause, kill,
          delete (casts); update, rename, logs, execute, top, stats,
          get_archive, put_archive, commit (calls).
    1.1 - images (call): the images on one conductor's Docker host.
    1.2 - image_delete, image_pull (calls): untag or remove one image
          there, or pull one (with the caller's project's registry login).
    1.3 - rebuild (cast): a new Docker container for the record.
          volume_delete, image_search (calls). Container 1.5 (mounts,
          healthcheck, health, auto_heal).
    1.4 - attach, resize, execute_resize (calls); execute takes
          interactive. Container 1.6 (interactive, tty).
    1.5 - Answers bounded by [api] max_output_bytes: logs takes with_cut
          and then returns {"output": text, "cut": bytes the log had, or
          None}; execute's answer gains "cut" alike (a conductor at 1.5
          adds it whatever the version asked). Both keep the newest part
          of a longer output. get_archive raises AnswerTooLarge (413).
    1.6 - logs (with_cut) and execute take piece_size: an output longer
          than that many characters comes as its first piece, with
          "held" (an id) and "pieces" (how many more); output_piece
          (call) gives the next one. The conductor drops what is not
          asked for within its [conductor] call_timeout. Callers before
          1.6 get the output whole.
    1.7 - get_archive takes piece_size and as_text: its "data" comes in
          pieces as 1.6's outputs do (output_piece gives the next), made
          from the tar the conductor holds, in base64 or, as_text, as the
          tar's UTF-8 text (NotAcceptable when it is not UTF-8). Callers
          before 1.7 get the base64 whole.

update and rename are calls, not casts: the tenant is shown the container
as it is after the change, and Docker's refusal (e.g. memory below its
minimum) reaches the tenant as a 400 instead of a line in a log.
"""
import oslo_messaging as messaging

from magnum_lite import lifecycle
from magnum_lite import rpc

NAMESPACE = "magnum_lite.conductor"
VERSION = "1.7"
# Characters of an output (or of an archive's data) one answer carries.
# Each crosses the bus as several copies (its JSON, kombu's envelope, the
# decoding), so the processes on its way hold a few pieces, never a
# whole output.
PIECE = 128 * 1024


class ConductorAPI:
    """retry: how many times a message is tried again while the bus is
    away (oslo.messaging backs off 1, 2, 4... s) before the call or cast
    raises MessageDeliveryFailure; None tries forever."""

    def __init__(self, transport, topic, timeout=60, retry=3):
        target = messaging.Target(topic=topic, namespace=NAMESPACE,
                                  version=VERSION)
        self._client = rpc.get_client(transport, target, timeout=timeout)
        self._retry = retry

    def _prepare(self, container, version="1.0"):
        return self._to(container.host, version)

    def _to(self, host, version):
        return self._client.prepare(server=host, version=version,
                                    retry=self._retry)

    def images(self, context, host):
        """The images on `host`'s engine: [{id, repo_tags, size, created}]."""
        return self._to(host, "1.1").call(context, "images")

    def image_pull(self, context, host, image):
        """Pull `image` onto `host`'s engine; the image as images() lists
        it. Waits for the pull, up to the call timeout."""
        return self._to(host, "1.2").call(context, "image_pull",
                                          image=image)

    def image_delete(self, context, host, image):
        """Remove `image` (repo:tag, or an id) from `host`'s engine;
        DockerConflict while a container uses it."""
        return self._to(host, "1.2").call(context, "image_delete",
                                          image=image)

    def image_search(self, context, host, term, exact=False):
        """Repositories matching `term`, searched from `host`: Docker
        Hub's index through its engine, or a private registry's catalog
        when term names one; [{name, tags, description, metadata}]."""
        return self._to(host, "1.3").call(context, "image_search",
                                          term=term, exact=exact)

    def volume_delete(self, context, host, name):
        """Remove the Docker volume `name` (and its data) from `host`."""
        return self._to(host, "1.3").call(context, "volume_delete",
                                          name=name)

    # -- casts: the caller does not wait; the record tells the outcome. --

    def _cast(self, context, method, container, version="1.0", **kwargs):
        self._prepare(container, version).cast(
            context, method, container=container, **kwargs)

    def create(self, context, container, run=False):
        self._cast(context, "create", container, run=run)

    def start(self, context, container):
        self._cast(context, "start", container)

    def stop(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        self._cast(context, "stop", container, timeout=timeout)

    def reboot(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        self._cast(context, "reboot", container, timeout=timeout)

    def pause(self, context, container):
        self._cast(context, "pause", container)

    def unpause(self, context, container):
        self._cast(context, "unpause", container)

    def kill(self, context, container, signal=None):
        self._cast(context, "kill", container, signal=signal)

    def delete(self, context, container, force=False, stop=False):
        self._cast(context, "delete", container, force=force, stop=stop)

    def rebuild(self, context, container, image=None, run=False):
        """A new Docker container from the record (from `image`, if
        given), started if `run`; same uuid, name, volumes and limits."""
        self._cast(context, "rebuild", container, version="1.3",
                   image=image, run=run)

    # -- calls: the caller waits for the result. --

    def update(self, context, container, patch):
        """patch: {"memory": MiB, "cpu": cores}; returns the Container."""
        return self._prepare(container).call(context, "update",
                                             container=container, patch=patch)

    def rename(self, context, container, name):
        return self._prepare(container).call(context, "rename",
                                             container=container, name=name)

    def logs(self, context, container, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False, with_cut=False):
        """The log's newest [api] max_output_bytes, as text; with_cut,
        {"output": that text, or its pieces (see execute), "cut": how many
        bytes the log had when it was cut, else None}."""
        options = dict(stdout=stdout, stderr=stderr, tail=tail, since=since,
                       timestamps=timestamps)
        if with_cut:
            return self._output(context, container, self._prepare(
                container, "1.6").call(context, "logs", container=container,
                                       with_cut=True, piece_size=PIECE,
                                       **options))
        return self._prepare(container).call(
            context, "logs", container=container, **options)

    def execute(self, context, container, command, run=True,
                interactive=False):
        """Returns {"output", "exit_code": int, "exec_id", "cut"}: the
        output's newest [api] max_output_bytes, and cut, how many bytes it
        had when it was cut, else None. The output is a str when it is
        at most PIECE characters, else an iterator of its pieces, which
        asks the conductor for each in turn: read it promptly (the
        conductor drops what is not asked for within its call timeout).
        interactive, an exec with a TTY to open: {"exec_id",
        "proxy_url"}."""
        if interactive:
            return self._prepare(container, "1.4").call(
                context, "execute", container=container, command=command,
                run=False, interactive=True)
        return self._output(context, container, self._prepare(
            container, "1.6").call(context, "execute", container=container,
                                   command=command, run=run,
                                   piece_size=PIECE))

    def _output(self, context, container, answer, key="output"):
        """answer, its `key` made the iterator of its pieces when the
        conductor holds the rest."""
        held = answer.pop("held", None)
        pieces = answer.pop("pieces", 0)
        if held is not None:
            answer[key] = self._pieces(context, container, answer[key],
                                       held, pieces)
        return answer

    def _pieces(self, context, container, piece, held, more):
        for _ in range(more):
            yield piece
            piece = self._prepare(container, "1.6").call(
                context, "output_piece", container=container, held=held)
        yield piece

    def attach(self, context, container):
        """The URL of one websocket session on the container's stdin and
        output, at its host's proxy."""
        return self._prepare(container, "1.4").call(
            context, "attach", container=container)

    def resize(self, context, container, height, width):
        return self._prepare(container, "1.4").call(
            context, "resize", container=container, height=height,
            width=width)

    def execute_resize(self, context, container, exec_id, height, width):
        return self._prepare(container, "1.4").call(
            context, "execute_resize", container=container,
            exec_id=exec_id, height=height, width=width)

    def top(self, context, container, ps_args=None):
        return self._prepare(container).call(context, "top",
                                             container=container,
                                             ps_args=ps_args)

    def stats(self, context, container):
        return self._prepare(container).call(context, "stats",
                                             container=container)

    def get_archive(self, context, container, path, as_text=False):
        """Returns {"data": base64 of a tar, "stat": {...}}; as_text, data
        is the tar's bytes as UTF-8 text (Zun's form before API
        microversion 1.25), NotAcceptable when they are not UTF-8. data
        is a str or an iterator of its pieces, as execute's output.
        AnswerTooLarge when the tar is over [api] max_output_bytes."""
        return self._output(context, container, self._prepare(
            container, "1.7").call(context, "get_archive",
                                   container=container, path=path,
                                   as_text=as_text, piece_size=PIECE),
            key="data")

    def put_archive(self, context, container, path, data):
        """data: base64 of a tar, unpacked into path."""
        return self._prepare(container).call(context, "put_archive",
                                             container=container, path=path,
                                             data=data)

    def commit(self, context, container, repository, tag=None):
        """Returns {"uuid": the new image's id}."""
        return self._prepare(container).call(context, "commit",
                                             container=container,
                                             repository=repository, tag=tag)

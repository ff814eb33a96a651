"""What a tenant asks of one container: /v1/containers/{ident}/<action>.

State changes (start, stop, reboot, pause, unpause, kill) are handed to the
conductor and answer 202 at once; the record tells how they end, and so
does the action log, where the request is entered before it is sent. The
others wait for the conductor's answer. Each checks the lifecycle table
before it acts, so an action the status forbids is a 409 before any work
is queued.
"""
import json

import webob

from magnum_lite.api import microversion
from magnum_lite.api import answers
from magnum_lite.api.handlers import interactive
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite.docker import image as image_ref
from magnum_lite import exception
from magnum_lite import intent
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import policy


def _timeout(params):
    return {"timeout": int(params.get("timeout", lifecycle.STOP_TIMEOUT))}


def _signal(params):
    return {"signal": validation.signal(params.get("signal"))}


def _state_change(action, summary, query=None, options=None):
    """The handler of one of lifecycle.STATE_CHANGES: policy, the query's
    options, the lifecycle table, then the cast; 202 at once."""
    @util.spec(status=202, query=query, errors=(404, 409))
    def handler(request, container_ident):
        container = util.container(request, container_ident,
                                   "container:" + action)
        kwargs = options(request.query()) if options else {}
        lifecycle.check(action, container)
        intent.send(request.context, request.conductor, container,
                    action, **kwargs)
        return util.respond(status=202)
    handler.__name__ = handler.__qualname__ = action
    handler.__doc__ = summary
    return handler


# action -> its handler; routes.py serves each at .../{action}.
STATE_CHANGES = {action: _state_change(action, *row) for action, row in {
    "start": ("Start a created or stopped container.",),
    "stop": ("Stop a container, killing it after ?timeout= seconds.",
             schemas.TIMEOUT_QUERY, _timeout),
    "reboot": ("Restart a container, killing it after ?timeout= seconds.",
               schemas.TIMEOUT_QUERY, _timeout),
    "pause": ("Pause a running container.",),
    "unpause": ("Unpause a paused container.",),
    "kill": ("Send ?signal= (Docker's SIGKILL when absent) to a container.",
             schemas.KILL_QUERY, _signal),
}.items()}


@util.spec(query=schemas.RENAME_QUERY, returns=answers.CONTAINER,
           errors=(404, 409))
def rename(request, container_ident):
    """Rename a container (as PATCH {"name": ...} does)."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_RENAME)
    name = validation.name(request.query()["name"])
    if name == container.name:
        raise exception.Conflict(
            reason=f"The container is already named {name}.")
    lifecycle.check("rename", container)
    container = request.conductor.rename(request.context, container, name)
    return util.respond(views.container(request, container))


@util.spec(status=202, query=schemas.REBUILD_QUERY, errors=(404, 409))
def rebuild(request, container_ident):
    """Make the container's Docker container anew (from ?image=, if
    given): same uuid, name, volumes and limits; it runs again if it ran.
    """
    container = util.container(request, container_ident,
                               policy.CONTAINER_REBUILD)
    params = request.query()
    image = params.get("image")
    if image is not None:
        validation.image(image)
        if container.registry_id is not None:
            registry = objects.Registry.get(
                request.context, container.registry_id, all_projects=True)
            image = validation.image_on(image, registry.domain)
        validation.image_host(request.conf, image)
    lifecycle.check("rebuild", container)
    intent.send(request.context, request.conductor, container, "rebuild",
                mark="rebuild", image=image,
                run=container.status == lifecycle.RUNNING)
    return util.respond(status=202)


@util.spec(status=202, query=schemas.COMMIT_QUERY, returns=answers.COMMIT,
           errors=(404, 409))
def commit(request, container_ident):
    """Make an image from a container: ?repository=&tag=."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_COMMIT)
    params = request.query()
    # Into the project's own namespace: a commit never changes what
    # another project's reference means (docs/security.md).
    repository, tag = image_ref.committed(
        request.conf.docker.commit_namespace, container.project_id,
        params["repository"], params.get("tag"))
    lifecycle.check("commit", container)
    image = request.conductor.commit(request.context, container,
                                     repository, tag)
    # The uuid of its row in /v1/images, which an image delete takes.
    return util.respond({"uuid": views.image_uuid(
        container.host, image["uuid"], repository, tag or "latest")},
        status=202)


@util.spec(query=schemas.LOGS_QUERY, returns=answers.LOGS,
           errors=(404, 409))
def logs(request, container_ident):
    """A container's logs, as one JSON string: the newest [api]
    max_output_bytes of them (a header says when they were cut)."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_LOGS)
    params = request.query()
    options = {
        "stdout": validation.flag(params.get("stdout"), True),
        "stderr": validation.flag(params.get("stderr"), True),
        "tail": validation.tail(params.get("tail")),
        "since": validation.since(params.get("since")),
        "timestamps": validation.flag(params.get("timestamps")),
    }
    if not (options["stdout"] or options["stderr"]):
        # As python-zunclient does: asking for neither means both.
        options["stdout"] = options["stderr"] = True
    lifecycle.check("logs", container)
    answer = request.conductor.logs(request.context, container,
                                    with_cut=True, **options)
    return _output(answer["output"], answer["cut"])


@util.spec(query=schemas.EXECUTE_QUERY, body=schemas.EXECUTE_BODY,
           body_required=False, returns=answers.EXECUTE,
           errors=(404, 409, 504))
def execute(request, container_ident):
    """Run a command in a running container: its output (the newest
    [api] max_output_bytes; a header says when it was cut) and exit code.
    command, run and interactive come in the query or a JSON body.
    """
    container = util.container(request, container_ident,
                               policy.CONTAINER_EXECUTE)
    # As Zun's framework, which hands a handler both as one set of
    # parameters, the query's first.
    params = dict(request.json_or_none(), **request.query())
    if "command" not in params:
        raise exception.Invalid(
            reason="'command' is required, in the query or the body.")
    if validation.flag(params.get("interactive")):
        return interactive.execute_interactive(request, container,
                                               params["command"])
    run = validation.flag(params.get("run"), True)
    lifecycle.check("execute", container)
    result = request.conductor.execute(request.context, container,
                                       params["command"], run=run)
    # The body keeps Zun's shape; "cut" (RPC 1.5) travels as a header.
    cut = result.pop("cut", None)
    return _output(result.pop("output"), cut, result)


def _output(output, cut, rest=None, key="output"):
    """200 with the output's text as a JSON string, or as the `key` of
    an object with `rest`'s other keys. Text the conductor sends in
    pieces is streamed as they come: the API holds one piece at a time,
    and the body's bytes are the same as if it had come whole."""
    headers = {answers.OUTPUT_CUT: str(cut)} if cut is not None else {}
    if output is None or isinstance(output, str):
        return util.respond(output if rest is None else
                            {key: output, **rest}, headers=headers)
    response = webob.Response(app_iter=_json_text(output, rest, key),
                              content_type="application/json")
    response.headers.update(headers)
    return response


def _json_text(pieces, rest, key):
    if rest is not None:
        yield b"{" + json.dumps(key).encode() + b":"
    yield b'"'
    for piece in pieces:
        # Each character is escaped on its own: the pieces' escapes,
        # put together, are the whole text's.
        yield json.dumps(piece).encode()[1:-1]
    yield b'"'
    if rest:
        yield b"," + json.dumps(rest, separators=(",", ":")).encode()[1:]
    elif rest is not None:
        yield b"}"


@util.spec(query=schemas.TOP_QUERY, returns=answers.TOP,
           errors=(404, 409))
def top(request, container_ident):
    """The processes of a container: {"Titles": [...], "Processes": [...]}.
    """
    container = util.container(request, container_ident,
                               policy.CONTAINER_TOP)
    ps_args = request.query().get("ps_args")
    lifecycle.check("top", container)
    return util.respond(request.conductor.top(request.context, container,
                                              ps_args=ps_args))


@util.spec(returns=answers.STATS, errors=(404, 409))
def stats(request, container_ident):
    """A snapshot of a container's resource usage."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_STATS)
    lifecycle.check("stats", container)
    summary = request.conductor.stats(request.context, container)
    return util.respond(views.stats(container, summary))


def _raw_archives(request):
    """Before 1.25 Zun carries a tar's bytes as the JSON text itself (its
    clients decoded them as UTF-8); from 1.25, as base64."""
    return request.version < microversion.ARCHIVE_IS_BASE64


@util.spec(query=schemas.ARCHIVE_QUERY, returns=answers.ARCHIVE,
           errors=(404, 406, 409, 413))
def get_archive(request, container_ident):
    """A tar of ?path= in the container: {"data": ..., "stat": {...}},
    data in base64 (before 1.25, the tar's bytes as UTF-8 text: 406 when
    they are not); 413 when the tar is over [api] max_output_bytes.
    Data the conductor sends in pieces is streamed, as logs are."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_GET_ARCHIVE)
    path = request.query()["path"]
    lifecycle.check("get_archive", container)
    archive = request.conductor.get_archive(
        request.context, container, path, as_text=_raw_archives(request))
    return _output(archive["data"], None, {"stat": archive["stat"]},
                   key="data")


@util.spec(query=schemas.ARCHIVE_QUERY, body=schemas.put_archive,
           errors=(404, 409))
def put_archive(request, container_ident):
    """Unpack a tar ({"data": base64}; before 1.25, the tar's bytes as
    UTF-8 text) into ?path= in the container."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_PUT_ARCHIVE)
    path = request.query()["path"]
    data = request.json()["data"]
    if _raw_archives(request):
        data = validation.archive_from_text(data)
    else:
        data = validation.base64_data(data)
    lifecycle.check("put_archive", container)
    request.conductor.put_archive(request.context, container, path, data)
    return util.respond(status=200)

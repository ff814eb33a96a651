"""Interactive sessions: attach, exec --interactive and TTY sizes. The
answer names a websocket URL at the proxy of the container's conductor
(magnum_lite/conductor/wsproxy.py), which the client opens itself."""
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import policy


@util.spec(returns=answers.ATTACH_URL, errors=(404, 409))
def attach(request, container_ident):
    """A URL that joins the running container's stdin and output once,
    within [websocket_proxy] token_ttl seconds."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_ATTACH)
    lifecycle.check("attach", container)
    if not container.interactive:
        # Its stdin was never opened: an attach would only wait for it to
        # exit (Zun's client shows nothing until then).
        raise exception.Conflict(
            reason=f"Container {container.uuid} was not created "
                   "interactive, so it has no stdin to attach to; run a "
                   "shell in it with `openstack appcontainer exec "
                   "--interactive <container> sh`.")
    return util.respond(request.conductor.attach(request.context,
                                                 container))


def execute_interactive(request, container, command):
    """exec --interactive: an exec with a TTY, and the URL that opens it."""
    lifecycle.check("execute", container)
    return util.respond(request.conductor.execute(
        request.context, container, command, run=False, interactive=True))


def _size(params):
    return int(params["h"]), int(params["w"])


@util.spec(query=schemas.RESIZE_QUERY, errors=(404, 409))
def resize(request, container_ident):
    """Set the size (?h= rows, ?w= columns) of the container's TTY."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_RESIZE)
    if not container.tty:
        raise exception.Conflict(
            reason=f"Container {container.uuid} has no TTY to resize.")
    lifecycle.check("resize", container)
    height, width = _size(request.query())
    request.conductor.resize(request.context, container, height, width)
    return util.respond(status=200)


@util.spec(query=schemas.EXECUTE_RESIZE_QUERY, errors=(404, 409))
def execute_resize(request, container_ident):
    """Set the size of an interactive exec's TTY."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_EXECUTE_RESIZE)
    lifecycle.check("execute_resize", container)
    params = request.query()
    height, width = _size(params)
    request.conductor.execute_resize(request.context, container,
                                     params["exec_id"], height, width)
    return util.respond(status=200)

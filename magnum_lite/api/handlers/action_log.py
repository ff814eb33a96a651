"""/v1/containers/{ident}/container_actions: what was asked of a container,
by whom, and how it ended (newest first)."""
from magnum_lite.api import answers
from magnum_lite.api import util
from magnum_lite.api import views
from magnum_lite import objects
from magnum_lite import policy


@util.spec(returns=answers.ACTION_LIST, errors=(404, 409))
def list_actions(request, container_ident):
    """The actions asked of a container: {"containerActions": [...]}."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_ACTIONS, on_lost_host=True)
    actions = objects.ContainerAction.list_for(request.context,
                                               container.uuid)
    return util.respond({"containerActions": [
        views.action(request, action) for action in actions]})


@util.spec(returns=answers.ACTION_DETAIL, errors=(404, 409))
def show(request, container_ident, request_id):
    """One action, by the id of the request that asked for it, with its
    events."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_ACTIONS, on_lost_host=True)
    action = objects.ContainerAction.get(request.context, container.uuid,
                                         request_id)
    return util.respond(views.action(request, action, detail=True))

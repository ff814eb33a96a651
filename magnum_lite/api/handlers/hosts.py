"""/v1/hosts: the Docker hosts behind the service, one per conductor."""
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import policy


def _idents(service):
    return (views.host_uuid(service), service.host)


@util.spec(query=schemas.PAGE_QUERY, returns=answers.HOST_LIST)
def list_hosts(request):
    """Every Docker host: what its engine reports, and what is given out of
    it."""
    request.authorize(policy.HOST_GET_ALL)
    params = request.query()
    services, next_page = util.page_in_memory(
        request, "hosts", request.services(), params,
        _idents)
    body = {"hosts": [views.host(request, service) for service in services]}
    if next_page:
        body["next"] = next_page
    return util.respond(body)


@util.spec(returns=answers.HOST, errors=(404,))
def show(request, host_ident):
    """One host, by its uuid or its name."""
    request.authorize(policy.HOST_GET)
    for service in request.services():
        if host_ident in _idents(service):
            return util.respond(views.host(request, service))
    raise exception.HostNotFound(host=host_ident)

"""/v1/hosts: the Docker hosts behind the service, one per conductor."""
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy


def _idents(service):
    return (views.host_uuid(service), service.host)


@util.spec(query=schemas.PAGE_QUERY, returns=schemas.ANY_OBJECT)
def list_hosts(request):
    """Every Docker host with what its engine reports."""
    request.authorize(policy.HOST_GET_ALL)
    params = request.query()
    services, next_page = util.page(
        request, "hosts", objects.Service.list(request.context), params,
        _idents)
    counts = objects.ContainerList.count_by_host(request.context)
    body = {"hosts": [views.host(request, service,
                                 counts.get(service.host, 0))
                      for service in services]}
    if next_page:
        body["next"] = next_page
    return util.respond(body)


@util.spec(returns=schemas.ANY_OBJECT)
def show(request, host_ident):
    """One host, by its uuid or its name."""
    request.authorize(policy.HOST_GET)
    for service in objects.Service.list(request.context):
        if host_ident in _idents(service):
            counts = objects.ContainerList.count_by_host(request.context)
            return util.respond(views.host(request, service,
                                           counts.get(service.host, 0)))
    raise exception.HostNotFound(host=host_ident)

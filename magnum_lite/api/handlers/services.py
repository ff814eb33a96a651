"""/v1/services: the conductors, each up or down by its heartbeat."""
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy


def _view(request, service):
    return views.service(service, service.is_up(
        request.conf.conductor.service_down_time))


@util.spec(query=schemas.PAGE_QUERY, returns=schemas.SERVICE_LIST)
def list_services(request):
    """Every conductor service, up or down: {"services": [...]}."""
    request.authorize(policy.SERVICE_GET_ALL)
    params = request.query()
    services, next_page = util.page(
        request, "services", objects.Service.list(request.context), params,
        lambda service: (str(service.id), service.host))
    body = {"services": [_view(request, service) for service in services]}
    if next_page:
        body["next"] = next_page
    return util.respond(body)


@util.spec(returns=schemas.SERVICE_SHOW, errors=(404,))
def show(request, service_id):
    """One conductor service, by its id."""
    request.authorize(policy.SERVICE_GET)
    for service in objects.Service.list(request.context):
        if str(service.id) == service_id:
            return util.respond({"service": _view(request, service)})
    raise exception.NotFound(f"Service {service_id} could not be found.")

"""/v1/services: the conductors, each up or down by its heartbeat; an
operator enables, disables, forces down or deletes one (as Zun's
zun-compute services)."""
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy


def _view(request, service):
    return views.service(service, request.losses().get(service.host),
                         request.conf.default_availability_zone)


@util.spec(query=schemas.PAGE_QUERY, returns=answers.SERVICE_LIST)
def list_services(request):
    """Every conductor service, up or down: {"services": [...]}."""
    request.authorize(policy.SERVICE_GET_ALL)
    params = request.query()
    services, next_page = util.page_in_memory(
        request, "services", request.services(), params,
        lambda service: (str(service.id), service.host))
    body = {"services": [_view(request, service) for service in services]}
    if next_page:
        body["next"] = next_page
    return util.respond(body)


@util.spec(returns=answers.SERVICE_SHOW, errors=(404,))
def show(request, service_id):
    """One conductor service, by its id."""
    request.authorize(policy.SERVICE_GET)
    for service in request.services():
        if str(service.id) == service_id:
            return util.respond({"service": _view(request, service)})
    raise exception.NotFound(f"Service {service_id} could not be found.")


def _named(request, rule):
    request.authorize(rule)
    return request.query()


def _changed(request, params, **values):
    service = objects.Service.update(request.context, params["host"],
                                     values)
    body = {"host": service.host, "binary": params["binary"]}
    body.update({name: getattr(service, name) for name in values})
    return util.respond({"service": body})


@util.spec(query=schemas.SERVICE_ENABLE_QUERY,
           returns=answers.SERVICE_CHANGED, errors=(404,))
def enable(request):
    """Let placement send new containers to the host again."""
    params = _named(request, policy.SERVICE_UPDATE)
    return _changed(request, params, disabled=False, disabled_reason=None)


@util.spec(query=schemas.SERVICE_DISABLE_QUERY,
           returns=answers.SERVICE_CHANGED, errors=(404,))
def disable(request):
    """No new containers for the host; what runs there runs on."""
    params = _named(request, policy.SERVICE_UPDATE)
    return _changed(request, params, disabled=True,
                    disabled_reason=params.get("disabled_reason"))


@util.spec(query=schemas.SERVICE_FORCE_DOWN_QUERY,
           returns=answers.SERVICE_CHANGED, errors=(404,))
def force_down(request):
    """Count the host as down (or not) whatever its heartbeat says."""
    params = _named(request, policy.SERVICE_UPDATE)
    return _changed(request, params, forced_down=validation.flag(
        params["forced_down"]))


@util.spec(status=204, query=schemas.SERVICE_DELETE_QUERY,
           errors=(404, 409))
def delete(request):
    """Forget a host's conductor; refused while containers are placed
    there (a conductor still running reports itself back)."""
    params = _named(request, policy.SERVICE_DELETE)
    objects.Service.delete(params["host"])
    return util.respond(status=204)

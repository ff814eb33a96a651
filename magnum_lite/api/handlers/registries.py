"""/v1/registries: a project's private registries (Zun's API from
microversion 1.30); a create naming one pulls with its login."""
from magnum_lite.api import answers
from magnum_lite.api import microversion
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy
from magnum_lite import secret


def _served(request):
    if request.version < microversion.REGISTRIES:
        raise exception.NotFound(
            "Registries are served from microversion "
            f"{microversion.REGISTRIES}.")


def _found(request, ident, rule):
    """The registry named by uuid or name, if the caller may touch it:
    another project's is not found (an admin finds anyone's)."""
    registry = objects.Registry.get(request.context, ident,
                                    all_projects=True)
    request.authorize(rule, {"project_id": registry.project_id,
                             "user_id": registry.user_id})
    return registry


def _one(request, registry, status=200, headers=None):
    return util.respond({"registry": views.registry(request, registry)},
                        status=status, headers=headers)


@util.spec(query=schemas.REGISTRY_LIST_QUERY, returns=answers.REGISTRY_LIST,
           errors=(404,))
def list_registries(request):
    """The project's registries (an admin's ?all_projects=true: all)."""
    _served(request)
    request.authorize(policy.REGISTRY_GET_ALL)
    params = request.query()
    all_projects = validation.flag(params.pop("all_projects", None))
    if all_projects:
        request.authorize(policy.REGISTRY_GET_ALL_ALL_PROJECTS)
    limit, marker, sort = util.page_query(request, params)
    if marker is not None:
        _found(request, marker, policy.REGISTRY_GET_ONE)
    rows = objects.Registry.list(request.context, params, limit + 1, marker,
                                 *sort, all_projects=all_projects)
    return util.respond(util.page_of_rows(request, "registries", rows, limit,
                                          views.registry))


@util.spec(returns=answers.REGISTRY_ONE, errors=(404, 409))
def show(request, registry_ident):
    """One registry, by uuid or name; its password shows as ***."""
    _served(request)
    return _one(request, _found(request, registry_ident,
                                policy.REGISTRY_GET_ONE))


@util.spec(status=201, body=schemas.REGISTRY_CREATE,
           returns=answers.REGISTRY_ONE, errors=(404,))
def create(request):
    """Record a registry of the caller's project."""
    _served(request)
    request.authorize(policy.REGISTRY_CREATE)
    fields = _fields(request)
    context = request.context
    registry = objects.Registry(context, project_id=context.project_id,
                                user_id=context.user_id, **fields)
    registry.create()
    return _one(request, registry, status=201, headers={
        "Location": request.link("v1", "registries", registry.uuid)})


@util.spec(body=schemas.REGISTRY_UPDATE, returns=answers.REGISTRY_ONE,
           errors=(404, 409))
def update(request, registry_ident):
    """Change a registry's name, domain or login."""
    _served(request)
    registry = _found(request, registry_ident, policy.REGISTRY_UPDATE)
    for name, value in _fields(request).items():
        setattr(registry, name, value)
    registry.save()
    return _one(request, registry)


@util.spec(status=204, errors=(404, 409))
def delete(request, registry_ident):
    """Forget a registry. Containers that named it keep running; a pull
    for them after this goes without its login."""
    _served(request)
    _found(request, registry_ident, policy.REGISTRY_DELETE).destroy()
    return util.respond(status=204)


def _fields(request):
    fields = dict(request.json()["registry"])
    if "domain" in fields:
        # A pull or a search connects there: refused before it is kept.
        validation.registry_host(request.conf, fields["domain"])
    if "password" in fields:
        fields["password"] = secret.encrypt(request.conf,
                                            fields["password"])
    return fields

"""/v1/quotas and /v1/quota_classes: what a project may claim, as Zun's
quota API (microversion 1.26) has it."""
from magnum_lite.api import microversion
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy


def _served(request):
    if request.version < microversion.QUOTAS:
        raise exception.NotFound(
            f"Quotas are served from microversion {microversion.QUOTAS}.")


def _own(request, project_id):
    """The target of a quota rule: the project whose quota it is."""
    return {"project_id": project_id, "user_id": None}


def _limits(request):
    return {name: int(value) for name, value in request.json().items()}


@util.spec(query=schemas.QUOTA_QUERY, returns=answers.QUOTA_SHOW,
           errors=(404,))
def show(request, project_id):
    """A project's limits; with ?usages=true, each with what is in use."""
    _served(request)
    request.authorize(policy.QUOTA_GET, _own(request, project_id))
    limits = objects.quota.limits(request.conf, project_id)
    if not validation.flag(request.query().get("usages")):
        return util.respond(limits)
    used = objects.quota.usage(project_id)
    return util.respond({name: {"limit": limit, "in_use": used[name]}
                         for name, limit in limits.items()})


@util.spec(returns=answers.QUOTA, errors=(404,))
def defaults(request, project_id):
    """The limits a project has when none are set for it."""
    _served(request)
    request.authorize(policy.QUOTA_GET_DEFAULT, _own(request, project_id))
    return util.respond(objects.quota.class_limits(request.conf))


@util.spec(body=schemas.QUOTA_SET, returns=answers.QUOTA, errors=(404,))
def update(request, project_id):
    """Set some of a project's limits; its limits after."""
    _served(request)
    request.authorize(policy.QUOTA_UPDATE, _own(request, project_id))
    objects.quota.set_limits(project_id, _limits(request))
    return util.respond(objects.quota.limits(request.conf, project_id))


@util.spec(status=204, errors=(404,))
def delete(request, project_id):
    """Forget a project's own limits: its class's hold again."""
    _served(request)
    request.authorize(policy.QUOTA_DELETE, _own(request, project_id))
    objects.quota.delete(project_id)
    return util.respond(status=204)


@util.spec(returns=answers.QUOTA, errors=(404,))
def show_class(request, quota_class_name):
    """A quota class's limits ("default" holds for every project)."""
    _served(request)
    request.authorize(policy.QUOTA_CLASS_GET)
    return util.respond(objects.quota.class_limits(request.conf,
                                                   quota_class_name))


@util.spec(body=schemas.QUOTA_SET, returns=answers.QUOTA, errors=(404,))
def update_class(request, quota_class_name):
    """Set some of a quota class's limits; its limits after."""
    _served(request)
    request.authorize(policy.QUOTA_CLASS_UPDATE)
    objects.quota.set_class_limits(quota_class_name, _limits(request))
    return util.respond(objects.quota.class_limits(request.conf,
                                                   quota_class_name))

"""/v1/capsules: Zun's pods of containers that share a sandbox's network
and IPC namespaces: list, show, create from a template, delete."""
from magnum_lite import intent
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import template
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite.objects import container as container_obj
from magnum_lite import policy


@util.spec(query=schemas.CAPSULE_QUERY, returns=answers.CAPSULE_LIST)
def list_capsules(request):
    """List capsules a page at a time, each with its containers."""
    request.authorize(policy.CAPSULE_GET_ALL)
    params = request.query()
    context = request.context
    if validation.flag(params.pop("all_projects", None)):
        request.authorize(policy.CAPSULE_GET_ALL_ALL_PROJECTS)
        context.all_projects = True
    limit, marker, sort = util.page_query(request, params)
    rows = objects.ContainerList.list(context, {}, limit + 1, marker, *sort,
                                      kind=container_obj.KIND_CAPSULE)
    members = objects.ContainerList.members_of(
        context, [row.uuid for row in rows[:limit]])
    return util.respond(util.page_of_rows(
        request, "capsules", rows, limit,
        lambda request, c: views.capsule(request, c,
                                         members.get(c.uuid, []))))


@util.spec(query=schemas.CONTAINER_SHOW_QUERY, returns=answers.CAPSULE,
           errors=(404,))
def show(request, capsule_ident):
    """Show a capsule, by uuid or by name."""
    if validation.flag(request.query().get("all_projects")):
        request.authorize(policy.CAPSULE_GET_ONE_ALL_PROJECTS)
    found = _capsule(request, capsule_ident, policy.CAPSULE_GET)
    return util.respond(views.capsule(
        request, found, objects.ContainerList.members(request.context,
                                                      found.uuid)))


@util.spec(status=202, body=template.CAPSULE_CREATE, returns=answers.CAPSULE,
           errors=(409,))
def create(request):
    """Record a capsule and its containers, placed together on one host,
    and ask that host's conductor to build and start them."""
    request.authorize(policy.CAPSULE_CREATE)
    conf = request.conf
    parsed = template.parse(request.json()["template"], conf)
    if any(values["image_pull_policy"] for _, values, _ in parsed.members):
        request.authorize(policy.CONTAINER_CREATE_IMAGE_PULL_POLICY)
    if parsed.zone not in (None, conf.default_availability_zone):
        raise exception.InvalidParameter(
            reason=f"No availability zone is named {parsed.zone!r}; the "
                   f"one zone is {conf.default_availability_zone!r}.")
    memory, cpu = template.claim(conf, parsed.members)
    values = dict(parsed.values, kind=container_obj.KIND_CAPSULE,
                  image=conf.capsule.sandbox_image,
                  command=conf.capsule.sandbox_command or None,
                  memory=memory, cpu=cpu)
    try:
        capsule = intent.create(request.context, conf, request.conductor,
                                values, run=True, members=parsed.members)
    except exception.ContainerNameExists as error:
        # Capsules, their containers and the project's containers share
        # one namespace of names.
        raise exception.Conflict(
            reason=f"The name {error.kwargs.get('name')} is taken in this "
                   "project (by a container, a capsule or a capsule's "
                   "container, which is named <capsule>-<its name>).") \
            from None
    return util.respond(
        views.capsule(request, capsule, objects.ContainerList.members(
            request.context, capsule.uuid)),
        status=202, headers={"Location": request.link("v1", "capsules",
                                                      capsule.uuid)})


@util.spec(status=204, query=schemas.CAPSULE_DELETE_QUERY,
           errors=(404, 409))
def delete(request, capsule_ident):
    """Delete a capsule: its containers, then its sandbox."""
    if validation.flag(request.query().get("all_projects")):
        request.authorize(policy.CAPSULE_DELETE_ALL_PROJECTS)
    found = _capsule(request, capsule_ident, policy.CAPSULE_DELETE)
    if util.lost(request, found) is not None:
        # As for a container: the record goes now, and the host's
        # reconcile pass removes what it finds without one when back.
        found.destroy()
        return util.respond(status=204)
    if found.task_state == lifecycle.PENDING_DELETE:
        return util.respond(status=204)  # asked already
    intent.send(request.context, request.conductor, found, "delete",
                mark=lifecycle.PENDING_DELETE, force=True, stop=False)
    return util.respond(status=204)


def _capsule(request, ident, rule):
    """The capsule named by uuid or name, if the caller may see it
    (another project's is not found, never forbidden)."""
    try:
        found = objects.Container.get(request.context, ident)
    except exception.ContainerNotFound:
        found = None
    if found is None or found.kind != container_obj.KIND_CAPSULE:
        raise exception.CapsuleNotFound(capsule=ident)
    request.authorize(rule, {"project_id": found.project_id,
                             "user_id": found.user_id})
    return found

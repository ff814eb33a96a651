"""/v1/containers: list, show, create, update (PATCH) and delete."""
from magnum_lite import intent
from magnum_lite.api import answers
from magnum_lite.api import mounts as ml_mounts
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import policy

# A client that retries a create sends the same key and gets one container.
IDEMPOTENCY_HEADER = "Idempotency-Key"
# What a create may ask only with a rule of its own.
_CREATE_RULES = (
    ("host", policy.CONTAINER_CREATE_HOST),
    ("image_pull_policy", policy.CONTAINER_CREATE_IMAGE_PULL_POLICY),
    ("privileged", policy.CONTAINER_CREATE_PRIVILEGED),
    ("runtime", policy.CONTAINER_CREATE_RUNTIME))


@util.spec(query=schemas.CONTAINER_LIST_QUERY,
           returns=answers.CONTAINER_LIST)
def list_containers(request):
    """List containers a page at a time; `next` links to the next page."""
    request.authorize(policy.CONTAINER_GET_ALL)
    params = request.query()
    context = request.context
    if validation.flag(params.pop("all_projects", None)):
        request.authorize(policy.CONTAINER_GET_ALL_ALL_PROJECTS)
        context.all_projects = True
    limit, marker, sort = util.page_query(request, params)
    if "memory" in params:
        params["memory"] = int(params["memory"].rstrip("mM"))
    if "auto_remove" in params:
        params["auto_remove"] = validation.flag(params["auto_remove"])
    wanted_project = params.get("project_id", context.project_id)
    if wanted_project != context.project_id and not context.is_admin:
        rows = []  # a tenant sees no other project, even by filter
    else:
        # One row past the page tells whether there is a next page.
        rows = objects.ContainerList.list(context, params, limit + 1,
                                          marker, *sort)
    return util.respond(util.page_of_rows(request, "containers", rows, limit,
                                          views.container))


@util.spec(query=schemas.CONTAINER_SHOW_QUERY, returns=answers.CONTAINER,
           errors=(404, 409))
def show(request, container_ident):
    """Show a container, by uuid or by name."""
    if validation.flag(request.query().get("all_projects")):
        request.authorize(policy.CONTAINER_GET_ONE_ALL_PROJECTS)
    container = util.container(request, container_ident,
                               policy.CONTAINER_GET_ONE, on_lost_host=True)
    return util.respond(views.container(request, container))


@util.spec(status=202, query=schemas.CONTAINER_CREATE_QUERY,
           body=schemas.container_create, returns=answers.CONTAINER,
           errors=(404, 409))
def create(request):
    """Record a new container and ask a conductor to build it (and start
    it with ?run=true); the record says how that goes."""
    request.authorize(policy.CONTAINER_CREATE)
    body = request.json()
    for field, rule in _CREATE_RULES:
        if body.get(field) not in (None, False):
            request.authorize(rule)
    values = _values(request, body)
    volumes, files = ml_mounts.parse(body.get("mounts"),
                                     request.conf.api.max_injected_file_bytes)
    container = intent.create(
        request.context, request.conf, request.conductor, values,
        run=validation.flag(request.query().get("run")),
        hints=body.get("hints"), host=body.get("host"), volumes=volumes,
        files=files)
    location = request.link("v1", "containers", container.uuid)
    return util.respond(views.container(request, container), status=202,
                        headers={"Location": location})


def _values(request, body):
    """The record's fields from a create body (already schema-valid)."""
    zone = body.get("availability_zone")
    if zone not in (None, request.conf.default_availability_zone):
        raise exception.InvalidParameter(
            reason=f"No availability zone is named {zone!r}; the one zone "
                   f"is {request.conf.default_availability_zone!r}.")
    auto_remove = bool(body.get("auto_remove"))
    values = {
        "name": validation.name(body.get("name")),
        "image": validation.image(body["image"]),
        "command": validation.command(body.get("command")),
        "cpu": validation.cpu(body.get("cpu")),
        "memory": validation.memory_mb(
            body.get("memory"), request.conf.api.max_container_memory_mb),
        "environment": body.get("environment") or {},
        "labels": body.get("labels") or {},
        "workdir": body.get("workdir"),
        "hostname": body.get("hostname"),
        "restart_policy": validation.restart_policy(
            body.get("restart_policy"), auto_remove),
        "image_pull_policy": body.get("image_pull_policy"),
        "auto_remove": auto_remove,
        "entrypoint": body.get("entrypoint") or None,
        "privileged": bool(body.get("privileged")),
        "runtime": body.get("runtime"),
        "healthcheck": validation.healthcheck(body.get("healthcheck")),
        "auto_heal": bool(body.get("auto_heal")),
        "interactive": bool(body.get("interactive")),
        # Before 1.36 there is no tty field, and interactive brings one,
        # as in Zun.
        "tty": bool(body.get("tty", body.get("interactive"))),
        "idempotency_key": validation.idempotency_key(
            request.headers.get(IDEMPOTENCY_HEADER)),
    }
    if body.get("registry") is not None:
        # One of the caller's project's registries, never another's; an
        # image named without a registry is pulled from it.
        registry = objects.Registry.get(request.context, body["registry"])
        values["registry_id"] = registry.uuid
        values["image"] = validation.image_on(values["image"],
                                              registry.domain)
    # The registry the image is pulled from (the record's, or the one it
    # names) must be one the engine may reach: refused before any record.
    validation.image_host(request.conf, values["image"])
    return values


@util.spec(body=schemas.CONTAINER_UPDATE, returns=answers.CONTAINER,
           errors=(404, 409))
def update(request, container_ident):
    """Rename a container, change its memory and CPU (live) or whether
    the conductor heals it (auto_heal)."""
    container = util.container(request, container_ident,
                               policy.CONTAINER_UPDATE)
    body = request.json()
    name = validation.name(body.get("name"))
    limits = {key: value for key, value in (
        ("memory", validation.memory_mb(
            body.get("memory"), request.conf.api.max_container_memory_mb)),
        ("cpu", validation.cpu(body.get("cpu")))) if value is not None}
    rename = name is not None and name != container.name
    if rename:
        lifecycle.check("rename", container)
    if limits:
        lifecycle.check("update", container)
    if body.get("auto_heal") is not None:
        # A field of the record alone, which the conductor reads when the
        # container turns unhealthy or vanishes.
        container.auto_heal = body["auto_heal"]
        container.save()
    if rename:
        container = request.conductor.rename(request.context, container,
                                             name)
    if limits:
        container = intent.resize(request.context, request.conf,
                                  request.conductor, container, limits)
    return util.respond(views.container(request, container))


@util.spec(status=204, query=schemas.CONTAINER_DELETE_QUERY,
           errors=(404, 409))
def delete(request, container_ident):
    """Delete a container: with stop=true a running one is stopped first,
    with force=true (admin) whatever its status."""
    params = request.query()
    force = validation.flag(params.get("force"))
    stop = validation.flag(params.get("stop"))
    if validation.flag(params.get("all_projects")):
        request.authorize(policy.CONTAINER_DELETE_ALL_PROJECTS)
    container = util.container(request, container_ident,
                               policy.CONTAINER_DELETE, on_lost_host=True)
    if force:
        request.authorize(policy.CONTAINER_DELETE_FORCE,
                          {"project_id": container.project_id,
                           "user_id": container.user_id})
    if util.lost(request, container) is not None:
        # Nobody can ask its engine now: the record and its claims go at
        # once, and the host's reconcile pass removes the Docker container
        # it finds without a record when it is back.
        container.destroy()
        return util.respond(status=204)
    lifecycle.check("delete_force" if force else
                    "delete_stop" if stop else "delete", container)
    # Marked before it is sent: should the conductor lose the message (it
    # acknowledges on receipt), its reconcile pass finishes the delete.
    intent.send(request.context, request.conductor, container, "delete",
                mark=lifecycle.PENDING_DELETE, force=force, stop=stop)
    return util.respond(status=204)

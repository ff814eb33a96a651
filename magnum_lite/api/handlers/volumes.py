"""/v1/volumes: a project's named volumes, which creates make and
containers mount; listed, shown and removed here (Zun has no such API:
its volumes are Cinder's)."""
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import policy


def _found(request, ident, rule):
    """The volume named by uuid or name, if the caller may touch it:
    another project's is not found (an admin finds anyone's with
    ?all_projects=true)."""
    all_projects = validation.flag(request.query().get("all_projects"))
    volume = objects.Volume.get(request.context, ident,
                                all_projects=all_projects)
    request.authorize(rule, {"project_id": volume.project_id,
                             "user_id": volume.user_id})
    return volume


@util.spec(query=schemas.VOLUME_LIST_QUERY, returns=answers.VOLUME_LIST,
           errors=(404,))
def list_volumes(request):
    """The project's volumes (an admin's ?all_projects=true: all)."""
    request.authorize(policy.VOLUME_GET_ALL)
    params = request.query()
    all_projects = validation.flag(params.pop("all_projects", None))
    if all_projects:
        request.authorize(policy.VOLUME_GET_ALL_ALL_PROJECTS)
    limit, marker, sort = util.page_query(request, params)
    rows = objects.Volume.list(request.context, params, limit + 1, marker,
                               *sort, all_projects=all_projects)
    return util.respond(util.page_of_rows(request, "volumes", rows, limit,
                                          views.volume))


@util.spec(query=schemas.VOLUME_SHOW_QUERY, returns=answers.VOLUME,
           errors=(404, 409))
def show(request, volume_ident):
    """One volume, by uuid or name, with the containers that mount it."""
    volume = _found(request, volume_ident, policy.VOLUME_GET_ONE)
    return util.respond(views.volume(request, volume,
                                     mounted_by=volume.users()))


@util.spec(status=204, query=schemas.VOLUME_SHOW_QUERY, errors=(404, 409))
def delete(request, volume_ident):
    """Remove a volume and its data from its host: 409 while a container
    mounts it (delete those first) or while its host is lost."""
    volume = _found(request, volume_ident, policy.VOLUME_DELETE)
    users = volume.users()
    if users:
        raise exception.Conflict(
            reason=f"Volume {volume.name} is mounted by "
                   f"{len(users)} container(s) ({', '.join(users[:5])}); "
                   "delete them first.")
    loss = request.losses().get(volume.host)
    if loss is not None:
        raise exception.HostLost(reason=loss.reason + ".")
    # Docker's first, then the record: should the engine fail, the
    # record stays and the delete can be asked again.
    request.conductor.volume_delete(request.context, volume.host,
                                    volume.docker_name)
    volume.destroy()
    return util.respond(status=204)

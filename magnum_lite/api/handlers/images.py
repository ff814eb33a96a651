"""/v1/images: the images on the Docker hosts."""

from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.api import views
from magnum_lite import exception
from magnum_lite import policy

# Images have no record of their own; this uuid is stable for host + id.


def _rows(request):
    """Every image of every live host, one row a tag."""
    rows = []
    for service in request.services():
        if service.host in request.losses():
            continue
        for image in request.conductor.images(request.context,
                                              service.host):
            for repo_tag in image["repo_tags"] or ["<none>:<none>"]:
                repo, _, tag = repo_tag.rpartition(":")
                rows.append(_Row(service.host, image, repo, tag))
    return rows


def _found(request, image_id):
    for row in _rows(request):
        if row.uuid == image_id:
            return row
    raise exception.NotFound(f"Image {image_id} could not be found on a "
                             "live host.")


@util.spec(query=schemas.PAGE_QUERY, returns=answers.IMAGE_LIST)
def list_images(request):
    """The images every live conductor's engine holds, one row a tag."""
    request.authorize(policy.IMAGE_GET_ALL)
    params = request.query()
    page, next_page = util.page_in_memory(
        request, "images", _rows(request), params, lambda row: (row.uuid,))
    body = {"images": [row.view(request) for row in page]}
    if next_page:
        body["next"] = next_page
    return util.respond(body)


@util.spec(returns=answers.IMAGE_ROW, errors=(404,))
def show(request, image_id):
    """One image on one host, by the uuid the list gives it."""
    request.authorize(policy.IMAGE_GET_ONE)
    return util.respond(_found(request, image_id).view(request))


@util.spec(status=201, body=schemas.IMAGE_PULL, returns=answers.IMAGE_ROW,
           errors=(404, 409))
def pull(request):
    """Pull an image onto a host, as `image pull <image> <host>` asks;
    answered when it is there (within [conductor] call_timeout), with
    the image as the list shows it."""
    request.authorize(policy.IMAGE_PULL)
    body = request.json()
    repo = validation.image_host(request.conf, body["repo"])
    host = body["host"]
    if host not in {s.host for s in request.services()}:
        raise exception.HostNotFound(host=host)
    loss = request.losses().get(host)
    if loss is not None:
        raise exception.HostLost(reason=loss.reason + ".")
    image = request.conductor.image_pull(request.context, host, repo)
    wanted = repo if ":" in repo.rsplit("/", 1)[-1] else repo + ":latest"
    tags = image["repo_tags"] or ["<none>:<none>"]
    repo_tag = wanted if wanted in tags else tags[0]
    name, _, tag = repo_tag.rpartition(":")
    row = _Row(host, image, name, tag)
    return util.respond(row.view(request), status=201, headers={
        "Location": request.link("v1", "images", row.uuid)})


@util.spec(status=204, errors=(404, 409))
def delete(request, image_id):
    """Remove one image tag from its host: 409 while a container there
    uses it (Docker's refusal, with its words)."""
    # Refused at once unless the caller may delete at least its own
    # project's commits (no host is asked for a caller who may not).
    request.authorize(policy.IMAGE_DELETE)
    row = _found(request, image_id)
    # A commit is its project's (the policy may let it delete its own);
    # any other image is no project's.
    request.authorize(policy.IMAGE_DELETE, {
        "project_id": _committed_by(request.conf, row.repo),
        "user_id": None})
    untagged = row.repo != "<none>"
    request.conductor.image_delete(
        request.context, row.host,
        f"{row.repo}:{row.tag}" if untagged else row.image_id)
    return util.respond(status=204)


@util.spec(query=schemas.IMAGE_SEARCH_QUERY, returns=answers.IMAGE_SEARCH,
           errors=(403, 404, 503))
def search(request, image):
    """Repositories whose name holds `image`: a private registry's
    catalog when the name starts with its domain (with the project's
    login for it), else Docker Hub's index; asked from a live host."""
    request.authorize(policy.IMAGE_SEARCH)
    exact = validation.flag(request.query().get("exact_match"))
    # The catalog of the registry it names is read from a conductor.
    validation.image_host(request.conf, image)
    live = [s.host for s in request.services()
            if s.host not in request.losses()]
    if not live:
        raise exception.NoConductor(reason="no conductor is up to search "
                                           "from")
    found = request.conductor.image_search(request.context, live[0], image,
                                           exact)
    return util.respond([{"id": None, "name": f["name"], "tags": f["tags"],
                          "status": None, "size": None,
                          "description": f["description"],
                          "metadata": f["metadata"]} for f in found])


def _committed_by(conf, repo):
    """The project whose commit `repo` is, or None."""
    prefix = conf.docker.commit_namespace + "/"
    if not repo.startswith(prefix):
        return None
    return repo[len(prefix):].partition("/")[0]


class _Row:
    def __init__(self, host, image, repo, tag):
        self.host, self.repo, self.tag = host, repo, tag
        self.image_id = image["id"]
        self.size = image.get("size")
        self.uuid = views.image_uuid(host, self.image_id, repo, tag)
        self.id = (host, repo, tag)

    def view(self, request):
        return {"uuid": self.uuid,
                "links": views.links(request, "images", self.uuid),
                "image_id": self.image_id, "repo": self.repo,
                "tag": self.tag,
                # Bytes, as a string: Zun's record keeps it so.
                "size": None if self.size is None else str(self.size),
                "host": self.host, "project_id": None,
                # Zun's image records keep the policy of the create that
                # pulled them; these are the engine's images, no record.
                "image_pull_policy": None}

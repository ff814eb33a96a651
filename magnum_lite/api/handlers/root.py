"""The versions document, the v1 description and the OpenAPI document."""
from magnum_lite.api import microversion
from magnum_lite.api import openapi as openapi_document
from magnum_lite.api import answers
from magnum_lite.api import util

MEDIA_TYPE = "application/vnd.openstack.container.v1+json"
RESOURCES = ("containers", "images", "hosts", "services")


def _v1(request):
    return {
        "id": "v1",
        "status": "CURRENT",
        "min_version": str(microversion.MIN_VERSION),
        "max_version": str(microversion.MAX_VERSION),
        "links": [{"rel": "self", "href": request.link("v1", "")}],
    }


@util.spec(returns=answers.VERSIONS)
def versions(request):
    """The API versions: what a client reads before anything else."""
    return util.respond({
        "name": "magnum_lite",
        "description": "Containers on Docker hosts, through Zun's v1 API.",
        "versions": [_v1(request)],
        "default_version": _v1(request),
    })


@util.spec(returns=answers.V1)
def v1(request):
    """The v1 API: its version range, media type and resources."""
    body = _v1(request)
    body["media_types"] = [{"base": "application/json", "type": MEDIA_TYPE}]
    body["links"].append({"rel": "describedby", "type": "application/json",
                          "href": request.link("v1", "openapi.json")})
    for resource in RESOURCES:
        body[resource] = [
            {"rel": "self", "href": request.link("v1", resource, "")},
            {"rel": "bookmark", "href": request.link(resource, "")},
        ]
    return util.respond(body)


@util.spec(returns=answers.OPENAPI)
def openapi(request):
    """This API as an OpenAPI 3.1 document, from the validating schemas."""
    return util.respond(openapi_document.document())

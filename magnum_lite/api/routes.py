"""Every URL the API answers: path template -> {HTTP method: handler}.

Paths and status codes are the ones python-zunclient and
`openstack appcontainer` use. A trailing slash is ignored (the clients send
/v1/containers/ and /v1/images/), and a path without /v1 is tried under
/v1, as Zun does for its bookmark links.
"""
import re

from magnum_lite.api.handlers import action_log
from magnum_lite.api.handlers import actions
from magnum_lite.api.handlers import capsules
from magnum_lite.api.handlers import containers
from magnum_lite.api.handlers import hosts
from magnum_lite.api.handlers import images
from magnum_lite.api.handlers import interactive
from magnum_lite.api.handlers import quotas
from magnum_lite.api.handlers import registries
from magnum_lite.api.handlers import root
from magnum_lite.api.handlers import services
from magnum_lite.api.handlers import volumes
from magnum_lite.api.handlers import zones
from magnum_lite import exception

_CONTAINER = "/v1/containers/{container_ident}"

ROUTES = {
    "/": {"GET": root.versions},
    "/v1": {"GET": root.v1},
    "/v1/openapi.json": {"GET": root.openapi},
    "/v1/containers": {
        "GET": containers.list_containers,
        "POST": containers.create,
    },
    _CONTAINER: {
        "GET": containers.show,
        "PATCH": containers.update,
        "DELETE": containers.delete,
    },
    **{f"{_CONTAINER}/{action}": {"POST": handler}
       for action, handler in actions.STATE_CHANGES.items()},
    _CONTAINER + "/rename": {"POST": actions.rename},
    _CONTAINER + "/commit": {"POST": actions.commit},
    _CONTAINER + "/logs": {"GET": actions.logs},
    _CONTAINER + "/execute": {"POST": actions.execute},
    _CONTAINER + "/top": {"GET": actions.top},
    _CONTAINER + "/stats": {"GET": actions.stats},
    _CONTAINER + "/get_archive": {"GET": actions.get_archive},
    _CONTAINER + "/put_archive": {"POST": actions.put_archive},
    _CONTAINER + "/container_actions": {"GET": action_log.list_actions},
    _CONTAINER + "/container_actions/{request_id}": {
        "GET": action_log.show},
    "/v1/images": {"GET": images.list_images, "POST": images.pull},
    "/v1/hosts": {"GET": hosts.list_hosts},
    "/v1/hosts/{host_ident}": {"GET": hosts.show},
    "/v1/services": {"GET": services.list_services,
                     "DELETE": services.delete},
    # Before /v1/services/{service_id}: the first template that fits wins.
    "/v1/services/enable": {"PUT": services.enable},
    "/v1/services/disable": {"PUT": services.disable},
    "/v1/services/force_down": {"PUT": services.force_down},
    "/v1/quotas/{project_id}": {"GET": quotas.show, "PUT": quotas.update,
                                "DELETE": quotas.delete},
    "/v1/quotas/{project_id}/defaults": {"GET": quotas.defaults},
    "/v1/quota_classes/{quota_class_name}": {
        "GET": quotas.show_class, "PUT": quotas.update_class},
    "/v1/images/{image_id}": {"GET": images.show,
                              "DELETE": images.delete},
    "/v1/registries": {"GET": registries.list_registries,
                       "POST": registries.create},
    "/v1/registries/{registry_ident}": {
        "GET": registries.show, "PATCH": registries.update,
        "DELETE": registries.delete},
    "/v1/volumes": {"GET": volumes.list_volumes},
    "/v1/volumes/{volume_ident}": {"GET": volumes.show,
                                   "DELETE": volumes.delete},
    "/v1/images/{image}/search": {"GET": images.search},
    _CONTAINER + "/rebuild": {"POST": actions.rebuild},
    _CONTAINER + "/attach": {"GET": interactive.attach},
    _CONTAINER + "/resize": {"POST": interactive.resize},
    _CONTAINER + "/execute_resize": {"POST": interactive.execute_resize},
    "/v1/services/{service_id}": {"GET": services.show},
    "/v1/availability_zones": {"GET": zones.list_zones},
    "/v1/capsules": {"GET": capsules.list_capsules, "POST": capsules.create},
    "/v1/capsules/{capsule_ident}": {"GET": capsules.show,
                                     "DELETE": capsules.delete},
}

# Reachable without a token: what a client reads before it authenticates.
PUBLIC = ("/", "/v1", "/v1/openapi.json")


# Path parameters that may hold slashes: an image is named as
# registry/repository, and the clients put it in the path unquoted.
_SLASHED = ("image",)


def _compile(template):
    pattern = re.sub(r"\{(\w+)\}", lambda m: "(?P<%s>%s)" % (
        m[1], ".+" if m[1] in _SLASHED else "[^/]+"), template)
    return re.compile(pattern + r"\Z")


_COMPILED = [(_compile(template), methods)
             for template, methods in ROUTES.items()]


def _find(path):
    for pattern, methods in _COMPILED:
        match = pattern.match(path)
        if match:
            return methods, match.groupdict()
    return None, None


def normalize(path):
    return path.rstrip("/") or "/"


def match(method, path):
    """(handler, path parameters); NotFound or MethodNotAllowed."""
    path = normalize(path)
    methods, params = _find(path)
    if methods is None and not path.startswith("/v1/"):
        methods, params = _find("/v1" + path)
    if methods is None:
        raise exception.NotFound(f"No resource is at {path}.")
    if method not in methods:
        raise exception.MethodNotAllowed(method=method, path=path,
                                      allowed=", ".join(sorted(methods)))
    return methods[method], params

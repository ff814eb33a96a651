"""JSON Schemas of what the API answers, for the OpenAPI document (the
requests' are in schemas.py)."""
from magnum_lite.api import schemas
from magnum_lite import lifecycle
from magnum_lite import policy

# What views.py and the handlers answer, key for key. A resource's body
# (container, action, host, service, image) names every field it has and
# requires each one it always carries, but admits more: Zun's bodies gain
# fields with microversions, and a client built from this document should
# not break on one. Error bodies and small fixed answers admit nothing else.


def _resource(properties, optional=(), **extra):
    return dict(type="object", properties=properties,
                required=[name for name in properties
                          if name not in optional], **extra)


def _fixed(properties, optional=(), **extra):
    return dict(_resource(properties, optional, **extra),
                additionalProperties=False)


def _list(key, item, paged=True):
    properties = {key: {"type": "array", "items": item}}
    if paged:
        properties["next"] = NEXT
    return _fixed(properties, optional=("next",))


def _always(schema, why):
    return dict(schema, description=why)


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_STRINGS = {"type": "object", "additionalProperties": _STRING}
LINK = _fixed({"rel": _STRING, "href": {"type": "string", "format": "uri"},
               "type": _STRING}, optional=("type",))
LINKS = {"type": "array", "items": LINK}
NEXT = {"type": "string", "format": "uri",
        "description": "The next page, with the same query; absent on the "
                       "last page."}

_CONTAINER_FIELDS = {
    "uuid": _UUID,
    "name": _STRING,
    "image": _STRING,
    "status": {"type": "string", "enum": list(lifecycle.STATUSES)},
    "status_reason": _NULLABLE_STRING,
    "status_detail": dict(_NULLABLE_STRING,
                          description="Progress of the work in flight."),
    "task_state": _NULLABLE_STRING,
    "cpu": {"type": ["number", "null"]},
    "workdir": _NULLABLE_STRING,
    "hostname": _NULLABLE_STRING,
    "auto_remove": {"type": "boolean"},
    "image_pull_policy": dict(schemas.IMAGE_PULL_POLICY,
                              description="Admin only, by policy."),
    "host": dict(_NULLABLE_STRING, description="Admin only, by policy."),
    "project_id": _STRING,
    "user_id": _STRING,
    "memory": {"type": ["string", "null"], "pattern": "^[0-9]+$",
               "description": "MiB, as Zun shows it: '512'."},
    "command": {"type": ["array", "null"], "items": _STRING,
                "description": "A list at every microversion, as Zun "
                               "shows it; null for the image's own."},
    "environment": _STRINGS,
    "labels": _STRINGS,
    "restart_policy": {
        "type": ["object", "null"],
        "properties": {
            "Name": schemas.RESTART_POLICY["properties"]["Name"],
            "MaximumRetryCount": {"type": "string", "pattern": "^[0-9]+$"}},
        "required": ["Name", "MaximumRetryCount"],
        "additionalProperties": False,
        "description": "Strings, as Zun keeps them; null when none was "
                       "asked for."},
    "created_at": _TIME,
    "updated_at": _NULLABLE_TIME,
    "links": LINKS,
    # What this service does not offer, always with the same value.
    "addresses": _always({"type": "object", "maxProperties": 0},
                         "Containers have no network."),
    "ports": _always({"type": "array", "maxItems": 0}, "No port is exposed."),
    "security_groups": _always({"type": "array", "maxItems": 0},
                               "Not supported."),
    "interactive": {"type": "boolean",
                    "description": "Stdin kept open, for attach."},
    "tty": {"type": "boolean"},
    "privileged": {"type": "boolean",
                   "description": "Admin only, by policy."},
    "auto_heal": {"type": "boolean",
                  "description": "Whether the conductor heals it."},
    "healthcheck": {"type": ["object", "null"], "properties": {
        "test": _STRING, "interval": {"type": "integer"},
        "retries": {"type": "integer"}, "timeout": {"type": "integer"}},
        "additionalProperties": False,
        "description": "Docker's health check (seconds); null when none "
                       "was asked for."},
    "health": {"enum": ["starting", "healthy", "unhealthy", None],
               "description": "What the health check said last; null "
                              "without one."},
    "mounts": {"type": "array", "items": _fixed(
        {"source": _STRING, "destination": _STRING}),
        "description": "The project's named volumes it mounts."},
    "disk": _always({"const": 0}, "No disk quota."),
    "runtime": dict(_NULLABLE_STRING,
                    description="Admin only, by policy; null for the "
                                "engine's default."),
    "cpu_policy": _always({"const": "shared"}, "No dedicated CPUs."),
    "image_driver": _always({"const": "docker"}, "Images come from Docker."),
    "registry_id": {"type": ["string", "null"], "format": "uuid",
                    "description": "The registry it pulls from, if named."},
    "entrypoint": {"type": ["array", "null"], "items": _STRING,
                   "description": "Null: the image's own."},
}
# As Zun, policy leaves a field out of the body (rather than nulling it)
# for a caller who may not see it, so those fields cannot be required.
CONTAINER = _resource(_CONTAINER_FIELDS,
                      optional=tuple(policy.CONTAINER_GET_ONE_FIELDS))
CONTAINER_LIST = _list("containers", CONTAINER)

_ACTION_FIELDS = {
    "action": _STRING,
    "container_uuid": _UUID,
    "request_id": _NULLABLE_STRING,
    "user_id": _NULLABLE_STRING,
    "project_id": _NULLABLE_STRING,
    "start_time": _TIME,
    "finish_time": dict(_NULLABLE_TIME, description="From 1.33."),
    "message": _NULLABLE_STRING,
}
ACTION = _resource(_ACTION_FIELDS, optional=("finish_time",))
ACTION_LIST = _list("containerActions", ACTION, paged=False)
ACTION_EVENT = _fixed({
    "event": dict(_STRING, description="A step the conductor took, or "
                                       "the error it ended on."),
    "start_time": _TIME,
    "finish_time": _TIME,
    "result": {"enum": ["Success", "Error"]},
    "traceback": _always({"type": "null"}, "No traceback is kept."),
})
ACTION_DETAIL = _resource(dict(_ACTION_FIELDS, events={
    "type": "array", "items": ACTION_EVENT,
    "description": "Empty while it runs, and for a request the "
                   "reconcile pass ended."}), optional=("finish_time",))

_VOLUME_FIELDS = {
    "uuid": _UUID,
    "name": _STRING,
    "host": dict(_STRING, description="Where it lives; every container "
                                      "mounting it runs there."),
    "driver": _always({"const": "local"}, "Docker's local driver."),
    "project_id": _STRING,
    "user_id": _STRING,
    "created_at": _TIME,
    "links": LINKS,
    "mounted_by": {"type": "array", "items": _UUID,
                   "description": "Containers mounting it (shown alone)."},
}
VOLUME = _fixed(_VOLUME_FIELDS, optional=("mounted_by",))
VOLUME_LIST = _list("volumes", VOLUME)

IMAGE_SEARCH = {"type": "array", "items": _resource({
    "id": {"type": "null"},
    "name": _STRING,
    "tags": {"type": "array", "items": _STRING,
             "description": "A private registry's tags; empty from Docker "
                            "Hub, whose index does not list them."},
    "status": {"type": "null"}, "size": {"type": "null"},
    "description": _STRING,
    "metadata": {"type": "object", "properties": {
        "is_official": {"type": "boolean"},
        "star_count": {"type": "integer"}},
        "additionalProperties": False}})}

HOST = _resource({
    "uuid": _UUID,
    "hostname": _STRING,
    "mem_total": {"type": ["integer", "null"],
                  "description": "MiB placement may give out."},
    "mem_used": {"type": "integer", "description": "MiB claimed."},
    "cpus": {"type": ["integer", "null"],
             "description": "Whole CPUs placement may give out."},
    "cpu_used": {"type": "number", "description": "CPUs claimed."},
    "disk_total": {"const": 0, "description": "No disk quota here."},
    "disk_used": {"const": 0},
    "disk_quota_supported": {"const": False},
    "architecture": _NULLABLE_STRING,
    "os_type": _NULLABLE_STRING,
    "runtimes": {"type": "array", "items": _STRING},
    "os": _NULLABLE_STRING,
    "kernel_version": _NULLABLE_STRING,
    "docker_version": _NULLABLE_STRING,
    "docker_api_version": _NULLABLE_STRING,
    "total_containers": {"type": "integer", "minimum": 0},
    "labels": _STRINGS,
    "enable_cpu_pinning": {"const": False},
    "links": LINKS,
})
HOST_LIST = _list("hosts", HOST)

SERVICE = _resource({
    "id": {"type": "integer"},
    "host": _STRING,
    "binary": _STRING,
    "topic": _STRING,
    "state": {"type": "string", "enum": ["up", "down"]},
    "disabled": {"type": "boolean"},
    "disabled_reason": _NULLABLE_STRING,
    "forced_down": {"type": "boolean"},
    "report_count": {"type": "integer", "minimum": 0},
    "created_at": _TIME,
    "updated_at": _NULLABLE_TIME,
    "last_seen_up": _NULLABLE_TIME,
    "availability_zone": _STRING,
})
SERVICE_LIST = _list("services", SERVICE)
ZONE_LIST = _list("availability_zones", _fixed({
    "availability_zone": _STRING}), paged=False)
CAPSULE = _resource({
    "uuid": _UUID,
    "links": LINKS,
    "user_id": _STRING,
    "project_id": _STRING,
    "created_at": _NULLABLE_TIME,
    "updated_at": _NULLABLE_TIME,
    "addresses": _always({"type": "object", "maxProperties": 0},
                         "Network mode none: no addresses."),
    "status": _CONTAINER_FIELDS["status"],
    "status_reason": _NULLABLE_STRING,
    "annotations": _STRINGS,
    "memory": dict(_CONTAINER_FIELDS["memory"],
                   description="MiB the capsule claims: its sandbox's and "
                               "its containers' together."),
    "cpu": {"type": ["number", "null"]},
    "init_containers": {"type": "array", "items": CONTAINER},
    "containers": {"type": "array", "items": CONTAINER},
    "host": dict(_NULLABLE_STRING, description="Admin only, by policy."),
    "name": dict(_NULLABLE_STRING, description="From 1.32."),
    "labels": dict(_STRINGS, description="From 1.32."),
    "restart_policy": {"anyOf": [
        _CONTAINER_FIELDS["restart_policy"],
        schemas.RESTART_POLICY["properties"]["Name"]],
        "description": "From 1.32; before, its Name alone."},
    "meta_name": dict(_NULLABLE_STRING, description="Zun's name before "
                      "1.32, kept after it for zun-ui, which reads it."),
    "meta_labels": dict(_STRINGS, description="As meta_name."),
    "volumes_info": _always({"type": "object", "maxProperties": 0},
                            "Before 1.32: always empty, as in Zun."),
    "containers_uuids": _always({"type": "array", "maxItems": 0},
                                "Before 1.32: always empty, as in Zun."),
    "init_containers_uuids": _always({"type": "array", "maxItems": 0},
                                     "Before 1.32: always empty."),
    "capsule_version": _always({"type": "string", "maxLength": 0},
                               "Before 1.32: always empty."),
}, optional=("host", "name", "labels", "restart_policy", "volumes_info",
             "containers_uuids", "init_containers_uuids", "capsule_version"))
CAPSULE_LIST = _list("capsules", CAPSULE)
SERVICE_SHOW = _fixed({"service": SERVICE})

IMAGE_ROW = _resource({
    "uuid": _UUID,
    "links": LINKS,
    "image_id": _STRING,
    "repo": dict(_STRING, description="'<none>' for an untagged image."),
    "tag": _STRING,
    "size": {"type": ["string", "null"], "pattern": "^[0-9]+$",
             "description": "Bytes, as a string of digits (as Zun)."},
    "host": _STRING,
    "project_id": {"type": "null"},
    "image_pull_policy": {"type": "null"},
})
IMAGE_LIST = _list("images", IMAGE_ROW)

_VERSION_FIELDS = {
    "id": {"const": "v1"},
    "status": {"type": "string", "enum": ["CURRENT", "SUPPORTED",
                                          "DEPRECATED"]},
    "min_version": {"type": "string", "pattern": r"^1\.[0-9]+$"},
    "max_version": {"type": "string", "pattern": r"^1\.[0-9]+$"},
    "links": LINKS,
}
VERSIONS = _fixed({
    "name": _STRING,
    "description": _STRING,
    "versions": {"type": "array", "items": _fixed(_VERSION_FIELDS)},
    "default_version": _fixed(_VERSION_FIELDS),
})
V1 = _fixed(dict(
    _VERSION_FIELDS,
    media_types={"type": "array", "items": _fixed({"base": _STRING,
                                                   "type": _STRING})},
    containers=LINKS, images=LINKS, hosts=LINKS, services=LINKS))
OPENAPI = _resource({
    "openapi": {"const": "3.1.0"},
    "info": _resource({"title": _STRING, "version": _STRING,
                       "description": _STRING}),
    "paths": {"type": "object", "propertyNames": {"pattern": "^/"}},
    "components": _resource({"responses": {
        "type": "object", "propertyNames": {"pattern": "^[A-Za-z]+$"}}}),
}, description="An OpenAPI 3.1 document: this one.")

LOGS = {"type": "string",
        "description": "The logs asked for, as one JSON string: their "
                       "newest [api] max_output_bytes (see the "
                       "Magnum-Lite-Output-Cut header)."}
# The header of a logs or execute answer whose output was longer than
# [api] max_output_bytes: the body carries its newest part only.
OUTPUT_CUT = "Magnum-Lite-Output-Cut"
OUTPUT_CUT_HEADERS = {OUTPUT_CUT: {
    "description": "Present when the output was cut to its newest [api] "
                   "max_output_bytes bytes: how many bytes it had.",
    "schema": {"type": "integer", "minimum": 0}}}
EXECUTE = _fixed({
    "output": dict(_NULLABLE_STRING,
                   description="Standard output and error; null with "
                               "run=false."),
    "exit_code": {"type": ["integer", "null"],
                  "description": "Null with run=false."},
    "exec_id": _STRING,
    "proxy_url": {"type": "string", "format": "uri",
                  "description": "interactive=true: the websocket that "
                                 "opens the exec, once."},
}, optional=("proxy_url",))
ATTACH_URL = {"type": "string", "format": "uri",
              "description": "A websocket URL (ws:// or wss://) that opens "
                             "one session, within [websocket_proxy] "
                             "token_ttl seconds."}
# Docker's own answers, passed on as the engine gives them.
TOP = _resource({"Titles": {"type": "array", "items": _STRING},
                 "Processes": {"type": "array", "items": {
                     "type": "array", "items": _STRING}}})
ARCHIVE_STAT = _resource({"name": _STRING,
                          "size": {"type": "integer"},
                          "mode": {"type": "integer"},
                          "mtime": _STRING,
                          "linkTarget": _STRING})
ARCHIVE = _fixed({"data": {"type": "string", "contentEncoding": "base64",
                           "description": "A tar archive, base64."},
                  "stat": ARCHIVE_STAT})
COMMIT = _fixed({"uuid": dict(_STRING,
                              description="The new image's id.")})
STATS = _fixed({
    "CONTAINER": _STRING,
    "CPU %": {"type": "number"},
    "MEM USAGE(MiB)": {"type": "number"},
    "MEM LIMIT(MiB)": {"type": "number"},
    "MEM %": {"type": "number"},
    "BLOCK I/O(B)": {"type": "string", "pattern": "^[0-9]+/[0-9]+$"},
    "NET I/O(B)": {"type": "string", "pattern": "^[0-9]+/[0-9]+$"},
})


def error(status=None):
    """An API-SIG error body (errors.error_response); of `status` alone
    when given."""
    status_schema = {"type": "integer", "minimum": 400, "maximum": 599}
    if status is not None:
        status_schema = {"type": "integer", "const": status}
    return _fixed({"errors": {
        "type": "array", "minItems": 1, "items": _fixed({
            "status": status_schema,
            "code": {"type": "string", "pattern": r"^magnum_lite\.[a-z_]+$"},
            "title": _STRING,
            "detail": _STRING,
            "request_id": _NULLABLE_STRING,
        })}})


ERROR = error()

_LIMIT = {"type": "integer", "minimum": -1}
_QUOTA_RESOURCES = ("containers", "memory", "cpu", "disk")
QUOTA = _fixed({name: _LIMIT for name in _QUOTA_RESOURCES})
QUOTA_USAGES = _fixed({name: _fixed({"limit": _LIMIT, "in_use": {
    "type": "number", "minimum": 0}}) for name in _QUOTA_RESOURCES})
QUOTA_SHOW = {"oneOf": [QUOTA, QUOTA_USAGES]}

REGISTRY = _resource({
    "uuid": _UUID, "name": _NULLABLE_STRING, "domain": _STRING,
    "username": _NULLABLE_STRING,
    "password": _always({"type": ["string", "null"], "enum": ["***", None]},
                        "Never the password: *** when one is kept."),
    "project_id": _STRING, "user_id": _STRING, "links": LINKS})
REGISTRY_ONE = _fixed({"registry": REGISTRY})
REGISTRY_LIST = _list("registries", REGISTRY)

SERVICE_CHANGED = _fixed({"service": _resource({
    "host": _STRING, "binary": _STRING, "disabled": {"type": "boolean"},
    "disabled_reason": _NULLABLE_STRING, "forced_down": {"type": "boolean"},
}, optional=("disabled", "disabled_reason", "forced_down"))})

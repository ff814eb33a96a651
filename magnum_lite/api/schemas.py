"""JSON Schemas of request bodies and query strings (the answers are in
answers.py).

The one definition: handlers validate with these (through util.spec) and
openapi.py publishes these same objects. Query values arrive as strings, so
their schemas describe strings. Fields python-zunclient sends but this
service cannot honour (networks, volumes, security groups...) are accepted
only with their empty or false value, and say why in their description.
"""
import functools

from oslo_utils import units

from magnum_lite.api import microversion
from magnum_lite import conf as ml_conf
from magnum_lite import lifecycle

BOOLEANS = ["true", "false", "True", "False", "TRUE", "FALSE",
            "1", "0", "yes", "no", "on", "off"]
SORT_KEYS = ["id", "uuid", "name", "image", "status", "host", "memory",
             "cpu", "created_at", "updated_at", "project_id"]
# Docker's rule for names; the first character may not be '.', '_' or '-'.
NAME_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"
# An integer or decimal, then an optional unit: m/M (MiB) or g/G (GiB).
MEMORY_PATTERN = r"^[0-9]+(\.[0-9]+)?[mMgG]?$"


def _object(properties, required=(), **extra):
    return dict(type="object", properties=properties,
                required=list(required), additionalProperties=False,
                **extra)


def _boolean(description):
    return {"type": "string", "enum": BOOLEANS, "description": description}


def _digits(description, max_digits=9):
    return {"type": "string", "pattern": f"^[0-9]{{1,{max_digits}}}$",
            "description": description}


def _unsupported(base, what):
    return dict(base, description=f"{what} is not supported by this "
                                  "service; only an empty or false value "
                                  "is accepted.")


# -- field schemas ------------------------------------------------------------

NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": NAME_PATTERN,
        "description": "Letters, digits, '_', '.', '-'; starting with a "
                       "letter or digit; not a UUID."}
MEMORY = {"type": ["integer", "string", "null"], "pattern": MEMORY_PATTERN,
          "description": "MiB as an integer, or a string such as '512', "
                         "'512m', '512M', '1g', '1.5G'."}
CPU = {"type": ["number", "string", "null"], "pattern": r"^[0-9]*\.?[0-9]+$",
       "exclusiveMinimum": 0, "description": "Number of CPUs, e.g. 0.5."}
IMAGE = {"type": "string", "minLength": 1, "maxLength": 255,
         "description": "[registry[:port]/]repository[:tag][@digest]"}
STRING_MAP = {"type": ["object", "null"],
              "additionalProperties": {"type": "string"},
              "propertyNames": {"minLength": 1, "maxLength": 255}}
ENVIRONMENT = dict(STRING_MAP, propertyNames={"pattern": "^[^=]+$",
                                              "maxLength": 255})
RESTART_POLICY = {
    "type": ["object", "null"],
    "properties": {
        "Name": {"type": "string",
                 "enum": ["no", "always", "on-failure", "unless-stopped"]},
        "MaximumRetryCount": {"type": ["integer", "string"], "minimum": 0,
                              "pattern": "^[0-9]{1,9}$",
                              "description": "Only with on-failure."},
    },
    "required": ["Name"],
    "additionalProperties": False,
}
IMAGE_PULL_POLICY = {"type": ["string", "null"],
                     "enum": list(ml_conf.PULL_POLICIES) + [None]}
COMMAND_STRING = {"type": ["string", "null"],
                  "description": "A shell-quoted string (before 1.20)."}
COMMAND_LIST = {"type": ["array", "null"], "items": {"type": "string"},
                "description": "Arguments as a list (from 1.20)."}
_FALSE = {"enum": [False, None]}
MOUNTS = {
    "type": ["array", "null"], "maxItems": 16,
    "items": _object({
        "source": {"type": "string", "minLength": 1, "maxLength": units.Mi,
                   "description": "The name of a volume of the project; "
                                  "made when missing. With type bind, the "
                                  "base64 content of the file to inject."},
        "destination": {"type": "string", "pattern": "^/", "minLength": 2,
                        "maxLength": 4096,
                        "description": "An absolute path in the "
                                       "container."},
        "type": {"enum": ["volume", "bind"],
                 "description": "volume (a named volume), or bind: a file "
                                "written into the container before it "
                                "starts (Zun's file injection)."},
        "size": {"type": ["string", "integer"],
                 "description": "Refused: the local volume driver cannot "
                                "limit a volume's size."},
    }, required=["destination"]),
    "description": "Named volumes of the project, each mounted at a "
                   "path: source=NAME,destination=/path."}
# Zun's healthcheck: cmd, then seconds (the CLI converts 1m to 60).
HEALTHCHECK = {
    "type": ["object", "null"],
    "properties": {
        "cmd": {"type": "string", "minLength": 1, "maxLength": 255,
                "description": "A shell command; exit 0 means healthy."},
        "interval": {"type": ["integer", "null"], "minimum": 0,
                     "maximum": 86400},
        "retries": {"type": ["integer", "null"], "minimum": 0,
                    "maximum": 1000},
        "timeout": {"type": ["integer", "null"], "minimum": 0,
                    "maximum": 86400},
    },
    "additionalProperties": False,
    "description": "Docker's health check: cmd, and interval, timeout "
                   "(seconds) and retries; the record shows the health."}

CREATE_FIELDS = {
    "name": dict(NAME, type=["string", "null"]),
    "image": IMAGE,
    "command": COMMAND_LIST,
    "cpu": CPU,
    "memory": MEMORY,
    "environment": ENVIRONMENT,
    "labels": STRING_MAP,
    "workdir": {"type": ["string", "null"], "pattern": "^/",
                "maxLength": 255, "description": "An absolute path."},
    "hostname": {"type": ["string", "null"], "maxLength": 63,
                 "pattern": "^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$"},
    "restart_policy": RESTART_POLICY,
    "image_pull_policy": IMAGE_PULL_POLICY,
    "auto_remove": {"type": ["boolean", "null"]},
    "host": {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
             "description": "The conductor host to run on (admin)."},
    "image_driver": {"enum": ["docker", None],
                     "description": "Images always come from Docker."},
    "runtime": {"type": ["string", "null"], "minLength": 1,
                "maxLength": 64, "pattern": "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$",
                "description": "The OCI runtime (admin); placement picks a "
                               "host whose engine has it."},
    "cpu_policy": {"enum": ["shared", None],
                   "description": "Dedicated CPUs are not supported."},
    "hints": {"type": ["object", "null"],
              "propertyNames": {"pattern": "^label:[^=]+$",
                                "maxLength": 255},
              "additionalProperties": {"type": "string", "maxLength": 255},
              "description": "Placement hints: {\"label:KEY\": \"VALUE\"} "
                             "wants a host whose [conductor] labels have "
                             "KEY=VALUE."},
    "nets": _unsupported({"type": ["array", "null"], "maxItems": 0},
                         "Choosing networks (containers have none)"),
    "mounts": MOUNTS,
    # With network mode none the default group's rules hold vacuously,
    # so asking for it (as tempest does at 1.1) changes nothing.
    "security_groups": {"type": ["array", "null"], "maxItems": 1,
                        "items": {"const": "default"},
                        "description": "Only ['default'], a no-op: "
                                       "containers have no network, so no "
                                       "other group could be honoured."},
    "exposed_ports": _unsupported({"type": ["object", "null"],
                                   "maxProperties": 0}, "Exposing ports"),
    "healthcheck": HEALTHCHECK,
    "entrypoint": {"type": ["array", "null"], "maxItems": 64,
                   "items": {"type": "string", "maxLength": 4096},
                   "description": "Replaces the image's entrypoint."},
    "interactive": {"type": ["boolean", "null"],
                    "description": "Keep stdin open, for attach."},
    "tty": {"type": ["boolean", "null"],
            "description": "Give it a TTY (with interactive, from 1.36; "
                           "before, interactive brings one)."},
    "privileged": {"type": ["boolean", "null"],
                   "description": "Root on its host (admin)."},
    "auto_heal": {"type": ["boolean", "null"],
                  "description": "Restart it when unhealthy, make it anew "
                                 "when its Docker container vanished."},
    "disk": _unsupported({"type": "null"}, "A disk quota"),
    "availability_zone": {"type": ["string", "null"], "maxLength": 255,
                          "description": "The availability zone: every "
                                         "host is in the one that GET "
                                         "/v1/availability_zones lists."},
    "registry": {"type": ["string", "null"], "minLength": 1,
                 "maxLength": 255,
                 "description": "The name or uuid of a registry of the "
                                "project to pull the image from."},
}


# python-zunclient sends these on every create, empty when unset, whatever
# the microversion; Zun accepts the empty value before the field's version.
_SENT_EMPTY_ALWAYS = ("nets", "mounts")


@functools.cache
def container_create(version):
    """The create body a version accepts; later fields say from when."""
    fields = dict(CREATE_FIELDS)
    if version < microversion.COMMAND_IS_LIST:
        fields["command"] = COMMAND_STRING
    for name, since in microversion.CREATE_FIELDS_SINCE.items():
        if version < since and name in _SENT_EMPTY_ALWAYS:
            fields[name] = {"type": ["array", "null"], "maxItems": 0,
                            "description": f"only empty before {since}"}
        elif version < since:
            fields[name] = {"not": {},
                            "description": f"it needs microversion {since} "
                                          "or later"}
    return _object(fields, required=["image"])


CONTAINER_UPDATE = _object({"name": NAME, "memory": MEMORY, "cpu": CPU,
                            "auto_heal": {"type": "boolean"}},
                           minProperties=1)
PUT_ARCHIVE = _object({"data": {"type": "string", "maxLength": 1 << 30,
                                "contentEncoding": "base64",
                                "description": "A tar archive, base64."}},
                      required=["data"])
# Before 1.25 Zun takes the tar's bytes as the text itself (the clients
# of then decoded them as UTF-8).
PUT_ARCHIVE_RAW = _object({"data": {"type": "string", "maxLength": 1 << 30,
                                    "description": "A tar archive, its "
                                                   "bytes as UTF-8 text."}},
                          required=["data"])


def put_archive(version):
    """The put_archive body a version accepts."""
    if version < microversion.ARCHIVE_IS_BASE64:
        return PUT_ARCHIVE_RAW
    return PUT_ARCHIVE

# -- query strings ------------------------------------------------------------

ALL_PROJECTS = _boolean("Admin: act across all projects.")
PAGE = {
    "limit": _digits("Largest page wanted; capped by [api] max_limit."),
    "marker": {"type": "string", "minLength": 1, "maxLength": 255,
               "description": "The last item of the previous page."},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
}
CONTAINER_FILTERS = {
    "name": NAME,
    "image": {"type": "string", "maxLength": 255},
    "status": {"type": "string", "enum": list(lifecycle.STATUSES)},
    "host": {"type": "string", "maxLength": 255},
    "project_id": {"type": "string", "maxLength": 255},
    "user_id": {"type": "string", "maxLength": 255},
    "task_state": {"type": "string", "maxLength": 20},
    "uuid": {"type": "string", "maxLength": 36},
    # The CLI's --memory and --auto-remove.
    "memory": {"type": "string", "pattern": "^[0-9]{1,9}[mM]?$",
               "description": "MiB, as a create sets it (64 or 64M)."},
    "auto_remove": _boolean("Only containers removed when they exit "
                            "(or only the others)."),
}
CONTAINER_LIST_QUERY = _object(dict(
    PAGE, sort_key={"type": "string", "enum": SORT_KEYS},
    all_projects=ALL_PROJECTS, **CONTAINER_FILTERS))
PAGE_QUERY = _object(dict(PAGE, sort_key={"type": "string",
                                          "enum": ["id", "host"]}))
CAPSULE_QUERY = _object(dict(PAGE, all_projects=ALL_PROJECTS,
                             sort_key={"type": "string", "maxLength": 255}))
CONTAINER_SHOW_QUERY = _object({"all_projects": ALL_PROJECTS})
CAPSULE_DELETE_QUERY = CONTAINER_SHOW_QUERY
CONTAINER_CREATE_QUERY = _object({"run": _boolean("Start it once created.")})
CONTAINER_DELETE_QUERY = _object({
    "force": _boolean("Delete whatever the status (admin by default)."),
    "stop": _boolean("Stop a running container first."),
    "all_projects": ALL_PROJECTS})
TIMEOUT_QUERY = _object({"timeout": _digits(
    "Seconds to wait before killing it.", 4)})
KILL_QUERY = _object({"signal": {
    "type": "string", "pattern": "^[A-Za-z0-9+]{1,16}$",
    "description": "A name such as SIGKILL or KILL, or a number."}})
LOGS_QUERY = _object({
    "stdout": _boolean("Include standard output."),
    "stderr": _boolean("Include standard error."),
    "timestamps": _boolean("Prefix each line with its time."),
    "tail": {"type": "string", "pattern": "^(all|[0-9]{1,9})$",
             "description": "Number of lines from the end, or all."},
    "since": {"type": "string", "maxLength": 40,
              "pattern": "^([0-9]{1,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
                         "[T ][0-9]{2}:[0-9]{2}:[0-9]{2}.*)$",
              "description": "Epoch seconds or an ISO 8601 time."},
})
_EXECUTE_FIELDS = {
    "command": {"type": "string", "minLength": 1, "maxLength": 65536},
    "run": _boolean("Run it now and return its output."),
    "interactive": _boolean("Open a session with a TTY instead: the "
                            "answer's proxy_url opens it (run=false)."),
}
# Zun reads these from the query or a JSON body alike (tempest sends the
# body); the command must come in one of the two.
EXECUTE_QUERY = _object(_EXECUTE_FIELDS)
EXECUTE_BODY = _object(dict(
    _EXECUTE_FIELDS,
    run={"type": ["boolean", "string"], "enum": [True, False] + BOOLEANS},
    interactive={"type": ["boolean", "string"],
                 "enum": [True, False] + BOOLEANS}))
RESIZE_QUERY = _object({
    "w": _digits("Columns.", 4), "h": _digits("Rows.", 4)},
    required=["w", "h"])
EXECUTE_RESIZE_QUERY = _object({
    "exec_id": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "w": _digits("Columns.", 4), "h": _digits("Rows.", 4)},
    required=["exec_id", "w", "h"])
TOP_QUERY = _object({"ps_args": {"type": "string", "maxLength": 255,
                                 "pattern": "^[a-zA-Z0-9 ,+=-]*$"}})
RENAME_QUERY = _object({"name": NAME}, required=["name"])
COMMIT_QUERY = _object({
    "repository": {"type": "string", "minLength": 1, "maxLength": 255},
    "tag": {"type": "string", "minLength": 1, "maxLength": 128},
}, required=["repository"])
REBUILD_QUERY = _object({
    "image": IMAGE,
    "image_driver": {"type": "string", "enum": ["docker"],
                     "description": "Images always come from Docker."}})
IMAGE_SEARCH_QUERY = _object({
    "image_driver": {"type": "string", "enum": ["docker"]},
    "exact_match": _boolean("Only the repository of exactly that name.")})
ARCHIVE_QUERY = _object({"path": {"type": "string", "minLength": 1,
                                  "maxLength": 4096}}, required=["path"])

QUOTA_LIMIT = {"type": ["integer", "string"], "pattern": "^(-1|[0-9]{1,9})$",
               "minimum": -1, "maximum": 999999999,
               "description": "A limit; -1 for none."}
QUOTA_SET = _object({name: QUOTA_LIMIT
                     for name in ("containers", "memory", "cpu", "disk")},
                    minProperties=1)
QUOTA_QUERY = _object({"usages": _boolean("Show what is in use too.")})

# Zun's registry fields (parameter_types.py there).
_REGISTRY_FIELDS = {
    "name": {"type": "string", "minLength": 2, "maxLength": 255,
             "pattern": "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"},
    "domain": {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": "^[^/\\s]+$",
               "description": "host[:port] of the registry, as image "
                              "references name it."},
    "username": {"type": "string", "minLength": 1, "maxLength": 255},
    "password": {"type": "string", "minLength": 1, "maxLength": 4096,
                 "description": "Kept encrypted; never shown back."},
}
IMAGE_PULL = _object({
    "repo": IMAGE, "host": {"type": "string", "minLength": 1,
                            "maxLength": 255,
                            "description": "The host to pull onto."}},
    required=["repo", "host"])
REGISTRY_CREATE = _object({"registry": _object(
    _REGISTRY_FIELDS, required=["domain"])}, required=["registry"])
REGISTRY_UPDATE = _object({"registry": _object(
    _REGISTRY_FIELDS, minProperties=1)}, required=["registry"])
REGISTRY_LIST_QUERY = _object(dict(
    PAGE, all_projects=ALL_PROJECTS,
    sort_key={"type": "string", "enum": ["id", "uuid", "name", "domain",
                                         "username", "created_at"]},
    name=_REGISTRY_FIELDS["name"], domain=_REGISTRY_FIELDS["domain"],
    username=_REGISTRY_FIELDS["username"],
    project_id={"type": "string", "maxLength": 255},
    user_id={"type": "string", "maxLength": 255}))

VOLUME_LIST_QUERY = _object(dict(
    PAGE, all_projects=ALL_PROJECTS,
    sort_key={"type": "string", "enum": ["id", "name", "host",
                                         "created_at"]},
    name={"type": "string", "maxLength": 255},
    host={"type": "string", "maxLength": 255},
    project_id={"type": "string", "maxLength": 255}))
VOLUME_SHOW_QUERY = _object({"all_projects": ALL_PROJECTS})

_SERVICE_NAMED = {
    "host": {"type": "string", "minLength": 1, "maxLength": 255},
    "binary": {"type": "string", "enum": ["magnum-lite-conductor",
                                          "zun-compute"],
               "description": "The conductor (zun-compute, as the "
                              "clients name it, means the same)."},
}
SERVICE_ENABLE_QUERY = _object(_SERVICE_NAMED, required=["host", "binary"])
SERVICE_DISABLE_QUERY = _object(dict(_SERVICE_NAMED, disabled_reason={
    "type": "string", "maxLength": 255}), required=["host", "binary"])
SERVICE_FORCE_DOWN_QUERY = _object(dict(_SERVICE_NAMED, forced_down=_boolean(
    "Whether the host counts as down whatever its heartbeat.")),
    required=["host", "binary", "forced_down"])
SERVICE_DELETE_QUERY = SERVICE_ENABLE_QUERY

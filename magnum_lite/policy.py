"""Who may do what: oslo.policy rules defined in code, one constant each.

The defaults follow OpenStack's role personas, on Zun's rules:
    admin    role admin, in any project: everything, every project
    member   role member in the container's project: reads and writes
    reader   role reader in the container's project: reads only
Admin-only is whatever reaches past one project (all_projects, choosing a
host, force delete), describes the service itself (hosts, services,
images), or is a container field Zun shows to admins alone (host,
image_pull_policy, privileged, runtime). Keystone gives a member's token
the reader role too (roles imply one another); readers are named beside
members here so a deployment without implied roles reads the same.
Operators override any rule in a policy file; `oslopolicy-sample-generator
--namespace magnum_lite` writes the sample from list_rules().

Rule names are Zun's, letter for letter ("container:create:host" beside
"container:get_one_all_projects", "availability_zones:get_all"), though
they follow no one pattern: an operator's Zun policy file then works here
unchanged. Rules of our own take "<resource>:<action>".
"""
import threading
import time

from oslo_policy import policy


CONTEXT_IS_ADMIN = "context_is_admin"
PROJECT_READER = "project_reader"
PROJECT_MEMBER = "project_member"
ADMIN_OR_READER = "admin_or_reader"
ADMIN_OR_MEMBER = "admin_or_member"

CONTAINER_CREATE = "container:create"
CONTAINER_CREATE_HOST = "container:create:host"
CONTAINER_CREATE_IMAGE_PULL_POLICY = "container:create:image_pull_policy"
CONTAINER_CREATE_PRIVILEGED = "container:create:privileged"
CONTAINER_CREATE_RUNTIME = "container:create:runtime"
CONTAINER_GET_ONE = "container:get_one"
CONTAINER_GET_ONE_ALL_PROJECTS = "container:get_one_all_projects"
# Fields of a container body shown only where their rule allows.
CONTAINER_GET_ONE_FIELDS = {
    field: "container:get_one:" + field
    for field in ("host", "image_pull_policy", "privileged", "runtime")}
CONTAINER_GET_ALL = "container:get_all"
CONTAINER_GET_ALL_ALL_PROJECTS = "container:get_all_all_projects"
CONTAINER_UPDATE = "container:update"
CONTAINER_DELETE = "container:delete"
CONTAINER_DELETE_FORCE = "container:delete_force"
CONTAINER_DELETE_ALL_PROJECTS = "container:delete_all_projects"
CONTAINER_START = "container:start"
CONTAINER_STOP = "container:stop"
CONTAINER_REBOOT = "container:reboot"
CONTAINER_PAUSE = "container:pause"
CONTAINER_UNPAUSE = "container:unpause"
CONTAINER_KILL = "container:kill"
CONTAINER_LOGS = "container:logs"
CONTAINER_EXECUTE = "container:execute"
CONTAINER_TOP = "container:top"
CONTAINER_STATS = "container:stats"
CONTAINER_RENAME = "container:rename"
CONTAINER_COMMIT = "container:commit"
CONTAINER_GET_ARCHIVE = "container:get_archive"
CONTAINER_PUT_ARCHIVE = "container:put_archive"
CONTAINER_REBUILD = "container:rebuild"
CONTAINER_ATTACH = "container:attach"
CONTAINER_RESIZE = "container:resize"
CONTAINER_EXECUTE_RESIZE = "container:execute_resize"
CONTAINER_ACTIONS = "container:actions"
IMAGE_GET_ALL = "image:get_all"
IMAGE_GET_ONE = "image:get_one"
IMAGE_DELETE = "image:delete"
IMAGE_PULL = "image:pull"
IMAGE_SEARCH = "image:search"
HOST_GET_ALL = "host:get_all"
HOST_GET = "host:get"
SERVICE_GET_ALL = "service:get_all"
SERVICE_GET = "service:get"
SERVICE_UPDATE = "service:update"
SERVICE_DELETE = "service:delete"
REGISTRY_CREATE = "registry:create"
REGISTRY_GET_ONE = "registry:get_one"
REGISTRY_GET_ALL = "registry:get_all"
REGISTRY_GET_ALL_ALL_PROJECTS = "registry:get_all_all_projects"
REGISTRY_UPDATE = "registry:update"
REGISTRY_DELETE = "registry:delete"
VOLUME_GET_ONE = "volume:get_one"
VOLUME_GET_ALL = "volume:get_all"
VOLUME_GET_ALL_ALL_PROJECTS = "volume:get_all_all_projects"
VOLUME_DELETE = "volume:delete"
AVAILABILITY_ZONE_GET_ALL = "availability_zones:get_all"
CAPSULE_CREATE = "capsule:create"
CAPSULE_DELETE = "capsule:delete"
CAPSULE_DELETE_ALL_PROJECTS = "capsule:delete_all_projects"
CAPSULE_GET = "capsule:get"
CAPSULE_GET_HOST = "capsule:get:host"
CAPSULE_GET_ONE_ALL_PROJECTS = "capsule:get_one_all_projects"
CAPSULE_GET_ALL = "capsule:get_all"
CAPSULE_GET_ALL_ALL_PROJECTS = "capsule:get_all_all_projects"
QUOTA_GET = "quota:get"
QUOTA_GET_DEFAULT = "quota:get_default"
QUOTA_UPDATE = "quota:update"
QUOTA_DELETE = "quota:delete"
QUOTA_CLASS_GET = "quota_class:get"
QUOTA_CLASS_UPDATE = "quota_class:update"

_ADMIN = "rule:" + CONTEXT_IS_ADMIN
_READER = "rule:" + ADMIN_OR_READER
_MEMBER = "rule:" + ADMIN_OR_MEMBER
_CONTAINER = "/v1/containers/{container_ident}"
_CAPSULE = "/v1/capsules/{capsule_ident}"


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{"method": method, "path": path}],
        scope_types=["project"])


def _action(verb, method, description, check=_MEMBER):
    return _rule("container:" + verb, check, description, method,
                 f"{_CONTAINER}/{verb}")


def list_rules():
    """Every rule with its default, for the enforcer and the generator."""
    return [
        policy.RuleDefault(CONTEXT_IS_ADMIN, "role:admin",
                           description="Who counts as an administrator."),
        policy.RuleDefault(PROJECT_READER,
                           "(role:reader or role:member) and "
                           "project_id:%(project_id)s",
                           description="A reader (or member) of the "
                                       "project that owns the target."),
        policy.RuleDefault(PROJECT_MEMBER,
                           "role:member and project_id:%(project_id)s",
                           description="A member of the project that owns "
                                       "the target."),
        policy.RuleDefault(ADMIN_OR_READER,
                           "rule:context_is_admin or rule:project_reader",
                           description="Who may read a project's "
                                       "containers."),
        policy.RuleDefault(ADMIN_OR_MEMBER,
                           "rule:context_is_admin or rule:project_member",
                           description="Who may change a project's "
                                       "containers."),
        _rule(CONTAINER_CREATE, _MEMBER, "Create a container.",
              "POST", "/v1/containers"),
        _rule(CONTAINER_CREATE_HOST, _ADMIN,
              "Choose the host a new container runs on.",
              "POST", "/v1/containers"),
        # As Zun: with ifnotpresent, a tenant could run an image that
        # another tenant pulled onto the host with its own credentials.
        _rule(CONTAINER_CREATE_IMAGE_PULL_POLICY, _ADMIN,
              "Set a new container's image pull policy.",
              "POST", "/v1/containers"),
        # Zun denies this to everybody by default; an admin here, for the
        # system containers an operator runs (it is root on the host).
        _rule(CONTAINER_CREATE_PRIVILEGED, _ADMIN,
              "Create a privileged container (root on its host).",
              "POST", "/v1/containers"),
        _rule(CONTAINER_CREATE_RUNTIME, _ADMIN,
              "Choose the OCI runtime a new container runs on.",
              "POST", "/v1/containers"),
        _rule(CONTAINER_GET_ALL, _READER, "List containers.",
              "GET", "/v1/containers"),
        _rule(CONTAINER_GET_ALL_ALL_PROJECTS, _ADMIN,
              "List the containers of every project.",
              "GET", "/v1/containers"),
        _rule(CONTAINER_GET_ONE, _READER, "Show a container.",
              "GET", _CONTAINER),
        _rule(CONTAINER_GET_ONE_ALL_PROJECTS, _ADMIN,
              "Show a container of any project.", "GET", _CONTAINER),
        *(_rule(rule, _ADMIN, f"See a container's {field} field.",
                "GET", _CONTAINER)
          for field, rule in CONTAINER_GET_ONE_FIELDS.items()),
        _rule(CONTAINER_UPDATE, _MEMBER,
              "Change a container's name, memory or CPU.",
              "PATCH", _CONTAINER),
        _rule(CONTAINER_DELETE, _MEMBER, "Delete a container.",
              "DELETE", _CONTAINER),
        _rule(CONTAINER_DELETE_FORCE, _ADMIN,
              "Delete a container whatever its status (force=true).",
              "DELETE", _CONTAINER),
        _rule(CONTAINER_DELETE_ALL_PROJECTS, _ADMIN,
              "Delete a container of any project.", "DELETE", _CONTAINER),
        _action("start", "POST", "Start a container."),
        _action("stop", "POST", "Stop a container."),
        _action("reboot", "POST", "Restart a container."),
        _action("pause", "POST", "Pause a container."),
        _action("unpause", "POST", "Unpause a container."),
        _action("kill", "POST", "Send a signal to a container."),
        _action("logs", "GET", "Read a container's logs.", _READER),
        _action("execute", "POST", "Run a command in a container."),
        _action("top", "GET", "List a container's processes.", _READER),
        _action("stats", "GET", "Read a container's resource usage.",
                _READER),
        _action("rename", "POST", "Rename a container."),
        _action("commit", "POST", "Make an image from a container."),
        _action("get_archive", "GET", "Copy files out of a container.",
                _READER),
        _action("put_archive", "POST", "Copy files into a container."),
        _action("rebuild", "POST", "Make a container's Docker container "
                "anew from its record (optionally from another image)."),
        _action("attach", "GET", "Join a running container's stdin and "
                "output, through the websocket proxy."),
        _action("resize", "POST", "Set the size of a container's TTY."),
        _action("execute_resize", "POST", "Set the size of an "
                "interactive exec's TTY."),
        _rule(CONTAINER_ACTIONS, _READER,
              "Read the log of actions asked of a container.",
              "GET", _CONTAINER + "/container_actions"),
        _rule(IMAGE_GET_ALL, _ADMIN, "List the images on the hosts.",
              "GET", "/v1/images"),
        _rule(IMAGE_GET_ONE, _ADMIN, "Show an image on a host.",
              "GET", "/v1/images/{image_id}"),
        _rule(IMAGE_PULL, _ADMIN, "Pull an image onto a host.",
              "POST", "/v1/images"),
        _rule(IMAGE_SEARCH, _READER, "Search a registry for images.",
              "GET", "/v1/images/{image}/search"),
        _rule(IMAGE_DELETE, _ADMIN,
              "Remove an image from a host (not while a container uses "
              "it).", "DELETE", "/v1/images/{image_id}"),
        _rule(HOST_GET_ALL, _ADMIN, "List the Docker hosts.",
              "GET", "/v1/hosts"),
        _rule(HOST_GET, _ADMIN, "Show a Docker host.",
              "GET", "/v1/hosts/{host_ident}"),
        _rule(SERVICE_GET_ALL, _ADMIN, "List the conductor services.",
              "GET", "/v1/services"),
        _rule(SERVICE_GET, _ADMIN, "Show a conductor service.",
              "GET", "/v1/services/{service_id}"),
        policy.DocumentedRuleDefault(
            name=SERVICE_UPDATE, check_str=_ADMIN,
            description="Enable, disable or force down a host's conductor.",
            operations=[{"method": "PUT", "path": "/v1/services/" + verb}
                        for verb in ("enable", "disable", "force_down")],
            scope_types=["project"]),
        _rule(SERVICE_DELETE, _ADMIN,
              "Forget a host's conductor (one with no containers).",
              "DELETE", "/v1/services"),
        _rule(AVAILABILITY_ZONE_GET_ALL, _READER,
              "List the availability zones.", "GET",
              "/v1/availability_zones"),
        _rule(CAPSULE_CREATE, _MEMBER,
              "Make a capsule from a template.", "POST", "/v1/capsules"),
        _rule(CAPSULE_DELETE, _MEMBER, "Delete a capsule and its "
              "containers.", "DELETE", _CAPSULE),
        _rule(CAPSULE_DELETE_ALL_PROJECTS, _ADMIN,
              "Delete a capsule of any project.", "DELETE", _CAPSULE),
        _rule(CAPSULE_GET, _READER, "Show a capsule.", "GET", _CAPSULE),
        _rule(CAPSULE_GET_HOST, _ADMIN,
              "See the host a capsule runs on.", "GET", _CAPSULE),
        _rule(CAPSULE_GET_ONE_ALL_PROJECTS, _ADMIN,
              "Show a capsule of any project.", "GET", _CAPSULE),
        _rule(CAPSULE_GET_ALL, _READER, "List the project's capsules.",
              "GET", "/v1/capsules"),
        _rule(CAPSULE_GET_ALL_ALL_PROJECTS, _ADMIN,
              "List the capsules of every project.", "GET", "/v1/capsules"),
        _rule(QUOTA_GET, _READER, "Show a project's quota (and usage).",
              "GET", "/v1/quotas/{project_id}"),
        _rule(QUOTA_GET_DEFAULT, _READER, "Show the default quota.",
              "GET", "/v1/quotas/{project_id}/defaults"),
        _rule(QUOTA_UPDATE, _ADMIN, "Set a project's quota.",
              "PUT", "/v1/quotas/{project_id}"),
        _rule(QUOTA_DELETE, _ADMIN,
              "Return a project to its quota class's limits.",
              "DELETE", "/v1/quotas/{project_id}"),
        _rule(QUOTA_CLASS_GET, _ADMIN, "Show a quota class.",
              "GET", "/v1/quota_classes/{quota_class_name}"),
        _rule(QUOTA_CLASS_UPDATE, _ADMIN, "Set a quota class's limits.",
              "PUT", "/v1/quota_classes/{quota_class_name}"),
        _rule(REGISTRY_CREATE, _MEMBER,
              "Record a private registry of the project.",
              "POST", "/v1/registries"),
        _rule(REGISTRY_GET_ONE, _READER, "Show a registry record.",
              "GET", "/v1/registries/{registry_ident}"),
        _rule(REGISTRY_GET_ALL, _READER,
              "List the project's registry records.",
              "GET", "/v1/registries"),
        _rule(REGISTRY_GET_ALL_ALL_PROJECTS, _ADMIN,
              "List every project's registry records.",
              "GET", "/v1/registries"),
        _rule(REGISTRY_UPDATE, _MEMBER, "Change a registry record.",
              "PATCH", "/v1/registries/{registry_ident}"),
        _rule(REGISTRY_DELETE, _MEMBER, "Forget a registry record.",
              "DELETE", "/v1/registries/{registry_ident}"),
        _rule(VOLUME_GET_ONE, _READER, "Show a volume of the project.",
              "GET", "/v1/volumes/{volume_ident}"),
        _rule(VOLUME_GET_ALL, _READER, "List the project's volumes.",
              "GET", "/v1/volumes"),
        _rule(VOLUME_GET_ALL_ALL_PROJECTS, _ADMIN,
              "List every project's volumes.", "GET", "/v1/volumes"),
        _rule(VOLUME_DELETE, _MEMBER,
              "Remove a volume no container mounts, with its data.",
              "DELETE", "/v1/volumes/{volume_ident}"),
    ]


class Enforcer:
    """oslo.policy's enforcer, with its decisions remembered.

    A decision depends only on the rule, the target and the caller's
    credentials, yet oslo.policy stats its policy file and inspects every
    check's signature on each call: about half a millisecond, twice a
    request. Decisions are kept until the rules change; whether the policy
    file changed is asked at most once a second, so an edit still applies
    without a restart.
    """

    RECHECK_SECONDS = 1.0
    MAX_DECISIONS = 10000

    def __init__(self, conf):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(list_rules())
        self._decisions = {}
        self._rules = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def _current(self):
        now = time.monotonic()
        if now - self._checked_at >= self.RECHECK_SECONDS:
            with self._lock:
                self._enforcer.load_rules()
                if self._enforcer.rules is not self._rules:
                    self._rules = self._enforcer.rules
                    self._decisions = {}
                self._checked_at = now
        return self._decisions

    def allows(self, rule, target, context):
        decisions = self._current()
        creds = context.to_policy_values()
        key = (rule, tuple(sorted(target.items())),
               tuple(sorted((name, tuple(value) if isinstance(value, list)
                             else value) for name, value in creds.items())))
        allowed = decisions.get(key)
        if allowed is None:
            allowed = bool(self._enforcer.authorize(rule, target, creds))
            if len(decisions) >= self.MAX_DECISIONS:
                decisions.clear()
            decisions[key] = allowed
        return allowed


def get_enforcer(conf):
    """An enforcer reading conf's [oslo_policy], with our defaults."""
    return Enforcer(conf)


def is_admin(enforcer, context):
    return enforcer.allows(CONTEXT_IS_ADMIN, {}, context)


"""Every option of magnum_lite, registered on a ConfigOpts that is passed in.

Nothing here reads configuration at import time: a process builds one
ConfigOpts (cmd/), calls register_opts() and parse(), and hands it down.
list_opts() feeds oslo-config-generator for etc/magnum_lite/*.conf.sample.
"""
import os
import socket

from oslo_config import cfg
from oslo_log import log
import oslo_messaging
from oslo_messaging import opts as messaging_opts
from oslo_messaging._metrics import client as messaging_metrics
from oslo_messaging._tracing import client as messaging_tracing
from oslo_utils import units

PULL_POLICIES = ("always", "ifnotpresent", "never")
# The in-process bus of the all-in-one; scaled out, use rabbit://.
DEFAULT_TRANSPORT_URL = "kombu+memory:////"

default_opts = [
    cfg.StrOpt("host", default=socket.gethostname(),
               sample_default="<hostname>",
               help="Name of this service's host. A conductor answers RPC "
                    "for the containers whose record names this host."),
    cfg.StrOpt("default_availability_zone", default="nova",
               help="The one availability zone: every host is in it. "
                    "GET /v1/availability_zones lists it, and a create "
                    "may name it (or none)."),
    cfg.StrOpt("state_path", default="/var/lib/magnum_lite",
               help="Top-level directory for the service's state "
                    "(the default SQLite database lives here)."),
]

api_opts = [
    cfg.HostAddressOpt("host", default="127.0.0.1",
                       help="Address the REST API listens on."),
    cfg.PortOpt("port", default=9517, help="Port the REST API listens on."),
    cfg.IntOpt("workers", default=8, min=1,
               help="Threads serving API requests in each API process."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="Largest page a list request returns."),
    cfg.StrOpt("auth_strategy", default="noauth",
               choices=[("noauth", "trust X-Project-Id/X-User-Id/X-Roles"),
                        ("keystone", "keystonemiddleware's auth_token")],
               help="How requests are authenticated."),
    cfg.StrOpt("noauth_project_id", default="demo",
               help="Project of a noauth request without X-Project-Id."),
    cfg.StrOpt("noauth_user_id", default="demo",
               help="User of a noauth request without X-User-Id."),
    cfg.ListOpt("noauth_roles", default=["member", "reader"],
                help="Roles of a noauth request without X-Roles."),
    cfg.IntOpt("max_request_body_size", default=units.Mi, min=1024,
               help="Largest request body accepted, in bytes "
                    "(put_archive sends whole tar files)."),
    cfg.IntOpt("max_container_memory_mb", default=64 * 1024, min=6,
               help="Largest memory limit a container may ask for, in MiB."),
    cfg.IntOpt("max_injected_file_bytes", default=256 * 1024, min=0,
               help="Bytes a create may inject as files (Zun's "
                    "type=bind mounts), all its files together. They are "
                    "kept in the container's record, to be written again "
                    "by a rebuild."),
    cfg.IntOpt("max_output_bytes", default=4 * units.Mi, min=1024,
               help="Most bytes of one logs or exec answer that any process "
                    "holds: a longer one is cut to its newest part (the "
                    "answer says so in a header). A get_archive larger "
                    "than this is refused (413)."),
    cfg.BoolOpt("noauth_on_network", default=False,
                help="Let the API serve with auth_strategy noauth on an "
                     "address other than loopback. Without Keystone anyone "
                     "who reaches the port acts as any project, admin "
                     "included: the API refuses to start so unless this "
                     "says the operator means it. The WSGI module "
                     "(magnum_lite.api.wsgi) cannot know the address its "
                     "server listens on, and needs this for noauth at "
                     "all."),
]

conductor_opts = [
    cfg.StrOpt("topic", default="magnum-lite-conductor",
               help="RPC topic the conductors listen on."),
    cfg.IntOpt("workers", default=16, min=1,
               help="Threads a conductor uses to run operations."),
    cfg.IntOpt("call_timeout", default=60, min=1,
               help="Seconds an RPC call (logs, execute, ...) waits for "
                    "its conductor."),
    cfg.IntOpt("heartbeat_interval", default=1, min=1,
               help="Seconds between a conductor's liveness reports, and "
                    "between two pings of its Docker Engine."),
    cfg.IntOpt("service_down_time", default=5, min=2,
               help="Seconds without a report after which a conductor's "
                    "host counts as lost (docs/status.md). Silence counts "
                    "only while another conductor kept reporting, so a "
                    "database outage makes nobody lost."),
    cfg.IntOpt("replace_after", default=60, min=1,
               help="Seconds a host must have been lost before the creates "
                    "placed on it that its conductor never took up are "
                    "placed again elsewhere (docs/status.md)."),
    cfg.FloatOpt("auto_heal_backoff", default=10, min=0,
                 help="Seconds between the first heal of an auto_heal "
                      "container and the next; each heal in a row waits "
                      "twice as long as the one before."),
    cfg.FloatOpt("auto_heal_backoff_max", default=300, min=0,
                 help="The longest wait between two heals of one "
                      "container. One that stayed fine for twice this "
                      "long starts over at auto_heal_backoff."),
    cfg.IntOpt("reconcile_interval", default=60, min=1,
               help="Seconds between two passes that compare every record "
                    "of this host with its Docker Engine and repair what "
                    "the event stream missed."),
    cfg.IntOpt("request_timeout", default=600, min=1,
               help="Seconds a host must have been lost before the "
                    "requests it never carried out are ended in error "
                    "(nobody else can carry them out)."),
    # What this host may give out; see docs/placement.md.
    cfg.IntOpt("memory_mb", min=1,
               help="Memory of this host in MiB. Unset: what its Docker "
                    "Engine reports. Set it where several engines share "
                    "one machine (each reports the whole machine)."),
    cfg.FloatOpt("cpus", min=0.01,
                 help="CPUs of this host. Unset: what its Docker Engine "
                      "reports."),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0,
               help="MiB of the host kept for the system and Docker, "
                    "never given to containers."),
    cfg.FloatOpt("ram_allocation_ratio", default=1.0, min=0.01,
                 help="How many times its memory (less the reserve) a "
                      "host gives out. Above 1.0 containers may together "
                      "ask for more than there is."),
    cfg.FloatOpt("cpu_allocation_ratio", default=16.0, min=0.01,
                 help="How many times its CPUs a host gives out (CPU "
                      "limits are ceilings; containers rarely use them "
                      "all at once)."),
    cfg.IntOpt("default_memory_mb", default=512, min=6,
               help="MiB a container created without a memory limit "
                    "counts for in placement, and the limit Docker "
                    "enforces on it."),
    cfg.FloatOpt("default_cpus", default=1.0, min=0.01,
                 help="CPUs a container created without a cpu limit "
                      "counts for in placement, and the CFS quota Docker "
                      "enforces on it."),
    cfg.DictOpt("labels", default={},
                help="This host's labels (key:value,...), matched against "
                     "a create's hints {\"label:KEY\": \"VALUE\"}."),
    cfg.IntOpt("max_attempts", default=3, min=1,
               help="Hosts a create is tried on: when a host fails it for "
                    "a reason of its own (the engine away or failing, a "
                    "pull that breaks there), it is placed again on "
                    "another, until this many have tried. A tenant's "
                    "mistake (an image that exists nowhere) is not "
                    "retried."),
    cfg.StrOpt("placement", default="spread",
               choices=[("spread", "the host with the most free memory "
                                   "first: a host's loss hits fewest"),
                        ("pack", "the host with the least free memory "
                                 "that fits first: keeps whole hosts "
                                 "free for large containers")],
               help="Which of the hosts that fit gets a new container."),
    cfg.IntOpt("host_subset_size", default=1, min=1,
               help="Choose at random among this many of the best hosts "
                    "(as Nova's [filter_scheduler] host_subset_size). 1 is "
                    "exactly the placement's order. More spreads a burst "
                    "of creates that all read the hosts before any of them "
                    "claimed, which would otherwise all go to one host."),
]

docker_opts = [
    cfg.StrOpt("api_url", default="unix:///var/run/docker.sock",
               help="Docker Engine endpoint: unix:///path or tcp://h:port."),
    cfg.StrOpt("docker_remote_api_version", default="auto",
               help="Engine API version to speak; 'auto' negotiates."),
    cfg.IntOpt("default_timeout", default=60, min=1,
               help="Seconds to wait for the engine to answer a request."),
    cfg.IntOpt("execute_timeout", default=30, min=1,
               help="Seconds the conductor waits for a command run by "
                    "execute to finish; one still running then goes on in "
                    "the container and the caller gets an error saying so "
                    "(504). Keep it below the [conductor] call_timeout of "
                    "the API processes."),
    cfg.BoolOpt("api_insecure", default=False,
                help="Use TLS without verifying the engine's certificate."),
    cfg.StrOpt("ca_file", help="CA certificate that signed the engine's."),
    cfg.StrOpt("cert_file", help="Client certificate for TLS."),
    cfg.StrOpt("key_file", help="Client key for TLS."),
    cfg.StrOpt("image_pull_policy", default="ifnotpresent",
               choices=PULL_POLICIES,
               help="When to pull a container's image, unless the request "
                    "says: always, ifnotpresent (only when missing), or "
                    "never (fail when missing)."),
    cfg.StrOpt("default_registry",
               help="Registry (host[:port]) for image references that name "
                    "none. Unset means Docker's own default."),
    cfg.StrOpt("network_mode", default="none",
               help="Network mode of the containers created."),
    cfg.IntOpt("pids_limit", default=1024, min=0,
               help="Processes one container may have at once (a fork "
                    "bomb stops there, not at the host's limit). 0 is no "
                    "limit: an operator's explicit choice."),
    cfg.IntOpt("log_max_size", default=10, min=1,
               help="MiB of a container's stdout/stderr log file before "
                    "Docker rotates it (json-file driver)."),
    cfg.IntOpt("log_max_files", default=5, min=1,
               help="Log files Docker keeps per container: its log on "
                    "disk never exceeds log_max_size times this."),
    cfg.BoolOpt("no_new_privileges", default=True,
                help="Run containers with no-new-privileges (a setuid "
                     "binary cannot raise a process's privileges), unless "
                     "an admin asked for a privileged one."),
    cfg.StrOpt("commit_namespace", default="committed.magnum-lite.invalid",
               help="Where a commit puts its image: "
                    "<commit_namespace>/<project id>/<repository>:<tag>. "
                    "A registry-like name under the reserved .invalid "
                    "domain, so that it is never pulled from anywhere, "
                    "and no other project's reference can name it."),
]

database_opts = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL of the database. Unset means SQLite at "
                    "$state_path/magnum_lite.sqlite."),
    cfg.IntOpt("max_pool_size", default=10, min=1,
               help="Connections kept open to a server database."),
    cfg.IntOpt("sqlite_busy_timeout", default=30000, min=0,
               help="Milliseconds SQLite waits for a lock before failing."),
]
# The limits of a project that has none of its own and whose "default"
# quota class says nothing of the resource; -1 is no limit. Zun's defaults.
quota_opts = [
    cfg.IntOpt("containers", default=40, min=-1,
               help="Containers a project may have."),
    cfg.IntOpt("memory", default=50 * 1024, min=-1,
               help="MiB of memory a project's containers may claim (one "
                    "without a limit counts [conductor] "
                    "default_memory_mb)."),
    cfg.IntOpt("cpu", default=20, min=-1,
               help="CPUs a project's containers may claim (one without a "
                    "limit counts [conductor] default_cpus)."),
    cfg.IntOpt("disk", default=100, min=-1,
               help="GiB of disk a project may claim (no container asks "
                    "for disk yet)."),
]

registries_opts = [
    cfg.StrOpt("password_key_file",
               default="$state_path/registry-passwords.key",
               help="Fernet key that encrypts registry passwords in the "
                    "database (magnum_lite/secret.py). Every API and "
                    "conductor process must read the same file; the first "
                    "that needs one and finds none writes it (mode 0600). "
                    "Losing it makes the stored passwords unreadable."),
    cfg.ListOpt("disallowed_hosts",
                default=["127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128",
                         "169.254.0.0/16", "fe80::/10", "::/96",
                         "100.100.100.200/32", "fd00:ec2::254/128"],
                help="Networks (CIDR) a registry may not be in: the "
                     "service and its engines never connect to a registry "
                     "whose name resolves into one (loopback, "
                     "unspecified, link-local, where the cloud's "
                     "metadata address 169.254.169.254 is, IPv4-compatible "
                     "IPv6, and two clouds' other metadata addresses). Add "
                     "the control plane's own networks. Registry "
                     "records, image references and searches that name "
                     "one are refused (400)."),
    cfg.ListOpt("allowed_hosts", default=[],
                help="host:port entries allowed even if they resolve into "
                     "disallowed_hosts (a registry the operator runs on "
                     "loopback, say)."),
    cfg.BoolOpt("check_cached_images", default=True,
                help="Before a project's create uses an image that only "
                     "other projects pulled, and with a registry login, "
                     "ask the registry (a manifest request through the "
                     "engine, no download) whether this project may read "
                     "it, with its own login or none."),
]

websocket_proxy_opts = [
    cfg.BoolOpt("enabled", default=True,
                help="Serve interactive sessions (exec --interactive, "
                     "attach, run --interactive) through a websocket proxy "
                     "in each conductor, which bridges them to its Docker "
                     "Engine."),
    cfg.HostAddressOpt("wsproxy_host", default="127.0.0.1",
                       help="Address the conductor's websocket proxy "
                            "listens on."),
    cfg.PortOpt("wsproxy_port", default=0,
                help="Port it listens on; 0 picks a free one at start "
                     "(several conductors may share a machine). Set one "
                     "when a firewall or base_url needs to know it."),
    cfg.StrOpt("base_url",
               help="The URL clients are handed, without the query "
                    "(ws://host:port/ or wss:// behind a TLS proxy). "
                    "Unset: ws://<wsproxy_host>:<the port listened on>/. "
                    "Scaled out, it must be reachable from the clients, "
                    "for it is the conductor's host they connect to."),
    cfg.ListOpt("allowed_origins", default=[],
                help="Origins (scheme://host[:port]) a browser session may "
                     "come from, besides the proxy's own address (which "
                     "the CLI sends)."),
    cfg.IntOpt("token_ttl", default=60, min=1,
               help="Seconds a session's token may be used in; each token "
                    "opens one session, for the container (and exec) it "
                    "was made for."),
    cfg.IntOpt("max_sessions", default=64, min=1,
               help="Sessions one conductor's proxy holds open at once."),
    cfg.IntOpt("max_sessions_per_container", default=4, min=1,
               help="Sessions open at once on one container."),
    cfg.IntOpt("idle_timeout", default=900, min=1,
               help="Seconds without a byte either way after which a "
                    "session is closed."),
]

capsule_opts = [
    cfg.StrOpt("sandbox_image", default="registry.k8s.io/pause:3.9",
               help="The image of a capsule's sandbox: the container that "
                    "holds the network and IPC namespaces its containers "
                    "join. It must keep running on its own (Kubernetes' "
                    "pause image does). Pulled as [docker] "
                    "image_pull_policy says."),
    cfg.ListOpt("sandbox_command", default=[],
                help="The sandbox's command; empty: the image's own."),
    cfg.IntOpt("sandbox_memory_mb", default=16, min=6,
               help="MiB the sandbox may use, enforced by Docker and "
                    "counted in the capsule's claim."),
    cfg.FloatOpt("sandbox_cpus", default=0.05, min=0.01,
                 help="CPUs the sandbox may use (a CFS quota), counted in "
                      "the capsule's claim."),
    cfg.IntOpt("init_timeout", default=300, min=1,
               help="Seconds an init container may run; one still running "
                    "then fails the capsule."),
]

GROUPS = (
    (None, default_opts),
    ("api", api_opts),
    ("conductor", conductor_opts),
    ("capsule", capsule_opts),
    ("docker", docker_opts),
    ("database", database_opts),
    ("quota", quota_opts),
    ("registries", registries_opts),
    ("websocket_proxy", websocket_proxy_opts),
)


def register_opts(conf):
    """Register every option this service reads on conf."""
    for group, opts in GROUPS:
        conf.register_opts(opts, group=group)
    log.register_options(conf)
    # Before registering: list_opts() hands out copies of oslo.messaging's
    # options, which must equal the ones it registers itself later.
    oslo_messaging.set_transport_defaults("magnum_lite")
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # oslo.messaging 18 registers these two only on the global CONF, from
    # private modules (checked against 18.3.1, as set_defaults' reach;
    # tests/unit/test_library_reaches.py holds both).
    conf.register_opts(messaging_tracing.oslo_messaging_tracing,
                       group="oslo_messaging_tracing")
    conf.register_opts(messaging_metrics.oslo_messaging_metrics,
                       group="oslo_messaging_metrics")
    conf.set_default("transport_url", DEFAULT_TRANSPORT_URL)
    return conf


def database_url(conf):
    """The database URL in force: the configured one or SQLite in state."""
    if conf.database.connection:
        return conf.database.connection
    return "sqlite:///" + os.path.join(conf.state_path, "magnum_lite.sqlite")


def list_opts():
    """Our options, for oslo-config-generator (namespace magnum_lite)."""
    return [(group or "DEFAULT", opts) for group, opts in GROUPS]


def set_defaults():
    """Our default for an option oslo.messaging owns, for the generator's
    oslo.config.opts.defaults hook (it reads the module's own objects)."""
    from oslo_messaging import transport
    oslo_messaging.set_transport_defaults("magnum_lite")
    cfg.set_defaults(transport._transport_opts,
                     transport_url=DEFAULT_TRANSPORT_URL)

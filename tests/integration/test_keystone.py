"""magnum_lite behind a real Keystone: who may do what, and dead tokens."""
import base64
import dataclasses
import datetime
import io
import json
import tarfile
import time
import uuid

from oslo_policy import policy as oslo_policy
import pytest

from harness import stack as shared
from magnum_lite import policy
from tests.integration import keystone_stack

MiB = 1024 * 1024
# persona: (user, project). Roles imply the lesser ones: admin > member >
# reader; alpha-reader's token carries reader alone.
PERSONAS = {
    "reader": ("alpha-reader", "alpha"),
    "member": ("alpha-member", "alpha"),
    "other": ("beta-member", "beta"),
    "admin": ("cloud-admin", "alpha"),
}
READ, WRITE, ADMIN, FIELD = "read", "write", "admin-only", "admin-only field"
QUOTA_READ = "read a project's quota"
REGISTRY = "a project's registry record"
VOLUME = "a project's volume"
ANY_READER = "a reader of any project"
CAPSULE = "a project's capsule"
OK = (200, 202, 204)
COMMIT_NAMESPACE = "committed.magnum-lite.invalid"  # [docker]'s default
# The expected policy, persona by persona. "other" is a member of another
# project: it is not told that the container exists.
EXPECTED = {
    READ: {"reader": 200, "member": 200, "other": 404, "admin": 200},
    WRITE: {"reader": 403, "member": OK, "other": 404, "admin": OK},
    ADMIN: {"reader": 403, "member": 403, "other": 403, "admin": 200},
    # A field of a container body, shown or not (another project's member
    # sees no container at all).
    FIELD: {"reader": "hidden", "member": "hidden", "other": 404,
            "admin": "shown"},
    # A quota is no secret of its project, but another project's member
    # may not read it (there is nothing to hide that it exists).
    QUOTA_READ: {"reader": 200, "member": 200, "other": 403, "admin": 200},
    # Alpha's registry: its reader reads it, its member changes it, beta's
    # member is not told it exists.
    REGISTRY: {"reader": 200, "member": OK + (201,), "other": 404,
               "admin": OK + (201,)},
    # Alpha's volume, as its registry.
    VOLUME: {"reader": 200, "member": OK, "other": 404, "admin": OK},
    # Nothing of a project's: any project's reader may.
    ANY_READER: {"reader": 200, "member": 200, "other": 200, "admin": 200},
}
# The reader's and the other project's answers to the writes.
REGISTRY_WRITES = {"reader": 403, "other": 404}
C = "/v1/containers/{container_ident}"
R = "/v1/registries/{registry_ident}"
V = "/v1/volumes/{volume_ident}"
K = "/v1/capsules/{capsule_ident}"


def _tar(name, data):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode()


def _fill(value, values):
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class Probe:
    """One request that a rule decides; `path` is the rule's documented
    operation, filled in from the target's values."""
    method: str
    path: str
    kind: str
    params: dict = None
    body: dict = None
    other: int = None  # when another project's member gets other than usual
    field: str = None  # FIELD: the container body's field

    def send(self, client, values):
        return client.request(self.method, _fill(self.path, values),
                              params=_fill(self.params, values),
                              json=_fill(self.body, values))

    def expected(self, persona):
        if persona == "other" and self.other is not None:
            return self.other
        return EXPECTED[self.kind][persona]


def _create(kind, **extra):
    # Interactive with a TTY: the attach and resize probes need them.
    return Probe("POST", "/v1/containers", kind, params={"run": "true"},
                 body=dict(name="{name}", image="{image}",
                           command=["sleep", "300"], memory="64",
                           interactive=True, tty=True, **extra))


def _action(verb, kind=WRITE, method="POST", **params):
    return Probe(method, f"{C}/{verb}", kind, params=params or None)


# Every rule with an HTTP operation, and the request that exercises it.
TABLE = {
    policy.CONTAINER_GET_ALL: Probe("GET", "/v1/containers", READ),
    policy.CONTAINER_GET_ONE: Probe("GET", C, READ),
    policy.CONTAINER_LOGS: _action("logs", READ, "GET"),
    policy.CONTAINER_TOP: _action("top", READ, "GET"),
    policy.CONTAINER_STATS: _action("stats", READ, "GET"),
    policy.CONTAINER_GET_ARCHIVE: _action("get_archive", READ, "GET",
                                          path="/tmp"),
    policy.CONTAINER_ACTIONS: Probe("GET", C + "/container_actions", READ),
    policy.CONTAINER_CREATE: _create(WRITE),
    # As Zun: with ifnotpresent, a tenant could run an image another
    # tenant pulled with its own credentials.
    policy.CONTAINER_CREATE_IMAGE_PULL_POLICY: _create(
        ADMIN, image_pull_policy="ifnotpresent"),
    policy.CONTAINER_UPDATE: Probe("PATCH", C, WRITE, body={"memory": "96"}),
    policy.CONTAINER_RENAME: _action("rename", name="{short}-renamed"),
    policy.CONTAINER_EXECUTE: _action("execute", command="true"),
    policy.CONTAINER_PUT_ARCHIVE: Probe(
        "POST", C + "/put_archive", WRITE, params={"path": "/tmp"},
        body={"data": _tar("ks-hello.txt", b"hello\n")}),
    policy.CONTAINER_COMMIT: _action(
        "commit", repository=keystone_stack.COMMIT_REPOSITORY, tag="{short}"),
    policy.CONTAINER_STOP: _action("stop", timeout="0"),
    policy.CONTAINER_START: _action("start"),
    policy.CONTAINER_PAUSE: _action("pause"),
    policy.CONTAINER_UNPAUSE: _action("unpause"),
    policy.CONTAINER_REBOOT: _action("reboot", timeout="0"),
    policy.CONTAINER_KILL: _action("kill", signal="SIGKILL"),
    policy.CONTAINER_DELETE: Probe("DELETE", C, WRITE),
    policy.CONTAINER_CREATE_HOST: _create(ADMIN, host="{host}"),
    policy.IMAGE_GET_ONE: Probe("GET", "/v1/images/{image_id}", ADMIN),
    # Never sent by the admin here: test_cli_image_pull_as_admin pulls.
    policy.IMAGE_PULL: Probe("POST", "/v1/images", ADMIN, body={
        "repo": "{image}", "host": "{host}"}),
    # Never sent by the admin here (an image other tests use).
    policy.IMAGE_DELETE: Probe("DELETE", "/v1/images/{image_id}", ADMIN),
    policy.CONTAINER_CREATE_PRIVILEGED: _create(ADMIN, privileged=True),
    policy.CONTAINER_CREATE_RUNTIME: _create(ADMIN, runtime="runc"),
    policy.CONTAINER_GET_ALL_ALL_PROJECTS: Probe(
        "GET", "/v1/containers", ADMIN, params={"all_projects": "true"}),
    policy.CONTAINER_GET_ONE_ALL_PROJECTS: Probe(
        "GET", C, ADMIN, params={"all_projects": "true"}),
    # Hand-written rather than read from policy.CONTAINER_GET_ONE_FIELDS:
    # this table is the expectation policy is held to.
    **{"container:get_one:" + field: Probe("GET", C, FIELD, field=field)
       for field in ("host", "image_pull_policy", "privileged", "runtime")},
    # The container is looked up before force is judged.
    policy.CONTAINER_DELETE_FORCE: Probe(
        "DELETE", C, ADMIN, params={"force": "true"}, other=404),
    policy.CONTAINER_DELETE_ALL_PROJECTS: Probe(
        "DELETE", C, ADMIN, params={"all_projects": "true"}),
    policy.IMAGE_GET_ALL: Probe("GET", "/v1/images", ADMIN),
    policy.HOST_GET_ALL: Probe("GET", "/v1/hosts", ADMIN),
    policy.HOST_GET: Probe("GET", "/v1/hosts/{host_ident}", ADMIN),
    policy.SERVICE_GET_ALL: Probe("GET", "/v1/services", ADMIN),
    policy.SERVICE_GET: Probe("GET", "/v1/services/{service_id}", ADMIN),
    policy.SERVICE_UPDATE: Probe(
        "PUT", "/v1/services/disable", ADMIN,
        params={"host": "{host}", "binary": "magnum-lite-conductor"}),
    policy.SERVICE_DELETE: Probe(
        "DELETE", "/v1/services", ADMIN,
        params={"host": "{host}", "binary": "magnum-lite-conductor"}),
    policy.QUOTA_GET: Probe("GET", "/v1/quotas/{project_id}", QUOTA_READ,
                            params={"usages": "true"}),
    policy.QUOTA_GET_DEFAULT: Probe(
        "GET", "/v1/quotas/{project_id}/defaults", QUOTA_READ),
    policy.QUOTA_UPDATE: Probe("PUT", "/v1/quotas/{project_id}", ADMIN,
                               body={"containers": 50}),
    policy.QUOTA_DELETE: Probe("DELETE", "/v1/quotas/{project_id}", ADMIN),
    policy.QUOTA_CLASS_GET: Probe(
        "GET", "/v1/quota_classes/{quota_class_name}", ADMIN),
    policy.QUOTA_CLASS_UPDATE: Probe(
        "PUT", "/v1/quota_classes/{quota_class_name}", ADMIN,
        body={"disk": 100}),
    policy.REGISTRY_GET_ALL_ALL_PROJECTS: Probe(
        "GET", "/v1/registries", ADMIN, params={"all_projects": "true"}),
    # On alpha's registry record R (test_registry_rules).
    policy.REGISTRY_GET_ALL: Probe("GET", "/v1/registries", REGISTRY),
    policy.REGISTRY_GET_ONE: Probe("GET", R, REGISTRY),
    policy.REGISTRY_CREATE: Probe("POST", "/v1/registries", REGISTRY,
                                  body={"registry": {
                                      "name": "{name}", "domain": "r.test",
                                      "username": "u", "password": "p"}}),
    policy.REGISTRY_UPDATE: Probe("PATCH", R, REGISTRY, body={
        "registry": {"username": "{name}"}}),
    policy.REGISTRY_DELETE: Probe("DELETE", R, REGISTRY),
    policy.CONTAINER_REBUILD: _action("rebuild"),
    policy.CONTAINER_ATTACH: _action("attach", method="GET"),
    policy.CONTAINER_RESIZE: _action("resize", h="30", w="90"),
    # The exec is the one test_member_and_admin_writes opens first.
    policy.CONTAINER_EXECUTE_RESIZE: _action(
        "execute_resize", exec_id="{exec_id}", h="30", w="90"),
    # In the stack's registry without a login (test_image_search_rule).
    policy.IMAGE_SEARCH: Probe("GET", "/v1/images/{image}/search",
                               ANY_READER),
    # Nothing of a project's (test_zone_and_capsule_rules).
    policy.AVAILABILITY_ZONE_GET_ALL: Probe("GET", "/v1/availability_zones",
                                            ANY_READER),
    policy.CAPSULE_GET_ALL: Probe("GET", "/v1/capsules", ANY_READER),
    # On a capsule of alpha's (test_capsule_rules, which says who may).
    policy.CAPSULE_CREATE: Probe("POST", "/v1/capsules", CAPSULE, body={
        "template": {"kind": "capsule", "metadata": {"name": "{name}"},
                     "spec": {"containers": [{
                         "image": "{image}", "command": ["sleep", "300"],
                         "resources": {"requests": {"memory": 16}}}]}}}),
    policy.CAPSULE_GET: Probe("GET", K, CAPSULE),
    policy.CAPSULE_GET_HOST: Probe("GET", K, CAPSULE, field="host"),
    policy.CAPSULE_GET_ONE_ALL_PROJECTS: Probe(
        "GET", K, CAPSULE, params={"all_projects": "true"}),
    policy.CAPSULE_GET_ALL_ALL_PROJECTS: Probe(
        "GET", "/v1/capsules", CAPSULE, params={"all_projects": "true"}),
    policy.CAPSULE_DELETE: Probe("DELETE", K, CAPSULE),
    policy.CAPSULE_DELETE_ALL_PROJECTS: Probe(
        "DELETE", K, CAPSULE, params={"all_projects": "true"}),
    policy.VOLUME_GET_ALL_ALL_PROJECTS: Probe(
        "GET", "/v1/volumes", ADMIN, params={"all_projects": "true"}),
    # On alpha's volume V (test_volume_rules).
    policy.VOLUME_GET_ALL: Probe("GET", "/v1/volumes", VOLUME),
    policy.VOLUME_GET_ONE: Probe("GET", V, VOLUME),
    policy.VOLUME_DELETE: Probe("DELETE", V, VOLUME),
}
# Handed to the conductor: each is in the action log, which says when and
# how it ended.
CASTS = {policy.CONTAINER_STOP, policy.CONTAINER_START,
         policy.CONTAINER_PAUSE, policy.CONTAINER_UNPAUSE,
         policy.CONTAINER_REBOOT, policy.CONTAINER_KILL,
         policy.CONTAINER_REBUILD}
ON_A_CONTAINER = [name for name, probe in TABLE.items()
                  if "{container_ident}" in probe.path]


def _rules(kind, container_only=False):
    return [name for name, probe in TABLE.items() if probe.kind == kind and
            (name in ON_A_CONTAINER or not container_only)]


# --- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ks():
    return keystone_stack.keystone()


@pytest.fixture(scope="module")
def aio(ks, tmp_path_factory):
    with keystone_stack.all_in_one(ks, tmp_path_factory.mktemp("ks-aio")) \
            as running:
        yield running


@pytest.fixture(scope="module")
def personas(ks, aio):
    """persona: a Client with that persona's token (one each)."""
    return {persona: keystone_stack.Client(aio.url, ks.token(*who))
            for persona, who in PERSONAS.items()}


def _values(aio, container=None, **extra):
    values = {"host": aio.host, "host_ident": aio.host, "image": aio.image,
              "name": "ks-" + uuid.uuid4().hex[:10], "exec_id": "0" * 64}
    if container is not None:
        values.update(container_ident=container,
                      short=container.split("-")[0])
    values.update(extra)
    return values


def _uuids(response):
    assert response.status_code == 200, response.text
    return {c["uuid"] for c in response.json()["containers"]}


def _show(client, container):
    return client.get("/v1/containers/" + container)


def _wait_status(client, container, status, timeout=60):
    def reached():
        body = _show(client, container).json()
        if body.get("status") == status and body.get("task_state") is None:
            return body

    def how():
        body = _show(client, container).json()
        return "container %s %s, no task; it is %s/%s (%s)" % (
            container, status, body.get("status"), body.get("task_state"),
            body.get("status_reason"))

    return shared.wait_for(reached, timeout, 0.1, how)


def _wait_action(client, container, request_id, timeout=60):
    """The action log's entry for `request_id`, once it has ended."""
    path = "/v1/containers/%s/container_actions/%s" % (container, request_id)

    def ended():
        response = client.get(path)
        assert response.status_code == 200, response.text
        entry = response.json()
        if entry["finish_time"] is not None:
            return entry

    return shared.wait_for(ended, timeout, 0.1,
                           lambda: "ended: %s" % client.get(path).text)


def _run(aio, client, rule):
    """Create (and start) a container by `rule`'s probe (or a Probe of
    its own); its uuid."""
    probe = rule if isinstance(rule, Probe) else TABLE[rule]
    response = probe.send(client, _values(aio))
    assert response.status_code == 202, response.text
    return response.json()["uuid"]


@pytest.fixture(scope="module")
def containers(aio, personas):
    """A: alpha's, for reads and the member's writes. B: beta's, for the
    admin's. P: alpha's too, for what must be refused; made by the admin
    (in alpha) with a pull policy and a runtime, to show who sees them
    (a container shows a runtime only when its create named one, as in
    Zun)."""
    made = {
        "A": _run(aio, personas["member"], policy.CONTAINER_CREATE),
        "B": _run(aio, personas["other"], policy.CONTAINER_CREATE),
        "P": _run(aio, personas["admin"], _create(
            ADMIN, image_pull_policy="ifnotpresent", runtime="runc")),
    }
    for key, container in made.items():
        _wait_status(personas["other" if key == "B" else "member"],
                     container, "Running")
    return made


@pytest.fixture(scope="module")
def service_id(aio, personas):
    services = personas["admin"].get("/v1/services").json()["services"]
    return next(str(s["id"]) for s in services if s["host"] == aio.host)


# --- the table itself --------------------------------------------------------

def test_table_covers_every_rule():
    """A rule added without a persona test fails here."""
    documented = {rule.name: rule for rule in policy.list_rules()
                  if isinstance(rule, oslo_policy.DocumentedRuleDefault)}
    assert sorted(TABLE) == sorted(documented)
    for name, probe in TABLE.items():
        operations = {(op["method"], op["path"])
                      for op in documented[name].operations}
        assert (probe.method, probe.path) in operations, name


# --- tokens that are no good -------------------------------------------------

def _assert_unauthorized(ks, response):
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error, = response.json()["errors"]
    assert error["status"] == 401
    assert error["code"] == "magnum_lite.unauthorized"
    assert error["title"] and error["detail"] and error["request_id"]
    assert response.headers["WWW-Authenticate"] == (
        'Keystone uri="%s"' % ks.url)


@pytest.mark.parametrize("token", ["garbage-" + "0" * 32, None],
                         ids=["garbage", "none"])
def test_garbage_or_missing_token_is_401_api_sig(ks, aio, token):
    client = keystone_stack.Client(aio.url, token)
    _assert_unauthorized(ks, client.get("/v1/containers"))


def test_revoked_token_is_401(ks, aio):
    token = ks.token(*PERSONAS["member"])
    client = keystone_stack.Client(aio.url, token)
    assert client.get("/v1/containers").status_code == 200
    ks.revoke(token)
    revoked = time.monotonic()
    # auth_token remembers it validated this token a moment ago: that is
    # the window in which a revoked token works (300 s by default).
    assert client.get("/v1/containers").status_code == 200
    response = None

    def refused():
        nonlocal response
        response = client.get("/v1/containers")
        return response.status_code != 200

    ends = revoked + keystone_stack.TOKEN_CACHE_SECONDS + 5
    shared.wait_for(refused, ends - time.monotonic(), 0.2,
                    "the revoked token refused")
    _assert_unauthorized(ks, response)


def test_expired_token_is_401(ks, aio):
    issued = datetime.datetime.now(datetime.timezone.utc)
    with ks.expiring_token(*PERSONAS["member"], seconds=4) as (token,
                                                               expires):
        # Capped by Keystone (its default lifetime is an hour).
        assert expires <= issued + datetime.timedelta(seconds=4)
        client = keystone_stack.Client(aio.url, token)
        assert client.get("/v1/containers").status_code == 200
        left = (expires - datetime.datetime.now(datetime.timezone.utc))
        # Its expiry is a time, not an event: wait for it, and 1 s more.
        # (Asking until it is refused would test that it ends at some
        # point, not that it ends when Keystone said.)
        time.sleep(max(left.total_seconds(), 0) + 1)
        _assert_unauthorized(ks, client.get("/v1/containers"))
        # Keystone says so too: this is its expiry, not ours.
        service = ks.session("magnum_lite", "service")
        check = service.get(ks.url + "/auth/tokens", raise_exc=False,
                            headers={"X-Subject-Token": token})
        assert check.status_code == 404, check.text


# --- the OpenStack CLI, by password and the catalog -------------------------

def test_cli_by_password_and_catalog(ks, aio, personas):
    name = "ks-cli-" + uuid.uuid4().hex[:8]
    cli = ("alpha-member", "alpha")

    def openstack(*args):
        return json.loads(keystone_stack.openstack(ks, *cli, *args))

    created = openstack("run", "--name", name, "--memory", "64", "-f",
                        "json", aio.image, "sleep", "300")
    container = created["uuid"]
    _wait_status(personas["member"], container, "Running")
    shown = openstack("show", name, "-f", "json")
    assert (shown["uuid"], shown["status"]) == (container, "Running")
    info = aio.docker.inspect_container("magnum-lite-" + container)
    assert info["State"]["Running"]
    assert info["HostConfig"]["Memory"] == 64 * MiB
    assert name in [c["name"] for c in openstack("list", "-f", "json")]
    keystone_stack.openstack(ks, *cli, "delete", "--stop", name)
    shared.wait_for(lambda: not aio.docker.containers(
        all=True, filters={"name": "magnum-lite-" + container}), 60, 0.1,
        "gone from Docker")
    assert _show(personas["member"], container).status_code == 404


def test_cli_all_projects_as_admin(ks, aio, containers):
    listed = json.loads(keystone_stack.openstack(
        ks, *PERSONAS["admin"], "list", "--all-projects", "-f", "json"))
    assert {containers["A"], containers["B"]} <= {c["uuid"] for c in listed}


def test_cli_quotas(ks, aio, personas, containers):
    # The admin sets beta's quota; beta's member reads it, with usage.
    beta = _project_of(personas, containers["B"])
    cli = keystone_stack.openstack
    try:
        cli(ks, *PERSONAS["admin"], "quota", "update", "--memory", "4096",
            "--containers", "7", beta)
        shown = json.loads(cli(ks, *PERSONAS["other"], "quota", "get",
                               "--usages", beta, "-f", "json"))
        assert shown["memory"] == {"limit": 4096, "in_use": 64}
        assert shown["containers"]["limit"] == 7
        default = json.loads(cli(ks, *PERSONAS["admin"], "quota", "class",
                                 "get", "default", "-f", "json"))
        assert default["containers"] == 40
    finally:
        cli(ks, *PERSONAS["admin"], "quota", "delete", beta)
    assert json.loads(cli(ks, *PERSONAS["other"], "quota", "get", beta,
                          "-f", "json"))["containers"] == 40


def test_cli_disable_and_enable_a_host(ks, aio, containers):
    cli = keystone_stack.openstack
    admin = PERSONAS["admin"]
    try:
        shown = json.loads(cli(ks, *admin, "service", "disable", "--reason",
                               "maintenance", aio.host,
                               "magnum-lite-conductor", "-f", "json"))
        assert (shown["Disabled"], shown["Disabled Reason"]) == (
            True, "maintenance")
        listed = json.loads(cli(ks, *admin, "service", "list", "-f",
                                "json"))
        assert [s["Disabled"] for s in listed
                if s["Host"] == aio.host] == [True]
    finally:
        shown = json.loads(cli(ks, *admin, "service", "enable", aio.host,
                               "magnum-lite-conductor", "-f", "json"))
    assert shown["Disabled"] is False


# --- project isolation -------------------------------------------------------

@pytest.mark.parametrize("persona,foreign", [
    ("member", "B"), ("reader", "B"), ("other", "A")])
def test_project_isolation(aio, personas, containers, persona, foreign):
    client = personas[persona]
    container = containers[foreign]
    assert container not in _uuids(client.get("/v1/containers"))
    assert _show(client, container).status_code == 404
    for rule in (policy.CONTAINER_STOP, policy.CONTAINER_DELETE):
        response = TABLE[rule].send(client, _values(aio, container))
        assert response.status_code == 404, (rule, response.text)
    assert aio.docker.inspect_container(
        "magnum-lite-" + container)["State"]["Running"]


# --- reads: reader or member of the project, or admin ------------------------

@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", _rules(READ))
def test_read(aio, personas, containers, rule, persona):
    # The admin reads beta's container: an admin is not held to a project.
    target = containers["B" if persona == "admin" else "A"]
    response = TABLE[rule].send(personas[persona], _values(aio, target))
    if rule == policy.CONTAINER_GET_ALL:
        # Each sees its own project's only (the admin's is alpha).
        seen = _uuids(response)
        assert (containers["A"] in seen) == (persona != "other")
        assert (containers["B"] in seen) == (persona == "other")
        return
    assert response.status_code == TABLE[rule].expected(persona), \
        response.text


# --- admin-only --------------------------------------------------------------

# The admin's own uses of those that change things are where they fit the
# containers' lifecycle: the containers fixture (create:image_pull_policy)
# and test_member_and_admin_writes (create:host, the deletes).
ADMIN_CASES = [(rule, persona) for rule in _rules(ADMIN)
               for persona in PERSONAS
               if persona != "admin" or TABLE[rule].method == "GET"]


@pytest.mark.parametrize("rule,persona", ADMIN_CASES)
def test_admin_only(aio, personas, containers, service_id, rule, persona):
    # The others aim at alpha's P: reader and member own it.
    target = containers["B" if persona == "admin" else "P"]
    response = TABLE[rule].send(personas[persona], _values(
        aio, target, service_id=service_id,
        project_id=_project_of(personas, containers["P"]),
        quota_class_name="default", image_id=_an_image(personas)))
    assert response.status_code == TABLE[rule].expected(persona), \
        response.text
    if rule == policy.CONTAINER_GET_ALL_ALL_PROJECTS and persona == "admin":
        assert set(containers.values()) <= _uuids(response)
    if rule == policy.HOST_GET_ALL and persona == "admin":
        assert aio.host in [h["hostname"] for h in response.json()["hosts"]]
    assert _show(personas["member"], containers["P"]).status_code == 200


def _an_image(personas):
    images = personas["admin"].get("/v1/images").json()["images"]
    return images[0]["uuid"]


def _project_of(personas, container):
    return personas["admin"].get("/v1/containers/" + container).json()[
        "project_id"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", _rules(QUOTA_READ))
def test_quota_read(aio, personas, containers, rule, persona):
    # Alpha's quota: its reader and member read it, beta's member not.
    alpha = _project_of(personas, containers["A"])
    response = TABLE[rule].send(personas[persona], _values(
        aio, project_id=alpha))
    assert response.status_code == TABLE[rule].expected(persona), \
        response.text
    if response.status_code == 200 and rule == policy.QUOTA_GET:
        # Alpha's A and P are running; each claims what it asked.
        assert response.json()["containers"]["in_use"] >= 2


# --- writes: another project's member is told nothing ------------------------

@pytest.mark.parametrize("rule", _rules(WRITE, container_only=True))
def test_other_project_cannot_write(aio, personas, containers, rule):
    response = TABLE[rule].send(personas["other"],
                                _values(aio, containers["P"]))
    assert response.status_code == 404, response.text


# --- writes: the member on alpha's container, the admin on beta's ------------

def _docker(aio, container):
    return aio.docker.inspect_container("magnum-lite-" + container)


# rule: (status after, what Docker shows then)
STEPS = {
    # First: the files and names the later steps leave are checked after.
    policy.CONTAINER_REBUILD: ("Running", lambda i: i["State"]["Running"]),
    policy.CONTAINER_ATTACH: ("Running", None),
    policy.CONTAINER_RESIZE: ("Running", None),
    policy.CONTAINER_EXECUTE_RESIZE: ("Running", None),
    policy.CONTAINER_UPDATE: (
        "Running", lambda i: i["HostConfig"]["Memory"] == 96 * MiB),
    policy.CONTAINER_RENAME: ("Running", None),
    policy.CONTAINER_EXECUTE: ("Running", None),
    policy.CONTAINER_PUT_ARCHIVE: ("Running", None),
    policy.CONTAINER_COMMIT: ("Running", None),
    policy.CONTAINER_STOP: ("Stopped", lambda i: not i["State"]["Running"]),
    policy.CONTAINER_START: ("Running", lambda i: i["State"]["Running"]),
    policy.CONTAINER_PAUSE: ("Paused", lambda i: i["State"]["Paused"]),
    policy.CONTAINER_UNPAUSE: ("Running", lambda i: not i["State"]["Paused"]),
    policy.CONTAINER_REBOOT: ("Running", lambda i: i["State"]["Running"]),
    policy.CONTAINER_KILL: (
        "Stopped", lambda i: i["State"]["ExitCode"] == 137),
}


def _open_exec(client, container):
    """An interactive exec's id (its session is never opened)."""
    opened = client.request(
        "POST", f"/v1/containers/{container}/execute",
        params={"command": "sh", "interactive": "true", "run": "false"})
    assert opened.status_code == 200, opened.text
    assert opened.json()["proxy_url"].startswith("ws://")
    return opened.json()["exec_id"]


def test_member_and_admin_writes(aio, personas, containers):
    member, admin = personas["member"], personas["admin"]
    # The admin places a container on a host of its choosing.
    c = _run(aio, admin, policy.CONTAINER_CREATE_HOST)
    # rule: the ones each persona exercises, then delete (below).
    assert sorted(STEPS) == sorted(
        set(_rules(WRITE, container_only=True)) - {policy.CONTAINER_DELETE})
    pairs = ((member, containers["A"]), (admin, containers["B"]))
    for rule, (status, docker_shows) in STEPS.items():
        sent = []
        for client, container in pairs:
            exec_id = "0" * 64
            if rule == policy.CONTAINER_EXECUTE_RESIZE:
                exec_id = _open_exec(client, container)
            response = TABLE[rule].send(client, _values(
                aio, container, exec_id=exec_id))
            assert response.status_code in OK, (rule, response.text)
            sent.append(response)
        for (client, container), response in zip(pairs, sent):
            if rule in CASTS:
                entry = _wait_action(client, container, response.headers[
                    "X-OpenStack-Request-Id"])
                assert entry["message"] is None, (rule, entry)
            _wait_status(client, container, status)
            if docker_shows is not None:
                assert docker_shows(_docker(aio, container)), rule
    for client, container in pairs:
        short = container.split("-")[0]
        assert _show(client, container).json()["name"] == short + "-renamed"
        # In the container's project's own namespace (docs/security.md).
        project = _show(client, container).json()["project_id"]
        assert aio.docker.images(name="%s/%s/%s:%s" % (
            COMMIT_NAMESPACE, project, keystone_stack.COMMIT_REPOSITORY,
            short))
        aio.docker.get_archive("magnum-lite-" + container,
                               "/tmp/ks-hello.txt")
    # The admin's C stayed on the host it asked for.
    assert _wait_status(admin, c, "Running")["host"] == aio.host
    for client, container, rule in (
            (member, containers["A"], policy.CONTAINER_DELETE),
            (admin, containers["B"], policy.CONTAINER_DELETE_ALL_PROJECTS),
            (admin, c, policy.CONTAINER_DELETE_FORCE)):  # C is running
        response = TABLE[rule].send(client, _values(aio, container))
        assert response.status_code == 204, (rule, response.text)
    deleted = (containers["A"], containers["B"], c)
    shared.wait_for(lambda: all(_show(admin, container).status_code == 404
                                for container in deleted), 60, 0.1,
                    "A, B and C gone")
    for container in deleted:
        assert not aio.docker.containers(
            all=True, filters={"name": "magnum-lite-" + container})


# --- fields for admins only, and what a reader may not do --------------------

def _real_value(aio, field):
    """What P's body holds for `field`, as the admin sees it."""
    return {"host": aio.host, "image_pull_policy": "ifnotpresent",
            "privileged": False, "runtime": "runc"}[field]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", _rules(FIELD))
def test_admin_only_field(aio, personas, containers, rule, persona):
    """As Zun: host, image_pull_policy and such are for admins' eyes."""
    client, field = personas[persona], TABLE[rule].field
    response = TABLE[rule].send(client, _values(aio, containers["P"]))
    expected = TABLE[rule].expected(persona)
    if expected == 404:
        assert response.status_code == 404, response.text
        return
    listed = {c["uuid"]: c for c in client.get(
        "/v1/containers").json()["containers"]}
    for body in (response.json(), listed[containers["P"]]):
        if expected == "shown":
            assert body.get(field, "absent") == _real_value(aio, field)
        else:
            # Absent or null: whatever it is, not the real value.
            assert body.get(field) != _real_value(aio, field)


@pytest.mark.parametrize("rule", _rules(WRITE))
def test_reader_cannot_write(aio, personas, containers, rule):
    response = TABLE[rule].send(personas["reader"],
                                _values(aio, containers["P"]))
    assert response.status_code == 403, response.text


# --- registries --------------------------------------------------------------

@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", _rules(REGISTRY))
def test_registry_rules(aio, personas, rule, persona):
    made = personas["member"].request("POST", "/v1/registries", json={
        "registry": {"name": "reg-" + uuid.uuid4().hex[:8],
                     "domain": "r.test", "username": "u",
                     "password": "pw"}})
    assert made.status_code == 201, made.text
    registry = made.json()["registry"]
    probe = TABLE[rule]
    response = probe.send(personas[persona], dict(
        registry_ident=registry["uuid"], name="reg-" + uuid.uuid4().hex[:8]))
    wanted = probe.expected(persona)
    if probe.method != "GET" and persona in REGISTRY_WRITES:
        wanted = REGISTRY_WRITES[persona]
    if rule == policy.REGISTRY_CREATE and persona == "other":
        wanted = 201  # a registry of beta's own
    if rule == policy.REGISTRY_GET_ALL:
        listed = [r["uuid"] for r in response.json()["registries"]]
        assert (registry["uuid"] in listed) == (persona != "other")
        return
    assert response.status_code in (wanted if isinstance(wanted, tuple)
                                    else (wanted,)), response.text
    if response.status_code == 200 and "registry" in response.json():
        assert response.json()["registry"]["password"] == "***"


# --- volumes and image search ----------------------------------------------

@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", _rules(VOLUME))
def test_volume_rules(aio, personas, rule, persona):
    member = personas["member"]
    name = "vol-" + uuid.uuid4().hex[:8]
    made = member.request("POST", "/v1/containers", json={
        "image": aio.image, "command": ["true"],
        "mounts": [{"source": name, "destination": "/data"}]})
    assert made.status_code == 202, made.text
    container = made.json()["uuid"]
    _wait_status(member, container, "Created")
    assert member.request("DELETE", "/v1/containers/" + container) \
        .status_code == 204
    shared.wait_for(lambda: _show(member, container).status_code == 404,
                    30, 0.1, "%s gone" % container)
    [volume] = [v for v in member.get("/v1/volumes").json()["volumes"]
                if v["name"] == name]
    probe = TABLE[rule]
    response = probe.send(personas[persona],
                          dict(volume_ident=volume["uuid"]))
    wanted = probe.expected(persona)
    if probe.method != "GET" and persona == "reader":
        wanted = 403
    if rule == policy.VOLUME_GET_ALL:
        listed = [v["uuid"] for v in response.json()["volumes"]]
        assert (volume["uuid"] in listed) == (persona != "other")
    else:
        assert response.status_code in (wanted if isinstance(wanted, tuple)
                                        else (wanted,)), response.text
    if response.status_code != 204:
        left = member.request("DELETE", "/v1/volumes/" + volume["uuid"])
        assert left.status_code == 204, left.text
    assert not [v for v in aio.docker.volumes()["Volumes"] or ()
                if v["Name"].endswith(volume["uuid"])]


@pytest.mark.parametrize("persona", PERSONAS)
def test_image_search_rule(aio, personas, persona):
    registry = shared.stack()["MAGNUM_LITE_TEST_REGISTRY"]
    response = TABLE[policy.IMAGE_SEARCH].send(
        personas[persona], dict(image=registry + "/test/busy"))
    assert response.status_code == 200, response.text
    assert registry + "/test/busybox" in [f["name"] for f in
                                          response.json()]


@pytest.mark.parametrize("persona", PERSONAS)
def test_zone_and_capsule_rules(aio, personas, persona):
    zones = TABLE[policy.AVAILABILITY_ZONE_GET_ALL].send(personas[persona],
                                                         {})
    assert zones.status_code == 200, zones.text
    assert zones.json() == {"availability_zones": [
        {"availability_zone": "nova"}]}
    capsules = TABLE[policy.CAPSULE_GET_ALL].send(personas[persona], {})
    assert capsules.status_code == 200, capsules.text
    assert "capsules" in capsules.json()


# What each persona gets of each capsule rule, on a capsule of alpha's
# ("hidden"/"shown": the host field of its body).
_DENIED = {"reader": 403, "member": 403, "other": 403}
CAPSULE_EXPECTED = {
    policy.CAPSULE_CREATE: {"reader": 403, "member": 202, "other": 202,
                            "admin": 202},
    policy.CAPSULE_GET: {"reader": 200, "member": 200, "other": 404,
                         "admin": 200},
    policy.CAPSULE_GET_HOST: {"reader": "hidden", "member": "hidden",
                              "other": 404, "admin": "shown"},
    policy.CAPSULE_GET_ONE_ALL_PROJECTS: dict(_DENIED, admin=200),
    policy.CAPSULE_GET_ALL_ALL_PROJECTS: dict(_DENIED, admin=200),
    policy.CAPSULE_DELETE: {"reader": 403, "member": 204, "other": 404,
                            "admin": 204},
    policy.CAPSULE_DELETE_ALL_PROJECTS: dict(_DENIED, admin=204),
}


@pytest.fixture(scope="module")
def capsule(aio, personas):
    """A capsule of alpha's that the reading probes share."""
    made = _capsule_of(aio, personas["member"])
    yield made
    personas["member"].request("DELETE", "/v1/capsules/" + made)


def _capsule_of(aio, client):
    probe = TABLE[policy.CAPSULE_CREATE]
    made = probe.send(client, _values(aio))
    assert made.status_code == 202, made.text
    return made.json()["uuid"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", sorted(CAPSULE_EXPECTED))
def test_capsule_rules(aio, personas, capsule, rule, persona):
    probe, wanted = TABLE[rule], CAPSULE_EXPECTED[rule][persona]
    target = capsule
    if probe.method == "DELETE":
        target = _capsule_of(aio, personas["member"])
    response = probe.send(personas[persona],
                          dict(_values(aio), capsule_ident=target))
    if probe.field is not None:
        if wanted == 404:
            assert response.status_code == 404, response.text
        else:
            assert response.status_code == 200, response.text
            shown = "shown" if probe.field in response.json() else "hidden"
            assert shown == wanted
    else:
        assert response.status_code == wanted, response.text
    if rule == policy.CAPSULE_CREATE and response.status_code == 202:
        made = response.json()["uuid"]
        assert personas[persona].request(
            "DELETE", "/v1/capsules/" + made).status_code == 204
    if rule == policy.CAPSULE_GET_ALL_ALL_PROJECTS and wanted == 200:
        assert capsule in [c["uuid"] for c in response.json()["capsules"]]
    if probe.method == "DELETE" and response.status_code != 204:
        assert personas["member"].request(
            "DELETE", "/v1/capsules/" + target).status_code == 204


def test_cli_image_show_and_delete_as_admin(ks, aio):
    # An image tag of the test's own on the all-in-one's engine.
    tag = "ks-untag-" + uuid.uuid4().hex[:6]
    aio.docker.tag(aio.image, tag, "1.0")

    def openstack(*args):
        return keystone_stack.openstack(ks, *PERSONAS["admin"], *args)

    listed = json.loads(openstack("image", "list", "-f", "json"))
    [row] = [i for i in listed if (i["repo"], i["tag"]) == (tag, "1.0")]
    shown = json.loads(openstack("image", "show", row["uuid"], "-f",
                                 "json"))
    assert (shown["repo"], shown["image_id"]) == (tag, row["image_id"])
    openstack("image", "delete", row["uuid"])
    assert tag + ":1.0" not in [t for i in aio.docker.images()
                                for t in i.get("RepoTags") or []]


def test_cli_image_pull_as_admin(ks, aio):
    pulled = json.loads(keystone_stack.openstack(
        ks, *PERSONAS["admin"], "image", "pull",
        shared.stack()["MAGNUM_LITE_TEST_REGISTRY_IMAGE"], aio.host, "-f",
        "json"))
    assert (pulled["repo"], pulled["tag"], pulled["host"]) == (
        shared.stack()["MAGNUM_LITE_TEST_REGISTRY_IMAGE"].rsplit(":", 1)[0],
        "1.0", aio.host)

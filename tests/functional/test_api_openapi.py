"""Schemathesis drives every operation of the OpenAPI document the API
serves, against the real WSGI app: no answer the document does not
declare (status, content type, body), and every operation reaches its
success status."""
import base64
import re

import hypothesis
import jsonschema
from keystonemiddleware import opts as keystone_opts
import oslo_messaging as messaging
import pytest
import schemathesis
from schemathesis import checks
from schemathesis import GenerationMode
import webob

from harness import stack as shared
from magnum_lite.api import app as api_app
from magnum_lite.api import openapi
from magnum_lite.api import routes
from magnum_lite.api import views
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects

from tests.functional.api_fixtures import FakeConductor
from tests.functional.api_fixtures import HOST
from tests.functional.api_fixtures import report_host
from tests.functional.api_fixtures import tar_of

pytest_plugins = ["tests.functional.api_fixtures"]

# A generated sweep of a minute and more, mostly CPU: .ci/test runs it in
# the stage beside the rest, whose tests leave a core to spare.
pytestmark = [pytest.mark.parametrize("api_database", ["sqlite"],
                                      indirect=True),
              pytest.mark.slow]

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance,
          checks.response_schema_conformance]
# derandomize: the same cases on every run, so CI cannot be flaky.
SETTINGS = hypothesis.settings(
    max_examples=40, deadline=None, database=None, derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck))
# Callers of the demo project (the noauth default): a member, and an admin
# (who sees the fields policy hides from the member, hosts and services).
PERSONAS = ({}, {"X-Roles": "admin"})
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# What generated data seldom hits by chance, given outright: a body of
# valid base64, at a version that carries archives so.
_ADMIN = {"X-Roles": "admin", "OpenStack-API-Version": "container latest"}
_NAMED = {"host": HOST, "binary": "magnum-lite-conductor"}
_LAST = {"DELETE /v1/registries/{registry_ident}",
         "DELETE /v1/volumes/{volume_ident}"}
HINTS = {
    "POST /v1/containers/{container_ident}/put_archive": {
        "body": {"data": base64.b64encode(tar_of("hi.txt", b"hi")).decode()},
        "headers": {"OpenStack-API-Version": "container latest"}},
    # Services are named in the query: a generated name is never found.
    "PUT /v1/services/enable": {"query": _NAMED, "headers": _ADMIN},
    "PUT /v1/services/disable": {"query": _NAMED, "headers": _ADMIN},
    "PUT /v1/services/force_down": {
        "query": dict(_NAMED, forced_down="false"), "headers": _ADMIN},
    # One with no containers (world's are on HOST).
    "DELETE /v1/services": {"query": dict(_NAMED, host="host-empty"),
                            "headers": _ADMIN},
    # Registries are served from 1.30, which generated headers seldom ask.
    **{op + " /v1/registries/{registry_ident}": {"headers": _ADMIN}
       for op in ("GET", "PATCH", "DELETE")},
    "GET /v1/registries": {"headers": _ADMIN},
    # A pull names a live host: a generated name is never one.
    "POST /v1/images": {"headers": _ADMIN,
                        "body": {"repo": "busybox", "host": HOST}},
    # Quotas are served from 1.26 and changed by admins, with a body of
    # limits: all three together seldom come by chance.
    "PUT /v1/quotas/{project_id}": {"headers": _ADMIN,
                                    "body": {"containers": 10}},
    "PUT /v1/quota_classes/{quota_class_name}": {
        "headers": _ADMIN, "body": {"memory": 2048}},
    "POST /v1/registries": {"headers": _ADMIN,
                            "body": {"registry": {"domain": "r.example"}}},
    # A template is a deep document that generated bodies never make.
    "POST /v1/capsules": {"body": {"template": {
        "kind": "capsule", "metadata": {},
        "spec": {"containers": [{"image": "busybox"}]}}}},
}


@pytest.fixture
def world(database, conf, conductor_host, make_container):
    """Something to act on, in the statuses the actions need: the path
    values that name it."""
    report_host("host-empty")
    running = make_container(name="web", project="demo", tty=True,
                             interactive=True)
    stopped = make_container(name="idle", project="demo",
                             status=lifecycle.STOPPED)
    paused = make_container(name="napping", project="demo",
                            status=lifecycle.PAUSED)
    context = ml_context.RequestContext(project_id="demo", user_id="demo",
                                        request_id="req-in-the-log")
    objects.ContainerAction.begin(context, running.uuid, "stop")
    registry = objects.Registry(context, name="private", domain="r.example",
                                username="demo", project_id="demo",
                                user_id="demo")
    registry.create()
    volume = objects.Volume(context, name="data", project_id="demo",
                            user_id="demo", host=conductor_host.host)
    volume.create()
    capsule = make_container(name="pod", project="demo", kind="capsule")
    make_container(name="pod-app", project="demo", kind="capsule-container",
                   capsule_id=capsule.uuid)
    # By uuid: rename and update would lose a container named by name.
    return {"container_ident": [c.uuid for c in (running, stopped, paused)],
            "request_id": ["req-in-the-log"],
            "host_ident": [conductor_host.host],
            "service_id": [str(conductor_host.id)],
            "project_id": ["demo"], "quota_class_name": ["default"],
            "registry_ident": [registry.uuid],
            "volume_ident": [volume.uuid], "image": ["busybox"],
            "capsule_ident": [capsule.uuid],
            "image_id": [_image_uuid(conductor_host.host)]}


def _image_uuid(host):
    """The uuid the API gives the first tagged image FakeConductor lists
    on `host`."""
    image = FakeConductor().images(None, host)[0]
    return views.image_uuid(host, image["id"], "localbusybox", "latest")


def _bindings(path, world):
    """Every way to fill `path` with values of `world`."""
    bindings = [{}]
    for name in re.findall(r"\{(\w+)\}", path):
        bindings = [dict(binding, **{name: value})
                    for binding in bindings for value in world[name]]
    return bindings


def _strategy(operation, world):
    """Cases of each persona: with generated path values (mostly not
    found), and with each binding of `world`'s, both with valid data and
    with data that breaks the schema (which must be a declared 4xx)."""
    bindings = _bindings(operation.path, world)
    strategies = []
    for persona in PERSONAS:
        strategies.append(operation.as_strategy(headers=dict(persona)))
        strategies += [operation.as_strategy(
            mode, path_parameters=binding, headers=dict(persona))
            for binding in bindings for mode in MODES]
    strategies += [operation.as_strategy(path_parameters=binding,
                                         **HINTS[operation.label])
                   for binding in bindings if operation.label in HINTS]
    return hypothesis.strategies.one_of(strategies)


def _closed(schema):
    """`schema` with every object that names its properties admitting no
    others: an answer may carry no key its schema does not name."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: (_closed(value) if key != "properties" else
                    {name: _closed(item) for name, item in value.items()})
              for key, value in schema.items()}
    if "properties" in schema:
        closed.setdefault("additionalProperties", False)
    return closed


def declared(method, path, status):
    """The document's response for `status`, its $ref resolved; None if
    it declares none."""
    document = openapi.document()
    response = document["paths"][path][method.lower()]["responses"].get(
        str(status))
    if response is not None and "$ref" in response:
        response = document["components"]["responses"][
            response["$ref"].rsplit("/", 1)[-1]]
    return response


def keeps_to_the_document(case, seen, checks_=CHECKS):
    """Schemathesis' strict checks, and what they leave open: a bodiless
    answer has no body, and a body names no key its schema does not."""
    response = case.call_and_validate(checks=checks_)
    seen.add((case.operation.label, response.status_code))
    answer = declared(case.method, case.operation.path,
                      response.status_code)
    if "content" not in answer:
        assert response.content == b"", case.operation.label
        return
    schema = answer["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), _closed(schema))


def _run(app, world, labels, checks_=CHECKS, examples=40):
    """Drive the operations of `labels`; the (label, status) pairs they
    answered."""
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    seen = set()
    # The registry's delete last: its GET and PATCH need the registry.
    for label in sorted(labels, key=lambda name: (name in _LAST, name)):
        # Looked up by path: get_all_operations() leaves out the one that
        # serves the document.
        method, path = label.split(" ", 1)
        operation = schema[path][method]

        @hypothesis.given(case=_strategy(operation, world))
        @hypothesis.settings(SETTINGS, max_examples=examples)
        def drive(case):
            keeps_to_the_document(case, seen, checks_)
        drive()
    return seen


def _successes():
    """{"GET /v1/...": the one 2xx status it declares}."""
    return {f"{method.upper()} {path}": int(status)
            for path, methods in openapi.document()["paths"].items()
            for method, operation in methods.items()
            for status in operation["responses"] if status.startswith("2")}


def test_every_operation_keeps_to_the_document(conf, world):
    successes = _successes()
    seen = _run(api_app.build_app(conf, FakeConductor()), world, successes)
    assert len(successes) > 25
    missed = sorted(label for label, status in successes.items()
                    if (label, status) not in seen)
    assert missed == [], "never reached its success status: %s" % missed


class _Away:
    """A conductor that never answers: every call and cast fails as the
    bus does when no conductor takes it, and a command run in a container
    outlives its timeout."""

    def __getattr__(self, method):
        def fail(*args, **kwargs):
            if method == "execute":
                raise exception.ExecuteTimeout(timeout=30)
            raise messaging.MessagingTimeout()
        return fail


def test_a_conductor_away_answers_only_declared_statuses(conf, world):
    # 5xx are expected here; the question is whether each is declared.
    app = api_app.build_app(conf, _Away())
    seen = _run(app, world, _successes(),
                [check for check in CHECKS
                 if check is not checks.not_a_server_error], examples=20)
    assert ("POST /v1/containers", 503) in seen
    assert ("GET /v1/images", 503) in seen
    # Which container the examples pick varies from run to run; the
    # timeout needs the running one, so ask for it outright too.
    running = world["container_ident"][0]
    request = webob.Request.blank(
        f"/v1/containers/{running}/execute?command=true", method="POST")
    assert request.get_response(app).status_int == 504
    execute = openapi.document()["paths"][
        "/v1/containers/{container_ident}/execute"]["post"]
    assert "504" in execute["responses"]


def test_keystone_without_a_token_answers_only_declared_statuses(world):
    conf = shared.make_conf(api={"auth_strategy": "keystone"})
    for group, options in keystone_opts.list_auth_token_opts():
        conf.register_opts(options, group=group)
    conf.set_override("www_authenticate_uri", "http://keystone.invalid/v3",
                      group="keystone_authtoken")
    seen = _run(api_app.build_app(conf, FakeConductor()), world,
                _successes(), examples=5)
    refused = {label for label, status in seen if status == 401}
    public = {f"GET {path}" for path in routes.PUBLIC}
    assert refused == set(_successes()) - public


"""Who may do what, and how failures look: noauth and keystone contexts,
policy, and errors from the layers below, always in the API-SIG form."""
import logging

from keystonemiddleware import opts as keystone_opts
from oslo_context import context as oslo_context
import oslo_messaging as messaging
from oslo_policy import opts as policy_opts
import pytest
import webob

from harness import stack as shared
from magnum_lite.api import app as api_app
from magnum_lite.api import auth
from magnum_lite import exception
from magnum_lite import policy

from tests.functional.api_fixtures import Client
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.usefixtures("conductor_host")


def test_noauth_without_headers_uses_the_configured_identity(app):
    request = webob.Request.blank("/v1/containers", method="POST",
                                  body=b'{"image": "busybox"}',
                                  content_type="application/json")
    response = request.get_response(app)
    assert response.status_int == 202
    assert (response.json["project_id"], response.json["user_id"]) == (
        "demo", "demo")


def test_noauth_trusts_the_identity_headers(api):
    response = api.as_(project="team-x", user="alice").post(
        "/v1/containers", {"image": "busybox"})
    assert (response.json["project_id"], response.json["user_id"]) == (
        "team-x", "alice")


def test_unexpected_failure_is_500_without_the_traceback(api, conductor,
                                                         make_container,
                                                         caplog):
    container = make_container()
    conductor.fail["logs"] = RuntimeError("secret internals at 0xdead")
    with caplog.at_level(logging.ERROR, logger="magnum_lite.api.errors"):
        response = api.get(f"/v1/containers/{container.uuid}/logs")
    assert response.status_int == 500
    error = error_of(response)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert error["code"] == "magnum_lite.internal_error"
    [record] = caplog.records
    assert error["request_id"] in record.getMessage()
    assert "secret internals" in caplog.text  # the log keeps the cause


@pytest.mark.parametrize("error, status, code", [
    (messaging.MessagingTimeout("no answer"), 503, "no_conductor"),
    (exception.DockerUnavailable(url="unix:///x", reason="gone"), 503,
     "docker_unavailable"),
    (exception.ContainerNotFound(container="x"), 404,
     "container_not_found"),
    (exception.DockerInvalid(explanation="bad path"), 400, "docker_invalid"),
    (exception.DockerError(explanation="disk full"), 500, "docker_error"),
    (exception.ExecuteTimeout(timeout=30), 504, "execute_timeout"),
])
def test_conductor_errors_keep_their_meaning(api, conductor, make_container,
                                             error, status, code):
    container = make_container()
    conductor.fail["get_archive"] = error
    response = api.get(f"/v1/containers/{container.uuid}/get_archive"
                       "?path=/x")
    assert response.status_int == status
    assert error_of(response)["code"] == "magnum_lite." + code


def test_create_the_conductor_does_not_take_leaves_no_record(api,
                                                             conductor):
    conductor.fail["create"] = messaging.MessagingTimeout("no answer")
    response = api.post("/v1/containers", {"image": "busybox"})
    assert response.status_int == 503
    error_of(response)
    assert container_rows() == []


def test_policy_file_can_forbid_what_the_defaults_allow(database,
                                                        conductor, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"container:create": "!"\n')
    conf = shared.make_conf()
    for group, options in policy_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override("policy_file", str(policy_file), group="oslo_policy")
    api = Client(api_app.build_app(conf, conductor))
    response = api.post("/v1/containers", {"image": "busybox"})
    assert response.status_int == 403
    assert "container:create" in error_of(response)["detail"]
    assert container_rows() == []


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/hosts"), ("GET", "/v1/services"), ("GET", "/v1/images"),
    ("GET", "/v1/containers?all_projects=True"),
])
def test_admin_only_resources_are_403_for_tenants(api, method, path):
    response = api.request(method, path)
    assert response.status_int == 403
    error = error_of(response)
    # python-zunclient prints only the title: it must say what was refused.
    assert error["title"].startswith("Policy does not allow")


@pytest.fixture
def keystone_app(database, conductor):
    conf = shared.make_conf(api={"auth_strategy": "keystone"})
    for group, options in keystone_opts.list_auth_token_opts():
        conf.register_opts(options, group=group)
    conf.set_override("www_authenticate_uri", "http://keystone.invalid/v3",
                      group="keystone_authtoken")
    return api_app.build_app(conf, conductor)


def test_keystone_requests_without_a_token_are_401(keystone_app):
    request = webob.Request.blank("/v1/containers", headers={
        "X-Project-Id": "project-a", "X-Roles": "admin"})
    response = request.get_response(keystone_app)
    assert response.status_int == 401
    error = error_of(response)
    assert "requires authentication" in error["title"]
    assert error["code"] == "magnum_lite.unauthorized"
    assert "keystone.invalid" in response.headers["WWW-Authenticate"]


def test_keystone_leaves_version_discovery_open(keystone_app):
    for path in ("/", "/v1", "/v1/openapi.json", "/healthcheck"):
        response = webob.Request.blank(path).get_response(keystone_app)
        assert response.status_int == 200, path


def test_keystone_context_comes_only_from_a_confirmed_identity():
    conf = shared.make_conf(api={"auth_strategy": "keystone"})
    enforcer = policy.get_enforcer(conf)
    headers = {"X-Project-Id": "p1", "X-User-Id": "u1", "X-Roles": "admin"}
    claimed = auth.context(webob.Request.blank("/", headers=headers), conf,
                           enforcer)
    assert (claimed.project_id, claimed.roles, claimed.is_admin) == (
        None, [], False)
    headers["X-Identity-Status"] = "Confirmed"
    confirmed = auth.context(webob.Request.blank("/", headers=headers),
                             conf, enforcer)
    assert (confirmed.project_id, confirmed.user_id) == ("p1", "u1")
    assert confirmed.is_admin


class _Stamps(logging.Handler):
    """What oslo.log would stamp each line with: the thread's context."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.stamps = []

    def emit(self, record):
        current = oslo_context.get_current()
        self.stamps.append((record.getMessage(), current and (
            current.user_id, current.project_id, current.request_id)))


def test_log_lines_name_their_own_request_or_none(app, keystone_app):
    # One thread serves both requests, as a server's worker does.
    served = webob.Request.blank("/v1/containers", headers={
        "X-Project-Id": "alices-project", "X-User-Id": "alice",
        "X-Roles": "member"}).get_response(app)
    assert served.status_int == 200
    assert oslo_context.get_current() is None

    stamps = _Stamps()
    root = logging.getLogger()
    root.addHandler(stamps)
    old_level, root.level = root.level, logging.DEBUG
    try:
        refused = webob.Request.blank("/v1/containers").get_response(
            keystone_app)
    finally:
        root.removeHandler(stamps)
        root.level = old_level
    assert refused.status_int == 401
    request_id = refused.headers["X-OpenStack-Request-Id"]
    assert stamps.stamps, "the refusal logged nothing to check"
    for message, stamp in stamps.stamps:
        assert stamp == (None, None, request_id), message
    assert oslo_context.get_current() is None


def test_every_answer_is_in_the_access_log(api, make_container, caplog):
    container = make_container()
    with caplog.at_level(logging.INFO, logger="magnum_lite.api.app"):
        api.get(f"/v1/containers/{container.uuid}")
        api.get("/v1/containers/no-such-one")
        api.get("/v1/containers?limit=x")
    lines = [r.getMessage() for r in caplog.records]
    assert f'"GET /v1/containers/{container.uuid}" status: 200' in lines[0]
    assert '"GET /v1/containers/no-such-one" status: 404' in lines[1]
    assert '"GET /v1/containers?limit=x" status: 400' in lines[2]
    assert len(lines) == 3


def test_the_access_log_leaves_out_an_executed_command(api, make_container,
                                                       caplog):
    """A command may carry a secret: its text never reaches the log."""
    container = make_container()
    with caplog.at_level(logging.DEBUG, logger="magnum_lite"):
        answer = api.post(f"/v1/containers/{container.uuid}/execute"
                          "?run=true&command=echo%20s3cret-token")
    assert answer.status_int == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "s3cret-token" not in logged
    assert (f'"POST /v1/containers/{container.uuid}/execute'
            '?run=true&command=***" status: 200') in logged

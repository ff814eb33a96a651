"""Bytes that are not valid UTF-8 where text is expected (a query string,
a path, a header, a JSON body) are the caller's mistake: a 400 in the
API-SIG form, and nothing is done."""
import pytest
import webob

from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.usefixtures("conductor_host")

# An encoded UTF-16 surrogate: percent-decodes to bytes no UTF-8 decoder
# accepts; and a lone continuation byte.
BAD = ["%ED%A0%80", "%80", "%FF%FE"]


def _request(path, method="GET", headers=(), body=None):
    request = webob.Request.blank(path, method=method)
    request.headers.update({"X-Project-Id": "project-a",
                            "X-User-Id": "user-a", "X-Roles": "member",
                            "OpenStack-API-Version": "container 1.40",
                            **dict(headers)})
    if body is not None:
        request.body = body
        request.content_type = "application/json"
    return request


def _assert_400(app, request):
    response = request.get_response(app)
    assert response.status_int == 400, response.text
    error = error_of(response)
    assert error["status"] == 400
    assert "UTF-8" in error["detail"]
    return error


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/containers?name={}"),
    ("GET", "/v1/containers/{{c}}?all_projects={}"),
    ("POST", "/v1/containers/{{c}}/stop?timeout={}"),
    ("POST", "/v1/containers/{{c}}/start?{}=1"),
    ("DELETE", "/v1/containers/{{c}}?force={}"),
    ("POST", "/v1/containers?run={}"),
])
def test_query_that_is_not_utf8(app, make_container, conductor, method,
                                path, bad):
    container = make_container()
    body = b'{"image": "busybox"}' if method == "POST" and \
        path.startswith("/v1/containers?") else None
    url = path.format(bad).replace("{c}", container.uuid)
    _assert_400(app, _request(url, method, body=body))
    assert conductor.calls == []


@pytest.mark.parametrize("bad", BAD)
def test_path_that_is_not_utf8(app, conductor, bad):
    _assert_400(app, _request("/v1/containers/" + bad))
    _assert_400(app, _request("/v1/containers/" + bad + "/stop", "POST"))
    assert conductor.calls == []


@pytest.mark.parametrize("header", ["X-Project-Id", "X-User-Id", "X-Roles",
                                    "OpenStack-API-Version",
                                    "Idempotency-Key"])
def test_header_that_is_not_utf8(app, conductor, header):
    request = _request("/v1/containers", "POST",
                       body=b'{"image": "busybox"}')
    # WSGI carries header values as latin-1 strings of the raw bytes.
    request.environ["HTTP_" + header.upper().replace("-", "_")] = \
        b"\xed\xa0\x80".decode("latin-1")
    _assert_400(app, request)
    assert conductor.calls == []


def test_body_that_is_not_utf8(app, conductor):
    _assert_400(app, _request("/v1/containers", "POST",
                              body=b'{"image": "busy\xffbox"}'))
    assert conductor.calls == []

"""A tenant cannot make the service connect to the control plane's own
loopback through a registry: a local HTTP endpoint standing for something
on it (a metadata service, an admin port), named by a registry record, an
image on a create, an image pull or a search, gets a 400 from a running
all-in-one and not one connection. Listed in [registries] allowed_hosts,
the same endpoint is recorded and searched: the filter, nothing else,
refused it. The search's own connection (docker/catalog.py) checks again
and follows no redirect."""
import contextlib
import http.server
import json
import socketserver
import threading

import pytest

from harness import stack as shared
from magnum_lite.docker import catalog
from magnum_lite import exception

V = "container 1.31"


class _Counting(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    accepted = 0
    redirect_to = None  # a URL every request is sent to (302), if set

    def __init__(self, *args):
        super().__init__(*args)
        self.paths = []

    def get_request(self):
        request = super().get_request()
        self.accepted += 1
        return request


class _Registry(http.server.BaseHTTPRequestHandler):
    """Just enough of the Registry API v2 for a search."""
    ANSWERS = {"/v2/_catalog": {"repositories": ["team/app"]},
               "/v2/team/app/tags/list": {"name": "team/app",
                                          "tags": ["1.0"]}}

    def do_GET(self):
        self.server.paths.append(self.path)
        path = self.path.split("?")[0]
        if self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(self.ANSWERS.get(path, {})).encode()
        self.send_response(200 if path in self.ANSWERS else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    """host:port of a counting HTTP server on loopback, for one test."""
    server = _Counting(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.domain = "127.0.0.1:%d" % server.server_address[1]
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def _all_in_one(state, allowed_hosts):
    """magnum-lite-all on the stack's engine with these allowed_hosts; its
    port and conductor host, once its conductor has reported."""
    with shared.all_in_one(state, allowed_hosts=allowed_hosts) as aio:
        shared.wait_for(
            lambda: _call(aio.port, "GET", "/v1/services")[0] == 200, 60,
            0.2, "a service reported")
        yield aio.port, aio.host


def _call(port, method, path, body=None):
    return shared.request_json(port, method, path, body, headers={
        "Content-Type": "application/json", "OpenStack-API-Version": V,
        "X-Project-Id": "reghosts", "X-User-Id": "tester",
        "X-Roles": "admin"})


def _refused(answer, domain):
    status, body = answer
    assert status == 400, body
    [error] = body["errors"]
    assert f"registry host {domain} is refused" in error["detail"]
    assert "[registries] disallowed_hosts" in error["detail"]


def test_every_way_of_naming_the_endpoint_is_refused(endpoint, tmp_path):
    with _all_in_one(tmp_path, shared.allowed_registries()) as (port, host):
        image = endpoint.domain + "/team/app:1.0"
        _refused(_call(port, "POST", "/v1/registries", {"registry": {
            "name": "inside", "domain": endpoint.domain}}), endpoint.domain)
        _refused(_call(port, "POST", "/v1/containers?run=true",
                       {"image": image, "command": ["true"]}),
                 endpoint.domain)
        _refused(_call(port, "POST", "/v1/images",
                       {"repo": image, "host": host}), endpoint.domain)
        _refused(_call(port, "GET", "/v1/images/%s/team/search" %
                       endpoint.domain), endpoint.domain)
        assert _call(port, "GET", "/v1/registries")[1]["registries"] == []
        assert _call(port, "GET", "/v1/containers")[1]["containers"] == []
        # The stack's registry, which the config allows, is searched.
        registry = shared.stack()["MAGNUM_LITE_TEST_REGISTRY"]
        status, found = _call(port, "GET",
                              "/v1/images/%s/test/search" % registry)
        assert status == 200, found
        assert registry + "/test/busybox" in [f["name"] for f in found]
    assert endpoint.accepted == 0


def test_listed_in_allowed_hosts_the_endpoint_is_used(endpoint, tmp_path):
    allowed = shared.allowed_registries() + [endpoint.domain]
    with _all_in_one(tmp_path, allowed) as (port, host):
        status, made = _call(port, "POST", "/v1/registries", {"registry": {
            "name": "inside", "domain": endpoint.domain}})
        assert status == 201, made
        status, found = _call(port, "GET", "/v1/images/%s/team/search" %
                              endpoint.domain)
        assert status == 200, found
        assert [(f["name"], f["tags"]) for f in found] == [
            (endpoint.domain + "/team/app", ["1.0"])]
    # The catalog, then the tags (HTTP/1.0: a connection each).
    assert endpoint.accepted == 2


def test_the_search_checks_again_before_it_connects(endpoint):
    refusing = shared.make_conf(registries={"allowed_hosts": []})
    with pytest.raises(exception.RegistryHostRefused):
        catalog.search(endpoint.domain, "team", conf=refusing)
    assert endpoint.accepted == 0
    allowing = shared.make_conf(
        registries={"allowed_hosts": [endpoint.domain]})
    assert catalog.search(endpoint.domain, "team", conf=allowing) == [
        {"name": endpoint.domain + "/team/app", "tags": ["1.0"]}]


def test_the_search_follows_no_redirect(endpoint):
    # A registry allowed could send the search anywhere, past the check.
    endpoint.redirect_to = "http://%s/v2/elsewhere" % endpoint.domain
    allowing = shared.make_conf(
        registries={"allowed_hosts": [endpoint.domain]})
    with pytest.raises(exception.RegistryUnreachable) as raised:
        catalog.search(endpoint.domain, "team", conf=allowing)
    assert "which a search does not follow" in str(raised.value)
    assert endpoint.paths == ["/v2/_catalog?n=%d" % catalog.PAGE]

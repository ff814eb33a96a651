"""The role personas against the WSGI app: a reader reads, a member also
writes, an admin does everything; a caller of the project with neither
role does nothing. Here with noauth's X-Roles as sent;
tests/integration/test_keystone.py does the same with Keystone's tokens."""
import pytest

from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.usefixtures("conductor_host")

READS = [("GET", "/v1/containers"), ("GET", "/v1/containers/{c}"),
         ("GET", "/v1/containers/{c}/logs"),
         ("GET", "/v1/containers/{c}/top"),
         ("GET", "/v1/containers/{c}/stats"),
         ("GET", "/v1/containers/{c}/container_actions")]
WRITES = [("POST", "/v1/containers"), ("PATCH", "/v1/containers/{c}"),
          ("POST", "/v1/containers/{c}/stop"),
          ("POST", "/v1/containers/{c}/kill"),
          ("POST", "/v1/containers/{c}/execute?command=true"),
          ("DELETE", "/v1/containers/{c}?stop=true")]
BODIES = {("POST", "/v1/containers"): {"image": "busybox"},
          ("PATCH", "/v1/containers/{c}"): {"memory": 64}}


def _call(client, method, path, container):
    url = path.replace("{c}", container.uuid)
    body = BODIES.get((method, path))
    if method in ("GET", "DELETE"):
        return getattr(client, method.lower())(url)
    return getattr(client, method.lower())(url, body)


@pytest.mark.parametrize("method, path", READS + WRITES)
@pytest.mark.parametrize("roles, may_read, may_write", [
    ("reader", True, False),
    ("member", True, True),
    ("member,reader", True, True),
    ("some-other-role", False, False),
])
def test_persona(api, make_container, roles, may_read, may_write, method,
                 path):
    container = make_container(status="Running", container_id="c" * 64)
    allowed = may_read if (method, path) in READS else may_write
    response = _call(api.as_(roles=roles), method, path, container)
    if allowed:
        assert response.status_int < 300, response.text
    else:
        assert response.status_int == 403, response.text
        assert "does not allow" in error_of(response)["detail"]


def test_admin_reaches_other_projects_and_their_fields(api, admin,
                                                       make_container):
    container = make_container(status="Running", container_id="c" * 64)
    url = f"/v1/containers/{container.uuid}?all_projects=true"
    shown = admin.get(url).json
    assert shown["host"] == container.host
    assert admin.post(f"/v1/containers/{container.uuid}/stop"
                      ).status_int == 202
    assert "host" not in api.as_(roles="reader").get(
        f"/v1/containers/{container.uuid}").json

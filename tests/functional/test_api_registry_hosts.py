"""Registry hosts the service may not reach ([registries] disallowed_hosts:
loopback, link-local with the metadata address, unspecified): a registry
record, an image on a create, an image pull and a search that name one are
refused with 400 before anything is written or sent to a conductor."""
import pytest
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import HOST

pytest_plugins = ["tests.functional.api_fixtures"]

V = {"OpenStack-API-Version": "container 1.31"}
# Each resolves into a default disallowed network.
# Docker's reference grammar has no IPv6 literal: images name the others.
IMAGE_REFUSED = ["127.0.0.1:5000", "localhost:5000", "169.254.169.254",
                 "0.0.0.0:5000", "127.1:5000"]
REFUSED = IMAGE_REFUSED + ["[::1]:5000", "[::ffff:127.0.0.1]:5000",
                           "[fe80::1]:5000"]


def _refused(response, domain):
    assert response.status_int == 400, response.body
    detail = error_of(response)["detail"]
    assert f"registry host {domain} is refused" in detail
    assert "[registries] disallowed_hosts" in detail
    return detail


def _registry_rows():
    with db.get_engine().connect() as conn:
        return conn.execute(sa.select(models.Registry)).all()


def _registry(domain):
    return {"registry": {"name": "private", "domain": domain,
                         "username": "tenant", "password": "pw"}}


@pytest.mark.parametrize("domain", REFUSED)
def test_a_registry_record_on_a_refused_host_is_not_kept(api, conductor,
                                                         domain):
    _refused(api.post("/v1/registries", _registry(domain), headers=V),
             domain)
    assert _registry_rows() == []
    assert conductor.calls == []


def test_a_registry_record_is_not_moved_onto_a_refused_host(api):
    made = api.post("/v1/registries", _registry("registry.invalid:5000"),
                    headers=V)
    assert made.status_int == 201, made.body
    moved = api.patch("/v1/registries/private",
                      {"registry": {"domain": "169.254.169.254"}}, headers=V)
    _refused(moved, "169.254.169.254")
    shown = api.get("/v1/registries/private", headers=V).json["registry"]
    assert shown["domain"] == "registry.invalid:5000"


@pytest.mark.parametrize("domain", IMAGE_REFUSED)
def test_a_create_of_an_image_on_a_refused_host(api, conductor,
                                                conductor_host, domain):
    made = api.post("/v1/containers?run=true",
                    {"image": f"{domain}/team/app:1.0"}, headers=V)
    _refused(made, domain)
    assert container_rows() == []
    assert conductor.calls == []


def test_a_create_naming_a_registry_on_a_now_refused_host(api, conf,
                                                          conductor,
                                                          conductor_host):
    # Recorded while the operator allowed the host, refused since.
    conf.set_override("allowed_hosts", ["127.0.0.1:5000"],
                      group="registries")
    assert api.post("/v1/registries", _registry("127.0.0.1:5000"),
                    headers=V).status_int == 201
    conf.set_override("allowed_hosts", [], group="registries")
    made = api.post("/v1/containers", {"image": "team/app:1.0",
                                       "registry": "private"}, headers=V)
    _refused(made, "127.0.0.1:5000")
    assert container_rows() == []
    assert conductor.calls == []


def test_an_image_pull_from_a_refused_host(admin, conductor,
                                           conductor_host):
    pulled = admin.post("/v1/images", {"repo": "169.254.169.254/latest/app",
                                       "host": HOST})
    _refused(pulled, "169.254.169.254")
    assert conductor.calls == []


def test_a_search_of_a_refused_host(api, conductor, conductor_host):
    _refused(api.get("/v1/images/169.254.169.254/latest/search"),
             "169.254.169.254")
    _refused(api.get("/v1/images/localhost:5000/app/search"),
             "localhost:5000")
    assert conductor.calls == []


def test_allowed_hosts_lets_one_host_port_through(api, admin, conf,
                                                  conductor,
                                                  conductor_host):
    conf.set_override("allowed_hosts", ["127.0.0.1:5000"],
                      group="registries")
    image = "127.0.0.1:5000/team/app:1.0"
    assert api.post("/v1/registries", _registry("127.0.0.1:5000"),
                    headers=V).status_int == 201
    assert api.post("/v1/containers", {"image": image},
                    headers=V).status_int == 202
    assert admin.post("/v1/images", {"repo": image,
                                     "host": HOST}).status_int == 201
    assert api.get("/v1/images/127.0.0.1:5000/team/search").status_int == 200
    assert [call[0] for call in conductor.calls] == [
        "create", "image_pull", "image_search"]
    # Only that port: the same host on another is still refused.
    _refused(api.post("/v1/containers", {"image": "127.0.0.1:5001/app"},
                      headers=V), "127.0.0.1:5001")


def test_a_public_name_that_does_not_resolve_passes(api, conductor_host):
    # Nothing can connect to it now; the conductor checks it again.
    made = api.post("/v1/containers", {"image": "registry.invalid/app"},
                    headers=V)
    assert made.status_int == 202, made.body


@pytest.mark.parametrize("domain", IMAGE_REFUSED)
def test_a_rebuild_from_an_image_on_a_refused_host(api, conductor,
                                                   make_container, domain):
    container = make_container()
    rebuilt = api.post(f"/v1/containers/{container.uuid}/rebuild"
                       f"?image={domain}/team/app:1.0", headers=V)
    _refused(rebuilt, domain)
    assert conductor.calls == []
    [row] = container_rows()
    assert (row.image, row.status) == ("busybox", "Running")

"""/v1/registries (Zun's API from 1.30) and a create naming a registry:
the password is never shown back nor stored in plain text, and a project
never sees or uses another's registry."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import secret
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

V = {"OpenStack-API-Version": "container 1.31"}
BODY = {"registry": {"name": "private", "domain": "127.0.0.1:5051",
                     "username": "tenant", "password": "s3cret-pw"}}


def _create(api, body=BODY):
    return api.post("/v1/registries", body, headers=V)


def test_crud_never_shows_the_password(api, conf):
    made = _create(api)
    assert made.status_int == 201, made.json
    registry = made.json["registry"]
    assert made.headers["Location"].endswith(
        "/v1/registries/" + registry["uuid"])
    assert (registry["name"], registry["domain"], registry["username"],
            registry["password"], registry["project_id"]) == (
        "private", "127.0.0.1:5051", "tenant", "***", "project-a")
    shown = api.get("/v1/registries/private", headers=V).json["registry"]
    assert shown == registry
    [listed] = api.get("/v1/registries", headers=V).json["registries"]
    assert listed == registry
    changed = api.patch("/v1/registries/" + registry["uuid"],
                        {"registry": {"password": "n3w-pw"}}, headers=V)
    assert changed.json["registry"]["password"] == "***"
    # In the database: an encrypted token, which the key file opens.
    with db.get_engine().connect() as conn:
        stored = conn.execute(sa.select(models.Registry.password)).scalar()
    assert "n3w-pw" not in stored and "s3cret" not in stored
    assert secret.decrypt(conf, stored) == "n3w-pw"
    assert api.delete("/v1/registries/private",
                      headers=V).status_int == 204
    assert api.get("/v1/registries/private", headers=V).status_int == 404


def test_registries_need_microversion_1_30(api):
    old = api.get("/v1/registries",
                  headers={"OpenStack-API-Version": "container 1.29"})
    assert old.status_int == 404
    assert "1.30" in error_of(old)["detail"]


def test_another_project_neither_sees_nor_uses_a_registry(api):
    uuid = _create(api).json["registry"]["uuid"]
    other = api.as_(project="project-b")
    assert other.get("/v1/registries/" + uuid, headers=V).status_int == 404
    assert other.get("/v1/registries", headers=V).json["registries"] == []
    assert other.delete("/v1/registries/" + uuid,
                        headers=V).status_int == 404
    made = other.post("/v1/containers", {"image": "test/busybox:1.0",
                                         "registry": uuid}, headers=V)
    assert made.status_int == 404
    assert container_rows() == []


def test_a_create_naming_a_registry_pulls_from_it(api, conductor_host):
    uuid = _create(api).json["registry"]["uuid"]
    made = api.post("/v1/containers", {"image": "test/busybox:1.0",
                                       "registry": "private"}, headers=V)
    assert made.status_int == 202, made.json
    assert made.json["image"] == "127.0.0.1:5051/test/busybox:1.0"
    assert made.json["registry_id"] == uuid
    elsewhere = api.post("/v1/containers", {
        "image": "other.example/busybox", "registry": "private"},
        headers=V)
    assert elsewhere.status_int == 400
    assert "is on other.example" in error_of(elsewhere)["detail"]


def test_bad_registries_are_400_and_write_nothing(api):
    for body in ({"registry": {"name": "x"}},  # no domain
                 {"registry": {"domain": "a b"}},
                 {"registry": {"domain": "r", "password": ""}},
                 {"registry": {"domain": "r", "color": "red"}},
                 {"domain": "r"}):
        assert _create(api, body).status_int == 400, body
    assert api.get("/v1/registries", headers=V).json["registries"] == []


"""Named volumes on create (Zun's mounts), /v1/volumes, rebuild, auto_heal
on PATCH and image search, as the API answers them (the conductor's part
is in tests/integration/test_tenant_features.py, on the real engine)."""
import base64
import datetime
import urllib.parse

import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import exception
from tests.functional.api_fixtures import HOST
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import report_host

pytest_plugins = ["tests.functional.api_fixtures"]

V = {"OpenStack-API-Version": "container 1.40"}
OTHER_HOST = "host-b"


def _create(api, name, *mounts, **body):
    return api.post("/v1/containers", dict(
        image="busybox", name=name,
        mounts=[{"source": s, "destination": d} for s, d in mounts],
        **body), headers=V)


def _q(path, **params):
    return path + "?" + urllib.parse.urlencode(params) if params else path


def _volumes(api, **params):
    return api.get(_q("/v1/volumes", **params)).json["volumes"]


def _volume_rows():
    with db.get_engine().connect() as conn:
        return conn.execute(sa.select(models.Volume)).all()


def test_a_create_makes_the_missing_volume_on_its_host(api, conductor_host,
                                                       conductor):
    made = _create(api, "one", ("data", "/data"))
    assert made.status_int == 202, made.json
    assert made.json["mounts"] == [{"source": "data",
                                    "destination": "/data"}]
    [volume] = _volumes(api)
    assert (volume["name"], volume["host"], volume["driver"]) == (
        "data", HOST, "local")
    shown = api.get("/v1/volumes/data").json
    assert shown["mounted_by"] == [made.json["uuid"]]
    # What the conductor is handed names the volume by its uuid.
    [row] = container_rows()
    assert row.mounts == [{"source": "data", "destination": "/data",
                           "volume_id": volume["uuid"]}]


def test_a_volume_pins_the_next_container_to_its_host(api, conductor_host):
    assert _create(api, "one", ("data", "/data")).status_int == 202
    # Another host, emptier: placement would pick it, but the volume is
    # on the first.
    report_host(OTHER_HOST)
    for n in range(3):
        made = _create(api, f"next-{n}", ("data", "/data"))
        assert made.status_int == 202
        assert _host_of(made.json["uuid"]) == HOST
    # A new volume goes wherever its container goes.
    fresh = _create(api, "fresh", ("elsewhere", "/x"))
    assert _volumes(api, name="elsewhere")[0]["host"] == \
        _host_of(fresh.json["uuid"])


def _host_of(uuid):
    return next(r.host for r in container_rows() if r.uuid == uuid)


def test_volumes_of_two_hosts_cannot_be_mounted_together(api, admin,
                                                         conductor_host):
    report_host(OTHER_HOST)
    assert _create(api, "a", ("on-a", "/a"), host=HOST).status_int == 403
    # Only an admin chooses a host; the tenant's volumes follow.
    for name, volume, host in (("a", "on-a", HOST),
                               ("b", "on-b", OTHER_HOST)):
        made = _create(admin.as_(project="project-a"), name,
                       (volume, "/v"), host=host)
        assert made.status_int == 202, made.json
    both = _create(api, "both", ("on-a", "/a"), ("on-b", "/b"))
    assert both.status_int == 409
    assert "on-a on host-a, on-b on host-b" in error_of(both)["detail"]
    wrong = _create(admin.as_(project="project-a"), "wrong",
                    ("on-a", "/a"), host=OTHER_HOST)
    assert wrong.status_int == 409
    assert "live on host host-a, not on host-b" in error_of(wrong)["detail"]
    assert {r.name for r in container_rows()} == {"a", "b"}


def test_a_volume_on_a_lost_host_refuses_the_create_clearly(api,
                                                            conductor_host):
    assert _create(api, "one", ("data", "/data")).status_int == 202
    report_host(OTHER_HOST)
    _lose(HOST)
    refused = _create(api, "two", ("data", "/data"))
    assert refused.status_int == 409
    detail = error_of(refused)["detail"]
    assert "The volumes data live on host host-a" in detail
    assert "is lost" in detail or "not reported" in detail


def _lose(host):
    old = datetime.datetime.now(datetime.UTC).replace(
        tzinfo=None) - datetime.timedelta(seconds=700)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).where(
            models.Service.host == host).values(updated_at=old))


def test_a_refused_create_makes_no_volume(api, conductor_host, conductor):
    conductor.fail["create"] = exception.NoConductor(reason="bus away")
    assert _create(api, "one", ("data", "/data")).status_int == 503
    assert _volume_rows() == [] and container_rows() == []
    del conductor.fail["create"]
    # Over quota: nothing either.
    api.as_(roles="admin").put("/v1/quotas/project-a", {"containers": 0},
                               headers=V)
    assert _create(api, "two", ("data", "/data")).status_int == 403
    assert _volume_rows() == [] and container_rows() == []


def test_other_projects_neither_see_nor_share_a_volume(api, conductor_host):
    mine = _create(api, "mine", ("data", "/data")).json
    other = api.as_(project="project-b")
    assert _volumes(other) == []
    assert other.get("/v1/volumes/data").status_int == 404
    assert other.delete("/v1/volumes/data").status_int == 404
    theirs = _create(other, "theirs", ("data", "/data")).json
    uuids = {r.name: r.mounts[0]["volume_id"] for r in container_rows()}
    assert uuids["mine"] != uuids["theirs"]
    assert mine["mounts"] == theirs["mounts"]


def test_a_mounted_volume_is_not_removed(api, conductor_host, conductor):
    made = _create(api, "one", ("data", "/data")).json
    refused = api.delete("/v1/volumes/data")
    assert refused.status_int == 409
    assert made["uuid"] in error_of(refused)["detail"]
    assert "volume_delete" not in conductor.names()
    with db.get_engine().begin() as conn:
        conn.execute(sa.delete(models.Container))
    assert api.delete("/v1/volumes/data").status_int == 204
    [call] = [c for c in conductor.calls if c[0] == "volume_delete"]
    assert call[1] == HOST and call[2]["name"].startswith(
        "magnum-lite-vol-")
    assert _volume_rows() == []


def test_a_volume_whose_engine_fails_stays_recorded(api, conductor_host,
                                                    conductor):
    _create(api, "one", ("data", "/data"))
    with db.get_engine().begin() as conn:
        conn.execute(sa.delete(models.Container))
    conductor.fail["volume_delete"] = exception.DockerUnavailable(
        url="unix:///x", reason="gone")
    assert api.delete("/v1/volumes/data").status_int == 503
    assert len(_volume_rows()) == 1


def test_rebuild_is_entered_and_cast_with_the_new_image(
        api, conductor_host, conductor, make_container):
    c = make_container("web")
    accepted = api.post(_q("/v1/containers/web/rebuild",
                           image="busybox:1.36", image_driver="docker"))
    assert accepted.status_int == 202, accepted.body
    [call] = [x for x in conductor.calls if x[0] == "rebuild"]
    assert call[1:] == (c.uuid, {"image": "busybox:1.36", "run": True})
    entries = api.get("/v1/containers/web/container_actions").json[
        "containerActions"]
    assert [e["action"] for e in entries] == ["rebuild"]
    assert api.get("/v1/containers/web").json["task_state"] == "rebuild"


def test_rebuild_refuses_a_bad_image_and_a_paused_container(
        api, conductor_host, conductor, make_container):
    make_container("web")
    make_container("held", status="Paused")
    for params, status, says in (
            ({"image": "UPPER/Case"}, 400, "image"),
            ({"image_driver": "glance"}, 400, "image_driver"),
            ({}, 409, None)):
        target = "held" if status == 409 else "web"
        response = api.post(_q(f"/v1/containers/{target}/rebuild",
                               **params))
        assert response.status_int == status, response.body
        if says:
            assert says in error_of(response)["detail"]
    assert "rebuild" not in conductor.names()


def test_auto_heal_is_set_on_create_and_by_patch(api, conductor_host):
    made = _create(api, "healer", auto_heal=True, healthcheck={
        "cmd": "true", "interval": 2, "retries": 3, "timeout": 1}).json
    assert made["auto_heal"] is True
    assert made["healthcheck"] == {"test": "true", "interval": 2,
                                   "retries": 3, "timeout": 1}
    assert made["health"] is None
    changed = api.patch("/v1/containers/healer", {"auto_heal": False},
                        headers=V)
    assert changed.status_int == 200
    assert api.get("/v1/containers/healer").json["auto_heal"] is False


def test_image_search_asks_a_live_host(api, conductor_host, conductor):
    found = api.get(_q("/v1/images/127.0.0.1:5051/test/busy/search",
                       exact_match="false"))
    assert found.status_int == 200, found.body
    assert found.json[0]["name"] == "127.0.0.1:5051/test/busybox"
    assert conductor.calls[-1] == ("image_search", HOST, {
        "term": "127.0.0.1:5051/test/busy", "exact": False})
    conductor.fail["image_search"] = exception.RegistryUnreachable(
        domain="docker.io", reason="no index")
    away = api.get("/v1/images/busybox/search")
    assert away.status_int == 503
    assert "docker.io cannot be searched" in error_of(away)["detail"]


def test_an_injected_file_is_kept_for_the_conductor_and_never_shown(
        api, conductor_host, conductor):
    """Zun's type=bind: the base64 content travels to the conductor in
    the record's mounts; no answer shows it."""
    response = api.post("/v1/containers", {
        "image": "busybox", "name": "injected", "mounts": [
            {"type": "bind", "source": "UmFuZG9tIHRleHQ=",
             "destination": "/data/testfile"},
            {"source": "data", "destination": "/var/data"}]}, headers=V)
    assert response.status_int == 202, response.text
    shown = api.get(response.headers["Location"], headers=V)
    assert {"source": "", "destination": "/data/testfile"} in \
        shown.json["mounts"]
    assert "UmFuZG9tIHRleHQ=" not in shown.text
    [row] = container_rows()
    assert {"type": "file", "source": "", "destination": "/data/testfile",
            "content": "UmFuZG9tIHRleHQ="} in row.mounts
    assert [v["name"] for v in _volumes(api)] == ["data"]


def test_injected_files_over_the_limit_are_413_and_write_nothing(api):
    big = base64.b64encode(b"x" * (256 * 1024 + 1)).decode()
    response = api.post("/v1/containers", {
        "image": "busybox", "mounts": [
            {"type": "bind", "source": big, "destination": "/big"}]},
        headers=V)
    assert response.status_int == 413
    assert "[api] max_injected_file_bytes" in error_of(response)["detail"]
    assert container_rows() == []

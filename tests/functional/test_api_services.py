"""/v1/services, /v1/hosts and /v1/images: the conductors and the Docker
hosts behind the service, as an administrator sees them."""
import datetime

import pytest
import sqlalchemy as sa

from oslo_policy import opts as policy_opts

from harness import stack as shared
from magnum_lite.api import app as api_app
from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import exception
from magnum_lite import objects

from tests.functional.api_fixtures import Client
from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

# As the conductor's driver.info() reports it.
ENGINE_INFO = {"cpus": 4, "memory": 8 * 1024 ** 3,
               "os": "Debian GNU/Linux 12 (bookworm)",
               "kernel_version": "6.1.0", "version": "20.10.24",
               "api_version": "1.41"}


@pytest.fixture
def services(database):
    admin = ml_context.admin_context()
    up = objects.Service.report(admin, "host-a", "magnum-lite-conductor",
                                engine_info=ENGINE_INFO, capacity={
                                    "memory_mb": 7680, "cpus": 64.0,
                                    "labels": {"disk": "ssd"}})
    down = objects.Service.report(admin, "host-b", "magnum-lite-conductor")
    old = datetime.datetime(2020, 1, 1)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).where(
            models.Service.host == "host-b").values(updated_at=old))
    return up, down


def test_services_are_up_or_down_by_their_heartbeat(admin, services):
    response = admin.get("/v1/services")
    assert response.status_int == 200
    listed = {s["host"]: s for s in response.json["services"]}
    assert listed["host-a"]["state"] == "up"
    assert listed["host-b"]["state"] == "down"
    assert listed["host-b"]["updated_at"] == "2020-01-01T00:00:00+00:00"
    assert listed["host-a"]["binary"] == "magnum-lite-conductor"
    assert listed["host-a"]["disabled"] is False
    assert listed["host-a"]["report_count"] == 1


def test_show_a_service(admin, services):
    up, _ = services
    response = admin.get(f"/v1/services/{up.id}")
    assert response.json["service"]["host"] == "host-a"
    assert admin.get("/v1/services/999999").status_int == 404


def test_hosts_show_their_engine_and_what_is_claimed(admin, services):
    for memory in (64, 128):
        assert admin.post("/v1/containers", {
            "image": "busybox", "memory": memory, "cpu": 0.5,
            "host": "host-a"}).status_int == 202
    hosts = {h["hostname"]: h for h in admin.get("/v1/hosts/").json["hosts"]}
    host = hosts["host-a"]
    assert (host["docker_version"], host["os"]) == (
        "20.10.24", "Debian GNU/Linux 12 (bookworm)")
    # What placement may give out, and what the claims hold, at once.
    assert (host["mem_total"], host["mem_used"], host["cpus"],
            host["cpu_used"], host["total_containers"], host["labels"]) == (
        7680, 192, 64.0, 1.0, 2, {"disk": "ssd"})
    assert (hosts["host-b"]["mem_total"], hosts["host-b"]["cpus"],
            hosts["host-b"]["total_containers"]) == (None, None, 0)
    by_uuid = admin.get(f"/v1/hosts/{host['uuid']}").json
    by_name = admin.get("/v1/hosts/host-a").json
    assert by_uuid == by_name == host
    response = admin.get("/v1/hosts/nowhere")
    assert response.status_int == 404
    assert error_of(response)["code"] == "magnum_lite.host_not_found"


def test_host_and_service_lists_page(admin, services):
    first = admin.get("/v1/hosts?limit=1")
    assert len(first.json["hosts"]) == 1
    rest = admin.get(first.json["next"].removeprefix("http://localhost"))
    assert [h["hostname"] for h in first.json["hosts"] + rest.json[
        "hosts"]] == ["host-a", "host-b"]
    assert "next" not in rest.json
    desc = admin.get("/v1/services?sort_key=host&sort_dir=desc").json
    assert [s["host"] for s in desc["services"]] == ["host-b", "host-a"]
    assert admin.get("/v1/services?marker=nope").status_int == 400


def test_images_come_from_the_live_conductors(admin, services, conductor):
    response = admin.get("/v1/images/")
    assert response.status_int == 200
    images = response.json["images"]
    # Ordered by host, repository and tag.
    assert [(i["repo"], i["tag"], i["host"]) for i in images] == [
        ("<none>", "<none>", "host-a"), ("localbusybox", "latest", "host-a"),
        ("team/app", "1.0", "host-a")]
    assert images[1]["image_id"] == "sha256:" + "cd" * 32
    assert len({i["uuid"] for i in images}) == 3
    # host-b has not reported for years: it is not asked.
    assert conductor.calls == [("images", "host-a", {})]
    page = admin.get("/v1/images?limit=2").json
    assert len(page["images"]) == 2 and "next" in page


def test_images_are_for_admins(api, services):
    assert api.get("/v1/images").status_int == 403
    some = "5a0f4f2e-3c1d-4d8e-9a47-2b6f0c9e7d13"
    assert api.get("/v1/images/" + some).status_int == 403
    assert api.delete("/v1/images/" + some).status_int == 403


def test_an_image_is_shown_and_deleted_by_its_uuid(admin, services,
                                                   conductor):
    images = admin.get("/v1/images").json["images"]
    tagged, untagged = images[1], images[0]
    assert admin.get("/v1/images/" + tagged["uuid"]).json == tagged
    conductor.calls.clear()
    assert admin.delete("/v1/images/" + tagged["uuid"]).status_int == 204
    assert conductor.calls[-1] == ("image_delete", "host-a",
                                   {"image": "localbusybox:latest"})
    # An untagged one goes by its id.
    assert admin.delete("/v1/images/" + untagged["uuid"]).status_int == 204
    assert conductor.calls[-1][2] == {"image": untagged["image_id"]}
    missing = admin.get("/v1/images/5a0f4f2e-3c1d-4d8e-9a47-2b6f0c9e7d13")
    assert missing.status_int == 404


def test_an_image_in_use_is_not_deleted(admin, services, conductor):
    conductor.fail["image_delete"] = exception.DockerConflict(
        explanation="conflict: unable to remove repository reference "
                    "\"localbusybox:latest\" (must force) - container "
                    "abc is using its referenced image")
    tagged = admin.get("/v1/images").json["images"][1]
    response = admin.delete("/v1/images/" + tagged["uuid"])
    assert response.status_int == 409
    assert "is using its referenced image" in error_of(response)["detail"]


def _service_action(client, verb, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.request("PUT", f"/v1/services/{verb}?{query}")


def test_disable_and_enable_a_host(admin, api, services):
    named = {"host": "host-a", "binary": "magnum-lite-conductor"}
    response = _service_action(admin, "disable", disabled_reason="disk",
                               **named)
    assert response.status_int == 200
    assert response.json == {"service": dict(
        named, disabled=True, disabled_reason="disk")}
    listed = admin.get("/v1/services/").json["services"]
    assert [(s["disabled"], s["disabled_reason"]) for s in listed
            if s["host"] == "host-a"] == [(True, "disk")]
    # host-a is the only live host: a create has nowhere to go.
    refused = admin.post("/v1/containers", {"image": "busybox"})
    assert refused.status_int == 409
    assert "every live host is disabled (disk)" in error_of(
        refused)["detail"]
    enabled = _service_action(admin, "enable", **named)
    assert enabled.json["service"]["disabled"] is False
    assert admin.post("/v1/containers", {"image": "busybox"}
                      ).status_int == 202
    assert _service_action(api, "disable", **named).status_int == 403
    assert _service_action(admin, "disable", host="nowhere",
                           binary="magnum-lite-conductor").status_int == 404
    assert _service_action(admin, "disable", host="host-a",
                           binary="nova-compute").status_int == 400


def test_a_forced_down_host_is_down_whatever_its_heartbeat(admin, services):
    named = {"host": "host-a", "binary": "zun-compute"}
    response = _service_action(admin, "force_down", forced_down="True",
                               **named)
    assert response.json == {"service": dict(named, forced_down=True)}
    [shown] = [s for s in admin.get("/v1/services").json["services"]
               if s["host"] == "host-a"]
    assert (shown["state"], shown["forced_down"]) == ("down", True)
    assert admin.post("/v1/containers", {"image": "busybox"}
                      ).status_int == 503
    _service_action(admin, "force_down", forced_down="False", **named)
    assert admin.post("/v1/containers", {"image": "busybox"}
                      ).status_int == 202


def test_a_service_is_deleted_only_without_containers(admin, services,
                                                      make_container):
    container = make_container(host="host-b")
    path = "/v1/services?host=host-b&binary=magnum-lite-conductor"
    refused = admin.delete(path)
    assert refused.status_int == 409
    assert "still has 1 container" in error_of(refused)["detail"]
    container.destroy()
    assert admin.delete(path).status_int == 204
    assert [s["host"] for s in admin.get("/v1/services").json[
        "services"]] == ["host-a"]
    assert admin.delete(path).status_int == 404


def test_an_image_is_pulled_onto_a_host(admin, api, services, conductor):
    made = admin.post("/v1/images", {"repo": "team/app:2.0",
                                     "host": "host-a"})
    assert made.status_int == 201, made.json
    assert (made.json["repo"], made.json["tag"], made.json["host"]) == (
        "team/app", "2.0", "host-a")
    assert made.headers["Location"].endswith("/v1/images/" +
                                             made.json["uuid"])
    assert conductor.calls[-1] == ("image_pull", "host-a",
                                   {"image": "team/app:2.0"})
    conductor.calls.clear()
    for body, status in (({"repo": "x", "host": "nowhere"}, 404),
                         ({"repo": "x", "host": "host-b"}, 409),  # lost
                         ({"repo": "Bad Name", "host": "host-a"}, 400),
                         ({"repo": "x"}, 400)):
        assert admin.post("/v1/images", body).status_int == status, body
    assert api.post("/v1/images", {"repo": "x", "host": "host-a"}
                    ).status_int == 403
    assert conductor.calls == []


def test_every_host_is_in_the_one_availability_zone(api, admin, services,
                                                    conf):
    conf.set_override("default_availability_zone", "zone-1")
    assert api.get("/v1/availability_zones").json == {
        "availability_zones": [{"availability_zone": "zone-1"}]}
    zones = {s["host"]: s["availability_zone"]
             for s in admin.get("/v1/services").json["services"]}
    assert zones == {"host-a": "zone-1", "host-b": "zone-1"}
    # A create may name it, or none; another is refused before anything
    # is recorded.
    response = api.post("/v1/containers", {"image": "busybox",
                                           "availability_zone": "zone-1"})
    assert response.status_int == 202
    refused = api.post("/v1/containers", {"image": "busybox",
                                          "availability_zone": "nova"})
    assert refused.status_int == 400
    assert "'zone-1'" in error_of(refused)["detail"]
    assert len(api.get("/v1/containers").json["containers"]) == 1



COMMITS = "committed.magnum-lite.invalid/"


def test_a_policy_may_let_a_project_delete_its_own_commits(
        services, conductor, tmp_path):
    """image:delete stays admin's by default (as Zun); an operator who
    lets owners delete gets it for the project's commits only."""
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"image:delete": "rule:context_is_admin or '
                           'project_id:%(project_id)s"\n')
    conf = shared.make_conf()
    for group, options in policy_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override("policy_file", str(policy_file), group="oslo_policy")
    conductor.images = lambda context, host: [
        {"id": "sha256:" + "cd" * 32, "size": 1, "created": 0,
         "repo_tags": [COMMITS + "project-a/app:v1",
                       COMMITS + "project-b/app:v1", "localbusybox:latest"]}]
    member = Client(api_app.build_app(conf, conductor))
    admin = member.as_(project="admin-project", roles="admin")
    rows = {i["repo"]: i["uuid"]
            for i in admin.get("/v1/images").json["images"]}
    for theirs in (COMMITS + "project-b/app", "localbusybox"):
        refused = member.delete("/v1/images/" + rows[theirs])
        assert refused.status_int == 403, theirs
    assert member.delete("/v1/images/" + rows[COMMITS + "project-a/app"]) \
        .status_int == 204
    assert conductor.calls[-1] == ("image_delete", "host-a", {
        "image": COMMITS + "project-a/app:v1"})

"""/v1/containers: create, show, list, update and delete, through the real
WSGI app on a real database; the conductor is a recording stand-in."""
from concurrent import futures
import datetime
import json

import pytest
import sqlalchemy as sa

from harness import stack as shared
from magnum_lite.api import app as api_app
from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite.db import services as db_services
from magnum_lite import intent
from magnum_lite import lifecycle
from magnum_lite import objects

from tests.functional.api_fixtures import Client
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import report_host
from tests.functional.api_fixtures import HOST

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.usefixtures("conductor_host")


def create(api, **body):
    body.setdefault("image", "busybox")
    return api.post("/v1/containers", body)


# -- create -------------------------------------------------------------------

def test_create_records_the_container_and_asks_the_conductor(api,
                                                             conductor):
    response = create(api, name="web", memory="512m", cpu="0.5",
                      command=["sleep", "60"], environment={"A": "1"},
                      labels={"team": "x"}, workdir="/tmp",
                      hostname="web-1",
                      restart_policy={"Name": "on-failure",
                                      "MaximumRetryCount": "3"})
    assert response.status_int == 202
    body = response.json
    assert response.headers["Location"] == body["links"][0]["href"] == \
        f"http://localhost/v1/containers/{body['uuid']}"
    assert body["status"] == "Creating"
    assert body["name"] == "web"
    assert body["memory"] == "512"  # as Zun: MiB, without a unit
    assert body["cpu"] == 0.5
    assert body["command"] == ["sleep", "60"]
    assert body["environment"] == {"A": "1"}
    # As Zun, the host is for admins' eyes.
    assert "host" not in body and "image_pull_policy" not in body
    assert body["project_id"] == "project-a"
    # As Zun: a dict of strings.
    assert body["restart_policy"] == {"Name": "on-failure",
                                      "MaximumRetryCount": "3"}
    [row] = container_rows()
    assert (row.uuid, row.memory, row.cpu, row.status, row.host) == (
        body["uuid"], 512, 0.5, "Creating", HOST)
    assert conductor.calls == [("create", body["uuid"], {"run": False})]


def test_a_retried_create_with_the_same_key_gets_one_container(api,
                                                               conductor):
    first = api.post("/v1/containers?run=true", {"image": "busybox"},
                     headers={"Idempotency-Key": "order-42"})
    again = api.post("/v1/containers?run=true", {"image": "busybox"},
                     headers={"Idempotency-Key": "order-42"})
    assert first.status_int == again.status_int == 202
    assert again.json["uuid"] == first.json["uuid"]
    assert again.headers["Location"] == first.headers["Location"]
    assert len(container_rows()) == 1
    assert conductor.calls == [("create", first.json["uuid"], {"run": True})]
    other = api.post("/v1/containers", {"image": "busybox"},
                     headers={"Idempotency-Key": "order-43"})
    assert other.json["uuid"] != first.json["uuid"]


def test_idempotency_keys_are_per_project(api):
    mine = api.post("/v1/containers", {"image": "busybox"},
                    headers={"Idempotency-Key": "k1"})
    theirs = api.as_(project="project-b").post(
        "/v1/containers", {"image": "busybox"},
        headers={"Idempotency-Key": "k1"})
    assert mine.json["uuid"] != theirs.json["uuid"]
    assert theirs.json["project_id"] == "project-b"


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there"])
def test_bad_idempotency_key_is_400_and_writes_nothing(api, key):
    response = api.post("/v1/containers", {"image": "busybox"},
                        headers={"Idempotency-Key": key})
    assert response.status_int == 400
    assert "Idempotency-Key" in error_of(response)["detail"]
    assert container_rows() == []


def test_run_true_asks_the_conductor_to_start_it(api, conductor):
    response = api.post("/v1/containers?run=true", {"image": "busybox"})
    assert response.status_int == 202
    assert conductor.calls[0][2] == {"run": True}


def test_create_accepts_what_openstack_appcontainer_create_sends(api):
    # `openstack appcontainer create --memory 64 busybox` at 1.40.
    body = {"image": "busybox", "memory": "64", "environment": {},
            "labels": {}, "auto_remove": False, "command": [], "hints": {},
            "nets": [], "mounts": []}
    response = api.post("/v1/containers", body)
    assert response.status_int == 202, response.body
    assert response.json["command"] is None
    assert response.json["name"].startswith("ml-")
    assert response.json["memory"] == "64"


@pytest.mark.parametrize("memory, mib", [
    (512, 512), ("512", 512), ("512m", 512), ("512M", 512), ("1g", 1024),
    ("1G", 1024), ("1.5G", 1536), ("0.5g", 512), (6, 6), ("64g", 65536),
])
def test_memory_is_read_as_users_type_it(api, memory, mib):
    response = create(api, memory=memory)
    assert response.status_int == 202, response.body
    assert response.json["memory"] == str(mib)
    assert [row.memory for row in container_rows()] == [mib]


@pytest.mark.parametrize("memory, says", [
    (5, "between 6 MiB and 65536 MiB"),
    ("5m", "between 6 MiB and 65536 MiB"),
    ("0", "between 6 MiB and 65536 MiB"),
    ("64.5g", "between 6 MiB and 65536 MiB"),
    ("1.5m", "whole number of MiB"),
    ("512k", "memory"),
    ("abc", "memory"),
    ("-1", "memory"),
    (-1, "between"),
    ([], "memory"),
    (True, "memory"),
    ("9" * 400, "between"),
])
def test_bad_memory_is_400_and_writes_nothing(api, conductor, memory, says):
    response = create(api, memory=memory)
    assert response.status_int == 400
    assert says in error_of(response)["detail"]
    assert container_rows() == []
    assert conductor.calls == []


@pytest.mark.parametrize("image", [
    "UPPER/case", "busybox:bad tag", "busybox:-tag",
    "busybox@sha256:1234", "bad//path", "registry:99999x/app",
])
def test_bad_image_reference_is_400_and_writes_nothing(api, image):
    response = create(api, image=image)
    assert response.status_int == 400
    error = error_of(response)
    assert error["code"] == "magnum_lite.invalid_image_reference"
    assert image in error["detail"]
    assert container_rows() == []


@pytest.mark.parametrize("image", [
    "busybox", "busybox:1.36", "192.0.2.10:5000/team/app:1.0",
    "registry.example:5000/app", "app@sha256:" + "a" * 64,
])
def test_good_image_references_are_accepted(api, image):
    assert create(api, image=image).status_int == 202


@pytest.mark.parametrize("body, says", [
    ({"image": "busybox", "bogus": 1}, "'bogus' was unexpected"),
    ({}, "'image' is a required property"),
    ({"image": ""}, "image"),
    ({"image": 5}, "image"),
    ({"image": "busybox", "cpu": {}}, "cpu"),
    ({"image": "busybox", "cpu": "fast"}, "cpu"),
    ({"image": "busybox", "cpu": 0}, "cpu"),
    ({"image": "busybox", "cpu": "0"}, "cpu must be between"),
    ({"image": "busybox", "environment": {"A": 1}}, "environment/A"),
    ({"image": "busybox", "environment": {"A=B": "1"}}, "environment"),
    ({"image": "busybox", "labels": "x"}, "labels"),
    ({"image": "busybox", "auto_remove": "maybe"}, "auto_remove"),
    ({"image": "busybox", "name": 5}, "name"),
    ({"image": "busybox", "name": "-dash"}, "name"),
    ({"image": "busybox", "name": "a b"}, "name"),
    ({"image": "busybox", "name": "x" * 256}, "name"),
    ({"image": "busybox", "name": "6f1a3c4e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"},
     "looks like a UUID"),
    ({"image": "busybox", "workdir": "relative"}, "workdir"),
    ({"image": "busybox", "command": "sleep 1"}, "command"),
    ({"image": "busybox", "restart_policy": {"Name": "sometimes"}},
     "restart_policy/Name"),
    ({"image": "busybox", "restart_policy": {"Name": "always",
                                             "MaximumRetryCount": 2}},
     "only allowed with Name on-failure"),
    ({"image": "busybox", "auto_remove": True,
      "restart_policy": {"Name": "always"}}, "auto_remove cannot"),
    ({"image": "busybox", "nets": [{"network": "private"}]},
     "not supported"),
    ({"image": "busybox", "mounts": [{"size": "1", "destination": "/d"}]},
     "size cannot be set"),
    ({"image": "busybox", "mounts": [{"type": "bind", "source": "a file",
                                      "destination": "/d"}]},
     "must be base64-encoded"),
    ({"image": "busybox", "mounts": [{"type": "bind", "source": "aGk=",
                                      "destination": "/etc/"}]},
     "needs a file's absolute path"),
    ({"image": "busybox", "mounts": [{"source": "v", "destination": "d"}]},
     "destination"),
    ({"image": "busybox", "mounts": [{"source": "-v", "destination": "/d"}]},
     "Volume name '-v'"),
    ({"image": "busybox", "mounts": [{"source": "v", "destination": "/d"},
                                     {"source": "w", "destination": "/d/"}]},
     "Two mounts at /d/"),
    ({"image": "busybox", "healthcheck": {"interval": 3}},
     "healthcheck needs cmd"),
    ({"image": "busybox", "healthcheck": {"cmd": "true", "retries": -1}},
     "healthcheck/retries"),
    ({"image": "busybox", "interactive": "yes"}, "interactive"),
    ({"image": "busybox", "image_pull_policy": "sometimes"},
     "image_pull_policy"),
])
def test_invalid_create_body_is_400_and_writes_nothing(api, conductor, body,
                                                       says):
    response = api.post("/v1/containers", body)
    assert response.status_int == 400
    assert says in error_of(response)["detail"]
    assert container_rows() == []
    assert conductor.calls == []


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"busybox"', b"null",
                                 b'{"image": NaN}', b"\xff\xfe"])
def test_malformed_json_is_400_and_writes_nothing(api, raw):
    response = api.post("/v1/containers", raw=raw)
    assert response.status_int == 400
    error_of(response)
    assert container_rows() == []


def test_empty_body_is_400(api):
    response = api.post("/v1/containers", raw=b"")
    assert response.status_int == 400
    assert "JSON body is required" in error_of(response)["detail"]


def test_body_that_is_not_json_is_415(api):
    response = api.post("/v1/containers", raw=b"image=busybox",
                        content_type="application/x-www-form-urlencoded")
    assert response.status_int == 415
    error_of(response)
    assert container_rows() == []


def test_huge_body_is_413_and_writes_nothing(api):
    body = {"image": "busybox", "labels": {"big": "x" * (2 << 20)}}
    response = api.post("/v1/containers", body)
    assert response.status_int == 413
    assert "largest accepted" in error_of(response)["detail"]
    assert container_rows() == []


def test_huge_chunked_body_is_413(app):
    import io

    import webob
    request = webob.Request.blank("/v1/containers", method="POST")
    request.content_type = "application/json"
    request.headers["Transfer-Encoding"] = "chunked"
    request.body_file = io.BytesIO(
        json.dumps({"image": "busybox", "labels": {
            "big": "x" * (2 << 20)}}).encode())
    request.environ.pop("CONTENT_LENGTH", None)
    response = request.get_response(app)
    assert response.status_int == 413
    error_of(response)
    assert container_rows() == []


def test_a_field_of_a_later_microversion_is_refused_with_its_version(api):
    response = api.as_(version="1.8").post(
        "/v1/containers", {"image": "busybox", "hostname": "web"})
    assert response.status_int == 400
    assert "needs microversion 1.9" in error_of(response)["detail"]


@pytest.mark.parametrize("version, before_mounts", [
    ("1.1", True), ("1.3", True), ("1.10", True), ("1.11", False),
    ("1.40", False)])
def test_the_empty_nets_and_mounts_the_client_always_sends(api, version,
                                                          before_mounts):
    # python-zunclient sends both on every create, at every version.
    client = api.as_(version=version)
    response = client.post("/v1/containers", {"image": "busybox",
                                              "nets": [], "mounts": []})
    assert response.status_int == 202, response.text
    mounts = [{"source": "v", "destination": "/d"}]
    response = client.post("/v1/containers", {"image": "busybox",
                                              "mounts": mounts})
    if before_mounts:
        assert response.status_int == 400
        assert "only empty before 1.11" in error_of(response)["detail"]
    else:
        assert response.status_int == 202, response.text
        assert response.json["mounts"] == mounts


def test_command_is_sent_as_a_string_before_1_20_and_shown_as_a_list(api):
    old = api.as_(version="1.19")
    response = old.post("/v1/containers", {
        "image": "busybox", "command": '"sh" "-c" "echo hi there"'})
    assert response.status_int == 202
    # Zun shows the list it keeps at every microversion.
    assert response.json["command"] == ["sh", "-c", "echo hi there"]
    uuid = response.json["uuid"]
    assert api.get(f"/v1/containers/{uuid}").json["command"] == [
        "sh", "-c", "echo hi there"]
    assert old.post("/v1/containers", {
        "image": "busybox", "command": ["sh"]}).status_int == 400
    response = old.post("/v1/containers", {"image": "busybox",
                                           "command": '"unclosed'})
    assert response.status_int == 400
    assert "cannot be split" in error_of(response)["detail"]


def test_a_taken_name_is_409_and_another_project_may_use_it(api):
    assert create(api, name="web").status_int == 202
    response = create(api, name="web")
    assert response.status_int == 409
    assert error_of(response)["code"] == "magnum_lite.container_name_exists"
    assert create(api.as_(project="project-b"),
                  name="web").status_int == 202
    assert len(container_rows()) == 2


def test_a_generated_name_taken_meanwhile_is_drawn_again_claimed_once(
        api, admin, monkeypatch):
    # The create's plan, quota and insert share one transaction: the first
    # draw's insert fails on the name, and only its claims are undone.
    report_host(HOST, memory_mb=4096, cpus=8.0)
    assert create(api, name="ml-amber-0001", memory=100).status_int == 202
    draws = iter([1, 1, 2])
    monkeypatch.setattr(intent.random, "choice", lambda words: "amber")
    monkeypatch.setattr(intent.random, "getrandbits", lambda n: next(draws))
    first = create(api, memory=100)
    assert first.status_int == 202, first.json
    assert first.json["name"] == "ml-amber-0002"
    assert _hosts()[HOST] == (200, 2.0, 2)
    usage = api.get("/v1/quotas/project-a?usages=true").json
    assert (usage["containers"]["in_use"], usage["memory"]["in_use"]) == (
        2, 200)


def _age_services(seconds):
    old = datetime.datetime.now(datetime.UTC).replace(
        tzinfo=None) - datetime.timedelta(seconds=seconds)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).values(updated_at=old))


def test_no_conductor_up_is_503_and_writes_nothing(api, conductor):
    _age_services(7200)
    response = create(api)
    assert response.status_int == 503
    assert "No conductor" in error_of(response)["detail"]
    assert container_rows() == []
    assert conductor.calls == []


def _hosts():
    return {row.host: (row.memory_used_mb, row.cpu_used,
                       row.container_count)
            for row in db_services.service_list()}


def _disable(host):
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).where(
            models.Service.host == host).values(disabled=True))


def test_placement_spreads_by_free_memory_and_claims_it(admin):
    report_host(HOST, memory_mb=1000, cpus=4.0)
    report_host("host-b", memory_mb=600, cpus=4.0)
    placed = [create(admin, memory=m).json["host"]
              for m in (300, 300, 300, 200)]
    # Free: 1000 > 600, then 700 > 600, then 400 < 600, then 400 > 300.
    assert placed == [HOST, HOST, "host-b", HOST]
    assert _hosts() == {HOST: (800, 3.0, 3), "host-b": (300, 1.0, 1)}


def test_packing_fills_the_fullest_host_that_fits(admin, conf):
    conf.set_override("placement", "pack", group="conductor")
    report_host(HOST, memory_mb=1000, cpus=4.0)
    report_host("host-b", memory_mb=600, cpus=4.0)
    placed = [create(admin, memory=300).json["host"] for _ in range(3)]
    assert placed == ["host-b", "host-b", HOST]


def test_a_host_subset_spreads_creates_over_the_best_hosts(admin, conf):
    # Three hosts with room for all: the fullest never gets one, and both
    # of the two best do (all 24 on one: a chance of 2 in 2**24).
    conf.set_override("host_subset_size", 2, group="conductor")
    report_host(HOST, memory_mb=100000, cpus=64.0)
    report_host("host-b", memory_mb=100000, cpus=64.0)
    report_host("host-c", memory_mb=1000, cpus=64.0)
    placed = [create(admin, memory=10).json["host"] for _ in range(24)]
    assert set(placed) == {HOST, "host-b"}


def test_a_container_without_limits_counts_the_defaults(admin, conf):
    conf.set_override("default_memory_mb", 256, group="conductor")
    report_host(HOST, memory_mb=1000, cpus=4.0)
    body = create(admin).json
    assert (body["memory"], body["cpu"]) == (None, None)
    assert _hosts()[HOST] == (256, 1.0, 1)


def test_when_no_host_fits_the_create_is_refused_and_leaves_nothing(
        api, admin, conductor):
    report_host(HOST, memory_mb=512, cpus=2.0)
    report_host("host-b", memory_mb=256, cpus=8.0)
    assert create(admin, memory=384).json["host"] == HOST
    assert create(admin, memory=256).json["host"] == "host-b"
    response = create(api, memory=300)
    assert response.status_int == 409
    error = error_of(response)
    assert error["code"] == "magnum_lite.no_valid_host"
    assert error["detail"] == (
        "No host can take the container: no host has 300 MiB of memory "
        "free; the most is 128 MiB on host-a")
    response = create(api, memory=64, cpu=7)
    assert error_of(response)["detail"] == (
        "No host can take the container: no host has 7 CPUs free; the "
        "most is 1 on host-a")
    assert [c[0] for c in conductor.calls] == ["create", "create"]
    assert len(container_rows()) == 2
    assert _hosts() == {HOST: (384, 1.0, 1), "host-b": (256, 1.0, 1)}


def test_concurrent_creates_never_overfill_a_host(admin):
    report_host(HOST, memory_mb=1000, cpus=64.0)
    report_host("host-b", memory_mb=500, cpus=64.0)
    with futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: create(admin, memory=100),
                                range(30)))
    statuses = sorted(a.status_int for a in answers)
    assert statuses == [202] * 15 + [409] * 15
    assert _hosts() == {HOST: (1000, 10.0, 10), "host-b": (500, 5.0, 5)}
    assert len(container_rows()) == 15


def test_a_delete_gives_the_claim_back(admin, conductor):
    report_host(HOST, memory_mb=1000, cpus=4.0)
    uuid = create(admin, memory=600).json["uuid"]
    assert create(admin, memory=600).status_int == 409
    objects.Container.get(ml_context.admin_context(), uuid).destroy()
    assert _hosts()[HOST] == (0, 0.0, 0)
    assert create(admin, memory=600).status_int == 202


def test_usage_is_repaired_from_the_records(admin):
    report_host(HOST, memory_mb=1000, cpus=4.0)
    create(admin, memory=100)
    create(admin, memory=200, cpu=0.5)
    # What writing around the claims (a crash, an operator) might leave.
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).values(
            memory_used_mb=999, cpu_used=0, container_count=7))
    assert objects.Service.recount(HOST, 512) == {
        "memory_used_mb": 300, "cpu_used": 1.5, "container_count": 2}
    assert _hosts()[HOST] == (300, 1.5, 2)


def test_a_disabled_host_gets_nothing(admin):
    report_host(HOST)
    report_host("host-b")
    _disable("host-b")
    assert {create(admin).json["host"] for _ in range(3)} == {HOST}
    _disable(HOST)
    response = create(admin)
    assert response.status_int == 409
    assert "every live host is disabled" in error_of(response)["detail"]


def test_hints_ask_for_host_labels(admin, api):
    report_host(HOST, labels={"disk": "hdd"})
    report_host("host-b", memory_mb=10, labels={"disk": "ssd"})
    report_host("host-c", labels={"disk": "ssd", "gpu": "no"})
    hints = {"label:disk": "ssd"}
    assert create(admin, hints=hints).json["host"] == "host-c"
    response = create(api, hints={"label:disk": "tape"})
    assert response.status_int == 409
    assert "no enabled host has the labels disk=tape" in error_of(
        response)["detail"]
    assert create(api, hints={"cpu": "fast"}).status_int == 400


def test_choosing_a_host_is_for_admins(api, admin):
    report_host("host-b")
    response = create(api, host="host-b")
    assert response.status_int == 403
    assert "container:create:host" in error_of(response)["detail"]
    assert create(admin, host="host-b").json["host"] == "host-b"
    assert create(admin, host="nowhere").status_int == 404
    old = admin.as_(version="1.38")
    assert create(old, host="host-b").status_int == 400


def test_the_image_pull_policy_is_for_admins(api, admin, make_container):
    # As Zun: with ifnotpresent a tenant could run an image another tenant
    # pulled onto the host with its own credentials.
    response = create(api, image_pull_policy="always")
    assert response.status_int == 403
    assert "container:create:image_pull_policy" in error_of(
        response)["detail"]
    assert container_rows() == []
    response = create(admin, image_pull_policy="always")
    assert response.status_int == 202
    assert response.json["image_pull_policy"] == "always"
    theirs = make_container(image_pull_policy="never")
    assert "image_pull_policy" not in api.get(
        f"/v1/containers/{theirs.uuid}").json
    assert admin.get(f"/v1/containers/{theirs.uuid}?all_projects=true"
                     ).json["image_pull_policy"] == "never"


# -- show ---------------------------------------------------------------------

def test_show_by_uuid_and_by_name(api, make_container):
    container = make_container(name="web")
    by_uuid = api.get(f"/v1/containers/{container.uuid}")
    by_name = api.get("/v1/containers/web")
    assert by_uuid.status_int == by_name.status_int == 200
    assert by_uuid.json == by_name.json
    assert by_uuid.json["status"] == "Running"


def test_another_projects_container_is_not_found(api, make_container):
    container = make_container(name="secret", project="project-b")
    for ident in (container.uuid, "secret"):
        response = api.get(f"/v1/containers/{ident}")
        assert response.status_int == 404
        assert error_of(response)["code"] == \
            "magnum_lite.container_not_found"
        assert api.delete(f"/v1/containers/{ident}").status_int == 404
        assert api.post(f"/v1/containers/{ident}/stop").status_int == 404
        assert api.patch(f"/v1/containers/{ident}",
                         {"cpu": 1}).status_int == 404


def test_admin_sees_any_project_and_ambiguous_names_are_409(admin,
                                                            make_container):
    container = make_container(name="web", project="project-b")
    assert admin.get(f"/v1/containers/{container.uuid}").status_int == 200
    make_container(name="web", project="project-c")
    response = admin.get("/v1/containers/web")
    assert response.status_int == 409
    assert error_of(response)["code"] == "magnum_lite.ambiguous_name"


def test_all_projects_on_show_is_for_admins(api, admin, make_container):
    container = make_container()
    path = f"/v1/containers/{container.uuid}"
    assert api.get(path + "?all_projects=False").status_int == 200
    assert api.get(path + "?all_projects=True").status_int == 403
    assert admin.get(path + "?all_projects=True").status_int == 200


# -- list ---------------------------------------------------------------------

def _names(response):
    return [c["name"] for c in response.json["containers"]]


def _flat(pages):
    return [name for page in pages for name in page]


def _follow(api, path):
    pages = []
    while path:
        response = api.get(path)
        assert response.status_int == 200, response.body
        pages.append(_names(response))
        path = response.json.get("next", "").removeprefix(
            "http://localhost")
    return pages


def test_list_pages_with_next_links_until_the_end(api, make_container):
    names = [f"c{i:02d}" for i in range(23)]
    for name in names:
        make_container(name=name)
    pages = _follow(api, "/v1/containers?limit=5")
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert _flat(pages) == names


def test_next_link_keeps_filters_and_sort(api, make_container):
    for i in range(7):
        make_container(name=f"s{i}", status=lifecycle.STOPPED)
        make_container(name=f"r{i}", status=lifecycle.RUNNING)
    pages = _follow(api, "/v1/containers?status=Stopped&sort_key=name&"
                         "sort_dir=desc&limit=3")
    assert _flat(pages) == [f"s{i}" for i in reversed(range(7))]


def test_list_limit_is_capped_by_max_limit(database, conductor,
                                           make_container):
    app = api_app.build_app(shared.make_conf(api={"max_limit": 3}),
                            conductor)
    for i in range(5):
        make_container(name=f"c{i}")
    api = Client(app)
    assert len(_names(api.get("/v1/containers?limit=100"))) == 3
    response = api.get("/v1/containers")
    assert len(_names(response)) == 3 and "next" in response.json
    assert _flat(_follow(api, "/v1/containers")) == [
        f"c{i}" for i in range(5)]


def test_last_page_has_no_next(api, make_container):
    make_container(name="only")
    response = api.get("/v1/containers?limit=1")
    assert _names(response) == ["only"]
    assert "next" not in response.json


@pytest.mark.parametrize("query, expected", [
    ("name=b", ["b"]),
    ("status=Stopped", ["a"]),
    ("image=nginx", ["c"]),
    ("host=host-x", ["c"]),
    ("sort_key=name&sort_dir=desc", ["c", "b", "a"]),
    ("sort_key=memory", ["b", "c", "a"]),
])
def test_list_filters_and_sorts(api, make_container, query, expected):
    make_container(name="a", status=lifecycle.STOPPED, memory=300)
    make_container(name="b", memory=100)
    make_container(name="c", image="nginx", host="host-x", memory=200)
    assert _names(api.get("/v1/containers?" + query)) == expected


@pytest.mark.parametrize("query", ["memory=lots", "limit=0", "limit=-1",
                                   "sort_key=command", "sort_dir=up",
                                   "status=Sleeping", "marker=nope",
                                   "all_projects=perhaps"])
def test_bad_list_queries_are_400(api, query):
    response = api.get("/v1/containers?" + query)
    assert response.status_int == 400
    error_of(response)


def test_list_shows_only_the_callers_project(api, admin, make_container):
    make_container(name="mine")
    make_container(name="theirs", project="project-b")
    assert _names(api.get("/v1/containers")) == ["mine"]
    assert _names(api.get("/v1/containers?project_id=project-b")) == []
    assert api.get("/v1/containers?all_projects=1").status_int == 403
    assert _names(admin.get("/v1/containers?all_projects=1")) == [
        "mine", "theirs"]
    assert _names(admin.get("/v1/containers")) == []


def test_client_none_values_mean_absent(api, make_container):
    make_container(name="a")
    assert _names(api.get("/v1/containers?sort_dir=None")) == ["a"]


# -- update -------------------------------------------------------------------

def test_patch_changes_memory_and_cpu_live(api, conductor, make_container):
    container = make_container(status=lifecycle.RUNNING)
    response = api.patch(f"/v1/containers/{container.uuid}",
                         {"memory": "1g", "cpu": "2"})
    assert response.status_int == 200
    assert (response.json["memory"], response.json["cpu"]) == ("1024", 2.0)
    assert conductor.calls == [("update", container.uuid,
                                {"patch": {"memory": 1024, "cpu": 2.0}})]


def test_patch_renames(api, conductor, make_container):
    container = make_container(name="old")
    response = api.patch("/v1/containers/old", {"name": "new"})
    assert response.status_int == 200
    assert response.json["name"] == "new"
    assert conductor.names() == ["rename"]
    assert api.get(f"/v1/containers/{container.uuid}").json["name"] == "new"


def test_patch_to_a_taken_name_is_409(api, make_container):
    make_container(name="a")
    make_container(name="b")
    response = api.patch("/v1/containers/a", {"name": "b"})
    assert response.status_int == 409
    assert error_of(response)["code"] == "magnum_lite.container_name_exists"


@pytest.mark.parametrize("body", [{}, {"memory": "2"}, {"cpu": -1},
                                  {"image": "nginx"}, {"name": "bad name"}])
def test_bad_patch_is_400_and_changes_nothing(api, conductor,
                                              make_container, body):
    container = make_container()
    response = api.patch(f"/v1/containers/{container.uuid}", body)
    assert response.status_int == 400
    error_of(response)
    assert conductor.calls == []
    assert container_rows()[0].memory == 64


def test_patch_while_creating_is_409(api, conductor, make_container):
    container = make_container(status=lifecycle.CREATING)
    response = api.patch(f"/v1/containers/{container.uuid}",
                         {"memory": 128})
    assert response.status_int == 409
    assert error_of(response)["code"] == "magnum_lite.action_not_allowed"
    assert conductor.calls == []


# -- delete -------------------------------------------------------------------

def test_delete_a_stopped_container_is_204(api, conductor, make_container):
    container = make_container(status=lifecycle.STOPPED)
    # python-zunclient sends every flag, as False when unset.
    response = api.delete(f"/v1/containers/{container.uuid}"
                          "?force=False&stop=False&all_projects=False")
    assert response.status_int == 204
    assert response.body == b""
    assert conductor.calls == [("delete", container.uuid,
                                {"force": False, "stop": False})]


def test_delete_a_running_container_needs_stop_or_force(api, admin,
                                                        conductor,
                                                        make_container):
    container = make_container(status=lifecycle.RUNNING)
    path = f"/v1/containers/{container.uuid}"
    response = api.delete(path)
    assert response.status_int == 409
    assert "Cannot delete" in error_of(response)["detail"]
    assert api.delete(path + "?force=true").status_int == 403
    assert api.delete(path + "?stop=true").status_int == 204
    assert admin.delete(path + "?force=true").status_int == 204
    assert [call[2] for call in conductor.calls] == [
        {"force": False, "stop": True}, {"force": True, "stop": False}]


def test_force_delete_works_in_any_status(admin, conductor, make_container):
    container = make_container(status=lifecycle.CREATING,
                               project="admin-project")
    response = admin.delete(f"/v1/containers/{container.uuid}?force=True")
    assert response.status_int == 204
    assert conductor.names() == ["delete"]


# -- entrypoint, privileged, runtime ----------------------------------------

def test_entrypoint_privileged_and_runtime_are_kept_and_shown(admin,
                                                              conductor):
    report_host(HOST)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).values(
            engine_info={"runtimes": ["io.containerd.runc.v2", "runc"]}))
    made = admin.post("/v1/containers", {
        "image": "busybox", "entrypoint": ["/bin/sh", "-c"],
        "command": ["echo hi"], "privileged": True, "runtime": "runc"},
        headers={"OpenStack-API-Version": "container 1.40"})
    assert made.status_int == 202, made.json
    body = made.json
    assert (body["entrypoint"], body["privileged"], body["runtime"]) == (
        ["/bin/sh", "-c"], True, "runc")
    [row] = container_rows()
    assert (row.entrypoint, row.privileged, row.runtime) == (
        ["/bin/sh", "-c"], True, "runc")


def test_privileged_and_runtime_are_for_admins(api, conductor_host):
    v = {"OpenStack-API-Version": "container 1.40"}
    for field, value in (("privileged", True), ("runtime", "runc")):
        response = api.post("/v1/containers", {"image": "busybox",
                                               field: value}, headers=v)
        assert response.status_int == 403, (field, response.json)
    assert container_rows() == []


def test_a_runtime_no_engine_has_is_refused_at_once(admin):
    report_host(HOST)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).values(
            engine_info={"runtimes": ["runc"]}))
    response = admin.post("/v1/containers", {
        "image": "busybox", "runtime": "kata"},
        headers={"OpenStack-API-Version": "container 1.40"})
    assert response.status_int == 409
    assert error_of(response)["detail"].endswith(
        "no enabled host's Docker Engine has the runtime kata (they have "
        "runc)")
    assert container_rows() == []


def test_the_clis_memory_and_auto_remove_filters(api, make_container):
    make_container(name="small", memory=64)
    make_container(name="big", memory=512, auto_remove=True)

    def names(query):
        return sorted(c["name"] for c in api.get(
            "/v1/containers?" + query).json["containers"])
    assert names("memory=64") == ["small"]
    assert names("memory=512M") == ["big"]
    assert names("auto_remove=True") == ["big"]
    assert names("auto_remove=False") == ["small"]
    assert api.get("/v1/containers?memory=lots").status_int == 400

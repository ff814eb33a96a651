"""/v1/capsules as the API answers it: the template checked, the capsule
and its members recorded together and placed by their sum, both answer
shapes, and members kept out of /v1/containers (the conductor's part is
in tests/integration/test_capsules.py, on the real engine)."""
import json

import pytest

from magnum_lite import context as ml_context
from magnum_lite import intent
from magnum_lite import objects

from magnum_lite import exception
from magnum_lite.objects import container as container_obj
from tests.functional.api_fixtures import HOST
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import report_host
from tests.functional.test_api_lost_hosts import _lose

pytest_plugins = ["tests.functional.api_fixtures"]


def _template(name="web", containers=None, **spec):
    return {"template": {
        "kind": "capsule", "capsuleVersion": "beta",
        "metadata": {"name": name, "labels": {"app": "web"},
                     "annotations": {"note": "n"}},
        "spec": dict(spec, containers=containers or [
            {"image": "busybox", "name": "app",
             "command": ["httpd", "-f"],
             "resources": {"requests": {"memory": 64, "cpu": 0.5}}}])}}


def test_a_capsule_and_its_members_are_recorded_together(api, conductor,
                                                         conductor_host):
    made = api.post("/v1/capsules", _template(initContainers=[
        {"image": "busybox", "command": ["true"]}]))
    assert made.status_int == 202, made.json
    assert made.headers["Location"].endswith(
        "/v1/capsules/" + made.json["uuid"])
    body = made.json
    assert (body["name"], body["status"], body["labels"],
            body["annotations"]) == ("web", "Creating", {"app": "web"},
                                     {"note": "n"})
    assert body["restart_policy"] == {"Name": "always",
                                      "MaximumRetryCount": "0"}
    [init] = body["init_containers"]
    [app] = body["containers"]
    assert (init["name"], init["command"], init["restart_policy"]) == (
        "web-init0", ["true"], None)
    assert (app["name"], app["memory"], app["cpu"]) == ("web-app", "64",
                                                        0.5)
    # One create is sent, for the capsule; its members go with it.
    assert conductor.calls == [("create", body["uuid"], {"run": True})]
    kinds = sorted((row.kind, row.capsule_id, row.host)
                   for row in container_rows())
    assert kinds == [
        (container_obj.KIND_CAPSULE, None, HOST),
        (container_obj.KIND_MEMBER, body["uuid"], HOST),
        (container_obj.KIND_INIT, body["uuid"], HOST)]


def test_the_claim_is_the_sum_or_the_largest_init_and_the_sandbox(
        api, conf, conductor_host):
    sandbox = conf.capsule.sandbox_memory_mb
    made = api.post("/v1/capsules", _template(
        containers=[{"image": "busybox", "resources": {
                        "requests": {"memory": 100, "cpu": 1}}},
                    {"image": "busybox", "resources": {
                        "requests": {"memory": 50, "cpu": 0.5}}}],
        initContainers=[{"image": "busybox", "resources": {
            "requests": {"memory": 300, "cpu": 0.25}}}]))
    assert made.status_int == 202, made.json
    assert made.json["memory"] == str(300 + sandbox)
    assert made.json["cpu"] == pytest.approx(
        1.5 + conf.capsule.sandbox_cpus)
    [row] = [r for r in container_rows()
             if r.kind == container_obj.KIND_CAPSULE]
    assert row.claim_memory_mb == 300 + sandbox
    members = [r for r in container_rows() if r.capsule_id]
    assert all(r.claim_memory_mb is None for r in members)


def test_a_capsule_too_large_for_any_host_is_refused_and_writes_nothing(
        api, conductor, database):
    report_host(HOST, memory_mb=1024, cpus=4.0)
    refused = api.post("/v1/capsules", _template(containers=[
        {"image": "busybox", "resources": {"requests": {"memory": 800}}},
        {"image": "busybox", "resources": {"requests": {"memory": 800}}}]))
    assert refused.status_int == 409, refused.json
    assert "memory" in error_of(refused)["detail"]
    assert container_rows() == []
    assert conductor.calls == []


@pytest.mark.parametrize("spec, words", [
    ({"volumes": [{"name": "data", "cinder": {"size": 1}}]}, "Cinder"),
    ({"containers": [{"image": "busybox", "ports": [
        {"containerPort": 80, "hostPort": 8080}]}]}, "hostPort"),
    ({"containers": [{"image": "busybox", "volumeMounts": [
        {"name": "nope", "mountPath": "/x"}]}]}, "does not declare"),
    ({"containers": [{"image": "busybox", "name": "a"},
                     {"image": "busybox", "name": "a"}]}, "same name"),
    ({"containers": []}, "containers"),
    ({"containers": [{"image": "127.0.0.1:9/evil"}]},
     "disallowed_hosts"),
    ({"containers": [{"image": "busybox", "nets": []}]}, "nets"),
])
def test_a_template_it_cannot_serve_is_a_clear_400_that_writes_nothing(
        api, conductor, conductor_host, spec, words):
    spec = dict(spec)  # each backend's run gets the same cases
    containers = spec.pop("containers", None)
    body = _template(**spec)
    if containers is not None:
        body["template"]["spec"]["containers"] = containers
    refused = api.post("/v1/capsules", body)
    assert refused.status_int == 400, refused.json
    assert words in error_of(refused)["detail"]
    assert container_rows() == []
    assert conductor.calls == []


def test_a_template_given_as_text_is_read_and_a_bad_one_refused(
        api, conductor_host):
    made = api.post("/v1/capsules",
                    {"template": json.dumps(_template()["template"])})
    assert made.status_int == 202, made.json
    refused = api.post("/v1/capsules", {"template": "{not json"})
    assert refused.status_int == 400
    assert "not JSON" in error_of(refused)["detail"]


def test_members_are_not_containers_and_capsules_list_show_and_delete(
        api, conductor, conductor_host):
    capsule = api.post("/v1/capsules", _template()).json
    assert api.get("/v1/containers").json["containers"] == []
    member = capsule["containers"][0]["uuid"]
    assert api.get(f"/v1/containers/{member}").status_int == 404
    assert api.get(f"/v1/containers/{capsule['uuid']}").status_int == 404
    assert api.delete(f"/v1/containers/{member}").status_int == 404
    [listed] = api.get("/v1/capsules").json["capsules"]
    assert listed["uuid"] == capsule["uuid"]
    assert [c["uuid"] for c in listed["containers"]] == [member]
    assert api.get("/v1/capsules/web").json["uuid"] == capsule["uuid"]
    # Another project sees nothing of it.
    other = api.as_(project="project-b")
    assert other.get("/v1/capsules").json["capsules"] == []
    assert other.get("/v1/capsules/web").status_int == 404
    assert other.delete(f"/v1/capsules/{capsule['uuid']}").status_int == 404
    gone = api.delete(f"/v1/capsules/{capsule['uuid']}")
    assert gone.status_int == 204
    assert conductor.calls[-1] == ("delete", capsule["uuid"],
                                   {"force": True, "stop": False})


def test_before_1_32_a_capsule_answers_in_zuns_older_shape(api,
                                                           conductor_host):
    made = api.as_(version="1.12").post("/v1/capsules", _template())
    assert made.status_int == 202, made.json
    body = made.json
    assert (body["meta_name"], body["meta_labels"],
            body["restart_policy"]) == ("web", {"app": "web"}, "always")
    assert "name" not in body and "labels" not in body
    # zun-ui reads meta_name at every version, so it stays from 1.32 too.
    assert api.get("/v1/capsules/web").json["meta_name"] == "web"
    assert body["containers_uuids"] == [] and body["volumes_info"] == {}


def test_a_failed_send_leaves_no_capsule_nor_member(api, conductor,
                                                   conductor_host):
    conductor.fail["create"] = exception.NoConductor(host=HOST)
    refused = api.post("/v1/capsules", _template())
    assert refused.status_int == 503
    assert container_rows() == []


def test_the_host_is_an_admins_to_see(api, admin, conductor_host):
    made = api.post("/v1/capsules", _template()).json
    assert "host" not in made
    shown = admin.get(f"/v1/capsules/{made['uuid']}?all_projects=1").json
    assert shown["host"] == HOST


def test_a_capsule_on_a_lost_host_reads_unknown_and_its_delete_is_at_once(
        api, conductor, conductor_host):
    made = api.post("/v1/capsules", _template()).json
    _lose(HOST)
    shown = api.get(f"/v1/capsules/{made['uuid']}").json
    assert shown["status"] == "Unknown"
    assert shown["status_reason"].startswith(f"Host {HOST} is lost")
    assert shown["containers"][0]["status"] == "Unknown"
    # Nobody can ask its engine: the records go now, members with them.
    assert api.delete(f"/v1/capsules/{made['uuid']}").status_int == 204
    assert container_rows() == []
    assert [name for name, _, _ in conductor.calls] == ["create"]


def test_a_name_taken_by_a_container_is_a_409_that_says_which(
        api, conductor, conductor_host):
    assert api.post("/v1/containers", {"image": "busybox",
                                       "name": "web-app"}).status_int == 202
    refused = api.post("/v1/capsules", _template())
    assert refused.status_int == 409
    assert "web-app is taken" in error_of(refused)["detail"]
    assert [row.name for row in container_rows()] == ["web-app"]


def test_a_capsule_placed_again_takes_its_members_and_claim_along(
        api, conf, conductor, conductor_host):
    report_host("host-b")
    made = api.post("/v1/capsules", _template()).json
    capsule = objects.Container.get(ml_context.admin_context(), made["uuid"])
    placed = capsule.host
    other = "host-b" if placed == HOST else HOST
    moved = intent.place_again(ml_context.admin_context(), conf,
                               conductor, capsule, placed,
                               "engine away; placed again", run=True)
    assert moved == other
    assert {row.host for row in container_rows()} == {other}
    assert {row.status for row in container_rows()} == {"Creating"}
    hosts = {s.host: s for s in objects.Service.list(
        ml_context.admin_context())}
    assert hosts[placed].memory_used_mb == 0
    assert hosts[other].memory_used_mb == int(made["memory"])
    assert conductor.calls[-1] == ("create", made["uuid"], {"run": True})


def test_networks_get_the_answer_a_container_gets(api, conductor,
                                                  conductor_host):
    body = _template()
    body["template"]["nets"] = [{"network": "private"}]
    refused = api.post("/v1/capsules", body)
    assert refused.status_int == 400
    assert "Choosing networks" in error_of(refused)["detail"]
    body["template"]["nets"] = []  # what a client may always send
    assert api.post("/v1/capsules", body).status_int == 202

"""/v1/quotas and /v1/quota_classes, and creates held to the quota: the
check and the claim are one step, so concurrent creates of one project
never pass it."""
from concurrent import futures

import pytest

from magnum_lite import context as ml_context
from magnum_lite import objects
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import HOST

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.usefixtures("conductor_host")

ZUN_DEFAULTS = {"containers": 40, "memory": 51200, "cpu": 20, "disk": 100}


@pytest.fixture
def conf(conf):
    for name in ("containers", "memory", "cpu"):
        conf.clear_override(name, group="quota")
    return conf


def _create(client, **fields):
    return client.post("/v1/containers", dict({"image": "busybox"},
                                              **fields))


def test_a_project_starts_with_the_default_class(api):
    assert api.get("/v1/quotas/project-a").json == ZUN_DEFAULTS
    assert api.get("/v1/quotas/project-a/defaults").json == ZUN_DEFAULTS


def test_admins_set_and_delete_limits_tenants_read_their_own(api, admin):
    response = admin.put("/v1/quotas/project-a", {"memory": "1024",
                                                  "containers": 3})
    assert response.status_int == 200
    assert response.json == dict(ZUN_DEFAULTS, memory=1024, containers=3)
    assert api.get("/v1/quotas/project-a").json["memory"] == 1024
    refused = api.put("/v1/quotas/project-a", {"memory": 99999})
    assert refused.status_int == 403
    assert api.get("/v1/quotas/project-b").status_int == 403
    assert admin.delete("/v1/quotas/project-a").status_int == 204
    assert api.get("/v1/quotas/project-a").json == ZUN_DEFAULTS
    assert admin.put("/v1/quotas/project-a", {"memory": -2}
                     ).status_int == 400
    assert admin.put("/v1/quotas/project-a", {"gpus": 1}).status_int == 400


def test_quota_classes_set_what_projects_without_limits_get(api, admin):
    assert admin.get("/v1/quota_classes/default").json == ZUN_DEFAULTS
    admin.put("/v1/quota_classes/default", {"containers": 7})
    assert api.get("/v1/quotas/project-a").json["containers"] == 7
    admin.put("/v1/quotas/project-a", {"containers": 9})
    assert api.get("/v1/quotas/project-a").json["containers"] == 9
    assert api.get("/v1/quota_classes/default").status_int == 403


def test_quotas_need_microversion_1_26(api):
    assert api.as_(version="1.25").get(
        "/v1/quotas/project-a").status_int == 404


def test_usages_follow_creates_and_deletes(api, admin):
    uuid = _create(api, memory=128, cpu=0.5).json["uuid"]
    _create(api)  # no limits: the defaults count
    shown = api.get("/v1/quotas/project-a?usages=true").json
    assert shown["containers"] == {"limit": 40, "in_use": 2}
    assert shown["memory"] == {"limit": 51200, "in_use": 128 + 512}
    assert shown["cpu"] == {"limit": 20, "in_use": 1.5}
    objects.Container.get(ml_context.admin_context(), uuid).destroy()
    shown = api.get("/v1/quotas/project-a?usages=true").json
    assert shown["containers"]["in_use"] == 1
    assert shown["memory"]["in_use"] == 512


def test_a_create_over_quota_is_refused_and_claims_nothing(api, admin,
                                                           conductor):
    admin.put("/v1/quotas/project-a", {"memory": 1000})
    assert _create(api, memory=600).status_int == 202
    response = _create(api, memory=500)
    assert response.status_int == 403
    error = error_of(response)
    assert error["code"] == "magnum_lite.quota_exceeded"
    assert error["detail"] == (
        "Quota exceeded for memory: the project's limit is 1000, 600 is in "
        "use and 500 more was asked.")
    assert len(container_rows()) == 1
    assert [c[0] for c in conductor.calls] == ["create"]
    [host] = [s for s in objects.Service.list(ml_context.admin_context())
              if s.host == HOST]
    assert host.memory_used_mb == 600  # the refused one took nothing
    # Another project is not held to this one's quota.
    assert _create(api.as_(project="project-b"), memory=500
                   ).status_int == 202


def test_concurrent_creates_of_one_project_never_pass_its_quota(api, admin):
    admin.put("/v1/quotas/project-a", {"memory": 1000})
    with futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _create(api, memory=100),
                                range(25)))
    assert sorted(a.status_int for a in answers) == [202] * 10 + [403] * 15
    assert api.get("/v1/quotas/project-a?usages=true").json["memory"] == {
        "limit": 1000, "in_use": 1000}


@pytest.mark.parametrize("limit", [-2, "-343", "1.5", "lots", 10 ** 10])
def test_a_limit_is_a_whole_number_or_minus_one(admin, limit):
    response = admin.put("/v1/quota_classes/default", {"disk": limit})
    assert response.status_int == 400, response.text
    assert admin.get("/v1/quota_classes/default").json["disk"] == 100


def _running(response):
    """The created container's uuid, once it runs (as a conductor would
    have it)."""
    container = objects.Container.get(ml_context.admin_context(),
                                      response.json["uuid"])
    container.status = "Running"
    container.save()
    return container.uuid


def _claims(uuid):
    row = [r for r in container_rows() if r.uuid == uuid][0]
    host = [s for s in objects.Service.list(ml_context.admin_context())
            if s.host == HOST][0]
    return row.claim_memory_mb, host.memory_used_mb


def test_raising_limits_claims_the_difference_and_lowering_gives_back(
        api, admin, conductor):
    admin.put("/v1/quotas/project-a", {"memory": 1000})
    uuid = _running(_create(api, memory=300))
    assert api.patch(f"/v1/containers/{uuid}", {"memory": 900}
                     ).status_int == 200
    assert _claims(uuid) == (900, 900)
    refused = api.patch(f"/v1/containers/{uuid}", {"memory": 1200})
    assert refused.status_int == 403
    assert "Quota exceeded for memory" in error_of(refused)["detail"]
    assert _claims(uuid) == (900, 900)
    assert api.patch(f"/v1/containers/{uuid}", {"memory": 100}
                     ).status_int == 200
    assert _claims(uuid) == (100, 100)
    assert api.get("/v1/quotas/project-a?usages=true").json["memory"][
        "in_use"] == 100


def test_a_raise_the_host_cannot_hold_is_refused(api, admin):
    objects.Service.report(ml_context.admin_context(), HOST,
                           "magnum-lite-conductor", capacity={
                               "memory_mb": 1000, "cpus": 4.0,
                               "labels": {}})
    uuid = _running(_create(api, memory=300, cpu=1))
    refused = api.patch(f"/v1/containers/{uuid}", {"cpu": 8})
    assert refused.status_int == 409
    assert error_of(refused)["code"] == "magnum_lite.no_valid_host"
    assert api.get(f"/v1/containers/{uuid}").json["cpu"] == 1.0


def test_a_failed_change_gives_the_claim_back(api, conductor):
    uuid = _running(_create(api, memory=300))
    conductor.fail["update"] = RuntimeError("Docker said no")
    assert api.patch(f"/v1/containers/{uuid}", {"memory": 600}
                     ).status_int == 500
    assert _claims(uuid) == (300, 300)


def test_a_capsule_counts_as_one_container_of_its_whole_claim(api, admin,
                                                             conf):
    assert admin.put("/v1/quotas/project-a", {
        "containers": 2, "memory": 1000}).status_int == 200
    template = {"template": {"kind": "capsule", "metadata": {"name": "pod"},
                             "spec": {"containers": [
                                 {"image": "busybox", "resources": {
                                     "requests": {"memory": 300}}},
                                 {"image": "busybox", "resources": {
                                     "requests": {"memory": 300}}}]}}}
    made = api.post("/v1/capsules", template)
    assert made.status_int == 202, made.json
    claimed = 600 + conf.capsule.sandbox_memory_mb
    usage = api.get("/v1/quotas/project-a?usages=true").json
    assert usage["containers"]["in_use"] == 1
    assert usage["memory"]["in_use"] == claimed
    # Another of the same would pass the containers limit, not memory's.
    template["template"]["metadata"]["name"] = "pod2"
    refused = api.post("/v1/capsules", template)
    assert refused.status_int == 403
    assert "memory" in error_of(refused)["detail"]
    assert len(container_rows()) == 3  # the capsule and its two members

"""Our answers hold the keys of Zun's views, with the types Zun's objects
give them, for a container's action, a host, a service, a quota and an
image (the container itself: test_api_zun_parity.py). Keys and types as
Zun's zun/api/controllers/v1/views/*_view.py and zun/objects/ have them;
what we add is in docs/api-differences.md."""
import pytest

pytest_plugins = ["tests.functional.api_fixtures"]

V = {"OpenStack-API-Version": "container 1.40"}
STR, INT, NUM, BOOL = (str,), (int,), (int, float), (bool,)
OPT_STR = (str, type(None))

ZUN = {
    "action": {"action": STR, "container_uuid": STR,
               "finish_time": OPT_STR, "message": OPT_STR,
               "project_id": STR, "request_id": STR, "start_time": STR,
               "user_id": STR},
    "host": {"uuid": STR, "hostname": STR, "mem_total": INT, "cpus": INT,
             "total_containers": INT, "architecture": OPT_STR,
             "os_type": OPT_STR, "os": OPT_STR, "kernel_version": OPT_STR,
             "labels": (dict,), "mem_used": INT, "cpu_used": NUM,
             "disk_used": INT, "disk_total": INT,
             "disk_quota_supported": BOOL, "runtimes": (list,),
             "enable_cpu_pinning": BOOL, "links": (list,)},
    "service": {"availability_zone": STR, "binary": STR, "created_at": STR,
                "disabled": BOOL, "disabled_reason": OPT_STR,
                "forced_down": BOOL, "host": STR, "id": INT,
                "last_seen_up": OPT_STR, "report_count": INT, "state": STR,
                "updated_at": OPT_STR},
    "image": {"uuid": STR, "image_id": STR, "repo": STR, "tag": OPT_STR,
              "size": (int, type(None)), "project_id": OPT_STR,
              "image_pull_policy": OPT_STR, "host": STR},
    "quota": {"containers": INT, "memory": INT, "cpu": INT, "disk": INT},
}


def _shapes(kind, body):
    """[(key, what is wrong)] of `body` against Zun's view of `kind`."""
    wrong = []
    for key, types in ZUN[kind].items():
        if key not in body:
            wrong.append((key, "missing"))
        elif not isinstance(body[key], types) or (
                types != BOOL and isinstance(body[key], bool)):
            wrong.append((key, type(body[key]).__name__))
    return wrong


def test_an_action_reads_as_zuns(admin, conductor_host):
    made = admin.post("/v1/containers", {"image": "busybox"}, headers=V)
    assert made.status_int == 202, made.body
    [action] = admin.get(
        f"/v1/containers/{made.json['uuid']}/container_actions",
        headers=V).json["containerActions"]
    assert _shapes("action", action) == []


def test_a_host_reads_as_zuns(admin, conductor_host):
    [host] = admin.get("/v1/hosts", headers=V).json["hosts"]
    assert _shapes("host", host) == []
    shown = admin.get(f"/v1/hosts/{host['uuid']}", headers=V).json
    assert _shapes("host", shown) == []


def test_a_service_reads_as_zuns(admin, conductor_host):
    [service] = admin.get("/v1/services", headers=V).json["services"]
    assert _shapes("service", service) == []


def test_an_image_reads_as_zuns(admin, conductor_host, conductor):
    images = admin.get("/v1/images", headers=V).json["images"]
    assert images
    for image in images:
        assert _shapes("image", image) == []


@pytest.mark.parametrize("path", ["/v1/quotas/p1", "/v1/quotas/p1/defaults",
                                  "/v1/quota_classes/default"])
def test_a_quota_reads_as_zuns(admin, path):
    body = admin.get(path, headers=V).json
    assert _shapes("quota", body) == []

"""Our answers hold exactly the keys of Zun's views, with the types Zun's
objects give them, for a container, an action (listed and shown), a host,
a service, a quota and an image: keys and types as Zun's
zun/api/controllers/v1/views/*_view.py and zun/objects/ have them. The
keys we add are exactly those docs/api-differences.md lists."""
import pathlib
import re

import jsonschema
import pytest

from magnum_lite.api import answers
from magnum_lite import context as ml_context
from magnum_lite import objects

pytest_plugins = ["tests.functional.api_fixtures"]

V = {"OpenStack-API-Version": "container 1.40"}
NONE = type(None)
STR, INT, FLOAT, BOOL = (str,), (int,), (float,), (bool,)
LIST, DICT = (list,), (dict,)
OPT_STR, OPT_INT, OPT_FLOAT = (str, NONE), (int, NONE), (float, NONE)
OPT_BOOL, OPT_LIST, OPT_DICT = (bool, NONE), (list, NONE), (dict, NONE)

# Zun's nullable object fields are nullable here too: Zun's answer may
# hold null there, so a client copes with it.
_ACTION = {"action": OPT_STR, "container_uuid": OPT_STR,
           "finish_time": OPT_STR, "message": OPT_STR,
           "project_id": OPT_STR, "request_id": OPT_STR,
           "start_time": OPT_STR, "user_id": OPT_STR}
ZUN = {
    "container": {
        "uuid": STR, "user_id": OPT_STR, "project_id": OPT_STR,
        "name": OPT_STR, "image": OPT_STR, "links": LIST,
        "command": OPT_LIST, "status": STR, "status_reason": OPT_STR,
        "task_state": OPT_STR, "cpu": OPT_FLOAT, "memory": OPT_STR,
        "environment": OPT_DICT, "workdir": OPT_STR, "ports": OPT_LIST,
        "hostname": OPT_STR, "labels": OPT_DICT, "addresses": OPT_DICT,
        "image_pull_policy": OPT_STR, "host": OPT_STR,
        "restart_policy": OPT_DICT, "status_detail": OPT_STR,
        "interactive": OPT_BOOL, "tty": OPT_BOOL, "image_driver": OPT_STR,
        "security_groups": OPT_LIST, "auto_remove": OPT_BOOL,
        "runtime": OPT_STR, "disk": OPT_INT, "auto_heal": OPT_BOOL,
        "privileged": OPT_BOOL, "healthcheck": OPT_DICT,
        "cpu_policy": OPT_STR, "registry_id": OPT_STR,
        "entrypoint": OPT_LIST, "created_at": OPT_STR,
        "updated_at": OPT_STR},
    "action": _ACTION,
    "action detail": dict(_ACTION, events=LIST),
    "action event": {"event": OPT_STR, "start_time": OPT_STR,
                     "finish_time": OPT_STR, "result": OPT_STR,
                     "traceback": OPT_STR},
    "host": {"uuid": STR, "hostname": STR, "mem_total": INT, "cpus": INT,
             "total_containers": INT, "architecture": OPT_STR,
             "os_type": OPT_STR, "os": OPT_STR, "kernel_version": OPT_STR,
             "labels": OPT_DICT, "mem_used": INT, "cpu_used": FLOAT,
             "disk_used": INT, "disk_total": INT,
             "disk_quota_supported": BOOL, "runtimes": OPT_LIST,
             "enable_cpu_pinning": BOOL, "links": LIST},
    "service": {"availability_zone": OPT_STR, "binary": OPT_STR,
                "created_at": OPT_STR, "disabled": BOOL,
                "disabled_reason": OPT_STR, "forced_down": BOOL,
                "host": OPT_STR, "id": INT, "last_seen_up": OPT_STR,
                "report_count": INT, "state": STR, "updated_at": OPT_STR},
    "image": {"uuid": OPT_STR, "links": LIST, "image_id": OPT_STR,
              "repo": OPT_STR, "tag": OPT_STR, "size": OPT_STR,
              "project_id": OPT_STR, "image_pull_policy": OPT_STR,
              "host": OPT_STR},
    "quota": {"containers": INT, "memory": INT, "cpu": INT, "disk": INT},
    "quota usage": {"limit": INT, "in_use": INT},
}

# The types of the keys we add (their reasons: docs/api-differences.md).
OURS = {"mounts": LIST, "health": OPT_STR, "docker_version": OPT_STR,
        "docker_api_version": OPT_STR, "topic": STR}

DIFFERENCES = pathlib.Path(__file__).parents[2] / "docs/api-differences.md"
TABLE = "## Each answer's keys against Zun's"


def documented():
    """{answer: (the keys it adds to Zun's, Zun's keys it lacks, keys
    with a type other than Zun's)}, from docs/api-differences.md."""
    text = DIFFERENCES.read_text()
    table = text.split(TABLE, 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| ([a-z ]+?) \|(.*)\|$", table, re.M)
    return {name: tuple(set(re.findall(r"`(\w+)`", cell))
                        for cell in cells.split("|"))
            for name, cells in rows if name != "answer"}


def wrong_shapes(kind, body):
    """[(key, what is wrong)] of `body` against Zun's view of `kind`: a
    key of Zun's missing, one of ours not documented, or a type Zun's
    object would not give it (a bool is no number), unless documented."""
    added, lacking, retyped = documented()[kind]
    expected = {k: v for k, v in ZUN[kind].items() if k not in lacking}
    expected.update((k, OURS[k]) for k in added)
    wrong = [(key, "missing") for key in sorted(set(expected) - set(body))]
    wrong += [(key, "not Zun's, not documented")
              for key in sorted(set(body) - set(expected))]
    for key in sorted(set(expected) & set(body) - retyped):
        types = expected[key]
        if not isinstance(body[key], types) or (
                isinstance(body[key], bool) and bool not in types):
            wrong.append((key, type(body[key]).__name__))
    return wrong


def test_every_answer_of_ours_is_in_the_documented_table():
    table = documented()
    assert set(table) == set(ZUN)
    assert set().union(*(added for added, _, _ in table.values())) == set(
        OURS)
    for kind, (added, lacking, retyped) in table.items():
        assert lacking | retyped <= set(ZUN[kind]), kind


def test_a_container_reads_as_zuns(admin, conductor_host):
    # Every key filled, so the types are the values' and not null's.
    made = admin.post("/v1/containers", {
        "image": "busybox", "command": ["true"], "cpu": 1, "memory": 64,
        "environment": {"A": "1"}, "labels": {"l": "1"}, "workdir": "/",
        "hostname": "web", "restart_policy": {"Name": "always"},
        "healthcheck": {"cmd": "true"}, "entrypoint": ["sh"],
        "image_pull_policy": "always"}, headers=V)
    assert made.status_int == 202, made.body
    shown = admin.get(f"/v1/containers/{made.json['uuid']}", headers=V).json
    for body in (made.json, shown):
        assert wrong_shapes("container", body) == []
    [listed] = admin.get("/v1/containers", headers=V).json["containers"]
    assert wrong_shapes("container", listed) == []


def test_an_action_reads_as_zuns_listed_and_shown(admin, conductor_host):
    made = admin.post("/v1/containers", {"image": "busybox"}, headers=V)
    assert made.status_int == 202, made.body
    path = f"/v1/containers/{made.json['uuid']}/container_actions"
    [action] = admin.get(path, headers=V).json["containerActions"]
    assert wrong_shapes("action", action) == []
    shown = admin.get(f"{path}/{action['request_id']}", headers=V).json
    assert wrong_shapes("action detail", shown) == []


def test_an_ended_actions_events_read_as_zuns(admin, make_container):
    c = make_container(project="admin-project")
    context = ml_context.RequestContext(project_id="admin-project",
                                        user_id="admin",
                                        request_id="req-ended")
    objects.ContainerAction.begin(context, c.uuid, "stop").finish(
        RuntimeError("it would not stop"), steps=["asked Docker"])
    shown = admin.get(f"/v1/containers/{c.uuid}/container_actions/"
                      "req-ended", headers=V).json
    assert wrong_shapes("action detail", shown) == []
    assert len(shown["events"]) == 2
    # And as our OpenAPI document says.
    jsonschema.validate(shown, answers.ACTION_DETAIL)
    for event in shown["events"]:
        assert wrong_shapes("action event", event) == []


def test_a_host_reads_as_zuns(admin, conductor_host):
    [host] = admin.get("/v1/hosts", headers=V).json["hosts"]
    assert wrong_shapes("host", host) == []
    shown = admin.get(f"/v1/hosts/{host['uuid']}", headers=V).json
    assert wrong_shapes("host", shown) == []


def test_a_service_reads_as_zuns(admin, conductor_host):
    [service] = admin.get("/v1/services", headers=V).json["services"]
    assert wrong_shapes("service", service) == []


def test_an_image_reads_as_zuns(admin, conductor_host, conductor):
    images = admin.get("/v1/images", headers=V).json["images"]
    assert images
    for image in images:
        assert wrong_shapes("image", image) == []


@pytest.mark.parametrize("path", ["/v1/quotas/p1", "/v1/quotas/p1/defaults",
                                  "/v1/quota_classes/default"])
def test_a_quota_reads_as_zuns(admin, path):
    body = admin.get(path, headers=V).json
    assert wrong_shapes("quota", body) == []


def test_a_quota_with_its_usages_reads_as_zuns(admin):
    body = admin.get("/v1/quotas/p1?usages=true", headers=V).json
    assert set(body) == set(ZUN["quota"])
    for usage in body.values():
        assert wrong_shapes("quota usage", usage) == []

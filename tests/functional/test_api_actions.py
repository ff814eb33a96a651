"""What a tenant asks of a container: the actions, with the methods, paths,
query strings and status codes python-zunclient uses; the lifecycle table's
409s; and the container's action log."""
import base64

import amqp.exceptions
import kombu.exceptions
import oslo_messaging as messaging
import pytest

from magnum_lite.api import views
from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects

from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import tar_of

pytest_plugins = ["tests.functional.api_fixtures"]

TAR = base64.b64encode(tar_of("a.txt", b"data")).decode()

# action -> (method, path and query as zunclient sends them, body,
#            status, the conductor call it makes with its arguments)
ACTIONS = {
    "start": ("POST", "start", None, 202, ("start", {})),
    "stop": ("POST", "stop?timeout=5", None, 202,
             ("stop", {"timeout": 5})),
    "reboot": ("POST", "reboot?timeout=10", None, 202,
               ("reboot", {"timeout": 10})),
    "pause": ("POST", "pause", None, 202, ("pause", {})),
    "unpause": ("POST", "unpause", None, 202, ("unpause", {})),
    "kill": ("POST", "kill?signal=None", None, 202,
             ("kill", {"signal": None})),
    "logs": ("GET", ("logs?stdout=True&stderr=False&timestamps=False"
                     "&tail=10"), None, 200,
             ("logs", {"stdout": True, "stderr": False, "tail": 10,
                       "since": None, "timestamps": False})),
    "execute": ("POST", "execute?command=%22echo%22+%22hi%22", None, 200,
                ("execute", {"command": '"echo" "hi"', "run": True})),
    "top": ("GET", "top?ps_args=None", None, 200,
            ("top", {"ps_args": None})),
    "stats": ("GET", "stats", None, 200, ("stats", {})),
    "rename": ("POST", "rename?name=renamed", None, 200,
               ("rename", {"name": "renamed"})),
    "commit": ("POST", "commit?repository=team/app&tag=v1", None, 202,
               ("commit", {"repository": "committed.magnum-lite.invalid/"
                                         "project-a/team/app", "tag": "v1"})),
    "get_archive": ("GET", "get_archive?path=/etc", None, 200,
                    ("get_archive", {"path": "/etc", "as_text": False})),
    "put_archive": ("POST", "put_archive?path=/tmp", {"data": TAR}, 200,
                    ("put_archive", {"path": "/tmp", "data": TAR})),
}


def _do(api, container, action):
    method, suffix, body, _, _ = ACTIONS[action]
    return api.request(method, f"/v1/containers/{container.uuid}/{suffix}",
                       body=body)


def _allowed_status(action):
    return lifecycle.ALLOWED[action][0]


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_action_answers_as_zunclient_expects(api, conductor,
                                             make_container, action):
    container = make_container(status=_allowed_status(action))
    response = _do(api, container, action)
    _, _, _, status, (method, arguments) = ACTIONS[action]
    assert response.status_int == status, response.body
    assert conductor.calls == [(method, container.uuid, arguments)]
    if status == 202 and action != "commit":
        assert response.body == b""
        assert "Content-Type" not in response.headers


@pytest.mark.parametrize("action, status", [
    ("start", lifecycle.RUNNING), ("stop", lifecycle.STOPPED),
    ("pause", lifecycle.STOPPED), ("unpause", lifecycle.RUNNING),
    ("kill", lifecycle.STOPPED), ("execute", lifecycle.STOPPED),
    ("top", lifecycle.CREATED), ("logs", lifecycle.CREATING),
    ("stats", lifecycle.ERROR), ("commit", lifecycle.CREATING),
    ("get_archive", lifecycle.CREATING), ("rename", lifecycle.DELETING),
    ("reboot", lifecycle.PAUSED), ("put_archive", lifecycle.ERROR),
])
def test_action_in_the_wrong_status_is_409_and_queues_nothing(
        api, conductor, make_container, action, status):
    container = make_container(status=status)
    response = _do(api, container, action)
    assert response.status_int == 409
    error = error_of(response)
    assert error["code"] == "magnum_lite.action_not_allowed"
    assert status in error["detail"]
    assert conductor.calls == []


def test_every_action_follows_the_lifecycle_table(api, conductor,
                                                  make_container):
    for action in ACTIONS:
        for status in lifecycle.STATUSES:
            container = make_container(name=f"{action}-{status}",
                                       status=status)
            response = _do(api, container, action)
            refused = response.status_int == 409 and error_of(response)[
                "code"] == "magnum_lite.action_not_allowed"
            assert refused == (status not in lifecycle.ALLOWED[action]), (
                action, status)


def test_logs_answer_a_json_string(api, make_container):
    container = make_container()
    response = api.get(f"/v1/containers/{container.uuid}/logs")
    assert response.content_type == "application/json"
    assert response.json == "hello\nworld\n"


def test_logs_since_accepts_epoch_and_iso_times(api, conductor,
                                                make_container):
    container = make_container()
    path = f"/v1/containers/{container.uuid}/logs?since="
    assert api.get(path + "1700000000").status_int == 200
    assert api.get(path + "2023-11-14T22:13:20Z").status_int == 200
    assert [call[2]["since"] for call in conductor.calls] == [
        1700000000, 1700000000]
    assert api.get(path + "yesterday").status_int == 400


# A text whose pieces split where JSON escapes: a quote, a backslash, a
# control character, non-ASCII and a character beyond the BMP.
PIECES = ['say "hi', '\\', "\x01\n", "é€", "😀", "", "end\n"]


def test_an_output_in_pieces_is_streamed_as_the_same_bytes(
        api, conductor, make_container):
    base = f"/v1/containers/{make_container().uuid}/"

    def answers(output):
        """The logs and execute answers when the conductor gives output."""
        conductor.logs = lambda *args, **kwargs: {"output": output(),
                                                  "cut": 1234}
        conductor.execute = lambda *args, **kwargs: {
            "output": output(), "exit_code": 3, "exec_id": "e" * 64,
            "cut": 1234}
        return [api.get(base + "logs"), api.post(base + "execute?command=ls")]

    text = "".join(PIECES)
    for whole, streamed in zip(answers(lambda: text),
                               answers(lambda: iter(PIECES))):
        assert "Content-Length" not in streamed.headers
        assert streamed.headers["Magnum-Lite-Output-Cut"] == "1234"
        assert streamed.content_type == whole.content_type
        assert streamed.body == whole.body
    logs, execute = answers(lambda: iter(PIECES))
    assert logs.json == text
    assert execute.json == {"output": text, "exit_code": 3,
                            "exec_id": "e" * 64}


def test_an_archive_in_pieces_is_streamed_as_the_same_bytes(
        api, conductor, make_container):
    base = f"/v1/containers/{make_container().uuid}/get_archive?path=/tmp"
    stat = {"name": "tmp", "size": 0, "mode": 2147484159,
            "mtime": "2026-12-01T10:00:00Z", "linkTarget": ""}

    def answer(data, version="1.25"):
        conductor.get_archive = lambda *args, **kwargs: {
            "data": data(kwargs["as_text"]), "stat": stat}
        return api.as_(version=version).get(base)

    tar = tar_of("t.txt", "é€😀\"x\0\n".encode() * 5000)
    b64 = base64.b64encode(tar).decode()
    text = tar.decode()
    for version in ("1.25", "1.24"):
        whole = answer(lambda as_text: text if as_text else b64, version)
        streamed = answer(lambda as_text: iter(
            [text[:7], text[7:4096], text[4096:]] if as_text else
            [b64[:8], b64[8:4096], b64[4096:]]), version)
        assert "Content-Length" not in streamed.headers
        assert streamed.content_type == whole.content_type
        assert streamed.body == whole.body
        assert streamed.json["stat"] == stat
    assert base64.b64decode(answer(lambda _: iter([b64[:4], b64[4:]])
                                   ).json["data"]) == tar
    assert answer(lambda _: iter([text[:9], text[9:]]), "1.24"
                  ).json["data"] == text


def test_execute_answers_output_and_exit_code(api, make_container):
    container = make_container()
    response = api.post(f"/v1/containers/{container.uuid}/execute"
                        "?command=ls&run=true")
    assert response.json == {"output": "hi\n", "exit_code": 3,
                             "exec_id": "e" * 64}
    assert api.post(f"/v1/containers/{container.uuid}/execute"
                    ).status_int == 400
    # Interactive: the exec's id and the URL that opens it, no output.
    response = api.post(f"/v1/containers/{container.uuid}/execute"
                        "?command=sh&interactive=true&run=false")
    assert response.status_int == 200
    assert response.json["output"] is None
    assert response.json["proxy_url"].startswith("ws://")


@pytest.mark.parametrize("signal, sent", [
    ("SIGTERM", "SIGTERM"), ("term", "SIGTERM"), ("KILL", "SIGKILL"),
    ("9", 9), ("sighup", "SIGHUP")])
def test_kill_sends_the_signal(api, conductor, make_container, signal,
                               sent):
    container = make_container()
    response = api.post(f"/v1/containers/{container.uuid}/kill"
                        f"?signal={signal}")
    assert response.status_int == 202
    assert conductor.calls[0][2] == {"signal": sent}


@pytest.mark.parametrize("signal", ["SIGNOPE", "0", "99", "-9", "KILL;ls"])
def test_kill_with_a_bad_signal_is_400(api, conductor, make_container,
                                       signal):
    container = make_container()
    response = api.post(f"/v1/containers/{container.uuid}/kill"
                        f"?signal={signal}")
    assert response.status_int == 400
    error_of(response)
    assert conductor.calls == []


def test_top_and_stats_answer_what_the_conductor_reads(api, make_container):
    container = make_container(name="web")
    top = api.get(f"/v1/containers/{container.uuid}/top").json
    assert top["Titles"] == ["PID", "CMD"]
    # Under Zun's keys, which python-zunclient and openstack print.
    stats = api.get(f"/v1/containers/{container.uuid}/stats").json
    assert stats == {"CONTAINER": "web", "CPU %": 0.5,
                     "MEM USAGE(MiB)": 1.5, "MEM LIMIT(MiB)": 64.0,
                     "MEM %": 2.34, "BLOCK I/O(B)": "4096/0",
                     "NET I/O(B)": "0/0"}


def test_rename_by_post_answers_the_renamed_container(api, make_container):
    container = make_container(name="before")
    response = api.post(f"/v1/containers/{container.uuid}/rename"
                        "?name=after")
    assert response.json["name"] == "after"
    assert api.get("/v1/containers/after").status_int == 200
    assert api.post("/v1/containers/after/rename?name=after"
                    ).status_int == 409
    assert api.post("/v1/containers/after/rename?name=bad%20name"
                    ).status_int == 400


def test_commit_answers_the_new_image(api, make_container):
    container = make_container()
    response = api.post(f"/v1/containers/{container.uuid}/commit"
                        "?repository=team/app")
    assert response.status_int == 202
    # The uuid of the new image's row in /v1/images.
    assert response.json == {"uuid": views.image_uuid(
        container.host, "sha256:" + "ab" * 32,
        "committed.magnum-lite.invalid/project-a/team/app", "latest")}
    for bad in ("repository=UPPER", "repository=app&tag=bad%20tag",
                "tag=v1",
                # Another registry, another project's namespace.
                "repository=127.0.0.1:5050/team/app",
                "repository=committed.magnum-lite.invalid/project-b/app"):
        assert api.post(f"/v1/containers/{container.uuid}/commit?{bad}"
                        ).status_int == 400


def test_archives_travel_as_base64(api, conductor, make_container):
    container = make_container()
    path = f"/v1/containers/{container.uuid}"
    got = api.get(path + "/get_archive?path=/etc/hostname").json
    assert base64.b64decode(got["data"]) == tar_of("hello.txt", b"hi")
    assert got["stat"]["name"] == "hello.txt"
    assert api.post(path + "/put_archive?path=/tmp",
                    {"data": "not base64!"}).status_int == 400
    assert api.post(path + "/put_archive?path=/tmp",
                    {"data": TAR, "extra": 1}).status_int == 400
    assert api.post(path + "/put_archive", {"data": TAR}).status_int == 400
    # Before 1.25, as Zun: the tar's bytes as the text itself
    # (test_api_zun_parity.py has the round trip).
    old = api.as_(version="1.24")
    response = old.get(path + "/get_archive?path=/etc")
    assert response.status_int == 200
    assert response.json["data"].encode() == tar_of("hello.txt", b"hi")
    assert [kwargs["as_text"] for _, _, kwargs in conductor.calls] == [
        False, True]


def test_unknown_query_parameters_are_400(api, conductor, make_container):
    container = make_container()
    response = api.post(f"/v1/containers/{container.uuid}/stop?force=1")
    assert response.status_int == 400
    assert "'force' was unexpected" in error_of(response)["detail"]
    assert api.post(f"/v1/containers/{container.uuid}/stop?timeout=soon"
                    ).status_int == 400
    assert conductor.calls == []


def test_action_log_lists_and_shows_actions(api, make_container):
    container = make_container()
    context = ml_context.RequestContext(project_id="project-a",
                                        user_id="user-a",
                                        request_id="req-first")
    objects.ContainerAction.begin(context, container.uuid, "create").finish(
        steps=["created Docker container abc", "started"])
    context.request_id = "req-second"
    objects.ContainerAction.begin(context, container.uuid, "stop").finish(
        RuntimeError("it would not stop"))
    path = f"/v1/containers/{container.uuid}/container_actions"
    listed = api.get(path).json["containerActions"]
    assert [a["action"] for a in listed] == ["stop", "create"]
    assert listed[0]["request_id"] == "req-second"
    assert listed[0]["message"] == "it would not stop"
    assert listed[0]["finish_time"]
    # As Zun's list: no events.
    assert not any("events" in a for a in listed)
    assert "finish_time" not in api.as_(version="1.32").get(
        path).json["containerActions"][0]
    shown = api.get(path + "/req-first").json
    assert (shown["action"], shown["message"]) == ("create", None)
    assert [(e["event"], e["result"]) for e in shown["events"]] == [
        ("created Docker container abc", "Success"), ("started", "Success")]
    failed = api.as_(version="1.32").get(path + "/req-second").json
    assert [(e["event"], e["result"]) for e in failed["events"]] == [
        ("it would not stop", "Error")]
    assert api.get(path + "/req-nope").status_int == 404


@pytest.mark.parametrize("action, method, path", [
    ("stop", "POST", "/stop"), ("kill", "POST", "/kill"),
    ("delete", "DELETE", "?stop=true"),
])
def test_a_request_handed_to_the_conductor_is_in_the_action_log(
        api, make_container, action, method, path):
    # Entered before it is sent: a message the conductor loses still
    # leaves its trace, which the reconcile pass ends.
    container = make_container()
    response = api.request(method, f"/v1/containers/{container.uuid}{path}")
    assert response.status_int in (202, 204)
    listed = api.get(f"/v1/containers/{container.uuid}/container_actions"
                     ).json["containerActions"]
    assert [(a["action"], a["request_id"], a["finish_time"])
            for a in listed] == [
        (action, response.headers["X-OpenStack-Request-Id"], None)]
    shown = api.get(f"/v1/containers/{container.uuid}/container_actions/"
                    + response.headers["X-OpenStack-Request-Id"]).json
    assert (shown["message"], shown["events"]) == (None, [])


def test_a_request_that_cannot_be_sent_ends_its_entry(api, conductor,
                                                      make_container):
    container = make_container()
    conductor.fail["stop"] = messaging.MessageDeliveryFailure("no broker")
    conductor.fail["delete"] = messaging.MessageDeliveryFailure("no broker")
    path = f"/v1/containers/{container.uuid}"
    assert api.post(path + "/stop").status_int == 503
    assert api.delete(path + "?stop=true").status_int == 503
    shown = api.get(path).json
    # Nothing was accepted: the delete's mark is gone with it.
    assert (shown["status"], shown["task_state"]) == (lifecycle.RUNNING,
                                                      None)
    listed = api.get(path + "/container_actions").json["containerActions"]
    assert [(a["action"], a["message"]) for a in listed] == [
        ("delete", "no broker"), ("stop", "no broker")]
    assert all(a["finish_time"] for a in listed)


@pytest.mark.parametrize("error", [
    kombu.exceptions.OperationalError("broker forced connection closure"),
    amqp.exceptions.ConnectionForced("CONNECTION_FORCED")],
    ids=["kombu", "amqp"])
def test_a_bus_that_fails_mid_send_is_503_and_leaves_nothing(
        api, conductor, conductor_host, make_container, error):
    # What the bus's client lets through, unwrapped, when the broker
    # stops under a publish.
    conductor.fail["create"] = error
    conductor.fail["stop"] = error
    made = api.post("/v1/containers", {"image": "busybox"})
    assert made.status_int == 503
    assert "message bus failed" in error_of(made)["detail"]
    assert [r.name for r in container_rows()] == []
    container = make_container()
    assert api.post(f"/v1/containers/{container.uuid}/stop"
                    ).status_int == 503
    [entry] = api.get(f"/v1/containers/{container.uuid}/container_actions"
                      ).json["containerActions"]
    assert entry["finish_time"] is not None


def test_a_create_its_conductor_took_up_while_the_send_failed_stays(
        api, conductor, conductor_host):
    # While the API retried a send, the host's backlog took the create up
    # from the action log (as it does with requests older than a message
    # takes); then the send failed. The work is under way: 202, and the
    # record stays for the conductor that builds it.
    def create(context, container, run=False):
        objects.ContainerAction.take(context, container.uuid, "create",
                                     None, container.host, "backlog")
        raise messaging.MessageDeliveryFailure("no broker")

    conductor.create = create
    made = api.post("/v1/containers", {"image": "busybox"})
    assert made.status_int == 202
    assert [r.uuid for r in container_rows()] == [made.json["uuid"]]


def test_another_projects_action_log_is_not_found(api, make_container):
    container = make_container(project="project-b")
    response = api.get(f"/v1/containers/{container.uuid}/container_actions")
    assert response.status_int == 404

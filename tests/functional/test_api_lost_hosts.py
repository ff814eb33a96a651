"""What the API does with the records of a lost host (magnum_lite/
liveness.py): they read Unknown with the reason, delete goes at once,
everything else is refused at once."""
import datetime

import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite.db import services as db_services
from tests.functional.api_fixtures import container_rows
from tests.functional.api_fixtures import error_of
from tests.functional.api_fixtures import report_host
from tests.functional.api_fixtures import HOST

pytest_plugins = ["tests.functional.api_fixtures"]

LOST = "host-lost"


def _lose(host, seconds=700):
    """The host's last beat `seconds` ago (down time here: 600 s); the
    others beat just now."""
    old = datetime.datetime.now(datetime.UTC).replace(
        tzinfo=None) - datetime.timedelta(seconds=seconds)
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Service).where(
            models.Service.host == host).values(updated_at=old))


def _placed_on_lost_host(api):
    report_host(HOST)
    report_host(LOST)
    made = api.post("/v1/containers", {"image": "busybox", "memory": 128,
                                       "host": LOST})
    assert made.status_int == 202, made.json
    with db.get_engine().begin() as conn:
        conn.execute(sa.update(models.Container).where(
            models.Container.uuid == made.json["uuid"]).values(
                status="Running"))
    _lose(LOST)
    return made.json["uuid"]


def test_records_on_a_lost_host_read_unknown_with_the_reason(admin):
    uuid = _placed_on_lost_host(admin)
    shown = admin.get("/v1/containers/" + uuid).json
    assert shown["status"] == "Unknown"
    assert shown["status_reason"].startswith(
        "Host host-lost is lost: the conductor of host host-lost has not "
        "reported since ")
    assert shown["status_reason"].endswith(
        "The last status Docker reported was Running.")
    [listed] = admin.get("/v1/containers").json["containers"]
    assert (listed["status"], listed["status_reason"]) == (
        "Unknown", shown["status_reason"])
    services = {s["host"]: s["state"] for s in
                admin.get("/v1/services").json["services"]}
    assert services == {HOST: "up", LOST: "down"}


def test_operations_on_a_lost_host_are_refused_at_once(admin, conductor):
    uuid = _placed_on_lost_host(admin)
    conductor.calls.clear()
    for path in ("stop", "start", "pause", "reboot", "kill"):
        response = admin.post("/v1/containers/%s/%s" % (uuid, path))
        assert response.status_int == 409, (path, response.json)
        error = error_of(response)
        assert error["code"] == "magnum_lite.host_lost"
        assert error["detail"].endswith(
            "Only show and delete work until it is back.")
    assert admin.get("/v1/containers/%s/logs" % uuid).status_int == 409
    assert conductor.calls == []


def test_a_delete_on_a_lost_host_goes_at_once_and_gives_back(admin,
                                                            conductor):
    uuid = _placed_on_lost_host(admin)
    conductor.calls.clear()
    # Running, without stop or force: Unknown allows any delete.
    assert admin.delete("/v1/containers/" + uuid).status_int == 204
    assert container_rows() == []
    assert conductor.calls == []
    lost = {s.host: s for s in db_services.service_list()}[LOST]
    assert (lost.memory_used_mb, lost.container_count) == (0, 0)


def test_a_create_skips_a_lost_host(admin):
    report_host(HOST)
    report_host(LOST, memory_mb=10 ** 6)
    _lose(LOST)
    made = admin.post("/v1/containers", {"image": "busybox"})
    assert made.json["host"] == HOST
    forced = admin.post("/v1/containers", {"image": "busybox",
                                           "host": LOST})
    assert forced.status_int == 503
    assert "the conductor of host host-lost has not reported" in \
        error_of(forced)["detail"]

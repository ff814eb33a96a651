"""auto_heal on a live conductor and the real engine: a container that
never gets healthy is restarted again and again, but each time only after
the back-off has doubled, and each restart is in the action log."""
import logging
import time

import pytest

from harness import stack as shared
from magnum_lite import lifecycle
from magnum_lite import objects

BACKOFF, BACKOFF_MAX = 1.0, 2.0


@pytest.fixture
def quick_backoff(live):
    live.conf.set_override("auto_heal_backoff", BACKOFF, group="conductor")
    live.conf.set_override("auto_heal_backoff_max", BACKOFF_MAX,
                           group="conductor")
    yield
    live.conf.clear_override("auto_heal_backoff", group="conductor")
    live.conf.clear_override("auto_heal_backoff_max", group="conductor")


def _reboots(live, uuid):
    return sorted((a for a in objects.ContainerAction.list_for(
        live.context, uuid) if a.action == "reboot"),
        key=lambda a: a.start_time)


@pytest.mark.slow  # waits out its back-offs: .ci/test runs it beside the rest
def test_a_never_healthy_container_is_healed_with_a_doubling_back_off(
        live, quick_backoff, caplog):
    caplog.set_level(logging.INFO, logger="magnum_lite.conductor.manager")
    c = live.new_container(
        command=["sleep", "300"], auto_heal=True,
        healthcheck={"test": "false", "interval": 1, "retries": 1,
                     "timeout": 1})
    live.api.create(live.context, c, run=True)
    live.wait(c, until=lifecycle.RUNNING)
    shared.wait_for(lambda: len(_reboots(live, c.uuid)) >= 4, 40, 0.2,
                    lambda: "4 reboots: %s" % [
                        (a.start_time, a.message)
                        for a in _reboots(live, c.uuid)])
    reboots = _reboots(live, c.uuid)
    assert all(a.result == "Success" for a in reboots[:3]), [
        a.message for a in reboots]
    # A success has no message (as Zun); the conductor logs why.
    assert all(a.message is None for a in reboots[:3])
    told = [r.getMessage() for r in caplog.records]
    assert sum("reboot of container %s: auto_heal: it was unhealthy" %
               c.uuid in m for m in told) >= 3, told
    gaps = [(b.start_time - a.start_time).total_seconds()
            for a, b in zip(reboots, reboots[1:])]
    # Never sooner than the back-off: 1 s, then 2 s (the cap) each time.
    assert [g >= want for g, want in zip(gaps, (1, 2, 2))] == \
        [True] * len(gaps), gaps
    record = objects.Container.get(live.context, c.uuid)
    assert record.health in ("starting", "unhealthy")
    live.api.delete(live.context, record, force=True)
    assert live.gone(c.uuid)


def test_without_auto_heal_an_unhealthy_container_is_left_alone(live):
    c = live.new_container(
        command=["sleep", "300"],
        healthcheck={"test": "false", "interval": 1, "retries": 1,
                     "timeout": 1})
    live.api.create(live.context, c, run=True)
    live.wait(c, until=lifecycle.RUNNING)
    shared.wait_for(lambda: objects.Container.get(
        live.context, c.uuid).health == "unhealthy", 20, 0.1,
        "the record unhealthy")
    # Nothing must heal it. 2 s: a heal is decided as the record turns
    # unhealthy (sync.py re-reads it, then heal.Healer.consider), and the
    # first is due at once, its reboot's entry begun within moments.
    time.sleep(2)
    assert _reboots(live, c.uuid) == []
    record = objects.Container.get(live.context, c.uuid)
    assert record.status == lifecycle.RUNNING
    assert live.inspect(record)["State"]["Health"]["Status"] == "unhealthy"
    live.api.delete(live.context, record, force=True)
    assert live.gone(c.uuid)

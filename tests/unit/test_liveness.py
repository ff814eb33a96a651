"""The verdicts of magnum_lite/liveness.py: who is lost, since when, why;
and nobody judged by a silence that every conductor shared."""
import datetime
import types

from magnum_lite import liveness

NOW = datetime.datetime(2026, 12, 2, 12, 0, 0)
DOWN_TIME = 6


def _service(host, last_ago, up_for=3600, **fields):
    last = NOW - datetime.timedelta(seconds=last_ago)
    values = dict(host=host, updated_at=last, created_at=last,
                  up_since=last - datetime.timedelta(seconds=up_for),
                  forced_down=False, engine_down_since=None,
                  engine_error=None)
    values.update(fields)
    return types.SimpleNamespace(**values)


def _losses(*services):
    return liveness.losses(list(services), DOWN_TIME, now=NOW)


def test_a_silent_conductor_is_lost_once_a_peer_saw_it_silent_long_enough():
    lost = _losses(_service("a", 1), _service("b", 7))
    assert set(lost) == {"b"}
    assert lost["b"].kind == liveness.CONDUCTOR
    assert lost["b"].since == NOW - datetime.timedelta(seconds=7)
    assert "has not reported since 2026-12-02T11:59:53Z" in lost["b"].reason
    assert _losses(_service("a", 1), _service("b", 5)) == {}


def test_nobody_is_lost_for_a_gap_everyone_shared():
    # The database was away for 30 s: the first beat after it (a's, just
    # now) starts a new run; b's silence counts from there, not from 30 s.
    after_outage = _service("a", 0.2, up_for=0)
    assert _losses(after_outage, _service("b", 30)) == {}
    # Once a has kept beating for longer than the down time, b is lost.
    later = NOW + datetime.timedelta(seconds=DOWN_TIME + 1)
    still_beating = _service("a", 0.5, up_for=0)
    still_beating.updated_at = later - datetime.timedelta(seconds=0.5)
    lost = liveness.losses([still_beating, _service("b", 30)], DOWN_TIME,
                           now=later)
    assert set(lost) == {"b"}


def test_alone_a_silence_counts_from_the_last_beat():
    assert set(_losses(_service("a", 7))) == {"a"}
    assert _losses(_service("a", 5)) == {}


def test_a_beating_conductor_with_a_silent_engine_is_lost_at_once():
    since = NOW - datetime.timedelta(seconds=1)
    lost = _losses(_service("a", 0.5, engine_down_since=since,
                            engine_error="connection refused"),
                   _service("b", 0.5))
    assert set(lost) == {"a"}
    assert lost["a"].kind == liveness.ENGINE
    assert lost["a"].since == since
    assert "connection refused" in lost["a"].reason


def test_an_operator_forcing_a_host_down_wins():
    lost = _losses(_service("a", 0.5, forced_down=True), _service("b", 0.5))
    assert lost["a"].kind == liveness.FORCED


def test_a_record_on_a_lost_host_names_the_host_and_its_last_status():
    loss = _losses(_service("a", 1), _service("b", 9))["b"]
    text = liveness.explain(loss, "Running")
    assert text.startswith("Host b is lost: the conductor of host b")
    assert text.endswith("The last status Docker reported was Running.")

"""The verdicts of magnum_lite/liveness.py: who is lost, since when, why;
and nobody judged by a silence that every conductor shared."""
import datetime
import types

from magnum_lite import liveness

NOW = datetime.datetime(2026, 12, 2, 12, 0, 0)
DOWN_TIME = 6


def _ago(seconds):
    return NOW - datetime.timedelta(seconds=seconds)


def _service(host, last_ago, gap=None, **fields):
    """A conductor last heard last_ago seconds ago; gap: (from, to)
    seconds ago, its last late heartbeat's gap."""
    last = _ago(last_ago)
    values = dict(host=host, updated_at=last, created_at=last,
                  gap_start=gap and _ago(gap[0]),
                  gap_end=gap and _ago(gap[1]), judged_lost_at=None,
                  forced_down=False,
                  engine_down_since=None, engine_error=None)
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
    # The database was away from 40 s ago until 10 s ago: a's first beat
    # after it ended a gap of 30 s, and b has not beaten since. Of b's 40
    # s of silence, 30 were everyone's; the other 10 are b's alone.
    assert set(_losses(_service("a", 0.5, gap=(40, 10)),
                       _service("b", 40))) == {"b"}
    # Just after the outage: of b's 40 s, 38 were shared.
    assert _losses(_service("a", 0.5, gap=(40, 2)), _service("b", 40)) == {}


def test_one_peer_late_under_load_changes_no_verdict():
    # a came late once; c was heard all along: b's silence is its own.
    lost = _losses(_service("a", 0.5, gap=(4, 1)), _service("c", 0.5),
                   _service("b", 7))
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


def test_a_verdict_holds_until_the_host_beats_again():
    # Found lost 1 s ago; since then both peers came late together (a
    # slow spell), which alone would put b's silence back under 6 s.
    judged = _service("b", 8, judged_lost_at=_ago(1))
    peers = [_service("a", 0.5, gap=(7, 4)), _service("c", 0.5,
                                                      gap=(7, 4))]
    assert set(_losses(judged, *peers)) == {"b"}
    beat_since = _service("b", 0.5, judged_lost_at=_ago(1))
    assert _losses(beat_since, *peers) == {}

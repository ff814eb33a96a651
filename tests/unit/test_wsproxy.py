"""The proxy's byte handling: Docker's framing without a TTY, and frames
that never end inside a UTF-8 character (the CLI decodes each alone)."""
from magnum_lite.conductor import tokens
from magnum_lite.conductor import wsproxy
from magnum_lite.docker import streams
from magnum_lite import exception

import pytest


def _frame(stream, payload):
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + \
        payload


def test_demux_keeps_the_payload_of_frames_split_anywhere():
    raw = _frame(1, b"out ") + _frame(2, b"err ") + _frame(1, b"\x00\xff")
    for cut in range(len(raw) + 1):
        demux = streams.Demux()
        assert demux.feed(raw[:cut]) + demux.feed(raw[cut:]) == \
            b"out err \x00\xff"


@pytest.mark.parametrize("data, sent, held", [
    (b"plain", b"plain", b""),
    ("é".encode()[:1], b"", "é".encode()[:1]),
    (b"ok" + "€".encode()[:2], b"ok", "€".encode()[:2]),
    (b"ok" + "€".encode(), b"ok" + "€".encode(), b""),
    ("😀".encode()[:3], b"", "😀".encode()[:3]),
    (b"\x80\x80\x80\x80", b"\x80\x80\x80\x80", b""),  # not UTF-8: as is
])
def test_a_frame_never_ends_inside_a_character(data, sent, held):
    assert wsproxy._utf8_cut(data) == (sent, held)


def test_a_token_opens_once_and_only_its_container():
    store = tokens.Tokens(lambda: 60)
    token = store.mint("c1", "p1", "docker-id")
    with pytest.raises(exception.TokenRefused, match="presented for c2"):
        store.redeem(token, "c2")
    with pytest.raises(exception.TokenRefused, match="already used"):
        store.redeem(token, "c1")  # the wrong try spent it
    token = store.mint("c1", "p1", "docker-id", exec_id="e1")
    grant = store.redeem(token, "c1")
    assert (grant.project_id, grant.exec_id) == ("p1", "e1")
    short = tokens.Tokens(lambda: -1)
    expired = short.mint("c1", "p1", "d")
    with pytest.raises(exception.TokenRefused, match="expired"):
        short.redeem(expired, "c1")

"""The bounded buffer that logs, exec output and archives are read into,
and the conductor's outputs held to be sent in pieces."""
import base64
import io
import struct

import pytest

from magnum_lite.conductor import calls
from magnum_lite.docker import bounded
from magnum_lite import exception


def _fed(limit, pieces):
    return bounded.tail_of(pieces, limit)


def test_a_short_stream_is_kept_whole_and_not_cut():
    tail = _fed(10, [b"ab", b"", b"cde"])
    assert (tail.total, tail.cut) == (5, None)
    assert tail.take() == b"abcde"


def test_exactly_the_limit_is_not_cut():
    tail = _fed(4, [b"ab", b"cd"])
    assert tail.cut is None and tail.take() == b"abcd"


def test_a_long_stream_keeps_its_newest_bytes_and_its_length():
    data = bytes(range(256)) * 40
    pieces = [data[i:i + 7] for i in range(0, len(data), 7)]
    tail = _fed(1000, pieces)
    assert tail.cut == len(data) == tail.total
    assert tail.take() == data[-1000:]


def test_it_never_holds_more_than_the_limit_and_one_piece():
    tail = bounded.Tail(100)
    for n in range(1, 500):
        tail.add(b"x" * (n % 37 + 1))
        assert tail._held <= 100 + 37
        assert tail._held >= min(tail.total, 100)


def test_a_piece_longer_than_the_limit_is_trimmed_at_once():
    tail = _fed(4, [b"abc", b"0123456789"])
    assert tail._held == 4
    assert (tail.cut, bytes(tail.take())) == (13, b"6789")


def test_take_empties_it():
    tail = _fed(4, [b"abcdef"])
    assert tail.take() == b"cdef"
    assert tail.take() == b""


def test_text_starts_at_a_characters_first_byte_after_a_cut():
    # "é" is 2 bytes, "€" 3, "😀" 4: a cut through any of them drops its
    # tail bytes rather than decoding them as U+FFFD.
    for char in "é€😀":
        encoded = char.encode()
        for inside in range(1, len(encoded)):
            tail = _fed(len(encoded) - inside + 3,
                        [b"ab" + encoded + b"xyz"])
            assert tail.cut is not None
            assert tail.text() == "xyz"
    assert _fed(5, [b"ab" + "€".encode() + b"xy"]).text() == "€xy"


def test_text_decodes_characters_split_across_pieces():
    data = ("aé€😀" * 50).encode() + b"\xff\xc3" + "z€".encode()
    for size in (1, 2, 3, 5, 7):
        pieces = [data[i:i + size] for i in range(0, len(data), size)]
        assert _fed(len(data), pieces).text() == data.decode(
            "utf-8", "replace")


def test_a_cut_through_a_character_in_a_short_first_piece():
    # The kept bytes start with two of the euro sign's continuation
    # bytes, one in each piece: both are skipped.
    euro = "€".encode()
    tail = _fed(4, [b"a" + euro[:2], euro[2:], b"xy"])
    assert tail.cut == 6
    assert tail.text() == "xy"


def test_text_replaces_bytes_that_are_not_utf8_and_keeps_an_uncut_start():
    assert _fed(10, [b"\x80a\xffb"]).text() == "\ufffda\ufffdb"


def test_at_most_gives_all_or_none_and_stops_reading():
    read = []

    def pieces():
        for piece in (b"abc", b"def", b"ghi", b"jkl"):
            read.append(piece)
            yield piece
    assert bounded.at_most(pieces(), 12) == b"abcdefghijkl"
    read.clear()
    assert bounded.at_most(pieces(), 5) is None
    assert read == [b"abc", b"def"]


def _framed(*payloads):
    return b"".join(struct.pack(">BxxxL", 1 + i % 2, len(p)) + p
                    for i, p in enumerate(payloads))


def test_frames_gives_payloads_in_pieces_of_at_most_a_chunk():
    big = b"y" * (bounded.CHUNK * 2 + 5)
    stream = io.BytesIO(_framed(b"out\n", b"", b"err\n", big))
    pieces = list(bounded.frames(stream.read))
    assert b"".join(pieces) == b"out\nerr\n" + big
    assert max(map(len, pieces)) <= bounded.CHUNK


def test_frames_survive_reads_shorter_than_asked():
    data = _framed(b"hello", b"world")
    stream = io.BytesIO(data)
    assert b"".join(bounded.frames(lambda n: stream.read(1))) == \
        b"helloworld"


def test_frames_end_at_a_truncated_stream():
    stream = io.BytesIO(_framed(b"hello")[:10])
    assert b"".join(bounded.frames(stream.read)) == b"he"


def test_raw_reads_a_chunk_at_a_time():
    stream = io.BytesIO(b"z" * (bounded.CHUNK + 1))
    assert [len(p) for p in bounded.raw(stream.read)] == [bounded.CHUNK, 1]


def test_only_a_regular_files_stat_is_regular():
    assert bounded.is_regular({"mode": 0o644, "size": 5})
    assert not bounded.is_regular({"mode": (1 << 31) | 0o755})  # a dir
    assert not bounded.is_regular({"mode": (1 << 27) | 0o777})  # a link
    assert not bounded.is_regular({})


def _held(text, size, keep=60):
    outputs = calls.HeldOutputs()
    answer = {"output": text, "cut": 9}
    if text is not None and size:
        answer = outputs.first_piece("c-1", answer, "output",
                                     calls.Sliced(text, size), keep)
    return outputs, answer


def test_an_output_no_longer_than_a_piece_comes_whole():
    for text, size in (("abc", 3), ("abc", None), (None, 2), ("", 3)):
        outputs, answer = _held(text, size)
        assert answer == {"output": text, "cut": 9}
        assert outputs._outputs == {}


def test_a_longer_output_comes_in_pieces_then_is_let_go():
    text = "0123456789"
    outputs, answer = _held(text, 3)
    assert (answer["output"], answer["pieces"], answer["cut"]) == (
        "012", 3, 9)
    rest = [outputs.next_piece("c-1", answer["held"], 60)
            for _ in range(answer["pieces"])]
    assert rest == ["345", "678", "9"]
    assert outputs._outputs == {}
    with pytest.raises(exception.NotFound):
        outputs.next_piece("c-1", answer["held"], 60)


def test_an_exact_number_of_pieces_asks_for_no_empty_one():
    outputs, answer = _held("012345", 3)
    assert answer["pieces"] == 1
    assert outputs.next_piece("c-1", answer["held"], 60) == "345"
    assert outputs._outputs == {}


def test_pieces_go_only_to_their_container_and_in_time():
    outputs, answer = _held("0123456789", 3, keep=60)
    with pytest.raises(exception.NotFound):
        outputs.next_piece("c-2", answer["held"], 60)
    assert outputs.next_piece("c-1", answer["held"], -1) == "345"
    # Not asked for again within `keep` (here, already past): dropped.
    with pytest.raises(exception.NotFound):
        outputs.next_piece("c-1", answer["held"], 60)
    assert outputs._outputs == {}


def _pieces(pieces):
    return [pieces[i] for i in range(len(pieces))]


def test_base64_pieces_are_the_whole_base64_cut():
    for data in (b"", b"a", bytes(range(256)) * 7, b"xy" * 1000):
        for size in (4, 6, 8, 100, 4096):
            pieces = _pieces(calls.Base64(bytearray(data), size))
            assert "".join(pieces) == base64.b64encode(data).decode()
            assert all(len(piece) <= size for piece in pieces)
            assert all(len(piece) % 4 == 0 for piece in pieces)


def test_utf8_pieces_are_the_whole_text_cut_between_characters():
    data = ("a\0é€😀" * 300).encode()
    for size in (1, 4, 5, 7, 64, 10000):
        pieces = _pieces(calls.Utf8(bytearray(data), size))
        assert "".join(pieces) == data.decode()
        assert all(len(piece.encode()) <= max(4, size) + 3
                   for piece in pieces)
    assert _pieces(calls.Utf8(bytearray(b""), 4)) == [""]


def test_bytes_that_are_not_utf8_are_refused_before_any_piece():
    for data in (b"ok\xff", "€".encode()[:2], b"a" * 70000 + b"\xc3"):
        with pytest.raises(UnicodeDecodeError):
            calls.Utf8(bytearray(data), 8)


def test_an_archive_is_held_as_its_tar_and_sent_in_pieces():
    outputs = calls.HeldOutputs()
    tar = bytearray(b"t" * 30)
    answer = outputs.first_piece("c-1", {"stat": {}}, "data",
                                 calls.Base64(tar, 16), 60)
    assert answer["pieces"] == 2
    held, = outputs._outputs.values()
    assert held.pieces.data is tar  # not its base64 besides
    rest = [outputs.next_piece("c-1", answer["held"], 60) for _ in "ab"]
    assert base64.b64decode(answer["data"] + "".join(rest)) == tar
    assert outputs._outputs == {}

"""Framing specs and framers: every kind, however the stream is split."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.escapes import unescape_bytes
from components.framing import (
    PRESETS,
    BadFrameLength,
    FrameTooLong,
    FramingError,
    parse_framing,
)


def feed_in_pieces(spec_text: str, stream: bytes, cuts: list[int], limit: int = 1 << 20) -> tuple[list[bytes], bytes]:
    framer = parse_framing(spec_text).framer(limit)
    frames: list[bytes] = []
    last = 0
    for cut in [*sorted({c % (len(stream) + 1) for c in cuts}), len(stream)]:
        frames += framer.feed(stream[last:cut])
        last = cut
    return frames, framer.finish()


def all_splits(spec_text: str, stream: bytes) -> list[tuple[list[bytes], bytes]]:
    """Byte by byte, all at once, and in halves."""
    return [feed_in_pieces(spec_text, stream, list(range(len(stream)))),
            feed_in_pieces(spec_text, stream, []),
            feed_in_pieces(spec_text, stream, [len(stream) // 2])]


def test_every_preset_parses():
    for text in PRESETS:
        assert parse_framing(text).text == text


@pytest.mark.parametrize("bad", ["lines", "delimiter:", "fixed:0", "fixed:x", "length:u24be", "length:u16be@x",
                                 "regex:(", "regex:a*", "idle:0", "idle:100000", "line:x", "fixed:99999999999"])
def test_a_bad_spec_says_what_is_wrong(bad):
    with pytest.raises(FramingError) as caught:
        parse_framing(bad)
    assert str(caught.value)


def test_line_drops_cr_before_lf_only():
    for frames, rest in all_splits("line", b"GET /\r\nHost: x\nodd\rcr\n\ntail"):
        assert frames == [b"GET /", b"Host: x", b"odd\rcr", b""]
        assert rest == b"tail"


def test_delimiter_with_escapes():
    assert unescape_bytes("\\r\\n") == b"\r\n"
    for frames, rest in all_splits("delimiter:\\r\\n", b"a\r\nbb\r\n\r\nc\rd"):
        assert frames == [b"a", b"bb", b""]
        assert rest == b"c\rd"
    for frames, rest in all_splits("delimiter:\\x03", b"\x02ab\x03\x02c\x03"):
        assert frames == [b"\x02ab", b"\x02c"] and rest == b""


def test_fixed():
    for frames, rest in all_splits("fixed:3", b"abcdefgh"):
        assert frames == [b"abc", b"def"] and rest == b"gh"


def test_length_as_netty_describes_it():
    payload = b"HELLO"
    plain = struct.pack(">H", 5) + payload
    for frames, _ in all_splits("length:u16be", plain * 2):
        assert frames == [plain, plain]
    for frames, _ in all_splits("length:u16be,strip=2", plain):
        assert frames == [payload]
    counts_itself = struct.pack(">H", 7) + payload
    for frames, _ in all_splits("length:u16be-2", counts_itself):
        assert frames == [counts_itself]
    # Modbus/TCP: transaction 0001, protocol 0000, length 0006, unit 11, PDU 03 00 6B 00 03
    modbus = bytes.fromhex("0001 0000 0006 11 03 006B 0003")
    for frames, rest in all_splits("length:u16be@4", modbus + modbus[:5]):
        assert frames == [modbus] and rest == modbus[:5]
    # a start byte, then the length, the payload and one check byte after it
    framed = bytes([0x7E, 3]) + b"ABC" + b"\xcc"
    for frames, _ in all_splits("length:u8@1+1,strip=1", framed):
        assert frames == [bytes([3]) + b"ABC\xcc"]
    little = struct.pack("<I", 2) + b"hi"
    for frames, _ in all_splits("length:u32le,strip=4", little):
        assert frames == [b"hi"]


def test_a_length_shorter_than_its_header_is_refused():
    framer = parse_framing("length:u8-5").framer()
    with pytest.raises(BadFrameLength):
        framer.feed(bytes([1, 0]))


def test_regex_frames_end_after_the_shortest_match_whatever_the_splits():
    for frames, rest in all_splits("regex:\\x03.", b"\x02ab\x03\x41\x02c\x03"):
        assert frames == [b"\x02ab\x03\x41"] and rest == b"\x02c\x03"
    for frames, rest in all_splits("regex:\\n+", b"a\n\n\nb"):
        assert frames == [b"a\n", b"\n", b"\n"] and rest == b"b"


def test_idle_frames_come_from_flush():
    framer = parse_framing("idle:50").framer()
    assert framer.feed(b"abc") == [] and framer.feed(b"def") == []
    assert framer.flush() == b"abcdef" and framer.flush() == b""


def test_a_frame_over_the_limit_raises_and_memory_stays_bounded():
    framer = parse_framing("line").framer(limit=1000)
    framer.feed(b"x" * 999)
    with pytest.raises(FrameTooLong):
        framer.feed(b"x" * 10)
    big = parse_framing("length:u32be").framer(limit=1000)
    with pytest.raises(FrameTooLong):  # refused from the header, before the bytes arrive
        big.feed(struct.pack(">I", 5000))


def test_encode_adds_what_the_spec_implies():
    assert parse_framing("line").encode(b"hi") == b"hi\n"
    assert parse_framing("delimiter:\\r\\n").encode(b"hi") == b"hi\r\n"
    assert parse_framing("length:u16be,strip=2").encode(b"HELLO") == b"\x00\x05HELLO"
    assert parse_framing("length:u16be-2").encode(b"HELLO") == b"\x00\x07HELLO"
    mbap = bytes.fromhex("0001 0000") + bytes.fromhex("11 03 006B 0003")
    assert parse_framing("length:u16be@4").encode(mbap) == bytes.fromhex("0001 0000 0006 11 03 006B 0003")
    with pytest.raises(ValueError):
        parse_framing("fixed:4").encode(b"abc")
    assert parse_framing("regex:\\x03").encode(b"ab\x03") == b"ab\x03"


# -- hypothesis: a stream of encoded frames comes back frame by frame, whatever the splits -----
PAYLOADS = st.lists(st.binary(max_size=40), max_size=12)
CUTS = st.lists(st.integers(min_value=0, max_value=600), max_size=30)


@settings(max_examples=200, deadline=None)
@given(payloads=PAYLOADS, cuts=CUTS)
def test_line_round_trip(payloads, cuts):
    payloads = [p.replace(b"\n", b"").rstrip(b"\r") for p in payloads]
    stream = b"".join(parse_framing("line").encode(p) for p in payloads)
    assert feed_in_pieces("line", stream, cuts) == (payloads, b"")


@settings(max_examples=200, deadline=None)
@given(payloads=PAYLOADS, cuts=CUTS, delimiter=st.binary(min_size=1, max_size=3))
def test_delimiter_round_trip(payloads, cuts, delimiter):
    text = "delimiter:" + "".join(f"\\x{b:02x}" for b in delimiter)
    spec = parse_framing(text)
    # a payload must not hold the delimiter, nor end with a part of it that completes it
    clean = [p for p in payloads if delimiter not in p + delimiter[:-1] and not _overlaps(p, delimiter)]
    stream = b"".join(spec.encode(p) for p in clean)
    assert feed_in_pieces(text, stream, cuts) == (clean, b"")


def _overlaps(payload: bytes, delimiter: bytes) -> bool:
    return any(payload.endswith(delimiter[:k]) for k in range(1, len(delimiter)))


@settings(max_examples=200, deadline=None)
@given(payloads=PAYLOADS, cuts=CUTS, field=st.sampled_from(["u8", "u16be", "u16le", "u32be", "u32le"]),
       strip=st.booleans())
def test_length_round_trip(payloads, cuts, field, strip):
    size = struct.calcsize({"u8": ">B", "u16be": ">H", "u16le": "<H", "u32be": ">I", "u32le": "<I"}[field])
    text = f"length:{field}" + (f",strip={size}" if strip else "")
    spec = parse_framing(text)
    encoded = [spec.encode(p) for p in payloads]
    expected = payloads if strip else encoded
    assert feed_in_pieces(text, b"".join(encoded), cuts) == (expected, b"")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200), cuts=CUTS, size=st.integers(min_value=1, max_value=9))
def test_fixed_and_regex_never_depend_on_the_splits(data, cuts, size):
    for text in (f"fixed:{size}", "regex:\\x03.", "regex:a+b"):
        whole = feed_in_pieces(text, data, [])
        assert feed_in_pieces(text, data, cuts) == whole
        frames, rest = whole
        assert b"".join(frames) + rest == data  # nothing lost, nothing made up

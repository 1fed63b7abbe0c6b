"""Reply templates and rules: placeholders, checksum vectors, matching, and errors with places."""

from __future__ import annotations

import re

import pytest

from app.core.rules import Rule, RuleError, RuleSet
from app.core.templates import Context, TemplateError, compile_template


def render(source: str, **context) -> bytes:
    return compile_template(source).render(Context(**context))


def test_checksum_vectors():
    # Modbus RTU "read 10 holding registers from 0 of unit 1": CRC C5 CD, low byte first
    assert render("\\x01\\x03\\x00\\x00\\x00\\x0A{crc16_modbus}") == bytes.fromhex("01 03 00 00 00 0A C5 CD")
    check = b"123456789"
    assert render("123456789{crc16_ccitt}") == check + bytes.fromhex("29 B1")  # CRC-16/CCITT-FALSE
    assert render("123456789{crc32}") == check + bytes.fromhex("CB F4 39 26")
    assert render("123456789{sum8}") == check + bytes([sum(check) & 0xFF])
    xor = 0
    for b in check:
        xor ^= b
    assert render("123456789{xor8}") == check + bytes([xor])
    assert render("123456789{lrc}") == check + bytes([(-sum(check)) & 0xFF])
    # a checksum covers everything before it, other checksums included
    two = render("AB{xor8}{sum8}")
    assert two[2] == 0x41 ^ 0x42 and two[3] == (0x41 + 0x42 + two[2]) & 0xFF


def test_placeholders_and_escapes():
    m = re.search(r"PING (\d+) (?P<who>\w+)", "PING 7 bob")
    assert render("PONG {1} {who}\\r\\n", match=m) == b"PONG 7 bob\r\n"
    assert render("{0}|{hexframe}", frame=b"\x01\x02") == b"\x01\x02|01 02"
    assert render("#{counter}", counter=12) == b"#12"
    assert render("{time:%Y}", now=0.0) in (b"1970", b"1969")
    assert render("{{literal}} \\x00\\xFF", encoding="utf-8") == b"{literal} \x00\xff"
    assert render("Привет", encoding="cp1251") == "Привет".encode("cp1251")
    assert render("a\\qb") == b"a\\qb"  # an unknown escape stays as typed


@pytest.mark.parametrize(("source", "position"), [
    ("abc {unknown:x}", 4), ("{time:}", 0), ("x {", 2), ("oops }", 5), ("\\x4", 0), ("ok {counter", 3)])
def test_template_errors_say_where(source, position):
    with pytest.raises(TemplateError) as caught:
        compile_template(source)
    assert caught.value.position == position
    assert f"at character {position + 1}" in str(caught.value)


def test_first_matching_rule_answers_and_unmatched_frames_get_none():
    rules = RuleSet([
        Rule("regex", r"^PING (\d+)$", "PONG {1}\\n", name="ping"),
        Rule("exact", "HELLO", "hi\\r\\n"),
        Rule("contains", "quit", "bye", close=True),
        Rule("hex", "01 03 ?? ??", "\\x01\\x83\\x02{crc16_modbus}"),
        Rule("hex", "7E *", "frame {hexframe}"),
    ])
    assert rules.answer(b"PING 42").reply == b"PONG 42\n"
    assert rules.answer(b"PING 42").rule.name == "ping"
    assert rules.answer(b"HELLO").reply == b"hi\r\n"
    assert rules.answer(b"HELLO!") is None
    assert rules.answer(b"please quit now").rule.close
    assert rules.answer(bytes.fromhex("01 03 AA BB")).reply[:3] == b"\x01\x83\x02"
    assert rules.answer(bytes.fromhex("01 03 AA")) is None  # hex matches the whole frame
    assert rules.answer(bytes.fromhex("7E 01 02")).reply == b"frame 7E 01 02"
    assert RuleSet([Rule("any", reply="{counter}")]).answer(b"x", counter=3).reply == b"3"


def test_text_rules_decode_with_the_components_encoding():
    rules = RuleSet([Rule("exact", "Привет", "ok")])
    assert rules.answer("Привет".encode("cp1251"), encoding="cp1251").reply == b"ok"
    assert rules.answer("Привет".encode("cp1251"), encoding="utf-8") is None


@pytest.mark.parametrize(("data", "words"), [
    ([{"match": "regex", "pattern": "(", "reply": "x"}], "rule 1, pattern"),
    ([{"match": "fuzzy", "reply": "x"}], "rule 1, match"),
    ([{"match": "any", "reply": "ok"}, {"match": "hex", "pattern": "0G", "reply": "x"}], "rule 2, pattern"),
    ([{"match": "regex", "pattern": "(a)", "reply": "{2}"}], "rule 1, reply"),
    ([{"match": "exact", "pattern": "a", "reply": "{1}"}], "has no regex"),
    ([{"match": "any", "reply": "x", "delay_ms": -1}], "delay_ms"),
    ([{"match": "any", "reply": "x", "delay_ms": True}], "delay_ms"),
    ([{"match": "any", "reply": "x", "colour": "red"}], "unknown field"),
    ({"match": "any"}, "list"),
])
def test_bad_rules_are_refused_with_their_place(data, words):
    with pytest.raises(RuleError) as caught:
        RuleSet.from_json(data)
    assert words in str(caught.value)


def test_rules_round_trip_through_json():
    data = [{"name": "p", "match": "regex", "pattern": "^P(\\d)$", "reply": "Q{1}", "delay_ms": 5, "close": True},
            {"match": "any", "reply": "x"}]
    assert RuleSet.from_json(data).to_json() == data


def test_frame_slices_echo_parts_of_the_frame():
    frame = bytes.fromhex("12 34 00 00 00 06 11 03 00 00 00 02")
    render = compile_template(r"{0[0:4]}{0[6:7]}\x03{0[-2:]}{0[:1]}").render
    assert render(Context(frame)) == bytes.fromhex("12 34 00 00 11 03 00 02 12")
    assert compile_template("{0[20:]}").render(Context(frame)) == b""  # past the end: nothing
    with pytest.raises(TemplateError, match="is not a placeholder"):
        compile_template("{0[1]}")

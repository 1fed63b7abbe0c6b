"""A connection's conversation from the log, written as a scenario that parses and says
what the log did not keep."""

from __future__ import annotations

from app.core.conversation import write_conversation
from app.core.scenario import Connect, Expect, Send, parse_scenario
from components.observer import PREVIEW_BYTES, SEND, EventRecord


def rec(event: str, data: bytes, size: int | None = None, conn: int = 7, component: str = "C") -> EventRecord:
    return EventRecord(0.0, component, event, conn, "127.0.0.1:5000", "MainThread",
                       len(data) if size is None else size, data[:PREVIEW_BYTES])


def test_a_clients_conversation_keeps_its_framing_and_its_frames():
    records = [rec(SEND, b"PING\r\n"), rec("OnRead", b"PONG 1"), rec("OnRead", b"PONG 2"),
               rec(SEND, b"\x01\x02\xff"), rec("OnRead", b"\x00\xfe"), rec("OnConnect", b""),
               rec("OnRead", b"other connection", conn=8), rec("OnRead", b"other component", component="D")]
    c = write_conversation(records, name="C", host="::1", port=7, framing="line", connection_id=7, component="C")
    scenario = parse_scenario(c.text, "saved.toml")
    connect, *middle, _close = scenario.steps
    assert isinstance(connect, Connect) and (connect.host, connect.port, connect.framing) == ("::1", 7, "line")
    assert [type(s) for s in middle] == [Send, Expect, Expect, Send, Expect]
    assert [s.template.render() for s in middle if isinstance(s, Send)] == [b"PING\r\n", b"\x01\x02\xff"]
    assert [(s.match, s.pattern) for s in middle if isinstance(s, Expect)] == [
        ("exact", "PONG 1"), ("exact", "PONG 2"), ("hex", "00 FE")]
    assert (c.sends, c.expects, c.truncated_sends) == (2, 3, 0)


def test_without_framing_consecutive_reads_are_one_expect():
    records = [rec(SEND, b"GET /\r\n\r\n"), rec("OnRead", b"HTTP/1.0 200 OK\r\n"), rec("OnRead", b"body\\")]
    c = write_conversation(records, name="C", host="127.0.0.1", port=80)
    expect = parse_scenario(c.text).steps[2]
    assert isinstance(expect, Expect) and expect.expected == b"HTTP/1.0 200 OK\r\nbody\\"


def test_a_servers_connection_is_played_from_the_peer_with_its_frames_back_on_the_wire():
    records = [rec("OnClientRead", b"hello"), rec(SEND, b"hello"), rec(SEND, b" again"),
               rec("OnClientRead", b"it's {me}")]
    c = write_conversation(records, name="S", host="127.0.0.1", port=9, framing="line", accepted=True)
    assert "framing" not in c.text
    steps = parse_scenario(c.text).steps
    assert [s.template.render() for s in steps if isinstance(s, Send)] == [b"hello\n", b"it's {me}\n"]
    assert [s.expected for s in steps if isinstance(s, Expect)] == [b"hello again"]


def test_what_the_log_did_not_keep_is_said():
    records = [rec(SEND, b"x" * 100, size=100), rec("OnRead", b"y" * 100, size=100)]
    c = write_conversation(records, name="C", host="127.0.0.1", port=9)
    assert c.truncated_sends == 1 and c.truncated_expects == 1
    assert f"# the log kept {PREVIEW_BYTES} of the 100 bytes sent here" in c.text
    expect = parse_scenario(c.text).steps[2]
    assert isinstance(expect, Expect) and expect.match == "hex" and len(expect.hex_bytes) == 100
    assert expect.hex_bytes[PREVIEW_BYTES:] == (None,) * (100 - PREVIEW_BYTES)

"""Scenario files: every step kind against real loopback servers, timeouts, and file mistakes."""

from __future__ import annotations

import asyncio
import socket
import textwrap
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.scenario import (
    Connect,
    Expect,
    ExpectClose,
    Repeat,
    ScenarioError,
    Send,
    Sleep,
    load_scenario,
    parse_scenario,
    run_scenario,
    scenario_from_document,
)
from app.core.session_report import SuiteResult

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(4096):
        writer.write(data)
        await writer.drain()
    writer.close()


def play(text: str, handler: Handler = echo) -> SuiteResult:
    """Run the scenario ``text`` against a loopback server running ``handler``."""
    scenario = parse_scenario(textwrap.dedent(text), "t.toml")

    async def main() -> SuiteResult:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await run_scenario(scenario, ("127.0.0.1", port))
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


HEAD = """
[scenario]
timeout = 2

[[step]]
connect = "127.0.0.1:9"
"""


def test_every_step_kind_against_an_echo_server():
    result = play(HEAD + """
        framing = "line"

        [[step]]
        send = 'HELLO\\n'

        [[step]]
        expect = "HELLO"

        [[step]]
        sleep = 0.01

        [[step]]
        repeat = 3
        steps = [{ send = "N {counter}\\n" }, { expect = 'N (\\d)', match = "regex" },
                 { send = "got {1}\\n" }, { expect = "got", match = "contains" }]

        [[step]]
        send_hex = "01 03 00 00 00 02 {crc16_modbus} 0a"

        [[step]]
        expect = "01 03 00 00 00 02 ?? ??"
        match = "hex"

        [[step]]
        close = true
    """)
    assert result.passed, result.cases
    kinds = [s.kind for s in result.cases]
    assert kinds == ["connect", "send", "expect", "sleep"] + ["send", "expect", "send", "expect"] * 3 + \
        ["send", "expect", "close"]
    assert [s.sent for s in result.cases if s.kind == "send"][1:7:2] == [b"N 1\n", b"N 2\n", b"N 3\n"]
    assert result.cases[10].sent == b"got 2\n"  # {1} is the group of the regex expect before it
    assert result.cases[-3].sent == bytes.fromhex("010300000002") + b"\xc4\x0b\n"
    assert result.cases[5].name == "step 5.2 #1 expect"


def test_expect_close_when_the_peer_closes():
    async def greet_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"bye\r\nleft over")
        await writer.drain()
        writer.close()

    result = play(HEAD + """
        [[step]]
        expect = 'bye\\r\\n'

        [[step]]
        expect_close = true
    """, greet_and_close)
    assert result.passed
    assert result.cases[-1].message == "the peer closed the connection (9 bytes were left unread)"


def test_without_framing_the_stream_is_cut_by_the_expects():
    async def two_writes(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"\r\nhello")
        await writer.drain()
        writer.close()

    result = play(HEAD + """
        [[step]]
        expect = 'HTTP/1.0 200'

        [[step]]
        expect = 'Content-Length: (\\d+)\\r\\n'
        match = "regex"

        [[step]]
        expect = '\\r\\n'

        [[step]]
        expect = "68 65 6c ??"
        match = "hex"

        [[step]]
        expect = "o"

        [[step]]
        expect_close = true
    """, two_writes)
    assert result.passed, result.cases
    assert [s.received for s in result.cases[1:6]] == [b"HTTP/1.0 200", b" OK\r\nContent-Length: 5\r\n",
                                                       b"\r\n", b"hell", b"o"]


def test_an_exact_mismatch_fails_at_once_at_the_first_differing_byte():
    result = play(HEAD + """
        [[step]]
        send = "PING"

        [[step]]
        expect = "PONG"
        timeout = 60

        [[step]]
        close = true
    """)
    failed = result.cases[-1]
    assert not result.passed and failed.kind == "expect" and failed.name == "step 3 expect"
    assert failed.message == "the bytes differ; first difference at byte 1 (0x1): expected 0x4f 'O', received 0x49 'I'"
    assert failed.offset == 1 and "^^" in failed.detail
    assert failed.expected == b"PONG" and failed.received == b"PING"
    assert failed.elapsed < 30  # did not wait for the timeout
    assert len(result.cases) == 3  # the close after it did not run


def test_an_expect_times_out():
    result = play(HEAD + """
        [[step]]
        send = "half"

        [[step]]
        expect = "half and more"
        timeout = 0.2
    """)
    failed = result.cases[-1]
    assert not failed.passed and not failed.error
    assert failed.message == ("timed out after 0.2 s waiting for the exact expect to match (4 bytes arrived "
                              "unmatched); what arrived ends at byte 4 (0x4); 9 more byte(s) expected, next 0x20 ' '")
    assert failed.received == b"half"


def test_expect_close_times_out_when_the_peer_stays():
    result = play(HEAD + """
        [[step]]
        expect_close = true
        timeout = 0.2
    """)
    assert result.cases[-1].message == "the peer did not close the connection within 0.2 s"


def test_a_framed_expect_takes_one_frame_and_compares_it_whole():
    result = play(HEAD + """
        framing = "line"

        [[step]]
        send = "one\\ntwo\\n"

        [[step]]
        expect = "one"

        [[step]]
        expect = "tw"
    """)
    assert result.cases[-1].message.startswith("the frame has 3 bytes, the expect 2; 1 extra byte(s) from byte 2")
    assert result.cases[-1].received == b"two"


def test_a_bad_length_field_fails_the_expect():
    async def bad_frame(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x00\x00\x00\x00\x00\x00\x11\x03")  # Modbus/TCP says 0 bytes follow its unit
        await writer.drain()
        await reader.read(1)
        writer.close()

    result = play(HEAD + """
        framing = "length:u16be@4-1"

        [[step]]
        expect = "00"
        match = "hex"
    """, bad_frame)
    assert result.cases[-1].message.startswith("framing length:u16be@4-1: the u16be length field says 0")
    assert result.notes == ["stopped at step 2 expect: the steps after it were not run"]


def test_a_closed_connection_is_said_by_name():
    result = play(HEAD + """
        [[step]]
        close = true

        [[step]]
        send = "x"
    """)
    assert result.cases[-1].message == "no open connection: connection 1 is closed"


def test_the_peer_closing_before_the_match_fails_the_expect():
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"ab")
        writer.close()

    result = play(HEAD + """
        [[step]]
        expect = "abc"
    """, close_at_once)
    assert result.cases[-1].message.startswith("the peer closed the connection before the exact expect matched "
                                               "(2 bytes unmatched); what arrived ends at byte 2")


def test_connect_refused_is_a_failed_step():
    scenario = parse_scenario(HEAD, "t.toml")

    async def main() -> SuiteResult:
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        return await run_scenario(scenario, ("127.0.0.1", port))

    result = asyncio.run(main())
    assert not result.passed and result.cases[0].message.startswith("could not connect to 127.0.0.1:")


def test_named_connections():
    result = play("""
        [[step]]
        connect = "127.0.0.1:9"
        connection = "alice"

        [[step]]
        connect = "127.0.0.1:9"
        connection = "bob"

        [[step]]
        send = "to alice"
        connection = "alice"

        [[step]]
        send = "to bob"

        [[step]]
        expect = "to bob"

        [[step]]
        expect = "to alice"
        connection = "alice"

        [[step]]
        close = true
        connection = "carol"
    """)
    assert [s.name for s in result.cases[2:6]] == ["step 3 send (alice)", "step 4 send (bob)",
                                                    "step 5 expect (bob)", "step 6 expect (alice)"]
    assert result.cases[-1].message == "no open connection named 'carol'" and result.cases[-1].error
    assert result.notes == ["stopped at step 7 close (carol): the steps after it were not run"]


def test_the_parsed_steps():
    scenario = parse_scenario(textwrap.dedent("""
        # a comment
        [scenario]
        name = "parsed"

        [[step]]
        connect = "[::1]:8080"
        framing = "length:u16be@4"

        [[step]]
        repeat = 2

        [[step.steps]]
        send = "x"

        [[step.steps]]
        expect = "x"
        match = "contains"

        [[step]]
        sleep = 0

        [[step]]
        expect_close = true
    """), "p.toml")
    connect, repeat, sleep, closes = scenario.steps
    assert isinstance(connect, Connect) and (connect.host, connect.port, connect.framing) == \
        ("::1", 8080, "length:u16be@4")
    assert connect.where.line == 6
    assert isinstance(repeat, Repeat) and repeat.count == 2 and repeat.where.line == 10
    assert isinstance(repeat.steps[0], Send) and isinstance(repeat.steps[1], Expect)
    assert repeat.steps[1].where.label == "step 2.2"
    assert isinstance(sleep, Sleep) and isinstance(closes, ExpectClose)
    assert scenario.name == "parsed"


@pytest.mark.parametrize(("text", "message"), [
    ("[[step]]\nconnect = \"x\"\n", "t.toml:1: step 1: 'x' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080)"),
    ("[scenario]\n[[step]]\nsend = 'a'\n\n[[step]]\nsned = 'b'\n",
     "t.toml:5: step 2: a step has exactly one of connect, send, send_hex, expect, sleep, repeat, close, "
     "expect_close; this one has none"),
    ("[[step]]\nsend = 'a'\nexpect = 'b'\n",
     "t.toml:1: step 1: a step has exactly one of connect, send, send_hex, expect, sleep, repeat, close, "
     "expect_close; this one has send and expect"),
    ("[[step]]\nsend = 'x'\ntimeout = 1\n", "t.toml:1: step 1: send does not take 'timeout' (it takes: connection)"),
    ("[[step]]\nexpect = '(a'\nmatch = 'regex'\n",
     "t.toml:1: step 1: expect (regex): missing ), unterminated subpattern (at character 1)"),
    ("[[step]]\nexpect = '01 0x'\nmatch = 'hex'\n", "t.toml:1: step 1: expect (hex): '0x' is not a hex byte or ??"),
    ("[[step]]\nexpect = 'a'\nmatch = 'fuzzy'\n",
     "t.toml:1: step 1: match must be one of exact, contains, regex, hex, not 'fuzzy'"),
    ("[[step]]\nsend = '{nope}'\n",
     "t.toml:1: step 1: send: {nope} names a regex group, but no regex expect comes before this step (at character 1)"),
    ("[[step]]\nsend = '{crc99}x'\n", "t.toml:1: step 1: send: {crc99} names a regex group"),
    ("[[step]]\nsend_hex = '01 0'\n", "t.toml:1: step 1: send_hex: hex needs pairs of digits"),
    ("[[step]]\nexpect = 'a'\ntimeout = -1\n",
     "t.toml:1: step 1: timeout must be a number of seconds, more than 0 to 3600, not -1"),
    ("[[step]]\nsleep = 'long'\n", "t.toml:1: step 1: sleep must be a number of seconds, 0 to 3600, not 'long'"),
    ("[[step]]\nrepeat = 0\nsteps = []\n", "t.toml:1: step 1: repeat must be a whole number, 1 to 1,000,000, not 0"),
    ("[[step]]\nrepeat = 2\nsteps = [{ send = 'a' }, { expect = 1 }]\n",
     "t.toml:1: step 1.2: expect must be text, not 1"),
    ("[[step]]\nclose = false\n", "t.toml:1: step 1: write close = true"),
    ("[[step]]\nrepeat = 1000\nsteps = [{ repeat = 1000, steps = [{ sleep = 0 }] }]\n",
     "t.toml: the steps would run 1,000,000 times, repetitions counted; at most 100,000 can"),
    ("[[step]]\nconnect = \"h:1\"\nframing = \"lines\"\n", "t.toml:1: step 1: framing: 'lines' is not a Framing spec"),
    ("[[step]]\nsend = \"\\x01\"\n", "t.toml:2: not valid TOML: Unescaped '\\' in a string (column 11)"),
    ("title = 'x'\n[[step]]\nclose = true\n", "t.toml: unknown table(s) or key(s) 'title' at the top"),
    ("[scenario]\nname = 'x'\n", "t.toml: no steps: write them as [[step]] tables"),
    ("[scenario]\nencoding = 'ascii'\n[[step]]\nsend = 'caf\u00e9'\n",
     "t.toml:3: step 1: send: '\u00e9' can't be written in ascii"),
    ("[scenario]\nencoding = 'ascii'\n[[step]]\nexpect = '\u00e9'\nmatch = 'contains'\n",
     "t.toml:3: step 1: expect: '\u00e9' can't be written in ascii"),
    ("[scenario]\nencoding = 'hex'\n[[step]]\nclose = true\n",
     "t.toml: [scenario] encoding 'hex' is not a text encoding Python knows"),
    ("[scenario]\nencoding = 'klingon'\n[[step]]\nclose = true\n",
     "t.toml: [scenario] encoding 'klingon' is not a text encoding Python knows"),
])
def test_mistakes_in_the_file_name_the_line_and_the_step(text, message):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.toml")
    assert str(caught.value).startswith(message)


def test_a_file_that_is_not_a_scenario(tmp_path):
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"[[step]]\nsend = '\xff'\n")
    with pytest.raises(ScenarioError, match=r"b.toml:2: not UTF-8 text"):
        load_scenario(binary)
    with pytest.raises(ScenarioError, match="is a folder, not a file"):
        load_scenario(tmp_path)
    with pytest.raises(ScenarioError, match="No such file"):
        load_scenario(tmp_path / "missing.toml")


def test_connect_times_out_when_the_listener_takes_no_more():
    """A listener with a backlog of 0 and one connection waiting: Linux drops the next SYN,
    so the connect waits for its timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    waiting = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        scenario = parse_scenario(f"[[step]]\nconnect = '127.0.0.1:{port}'\ntimeout = 0.3\n", "t.toml")
        result = asyncio.run(run_scenario(scenario))
    finally:
        waiting.close()
        listener.close()
    failed = result.cases[0]
    assert not failed.passed and failed.error
    assert failed.message == f"no connection to 127.0.0.1:{port} within 0.3 s"


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**7) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["127.0.0.1:80", "line", "hex", "regex", "(", "01 ??", "{1}", "{counter}", "\\x4", "hex"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["connect", "send", "send_hex", "expect", "sleep", "repeat", "close", "expect_close", "match", "timeout",
         "framing", "connection", "steps", "x"]), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["scenario", "step", "other"]), _VALUES, max_size=3))
def test_any_document_is_a_scenario_or_a_scenario_error(document):
    try:
        scenario_from_document(document, "f.toml")
    except ScenarioError as exc:
        assert str(exc).startswith("f.toml")


def test_deep_nesting_is_refused_with_a_message():
    deep = "[[step]]\nsend = 'x'\n" + "[[step]]\nrepeat = 1\nsteps = " + "[{ repeat = 1, steps = " * 40 + \
        "[{ sleep = 0 }]" + " }]" * 40 + "\n"
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario(deep, "d.toml")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario("x = " + "[" * 5000 + "]" * 5000, "d.toml")

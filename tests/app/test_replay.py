"""``socket-workbench replay``: captures recorded headless through the echo and chat examples,
replayed against the same form (passes, exit 0, JUnit without failures) and against a form
whose reply changed (exit 1, the first differing byte); bad input exits 2 with a message."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from app.core.replay import ReplayOptions, replay_capture
from app.core.reply_match import parse_match
from app.core.session_report import BadInput

from .serving import cli, serving
from .sessions import CHAT, ECHO, record_chat, record_echo

pytestmark = pytest.mark.timeout(180)

MESSAGES = [b"first line\r\n", bytes(range(256)), b"last\n"]
NO_OWN_CLIENT = "--set=ClientSocket1.Active=False"


@pytest.fixture(scope="module")
def echo_capture(tmp_path_factory):
    recorded, _ = record_echo(tmp_path_factory.mktemp("echo"), MESSAGES)
    return recorded.path


def changed_echo(folder):
    """The echo example with a server that answers every read with a fixed, different text."""
    form = json.loads(ECHO.read_text())
    server = next(c for c in form["components"] if c["type"] == "ServerSocket")
    server["events"]["OnClientRead"] = {"action": "reply_text", "argument": "Hello, echo server?\\r\\n"}
    path = folder / "changed.sockform"
    path.write_text(json.dumps(form))
    return path


def test_replay_against_the_same_form_passes(echo_capture, tmp_path):
    junit = tmp_path / "report.xml"
    with serving(ECHO, "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--junit", junit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: 4/4 exchange(s) passed in 2 suite(s)" in done.stdout
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0" and root.get("errors") == "0" and root.get("tests") == "4"
    suites = root.findall("testsuite")
    assert [len(s.findall("testcase")) for s in suites] == [1, 3]  # one testcase per exchange, per stream
    assert suites[1].get("name").startswith("stream 1 (127.0.0.1:")


def test_replay_against_a_changed_reply_fails_at_the_first_differing_byte(echo_capture, tmp_path):
    junit = tmp_path / "report.xml"
    with serving(changed_echo(tmp_path), "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--stream", "0", "--junit", junit)
    assert done.returncode == 1, done.stdout + done.stderr
    # "Hello, echo server!\r\n" came back as "Hello, echo server?\r\n"
    assert "FAIL  exchange 1: first difference at byte 18 (0x12): expected 0x21 '!', received 0x3f '?'" \
        in done.stdout
    assert "received 00000010  65 72 3f 0d 0a" in done.stdout
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert failure.get("message").startswith("first difference at byte 18")
    assert "^^" in failure.text and "Traceback" not in done.stderr


def test_a_changed_reply_of_another_length(echo_capture, tmp_path):
    with serving(changed_echo(tmp_path), "ServerSocket1", NO_OWN_CLIENT) as port:
        report = replay_capture(echo_capture, f"127.0.0.1:{port}", [1], ReplayOptions(timeout=2.0))
    assert report.exit_code == 1
    first = report.suites[0].cases[0]
    # 12 bytes recorded ("first line\r\n"), 21 came: the first 12 compared
    assert not first.passed and first.offset == 0 and first.received == b"Hello, echo "


def test_a_byte_range_in_the_match_file_hides_the_change(echo_capture, tmp_path):
    match = tmp_path / "match.toml"
    match.write_text('ignore = ["18"]\n')
    with serving(changed_echo(tmp_path), "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--stream", "0", "--match", match)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reply matches (21 byte(s), masks applied)" in done.stdout


def test_framed_comparison_names_the_frame(echo_capture, tmp_path):
    with serving(changed_echo(tmp_path), "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--stream", "0", "--framing", "line")
    assert done.returncode == 1
    assert "exchange 1: frame 1 of 1: first difference at byte 18 (0x12)" in done.stdout
    with serving(ECHO, "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--framing", "line", "--timing", "asis")
    assert done.returncode == 0, done.stdout
    assert "1 frame(s) match" in done.stdout


def test_a_reply_that_never_comes_times_out(echo_capture, tmp_path):
    form = json.loads(ECHO.read_text())
    server = next(c for c in form["components"] if c["type"] == "ServerSocket")
    server["events"] = {}
    silent = tmp_path / "silent.sockform"
    silent.write_text(json.dumps(form))
    with serving(silent, "ServerSocket1", NO_OWN_CLIENT) as port:
        done = cli("replay", echo_capture, "--to", f"127.0.0.1:{port}", "--stream", "0", "--timeout", "300")
    assert done.returncode == 1
    assert "FAIL  exchange 1: no complete reply within 300 ms; reply ends at byte 0" in done.stdout


def test_chat_replayed_with_masks_for_the_peers(tmp_path):
    """Two streams together: the broadcasts arrive where they did; the peers' ports change,
    a regex mask says so."""
    recorded, _ = record_chat(tmp_path)
    match = tmp_path / "match.toml"
    match.write_text("masks = ['127\\.0\\.0\\.1:\\d+']\n")
    with serving(CHAT, "ChatServer", "--trust") as port:
        exact = cli("replay", recorded.path, "--to", f"127.0.0.1:{port}", "--timeout", "500")
        masked = cli("replay", recorded.path, "--to", f"127.0.0.1:{port}", "--match", match)
    assert exact.returncode == 1 and "first difference at byte" in exact.stdout
    assert masked.returncode == 0, masked.stdout + masked.stderr
    assert "passed: 4/4 exchange(s) passed in 2 suite(s)" in masked.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["missing.pcapng", "--to", "127.0.0.1:9"], "missing.pcapng: no such file"),
    (["{form}", "--to", "127.0.0.1:9"], "is not a pcap or pcapng capture"),
    (["/tmp", "--to", "127.0.0.1:9"], "/tmp is not a regular file"),
    (["{capture}", "--to", "localhost"], "--to 'localhost': expected HOST:PORT"),
    (["{capture}", "--to", "127.0.0.1:http"], "the port 'http' is not a number"),
    (["{capture}", "--to", "127.0.0.1:70000"], "the port must be 1 to 65535"),
    (["{capture}", "--to", "127.0.0.1:9", "--stream", "7"], "has no stream 7 (its streams: 0-1)"),
    (["{capture}", "--to", "127.0.0.1:9", "--match", "nope.toml"], "can't read the match file nope.toml"),
    (["{capture}", "--to", "127.0.0.1:9", "--match", "{bad_match}"], "unknown key 'ignores'"),
    (["{capture}", "--to", "127.0.0.1:9", "--framing", "bogus"], "--framing 'bogus'"),
    (["{capture}", "--to", "127.0.0.1:9", "--timeout", "0"], "--timeout must be more than 0 ms"),
    (["{capture}", "--to", "127.0.0.1:9", "--junit", "/no/such/dir/r.xml"], "the folder /no/such/dir does not"),
])
def test_bad_input_exits_2_with_a_clear_message(echo_capture, tmp_path, args, message):
    bad_match = tmp_path / "bad.toml"
    bad_match.write_text('ignores = ["1"]\n')
    args = [a.format(capture=echo_capture, form=ECHO, bad_match=bad_match) for a in args]
    done = cli("replay", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_refused_connection_is_a_failure_not_bad_input(echo_capture):
    from tests.app.test_runner import free_port

    report = replay_capture(echo_capture, ("127.0.0.1", free_port()), [0])
    assert report.exit_code == 1
    case = report.suites[0].cases[0]
    assert case.error and "can't connect to 127.0.0.1:" in case.message


def test_match_file_rules_per_stream_and_exchange():
    match = parse_match({"ignore": ["0"], "exchange": [{"stream": 1, "number": 2, "ignore": ["4-"],
                                                         "masks": ["\\d+"]}]})
    assert match.mask_for(0, 2).compare(b"abc", b"Xbc")[0] is None
    assert match.mask_for(0, 2).compare(b"abc", b"XbX")[0] == 2
    both = match.mask_for(1, 2)
    assert both.compare(b"abcdXYZ", b"Qbcd")[0] is None  # byte 0 everywhere, 4 on in this one
    assert both.compare(b"t=12;", b"t=345;")[0] is None
    assert both.compare(b"t=1;", b"t=x;")[0] == 2
    assert match.mask_for(1, 1).compare(b"t=12;", b"t=345;")[0] == 2
    with pytest.raises(BadInput, match="is no byte range"):
        parse_match({"ignore": ["a-b"]})
    with pytest.raises(BadInput, match="not a valid regex"):
        parse_match({"masks": ["("]})

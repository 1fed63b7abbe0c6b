"""The Reply rules action, headless through `run`, against a real client socket: the first
rule that matches answers, unmatched frames are logged and not answered, delay_ms and close,
replies framed by the component's Framing, in both server modes; rules that do not compile
are refused at the door with the rule's number and position, yet the form still opens and
loses nothing."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from app.core.builtin_actions import check_action
from app.core.form_document import FormDocument, FormFileError
from app.core.rules import Rule, RuleError
from components import ServerSocket

from .command import CLI
from .test_runner import ROOT, LineReader, free_port, start_run

RULES = [
    {"name": "ping", "match": "regex", "pattern": r"^PING (\d+)$", "reply": "PONG {1} #{counter}"},
    {"match": "exact", "pattern": "SLOW", "reply": "late", "delay_ms": 300},
    {"name": "bye", "match": "exact", "pattern": "QUIT", "reply": "BYE", "close": True},
    {"match": "hex", "pattern": "01 ?? FF *", "reply": r"\x02{hexframe}"},
]


def rules_form(folder: Path, port: int, rules: list, server_type: str = "stNonBlocking",
               framing: str = "line") -> Path:
    path = folder / "rules.sockform"
    path.write_text(json.dumps({
        "format": "socket-workbench-form", "version": 1, "form": {"name": "Rules"},
        "components": [{"type": "ServerSocket", "name": "Responder",
                        "properties": {"Address": "127.0.0.1", "Port": port, "ServerType": server_type,
                                       "Framing": framing},
                        "events": {"OnClientRead": {"action": "rules", "rules": rules}}}]}))
    return path


def read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while b"\n" not in buffer:
        chunk = sock.recv(4096)
        assert chunk, f"the server closed the connection; got {bytes(buffer)!r}"
        buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


class Run:
    def __init__(self, form: Path) -> None:
        self.proc = start_run(str(form), "--json")
        self.reader = LineReader(self.proc.stdout)
        self.reader.start()
        self.reader.wait_for(lambda line: '"event": "OnListen"' in line)

    def stop(self) -> tuple[list[dict], str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            assert self.proc.wait(15) == 0
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        return [json.loads(line) for line in self.reader.lines], self.proc.stderr.read()


@pytest.mark.parametrize("server_type", ["stNonBlocking", "stThreadBlocking"])
def test_rules_answer_a_real_client_through_run(tmp_path, server_type):
    port = free_port()
    run = Run(rules_form(tmp_path, port, RULES, server_type))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            buf = bytearray()
            s.sendall(b"PING 7\r\nPING 8\nhello\n")  # two frames answered, one unmatched
            assert read_line(s, buf) == b"PONG 7 #1"  # the line framing adds the LF
            assert read_line(s, buf) == b"PONG 8 #2"
            s.sendall(b"\x01\x00\xff\x09\n")
            assert read_line(s, buf) == b"\x0201 00 FF 09"
            s.sendall(b"SLOW\nPING 9\n")  # a delayed reply holds up nothing after it
            got = [read_line(s, buf), read_line(s, buf)]
            # on the loop the delay is a timer; a connection's thread waits it out, in order
            assert got == ([b"PONG 9 #5", b"late"] if server_type == "stNonBlocking" else [b"late", b"PONG 9 #5"])
            s.sendall(b"QUIT\n")
            assert read_line(s, buf) == b"BYE"
            assert s.recv(10) == b""  # closed after the reply
            run.reader.wait_for(lambda line: '"OnClientDisconnect"' in line)
    finally:
        events, stderr = run.stop()
    assert stderr == ""
    rule_rows = [e["detail"] for e in events if e["event"] == "Rule"]
    assert rule_rows == ["rule 1 'ping' answers", "rule 1 'ping' answers", "unmatched: no rule matches; not answered",
                         "rule 4 answers", "rule 2 answers in 300 ms", "rule 1 'ping' answers",
                         "rule 3 'bye' answers"]
    assert [e["detail"] for e in events if e["event"] == "OnClientRead"][:3] == ["", "", ""]
    sends = [bytes.fromhex(e["data_hex"]) for e in events if e["event"] == "Send"]
    assert b"PONG 7 #1\n" in sends and b"BYE\n" in sends


@pytest.mark.parametrize("server_type", ["stNonBlocking", "stThreadBlocking"])
def test_a_connection_closed_during_the_delay_gets_nothing_and_no_error(tmp_path, server_type):
    port = free_port()
    run = Run(rules_form(tmp_path, port, [{"match": "any", "reply": "late", "delay_ms": 400}], server_type))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"x\n")
            run.reader.wait_for(lambda line: "answers in 400 ms" in line)
        run.reader.wait_for(lambda line: "closed before the delay ended" in line)
    finally:
        events, stderr = run.stop()
    assert stderr == ""
    assert not [e for e in events if e["event"] in ("Send", "Error", "HandlerError")]
    assert not [e for e in events if e.get("error")]


def test_length_framing_replies_get_their_length_field(tmp_path):
    port = free_port()
    rules = [{"match": "hex", "pattern": "00 01 ??", "reply": r"{0[0:1]}\x00OK"}]
    run = Run(rules_form(tmp_path, port, rules, framing="length:u16be,strip=2"))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"\x00\x03\x00\x01\x05")
            got = b""
            while len(got) < 6:
                got += s.recv(16)
            assert got == b"\x00\x04\x00\x00OK"
    finally:
        run.stop()


BAD = [
    ({"match": "regex", "pattern": "PING (\\d+", "reply": "x"}, "rule 2, pattern: missing ), unterminated subpattern "
                                                                 "(at character 6)"),
    ({"match": "exact", "pattern": "A", "reply": "oops {nope"}, "rule 2, reply: '{' is not closed (at character 6)"),
    ({"match": "hex", "pattern": "01 0G", "reply": "x"}, "rule 2, pattern: '0G' is not a hex byte or ??"),
    ({"match": "regex", "pattern": "(a)", "reply": "{2}"}, "rule 2, reply: {2}: the pattern has 1 group(s) "
                                                           "(at character 1)"),
]


@pytest.mark.parametrize(("rule", "message"), BAD)
def test_a_rule_that_does_not_compile_is_reported_but_the_form_opens_and_keeps_it(tmp_path, rule, message):
    rules = [RULES[0], rule]
    path = rules_form(tmp_path, free_port(), rules)
    doc = FormDocument.load(path)
    assert doc.binding_problems() == [f"Responder.OnClientRead: {message}"]
    doc.save(tmp_path / "again.sockform")
    saved = json.loads((tmp_path / "again.sockform").read_text())
    assert saved["components"][0]["events"]["OnClientRead"]["rules"] == rules  # nothing lost
    event = ServerSocket.event_spec("OnClientRead")
    binding = doc.components[0].events["OnClientRead"]
    with pytest.raises(RuleError, match="rule 2"):  # an edit that brings it is refused
        check_action("rules", "", event, binding.rules)
    check_action("rules", "", event, (*binding.rules, Rule("any", "", "ok")), tolerated=binding.rules)


def test_run_says_which_rule_is_broken_and_answers_nothing(tmp_path):
    port = free_port()
    form = rules_form(tmp_path, port, [RULES[0], BAD[0][0]])
    run = Run(form)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"PING 1\n")
            run.reader.wait_for(lambda line: "not answered: the rules can't be used" in line)
    finally:
        events, stderr = run.stop()
    assert "Responder.OnClientRead: rule 2, pattern: missing ), unterminated subpattern (at character 6); " \
           "its frames are not answered" in stderr
    assert not [e for e in events if e["event"] == "Send"]


@pytest.mark.parametrize(("binding", "message"), [
    ({"action": "rules", "rules": {"match": "any"}}, "rules: must be a list of rules"),
    ({"action": "rules", "rules": [{"match": "any", "delay": 5}]}, "rule 1: unknown field(s) 'delay'"),
    ({"action": "rules", "rules": [{"match": "any", "delay_ms": "5"}]}, "rule 1, delay_ms: must be a whole number"),
    ({"action": "echo", "rules": []}, "'echo' takes no rules"),
])
def test_what_is_not_rules_at_all_is_a_damaged_file(tmp_path, binding, message):
    path = rules_form(tmp_path, 1, [])
    data = json.loads(path.read_text())
    data["components"][0]["events"]["OnClientRead"] = binding
    path.write_text(json.dumps(data))
    with pytest.raises(FormFileError, match="OnClientRead") as caught:
        FormDocument.load(path)
    assert message in str(caught.value)


def test_rules_fit_read_events_only():
    with pytest.raises(ValueError, match="not an action for OnClientConnect"):
        check_action("rules", "", ServerSocket.event_spec("OnClientConnect"))


def test_run_exits_cleanly_with_an_empty_rule_list(tmp_path):
    form = rules_form(tmp_path, free_port(), [])
    done = subprocess.run([*CLI, "run", str(form), "--duration", "0.3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("server_type", ["stNonBlocking", "stThreadBlocking"])
def test_a_long_delay_does_not_hold_up_the_stop(tmp_path, server_type):
    port = free_port()
    run = Run(rules_form(tmp_path, port, [{"match": "any", "reply": "late", "delay_ms": 60_000}], server_type))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"x\n")
        run.reader.wait_for(lambda line: "answers in 60000 ms" in line)
        events, stderr = run.stop()  # SIGINT; Run.stop waits at most 15 s for status 0
        assert s.recv(10) == b""  # closed, and nothing was sent
    assert stderr == ""
    assert not [e for e in events if e["event"] in ("Send", "Error", "HandlerError")]

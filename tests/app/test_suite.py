"""``socket-workbench test``: the example scenarios against their example forms, each form
run headless by ``socket-workbench run`` in its own process; exit codes, the report, JUnit."""

from __future__ import annotations

import json
import signal
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.core.form_document import FormDocument
from app.core.unit import bound_functions
from tests.app.command import CLI

from .serving import serving
from .sessions import ECHO, record_echo
from .test_runner import ROOT, LineReader, free_port, start_run

EXAMPLES = ROOT / "resources" / "examples"
SCENARIOS = ROOT / "resources" / "scenarios"


def serve(form: str, *settings: str) -> tuple[subprocess.Popen[str], LineReader]:
    """``socket-workbench run`` on an example form, once it listens."""
    trust = ["--trust"] if bound_functions(FormDocument.load(EXAMPLES / form)) else []
    proc = start_run(str(EXAMPLES / form), "--json", *trust, *settings)
    reader = LineReader(proc.stdout)
    reader.start()
    reader.wait_for(lambda line: '"OnListen"' in line)
    return proc, reader


def stop(proc: subprocess.Popen[str], reader: LineReader) -> list[dict]:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    reader.join(5)
    return [json.loads(line) for line in reader.lines]


def test(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "test", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


test.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def http_server():
    port = free_port()
    proc, reader = serve("http_client.sockform", "--set=HttpServer.Service=", f"--set=HttpServer.Port={port}",
                         "--set=HttpClient.Active=False")
    try:
        yield port
    finally:
        if proc.poll() is None:
            stop(proc, reader)


def test_http_get_against_the_http_example(http_server, tmp_path):
    junit = tmp_path / "report.xml"
    done = test(str(SCENARIOS / "http_get.toml"), "--to", f"127.0.0.1:{http_server}", "--junit", str(junit))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("HTTP GET: passed, 6/6")
    assert "PASS  step 6 expect_close: the peer closed the connection" in done.stdout
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["HTTP GET"]
    assert len(suites[0].findall("testcase")) == 6 and not root.findall(".//failure")


def test_chat_example_two_people():
    port = free_port()
    proc, reader = serve("chat_server.sockform", f"--set=ChatServer.Port={port}")
    try:
        done = test(str(SCENARIOS / "chat.toml"), "--to", f"127.0.0.1:{port}")
    finally:
        events = stop(proc, reader)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chat: passed, 14/14" in done.stdout
    assert sum(1 for e in events if e["event"] == "OnClientDisconnect") == 2


def test_modbus_example_and_a_changed_reply_fails_at_the_first_differing_byte(tmp_path):
    port = free_port()
    proc, reader = serve("modbus_tcp.sockform", f"--set=ModbusServer.Port={port}")
    changed = tmp_path / "changed.toml"
    changed.write_text((SCENARIOS / "modbus.toml").read_text().replace(
        '"00 01 00 00 00 07 11 03 04 00 2A 01 00"', '"00 01 00 00 00 07 11 03 04 00 2B 01 00"'))
    junit = tmp_path / "report.xml"
    try:
        passed = test(str(SCENARIOS / "modbus.toml"), "--to", f"127.0.0.1:{port}")
        failed = test(str(changed), "--to", f"127.0.0.1:{port}", "--junit", str(junit))
    finally:
        stop(proc, reader)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Modbus/TCP: passed, 12/12" in passed.stdout
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert ("FAIL  step 3 expect: the frame differs; first difference at byte 10 (0xa): "
            "expected 0x2b '+', received 0x2a '*'") in failed.stdout
    assert "expected 00000000  00 01 00 00 00 07 11 03 04 00 2b 01 00" in failed.stdout
    assert "received 00000000  00 01 00 00 00 07 11 03 04 00 2a 01 00" in failed.stdout
    assert "stopped at step 3 expect: the steps after it were not run" in failed.stdout
    failure = ET.parse(junit).getroot().find(".//failure")
    assert failure is not None
    assert failure.get("message", "").startswith("the frame differs; first difference at byte 10")


def test_bad_input_is_exit_2_and_the_other_files_still_run(http_server, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[step]]\nconnect = 'nowhere'\n")
    done = test(str(bad), str(SCENARIOS / "http_get.toml"), "--to", f"127.0.0.1:{http_server}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"bad input: {bad}:1: step 1: 'nowhere' is not HOST:PORT" in done.stdout
    assert "HTTP GET: passed, 6/6" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_refused_connection_is_a_failure_not_a_traceback(tmp_path):
    done = test(str(SCENARIOS / "modbus.toml"), "--to", f"127.0.0.1:{free_port()}")
    assert done.returncode == 1
    assert "ERROR step 1 connect: could not connect to 127.0.0.1:" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_bad_options_are_exit_2():
    assert test(str(SCENARIOS / "modbus.toml"), "--to", "nowhere").returncode == 2
    assert test().returncode == 2


def test_a_capture_and_a_scenario_in_one_run(tmp_path):
    """test replays a capture as replay does (one suite per stream) beside a scenario."""
    recorded, _ = record_echo(tmp_path, [b"one\n", b"two\n"])
    scenario = tmp_path / "echo.toml"
    scenario.write_text("[[step]]\nconnect = '127.0.0.1:9'\n\n[[step]]\nsend = 'ping\\n'\n\n"
                        "[[step]]\nexpect = 'ping\\n'\n\n[[step]]\nclose = true\n")
    junit = tmp_path / "report.xml"
    with serving(ECHO, "ServerSocket1", "--set=ClientSocket1.Active=False") as port:
        done = test(str(recorded.path), str(scenario), "--to", f"127.0.0.1:{port}", "--junit", str(junit))
        without_target = test(str(recorded.path))
    assert done.returncode == 0, done.stdout + done.stderr
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert len(suites) == 3 and suites[-1].get("name") == "echo"  # two recorded streams, then the scenario
    assert not ET.parse(junit).getroot().findall(".//failure")
    assert without_target.returncode == 2
    assert "a capture is replayed against a server: give it with --to HOST:PORT" in without_target.stdout

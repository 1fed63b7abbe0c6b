"""`socket-workbench run` end to end: a real subprocess, a real client, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "echo_server.sockform"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_run(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app", "run", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class LineReader(threading.Thread):
    """Collects a process's output lines; lets a test wait for one that matches."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True, name="output reader")
        self.stream = stream
        self.lines: list[str] = []
        self.changed = threading.Condition()

    def run(self) -> None:
        for line in self.stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float = 15.0) -> str:
        with self.changed:
            ok = self.changed.wait_for(lambda: any(predicate(x) for x in self.lines) or not self.is_alive(),
                                       timeout)
            found = [x for x in self.lines if predicate(x)]
        assert ok and found, "not seen in time; output so far:\n" + "\n".join(self.lines)
        return found[0]


def test_run_serves_a_real_client_and_stops_cleanly_on_sigint():
    port = free_port()
    proc = start_run(str(EXAMPLE), "--json", f"--set=ServerSocket1.Port={port}",
                     "--set", "ClientSocket1.Active=False")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"event": "OnListen"' in line)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"hello run")
            got = b""
            while len(got) < 9:
                got += s.recv(64)
            assert got == b"hello run"
            reader.wait_for(lambda line: '"event": "OnClientRead"' in line)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    names = [e["event"] for e in events if e["component"] == "ServerSocket1"]
    assert names[0] == "OnListen" and names[-1] == "Close"
    assert "OnClientConnect" in names and "OnClientDisconnect" in names  # closed on SIGINT
    read = next(e for e in events if e["event"] == "OnClientRead")
    assert bytes.fromhex(read["data_hex"]) == b"hello run"
    assert {"time", "component", "event", "peer", "detail"} <= set(read)
    assert "ClientSocket1" not in {e["component"] for e in events}
    assert proc.stderr.read() == ""


def test_run_sigterm_and_human_output():
    port = free_port()
    proc = start_run(str(EXAMPLE), f"--set=ServerSocket1.Port={port}", f"--set=ClientSocket1.Port={port}")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        line = reader.wait_for(lambda x: "ClientSocket1  OnRead" in x)
        assert '"Hello, echo server!\\r\\n"' in line
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert any("ClientSocket1  OnDisconnect" in x for x in reader.lines)


@pytest.mark.parametrize("args, message", [
    (["missing.sockform"], "can't open missing.sockform"),
    ([str(EXAMPLE), "--set", "Nope.Port=1"], "has no component 'Nope'"),
    ([str(EXAMPLE), "--set", "ServerSocket1.Port=http"], "Port must be a whole number"),
    ([str(EXAMPLE), "--set", "ServerSocket1"], "expected COMPONENT.PROPERTY=VALUE"),
    ([str(EXAMPLE), "--duration", "-1"], "--duration must be more than 0"),
    ([str(EXAMPLE), "--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_forms_and_options_fail_with_one_clear_line(args, message):
    done = subprocess.run([sys.executable, "-m", "app", "run", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_damaged_form_file(tmp_path):
    bad = tmp_path / "bad.sockform"
    bad.write_text('{"format": "socket-workbench-form", "version": 1, "form": {"name": "F"}, '
                   '"components": [{"type": "ServerSocket", "name": "S", "properties": {"Port": -3}}]}')
    done = subprocess.run([sys.executable, "-m", "app", "run", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("socket-workbench run: bad.sockform: component 'S': "
                                   "Port must be between 0 and 65535, not -3")


def test_port_in_use_exits_non_zero_with_the_winsock_number():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        port = blocker.getsockname()[1]
        args = [sys.executable, "-m", "app", "run", str(EXAMPLE), f"--set=ServerSocket1.Port={port}",
                "--duration", "1"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
        debug = subprocess.run([*args, "--debug"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        blocker.close()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("socket-workbench run: can't activate ServerSocket1")
    assert "10048" in done.stderr and "Traceback" not in done.stderr
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_unhandled_error_during_the_run_gives_status_1():
    port = free_port()  # nothing listens here: the client's connect is refused
    done = subprocess.run([sys.executable, "-m", "app", "run", str(EXAMPLE), "--set=ServerSocket1.Active=False",
                           f"--set=ClientSocket1.Port={port}", "--duration", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "10061" in done.stderr and "1 unhandled socket error" in done.stderr
    assert "OnError" in done.stdout

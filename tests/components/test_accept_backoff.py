"""Out of file descriptors: a server backs off accepting, reports EMFILE at most once a
second with a count of the repeats, stays quiet on the CPU and serves again as soon as
descriptors free up. The server runs in its own process with a lowered RLIMIT_NOFILE."""

from __future__ import annotations

import json
import math
import os
import queue
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components.accepting import ACCEPT_BACKOFF, REPORT_INTERVAL, AcceptFailures

from .conftest import LOOP_KINDS
from .descriptor_starved_server import HOLD

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 40  # far more than the child has descriptors for
REPEATS = re.compile(r"accept failed (\d+) more times?")


class Child:
    """The server process, read line by line on a helper thread."""

    def __init__(self, mode: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.components.descriptor_starved_server", mode],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, name="child stdout", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, prefix: str, timeout: float = 30) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the server process never said {prefix!r}") from None
            if line.startswith(prefix):
                return line

    def finish(self) -> tuple[dict, str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        result = json.loads(self.expect("{"))
        _, stderr = self.proc.communicate(timeout=30)
        self.reader.join(5)
        return result, stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self.reader.join(5)


def failures_counted(errors: list[dict]) -> int:
    return sum(int(m[1]) if (m := REPEATS.search(e["detail"])) else 1 for e in errors)


@pytest.mark.parametrize("mode", [*LOOP_KINDS, "threads"])
def test_out_of_descriptors_backs_off_reports_once_a_second_and_recovers(mode):
    if mode == "uvloop":
        pytest.importorskip("uvloop")
    child = Child(mode)
    clients: list[socket.socket] = []
    try:
        port = int(child.expect("PORT").split()[1])
        for _ in range(CLIENTS):  # they all wait in the backlog; the child can't take them
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        child.expect("HELD")
        for sock in clients:  # descriptors free up in the child as these close
            sock.close()
        clients.clear()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as late:
            late.settimeout(10)
            greeting = late.recv(1)  # served, once the backlog before it has been worked off
        result, stderr = child.finish()
    finally:
        for sock in clients:
            sock.close()
        child.kill()

    assert child.proc.returncode == 0, stderr
    assert greeting == b"!"
    assert "Traceback" not in stderr and result["loop_problems"] == 0, (
        result["loop_problem_sample"], stderr[-2000:])
    errors = result["errors"]
    assert errors, "no OnClientError(eeAccept) record at all"
    assert {(e["event"], e["code"], e["errno"]) for e in errors} == {("eeAccept", 10024, 24)}
    held = errors[result["held_from"]:][: result["held"]]
    summary = (f"{mode}: {result['held']} records in {result['wall']:.1f} s held, counting "
               f"{failures_counted(held)} failed accepts, CPU {result['cpu']:.2f} s")
    # at most one record per second (plus the first), and the repeats are counted in them
    assert len(held) <= math.floor(HOLD / REPORT_INTERVAL) + 1, summary
    assert any(REPEATS.search(e["detail"]) for e in errors), summary
    # backed off, not spinning: one failed accept per back-off, not a million
    assert failures_counted(held) <= 2 * HOLD / ACCEPT_BACKOFF + 5, summary
    assert result["hooked"] >= len(errors)  # each reached the application (as did clients' resets)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_accept_failures_are_reported_once_an_interval_and_every_one_is_counted():
    clock = Clock()
    reports: list[str] = []
    failures = AcceptFailures(lambda exc, detail: reports.append(detail), clock)
    error = OSError(24, "Too many open files")
    for _ in range(35):  # one failure per back-off for 3.5 s
        failures.failed(error)
        clock.now += ACCEPT_BACKOFF
    while (due := failures.due()) is not None:  # the failures stopped: the rest is reported when due
        clock.now += due
        failures.flush()
    assert len(reports) == 5  # at 0 s, ~1 s, ~2 s, ~3 s, and the remainder one interval later
    assert reports[0].startswith("accepting paused")
    counted = 1 + sum(int(REPEATS.search(r)[1]) for r in reports[1:])
    assert counted == 35

"""``socket-workbench run FORM --record session.pcapng``: sessions recorded headless through
the echo and chat examples, opened with tshark: Follow TCP Stream gives exactly the bytes,
the event comments are there."""

from __future__ import annotations

import subprocess

import pytest

from tests.app.command import CLI
from tests.tshark import comments, follow, stream_count

from .sessions import ECHO, ROOT, record_chat, record_echo

pytestmark = pytest.mark.timeout(120)


def test_echo_example_recorded_headless(tmp_path):
    messages = [b"first line\r\n", bytes(range(256)), b"last\n"]
    recorded, got = record_echo(tmp_path, messages)
    assert got == b"".join(messages)
    assert stream_count(recorded.path) == 2  # the form's own client, then the outside one
    own = follow(recorded.path, 0)
    assert own == (b"Hello, echo server!\r\n", b"Hello, echo server!\r\n")
    assert follow(recorded.path, 1) == (b"".join(messages), b"".join(messages))
    texts = " ".join(comments(recorded.path))
    for event in ("ServerSocket1 OnListen", "ServerSocket1 OnClientConnect", "ServerSocket1 OnClientRead",
                  "ClientSocket1 OnConnect", "ClientSocket1 OnRead", "ServerSocket1 OnClientDisconnect"):
        assert event in texts, event


def test_chat_example_recorded_headless(tmp_path):
    recorded, received = record_chat(tmp_path)
    assert stream_count(recorded.path) == 2
    a_sent, a_got = follow(recorded.path, 0)
    b_sent, b_got = follow(recorded.path, 1)
    assert (a_sent, b_sent) == (b"hello from a\r\n", b"hi a\r\n")
    assert a_got == received["a"] and b_got == received["b"]
    texts = " ".join(comments(recorded.path))
    assert texts.count("ChatServer OnClientConnect") == 2 and "ChatServer OnClientRead" in texts
    assert "Log" in texts  # the unit's log(...) lines are there too


def test_record_to_a_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    done = subprocess.run([*CLI, "run", str(ECHO), "--record", str(tmp_path / "no" / "x.pcapng")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "can't record to" in done.stderr and "No such file or directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_record_limit_is_a_usage_error():
    done = subprocess.run([*CLI, "run", str(ECHO), "--record", "x.pcapng", "--record-limit", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--record-limit must be more than 0 MB" in done.stderr

"""Recording real sessions headless for the session tests: ``socket-workbench run FORM
--record`` through the echo and chat examples, with real clients."""

from __future__ import annotations

import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from .test_runner import LineReader, free_port, start_run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
ECHO = EXAMPLES / "echo_server.sockform"
CHAT = EXAMPLES / "chat_server.sockform"


def read_until(sock: socket.socket, wanted: bytes, timeout: float = 10.0) -> bytes:
    """Read until ``wanted`` has arrived (the bytes so far end with it, or hold it)."""
    sock.settimeout(timeout)
    got = b""
    deadline = time.monotonic() + timeout
    while wanted not in got and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    assert wanted in got, (wanted, got)
    return got


@dataclass
class Recorded:
    path: Path
    port: int
    stdout: list[str]
    stderr: str


def stop(proc, reader: LineReader, socket_errors_ok: bool = False) -> tuple[list[str], str]:
    """SIGINT, then the run's output; it must exit 0 (or, with ``socket_errors_ok``, 1 for
    socket errors a peer caused: a replayed client that closed while the server wrote)."""
    proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if socket_errors_ok and status == 1 and "unhandled socket error" in err:
        return reader.lines, err
    assert status == 0, err
    return reader.lines, err


def record_echo(folder: Path, messages: list[bytes]) -> tuple[Recorded, bytes]:
    """The echo example with its own client and one outside client sending ``messages``."""
    port = free_port()
    path = folder / "echo.pcapng"
    proc = start_run(str(ECHO), "--json", "--record", str(path), f"--set=ServerSocket1.Port={port}",
                     f"--set=ClientSocket1.Port={port}")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"component": "ClientSocket1", "event": "OnRead"' in line
                        or ('"ClientSocket1"' in line and '"OnRead"' in line))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            got = b""
            for message in messages:
                s.sendall(message)
                got += read_until(s, message)[0:]
            reader.wait_count('"OnClientRead"', 1 + 1)
    finally:
        lines, err = stop(proc, reader)
    return Recorded(path, port, lines, err), got


def record_chat(folder: Path) -> tuple[Recorded, dict[str, bytes]]:
    """Two clients on the chat example (its unit trusted for the run): A joins, B joins, both
    talk, B leaves. Returns what each client received."""
    port = free_port()
    path = folder / "chat.pcapng"
    proc = start_run(str(CHAT), "--json", "--trust", "--record", str(path), f"--set=ChatServer.Port={port}")
    reader = LineReader(proc.stdout)
    reader.start()
    received = {"a": b"", "b": b""}
    try:
        reader.wait_for(lambda line: '"OnListen"' in line)
        a = socket.create_connection(("127.0.0.1", port), timeout=5)
        received["a"] += read_until(a, b"joined (1 online)\r\n")
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
        received["b"] += read_until(b, b"joined (2 online)\r\n")
        received["a"] += read_until(a, b"joined (2 online)\r\n")
        a.sendall(b"hello from a\r\n")
        received["a"] += read_until(a, b": hello from a\r\n")
        received["b"] += read_until(b, b": hello from a\r\n")
        b.sendall(b"hi a\r\n")
        received["b"] += read_until(b, b": hi a\r\n")
        received["a"] += read_until(a, b": hi a\r\n")
        b.close()
        received["a"] += read_until(a, b" left\r\n")
        a.close()
        reader.wait_count('"OnClientDisconnect"', 2)
    finally:
        lines, err = stop(proc, reader)
    return Recorded(path, port, lines, err), received

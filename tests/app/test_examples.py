"""Every example form opens in the workbench's model and runs with `run`."""

from __future__ import annotations

import json
import re
import signal
import socket
import struct
import subprocess

import pytest

from app.core.form_document import FormDocument
from app.core.unit import Unit, bound_functions
from components import ObserverStream
from tests.app.command import CLI

from .test_runner import ROOT, LineReader, free_port, start_run

EXAMPLES = ROOT / "resources" / "examples"
ALL = sorted(p.stem for p in EXAMPLES.glob("*.sockform"))


def test_there_is_an_example_for_every_concept():
    assert set(ALL) >= {"client_connection", "echo_server", "chat_server", "blocking_client", "thread_server",
                        "error_suppression", "send_stream", "http_client", "line_commands", "modbus_tcp"}


@pytest.mark.parametrize("stem", ALL)
def test_example_loads_and_its_unit_defines_every_bound_handler(stem):
    doc = FormDocument.load(EXAMPLES / f"{stem}.sockform")
    bound = {b.handler for e in doc.components for b in e.events.values() if b.is_unit}
    unit_path = EXAMPLES / f"{stem}.py"
    if not bound:
        assert not unit_path.exists() or stem == "echo_server"
        return
    unit = Unit(unit_path, ObserverStream())
    unit.load()
    assert bound <= set(unit.functions())


def trust(stem: str) -> list[str]:
    """--trust for an example whose form binds unit functions: headless, a unit that was
    never trusted in the workbench does not run without it."""
    return ["--trust"] if bound_functions(FormDocument.load(EXAMPLES / f"{stem}.sockform")) else []


def run_json(stem: str, *settings: str, duration: float = 1.5) -> list[dict]:
    done = subprocess.run([*CLI, "run", str(EXAMPLES / f"{stem}.sockform"), "--json",
                           "--duration", str(duration), *trust(stem), *settings], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def logs(events: list[dict]) -> list[str]:
    return [e["detail"] for e in events if e["event"] == "Log"]


def test_client_connection():
    port = free_port()
    events = run_json("client_connection", f"--set=DaytimeServer.Port={port}", f"--set=ClientSocket1.Port={port}")
    lines = logs(events)
    assert lines[0].startswith(f"connected to 127.0.0.1 port {port}")
    assert lines[1].startswith("the server says: 20")
    assert lines[2] == "the server closed the connection; anything left unread: 0 bytes"


def test_blocking_client_beside_a_non_blocking_one():
    port = free_port()
    events = run_json("blocking_client", f"--set=EchoServer.Port={port}", f"--set=NonBlockingClient.Port={port}",
                      f"--set=BlockingClient.Port={port}", duration=3)
    lines = logs(events)
    assert "non-blocking client got: hello from the non-blocking client" in lines
    assert "blocking client got: hello from the blocking client" in lines
    assert "a read with nothing to read waits the timeout and returns b''" in lines
    blocking = [e for e in events if e["component"] == "BlockingClient" and e["event"] == "OnConnect"]
    assert blocking and blocking[0]["thread"] != "MainThread"


def test_error_suppression_exits_zero():
    events = run_json("error_suppression", f"--set=ClientSocket1.Port={free_port()}", duration=1)
    assert logs(events) == ["nobody listens there (10061); suppressed"]


def test_send_stream_then_drop():
    port = free_port()
    events = run_json("send_stream", f"--set=FileServer.Port={port}", f"--set=Downloader.Port={port}")
    size = (EXAMPLES / "sample.txt").stat().st_size
    assert logs(events) == [f"downloaded {size} bytes of {size}"]


def test_http_client_through_service_and_host():
    port = free_port()
    events = run_json("http_client", "--set=HttpServer.Service=", f"--set=HttpServer.Port={port}",
                      "--set=HttpClient.Service=", f"--set=HttpClient.Port={port}")
    assert logs(events) == ["HTTP answer: HTTP/1.0 200 OK"]


def serve(stem: str, *settings: str):
    proc = start_run(str(EXAMPLES / f"{stem}.sockform"), "--json", *trust(stem), *settings)
    reader = LineReader(proc.stdout)
    reader.start()
    reader.wait_for(lambda line: '"OnListen"' in line)
    return proc, reader


def stop(proc, reader) -> list[dict]:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    reader.join(5)
    return [json.loads(line) for line in reader.lines]


def read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def test_chat_server_broadcasts_to_all_connections():
    port = free_port()
    proc, reader = serve("chat_server", f"--set=ChatServer.Port={port}")
    try:
        alice = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert b"joined (1 online)" in read_line(alice)
        bob = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert b"joined (2 online)" in read_line(bob)
        assert b"joined (2 online)" in read_line(alice)
        alice.sendall(b"hi all\n")
        expected = f"127.0.0.1:{alice.getsockname()[1]}: hi all\r\n".encode()
        assert read_line(alice) == expected and read_line(bob) == expected
        alice.close()
        assert b"left" in read_line(bob)
        bob.close()
        events = stop(proc, reader)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert sum(1 for e in events if e["event"] == "OnClientDisconnect") == 2


def test_thread_server_reuses_cached_threads():
    port = free_port()
    proc, reader = serve("thread_server", f"--set=ThreadServer.Port={port}")
    try:
        for word in (b"one", b"two", b"three"):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(word + b"\n")
                assert read_line(s) == word.upper() + b"\n"
            seen = len(reader.lines)
            reader.wait_for(lambda line, n=seen: '"ThreadCached"' in line and reader.lines.index(line) >= n)
        events = stop(proc, reader)
    finally:
        if proc.poll() is None:
            proc.kill()
    names = [e["event"] for e in events]
    assert names.count("OnThreadStart") == 1 and names.count("ThreadReused") == 2
    assert names.count("OnGetThread") == 1
    assert "new thread ThreadServer client 1" in logs(events)
    assert names.count("OnThreadEnd") == 1  # the cached thread ends when the server closes


def test_line_command_server_answers_by_rules():
    port = free_port()
    proc, reader = serve("line_commands", f"--set=CommandServer.Port={port}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            assert read_line(s).startswith(b"READY")
            s.sendall(b"PING 42\r\n")
            assert read_line(s) == b"PONG 42\n"
            s.sendall(b"ECHO hello there\nTIME\nFOO\nHELP\n")
            assert read_line(s) == b"hello there\n"
            assert re.fullmatch(rb"TIME \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d #3\n", read_line(s))
            assert read_line(s) == b"ERR unknown command: FOO\n"
            assert read_line(s).startswith(b"PING n")
            s.sendall(b"QUIT\n")
            assert read_line(s) == b"BYE\n"
            assert s.recv(1) == b""
        reader.wait_for(lambda line: '"OnClientDisconnect"' in line)
        events = stop(proc, reader)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [e["detail"] for e in events if e["event"] == "Rule"] == [
        "rule 1 'ping' answers", "rule 3 'echo' answers", "rule 2 'time' answers", "rule 6 'unknown' answers",
        "rule 4 'help' answers", "rule 5 'quit' answers"]


def modbus_request(tid: int, unit: int, pdu: bytes) -> bytes:
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        assert chunk, f"closed after {data!r}"
        data += chunk
    return data


def read_mbap(sock: socket.socket) -> bytes:
    """One Modbus/TCP reply and nothing of the next (both may come in one segment)."""
    header = read_exactly(sock, 6)
    return header + read_exactly(sock, struct.unpack(">H", header[4:6])[0])


def test_modbus_tcp_responder_echoes_the_transaction_id():
    port = free_port()
    proc, reader = serve("modbus_tcp", f"--set=ModbusServer.Port={port}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            request = modbus_request(0x1234, 0x11, bytes.fromhex("03 0000 0002"))
            s.sendall(request[:5])  # framing: a request split across segments is one frame
            s.sendall(request[5:] + modbus_request(0x1235, 0x11, bytes.fromhex("06 0001 00FF")))
            assert read_mbap(s) == bytes.fromhex("1234 0000 0007 11 03 04 002A 0100")
            assert read_mbap(s) == bytes.fromhex("1235 0000 0006 11 06 0001 00FF")
            s.sendall(modbus_request(0x0001, 0x05, bytes.fromhex("03 0100 0001")))
            assert read_mbap(s) == bytes.fromhex("0001 0000 0003 05 83 02")
        events = stop(proc, reader)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len([e for e in events if e["event"] == "OnClientRead"]) == 3


def read_stx_frame(sock: socket.socket) -> bytes:
    """STX ... ETX and the check byte after it."""
    data = b""
    while not (len(data) >= 2 and data[-2:-1] == b"\x03"):
        chunk = sock.recv(1)
        assert chunk, f"closed after {data!r}"
        data += chunk
    return data


def xor8(data: bytes) -> int:
    out = 0
    for byte in data:
        out ^= byte
    return out


def test_serial_device_frames_checks_and_repeats_its_status():
    port = free_port()
    proc, reader = serve("serial_device", f"--set=Device.Port={port}")
    try:
        tester = socket.create_connection(("127.0.0.1", port), timeout=5)
        statuses = [read_stx_frame(tester) for _ in range(2)]  # the repeat sends one at once, then every 500 ms
        for n, status in enumerate(statuses, 1):
            assert status[:-1] == f"\x02STATUS {n} OK\x03".encode()
            assert status[-1] == xor8(status[:-1])
        # a command split across writes, with a good check byte, then one with a bad one
        command = b"\x02PING\x03"
        tester.sendall(command[:3])
        tester.sendall(command[3:] + bytes([xor8(command)]) + b"\x02PING\x03\x00")
        replies = []
        while len(replies) < 2:
            got = read_stx_frame(tester)
            assert got[-1] == xor8(got[:-1])  # every frame the device sends carries its xor8
            if not got.startswith(b"\x02STATUS"):
                replies.append(got[1:-2])
        assert replies == [b"ACK PING", b"NAK"]
        tester.close()
    finally:
        events = stop(proc, reader)
    sends = [e for e in events if e["event"] == "Send" and e["detail"].startswith("message 'status'")]
    assert sends and sends[0]["detail"] == "message 'status' (1)"
    assert "bad frame from" in " ".join(logs(events))

"""``socket-workbench mock``: a capture's server side served to real clients, answering as
the original server did; divergences are error records; bad input exits 2."""

from __future__ import annotations

import json
import signal
import socket
import subprocess

import pytest

from tests.app.command import CLI

from .sessions import ROOT, read_until, record_chat, record_echo
from .test_runner import LineReader, free_port

pytestmark = pytest.mark.timeout(180)

MESSAGES = [b"first line\r\n", bytes(range(256)), b"last\n"]


class Mocking:
    """``socket-workbench mock`` as a real process, stopped with SIGINT."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([*CLI, "mock", *args, "--listen", str(self.port), "--json"], cwd=ROOT,
                                     text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.reader = LineReader(self.proc.stdout)
        self.reader.start()

    def __enter__(self) -> Mocking:
        self.reader.wait_for(lambda line: '"OnListen"' in line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.status = self.proc.wait(20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.reader.lines]


@pytest.fixture(scope="module")
def echo_capture(tmp_path_factory):
    recorded, _ = record_echo(tmp_path_factory.mktemp("echo"), MESSAGES)
    return recorded.path


def test_a_mock_answers_a_real_client_as_the_echo_server_did(echo_capture):
    with Mocking(str(echo_capture), "--stream", "1") as mock, \
            socket.create_connection(("127.0.0.1", mock.port), timeout=5) as client:
        for message in MESSAGES:
            client.sendall(message)
            assert read_until(client, message) == message
        client.shutdown(socket.SHUT_WR)
        assert client.recv(10) == b""  # nothing more than the recording
        mock.reader.wait_for(lambda line: '"OnClientDisconnect"' in line)
    assert mock.status == 0, mock.stderr
    events = [r["event"] for r in mock.records()]
    assert events[0] == "OnListen" and events[1] == "OnClientConnect" and events[-1] == "OnClientDisconnect"
    assert events.count("Send") == 3 and "OnClientError" not in events
    sends = [bytes.fromhex(r["data_hex"]) for r in mock.records() if r["event"] == "Send"]
    assert sends[0] == MESSAGES[0]


def test_a_mock_of_the_chat_server_answers_as_it_did(tmp_path):
    recorded, received = record_chat(tmp_path)
    with Mocking(str(recorded.path), "--stream", "0", "--match", str(_peer_masks(tmp_path))) as mock, \
            socket.create_connection(("127.0.0.1", mock.port), timeout=5) as client:
        got = read_until(client, b"joined (2 online)\r\n")  # the greetings come first, unasked
        client.sendall(b"hello from a\r\n")
        got += read_until(client, b" left\r\n")
        assert got == received["a"]
    assert mock.status == 0, mock.stderr


def _peer_masks(folder):
    path = folder / "match.toml"
    path.write_text("masks = ['127\\.0\\.0\\.1:\\d+']\n")
    return path


def test_a_divergence_is_an_error_record_and_the_exit_code_says_so(echo_capture):
    with Mocking(str(echo_capture), "--stream", "1", "--timeout", "2000") as mock, \
            socket.create_connection(("127.0.0.1", mock.port), timeout=5) as client:
        client.sendall(b"first LINE\r\n")
        assert read_until(client, b"first line\r\n") == b"first line\r\n"  # still answered as recorded
        mock.reader.wait_for(lambda line: '"OnClientError"' in line)
    assert mock.status == 1
    error = next(r for r in mock.records() if r["event"] == "OnClientError")
    assert error["error"]["message"] == ("exchange 1: first difference at byte 6 (0x6): expected 0x6c 'l', "
                                         "received 0x4c 'L'")
    assert error["error"]["event"] == "eeReceive" and bytes.fromhex(error["data_hex"]) == b"first LINE\r\n"
    closed = [r for r in mock.records() if r["event"] == "OnClientError"][1]
    assert closed["error"]["message"] == "exchange 2: the client closed after 0 of 256 recorded byte(s)"
    assert "2 divergence(s) from the recording" in mock.stderr


def test_text_records_like_run(echo_capture):
    port = free_port()
    proc = subprocess.Popen([*CLI, "mock", str(echo_capture), "--listen", f"127.0.0.1:{port}", "--stream", "0"],
                            cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: "OnListen" in line)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"Hello, echo server!\r\n")
            assert read_until(client, b"server!\r\n") == b"Hello, echo server!\r\n"
        reader.wait_for(lambda line: "OnClientDisconnect" in line)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        reader.join(5)
        proc.stdout.close()
        proc.stderr.close()
    line = next(x for x in reader.lines if "  Send  " in x)
    assert "Mock  Send  127.0.0.1:" in line and '"Hello, echo server!\\r\\n"' in line


@pytest.mark.parametrize(("args", "message"), [
    (["missing.pcap", "--listen", "0"], "missing.pcap: no such file"),
    (["{capture}", "--listen", "x:y"], "the port 'y' is not a number"),
    (["{capture}", "--listen", "0", "--stream", "9"], "has no stream 9"),
    (["{capture}", "--listen", "0", "--duration", "0"], "--duration must be more than 0 s"),
])
def test_bad_input_exits_2(echo_capture, args, message):
    args = [a.format(capture=echo_capture) for a in args]
    done = subprocess.run([*CLI, "mock", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_bad_input(echo_capture):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([*CLI, "mock", str(echo_capture), "--listen", str(port)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Address already in use" in done.stderr


def test_each_client_gets_the_next_stream_then_the_first_again(echo_capture):
    hello = b"Hello, echo server!\r\n"
    with Mocking(str(echo_capture), "--timing", "asis") as mock:
        for expected in (hello, MESSAGES[0], hello):  # stream 0, stream 1, stream 0 again
            with socket.create_connection(("127.0.0.1", mock.port), timeout=5) as client:
                client.sendall(expected)
                assert read_until(client, expected) == expected
        mock.reader.wait_count('"OnClientDisconnect"', 3)
    assert mock.status == 1  # the second client left after its first exchange: a divergence
    served = [r["detail"] for r in mock.records() if r["event"] == "OnClientConnect"]
    assert [d.split(" (")[0] for d in served] == ["serves stream 0", "serves stream 1", "serves stream 0"]

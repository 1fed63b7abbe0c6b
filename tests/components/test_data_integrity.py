"""No data lost, memory bounded: big transfers checked with SHA-256, back-pressure,
send_stream, and text that round-trips arbitrary bytes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.connection import RECEIVE_HIGH_WATER, STREAM_CHUNK

from .conftest import make_server
from .test_client_socket import until

MiB = 1024 * 1024


def pattern_block(seed: int) -> bytes:
    return hashlib.shake_256(seed.to_bytes(8, "little")).digest(MiB)


class Sender(threading.Thread):
    """Sends ``total`` bytes of a pattern on its own thread, hashing what it sent."""

    def __init__(self, sock: socket.socket, total: int) -> None:
        super().__init__(name="test sender", daemon=True)
        self.sock, self.total = sock, total
        self.sent = 0
        self.digest = hashlib.sha256()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            i = 0
            while self.sent < self.total:
                block = pattern_block(i % 7)[: self.total - self.sent]
                self.digest.update(block)
                self.sock.sendall(block)
                self.sent += len(block)
                i += 1
            self.sock.shutdown(socket.SHUT_WR)
        except BaseException as exc:
            self.error = exc


class Receiver(threading.Thread):
    """Reads to end of stream (or ``expect`` bytes), hashing on its own thread."""

    def __init__(self, sock: socket.socket, expect: int | None = None) -> None:
        super().__init__(name="test receiver", daemon=True)
        self.sock, self.expect = sock, expect
        self.received = 0
        self.digest = hashlib.sha256()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while self.expect is None or self.received < self.expect:
                chunk = self.sock.recv(4 * MiB)
                if not chunk:
                    break
                self.digest.update(chunk)
                self.received += len(chunk)
        except BaseException as exc:
            self.error = exc


def echo(sender, conn) -> None:
    conn.send_buf(conn.receive_buf(-1))


@pytest.mark.slow
def test_256_mib_through_a_non_blocking_echo_server_arrives_intact(recorder, run):
    total = 256 * MiB

    async def scenario():
        server = make_server(recorder)
        server.on_client_read = echo
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        sender, receiver = Sender(sock, total), Receiver(sock)
        sender.start()
        receiver.start()
        await asyncio.to_thread(sender.join, 120)
        await asyncio.to_thread(receiver.join, 120)
        sock.close()
        server.close()
        return sender, receiver

    sender, receiver = run(scenario())
    assert sender.error is None and receiver.error is None
    assert receiver.received == total
    assert receiver.digest.hexdigest() == sender.digest.hexdigest()


@pytest.mark.slow
def test_64_mib_through_a_thread_blocking_echo_server_arrives_intact(recorder):
    total = 64 * MiB
    server = make_server(recorder, threaded=True)
    server.on_client_read = echo
    server.open()
    try:
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        sender, receiver = Sender(sock, total), Receiver(sock)
        sender.start()
        receiver.start()
        sender.join(120)
        receiver.join(120)
        sock.close()
    finally:
        server.close()
    assert receiver.received == total
    assert receiver.digest.hexdigest() == sender.digest.hexdigest()


def test_a_handler_that_stops_reading_stalls_the_sender(recorder, run):
    """Back-pressure: memory stays bounded and the sender waits, then nothing is lost."""
    total = 96 * MiB

    async def scenario():
        server = make_server(recorder)
        server.open()  # no OnClientRead handler: nobody takes the bytes
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
        sender = Sender(sock, total)
        sender.start()
        await until(lambda: server.active_connections == 1)
        conn = server.socket.connections[0]
        await until(lambda: conn.receive_length() >= RECEIVE_HIGH_WATER)
        # the sender stalls: its count stops moving while the buffer is full
        previous = -1
        while sender.sent != previous:
            previous = sender.sent
            await asyncio.sleep(0.2)
        buffered = conn.receive_length()
        assert buffered <= RECEIVE_HIGH_WATER + 2 * STREAM_CHUNK
        assert sender.sent < total
        # start reading again: everything arrives, in order
        digest = hashlib.sha256()
        received = 0

        def drain(sender_, c) -> None:
            nonlocal received
            data = c.receive_buf(-1)
            digest.update(data)
            received += len(data)

        drain(server, conn)
        server.on_client_read = drain
        await until(lambda: received == total, timeout=60)
        await asyncio.to_thread(sender.join, 30)
        sock.close()
        server.close()
        return sender, digest

    sender, digest = run(scenario())
    assert digest.hexdigest() == sender.digest.hexdigest()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "payload.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(100):
            block = pattern_block(i)
            digest.update(block)
            f.write(block)
    return path, digest.hexdigest(), 100 * MiB


@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
@pytest.mark.parametrize("drop", [False, True], ids=["send_stream", "then_drop"])
def test_send_stream_of_100_mib_arrives_whole(recorder, run, big_file, threaded, drop):
    path, expected, size = big_file
    results = []

    def serve(sender, conn):
        f = open(path, "rb")  # noqa: SIM115 - the connection owns the file and closes it
        ok = conn.send_stream_then_drop(f) if drop else conn.send_stream(f)
        results.append(ok)

    async def scenario():
        server = make_server(recorder, threaded=threaded)
        server.on_client_connect = serve
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        receiver = Receiver(sock, None if drop else size)
        receiver.start()
        await asyncio.to_thread(receiver.join, 120)
        sock.close()
        server.close()
        return receiver

    receiver = run(scenario())
    assert results == [True]
    assert receiver.received == size
    assert receiver.digest.hexdigest() == expected


def test_a_second_stream_is_refused_while_one_is_pending(recorder, run, big_file):
    path, _, _ = big_file
    answers = []

    def serve(sender, conn):
        first, second = open(path, "rb"), open(path, "rb")  # noqa: SIM115 - handed over
        answers.append(conn.send_stream(first))
        answers.append(conn.send_stream(second))
        second.close()  # refused: the caller still owns it

    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = serve
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        await until(lambda: answers)
        sock.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run(scenario())
    assert answers == [True, False]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "cp1251"])
@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
def test_text_echo_round_trips_arbitrary_bytes(recorder, run, encoding, threaded):
    payload = bytes(range(256)) * 4 + os.urandom(4096) + "你好，世界".encode("gbk") + "héllo".encode()

    def text_echo(sender, conn):
        conn.send_text(conn.receive_text())

    async def scenario():
        server = make_server(recorder, threaded=threaded, encoding=encoding)
        server.on_client_read = text_echo
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        receiver = Receiver(sock, len(payload))
        receiver.start()
        sock.sendall(payload)
        await asyncio.to_thread(receiver.join, 30)
        sock.close()
        server.close()
        return receiver

    receiver = run(scenario())
    assert receiver.digest.hexdigest() == hashlib.sha256(payload).hexdigest()


def test_receive_text_decodes_with_the_encoding(recorder, run):
    got = []

    async def scenario():
        server = make_server(recorder, encoding="gbk")
        server.on_client_read = lambda s, c: got.append(c.receive_text())
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        sock.sendall("中文".encode("gbk"))
        await until(lambda: "".join(got) == "中文")
        sock.close()
        server.close()

    run(scenario())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256), st.sampled_from(["utf-8", "gbk", "cp1251", "latin-1", "shift_jis"]))
def test_text_helpers_are_lossless_for_any_bytes(data, encoding):
    text = data.decode(encoding, "surrogateescape")  # what receive_text does
    assert text.encode(encoding, "surrogateescape") == data  # what send_text does

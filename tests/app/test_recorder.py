"""Recording to pcapng, checked with tshark: Follow TCP Stream gives back exactly the bytes,
the VCL event names are packet comments, FIN or RST as the connection ended, and the size
limit stops the recording with a message and nothing lost before it."""

from __future__ import annotations

import asyncio
import os
import socket
import struct

import pytest

from app.core.recorder import SessionRecorder
from components import ClientSocket, ObserverStream, ServerSocket
from tests.tshark import comments, flags, follow, stream_count, tshark

pytestmark = pytest.mark.timeout(120)


def echo_server(stream: ObserverStream, host: str = "127.0.0.1") -> ServerSocket:
    server = ServerSocket(name="ServerSocket1", observer=stream, address=host, port=0)
    server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
    return server


async def converse(host: str, port: int, messages: list[bytes]) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    got = b""
    for message in messages:
        writer.write(message)
        got += await reader.readexactly(len(message))
    writer.close()
    await writer.wait_closed()
    return got


def record_echo(path, messages: list[bytes], host: str = "127.0.0.1", **options) -> SessionRecorder:
    stream = ObserverStream()
    recorder = SessionRecorder(stream, path, **options)

    async def main() -> None:
        server = echo_server(stream, host)
        recorder.start()
        server.open()
        try:
            assert await converse(host, server.socket.local_port, messages) == b"".join(messages)
            await asyncio.sleep(0.05)
        finally:
            server.close()
            await asyncio.sleep(0.05)
            recorder.stop()

    asyncio.run(main())
    return recorder


def test_follow_tcp_stream_gives_back_exactly_the_bytes(tmp_path):
    messages = [b"hello\r\n", bytes(range(256)), os.urandom(300_000), b"\x00" * 3]  # one larger than a segment
    path = tmp_path / "echo.pcapng"
    recorder = record_echo(path, messages)
    assert recorder.bytes_written == path.stat().st_size
    client_sent, server_sent = follow(path)
    assert client_sent == b"".join(messages)
    assert server_sent == b"".join(messages)
    assert stream_count(path) == 1
    texts = comments(path)
    for event in ("OnListen", "OnAccept", "OnClientConnect", "OnClientRead", "OnClientDisconnect"):
        assert any(f"ServerSocket1 {event}" in t for t in texts), (event, texts)
    status = tshark("-r", path, "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e", "tcp.checksum.status")
    assert set(status.split()) == {"1"}  # every checksum good
    marks = flags(path)
    assert marks[0].strip("·") == "S" and "F" in marks[-2]


def test_ipv6_connections_get_ipv6_headers(tmp_path):
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    path = tmp_path / "v6.pcapng"
    record_echo(path, [b"over six"], host="::1")
    assert follow(path) == (b"over six", b"over six")
    assert set(tshark("-r", path, "-T", "fields", "-e", "ipv6.src").split()) == {"::1"}


def test_both_ends_in_one_form_are_one_stream(tmp_path):
    stream = ObserverStream()
    path = tmp_path / "both.pcapng"
    recorder = SessionRecorder(stream, path)

    async def main() -> None:
        server = echo_server(stream)
        client = ClientSocket(name="ClientSocket1", observer=stream, address="127.0.0.1")
        answers: list[bytes] = []
        client.on_connect = lambda s, c: c.send_text("ping\r\n")
        client.on_read = lambda s, c: answers.append(c.receive_buf())
        recorder.start()
        server.open()
        client.port = server.socket.local_port
        client.open()
        for _ in range(400):
            if answers:
                break
            await asyncio.sleep(0.005)
        client.close()
        await asyncio.sleep(0.1)
        server.close()
        await asyncio.sleep(0.05)
        recorder.stop()
        assert b"".join(answers) == b"ping\r\n"

    asyncio.run(main())
    assert stream_count(path) == 1
    assert follow(path) == (b"ping\r\n", b"ping\r\n")
    texts = " ".join(comments(path))
    assert "ClientSocket1 OnConnect" in texts and "ClientSocket1 OnRead" in texts
    assert "ServerSocket1 OnClientRead" in texts and "ClientSocket1 OnDisconnect" in texts


def test_a_reset_is_an_rst_with_its_error(tmp_path):
    stream = ObserverStream()
    path = tmp_path / "reset.pcapng"
    recorder = SessionRecorder(stream, path)

    async def main() -> None:
        server = echo_server(stream)
        server.on_client_read = None
        recorder.start()
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(b"bye")
        for _ in range(400):
            if server.active_connections and stream.tap is not None and recorder._queue:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        sock.close()
        for _ in range(400):
            if not server.active_connections:
                break
            await asyncio.sleep(0.005)
        server.close()
        await asyncio.sleep(0.05)
        recorder.stop()

    asyncio.run(main())
    assert "R" in flags(path)[-1]
    assert follow(path)[0] == b"bye"
    assert any("OnClientError 10054" in t for t in comments(path))


def test_the_size_limit_stops_with_a_message_and_keeps_everything_before(tmp_path):
    messages = [bytes([i]) * 1000 for i in range(30)]
    path = tmp_path / "limited.pcapng"
    told: list[str] = []
    recorder = record_echo(path, messages, limit=12_000, on_limit=told.append)
    assert told and told[0] == recorder.limit_message
    assert "size limit of 11.7 KB" in told[0] and "everything before is in the file" in told[0]
    assert path.stat().st_size <= 12_000 + 200  # the file header is not counted
    assert recorder.stream.tap is None
    client_sent, server_sent = follow(path)
    whole = b"".join(messages)
    assert client_sent and whole.startswith(client_sent) and whole.startswith(server_sent)
    assert len(client_sent) % 1000 == 0  # whole reads and sends only: nothing cut


def test_a_file_that_cannot_be_written_is_an_oserror_at_start(tmp_path):
    recorder = SessionRecorder(ObserverStream(), tmp_path / "missing" / "x.pcapng")
    with pytest.raises(OSError):
        recorder.start()
    recorder.stop()

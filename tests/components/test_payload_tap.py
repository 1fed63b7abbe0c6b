"""The payload tap: every raw byte read and sent, opens and closes, on every loop and in
thread mode; nothing when no tap is installed."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading

import pytest

from components import ClientSocket, ClientType, ObserverStream, SocketStream
from components.observer import CLOSED_LOCAL, CLOSED_REMOTE, CLOSED_RESET

from .conftest import make_server
from .test_thread_server import talk, wait_until


class ListTap:
    def __init__(self) -> None:
        self.items: list[tuple] = []
        self.lock = threading.Lock()

    def opened(self, conn, accepted):
        with self.lock:
            self.items.append(("open", conn.id, accepted, conn.local_port, conn.remote_port))

    def payload(self, conn, outgoing, data):
        with self.lock:
            self.items.append(("out" if outgoing else "in", conn.id, bytes(data)))

    def closed(self, conn, how):
        with self.lock:
            self.items.append(("close", conn.id, how))

    def datagram(self, conn, outgoing, data):
        with self.lock:
            self.items.append(("sent" if outgoing else "read", conn.id, bytes(data), conn.remote_port))

    def bytes(self, kind: str) -> bytes:
        return b"".join(i[2] for i in self.items if i[0] == kind)

    def kinds(self) -> list[str]:
        return [i[0] for i in self.items]


def test_a_second_tap_is_refused_and_none_removes_it():
    stream = ObserverStream()
    tap = ListTap()
    stream.set_tap(tap)
    with pytest.raises(RuntimeError, match="already"):
        stream.set_tap(ListTap())
    stream.set_tap(None)
    assert stream.tap is None


def test_non_blocking_echo_with_framing_taps_the_raw_stream(recorder, run_any):
    """Framing cuts frames out of the bytes; the tap still sees the bytes as they were."""
    tap = ListTap()
    recorder.stream.set_tap(tap)
    server = make_server(recorder, framing="line")
    server.on_client_read = lambda s, c: c.send_frame(c.receive_buf())
    payload = b"one\r\ntwo\nthree\n"

    async def main() -> bytes:
        server.open()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.socket.local_port)
            writer.write(payload)
            writer.write_eof()
            got = await reader.read()
            writer.close()
            return got
        finally:
            server.close()
            await asyncio.sleep(0.05)

    got = run_any(main())
    assert got == b"one\ntwo\nthree\n"
    assert tap.bytes("in") == payload
    assert tap.bytes("out") == got
    kinds = tap.kinds()
    assert kinds[0] == "open" and tap.items[0][2] is True  # accepted
    assert tap.items[-1][0] == "close" and tap.items[-1][2] == CLOSED_REMOTE


def test_thread_blocking_server_and_blocking_client(recorder):
    tap = ListTap()
    recorder.stream.set_tap(tap)
    server = make_server(recorder, threaded=True)
    server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
    server.open()
    try:
        assert talk(server.socket.local_port, b"hello thread") == b"hello thread"
        wait_until(lambda: any(i[0] == "close" for i in tap.items))
        client = ClientSocket(name="ClientSocket1", observer=recorder.stream, address="127.0.0.1",
                              port=server.socket.local_port, client_type=ClientType.BLOCKING)
        recorder.expect("ClientSocket1", "blocking_client")
        client.open()
        stream = SocketStream(client.socket, 5000)
        stream.write(b"ping")
        got = b""
        while len(got) < 4:
            got += stream.read(4 - len(got))
        client.close()
        wait_until(lambda: sum(i[0] == "close" for i in tap.items) == 3)
    finally:
        server.close()
    assert got == b"ping"
    opens = [i for i in tap.items if i[0] == "open"]
    assert [o[2] for o in opens] == [True, True, False] or sorted(o[2] for o in opens) == [False, True, True]
    client_id = next(o[1] for o in opens if o[2] is False)
    assert b"".join(i[2] for i in tap.items if i[0] == "out" and i[1] == client_id) == b"ping"
    assert b"".join(i[2] for i in tap.items if i[0] == "in" and i[1] == client_id) == b"ping"
    assert ("close", client_id, CLOSED_LOCAL) in tap.items


def test_a_reset_by_the_peer_is_a_reset(recorder, run):
    tap = ListTap()
    recorder.stream.set_tap(tap)
    server = make_server(recorder)
    server.on_client_error = lambda s, c, e, code: 0

    async def main() -> None:
        server.open()
        try:
            sock = socket.create_connection(("127.0.0.1", server.socket.local_port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.sendall(b"x")
            for _ in range(200):
                if tap.bytes("in"):
                    break
                await asyncio.sleep(0.005)
            sock.close()  # linger 0: an RST
            for _ in range(200):
                if "close" in tap.kinds():
                    break
                await asyncio.sleep(0.005)
        finally:
            server.close()
            await asyncio.sleep(0.05)

    run(main())
    assert tap.items[-1][0] == "close" and tap.items[-1][2] == CLOSED_RESET


def test_no_tap_means_nothing_is_copied(recorder, run):
    server = make_server(recorder)
    server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))

    async def main() -> bytes:
        server.open()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.socket.local_port)
            writer.write(b"abc")
            got = await reader.readexactly(3)
            writer.close()
            return got
        finally:
            server.close()
            await asyncio.sleep(0.05)

    assert recorder.stream.tap is None
    assert run(main()) == b"abc"


def test_a_udp_socket_taps_each_datagram_whole_with_its_peer(recorder, run_any):
    """A UdpSocket hands the tap every datagram whole, read and sent, with the peer it is from
    or to; nothing is opened or closed (a datagram socket has no connection)."""
    from components import UdpSocket

    tap = ListTap()
    recorder.stream.set_tap(tap)
    recorder.expect("Udp1", "udp")
    echo = UdpSocket(name="Udp1", observer=recorder.stream, local_address="127.0.0.1")
    echo.on_read = lambda s, peer: peer.send_buf(peer.receive_buf())
    datagrams = [b"one", b"\x00" * 9000, b"three"]

    async def main() -> int:
        echo.open()
        loop = asyncio.get_running_loop()
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client.bind(("127.0.0.1", 0))
        client.settimeout(10)
        try:  # a plain blocking peer on a worker thread (uvloop has no sock_sendto)
            for d in datagrams:
                client.sendto(d, ("127.0.0.1", echo.socket.local_port))
                assert await loop.run_in_executor(None, client.recv, 65_536) == d
            return client.getsockname()[1]
        finally:
            client.close()
            echo.close()

    port = run_any(main())
    assert [i[0] for i in tap.items] == ["read", "sent"] * 3
    assert [i[2] for i in tap.items] == [d for d in datagrams for _ in (0, 1)]
    assert {i[3] for i in tap.items} == {port}

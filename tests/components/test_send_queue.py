"""The send queue of a non-blocking connection: its cap holds from any thread, a refusal
is always followed by OnWrite, and forwarding code hears when the queue has drained."""

from __future__ import annotations

import asyncio
import socket
import threading

from .conftest import make_server
from .test_client_socket import until

KiB = 1024
SMALL_KERNEL_BUFFER = 16 * KiB  # so a peer that reads nothing fills the path quickly


def small_kernel_buffers(conn) -> None:
    """Shrink the server side's kernel send buffer of ``conn``."""
    sock = conn.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_KERNEL_BUFFER)


def slow_peer(port: int) -> socket.socket:
    """A client with a small receive buffer that reads nothing until told to."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_KERNEL_BUFFER)
    sock.connect(("127.0.0.1", port))
    return sock


def read_exactly(sock: socket.socket, count: int) -> bytes:
    parts, got = [], 0
    sock.settimeout(30)
    while got < count:
        chunk = sock.recv(min(count - got, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def block(i: int, size: int) -> bytes:
    return i.to_bytes(4, "big") * (size // 4)


async def one_connection(server, cap: int):
    def connected(sender, conn):
        conn.send_buffer_cap = cap
        small_kernel_buffers(conn)

    server.on_client_connect = connected
    server.open()
    peer = slow_peer(server.socket.local_port)
    await until(lambda: server.active_connections == 1)
    return peer, server.socket.connections[0]


def test_send_buf_from_another_thread_honours_the_cap(recorder, run_any):
    cap, chunk = 256 * KiB, 16 * KiB
    limit = 4096  # 64 MiB: far past the cap, where the unbounded hand-off went

    async def scenario():
        server = make_server(recorder)
        peer, conn = await one_connection(server, cap)
        assert threading.current_thread() is threading.main_thread()

        def worker():
            sent, most = 0, 0
            for i in range(limit):
                result = conn.send_buf(block(i, chunk))
                most = max(most, conn.send_queue_length())
                if result == -1:
                    return sent, True, most
                assert result == chunk
                sent += 1
            return sent, False, most

        sent, refused, most = await asyncio.to_thread(worker)
        refusal_mark = len(recorder.take())
        assert refused, f"send_buf from a worker thread queued {sent * chunk} bytes and never said -1"
        assert most <= cap + chunk
        assert conn.send_queue_length() <= cap + chunk
        # the peer reads: every accepted byte arrives, in order, and nothing after them
        data = await asyncio.to_thread(read_exactly, peer, sent * chunk)
        assert data == b"".join(block(i, chunk) for i in range(sent))
        # the -1 contract: OnClientWrite follows once the queue has drained
        await until(lambda: "OnClientWrite" in [r.event for r in recorder.take()[refusal_mark:]])
        peer.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run_any(scenario())


def test_a_refused_buffer_is_followed_by_on_write_even_under_the_high_water_mark(recorder, run_any):
    """One large buffer is refused while the queue holds only a little: the queue never
    pauses, yet OnClientWrite must still come once it has drained."""
    cap, small = 64 * KiB, 4 * KiB

    async def scenario():
        server = make_server(recorder)
        peer, conn = await one_connection(server, cap)
        sent = 0
        while conn.send_queue_length() == 0:  # fill the kernel's buffers, a little at a time
            assert conn.send_buf(block(sent, small)) == small
            sent += 1
            await asyncio.sleep(0)
        assert not conn.send_congested
        mark = len(recorder.take())
        assert conn.send_buf(b"x" * cap) == -1
        data = await asyncio.to_thread(read_exactly, peer, sent * small)
        assert data == b"".join(block(i, small) for i in range(sent))
        await until(lambda: "OnClientWrite" in [r.event for r in recorder.take()[mark:]])
        peer.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run_any(scenario())


def test_when_drained_calls_back_once_after_the_queue_drains(recorder, run_any):
    cap, chunk = 128 * KiB, 16 * KiB

    async def scenario():
        server = make_server(recorder)
        peer, conn = await one_connection(server, cap)
        sent = 0
        while not conn.send_congested:
            assert conn.send_buf(block(sent, chunk)) == chunk
            sent += 1
        calls = []
        conn.when_drained(calls.append, "first")
        conn.when_drained(calls.append, "first")  # the same callback again: still once
        conn.when_drained(calls.append, "second")
        for _ in range(20):
            await asyncio.sleep(0)
        assert calls == []  # nobody read: the queue is still congested
        data = await asyncio.to_thread(read_exactly, peer, sent * chunk)
        assert len(data) == sent * chunk
        await until(lambda: calls == ["first", "second"])
        conn.when_drained(calls.append, "not congested")  # runs on the next loop pass
        assert calls == ["first", "second"]
        await until(lambda: calls[-1] == "not congested")
        peer.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run_any(scenario())

"""Closing a server ends every thread and releases every descriptor."""

from __future__ import annotations

import os
import socket
import threading

from .conftest import make_server
from .test_thread_server import wait_until


def open_fds() -> set[int]:
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


def test_thread_server_releases_threads_and_descriptors(recorder):
    threads, fds = set(threading.enumerate()), open_fds()
    for _round in range(3):
        server = make_server(recorder, f"Server{_round}", threaded=True, thread_cache_size=2)
        server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
        server.open()
        socks = [socket.create_connection(("127.0.0.1", server.socket.local_port)) for _ in range(5)]
        for s in socks:
            s.sendall(b"x")
            assert s.recv(1) == b"x"
        socks[0].close()
        wait_until(lambda s=server: s.active_connections == 4)
        server.close()
        for s in socks[1:]:
            s.close()
    assert set(threading.enumerate()) == threads
    assert open_fds() == fds


def test_non_blocking_server_releases_descriptors(recorder, run):
    fds = open_fds()

    async def scenario():
        import asyncio

        server = make_server(recorder)
        server.open()
        pairs = [await asyncio.open_connection("127.0.0.1", server.socket.local_port) for _ in range(10)]
        while server.active_connections < 10:
            await asyncio.sleep(0.002)
        server.close()
        for _, writer in pairs:
            writer.close()
            await writer.wait_closed()
        await asyncio.sleep(0)  # let the transports finish closing

    run(scenario())
    assert open_fds() == fds

"""ServerSocket in stThreadBlocking mode: real threads, the thread cache, SocketStream."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from components import ServerClientThread, SocketError, SocketStream

from .conftest import make_server


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        pause.wait(0.002)


def talk(port: int, payload: bytes, expect: int | None = None) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        want = len(payload) if expect is None else expect
        got = b""
        while len(got) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def test_default_thread_echo_runs_handlers_on_worker_threads(recorder):
    server = make_server(recorder, threaded=True)
    handler_threads = []

    def echo(sender, conn):
        handler_threads.append(threading.current_thread().name)
        conn.send_buf(conn.receive_buf(-1))

    server.on_client_read = echo
    server.open()  # no asyncio loop needed in thread mode
    try:
        assert talk(server.socket.local_port, b"hello thread") == b"hello thread"
        wait_until(lambda: server.active_connections == 0)
    finally:
        server.close()
    assert handler_threads and all(n.startswith("ServerSocket1 client") for n in handler_threads)
    records = recorder.take()
    by_event = {r.event: r.thread for r in records}
    assert by_event["OnAccept"] == "ServerSocket1 accept"
    assert by_event["OnClientConnect"].startswith("ServerSocket1 client")


def test_thread_cache_reuses_threads_and_counts_them(recorder):
    server = make_server(recorder, threaded=True, thread_cache_size=2)
    starts, ends = [], []
    server.on_thread_start = lambda s, t: starts.append(t.name)
    server.on_thread_end = lambda s, t: ends.append(t.name)
    server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
    server.open()
    port = server.socket.local_port
    try:
        # three clients at once: three threads, only two of them kept in the cache
        socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        wait_until(lambda: server.active_threads == 3)
        assert server.idle_threads == 0 and server.active_connections == 3
        for s in socks:
            s.close()
        wait_until(lambda: server.active_connections == 0 and server.active_threads == 0)
        wait_until(lambda: len(ends) == 1)
        assert server.idle_threads == 2 and len(starts) == 3
        # the next clients reuse the cached threads: no new OnThreadStart
        assert talk(port, b"again") == b"again"
        assert talk(port, b"and again") == b"and again"
        wait_until(lambda: server.idle_threads == 2)
        assert len(starts) == 3
        assert recorder.events().count("ThreadReused") == 2
    finally:
        server.close()
    assert len(ends) == 3  # closing ends the cached threads too
    assert server.idle_threads == 0 and server.active_threads == 0


class UpperThread(ServerClientThread):
    """A custom client thread: reads with a SocketStream and answers in upper case."""

    def client_execute(self) -> None:
        stream = SocketStream(self.client_socket, 1000)
        while not self.terminated:
            if not stream.wait_for_data(200):
                continue
            data = stream.read(4096)
            if not data:
                return  # the peer closed
            stream.write(data.upper())


def test_on_get_thread_supplies_a_subclass(recorder):
    server = make_server(recorder, threaded=True)
    made = []

    def get_thread(sender, client_socket):
        thread = UpperThread(client_socket)
        made.append(thread)
        return thread

    server.on_get_thread = get_thread
    server.open()
    try:
        assert talk(server.socket.local_port, b"shout") == b"SHOUT"
        assert isinstance(made[0], UpperThread)
        assert made[0].server_socket is server.socket
    finally:
        server.close()


def test_close_ends_every_connection_and_thread(recorder):
    before = set(threading.enumerate())
    server = make_server(recorder, threaded=True)
    gone = []
    server.on_client_disconnect = lambda s, c: gone.append(threading.current_thread().name)
    server.open()
    socks = [socket.create_connection(("127.0.0.1", server.socket.local_port)) for _ in range(4)]
    wait_until(lambda: server.active_connections == 4)
    server.close()
    assert len(gone) == 4 and all(n.startswith("ServerSocket1 client") for n in gone)
    assert server.active_connections == 0 and server.socket.threads == []
    assert set(threading.enumerate()) == before
    for s in socks:
        s.settimeout(5)
        assert s.recv(10) == b""
        s.close()


def test_exception_in_client_execute_is_reported_and_thread_leaves_cache(recorder, reported):
    class Broken(ServerClientThread):
        def client_execute(self) -> None:
            raise ValueError("bad protocol state")

    server = make_server(recorder, threaded=True)
    server.on_get_thread = lambda s, c: Broken(c)
    ended = []
    server.on_thread_end = lambda s, t: ended.append(t)
    server.open()
    try:
        with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) as s:
            assert s.recv(10) == b""  # the server closed it
        wait_until(lambda: len(ended) == 1)
        assert server.idle_threads == 0
    finally:
        server.close()
    assert "ClientExecute handler raised ValueError: bad protocol state" in str(reported[0])


def test_peer_close_fires_disconnect_then_thread_returns_to_cache(recorder):
    server = make_server(recorder, threaded=True)
    server.open()
    try:
        with socket.create_connection(("127.0.0.1", server.socket.local_port)):
            wait_until(lambda: server.active_threads == 1)
        wait_until(lambda: server.idle_threads == 1 and server.active_connections == 0)
    finally:
        server.close()
    events = recorder.events()
    assert events.index("OnClientDisconnect") < events.index("OnThreadEnd")


def test_close_from_a_handler_on_the_worker_thread(recorder):
    server = make_server(recorder, threaded=True)
    server.on_client_read = lambda s, c: c.close()
    server.open()
    try:
        with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) as s:
            s.sendall(b"bye")
            assert s.recv(10) == b""
        wait_until(lambda: server.active_connections == 0)
    finally:
        server.close()


def test_close_a_connection_from_another_thread(recorder):
    server = make_server(recorder, threaded=True)
    server.open()
    try:
        with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) as s:
            wait_until(lambda: server.active_threads == 1)
            server.socket.connections[0].close()  # from the test's thread
            assert s.recv(10) == b""
        wait_until(lambda: server.active_connections == 0)
    finally:
        server.close()
    disconnect = [r for r in recorder.take() if r.event == "OnClientDisconnect"]
    assert disconnect[0].thread.startswith("ServerSocket1 client")


def test_thread_mode_address_in_use(recorder):
    first = make_server(recorder, "First", threaded=True)
    first.open()
    try:
        second = make_server(recorder, "Second", threaded=True, port=first.socket.local_port)
        with pytest.raises(SocketError, match="10048"):
            second.open()
    finally:
        first.close()


def test_shrinking_the_cache_ends_surplus_idle_threads(recorder):
    server = make_server(recorder, threaded=True, thread_cache_size=3)
    server.open()
    try:
        socks = [socket.create_connection(("127.0.0.1", server.socket.local_port)) for _ in range(3)]
        wait_until(lambda: server.active_threads == 3)
        for s in socks:
            s.close()
        wait_until(lambda: server.idle_threads == 3)
        server.thread_cache_size = 1
        wait_until(lambda: len(server.socket.threads) == 1)
        assert server.idle_threads == 1
    finally:
        server.close()


def connection_events(recorder, name: str = "ServerSocket1") -> list[str]:
    [records] = [r for i, r in recorder.by_connection(name).items() if i]
    return [r.event for r in records]


def test_a_connection_closed_by_on_get_socket_gets_no_thread(recorder):
    # it used to fire OnAccept after OnClientDisconnect and stay in Connections for good
    server = make_server(recorder, threaded=True)
    server.on_get_socket = lambda s, c: c.close()
    server.open()
    try:
        assert talk(server.socket.local_port, b"x", expect=1) == b""
        wait_until(lambda: "OnClientDisconnect" in recorder.events())
        assert server.socket.connections == [] and server.socket.threads == []
    finally:
        server.close()
    assert connection_events(recorder) == ["OnGetSocket", "OnClientDisconnect"]


def test_an_on_get_thread_handler_that_raises_starts_no_thread(recorder, reported):
    # the thread used to start anyway and fire OnThreadStart and OnClientConnect after
    # the connection's OnClientDisconnect
    def get_thread(sender, client_socket):
        raise LookupError("no thread for you")

    server = make_server(recorder, threaded=True)
    started = []
    server.on_get_thread = get_thread
    server.on_thread_start = lambda s, t: started.append(t)
    server.open()
    try:
        assert talk(server.socket.local_port, b"x", expect=1) == b""
        wait_until(lambda: "OnClientDisconnect" in recorder.events())
        assert server.socket.connections == [] and server.socket.threads == [] and started == []
    finally:
        server.close()
    assert connection_events(recorder) == ["OnGetSocket", "OnAccept", "OnGetThread", "HandlerError",
                                           "OnClientError", "OnClientDisconnect"]
    assert "OnGetThread handler raised LookupError" in str(reported[0])


def test_a_connection_closed_by_on_thread_start_is_not_served(recorder):
    # OnClientConnect and the default client_execute used to run on it anyway
    server = make_server(recorder, threaded=True)
    server.on_thread_start = lambda s, thread: thread.client_socket.close()
    server.on_client_connect = lambda s, c: c.send_text("hello")
    server.open()
    try:
        assert talk(server.socket.local_port, b"x", expect=5) == b""
        wait_until(lambda: server.active_threads == 0 and server.active_connections == 0)
    finally:
        server.close()
    events = connection_events(recorder)
    assert events[:5] == ["OnGetSocket", "OnAccept", "OnGetThread", "OnThreadStart", "OnClientDisconnect"]
    assert "OnClientConnect" not in events

"""The engine on its own thread (app.core.engine_thread): the channel, the order, the end.

Real components, real sockets on loopback, a real thread; no Qt."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.core.engine_thread import Close, Command, EngineThread, Open, Rename, SetHandler, SetProperty
from components import ClientSocket, ObserverStream, RecordBuffer, ServerSocket, SocketState


class Errors:
    def __init__(self) -> None:
        self.seen: list[tuple[Command, str]] = []
        self.lock = threading.Lock()

    def __call__(self, command: Command, message: str) -> None:
        with self.lock:
            self.seen.append((command, message))


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def echo(_sender, conn) -> None:
    conn.send_buf(conn.receive_buf())


@pytest.fixture
def engine():
    errors = Errors()
    thread = EngineThread(errors, name="engine")
    thread.start()
    yield thread, errors
    assert thread.stop()


def test_commands_apply_in_order_on_the_engine_thread(engine):
    thread, errors = engine
    stream = ObserverStream()
    records = RecordBuffer(stream)
    server = ServerSocket(name="Echo", observer=stream)
    opened = threading.Event()
    thread.send(SetProperty(server, "Address", "127.0.0.1"))
    thread.send(SetProperty(server, "Port", 0))
    thread.send(SetHandler(server, "OnClientRead", echo))
    thread.send(Rename(server, "Echoer"))
    thread.send(Open(server, done=lambda _c: opened.set()))
    assert opened.wait(5)
    assert server.state is SocketState.LISTENING
    port = thread.call(lambda: server.socket.local_port)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"ping")
        assert peer.recv(16) == b"ping"
    thread.send(Close(server))
    wait_for(lambda: server.state is SocketState.INACTIVE)
    reads = [r for r in records.drain() if r.event == "OnClientRead"]
    records.close()
    assert reads and {r.thread for r in reads} == {"engine"}
    assert {r.component for r in reads} == {"Echoer"}
    assert errors.seen == []


def test_a_failed_open_is_reported_and_the_thread_goes_on(engine):
    thread, errors = engine
    stream = ObserverStream()
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        taken = holder.getsockname()[1]
        clash = ServerSocket(name="Clash", observer=stream, address="127.0.0.1", port=taken)
        done = threading.Event()
        thread.send(Open(clash, done=lambda _c: done.set()))
        assert done.wait(5)
        assert len(errors.seen) == 1 and isinstance(errors.seen[0][0], Open)
        assert "Clash" in errors.seen[0][1] and not clash.active
        fine = ServerSocket(name="Fine", observer=stream, address="127.0.0.1", port=0)
        thread.send(Open(fine))
        assert thread.call(lambda: fine.state) is SocketState.LISTENING
    finally:
        holder.close()


def test_stop_closes_what_runs_and_leaves_nothing(engine):
    """Connections still open when the thread stops are closed with it, and their
    disconnect events fire; the autouse no_leaks fixture checks threads and sockets."""
    thread, _errors = engine
    stream = ObserverStream()
    records = RecordBuffer(stream)
    server = ServerSocket(name="Srv", observer=stream, address="127.0.0.1", port=0)
    client = ClientSocket(name="Cli", observer=stream, address="127.0.0.1")
    thread.send(Open(server))
    port = thread.call(lambda: server.socket.local_port)
    thread.send(SetProperty(client, "Port", port))
    thread.send(Open(client))
    wait_for(lambda: server.socket.active_connections == 1 and client.state is SocketState.CONNECTED)
    assert thread.stop()
    assert not thread.running
    assert not server.active and not client.active
    events = [r.event for r in records.drain()]
    records.close()
    assert "OnClientDisconnect" in events and "OnDisconnect" in events


def test_commands_after_stop_are_refused_with_a_message():
    errors = Errors()
    thread = EngineThread(errors)
    thread.start()
    assert thread.stop()
    comp = ServerSocket(name="Late", observer=ObserverStream())
    thread.send(Open(comp))
    assert errors.seen and "not running" in errors.seen[0][1]
    assert not comp.active


def test_many_commands_from_many_threads_keep_each_senders_order(engine):
    """Four GUI-side threads each rename a component 500 times: every component ends with
    its sender's last name (FIFO per sender), and every command was applied once."""
    thread, errors = engine
    comps = [ServerSocket(name=f"S{i}", observer=ObserverStream()) for i in range(4)]

    def rename_many(comp: ServerSocket, index: int) -> None:
        for n in range(500):
            thread.send(Rename(comp, f"S{index}_{n}"))

    senders = [threading.Thread(target=rename_many, args=(c, i)) for i, c in enumerate(comps)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    names = thread.call(lambda: [c.name for c in comps])
    assert names == [f"S{i}_499" for i in range(4)]
    assert errors.seen == []

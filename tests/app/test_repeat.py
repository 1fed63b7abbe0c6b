"""Repeat on real connections: the built-in action and Repeat itself, on every loop and on
thread-blocking servers. Counts are exact, every Send record names the message, a repeat
stops when the connection closes and leaves no timer, thread or registry entry behind."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from app.core.builtin_actions import make_handler, start_repeat
from app.core.file_access import FileAccess
from app.core.messages import Message, MessageList
from app.core.repeat import REPEATS
from components import ClientSocket, ServerSocket
from components.observer import CALLER_ERROR, SEND
from tests.components.conftest import LOOP_KINDS, make_server, run_on
from tests.components.test_client_socket import until

FILES = FileAccess(None, trusted=True)
CONNECT = ServerSocket.event_spec("OnClientConnect")
MESSAGES = MessageList([Message("poll", "text", "P{counter}\\n")])


def repeat_handler(argument: str):
    return make_handler("repeat", argument, CONNECT, FILES, messages=MESSAGES.find)


def no_repeat_timers(loop: asyncio.AbstractEventLoop) -> bool:
    scheduled = getattr(loop, "_scheduled", None)
    if scheduled is None:  # uvloop, qasync: no list to look into; the registry says it
        return True
    return not [h for h in scheduled if not h.cancelled()
                and getattr(h._callback, "__qualname__", "").startswith("Repeat.")]


async def read_lines(peer: socket.socket, count: int) -> list[bytes]:
    loop = asyncio.get_running_loop()
    data = b""
    while data.count(b"\n") < count:
        chunk = await asyncio.wait_for(loop.sock_recv(peer, 4096), 5)
        assert chunk, f"closed after {data!r}"
        data += chunk
    return data.split(b"\n")[:count]


def connect_to(server: ServerSocket) -> socket.socket:
    peer = socket.create_connection(("127.0.0.1", server.socket.local_port))
    peer.setblocking(False)
    return peer


@pytest.mark.parametrize("kind", LOOP_KINDS)
def test_repeat_action_sends_count_times_then_stops(recorder, kind):
    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = repeat_handler("poll, 2, 5")
        server.open()
        peer = connect_to(server)
        try:
            lines = await read_lines(peer, 5)
            assert lines == [b"P1", b"P2", b"P3", b"P4", b"P5"]
            await until(lambda: not REPEATS.running())
            await asyncio.sleep(0.02)  # nothing more comes
            with pytest.raises(BlockingIOError):
                peer.recv(10)
            assert no_repeat_timers(asyncio.get_running_loop())
        finally:
            peer.close()
            server.close()
        sends = [r for r in recorder.take() if r.event == SEND]
        assert [r.detail for r in sends] == [f"message 'poll' ({k} of 5)" for k in range(1, 6)]

    run_on(kind, scenario())


@pytest.mark.parametrize("kind", LOOP_KINDS)
def test_until_stopped_repeat_ends_when_the_peer_closes(recorder, kind):
    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = repeat_handler("poll, 1, 0")
        server.open()
        peer = connect_to(server)
        try:
            await read_lines(peer, 20)
            assert len(REPEATS.running()) == 1
        finally:
            peer.close()
        await until(lambda: not REPEATS.running())
        assert no_repeat_timers(asyncio.get_running_loop())
        server.close()
        errors = [r for r in recorder.take() if r.event == CALLER_ERROR]
        assert not errors  # a closed connection stops it without a word

    run_on(kind, scenario())


def test_repeat_stops_when_the_server_closes_the_connection(recorder, run):
    async def scenario():
        server = make_server(recorder)
        conns = []
        server.on_client_connect = lambda s, c: conns.append(c)
        server.open()
        peer = connect_to(server)
        try:
            await until(lambda: conns)
            repeat = start_repeat(conns[0], MESSAGES.find("poll"), 1000, 0)
            await read_lines(peer, 1)
            conns[0].close()
            assert not repeat.running
            assert repeat._handle is None
            assert no_repeat_timers(asyncio.get_running_loop())
        finally:
            peer.close()
            server.close()

    run(scenario())


def test_thread_blocking_repeat_runs_on_its_own_thread_and_ends_with_the_connection(recorder):
    server = make_server(recorder, threaded=True)
    server.on_client_connect = repeat_handler("poll, 1, 0")
    server.open()
    peer = socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5)
    try:
        data = b""
        while data.count(b"\n") < 10:
            data += peer.recv(4096)
        assert data.startswith(b"P1\nP2\nP3\n")
        running = REPEATS.running()
        assert len(running) == 1
        thread = running[0]._thread
        assert thread is not None and thread.name == "repeat poll"
    finally:
        peer.close()
    thread.join(5)
    assert not thread.is_alive()
    server.close()
    assert not REPEATS.running()
    assert not [t for t in threading.enumerate() if t.name.startswith("repeat ")]


def test_stop_from_another_thread(recorder, run):
    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = repeat_handler("poll, 1, 0")
        server.open()
        peer = connect_to(server)
        try:
            await read_lines(peer, 3)
            repeat = REPEATS.running()[0]
            threading.Thread(target=repeat.stop).start()
            await until(lambda: not repeat.running)
            assert no_repeat_timers(asyncio.get_running_loop())
        finally:
            peer.close()
            server.close()

    run(scenario())


def test_unknown_message_is_an_error_record_not_a_traceback(recorder, run):
    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = make_handler("repeat", "nothing, 5, 1", CONNECT, FILES, messages=MESSAGES.find)
        server.open()
        peer = connect_to(server)
        try:
            await until(lambda: any(r.event == CALLER_ERROR for r in recorder.take()))
        finally:
            peer.close()
            server.close()
        error = next(r for r in recorder.take() if r.event == CALLER_ERROR)
        assert "no saved message named 'nothing'" in error.error.message
        assert not REPEATS.running()

    run(scenario())


def test_client_read_shows_the_time_since_the_send(recorder, run):
    async def scenario():
        server = make_server(recorder)
        server.on_client_read = make_handler("echo", "", ServerSocket.event_spec("OnClientRead"), FILES)
        server.open()
        client = ClientSocket(name="ClientSocket1", observer=recorder.stream, address="127.0.0.1",
                              port=server.socket.local_port)
        recorder.expect("ClientSocket1", "client")
        client.open()
        try:
            await until(lambda: client.socket.connected)
            client.socket.send_labelled(b"hello", "message 'hi'")
            await until(lambda: "OnRead" in recorder.events("ClientSocket1"))
        finally:
            client.close()
            server.close()
        records = recorder.take()
        send = next(r for r in records if r.component == "ClientSocket1" and r.event == SEND)
        read = next(r for r in records if r.component == "ClientSocket1" and r.event == "OnRead")
        assert send.detail == "message 'hi'"
        assert read.detail.startswith("+") and read.detail.endswith(" ms")
        float(read.detail[1:-3])

    run(scenario())

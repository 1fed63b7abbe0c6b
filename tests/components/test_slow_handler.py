"""A handler that holds an event loop's thread too long gets one SlowHandler record, from
the engine, for any handler: plain engine-API callables as well as unit functions."""

from __future__ import annotations

import asyncio
import re
import socket
import time

from components.socket_component import SLOW_HANDLER_SECONDS

from .conftest import make_server
from .test_client_socket import client, closed_port, until

HOLD = SLOW_HANDLER_SECONDS * 2.5
SLOW = re.compile(r"(?P<who>.+) ran (?P<seconds>\d+\.\d\d) s on the event loop; everything else waited")


def slow_records(recorder, component: str = "ServerSocket1"):
    return [r for r in recorder.take() if r.event == "SlowHandler" and r.component == component]


def talk_once(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"x")
        return sock.recv(16)


def test_a_slow_read_handler_on_the_loop_is_reported(recorder, run_any):
    def ServerSocket1ClientRead(sender, conn):  # named as a unit names its handlers
        time.sleep(HOLD)  # everything else on the loop waits meanwhile
        conn.send_buf(conn.receive_buf(-1))

    async def scenario():
        server = make_server(recorder)
        server.on_client_read = ServerSocket1ClientRead
        server.on_client_connect = lambda s, c: None  # quick: no record
        server.open()
        assert await asyncio.to_thread(talk_once, server.socket.local_port) == b"x"
        conn_ids = [r.connection_id for r in recorder.take() if r.event == "OnClientRead"]
        await until(lambda: server.active_connections == 0)
        server.close()
        return conn_ids

    conn_ids = run_any(scenario())
    [record] = slow_records(recorder)
    match = SLOW.fullmatch(record.detail)
    assert match and match["who"] == "ServerSocket1ClientRead (OnClientRead)"
    assert float(match["seconds"]) >= HOLD - 0.01
    assert record.connection_id == conn_ids[0]


def test_an_unnamed_handler_is_reported_by_its_event(recorder, run):
    async def scenario():
        server = make_server(recorder)
        server.on_client_connect = lambda s, c: time.sleep(HOLD)
        server.open()
        with socket.create_connection(("127.0.0.1", server.socket.local_port)):
            await until(lambda: bool(slow_records(recorder)))
        await until(lambda: server.active_connections == 0)
        server.close()

    run(scenario())
    [record] = slow_records(recorder)
    assert SLOW.fullmatch(record.detail)["who"] == "OnClientConnect handler"


def test_a_slow_error_handler_is_reported(recorder, reported, run):
    def on_error(sender, conn, event, code):
        time.sleep(HOLD)
        return 0

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=closed_port())
        c.on_error = on_error
        c.open()
        await until(lambda: not c.active)

    run(scenario())
    [record] = slow_records(recorder, "ClientSocket1")
    assert SLOW.fullmatch(record.detail)["who"] == "on_error (OnError)"


def test_quick_handlers_and_worker_threads_are_not_reported(recorder, run):
    async def scenario():
        quick = make_server(recorder, "Quick")
        quick.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
        quick.open()
        # thread-blocking: handlers run on the connection's own thread and hold no loop
        threaded = make_server(recorder, "Threaded", threaded=True)
        threaded.on_client_read = lambda s, c: (time.sleep(HOLD), c.send_buf(c.receive_buf(-1)))
        threaded.open()
        try:
            for server in (quick, threaded):
                assert await asyncio.to_thread(talk_once, server.socket.local_port) == b"x"
                await until(lambda s=server: s.active_connections == 0)
        finally:
            quick.close()
            threaded.close()

    run(scenario())
    assert [r for r in recorder.take() if r.event == "SlowHandler"] == []
    assert [r.thread for r in recorder.take() if r.event == "OnClientRead" and r.component == "Threaded"]


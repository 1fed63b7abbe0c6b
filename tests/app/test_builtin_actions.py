"""Built-in actions never lose bytes silently: Echo back waits for a congested send
queue instead of dropping, and a reply or a file that cannot be queued leaves an Error
record that says how many bytes and why. Real sockets, real loops, real threads."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import socket

import pytest

from app.core.builtin_actions import make_handler, reply_rules
from app.core.file_access import FileAccess
from app.core.rules import Rule
from components import ServerSocket
from components.connection import RECEIVE_HIGH_WATER, SEND_BUFFER_CAP
from components.enums import ErrorEvent
from tests.components.conftest import LOOP_KINDS, Recorder, make_server, run_on
from tests.components.test_client_socket import until
from tests.components.test_data_integrity import Receiver, Sender
from tests.components.test_send_queue import SMALL_KERNEL_BUFFER, read_exactly, slow_peer

MiB = 1024 * 1024
KiB = 1024
READ = ServerSocket.event_spec("OnClientRead")
FILES = FileAccess(None, trusted=True)  # echo and replies open no file


def shrink_server_side(conn) -> None:
    sock = conn.sock if hasattr(conn, "sock") else conn.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_KERNEL_BUFFER)


async def stalled(progress, done, polls: int = 6) -> None:
    """Wait until ``progress()`` has stopped moving (the same over ``polls`` looks 50 ms
    apart) or ``done()``: how a peer tells that the other side stopped taking bytes."""
    last, still = -1, 0
    while still < polls and not done():
        await asyncio.sleep(0.05)
        now = progress()
        still = still + 1 if now == last else 0
        last = now


def echo_scenario(recorder: Recorder, threaded: bool, total: int, cap: int | None):
    """A peer sends ``total`` bytes to an Echo back server and reads nothing until the
    server has stopped taking them; then it reads everything."""
    async def scenario():
        server = make_server(recorder, threaded=threaded)
        server.on_client_read = make_handler("echo", "", READ, FILES)
        most = [0]
        live = []

        def connected(sender, conn):
            live.append(conn)
            if cap is not None:
                conn.send_buffer_cap = cap
                shrink_server_side(conn)

        def watch(record):  # right after each write: the queue at its fullest
            if record.event == "Send" and live:
                most[0] = max(most[0], live[0].send_queue_length())

        server.on_client_connect = connected
        unsubscribe = recorder.stream.subscribe(watch)
        server.open()
        sock = slow_peer(server.socket.local_port) if cap is not None else socket.create_connection(
            ("127.0.0.1", server.socket.local_port))
        sender = Sender(sock, total)
        sender.start()
        await until(lambda: live)
        conn = live[0]
        if threaded:
            await stalled(lambda: sender.sent, lambda: sender.sent == total)
        else:  # the engine stopped reading: the echo left the bytes where they were
            await until(lambda: conn.receive_length() >= RECEIVE_HIGH_WATER or sender.sent == total,
                        timeout=60)
            assert conn.send_congested
        paused_at = sender.sent
        receiver = Receiver(sock)
        receiver.start()
        await asyncio.to_thread(sender.join, 120)
        await asyncio.to_thread(receiver.join, 120)
        sock.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        unsubscribe()
        return sender, receiver, most[0], paused_at

    return scenario()


@pytest.mark.parametrize("kind", [*LOOP_KINDS, "threads"])
def test_echo_back_loses_nothing_when_the_peer_reads_nothing_for_a_while(recorder, kind):
    total, cap = 24 * MiB, 64 * KiB
    threaded = kind == "threads"
    sender, receiver, most, paused_at = run_on("asyncio" if threaded else kind,
                                               echo_scenario(recorder, threaded, total, cap))
    assert sender.error is None and receiver.error is None
    assert receiver.received == total, f"{total - receiver.received} bytes lost"
    assert paused_at < total  # the peer's sender really stalled before anything was read
    assert receiver.digest.hexdigest() == sender.digest.hexdigest()
    assert most <= cap
    assert not [r for r in recorder.take() if r.error is not None]


@pytest.mark.slow
def test_echo_back_at_the_default_cap_keeps_every_byte(recorder):
    """The case that lost 444 MiB: far more than the 64 MiB cap, nobody reading."""
    total = 320 * MiB
    sender, receiver, most, paused_at = run_on("asyncio", echo_scenario(recorder, False, total, None))
    assert receiver.received == total, f"{total - receiver.received} bytes lost"
    assert paused_at < total
    assert receiver.digest.hexdigest() == sender.digest.hexdigest()
    assert most <= SEND_BUFFER_CAP


def not_sent_records(recorder: Recorder) -> list:
    return [r for r in recorder.take() if r.event == "Error" and r.error is not None
            and r.error.event is ErrorEvent.SEND]


def test_a_reply_the_full_queue_refuses_is_reported(recorder, run):
    reply = bytes(range(256)) * 256  # 64 KiB
    cap = 100 * KiB

    async def scenario():
        server = make_server(recorder)
        server.on_client_read = make_handler("reply_hex", reply.hex(" "), READ, FILES)
        live = []

        def connected(sender, conn):
            conn.send_buffer_cap = cap
            shrink_server_side(conn)
            live.append(conn)

        server.on_client_connect = connected
        server.open()
        peer = slow_peer(server.socket.local_port)
        await until(lambda: live)
        asked = 0
        while not not_sent_records(recorder):  # ask again and again, reading nothing
            assert asked < 400, f"{asked} replies of {len(reply)} bytes queued, none reported as not sent"
            peer.sendall(b"?")
            asked += 1
            await until(lambda n=asked: live[0].bytes_in == n)
        queued = live[0].bytes_out
        data = await asyncio.to_thread(read_exactly, peer, queued)
        peer.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        return data, asked, queued

    data, asked, queued = run(scenario())
    [record] = not_sent_records(recorder)
    assert record.component == "ServerSocket1" and record.connection_id > 0
    assert (record.error.errno, record.error.code) == (errno.EWOULDBLOCK, 10035)
    assert record.error.message.startswith("Reply with hex: 65,536 bytes not sent: the send queue holds ")
    assert record.error.message.endswith(f"its cap (send_buffer_cap) is {cap:,}")
    # what was queued arrived whole: every reply but the refused one
    assert queued == (asked - 1) * len(reply) and data == reply * (asked - 1)


def test_a_second_file_while_one_is_being_sent_is_reported(recorder, run, tmp_path):
    path = tmp_path / "big.bin"
    payload = hashlib.shake_256(b"file").digest(8 * MiB)
    path.write_bytes(payload)

    async def scenario():
        server = make_server(recorder)
        server.on_client_read = make_handler("send_file", path.name, READ, FileAccess.for_form(path, False, "trust it"))
        server.on_client_connect = lambda s, conn: shrink_server_side(conn)
        server.open()
        peer = slow_peer(server.socket.local_port)
        peer.sendall(b"1")  # starts the file; the peer reads nothing yet
        await until(lambda: server.active_connections == 1 and server.socket.connections[0].bytes_in == 1)
        peer.sendall(b"2")  # asks again while the first is still going out
        await until(lambda: bool(not_sent_records(recorder)))
        data = await asyncio.to_thread(read_exactly, peer, len(payload))
        peer.shutdown(socket.SHUT_WR)
        rest = await asyncio.to_thread(read_exactly, peer, 1)  # nothing more: EOF
        peer.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        return data, rest

    data, rest = run(scenario())
    assert data == payload and rest == b""
    [record] = not_sent_records(recorder)
    assert (record.error.errno, record.error.code) == (errno.EALREADY, 10037)
    assert record.error.message == (f"Send file: {len(payload):,} bytes not sent: another file is still "
                                    "being sent on this connection")


def rule_details(recorder: Recorder) -> list[str]:
    return [r.detail for r in recorder.take() if r.event == "Rule"]


@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
@pytest.mark.parametrize("closer", ["peer", "server"])
def test_a_delayed_reply_is_cancelled_when_its_connection_closes(recorder, threaded, closer):
    """A rule with delay_ms of a minute: the connection closes after a few ms, and at once the
    log says the reply was not sent; no timer of it is left on the loop, nothing reaches the peer."""
    slow = reply_rules([Rule(match="any", reply="late", delay_ms=60_000, name="slow")])

    async def scenario():
        loop = asyncio.get_running_loop()
        server = make_server(recorder, threaded=threaded)
        server.on_client_read = slow
        server.open()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.local_port)
        try:
            writer.write(b"ask")
            await until(lambda: any("answers in 60000 ms" in d for d in rule_details(recorder)))
            started = loop.time()
            if closer == "peer":
                writer.close()
            else:
                server.socket.connections[0].close()
                assert await asyncio.wait_for(reader.read(), 5) == b""  # the end, and no reply
            await until(lambda: any("not sent" in d for d in rule_details(recorder)))
            assert loop.time() - started < 5  # not when the minute is up
            await until(lambda: server.active_connections == 0)
            if not threaded:
                timers = [h for h in loop._scheduled if not h.cancelled()]
                assert not any("fire" in repr(h) for h in timers), timers
        finally:
            writer.close()
            server.close()

    run_on("asyncio", scenario())
    assert [d for d in rule_details(recorder) if "not sent" in d] == [
        "rule 1 'slow': not sent, the connection closed before the delay ended"]

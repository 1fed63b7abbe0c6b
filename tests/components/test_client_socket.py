"""ClientSocket on real loopback sockets: event order, precedence, locking, errors."""

from __future__ import annotations

import asyncio
import errno
import socket
import threading

import pytest

from components import ClientSocket, ClientType, ErrorEvent, SocketError, SocketStream
from components.enums import SocketState

from .conftest import make_server


def listening_socket() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def closed_port() -> int:
    """A loopback port with nothing listening (bound, never listened, then freed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def until(predicate, timeout: float = 5.0) -> None:
    """Wait on the loop until ``predicate()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.002)


async def accept(listener: socket.socket) -> socket.socket:
    listener.setblocking(False)
    peer, _ = await asyncio.get_running_loop().sock_accept(listener)
    peer.setblocking(True)
    return peer


def client(recorder, name="ClientSocket1", grammar="client", **props) -> ClientSocket:
    recorder.expect(name, grammar)
    return ClientSocket(name=name, observer=recorder.stream, **props)


def test_open_talk_close_event_order(recorder, run_any):
    async def scenario():
        server = make_server(recorder)
        server.on_client_read = lambda s, c: c.send_text(c.receive_text().upper())
        server.open()
        replies = []
        c = client(recorder, address="127.0.0.1", port=server.socket.local_port)
        c.on_connect = lambda s, sock: sock.send_text("hello")
        c.on_read = lambda s, sock: replies.append(sock.receive_text())
        c.open()
        assert c.active and c.state is SocketState.LOOKUP
        await until(lambda: replies)
        assert replies == ["HELLO"]
        assert c.remote_port == server.socket.local_port and c.local_port > 0
        assert c.socket.remote_address == "127.0.0.1"
        c.active = False
        assert not c.active and not c.socket.connected
        await until(lambda: server.socket.active_connections == 0)
        server.close()

    run_any(scenario())
    assert recorder.events("ClientSocket1") == [
        "OnLookup", "OnConnecting", "OnConnect", "Send", "OnWrite", "OnRead", "OnDisconnect"]


def test_refused_connect_fires_on_error_with_10061_naming_the_target(recorder, reported, run):
    seen = []
    port = closed_port()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=port)
        c.on_error = lambda s, sock, event, code: seen.append((event, code))
        c.open()
        await until(lambda: c.state is SocketState.ERROR)

    run(scenario())
    assert seen == [(ErrorEvent.CONNECT, 10061)]
    [record] = [r for r in recorder.take() if r.error]
    assert (record.error.errno, record.error.errno_name, record.error.code) == (
        errno.ECONNREFUSED, "ECONNREFUSED", 10061)
    assert record.error.message == f"Connection refused, connecting to 127.0.0.1:{port}"
    assert [str(e) for e in reported] == [
        f"ClientSocket1: Socket error 10061 (ECONNREFUSED): Connection refused, connecting to 127.0.0.1:{port}"]
    assert recorder.events() == ["OnLookup", "OnConnecting", "OnError", "OnDisconnect"]


def test_error_code_zero_suppresses_and_other_codes_replace(recorder, reported, run):
    async def scenario(result):
        c = client(recorder, name=f"C{result}", address="127.0.0.1", port=closed_port())
        c.on_error = lambda *args: result
        c.open()
        await until(lambda: not c.active)
        return c.state

    assert run(scenario(0)) is SocketState.INACTIVE
    assert reported == []
    assert run(scenario(12345)) is SocketState.ERROR
    assert [e.code for e in reported] == [12345]


def test_unknown_host_fires_lookup_error(recorder, reported, run):
    seen = []

    async def scenario():
        c = client(recorder, host="no-such-host.invalid", port=80)
        c.on_error = lambda s, sock, event, code: seen.append((event, code))
        c.open()
        await until(lambda: not c.active, timeout=30)

    run(scenario())
    assert seen == [(ErrorEvent.LOOKUP, 11001)]
    assert recorder.events() == ["OnLookup", "OnError", "OnDisconnect"]
    assert "11001" in str(reported[0])
    assert str(reported[0]).endswith(", looking up no-such-host.invalid")
    [record] = [r for r in recorder.take() if r.error]
    assert record.error.message.endswith(", looking up no-such-host.invalid")


@pytest.mark.parametrize("props, message", [
    ({}, "No address specified"),
    ({"address": "127.0.0.1", "service": "no-such-service"}, "unknown service"),
])
def test_missing_address_or_unknown_service(recorder, reported, run, props, message):
    async def scenario():
        c = client(recorder, **props)
        c.open()
        await until(lambda: not c.active)

    run(scenario())
    assert message in str(reported[0])
    assert recorder.events() == ["OnLookup", "OnError", "OnDisconnect"]


def test_host_beats_address_and_service_beats_port(recorder, run, monkeypatch):
    listener = listening_socket()
    port = listener.getsockname()[1]
    monkeypatch.setattr("components.addressing.BUILTIN_SERVICES", {"wb-test": port})

    async def scenario():
        c = client(recorder, host="localhost", address="192.0.2.1", service="wb-test",
                   port=closed_port())
        c.open()
        await until(lambda: c.socket.connected)
        assert c.remote_port == port
        assert c.remote_address in ("127.0.0.1", "::1")
        c.close()

    try:
        run(scenario())
    finally:
        listener.close()


def test_locked_properties_while_active(recorder, run):
    listener = listening_socket()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.open()
        for name, value in [("Host", "localhost"), ("Address", "127.0.0.2"), ("Port", 1),
                            ("Service", "http"), ("ClientType", "ctBlocking")]:
            with pytest.raises(SocketError, match="Can't change value while socket is active"):
                c.set_property(name, value)
        c.tag = 7  # not locked
        await until(lambda: c.socket.connected)
        assert c.port == listener.getsockname()[1]
        c.close()
        c.port = 1  # unlocked again
        assert c.port == 1

    try:
        run(scenario())
    finally:
        listener.close()


def test_opening_without_a_running_loop_raises_clearly(recorder):
    c = client(recorder, address="127.0.0.1", port=1)
    with pytest.raises(SocketError, match="needs a running asyncio loop"):
        c.open()
    assert not c.active
    recorder.grammars.clear()  # nothing was opened, nothing to check


def test_active_false_cancels_a_pending_connect(recorder, reported, run):
    # a listener whose backlog is full never completes the handshake, so the
    # connect stays pending until we give up on it
    async def scenario():
        c = client(recorder, host="localhost", port=9)
        c.open()
        assert c.state is SocketState.LOOKUP
        c.active = False
        assert c.state is SocketState.INACTIVE
        await asyncio.sleep(0.05)  # let the cancelled task unwind

    run(scenario())
    assert recorder.events() == ["OnLookup", "OnDisconnect"]
    assert reported == []


def test_peer_close_delivers_last_data_before_disconnect(recorder, run):
    listener = listening_socket()
    received = []

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.on_read = lambda s, sock: received.append(sock.receive_buf(-1))
        c.on_disconnect = lambda s, sock: received.append(("left", sock.receive_length()))
        c.open()
        peer = await accept(listener)
        peer.sendall(b"last words")
        peer.close()
        await until(lambda: not c.active)

    try:
        run(scenario())
    finally:
        listener.close()
    assert b"".join(x for x in received if isinstance(x, bytes)) == b"last words"
    assert received[-1] == ("left", 0)


def test_peer_reset_fires_on_error_then_disconnect(recorder, reported, run):
    listener = listening_socket()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.open()
        peer = await accept(listener)
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        peer.close()  # RST
        await until(lambda: not c.active)

    try:
        run(scenario())
    finally:
        listener.close()
    tokens = [(r.event, r.error.code if r.error else None) for r in recorder.take()]
    assert tokens[-2:] == [("OnError", 10054), ("OnDisconnect", None)]
    assert reported[0].info.event is ErrorEvent.DISCONNECT


def test_handler_exception_becomes_a_connection_error(recorder, reported, run):
    listener = listening_socket()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.on_read = lambda s, sock: 1 / 0
        c.open()
        peer = await accept(listener)
        peer.sendall(b"x")
        await until(lambda: not c.active)
        peer.close()

    try:
        run(scenario())
    finally:
        listener.close()
    events = recorder.events()
    assert events[-4:] == ["OnRead", "HandlerError", "OnError", "OnDisconnect"]
    error = next(r for r in recorder.take() if r.event == "HandlerError")
    assert "ZeroDivisionError" in error.detail and "Traceback" in error.detail
    assert "OnRead handler raised ZeroDivisionError" in str(reported[0])


def test_handler_exception_suppressed_keeps_the_connection(recorder, reported, run):
    listener = listening_socket()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.on_read = lambda s, sock: sock.receive_text() + 1  # TypeError
        c.on_error = lambda s, sock, event, code: 0
        c.open()
        peer = await accept(listener)
        peer.sendall(b"x")
        await until(lambda: "OnError" in recorder.events())
        assert c.socket.connected
        c.close()
        peer.close()

    try:
        run(scenario())
    finally:
        listener.close()
    assert reported == []


def test_error_handler_that_raises_is_reported_not_fatal(recorder, reported, run):
    async def scenario():
        c = client(recorder, address="127.0.0.1", port=closed_port())
        c.on_error = lambda *args: {}["missing"]
        c.open()
        await until(lambda: not c.active)

    run(scenario())
    assert [e.code for e in reported] == [10061]
    assert "HandlerError" in recorder.events()


# -- blocking client ----------------------------------------------------------

def test_blocking_client_connects_on_the_callers_thread(recorder):
    listener = listening_socket()
    threads = []
    c = client(recorder, grammar="blocking_client", address="127.0.0.1", port=listener.getsockname()[1],
               client_type=ClientType.BLOCKING)
    c.on_connect = lambda s, sock: threads.append(threading.current_thread())
    c.open()  # no loop needed
    try:
        assert c.socket.connected and threads == [threading.current_thread()]
        peer, _ = listener.accept()
        stream = SocketStream(c.socket, 2000)
        assert stream.write(b"ping") == 4
        assert peer.recv(4) == b"ping"
        assert stream.read(10) == b"" or True  # nothing sent yet: a timeout returns b""
        peer.sendall(b"pong")
        assert stream.wait_for_data(2000)
        assert stream.read(10) == b"pong"
        peer.close()
        assert stream.wait_for_data(2000)
        assert stream.read(10) == b""  # readable + empty read: the peer closed
        c.close()
    finally:
        listener.close()
    assert recorder.events() == ["OnLookup", "OnConnecting", "OnConnect", "Send", "Receive",
                                 "OnDisconnect"]


def test_socket_stream_read_times_out_with_empty_bytes(recorder):
    listener = listening_socket()
    c = client(recorder, grammar="blocking_client", address="127.0.0.1", port=listener.getsockname()[1],
               client_type=ClientType.BLOCKING)
    c.open()
    peer, _ = listener.accept()
    try:
        stream = SocketStream(c.socket, 50)
        assert not stream.wait_for_data(50)
        assert stream.read(10) == b""
        assert c.socket.connected
    finally:
        c.close()
        peer.close()
        listener.close()


def test_blocking_refused_raises_to_the_caller_after_the_events(recorder, reported):
    port = closed_port()
    c = client(recorder, grammar="blocking_client", address="127.0.0.1", port=port,
               client_type=ClientType.BLOCKING)
    with pytest.raises(SocketError, match="10061") as info:
        c.open()
    assert info.value.info.errno == errno.ECONNREFUSED
    assert str(info.value).endswith(f"Connection refused, connecting to 127.0.0.1:{port}")
    assert not c.active and c.state is SocketState.ERROR
    assert recorder.events() == ["OnLookup", "OnConnecting", "OnError", "OnDisconnect"]
    assert reported == []  # raised to the caller instead


def test_blocking_refused_suppressed_does_not_raise(recorder):
    c = client(recorder, grammar="blocking_client", address="127.0.0.1", port=closed_port(),
               client_type=ClientType.BLOCKING)
    c.on_error = lambda *args: 0
    c.open()
    assert not c.active


def test_socket_stream_needs_a_blocking_connection(recorder, run):
    listener = listening_socket()

    async def scenario():
        c = client(recorder, address="127.0.0.1", port=listener.getsockname()[1])
        c.open()
        await until(lambda: c.socket.connected)
        with pytest.raises(SocketError, match="Socket must be in blocking mode"):
            SocketStream(c.socket, 100)
        c.close()

    try:
        run(scenario())
    finally:
        listener.close()


def test_never_opened_client_socket_is_harmless():
    c = ClientSocket(name="Idle")
    assert c.socket.send_text("x") == 0
    assert c.socket.receive_text() == ""
    assert c.remote_port == 0 and c.local_port == 0 and c.local_address == ""
    c.close()
    c.socket.close()


def test_services_fall_back_to_the_built_in_table(monkeypatch):
    from components import addressing

    def no_database(name, proto):
        raise OSError("no services database")

    monkeypatch.setattr(addressing.socket, "getservbyname", no_database)
    assert addressing.lookup_service("http") == 80
    assert addressing.lookup_service("ECHO") == 7
    assert addressing.lookup_service("8080") == 8080
    with pytest.raises(KeyError, match="unknown service 'gopherish'"):
        addressing.lookup_service("gopherish")
    assert "http" in addressing.known_services()


def test_a_blocking_open_closed_by_its_on_lookup_handler_goes_no_further(recorder):
    # it used to connect anyway, firing OnConnecting and OnConnect after OnDisconnect
    with listening_socket() as peer:
        c = client(recorder, grammar="blocking_client", address="127.0.0.1", port=peer.getsockname()[1],
                   client_type=ClientType.BLOCKING)
        c.on_lookup = lambda sender, sock: sender.close()
        c.open()
        assert recorder.events("ClientSocket1") == ["OnLookup", "OnDisconnect"]
        assert c.state is SocketState.INACTIVE and not c.active and not c.socket.connected
        peer.setblocking(False)
        with pytest.raises(BlockingIOError):
            peer.accept()  # nobody connected

"""ServerSocket in stNonBlocking mode on real loopback sockets."""

from __future__ import annotations

import asyncio
import socket

import pytest

from components import ClientSocket, ServerSocket, SocketError
from components.enums import SocketState

from .conftest import make_server
from .test_client_socket import until


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


def test_listen_accept_read_close_order(recorder, run_any):
    async def scenario():
        server = make_server(recorder)
        server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
        server.open()
        assert server.state is SocketState.LISTENING and server.active
        reader, writer = await connect(server.socket.local_port)
        writer.write(b"ping")
        assert await reader.readexactly(4) == b"ping"
        assert server.active_connections == 1
        writer.close()
        await writer.wait_closed()
        await until(lambda: server.active_connections == 0)
        server.close()
        assert not server.active and server.state is SocketState.INACTIVE

    run_any(scenario())
    [conn_id] = [i for i in recorder.by_connection("ServerSocket1") if i]
    assert recorder.events(connection_id=conn_id) == [
        "OnGetSocket", "OnAccept", "OnClientConnect", "OnClientWrite", "OnClientRead", "Send",
        "OnClientDisconnect"]
    assert recorder.events(connection_id=0) == ["OnListen", "Close"]


def test_closing_the_server_disconnects_every_client(recorder, run):
    async def scenario():
        server = make_server(recorder)
        gone = []
        server.on_client_disconnect = lambda s, c: gone.append(c.id)
        server.open()
        pairs = [await connect(server.socket.local_port) for _ in range(5)]
        await until(lambda: server.active_connections == 5)
        ids = [c.id for c in server.socket.connections]
        server.close()
        assert sorted(gone) == sorted(ids)
        assert server.socket.connections == []
        for reader, writer in pairs:
            assert await asyncio.wait_for(reader.read(), 5) == b""  # the client sees EOF
            writer.close()

    run(scenario())


def test_address_in_use_raises_to_the_caller(recorder, run):
    async def scenario():
        first = make_server(recorder, "First")
        first.open()
        second = make_server(recorder, "Second", port=first.socket.local_port)
        with pytest.raises(SocketError, match="10048") as info:
            second.active = True
        assert info.value.info.errno_name == "EADDRINUSE"
        assert str(info.value).endswith(f"Address already in use, binding 127.0.0.1:{first.socket.local_port}")
        assert not second.active
        first.close()
        return first.socket.local_port

    port = run(scenario())
    [record] = [r for r in recorder.take() if r.component == "Second"]
    assert record.event == "Error" and record.error.code == 10048
    assert record.error.message == f"Address already in use, binding 127.0.0.1:{port}"


def test_unknown_service_raises_to_the_caller(recorder, run):
    async def scenario():
        server = make_server(recorder, service="no-such-service")
        with pytest.raises(SocketError, match="unknown service 'no-such-service'"):
            server.open()

    run(scenario())


def test_service_beats_port_for_servers(recorder, run, monkeypatch):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setattr("components.addressing.BUILTIN_SERVICES", {"wb-test": port})

    async def scenario():
        server = make_server(recorder, service="wb-test", port=1)
        server.open()
        assert server.socket.local_port == port
        with pytest.raises(SocketError, match="Can't change value while socket is active"):
            server.service = "http"
        with pytest.raises(SocketError, match="Can't change value while socket is active"):
            server.set_property("ServerType", "stThreadBlocking")
        server.close()

    run(scenario())


def test_reset_peer_reports_and_leaves_connections(recorder, reported, run):
    async def scenario():
        server = make_server(recorder)
        server.open()
        s = socket.create_connection(("127.0.0.1", server.socket.local_port))
        await until(lambda: server.active_connections == 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run(scenario())
    errors = [r for r in recorder.take() if r.error]
    assert [(r.event, str(r.error.event), r.error.code) for r in errors] == [
        ("OnClientError", "eeDisconnect", 10054)]
    assert len(reported) == 1


def test_client_read_handler_that_raises_closes_only_that_connection(recorder, reported, run):
    async def scenario():
        server = make_server(recorder)

        def handler(sender, conn):
            if conn.receive_text() == "boom":
                raise RuntimeError("handler bug")
            conn.send_text("ok")

        server.on_client_read = handler
        server.open()
        good_r, good_w = await connect(server.socket.local_port)
        bad_r, bad_w = await connect(server.socket.local_port)
        bad_w.write(b"boom")
        assert await asyncio.wait_for(bad_r.read(), 5) == b""  # closed by the server
        good_w.write(b"fine")
        assert await good_r.readexactly(2) == b"ok"
        assert server.active_connections == 1
        for w in (good_w, bad_w):
            w.close()
        server.close()

    run(scenario())
    assert "OnClientRead handler raised RuntimeError: handler bug" in str(reported[0])


def test_client_and_server_components_talk(recorder, run_any):
    async def scenario():
        server = make_server(recorder)
        server.on_client_read = lambda s, c: c.send_text(f"echo:{c.receive_text()}")
        server.open()
        recorder.expect("ClientSocket1", "client")
        got = asyncio.get_running_loop().create_future()
        client = ClientSocket(name="ClientSocket1", address="127.0.0.1", port=server.socket.local_port,
                              observer=recorder.stream)
        client.on_connect = lambda s, c: c.send_text("hi")
        client.on_read = lambda s, c: got.set_result(c.receive_text())
        client.open()
        assert await asyncio.wait_for(got, 5) == "echo:hi"
        server.close()  # the client sees the server go away
        await until(lambda: not client.active)

    run_any(scenario())


def test_ipv6_loopback(recorder, run):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")

    async def scenario():
        server = ServerSocket(name="V6", address="::1", port=0, observer=recorder.stream)
        recorder.expect("V6", "server_connection")
        try:
            server.open()
        except SocketError as exc:
            pytest.skip(f"::1 not available: {exc}")
        _reader, writer = await asyncio.open_connection("::1", server.socket.local_port)
        await until(lambda: server.active_connections == 1)
        assert server.socket.connections[0].remote_address == "::1"
        assert server.socket.connections[0].peer.startswith("[::1]:")
        writer.close()
        server.close()

    run(scenario())


def test_server_needs_a_running_loop_in_non_blocking_mode(recorder):
    server = ServerSocket(name="S", port=0, address="127.0.0.1")
    with pytest.raises(SocketError, match="needs a running asyncio loop"):
        server.open()
    assert not server.active


def ipv6_loopback_missing() -> str:
    """Why this machine can't test ::1, or "" when it can."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError as exc:
        return f"no IPv6 loopback on this machine ({exc.strerror})"
    return ""


def greet_once(port: int, host: str) -> bytes:
    with socket.create_connection((host, port), timeout=5) as sock:
        return sock.recv(16)


@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
def test_empty_address_listens_on_every_interface_ipv4_and_ipv6(recorder, run_any, threaded):
    async def scenario():
        server = make_server(recorder, address="", threaded=threaded)
        peers = []

        def greet(sender, conn):
            peers.append(conn.remote_address)
            conn.send_buf(b"hi")

        server.on_client_connect = greet
        server.open()
        port = server.socket.local_port
        try:
            assert await asyncio.to_thread(greet_once, port, "127.0.0.1") == b"hi"
            missing = ipv6_loopback_missing()
            if not missing:
                assert await asyncio.to_thread(greet_once, port, "::1") == b"hi"
            await until(lambda: server.active_connections == 0)
        finally:
            server.close()
        return port, peers, missing

    port, peers, missing = run_any(scenario())
    [listen] = [r for r in recorder.take() if r.event == "OnListen"]
    assert listen.detail == f"listening on all interfaces, port {port}"
    # an IPv4 peer of the dual-stack listener reads as plain IPv4, not ::ffff:127.0.0.1
    assert peers == ["127.0.0.1"] + ([] if missing else ["::1"])
    if missing:
        pytest.skip(f"reached over IPv4 only; the ::1 half needs an IPv6 loopback: {missing}")


def test_a_bind_failure_on_every_interface_names_the_port(recorder, run):
    async def scenario():
        first = make_server(recorder, "First", address="")
        first.open()
        port = first.socket.local_port
        second = make_server(recorder, "Second", address="", port=port)
        try:
            with pytest.raises(SocketError, match="10048") as info:
                second.open()
        finally:
            first.close()
        return port, info.value

    port, error = run(scenario())
    assert str(error).endswith(f"Address already in use, binding all interfaces, port {port}")


def test_reopening_at_once_on_the_same_port_always_succeeds(recorder, run_any):
    """Close is final at once: the listening socket is closed before close() returns,
    however early, so the next open() can bind the same fixed port."""
    async def scenario():
        server = make_server(recorder)
        server.open()
        port = server.socket.local_port
        server.close()
        server.port = port
        for _ in range(25):
            server.open()  # no loop pass between these: the listener is brand new
            assert server.socket.local_port == port
            server.close()
        server.open()
        server.on_client_connect = lambda s, c: c.send_buf(b"hi")
        try:
            assert await asyncio.to_thread(greet_once, port, "127.0.0.1") == b"hi"
            await until(lambda: server.active_connections == 0)
        finally:
            server.close()
        # and nothing of the 26 listeners is still bound
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, not a listener
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        finally:
            probe.close()

    run_any(scenario())
    assert recorder.events(connection_id=0).count("OnListen") == 27


def test_a_connection_closed_by_on_get_socket_is_never_accepted(recorder, run):
    # it used to fire OnAccept after OnClientDisconnect and stay in Connections for good
    async def scenario():
        server = make_server(recorder)
        server.on_get_socket = lambda s, c: c.close()
        accepted = []
        server.on_accept = lambda s, c: accepted.append(c)
        server.open()
        reader, writer = await connect(server.socket.local_port)
        assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed it
        writer.close()
        await writer.wait_closed()
        assert accepted == [] and server.socket.connections == [] and server.active_connections == 0
        server.close()

    run(scenario())
    [conn_id] = [i for i in recorder.by_connection("ServerSocket1") if i]
    assert recorder.events(connection_id=conn_id) == ["OnGetSocket", "OnClientDisconnect"]


def test_a_storm_of_connects_is_fully_accepted(recorder, run_any):
    """5,000 clients connect at once: the listen backlog is the system's, so the kernel
    holds them all until the server accepts (with 128 it overflowed and dropped SYNs)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    storm = 5_000
    if hard < 2 * storm + 200:
        pytest.skip(f"the file limit ({hard}) is too low for {storm} connections in one process")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2 * storm + 200), hard))

    async def scenario() -> int:
        server = make_server(recorder)
        server.open()
        port = server.socket.local_port
        loop = asyncio.get_running_loop()
        clients = []
        try:
            for _ in range(storm):  # every connect is sent before the server accepts one
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                try:
                    sock.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
                clients.append(sock)
            deadline = loop.time() + 10  # SYN retries after an overflow take 1 s, 3 s, 7 s ...
            while server.socket.active_connections < storm and loop.time() < deadline:
                await asyncio.sleep(0.01)
            return server.socket.active_connections
        finally:
            for sock in clients:
                sock.close()
            server.close()
            while server.socket.active_connections and loop.time() < deadline + 10:
                await asyncio.sleep(0.01)

    try:
        assert run_any(scenario()) == storm
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

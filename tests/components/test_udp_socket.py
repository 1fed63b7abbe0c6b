"""UdpSocket on real loopback sockets, on every kind of loop; multicast, broadcast and
unreachable routes in a network namespace of their own (tests/components/udp_netns.py)."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components import SocketError, UdpSocket
from components.enums import ErrorEvent, SocketState
from components.udp_socket import ICMP_REFUSED_CODE, MAX_DATAGRAM

from .test_client_socket import until

ROOT = Path(__file__).resolve().parents[2]


def make(recorder, name: str = "Udp1", **props) -> UdpSocket:
    recorder.expect(name, "udp")
    return UdpSocket(name=name, observer=recorder.stream, **props)


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_unicast_echo_one_read_per_datagram_with_its_sender(recorder, run_any, host):
    if ":" in host and not has_ipv6_loopback():
        pytest.skip("this system has no IPv6 loopback (::1)")

    async def scenario():
        echo = make(recorder, "Echo", local_address=host)
        echo.on_read = lambda s, sock: sock.send_buf(sock.receive_buf())
        echo.active = True
        assert echo.state is SocketState.LISTENING and echo.socket.local_port > 0
        client = make(recorder, "Client", remote_address=host, remote_port=echo.socket.local_port)
        answers: list[tuple[bytes, str, int]] = []
        client.on_read = lambda s, sock: answers.append((sock.receive_buf(), sock.remote_address, sock.remote_port))
        client.active = True
        await until(lambda: client.socket.transport is not None)
        payloads = [b"one", b"two" * 100, b"\x00\xff" * 700]
        for p in payloads:
            assert client.socket.send_buf(p) == len(p)
        await until(lambda: len(answers) == 3)
        assert sorted(a[0] for a in answers) == sorted(payloads)  # whole datagrams, each its own OnRead
        assert {a[1:] for a in answers} == {(host, echo.socket.local_port)}
        [peer] = echo.socket.peers
        assert (peer.remote_address, peer.remote_port) == (host, client.socket.local_port)
        assert peer.datagrams_in == peer.datagrams_out == 3
        assert peer.bytes_in == peer.bytes_out == sum(map(len, payloads))
        client.active = False
        echo.active = False
        assert echo.state is SocketState.INACTIVE

    run_any(scenario())
    assert recorder.events("Client") == ["OnListen", "OnWrite", "Send", "Send", "Send",
                                         "OnRead", "OnRead", "OnRead", "Close"]


def test_all_interfaces_is_dual_stack_and_shows_ipv4_senders_plainly(recorder, run):
    if not has_ipv6_loopback():
        pytest.skip("this system has no IPv6 loopback (::1)")

    async def scenario():
        u = make(recorder)
        heard: list[tuple[str, str]] = []
        u.on_read = lambda s, sock: heard.append((sock.receive_text(), sock.remote_address))
        u.active = True
        assert u.socket.where == f"all interfaces, port {u.socket.local_port}"
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.sendto(host.encode(), (host, u.socket.local_port))
        await until(lambda: len(heard) == 2)
        assert sorted(heard) == [("127.0.0.1", "127.0.0.1"), ("::1", "::1")]
        # and it sends to either family
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            assert u.socket.send_to(b"back", "127.0.0.1", s.getsockname()[1]) == 4
            assert s.recv(10) == b"back"
        u.active = False

    run(scenario())


def test_default_destination_host_beats_address_and_service_beats_port(recorder, run):
    async def scenario():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            u = make(recorder, local_address="127.0.0.1", remote_host="localhost", remote_address="127.0.0.9",
                     remote_port=1, service=str(port))
            u.active = True
            assert u.socket.send_text("via localhost") == 13
            assert s.recv(100) == b"via localhost"
            assert (u.socket.remote_address, u.socket.remote_port) == ("127.0.0.1", port)
            u.active = False

    run(scenario())


def test_no_destination_is_an_error_not_a_silent_drop(recorder, run, reported):
    async def scenario():
        u = make(recorder, local_address="127.0.0.1")
        u.active = True
        assert u.socket.send_text("to whom?") == -1
        u.active = False

    run(scenario())
    [err] = reported
    assert err.info.event is ErrorEvent.LOOKUP and "No destination: set RemoteHost or RemoteAddress" in str(err)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_a_datagram_too_large_is_10040_and_nothing_is_sent(recorder, run_any, host):
    if ":" in host and not has_ipv6_loopback():
        pytest.skip("this system has no IPv6 loopback (::1)")

    async def scenario():
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.bind((host, 0))
            s.setblocking(False)
            u = make(recorder, local_address=host, remote_address=host, remote_port=s.getsockname()[1])
            codes: list[tuple[ErrorEvent, int]] = []
            u.on_error = lambda sender, sock, event, code: codes.append((event, code)) or 0
            u.active = True
            largest = MAX_DATAGRAM[family]
            assert u.socket.send_buf(b"x" * (largest + 1)) == -1
            assert codes == [(ErrorEvent.SEND, 10040)]
            assert u.socket.send_buf(b"y" * largest) == largest  # the largest goes whole
            await until(lambda: _readable(s))
            assert s.recv(70_000) == b"y" * largest
            with pytest.raises(BlockingIOError):
                s.recv(70_000)  # the refused one never went, not even in part
            assert u.active
            u.active = False

    run_any(scenario())
    [error] = [r for r in recorder.take() if r.event == "OnError"]
    assert "Message too long" in error.error.message and error.error.errno_name == "EMSGSIZE"


def _readable(s: socket.socket) -> bool:
    import select
    return bool(select.select([s], [], [], 0)[0])


def test_icmp_port_unreachable_is_10054_with_the_destination(recorder, run_any):
    async def scenario():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]  # nothing listens once it is closed
        u = make(recorder, local_address="127.0.0.1", remote_address="127.0.0.1", remote_port=closed_port)
        errors: list[tuple[ErrorEvent, int, str]] = []
        u.on_error = lambda sender, sock, event, code: errors.append((event, code, sock.peer)) or 0
        u.active = True
        await until(lambda: u.socket.transport is not None)
        assert u.socket.send_text("anyone?") == 7  # the system took it; the refusal comes later
        await until(lambda: errors)
        assert errors == [(ErrorEvent.SEND, ICMP_REFUSED_CODE, f"127.0.0.1:{closed_port}")]
        assert u.active  # a datagram socket stays open
        u.active = False

    if sys.platform != "linux":
        pytest.skip("ICMP errors on an unconnected UDP socket are read with IP_RECVERR (Linux)")
    run_any(scenario())
    [error] = [r for r in recorder.take() if r.event == "OnError"]
    assert error.error.errno_name == "ECONNREFUSED" and "Port unreachable (ICMP)" in error.error.message


def test_a_broadcast_address_needs_broadcast(recorder, run):
    async def scenario():
        u = make(recorder, local_address="0.0.0.0", remote_address="255.255.255.255", remote_port=9)
        codes: list[int] = []
        u.on_error = lambda sender, sock, event, code: codes.append(code) or 0
        u.active = True
        assert u.socket.send_text("all") == -1
        assert codes and codes[0] in (10013, 10051)  # refused (EACCES) or, with no route, unreachable
        u.active = False

    run(scenario())


def test_send_from_another_thread_and_from_a_handler_that_raises(recorder, run, reported):
    async def scenario():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            s.setblocking(False)
            u = make(recorder, local_address="127.0.0.1", remote_address="127.0.0.1", remote_port=s.getsockname()[1])
            u.active = True
            results: list[int] = []
            worker = threading.Thread(target=lambda: results.append(u.socket.send_text("from a thread")))
            worker.start()
            worker.join()
            assert results == [13]
            await until(lambda: _readable(s))
            assert s.recv(100) == b"from a thread"

            def boom(sender, sock):
                raise RuntimeError("handler bug")

            u.on_read = boom
            s.sendto(b"x", ("127.0.0.1", u.socket.local_port))
            await until(lambda: reported)
            assert u.active  # the handler's error does not close a datagram socket
            u.active = False

    run(scenario())
    assert "handler bug" in str(reported[0])
    assert "HandlerError" in recorder.events("Udp1")


def test_bind_errors_raise_to_the_caller_and_reuse_address_shares_a_port(recorder, run):
    async def scenario():
        first = make(recorder, "First", local_address="127.0.0.1")
        first.active = True
        second = make(recorder, "Second", local_address="127.0.0.1", local_port=first.socket.local_port)
        with pytest.raises(SocketError) as caught:
            second.active = True
        assert caught.value.code == 10048 and "binding 127.0.0.1:" in str(caught.value)
        assert second.state is SocketState.INACTIVE
        first.active = False
        await asyncio.sleep(0)  # the loop closes the socket
        shared = [make(recorder, f"Shared{i}", local_address="127.0.0.1", reuse_address=True,
                       local_port=first.socket.local_port) for i in range(2)]
        for s in shared:
            s.active = True
        for s in shared:
            s.active = False

    run(scenario())


def test_properties_validated_and_locked_while_active(run):
    names = {p.py_name for p in UdpSocket.properties()}
    assert {"local_address", "local_port", "remote_host", "remote_address", "remote_port", "service",
            "broadcast", "multicast_group", "multicast_interface", "multicast_ttl", "multicast_loopback",
            "reuse_address", "encoding", "name", "tag", "active", "framing"} == names
    assert {e.py_name for e in UdpSocket.events()} == {"on_listen", "on_read", "on_write", "on_error"}
    with pytest.raises(SocketError, match="takes Framing none only"):
        UdpSocket(framing="line")
    with pytest.raises(SocketError, match=r"LocalAddress: 'localhost' is not an IPv4 or IPv6 address"):
        UdpSocket(local_address="localhost")
    with pytest.raises(SocketError, match=r"10\.0\.0\.1 is not a multicast address"):
        UdpSocket(multicast_group="10.0.0.1")
    with pytest.raises(SocketError, match="name an IPv6 interface by its name or index"):
        UdpSocket(multicast_interface="::1")
    assert UdpSocket(multicast_group="FF02::1").multicast_group == "ff02::1"

    async def scenario():
        u = UdpSocket(name="U", local_address="127.0.0.1")
        u.active = True
        with pytest.raises(SocketError, match="Can't change value while socket is active"):
            u.remote_port = 7
        u.encoding = "latin-1"  # not locked
        u.active = False
        u.remote_port = 7

    run(scenario())


def test_closing_before_the_loop_served_it_leaves_nothing_open(recorder, run):
    async def scenario():
        u = make(recorder, local_address="127.0.0.1")
        u.active = True
        port = u.socket.local_port
        u.active = False  # at once, before the endpoint was made
        await asyncio.sleep(0.01)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port))  # the port is free again

    run(scenario())
    assert recorder.events("Udp1") == ["OnListen", "Close"]


# -- in a network namespace of the test's own ----------------------------------------------
def _netns_available() -> str:
    """'' when the namespace scenarios can run here, else why not."""
    if sys.platform != "linux":
        return "network namespaces are Linux's"
    if os.geteuid() != 0:
        return "making a network namespace (unshare --net) needs root"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare (util-linux) and ip (iproute2) are needed"
    probe = subprocess.run(["unshare", "--net", "ip", "link", "add", "t0", "type", "veth", "peer", "name", "t1"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"this system refuses a network namespace with a veth pair: {probe.stderr.strip()}"
    return ""


def in_namespace(loop: str, scenario: str) -> dict:
    why = _netns_available()
    if why:
        pytest.skip(why)
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["unshare", "--net", sys.executable, "-m", "tests.components.udp_netns", loop, scenario],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("scenario, sender", [("multicast4", "10.9.0.1"), ("multicast6", "fd00::1")])
def test_multicast_members_hear_each_other(loop, scenario, sender):
    result = in_namespace(loop, scenario)
    assert result["sent"] == [12, 12]
    assert result["heard"] == {"A": ["hello from A", "hello from B"], "B": ["hello from A", "hello from B"]}
    assert result["senders"] == [sender]


def test_broadcast_where_allowed():
    result = in_namespace("asyncio", "broadcast")
    assert result["off"] == -1 and result["codes"] == [10013]  # Broadcast False: EACCES
    assert result["on"] == 11 and result["heard"] == ["to everyone"]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_no_route_to_the_host_is_10065(loop):
    result = in_namespace(loop, "unreachable")
    for target in ("192.0.2.1", "2001:db8::1"):
        assert result[target] == {"result": -1, "errors": [["eeSend", 10065]], "active": True}
    assert result["unsuppressed"] == -1


def test_no_errno_is_left_unmapped():
    from components.errors import winsock_code
    assert winsock_code(errno.EMSGSIZE) == 10040 and winsock_code(errno.EHOSTUNREACH) == 10065

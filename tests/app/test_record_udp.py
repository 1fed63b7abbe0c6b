"""Recording a UdpSocket to pcapng, read back by tshark: one UDP packet per datagram with
IPv4 or IPv6 and UDP headers (good checksums), the payload bytes of each datagram as sent,
and the VCL event names as packet comments."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from app.core.recorder import SessionRecorder
from components import ObserverStream, UdpSocket
from tests.components.test_udp_socket import has_ipv6_loopback
from tests.tshark import comments, tshark

pytestmark = pytest.mark.timeout(120)


def record_udp_echo(path, datagrams: list[bytes], host: str, bind: str) -> tuple[int, int]:
    """A UdpSocket echo (bound to ``bind``) answers a plain socket's datagrams, recorded;
    returns (echo port, client port)."""
    stream = ObserverStream()
    recorder = SessionRecorder(stream, path)
    ports: list[int] = []

    async def main() -> None:
        echo = UdpSocket(name="UdpEcho", observer=stream, local_address=bind)
        echo.on_read = lambda s, peer: peer.send_buf(peer.receive_buf())
        recorder.start()
        echo.active = True
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        client = socket.socket(family, socket.SOCK_DGRAM)
        client.bind((host, 0))
        client.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            for datagram in datagrams:
                await loop.sock_sendto(client, datagram, (host, echo.socket.local_port))
                got = await asyncio.wait_for(loop.sock_recv(client, 70_000), 10)
                assert got == datagram
            ports.extend([echo.socket.local_port, client.getsockname()[1]])
        finally:
            client.close()
            echo.active = False
            recorder.stop()

    asyncio.run(main())
    return ports[0], ports[1]


def fields(path, *names: str) -> list[list[str]]:
    args = [a for n in names for a in ("-e", n)]
    out = tshark("-r", path, "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", *args)
    return [line.split("|") for line in out.splitlines() if line]


@pytest.mark.parametrize(("host", "bind"), [("127.0.0.1", "127.0.0.1"), ("127.0.0.1", ""), ("::1", "::1")])
def test_every_datagram_is_one_udp_packet_with_its_bytes_and_the_events_as_comments(tmp_path, host, bind):
    if ":" in host and not has_ipv6_loopback():
        pytest.skip("this system has no IPv6 loopback (::1)")
    datagrams = [b"hello", bytes(range(256)), os.urandom(60_000), b"\x00"]
    path = tmp_path / "udp.pcapng"
    echo_port, client_port = record_udp_echo(path, datagrams, host, bind)
    ip = "ipv6" if ":" in host else "ip"
    rows = fields(path, f"{ip}.src", f"{ip}.dst", "udp.srcport", "udp.dstport", "udp.payload", "data.data",
                  "udp.checksum.status")
    assert len(rows) == 2 * len(datagrams)  # each datagram in, and its echo out
    for k, datagram in enumerate(datagrams):
        for row, (sport, dport) in zip(rows[2 * k:2 * k + 2], [(client_port, echo_port), (echo_port, client_port)],
                                       strict=True):
            src, dst, s, d, payload, data, status = row
            assert (src, dst) == (host, host)  # all interfaces shows the address the system sends from
            assert (int(s), int(d)) == (sport, dport)
            assert bytes.fromhex((payload or data).replace(":", "")) == datagram
            assert status == "1"  # a good UDP checksum
    texts = comments(path)
    assert any(t.startswith("UdpEcho OnListen") for t in texts), texts
    assert sum(t.startswith("UdpEcho OnRead") for t in texts) == len(datagrams), texts


def test_two_udp_sockets_of_one_form_show_each_datagram_once(tmp_path):
    """A client and an echo, both UdpSockets on one stream: each datagram is one packet (as
    sent), with both sides' events as its comments."""
    stream = ObserverStream()
    path = tmp_path / "both.pcapng"
    recorder = SessionRecorder(stream, path)
    answers: list[bytes] = []

    async def main() -> None:
        echo = UdpSocket(name="Echo", observer=stream, local_address="127.0.0.1")
        echo.on_read = lambda s, peer: peer.send_buf(peer.receive_buf())
        client = UdpSocket(name="Client", observer=stream, local_address="127.0.0.1",
                           remote_address="127.0.0.1")
        client.on_read = lambda s, peer: answers.append(peer.receive_buf())
        recorder.start()
        echo.active = True
        client.remote_port = echo.socket.local_port
        client.active = True
        try:
            for k in range(3):
                client.socket.send_text(f"ping {k}")
                for _ in range(400):
                    if len(answers) > k:
                        break
                    await asyncio.sleep(0.005)
        finally:
            client.active = False
            echo.active = False
            recorder.stop()

    asyncio.run(main())
    assert answers == [b"ping 0", b"ping 1", b"ping 2"]
    rows = fields(path, "udp.payload", "data.data")
    assert [bytes.fromhex((p or d).replace(":", "")) for p, d in rows] == [
        b"ping 0", b"ping 0", b"ping 1", b"ping 1", b"ping 2", b"ping 2"]  # each datagram and its echo, once
    texts = comments(path)
    assert sum(t.startswith("Echo OnRead") for t in texts) == 3
    assert sum(t.startswith("Client OnRead") for t in texts) == 3

"""Captures from outside, replayed: real loopback traffic captured by tcpdump (Ethernet pcap,
Linux cooked v1 and v2) and dumpcap (pcapng); and captures synthesized with dpkt for every
link type the reader decodes (raw IP v4/v6, loopback/null, Linux cooked, Ethernet) with
segments out of order and retransmissions, partly overlapping. Each replays against the
echo example and passes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import dpkt
import pytest

from app.core.capture_read import read_capture
from app.core.pcapng_capture import ACK, FIN, PSH, SYN, TcpStream
from app.core.replay import ReplayOptions, replay_capture

from .serving import cli, serving
from .sessions import ECHO, read_until
from .test_runner import free_port

pytestmark = pytest.mark.timeout(180)

NO_OWN_CLIENT = "--set=ClientSocket1.Active=False"
MESSAGES = [b"one\r\n", b"two and more\r\n", bytes(range(200))]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        from tests.tshark import ensure_tshark

        if name == "dumpcap":
            ensure_tshark()  # dumpcap comes with it
        found = shutil.which(name)
    if found is None and name == "tcpdump" and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "tcpdump"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True)
        found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (apt-get install {name}; bootstrap.py's test command does)")
    return found


def _streams(path) -> list:
    with contextlib.suppress(Exception):
        if path.exists() and path.stat().st_size:
            return read_capture(path)
    return []


def _until(condition, what: str, timeout: float = 20.0) -> None:
    """Polls ``condition``: a capture file is the only signal there is."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not seen in {timeout} s"
        time.sleep(0.05)


@contextlib.contextmanager
def capturing(command: list[str], path, port: int):
    """Runs a capture tool on loopback until the block ends and its last stream is finished.
    The tools say they listen a moment before they do: probe connections go first until
    one shows in the file."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        said = []
        for _ in range(5):
            said.append(proc.stderr.readline())
            if "listening on" in said[-1].lower() or "capturing on" in said[-1].lower():
                break
        else:
            proc.kill()
            pytest.skip(f"can't capture on loopback here: {' '.join(x.strip() for x in said)}")

        def probed() -> bool:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return bool(_streams(path))

        _until(probed, "a probe connection in the capture")
        yield
        _until(lambda: (streams := _streams(path)) and streams[-1].ended and streams[-1].sent(False),
               "the finished stream in the capture")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()


def talk(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        for message in MESSAGES:
            client.sendall(message)
            read_until(client, message)


@pytest.mark.parametrize("how", ["tcpdump lo", "tcpdump any SLL", "tcpdump any SLL2", "dumpcap pcapng"])
def test_real_loopback_captures_replay(tmp_path, how):
    path = tmp_path / ("capture.pcapng" if "dumpcap" in how else "capture.pcap")
    with serving(ECHO, "ServerSocket1", NO_OWN_CLIENT) as port:
        fltr = f"tcp port {port}"
        if how.startswith("tcpdump"):
            iface = "lo" if how.endswith("lo") else "any"
            command = [_tool("tcpdump"), "-i", iface, "-U", "-Z", "root", "-w", str(path)]
            if iface == "any":
                command += ["-y", "LINUX_SLL2" if how.endswith("SLL2") else "LINUX_SLL"]
            command.append(fltr)
        else:
            command = [_tool("dumpcap"), "-i", "lo", "-q", "-w", str(path), "-f", fltr]
        with capturing(command, path, port):
            talk(port)
        conv = read_capture(path)[-1]
        assert conv.sent(True) == conv.sent(False) == b"".join(MESSAGES)
        done = cli("replay", path, "--to", f"127.0.0.1:{port}", "--stream", str(conv.index))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: 3/3 exchange(s)" in done.stdout


# -- synthesized ------------------------------------------------------------------------------
def _with_seq(raw: bytes, seq: int, payload: bytes, v6: bool) -> bytes:
    """The packet ``raw`` again, with another sequence number and payload (a retransmission)."""
    ip = dpkt.ip6.IP6(raw) if v6 else dpkt.ip.IP(raw)
    tcp = ip.data
    tcp.seq, tcp.data, tcp.sum = seq, payload, 0
    if v6:
        ip.plen = len(tcp)
    else:
        ip.len, ip.sum = ip.__hdr_len__ + len(tcp), 0
    ip.data = tcp
    return bytes(ip)


def synthesized(v6: bool) -> list[bytes]:
    """hello/world echoed, with the client's first request split and out of order, its first
    part sent twice, and the server's first reply retransmitted with a partial overlap."""
    host = "::1" if v6 else "10.0.0.1"
    s = TcpStream((host, 40000), ("::2" if v6 else "10.0.0.2", 7007), local_is_client=True)
    out = [s.packet(True, SYN), s.packet(False, SYN | ACK), s.packet(True, ACK)]
    first_seq = s.seq[True]
    hel = s.packet(True, PSH | ACK, b"hel")
    lo = s.packet(True, PSH | ACK, b"lo\r\n")
    out += [lo, hel, hel]  # out of order, then a retransmission
    reply_seq = s.seq[False]
    hello = s.packet(False, PSH | ACK, b"hello")
    tail = _with_seq(hello, (reply_seq + 2) & 0xFFFFFFFF, b"llo\r\n", v6)  # overlaps 3 bytes
    s.seq[False] = (reply_seq + 7) & 0xFFFFFFFF
    out += [hello, tail, s.packet(True, ACK)]
    assert first_seq  # the numbers wrap freely: random starts
    out += [s.packet(True, PSH | ACK, b"world\r\n"), s.packet(False, PSH | ACK, b"world\r\n")]
    out += [s.packet(True, FIN | ACK), s.packet(False, FIN | ACK), s.packet(True, ACK)]
    return out


def framed(raw: bytes, linktype: int, v6: bool) -> bytes:
    ethertype = dpkt.ethernet.ETH_TYPE_IP6 if v6 else dpkt.ethernet.ETH_TYPE_IP
    if linktype == dpkt.pcap.DLT_EN10MB:
        return struct.pack("!6s6sH", b"\x04" * 6, b"\x02" * 6, ethertype) + raw
    if linktype == dpkt.pcap.DLT_NULL:  # the address family in the writer's byte order
        return struct.pack("=I", 30 if v6 else socket.AF_INET) + raw
    if linktype == dpkt.pcap.DLT_LOOP:
        return struct.pack("!I", 30 if v6 else socket.AF_INET) + raw
    if linktype == dpkt.pcap.DLT_LINUX_SLL:
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, ethertype) + raw
    if linktype == 276:  # LINUX_SLL2
        return struct.pack("!HHIHBB8s", ethertype, 0, 1, 772, 0, 6, b"\0" * 8) + raw
    return raw  # 101: raw IP


LINKTYPES = {"ethernet": dpkt.pcap.DLT_EN10MB, "null": dpkt.pcap.DLT_NULL, "loop": dpkt.pcap.DLT_LOOP,
             "sll": dpkt.pcap.DLT_LINUX_SLL, "sll2": 276, "raw": 101}


@pytest.fixture(scope="module")
def echo_port():
    with serving(ECHO, "ServerSocket1", NO_OWN_CLIENT) as port:
        yield port


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
@pytest.mark.parametrize("link", list(LINKTYPES))
def test_synthesized_captures_reassemble_and_replay(tmp_path, echo_port, link, fmt, v6):
    linktype = LINKTYPES[link]
    path = tmp_path / f"x.{fmt}"
    with open(path, "wb") as file:
        writer = (dpkt.pcap.Writer if fmt == "pcap" else dpkt.pcapng.Writer)(file, snaplen=65535,
                                                                             linktype=linktype)
        for i, raw in enumerate(synthesized(v6)):
            writer.writepkt(framed(raw, linktype, v6), 1_700_000_000 + i / 1000)
    (conv,) = read_capture(path)
    assert conv.sent(True) == b"hello\r\nworld\r\n" == conv.sent(False)
    report = replay_capture(path, ("127.0.0.1", echo_port), options=ReplayOptions(timeout=5.0))
    assert report.exit_code == 0, [c.message for s in report.suites for c in s.cases]
    assert [c.received for c in report.suites[0].cases] == [b"hello\r\n", b"world\r\n"]


def test_a_capture_without_tcp_is_bad_input(tmp_path):
    path = tmp_path / "udp.pcap"
    with open(path, "wb") as file:
        writer = dpkt.pcap.Writer(file, linktype=101)
        udp = dpkt.udp.UDP(sport=1, dport=2, data=b"x")
        writer.writepkt(bytes(dpkt.ip.IP(src=b"\x7f\0\0\1", dst=b"\x7f\0\0\1", p=17, data=udp)), 1.0)
    done = cli("replay", path, "--to", f"127.0.0.1:{free_port()}")
    assert done.returncode == 2 and "udp.pcap holds no TCP stream" in done.stderr


def test_a_capture_cut_short_replays_what_it_has(tmp_path, echo_port):
    whole = tmp_path / "whole.pcapng"
    with open(whole, "wb") as file:
        writer = dpkt.pcapng.Writer(file, snaplen=65535, linktype=101)
        for i, raw in enumerate(synthesized(False)):
            writer.writepkt(raw, 1_700_000_000 + i / 1000)
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(whole.read_bytes()[:-30])  # the last packet (an ACK) half written
    done = cli("replay", cut, "--to", f"127.0.0.1:{echo_port}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "note: the capture is cut short in the middle of a packet" in done.stdout
    assert "passed: 2/2 exchange(s)" in done.stdout

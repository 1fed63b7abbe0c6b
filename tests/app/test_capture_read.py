"""Reading TCP conversations back out of captures: our pcapng, and a pcap as tcpdump writes
it (Ethernet) with a retransmission and segments out of order."""

from __future__ import annotations

import dpkt
import pytest

from app.core.capture_read import CaptureError, read_capture
from app.core.pcapng_capture import ACK, PSH, TcpStream, handshake

from .sessions import record_echo

pytestmark = pytest.mark.timeout(120)


def test_a_recorded_session_reads_back_byte_for_byte(tmp_path):
    messages = [b"first line\r\n", bytes(range(256))]
    recorded, _ = record_echo(tmp_path, messages)
    own, outside = read_capture(recorded.path)
    assert own.sent(True) == own.sent(False) == b"Hello, echo server!\r\n"
    assert outside.sent(True) == outside.sent(False) == b"".join(messages)
    assert outside.server == ("127.0.0.1", recorded.port) and outside.ended


def test_tcpdump_pcap_with_retransmission_and_reordering(tmp_path):
    stream = TcpStream(("10.0.0.1", 40000), ("10.0.0.2", 80), local_is_client=True)
    packets = [p.data for p in handshake(stream, 1.0)]
    one = stream.packet(True, PSH | ACK, b"GET / HTTP/1.0\r\n")
    two = stream.packet(True, PSH | ACK, b"\r\n")
    answer = stream.packet(False, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n")
    packets += [two, one, one, answer, stream.packet(True, ACK)]  # out of order, then a retransmission
    path = tmp_path / "tcpdump.pcap"
    with open(path, "wb") as file:
        writer = dpkt.pcap.Writer(file, linktype=dpkt.pcap.DLT_EN10MB)
        for i, raw in enumerate(packets):
            eth = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP,
                                         data=dpkt.ip.IP(raw))
            writer.writepkt(bytes(eth), 2.0 + i / 1000)
    (conv,) = read_capture(path)
    assert conv.client == ("10.0.0.1", 40000)
    assert conv.sent(True) == b"GET / HTTP/1.0\r\n\r\n"
    assert conv.sent(False) == b"HTTP/1.0 200 OK\r\n\r\n"


def test_not_a_capture_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(CaptureError, match="not a pcap or pcapng capture"):
        read_capture(bad)
    with pytest.raises(CaptureError, match="can't read"):
        read_capture(tmp_path / "missing.pcapng")

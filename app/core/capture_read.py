"""Reading TCP conversations out of a capture: pcap or pcapng, from this workbench or from
tcpdump/Wireshark, for replay and mock.

dpkt reads the file (``dpkt.pcap.UniversalReader`` tells pcap from pcapng) and decodes
the link layer (Ethernet, Linux cooked v1/v2, loopback/null, raw IP), IP and TCP.
Each TCP connection is one ``Conversation``, numbered in order of first appearance
like tshark's ``tcp.stream``; a SYN on a 4-tuple whose last stream had ended starts a
new one. Reassembly per direction orders segments by sequence number and keeps each
byte once, so retransmissions and out-of-order segments give the bytes the
application saw. The client is the side that sent the SYN (without a SYN, the side
with the higher port).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dpkt

Endpoint = tuple[str, int]


class CaptureError(ValueError):
    """A file that is no capture this reader understands; the message says why."""


@dataclass
class Chunk:
    """Bytes one side sent, in order, with when they first appeared."""

    from_client: bool
    time: float
    data: bytes


@dataclass
class _Direction:
    isn: int | None = None
    segments: dict[int, tuple[float, bytes]] = field(default_factory=dict)  # offset -> (time, bytes)
    fin: bool = False
    rst: bool = False
    closed: float | None = None  # when its first FIN or RST was captured


@dataclass
class Conversation:
    index: int
    client: Endpoint
    server: Endpoint
    directions: dict[bool, _Direction] = field(default_factory=lambda: {True: _Direction(), False: _Direction()})
    ended: bool = False
    started: float = 0.0  # when its first segment (the SYN, when there was one) was captured
    last: float = 0.0  # when its last segment was captured

    def chunks(self) -> list[Chunk]:
        """Both sides' bytes, each byte once, in the order they first appeared."""
        out: list[Chunk] = []
        for from_client, direction in self.directions.items():
            done, last = 0, 0.0
            for offset in sorted(direction.segments):
                when, data = direction.segments[offset]
                if offset + len(data) <= done:
                    continue  # a retransmission of bytes already taken
                if offset > done:
                    # a gap: bytes the capture missed; what follows is still the stream
                    done = offset
                data = data[done - offset:]
                last = max(last, when)  # a segment that came early is only usable after the ones before it
                out.append(Chunk(from_client, last, data))
                done += len(data)
        out.sort(key=lambda c: c.time)
        return out

    def sent(self, from_client: bool) -> bytes:
        return b"".join(c.data for c in self.chunks() if c.from_client == from_client)

    def closed(self, by_client: bool) -> float | None:
        """When that side sent its FIN or RST (None if it never did in the capture)."""
        return self.directions[by_client].closed

    @property
    def reset(self) -> bool:
        return self.directions[True].rst or self.directions[False].rst


def _ip_of(frame: bytes, linktype: int) -> dpkt.Packet | None:
    if linktype == dpkt.pcap.DLT_EN10MB:
        eth = dpkt.ethernet.Ethernet(frame)
        return eth.data if isinstance(eth.data, dpkt.ip.IP | dpkt.ip6.IP6) else None
    if linktype in (dpkt.pcap.DLT_NULL, dpkt.pcap.DLT_LOOP):
        return _raw(frame[4:])
    if linktype == dpkt.pcap.DLT_LINUX_SLL:
        return _raw(frame[16:])
    if linktype == 276:  # LINKTYPE_LINUX_SLL2
        return _raw(frame[20:])
    if linktype in (101, 12, 14, 228, 229):  # LINKTYPE_RAW and its platform spellings, IPv4, IPv6
        return _raw(frame)
    raise CaptureError(f"link type {linktype} is not one this reader decodes "
                       "(Ethernet, Linux cooked, loopback or raw IP)")


def _raw(data: bytes) -> dpkt.Packet | None:
    if not data:
        return None
    version = data[0] >> 4
    if version == 4:
        return dpkt.ip.IP(data)
    if version == 6:
        return dpkt.ip6.IP6(data)
    return None


def _address(packed: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6 if len(packed) == 16 else socket.AF_INET, packed)


def read_capture(path: str | Path, notes: list[str] | None = None) -> list[Conversation]:
    """Every TCP conversation of the capture at ``path`` (CaptureError when it is none). A
    capture cut short in the middle of a packet (a tcpdump killed, a disk full) is read up
    to there, as Wireshark does, and ``notes`` gets a line saying so."""
    try:
        with open(path, "rb") as file:
            try:
                reader = dpkt.pcap.UniversalReader(file)
            except (ValueError, dpkt.dpkt.NeedData) as exc:
                raise CaptureError(f"{Path(path).name} is not a pcap or pcapng capture ({exc})") from None
            linktype = reader.datalink()
            conversations: list[Conversation] = []
            by_tuple: dict[tuple[Endpoint, Endpoint], Conversation] = {}
            for when, frame in _packets(reader, notes):
                try:
                    ip = _ip_of(frame, linktype)
                except (dpkt.dpkt.UnpackError, IndexError):
                    continue  # a damaged frame: skipped, as Wireshark marks it
                if ip is None or not isinstance(ip.data, dpkt.tcp.TCP):
                    continue
                _segment(conversations, by_tuple, float(when), ip, ip.data)
    except OSError as exc:
        raise CaptureError(f"can't read {Path(path).name}: {exc.strerror or exc}") from None
    return conversations


def _packets(reader: Iterable[tuple[float, bytes]], notes: list[str] | None) -> Iterator[tuple[float, bytes]]:
    packets = iter(reader)
    while True:
        try:
            yield next(packets)
        except StopIteration:
            return
        except (dpkt.dpkt.NeedData, dpkt.dpkt.UnpackError, struct.error, ValueError):
            if notes is not None:
                notes.append("the capture is cut short in the middle of a packet; what comes before was read")
            return


def _segment(conversations: list[Conversation], by_tuple: dict[tuple[Endpoint, Endpoint], Conversation],
             when: float, ip: dpkt.Packet, tcp: dpkt.tcp.TCP) -> None:
    src: Endpoint = (_address(ip.src), tcp.sport)
    dst: Endpoint = (_address(ip.dst), tcp.dport)
    syn = bool(tcp.flags & dpkt.tcp.TH_SYN)
    conv = by_tuple.get((src, dst)) or by_tuple.get((dst, src))
    if conv is None or (syn and not tcp.flags & dpkt.tcp.TH_ACK and conv.ended):
        if syn and not tcp.flags & dpkt.tcp.TH_ACK:
            client, server = src, dst
        elif syn:
            client, server = dst, src
        else:
            client, server = (src, dst) if src[1] > dst[1] else (dst, src)
        conv = Conversation(len(conversations), client, server, started=when)
        conversations.append(conv)
        by_tuple[(client, server)] = conv
        by_tuple.pop((server, client), None)
    conv.last = when
    from_client = src == conv.client
    direction = conv.directions[from_client]
    if syn:
        direction.isn = (tcp.seq + 1) & 0xFFFFFFFF
    if direction.isn is None:  # joined mid-stream: the first byte seen counts from here
        direction.isn = tcp.seq
    if tcp.data:
        offset = (tcp.seq - direction.isn) & 0xFFFFFFFF
        known = direction.segments.get(offset)
        if known is None or len(known[1]) < len(tcp.data):
            direction.segments[offset] = (known[0] if known else when, bytes(tcp.data))
    if tcp.flags & dpkt.tcp.TH_FIN:
        direction.fin = True
    if tcp.flags & dpkt.tcp.TH_RST:
        direction.rst = True
    if tcp.flags & (dpkt.tcp.TH_FIN | dpkt.tcp.TH_RST) and direction.closed is None:
        direction.closed = when
    conv.ended = conv.reset or (conv.directions[True].fin and conv.directions[False].fin)

"""Writing a session as pcapng: each connection one TCP stream Wireshark can follow, each
UDP datagram one UDP packet.

The engine sees bytes, not packets. ``CaptureWriter`` makes packets of them:
per connection a handshake (SYN, SYN-ACK, ACK) between the real local and
remote addresses and ports, one segment per read or send with sequence and
acknowledgement numbers that count every byte, an ACK from the receiving side,
and FIN or RST as the connection ended. A UdpSocket's datagrams are one UDP packet
each (``UdpPackets``), between the socket's address and its peer's; a socket bound to
all interfaces is shown with the address the system would send from (``source_for``).
IPv4 or IPv6 headers as the connection was. Link type RAW (plain IP packets), timestamps in microseconds. Event names
go on the packets as pcapng comments (``frame.comment`` in Wireshark).

dpkt builds the IP and TCP headers (with their checksums) and the pcapng blocks.
The writer only turns calls into packets: threads, queues and limits are the
recorder's (app.core.recorder).
"""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass, field
from typing import BinaryIO

import dpkt
from dpkt import pcapng

LINKTYPE_RAW = 101  # the pcap/pcapng link type of bare IPv4/IPv6 packets
SNAPLEN = 262_144
#: the most payload one synthesized segment carries (an IPv4 packet holds at most 65,535 bytes)
SEGMENT = 65_000
WINDOW = 65_535
FIN, SYN, RST, PSH, ACK = dpkt.tcp.TH_FIN, dpkt.tcp.TH_SYN, dpkt.tcp.TH_RST, dpkt.tcp.TH_PUSH, dpkt.tcp.TH_ACK
#: bytes of pcapng block, IP and TCP header around one packet's payload, at most (for size limits)
PACKET_OVERHEAD = 32 + 40 + 20 + 4

# How a stream ends (the payload tap's CLOSED_* names, components.observer).
END_LOCAL, END_REMOTE, END_RESET, END_ABORT = "local", "remote", "reset", "abort"

Endpoint = tuple[str, int]


def _packed(address: str) -> tuple[bytes, int]:
    """The address as bytes and its family; an address that is no IP (empty) becomes 0.0.0.0."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        ip = ipaddress.IPv4Address(0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.packed, socket.AF_INET6 if ip.version == 6 else socket.AF_INET


@dataclass
class TcpStream:
    """One connection's addresses and sequence numbers; ``client`` is the side that connected."""

    client: Endpoint
    server: Endpoint
    local_is_client: bool
    seq: dict[bool, int] = field(default_factory=dict)  # next sequence number, by "from client"
    ended: bool = False

    def __post_init__(self) -> None:
        addr = {True: _packed(self.client[0]), False: _packed(self.server[0])}
        if addr[True][1] != addr[False][1]:  # one side v4, the other v6: show both as v6
            addr = {side: (_v6(packed), socket.AF_INET6) for side, (packed, _f) in addr.items()}
        self.seq = {True: random.getrandbits(32), False: random.getrandbits(32)}
        # one IP packet and its TCP segment per direction, made once and refilled for each
        # packet (dpkt's constructors are the slow part)
        self._headers: dict[bool, tuple[dpkt.Packet, dpkt.tcp.TCP]] = {}
        for from_client in (True, False):
            src, family = addr[from_client]
            dst, _ = addr[not from_client]
            sport = self.client[1] if from_client else self.server[1]
            dport = self.server[1] if from_client else self.client[1]
            tcp = dpkt.tcp.TCP(sport=sport & 0xFFFF, dport=dport & 0xFFFF, win=WINDOW)
            ip: dpkt.Packet
            if family == socket.AF_INET6:
                ip = dpkt.ip6.IP6(src=src, dst=dst, nxt=dpkt.ip.IP_PROTO_TCP, hlim=64, data=tcp)
            else:
                ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, ttl=64, data=tcp)
            self._headers[from_client] = (ip, tcp)

    def packet(self, from_client: bool, flags: int, payload: bytes = b"") -> bytes:
        """One IP packet from one side with the current numbers; advances them."""
        ip, tcp = self._headers[from_client]
        seq = self.seq[from_client]
        tcp.seq = seq
        tcp.ack = self.seq[not from_client] if flags & ACK else 0
        tcp.flags = flags
        tcp.data = payload
        tcp.sum = 0  # dpkt computes the checksums of a zero sum
        if isinstance(ip, dpkt.ip6.IP6):
            ip.plen = len(tcp)
        else:
            ip.len = ip.__hdr_len__ + len(tcp)
            ip.sum = 0
        ip.data = tcp
        self.seq[from_client] = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        return bytes(ip)


def _v6(packed: bytes) -> bytes:
    return packed if len(packed) == 16 else b"\0" * 10 + b"\xff\xff" + packed


@dataclass
class Packet:
    """A packet waiting to be written, with the comments it will carry."""

    time: float  # seconds since the epoch
    data: bytes
    comments: list[str] = field(default_factory=list)
    #: for a pure ACK that only acknowledges data: the side that sends it (True: the client)
    ack_from: bool | None = None


class CaptureWriter:
    """pcapng out: the section and interface headers at once, then packets as they are made."""

    def __init__(self, file: BinaryIO, application: str = "Socket Workbench") -> None:
        self.file = file
        self.bytes_written = 0
        shb = pcapng.SectionHeaderBlockLE(opts=[
            pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_SHB_USERAPPL, data=application.encode()),
            pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_ENDOFOPT)])
        idb = pcapng.InterfaceDescriptionBlockLE(linktype=LINKTYPE_RAW, snaplen=SNAPLEN, opts=[
            pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_IF_NAME, data=b"socket-workbench"),
            pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_IF_TSRESOL, data=b"\x06"),
            pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_ENDOFOPT)])
        self._write(bytes(shb) + bytes(idb))

    def _write(self, block: bytes) -> None:
        self.file.write(block)
        self.bytes_written += len(block)

    def write(self, packet: Packet) -> None:
        micros = round(packet.time * 1_000_000)
        opts = [pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_COMMENT, text=text) for text in packet.comments]
        if opts:
            opts.append(pcapng.PcapngOptionLE(code=pcapng.PCAPNG_OPT_ENDOFOPT))
        n = len(packet.data)
        block = pcapng.EnhancedPacketBlockLE(ts_high=micros >> 32, ts_low=micros & 0xFFFFFFFF, caplen=n,
                                             pkt_len=n, pkt_data=packet.data, opts=opts)
        self._write(bytes(block))


def handshake(stream: TcpStream, when: float) -> list[Packet]:
    return [Packet(when, stream.packet(True, SYN)), Packet(when, stream.packet(False, SYN | ACK)),
            Packet(when, stream.packet(True, ACK))]


def segments(stream: TcpStream, from_client: bool, data: bytes, when: float) -> list[Packet]:
    """``data`` from one side, cut into segments, then the other side's ACK."""
    out = [Packet(when, stream.packet(from_client, PSH | ACK, data[i:i + SEGMENT]))
           for i in range(0, len(data), SEGMENT)]
    out.append(Packet(when, stream.packet(not from_client, ACK), ack_from=not from_client))
    return out


def ending(stream: TcpStream, how: str, when: float) -> list[Packet]:
    """The packets that end a stream: FIN from whoever closed first, or an RST."""
    stream.ended = True
    local = stream.local_is_client
    if how in (END_RESET, END_ABORT):
        return [Packet(when, stream.packet(local if how == END_ABORT else not local, RST | ACK))]
    first = local if how == END_LOCAL else not local
    return [Packet(when, stream.packet(first, FIN | ACK)), Packet(when, stream.packet(not first, FIN | ACK)),
            Packet(when, stream.packet(first, ACK))]


def _route_source(remote: str, family: int) -> str:
    """The address this machine sends to ``remote`` from (a routing lookup: a connected UDP
    socket sends nothing); the loopback address when there is no route."""
    loopback = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((remote, 9))
            return str(probe.getsockname()[0])
    except OSError:
        return loopback


#: (source, destination) pairs whose headers are kept made (UdpPackets), and sources looked up
UDP_CACHE = 4096


class UdpAddresses:
    """The two addresses a datagram's packet shows, with the unspecified local address of a
    socket bound to all interfaces replaced by the one the system sends from (looked up once
    per peer)."""

    def __init__(self) -> None:
        self._sources: dict[tuple[str, str], str] = {}

    def source_for(self, local: str, remote: str) -> str:
        key = (local, remote)
        found = self._sources.get(key)
        if found is None:
            _, family = _packed(remote)
            local_ip = _packed(local)
            if local and local_ip[1] == family and local_ip[0] != b"\0" * len(local_ip[0]):
                found = local
            else:
                found = _route_source(str(ipaddress.ip_address(_packed(remote)[0])), family)
            if len(self._sources) >= UDP_CACHE:
                self._sources.clear()
            self._sources[key] = found
        return found


class UdpPackets:
    """IPv4/IPv6 + UDP packets, the headers of each (source, destination) made once and
    refilled for each datagram (dpkt's constructors are the slow part)."""

    def __init__(self) -> None:
        self._headers: dict[tuple[Endpoint, Endpoint], tuple[dpkt.Packet, dpkt.udp.UDP]] = {}

    def packet(self, src: Endpoint, dst: Endpoint, payload: bytes) -> bytes:
        """One packet from ``src`` to ``dst`` carrying ``payload`` (checksums by dpkt)."""
        key = (src, dst)
        headers = self._headers.get(key)
        if headers is None:
            if len(self._headers) >= UDP_CACHE:
                self._headers.clear()
            headers = self._headers[key] = _udp_headers(src, dst)
        ip, udp = headers
        udp.data = payload
        udp.ulen = len(udp)
        udp.sum = 0  # dpkt computes the checksums of a zero sum
        if isinstance(ip, dpkt.ip6.IP6):
            ip.plen = udp.ulen
        else:
            ip.len = ip.__hdr_len__ + udp.ulen
            ip.sum = 0
        ip.data = udp
        return bytes(ip)


def _udp_headers(src: Endpoint, dst: Endpoint) -> tuple[dpkt.Packet, dpkt.udp.UDP]:
    source, family = _packed(src[0])
    target, other = _packed(dst[0])
    if family != other:
        source, target, family = _v6(source), _v6(target), socket.AF_INET6
    udp = dpkt.udp.UDP(sport=src[1] & 0xFFFF, dport=dst[1] & 0xFFFF)
    ip: dpkt.Packet
    if family == socket.AF_INET6:
        ip = dpkt.ip6.IP6(src=source, dst=target, nxt=dpkt.ip.IP_PROTO_UDP, hlim=64, data=udp)
    else:
        ip = dpkt.ip.IP(src=source, dst=target, p=dpkt.ip.IP_PROTO_UDP, ttl=64, data=udp)
    return ip, udp

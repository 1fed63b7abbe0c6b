"""UdpSocket: a UDP datagram socket component (the VCL had none; ours only).

Event order (components.event_order, the 'udp' order; the tests check every sequence
they record against it, and keep this text equal)::

    UdpSocket: one bound socket per open(), every datagram on it
      usually: OnListen → OnWrite → (OnRead | OnWrite)* → Close
      complete when it stops in: start, closed
      start   OnListen → bound
      bound   OnWrite → open
              OnError(ee*) → itself
              Close → closed
      open    OnRead | OnWrite | OnError(ee*) → itself
              Close → closed
      closed  nothing more

open() binds at once on the caller's thread (LocalAddress, LocalPort; empty address: all
interfaces, dual-stack where the system has IPv6), joins MulticastGroup when one is set,
and fires OnListen; a bind or join that fails raises SocketError there. The socket then
runs as an asyncio datagram endpoint on the running loop (asyncio, uvloop, qasync): OnWrite
fires once it is served and again whenever a full send buffer drained; OnRead fires once per
datagram, with a ``UdpPeer`` for its sender: ``remote_address`` / ``remote_port`` say who
sent it, ``receive_buf`` / ``receive_text`` return that datagram, ``send_buf`` /
``send_text`` answer the sender and ``send_to(data, host, port)`` sends anywhere.

Sending. ``component.socket`` (a ``UdpWinSocket``) sends to the default destination
(RemoteHost, else RemoteAddress, else MulticastGroup; Service, else RemotePort, else for a
group the bound port) with ``send_buf`` / ``send_text``, and anywhere with ``send_to``. A
datagram goes whole or not at all: the count is returned when the system took it (or the
loop queued it whole because the kernel's buffer was full), -1 when it was refused, after
OnError(eeSend) with the reason. Codes: 10040 a datagram larger than UDP carries (65,507
bytes over IPv4, 65,527 over IPv6) or the system refused its size, 10065 no route to the host
(10051 to the network), 10013 a broadcast address while Broadcast is False, 10047 an
address the socket's family can't reach, 10035 the loop's send queue is full
(UDP_SEND_QUEUE_CAP), 11001 a host name that does not resolve (eeLookup).

ICMP port unreachable (nobody listens where a datagram went) arrives later, as a read
error; Windows reports it on UDP sockets as WSAECONNRESET, and so do we: OnError(eeSend,
10054), errno ECONNREFUSED, with the destination that refused read from the socket's error
queue (IP_RECVERR, Linux) when the system has one.

A datagram socket has no connection: an error leaves it open (unless the system took the
socket away), and only Active = False closes it. Host names in send_to and RemoteHost are
looked up on the loop's thread (an IP address needs no lookup); their answers are cached.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import re
import socket
import struct
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from components.addressing import family_of, format_peer, lookup_service, unmapped
from components.component import register
from components.connection import (
    NOT_SENT_CLOSED,
    NOT_SENT_FAILED,
    CustomWinSocket,
    next_connection_id,
)
from components.enums import ErrorEvent, SocketState
from components.errors import (
    NO_ADDRESS_CODE,
    WSATYPE_NOT_FOUND,
    ErrorInfo,
    SocketError,
    winsock_code,
)
from components.event_order import UDP_STATES
from components.metadata import (
    ERROR,
    KIND_HOST,
    NOTIFY,
    Event,
    Published,
    validate_host,
)
from components.observer import CALLER_ERROR, LISTENER_CLOSED, SEND
from components.socket_component import SocketComponent

_RawSocket = socket.socket

#: The largest UDP payload per family (65,535 less the IP and UDP headers; IPv6 without jumbograms).
MAX_DATAGRAM = {socket.AF_INET: 65_507, socket.AF_INET6: 65_527}
#: Bytes the loop may hold for a socket whose kernel buffer is full before send_buf refuses.
UDP_SEND_QUEUE_CAP = 4 * 1024 * 1024
#: Peers remembered (the connections panel's rows); past it the longest quiet is forgotten.
PEER_LIMIT = 1024
#: Host names remembered with their address.
_NAME_CACHE_LIMIT = 256
#: WSAECONNRESET: Windows' code for ICMP port unreachable on a UDP socket.
ICMP_REFUSED_CODE = 10054

# Linux numbers where Python does not name them
_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
_IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
_INTERFACE_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")
_NO_IPV6 = {errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT, errno.EINVAL}


# -- validation -------------------------------------------------------------------
def validate_ip(value: str) -> str:
    """Empty or an IPv4 or IPv6 address (a socket binds to an address, not to a name)."""
    value = value.strip()
    if not value:
        return ""
    candidate = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address of this machine") from None


def validate_multicast_group(value: str) -> str:
    value = validate_ip(value)
    if value and not ipaddress.ip_address(value).is_multicast:
        raise ValueError(f"{value} is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)")
    return value


def validate_interface(value: str) -> str:
    """Empty (the system chooses), an interface name (eth0), its index, or an IPv4 address."""
    value = value.strip()
    if not value or value.isdigit() or (_INTERFACE_NAME.match(value) and not re.fullmatch(r"[0-9.]+", value)):
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an interface name (eth0), an interface index or "
                         "an IPv4 address") from None
    if address.version != 4:
        raise ValueError(f"{value}: name an IPv6 interface by its name or index, not an address")
    return str(address)


def validate_datagram_framing(value: str) -> str:
    if value.strip().lower() != "none":
        raise ValueError(f"{value.strip()!r}: a UdpSocket takes Framing none only; a datagram is "
                         "one message already (OnRead fires once per datagram)")
    return "none"


# -- the sender of a datagram ---------------------------------------------------------
class _Labelled(CustomWinSocket):
    def label_here(self) -> str:
        """The label of a send_labelled running on this thread ('' otherwise)."""
        label = self._send_label
        return label[1] if label is not None and label[0] == threading.get_ident() else ""


class UdpPeer(_Labelled):
    """A remote endpoint the socket heard from or sent to: what OnRead hands its handler.

    ``receive_*`` give the datagram that just arrived from it (each new one replaces the
    last), ``send_buf`` / ``send_text`` answer it, ``send_to`` sends anywhere. It counts
    the datagrams and bytes each way, for the connections panel."""

    def __init__(self, endpoint: UdpWinSocket, addr: tuple[Any, ...]) -> None:
        super().__init__(endpoint.owner)
        self.id = endpoint.id  # one endpoint in the event stream
        self.endpoint = endpoint
        self._local = endpoint._local
        self._remote = addr
        self.peer = format_peer(addr)
        self.connected = True
        self.datagrams_in = 0
        self.datagrams_out = 0
        self.first_seen = self.last_seen = time.time()
        self.connected_since = self.first_seen

    def _arrived(self, data: bytes) -> None:
        with self._lock:
            self._rx.clear()
            self._rx.append(data)
            self._rx_len = len(data)
        self.datagrams_in += 1
        self.bytes_in += len(data)
        self.last_seen = time.time()

    def _sent(self, count: int) -> None:
        self.datagrams_out += 1
        self.bytes_out += count
        self.last_seen = time.time()

    def send_buf(self, data: bytes | bytearray | memoryview) -> int:
        """Send ``data`` as one datagram back to this peer (see UdpWinSocket.send_to)."""
        return self.endpoint.send_datagram(data, self.remote_address, self.remote_port, self.label_here())

    def send_to(self, data: bytes | bytearray | memoryview, host: str, port: int) -> int:
        return self.endpoint.send_datagram(data, host, port, self.label_here())

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the socket runs on (a delayed reply, a repeat, wait on it)."""
        return self.endpoint.loop

    def on_loop_thread(self) -> bool:
        return self.endpoint.on_loop_thread()

    def send_room(self) -> int:
        return self.endpoint.send_room()

    @property
    def send_congested(self) -> bool:
        return self.endpoint.send_congested

    def when_drained(self, callback: Callable[..., Any], *args: Any) -> None:
        self.endpoint.when_drained(callback, *args)

    def send_queue_length(self) -> int:
        return self.endpoint.send_queue_length()

    def refusal(self, result: int) -> str:
        return self.endpoint.refusal(result)

    def lock(self) -> threading.RLock:
        return self.endpoint.lock()

    def __repr__(self) -> str:
        return f"<UdpPeer {self.peer} in {self.datagrams_in} out {self.datagrams_out}>"


# -- the bound socket ------------------------------------------------------------------
class UdpWinSocket(_Labelled, asyncio.DatagramProtocol):
    """A UdpSocket's bound socket (``component.socket``) and its asyncio datagram protocol."""

    def __init__(self, owner: UdpSocket, sock: socket.socket | None = None, everywhere: bool = False) -> None:
        super().__init__(owner)
        self.id = next_connection_id()
        self.udp = owner
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sock = sock
        self.family = sock.family if sock is not None else socket.AF_INET
        self.dual_stack = False
        self.everywhere = everywhere
        #: the loop's datagram transport (asyncio's, uvloop's), once it serves the socket
        self.transport: Any = None
        self.adopted = False  # the loop has taken the socket over
        self._peers: OrderedDict[tuple[Any, ...], UdpPeer] = OrderedDict()
        self.peers_forgotten = 0
        self.datagrams_in = 0
        self.datagrams_out = 0
        self._current: UdpPeer | None = None
        self._write_paused = False
        self._drained: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self._names: dict[tuple[str, int], tuple[Any, ...]] = {}
        if sock is not None:
            self._local = unmapped(tuple(sock.getsockname()))
            self.dual_stack = sock.family == socket.AF_INET6 and everywhere and \
                not sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
            self.connected = True
            self.connected_since = time.time()

    # -- where ---------------------------------------------------------------------
    @property
    def where(self) -> str:
        """``127.0.0.1:5000``, or ``all interfaces, port 5000``."""
        if not self._local:
            return ""
        if self.everywhere:
            kind = "all interfaces" if self.dual_stack else \
                "all IPv6 interfaces" if self.family == socket.AF_INET6 else "all IPv4 interfaces"
            return f"{kind}, port {self.local_port}"
        return format_peer(self._local)

    @property
    def remote_address(self) -> str:
        """The default destination's address ('' when none is set or it did not resolve)."""
        target = self._default_target(quiet=True)
        return str(target[0]) if target else ""

    @property
    def remote_port(self) -> int:
        target = self._default_target(quiet=True)
        return int(target[1]) if target else 0

    @property
    def remote_host(self) -> str:
        return self.udp.remote_host or self.remote_address

    # -- peers ---------------------------------------------------------------------
    @property
    def peers(self) -> list[UdpPeer]:
        """Every peer heard from or sent to (at most PEER_LIMIT), longest quiet first."""
        with self._lock:
            return list(self._peers.values())

    def peer_of(self, addr: tuple[Any, ...]) -> UdpPeer:
        key = (str(addr[0]), int(addr[1]))
        with self._lock:
            peer = self._peers.get(key)
            if peer is None:
                peer = self._peers[key] = UdpPeer(self, key)
                if len(self._peers) > PEER_LIMIT:
                    self._peers.popitem(last=False)
                    self.peers_forgotten += 1
            else:
                self._peers.move_to_end(key)
            return peer

    # -- receiving -------------------------------------------------------------------
    def receive_length(self) -> int:
        """The size of the datagram being handled (0 outside OnRead)."""
        current = self._current
        return current.receive_length() if current is not None else 0

    def receive_buf(self, count: int = -1) -> bytes:
        """The datagram being handled (in OnRead), as the handler's socket gives it."""
        current = self._current
        return current.receive_buf(count) if current is not None else b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        if not self.connected:  # closed before the loop served it
            transport.close()
            return
        self.udp.endpoint_ready(self)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        peer = self.peer_of(unmapped(addr))
        peer._arrived(data)
        self.datagrams_in += 1
        self.bytes_in += len(data)
        tap = self.owner.observer.tap
        if tap is not None:
            tap.datagram(peer, False, data)
        self._current = peer
        try:
            self.udp.connection_read(peer, data)
        finally:
            self._current = None
            peer._rx.clear()
            peer._rx_len = 0

    def error_received(self, exc: Exception) -> None:
        """A send the loop had queued failed, or an ICMP error came back for an earlier one."""
        if not self.connected:
            return
        refused = self._error_queue()
        peer = self.peer_of(refused) if refused else None
        where = f" at {format_peer(refused)}" if refused else ""
        if isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED:
            info = ErrorInfo(ErrorEvent.SEND, errno.ECONNREFUSED, "ECONNREFUSED", ICMP_REFUSED_CODE,
                             f"Port unreachable (ICMP): nothing listens{where}")
        else:
            info = ErrorInfo.from_exception(ErrorEvent.SEND, exc)
            if where:
                info = info.during(f"sending to {where[4:]}")
        self.udp.error(peer or self, ErrorEvent.SEND, info, cause=exc)

    def _error_queue(self) -> tuple[Any, ...] | None:
        """The destination of the datagram the newest queued ICMP error is about (Linux)."""
        sock, flag = self.sock, getattr(socket, "MSG_ERRQUEUE", 0)
        if sock is None or not flag or sock.fileno() < 0:
            return None
        found = None
        for _ in range(64):  # drain what is queued; the newest names the destination
            try:
                _, _, _, addr = sock.recvmsg(1, 512, flag)
            except OSError:
                break
            if addr:
                found = unmapped(tuple(addr))
        return found

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.connected:
            self.udp.endpoint_lost(self, exc)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiting, self._drained = self._drained, []
        self.udp.connection_writable(self)
        for callback, args in waiting:
            if self.connected:
                self.udp.call_handler("OnWrite", self, callback, *args)

    # -- sending -----------------------------------------------------------------------
    def on_loop_thread(self) -> bool:
        loop = self.loop
        if loop is None:
            return True
        try:
            return asyncio.get_running_loop() is loop
        except RuntimeError:
            return False

    def send_buf(self, data: bytes | bytearray | memoryview) -> int:
        """Send ``data`` as one datagram to the default destination."""
        if not self.connected:
            return 0
        target = self._default_target()
        if target is None:
            return -1
        return self.send_datagram(data, str(target[0]), int(target[1]), self.label_here())

    def send_to(self, data: bytes | bytearray | memoryview, host: str, port: int) -> int:
        """Send ``data`` as one datagram to ``host`` (an address or a name) at ``port``: the
        count when it went (or waits whole in the loop's queue), -1 when it was refused
        (OnError(eeSend) or (eeLookup) said why), 0 when the socket is closed."""
        return self.send_datagram(data, host, port, self.label_here())

    def send_datagram(self, data: bytes | bytearray | memoryview, host: str, port: int, label: str = "") -> int:
        """send_to, with ``label`` (a saved message's name) as the detail of its Send record."""
        data = bytes(data)
        if not self.connected:
            return 0
        if not self.on_loop_thread() and self.loop is not None:
            self.loop.call_soon_threadsafe(self.send_datagram, data, host, port, label)
            return len(data)  # a failure comes through OnError, on the loop
        sockaddr = self._resolve(host, port)
        if sockaddr is None:
            return -1
        shown = unmapped(sockaddr)
        where = f"sending {len(data):,} byte{'' if len(data) == 1 else 's'} to {format_peer(shown)}"
        family = socket.AF_INET6 if ":" in str(shown[0]) else socket.AF_INET
        if len(data) > MAX_DATAGRAM[family]:
            ip = "IPv6" if family == socket.AF_INET6 else "IPv4"
            return self._send_failed(ErrorInfo(
                ErrorEvent.SEND, errno.EMSGSIZE, "EMSGSIZE", winsock_code(errno.EMSGSIZE),
                f"Message too long: a UDP datagram over {ip} holds at most {MAX_DATAGRAM[family]:,} bytes"),
                where, shown)
        try:
            self._send_now(data, sockaddr)
        except OSError as exc:
            return self._send_failed(ErrorInfo.from_exception(ErrorEvent.SEND, exc), where, shown, exc)
        peer = self.peer_of(shown)
        peer._sent(len(data))
        self.datagrams_out += 1
        self.bytes_out += len(data)
        tap = self.owner.observer.tap
        if tap is not None:
            tap.datagram(peer, True, data)
        if self.owner.observer.active:
            self.owner.record(SEND, peer, data, detail=label)
        return len(data)

    def _send_now(self, data: bytes, sockaddr: tuple[Any, ...]) -> None:
        """To the kernel at once (errors raise here), or whole into the loop's queue when the
        kernel's buffer is full or the queue already holds datagrams (their order kept)."""
        transport, sock = self.transport, self.sock
        if transport is not None and transport.get_write_buffer_size():
            self._queue(transport, data, sockaddr)
            return
        assert sock is not None
        try:
            sock.sendto(data, sockaddr)
        except (BlockingIOError, InterruptedError):
            if transport is None:
                raise OSError(errno.EWOULDBLOCK, "the system's send buffer is full") from None
            self._queue(transport, data, sockaddr)

    def _queue(self, transport: Any, data: bytes, sockaddr: tuple[Any, ...]) -> None:
        if transport.get_write_buffer_size() + len(data) > UDP_SEND_QUEUE_CAP:
            raise OSError(errno.EWOULDBLOCK, f"the send queue holds {transport.get_write_buffer_size():,} "
                                             f"bytes, its cap is {UDP_SEND_QUEUE_CAP:,}")
        transport.sendto(data, sockaddr)

    def _send_failed(self, info: ErrorInfo, where: str, shown: tuple[Any, ...] | None = None,
                     cause: BaseException | None = None) -> int:
        peer = self.peer_of(shown) if shown else None
        self.udp.error(peer or self, info.event, info.during(where), cause=cause)
        return -1

    def send_queue_length(self) -> int:
        transport = self.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def send_room(self) -> int:
        return -1  # a datagram goes whole or is refused; nothing to ration

    @property
    def send_congested(self) -> bool:
        return self._write_paused

    def when_drained(self, callback: Callable[..., Any], *args: Any) -> None:
        if not self._write_paused:
            callback(*args)
        elif (callback, args) not in self._drained:
            self._drained.append((callback, args))

    def refusal(self, result: int) -> str:
        return NOT_SENT_FAILED if result < 0 else NOT_SENT_CLOSED

    def send_stream(self, stream: Any) -> bool:
        return False  # a file is no datagram

    # -- addresses -----------------------------------------------------------------------
    def destination(self) -> tuple[str, int] | ErrorInfo:
        """The default destination as (host, port), or what is missing."""
        udp = self.udp
        host = (udp.remote_host or udp.remote_address or udp.multicast_group).strip()
        try:
            if udp.service.strip():
                port = lookup_service(udp.service, "udp")
            else:
                port = udp.remote_port or (self.local_port if host and host == udp.multicast_group else 0)
        except KeyError as exc:
            return ErrorInfo(ErrorEvent.LOOKUP, 0, "", WSATYPE_NOT_FOUND, str(exc.args[0]))
        if not host or port <= 0:
            what = "RemoteHost or RemoteAddress" if not host else "RemotePort or Service"
            return ErrorInfo(ErrorEvent.LOOKUP, 0, "", NO_ADDRESS_CODE,
                             f"No destination: set {what}, or answer with send_to")
        return host, port

    def _default_target(self, quiet: bool = False) -> tuple[Any, ...] | None:
        """The default destination's (address, port): None when there is none (OnError said why
        unless ``quiet``, which also looks no name up)."""
        target = self.destination()
        if isinstance(target, ErrorInfo):
            if not quiet:
                self.udp.error(self, ErrorEvent.LOOKUP, target)
            return None
        host, port = target
        if quiet:
            if _is_ip(host.strip("[]")):
                return host.strip("[]"), port
            cached = self._names.get((host, port))
            return unmapped(cached) if cached else None
        resolved = self._resolve(host, port)
        return unmapped(resolved) if resolved else None

    def _resolve(self, host: str, port: int) -> tuple[Any, ...] | None:
        """The socket address to send to, in the socket's family; None after OnError."""
        host = host.strip().strip("[]")
        if not 0 < port <= 65535:
            self.udp.error(self, ErrorEvent.SEND, OSError(errno.EINVAL, f"port {port} is out of range 1-65535"))
            return None
        key = (host, port)
        cached = self._names.get(key)
        if cached is not None:
            return cached
        if _is_ip(host):
            ip = host
        else:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM,
                                           family=socket.AF_UNSPEC if self.dual_stack else self.family)
            except OSError as exc:
                self.udp.error(self, ErrorEvent.LOOKUP, exc, context=f"looking up {host}")
                return None
            ip = str(infos[0][4][0])
        family = family_of(ip)
        if family != self.family:
            if self.dual_stack and family == socket.AF_INET:
                ip = "::ffff:" + ip
            else:
                mine = "IPv6" if self.family == socket.AF_INET6 else "IPv4"
                self.udp.error(self, ErrorEvent.SEND, ErrorInfo(
                    ErrorEvent.SEND, errno.EAFNOSUPPORT, "EAFNOSUPPORT", winsock_code(errno.EAFNOSUPPORT),
                    f"the socket is {mine} (bound to {self.where}): it can't send to {host}"))
                return None
        sockaddr: tuple[Any, ...] = (ip, port, 0, 0) if self.family == socket.AF_INET6 else (ip, port)
        if not _is_ip(host):
            if len(self._names) >= _NAME_CACHE_LIMIT:
                self._names.clear()
            self._names[key] = sockaddr
        return sockaddr

    # -- closing -----------------------------------------------------------------------------
    def close(self) -> None:
        """Nothing: a datagram socket has no connection to close; Active = False closes it."""

    def shut(self) -> None:
        """Stop serving: the loop closes the socket (the port is free one loop pass later).
        The socket and its peers count as finished (what repeats on them stops)."""
        self.connected = False
        self._closing = True
        self._drained.clear()
        for peer in self.peers:
            peer.connected = False
            peer.begin_disconnect()
        self.begin_disconnect()
        transport, self.transport = self.transport, None
        if transport is not None:
            transport.close()

    def __repr__(self) -> str:
        return f"<UdpWinSocket #{self.id} {self.where or '-'} {'bound' if self.connected else 'closed'}>"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


# -- the component ----------------------------------------------------------------------------
@register
class UdpSocket(SocketComponent):
    """A UDP socket: binds LocalAddress:LocalPort, sends datagrams to RemoteHost (or
    RemoteAddress) at Service (or RemotePort), joins MulticastGroup."""

    vcl_class = "TUdpSocket"
    description = "UDP datagram socket (unicast, broadcast, multicast)"
    state_table = UDP_STATES
    in_vcl = False  # the VCL has no such component: a .dfm can't hold it

    # SocketComponent's Address, Port and FrameLimit are a stream's: a UdpSocket has none
    address = None  # type: ignore[assignment]
    port = None  # type: ignore[assignment]
    frame_limit = None  # type: ignore[assignment]
    # nor TLS (datagram TLS is DTLS, which it does not speak)
    tls = None  # type: ignore[assignment]
    cert_file = None  # type: ignore[assignment]
    key_file = None  # type: ignore[assignment]
    ca_file = None  # type: ignore[assignment]
    framing = Published("Framing", str, "none", validator=validate_datagram_framing, locked_while_active=True,
                        suggestions=("none",),
                        description="none only: a datagram is one message, and OnRead fires once per datagram.")

    local_address = Published("LocalAddress", str, "", kind=KIND_HOST, validator=validate_ip,
                              locked_while_active=True, empty_hint="all interfaces",
                              description="The address to bind; empty: all interfaces (IPv4 and IPv6).")
    local_port = Published("LocalPort", int, 0, minimum=0, maximum=65535, locked_while_active=True,
                           empty_hint="any",
                           description="The port to bind; 0: any free port (socket.local_port tells which).")
    remote_host = Published("RemoteHost", str, "", kind=KIND_HOST, validator=validate_host,
                            locked_while_active=True,
                            description="Host name or address send_buf sends to; wins over RemoteAddress.")
    remote_address = Published("RemoteAddress", str, "", kind=KIND_HOST, validator=validate_ip,
                               locked_while_active=True,
                               description="IP address send_buf sends to when RemoteHost is empty.")
    remote_port = Published("RemotePort", int, 0, minimum=0, maximum=65535, locked_while_active=True,
                            description="The port send_buf sends to; Service wins when both are set.")
    broadcast = Published("Broadcast", bool, False, locked_while_active=True,
                          description="Allow sending to broadcast addresses (SO_BROADCAST).")
    multicast_group = Published("MulticastGroup", str, "", kind=KIND_HOST, validator=validate_multicast_group,
                                locked_while_active=True,
                                description="An IPv4 or IPv6 multicast group to join on open; send_buf sends "
                                            "to it when no RemoteHost or RemoteAddress is set.")
    multicast_interface = Published("MulticastInterface", str, "", validator=validate_interface,
                                    locked_while_active=True, empty_hint="the system's choice",
                                    description="The interface to join and send multicast on: a name (eth0), "
                                                "an index, or (IPv4) its address.")
    multicast_ttl = Published("MulticastTTL", int, 1, minimum=0, maximum=255, locked_while_active=True,
                              description="Hops a multicast datagram may take (1: this network only).")
    multicast_loopback = Published("MulticastLoopback", bool, True, locked_while_active=True,
                                   description="Deliver multicast datagrams sent here to this machine too.")
    reuse_address = Published("ReuseAddress", bool, False, locked_while_active=True,
                              description="Let several sockets bind the same port (SO_REUSEADDR), as "
                                          "multicast listeners on one machine do.")

    on_listen = Event("OnListen", NOTIFY, "The socket is bound (and has joined its group).")
    on_read = Event("OnRead", NOTIFY, "A datagram arrived; socket is its sender: ReceiveText/ReceiveBuf "
                                      "give the datagram, SendText answers it.",
                    data=True, connection=True, datagram=True)
    on_write = Event("OnWrite", NOTIFY, "Once the socket is served, then whenever a full send buffer drained; "
                                        "socket sends to the default destination.", connection=True,
                     datagram=True)
    on_error = Event("OnError", ERROR, "A send or lookup failed; return 0 to suppress the error.")

    def __init__(self, **properties: Any) -> None:
        self._socket = UdpWinSocket(self)
        self._task: asyncio.Task[Any] | None = None
        super().__init__(**properties)

    @property
    def socket(self) -> UdpWinSocket:
        """The bound socket (or the last one); a never-opened one reads as not bound."""
        return self._socket

    def error_handler(self) -> Any:
        return self.on_error

    # -- opening -------------------------------------------------------------------------
    def open(self) -> None:
        if self.active:
            return
        loop = self._running_loop()
        try:
            sock, everywhere = self._bind()
        except SocketError as exc:
            self.last_error = exc
            if exc.info is not None:
                self.record(CALLER_ERROR, None, error=exc.info, detail=str(exc))
            raise
        self.loop = loop
        self.last_error = None
        conn = UdpWinSocket(self, sock, everywhere)
        conn.loop = loop
        self._socket = conn
        self._change_state(SocketState.LISTENING)
        group = f", joined {self.multicast_group}" if self.multicast_group else ""
        self.fire("OnListen", self.on_listen, conn, conn, detail=f"bound to {conn.where}{group}")
        if self._socket is conn and conn.connected:
            task = loop.create_task(self._serve(conn, loop, sock))
            task.add_done_callback(lambda t: self._endpoint_done(conn, t))
            self._task = task

    async def _serve(self, conn: UdpWinSocket, loop: asyncio.AbstractEventLoop, sock: _RawSocket) -> None:
        conn.adopted = True  # from here the loop owns the socket (it closes it if cancelled)
        await loop.create_datagram_endpoint(lambda: conn, sock=sock)

    def _endpoint_done(self, conn: UdpWinSocket, task: asyncio.Task[Any]) -> None:
        if self._task is task:
            self._task = None
        if task.cancelled() or task.exception() is not None:
            if conn.transport is None and conn.sock is not None and not conn.adopted:
                conn.sock.close()  # the loop never took it
            if not task.cancelled() and conn.connected and self._socket is conn:
                exc = task.exception()
                assert exc is not None
                self.error(conn, ErrorEvent.GENERAL, exc, context="starting the datagram endpoint")
                self._closed(conn, failed=True)

    def endpoint_ready(self, conn: UdpWinSocket) -> None:
        if self._socket is conn:
            self.fire("OnWrite", self.on_write, conn, conn)

    def endpoint_lost(self, conn: UdpWinSocket, exc: BaseException | None) -> None:
        """The loop closed the socket without being asked (the system took it away)."""
        if self._socket is not conn or not conn.connected:
            return
        if exc is not None:
            self.error(conn, ErrorEvent.GENERAL, exc)
        self._closed(conn, failed=exc is not None)

    def _bind(self) -> tuple[_RawSocket, bool]:
        local, group = self.local_address, self.multicast_group
        port = self.local_port
        if local:
            family, everywhere = family_of(local), False
        elif group:
            family, everywhere = family_of(group), True
        elif self.broadcast or not socket.has_ipv6:
            family, everywhere = socket.AF_INET, True
        else:
            try:
                return self._bind_family(socket.AF_INET6, port, dual_stack=True), True
            except _NoIPv6Error:
                family, everywhere = socket.AF_INET, True
        if group and family_of(group) != family:
            raise SocketError(f"{self.name}: MulticastGroup {group} and LocalAddress {local} are not of "
                              "one IP version", component=self.name)
        return self._bind_family(family, port, local), everywhere

    def _bind_family(self, family: int, port: int, local: str = "", dual_stack: bool = False) -> _RawSocket:
        host = local or ("::" if family == socket.AF_INET6 else "0.0.0.0")
        where = f"binding {format_peer((host, port))}" if local else \
            f"binding all {'IPv6 ' if family == socket.AF_INET6 and not dual_stack else ''}" \
            f"{'IPv4 ' if family == socket.AF_INET else ''}interfaces, port {port}"
        try:
            sock = _RawSocket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            if dual_stack:
                raise _NoIPv6Error from exc
            raise self._bind_error(exc, where) from exc
        try:
            if dual_stack:
                try:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                except (OSError, AttributeError) as exc:
                    raise _NoIPv6Error from exc
            self._set_options(sock, family, dual_stack)
            try:
                sock.bind((host, port, 0, 0) if family == socket.AF_INET6 else (host, port))
            except OSError as exc:
                if dual_stack and exc.errno in _NO_IPV6:
                    raise _NoIPv6Error from exc
                raise self._bind_error(exc, where) from exc
            if self.multicast_group:
                self._join(sock, family)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    def _set_options(self, sock: _RawSocket, family: int, dual_stack: bool) -> None:
        if self.reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if sys.platform != "linux" and hasattr(socket, "SO_REUSEPORT"):  # BSDs, macOS: for multicast
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if self.broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if sys.platform == "linux":  # ICMP errors for an unconnected socket (port unreachable)
            for level, option in ((socket.IPPROTO_IP, _IP_RECVERR), (socket.IPPROTO_IPV6, _IPV6_RECVERR)):
                if level == socket.IPPROTO_IPV6 and family != socket.AF_INET6:
                    continue
                try:
                    sock.setsockopt(level, option, 1)
                except OSError:
                    pass
        try:
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, self.multicast_ttl)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, int(self.multicast_loopback))
            if family == socket.AF_INET or dual_stack:
                try:
                    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.multicast_ttl)
                    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(self.multicast_loopback))
                except OSError:
                    if not dual_stack:
                        raise
            if self.multicast_interface:
                self._set_multicast_interface(sock, family)
        except OSError as exc:
            raise self._bind_error(exc, f"setting the multicast options (interface "
                                        f"{self.multicast_interface or 'any'})") from exc

    def _interface_index(self) -> int:
        name = self.multicast_interface
        if not name:
            return 0
        if name.isdigit():
            return int(name)
        try:
            return socket.if_nametoindex(name)
        except OSError:
            raise SocketError(f"{self.name}: MulticastInterface: this machine has no interface {name!r}",
                              ErrorInfo(ErrorEvent.GENERAL, errno.ENODEV, "ENODEV", errno.ENODEV,
                                        f"no interface {name!r}"), self.name) from None

    def _set_multicast_interface(self, sock: _RawSocket, family: int) -> None:
        iface = self.multicast_interface
        if family == socket.AF_INET6:
            if _is_ip(iface):
                raise SocketError(f"{self.name}: MulticastInterface {iface}: an IPv6 socket names its "
                                  "interface by name or index", component=self.name)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, self._interface_index())
        elif _is_ip(iface):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
        else:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            struct.pack("4s4si", b"\0" * 4, b"\0" * 4, self._interface_index()))

    def _join(self, sock: _RawSocket, family: int) -> None:
        group, iface = self.multicast_group, self.multicast_interface
        try:
            if family == socket.AF_INET6:
                if _is_ip(iface):
                    raise SocketError(f"{self.name}: MulticastInterface {iface}: an IPv6 group is joined on "
                                      "an interface named by name or index", component=self.name)
                mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", self._interface_index())
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
            elif iface and not _is_ip(iface):
                mreq = struct.pack("4s4si", socket.inet_aton(group), b"\0" * 4, self._interface_index())
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            else:
                mreq = socket.inet_aton(group) + socket.inet_aton(iface or "0.0.0.0")
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        except OSError as exc:
            on = f"interface {iface}" if iface else "the default interface"
            raise self._bind_error(exc, f"joining {group} on {on}") from exc

    def _bind_error(self, exc: OSError, where: str) -> SocketError:
        return SocketError.from_info(ErrorInfo.from_exception(ErrorEvent.GENERAL, exc).during(where), self.name)

    # -- closing ----------------------------------------------------------------------------
    def close(self) -> None:
        if self._state in (SocketState.INACTIVE, SocketState.ERROR):
            return
        conn = self._socket
        loop = self.loop
        if loop is not None and not conn.on_loop_thread():
            self._close_from_other_thread(loop)
            return
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            if not conn.adopted and conn.sock is not None:
                conn.sock.close()  # the loop never took it: the port is free now
        self._closed(conn)

    def _closed(self, conn: UdpWinSocket, failed: bool = False) -> None:
        if self._socket is not conn or not conn.connected:
            return
        conn.shut()
        self._change_state(SocketState.ERROR if failed else SocketState.INACTIVE)
        self.fire(LISTENER_CLOSED, None, conn)

    # -- what the socket calls back ---------------------------------------------------------
    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None:
        if self.observer.active:
            self.record("OnRead", conn, data, detail=detail)
        handler = self.on_read
        if handler is not None:
            self.call_handler("OnRead", conn, handler, self, conn)

    def connection_writable(self, conn: Any) -> None:
        self.fire("OnWrite", self.on_write, conn, conn)


class _NoIPv6Error(Exception):
    """The system can't make a dual-stack socket: all of IPv4 must do."""


__all__ = ["MAX_DATAGRAM", "UdpPeer", "UdpSocket", "UdpWinSocket"]

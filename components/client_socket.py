"""ClientSocket (TClientSocket): a TCP client component.

Event order (components.event_order, the 'client' and 'blocking_client' orders; the
tests check every sequence they record against them, and keep this text equal)::

    ClientSocket, ctNonBlocking: one connection per open()
      usually: OnLookup → OnConnecting → OnConnect → OnWrite → (OnRead | OnWrite)* → OnDisconnect
      complete when it stops in: start, closed
      start       OnLookup → lookup
      lookup      OnConnecting → connecting
                  OnError(eeLookup) → failed
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      connecting  OnConnect → connected
                  OnHandshake → secured
                  OnError(eeConnect) → failed
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      secured     OnConnect → connected
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      connected   OnWrite → open
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      open        OnRead | OnWrite | OnError(eeGeneral) | OnError(eeSend) → itself
                  OnError(ee*) → failed
                  OnDisconnect → closed
      failed      OnDisconnect → closed
      closed      OnError(eeGeneral) → itself

    ClientSocket, ctBlocking: open() connects on the caller's thread
      usually: OnLookup → OnConnecting → OnConnect → OnDisconnect
      complete when it stops in: start, closed
      start       OnLookup → lookup
      lookup      OnConnecting → connecting
                  OnError(eeLookup) → failed
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      connecting  OnConnect → connected
                  OnHandshake → secured
                  OnError(eeConnect) → failed
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      secured     OnConnect → connected
                  OnError(eeGeneral) → itself
                  OnDisconnect → closed
      connected   OnError(ee*) → itself
                  OnDisconnect → closed
      failed      OnDisconnect → closed
      closed      OnError(eeGeneral) → itself

OnDisconnect fires exactly once per open(), whatever happened: a refused or
failed connect, a peer that closed or reset, a local close, or Active = False
while the lookup or the connect is still pending (which cancels it).

Non-blocking, open() fires OnLookup and returns; the lookup and connect run on
the loop, and every later event fires on the loop's thread. Blocking, open()
connects on the caller's thread and raises SocketError there if the lookup or
the connect fails (after OnError and OnDisconnect), unless OnError set the code
to 0.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from typing import Any

from components.addressing import Target, choose_target, family_of, format_peer
from components.component import register
from components.connection import AsyncWinSocket, BlockingWinSocket, CustomWinSocket
from components.enums import ClientType, ErrorEvent, SocketState
from components.errors import NO_ADDRESS_CODE, WSATYPE_NOT_FOUND, ErrorInfo, SocketError
from components.event_order import CLIENT_STATES
from components.metadata import (
    ERROR,
    KIND_HOST,
    NOTIFY,
    Event,
    Published,
    RuntimeInfo,
    Stored,
    validate_host,
)
from components.socket_component import SocketComponent
from components.tls import HANDSHAKE_TIMEOUT, HandshakeInfo, TlsSettings

#: How long a blocking connect may take before it fails with eeConnect (10060).
BLOCKING_CONNECT_TIMEOUT = 30.0


@register
class ClientSocket(SocketComponent):
    """A TCP client: connects to Host (or Address) at Service (or Port)."""

    vcl_class = "TClientSocket"
    description = "TCP client connection"
    state_table = CLIENT_STATES

    host = Published("Host", str, "", kind=KIND_HOST, validator=validate_host, locked_while_active=True,
                     stored=Stored.NOT_DEFAULT, dfm_order=40,
                     description="Host name or address to connect to; wins over Address.")
    client_type = Published("ClientType", ClientType, ClientType.NON_BLOCKING, locked_while_active=True,
                            stored=Stored.ALWAYS, dfm_order=30,
                            description="ctNonBlocking: events on the loop; ctBlocking: "
                                        "open() connects on the caller's thread.")

    verify_peer = Published("VerifyPeer", bool, True, locked_while_active=True,
                            description="With TLS: verify the server's certificate (against CAFile) and "
                                        "its name (ServerName); False accepts any certificate.")
    server_name = Published("ServerName", str, "", kind=KIND_HOST, validator=validate_host,
                            locked_while_active=True, empty_hint="Host",
                            description="With TLS: the name sent as SNI and checked against the server's "
                                        "certificate; empty means Host (or Address).")

    local_address = RuntimeInfo("LocalAddress", str, lambda c: c.socket.local_address)
    local_port = RuntimeInfo("LocalPort", int, lambda c: c.socket.local_port if c.socket.connected else 0)
    remote_address = RuntimeInfo("RemoteAddress", str, lambda c: c.socket.remote_address)
    remote_port = RuntimeInfo("RemotePort", int, lambda c: c.socket.remote_port)

    on_lookup = Event("OnLookup", NOTIFY, "Before the host is looked up.")
    on_connecting = Event("OnConnecting", NOTIFY, "After the lookup, just before connecting.")
    on_handshake = Event("OnHandshake", NOTIFY, "With TLS: the handshake is done (version, cipher and the "
                         "server's certificate are in socket.tls); OnConnect follows.", connection=True)
    on_connect = Event("OnConnect", NOTIFY, "The connection is up.", connection=True, connects=True)
    on_disconnect = Event("OnDisconnect", NOTIFY, "The connection is closing (once per open).")
    on_read = Event("OnRead", NOTIFY, "Bytes arrived; take them with ReceiveText/ReceiveBuf.", data=True,
                    connection=True)
    on_write = Event("OnWrite", NOTIFY, "Once after connect, then whenever the send queue drained.",
                     connection=True)
    on_error = Event("OnError", ERROR, "Something failed; return 0 to suppress the error.")

    def __init__(self, **properties: Any) -> None:
        self._socket: CustomWinSocket = CustomWinSocket(self)
        self._task: asyncio.Task[None] | None = None
        self._tls_ctx: ssl.SSLContext | None = None
        super().__init__(**properties)

    @property
    def socket(self) -> CustomWinSocket:
        """The current (or last) connection; a never-opened one reads as not connected."""
        return self._socket

    def error_handler(self) -> Any:
        return self.on_error

    def tls_settings(self) -> TlsSettings:
        return TlsSettings(self.tls_server_side, self.cert_file, self.key_file, self.ca_file, self.verify_peer,
                           self.folder)

    def _sni(self, target: Target) -> str:
        return self.server_name or target.host

    # -- opening ------------------------------------------------------------
    def open(self) -> None:
        if self.active:
            return
        self.last_error = None
        self._tls_ctx = self.tls_context_or_raise()
        if self.client_type is ClientType.BLOCKING:
            self._open_blocking()
            return
        loop = self._running_loop()
        self.loop = loop
        conn = AsyncWinSocket(self, loop)
        self._socket = conn
        self._change_state(SocketState.LOOKUP)
        self.fire("OnLookup", self.on_lookup, conn, conn)
        if self._socket is conn and self._state is SocketState.LOOKUP:
            self._task = loop.create_task(self._connect(conn))

    def _target(self, conn: CustomWinSocket) -> Target | ErrorInfo:
        try:
            return choose_target(self.host, self.address, self.service, self.port)
        except KeyError as exc:
            return ErrorInfo(ErrorEvent.LOOKUP, 0, "", WSATYPE_NOT_FOUND, str(exc.args[0]))
        except ValueError as exc:
            return ErrorInfo(ErrorEvent.LOOKUP, 0, "", NO_ADDRESS_CODE, str(exc))

    async def _connect(self, conn: AsyncWinSocket) -> None:
        loop = conn.loop
        try:
            target = self._target(conn)
            if isinstance(target, ErrorInfo):
                self._fail(conn, ErrorEvent.LOOKUP, target)
                return
            if target.is_name:
                try:
                    infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM,
                                                   proto=socket.IPPROTO_TCP)
                except OSError as exc:
                    self._fail(conn, ErrorEvent.LOOKUP, exc, f"looking up {target.host}")
                    return
                addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
            else:
                addresses = [target.host]
            if self._socket is not conn:
                return
            self._change_state(SocketState.CONNECTING)
            self.fire("OnConnecting", self.on_connecting, conn, conn)
            if self._socket is not conn or self._state is not SocketState.CONNECTING:
                return
            failure: OSError = OSError(0, "no address to connect to")
            where = ""
            ctx = self._tls_ctx
            tls: dict[str, Any] = {} if ctx is None else {
                "ssl": ctx, "server_hostname": self._sni(target), "ssl_handshake_timeout": HANDSHAKE_TIMEOUT}
            for ip in addresses:
                try:
                    await loop.create_connection(lambda: conn, ip, target.port,
                                                 family=family_of(ip), **tls)
                    return  # connection_made fired OnHandshake and OnConnect
                except OSError as exc:
                    failure, where = exc, _connecting_to(target, (ip, target.port))
                    if isinstance(exc, ssl.SSLError):
                        break  # the server answered and the handshake failed: no other address
                    if ctx is not None and isinstance(exc, ConnectionError):
                        where += " (during the TLS handshake)"
            self._fail(conn, ErrorEvent.CONNECT, failure, where)
        except asyncio.CancelledError:
            pass  # Active = False while looking up or connecting; close() has finished up
        finally:
            if self._socket is conn:
                self._task = None

    def _fail(self, conn: CustomWinSocket, event: ErrorEvent, problem: BaseException | ErrorInfo,
              context: str = "") -> None:
        if self._socket is not conn:
            return
        suppressed = self.error(conn, event, problem, context=context)
        self._finish(conn, failed=not suppressed)

    def _open_blocking(self) -> None:
        placeholder = CustomWinSocket(self)
        self._socket = placeholder
        self._change_state(SocketState.LOOKUP)
        self.fire("OnLookup", self.on_lookup, placeholder, placeholder)
        if self._closed_meanwhile(placeholder, SocketState.LOOKUP):
            return
        target = self._target(placeholder)
        if isinstance(target, ErrorInfo):
            self._fail_to_caller(placeholder, ErrorEvent.LOOKUP, target)
            return
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM,
                                       proto=socket.IPPROTO_TCP)
        except OSError as exc:
            self._fail_to_caller(placeholder, ErrorEvent.LOOKUP, exc, f"looking up {target.host}")
            return
        if self._closed_meanwhile(placeholder, SocketState.LOOKUP):
            return
        self._change_state(SocketState.CONNECTING)
        self.fire("OnConnecting", self.on_connecting, placeholder, placeholder)
        failure: OSError = OSError(0, "no address to connect to")
        where = ""
        for family, type_, proto, _, sockaddr in infos:
            if self._closed_meanwhile(placeholder, SocketState.CONNECTING):
                return
            sock = socket.socket(family, type_, proto)
            try:
                sock.settimeout(BLOCKING_CONNECT_TIMEOUT)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                failure, where = exc, _connecting_to(target, sockaddr)
                continue
            if self._closed_meanwhile(placeholder, SocketState.CONNECTING):
                sock.close()
                return
            if self._tls_ctx is not None:
                try:
                    sock.settimeout(HANDSHAKE_TIMEOUT)
                    sock = self._tls_ctx.wrap_socket(sock, server_hostname=self._sni(target))
                except OSError as exc:  # ssl.SSLError is one
                    sock.close()
                    if not self._closed_meanwhile(placeholder, SocketState.CONNECTING):
                        self._fail_to_caller(placeholder, ErrorEvent.CONNECT, exc, _connecting_to(target, sockaddr))
                    return
            conn = BlockingWinSocket(self, sock, placeholder.id)  # one open, one connection in the events
            self._socket = conn
            if isinstance(sock, ssl.SSLSocket):
                self.handshake_done(conn, HandshakeInfo.of(sock, self._sni(target)))
                if self._socket is not conn or self._state is not SocketState.CONNECTING:
                    return  # its handler closed it: OnDisconnect has fired
            self._change_state(SocketState.CONNECTED)
            self.fire("OnConnect", self.on_connect, conn, conn)
            return
        if not self._closed_meanwhile(placeholder, SocketState.CONNECTING):
            self._fail_to_caller(placeholder, ErrorEvent.CONNECT, failure, where)

    def _closed_meanwhile(self, placeholder: CustomWinSocket, state: SocketState) -> bool:
        """A blocking open() was closed by a handler or another thread: it goes no further."""
        return self._socket is not placeholder or self._state is not state

    def _fail_to_caller(self, conn: CustomWinSocket, event: ErrorEvent,
                        problem: BaseException | ErrorInfo, context: str = "") -> None:
        try:
            self.error(conn, event, problem, raise_to_caller=True, context=context)
        except SocketError:
            self._finish(conn, failed=True)
            raise
        self._finish(conn)

    # -- closing ------------------------------------------------------------
    def close(self) -> None:
        if self._state in (SocketState.INACTIVE, SocketState.ERROR):
            return
        conn = self._socket
        if isinstance(conn, AsyncWinSocket) and not conn.on_loop_thread():
            self._close_from_other_thread(conn.loop)
            return
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
        if isinstance(conn, BlockingWinSocket) or (isinstance(conn, AsyncWinSocket)
                                                   and conn.transport is not None):
            conn.close()  # -> connection_closing -> _finish
        else:
            self._finish(conn)  # still looking up or connecting

    def _finish(self, conn: CustomWinSocket, failed: bool = False) -> None:
        """Fire OnDisconnect once for this open() and go inactive."""
        if self._socket is not conn or not conn.begin_disconnect():
            return
        self._change_state(SocketState.ERROR if failed else SocketState.INACTIVE)
        self.fire("OnDisconnect", self.on_disconnect, conn, conn)
        conn.connected = False
        if isinstance(conn, BlockingWinSocket):
            conn.release()
        elif isinstance(conn, AsyncWinSocket) and conn.transport is not None:
            conn.transport.close()

    # -- connection callbacks ---------------------------------------------------
    def connection_made(self, conn: AsyncWinSocket) -> None:
        if self._socket is not conn or self._state is not SocketState.CONNECTING:
            conn.discard()
            return
        tls = conn.transport.get_extra_info("ssl_object") if conn.transport is not None else None
        if tls is not None:
            self.handshake_done(conn, HandshakeInfo.of(tls))
            if self._socket is not conn or self._state is not SocketState.CONNECTING or conn.closing:
                return  # its handler closed it: OnDisconnect has fired
        self._change_state(SocketState.CONNECTED)
        self.fire("OnConnect", self.on_connect, conn, conn)
        if conn.connected and not conn.closing:
            self.fire("OnWrite", self.on_write, conn, conn)

    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None:
        # fire(), unrolled: this runs once per arrival (or per frame)
        if self.observer.active:
            sent_at = conn.sent_at
            if sent_at is not None:  # the time from the last send to this reply
                conn.sent_at = None
                took = f"+{(time.monotonic() - sent_at) * 1000:.1f} ms"
                detail = f"{took}; {detail}" if detail else took
            self.record("OnRead", conn, data, detail=detail)
        handler = self.on_read
        if handler is not None:
            self.call_handler("OnRead", conn, handler, self, conn)

    def connection_writable(self, conn: AsyncWinSocket) -> None:
        self.fire("OnWrite", self.on_write, conn, conn)

    def connection_lost(self, conn: CustomWinSocket, exc: BaseException | None) -> None:
        failed = False
        if exc is not None:
            failed = not self.error(conn, ErrorEvent.DISCONNECT, exc)
        self._finish(conn, failed=failed)

    def connection_closing(self, conn: CustomWinSocket) -> None:
        self._finish(conn)


def _connecting_to(target: Target, sockaddr: tuple[object, ...]) -> str:
    """``connecting to 127.0.0.1:9``, with the name when one was looked up."""
    where = format_peer(sockaddr[:2])
    return f"connecting to {where} ({target.host})" if target.is_name else f"connecting to {where}"

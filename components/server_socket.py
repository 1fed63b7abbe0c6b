"""ServerSocket (TServerSocket): a listening TCP server component.

Event order (components.event_order, the 'listener', 'thread_listener' and
'server_connection' orders; the thread mode's connections follow 'thread_connection',
quoted in components.server_thread; the tests keep this text equal)::

    ServerSocket, its listening socket (stNonBlocking)
      usually: OnListen → Close
      complete when it stops in: start, closed
      start      OnListen → listening
      listening  OnClientError(eeAccept) | OnClientError(eeGeneral) → itself
                 Close → closed
      closed     OnListen → listening

    ServerSocket, its listening socket (stThreadBlocking)
      usually: OnListen → Close
      complete when it stops in: start, closed
      start      OnListen → listening
      listening  OnClientError(eeAccept) | OnClientError(eeGeneral) | OnThreadEnd → itself
                 Close → closed
      closed     OnListen → listening
                 OnThreadEnd → itself

    ServerSocket, stNonBlocking: one accepted connection
      usually: OnGetSocket → OnAccept → OnClientConnect → OnClientWrite
             → (OnClientRead | OnClientWrite)* → OnClientDisconnect
      complete when it stops in: closed
      start      OnGetSocket → made
      made       OnAccept → accepted
                 OnClientError(eeGeneral) → itself
                 OnClientDisconnect → closed
      accepted   OnClientConnect → connected
                 OnHandshake → secured
                 OnClientError(eeConnect) → failed
                 OnClientError(eeGeneral) → itself
                 OnClientDisconnect → closed
      secured    OnClientConnect → connected
                 OnClientError(eeGeneral) → itself
                 OnClientDisconnect → closed
      connected  OnClientWrite → open
                 OnClientError(eeGeneral) → itself
                 OnClientDisconnect → closed
      open       OnClientRead | OnClientWrite | OnClientError(eeGeneral) | OnClientError(eeSend) → itself
                 OnClientError(ee*) → failed
                 OnClientDisconnect → closed
      failed     OnClientDisconnect → closed
      closed     OnClientError(eeGeneral) → itself

Opening binds and listens synchronously, so "address in use" (10048) and an
unknown Service raise SocketError to whoever called open() or set Active. An
empty Address listens on all interfaces, IPv6 and IPv4 alike (``::`` with
IPV6_V6ONLY off), or on all IPv4 interfaces where the system has no IPv6. In
stNonBlocking mode the connections then run on the asyncio loop that was running
at open(); in stThreadBlocking mode an accept thread and one client thread per
connection do the work (components.accepting has both accept loops). Closing
the server stops accepting and frees the port at once, closes every connection,
firing OnClientDisconnect for each (section A.4), and ends every client thread.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import threading
from typing import Any

from components.accepting import LoopAcceptor, thread_accept_loop
from components.addressing import format_peer, lookup_service
from components.component import register
from components.connection import AsyncWinSocket, BlockingWinSocket, CustomWinSocket
from components.enums import ErrorEvent, ServerType, SocketState
from components.errors import ErrorInfo, SocketError, report_error
from components.event_order import SERVER_STATES
from components.listener import ServerWinSocket
from components.metadata import (
    ERROR,
    GET_THREAD,
    KIND_HOST,
    NOTIFY,
    THREAD_NOTIFY,
    Event,
    PropertySpec,
    Published,
    RuntimeInfo,
    Stored,
    validate_host,
)
from components.observer import CALLER_ERROR, LISTENER_CLOSED, THREAD_CACHED, THREAD_REUSED
from components.server_thread import ServerClientThread, ThreadCache
from components.socket_component import SocketComponent
from components.tls import HANDSHAKE_TIMEOUT, HandshakeInfo, TlsSettings

# the class has a 'socket' property, which hides the module inside its annotations
_RawSocket = socket.socket

def _system_backlog() -> int:
    """The system's maximum listen backlog, as the original components asked for (SOMAXCONN):
    on Linux the kernel's net.core.somaxconn, which may be above the header's constant."""
    try:
        with open("/proc/sys/net/core/somaxconn", encoding="ascii") as limit:
            return max(int(limit.read().strip()), socket.SOMAXCONN)
    except (OSError, ValueError):
        return socket.SOMAXCONN


#: How many connections the kernel queues before the server accepts them (a storm of
#: connects is held there, not refused).
BACKLOG = _system_backlog()
#: How long closing the server waits for each client thread to end.
THREAD_JOIN_TIMEOUT = 5.0
#: bind errors that mean "no IPv6 here": an empty Address then listens on IPv4 alone
_NO_IPV6 = {errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT, errno.EINVAL}


@register
class ServerSocket(SocketComponent):
    """A TCP server: listens on Address (all interfaces if empty) at Service or Port."""

    vcl_class = "TServerSocket"
    description = "TCP server (listening socket and its connections)"
    error_event_name = "OnClientError"
    accepts_connections = True
    state_table = SERVER_STATES
    tls_server_side = True

    # A server binds Address (it has no Host), and empty has a meaning worth showing.
    address = Published("Address", str, "", kind=KIND_HOST, validator=validate_host,
                        locked_while_active=True, empty_hint="all interfaces (IPv4 and IPv6)",
                        stored=Stored.NOT_DEFAULT, dfm_order=20,
                        description="Local IP address to listen on; empty listens on all interfaces.")
    server_type = Published("ServerType", ServerType, ServerType.NON_BLOCKING, locked_while_active=True,
                            stored=Stored.ALWAYS, dfm_order=70,
                            description="stNonBlocking: all connections on the loop; "
                                        "stThreadBlocking: a thread per connection.")
    thread_cache_size = Published("ThreadCacheSize", int, 10, minimum=0, maximum=1000,
                                  stored=Stored.NOT_DEFAULT, dfm_order=80,
                                  description="How many idle client threads are kept for reuse.")

    verify_peer = Published("VerifyPeer", bool, False, locked_while_active=True,
                            description="With TLS: require a client certificate signed by CAFile; "
                                        "a client without one fails the handshake.")

    local_port = RuntimeInfo("LocalPort", int, lambda s: max(s.socket.local_port, 0)
                             if s.socket.listening else 0)
    active_connections = RuntimeInfo("ActiveConnections", int, lambda s: s.socket.active_connections)
    active_threads = RuntimeInfo("ActiveThreads", int, lambda s: s.socket.active_threads)
    idle_threads = RuntimeInfo("IdleThreads", int, lambda s: s.socket.idle_threads)

    on_listen = Event("OnListen", NOTIFY, "The server is listening.")
    on_accept = Event("OnAccept", NOTIFY, "A connection was accepted.", connection=True, connects=True)
    on_get_socket = Event("OnGetSocket", NOTIFY, "A connection object is being made for an accept.")
    on_get_thread = Event("OnGetThread", GET_THREAD,
                          "stThreadBlocking: return a ServerClientThread for the connection.")
    on_thread_start = Event("OnThreadStart", THREAD_NOTIFY, "A new client thread starts.")
    on_thread_end = Event("OnThreadEnd", THREAD_NOTIFY, "A client thread ends.")
    on_handshake = Event("OnHandshake", NOTIFY, "With TLS: a client's handshake is done (version, cipher "
                         "and its certificate are in socket.tls); OnClientConnect follows.", connection=True)
    on_client_connect = Event("OnClientConnect", NOTIFY, "A client connection is ready.", connection=True,
                              connects=True)
    on_client_disconnect = Event("OnClientDisconnect", NOTIFY, "A client connection is closing.")
    on_client_read = Event("OnClientRead", NOTIFY, "Bytes arrived from a client.", data=True, connection=True)
    on_client_write = Event("OnClientWrite", NOTIFY, "A client connection can be written to.",
                            connection=True)
    on_client_error = Event("OnClientError", ERROR,
                            "A client connection failed; return 0 to suppress the error.")

    def __init__(self, **properties: Any) -> None:
        self._threads = ThreadCache(self.thread_cache_size)
        self._listener = ServerWinSocket(self, self._threads)
        self._acceptor: LoopAcceptor | None = None
        self._listen_sock: _RawSocket | None = None
        self._accept_thread: threading.Thread | None = None
        self._wake_r: _RawSocket | None = None
        self._wake_w: _RawSocket | None = None
        self._stopping = False
        self._thread_count = 0
        self._tls_ctx: ssl.SSLContext | None = None
        self._handshakes: set[asyncio.Task[None]] = set()  # TLS handshakes under way
        super().__init__(**properties)

    @property
    def socket(self) -> ServerWinSocket:
        """The listening socket: connections, active/idle threads, local address."""
        return self._listener

    def error_handler(self) -> Any:
        return self.on_client_error

    def tls_settings(self) -> TlsSettings:
        return TlsSettings(self.tls_server_side, self.cert_file, self.key_file, self.ca_file, self.verify_peer,
                           self.folder)

    def property_changed(self, spec: PropertySpec, old: Any, new: Any) -> None:
        super().property_changed(spec, old, new)
        if spec.py_name == "thread_cache_size":
            for thread in self._threads.resize(int(new)):
                thread.terminate()

    # -- opening ------------------------------------------------------------
    def open(self) -> None:
        if self.active:
            return
        threaded = self.server_type is ServerType.THREAD_BLOCKING
        loop = None if threaded else self._running_loop()
        self._tls_ctx = self.tls_context_or_raise()
        try:
            sock, everywhere = self._bind_and_listen()
        except SocketError as exc:
            self.last_error = exc
            if exc.info is not None:
                self.record(CALLER_ERROR, None, error=exc.info, detail=str(exc))
            raise
        self.loop = loop
        self.last_error = None
        self._stopping = False
        self._listen_sock = sock
        self._listener.attach(sock, everywhere)
        self._change_state(SocketState.LISTENING)
        sock.setblocking(False)
        if loop is not None:
            self._acceptor = LoopAcceptor(loop, sock, self._adopt, self._accept_failed)
            self._acceptor.start()
        else:
            self._start_accept_thread(sock)
        self.fire("OnListen", self.on_listen, None, self._listener,
                  detail=f"listening on {self._listener.where}")

    def _bind_and_listen(self) -> tuple[_RawSocket, bool]:
        """Bind and listen now, so the caller of open() hears of any failure. Returns the
        socket and whether it listens on all interfaces (empty Address)."""
        try:
            port = lookup_service(self.service) if self.service.strip() else self.port
        except KeyError as exc:
            raise SocketError(f"{self.name}: {exc.args[0]}", ErrorInfo(ErrorEvent.LOOKUP, 0, "", 10109,
                                                                      str(exc.args[0])), self.name) from None
        host = self.address.strip()
        if not host:
            return self._listen_everywhere(port), True
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except OSError as exc:
            raise SocketError.from_info(ErrorInfo.from_exception(ErrorEvent.LOOKUP, exc).during(
                f"looking up {host}"), self.name) from exc
        family, _, _, _, sockaddr = infos[0]
        return self._listen_on(family, sockaddr, f"binding {format_peer(sockaddr)}"), False

    def _listen_everywhere(self, port: int) -> _RawSocket:
        """All interfaces: dual-stack where the system has IPv6, else all of IPv4."""
        where = f"binding all interfaces, port {port}"
        if socket.has_ipv6:
            try:
                return self._listen_on(socket.AF_INET6, ("::", port, 0, 0), where, dual_stack=True)
            except _NoIPv6Error:
                pass
        return self._listen_on(socket.AF_INET, ("0.0.0.0", port), where)

    def _listen_on(self, family: int, sockaddr: Any, where: str, dual_stack: bool = False) -> _RawSocket:
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:
            if dual_stack:
                raise _NoIPv6Error from exc
            raise self._bind_error(exc, where) from exc
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if dual_stack:
                try:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                except (OSError, AttributeError) as exc:  # IPv6 only here: IPv4 must do
                    raise _NoIPv6Error from exc
            sock.bind(sockaddr)
            sock.listen(BACKLOG)
        except _NoIPv6Error:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            if dual_stack and exc.errno in _NO_IPV6:
                raise _NoIPv6Error from exc
            raise self._bind_error(exc, where) from exc
        return sock

    def _bind_error(self, exc: OSError, where: str) -> SocketError:
        return SocketError.from_info(ErrorInfo.from_exception(ErrorEvent.GENERAL, exc).during(where),
                                     self.name)

    # -- closing ------------------------------------------------------------
    def close(self) -> None:
        if self._state in (SocketState.INACTIVE, SocketState.ERROR):
            return
        loop = self.loop
        if loop is not None and loop.is_running() and not _on_loop_thread(loop):
            done = asyncio.run_coroutine_threadsafe(_call(self.close), loop)
            done.result(timeout=THREAD_JOIN_TIMEOUT * 2)
            return
        self._stopping = True
        self._listener.detach()
        if loop is not None:
            acceptor, self._acceptor = self._acceptor, None
            self._listen_sock = None
            if acceptor is not None:
                acceptor.stop()  # the port is free when this returns
            for task in list(self._handshakes):
                task.cancel()
            for conn in self._listener.connections:
                conn.close()  # fires OnClientDisconnect (section A.4)
        else:
            self._stop_threads()
        self._change_state(SocketState.INACTIVE)
        self.fire(LISTENER_CLOSED, None, None)

    def _start_accept_thread(self, sock: _RawSocket) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        thread = threading.Thread(target=thread_accept_loop,
                                  args=(sock, self._wake_r, lambda: self._stopping, self._accepted,
                                        self._accept_failed),
                                  name=f"{self.name or 'ServerSocket'} accept", daemon=True)
        self._accept_thread = thread
        thread.start()

    def _stop_threads(self) -> None:
        current = threading.current_thread()
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass
        accept_thread, self._accept_thread = self._accept_thread, None
        if accept_thread is not None and accept_thread is not current:
            accept_thread.join(THREAD_JOIN_TIMEOUT)
        for s in (self._listen_sock, self._wake_r, self._wake_w):
            if s is not None:
                s.close()
        self._listen_sock = self._wake_r = self._wake_w = None
        threads = self._threads.threads
        for thread in threads:
            thread.terminate()
        for thread in threads:
            if thread is not current and thread.is_alive():
                thread.join(THREAD_JOIN_TIMEOUT)
                if thread.is_alive():
                    report_error(SocketError(
                        f"{self.name}: client thread {thread.name} did not end within "
                        f"{THREAD_JOIN_TIMEOUT:g} s of the server closing; its client_execute should "
                        "check 'terminated'", component=self.name))
        for conn in self._listener.connections:  # accepted but never given to a thread
            if not isinstance(conn, BlockingWinSocket) or conn.worker is None:
                self.finish_connection(conn)

    # -- stNonBlocking callbacks ---------------------------------------------
    def _adopt(self, sock: _RawSocket) -> None:
        """An accepted socket becomes a transport on the loop, with an AsyncWinSocket."""
        loop = self.loop
        assert loop is not None
        loop.create_task(self._connect_accepted(loop, sock))

    async def _connect_accepted(self, loop: asyncio.AbstractEventLoop, sock: _RawSocket) -> None:
        if self._tls_ctx is not None:
            await self._accept_tls(loop, sock, self._tls_ctx)
            return
        try:
            await loop.connect_accepted_socket(lambda: AsyncWinSocket(self, loop), sock)
        except OSError as exc:
            sock.close()
            self.error(None, ErrorEvent.ACCEPT, exc, api="accept")
        except asyncio.CancelledError:  # the loop is ending
            sock.close()
            raise
        except RuntimeError:  # the loop is closing: the socket dies with it
            sock.close()

    def connection_made(self, conn: AsyncWinSocket) -> None:
        if self._state is not SocketState.LISTENING or conn.closing:
            conn.discard()
            return
        if conn.handshaking:  # a TLS connection (_accept_tls): accepted already, now secured
            conn.handshaking = False
            tls = conn.transport.get_extra_info("ssl_object") if conn.transport is not None else None
            if tls is not None:
                self.handshake_done(conn, HandshakeInfo.of(tls))
            self._client_connected(conn)
            return
        self.fire("OnGetSocket", self.on_get_socket, conn, conn)
        if conn.closing:
            return  # its handler closed it: OnClientDisconnect has fired
        self._listener.add(conn)
        self.fire("OnAccept", self.on_accept, conn, conn)
        self._client_connected(conn)

    def _client_connected(self, conn: AsyncWinSocket) -> None:
        if not conn.closing:
            self.fire("OnClientConnect", self.on_client_connect, conn, conn)
        if conn.connected and not conn.closing:
            self.fire("OnClientWrite", self.on_client_write, conn, conn)

    async def _accept_tls(self, loop: asyncio.AbstractEventLoop, sock: _RawSocket, ctx: ssl.SSLContext) -> None:
        """A TLS connection: OnGetSocket and OnAccept for the accepted socket, then the
        handshake; its transport's connection_made fires OnHandshake and OnClientConnect
        (before any byte of the client's is delivered). A failed handshake is
        OnClientError(eeConnect), and the connection closes."""
        conn = AsyncWinSocket(self, loop)
        conn.learn_addresses(sock)
        conn.handshaking = True
        self.fire("OnGetSocket", self.on_get_socket, conn, conn)
        if conn.closing:
            sock.close()
            return
        self._listener.add(conn)
        self.fire("OnAccept", self.on_accept, conn, conn)
        if conn.closing or self._state is not SocketState.LISTENING:
            sock.close()
            self.finish_connection(conn)
            return
        task = asyncio.current_task()
        if task is not None:
            self._handshakes.add(task)
        try:
            await loop.connect_accepted_socket(lambda: conn, sock, ssl=ctx,
                                               ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        except asyncio.CancelledError:  # the server closed meanwhile: OnClientDisconnect has fired
            sock.close()
            self.finish_connection(conn)
        except (OSError, RuntimeError) as exc:  # ssl.SSLError is an OSError
            sock.close()
            if not conn.closing:
                self.error(conn, ErrorEvent.CONNECT, exc, context="during the TLS handshake")
            self.finish_connection(conn)
        finally:
            if task is not None:
                self._handshakes.discard(task)

    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None:
        # fire(), unrolled: this runs once per arrival (or per frame)
        if self.observer.active:
            self.record("OnClientRead", conn, data, detail=detail)
        handler = self.on_client_read
        if handler is not None:
            self.call_handler("OnClientRead", conn, handler, self, conn)

    def connection_writable(self, conn: CustomWinSocket) -> None:
        self.fire("OnClientWrite", self.on_client_write, conn, conn)

    def connection_lost(self, conn: CustomWinSocket, exc: BaseException | None) -> None:
        if exc is not None:
            self.error(conn, ErrorEvent.DISCONNECT, exc)
        self.finish_connection(conn)

    def connection_closing(self, conn: CustomWinSocket) -> None:
        if isinstance(conn, BlockingWinSocket) and conn.worker not in (None, threading.current_thread()):
            conn.shutdown()  # its worker thread wakes and fires OnClientDisconnect
            return
        self.finish_connection(conn)

    def finish_connection(self, conn: CustomWinSocket) -> None:
        """Fire OnClientDisconnect once, forget the connection, release its socket."""
        if not conn.begin_disconnect():
            return
        self.fire("OnClientDisconnect", self.on_client_disconnect, conn, conn)
        self._listener.remove(conn)
        conn.connected = False
        if isinstance(conn, BlockingWinSocket):
            conn.release()
        elif isinstance(conn, AsyncWinSocket) and conn.transport is not None:
            conn.transport.close()

    # -- stThreadBlocking ---------------------------------------------------
    def _accept_failed(self, exc: OSError, detail: str) -> None:
        """An accept failed (components.accepting has already rate-limited it)."""
        self.error(None, ErrorEvent.ACCEPT, exc, api="accept", detail=detail)

    def _accepted(self, sock: _RawSocket) -> None:
        conn = BlockingWinSocket(self, sock)
        self.fire("OnGetSocket", self.on_get_socket, conn, conn)
        if conn.closing:
            return  # its handler closed it: OnClientDisconnect has fired
        self._listener.add(conn)
        self.fire("OnAccept", self.on_accept, conn, conn)
        if conn.closing:
            self.finish_connection(conn)
            return
        thread = self._threads.take_idle()
        if thread is not None:
            if self.observer.active:
                self.record(THREAD_REUSED, conn, detail=thread.name)
            self._threads.hand_over(thread, conn)
            return
        supplied = self.fire("OnGetThread", self.on_get_thread, conn, conn)
        if conn.closing:  # the handler closed it, or raised
            self.finish_connection(conn)
            return
        if isinstance(supplied, ServerClientThread) and not supplied.is_alive():
            thread = supplied
        else:
            if supplied is not None:
                report_error(SocketError(f"{self.name}: OnGetThread returned {supplied!r}, not a new "
                                         "ServerClientThread; using the default thread", component=self.name))
            thread = ServerClientThread(conn)
        self._thread_count += 1
        thread.attach(self, self._threads, f"{self.name or 'ServerSocket'} client {self._thread_count}")
        self._threads.enlist(thread, conn)  # from here on only that thread finishes the connection
        try:
            thread.start()
        except RuntimeError as exc:  # the system refused another thread
            self._threads.leave(thread)
            conn.worker = None
            self.error(conn, ErrorEvent.ACCEPT, OSError(errno.EAGAIN, f"can't start a thread: {exc}"))
            self.finish_connection(conn)

    # -- what client threads call back (components.server_thread.ThreadHost) --------
    def thread_started(self, thread: ServerClientThread) -> None:
        self.fire("OnThreadStart", self.on_thread_start, thread.client_socket, thread)

    def thread_connection_started(self, conn: BlockingWinSocket) -> None:
        """Called on the worker thread before client_execute: the TLS handshake and
        OnHandshake (with TLS), then OnClientConnect. A failed handshake is
        OnClientError(eeConnect) and the connection closes."""
        ctx = self._tls_ctx
        if ctx is not None:
            try:
                tls = conn.start_tls(ctx, HANDSHAKE_TIMEOUT)
            except OSError as exc:  # ssl.SSLError is one
                if not conn.closing and not self._stopping:
                    self.error(conn, ErrorEvent.CONNECT, exc, context="during the TLS handshake")
                conn.close()
                return
            self.handshake_done(conn, HandshakeInfo.of(tls))
            if conn.closing:
                return
        self.fire("OnClientConnect", self.on_client_connect, conn, conn)

    def thread_cached(self, thread: ServerClientThread, conn: BlockingWinSocket) -> None:
        if self.observer.active:
            self.record(THREAD_CACHED, conn, detail=thread.name)

    def thread_ended(self, thread: ServerClientThread) -> None:
        self.fire("OnThreadEnd", self.on_thread_end, thread.client_socket, thread)


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _call(fn: Any) -> None:
    fn()


class _NoIPv6Error(Exception):
    """Dual-stack listening is not possible here; all of IPv4 will do."""


"""ServerSocket (TServerSocket): a listening TCP server component.

Event order (checked by the tests against components.event_order)::

    listener:    OnListen -> ... -> Close
    connection, stNonBlocking:
                 OnGetSocket -> OnAccept -> OnClientConnect -> OnClientWrite
                 -> (OnClientRead | OnClientWrite)* -> [OnClientError] -> OnClientDisconnect
    connection, stThreadBlocking (see components.server_thread):
                 OnGetSocket -> OnAccept -> [OnGetThread] -> [OnThreadStart | ThreadReused]
                 -> OnClientConnect -> OnClientWrite -> OnClientRead* -> [OnClientError]
                 -> OnClientDisconnect -> [OnThreadEnd | ThreadCached]

Opening binds and listens synchronously, so "address in use" (10048) and an
unknown Service raise SocketError to whoever called open() or set Active. In
stNonBlocking mode the connections then run on the asyncio loop that was running
at open(); in stThreadBlocking mode an accept thread and one client thread per
connection do the work. Closing the server closes every connection, firing
OnClientDisconnect for each (section A.4), and ends every client thread.
"""

from __future__ import annotations

import asyncio
import errno
import selectors
import socket
import threading
from typing import Any

from components.addressing import lookup_service
from components.component import register
from components.connection import AsyncWinSocket, BlockingWinSocket, CustomWinSocket
from components.enums import ErrorEvent, ServerType, SocketState
from components.errors import ErrorInfo, SocketError, report_error
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
    validate_host,
)
from components.observer import CALLER_ERROR, LISTENER_CLOSED, THREAD_REUSED
from components.server_thread import ServerClientThread
from components.socket_component import SocketComponent

# the class has a 'socket' property, which hides the module inside its annotations
_RawSocket = socket.socket

BACKLOG = 128
#: How long closing the server waits for each client thread to end.
THREAD_JOIN_TIMEOUT = 5.0
#: Accept errors that mean "out of resources": back off instead of spinning.
_RESOURCE_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


@register
class ServerSocket(SocketComponent):
    """A TCP server: listens on Address (all interfaces if empty) at Service or Port."""

    vcl_class = "TServerSocket"
    description = "TCP server (listening socket and its connections)"
    error_event_name = "OnClientError"

    # A server binds Address (it has no Host), and empty has a meaning worth showing.
    address = Published("Address", str, "", kind=KIND_HOST, validator=validate_host,
                        locked_while_active=True, empty_hint="all interfaces (IPv4 and IPv6)",
                        description="Local IP address to listen on; empty listens on all interfaces.")
    server_type = Published("ServerType", ServerType, ServerType.NON_BLOCKING, locked_while_active=True,
                            description="stNonBlocking: all connections on the loop; "
                                        "stThreadBlocking: a thread per connection.")
    thread_cache_size = Published("ThreadCacheSize", int, 10, minimum=0, maximum=1000,
                                  description="How many idle client threads are kept for reuse.")

    local_port = RuntimeInfo("LocalPort", int, lambda s: max(s.socket.local_port, 0)
                             if s.socket.listening else 0)
    active_connections = RuntimeInfo("ActiveConnections", int, lambda s: s.socket.active_connections)
    active_threads = RuntimeInfo("ActiveThreads", int, lambda s: s.socket.active_threads)
    idle_threads = RuntimeInfo("IdleThreads", int, lambda s: s.socket.idle_threads)

    on_listen = Event("OnListen", NOTIFY, "The server is listening.")
    on_accept = Event("OnAccept", NOTIFY, "A connection was accepted.")
    on_get_socket = Event("OnGetSocket", NOTIFY, "A connection object is being made for an accept.")
    on_get_thread = Event("OnGetThread", GET_THREAD,
                          "stThreadBlocking: return a ServerClientThread for the connection.")
    on_thread_start = Event("OnThreadStart", THREAD_NOTIFY, "A new client thread starts.")
    on_thread_end = Event("OnThreadEnd", THREAD_NOTIFY, "A client thread ends.")
    on_client_connect = Event("OnClientConnect", NOTIFY, "A client connection is ready.")
    on_client_disconnect = Event("OnClientDisconnect", NOTIFY, "A client connection is closing.")
    on_client_read = Event("OnClientRead", NOTIFY, "Bytes arrived from a client.")
    on_client_write = Event("OnClientWrite", NOTIFY, "A client connection can be written to.")
    on_client_error = Event("OnClientError", ERROR,
                            "A client connection failed; return 0 to suppress the error.")

    def __init__(self, **properties: Any) -> None:
        self._listener = ServerWinSocket(self)
        self._server_task: asyncio.Task[asyncio.AbstractServer] | None = None
        self._listen_sock: _RawSocket | None = None
        self._accept_thread: threading.Thread | None = None
        self._wake_r: _RawSocket | None = None
        self._wake_w: _RawSocket | None = None
        self._stopping = False
        self._thread_count = 0
        super().__init__(**properties)

    @property
    def socket(self) -> ServerWinSocket:
        """The listening socket: connections, active/idle threads, local address."""
        return self._listener

    def error_handler(self) -> Any:
        return self.on_client_error

    def property_changed(self, spec: PropertySpec, old: Any, new: Any) -> None:
        super().property_changed(spec, old, new)
        if spec.py_name == "thread_cache_size":
            for thread in self._listener.resize_cache(int(new)):
                thread.terminate()

    # -- opening ------------------------------------------------------------
    def open(self) -> None:
        if self.active:
            return
        threaded = self.server_type is ServerType.THREAD_BLOCKING
        loop = None if threaded else self._running_loop()
        try:
            sock = self._bind_and_listen()
        except SocketError as exc:
            self.last_error = exc
            if exc.info is not None:
                self.record(CALLER_ERROR, None, error=exc.info, detail=str(exc))
            raise
        self.loop = loop
        self.last_error = None
        self._stopping = False
        self._listen_sock = sock
        self._listener.attach(sock)
        self._set_state(SocketState.LISTENING)
        if loop is not None:
            sock.setblocking(False)
            self._server_task = loop.create_task(
                loop.create_server(lambda: AsyncWinSocket(self, loop), sock=sock, backlog=BACKLOG))
        else:
            self._start_accept_thread(sock)
        where = f"{self._listener.local_address}:{self._listener.local_port}"
        self.fire("OnListen", self.on_listen, None, self._listener, detail=f"listening on {where}")

    def _bind_and_listen(self) -> _RawSocket:
        """Bind and listen now, so the caller of open() hears of any failure."""
        try:
            port = lookup_service(self.service) if self.service.strip() else self.port
        except KeyError as exc:
            raise SocketError(f"{self.name}: {exc.args[0]}", ErrorInfo(ErrorEvent.LOOKUP, 0, "", 10109,
                                                                      str(exc.args[0])), self.name) from None
        host = self.address or "0.0.0.0"
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except OSError as exc:
            raise SocketError.from_info(ErrorInfo.from_exception(ErrorEvent.LOOKUP, exc),
                                        self.name, "getaddrinfo") from exc
        family, type_, proto, _, sockaddr = infos[0]
        sock = socket.socket(family, type_, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(sockaddr)
            sock.listen(BACKLOG)
        except OSError as exc:
            sock.close()
            raise SocketError.from_info(ErrorInfo.from_exception(ErrorEvent.GENERAL, exc),
                                        self.name, "bind") from exc
        return sock

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
            self._stop_serving(loop)
            for conn in self._listener.connections:
                conn.close()  # fires OnClientDisconnect (section A.4)
        else:
            self._stop_threads()
        self._set_state(SocketState.INACTIVE)
        self.fire(LISTENER_CLOSED, None, None)

    def _stop_serving(self, loop: asyncio.AbstractEventLoop) -> None:
        task, self._server_task = self._server_task, None
        sock, self._listen_sock = self._listen_sock, None
        if task is not None and task.done() and not task.cancelled() and task.exception() is None:
            task.result().close()
        elif task is not None and not loop.is_closed():
            # create_server has not finished: close the server as soon as it exists
            task.add_done_callback(_close_server_when_made)
        elif sock is not None:
            sock.close()

    def _start_accept_thread(self, sock: _RawSocket) -> None:
        sock.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        thread = threading.Thread(target=self._accept_loop, args=(sock, self._wake_r),
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
        threads = self._listener.threads
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
    def connection_made(self, conn: AsyncWinSocket) -> None:
        if self._state is not SocketState.LISTENING:
            conn._closing = True
            if conn.transport is not None:
                conn.transport.abort()
            return
        self.fire("OnGetSocket", self.on_get_socket, conn, conn)
        self._listener.add(conn)
        self.fire("OnAccept", self.on_accept, conn, conn)
        if not conn.closing:
            self.fire("OnClientConnect", self.on_client_connect, conn, conn)
        if conn.connected and not conn.closing:
            self.fire("OnClientWrite", self.on_client_write, conn, conn)

    def connection_read(self, conn: AsyncWinSocket, data: bytes) -> None:
        if self.observer.active:
            self.record("OnClientRead", conn, data)
        handler = self.on_client_read
        if handler is not None:
            try:
                handler(self, conn)
            except Exception as exc:
                self.handler_failed("OnClientRead", conn, exc)

    def connection_writable(self, conn: AsyncWinSocket) -> None:
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
        with conn.lock():
            if getattr(conn, "disconnect_fired", False):
                return
            conn.disconnect_fired = True  # type: ignore[attr-defined]
            conn._closing = True
        self.fire("OnClientDisconnect", self.on_client_disconnect, conn, conn)
        self._listener.remove(conn)
        conn.connected = False
        if isinstance(conn, BlockingWinSocket):
            conn.release()
        elif isinstance(conn, AsyncWinSocket) and conn.transport is not None:
            conn.transport.close()

    # -- stThreadBlocking ---------------------------------------------------
    def _accept_loop(self, lsock: _RawSocket, wake: _RawSocket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(lsock, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not self._stopping:
                ready = selector.select()
                if self._stopping or any(key.fileobj is wake for key, _ in ready):
                    break
                try:
                    sock, _ = lsock.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as exc:
                    if self._stopping:
                        break
                    self.error(None, ErrorEvent.ACCEPT, exc, api="accept")
                    if exc.errno in _RESOURCE_ERRNOS:
                        selector.select(0.1)  # back off until descriptors free up, or a stop
                    continue
                self._accepted(sock)

    def _accepted(self, sock: _RawSocket) -> None:
        conn = BlockingWinSocket(self, sock)
        self.fire("OnGetSocket", self.on_get_socket, conn, conn)
        self._listener.add(conn)
        self.fire("OnAccept", self.on_accept, conn, conn)
        if conn.closing:
            self.finish_connection(conn)
            return
        thread = self._listener.pop_idle_thread()
        if thread is not None:
            if self.observer.active:
                self.record(THREAD_REUSED, conn, detail=thread.name)
            thread.reactivate(conn)
            return
        supplied = self.fire("OnGetThread", self.on_get_thread, conn, conn)
        if isinstance(supplied, ServerClientThread) and not supplied.is_alive():
            thread = supplied
            thread.client_socket = thread._next = conn
        else:
            if supplied is not None:
                report_error(SocketError(f"{self.name}: OnGetThread returned {supplied!r}, not a new "
                                         "ServerClientThread; using the default thread", component=self.name))
            thread = ServerClientThread(conn)
        self._thread_count += 1
        thread.attach(self, f"{self.name or 'ServerSocket'} client {self._thread_count}")
        conn.worker = thread  # from here on only that thread finishes the connection
        self._listener.add_thread(thread, self.thread_cache_size)
        try:
            thread.start()
        except RuntimeError as exc:  # the system refused another thread
            self._listener.thread_gone(thread)
            conn.worker = None
            self.error(conn, ErrorEvent.ACCEPT, OSError(errno.EAGAIN, f"can't start a thread: {exc}"))
            self.finish_connection(conn)

    def thread_connection_started(self, conn: BlockingWinSocket) -> None:
        """Called on the worker thread before client_execute: OnClientConnect."""
        self.fire("OnClientConnect", self.on_client_connect, conn, conn)


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _call(fn: Any) -> None:
    fn()


def _close_server_when_made(task: asyncio.Task[asyncio.AbstractServer]) -> None:
    if not task.cancelled() and task.exception() is None:
        task.result().close()


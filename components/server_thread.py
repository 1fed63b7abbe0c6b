"""ServerClientThread: one thread per connection in stThreadBlocking mode, and the
thread cache that reuses them.

Theory of operation (SCKTCOMP.md section A, items 2, 3, 5, 6, 8):

* The server's accept thread accepts a connection, fires OnGetSocket and
  OnAccept, then hands the connection to an idle cached thread (recorded as
  "ThreadReused") or, when none waits, asks OnGetThread for a thread (a
  ServerClientThread subclass) and starts it (or a default one).
* A new thread fires OnThreadStart. For each connection it serves it fires
  OnClientConnect, runs ``client_execute()``, and fires OnClientDisconnect when
  the connection ends (peer closed, local close, server close or an error).
  Then it goes back to the cache if ``keep_in_cache`` (the first
  ThreadCacheSize threads), or ends with OnThreadEnd.
* Every one of those handlers runs on the worker (or accept) thread, as in the
  original, so they must be thread-safe. The event stream records which thread.
* Closing the server sets ``terminated`` on every thread and shuts their
  sockets down, which wakes any blocking read at once; the server then joins
  them. Custom ``client_execute`` code should check ``terminated`` and treat
  a read of b"" as the end of the connection.
* An exception escaping ``client_execute`` goes to ``handle_exception`` (which
  reports it as an error of that connection) and the thread leaves the cache.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from components.connection import BlockingWinSocket
from components.enums import ErrorEvent
from components.observer import THREAD_CACHED

if TYPE_CHECKING:
    from components.listener import ServerWinSocket
    from components.server_socket import ServerSocket


class ServerClientThread(threading.Thread):
    """A server client thread. Subclass it and override ``client_execute()``."""

    def __init__(self, client_socket: BlockingWinSocket | None = None) -> None:
        super().__init__(daemon=True)
        self.client_socket: BlockingWinSocket | None = client_socket
        self.server_socket: ServerWinSocket | None = (
            client_socket.owner.socket if client_socket is not None else None)  # type: ignore[attr-defined]
        self.keep_in_cache = False
        self.data: Any = None
        self._terminated = False
        self._wake = threading.Condition()
        self._next: BlockingWinSocket | None = client_socket
        self._server: ServerSocket | None = None

    @property
    def terminated(self) -> bool:
        """True once the server asked this thread to stop."""
        return self._terminated

    @property
    def server(self) -> ServerSocket:
        assert self._server is not None, "the thread has not been given to a server"
        return self._server

    def attach(self, server: ServerSocket, name: str) -> None:
        self._server = server
        self.server_socket = server.socket
        self.name = name

    def terminate(self) -> None:
        """Ask the thread to stop: wakes it if idle and ends its connection."""
        self._terminated = True
        conn = self.client_socket
        if conn is not None:
            conn.shutdown()
        with self._wake:
            self._wake.notify_all()

    def reactivate(self, conn: BlockingWinSocket) -> None:
        """Give a cached thread its next connection."""
        conn.worker = self
        with self._wake:
            self._next = conn
            self._wake.notify_all()

    def _take_work(self) -> BlockingWinSocket | None:
        with self._wake:
            while self._next is None and not self._terminated:
                self._wake.wait()
            conn, self._next = self._next, None
        if conn is not None and self._terminated:
            self.server.finish_connection(conn)  # handed over just as the server closed
            return None
        return conn

    def run(self) -> None:
        server = self.server
        listener = server.socket
        server.fire("OnThreadStart", server.on_thread_start, self.client_socket, self)
        try:
            while True:
                conn = self._take_work()
                if conn is None:
                    break
                self.client_socket = conn
                try:
                    server.thread_connection_started(conn)
                    if not conn.closing:
                        self.client_execute()
                except Exception as exc:
                    self.keep_in_cache = False
                    self.handle_exception(exc)
                finally:
                    server.finish_connection(conn)
                if self._terminated or not self.keep_in_cache:
                    break
                self.client_socket = None
                listener.thread_idle(self)
                if server.observer.active:
                    server.record(THREAD_CACHED, conn, detail=self.name)
        finally:
            server.fire("OnThreadEnd", server.on_thread_end, self.client_socket, self)
            self.client_socket = None
            listener.thread_gone(self)

    def client_execute(self) -> None:
        """Serve one connection. By default: OnClientWrite once, then OnClientRead
        whenever bytes arrive, until the peer closes or the server stops."""
        server = self.server
        conn = self.client_socket
        assert conn is not None
        server.fire("OnClientWrite", server.on_client_write, conn, conn)
        while not self._terminated and not conn.closing:
            # a plain blocking read: terminate() and close() from other threads shut the
            # socket down, which ends the read with b"" at once
            try:
                data = conn.fill()
            except OSError as exc:
                server.error(conn, ErrorEvent.RECEIVE, exc)
                break
            if not data:
                break  # the peer closed
            server.fire("OnClientRead", server.on_client_read, conn, conn, data=data)
            conn.wait_drained(lambda: self._terminated)

    def handle_exception(self, exc: BaseException) -> None:
        """Report an exception that escaped client_execute as an error of its connection."""
        self.server.handler_failed("ClientExecute", self.client_socket, exc)

"""ServerClientThread: one thread per connection in stThreadBlocking mode, and the
ThreadCache that keeps and reuses them.

Event order of a connection and its thread (components.event_order, the
'thread_connection' order; tests/components/test_event_order.py keeps this equal)::

    ServerSocket, stThreadBlocking: one accepted connection and its thread
      usually: OnGetSocket → OnAccept → OnGetThread → OnThreadStart → OnClientConnect
             → (OnClientRead | OnClientWrite)* → OnClientDisconnect → OnThreadEnd
      complete when it stops in: closed, ended
      start       OnGetSocket → made
      made        OnAccept → accepted
                  OnClientError(eeGeneral) → itself
                  OnClientDisconnect → closed
      accepted    OnGetThread → new_thread
                  ThreadReused → on_thread
                  OnClientError(eeGeneral) → itself
                  OnClientDisconnect → closed
      new_thread  OnThreadStart → on_thread
                  OnClientError(eeGeneral) → itself
                  OnClientError(eeAccept) → failed
                  OnClientDisconnect → closed
      on_thread   OnClientConnect → serving
                  OnHandshake → secured
                  OnClientError(eeConnect) → failed
                  OnClientError(eeGeneral) → itself
                  OnClientDisconnect → closed
      secured     OnClientConnect → serving
                  OnClientError(eeGeneral) → itself
                  OnClientDisconnect → closed
      serving     OnClientRead | OnClientWrite | OnClientError(ee*) → itself
                  OnClientDisconnect → closed
      failed      OnClientDisconnect → closed
      closed      OnThreadEnd | ThreadCached → ended
                  OnClientError(eeGeneral) → itself
      ended       nothing more

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

Who talks to whom: the server gives connections to the ``ThreadCache`` (``enlist``
for a new thread, ``take_idle`` and ``hand_over`` for a cached one); a thread takes
them from there (``next_connection``) and goes back there (``park``). For its events
a thread calls its server through ``ThreadHost``, which is all it knows of it.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from components.connection import BlockingWinSocket, CustomWinSocket
from components.enums import ErrorEvent


class ThreadHost(Protocol):
    """What a client thread needs from its server (ServerSocket is one)."""

    @property
    def socket(self) -> object:
        """The listening socket (a ServerWinSocket), the thread's ``server_socket``."""

    def thread_started(self, thread: ServerClientThread) -> None: ...

    def thread_connection_started(self, conn: BlockingWinSocket) -> None: ...

    def connection_writable(self, conn: CustomWinSocket) -> None: ...

    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None: ...

    def error(self, conn: CustomWinSocket | None, event: ErrorEvent, problem: BaseException,
              *, raise_to_caller: bool = False) -> bool: ...

    def handler_failed(self, event: str, conn: CustomWinSocket | None, exc: BaseException) -> None: ...

    def finish_connection(self, conn: CustomWinSocket) -> None: ...

    def thread_cached(self, thread: ServerClientThread, conn: BlockingWinSocket) -> None: ...

    def thread_ended(self, thread: ServerClientThread) -> None: ...


class _Slot:
    """Where a thread waits for its next connection."""

    __slots__ = ("conn", "wake")

    def __init__(self, lock: threading.Lock, conn: BlockingWinSocket) -> None:
        self.conn: BlockingWinSocket | None = conn
        self.wake = threading.Condition(lock)


class ThreadCache:
    """A server's client threads, serving or idle, and the hand-over of connections.

    One lock guards the lists and every hand-over. Each thread waits on a condition
    of its own (over that lock), so handing a connection to an idle thread wakes that
    thread alone. The first ``size`` threads are kept when their connection ends
    (``keep_in_cache``); the others end.
    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._threads: list[ServerClientThread] = []
        self._idle: list[ServerClientThread] = []
        self._slots: dict[ServerClientThread, _Slot] = {}

    # -- what the server and the application read -----------------------------
    @property
    def threads(self) -> list[ServerClientThread]:
        with self._lock:
            return list(self._threads)

    @property
    def active(self) -> int:
        """Threads serving a connection now."""
        with self._lock:
            return len(self._threads) - len(self._idle)

    @property
    def idle(self) -> int:
        """Threads waiting in the cache for the next connection."""
        return len(self._idle)

    def serving(self, conn: CustomWinSocket) -> ServerClientThread | None:
        """The thread that serves ``conn``, if any."""
        with self._lock:
            for thread in self._threads:
                if thread.client_socket is conn:
                    return thread
        return None

    # -- the server's side --------------------------------------------------
    def enlist(self, thread: ServerClientThread, conn: BlockingWinSocket) -> None:
        """A new thread, before it starts, with its first connection."""
        with self._lock:
            self._threads.append(thread)
            thread.keep_in_cache = len(self._threads) <= self._size
            self._slots[thread] = _Slot(self._lock, conn)
            thread.client_socket = conn
            conn.worker = thread

    def take_idle(self) -> ServerClientThread | None:
        """An idle thread for the next connection (give it with ``hand_over``), or None."""
        with self._lock:
            return self._idle.pop() if self._idle else None

    def hand_over(self, thread: ServerClientThread, conn: BlockingWinSocket) -> None:
        """Give a thread from ``take_idle`` its next connection, and wake it."""
        with self._lock:
            conn.worker = thread
            slot = self._slots[thread]
            slot.conn = conn
            slot.wake.notify()

    def resize(self, size: int) -> list[ServerClientThread]:
        """Keep the first ``size`` threads from now on; returns the idle threads that are now
        beyond the cache (the caller ends them)."""
        with self._lock:
            self._size = size
            for index, thread in enumerate(self._threads):
                thread.keep_in_cache = index < size
            surplus = [t for t in self._idle if not t.keep_in_cache]
            for thread in surplus:
                self._idle.remove(thread)
        return surplus

    def wake(self, thread: ServerClientThread) -> None:
        """Wake a waiting thread (it has been terminated)."""
        with self._lock:
            slot = self._slots.get(thread)
            if slot is not None:
                slot.wake.notify()

    def leave(self, thread: ServerClientThread) -> None:
        """Forget a thread that ended (or never started)."""
        with self._lock:
            if thread in self._idle:
                self._idle.remove(thread)
            if thread in self._threads:
                self._threads.remove(thread)
            self._slots.pop(thread, None)

    # -- the thread's side --------------------------------------------------
    def next_connection(self, thread: ServerClientThread) -> BlockingWinSocket | None:
        """Wait for the thread's next connection; None once it is terminated and has none."""
        with self._lock:
            slot = self._slots[thread]
            while slot.conn is None and not thread.terminated:
                slot.wake.wait()
            conn, slot.conn = slot.conn, None
            return conn

    def park(self, thread: ServerClientThread) -> bool:
        """The thread's connection ended: True if it now waits in the cache, False if it
        should end (terminated, or no longer among the first ``size``)."""
        with self._lock:
            if thread.terminated or not thread.keep_in_cache or thread not in self._slots:
                return False
            if thread not in self._idle:
                self._idle.append(thread)
            return True


class ServerClientThread(threading.Thread):
    """A server client thread. Subclass it and override ``client_execute()``."""

    def __init__(self, client_socket: BlockingWinSocket | None = None) -> None:
        super().__init__(daemon=True)
        self.client_socket: BlockingWinSocket | None = client_socket
        #: the server's listening socket (ServerWinSocket)
        self.server_socket: object = getattr(client_socket.owner, "socket", None) if client_socket else None
        self.keep_in_cache = False
        self.data: Any = None
        self._terminated = False
        self._host: ThreadHost | None = None
        self._cache: ThreadCache | None = None

    @property
    def terminated(self) -> bool:
        """True once the server asked this thread to stop."""
        return self._terminated

    @property
    def server(self) -> ThreadHost:
        """The server this thread works for (its ServerSocket)."""
        assert self._host is not None, "the thread has not been given to a server"
        return self._host

    def attach(self, host: ThreadHost, cache: ThreadCache, name: str) -> None:
        """Work for ``host``, taking connections from ``cache`` (before ``start``)."""
        self._host = host
        self._cache = cache
        self.server_socket = host.socket
        self.name = name

    def terminate(self) -> None:
        """Ask the thread to stop: wakes it if idle and ends its connection."""
        self._terminated = True
        conn = self.client_socket
        if conn is not None:
            conn.shutdown()
        if self._cache is not None:
            self._cache.wake(self)

    def run(self) -> None:
        host = self.server
        cache = self._cache
        assert cache is not None
        host.thread_started(self)
        try:
            while True:
                conn = cache.next_connection(self)
                if conn is None:
                    break
                if self._terminated:
                    host.finish_connection(conn)  # handed over just as the server closed
                    break
                self.client_socket = conn
                try:
                    # a handler (OnThreadStart, OnClientConnect) may have closed it already
                    if not conn.closing:
                        host.thread_connection_started(conn)
                    if not conn.closing:
                        self.client_execute()
                except Exception as exc:
                    self.keep_in_cache = False
                    self.handle_exception(exc)
                finally:
                    host.finish_connection(conn)
                if self._terminated or not self.keep_in_cache:
                    break
                self.client_socket = None
                if not cache.park(self):
                    break  # terminated or dropped from the cache meanwhile
                host.thread_cached(self, conn)
        finally:
            host.thread_ended(self)
            self.client_socket = None
            cache.leave(self)

    def client_execute(self) -> None:
        """Serve one connection. By default: OnClientWrite once, then OnClientRead
        whenever bytes arrive, until the peer closes or the server stops."""
        server = self.server
        conn = self.client_socket
        assert conn is not None
        server.connection_writable(conn)
        framer = conn.framer
        pause = framer.spec.idle_ms / 1000 if framer is not None and framer.spec.idle_ms else None

        def terminated() -> bool:
            return self._terminated

        while not self._terminated and not conn.closing:
            if pause is not None and framer is not None and framer.buffered and not conn.wait_readable(pause):
                conn.deliver_frame(framer.flush())  # idle:<ms>: nothing came for that long
                continue
            # a plain blocking read: terminate() and close() from other threads shut the
            # socket down, which ends the read with b"" at once
            try:
                data = conn.fill()
            except OSError as exc:
                server.error(conn, ErrorEvent.RECEIVE, exc)
                break
            if not data:
                if not self._terminated and not conn.closing:
                    conn.end_of_stream()  # the peer closed: an unterminated tail is a last frame
                break
            if framer is None:
                server.connection_read(conn, data)
                conn.wait_drained(terminated)
            elif not conn.deliver_bytes(data):
                break

    def handle_exception(self, exc: BaseException) -> None:
        """Report an exception that escaped client_execute as an error of its connection."""
        self.server.handler_failed("ClientExecute", self.client_socket, exc)

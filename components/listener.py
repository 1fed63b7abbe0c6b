"""ServerWinSocket: a ServerSocket's listening socket and what it keeps track of.

``ServerSocket.socket`` is this object. It lists the open server connections
(``connections``, ``active_connections``) and, in stThreadBlocking mode, the
server's client threads: ``active_threads`` (serving a connection) and
``idle_threads`` (waiting in the thread cache). All lists are guarded by one
lock, because the accept thread, the worker threads and the application read
and change them at the same time.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from components.addressing import format_peer
from components.connection import CustomWinSocket

if TYPE_CHECKING:
    from components.server_socket import ServerSocket
    from components.server_thread import ServerClientThread


class ServerWinSocket:
    """The listening socket of a ServerSocket (TServerWinSocket)."""

    def __init__(self, owner: ServerSocket) -> None:
        self.owner = owner
        self.data: object = None
        self._lock = threading.RLock()
        self._connections: list[CustomWinSocket] = []
        self._threads: list[ServerClientThread] = []
        self._idle: list[ServerClientThread] = []
        self._local: tuple[object, ...] = ()
        self._everywhere = False
        self.listening = False

    # -- addresses ----------------------------------------------------------
    def attach(self, sock: socket.socket, everywhere: bool = False) -> None:
        """Listening on ``sock``; ``everywhere`` when it was bound to all interfaces."""
        self._local = tuple(sock.getsockname())
        self._everywhere = everywhere
        self.listening = True

    def detach(self) -> None:
        self.listening = False

    @property
    def connected(self) -> bool:
        """True while listening (the VCL's Connected for a listening socket)."""
        return self.listening

    @property
    def local_address(self) -> str:
        return str(self._local[0]) if self._local else ""

    @property
    def local_port(self) -> int:
        """The port it listens on (the real one when Port was 0); -1 before the first listen."""
        return int(self._local[1]) if self._local else -1  # type: ignore[call-overload]

    @property
    def where(self) -> str:
        """Where it listens, for people: ``127.0.0.1:7007``, ``[::1]:7007``, or ``all
        interfaces, port 7007`` (``all IPv4 interfaces`` where the system has no IPv6)."""
        if not self._local:
            return ""
        if self._everywhere:
            kind = "all interfaces" if ":" in self.local_address else "all IPv4 interfaces"
            return f"{kind}, port {self.local_port}"
        return format_peer(self._local)

    @property
    def local_host(self) -> str:
        return socket.gethostname() if self._local else ""

    def lock(self) -> threading.RLock:
        return self._lock

    # -- connections ----------------------------------------------------------
    @property
    def connections(self) -> list[CustomWinSocket]:
        """A snapshot of the open server connections, oldest first."""
        with self._lock:
            return list(self._connections)

    @property
    def active_connections(self) -> int:
        return len(self._connections)

    def add(self, conn: CustomWinSocket) -> None:
        with self._lock:
            self._connections.append(conn)

    def remove(self, conn: CustomWinSocket) -> None:
        with self._lock:
            try:
                self._connections.remove(conn)
            except ValueError:
                pass

    # -- threads (stThreadBlocking) ---------------------------------------------
    @property
    def active_threads(self) -> int:
        """Client threads serving a connection now."""
        with self._lock:
            return len(self._threads) - len(self._idle)

    @property
    def idle_threads(self) -> int:
        """Client threads waiting in the cache for the next connection."""
        return len(self._idle)

    @property
    def threads(self) -> list[ServerClientThread]:
        with self._lock:
            return list(self._threads)

    def get_client_thread(self, conn: CustomWinSocket) -> ServerClientThread | None:
        with self._lock:
            for thread in self._threads:
                if thread.client_socket is conn:
                    return thread
        return None

    def add_thread(self, thread: ServerClientThread, cache_size: int) -> None:
        with self._lock:
            self._threads.append(thread)
            thread.keep_in_cache = len(self._threads) <= cache_size

    def thread_idle(self, thread: ServerClientThread) -> None:
        with self._lock:
            if thread in self._threads and thread not in self._idle:
                self._idle.append(thread)

    def pop_idle_thread(self) -> ServerClientThread | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def thread_gone(self, thread: ServerClientThread) -> None:
        with self._lock:
            if thread in self._idle:
                self._idle.remove(thread)
            if thread in self._threads:
                self._threads.remove(thread)

    def resize_cache(self, cache_size: int) -> list[ServerClientThread]:
        """Re-mark which threads stay cached; returns idle threads now beyond the cache."""
        with self._lock:
            for index, thread in enumerate(self._threads):
                thread.keep_in_cache = index < cache_size
            surplus = [t for t in self._idle if not t.keep_in_cache]
            for thread in surplus:
                self._idle.remove(thread)
        return surplus

    def __repr__(self) -> str:
        return (f"<ServerWinSocket {self.local_address}:{self.local_port} "
                f"{'listening' if self.listening else 'closed'}, {self.active_connections} connections>")

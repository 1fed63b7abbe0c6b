"""ServerWinSocket: a ServerSocket's listening socket and what it keeps track of.

``ServerSocket.socket`` is this object. It lists the open server connections
(``connections``, ``active_connections``) and, in stThreadBlocking mode, the
server's client threads, which its ThreadCache (components.server_thread) keeps:
``active_threads`` (serving a connection) and ``idle_threads`` (waiting in the
cache). The accept thread, the worker threads and the application read and change
these lists at the same time, so each is guarded by a lock: the connections by
``lock()``, the threads by the cache's own.
"""

from __future__ import annotations

import socket
import threading

from components.addressing import format_peer
from components.connection import ConnectionOwner, CustomWinSocket
from components.server_thread import ServerClientThread, ThreadCache


class ServerWinSocket:
    """The listening socket of a ServerSocket (TServerWinSocket)."""

    def __init__(self, owner: ConnectionOwner, threads: ThreadCache) -> None:
        self.owner = owner
        self.data: object = None
        self._lock = threading.RLock()
        self._connections: list[CustomWinSocket] = []
        self._threads = threads
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
        return self._threads.active

    @property
    def idle_threads(self) -> int:
        """Client threads waiting in the cache for the next connection."""
        return self._threads.idle

    @property
    def threads(self) -> list[ServerClientThread]:
        return self._threads.threads

    def get_client_thread(self, conn: CustomWinSocket) -> ServerClientThread | None:
        return self._threads.serving(conn)

    def __repr__(self) -> str:
        return (f"<ServerWinSocket {self.local_address}:{self.local_port} "
                f"{'listening' if self.listening else 'closed'}, {self.active_connections} connections>")

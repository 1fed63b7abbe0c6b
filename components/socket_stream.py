"""SocketStream (TWinSocketStream): timed reads and writes on a blocking connection.

The connection's own methods never wait; a SocketStream does, up to a timeout:
``read`` returns b"" when nothing arrived in time *or* when the peer closed
(call ``wait_for_data`` first: True followed by an empty read means the peer
closed, the usual idiom), ``write`` returns how many bytes went out before the
timeout (0 if none), and ``wait_for_data`` checks readability only (section A.7).
"""

from __future__ import annotations

import select
import time
from types import TracebackType

from components.connection import BlockingWinSocket, CustomWinSocket
from components.enums import ErrorEvent
from components.errors import SocketError
from components.observer import RECEIVE


class SocketStream:
    """Blocking reads and writes with a timeout, on a ctBlocking or thread-mode connection."""

    def __init__(self, socket: CustomWinSocket, timeout_ms: int) -> None:
        if not isinstance(socket, BlockingWinSocket):
            raise SocketError("Socket must be in blocking mode")
        if timeout_ms < 0:
            raise SocketError(f"SocketStream timeout must be 0 ms or more, not {timeout_ms}")
        self.socket = socket
        self.timeout_ms = timeout_ms

    def __enter__(self) -> SocketStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Leaving the block does not close the connection (as the original's Free)."""

    def wait_for_data(self, timeout_ms: int | None = None) -> bool:
        """True when bytes (or the end of the stream) can be read within the timeout."""
        timeout = self.timeout_ms if timeout_ms is None else timeout_ms
        return self.socket.wait_readable(timeout / 1000.0)

    def read(self, count: int) -> bytes:
        """Up to ``count`` bytes; b"" on timeout or when the peer has closed."""
        conn = self.socket
        if count <= 0:
            return b""
        if conn.buffered:
            return conn.receive_buf(count)
        if not conn.wait_readable(self.timeout_ms / 1000.0):
            return b""
        sock = conn.sock
        if sock is None or conn.closing:
            return b""
        try:
            data = conn.recv_now(count)
        except OSError as exc:
            self._failed(ErrorEvent.RECEIVE, exc, "recv")
            return b""
        if not data:
            return b""
        conn.bytes_in += len(data)
        if conn.owner.observer.tap is not None:
            conn.tap_received(data)
        if conn.owner.observer.active:
            conn.owner.record(RECEIVE, conn, data)
        return data

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Send as much of ``data`` as goes out within the timeout; the count sent."""
        conn = self.socket
        view = memoryview(data).cast("B")
        deadline = time.monotonic() + self.timeout_ms / 1000.0
        sent = 0
        while sent < len(view):
            sock = conn.sock
            if sock is None or conn.closing:
                break
            remaining = deadline - time.monotonic()
            if remaining < 0:
                break
            try:
                _, writable, _ = select.select([], [sock], [], remaining)
            except (OSError, ValueError):
                break
            if not writable:
                break
            try:
                sent += conn.send_some(view[sent:])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                self._failed(ErrorEvent.SEND, exc, "send")
                break
        if sent:
            conn.bytes_out += sent
            conn.record_send(view[:sent])
        return sent

    def _failed(self, event: ErrorEvent, exc: OSError, api: str) -> None:
        """OnError, close the connection, and raise unless the handler set the code to 0."""
        conn = self.socket
        error: SocketError | None = None
        try:
            conn.owner.error(conn, event, exc, raise_to_caller=True, api=api)
        except SocketError as raised:
            error = raised
        conn.close()
        if error is not None:
            raise error

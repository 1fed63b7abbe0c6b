"""Connection objects (TCustomWinSocket): one TCP connection each.

``CustomWinSocket`` holds what every connection has: addresses, the receive
buffer, ``data``, the lock, and the text helpers. Two subclasses move the bytes:

* ``AsyncWinSocket`` is an asyncio Protocol for the non-blocking modes. It runs
  on whichever loop opened it (asyncio, uvloop, qasync); its events fire on that
  loop's thread. Calls from other threads are handed to the loop.
* ``BlockingWinSocket`` wraps a blocking socket for ctBlocking clients and
  stThreadBlocking servers; SocketStream and ServerClientThread drive it.

Theory of operation: flow control and "no data lost, memory bounded".

* Receiving: bytes that arrive are appended to the connection's receive buffer
  and OnRead/OnClientRead fires. A handler takes them with receive_buf /
  receive_text. Bytes a handler leaves stay buffered (OnRead fires again when
  more arrive). Past RECEIVE_HIGH_WATER buffered bytes the engine stops reading
  from the socket (pause_reading, or the worker thread waits), so the kernel
  buffers fill and the *sender* stalls; once the application has taken the
  buffer below RECEIVE_LOW_WATER, reading resumes.
* Sending: send_buf queues all bytes and returns the count. Only when more than
  ``send_buffer_cap`` bytes would then be waiting does it refuse with -1 (the
  original's "would block"), from any thread; OnWrite fires when the queue has
  drained. OnWrite also fires once after connect/accept (SCKTCOMP.md section A).
* Forwarding without loss (an echo, a relay): code that moves bytes from a
  receive buffer into a send queue asks ``send_congested`` first. While the queue
  is over its high-water mark it leaves the bytes where they are and registers
  ``when_drained(callback)``; the receive buffer then fills, reading pauses (see
  above), and the sender stalls. ``send_room()`` says how many bytes fit under the
  cap, so one forward never overshoots it. A peer that half-closes meanwhile is
  closed only once the callbacks that waited have run and wait no more, so the
  tail of its bytes is still forwarded. In blocking connections send_buf waits for
  the kernel instead, so they are never congested.
* Other threads: send_buf called off the loop thread puts the bytes on a pending
  list, counted against the cap like queued bytes, and schedules one flush per
  batch on the loop (one call_soon_threadsafe however many calls the batch has).
* The owner (ClientSocket or ServerSocket) decides which events a connection
  fires; connections call back into it through ``connection_made``,
  ``connection_read``, ``connection_writable``, ``connection_lost`` and
  ``connection_closing``. ``ConnectionOwner`` is all a connection knows of its owner,
  so this module needs none of the component modules.
* The disconnect event fires once per connection: whoever finishes a connection asks
  ``begin_disconnect()`` first, and only the first caller fires it.
"""

from __future__ import annotations

import array
import asyncio
import errno
import fcntl
import itertools
import select
import socket
import ssl
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO, Any, Protocol

from components.addressing import format_peer, unmapped
from components.enums import ErrorEvent
from components.errors import ErrorInfo, SocketError, errno_name, winsock_code
from components.framing import BadFrameLength, Framer, FrameTooLong
from components.observer import (
    CALLER_ERROR,
    CLOSED_ABORT,
    CLOSED_LOCAL,
    CLOSED_REMOTE,
    CLOSED_RESET,
    SEND,
    ObserverStream,
)
from components.tls import TLS_RECORD, HandshakeInfo

#: the detail of the read record of a last frame the stream ended inside
INCOMPLETE_FRAME = "incomplete frame: the stream ended before its terminator"
RECEIVE_HIGH_WATER = 4 * 1024 * 1024
RECEIVE_LOW_WATER = 1 * 1024 * 1024
SEND_BUFFER_CAP = 64 * 1024 * 1024
WRITE_HIGH_WATER = 1024 * 1024  # transport buffer size past which OnWrite is re-armed
STREAM_CHUNK = 256 * 1024
RECV_CHUNK = 256 * 1024
#: The most frames one connection delivers in one pass of a non-blocking loop: a read of
#: 256 KiB of short lines is thousands of frames, and delivering them all at once kept
#: the loop (the GUI, with the integrated loop) from everything else for tens of ms.
#: The rest wait for the next pass, reading paused meanwhile, so order is kept.
FRAMES_PER_PASS = 256

_ids = itertools.count(1)


def next_connection_id() -> int:
    """A new connection id, unique in the process (a UdpSocket's endpoint takes one too)."""
    return next(_ids)


# Why bytes were not sent (report_not_sent); the errno gives the record its Winsock number.
NOT_SENT_QUEUE_FULL = "queue full"
NOT_SENT_CLOSED = "closed"
NOT_SENT_STREAM_BUSY = "stream busy"
NOT_SENT_FAILED = "failed"
_NOT_SENT_ERRNO = {NOT_SENT_QUEUE_FULL: errno.EWOULDBLOCK, NOT_SENT_CLOSED: errno.ENOTCONN,
                   NOT_SENT_STREAM_BUSY: errno.EALREADY, NOT_SENT_FAILED: 0}
_NOT_SENT_WORDS = {
    NOT_SENT_CLOSED: "the connection is closed",
    NOT_SENT_STREAM_BUSY: "another file is still being sent on this connection",
    NOT_SENT_FAILED: "the send failed (the error record before this one says why)",
}


class ConnectionOwner(Protocol):
    """What a connection needs from the component that owns it (SocketComponent is one)."""

    observer: ObserverStream
    #: True for a listener's connections (the peer connected), False for a client's
    @property
    def accepts_connections(self) -> bool: ...

    @property
    def encoding(self) -> str: ...

    def record(self, event: str, conn: CustomWinSocket | None, data: bytes | bytearray | memoryview = b"",
               byte_count: int | None = None, error: ErrorInfo | None = None, detail: str = "") -> None: ...

    def error(self, conn: CustomWinSocket | None, event: ErrorEvent, problem: BaseException | ErrorInfo,
              *, raise_to_caller: bool = False, api: str = "") -> bool: ...

    def call_handler(self, event: str, conn: CustomWinSocket | None, handler: Callable[..., Any],
                     *args: Any) -> Any: ...

    def connection_made(self, conn: AsyncWinSocket) -> None: ...

    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None: ...

    def new_framer(self) -> Framer | None: ...

    def connection_writable(self, conn: AsyncWinSocket) -> None: ...

    def connection_lost(self, conn: CustomWinSocket, exc: BaseException | None) -> None: ...

    def connection_closing(self, conn: CustomWinSocket) -> None: ...


class CustomWinSocket:
    """One TCP connection: addresses, receive buffer, send helpers, ``data``, ``lock()``."""

    def __init__(self, owner: ConnectionOwner, conn_id: int | None = None) -> None:
        self.id = next(_ids) if conn_id is None else conn_id
        self.owner = owner
        self.data: Any = None
        self.connected = False
        self.connected_since: float | None = None  # time.time() when the connection came up
        self.peer = ""
        self.bytes_in = 0
        self.bytes_out = 0
        self._send_cap = SEND_BUFFER_CAP
        self._lock = threading.RLock()
        self._rx: deque[bytes] = deque()
        self._rx_len = 0
        self._local: tuple[Any, ...] = ()
        self._remote: tuple[Any, ...] = ()
        self._remote_host: str | None = None
        self._closing = False
        self._disconnected = False  # the disconnect event has fired (begin_disconnect)
        #: cuts the byte stream into frames when the owner's Framing is not 'none'
        self.framer: Framer | None = owner.new_framer()
        self._close_callbacks: list[Callable[[], None]] = []  # add_close_callback
        self._send_label: tuple[int, str] | None = None  # (thread, label) of a send_labelled
        #: time.monotonic() of the last send while someone listened, for the reply time a
        #: ClientSocket's read record shows ("+3.2 ms"); None once a read has taken it
        self.sent_at: float | None = None
        #: what the TLS handshake gave (version, cipher, peer certificate); None without TLS
        self.tls: HandshakeInfo | None = None

    def learn_addresses(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        try:
            self._local = unmapped(tuple(sock.getsockname()))
            self._remote = unmapped(tuple(sock.getpeername()))
        except OSError:
            pass
        self.peer = format_peer(self._remote)

    def _mark_connected(self) -> None:
        self.connected = True
        self.connected_since = time.time()
        tap = self.owner.observer.tap
        if tap is not None:
            tap.opened(self, self.owner.accepts_connections)

    def tap_received(self, data: bytes) -> None:
        """Hand bytes just read to the payload tap, when a recorder listens."""
        tap = self.owner.observer.tap
        if tap is not None:
            tap.payload(self, False, data)

    def tap_closed(self, how: str) -> None:
        tap = self.owner.observer.tap
        if tap is not None:
            tap.closed(self, how)

    # -- addresses ----------------------------------------------------------
    @property
    def local_host(self) -> str:
        return socket.gethostname() if self._local else ""

    @property
    def local_address(self) -> str:
        return str(self._local[0]) if self._local else ""

    @property
    def local_port(self) -> int:
        return int(self._local[1]) if self._local else -1

    @property
    def remote_address(self) -> str:
        return str(self._remote[0]) if self._remote else ""

    @property
    def remote_port(self) -> int:
        return int(self._remote[1]) if self._remote else 0

    @property
    def remote_host(self) -> str:
        """The peer's name. Never blocks: the reverse lookup runs on a helper thread and is
        cached; until it answers (or if it fails) this is the peer's address."""
        if not self._remote:
            return ""
        if self._remote_host is None:
            self._remote_host = self.remote_address
            address = self.remote_address

            def lookup() -> None:
                try:
                    self._remote_host = socket.gethostbyaddr(address)[0]
                except OSError:
                    pass

            threading.Thread(target=lookup, name="RemoteHost lookup", daemon=True).start()
        return self._remote_host

    @property
    def closing(self) -> bool:
        return self._closing

    def begin_disconnect(self) -> bool:
        """Mark the connection closing; True for the first caller only, who then fires
        the disconnect event (OnDisconnect / OnClientDisconnect) and releases it."""
        with self._lock:
            if self._disconnected:
                return False
            self._disconnected = True
            self._closing = True
            callbacks, self._close_callbacks = self._close_callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a broken callback must not keep the connection open
                pass
        return True

    def add_close_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` once when the connection finishes (from the thread that
        finishes it, before the disconnect event); at once if it has finished already.
        Returns a function that forgets the callback (for a repeat stopped earlier)."""
        with self._lock:
            finished = self._disconnected
            if not finished:
                self._close_callbacks.append(callback)
        if finished:
            callback()

        def forget() -> None:
            with self._lock:
                if callback in self._close_callbacks:
                    self._close_callbacks.remove(callback)

        return forget

    def lock(self) -> threading.RLock:
        """The connection's lock, for ``with conn.lock(): ...`` around several calls."""
        return self._lock

    # -- receiving ----------------------------------------------------------
    def receive_length(self) -> int:
        """Bytes waiting to be read."""
        return self._rx_len

    @property
    def buffered(self) -> int:
        """Bytes in the receive buffer (not counting any the kernel still holds)."""
        return self._rx_len

    def receive_buf(self, count: int = -1) -> bytes:
        """Take up to ``count`` waiting bytes (all if count < 0); b"" if none. Never blocks."""
        with self._lock:
            if count < 0 or count >= self._rx_len:
                rx = self._rx
                data = rx[0] if len(rx) == 1 else b"".join(rx)
                rx.clear()
                self._rx_len = 0
            else:
                data = self._take(count)
        self._taken()
        return data

    def _take(self, count: int) -> bytes:
        rx = self._rx
        parts = []
        need = count
        while need > 0:
            chunk = rx.popleft()
            if len(chunk) > need:
                parts.append(chunk[:need])
                rx.appendleft(chunk[need:])
                need = 0
            else:
                parts.append(chunk)
                need -= len(chunk)
        self._rx_len -= count
        return b"".join(parts)

    def _taken(self) -> None:
        """Called after the application took bytes: resume reading if it was paused."""

    def receive_text(self) -> str:
        """Everything waiting, decoded with the component's Encoding; undecodable bytes
        survive a receive/send round trip (surrogateescape)."""
        return self.receive_buf(-1).decode(self.owner.encoding, "surrogateescape")

    # -- framing (see components.framing) -----------------------------------------
    def deliver_bytes(self, data: bytes) -> bool:
        """Feed arrived bytes to the framer and fire the read event once per complete frame.
        False when the stream broke its framing (too long, a bad length): the error has been
        reported and the connection closed."""
        frames, failure = self._frames_of(data)
        for frame in frames:
            if self._closing:
                break
            self.deliver_frame(frame)
        if failure is not None:
            self._frame_failed(failure)
            return False
        return True

    def _frames_of(self, data: bytes) -> tuple[list[bytes], FrameTooLong | BadFrameLength | None]:
        """The complete frames ``data`` ends, and the framing failure after them if any."""
        framer = self.framer
        assert framer is not None
        try:
            return framer.feed(data), None
        except (FrameTooLong, BadFrameLength) as exc:
            return exc.frames, exc

    def deliver_frame(self, frame: bytes, detail: str = "") -> None:
        """Make ``frame`` the current frame (what receive_buf / receive_text / receive_length
        give) and fire the read event for it; what the handler leaves of it goes with it."""
        with self._lock:
            self._rx.clear()
            if frame:
                self._rx.append(frame)
            self._rx_len = len(frame)
        try:
            self.owner.connection_read(self, frame, detail)
        finally:
            with self._lock:
                self._rx.clear()
                self._rx_len = 0

    def end_of_stream(self) -> None:
        """The peer closed: bytes that never got their terminator come as a last frame."""
        if self.framer is not None:
            tail = self.framer.finish()
            if tail:
                self.deliver_frame(tail, INCOMPLETE_FRAME)

    def _frame_failed(self, exc: Exception) -> None:
        info = ErrorInfo(ErrorEvent.RECEIVE, errno.EMSGSIZE, errno_name(errno.EMSGSIZE),
                         winsock_code(errno.EMSGSIZE), f"Message too long: {exc}")
        self.owner.error(self, ErrorEvent.RECEIVE, info, api="recv")
        self.close()  # the stream is out of step with its framing: nothing after it can be trusted

    def send_frame(self, data: bytes | bytearray | memoryview) -> int:
        """Send one frame: ``data`` with the terminator or length header the owner's Framing
        implies (ValueError when it can't be framed, e.g. the wrong size for fixed:)."""
        framer = self.framer
        return self.send_buf(framer.spec.encode(bytes(data)) if framer is not None else data)

    def send_frame_text(self, text: str) -> int:
        return self.send_frame(text.encode(self.owner.encoding, "surrogateescape"))

    # -- sending ------------------------------------------------------------
    def send_text(self, text: str) -> int:
        return self.send_buf(text.encode(self.owner.encoding, "surrogateescape"))

    def send_buf(self, data: bytes | bytearray | memoryview) -> int:
        """Queue every byte and return the count; 0 when not connected, -1 (nothing
        queued) when the queue would go over ``send_buffer_cap``."""
        return 0

    def send_labelled(self, data: bytes | bytearray | memoryview, label: str) -> int:
        """send_buf, with ``label`` (a saved message's name) as the detail of its Send record."""
        self._send_label = (threading.get_ident(), label)
        try:
            return self.send_buf(data)
        finally:
            self._send_label = None

    @property
    def send_buffer_cap(self) -> int:
        """How many bytes may wait in the send queue before send_buf refuses with -1."""
        return self._send_cap

    @send_buffer_cap.setter
    def send_buffer_cap(self, value: int) -> None:
        self._send_cap = max(int(value), 1)
        self._send_cap_changed()

    def _send_cap_changed(self) -> None:
        """Called after send_buffer_cap changed."""

    def send_queue_length(self) -> int:
        """Bytes accepted by send_buf that the kernel has not taken yet."""
        return 0

    def send_room(self) -> int:
        """How many more bytes send_buf takes now without going over the cap; -1 when
        there is no such limit (blocking connections: send_buf waits for the kernel)."""
        return -1

    @property
    def send_congested(self) -> bool:
        """True while the send queue is over its high-water mark: code that forwards
        bytes should leave them in the receive buffer and wait for ``when_drained``."""
        return False

    def when_drained(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call ``callback(*args)`` once when the send queue is no longer congested.
        Non-blocking: on the loop thread, from the path that fires OnWrite (on the next
        loop pass if the queue is not congested now); registering the same callback and
        arguments again while it waits has no effect, and it is forgotten if the
        connection closes first. Blocking connections are never congested: at once."""
        callback(*args)

    def report_not_sent(self, count: int, reason: str, source: str = "") -> None:
        """Put an Error record on the observer stream: ``count`` bytes that ``source``
        (say "Reply with text") meant to send were not sent, because ``reason``
        (one of the NOT_SENT_* reasons, from ``why_not_sent``)."""
        errno_ = _NOT_SENT_ERRNO.get(reason, 0)
        who = f"{source}: " if source else ""
        units = "byte" if count == 1 else "bytes"
        info = ErrorInfo(ErrorEvent.SEND, errno_, errno_name(errno_), winsock_code(errno_),
                         f"{who}{count:,} {units} not sent: {self.why_not_sent(reason)}")
        self.owner.record(CALLER_ERROR, self, error=info)

    def why_not_sent(self, reason: str) -> str:
        """The words for a NOT_SENT_* reason, with this connection's figures."""
        if reason == NOT_SENT_QUEUE_FULL:
            return (f"the send queue holds {self.send_queue_length():,} bytes and its cap "
                    f"(send_buffer_cap) is {self._send_cap:,}")
        return _NOT_SENT_WORDS[reason]

    def refusal(self, result: int) -> str:
        """The NOT_SENT_* reason for a send_buf result that is not the full count."""
        return NOT_SENT_FAILED if result < 0 else NOT_SENT_CLOSED

    def stream_refusal(self) -> str:
        """The NOT_SENT_* reason send_stream returned False."""
        return NOT_SENT_STREAM_BUSY if self.connected and not self._closing else NOT_SENT_CLOSED

    def send_stream(self, stream: IO[bytes]) -> bool:
        """Send a binary file object to its end; the connection owns and closes it.
        False (and the caller keeps the file) if another stream is still being sent."""
        return self._send_stream(stream, drop=False)

    def send_stream_then_drop(self, stream: IO[bytes]) -> bool:
        """As send_stream, then close this connection once the last byte has gone out."""
        return self._send_stream(stream, drop=True)

    def _send_stream(self, stream: IO[bytes], drop: bool) -> bool:
        return False

    def close(self) -> None:
        """Close the connection (a connection that never opened has nothing to close)."""

    def record_send(self, data: bytes | bytearray | memoryview) -> None:
        """Put a Send record for ``data`` on the observer stream, when anyone listens."""
        owner = self.owner
        observer = owner.observer
        if observer.tap is not None:
            observer.tap.payload(self, True, data)
        if observer.active:
            label = self._send_label
            detail = label[1] if label is not None and label[0] == threading.get_ident() else ""
            owner.record(SEND, self, data, detail=detail)
            self.sent_at = time.monotonic()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "closed"
        return f"<{type(self).__name__} #{self.id} {self.peer or '-'} {state}>"


class AsyncWinSocket(CustomWinSocket, asyncio.Protocol):
    """A non-blocking connection: an asyncio Protocol on the loop that opened it."""

    def __init__(self, owner: ConnectionOwner, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(owner)
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self._loop_thread = threading.get_ident()
        self._write_paused = False
        self._read_paused = False
        self._stream: IO[bytes] | None = None
        self._drop_after_stream = False
        # bytes other threads handed to send_buf, not yet written to the transport
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._pending_lock = threading.Lock()
        self._flush_scheduled = False
        self._refused_off_loop = False
        self._until_empty = False  # write limits lowered so a refusal hears of the drain
        self._high_water = 0  # the transport's write high-water mark as set (send_buf's fast path)
        self._eof_waiting = False  # the peer closed while drained callbacks still waited
        self._drained: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self._idle: asyncio.TimerHandle | None = None  # Framing idle:<ms>: the pause timer
        self._aborted = False  # discard() aborted the transport (for the payload tap)
        # frames read but not yet delivered (more than FRAMES_PER_PASS came in one read)
        self._backlog: deque[bytes] = deque()
        self._backlog_failure: FrameTooLong | BadFrameLength | None = None
        self._backlog_paused = False  # reading paused until the backlog is delivered
        #: a TLS server connection whose handshake is under way (accepted, no transport yet)
        self.handshaking = False

    # -- asyncio.Protocol -----------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one
        self.transport = transport  # type: ignore[assignment]
        assert self.transport is not None
        self._loop_thread = threading.get_ident()
        self.learn_addresses(transport.get_extra_info("socket"))
        self._apply_write_limits()
        self._mark_connected()
        self.owner.connection_made(self)

    def data_received(self, data: bytes) -> None:
        n = len(data)
        if self.owner.observer.tap is not None:
            self.tap_received(data)
        if self.framer is not None:
            self.bytes_in += n
            frames, failure = self._frames_of(data)
            if self._backlog or len(frames) > FRAMES_PER_PASS:
                self._backlog.extend(frames)
                self._backlog_failure = self._backlog_failure or failure
                self._deliver_backlog()
                return
            for frame in frames:
                if self._closing:
                    return
                self.deliver_frame(frame)
            self._after_frames(failure)
            return
        with self._lock:
            self._rx.append(data)
            self._rx_len += n
            over = self._rx_len >= RECEIVE_HIGH_WATER
        self.bytes_in += n
        if over and not self._read_paused and self.transport is not None:
            self._read_paused = True
            self.transport.pause_reading()
        self.owner.connection_read(self, data)

    def _after_frames(self, failure: FrameTooLong | BadFrameLength | None) -> None:
        if failure is not None:
            self._frame_failed(failure)
        elif self.framer is not None and self.framer.spec.idle_ms and self.framer.buffered:
            self._arm_idle()

    def _deliver_backlog(self) -> None:
        """Deliver up to FRAMES_PER_PASS waiting frames; with more waiting, reading pauses and
        the next pass goes on (so one connection's burst cannot hold the loop)."""
        backlog = self._backlog
        popleft = backlog.popleft
        for _ in range(min(FRAMES_PER_PASS, len(backlog))):
            if self._closing:
                backlog.clear()
                return
            self.deliver_frame(popleft())
        if self._closing:
            backlog.clear()
            return
        if backlog:
            if not self._backlog_paused and self.transport is not None:
                self._backlog_paused = True
                self.transport.pause_reading()
            self.loop.call_soon(self._deliver_backlog)
            return
        if self._backlog_paused:
            self._backlog_paused = False
            if self.transport is not None:
                self.transport.resume_reading()
        failure, self._backlog_failure = self._backlog_failure, None
        self._after_frames(failure)

    def _flush_backlog(self) -> None:
        """The connection ends: deliver what is still waiting, in order, at once."""
        backlog = self._backlog
        while backlog and not self._closing:
            self.deliver_frame(backlog.popleft())
        backlog.clear()
        self._backlog_failure = None

    def _arm_idle(self) -> None:
        """Framing idle:<ms>: the frame ends when no byte came for that long."""
        self._cancel_idle()
        assert self.framer is not None
        self._idle = self.loop.call_later(self.framer.spec.idle_ms / 1000, self._idle_passed)

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _idle_passed(self) -> None:
        self._idle = None
        if self.framer is not None and not self._closing:
            frame = self.framer.flush()
            if frame:
                self.deliver_frame(frame)

    def eof_received(self) -> bool:
        if self._drained:
            # the peer has finished sending, but forwarding code still waits for the queue
            # to drain, with bytes of this peer to send: keep the sending half open until
            # it is done (see _after_drained); the events then follow as for any close
            self._eof_waiting = True
            return True
        return False  # the transport closes; connection_lost follows with exc None

    def discard(self) -> None:
        """Drop a connection its owner no longer wants (it came up after Active went
        False): no events, the transport aborts."""
        self._closing = True
        self._aborted = True
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._drop_stream()
        self._drained.clear()
        self._eof_waiting = False
        self._cancel_idle()
        if self.owner.observer.tap is not None and self.connected_since is not None:
            if self._aborted:
                how = CLOSED_ABORT
            elif self._closing:
                how = CLOSED_LOCAL
            elif exc is None:
                how = CLOSED_REMOTE
            else:
                how = CLOSED_RESET if isinstance(exc, ConnectionResetError | BrokenPipeError) else CLOSED_ABORT
            self.tap_closed(how)
        if self._closing:
            self._backlog.clear()
            return  # we closed it; the disconnect event has fired already
        if self._backlog:
            self._flush_backlog()
        if exc is None:
            self.end_of_stream()
        self._closing = True
        self.connected = False
        self.owner.connection_lost(self, exc)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        # asyncio calls this from inside its write path; closing the transport there
        # (a drop after the stream, a handler calling close) would have it release
        # the socket twice, so do the work on the next loop pass.
        self.loop.call_soon(self._resumed)

    def _resumed(self) -> None:
        if self._write_paused:
            return  # paused again meanwhile; the next resume does the work
        if self._until_empty:
            self._until_empty = False
            self._apply_write_limits()
        if self._stream is not None:
            self._pump_stream()
        elif self.connected and not self._closing:
            self.owner.connection_writable(self)
        if self._drained and not self._write_paused and self.connected and not self._closing:
            waiting, self._drained = self._drained, []
            for callback, args in waiting:
                self.owner.call_handler("when_drained", self, callback, *args)
            self._after_drained()

    def _after_drained(self) -> None:
        """After drained callbacks ran: finish a peer's close they had held up, unless
        they wait for the queue again."""
        if self._eof_waiting and not self._drained and self.transport is not None and not self._closing:
            self._eof_waiting = False
            self.transport.close()  # connection_lost(None) follows: the peer's close, as usual

    # -- flow control ---------------------------------------------------------
    def _write_high_water(self) -> int:
        # below the cap, so the queue pauses (and drains) before send_buf has to refuse
        return min(WRITE_HIGH_WATER, max(self._send_cap // 2, 1))

    def _apply_write_limits(self) -> None:
        if self.transport is not None and not self._until_empty:
            self._high_water = self._write_high_water()
            self.transport.set_write_buffer_limits(high=self._high_water)

    def _send_cap_changed(self) -> None:
        if self.on_loop_thread():
            self._apply_write_limits()
        else:
            self.loop.call_soon_threadsafe(self._apply_write_limits)

    def send_queue_length(self) -> int:
        transport = self.transport
        return self._pending_len + (transport.get_write_buffer_size() if transport is not None else 0)

    def send_room(self) -> int:
        # send_queue_length(), inlined: Echo back asks this once per message
        transport = self.transport
        queued = self._pending_len + (transport.get_write_buffer_size() if transport is not None else 0)
        return max(self._send_cap - queued, 0)

    @property
    def send_congested(self) -> bool:
        return self._write_paused

    def when_drained(self, callback: Callable[..., Any], *args: Any) -> None:
        if not self.on_loop_thread():
            self.loop.call_soon_threadsafe(self.when_drained, callback, *args)
            return
        if not self.connected or self._closing:
            return
        if not self._write_paused:
            self.loop.call_soon(self._drained_now, callback, args)
        elif (callback, args) not in self._drained:
            self._drained.append((callback, args))

    def _drained_now(self, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self.connected and not self._closing:
            self.owner.call_handler("when_drained", self, callback, *args)
            self._after_drained()

    def refusal(self, result: int) -> str:
        return NOT_SENT_QUEUE_FULL if result < 0 else NOT_SENT_CLOSED

    def _refused(self) -> None:
        """send_buf said -1: make sure OnWrite follows once the queue has drained, even
        when the queue is under its high-water mark (one large buffer was refused)."""
        transport = self.transport
        if self._write_paused or transport is None or self._closing:
            return
        if not transport.get_write_buffer_size():  # drained already (a refusal off the loop)
            self.loop.call_soon(self._resumed)
            return
        self._until_empty = True
        self._high_water = 0
        transport.set_write_buffer_limits(high=0)  # pauses now; resume_writing when empty

    # -- application side -----------------------------------------------------
    def on_loop_thread(self) -> bool:
        """True on the thread of the loop this connection runs on."""
        return threading.get_ident() == self._loop_thread

    def _taken(self) -> None:
        if self._read_paused and self._rx_len < RECEIVE_LOW_WATER:
            if self.on_loop_thread():
                self._resume_reading()
            else:
                self.loop.call_soon_threadsafe(self._resume_reading)

    def _resume_reading(self) -> None:
        if self._read_paused and self.transport is not None and not self._closing:
            self._read_paused = False
            self.transport.resume_reading()

    def send_buf(self, data: bytes | bytearray | memoryview) -> int:
        transport = self.transport
        if not self.connected or self._closing or transport is None:
            return 0
        if threading.get_ident() != self._loop_thread:
            return self._send_from_thread(transport, data)
        n = len(data)
        if self._pending_len:
            self._flush_pending()  # what other threads sent earlier goes first
        # An unpaused transport holds at most its high-water mark (it pauses as soon as a
        # write takes it over), so a send that fits in the cap above that mark needs no
        # look at the queue: one call less per message on the hot path.
        if self._write_paused or n > self._send_cap - self._high_water:
            waiting = transport.get_write_buffer_size()
            if waiting and waiting + n > self._send_cap:
                self._refused()
                return -1  # nothing queued; OnWrite fires once the queue drains
        transport.write(data)
        self.bytes_out += n
        self.record_send(data)
        return n

    def send_labelled(self, data: bytes | bytearray | memoryview, label: str) -> int:
        if not self.on_loop_thread() and self.connected and not self._closing:
            # the Send record is made where the bytes are written: on the loop
            payload = bytes(data)
            try:
                self.loop.call_soon_threadsafe(super().send_labelled, payload, label)
            except RuntimeError:  # the loop has closed: the connection is gone with it
                return 0
            return len(payload)
        return super().send_labelled(data, label)

    def _send_from_thread(self, transport: asyncio.Transport, data: bytes | bytearray | memoryview) -> int:
        """send_buf off the loop thread: the same cap, counted with what is pending."""
        payload = bytes(data)
        n = len(payload)
        with self._pending_lock:
            waiting = self._pending_len + transport.get_write_buffer_size()
            refused = bool(waiting) and waiting + n > self._send_cap
            if refused:
                self._refused_off_loop = True
            else:
                self._pending.append(payload)
                self._pending_len += n
            if self._flush_scheduled:
                return -1 if refused else n
            self._flush_scheduled = True
        try:
            self.loop.call_soon_threadsafe(self._flush_pending)
        except RuntimeError:  # the loop has closed: the connection is gone with it
            with self._pending_lock:
                self._pending.clear()
                self._pending_len = 0
                self._flush_scheduled = False
            return 0
        return -1 if refused else n

    def _flush_pending(self) -> None:
        """On the loop: write what other threads queued, in the order they queued it."""
        transport = self.transport
        live = self.connected and not self._closing and transport is not None
        with self._pending_lock:
            batch, self._pending = self._pending, []
            self._flush_scheduled = False
            refused, self._refused_off_loop = self._refused_off_loop, False
            if live:
                # under the lock, so other threads never count these bytes twice or not at all
                for payload in batch:
                    transport.write(payload)  # type: ignore[union-attr]
            self._pending_len = 0
        if live:
            for payload in batch:
                self.bytes_out += len(payload)
                self.record_send(payload)
            if refused:
                self._refused()

    def _send_stream(self, stream: IO[bytes], drop: bool) -> bool:
        if self._stream is not None or not self.connected or self._closing:
            return False
        self._stream = stream
        self._drop_after_stream = drop
        if self.on_loop_thread():
            self._pump_stream()
        else:
            self.loop.call_soon_threadsafe(self._pump_stream)
        return True

    def _pump_stream(self) -> None:
        """Write stream chunks until the transport asks us to pause or the stream ends."""
        if self._pending_len:
            self._flush_pending()
        while self._stream is not None and not self._write_paused:
            if not self.connected or self._closing or self.transport is None:
                self._drop_stream()
                return
            try:
                chunk = self._stream.read(STREAM_CHUNK)
            except (OSError, ValueError) as exc:
                self._drop_stream()
                if not self.owner.error(self, ErrorEvent.SEND, exc if isinstance(exc, OSError)
                                        else OSError(0, f"stream read failed: {exc}")):
                    self.close()
                return
            if not chunk:
                drop = self._drop_after_stream
                self._drop_stream()
                if drop:
                    self.close()  # the transport flushes what is queued before closing
                elif not self._closing:
                    self.owner.connection_writable(self)
                return
            self.transport.write(chunk)
            self.bytes_out += len(chunk)
            self.record_send(chunk)

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def close(self) -> None:
        """Close gracefully: the disconnect event fires now, queued bytes are still sent."""
        if not self.on_loop_thread():
            self.loop.call_soon_threadsafe(self.close)
            return
        if self._closing:
            return
        if self._pending_len:
            self._flush_pending()  # accepted from other threads: they go out before the close
        self._closing = True
        self._drained.clear()
        self._cancel_idle()
        self.owner.connection_closing(self)
        self.connected = False
        self._drop_stream()
        if self.transport is not None:
            self.transport.close()


def _readable_now(sock: socket.socket) -> bool:
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return False


class BlockingWinSocket(CustomWinSocket):
    """A blocking connection: ctBlocking clients and stThreadBlocking server connections.

    receive_* never block: they return what is buffered or already in the kernel.
    SocketStream waits with timeouts; ServerClientThread's default loop fills the
    receive buffer and fires OnClientRead. send_buf blocks until the kernel has
    taken every byte (that is the mode's nature); call it from a worker thread.
    """

    def __init__(self, owner: ConnectionOwner, sock: socket.socket, conn_id: int | None = None) -> None:
        super().__init__(owner, conn_id)
        sock.setblocking(True)
        self.sock: socket.socket | None = sock
        self._send_lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._drain_waiting = False  # a reader waits in wait_drained (only then _taken notifies)
        self.peer_closed = False
        self.learn_addresses(sock)
        self._mark_connected()
        self.worker: threading.Thread | None = None  # the thread that serves it (thread mode)

    # -- TLS ----------------------------------------------------------------
    def start_tls(self, ctx: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
        """The server side of a TLS handshake on this connection, on the calling (worker)
        thread, within ``timeout`` seconds; OSError (ssl.SSLError) when it fails."""
        sock = self.sock
        if sock is None or self._closing:
            raise ConnectionAbortedError(errno.ECONNABORTED, "the connection closed before the TLS handshake")
        tls = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        self.sock = tls  # shutdown() from other threads now reaches the TLS socket
        tls.settimeout(timeout)
        tls.do_handshake()
        tls.setblocking(True)
        return tls

    def receive_length(self) -> int:
        waiting = self._rx_len
        sock = self.sock
        if isinstance(sock, ssl.SSLSocket):
            return waiting + (sock.pending() if self.framer is None and not self._closing else 0)
        if sock is not None and not self._closing and self.framer is None:
            buf = array.array("i", [0])
            try:
                fcntl.ioctl(sock.fileno(), termios.FIONREAD, buf, True)
                waiting += buf[0]
            except (OSError, ValueError):
                pass
        return waiting

    def receive_buf(self, count: int = -1) -> bytes:
        data = super().receive_buf(count)
        if self.framer is not None:
            return data  # the current frame, and nothing of the next
        if count < 0:
            # all that is buffered; only when nothing is, one bounded read of what the
            # kernel holds (an unbounded loop would swallow a fast sender whole)
            return data if data else self._read_now(RECV_CHUNK)
        parts = [data]
        want = count - len(data)
        while want > 0:
            chunk = self._read_now(min(want, RECV_CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            want -= len(chunk)
        return b"".join(parts)

    def _read_now(self, limit: int) -> bytes:
        """What the kernel holds now, up to ``limit`` bytes, without waiting."""
        try:
            chunk = self.recv_now(limit)
        except OSError:  # a connection error its owner's loop reports
            return b""
        if chunk and self.owner.observer.tap is not None:
            self.tap_received(chunk)
        self.bytes_in += len(chunk)
        return chunk

    def recv_now(self, limit: int) -> bytes:
        """Up to ``limit`` bytes that can be read now; b"" when none can or the peer closed
        (then ``peer_closed``). With TLS, what OpenSSL has decrypted, else what one record
        the kernel has started to deliver holds (finishing that record may wait for its
        last bytes, never for a record the peer has not begun to send). OSError propagates."""
        sock = self.sock
        if sock is None or self._closing:
            return b""
        if isinstance(sock, ssl.SSLSocket):
            pending = sock.pending()
            if not pending and not _readable_now(sock):
                return b""
            chunk = sock.recv(min(limit, pending) if pending else limit)
        else:
            try:
                chunk = sock.recv(limit, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return b""
        if not chunk:
            self.peer_closed = True
        return chunk

    def send_some(self, view: memoryview) -> int:
        """Send what the kernel takes now of ``view`` (the socket was writable): at most
        one TLS record with TLS. BlockingIOError when it would block."""
        sock = self.sock
        if sock is None:
            raise ConnectionAbortedError(errno.ECONNABORTED, "the connection is closed")
        if isinstance(sock, ssl.SSLSocket):
            return sock.send(view[:TLS_RECORD])
        return sock.send(view, socket.MSG_DONTWAIT)

    def _taken(self) -> None:
        # only a reader in wait_drained needs waking: it says so under the lock that
        # guards the buffer, so a take either sees it waiting or it sees the take
        if self._drain_waiting:
            with self._drained:
                self._drained.notify_all()

    def fill(self) -> bytes:
        """Read what the socket has into the receive buffer (the socket must be readable;
        with a framer the bytes are for ``deliver_bytes`` instead). Returns the bytes read;
        b"" means the peer closed. OSError propagates."""
        sock = self.sock
        if sock is None:
            return b""
        data = sock.recv(RECV_CHUNK)
        if not data:
            self.peer_closed = True
            return b""
        if self.owner.observer.tap is not None:
            self.tap_received(data)
        if self.framer is None:
            with self._lock:
                self._rx.append(data)
                self._rx_len += len(data)
        self.bytes_in += len(data)
        return data

    def wait_readable(self, timeout: float | None) -> bool:
        """True when bytes are buffered or the socket is readable (data, or the peer closed)."""
        if self._rx_len:
            return True
        sock = self.sock
        if sock is None or self._closing:
            return True  # a closed connection "reads" as end of stream at once
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True  # decrypted already: the kernel has nothing more to say
        poller = select.poll()  # not select(): descriptors above 1023 are common on a busy server
        try:
            poller.register(sock, select.POLLIN)
            ready = poller.poll(None if timeout is None else max(0, int(timeout * 1000)))
        except (OSError, ValueError):
            return True
        return bool(ready)

    def wait_closed(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds (in this connection's own thread); True as soon as
        it is closed, by this side or by the peer (its end of stream, seen without taking a
        byte). Bytes that arrive meanwhile stay for the next read."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        sock = self.sock
        try:
            if sock is not None:
                poller.register(sock, select.POLLIN | select.POLLRDHUP)
        except (OSError, ValueError):
            return True
        while True:
            if self._closing or not self.connected or self.sock is None or self.peer_closed:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                events = poller.poll(max(1, int(min(left, 0.05) * 1000)))
            except (OSError, ValueError):
                return True
            if any(mask & (select.POLLRDHUP | select.POLLHUP | select.POLLERR) for _fd, mask in events):
                self.peer_closed = True
                return True
            if events:  # bytes for the next frame: they wait; poll again in a while
                time.sleep(min(max(deadline - time.monotonic(), 0), 0.01))

    def wait_drained(self, should_stop: Any) -> None:
        """Block while the receive buffer is over the high-water mark (back-pressure)."""
        if self._rx_len < RECEIVE_HIGH_WATER:
            return  # the usual case: no lock needed to see it
        with self._drained:
            self._drain_waiting = True
            try:
                while self._rx_len >= RECEIVE_HIGH_WATER and not should_stop() and not self._closing:
                    self._drained.wait(0.25)
            finally:
                self._drain_waiting = False

    def send_buf(self, data: bytes | bytearray | memoryview) -> int:
        sock = self.sock
        if not self.connected or self._closing or sock is None:
            return 0
        try:
            with self._send_lock:
                sock.sendall(data)
        except OSError as exc:
            self._send_failed(exc)
            return -1
        self.bytes_out += len(data)
        self.record_send(data)
        return len(data)

    def _send_stream(self, stream: IO[bytes], drop: bool) -> bool:
        sock = self.sock
        if not self.connected or self._closing or sock is None:
            return False
        sent = 0
        try:
            with self._send_lock:
                while True:
                    chunk = stream.read(STREAM_CHUNK)
                    if not chunk:
                        break
                    sock.sendall(chunk)
                    sent += len(chunk)
                    self.record_send(chunk)
        except OSError as exc:
            self.bytes_out += sent
            try:
                stream.close()
            except Exception:
                pass
            self._send_failed(exc)
            return True
        self.bytes_out += sent
        try:
            stream.close()
        except Exception:
            pass
        if drop:
            self.close()
        return True

    def _send_failed(self, exc: OSError) -> None:
        """As the original: OnError(eeSend), close, then raise to the caller unless the
        handler set the code to 0 (the caller then sees -1)."""
        error: SocketError | None = None
        try:
            self.owner.error(self, ErrorEvent.SEND, exc, raise_to_caller=True, api="send")
        except SocketError as raised:
            error = raised
        self.close()
        if error is not None:
            raise error

    def close(self) -> None:
        """Close the connection; its disconnect event fires (on its worker thread in
        thread mode: other threads only wake that worker, which then finishes up)."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        with self._drained:
            self._drained.notify_all()
        self.owner.connection_closing(self)

    def shutdown(self) -> None:
        """Wake any thread blocked on this socket (it then sees end of stream)."""
        sock = self.sock
        if sock is not None:
            try:
                # the plain socket's shutdown, also under TLS: SSLSocket.shutdown would
                # drop its TLS state under a thread that is reading it
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def release(self) -> None:
        """Close the file descriptor (after the disconnect event)."""
        self.connected = False
        sock, self.sock = self.sock, None
        if sock is not None and self.owner.observer.tap is not None:
            self.tap_closed(CLOSED_REMOTE if self.peer_closed else CLOSED_LOCAL)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

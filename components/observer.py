"""The observer stream: every event, as a small frozen record, to whoever listens.

Components emit one ``EventRecord`` per event (and per notable thing that is not
a VCL event: bytes sent, a cached thread reused, a SocketStream read). The log
panes, the headless runner, statistics and tests all subscribe here.

Theory of operation:

* Emitting is cheap. A component first asks ``stream.active`` (a plain attribute
  read) and builds no record when nobody listens. Records hold raw values
  (bytes, ints, enums); nothing is formatted on the hot path.
* ``subscribe`` takes a callable that runs *on the emitting thread*, so it must
  be quick and thread-safe: append to a queue, count, never block. The
  subscriber list is copied on write, so emitting takes no lock.
* ``RecordBuffer`` is the usual subscriber: a bounded deque that the consumer
  drains in batches (the GUI every few tens of milliseconds). When it is full the
  oldest records are dropped and counted, so memory stays bounded whatever the
  event rate. Nothing vanishes silently: the next batch the consumer drains
  starts with one ``Dropped`` record saying how many records fell out there,
  which is exactly the point of the gap (between what the consumer had already
  taken and what is still queued).
* The payload tap. Records keep a preview of at most PREVIEW_BYTES; a recorder
  (a pcapng capture) needs every byte. ``ObserverStream.tap`` is None unless a
  recorder is installed (``set_tap``); connections then hand it every byte they
  read and send, raw (before Framing cuts it), and when they open and close.
  Off, it costs one attribute read per read or send. The tap runs on the I/O
  thread, like a subscriber: it must be quick and never block.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import NamedTuple, Protocol

from components.errors import ErrorInfo

log = logging.getLogger("components.observer")

#: How many payload bytes a record keeps for previews.
PREVIEW_BYTES = 64

# Record names that are not VCL events.
SEND = "Send"  # bytes queued by send_buf / send_text / send_stream
RECEIVE = "Receive"  # bytes taken by SocketStream.read in a blocking connection
THREAD_REUSED = "ThreadReused"  # a cached server thread took a new connection
THREAD_CACHED = "ThreadCached"  # a server thread finished a connection and waits in the cache
LISTENER_CLOSED = "Close"  # a ServerSocket stopped listening
HANDLER_ERROR = "HandlerError"  # an event handler raised; detail has the traceback
# an error that is no event of the order: one raised to the caller of open() (bind failed,
# unknown service), or bytes that could not be queued (report_not_sent)
CALLER_ERROR = "Error"
SLOW_HANDLER = "SlowHandler"  # a handler held an event loop's thread too long; detail says which
DROPPED = "Dropped"  # records a bounded buffer had to discard here; byte_count is how many
LOG = "Log"  # a line a form's unit wrote with log(...) (app.core.unit)
RULE = "Rule"  # what reply rules did with a frame: which rule answered, or unmatched (app.core.rules)
SCENARIO = "Scenario"  # a scenario step that passed, or the end of a scenario run (app.core.scenario)
SCENARIO_FAILED = "ScenarioFailed"  # a scenario step that failed: the log shows it as an error


class EventRecord(NamedTuple):
    """One event. A NamedTuple, not a frozen dataclass: records are built on the hot
    path, and a tuple is about four times cheaper to make."""

    time: float  # time.monotonic()
    component: str  # Name of the component
    event: str  # VCL event name (OnClientRead) or one of the names above
    connection_id: int  # 0 for the component itself / the listener
    peer: str  # "127.0.0.1:50123", or "" when there is none
    thread: str  # name of the thread that ran the event
    byte_count: int = 0  # payload bytes; for a Dropped record, the number of records lost
    preview: bytes = b""  # at most PREVIEW_BYTES of the payload
    error: ErrorInfo | None = None
    detail: str = ""

    @property
    def wall_time(self) -> float:
        """The record's time as seconds since the epoch (for display and export)."""
        return self.time + MONO_TO_WALL


#: per thread, ``name``: the name records give it (see thread_name; SocketComponent.record reads it inline)
thread_names = threading.local()


def thread_name() -> str:
    """The current thread's name, as records spell it. Read once per thread: a record is
    made on every event, and ``threading.current_thread().name`` costs four times more
    (a thread renamed after its first record keeps its first name in records)."""
    try:
        return thread_names.name  # type: ignore[no-any-return]
    except AttributeError:
        name = thread_names.name = threading.current_thread().name
        return name


#: What turns a record's time.monotonic() into seconds since the epoch.
MONO_TO_WALL = time.time() - time.monotonic()

Subscriber = Callable[[EventRecord], None]


# How a connection ended, for the payload tap (PayloadTap.closed).
CLOSED_LOCAL = "local"  # this side closed gracefully (its FIN first)
CLOSED_REMOTE = "remote"  # the peer closed gracefully (its FIN first)
CLOSED_RESET = "reset"  # the peer reset the connection (10054)
CLOSED_ABORT = "abort"  # this side aborted it (an RST from here)


class TapConnection(Protocol):
    """What the payload tap is told of a connection (components.connection.CustomWinSocket)."""

    id: int

    @property
    def local_address(self) -> str: ...
    @property
    def local_port(self) -> int: ...
    @property
    def remote_address(self) -> str: ...
    @property
    def remote_port(self) -> int: ...


class PayloadTap(Protocol):
    """Every byte of every connection, for a recorder; called on the I/O thread."""

    def opened(self, conn: TapConnection, accepted: bool) -> None:
        """``conn`` is connected; ``accepted`` when a listener accepted it (the peer connected)."""

    def payload(self, conn: TapConnection, outgoing: bool, data: bytes | bytearray | memoryview) -> None:
        """``data`` was read (``outgoing`` False) or queued to be sent (True)."""

    def closed(self, conn: TapConnection, how: str) -> None:
        """``conn`` ended; ``how`` is one of the CLOSED_* names."""

    def datagram(self, conn: TapConnection, outgoing: bool, data: bytes) -> None:
        """One whole UDP datagram (a UdpSocket's): ``conn`` is its peer (remote_*: who sent it
        or where it went; local_*: the socket's bound address), read (``outgoing`` False) or
        sent (True). A datagram socket opens and closes nothing the wire would show."""


class ObserverStream:
    """A thread-safe fan-out of records to subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[tuple[Subscriber, bool], ...] = ()
        self.active = False  # True while anyone listens; read unlocked on the hot path
        #: ``emit(record)`` gives the record to every subscriber. With one subscriber that
        #: never raises (a RecordBuffer, the usual case), it *is* that subscriber: one call.
        self.emit: Subscriber = self._emit_all
        #: the full-payload tap, None when nothing records (read unlocked on the hot path)
        self.tap: PayloadTap | None = None

    def set_tap(self, tap: PayloadTap | None) -> None:
        """Install (or, with None, remove) the payload tap; one at a time."""
        if tap is not None and self.tap is not None and self.tap is not tap:
            raise RuntimeError("another recorder is already tapping this stream")
        self.tap = tap

    def subscribe(self, subscriber: Subscriber, *, never_raises: bool = False) -> Callable[[], None]:
        """Call ``subscriber(record)`` for every record; returns a function that unsubscribes.
        A subscriber that may raise is guarded (its exception is logged, the engine goes on);
        ``never_raises`` says it needs no guard."""
        entry = (subscriber, never_raises)
        with self._lock:
            self._subscribers = (*self._subscribers, entry)
            self._changed()

        def unsubscribe() -> None:
            with self._lock:
                subs = list(self._subscribers)
                if entry in subs:
                    subs.remove(entry)
                self._subscribers = tuple(subs)
                self._changed()

        return unsubscribe

    def _changed(self) -> None:
        subs = self._subscribers
        self.active = bool(subs)
        self.emit = subs[0][0] if len(subs) == 1 and subs[0][1] else self._emit_all

    def _emit_all(self, record: EventRecord) -> None:
        for subscriber, _ in self._subscribers:
            try:
                subscriber(record)
            except Exception:  # a broken observer must never break the engine
                log.exception("observer %r raised", subscriber)


def dropped_record(count: int, when: float | None = None, component: str = "") -> EventRecord:
    """The record that stands where ``count`` records were lost."""
    return EventRecord(time.monotonic() if when is None else when, component, DROPPED, 0, "",
                       thread_name(), count, b"", None,
                       f"{count} {'record' if count == 1 else 'records'} dropped here: "
                       "the reader did not keep up")


#: The stream components use unless they are given another.
default_stream = ObserverStream()


class RecordBuffer:
    """A bounded queue of records from a stream, drained in batches by one consumer.

    ``append`` (called by the stream on any thread) and ``drain`` (by the consumer)
    rely on deque's thread-safe append/popleft. ``dropped`` counts the records that
    fell off the front because the consumer did not keep up.
    """

    def __init__(self, stream: ObserverStream | None = None, maxlen: int = 1_000_000,
                 accept: Callable[[EventRecord], bool] | None = None) -> None:
        self._queue: deque[EventRecord] = deque()
        self.maxlen = maxlen
        self.dropped = 0  # in all, since the buffer was made
        self._reported = 0  # how many of those a Dropped record has announced
        self._drop_lock = threading.Lock()  # only the overflow path takes it
        self._accept = accept
        self._unsubscribe: Callable[[], None] | None = None
        if stream is not None:
            # without a filter the stream calls the unfiltered append: no filter test per record
            self._unsubscribe = stream.subscribe(self.append if accept is not None else self._append_unfiltered,
                                                 never_raises=accept is None)

    def append(self, record: EventRecord) -> None:
        if self._accept is not None and not self._accept(record):
            return
        self._append_unfiltered(record)

    def _append_unfiltered(self, record: EventRecord) -> None:
        queue = self._queue
        queue.append(record)
        if len(queue) > self.maxlen:
            self._overflow()

    def _overflow(self) -> None:
        queue = self._queue
        with self._drop_lock:
            while len(queue) > self.maxlen:
                try:
                    queue.popleft()
                    self.dropped += 1
                except IndexError:  # the consumer drained it meanwhile
                    break

    def drain(self, limit: int | None = None) -> list[EventRecord]:
        """Take up to ``limit`` records (all if None), oldest first; a batch that follows a
        gap starts with a Dropped record counting what fell out there."""
        queue = self._queue
        # the count first: records that fall out while the batch is taken belong after it
        with self._drop_lock:
            lost = self.dropped - self._reported
            self._reported = self.dropped
        n = len(queue) if limit is None else min(limit, len(queue))
        popleft = queue.popleft
        batch = [popleft() for _ in range(n)]
        if lost:
            when = batch[0].time if batch else time.monotonic()
            batch.insert(0, dropped_record(lost, when))
        return batch

    def __len__(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


"""Repeat: send a saved message every N ms on one connection, a number of times or until
stopped.

Where it runs: on the engine, never on a GUI timer.

* A non-blocking connection (an asyncio Protocol) repeats on its own loop with
  ``loop.call_at``. Send k (0, 1, 2 ...) is due at ``start + k * interval``:
  each deadline comes from the start time, so the small lateness of every
  wake-up does not add up (no chain of ``call_later``). Sends that came late by
  up to CATCH_UP_SECONDS (or one interval, if longer) are made at once, so a
  loop's hiccup of a few ms costs no sends and the rate stays exact; when it
  has fallen further behind (a long handler, a stalled machine), the missed
  sends are not made up in a burst: the schedule starts again from now.
  A UdpSocket's socket (its default destination) or one of its peers repeats on the
  socket's loop the same way.
* A blocking connection (ctBlocking, stThreadBlocking) has its thread busy
  reading (client_execute), so a repeat runs on a thread of its own, named
  ``repeat <message>``, waiting on an Event with the same deadlines.

A repeat stops when it has sent ``count`` times (0: until stopped), when
``stop()`` is called (any thread), and when its connection finishes
(``add_close_callback``): no timer or thread is left behind. A send that is
refused (the send queue over its cap) stops it with an Error record saying
why; a connection that closed stops it without a word. Every send's Send record
names the message (``message 'poll' (3 of 10)``).

Running repeats are listed in ``REPEATS`` (thread-safe), so the Messages panel
can show and stop them, and tests can check that none is left.

The built-in action ``repeat`` starts one from an event (OnConnect,
OnClientConnect ...). Its binding in a ``.sockform``::

    "OnClientConnect": {"action": "repeat", "message": "poll", "interval_ms": 50, "count": 0}

and in the inspector its argument is the same three values, ``poll, 50, 0``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.connection import AsyncWinSocket, CustomWinSocket
from components.enums import ErrorEvent
from components.errors import ErrorInfo, SocketError
from components.observer import CALLER_ERROR
from components.udp_socket import UdpPeer, UdpWinSocket

MIN_INTERVAL_MS = 1
MAX_INTERVAL_MS = 24 * 3600 * 1000
MAX_COUNT = 1_000_000_000
#: how late a send may be and still be made (then the next ones follow at once, to catch up)
CATCH_UP_SECONDS = 0.02
KEYS = ("message", "interval_ms", "count")


def loop_of(conn: CustomWinSocket) -> asyncio.AbstractEventLoop | None:
    """The loop a connection runs on (non-blocking, or a UdpSocket's), None for a blocking one."""
    if isinstance(conn, AsyncWinSocket | UdpWinSocket | UdpPeer):
        return conn.loop
    return None


@dataclass(frozen=True)
class RepeatSpec:
    """What to repeat: a message (by name), the interval in whole ms, and how many times
    (0: until stopped)."""

    message: str
    interval_ms: int
    count: int = 0

    def __post_init__(self) -> None:
        if not self.message.strip():
            raise ValueError("Repeat needs the name of a saved message")
        for key, value, low, high in (("interval_ms", self.interval_ms, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
                                      ("count", self.count, 0, MAX_COUNT)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"Repeat's {key} must be a whole number from {low} to {high:,}, "
                                 f"not {value!r}")

    @property
    def argument(self) -> str:
        """As the inspector shows it: ``poll, 50, 0``."""
        return f"{self.message}, {self.interval_ms}, {self.count}"

    @classmethod
    def from_argument(cls, text: str) -> RepeatSpec:
        """``message, interval_ms[, count]`` (the message's name may hold commas); ValueError."""
        parts = [p.strip() for p in text.rsplit(",", 2)]
        if len(parts) == 3 and not parts[2].lstrip("-").isdigit():
            parts = [p.strip() for p in text.rsplit(",", 1)]
        if len(parts) < 2:
            raise ValueError("Repeat takes: message name, interval in ms[, count (0 = until stopped)], "
                             "e.g. poll, 50, 0")
        numbers = parts[1:]
        for value in numbers:
            if not value.lstrip("-").isdigit():
                raise ValueError(f"{value!r} is not a whole number (Repeat takes: message, interval ms, count)")
        return cls(parts[0], int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0)

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "interval_ms": self.interval_ms, "count": self.count}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RepeatSpec:
        message = data.get("message")
        if not isinstance(message, str):
            raise ValueError("Repeat needs \"message\": the name of a saved message")
        return cls(message, data.get("interval_ms"), data.get("count", 0))  # type: ignore[arg-type]


class RepeatRegistry:
    """The repeats that run now, in the order they started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: list[Repeat] = []

    def add(self, repeat: Repeat) -> None:
        with self._lock:
            self._running.append(repeat)

    def discard(self, repeat: Repeat) -> None:
        with self._lock:
            if repeat in self._running:
                self._running.remove(repeat)

    def running(self) -> list[Repeat]:
        with self._lock:
            return list(self._running)

    def on(self, conn: CustomWinSocket) -> list[Repeat]:
        return [r for r in self.running() if r.conn is conn]

    def stop_all(self) -> None:
        for repeat in self.running():
            repeat.stop()


REPEATS = RepeatRegistry()


class Repeat:
    """One message repeated on one connection. ``render(k)`` gives the bytes of send k
    (0-based; a template's {counter} is k + 1)."""

    def __init__(self, conn: CustomWinSocket, name: str, render: Callable[[int], bytes], interval_ms: float,
                 count: int = 0, on_end: Callable[[Repeat], None] | None = None,
                 registry: RepeatRegistry = REPEATS) -> None:
        if interval_ms <= 0:
            raise ValueError("the interval must be positive")
        self.conn = conn
        self.name = name
        self.render = render
        self.interval = interval_ms / 1000.0
        self.count = count
        self.sent = 0
        self.on_end = on_end
        self.stopped_why = ""  # "" while running or when it ended as planned
        self._registry = registry
        self._lock = threading.Lock()
        self._done = False
        self._handle: asyncio.TimerHandle | None = None
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._forget_close: Callable[[], None] | None = None
        self._start = 0.0

    @property
    def running(self) -> bool:
        return not self._done

    def start(self) -> Repeat:
        """Begin: the first send at once (on the loop's next pass), then every interval."""
        self._registry.add(self)
        self._forget_close = self.conn.add_close_callback(self.stop)
        if self._done:  # the connection had finished already
            return self
        conn = self.conn
        loop = loop_of(conn)
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._first_on_loop)
            except RuntimeError:  # the loop has closed
                self._end()
        else:
            self._thread = threading.Thread(target=self._run_thread, name=f"repeat {self.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop it (from any thread); nothing more is sent. Safe to call twice."""
        conn = self.conn
        loop = loop_of(conn)
        if loop is not None and not conn.on_loop_thread():  # type: ignore[attr-defined]
            with self._lock:
                if self._done:
                    return
            try:
                loop.call_soon_threadsafe(self._end)
            except RuntimeError:  # the loop has closed: no timer of it can fire again
                self._end()
            return
        self._end()

    def join(self, timeout: float | None = None) -> None:
        """Wait for a repeat's own thread (blocking connections) to end."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the loop ---------------------------------------------------------------
    def _first_on_loop(self) -> None:
        if self._done:
            return
        loop = loop_of(self.conn)
        assert loop is not None
        self._start = loop.time()
        self._tick_on_loop()

    def _tick_on_loop(self) -> None:
        self._handle = None
        if self._done or not self._send():
            return
        loop = loop_of(self.conn)
        assert loop is not None
        due = self._next_due(loop.time())
        self._handle = loop.call_at(due, self._tick_on_loop)

    def _next_due(self, now: float) -> float:
        """When send ``self.sent`` is due, from the start; if that is more than
        CATCH_UP_SECONDS (or one interval) ago, the schedule restarts from now (no long
        burst of missed sends)."""
        due = self._start + self.sent * self.interval
        if due < now - max(self.interval, CATCH_UP_SECONDS):
            self._start = now - self.sent * self.interval
            due = now
        return due

    # -- a thread of its own (blocking connections) -------------------------------------
    def _run_thread(self) -> None:
        self._start = time.monotonic()
        while not self._done and self._send():
            delay = self._next_due(time.monotonic()) - time.monotonic()
            if delay > 0 and self._wake.wait(delay):
                break

    # -- both -------------------------------------------------------------------
    def _send(self) -> bool:
        """Send the next one; False when the repeat has ended (done, refused, closed)."""
        conn = self.conn
        if not conn.connected or conn.closing:
            self._end()
            return False
        k = self.sent
        try:
            data = self.render(k)
        except Exception as exc:  # a message edited into something that can't render
            self._fail(f"can't render: {exc}")
            return False
        of = f" ({k + 1} of {self.count})" if self.count else f" ({k + 1})"
        try:
            result = conn.send_labelled(data, f"message {self.name!r}{of}")
        except SocketError:  # a blocking send failed: OnError has had it, the connection is closed
            self._end()
            return False
        if result != len(data):
            if conn.connected and not conn.closing:
                reason = conn.refusal(result)
                self._fail(f"{len(data):,} bytes not sent: {conn.why_not_sent(reason)}")
            else:
                self._end()
            return False
        self.sent = k + 1
        if self.count and self.sent >= self.count:
            self._end()
            return False
        return True

    def _fail(self, why: str) -> None:
        self.stopped_why = why
        info = ErrorInfo(ErrorEvent.SEND, 0, "", 0, f"Repeat of {self.name!r} stopped after "
                                                   f"{self.sent:,} sends: {why}")
        self.conn.owner.record(CALLER_ERROR, self.conn, error=info)
        self._end()

    def _end(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()
        self._wake.set()
        forget, self._forget_close = self._forget_close, None
        if forget is not None:
            forget()
        self._registry.discard(self)
        if self.on_end is not None:
            try:
                self.on_end(self)
            except Exception:
                pass

    def __repr__(self) -> str:
        state = "running" if self.running else "ended"
        return f"<Repeat {self.name!r} every {self.interval * 1000:g} ms on #{self.conn.id}: {self.sent} sent, {state}>"

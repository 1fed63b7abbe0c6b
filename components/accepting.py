"""Accepting connections: the two accept loops of a ServerSocket, and how they ride
out a system that has no descriptors (or memory) left.

Theory of operation.

* stNonBlocking: ``LoopAcceptor`` watches the listening socket with the loop's
  ``add_reader`` and accepts in a bounded batch per wake-up (so a storm of
  connections cannot starve the other callbacks), then hands each accepted
  socket to the loop as a transport (``connect_accepted_socket``, which asyncio,
  uvloop and qasync all have). The engine, not the loop's ``create_server``,
  owns the accept, so that it decides what a failed accept means: asyncio's own
  server sends every EMFILE through the loop's exception handler as a traceback,
  and opening is synchronous (the listener is watched when open() returns), so a
  close at any moment stops it at once and frees the port.
* stThreadBlocking: ``thread_accept_loop`` runs on the server's accept thread, on
  a selector that also watches a wake-up socket for the close.
* When accept fails (EMFILE, ENFILE, ENOBUFS, ENOMEM, or anything unexpected),
  both stop watching the listener for ACCEPT_BACKOFF seconds: the listener stays
  readable while clients wait in its backlog, so retrying at once would spin at
  full CPU. Waiting clients stay queued in the backlog and are served as soon
  as an accept succeeds again.
* ``AcceptFailures`` reports those failures as OnClientError(eeAccept) at most
  once per REPORT_INTERVAL: the first at once, the repeats as one record whose
  detail counts them (sent when the interval has passed, even if the failures
  have stopped meanwhile, so the counts add up).
"""

from __future__ import annotations

import asyncio
import errno
import math
import selectors
import socket
import time
from collections.abc import Callable

#: How long accepting pauses after a failed accept.
ACCEPT_BACKOFF = 0.1
#: At most one accept error record per this many seconds.
REPORT_INTERVAL = 1.0
#: Connections accepted per wake-up of the loop before other callbacks get their turn.
ACCEPT_BATCH = 128

# accept errors that concern one client that went away, not the server: skipped quietly
_CLIENT_GONE = {errno.ECONNABORTED, errno.EPROTO, errno.EPERM}

Report = Callable[[OSError, str], None]


class AcceptFailures:
    """Counts failed accepts and reports them at most once per REPORT_INTERVAL."""

    def __init__(self, report: Report, clock: Callable[[], float] = time.monotonic) -> None:
        self._report = report
        self._clock = clock
        self._last_report = -math.inf
        self._unreported = 0
        self._last_error: OSError | None = None

    def failed(self, exc: OSError) -> None:
        self._unreported += 1
        self._last_error = exc
        if self._clock() - self._last_report >= REPORT_INTERVAL:
            self.flush()

    def due(self) -> float | None:
        """Seconds until the unreported failures may be reported; None when there are none."""
        if not self._unreported:
            return None
        return max(0.0, self._last_report + REPORT_INTERVAL - self._clock())

    def flush(self) -> None:
        """Report the unreported failures now (the caller has checked ``due``)."""
        exc, count = self._last_error, self._unreported
        if exc is None or not count:
            return
        now = self._clock()
        first = self._last_report == -math.inf or now - self._last_report > 2 * REPORT_INTERVAL
        span = now - self._last_report
        self._unreported = 0
        self._last_report = now
        if first and count == 1:
            detail = (f"accepting paused; retried every {ACCEPT_BACKOFF:g} s; repeats are counted "
                      f"and reported at most once every {REPORT_INTERVAL:g} s")
        else:
            times = "time" if count == 1 else "times"
            detail = (f"accept failed {count} more {times} in the last {span:.1f} s; "
                      f"retried every {ACCEPT_BACKOFF:g} s")
        self._report(exc, detail)


class LoopAcceptor:
    """The accept loop of a non-blocking server, on the loop that runs it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket,
                 adopt: Callable[[socket.socket], None], report: Report) -> None:
        self._loop = loop
        self._sock = sock
        self._adopt = adopt
        self._failures = AcceptFailures(report)
        self._watching = False
        self._resume: asyncio.TimerHandle | None = None
        self._flush: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._loop.add_reader(self._sock, self._ready)
        self._watching = True

    def stop(self) -> None:
        """Stop accepting and close the listening socket, now."""
        for handle in (self._resume, self._flush):
            if handle is not None:
                handle.cancel()
        self._resume = self._flush = None
        if self._watching and not self._loop.is_closed():
            self._loop.remove_reader(self._sock)
        self._watching = False
        self._sock.close()

    def _ready(self) -> None:
        accept = self._sock.accept
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _ = accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _CLIENT_GONE:
                    continue
                self._back_off(exc)
                return
            self._adopt(conn)

    def _back_off(self, exc: OSError) -> None:
        self._loop.remove_reader(self._sock)
        self._watching = False
        self._resume = self._loop.call_later(ACCEPT_BACKOFF, self._watch_again)
        self._failures.failed(exc)
        due = self._failures.due()
        if due is not None and self._flush is None:
            self._flush = self._loop.call_later(due, self._flush_now)

    def _watch_again(self) -> None:
        self._resume = None
        if self._sock.fileno() >= 0:
            self._loop.add_reader(self._sock, self._ready)
            self._watching = True

    def _flush_now(self) -> None:
        self._flush = None
        self._failures.flush()


def thread_accept_loop(sock: socket.socket, wake: socket.socket, stopping: Callable[[], bool],
                       accepted: Callable[[socket.socket], None], report: Report) -> None:
    """The accept thread of a thread-blocking server: until ``stopping()`` or a byte on
    ``wake``, accept and hand each connection to ``accepted``."""
    failures = AcceptFailures(report)
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        while not stopping():
            ready = selector.select(failures.due())
            if stopping() or any(key.fileobj is wake for key, _ in ready):
                return
            if not ready:
                failures.flush()  # repeats whose report fell due
                continue
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                if stopping():
                    return
                if exc.errno in _CLIENT_GONE:
                    continue
                failures.failed(exc)
                # the listener stays readable while clients wait: stop watching it a while
                selector.unregister(sock)
                woken = selector.select(ACCEPT_BACKOFF)
                if woken or stopping():
                    return
                selector.register(sock, selectors.EVENT_READ)
                continue
            accepted(conn)

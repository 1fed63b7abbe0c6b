"""The headless runner's output: records written to a file descriptor without ever
making the network wait.

Theory of operation:

* The engine's records go into a bounded ``RecordBuffer`` as they happen, on
  whatever thread fires the event. That append is all the network's path pays.
* A thread of the writer's own wakes every ``interval``, drains the buffer in
  batches, formats each batch (``app.core.record_format.format_lines``) and writes it
  to the raw file descriptor with ``os.write``, blocking for as long as the reader
  makes it wait. Blocking there stalls nobody but this thread: the event loop
  never touches stdout, so traffic flows and signals are handled while a pipe is
  full.
* While the thread is blocked the buffer fills up; past its bound the oldest
  records fall out and are counted, and the next batch starts with one
  ``Dropped`` record saying how many: exactly at the gap. Nothing vanishes
  silently.
* The thread writes to the descriptor, not through ``sys.stdout``: that object's
  lock, held by a thread blocked in a write, would hang the interpreter's exit.
* Between batches the thread waits in ``poll`` on the descriptor for errors
  only, so a reader that goes away (``run FORM | head -3``) is noticed at once,
  not at the next event, which may never come.
* ``close(deadline)`` writes what is left until the deadline and says whether it
  got it all out. A writer still blocked then is abandoned (a daemon thread);
  the caller ends the process without waiting for the reader.

``MessageQueue`` is the same for a few lines of text (the runner's stderr).
"""

from __future__ import annotations

import errno
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable

from app.core.record_format import format_lines
from components import RecordBuffer

#: How often the writer looks for new records (so output lags at most this much).
INTERVAL = 0.05
#: Records formatted and written at a time: small enough that a batch goes out quickly.
BATCH_RECORDS = 2000


class FdWriter:
    """A daemon thread that writes whatever ``take()`` returns to ``fd`` until closed.

    ``take`` is called on the writer's thread and returns the next text to write, or
    '' when there is nothing. ``on_failure`` is called (on the writer's thread) with
    the error that ended the writing: BrokenPipeError when the reader left, another
    OSError (a full disk), or, were formatting to fail, that exception.
    """

    def __init__(self, fd: int, take: Callable[[], str], name: str, interval: float = INTERVAL,
                 on_failure: Callable[[Exception], None] | None = None) -> None:
        self.fd = fd
        self._take = take
        self.interval = interval
        self.on_failure = on_failure
        self.failure: Exception | None = None
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            poller = None
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(self.fd, 0)  # no events asked: only errors and hang-ups come back
            while self._idle(poller):
                self._write_pending()
            self._write_pending()
        except Exception as exc:  # output ends here; the owner is told and decides
            self.failure = exc
            if self.on_failure is not None:
                self.on_failure(exc)

    def _idle(self, poller: select.poll | None) -> bool:
        """Wait one interval; False once closing. Raises if the reader went away."""
        if poller is None:
            return not self._closing.wait(self.interval)
        for _, events in poller.poll(self.interval * 1000):
            if events & (select.POLLERR | select.POLLHUP):
                raise BrokenPipeError(errno.EPIPE, "the reader closed the output")
        return not self._closing.is_set()

    def _write_pending(self) -> None:
        while True:
            text = self._take()
            if not text:
                return
            data = memoryview(text.encode("utf-8", "backslashreplace"))
            while data:
                data = data[os.write(self.fd, data):]

    def close(self, deadline: float) -> bool:
        """Write what is left, waiting until ``deadline`` (time.monotonic()) at most; True
        when everything went out (or writing had already failed), False if still blocked."""
        self._closing.set()
        if self._thread.ident is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()


class RecordWriter(FdWriter):
    """Records from ``buffer`` as text lines or JSON Lines on ``fd``."""

    def __init__(self, buffer: RecordBuffer, fd: int, as_json: bool, name: str = "record writer",
                 on_failure: Callable[[Exception], None] | None = None) -> None:
        super().__init__(fd, self._next_batch, name, on_failure=on_failure)
        self.buffer = buffer
        self.as_json = as_json

    def _next_batch(self) -> str:
        batch = self.buffer.drain(BATCH_RECORDS)
        return format_lines(batch, self.as_json) if batch else ""


class MessageQueue:
    """Lines for an FdWriter, put from any thread without ever blocking. At most
    ``limit`` wait; past that the oldest go, and a line says how many."""

    def __init__(self, limit: int = 1000) -> None:
        self._lines: deque[str] = deque()
        self._lock = threading.Lock()
        self.limit = limit
        self._dropped = 0

    def put(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            if len(self._lines) > self.limit:
                self._lines.popleft()
                self._dropped += 1

    def take(self) -> str:
        with self._lock:
            lines, self._lines = self._lines, deque()
            dropped, self._dropped = self._dropped, 0
        if dropped:
            lines.appendleft(f"({dropped} {'message' if dropped == 1 else 'messages'} dropped here: "
                             "the reader did not keep up)")
        return "".join(line + "\n" for line in lines)

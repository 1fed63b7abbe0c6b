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
  full. Batches are small (BATCH_RECORDS): formatting holds the interpreter's lock,
  and the event loop waits for it meanwhile.
* ``ProcessRecordWriter`` moves the formatting out of the process: its thread pickles
  each batch as plain tuples and writes that to a child (app.core.record_printer),
  which formats and writes to the same descriptor. The child reads a batch only once
  the previous one is out, so a slow reader blocks the child, the pipe to it, then
  this thread, exactly as it blocks the thread alone; the rest below holds for both.
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
  got it all out (for an output process: it has written everything and exited). A
  writer still blocked then is abandoned (a daemon thread; ``abandon`` kills an
  output process); the caller ends the process without waiting for the reader.

``MessageQueue`` is the same for a few lines of text (the runner's stderr).
"""

from __future__ import annotations

import errno
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from app.core import record_printer
from app.core.record_format import format_lines
from components import RecordBuffer, observer

#: How often the writer looks for new records (so output lags at most this much).
INTERVAL = 0.05
#: Records formatted and written at a time on the writer's thread: few enough that
#: formatting them holds the interpreter's lock for a fraction of a millisecond, so the
#: event loop, waiting for it, is never held up for long (2000 measured slower).
BATCH_RECORDS = 250
#: Records pickled at a time for an output process: pickling is cheap, fewer messages are.
PROCESS_BATCH_RECORDS = 2000
#: How long an output process whose stdin closed may take to exit before it is killed.
CHILD_EXIT_WAIT = 2.0


class FdWriter:
    """A daemon thread that writes whatever ``take()`` returns to ``fd`` until closed.

    ``take`` is called on the writer's thread and returns the next text (or bytes) to
    write, or '' when there is nothing. ``on_failure`` is called (on the writer's thread) with
    the error that ended the writing: BrokenPipeError when the reader left, another
    OSError (a full disk), or, were formatting to fail, that exception.
    """

    def __init__(self, fd: int, take: Callable[[], str | bytes], name: str, interval: float = INTERVAL,
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
                for fd in self._watched():
                    poller.register(fd, 0)  # no events asked: only errors and hang-ups come back
            while self._idle(poller):
                self._write_pending()
            self._write_pending()
            self._finish()
        except Exception as exc:  # output ends here; the owner is told and decides
            self.failure = self._explain(exc)
            if self.on_failure is not None:
                self.on_failure(self.failure)

    def _watched(self) -> list[int]:
        """The descriptors whose errors end the writing while it waits."""
        return [self.fd]

    def _idle(self, poller: select.poll | None) -> bool:
        """Wait one interval; False once closing. Raises if the reader went away."""
        if poller is None:
            return not self._closing.wait(self.interval)
        for fd, events in poller.poll(self.interval * 1000):
            if events & (select.POLLERR | select.POLLHUP):
                self._hung_up(fd)
        return not self._closing.is_set()

    def _hung_up(self, fd: int) -> None:
        raise BrokenPipeError(errno.EPIPE, "the reader closed the output")

    def _write_pending(self) -> None:
        while True:
            text = self._take()
            if not text:
                return
            data = memoryview(text.encode("utf-8", "backslashreplace") if isinstance(text, str) else text)
            while data:
                data = data[os.write(self.fd, data):]

    def _finish(self) -> None:
        """After the last write, on the writer's thread (nothing to do for a plain descriptor)."""

    def _explain(self, exc: Exception) -> Exception:
        """The error to report for ``exc``, which ended the writing."""
        return exc

    def close(self, deadline: float) -> bool:
        """Write what is left, waiting until ``deadline`` (time.monotonic()) at most; True
        when everything went out (or writing had already failed), False if still blocked."""
        self._closing.set()
        if self._thread.ident is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()


class RecordWriter(FdWriter):
    """Records from ``buffer`` as text lines or JSON Lines on ``fd``, formatted on the
    writer's thread (where no output process can be started)."""

    def __init__(self, buffer: RecordBuffer, fd: int, as_json: bool, name: str = "record writer",
                 on_failure: Callable[[Exception], None] | None = None) -> None:
        super().__init__(fd, self._next_batch, name, on_failure=on_failure)
        self.buffer = buffer
        self.as_json = as_json

    def _next_batch(self) -> str | bytes:
        batch = self.buffer.drain(BATCH_RECORDS)
        return format_lines(batch, self.as_json) if batch else ""

    def unwritten(self) -> int:
        """Records taken from the stream that did not reach the output (so far)."""
        return len(self.buffer)

    def abandon(self) -> None:
        """Give up on a writer that ``close`` left blocked: the process is about to end."""


class OutputProcessError(Exception):
    """The output process ended without a reason the run can name (it was killed, or broke)."""


class _ChildEndedError(Exception):
    """The output process's stdin closed: it ended (why is in its status and exit)."""


class ProcessRecordWriter(RecordWriter):
    """Records from ``buffer`` as lines on ``fd``, formatted and written by a child process
    (app.core.record_printer); this writer's thread only pickles each batch of plain
    tuples and writes it to the child's stdin.

    Everything RecordWriter promises holds: the child reads a batch, writes it out and
    only then reads the next, so a slow stdout blocks the child, then the pipe to it,
    then this thread, and the buffer drops at the exact gap. This thread still watches
    ``fd`` for a reader that went away. ``close`` returns once the child has written
    everything and exited; ``abandon`` kills a child still blocked on stdout.
    """

    def __init__(self, buffer: RecordBuffer, fd: int, as_json: bool, name: str = "record writer",
                 on_failure: Callable[[Exception], None] | None = None) -> None:
        super().__init__(buffer, fd, as_json, name, on_failure)
        self.out_fd = fd
        self.child: subprocess.Popen[bytes] | None = None
        self._sent = 0  # records pickled for the child
        self._written = 0  # records the child says it wrote
        self._status_tail = b""
        self._said: list[str] = []  # the child's words that are no status line (a traceback)
        self._reason = ""  # "gone" or "failed ERRNO MESSAGE", once the child says it

    @staticmethod
    def available() -> bool:
        """Whether an output process can be started here."""
        return os.name == "posix" and bool(sys.executable)

    def start(self) -> None:
        root = str(Path(__file__).resolve().parents[2])  # where app/ is: the child imports the same code
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.child = subprocess.Popen(
            [sys.executable, "-m", record_printer.MODULE,
             *record_printer.arguments(self.as_json, observer.MONO_TO_WALL)],
            stdin=subprocess.PIPE, stdout=self.out_fd, stderr=subprocess.PIPE, env=env, close_fds=True)
        assert self.child.stdin is not None and self.child.stderr is not None
        self.fd = self.child.stdin.fileno()
        os.set_blocking(self.child.stderr.fileno(), False)
        super().start()

    def _next_batch(self) -> str | bytes:
        self._read_status()
        batch = self.buffer.drain(PROCESS_BATCH_RECORDS)
        if not batch:
            return b""
        self._sent += len(batch)
        return pickle.dumps(list(map(tuple, batch)), pickle.HIGHEST_PROTOCOL)

    def _watched(self) -> list[int]:
        return [self.out_fd, self.fd]

    def _hung_up(self, fd: int) -> None:
        if fd == self.out_fd:
            super()._hung_up(fd)
        raise _ChildEndedError()

    def _write_pending(self) -> None:
        try:
            super()._write_pending()
        except BrokenPipeError:  # the only descriptor written here is the child's stdin
            raise _ChildEndedError() from None

    def _finish(self) -> None:
        child = self.child
        assert child is not None and child.stdin is not None
        child.stdin.close()  # end of file: the child writes what it has and exits
        child.wait()  # as long as stdout's reader makes it: close() gives up at its deadline
        self._read_status()
        self._close_pipes()
        if child.returncode != 0:
            raise _ChildEndedError()

    def _explain(self, exc: Exception) -> Exception:
        child = self.child
        if child is None:
            return exc
        if not isinstance(exc, _ChildEndedError):  # the reader left, or this side failed: the child is of no use
            self._stop_child()
            self._close_pipes()
            return exc
        try:
            child.wait(CHILD_EXIT_WAIT)  # its stdin closed: it is ending, or has ended
        except subprocess.TimeoutExpired:
            self._stop_child()
        self._read_status()
        self._close_pipes()
        return self._child_failure(child.returncode)

    def _child_failure(self, status: int) -> Exception:
        word, _, rest = self._reason.partition(" ")
        if word == "gone" or status == record_printer.EXIT_READER_GONE:
            return BrokenPipeError(errno.EPIPE, "the reader closed the output")
        if word == "failed":
            number, _, message = rest.partition(" ")
            return OSError(int(number) if number.isdigit() else errno.EIO, message)
        if status < 0:
            try:
                how = f"killed by {signal.Signals(-status).name}"
            except ValueError:
                how = f"killed by signal {-status}"
        else:
            how = f"exit status {status}"
        last = next((line for line in reversed(self._said) if line.strip()), "")
        return OutputProcessError(f"the output process ended unexpectedly ({how}"
                                  + (f": {last.strip()}" if last else "") + ")")

    def _read_status(self) -> None:
        child = self.child
        if child is None or child.stderr is None or child.stderr.closed:
            return
        chunks = [self._status_tail]
        while True:
            try:
                chunk = os.read(child.stderr.fileno(), 1 << 16)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        *lines, self._status_tail = data.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            if line.startswith("written "):
                self._written = int(line[8:])
            elif line == "gone" or line.startswith("failed "):
                self._reason = line
            else:
                self._said = [*self._said[-20:], line]

    def _stop_child(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            child.kill()
            try:
                child.wait(CHILD_EXIT_WAIT)
            except subprocess.TimeoutExpired:
                pass

    def _close_pipes(self) -> None:
        child = self.child
        if child is not None:
            for pipe in (child.stdin, child.stderr):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:  # a broken pipe's last flush: nothing is buffered in it
                        pass

    def unwritten(self) -> int:
        self._read_status()
        return len(self.buffer) + self._sent - self._written

    def abandon(self) -> None:
        self._stop_child()


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

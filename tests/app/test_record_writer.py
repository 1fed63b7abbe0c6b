"""The runner's output writer on real pipes: it never blocks whoever emits records, every
gap is marked with its exact size, and closing gives up at its deadline. Each test runs
with both writers: formatting on the writer's thread (RecordWriter) and in an output
process (ProcessRecordWriter, the runner's own on POSIX)."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from app.core.record_format import format_lines
from app.core.record_writer import FdWriter, MessageQueue, OutputProcessError, ProcessRecordWriter, RecordWriter
from components import ErrorEvent, ErrorInfo, ObserverStream, RecordBuffer
from components.observer import DROPPED, EventRecord, dropped_record

from .pipes import in_pipe_write, linux_only, shrink_pipe, wait_until

pytestmark = linux_only


def record(n: int) -> EventRecord:
    return EventRecord(time.monotonic(), "S", "OnClientRead", 1, "127.0.0.1:5", "T", n, b"x" * 40)


class Pipe:
    """A real pipe, one page big, so that it fills after a few dozen lines."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        shrink_pipe(self.write_fd)

    def read_all(self, writer: FdWriter) -> bytes:
        """Read until the writer's thread is done (it may be blocked on this pipe)."""
        chunks = []
        os.set_blocking(self.read_fd, False)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except BlockingIOError:
                if not writer._thread.is_alive():
                    break
                time.sleep(0.005)
                continue
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def pipe():
    p = Pipe()
    yield p
    p.close()


WRITERS = [RecordWriter, pytest.param(ProcessRecordWriter, marks=pytest.mark.skipif(
    not ProcessRecordWriter.available(), reason="no output process here"))]


@pytest.fixture(params=WRITERS, ids=["thread", "process"])
def writer_class(request):
    return request.param


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended and been reaped (no zombie left either)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_every_gap_is_marked_with_its_size_where_it_is(pipe, as_json, writer_class):
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=300)
    writer = writer_class(buffer, pipe.write_fd, as_json)
    writer.start()
    emitted = 0

    def emit(count: int) -> None:
        nonlocal emitted
        for _ in range(count):
            emitted += 1
            stream.emit(record(emitted))  # byte_count carries the sequence number

    try:
        # nobody reads: the pipe fills (and, for the output process, the pipe to it), then
        # the writer blocks in os.write
        def blocked() -> bool:
            if not in_pipe_write(tid=writer._thread.native_id):
                emit(200)
                return False
            return True

        assert wait_until(blocked, 20), "it never blocked"
        started = time.monotonic()
        emit(20_000)  # far more than the buffer holds while the writer is blocked
        emitting_took = time.monotonic() - started
        closed = writer.close(time.monotonic() + 0.2)
        assert not closed  # still blocked on the full pipe
        data = pipe.read_all(writer)
    finally:
        buffer.close()
    assert not writer._thread.is_alive()
    print(f"20,000 records emitted in {emitting_took * 1000:.0f} ms while the writer was blocked")

    seen, dropped_marks = [], []
    for line in data.decode().splitlines():
        if as_json:
            item = json.loads(line)
            if item["event"] == DROPPED:
                dropped_marks.append((len(seen), item["dropped"]))
            else:
                seen.append(item["bytes"])
        elif "  Dropped  " in line:
            dropped_marks.append((len(seen), int(line.split("  Dropped  -  ")[1].split()[0])))
        else:
            seen.append(int(line.split("  ")[4].split()[0]))
    assert dropped_marks, "nothing was dropped, so nothing was tested"
    assert seen == sorted(seen) and seen[-1] == emitted  # in order, and the newest are kept
    marks = dict(dropped_marks)
    # every gap in the sequence has a Dropped record right there, counting exactly the gap
    expected = 1
    for position, number in enumerate(seen):
        gap = number - expected
        assert marks.pop(position, 0) == gap, f"record {number} follows a gap of {gap}"
        expected = number + 1
    assert not marks
    assert len(seen) + sum(n for _, n in dropped_marks) == emitted


def test_the_writer_keeps_up_when_the_reader_reads(pipe, writer_class):
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=100_000)
    writer = writer_class(buffer, pipe.write_fd, as_json=False)
    writer.start()
    reader_data: list[bytes] = []
    reader = threading.Thread(target=lambda: reader_data.append(pipe.read_all(writer)), name="pipe reader")
    reader.start()
    try:
        for n in range(1, 5001):
            stream.emit(record(n))
        assert writer.close(time.monotonic() + 20)
    finally:
        reader.join(30)
        buffer.close()
    lines = b"".join(reader_data).decode().splitlines()
    assert len(lines) == 5000 and "Dropped" not in lines[0]


def test_a_reader_that_goes_away_ends_the_writer_with_the_error(pipe, writer_class):
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    failures: list[OSError] = []
    failed = threading.Event()

    def on_failure(exc: OSError) -> None:
        failures.append(exc)
        failed.set()

    writer = writer_class(buffer, pipe.write_fd, as_json=True, on_failure=on_failure)
    writer.start()
    try:
        os.close(pipe.read_fd)
        stream.emit(record(1))
        assert failed.wait(10)
        assert writer.close(time.monotonic() + 5)
    finally:
        buffer.close()
    assert isinstance(failures[0], BrokenPipeError) and writer.failure is failures[0]


def test_message_queue_never_blocks_and_counts_what_it_drops(pipe):
    queue = MessageQueue(limit=3)
    writer = FdWriter(pipe.write_fd, queue.take, "messages")
    for n in range(10):
        queue.put(f"error {n}")
    writer.start()
    assert writer.close(time.monotonic() + 5)
    assert os.read(pipe.read_fd, 4096).decode().splitlines() == [
        "(7 messages dropped here: the reader did not keep up)", "error 7", "error 8", "error 9"]


def unusual_records() -> list[EventRecord]:
    """Records of every kind the batch formatters treat apart, with the usual ones between."""
    t = time.monotonic()
    error = ErrorInfo(ErrorEvent.CONNECT, 111, "ECONNREFUSED", 10061, "Connection refused")
    return [
        EventRecord(t, "ServerSocket1", "OnListen", 0, "", "MainThread", detail="listening on 127.0.0.1:7007"),
        EventRecord(t + 0.001, "S", "OnClientRead", 3, "127.0.0.1:5", "T", 1024, bytes(range(64))),
        EventRecord(t + 0.002, "S", "Send", 3, "127.0.0.1:5", "T", 5, "héllo".encode()),
        EventRecord(t + 0.003, "C", "OnError", 4, "", "T", error=error),
        dropped_record(12, t + 0.004),
        EventRecord(t + 0.005, "S", "HandlerError", 3, "127.0.0.1:5", "T",
                    detail="Traceback (most recent call last):\n  ...\nValueError: bad \"x\""),
        EventRecord(t + 0.006, "S", "OnClientRead", 3, "127.0.0.1:5", "T", 1, b"\x00"),
        EventRecord(t + 1.5, "S", "OnClientRead", 3, "127.0.0.1:5", "Thread-1 (\u2603)", 9, b"\xde\xad\r\n"),
    ]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_the_output_process_writes_what_formatting_here_writes(pipe, as_json):
    if not ProcessRecordWriter.available():
        pytest.skip("no output process here")
    records = unusual_records()
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    writer = ProcessRecordWriter(buffer, pipe.write_fd, as_json)
    writer.start()
    try:
        for item in records:
            stream.emit(item)
        assert writer.close(time.monotonic() + 20)
        data = pipe.read_all(writer)
    finally:
        buffer.close()
    assert data.decode() == format_lines(records, as_json)  # the same bytes, times included
    assert writer.failure is None and writer.unwritten() == 0
    assert writer.child is not None and gone(writer.child.pid)


def test_an_output_process_that_dies_is_reported_in_one_line(pipe):
    if not ProcessRecordWriter.available():
        pytest.skip("no output process here")
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    failed = threading.Event()
    writer = ProcessRecordWriter(buffer, pipe.write_fd, as_json=False, on_failure=lambda exc: failed.set())
    writer.start()
    try:
        assert writer.child is not None
        writer.child.kill()
        stream.emit(record(1))
        assert failed.wait(10)
        assert writer.close(time.monotonic() + 5)
    finally:
        buffer.close()
    assert isinstance(writer.failure, OutputProcessError)
    assert str(writer.failure) == "the output process ended unexpectedly (killed by SIGKILL)"
    assert gone(writer.child.pid)


def test_an_abandoned_output_process_is_killed(pipe):
    if not ProcessRecordWriter.available():
        pytest.skip("no output process here")
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=100)
    writer = ProcessRecordWriter(buffer, pipe.write_fd, as_json=False)
    writer.start()
    try:
        def blocked() -> bool:  # nobody reads: the child blocks on the pipe, then the writer on the child
            for n in range(200):
                stream.emit(record(n))
            return in_pipe_write(tid=writer._thread.native_id)

        assert wait_until(blocked, 20)
        assert not writer.close(time.monotonic() + 0.2)
        assert writer.unwritten() > 0
        writer.abandon()
        assert writer.child is not None and gone(writer.child.pid)
        assert wait_until(lambda: not writer._thread.is_alive(), 10)  # its pipe broke: it ends too
    finally:
        buffer.close()

"""The runner's output writer on real pipes: it never blocks whoever emits records, every
gap is marked with its exact size, and closing gives up at its deadline."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from app.core.record_writer import FdWriter, MessageQueue, RecordWriter
from components import ObserverStream, RecordBuffer
from components.observer import DROPPED, EventRecord

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


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_every_gap_is_marked_with_its_size_where_it_is(pipe, as_json):
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=300)
    writer = RecordWriter(buffer, pipe.write_fd, as_json)
    writer.start()
    emitted = 0

    def emit(count: int) -> None:
        nonlocal emitted
        for _ in range(count):
            emitted += 1
            stream.emit(record(emitted))  # byte_count carries the sequence number

    try:
        # nobody reads: the pipe fills, then the writer blocks in os.write
        emit(200)
        assert wait_until(lambda: in_pipe_write(tid=writer._thread.native_id), 10), "it never blocked"
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


def test_the_writer_keeps_up_when_the_reader_reads(pipe):
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=100_000)
    writer = RecordWriter(buffer, pipe.write_fd, as_json=False)
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


def test_a_reader_that_goes_away_ends_the_writer_with_the_error(pipe):
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    failures: list[OSError] = []
    failed = threading.Event()

    def on_failure(exc: OSError) -> None:
        failures.append(exc)
        failed.set()

    writer = RecordWriter(buffer, pipe.write_fd, as_json=True, on_failure=on_failure)
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

"""RecordBuffer: bounded, and never silent about what it had to drop."""

from __future__ import annotations

import threading

from components.observer import DROPPED, EventRecord, ObserverStream, RecordBuffer


def _record(i: int) -> EventRecord:
    return EventRecord(float(i), "ServerSocket1", "OnClientRead", i, "127.0.0.1:1", "MainThread", 1, b"x")


def test_a_batch_after_a_gap_starts_with_one_dropped_record_counting_it():
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=10)
    for i in range(5):
        stream.emit(_record(i))
    assert [r.connection_id for r in buffer.drain()] == [0, 1, 2, 3, 4]
    for i in range(5, 40):  # the consumer is away: 25 of these fall out
        stream.emit(_record(i))
    batch = buffer.drain()
    assert batch[0].event == DROPPED and batch[0].byte_count == 25
    assert "25 records dropped" in batch[0].detail
    assert batch[0].time == batch[1].time  # it stands where the gap is
    assert [r.connection_id for r in batch[1:]] == list(range(30, 40))
    assert buffer.dropped == 25
    stream.emit(_record(40))
    assert [r.event for r in buffer.drain()] == ["OnClientRead"]  # said once, not again
    buffer.close()


def test_a_gap_is_reported_even_when_nothing_follows_it():
    buffer = RecordBuffer(maxlen=2)
    for i in range(3):
        buffer.append(_record(i))
    assert [r.event for r in buffer.drain(limit=0)] == [DROPPED]
    assert [r.connection_id for r in buffer.drain()] == [1, 2]


def test_drops_from_many_threads_are_all_counted():
    buffer = RecordBuffer(maxlen=100)
    per_thread, threads = 20_000, 4

    def produce() -> None:
        for i in range(per_thread):
            buffer.append(_record(i))

    workers = [threading.Thread(target=produce) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    batch = buffer.drain()
    assert batch[0].event == DROPPED
    assert batch[0].byte_count + len(batch) - 1 == per_thread * threads

"""EventLogFeeder: records from engine threads reach the models in batches, on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, QTimer

from components.observer import ObserverStream
from tests.ui.conftest import make_record
from ui.event_log_model import EventLogModel
from ui.event_log_view import DEFAULT_INTERVAL_MS, EventLogFeeder


class InsertCounter:
    def __init__(self, model: EventLogModel) -> None:
        self.batches: list[int] = []
        model.rowsInserted.connect(lambda _parent, first, last: self.batches.append(last - first + 1))


def emit_from_thread(stream: ObserverStream, records: list, chunk: int = 500) -> threading.Thread:
    def run() -> None:
        for start in range(0, len(records), chunk):
            for record in records[start:start + chunk]:
                stream.emit(record)

    worker = threading.Thread(target=run, name="test-engine-worker")
    worker.start()
    return worker


def test_records_from_a_worker_thread_arrive_in_batches(qtbot, qapp):
    stream = ObserverStream()
    model = EventLogModel()
    feeder = EventLogFeeder(stream, models=[model])
    assert feeder.interval_ms == DEFAULT_INTERVAL_MS and 30 <= feeder.interval_ms <= 50
    inserted_on_gui_thread = []
    model.rowsInserted.connect(
        lambda *_: inserted_on_gui_thread.append(QThread.currentThread() == qapp.thread()))
    counter = InsertCounter(model)
    records = [make_record(i, connection_id=i, thread="test-engine-worker") for i in range(20_000)]
    worker = emit_from_thread(stream, records)
    try:
        qtbot.waitUntil(lambda: model.rowCount() == len(records), timeout=10_000)
    finally:
        worker.join(5)
        feeder.stop()
    assert model.records() == records  # all of them, in order, the very same objects
    assert sum(counter.batches) == len(records)
    assert len(counter.batches) <= len(records) // 100  # far fewer inserts than records
    assert all(inserted_on_gui_thread)
    assert model.dropped == 0


def test_one_tick_takes_at_most_max_per_tick(qtbot, qapp):
    stream = ObserverStream()
    model = EventLogModel()
    feeder = EventLogFeeder(stream, models=[model], interval_ms=5, max_per_tick=1000)
    delivered: list[int] = []
    feeder.delivered.connect(delivered.append)
    for i in range(5500):  # all queued before the first tick can run
        stream.emit(make_record(i))
    qtbot.waitUntil(lambda: model.rowCount() == 5500, timeout=5000)
    feeder.stop()
    assert delivered == [1000] * 5 + [500]


def test_component_models_get_only_their_component(qtbot, qapp):
    stream = ObserverStream()
    everything, server_only = EventLogModel(), EventLogModel()
    feeder = EventLogFeeder(stream, models=[everything])
    feeder.add_model(server_only, component="Server")
    for i in range(30):
        stream.emit(make_record(i, component="Server" if i % 3 == 0 else "Client"))
    qtbot.waitUntil(lambda: everything.rowCount() == 30, timeout=3000)
    assert [r.component for r in server_only.records()] == ["Server"] * 10
    feeder.remove_model(server_only)
    assert feeder.models() == [everything]
    stream.emit(make_record(99, component="Server"))
    qtbot.waitUntil(lambda: everything.rowCount() == 31, timeout=3000)
    assert server_only.rowCount() == 10
    feeder.stop()


def test_dropped_records_are_counted_on_the_models(qtbot, qapp):
    stream = ObserverStream()
    model = EventLogModel()
    feeder = EventLogFeeder(stream, models=[model], buffer_size=100)
    for i in range(250):  # the GUI thread is busy here: the buffer overflows
        stream.emit(make_record(i, connection_id=i))
    assert feeder.dropped == 150
    assert feeder.flush() == 101  # the Dropped record, then what is left
    assert model.dropped == 150
    first, *rest = model.records()
    assert (first.event, first.byte_count) == ("Dropped", 150)
    assert [r.connection_id for r in rest] == list(range(150, 250))
    feeder.stop()


def test_stop_unsubscribes_and_leaves_no_timer_running(qtbot, qapp):
    stream = ObserverStream()
    model = EventLogModel()
    feeder = EventLogFeeder(stream, models=[model])
    assert feeder.is_running() and stream.active
    feeder.stop()
    assert not feeder.is_running()
    assert not stream.active  # nobody listens: the engine stops building records
    assert not [t for t in feeder.findChildren(QTimer) if t.isActive()]
    stream.emit(make_record())
    assert len(feeder.buffer) == 0
    qtbot.wait(3 * DEFAULT_INTERVAL_MS)
    assert model.rowCount() == 0
    feeder.stop()  # twice is harmless


def test_a_gap_reaches_the_component_models_too(qtbot, qapp):
    """Issue 8, item 3: a per-component pane shows the Dropped record as well."""
    stream = ObserverStream()
    everything, server_only = EventLogModel(), EventLogModel()
    feeder = EventLogFeeder(stream, models=[everything], buffer_size=50)
    feeder.add_model(server_only, component="Server")
    for i in range(120):
        stream.emit(make_record(i, component="Server" if i % 2 else "Client", connection_id=i))
    assert feeder.flush() == 51
    first = server_only.record(0)
    assert (first.event, first.byte_count) == ("Dropped", 70)
    assert [r.connection_id for r in server_only.records()[1:]] == list(range(71, 120, 2))
    assert server_only.dropped == everything.dropped == 70
    assert [r.event for r in feeder.history("Server")][:1] == ["Dropped"]  # and a pane opened later
    feeder.stop()

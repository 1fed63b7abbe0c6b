"""Flood benchmark for the event log pane.

A worker thread pushes records into an ``ObserverStream`` as fast as it can
while the GUI thread drains them into an ``EventLogPane`` (model + filter proxy
+ feeder). A 10 ms ``Qt.PreciseTimer`` on the GUI thread measures how late the
event loop gets: its gaps minus 10 ms are the lateness a user would feel as
stutter. The same flood then goes into a raw ``QTableView`` over a minimal
table model (same drain timer and batch cap, no proxy, no formatting), so the
report says what the pane costs over plain Qt in the same process and run.

Runs alternate pane/raw so drift on the machine hits both; each figure is the
median of its runs. Run it with::

    python -c "from bench.log import main; raise SystemExit(main())"

It then times filter changes over a shown pane holding a million rows
(``--filter-rows``, 0 skips that part), and the longest GUI stall during each.
The exit status is 0 whatever the result; PASS/FAIL is informational.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.observer import EventRecord, ObserverStream, RecordBuffer

if TYPE_CHECKING:  # Qt is imported late, once QT_QPA_PLATFORM is set
    from PySide6.QtCore import QAbstractItemModel, QMessageLogContext, QtMsgType
    from PySide6.QtWidgets import QTableView, QWidget

#: The pane passes when the 10 ms timer's p99 lateness stays below this.
TARGET_P99_MS = 50.0
#: A filter change passes when the 10 ms timer is never later than this.
TARGET_STALL_MS = 50.0
TICK_MS = 10


@dataclass
class RunResult:
    records: int
    seconds: float
    ticks_expected: int
    ticks_seen: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rss_before_mb: float
    rss_after_mb: float
    inserts: int
    gc_full: int  # full (generation 2) garbage collections during the run
    gc_max_ms: float  # the longest collection of any generation

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


_REFUSED = ErrorInfo(ErrorEvent.CONNECT, 111, "ECONNREFUSED", 10061, "Connection refused")


def flood(stream: ObserverStream, count: int, chunk: int) -> None:
    """What an engine under load emits: mostly reads and sends, some connects and errors."""
    now = time.monotonic
    payload = b"GET /index.html HTTP/1.1\r\nHost: bench\r\n\r\n"
    for start in range(0, count, chunk):
        for i in range(start, min(start + chunk, count)):
            conn = i % 64
            peer = f"127.0.0.1:{40000 + conn}"
            kind = i % 50
            if kind == 0:
                record = EventRecord(now(), "ServerSocket1", "OnClientConnect", conn, peer, "engine")
            elif kind == 1:
                record = EventRecord(now(), "ClientSocket1", "OnError", 0, "127.0.0.1:9", "engine",
                                     error=_REFUSED)
            elif kind % 2:
                record = EventRecord(now(), "ServerSocket1", "OnClientRead", conn, peer, "engine",
                                     len(payload) + 4, payload + i.to_bytes(4, "big"))
            else:
                record = EventRecord(now(), "ServerSocket1", "Send", conn, peer, "engine", 4096,
                                     i.to_bytes(4, "big") + payload)
            stream.emit(record)


def run_once(kind: str, count: int, chunk: int, interval_ms: int, max_per_tick: int,
             rss_baseline: float) -> RunResult:
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None  # main() made it
    gc.collect()
    # Memory freed by an earlier run is reused, not returned to the system, so
    # every run is measured against the process before the first run.
    rss_before = rss_baseline
    stream = ObserverStream()
    inserts = [0]
    loop = QEventLoop()
    widget: QWidget
    model: QAbstractItemModel
    if kind == "pane":
        from ui.event_log_model import EventLogModel
        from ui.event_log_view import EventLogFeeder, EventLogPane

        model = EventLogModel()
        widget = EventLogPane(model)
        feeder = EventLogFeeder(stream, models=[model], interval_ms=interval_ms, max_per_tick=max_per_tick)
        shown = model.rowCount
        stop = feeder.stop
    else:
        widget, model, stop = _raw_view(stream, interval_ms, max_per_tick)
        shown = model.rowCount

    def count_insert(*_args: object) -> None:
        inserts[0] += 1
        if shown() >= count:
            loop.quit()

    model.rowsInserted.connect(count_insert)
    widget.resize(1000, 700)
    widget.show()
    app.processEvents()

    stamps: list[float] = []
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(lambda: stamps.append(time.monotonic()))
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    give_up.start(60_000)

    collections: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            collections.append((info["generation"], (time.perf_counter() - gc_started[0]) * 1000))

    gc.callbacks.append(on_gc)
    worker = threading.Thread(target=flood, args=(stream, count, chunk), name="bench-flood", daemon=True)
    ticker.start()
    started = time.monotonic()
    stamps.append(started)
    worker.start()
    if shown() < count:
        loop.exec()
    app.processEvents()  # paint the last batch: "shown" means on screen
    seconds = time.monotonic() - started
    ticker.stop()
    give_up.stop()
    worker.join(10)
    gc.callbacks.remove(on_gc)
    rss_after = rss_mb()

    gaps = [(b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(stamps)]
    late = [max(0.0, g) for g in gaps]
    result = RunResult(shown(), seconds, int(seconds * 1000 / TICK_MS), len(stamps) - 1,
                       percentile(late, 50), percentile(late, 99), max(late, default=0.0),
                       rss_before, rss_after, inserts[0],
                       sum(1 for generation, _ in collections if generation == 2),
                       max((ms for _, ms in collections), default=0.0))
    stop()
    model.rowsInserted.disconnect(count_insert)  # it holds the model: a cycle through C++
    widget.close()
    widget.deleteLater()
    # processEvents() leaves deferred deletes alone; without this every run's
    # rows would stay alive and slow the next run's garbage collections.
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del widget, model
    gc.collect()
    return result


def _raw_view(stream: ObserverStream, interval_ms: int,
              max_per_tick: int) -> tuple[QTableView, QAbstractItemModel, Callable[[], None]]:
    """A plain QTableView over the least model that shows a record, fed like the pane."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
    from PySide6.QtWidgets import QHeaderView, QTableView

    class RawModel(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[EventRecord] = []

        def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else 6

        def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            r = self.rows[index.row()]
            return str((r.time, r.component, r.event, r.peer, r.byte_count, r.preview)[index.column()])

        def append(self, batch: list[EventRecord]) -> None:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
            self.rows.extend(batch)
            self.endInsertRows()

    model = RawModel()
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(20)
    view.setWordWrap(False)
    buffer = RecordBuffer(stream)
    timer = QTimer()
    timer.setInterval(interval_ms)

    def tick() -> None:
        batch = buffer.drain(max_per_tick)
        if batch:
            model.append(batch)
            view.scrollToBottom()

    timer.timeout.connect(tick)
    timer.start()

    def stop() -> None:
        timer.stop()
        buffer.close()

    return view, model, stop


@dataclass
class FilterTiming:
    name: str
    call_ms: float  # how long the call that changed the filter took (it blocks)
    seconds: float  # until the filter had been applied to every row
    stall_ms: float  # the longest the GUI thread went without serving a 10 ms timer
    rows: int  # rows shown at the end


def filter_timings(rows: int, tail_rate: int = 50_000) -> list[FilterTiming]:
    """Filter changes over a shown pane holding ``rows`` records: how long each takes and
    how long the GUI stalls meanwhile (the lateness of a 10 ms timer). The last step
    changes the text filter while a worker thread keeps ``tail_rate`` records a second
    flowing into the full log (so old rows are evicted during the filtering)."""
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.event_log_model import EventLogModel
    from ui.event_log_view import EventLogFeeder, EventLogPane

    app = QApplication.instance()
    assert app is not None  # main() made it
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    flood(stream, rows, 10_000)
    buffer.close()
    model = EventLogModel(capacity=rows)
    pane = EventLogPane(model)
    pane.resize(1000, 700)
    pane.show()
    records = buffer.drain()
    started = time.perf_counter()
    for start in range(0, rows, 20_000):
        model.append_records(records[start:start + 20_000])
    app.processEvents()
    seconds = time.perf_counter() - started
    out = [FilterTiming(f"append {rows:,} in 20k batches, no filter", seconds * 1000, seconds, 0.0,
                        pane.shown_count())]
    # A needle only the Time column can match: the minute of the middle record.
    minute = model.clock(model.record(rows // 2).wall_time)[:5]
    del records
    proxy = pane.proxy

    def timed(name: str, step: Callable[[], None], hold_ms: int = 0) -> FilterTiming:
        stamps: list[float] = []
        ticker = QTimer()
        ticker.setTimerType(Qt.TimerType.PreciseTimer)
        ticker.setInterval(TICK_MS)
        ticker.timeout.connect(lambda: stamps.append(time.perf_counter()))
        done = QEventLoop()

        def on_progress(percent: int) -> None:
            if percent == 100:
                done.quit()

        proxy.progress_changed.connect(on_progress)
        ticker.start()
        started = time.perf_counter()
        stamps.append(started)
        step()
        call_ms = (time.perf_counter() - started) * 1000
        if hold_ms:  # no filter change: just watch the GUI for as long
            QTimer.singleShot(hold_ms, done.quit)
            done.exec()
        elif proxy.is_filtering():
            done.exec()
        app.processEvents()  # and paint what it found
        ended = time.perf_counter()
        stamps.append(ended)
        ticker.stop()
        proxy.progress_changed.disconnect(on_progress)
        stall = max(((b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(stamps)), default=0.0)
        return FilterTiming(name, call_ms, ended - started, max(0.0, stall), pane.shown_count())

    steps: list[tuple[str, Callable[[], None]]] = [
        ("component = ClientSocket1", lambda: proxy.set_component("ClientSocket1")),
        ("event = OnClientRead", lambda: proxy.set_filters(event="OnClientRead")),
        ("text 'index.html'", lambda: proxy.set_filters(text="index.html")),
        ("text 'zzz' (no match)", lambda: proxy.set_text("zzz")),
        (f"text '{minute}' (Time column)", lambda: proxy.set_text(minute)),
        ("clear filters", lambda: proxy.set_filters()),
    ]
    out.extend(timed(name, step) for name, step in steps)
    if tail_rate:
        feeder = EventLogFeeder(stream, models=[model])
        stop = threading.Event()

        def tail() -> None:
            while not stop.is_set():
                flood(stream, tail_rate // 20, 1000)
                stop.wait(0.05)

        worker = threading.Thread(target=tail, name="bench-tail", daemon=True)
        worker.start()
        try:
            out.append(timed(f"text 'index.html', {tail_rate:,} new rows/s", lambda: proxy.set_text("index.html")))
            # the same tail for as long with the filter left alone: what the tail costs by itself
            out.append(timed(f"(no change, {tail_rate:,} new rows/s)", lambda: None,
                             hold_ms=int(out[-1].seconds * 1000)))
        finally:
            stop.set()
            worker.join(10)
            feeder.stop()
    pane.close()
    pane.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return out


def _median_result(runs: list[RunResult]) -> RunResult:
    fields = RunResult.__dataclass_fields__
    return RunResult(**{name: statistics.median(getattr(r, name) for r in runs) for name in fields})


def _row(name: str, r: RunResult) -> str:
    return (f"| {name:<34} | {r.records:>7,.0f} | {r.seconds:>5.2f} | {r.rate:>9,.0f} | "
            f"{r.ticks_expected:>5.0f} / {r.ticks_seen:<5.0f} | {r.p50_ms:>5.1f} / {r.p99_ms:>5.1f} / "
            f"{r.max_ms:>5.1f} | {r.rss_before_mb:>5.0f} -> {r.rss_after_mb:<5.0f} | {r.inserts:>7.0f} | "
            f"{r.gc_full:>4.0f} / {r.gc_max_ms:>5.1f} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_log", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=1000, help="records per chunk the worker emits")
    parser.add_argument("--interval", type=int, default=None, help="feeder interval in ms")
    parser.add_argument("--max-per-tick", type=int, default=None)
    parser.add_argument("--filter-rows", type=int, default=1_000_000,
                        help="also time filter changes over a log of this many rows (0: skip)")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from ui.event_log_view import DEFAULT_INTERVAL_MS, DEFAULT_MAX_PER_TICK

    interval = args.interval or DEFAULT_INTERVAL_MS
    per_tick = args.max_per_tick or DEFAULT_MAX_PER_TICK
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)  # the panes are widgets

    # the offscreen plugin's size-hint notice is noise here
    def quiet(mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if "propagateSizeHints" not in message and mode != QtMsgType.QtDebugMsg:
            print(message)

    previous = qInstallMessageHandler(quiet)
    try:
        results: dict[str, list[RunResult]] = {"pane": [], "raw": []}
        gc.collect()
        baseline = rss_mb()
        for _ in range(args.runs):
            for kind in ("pane", "raw"):
                results[kind].append(run_once(kind, args.records, args.chunk, interval, per_tick, baseline))
        timings = filter_timings(args.filter_rows) if args.filter_rows else []
    finally:
        qInstallMessageHandler(previous)

    pane, raw = _median_result(results["pane"]), _median_result(results["raw"])
    print(f"Event log flood: {args.records:,} records from a worker thread, chunks of {args.chunk}; "
          f"feeder every {interval} ms, at most {per_tick:,} per tick; platform "
          f"{app.platformName()}, window 1000x700; median of {args.runs} runs")
    print("| view                               | records |     s | records/s | ticks exp / seen "
          "| lateness p50 / p99 / max ms | RSS MB before -> after | inserts | full GCs / max GC ms |")
    print("|" + "|".join("-" * w for w in (36, 9, 7, 11, 18, 29, 24, 9, 22)) + "|")
    print(_row("EventLogPane (model+filter+feeder)", pane))
    print(_row("raw QTableView + minimal model", raw))
    print(f"pane / raw: time x{pane.seconds / raw.seconds:.2f}, records/s x{pane.rate / raw.rate:.2f}, "
          f"p99 lateness {pane.p99_ms:.1f} vs {raw.p99_ms:.1f} ms")
    per_run = ", ".join(f"{r.p99_ms:.1f}" for r in results["pane"])
    verdict = "PASS" if pane.p99_ms < TARGET_P99_MS else "FAIL"
    print(f"{verdict}: pane p99 timer lateness {pane.p99_ms:.1f} ms (runs: {per_run}); "
          f"target < {TARGET_P99_MS:.0f} ms")
    if timings:
        print(f"\nFilter changes over {args.filter_rows:,} rows (pane shown); the filter runs in slices, "
              "so 'call' is what blocks and 'stall' the longest the GUI thread was unavailable:")
        print(f"  {'change':<46} {'call ms':>8} {'total s':>8} {'stall ms':>9}  rows shown")
        for t in timings:
            print(f"  {t.name:<46} {t.call_ms:8.1f} {t.seconds:8.2f} {t.stall_ms:9.1f}  {t.rows:,}")
        worst = max(t.stall_ms for t in timings[1:] if not t.name.startswith("("))
        verdict = "PASS" if worst < TARGET_STALL_MS else "FAIL"
        print(f"{verdict}: longest GUI stall during a filter change {worst:.1f} ms; target < {TARGET_STALL_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The Timeline's paint time with a million records: ``python -m bench.timeline``.

A log model holds ``--records`` records (three interleaved connections and a
listener: reads, sends, connects, disconnects, an error now and then, 100 µs
apart); the Timeline view over it is painted offscreen into an image of the
view's size, again and again, at several zooms (a screen holding 10 ms, 1 s,
1 min and the whole session) and at random scroll positions. Reported: paint time
p50 and p99 per zoom, and, as the baseline measured in the same run, the paint
time of the event log's own table (QTableView over the same model, 1M rows) at
random scroll positions, and of the view with an empty model. The machine may be
shared: compare the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QTableView

from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.observer import EventRecord
from ui.event_log_model import EventLogModel
from ui.timeline import TimelineView

WIDTH, HEIGHT = 1200, 600
ERROR = ErrorInfo(ErrorEvent.DISCONNECT, 104, "ECONNRESET", 10054, "Connection reset by peer")


def records(n: int, t0: float) -> list[EventRecord]:
    out = []
    for i in range(n):
        conn = 1 + i % 3
        peer = f"127.0.0.1:{50000 + conn}"
        t = t0 + i * 1e-4
        k = (i // 3) % 50
        if k == 0:
            out.append(EventRecord(t, "ServerSocket1", "OnClientConnect", conn, peer, "MainThread"))
        elif k == 49:
            out.append(EventRecord(t, "ServerSocket1", "OnClientDisconnect", conn, peer, "MainThread"))
        elif k == 25 and i % 7 == 0:
            out.append(EventRecord(t, "ServerSocket1", "OnClientError", conn, peer, "MainThread", error=ERROR))
        elif k % 2:
            out.append(EventRecord(t, "ServerSocket1", "OnClientRead", conn, peer, "MainThread", 24,
                                   b"client %d says hello\r\n" % conn))
        else:
            out.append(EventRecord(t, "ServerSocket1", "Send", conn, peer, "MainThread", 24,
                                   b"client %d says hello\r\n" % conn))
    return out


def timed(paint: Callable[[QPainter], None], times: int) -> list[float]:
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    out = []
    for _ in range(times):
        painter = QPainter(image)
        start = time.perf_counter()
        paint(painter)
        painter.end()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timeline", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--paints", type=int, default=60, help="paints per row")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    t0 = time.monotonic()
    model = EventLogModel(capacity=max(args.records, 1))
    batch = records(args.records, t0)
    for k in range(0, len(batch), 100_000):
        model.append_records(batch[k:k + 100_000])
    built = time.perf_counter()
    view = TimelineView(model, lambda _name: True)
    index_ms = (time.perf_counter() - built) * 1000
    view.resize(WIDTH, HEIGHT + 40)
    view.show()
    app.processEvents()
    end = view.index.end
    rng = random.Random(1)
    rows: list[tuple[str, list[float], int]] = []

    empty = TimelineView(EventLogModel(), lambda _name: True)
    empty.resize(WIDTH, HEIGHT)
    rows.append(("timeline, empty model (floor)", timed(lambda pt: empty.paint(pt, WIDTH, HEIGHT), args.paints), 0))

    for label, span in (("10 ms on screen", 0.01), ("1 s on screen", 1.0), ("1 min on screen", 60.0),
                        ("whole session", end - t0)):
        view.set_scale(HEIGHT / span)
        drawn: list[int] = []

        def paint(painter: QPainter, span: float = span, drawn: list[int] = drawn) -> None:
            view.follow = False
            view.top = t0 + rng.random() * max(0.0, end - t0 - span)
            view.paint(painter, WIDTH, HEIGHT)
            drawn.append(view.last_drawn)
        rows.append((f"timeline, {label}", timed(paint, args.paints), int(statistics.median(drawn or [0]))))

    table = QTableView()
    table.setModel(model)
    table.resize(WIDTH, HEIGHT)
    table.show()
    app.processEvents()

    def paint_table(painter: QPainter) -> None:
        table.verticalScrollBar().setValue(rng.randrange(max(1, model.rowCount())))
        table.viewport().render(painter, QPoint(0, 0))
    rows.append(("event log table (baseline)", timed(paint_table, args.paints), 0))

    # what the Timeline adds to the log's own work per feeder tick (5,000 records appended)
    tick = records(5_000, end + 1)
    ticks: dict[str, list[float]] = {"without": [], "with": []}
    for label in ("without", "with", "without", "with", "without", "with"):
        target = EventLogModel(capacity=200_000)
        target.append_records(batch[:150_000])
        timeline = TimelineView(target, lambda _name: True) if label == "with" else None
        for _ in range(8):
            start = time.perf_counter()
            target.append_records(tick)
            ticks[label].append((time.perf_counter() - start) * 1000)
        if timeline is not None:
            timeline.deleteLater()

    print(f"Timeline paint, {args.records:,} records, {WIDTH}x{HEIGHT} px, {args.paints} paints per row "
          f"(index built in {index_ms:.0f} ms); the machine may be shared, compare ratios")
    base = statistics.median(rows[-1][1])
    print(f"{'row':34} {'p50 ms':>8} {'p99 ms':>8} {'drawn':>7} {'p50 / table':>12}")
    for label, values, drawn_n in rows:
        print(f"{label:34} {p(values, 0.5):8.2f} {p(values, 0.99):8.2f} {drawn_n:7} "
              f"{statistics.median(values) / base:12.2f}")
    without, with_ = statistics.median(ticks["without"]), statistics.median(ticks["with"])
    print(f"a feeder tick of 5,000 records into the log model: {without:.2f} ms without the Timeline, "
          f"{with_:.2f} ms with it (median of 24; x{with_ / without:.2f})")
    view.close()
    table.close()
    empty.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The Timeline dock: the session as a sequence diagram, live.

Time runs down. Each endpoint has a lifeline: the listener of each ServerSocket, each
server connection, each ClientSocket (a component that does not accept connections
keeps one lifeline whatever its connections). A connection's lane also has its
peer's lifeline (dashed, the remote address on top): a send is an arrow from the
endpoint to its peer, a read an arrow from the peer, each with its size and a short
preview. Events are marks on the lifeline: connects green, disconnects grey, errors
red; a Dropped record (the log lost records there) is an amber band across every lane.

What it draws comes from the event log pane it belongs to (its model, its filters): a
click on an arrow or a mark selects that record's row in the log, and selecting a
row in the log selects and shows it here.

Only what is visible is drawn. ``TimelineIndex`` keeps every row's time (a running
maximum, so it is sorted whatever the threads did) in an array; a paint bisects the
visible time range, and when the range holds more records than pixels it samples:
for each pixel row at most a few records are drawn (bisecting to the row's first
record), so a paint costs the same at a thousand records as at a million.

The time axis zooms from microseconds to minutes per screen: Ctrl+wheel (around the
mouse), the slider or the buttons. The visible range exports as SVG (QSvgGenerator)
and PNG.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, islice
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QLineF, QModelIndex, QPointF, QRect, QRectF, QSettings, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.record_format import text_preview
from app.core.record_kinds import CLOSES, CONNECTS, ERRORS, READS
from app.qt.i18n import arg
from components.observer import DROPPED, MONO_TO_WALL, SEND
from ui.event_log_model import EventLogModel
from ui.retranslate import is_language_change

# zoom: pixels per second, as 100 * log10 on the slider
MIN_SCALE = 0.25  # a 500 px view shows half an hour
MAX_SCALE = 1e7  # 10 px per microsecond
DEFAULT_SCALE = 2000.0  # 2 px per millisecond
AXIS_WIDTH = 86
HEADER_HEIGHT = 40
LISTENER_WIDTH = 130
LANE_WIDTH = 230
MAX_LANE_WIDTH = 380
#: a paint draws at most this many records per pixel row (the rest are counted on the row)
PER_ROW = 3
#: records of one lane closer than this (px) are drawn as one busy band
MIN_GAP = 3.0
#: how many records (nearly) at once one lane draws just under each other before it bands them
NUDGES = 4
FOLDER_KEY = "timeline/exportFolder"

_SEND = QColor(31, 95, 191)
_READ = QColor(46, 125, 50)
_ERROR = QColor(198, 40, 40)
_CONNECT = QColor(46, 125, 50)
_CLOSE = QColor(110, 110, 110)
_EVENT = QColor(90, 90, 150)
_DROPPED = QColor(255, 224, 130)
_SELECTED = QColor(255, 200, 0, 110)


@dataclass
class Lane:
    """One endpoint's lifeline (and its peer's, for a connection)."""

    key: tuple[str, int]
    component: str
    connection: int
    has_peer: bool
    peer: str = ""
    first: float = 0.0
    last: float = 0.0
    closed: bool = False
    x: int = 0
    width: int = 0


class TimelineIndex:
    """Every row of an EventLogModel by time, and the lanes its records draw on."""

    def __init__(self, model: EventLogModel, accepts_connections: Callable[[str], bool]) -> None:
        self.model = model
        self._accepts = accepts_connections
        self._server: dict[str, bool] = {}
        self.times = array("d")
        self.base = model.first_seq  # the sequence number of times[0]
        self.lanes: dict[tuple[str, int], Lane] = {}
        self.order: list[Lane] = []
        self.start = 0.0
        self.rebuild()

    def rebuild(self) -> None:
        self.times = array("d")
        self.base = self.model.first_seq
        self.lanes.clear()
        self.order.clear()
        self.start = 0.0
        self.added(0, self.model.rowCount() - 1)

    def lane_key(self, component: str, connection: int) -> tuple[str, int]:
        server = self._server.get(component)
        if server is None:
            server = self._server[component] = self._accepts(component)
        return (component, connection if server else 0)

    def added(self, first: int, last: int) -> None:
        """Rows ``first``..``last`` of the model are new (appended)."""
        rows = self.model.raw_rows(first, last + 1)
        if not rows:
            return
        times = self.times
        if not times:
            self.start = rows[0][0]
        high = times[-1] if times else rows[0][0]
        # the running maximum of the times, and per endpoint its last row and its last
        # connect or close: comprehensions, not a Python loop per row (a flood brings 5,000 a tick)
        times.extend(islice(accumulate((row[0] for row in rows), max, initial=high), 1, None))
        latest = {(row[1], row[3]): row for row in rows if row[1] and row[2] != DROPPED}
        turns = {(row[1], row[3]): row[2] for row in rows if row[2] in CLOSES or row[2] in CONNECTS}
        lanes = self.lanes
        if any(self.lane_key(*key) not in lanes for key in latest):
            # the first row of each endpoint (a reversed comprehension keeps the first), in order
            firsts = {(row[1], row[3]): row for row in reversed(rows) if row[1] and row[2] != DROPPED}
            for (component, connection), row in sorted(firsts.items(), key=lambda item: item[1][0]):
                key = self.lane_key(component, connection)
                if key not in lanes:
                    lanes[key] = Lane(key, component, key[1], has_peer=key[1] != 0 or not self._server[component],
                                      first=row[0])
                    self.order.append(lanes[key])
        for (component, connection), row in latest.items():
            lane = lanes[self.lane_key(component, connection)]
            lane.last = max(lane.last, row[0])
            if row[4] and not lane.peer:
                lane.peer = row[4]
        for (component, connection), event in turns.items():
            lanes[self.lane_key(component, connection)].closed = event in CLOSES

    def evicted(self) -> None:
        """The model dropped its oldest rows: forget their times (now and then)."""
        skip = self.model.first_seq - self.base
        if skip > len(self.times) // 2 and skip > 1024:
            del self.times[:skip]
            self.base += skip

    @property
    def skip(self) -> int:
        return max(0, self.model.first_seq - self.base)

    def seq_at(self, t: float) -> int:
        """The sequence number of the first row at or after ``t``."""
        return self.base + bisect_left(self.times, t, lo=min(self.skip, len(self.times)))

    def seq_after(self, t: float) -> int:
        return self.base + bisect_right(self.times, t, lo=min(self.skip, len(self.times)))

    @property
    def end(self) -> float:
        return self.times[-1] if len(self.times) > self.skip else self.start

    @property
    def first_time(self) -> float:
        skip = self.skip
        return self.times[skip] if len(self.times) > skip else self.start


def nice_step(span: float) -> float:
    """A 1-2-5 step that cuts ``span`` seconds into about one tick per 60 px."""
    if span <= 0:
        return 1.0
    raw = span
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def offset_text(seconds: float, step: float) -> str:
    """A tick's label: the time since the session's first record, as precise as the step."""
    if step < 1e-3:
        decimals = max(0, -math.floor(math.log10(step)) - 6)
        return f"{seconds * 1e6:,.{decimals}f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.{decimals + 3}f} ms"
    if step < 1:
        decimals = max(0, -math.floor(math.log10(step)))
        if seconds < 60:
            return f"{seconds:.{decimals}f} s"
        return f"{int(seconds // 60)}:{seconds % 60:0{3 + decimals}.{decimals}f}"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 3600)}:{int(seconds // 60 % 60):02d}:{int(seconds % 60):02d}"


class TimelineView(QAbstractScrollArea):
    """The custom-painted diagram. ``model`` is the log's model; ``accepts(row)`` the log's filter."""

    #: a record was clicked: its sequence number in the model
    recordClicked = Signal(int)
    #: the scale (pixels per second) changed
    scaleChanged = Signal(float)

    def __init__(self, model: EventLogModel, accepts_connections: Callable[[str], bool] = lambda _c: True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineView")
        self.model = model
        self.index = TimelineIndex(model, accepts_connections)
        self.accepts: Callable[[Any], bool] | None = None
        self.scale = DEFAULT_SCALE
        self.top = self.index.first_time  # the time at the top of the plot
        self.follow = True
        self.selected: int | None = None
        #: what the last paint drew where: (y, x from, x to, sequence number)
        self._hits: list[tuple[float, float, float, int]] = []
        self.last_drawn = 0  # records drawn by the last paint (for the bench and tests)
        self.setMouseTracking(False)
        self.viewport().setAutoFillBackground(True)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Base)
        self.verticalScrollBar().setRange(0, 0)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.horizontalScrollBar().valueChanged.connect(lambda _v: self.viewport().update())
        self._syncing = False
        #: False while nobody can see the view (its dock hidden): the index then waits, stale,
        #: and is built again when it shows, so a hidden Timeline costs a flood nothing
        self._live = True
        self._stale = False
        model.rowsInserted.connect(self._rows_inserted)
        model.rowsRemoved.connect(self._rows_removed)
        model.modelReset.connect(self._reset)
        font = QFont(self.font())
        self._small = QFont(font)
        self._small.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        self._mono = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)
        self._mono.setPointSizeF(self._small.pointSizeF())
        self._bold = QFont(font)
        self._bold.setBold(True)
        self._mono_metrics = QFontMetrics(self._mono)
        self._small_metrics = QFontMetrics(self._small)
        self._bold_metrics = QFontMetrics(self._bold)
        self.retranslate()
        self.setMinimumSize(200, 60)

    def retranslate(self) -> None:
        self._locale = self.locale()
        self._bytes_text = self.tr("%1 bytes")
        self.viewport().update()

    # -- geometry ----------------------------------------------------------------
    def plot_height(self) -> int:
        return max(1, self.viewport().height() - HEADER_HEIGHT)

    def span(self) -> float:
        """The seconds the visible plot covers."""
        return self.plot_height() / self.scale

    def _layout_lanes(self, width: int) -> int:
        lanes = self.index.order
        connections = sum(1 for lane in lanes if lane.has_peer)
        fixed = sum(LISTENER_WIDTH for lane in lanes if not lane.has_peer)
        room = width - AXIS_WIDTH - fixed - 8
        lane_width = LANE_WIDTH if not connections else min(MAX_LANE_WIDTH, max(LANE_WIDTH, room // connections))
        x = AXIS_WIDTH
        for lane in lanes:
            lane.x = x
            lane.width = lane_width if lane.has_peer else LISTENER_WIDTH
            x += lane.width
        return x - AXIS_WIDTH

    def y_of(self, t: float) -> float:
        return HEADER_HEIGHT + (t - self.top) * self.scale

    def time_at(self, y: float) -> float:
        return self.top + (y - HEADER_HEIGHT) / self.scale

    # -- scrolling and zooming ------------------------------------------------------
    _STEPS = 100_000

    def _update_scrollbars(self) -> None:
        self._syncing = True
        try:
            bar = self.verticalScrollBar()
            first, end = self.index.first_time, self.index.end
            extent = max(0.0, end - first - self.span() * 0.9)
            if extent <= 0:
                bar.setRange(0, 0)
            else:
                bar.setRange(0, self._STEPS)
                bar.setPageStep(max(1, int(self._STEPS * self.span() / (extent + self.span()))))
                bar.setSingleStep(max(1, bar.pageStep() // 10))
                bar.setValue(int(min(max((self.top - first) / extent, 0.0), 1.0) * self._STEPS))
            total = self._layout_lanes(self.viewport().width())
            h = self.horizontalScrollBar()
            h.setRange(0, max(0, total + AXIS_WIDTH - self.viewport().width()))
            h.setPageStep(self.viewport().width())
        finally:
            self._syncing = False

    @Slot(int)
    def _scrolled(self, value: int) -> None:
        if self._syncing:
            return
        first, end = self.index.first_time, self.index.end
        extent = max(0.0, end - first - self.span() * 0.9)
        self.top = first + extent * value / self._STEPS
        self.follow = value >= self.verticalScrollBar().maximum()
        self.viewport().update()

    def scroll_to(self, top: float) -> None:
        first, end = self.index.first_time, self.index.end
        self.top = min(max(top, first - self.span() * 0.05), max(first, end - self.span() * 0.9))
        self.follow = self.top >= end - self.span() * 0.9 - 1e-9
        self._update_scrollbars()
        self.viewport().update()

    def set_scale(self, scale: float, anchor_y: float | None = None) -> None:
        scale = min(max(scale, MIN_SCALE), MAX_SCALE)
        if scale == self.scale:
            return
        y = self.plot_height() / 2 + HEADER_HEIGHT if anchor_y is None else anchor_y
        anchor = self.time_at(y)
        self.scale = scale
        if self.follow:
            self._follow_end()
        else:
            self.scroll_to(anchor - (y - HEADER_HEIGHT) / scale)
        self.scaleChanged.emit(scale)
        self._update_scrollbars()
        self.viewport().update()

    def zoom(self, factor: float) -> None:
        self.set_scale(self.scale * factor)

    def fit(self) -> None:
        """Zoom so the whole session fits."""
        first, end = self.index.first_time, self.index.end
        if end > first:
            self.follow = False
            self.set_scale(self.plot_height() * 0.9 / (end - first))
            self.scroll_to(first - self.span() * 0.04)

    def _follow_end(self) -> None:
        self.top = max(self.index.first_time, self.index.end - self.span() * 0.9)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_scale(self.scale * 1.25 ** steps, event.position().y())
        else:
            self.scroll_to(self.top - steps * self.span() / 8)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.follow:
            self._follow_end()
        self._update_scrollbars()

    # -- the model ------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self.set_live(True)  # shown: the index catches up at once
        super().showEvent(event)

    @Slot(bool)
    def set_live(self, live: bool) -> None:
        """Follow the model (True) or let the index wait until it is needed (False)."""
        self._live = live
        if live and self._stale:
            self._stale = False
            selected = self.selected
            self._reset()
            if selected is not None and selected >= self.model.first_seq:
                self.select(selected)

    @Slot(QModelIndex, int, int)
    def _rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if not self._live:
            self._stale = True
            return
        was_empty = len(self.index.times) <= self.index.skip
        self.index.added(first, last)
        if was_empty:
            self.top = self.index.first_time - self.span() * 0.02
        if self.follow:
            self._follow_end()
        self._update_scrollbars()
        self.viewport().update()

    @Slot()
    def _rows_removed(self) -> None:
        if not self._live:
            self._stale = True
            return
        self.index.evicted()
        if self.selected is not None and self.selected < self.model.first_seq:
            self.selected = None

    @Slot()
    def _reset(self) -> None:
        if not self._live:
            self._stale = True
            self.selected = None
            return
        self.index.rebuild()
        self.selected = None
        self.top = self.index.first_time
        self._update_scrollbars()
        self.viewport().update()

    def set_filter(self, accepts: Callable[[Any], bool] | None) -> None:
        self.accepts = accepts
        self.viewport().update()

    # -- selection -------------------------------------------------------------------
    def select(self, seq: int | None, show: bool = True) -> None:
        """Select the record ``seq`` (a model sequence number); scroll to it when it is out of view."""
        self.selected = seq
        if seq is not None and show and not self._stale and self.model.first_seq <= seq < self.model.end_seq:
            t = self.index.times[seq - self.index.base]
            if not self.top <= t <= self.top + self.span():
                self.follow = False
                self.scroll_to(t - self.span() / 2)
        self.viewport().update()

    def seq_at_point(self, x: float, y: float) -> int | None:
        x += self.horizontalScrollBar().value()
        best, best_d = None, 7.0
        for hy, x0, x1, seq in self._hits:
            if x0 <= x <= x1:
                d = abs(hy - y)
                if d <= best_d:  # the last drawn (on top) of equals
                    best, best_d = seq, d
        return best

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            seq = self.seq_at_point(event.position().x(), event.position().y())
            if seq is not None:
                self.select(seq, show=False)
                self.recordClicked.emit(seq)
                event.accept()
                return
        super().mousePressEvent(event)

    def hit_point(self, seq: int) -> QPointF | None:
        """Where the last paint drew record ``seq`` (for tests: click there)."""
        for y, x0, x1, s in self._hits:
            if s == seq:
                return QPointF((x0 + x1) / 2 - self.horizontalScrollBar().value(), y)
        return None

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        try:
            self.paint(painter, self.viewport().width(), self.viewport().height(),
                       self.horizontalScrollBar().value(), event.rect())
        finally:
            painter.end()

    def visible_rows(self, height: int) -> list[tuple[Any, ...]]:
        """The rows to draw in a plot ``height`` px high: every one in the range, or (when
        there are more than pixels) at most PER_ROW per pixel row (model tuples with their
        sequence number appended)."""
        index, model = self.index, self.model
        t0, t1 = self.top - 4 / self.scale, self.top + (height - HEADER_HEIGHT + 4) / self.scale
        lo, hi = max(index.seq_at(t0), model.first_seq), min(index.seq_after(t1), model.end_seq)
        if hi <= lo:
            return []
        first = model.first_seq
        accepts = self.accepts
        pixels = max(1, height - HEADER_HEIGHT + 8)
        if hi - lo <= pixels * PER_ROW:
            rows = model.raw_rows(lo - first, hi - first)
            return [(*row, lo + i) for i, row in enumerate(rows) if accepts is None or accepts(row)]
        out: list[tuple[Any, ...]] = []
        per_pixel = 1 / self.scale
        times, base = index.times, index.base
        floor = min(index.skip, len(times))
        start = lo
        for p in range(pixels):
            # one bisect per pixel row: where the next row's records start
            stop = min(base + bisect_left(times, t0 + (p + 1) * per_pixel, lo=max(floor, start - base)), hi)
            if start < stop:
                taken = 0
                for i, row in enumerate(model.raw_rows(start - first, min(stop, start + 32) - first)):
                    if accepts is None or accepts(row):
                        out.append((*row, start + i))
                        taken += 1
                        if taken == PER_ROW:
                            break
                start = stop
        return out

    def paint(self, painter: QPainter, width: int, height: int, dx: int = 0, clip: QRect | None = None) -> None:
        """Draw the visible range into ``painter`` (the view, an SVG or an image)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(0, 0, width, height, pal.color(QPalette.ColorRole.Base))
        self._layout_lanes(width)
        lanes = self.index.order
        text_color = pal.color(QPalette.ColorRole.Text)
        grid = QColor(text_color)
        grid.setAlpha(28)
        self._hits = []
        fm = QFontMetrics(self._small)
        fh = fm.height()

        # lifelines
        painter.save()
        painter.translate(-dx, 0)
        for i, lane in enumerate(lanes):
            if i % 2:
                shade = QColor(text_color)
                shade.setAlpha(10)
                painter.fillRect(QRectF(lane.x, HEADER_HEIGHT, lane.width, height), shade)
            y0 = max(HEADER_HEIGHT, self.y_of(lane.first))
            y1 = min(height, self.y_of(lane.last)) if lane.closed else height
            if y1 > y0:
                painter.setPen(QPen(QColor(120, 120, 120), 2))
                painter.drawLine(QPointF(self._local_x(lane), y0), QPointF(self._local_x(lane), y1))
                if lane.has_peer:
                    painter.setPen(QPen(QColor(150, 150, 150), 1.2, Qt.PenStyle.DashLine))
                    painter.drawLine(QPointF(self._peer_x(lane), y0), QPointF(self._peer_x(lane), y1))
        painter.restore()

        # the axis: a tick per 1-2-5 step
        step = nice_step(60 / self.scale)
        start = self.index.first_time
        first_tick = math.ceil((self.top - start) / step) * step
        painter.setFont(self._small)
        k = 0
        while True:
            offset = first_tick + k * step
            y = self.y_of(start + offset)
            if y > height or k > 200:
                break
            k += 1
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(AXIS_WIDTH - 4, y), QPointF(width, y))
            painter.setPen(text_color)
            painter.drawText(QRectF(2, y - fh / 2, AXIS_WIDTH - 8, fh),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             offset_text(max(offset, 0.0), step))

        # records: cheap shapes collected, then drawn in a few calls
        painter.save()
        painter.setClipRect(QRectF(AXIS_WIDTH, HEADER_HEIGHT, width - AXIS_WIDTH, height - HEADER_HEIGHT))
        painter.translate(-dx, 0)
        self._draw_records(painter, width, height, dx, fh)
        painter.restore()

        # the header over everything: lane names and peers
        painter.fillRect(QRectF(0, 0, width, HEADER_HEIGHT), pal.color(QPalette.ColorRole.Window))
        painter.setPen(QPen(grid, 1))
        painter.drawLine(QPointF(0, HEADER_HEIGHT - 0.5), QPointF(width, HEADER_HEIGHT - 0.5))
        painter.save()
        painter.setClipRect(QRectF(AXIS_WIDTH, 0, width - AXIS_WIDTH, HEADER_HEIGHT))
        painter.translate(-dx, 0)
        for lane in lanes:
            self._header(painter, lane, text_color)
        painter.restore()
        painter.setPen(text_color)
        painter.setFont(self._small)
        painter.drawText(QRectF(4, 2, AXIS_WIDTH - 8, HEADER_HEIGHT - 4),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap),
                         self._top_clock())

    def _top_clock(self) -> str:
        from datetime import datetime

        return datetime.fromtimestamp(self.top + MONO_TO_WALL).strftime("%H:%M:%S.%f")[:-3]

    def _local_x(self, lane: Lane) -> float:
        return lane.x + (24 if lane.has_peer else lane.width / 2 - 30)

    def _peer_x(self, lane: Lane) -> float:
        return lane.x + lane.width - 20

    def _header(self, painter: QPainter, lane: Lane, color: QColor) -> None:
        painter.setFont(self._bold)
        fm = QFontMetrics(self._bold)
        name = f"{lane.component} #{lane.connection}" if lane.has_peer and lane.connection else lane.component
        painter.setPen(color)
        painter.drawText(QRectF(lane.x + 6, 3, lane.width - 10, fm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm.elidedText(name, Qt.TextElideMode.ElideRight, lane.width - 10))
        painter.setFont(self._small)
        small = QFontMetrics(self._small)
        painter.setPen(QColor(110, 110, 110))
        second = arg(self.tr("peer %1"), lane.peer or "?") if lane.has_peer else self.tr("listener")
        painter.drawText(QRectF(lane.x + 6, 4 + fm.height(), lane.width - 10, small.height()),
                         int((Qt.AlignmentFlag.AlignRight if lane.has_peer else Qt.AlignmentFlag.AlignLeft)
                             | Qt.AlignmentFlag.AlignVCenter),
                         small.elidedText(second, Qt.TextElideMode.ElideLeft, lane.width - 10))

    def _draw_records(self, painter: QPainter, width: int, height: int, dx: int, fh: int) -> None:
        rows = self.visible_rows(height)
        self.last_drawn = len(rows)
        lanes, key_of = self.index.lanes, self.index.lane_key
        top, scale = self.top, self.scale
        xs = {lane.key: (self._local_x(lane), self._peer_x(lane)) for lane in self.index.order}
        last_y: dict[tuple[str, int], float] = {}
        last_label: dict[tuple[str, int], float] = {}
        nudged: dict[tuple[str, int], int] = {}
        last_mark: dict[tuple[str, int], int] = {}
        bands: dict[tuple[str, int], list[list[float]]] = {}
        lines: dict[bool, list[QLineF]] = {True: [], False: []}
        labels: list[tuple[float, float, float, bool, int, bytes]] = []
        marks: list[tuple[float, float, float, str, bool]] = []
        selected = self.selected
        hits = self._hits
        for row in rows:
            event = row[2]
            y = HEADER_HEIGHT + (row[0] - top) * scale
            seq = row[-1]
            if event == DROPPED:
                painter.fillRect(QRectF(AXIS_WIDTH + dx, y - 3, width, 6), _DROPPED)
                hits.append((y, AXIS_WIDTH + dx, AXIS_WIDTH + dx + width, seq))
                continue
            component = row[1]
            key = key_of(component, row[3]) if component else None
            lane = lanes.get(key) if key is not None else None
            if lane is None or key is None:
                continue
            local, peer = xs[key]
            previous = last_y.get(key, -1e9)
            if y - previous < MIN_GAP and seq != selected:
                if nudged.get(key, 0) < NUDGES:
                    # (nearly) at once with the last one: drawn just under it, so a read and
                    # its answer are two arrows
                    nudged[key] = nudged.get(key, 0) + 1
                    y = previous + MIN_GAP + 1
                else:  # more of them: a busy band
                    band = bands.setdefault(key, [])
                    if band and y - band[-1][1] < MIN_GAP * 2:
                        band[-1][1] = y
                    else:
                        band.append([y, y])
                    continue
            else:
                nudged[key] = 0
            last_y[key] = y
            labelled = y - last_label.get(key, -1e9) >= fh
            if labelled:
                last_label[key] = y
            byte_count = row[6]
            if byte_count and lane.has_peer and (event == SEND or event in READS):
                outgoing = event == SEND
                x0, x1 = (local, peer) if outgoing else (peer, local)
                head = -7 if x1 > x0 else 7
                batch = lines[outgoing]
                batch.append(QLineF(x0, y, x1, y))
                batch.append(QLineF(x1, y, x1 + head, y - 3.5))
                batch.append(QLineF(x1, y, x1 + head, y + 3.5))
                hits.append((y - fh / 2, local - 4, peer + 4, seq))
                if labelled or seq == selected:
                    labels.append((y, local, peer, outgoing, byte_count, row[7]))
            else:
                error = row[8] is not None or event in ERRORS
                hits.append((y, local - 6, lane.x + lane.width - 4, seq))
                if labelled:
                    last_mark[key] = len(marks)
                    marks.append((y, local, lane.x + lane.width, event, error))
                else:
                    at = last_mark.get(key)
                    if at is not None and y - marks[at][0] < fh and not error:
                        # events (nearly) at once: one label names them all
                        my, mx, right, text, was_error = marks[at]
                        marks[at] = (my, mx, right, f"{text} · {event}", was_error)
                    else:
                        last_mark.pop(key, None)
                    marks.append((y, local, -1.0, event, error))
            if seq == selected:
                painter.fillRect(QRectF(local - 8, y - fh - 2, peer - local + 16, fh + 6), _SELECTED)
        busy = QColor(_EVENT)
        busy.setAlpha(40)
        for key, spans in bands.items():
            local, peer = xs[key]
            for y0, y1 in spans:
                painter.fillRect(QRectF(local, y0 - 1, peer - local, y1 - y0 + 2), busy)
        for outgoing, batch in lines.items():
            if batch:
                painter.setPen(QPen(_SEND if outgoing else _READ, 1.6))
                painter.drawLines(batch)
        self._draw_labels(painter, labels)
        self._draw_marks(painter, marks, fh)

    def _draw_labels(self, painter: QPainter, labels: list[tuple[float, float, float, bool, int, bytes]]) -> None:
        painter.setFont(self._mono)
        mono = self._mono_metrics
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        for y, local, peer, outgoing, size, preview in labels:
            text = self._size_text(size)
            shown = text_preview(preview, truncated=size > len(preview))
            room = int(peer - local - 16)
            painter.setPen(_SEND if outgoing else _READ)
            label = f"{text}  {shown}" if shown else text
            painter.drawText(QRectF(local + 8, y - mono.height() - 1, room, mono.height()), align,
                             mono.elidedText(label, Qt.TextElideMode.ElideRight, room))

    def _draw_marks(self, painter: QPainter, marks: list[tuple[float, float, float, str, bool]], fh: int) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for y, x, right, text_of, error in marks:
            event = text_of.split(" · ", 1)[0]
            color = _ERROR if error else _CONNECT if event in CONNECTS else _CLOSE if event in CLOSES else _EVENT
            painter.setPen(QPen(color.darker(130), 1))
            painter.setBrush(color)
            r = 4.5 if error or event in CONNECTS or event in CLOSES else 3.5
            if error:
                painter.drawRect(QRectF(x - r, y - r, 2 * r, 2 * r))
            else:
                painter.drawEllipse(QPointF(x, y), r, r)
            if right < 0:
                continue
            font = self._bold if error else self._small
            metrics = self._bold_metrics if error else self._small_metrics
            room = int(right - x - 12)
            text = metrics.elidedText(text_of, Qt.TextElideMode.ElideRight, room)
            box = QRectF(x + 7, y - fh / 2, metrics.horizontalAdvance(text) + 4, fh)
            painter.fillRect(box, base)  # legible over arrows
            painter.setFont(font)
            painter.setPen(color if error else QColor(70, 70, 70))
            painter.drawText(box.adjusted(2, 0, 0, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             text)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _size_text(self, size: int) -> str:
        return self.tr("1 byte") if size == 1 else arg(self._bytes_text, self._locale.toString(size))

    # -- export -----------------------------------------------------------------------
    def export_svg(self, path: str | Path) -> None:
        size = self.viewport().size()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle(self.tr("Socket Workbench timeline"))
        painter = QPainter(generator)
        try:
            self.paint(painter, size.width(), size.height(), self.horizontalScrollBar().value())
        finally:
            painter.end()

    def export_png(self, path: str | Path) -> bool:
        size = self.viewport().size()
        ratio = max(1.0, self.devicePixelRatioF())
        image = QImage(QSize(int(size.width() * ratio), int(size.height() * ratio)), QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(ratio)
        painter = QPainter(image)
        try:
            self.paint(painter, size.width(), size.height(), self.horizontalScrollBar().value())
        finally:
            painter.end()
        return bool(image.save(str(path), "PNG"))  # type: ignore[call-overload]  # the stubs want bytes, PySide str


class TimelinePane(QWidget):
    """The Timeline dock's widget: the view under a zoom bar, tied to an event log pane."""

    def __init__(self, log_pane: Any, accepts_connections: Callable[[str], bool] = lambda _c: True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TimelinePane")
        self.log_pane = log_pane
        self.view = TimelineView(log_pane.model, accepts_connections, self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)
        self.zoom_out_button = self._button(lambda: self.view.zoom(1 / 2))
        self.zoom_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.zoom_slider.setRange(round(100 * math.log10(MIN_SCALE)), round(100 * math.log10(MAX_SCALE)))
        self.zoom_slider.setValue(round(100 * math.log10(self.view.scale)))
        self.zoom_slider.setMaximumWidth(220)
        self.zoom_slider.valueChanged.connect(lambda v: self.view.set_scale(10 ** (v / 100)))
        self.zoom_in_button = self._button(lambda: self.view.zoom(2))
        self.fit_button = self._button(self.view.fit)
        self.follow_button = self._button(self._follow)
        self.scale_label = QLabel(self)
        self.scale_label.setMinimumWidth(90)
        self.svg_button = self._button(lambda: self.choose_export("svg"))
        self.png_button = self._button(lambda: self.choose_export("png"))
        for w in (self.zoom_out_button, self.zoom_slider, self.zoom_in_button, self.scale_label, self.fit_button,
                  self.follow_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.svg_button)
        bar.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.view.scaleChanged.connect(self._scale_changed)
        self.view.recordClicked.connect(self._clicked)
        log_pane.currentRecordChanged.connect(self._log_selected)
        log_pane.proxy.filter_changed.connect(self._filters_changed)
        self._filters_changed()
        self.retranslate_ui()

    def _button(self, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def retranslate_ui(self) -> None:
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setToolTip(self.tr("Zoom out (Ctrl+wheel)"))
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setToolTip(self.tr("Zoom in (Ctrl+wheel)"))
        self.zoom_slider.setToolTip(self.tr("Zoom: from microseconds to minutes per screen"))
        self.fit_button.setText(self.tr("Fit"))
        self.fit_button.setToolTip(self.tr("Show the whole session"))
        self.follow_button.setText(self.tr("Follow"))
        self.follow_button.setToolTip(self.tr("Follow the newest events"))
        self.svg_button.setText(self.tr("SVG…"))
        self.svg_button.setToolTip(self.tr("Export the visible range as SVG"))
        self.png_button.setText(self.tr("PNG…"))
        self.png_button.setToolTip(self.tr("Export the visible range as PNG"))
        self._scale_changed(self.view.scale)
        self.view.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    @Slot(float)
    def _scale_changed(self, scale: float) -> None:
        self.zoom_slider.blockSignals(True)
        self.zoom_slider.setValue(round(100 * math.log10(scale)))
        self.zoom_slider.blockSignals(False)
        span = 100 / scale  # what 100 px stand for
        self.scale_label.setText(arg(self.tr("%1 per 100 px"), offset_text(span, span / 10)))

    def _follow(self) -> None:
        self.view.follow = True
        self.view._follow_end()
        self.view._update_scrollbars()
        self.view.viewport().update()

    @Slot()
    def _filters_changed(self) -> None:
        proxy = self.log_pane.proxy
        self.view.set_filter(proxy.accepts if proxy.is_active() else None)

    @Slot(int)
    def _clicked(self, seq: int) -> None:
        self.log_pane.select_source_row(seq - self.log_pane.model.first_seq)

    @Slot(int)
    def _log_selected(self, seq: int) -> None:
        if seq != self.view.selected:
            self.view.select(seq)

    def choose_export(self, kind: str) -> None:
        settings = QSettings()
        folder = str(settings.value(FOLDER_KEY, "") or "") or str(Path.home())
        if kind == "svg":
            title, filters = self.tr("Export timeline as SVG"), self.tr("SVG images (*.svg)")
        else:
            title, filters = self.tr("Export timeline as PNG"), self.tr("PNG images (*.png)")
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(folder) / f"timeline.{kind}"), filters)
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        settings.setValue(FOLDER_KEY, str(Path(path).parent))
        self.export(path, kind)

    def export(self, path: str, kind: str) -> bool:
        try:
            if kind == "svg":
                self.view.export_svg(path)
                ok = Path(path).is_file() and Path(path).stat().st_size > 0
            else:
                ok = self.view.export_png(path)
        except OSError:
            ok = False
        if not ok:
            QMessageBox.warning(self, self.tr("Export failed"), arg(self.tr("Could not write %1"), path))
        return ok

    def shutdown(self) -> None:
        """Nothing runs on its own; here for the window's shutdown symmetry."""

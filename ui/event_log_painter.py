"""Painting the event log's rows: one Python call per paint, not one per cell.

A QTableView paints cell by cell: for each it asks the model for seven roles (a
Python ``multiData`` call) and the style draws the text through a full text
layout. With the log's dozen rows of seven columns that came to 8-10 ms a
paint; while a flood scrolls the log ten times a second, every message the GUI
loop serves waits behind it (a probe's echo p99 was 11 ms at any connection
count, bench ``gui``).

``paint_log_rows`` draws what the view would: alternating rows, the selection
(active or inactive colours), the red of error rows and the amber of warnings
with the style's warning icon, elided text with the item margins, and the
focus frame on the current row. It takes the texts from the model's own
``cell_text`` (one fact: the copy, the export and the tooltip use it too), so
the paint is one loop of ``drawText`` calls: 1.3 ms for the same rows.

The view falls back to Qt's own painting for what this does not draw: a
right-to-left layout, a grid, or a model that is not the log's.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionFocusRect, QTableView

from components.observer import EventRecord
from ui.event_log_filter import EventLogFilter
from ui.event_log_model import EventLogModel


def _record_source(view: QTableView) -> tuple[EventLogModel, EventLogFilter | None] | None:
    model = view.model()
    if isinstance(model, EventLogModel):
        return model, None
    if isinstance(model, EventLogFilter):
        log = model.source_log()
        return (log, model) if log is not None else None
    return None


def can_paint(view: QTableView) -> bool:
    """Whether ``paint_log_rows`` draws this view as Qt would."""
    return (_record_source(view) is not None and not view.showGrid()
            and view.layoutDirection() == Qt.LayoutDirection.LeftToRight)


def paint_log_rows(view: QTableView, painter: QPainter, area: QRect) -> None:
    """Paint the rows of ``view`` (a log's table) that meet ``area`` of its viewport."""
    source = _record_source(view)
    rows = view.model().rowCount()
    if source is None or rows == 0:
        return
    log, proxy = source
    first = view.rowAt(area.top())
    if first < 0:
        return
    last = view.rowAt(area.bottom())
    last = rows - 1 if last < 0 else last
    viewport = view.viewport()
    width = viewport.width()
    palette = view.palette()
    group = QPalette.ColorGroup.Active if view.hasFocus() or view.isActiveWindow() else QPalette.ColorGroup.Inactive
    text_pen = palette.color(group, QPalette.ColorRole.Text)
    selected_pen = palette.color(group, QPalette.ColorRole.HighlightedText)
    highlight = palette.brush(group, QPalette.ColorRole.Highlight)
    alternate = palette.brush(group, QPalette.ColorRole.AlternateBase) if view.alternatingRowColors() else None
    metrics = QFontMetrics(view.font())
    # in a fixed-pitch font an ASCII text's width is its length times one character's
    char_width = metrics.horizontalAdvance("0") if QFontInfo(view.font()).fixedPitch() else 0
    style = view.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    icon_side = style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, view)
    elide = view.textElideMode()
    header = view.horizontalHeader()
    columns = []
    for visual in range(header.count()):
        column = header.logicalIndex(visual)
        if header.isSectionHidden(column):
            continue
        x, w = view.columnViewportPosition(column), view.columnWidth(column)
        if x + w > area.left() and x <= area.right():
            columns.append((column, x, w))
    selection = view.selectionModel()
    root = QModelIndex()
    current = view.currentIndex()
    height = view.rowHeight(first)
    baseline = (height - metrics.height()) // 2 + metrics.ascent()
    painter.setFont(view.font())
    for row in range(first, last + 1):
        y = view.rowViewportPosition(row)
        record: EventRecord = log.record(proxy.source_row(row) if proxy is not None else row)
        foreground, background = log.foreground(record), log.background(record)
        selected = selection is not None and selection.isRowSelected(row, root)
        if selected:
            painter.fillRect(0, y, width, height, highlight)
        elif background is not None:
            painter.fillRect(0, y, width, height, background)
        elif alternate is not None and row & 1:
            painter.fillRect(0, y, width, height, alternate)
        if selected:
            painter.setPen(selected_pen)
        else:
            painter.setPen(foreground.color() if foreground is not None else text_pen)
        for column, x, w in columns:
            left = x + margin
            icon = log.decoration(record, column)
            if icon is not None:
                side = min(height - 2, icon_side)
                icon.paint(painter, QRect(left, y + (height - side) // 2, side, side))
                left += side + margin
            text = log.cell_text(record, column)
            room = x + w - margin - left
            if room <= 0 or not text:
                continue
            fits = len(text) * char_width <= room if char_width and text.isascii() \
                else metrics.horizontalAdvance(text) <= room
            if not fits:
                text = metrics.elidedText(text, elide, room)
            painter.drawText(left, y + baseline, text)
        if current.isValid() and current.row() == row and view.hasFocus():
            focus = QStyleOptionFocusRect()
            focus.initFrom(view)
            focus.rect = QRect(0, y, width, height)
            focus.backgroundColor = highlight.color() if selected else palette.color(group, QPalette.ColorRole.Base)
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, view)

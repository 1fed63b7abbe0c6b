"""The log's row painter (ui/event_log_painter.py) draws what Qt's own painting draws."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget

from components.observer import DROPPED
from tests.ui.conftest import make_record, varied_records
from ui.event_log_model import Column, EventLogModel
from ui.event_log_view import EventLogPane
from ui.steady_label import SteadyLabel


def _pane(qtbot, records) -> tuple[EventLogModel, EventLogPane]:
    model = EventLogModel()
    pane = EventLogPane(model)
    qtbot.addWidget(pane)
    pane.resize(1000, 420)
    pane.show()
    qtbot.waitExposed(pane)
    model.append_records(records)
    pane.follow_now()
    qtbot.wait(20)
    return model, pane


def _shot(pane: EventLogPane, at_once: bool) -> QImage:
    pane.view.paint_rows_at_once = at_once
    try:
        return pane.view.viewport().grab().toImage()
    finally:
        pane.view.paint_rows_at_once = True


def _cell_ink(pane: EventLogPane, image: QImage, row: int, column: int) -> tuple[int, bool]:
    """How many pixels of the cell's text are dark or red, and whether any is red."""
    rect = pane.view.visualRect(pane.view.model().index(row, column))
    background = QColor(image.pixelColor(rect.right() - 1, rect.top() + 1))
    ink, red = 0, False
    for x in range(rect.left(), rect.right()):
        for y in range(rect.top() + 2, rect.bottom() - 1):
            color = image.pixelColor(x, y)
            if abs(color.lightness() - background.lightness()) > 60:
                ink += 1
                red = red or (color.red() > 150 and color.green() < 90 and color.blue() < 90)
    return ink, red


def test_rows_painted_at_once_have_the_ink_of_qts_cells(qtbot):
    records = varied_records(40)
    records.insert(35, make_record(event=DROPPED, component="", byte_count=5))
    _model, pane = _pane(qtbot, records)
    pane.view.selectRow(pane.view.rowAt(pane.view.viewport().height() // 2))
    qtbot.wait(20)
    ours, qts = _shot(pane, True), _shot(pane, False)
    assert ours.size() == qts.size()
    first, last = pane.view.rowAt(0) + 1, pane.view.rowAt(ours.height() - 1)  # whole rows
    assert last - first > 10
    checked = 0
    for row in range(first, last):
        for column in (Column.TIME, Column.COMPONENT, Column.EVENT, Column.DETAIL, Column.DATA):
            if pane.view.isColumnHidden(column):
                continue
            a, b = _cell_ink(pane, ours, row, column), _cell_ink(pane, qts, row, column)
            assert (a[0] > 0) == (b[0] > 0), (row, column, a, b)  # text where Qt has text
            assert a[1] == b[1], (row, column)  # red where Qt draws red
            if b[0]:
                assert 0.6 < a[0] / b[0] < 1.6, (row, column, a, b)  # about as much of it
            checked += 1
    assert checked > 40
    # the selected row and the warning row keep their backgrounds
    for row in range(first, last):
        rect = pane.view.visualRect(pane.view.model().index(row, Column.CONNECTION))
        x, y = rect.right() - 2, rect.top() + 1
        assert ours.pixelColor(x, y) == qts.pixelColor(x, y), row


def test_a_narrow_column_elides_instead_of_spilling(qtbot):
    _model, pane = _pane(qtbot, [make_record(event="OnClientRead", preview=b"x" * 60, byte_count=60)])
    pane.view.setColumnWidth(Column.EVENT, 40)
    image = _shot(pane, True)
    rect = pane.view.visualRect(pane.view.model().index(0, Column.EVENT))
    next_cell = pane.view.visualRect(pane.view.model().index(0, Column.CONNECTION))
    # the Event column's text stops at its edge: the next cell's first pixels stay clear of it
    background = image.pixelColor(next_cell.left() + 1, next_cell.top() + 1)
    for y in range(rect.top(), rect.bottom()):
        assert image.pixelColor(rect.right() + 1, y) == background


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_a_steady_label_changes_text_without_laying_out_its_window(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    line = SteadyLabel()
    layout.addWidget(line)
    host.resize(400, 100)
    host.show()
    qtbot.waitExposed(host)
    line.setText("starting")
    qtbot.wait(20)  # the first layout is done
    requests = _LayoutRequests()
    host.installEventFilter(requests)
    for n in range(50):
        line.setText(f"{n:,} events ({n * 1000:,} shown)")
        qtbot.wait(1)
    assert requests.count == 0
    assert line.text() == "49 events (49,000 shown)"
    assert line.label.width() == line.width() and line.width() > 300  # the line takes the row's width
    assert line.height() >= line.label.fontMetrics().height()

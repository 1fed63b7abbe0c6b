"""EventLogPane: toolbar, autoscroll, status line, per-component panes, and how it looks."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontInfo, QFontMetrics
from PySide6.QtWidgets import QAbstractSlider

from components.observer import ObserverStream
from tests.ui.conftest import make_record, varied_records
from ui.event_log_model import Column, DataMode, EventLogModel
from ui.event_log_view import EventLogFeeder, EventLogPane

SCREENSHOT = "/tmp/event_log_pane.png"
SCREENSHOT_HEX = "/tmp/event_log_pane_hex.png"

# The offscreen platform warns whenever a shown top-level widget's layout sets
# its minimum size; a pane inside the main window's dock never is top-level.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def make_pane(qtbot, capacity: int = 1_000_000, **kwargs) -> tuple[EventLogModel, EventLogPane]:
    model = EventLogModel(capacity=capacity)
    pane = EventLogPane(model, **kwargs)
    qtbot.addWidget(pane)
    pane.resize(900, 400)
    pane.show()
    qtbot.waitExposed(pane)
    return model, pane


def top_record(pane: EventLogPane):
    """The record in the first visible row."""
    return pane.shown_record(pane.view.rowAt(0))


def at_bottom(pane: EventLogPane) -> bool:
    bar = pane.view.verticalScrollBar()
    return bar.maximum() > 0 and bar.value() == bar.maximum()


def test_view_is_set_up_for_large_logs(qtbot):
    _model, pane = make_pane(qtbot)
    view = pane.view
    assert view.verticalHeader().sectionResizeMode(0) == view.verticalHeader().ResizeMode.Fixed
    assert not view.wordWrap()
    assert view.alternatingRowColors()
    assert view.horizontalHeader().stretchLastSection()
    assert pane.title() == "Event log"


def test_view_shows_the_model_itself_until_a_filter_is_set(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(100))
    header = pane.view.horizontalHeader()
    header.resizeSection(Column.EVENT, 222)
    assert pane.view.model() is model and not pane.proxy.is_attached()  # no per-row filter cost
    pane.proxy.set_event("OnError")
    assert pane.view.model() is pane.proxy and pane.shown_count() == 10
    assert {pane.shown_record(r).event for r in range(10)} == {"OnError"}
    assert header.sectionSize(Column.EVENT) == 222  # the user's column widths survive the switch
    model.append_records(varied_records(10))
    assert pane.shown_count() == 11
    pane.proxy.set_event("")
    assert pane.view.model() is model and pane.shown_count() == 110
    assert header.sectionSize(Column.EVENT) == 222
    assert at_bottom(pane)


def test_autoscroll_follows_new_rows_until_paused(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(500))
    assert at_bottom(pane)
    pane.pause_button.click()
    assert pane.autoscroll_paused
    bar = pane.view.verticalScrollBar()
    bar.setValue(100)
    before = top_record(pane)
    model.append_records(varied_records(300))
    assert bar.value() == 100 and top_record(pane) == before  # the view did not jump
    pane.pause_button.click()  # resume: jump to the newest row
    assert not pane.autoscroll_paused
    assert at_bottom(pane)
    model.append_records(varied_records(10))
    assert at_bottom(pane)


def test_paused_view_stays_on_its_rows_while_old_rows_are_evicted(qtbot):
    model, pane = make_pane(qtbot, capacity=400)
    model.append_records(varied_records(400))
    pane.set_autoscroll_paused(True)
    assert pane.pause_button.isChecked()
    bar = pane.view.verticalScrollBar()
    bar.setValue(250)
    before = top_record(pane)
    model.append_records(varied_records(100))  # evicts the 100 oldest rows, all above the view
    assert model.rowCount() == 400
    assert top_record(pane) == before
    assert bar.value() == 150


def test_scrolling_up_pauses_autoscroll(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(300))
    bar = pane.view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)  # what Page Up or a wheel does
    assert pane.autoscroll_paused and pane.pause_button.isChecked()
    value = bar.value()
    model.append_records(varied_records(50))
    assert bar.value() == value


def test_status_label_counts_events_shown_and_dropped(qtbot):
    model, pane = make_pane(qtbot)
    assert pane.status_text() == "0 events (0 shown)"
    model.append_records(varied_records(200))
    assert pane.status_text() == "200 events (200 shown)"
    pane.proxy.set_component("ClientSocket1")
    assert pane.status_text() == "200 events (60 shown)"
    model.dropped = 7
    model.append_records(varied_records(10))
    assert pane.status_text() == "210 events (63 shown), 7 dropped"


def test_clear_empties_the_log(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(100))
    pane.clear_button.click()
    assert model.rowCount() == 0 and pane.shown_count() == 0
    assert pane.status_text() == "0 events (0 shown)"
    model.append_records(varied_records(3))
    assert pane.status_text() == "3 events (3 shown)"


def test_combos_learn_names_and_filter(qtbot):
    model, pane = make_pane(qtbot)
    combo = pane.component_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["All components"]
    model.append_records([make_record(component="Zeta"), make_record(component="Alpha")])
    model.append_records(varied_records(30))
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All components", "Alpha", "ClientSocket1", "ServerSocket1", "Zeta"]
    combo.setCurrentIndex(combo.findData("ClientSocket1"))
    assert pane.proxy.component == "ClientSocket1"
    assert pane.proxy.rowCount() == 9
    events = pane.event_combo
    events.setCurrentIndex(events.findData("OnError"))
    assert pane.proxy.rowCount() == 3
    combo.setCurrentIndex(0)
    assert pane.proxy.rowCount() == 3  # OnError comes from ClientSocket1 only
    pane.proxy.set_filters(component="Zeta")  # code changing the filter updates the toolbar
    assert combo.currentData() == "Zeta" and events.currentData() == ""


def test_text_filter_field_applies_after_a_pause_and_clears_at_once(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(100))
    assert pane.text_filter.isClearButtonEnabled() and pane.text_filter.placeholderText()
    pane.text_filter.setText("item/4")
    assert pane.proxy.text == ""  # not on every keystroke
    qtbot.waitUntil(lambda: pane.proxy.text == "item/4", timeout=2000)
    assert pane.proxy.rowCount() == 3  # item/41, item/42, item/43
    pane.text_filter.clear()
    assert pane.proxy.text == "" and pane.shown_count() == 100


def test_text_hex_toggle(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records([make_record(preview=b"Hi\r\n")])
    index = pane.view.model().index(0, Column.DATA)
    assert pane.text_button.isChecked()
    assert index.data() == "Hi\\r\\n"
    pane.hex_button.click()
    assert model.data_mode is DataMode.HEX
    assert index.data() == "48 69 0D 0A"
    model.data_mode = DataMode.TEXT  # another pane on the same model switched back
    assert pane.text_button.isChecked() and not pane.hex_button.isChecked()


def test_fixed_component_pane(qtbot):
    model, pane = make_pane(qtbot, component="ClientSocket1")
    model.append_records(varied_records(100))
    assert pane.title() == "Event log: ClientSocket1"
    assert pane.component_combo.isHidden()
    assert {pane.shown_record(r).component for r in range(pane.shown_count())} == {"ClientSocket1"}
    assert pane.shown_count() == 30


def test_panes_made_from_a_feeder_keep_models_of_their_own(qtbot):
    stream = ObserverStream()
    feeder = EventLogFeeder(stream)
    main = EventLogPane(feeder)
    qtbot.addWidget(main)
    for record in varied_records(50):
        stream.emit(record)
    qtbot.waitUntil(lambda: main.model.rowCount() == 50, timeout=3000)
    pane = EventLogPane(feeder, component="ClientSocket1")  # opened later: starts from the history
    qtbot.addWidget(pane)
    assert pane.title() == "Event log: ClientSocket1"
    assert pane.model is not main.model and pane.model.rowCount() == 15
    for record in varied_records(20):
        stream.emit(record)
    qtbot.waitUntil(lambda: main.model.rowCount() == 70, timeout=3000)
    assert pane.model.rowCount() == 21
    assert {r.component for r in pane.model.records()} == {"ClientSocket1"}
    pane.clear()  # clears this component's log only
    assert pane.model.rowCount() == 0 and main.model.rowCount() == 70
    assert len(feeder.models()) == 2
    pane.deleteLater()
    qtbot.waitUntil(lambda: feeder.models() == [main.model], timeout=3000)
    feeder.stop()


def test_screenshot(qtbot):
    model, pane = make_pane(qtbot)
    pane.resize(1000, 520)
    metrics = QFontMetrics(pane.view.font())
    assert metrics.inFont("H") and QFontInfo(pane.view.font()).family(), "install fonts-dejavu-core"
    model.dropped = 3
    model.append_records(varied_records(300))
    qtbot.wait(50)
    header = pane.view.horizontalHeader()
    for column in (Column.TIME, Column.EVENT):
        sample = "00:00:00.000" if column == Column.TIME else "OnClientDisconnect"
        assert header.sectionSize(column) > metrics.horizontalAdvance(sample)  # not clipped
    assert header.sectionSize(Column.DATA) >= 250  # the payload keeps a useful width
    image = pane.grab()
    assert image.width() == 1000
    assert image.save(SCREENSHOT)
    # Error rows are drawn red and only they: look at the pixels of the rows on screen.
    shot = pane.view.viewport().grab().toImage()
    for row in range(pane.view.rowAt(0) + 1, pane.view.rowAt(shot.height() - 1)):
        rect = pane.view.visualRect(pane.view.model().index(row, Column.EVENT))
        red = sum(1 for x in range(rect.left(), rect.right(), 2) for y in range(rect.top(), rect.bottom())
                  if _is_red(shot.pixelColor(x, y)))
        assert (red > 10) == (pane.shown_record(row).event in ("OnError", "HandlerError")), row
    pane.hex_button.click()  # and the same log as hex, one component, with a text filter
    pane.component_combo.setCurrentIndex(pane.component_combo.findData("ServerSocket1"))
    pane.text_filter.setText("47 45 54")  # "GET", as the hex column shows it
    pane.apply_text_filter()
    qtbot.wait(50)
    assert pane.status_text() == "300 events (90 shown), 3 dropped"
    assert pane.grab().save(SCREENSHOT_HEX)


def _is_red(color) -> bool:
    return color.red() > 150 and color.green() < 90 and color.blue() < 90

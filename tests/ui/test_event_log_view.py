"""EventLogPane: toolbar, autoscroll, status line, per-component panes, and how it looks."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QFontInfo, QFontMetrics
from PySide6.QtWidgets import QAbstractSlider

from components.observer import ObserverStream
from tests.ui.conftest import make_record, varied_records
from ui.event_log_model import Column, EventLogModel
from ui.event_log_view import EventLogFeeder, EventLogPane

SCREENSHOT = "/tmp/event_log_pane.png"
SCREENSHOT_HEX = "/tmp/event_log_pane_hex.png"

# The offscreen platform warns whenever a shown top-level widget's layout sets
# its minimum size; a pane inside the main window's dock never is top-level.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    """The panes remember their columns in QSettings: each test gets its own, empty."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().clear()


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
    pane.proxy.set_event("OnClientConnect")  # a new filter over the same view: the columns stay
    assert header.sectionSize(Column.EVENT) == 222 and header.isSectionHidden(Column.HEX)
    pane.proxy.set_event("OnError")
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
    model.append_records(varied_records(10))  # within FOLLOW_INTERVAL_MS of the last: a moment later
    qtbot.waitUntil(lambda: at_bottom(pane))


def test_a_flood_of_batches_scrolls_at_most_once_per_follow_interval(qtbot):
    model, pane = make_pane(qtbot)
    scrolls = []
    bar = pane.view.verticalScrollBar()
    bar.valueChanged.connect(scrolls.append)
    for _ in range(20):  # twenty feeder ticks' worth, faster than the interval
        model.append_records(varied_records(50))
    assert len(scrolls) == 1  # the first batch at once; the rest wait for the interval
    assert pane.status_text() == "50 events (50 shown)"  # the count follows at the same pace
    # no repaint of the rows, the scroll bar or the count per batch meanwhile
    assert not pane.view.viewport().updatesEnabled() and not bar.updatesEnabled()
    qtbot.waitUntil(lambda: at_bottom(pane) and pane.view.viewport().updatesEnabled() and bar.updatesEnabled())
    assert pane.status_text() == "1000 events (1000 shown)"
    assert pane.shown_record(pane.view.rowAt(pane.view.viewport().height() - 1)) == model.record(999)


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
    model.append_records(varied_records(10))  # within the follow interval: counted at its end
    qtbot.waitUntil(lambda: pane.status_text() == "210 events (63 shown), 7 dropped")


def test_clear_empties_the_log(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(100))
    pane.clear_button.click()
    assert model.rowCount() == 0 and pane.shown_count() == 0
    assert pane.status_text() == "0 events (0 shown)"
    model.append_records(varied_records(3))
    qtbot.waitUntil(lambda: pane.status_text() == "3 events (3 shown)")


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


def test_data_and_hex_columns_are_optional_and_remembered(qtbot):
    model, pane = make_pane(qtbot)
    model.append_records([make_record(preview=b"Hi\r\n\xde\xad\xbe\xef")])
    index = pane.view.model().index(0, Column.DATA)
    assert index.data() == "Hi\\r\\n\\xde\\xad\\xbe\\xef"
    assert pane.view.model().index(0, Column.HEX).data() == "48 69 0D 0A DE AD BE EF"
    header = pane.view.horizontalHeader()
    assert pane.data_button.isChecked() and not pane.hex_button.isChecked()  # Hex is off at first
    assert not header.isSectionHidden(Column.DATA) and header.isSectionHidden(Column.HEX)
    pane.resize(1440, 400)
    pane.hex_button.click()  # side by side
    assert not header.isSectionHidden(Column.DATA) and not header.isSectionHidden(Column.HEX)
    assert 0.8 < header.sectionSize(Column.DATA) / header.sectionSize(Column.HEX) < 1.25  # sharing the room
    pane.resize(1900, 400)
    qtbot.waitUntil(lambda: 0.8 < header.sectionSize(Column.DATA) / header.sectionSize(Column.HEX) < 1.25)
    header.resizeSection(Column.DATA, 150)  # the user's width is the user's
    pane.resize(1440, 400)
    qtbot.waitUntil(lambda: pane.view.viewport().width() < 1440)
    assert header.sectionSize(Column.DATA) == 150
    pane.data_button.click()
    assert header.isSectionHidden(Column.DATA) and not header.isSectionHidden(Column.HEX)
    assert pane.hex_button.isEnabled()  # not the last column shown: it may go too
    # the header's context menu holds the same switches
    menu_actions = {a.text(): a for a in pane.header_menu.actions()}
    assert list(menu_actions) == ["Time", "Component", "Event", "Connection", "Detail", "Data", "Hex"]
    assert menu_actions["Data"] is pane.data_button.defaultAction() and not menu_actions["Data"].isChecked()
    menu_actions["Connection"].trigger()
    assert header.isSectionHidden(Column.CONNECTION)
    # a pane opened later starts with the same columns (QSettings)
    _model2, later = make_pane(qtbot)
    later_header = later.view.horizontalHeader()
    assert [later_header.isSectionHidden(c) for c in Column] == [header.isSectionHidden(c) for c in Column]
    assert later.hex_button.isChecked() and not later.data_button.isChecked()
    menu_actions["Connection"].trigger()
    pane.data_button.click()


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


def test_status_says_how_many_old_rows_the_row_cap_discarded(qtbot):
    """Issue 8, item 3: at its row cap the pane says how many old rows it has discarded."""
    model, pane = make_pane(qtbot, capacity=100)
    model.append_records(varied_records(150))
    assert model.evicted == 50
    assert pane.status_text() == "100 events (100 shown), 50 older discarded"
    model.dropped = 4
    model.append_records(varied_records(30))  # within the follow interval: counted at its end
    qtbot.waitUntil(lambda: pane.status_text() == "100 events (100 shown), 80 older discarded, 4 dropped")
    assert "at most 100" in pane.status_label.toolTip()


def test_filtering_shows_progress_pauses_while_hidden_and_leaves_nothing_running(qtbot, monkeypatch):
    import shiboken6
    from PySide6.QtCore import QTimer

    from ui import event_log_filter

    monkeypatch.setattr(event_log_filter, "SLICE_MS", 0)  # one slice = MIN_ROWS_PER_SLICE rows
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(6000))
    pane.text_filter.setText("item/")
    pane.apply_text_filter()
    proxy = pane.proxy
    assert proxy.is_filtering()
    total = re.escape(pane.locale().toString(6000))  # 6000, 6,000 or 6 000: the locale's way
    assert re.fullmatch(total + r" events \(\d+ shown\) · filtering… \d+%", pane.status_text())
    [timer] = proxy.findChildren(QTimer)
    pane.hide()  # a closed dock or a tab behind another: the scan waits
    assert not timer.isActive() and proxy.is_filtering()
    model.append_records(varied_records(10))  # new rows are matched all the same
    pane.show()
    assert timer.isActive()
    qtbot.waitUntil(lambda: not proxy.is_filtering(), timeout=20_000)
    assert not timer.isActive() and pane.status_text() == f"6010 events ({pane.shown_count()} shown)"
    assert [pane.shown_record(r) for r in range(pane.shown_count())] == \
        [r for r in model.records() if b"item/" in r.preview]
    pane.text_filter.setText("GET")  # a new filter while this one runs, then the pane goes
    pane.apply_text_filter()
    assert timer.isActive()
    pane.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(timer), timeout=3000)


def test_paused_view_keeps_its_rows_while_older_matches_arrive_above(qtbot, monkeypatch):
    from ui import event_log_filter

    monkeypatch.setattr(event_log_filter, "SLICE_MS", 0)
    monkeypatch.setattr(event_log_filter, "PUBLISH_MS", 0)
    model, pane = make_pane(qtbot)
    model.append_records(varied_records(4000))
    pane.set_autoscroll_paused(True)
    pane.proxy.set_event("OnClientRead")  # the newest matches first, older ones above them later
    pane.proxy.set_suspended(True)  # hold the scan while the test scrolls
    qtbot.wait(1)
    bar = pane.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    before, value = top_record(pane), bar.value()
    count = pane.shown_count()
    pane.proxy.set_suspended(False)
    qtbot.waitUntil(lambda: pane.shown_count() > count, timeout=5000)
    assert top_record(pane) == before and bar.value() > value
    qtbot.waitUntil(lambda: not pane.proxy.is_filtering(), timeout=10_000)
    assert top_record(pane) == before


def test_screenshot_with_binary_data_a_gap_and_both_data_columns(qtbot, qtlog, capfd, monkeypatch):
    """Issue 8, item 18: bytes that are not text show as escapes, never as boxes, and
    drawing them says nothing on stderr (it used to: "OpenType support missing")."""
    from ui import event_log_filter

    model, pane = make_pane(qtbot)
    metrics = QFontMetrics(pane.view.font())
    assert metrics.inFont("H") and QFontInfo(pane.view.font()).family(), "install fonts-dejavu-core"
    binary = [make_record(i, component="Device1", event="OnRead", connection_id=9, peer="10.0.0.7:502",
                          preview=bytes([0xDE, 0xAD, 0xBE, 0xEF, i, 0x00, 0xFF, 0x41, 0x42, 0xC3]) * 3)
              for i in range(40)]
    gap = make_record(40, component="", event="Dropped", connection_id=0, peer="", byte_count=2345,
                      detail="2345 records dropped here: the reader did not keep up")
    text = make_record(41, component="Device1", event="OnRead", connection_id=9, peer="", preview="héllo\r\n".encode())
    model.dropped = 2345
    model.append_records([*varied_records(200), *binary, gap, text, *varied_records(12)])
    pane.hex_button.click()  # Data and Hex side by side
    pane.resize(1024, 700)
    qtbot.wait(20)
    shown_data = pane.view.model().index(200, Column.DATA).data()
    assert shown_data.startswith("\\xde\\xad\\xbe\\xef\\0\\0\\xffAB\\xc3") and "\ufffd" not in shown_data
    assert pane.view.model().index(241, Column.DATA).data() == "héllo\\r\\n"  # text stays text
    assert pane.grab().save("/tmp/event_log_pane_binary_1024.png")
    pane.resize(1800, 1000)
    qtbot.wait(20)
    assert pane.grab().save("/tmp/event_log_pane_binary_large.png")
    # and while a filter works through a larger log
    monkeypatch.setattr(event_log_filter, "SLICE_MS", 0)
    monkeypatch.setattr(event_log_filter, "PUBLISH_MS", 0)
    model.append_records(varied_records(20_000))
    pane.resize(1024, 700)
    pane.text_filter.setText("item/1")
    pane.apply_text_filter()
    assert "filtering…" in pane.status_text()
    assert pane.grab().save("/tmp/event_log_pane_filtering.png")
    qtbot.waitUntil(lambda: not pane.proxy.is_filtering(), timeout=20_000)
    assert not [r for r in qtlog.records if "OpenType" in r.message]
    assert "OpenType" not in capfd.readouterr().err

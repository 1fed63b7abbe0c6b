"""The main window's status bar counts the records the log dropped (issue 8, item 3)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from tests.ui.conftest import make_record

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_status_bar_counts_dropped_records(window, qtbot):
    status = window.status_counts
    assert status.text() == "0 active · 0 connections"  # nothing said while nothing is lost
    window.log_feeder.buffer.maxlen = 100  # a small buffer, so a burst overflows it
    for i in range(1350):  # the GUI thread is busy here: nothing is drained meanwhile
        window.stream.emit(make_record(i, connection_id=i))
    lost = QLocale().toString(1250)
    qtbot.waitUntil(lambda: status.text() == f"0 active · 0 connections · {lost} dropped", timeout=5000)
    pane = window.log_pane
    qtbot.waitUntil(lambda: pane.model.rowCount() == 101, timeout=5000)
    assert pane.shown_record(0).event == "Dropped" and pane.shown_record(0).byte_count == 1250
    assert pane.status_text().endswith(f", {lost} dropped")

"""The Timeline dock on a real session (three interleaved clients through an echo
server): lanes per endpoint, arrows per send and read, the selection linked both ways
with the event log, the log's filters, zoom, SVG and PNG export, and 1M records drawn
by sampling."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter

from components.observer import EventRecord
from ui.event_log_model import EventLogModel
from ui.timeline import MAX_SCALE, MIN_SCALE, PER_ROW, TimelineView

from .live_echo import interleaved_session, start_echo_server, wait_for_disconnects

pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support"), pytest.mark.timeout(120)]


@pytest.fixture
def session(window, qtbot):
    w = window
    port = start_echo_server(w, qtbot)
    sent = interleaved_session(qtbot, port)
    wait_for_disconnects(w, qtbot)
    w.timeline_dock.show()
    w.timeline_dock.raise_()
    w.resize(1440, 900)
    qtbot.waitUntil(lambda: w.timeline.view.isVisible())
    w.timeline.view.fit()
    return w, sent


def test_one_lane_per_endpoint_and_an_arrow_per_send_and_read(session):
    w, sent = session
    view = w.timeline.view
    lanes = view.index.order
    assert [lane.has_peer for lane in lanes] == [False, True, True, True]  # the listener, 3 connections
    assert all(lane.closed for lane in lanes[1:])
    view.viewport().repaint()
    rows = view.visible_rows(view.viewport().height())
    sends = [r for r in rows if r[2] == "Send"]
    reads = [r for r in rows if r[2] == "OnClientRead"]
    assert len(sends) == len(reads) == 9 and sum(r[6] for r in sends) == sum(len(b) for b in sent.values())
    # the read and its echo fall on the same pixel at this zoom: one is drawn, the other is part
    # of a busy band; zoomed in (or selected), each is an arrow of its own
    view.set_scale(MAX_SCALE / 10)
    for r in sends + reads:
        view.select(r[-1])
        view.viewport().repaint()
        assert view.hit_point(r[-1]) is not None


def test_clicking_an_arrow_selects_its_row_in_the_log_and_the_reverse(session, qtbot):
    w, _sent = session
    view, log = w.timeline.view, w.log_pane
    view.viewport().repaint()
    model = log.model
    send_seq = next(model.first_seq + i for i, r in enumerate(model.records()) if r.event == "Send")
    view.set_scale(MAX_SCALE / 10)  # 1 px per µs: the read and its echo apart
    view.select(send_seq)  # scrolls to it
    view.viewport().repaint()
    point = view.hit_point(send_seq)
    assert point is not None
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(point.x()), int(point.y())))
    current = log.view.currentIndex()
    assert current.isValid() and log.shown_record(current.row()).event == "Send"
    assert model.first_seq + current.row() == send_seq and view.selected == send_seq

    # the reverse: a row chosen in the log is selected on the timeline
    row = next(i for i, r in enumerate(model.records()) if r.event == "OnClientConnect")
    log.view.selectRow(row)
    assert view.selected == model.first_seq + row

    # through the log's filter too: only OnClientRead rows shown
    log.proxy.set_event("OnClientRead")
    qtbot.waitUntil(lambda: not log.proxy.is_filtering() and log.shown_count() == 9, timeout=5000)
    assert view.accepts is not None
    view.fit()
    view.viewport().repaint()
    rows = view.visible_rows(view.viewport().height())
    assert {r[2] for r in rows} <= {"OnClientRead", "Dropped"} and len(rows) == 9
    read_seq = rows[4][-1]
    point = view.hit_point(read_seq)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(point.x()), int(point.y())))
    current = log.view.currentIndex()
    assert log.shown_record(current.row()) == model.record(read_seq - model.first_seq)
    log.view.selectRow(2)
    assert view.selected == log.proxy.source_row(2) + model.first_seq


def test_zoom_goes_from_microseconds_to_minutes(session):
    w, _sent = session
    view, pane = w.timeline.view, w.timeline
    pane.zoom_slider.setValue(pane.zoom_slider.maximum())
    assert view.scale == pytest.approx(MAX_SCALE, rel=0.01) and view.span() < 1e-4  # under 100 µs on screen
    pane.zoom_slider.setValue(pane.zoom_slider.minimum())
    assert view.scale == pytest.approx(MIN_SCALE, rel=0.01) and view.span() > 300  # over 5 minutes
    before = view.scale
    pane.zoom_in_button.click()
    assert view.scale == pytest.approx(before * 2)


def test_the_visible_range_exports_as_svg_and_png(session, tmp_path):
    w, _sent = session
    pane = w.timeline
    assert pane.export(str(tmp_path / "t.svg"), "svg") and pane.export(str(tmp_path / "t.png"), "png")
    svg = (tmp_path / "t.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "ServerSocket1 #" in svg
    image = QImage(str(tmp_path / "t.png"))
    assert not image.isNull() and image.width() >= w.timeline.view.viewport().width()


def test_a_million_records_are_sampled_per_pixel_row(qapp, qtbot):
    model = EventLogModel(capacity=1_000_000)
    t0 = time.monotonic()
    batch = [EventRecord(t0 + i * 1e-4, "ServerSocket1", "OnClientRead" if i % 2 else "Send", 1 + i % 3,
                         "127.0.0.1:5000", "MainThread", 16, b"0123456789abcdef") for i in range(1_000_000)]
    for k in range(0, len(batch), 100_000):
        model.append_records(batch[k:k + 100_000])
    view = TimelineView(model)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.fit()  # the whole 100 s on 600 px: ~3,000 records per pixel row
    paint(view)
    assert 0 < view.last_drawn <= PER_ROW * view.viewport().height()
    view.set_scale(MAX_SCALE)
    view.scroll_to(t0 + 50)
    paint(view)
    assert 0 < view.last_drawn < 20


def paint(view: TimelineView) -> None:
    image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    view.paint(painter, image.width(), image.height())
    painter.end()


def test_an_error_is_a_red_mark(window, qtbot):
    import socket
    import struct

    from .live_echo import receive

    w = window
    port = start_echo_server(w, qtbot)
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"ping\n")
    assert receive(qtbot, c, 5) == b"ping\n"
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()  # an RST: the server's connection sees ECONNRESET
    qtbot.waitUntil(lambda: any(r.error is not None for r in w.log_pane.shown_records()), timeout=5000)
    w.timeline_dock.show()
    view = w.timeline.view
    qtbot.waitUntil(view.isVisible)
    view.set_scale(MAX_SCALE / 100)
    model = w.log_pane.model
    seq = next(model.first_seq + i for i, r in enumerate(model.records()) if r.error is not None)
    view.select(seq)
    view.select(None, show=False)  # in view, not highlighted
    image = view.viewport().grab().toImage()
    point = view.hit_point(seq)
    assert point is not None
    lane = next(lane for lane in view.index.order if lane.has_peer)
    color = image.pixelColor(int(view._local_x(lane) - view.horizontalScrollBar().value()), int(point.y()))
    assert color.red() > 150 and color.green() < 90 and color.blue() < 90, color.name()


def test_rows_the_log_discards_leave_the_index_and_the_rest_still_draw(qapp, qtbot):
    model = EventLogModel(capacity=1_000)
    view = TimelineView(model)
    qtbot.addWidget(view)
    view.resize(600, 400)
    t0 = time.monotonic()
    for k in range(40):  # 20,000 records through a log that keeps 1,000
        model.append_records([EventRecord(t0 + (k * 500 + i) * 1e-3, "ServerSocket1", "Send", 1, "127.0.0.1:1",
                                          "MainThread", 4, b"ping") for i in range(500)])
    assert model.evicted == 19_000 and len(view.index.times) - view.index.skip == 1_000
    assert view.index.first_time == pytest.approx(t0 + 19.0)
    view.fit()
    paint(view)
    assert view.last_drawn > 0
    assert all(row[-1] >= model.first_seq for row in view.visible_rows(400))
    view.select(model.first_seq + 10)
    assert view.top <= view.index.times[10 + view.index.skip] <= view.top + view.span()
    model.clear()
    assert view.index.order == [] and view.visible_rows(400) == []


def test_a_hidden_timeline_waits_and_catches_up_when_shown(qapp, qtbot):
    """While its dock is hidden the Timeline indexes nothing (a flood costs it nothing);
    shown, it builds its index from the log at once."""
    model = EventLogModel()
    view = TimelineView(model)
    qtbot.addWidget(view)
    view.set_live(False)
    t0 = time.monotonic()
    model.append_records([EventRecord(t0 + i * 1e-3, "ServerSocket1", "Send", 1, "127.0.0.1:1", "MainThread",
                                      4, b"ping") for i in range(500)])
    assert len(view.index.times) == 0
    view.show()
    qtbot.waitExposed(view)
    assert len(view.index.times) - view.index.skip == 500 and view.index.order

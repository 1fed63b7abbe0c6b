"""Record from the GUI (toolbar button and Run > Record) on a real session: three real
clients through an echo server, then tshark reads the file and Follow TCP Stream gives
exactly the bytes; the size limit stops it with a clear message and nothing before it lost."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.tshark import comments, follow, stream_count
from ui.recording import FOLDER_KEY, set_limit_mb

from .live_echo import interleaved_session, start_echo_server, wait_for_disconnects

pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support"), pytest.mark.timeout(120)]


def _pick(monkeypatch, path) -> list[str]:
    asked: list[str] = []

    def pick(_parent, _title, start, _filters, *args, **kwargs):
        asked.append(start)
        return str(path), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(pick))
    return asked


def test_record_a_real_session_then_tshark_follows_every_stream(window, qtbot, tmp_path, monkeypatch):
    w = window
    port = start_echo_server(w, qtbot)
    target = tmp_path / "captures" / "gui-session"
    target.parent.mkdir()
    _pick(monkeypatch, target)
    assert w.recording.action in w.run_bar.actions() and w.recording.action in w.run_menu.actions()
    w.recording.action.trigger()  # as the toolbar button and Run > Record do
    assert w.recording.action.isChecked() and w.recording.recording
    path = target.with_suffix(".pcapng")  # the suffix is added
    assert w.recording.recorder is not None and w.recording.recorder.path == path
    sent = interleaved_session(qtbot, port)
    qtbot.waitUntil(lambda: w.recording.recorder.bytes_written > 1000, timeout=5000)
    w.recording.update_status()
    assert "REC" in w.recording.label.text() and "KB" in w.recording.label.text()
    assert w.recording.label.isVisible()
    wait_for_disconnects(w, qtbot)
    w.recording.action.trigger()
    assert not w.recording.action.isChecked() and w.recording.recorder is None
    assert "Recorded" in w.recording.label.text()
    assert QSettings().value(FOLDER_KEY) == str(target.parent)  # the next dialog starts there

    assert stream_count(path) == 3
    for i in range(3):
        assert follow(path, i) == (sent[i], sent[i])
    texts = " ".join(comments(path))
    assert texts.count("ServerSocket1 OnClientConnect") == 3 and "ServerSocket1 OnClientDisconnect" in texts


def test_the_size_limit_stops_with_a_clear_message_and_keeps_what_came_before(window, qtbot, tmp_path,
                                                                              monkeypatch):
    w = window
    port = start_echo_server(w, qtbot)
    set_limit_mb(20 / 1024)  # 20 KB: each exchange costs about 2 KB of the budget
    path = tmp_path / "small.pcapng"
    _pick(monkeypatch, path)
    w.recording.action.trigger()
    assert w.recording.recording
    sent = interleaved_session(qtbot, port, rounds=30)
    qtbot.waitUntil(lambda: w.recording.recorder is None, timeout=5000)
    assert not w.recording.action.isChecked()
    text = w.recording.label.text()
    assert "size limit" in text and "small.pcapng" in text and "nothing after" in text
    box = w.findChild(QMessageBox, "RecordingStoppedBox")
    assert box is not None and "Everything before the limit is in the file" in box.text()
    box.close()
    assert path.stat().st_size <= 20 * 1024
    # nothing lost before the limit: each stream the file has is the start of what was sent
    streams = stream_count(path)
    assert streams >= 1
    total = 0
    for i in range(streams):
        client, server = follow(path, i)
        assert sent[i].startswith(client) and sent[i].startswith(server)
        total += len(client)
    assert total > 0


def test_a_folder_that_can_not_be_written_is_a_clear_error(window, qtbot, tmp_path, monkeypatch):
    w = window
    _pick(monkeypatch, tmp_path / "missing" / "x.pcapng")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: warned.append(text)))
    w.recording.action.trigger()
    assert not w.recording.action.isChecked() and w.recording.recorder is None
    assert warned and "Can't record to" in warned[0] and "No such file or directory" in warned[0]


def test_the_log_exports_pcapng_of_its_previews_and_says_so(window, qtbot, tmp_path):
    w = window
    port = start_echo_server(w, qtbot)
    sent = interleaved_session(qtbot, port)
    wait_for_disconnects(w, qtbot)
    w.log_feeder.flush()
    path = tmp_path / "log.pcapng"
    assert w.log_pane.export_pcapng(str(path))
    box = w.log_pane.findChild(QMessageBox, "PcapngExportBox")
    assert box is not None and "previews" in box.text() and "Run > Record" in box.text()
    box.close()
    assert stream_count(path) == 3
    for i in range(3):  # every line is shorter than a preview: the bytes are all there
        assert follow(path, i) == (sent[i], sent[i])
    texts = " ".join(comments(path))
    assert "the payloads are the log's previews" in texts and "ServerSocket1 OnClientRead" in texts


def test_a_long_payload_is_cut_to_its_preview_and_the_comment_says_how_long(window, qtbot, tmp_path):
    import socket

    from .live_echo import receive

    w = window
    port = start_echo_server(w, qtbot)
    big = bytes(range(256)) * 4
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(big)
        assert receive(qtbot, c, len(big)) == big
    qtbot.waitUntil(lambda: any(r.event == "OnClientDisconnect" for r in w.log_pane.shown_records()),
                    timeout=5000)
    path = tmp_path / "cut.pcapng"
    assert w.log_pane.export_pcapng(str(path))
    client, server = follow(path, 0)
    assert big.startswith(client) and 0 < len(client) < len(big) and big.startswith(server)
    assert any(c.startswith("preview: 64 of") for c in comments(path))
    w.log_pane.findChild(QMessageBox, "PcapngExportBox").close()


def test_after_a_recording_the_log_exports_its_full_payloads(window, qtbot, tmp_path, monkeypatch):
    w = window
    port = start_echo_server(w, qtbot)
    recorded = tmp_path / "full.pcapng"
    _pick(monkeypatch, recorded)
    w.recording.action.trigger()
    interleaved_session(qtbot, port)
    wait_for_disconnects(w, qtbot)
    w.recording.action.trigger()
    out = tmp_path / "export.pcapng"
    assert w.log_pane.export_pcapng(str(out))
    assert out.read_bytes() == recorded.read_bytes()
    box = w.log_pane.findChild(QMessageBox, "PcapngExportBox")
    assert "every byte" in box.text()
    box.close()

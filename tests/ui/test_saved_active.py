"""Opening a form in the workbench serves nothing by itself: what was saved active is shown
(a bar over the form, a badge on each tile) and starts on one click, or F9.

Real forms on disk, the real main window, real listening sockets and real clients.
"""

from __future__ import annotations

import json
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.core.form_document import FORMAT, FormDocument
from components import ServerSocket, SocketState

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def saved_active_form(path, ports: list[int], client_port: int | None = None):
    components = [{"type": "ServerSocket", "name": f"ServerSocket{i + 1}", "position": [16 + 80 * i, 16],
                   "properties": {"Active": True, "Address": "127.0.0.1", "Port": port}}
                  for i, port in enumerate(ports)]
    if client_port is not None:
        components.append({"type": "ClientSocket", "name": "ClientSocket1", "position": [16, 120],
                           "properties": {"Active": False, "Host": "127.0.0.1", "Port": client_port}})
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Shared"},
                                "components": components}))
    return path


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def loop_has_run(qtbot) -> None:
    """A barrier: a server opened now on the same loop is listening afterwards, so a server the
    form had opened when it loaded would be listening too."""
    probe = ServerSocket(name="Probe")
    probe.address, probe.port = "127.0.0.1", 0
    probe.open()
    qtbot.waitUntil(lambda: probe.state is SocketState.LISTENING, timeout=3000)
    probe.close()


def test_a_form_saved_active_listens_only_after_the_bars_button(window, qtbot, tmp_path):
    w = window
    port = free_port()
    assert w.open_form(saved_active_form(tmp_path / "shared.sockform", [port]), ask=False)
    loop_has_run(qtbot)
    uid = w.model.entries()[0].uid
    assert refused(port)
    assert w.engine.component(uid).state is SocketState.INACTIVE
    assert w.model.entry(uid).value("Active") is False  # the inspector tells the truth
    banner = w.saved_active_banner
    assert banner.isVisible()
    assert banner.text.text() == "ServerSocket1 was saved active. Opening a form starts nothing by itself."
    assert banner.activate_button.text() == "Activate it"
    assert w.designer.tile(uid).shows_saved_active
    assert "Saved with Active = True" in w.designer.tile(uid).toolTip()

    qtbot.mouseClick(banner.activate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.engine.component(uid).state is SocketState.LISTENING, timeout=3000)
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not banner.isVisible() and not w.designer.tile(uid).shows_saved_active
    assert w.model.entry(uid).value("Active") is True


def test_f9_activates_them_too(window, qtbot, tmp_path):
    w = window
    ports = [free_port(), free_port()]
    w.open_form(saved_active_form(tmp_path / "two.sockform", ports, client_port=ports[0]), ask=False)
    assert w.saved_active_banner.text.text().startswith("2 components were saved active.")
    assert w.saved_active_banner.activate_button.text() == "Activate them"
    assert w.activate_all_action.shortcut().toString() == "F9"
    loop_has_run(qtbot)
    assert all(refused(port) for port in ports)
    w.activate_all_action.trigger()
    servers = [w.engine.component(e.uid) for e in w.model.entries() if e.type == "ServerSocket"]
    qtbot.waitUntil(lambda: all(s.state is SocketState.LISTENING for s in servers), timeout=3000)
    for port in ports:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not w.saved_active_banner.isVisible()


def test_dismissing_the_bar_keeps_the_badges_and_saving_keeps_active(window, qtbot, tmp_path):
    w = window
    path = saved_active_form(tmp_path / "keep.sockform", [free_port()])
    w.open_form(path, ask=False)
    uid = w.model.entries()[0].uid
    qtbot.mouseClick(w.saved_active_banner.close_button, Qt.MouseButton.LeftButton)
    assert not w.saved_active_banner.isVisible()
    assert w.designer.tile(uid).shows_saved_active
    w.model.move_components({uid: (64, 64)})
    assert w.save_form()
    # the stored Active was never the user's to lose: it is written back until it is activated
    assert FormDocument.load(path).find("ServerSocket1").value("Active") is True
    assert w.model.entry(uid).value("Active") is False
    w.open_form(path, ask=False)
    assert w.saved_active_banner.isVisible()


def test_a_new_form_and_a_form_saved_inactive_show_no_bar(window, tmp_path):
    w = window
    assert not w.saved_active_banner.isVisible()
    path = tmp_path / "quiet.sockform"
    saved_active_form(path, [free_port()])
    path.write_text(path.read_text().replace('"Active": true, ', ""))
    w.open_form(path, ask=False)
    assert not w.saved_active_banner.isVisible() and w.model.saved_active() == []


def test_trust_this_form_is_in_the_file_menu_and_follows_the_form(window, qtbot, tmp_path, monkeypatch):
    w = window
    assert w.trust_form_action.isChecked()  # a new form is the user's own
    path = saved_active_form(tmp_path / "shared.sockform", [free_port()])
    w.open_form(path, ask=False)
    assert not w.trust_form_action.isChecked()
    w.trust_form_action.trigger()
    assert w.engine.form_trusted
    w.open_form(path, ask=False)
    assert w.trust_form_action.isChecked()  # remembered for this content
    path.write_text(path.read_text().replace("Shared", "Changed"))
    w.open_form(path, ask=False)
    assert not w.trust_form_action.isChecked()  # another content is another form


def test_asked_before_a_send_file_outside_the_folder_is_served(window, qtbot, tmp_path, monkeypatch):
    w = window
    (tmp_path / "outside.txt").write_bytes(b"secret")
    folder = tmp_path / "site"
    folder.mkdir()
    port = free_port()
    path = saved_active_form(folder / "shared.sockform", [port])
    data = json.loads(path.read_text())
    data["components"][0]["events"] = {"OnClientConnect": {"action": "send_file", "argument": "../outside.txt"}}
    path.write_text(json.dumps(data))
    questions = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: questions.append(text)
                        or QMessageBox.StandardButton.Yes)
    w.open_form(path, ask=False)
    qtbot.mouseClick(w.saved_active_banner.activate_button, Qt.MouseButton.LeftButton)
    assert len(questions) == 1 and "../outside.txt" in questions[0]
    uid = w.model.entries()[0].uid
    qtbot.waitUntil(lambda: w.engine.component(uid).state is SocketState.LISTENING, timeout=3000)
    assert w.trust_form_action.isChecked()

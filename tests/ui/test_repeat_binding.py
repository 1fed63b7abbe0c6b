"""The Repeat action bound through the Object Inspector's real editor (Events tab: OnClientConnect
-> Repeat a message, "message, interval ms, count"), then a real client sees the repeated
messages, exactly the count, and the repeat ends on its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.messages import Message
from app.core.repeat import REPEATS

from .test_object_inspector import commit_with_enter, open_binding_editor, pick
from .test_workbench import Peer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_repeat_bound_in_the_inspector_sends_the_message_count_times_to_a_real_client(window, qtbot):
    w = window
    uid = w.model.add_component("ServerSocket", 8, 8)
    w.model.set_property(uid, "Address", "127.0.0.1")
    w.model.set_property(uid, "Port", 0)
    w.model.add_message(Message("poll", "text", r"poll\n"))
    w.model.set_selection([uid])
    inspector = w.inspector
    view = inspector.event_view

    editor, index = open_binding_editor(qtbot, inspector, "OnClientConnect")
    pick(editor, "Repeat a message")
    assert editor.argument.isVisibleTo(editor) and not editor.browse.isVisibleTo(editor)
    qtbot.keyClicks(editor.argument, "poll, fast")  # what is not a number is refused as it is typed
    assert "not a whole number" in inspector.message_text()
    editor.argument.clear()
    qtbot.keyClicks(editor.argument, "poll, 20, 3")
    assert inspector.message_text() == ""
    commit_with_enter(qtbot, view, index, editor.argument)
    binding = w.model.entry(uid).events["OnClientConnect"]
    assert binding.action == "repeat" and "poll" in index.data()

    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=5000)
    peer = Peer(server.socket.local_port, b"")
    peer.start()
    try:
        qtbot.waitUntil(lambda: server.active_connections == 1, timeout=5000)
        conn = server.socket.connections[0]
        qtbot.waitUntil(lambda: peer.received == b"poll\n" * 3, timeout=5000)
        qtbot.waitUntil(lambda: not REPEATS.on(conn), timeout=5000)  # it ended after its count
        # close it from the connections panel: the peer has had all there was
        panel = w.connections
        qtbot.waitUntil(lambda: panel.connections.rowCount() == 1, timeout=3000)
        panel.view.selectRow(0)
        qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(peer.closed.is_set, timeout=5000)  # the loop runs meanwhile: no blocking wait
    finally:
        peer.join(5)
    assert peer.received == b"poll\n" * 3

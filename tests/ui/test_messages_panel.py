"""The Messages panel: edits through the undo stack (qtmodeltester on its models), Send,
Send to all, Ctrl+1, Repeat and Stop against real sockets on the qasync loop (and with the
engine on its dedicated thread), and a clear word when there is nothing to send to."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt

from app.core.form_document import HandlerBinding
from app.core.messages import Message
from app.core.repeat import REPEATS
from app.qt.form_model import EditRefused
from components import SocketState
from components.observer import SEND
from tests.app.test_engine_host import activate, server
from ui.connections_panel import ConnectionsPanel
from ui.messages_panel import MessagesModel, MessagesPanel

pytestmark = pytest.mark.both_network_modes


@pytest.fixture
def panel(host, qtbot):
    model, engine, records = host
    connections = ConnectionsPanel(model, engine)
    widget = MessagesPanel(model, connections)
    qtbot.addWidget(connections)
    qtbot.addWidget(widget)
    yield widget, model, engine, records
    REPEATS.stop_all()
    widget.shutdown()
    connections.shutdown()


def recv_until(peer: socket.socket, qtbot, count: int, sep: bytes = b"\n") -> bytes:
    peer.setblocking(False)
    got = bytearray()

    def enough() -> bool:
        try:
            got.extend(peer.recv(65536))
        except BlockingIOError:
            pass
        return got.count(sep) >= count

    qtbot.waitUntil(enough, timeout=5000)
    return bytes(got)


def test_models_pass_qtmodeltester(panel, qtmodeltester):
    widget, model, _engine, _records = panel
    model.add_message(Message("a", "text", "x"))
    model.add_message(Message("b", "hex", "01 02"))
    qtmodeltester.check(widget.messages)
    qtmodeltester.check(widget.repeats)


def test_edits_go_through_the_undo_stack(panel, qtbot):
    widget, model, _engine, _records = panel
    qtbot.mouseClick(widget.add_button, Qt.MouseButton.LeftButton)
    assert [m.name for m in model.messages()] == ["message 1"]
    index = widget.messages.index(0, MessagesModel.DATA)
    assert widget.messages.setData(index, "PING {counter}\\n")
    assert widget.messages.setData(widget.messages.index(0, MessagesModel.NAME), "ping")
    model.add_message(Message("status", "hex", "02 53 03 {xor8}"))
    widget.view.selectRow(1)
    qtbot.mouseClick(widget.up_button, Qt.MouseButton.LeftButton)
    assert [m.name for m in model.messages()] == ["status", "ping"]
    assert widget.messages.index(0, MessagesModel.KEY).data() == "Ctrl+1"
    # a refused edit says why, and changes nothing
    said = []
    widget.messages.refused.connect(said.append)
    assert not widget.messages.setData(widget.messages.index(1, MessagesModel.DATA), "{1}")
    assert "no received frame" in said[0]
    assert not widget.messages.setData(widget.messages.index(1, MessagesModel.NAME), "STATUS")
    assert "already exists" in said[1]
    with pytest.raises(EditRefused):
        model.add_message(Message("x", "hex", "zz"))
    stack = model.undo_stack
    assert stack.count() == 5
    stack.undo()  # the move
    assert [m.name for m in model.messages()] == ["ping", "status"]
    for _ in range(4):
        stack.undo()
    assert model.messages() == []
    while stack.canRedo():
        stack.redo()
    assert [m.name for m in model.messages()] == ["status", "ping"]
    assert model.messages()[1] == Message("ping", "text", "PING {counter}\\n")
    widget.view.selectRow(0)
    qtbot.mouseClick(widget.remove_button, Qt.MouseButton.LeftButton)
    assert [m.name for m in model.messages()] == ["ping"]


def test_sending_with_nothing_connected_says_so(panel, qtbot):
    widget, model, _engine, _records = panel
    model.add_message(Message("ping", "text", "PING\\n"))
    widget.view.selectRow(0)
    said = []
    widget.message.connect(said.append)
    qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
    assert said[-1] == "Nothing to send to: select a client or a server on the form"
    uid = model.add_component("ClientSocket", 10, 10)
    model.set_selection([uid])
    widget.send_row(0)
    assert said[-1] == "Nothing to send to: ClientSocket1 is not connected"
    qtbot.mouseClick(widget.repeat_button, Qt.MouseButton.LeftButton)
    assert said[-1] == "Nothing to send to: ClientSocket1 is not connected"
    widget.send_row(5)
    assert said[-1] == "There is no message 6"
    assert not REPEATS.running()


def test_send_shortcut_send_to_all_and_the_log_names_the_message(panel, qtbot):
    widget, model, engine, records = panel
    model.add_message(Message("ping", "text", "PING {counter}\\n"))
    uid = server(model)
    port = activate(qtbot, model, engine, uid)
    model.set_selection([uid])
    peers = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    try:
        srv = engine.component(uid)
        qtbot.waitUntil(lambda: widget.connections.connections.rowCount() == 2, timeout=3000)
        widget.connections.view.selectRow(0)
        widget.view.selectRow(0)
        widget.show()
        widget.shortcut_actions[0].trigger()  # Ctrl+1
        first = srv.socket.connections[0]
        target = next(p for p in peers if p.getsockname()[1] == first.remote_port)
        assert recv_until(target, qtbot, 1) == b"PING 1\n"
        assert widget.feedback.text() == f"Sent ping to {first.peer}"
        qtbot.mouseClick(widget.send_all_button, Qt.MouseButton.LeftButton)
        assert recv_until(target, qtbot, 1) == b"PING 2\n"
        other = next(p for p in peers if p is not target)
        assert recv_until(other, qtbot, 1) == b"PING 1\n"
        assert widget.feedback.text() == "Sent ping to 2 connections"
        sends = [r for r in records.drain() if r.event == SEND]
        assert [r.detail for r in sends] == ["message 'ping'"] * 3
    finally:
        for p in peers:
            p.close()


def test_repeat_from_the_panel_and_stop(panel, qtbot):
    widget, model, engine, _records = panel
    model.add_message(Message("tick", "text", "T{counter}\\n"))
    uid = server(model)
    port = activate(qtbot, model, engine, uid)
    model.set_selection([uid])
    peer = socket.create_connection(("127.0.0.1", port))
    try:
        qtbot.waitUntil(lambda: widget.connections.connections.rowCount() == 1, timeout=3000)
        widget.connections.view.selectRow(0)
        widget.view.selectRow(0)
        widget.interval.setValue(5)
        widget.count.setValue(0)
        qtbot.mouseClick(widget.repeat_button, Qt.MouseButton.LeftButton)
        assert widget.repeats.rowCount() == 1
        assert "tick" in widget.repeats.index(0).data()
        data = recv_until(peer, qtbot, 3)
        assert data.startswith(b"T1\nT2\nT3\n")
        qtbot.mouseClick(widget.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not REPEATS.running(), timeout=3000)
        widget.refresh()
        assert widget.repeats.rowCount() == 0
        assert widget.feedback.text() == "Stopped 1 repeat(s)"
    finally:
        peer.close()


def test_repeat_action_bound_in_the_form_runs_and_stops_with_the_connection(panel, qtbot):
    widget, model, engine, _records = panel
    model.add_message(Message("poll", "text", "P\\n"))
    uid = server(model, OnClientConnect=HandlerBinding("repeat", "poll, 2, 0"))
    port = activate(qtbot, model, engine, uid)
    peer = socket.create_connection(("127.0.0.1", port))
    try:
        recv_until(peer, qtbot, 3)
        widget.refresh()
        assert widget.repeats.rowCount() == 1
    finally:
        peer.close()
    qtbot.waitUntil(lambda: not REPEATS.running(), timeout=3000)
    assert engine.component(uid).state is SocketState.LISTENING

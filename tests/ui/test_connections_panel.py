"""The Connections panel's Send: what the connection can't take is said in the panel and
left in the log as an Error record, never lost in silence. Real sockets on a qasync loop."""

from __future__ import annotations

import hashlib
import socket
import threading

import pytest
from PySide6.QtCore import Qt

from components import SocketState
from components.enums import ErrorEvent
from tests.components.test_send_queue import SMALL_KERNEL_BUFFER, read_exactly, slow_peer
from ui.connections_panel import ConnectionsPanel

KiB, MiB = 1024, 1024 * 1024


@pytest.fixture
def panel(host, qtbot):
    model, engine, records = host
    widget = ConnectionsPanel(model, engine)
    qtbot.addWidget(widget)
    yield widget, model, engine, records
    widget.shutdown()


def test_a_send_the_connection_cannot_take_is_reported_in_the_panel_and_the_log(panel, qtbot, tmp_path):
    widget, model, engine, records = panel
    payload = hashlib.shake_256(b"panel").digest(8 * MiB)
    path = tmp_path / "payload.bin"
    path.write_bytes(payload)
    uid = model.add_component("ServerSocket", 10, 10)
    model.set_property(uid, "Address", "127.0.0.1")
    model.set_property(uid, "Active", True)
    server = engine.component(uid)
    qtbot.waitUntil(lambda: server.state is SocketState.LISTENING, timeout=3000)
    model.set_selection([uid])
    peer = slow_peer(server.socket.local_port)  # reads nothing for now
    try:
        qtbot.waitUntil(lambda: widget.connections.rowCount() == 1, timeout=3000)
        widget.view.selectRow(0)
        conn = server.socket.connections[0]
        conn.send_buffer_cap = 64 * KiB
        conn.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF,
                                                           SMALL_KERNEL_BUFFER)

        widget.mode.setCurrentIndex(widget.mode.findData("File"))
        widget.input.setText(str(path))
        qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
        assert widget.feedback.text() == f"Sent to {conn.peer}"
        qtbot.waitUntil(lambda: conn.send_queue_length() > conn.send_buffer_cap, timeout=3000)

        # a second file while the first is still going out
        qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
        assert widget.feedback.text() == (f"Not sent to {conn.peer}: another file is still being sent "
                                          "on this connection")
        # text while the queue is over its cap
        widget.mode.setCurrentIndex(widget.mode.findData("Text"))
        widget.ending.setCurrentIndex(widget.ending.findData(""))
        widget.input.setText("hello")
        qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
        assert widget.feedback.text().startswith(f"Not sent to {conn.peer}: the send queue holds ")

        errors = [r for r in records.drain() if r.event == "Error"]
        assert [(r.error.event, r.error.code, r.error.message) for r in errors] == [
            (ErrorEvent.SEND, 10037, f"Send from the Connections panel: {len(payload):,} bytes not sent: "
                                     "another file is still being sent on this connection"),
            (ErrorEvent.SEND, 10035, errors[1].error.message)]
        assert errors[1].error.message.startswith("Send from the Connections panel: 5 bytes not sent: "
                                                  "the send queue holds ")
        assert all(r.connection_id == conn.id for r in errors)

        # the peer reads: the one file arrives whole, and nothing else
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(read_exactly(peer, len(payload))), name="reader")
        reader.start()
        qtbot.waitUntil(lambda: not reader.is_alive(), timeout=10000)
        assert got == [payload]
        assert conn.bytes_out == len(payload)
    finally:
        peer.close()

"""The Connections panel's Send: what the connection can't take is said in the panel and
left in the log as an Error record, never lost in silence. Real sockets on a qasync loop, and
with the engine on its dedicated thread (Run > Network), where the panel's sends cross over."""

from __future__ import annotations

import hashlib
import socket
import threading

import pytest
from PySide6.QtCore import Qt

from components import SocketState
from components.enums import ErrorEvent
from tests.components.test_send_queue import SMALL_KERNEL_BUFFER, read_exactly, slow_peer
from ui.byte_text import human_bytes
from ui.connections_panel import ConnectionsPanel

KiB, MiB = 1024, 1024 * 1024
pytestmark = pytest.mark.both_network_modes


def _listening_server(model, engine, qtbot):
    """A ServerSocket on the form, listening on loopback, picked for the panel."""
    uid = model.add_component("ServerSocket", 10, 10)
    model.set_property(uid, "Address", "127.0.0.1")
    model.set_property(uid, "Active", True)
    server = engine.component(uid)
    qtbot.waitUntil(lambda: server.state is SocketState.LISTENING, timeout=3000)
    model.set_selection([uid])
    return uid, server


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
    _uid, server = _listening_server(model, engine, qtbot)
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


# -- thousands of connections -------------------------------------------------------------

MANY = 3000


def _file_limit_allows(n: int) -> bool:
    """Both ends of ``n`` loopback connections live in this process, plus some headroom."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return True
    from app.core.file_limit import raise_file_limit

    raise_file_limit()
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft == resource.RLIM_INFINITY or soft >= 2 * n + 500


class Connector(threading.Thread):
    """Opens ``n`` real connections from its own thread (the GUI thread accepts meanwhile)."""

    def __init__(self, port: int, n: int) -> None:
        super().__init__(name="connector", daemon=True)
        self.port, self.n = port, n
        self.socks: list[socket.socket] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for _ in range(self.n):
                self.socks.append(socket.create_connection(("127.0.0.1", self.port), timeout=30))
        except BaseException as exc:
            self.error = exc

    def close(self, socks: list[socket.socket]) -> None:
        for sock in socks:
            sock.close()


def test_thousands_of_connections_are_shown_with_diffs_keeping_the_selection(panel, qtbot, qtmodeltester):
    if not _file_limit_allows(MANY):
        pytest.skip(f"the file limit does not allow {MANY:,} loopback connections in one process")
    widget, model, engine, _records = panel
    uid, server = _listening_server(model, engine, qtbot)
    table = widget.connections
    seen: list[tuple[int, str]] = []
    table.modelReset.connect(lambda: seen.append((table.rowCount(), "reset")))
    table.rowsInserted.connect(lambda *_: seen.append((table.rowCount(), table.last_refresh or "insert")))
    connector = Connector(server.socket.local_port, MANY)
    connector.start()
    try:
        qtbot.waitUntil(lambda: not connector.is_alive(), timeout=60_000)
        assert connector.error is None
        qtbot.waitUntil(lambda: table.rowCount() == MANY, timeout=30_000)
        assert f"— {MANY} connection" in widget.title.text().replace(",", "")
        # the rows came as inserts at the end while connections arrived, not one reset per refresh
        assert not any(how == "reset" for _count, how in seen)
        assert [c.id for c in table._rows] == [c.id for c in server.socket.connections]
        qtmodeltester.check(table)

        # the user picks a connection; the 500 oldest close: one range goes, the pick stays
        widget.view.selectRow(MANY - 1)
        picked = widget.selected_connection()
        connector.close(connector.socks[:500])
        qtbot.waitUntil(lambda: table.rowCount() == MANY - 500, timeout=30_000)
        assert table.last_refresh in ("diff", "same") and widget.selected_connection() is picked
        assert [c.id for c in table._rows] == [c.id for c in server.socket.connections]

        # every other one of the rest closes: too many ranges for diffs, one reset, the pick stays
        closing = connector.socks[500:-1:2]  # the last one, the pick, stays
        connector.close(closing)
        left = MANY - 500 - len(closing)
        qtbot.waitUntil(lambda: table.rowCount() == len(server.socket.connections) == left, timeout=30_000)
        qtbot.waitUntil(lambda: widget.selected_connection() is picked, timeout=3000)
        assert [c.id for c in table._rows] == [c.id for c in server.socket.connections]
        qtmodeltester.check(table)
    finally:
        connector.join(60)
        connector.close(connector.socks)
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=30_000)
    model.set_property(uid, "Active", False)


def test_the_counts_change_for_the_rows_in_view_only(panel, qtbot):
    """A refresh tells the table of new In/Out counts for the rows it shows, not all 40."""
    widget, model, engine, _records = panel
    uid, server = _listening_server(model, engine, qtbot)
    widget.resize(600, 260)
    widget.show()
    qtbot.waitExposed(widget)
    table = widget.connections
    socks = [socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) for _ in range(40)]
    try:
        qtbot.waitUntil(lambda: table.rowCount() == 40, timeout=10_000)
        widget.view.scrollToBottom()
        qtbot.waitUntil(lambda: widget.view.rowAt(widget.view.viewport().height() - 1) in (39, -1))
        first = widget.view.rowAt(0)
        assert 0 < first < 39
        changed: list[tuple[int, int]] = []
        table.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
        last_peer = table._rows[39]
        socks[[s.getsockname()[1] for s in socks].index(last_peer.remote_port)].sendall(b"x" * 1500)
        qtbot.waitUntil(lambda: table.data(table.index(39, 2)) == human_bytes(1500), timeout=5000)
        qtbot.waitUntil(lambda: bool(changed), timeout=5000)
        assert all(first <= top <= bottom <= 39 for top, bottom in changed), changed
        widget.hide()  # a hidden panel tells no view of anything
        changed.clear()
        widget.connections.refresh(widget._rows_shown())
        assert changed == []
    finally:
        for s in socks:
            s.close()
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=10_000)
    model.set_property(uid, "Active", False)

"""The Connections panel for a UdpSocket: its peers seen (address:port, datagrams and bytes
each way, last seen; qtmodeltester on the model), Send to the selected peer or to the
default destination, and the Messages panel's Send and Repeat to a peer. Real sockets on
the qasync loop, and with the engine on its dedicated thread (Run > Network)."""

from __future__ import annotations

import os
import socket

import pytest
from PySide6.QtCore import Qt

from app.core.form_document import HandlerBinding
from app.core.messages import Message
from app.core.repeat import REPEATS
from components import SocketState
from ui.connections_panel import ConnectionsPanel
from ui.messages_panel import MessagesPanel
from ui.udp_peers_model import IN, OUT, PEER

SHOTS = os.environ.get("SHOTS_DIR", "")
pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support"), pytest.mark.both_network_modes]


@pytest.fixture
def panels(host, qtbot):
    model, engine, records = host
    connections = ConnectionsPanel(model, engine)
    messages = MessagesPanel(model, connections)
    qtbot.addWidget(connections)
    qtbot.addWidget(messages)
    yield connections, messages, model, engine, records
    REPEATS.stop_all()
    messages.shutdown()
    connections.shutdown()


def udp_peer() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def received(qtbot, sock: socket.socket, count: int) -> list[bytes]:
    got: list[bytes] = []

    def enough() -> bool:
        try:
            got.append(sock.recv(65_536))
        except BlockingIOError:
            pass
        return len(got) >= count

    qtbot.waitUntil(enough, timeout=5000)
    return got


def start_udp(qtbot, model, engine, default_port: int, **events: HandlerBinding) -> tuple[int, object]:
    uid = model.add_component("UdpSocket", 10, 10)
    model.set_property(uid, "LocalAddress", "127.0.0.1")
    model.set_property(uid, "RemoteAddress", "127.0.0.1")
    model.set_property(uid, "RemotePort", default_port)
    for event, binding in events.items():
        model.set_binding(uid, event, binding)
    model.set_property(uid, "Active", True)
    udp = engine.component(uid)
    qtbot.waitUntil(lambda: udp.state is SocketState.LISTENING and udp.socket.transport is not None,
                    timeout=3000)
    model.set_selection([uid])
    return uid, udp


def test_peers_seen_with_counts_and_send_to_the_selected_peer_or_the_default_destination(panels, qtbot,
                                                                                          qtmodeltester):
    widget, _messages, model, engine, _records = panels
    default, alice, bob = udp_peer(), udp_peer(), udp_peer()
    try:
        _uid, udp = start_udp(qtbot, model, engine, default.getsockname()[1],
                              OnRead=HandlerBinding("echo", ""))
        port = udp.socket.local_port
        assert widget.peers_view.isVisibleTo(widget) and not widget.view.isVisibleTo(widget)
        assert not widget.close_button.isVisibleTo(widget)
        alice.sendto(b"one", ("127.0.0.1", port))
        assert received(qtbot, alice, 1) == [b"one"]
        bob.sendto(b"two!", ("127.0.0.1", port))
        bob.sendto(b"three", ("127.0.0.1", port))
        assert received(qtbot, bob, 2) == [b"two!", b"three"]
        widget.refresh()
        peers = widget.peers
        assert peers.rowCount() == 2
        qtmodeltester.check(peers)
        a, b = (f"127.0.0.1:{s.getsockname()[1]}" for s in (alice, bob))
        assert [peers.index(r, PEER).data() for r in range(2)] == [a, b]  # in the order first seen
        assert [peers.index(1, c).data() for c in (IN, OUT)] == ["2 · 9 B", "2 · 9 B"]
        assert peers.index(1, IN).data(Qt.ItemDataRole.ToolTipRole) == "2 datagrams, 9 bytes received"
        assert f"bound to 127.0.0.1:{port}, 2 peer(s) seen" in widget.title.text()

        # nothing selected: Send goes to the default destination
        widget.input.setText("to the default\\n")
        qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
        assert received(qtbot, default, 1) == [b"to the default\n"]
        assert widget.feedback.text() == f"Sent to 127.0.0.1:{default.getsockname()[1]}"
        # a selected peer gets it, and keeps its row while datagrams flow
        widget.peers_view.selectRow(0)
        widget.input.setText("to alice")
        qtbot.mouseClick(widget.send_button, Qt.MouseButton.LeftButton)
        assert received(qtbot, alice, 1) == [b"to alice"]
        assert widget.feedback.text() == f"Sent to {a}"
        bob.sendto(b"more", ("127.0.0.1", port))
        received(qtbot, bob, 1)
        widget.refresh()
        assert widget.selected_peer() is not None and widget.selected_peer().peer == a
        # a file is no datagram
        assert not widget.mode.model().item(widget.mode.findData("File")).isEnabled()
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            for w, h in ((1024, 700), (1440, 900)):
                widget.resize(w, h)
                widget.show()
                qtbot.waitExposed(widget)
                widget.grab().save(os.path.join(SHOTS, f"udp_peers_{w}x{h}.png"))
        model.set_property(_uid, "Active", False)
        qtbot.waitUntil(lambda: udp.state is SocketState.INACTIVE, timeout=3000)
        widget.refresh()
        assert peers.rowCount() == 0 and widget.target() is None
    finally:
        for s in (default, alice, bob):
            s.close()


def test_saved_messages_and_a_repeat_go_to_the_selected_peer(panels, qtbot):
    widget, messages, model, engine, _records = panels
    model.add_message(Message("hello", "text", "hello {counter}"))
    default, alice = udp_peer(), udp_peer()
    try:
        _uid, udp = start_udp(qtbot, model, engine, default.getsockname()[1])
        alice.sendto(b"hi", ("127.0.0.1", udp.socket.local_port))
        qtbot.waitUntil(lambda: len(udp.socket.peers) == 1, timeout=3000)
        widget.refresh()
        # no peer selected: the saved message goes to the default destination
        messages.view.selectRow(0)
        messages.send_row(0)
        assert received(qtbot, default, 1) == [b"hello 1"]
        widget.peers_view.selectRow(0)
        messages.send_row(0)
        assert received(qtbot, alice, 1) == [b"hello 2"]
        messages.interval.setValue(5)
        messages.count.setValue(3)
        qtbot.mouseClick(messages.repeat_button, Qt.MouseButton.LeftButton)
        assert received(qtbot, alice, 3) == [b"hello 1", b"hello 2", b"hello 3"]
        qtbot.waitUntil(lambda: not REPEATS.running(), timeout=3000)
    finally:
        default.close()
        alice.close()


def test_in_the_workbench_the_log_and_the_connections_dock_show_a_udp_echo(window, qtbot):
    """The whole window: a UdpSocket with Echo back, two peers; the log has each OnRead with
    its sender and the datagram, the Connections dock the two peers."""
    w = window
    uid = w.model.add_component("UdpSocket", 40, 40)
    w.model.set_property(uid, "LocalAddress", "127.0.0.1")
    w.model.set_binding(uid, "OnRead", HandlerBinding("echo", ""))
    w.model.set_property(uid, "Active", True)
    udp = w.engine.component(uid)
    qtbot.waitUntil(lambda: udp.state is SocketState.LISTENING and udp.socket.transport is not None,
                    timeout=3000)
    w.model.set_selection([uid])
    alice, bob = udp_peer(), udp_peer()
    try:
        port = udp.socket.local_port
        alice.sendto(b"hello from alice", ("127.0.0.1", port))
        assert received(qtbot, alice, 1) == [b"hello from alice"]
        for k in range(3):
            bob.sendto(b"bob %d" % k, ("127.0.0.1", port))
        assert len(received(qtbot, bob, 3)) == 3
        qtbot.waitUntil(lambda: sum(r.event == "OnRead" for r in w.log_pane.shown_records()) == 4, timeout=5000)
        reads = [r for r in w.log_pane.shown_records() if r.event == "OnRead"]
        assert reads[0].preview == b"hello from alice"
        assert reads[0].peer == f"127.0.0.1:{alice.getsockname()[1]}"
        w.connections.refresh()
        assert w.connections.peers.rowCount() == 2
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            w.connections.peers_view.selectRow(1)
            for width, height in ((1024, 700), (1440, 900)):
                w.resize(width, height)
                qtbot.wait(50)
                w.grab().save(os.path.join(SHOTS, f"workbench_udp_{width}x{height}.png"))
    finally:
        alice.close()
        bob.close()


def test_send_to_all_goes_to_every_peer_seen(panels, qtbot):
    widget, messages, model, engine, _records = panels
    model.add_message(Message("all", "text", "to all"))
    default, alice, bob = udp_peer(), udp_peer(), udp_peer()
    try:
        _uid, udp = start_udp(qtbot, model, engine, default.getsockname()[1])
        for s in (alice, bob):
            s.sendto(b"hi", ("127.0.0.1", udp.socket.local_port))
        qtbot.waitUntil(lambda: len(udp.socket.peers) == 2, timeout=3000)
        messages.view.selectRow(0)
        messages.refresh()
        assert messages.send_all_button.isEnabled()
        messages.send_row(0, to_all=True)
        assert received(qtbot, alice, 1) == [b"to all"] and received(qtbot, bob, 1) == [b"to all"]
        # a repeat to the default destination is listed by where it goes
        widget.peers_view.clearSelection()
        messages.interval.setValue(1000)
        messages.count.setValue(0)
        qtbot.mouseClick(messages.repeat_button, Qt.MouseButton.LeftButton)
        assert received(qtbot, default, 1) == [b"to all"]
        messages.refresh()
        assert f"127.0.0.1:{default.getsockname()[1]}" in messages.repeats.index(0).data()
    finally:
        for s in (default, alice, bob):
            s.close()


def test_reply_rules_bound_in_the_workbench_answer_each_sender(panels, qtbot):
    """Rules bound to OnRead through the form model (as the inspector's rule editor does) run
    on the workbench's engine: each sender gets its answer, one datagram each."""
    from app.core.rules import Rule

    _widget, _messages, model, engine, _records = panels
    rules = (Rule.from_json({"name": "ping", "match": "regex", "pattern": "^PING (\\d+)$",
                             "reply": "PONG {1}"}, 0),)
    alice, bob = udp_peer(), udp_peer()
    try:
        _uid, udp = start_udp(qtbot, model, engine, alice.getsockname()[1],
                              OnRead=HandlerBinding("rules", "", rules=rules))
        alice.sendto(b"PING 1", ("127.0.0.1", udp.socket.local_port))
        bob.sendto(b"PING 2", ("127.0.0.1", udp.socket.local_port))
        assert received(qtbot, alice, 1) == [b"PONG 1"]
        assert received(qtbot, bob, 1) == [b"PONG 2"]
    finally:
        alice.close()
        bob.close()

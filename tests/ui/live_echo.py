"""A workbench window with a real echo ServerSocket on loopback, and real clients that
take turns (three interleaved connections), for the Record and Timeline tests."""

from __future__ import annotations

import socket
from collections.abc import Callable

from app.core.form_document import HandlerBinding
from ui.main_window import MainWindow


def start_echo_server(w: MainWindow, qtbot) -> int:
    """A ServerSocket on 127.0.0.1, an ephemeral port, OnClientRead bound to echo; its port."""
    uid = w.model.add_component("ServerSocket", 60, 60)
    w.model.set_property(uid, "Address", "127.0.0.1")
    w.model.set_property(uid, "Port", 0)
    w.model.set_binding(uid, "OnClientRead", HandlerBinding(action="echo"))
    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=5000)
    return int(server.socket.local_port)


def receive(qtbot, sock: socket.socket, wanted: int) -> bytes:
    """Read ``wanted`` bytes, spinning the Qt loop (the server runs on it) meanwhile."""
    got = bytearray()
    sock.setblocking(False)

    def more() -> bool:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return False
        got.extend(chunk)
        return len(got) >= wanted or not chunk
    qtbot.waitUntil(more, timeout=5000)
    return bytes(got)


def interleaved_session(qtbot, port: int, rounds: int = 3, pause: Callable[[], None] | None = None
                        ) -> dict[int, bytes]:
    """Three clients connect, take turns sending lines, read each echo, then close in turn.
    What each client (by its index) sent, which the echo returned exactly."""
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    sent = {i: b"" for i in range(3)}
    try:
        for r in range(rounds):
            for i, c in enumerate(clients):
                line = f"client {i + 1} says hello #{r + 1}\r\n".encode() if r % 2 == 0 else \
                    bytes([0x10 * (i + 1), r, 0xFF, 0x00, 0x7F]) + b"binary"
                c.setblocking(True)
                c.sendall(line)
                assert receive(qtbot, c, len(line)) == line
                sent[i] += line
                if pause is not None:
                    pause()
    finally:
        for c in clients:
            c.close()
    return sent


def wait_for_disconnects(w: MainWindow, qtbot, count: int = 3) -> None:
    """Until the log shows ``count`` connections ended (every record of the session is in)."""
    qtbot.waitUntil(lambda: sum(r.event == "OnClientDisconnect" for r in w.log_pane.shown_records()) >= count,
                    timeout=5000)

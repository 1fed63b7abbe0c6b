"""Run > Network: the dedicated engine thread in the real window, with real sockets.

The other window tests run on the GUI loop (the default); these switch to the thread
and check what a user sees: the echo answers, the log shows the events (recorded on
the thread named "engine"), handlers run there, ``post_to_gui`` reaches the GUI
thread, the choice is remembered, and switching while components run asks first and
restarts them. The autouse no_leaks fixture checks that nothing is left behind."""

from __future__ import annotations

import socket
import textwrap
import threading

import pytest
from PySide6.QtCore import QSettings

from app.core.engine_thread import NetworkMode
from app.core.form_document import HandlerBinding
from tests.ui.live_echo import receive, start_echo_server
from ui.main_window import MainWindow
from ui.network_mode import MODE_KEY


@pytest.fixture
def asking(window):
    """The window, answering the restart question with ``restart_answer`` and noting it."""
    w = window
    w.asked, w.restart_answer = [], True
    w.network._ask_restart = lambda n: (w.asked.append(n), w.restart_answer)[1]
    return w


def echo_round(qtbot, port: int, data: bytes = b"hello over the engine thread\r\n") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(data)
        return receive(qtbot, peer, len(data))


def logged(w: MainWindow, event: str) -> list:
    w.log_feeder.flush()
    model = w.log_pane.model
    return [model.record(row) for row in range(model.rowCount()) if model.record(row).event == event]


def test_the_default_is_the_gui_loop_and_the_menu_offers_both(window):
    w = window
    assert w.engine.network_mode is NetworkMode.GUI_LOOP
    assert "engine thread" not in w.status_counts.text()
    actions = w.network.actions
    assert actions[NetworkMode.GUI_LOOP].isChecked() and not actions[NetworkMode.THREAD].isChecked()
    assert [a.text() for a in w.network_menu.actions()] == [actions[m].text() for m in NetworkMode]
    assert "VCL" in actions[NetworkMode.GUI_LOOP].text() and "Thread" in actions[NetworkMode.THREAD].text()


def test_on_the_engine_thread_the_echo_answers_and_the_log_shows_it(asking, qtbot):
    w = asking
    w.network.actions[NetworkMode.THREAD].trigger()
    assert w.engine.network_mode is NetworkMode.THREAD and w.asked == []  # nothing ran: no question
    assert QSettings().value(MODE_KEY) == "thread"
    assert w.status_counts.text().endswith(" · engine thread")  # the status bar says where it runs
    port = start_echo_server(w, qtbot)
    assert echo_round(qtbot, port) == b"hello over the engine thread\r\n"
    qtbot.waitUntil(lambda: len(logged(w, "OnClientDisconnect")) == 1, timeout=5000)
    reads = logged(w, "OnClientRead")
    assert reads and {r.thread for r in reads} == {"engine"}
    uid = w.model.entries()[0].uid
    w.engine.set_active(uid, False)
    qtbot.waitUntil(lambda: not w.engine.is_active(uid) and not w.model.entry(uid).active, timeout=5000)


def test_switching_while_running_asks_and_restarts_on_the_other_loop(asking, qtbot):
    w = asking
    port = start_echo_server(w, qtbot)
    uid = w.model.entries()[0].uid
    w.restart_answer = False
    w.network.actions[NetworkMode.THREAD].trigger()
    assert w.asked == [1]
    assert w.engine.network_mode is NetworkMode.GUI_LOOP
    assert w.network.actions[NetworkMode.GUI_LOOP].isChecked()  # the menu shows what runs
    w.restart_answer = True
    w.network.actions[NetworkMode.THREAD].trigger()
    assert w.engine.network_mode is NetworkMode.THREAD and w.network.actions[NetworkMode.THREAD].isChecked()
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=5000)
    assert w.model.entry(uid).active  # still the user's request: it runs again
    port = server.socket.local_port
    assert echo_round(qtbot, port, b"again\n") == b"again\n"
    qtbot.waitUntil(lambda: any(r.thread == "engine" for r in logged(w, "OnClientRead")), timeout=5000)
    w.network.actions[NetworkMode.GUI_LOOP].trigger()  # and back
    qtbot.waitUntil(lambda: w.engine.component(uid).socket.listening, timeout=5000)
    assert echo_round(qtbot, w.engine.component(uid).socket.local_port, b"home\n") == b"home\n"
    assert QSettings().value(MODE_KEY) == "gui"


def test_the_choice_is_remembered_by_the_next_window(window, qtbot):
    w = window
    w.network.choose(NetworkMode.THREAD)
    second = MainWindow()
    try:
        assert second.engine.network_mode is NetworkMode.THREAD
        assert second.network.actions[NetworkMode.THREAD].isChecked()
    finally:
        second.shutdown()
        second.deleteLater()
    QSettings().setValue(MODE_KEY, "nonsense")  # a bad value: the default
    third = MainWindow()
    try:
        assert third.engine.network_mode is NetworkMode.GUI_LOOP
    finally:
        third.shutdown()
        third.deleteLater()


def serve_with_unit(w: MainWindow, qtbot, folder, source: str):
    """On the engine thread: a ServerSocket whose OnClientRead is ``ServerSocket1ClientRead`` of
    ``source`` (the unit, trusted), listening; the live component."""
    w.units.ask_trust = lambda path: True
    w.network.choose(NetworkMode.THREAD)
    uid = w.model.add_component("ServerSocket", 16, 16)
    w.model.set_property(uid, "Address", "127.0.0.1")
    w.model.save(folder / "threads.sockform")
    w.model.set_binding(uid, "OnClientRead", HandlerBinding(handler="ServerSocket1ClientRead"))
    w.unit_editor.editor.set_source(textwrap.dedent(source))
    assert w.unit_editor.save()
    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=5000)
    return server


def test_unit_handlers_run_on_the_engine_thread_and_post_to_the_gui(window, qtbot, tmp_path):
    w = window
    server = serve_with_unit(w, qtbot, tmp_path, """\
        import threading

        seen = []

        def on_gui(text):
            seen.append(("gui", threading.current_thread().name, text))

        def ServerSocket1ClientRead(sender, socket):
            text = socket.receive_text()
            seen.append(("handler", threading.current_thread().name, text))
            post_to_gui(on_gui, text)
            socket.send_text(text.upper())
        """)
    assert echo_round(qtbot, server.socket.local_port, b"quiet\n") == b"QUIET\n"
    seen = w.engine.unit.namespace["seen"]
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen == [("handler", "engine", "quiet\n"), ("gui", threading.main_thread().name, "quiet\n")]


def test_deactivating_under_a_flood_leaves_nothing_behind(window, qtbot):
    """Four clients write as fast as they can to the echo on the engine thread while the
    user deactivates it: it stops, the peers see the close, and no thread or socket of the
    engine remains (no_leaks); then the window closes the engine thread too."""
    w = window
    w.network.choose(NetworkMode.THREAD)
    port = start_echo_server(w, qtbot)
    uid = w.model.entries()[0].uid
    stop = threading.Event()
    ended: list[str] = []

    def flood() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.settimeout(5)
            chunk = b"x" * 65536
            try:
                while not stop.is_set():
                    s.sendall(chunk)
                    s.recv(65536)
            except OSError as exc:
                ended.append(type(exc).__name__)
            else:
                ended.append("stopped")

    peers = [threading.Thread(target=flood, daemon=True) for _ in range(4)]
    for peer in peers:
        peer.start()
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.active_connections == 4, timeout=5000)
    qtbot.waitUntil(lambda: len(logged(w, "OnClientRead")) > 20, timeout=5000)
    w.engine.set_active(uid, False)
    qtbot.waitUntil(lambda: not w.engine.is_active(uid), timeout=5000)
    stop.set()
    for peer in peers:
        peer.join(10)
    assert len(ended) == 4 and not any(p.is_alive() for p in peers)
    assert server.socket.active_connections == 0
    w.engine.shutdown()
    assert not any(t.name == "engine" for t in threading.enumerate())


def test_a_handler_that_blocks_the_engine_thread_is_reported_and_the_gui_goes_on(window, qtbot, tmp_path,
                                                                               monkeypatch):
    """The handler waits until the GUI thread has run something meanwhile: on the GUI loop it
    would wait forever (its 5 s timeout); on the engine thread the GUI answers at once. It is
    reported as slow, and the connection goes on."""
    import components.socket_component

    monkeypatch.setattr(components.socket_component, "SLOW_HANDLER_SECONDS", 0.05)
    w = window
    server = serve_with_unit(w, qtbot, tmp_path, """\
        import threading, time

        started, gui_ran = threading.Event(), threading.Event()
        waited = []

        def ServerSocket1ClientRead(sender, socket):
            text = socket.receive_text()
            started.set()
            waited.append(gui_ran.wait(5))
            time.sleep(0.1)
            socket.send_text(text)
        """)
    namespace = w.engine.unit.namespace
    with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) as peer:
        peer.sendall(b"slow\n")
        qtbot.waitUntil(namespace["started"].is_set, timeout=5000)
        namespace["gui_ran"].set()  # the GUI thread, while the handler still runs
        assert receive(qtbot, peer, 5) == b"slow\n"
    assert namespace["waited"] == [True]
    qtbot.waitUntil(lambda: bool(logged(w, "SlowHandler")), timeout=5000)
    [slow] = logged(w, "SlowHandler")
    assert slow.thread == "engine" and slow.detail.startswith("ServerSocket1ClientRead (OnClientRead) ran ")


def test_a_new_form_closes_what_ran_on_the_engine_thread_and_ends_it(window, qtbot):
    w = window
    w.network.choose(NetworkMode.THREAD)
    port = start_echo_server(w, qtbot)
    peer = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        server = w.engine.component(w.model.entries()[0].uid)
        qtbot.waitUntil(lambda: server.socket.active_connections == 1, timeout=5000)
        w.model.undo_stack.setClean()
        w.new_form()
        assert not server.active and w.model.entries() == []
        assert not any(t.name == "engine" for t in threading.enumerate())
        peer.settimeout(5)
        assert peer.recv(16) == b""  # the peer sees the close
    finally:
        peer.close()
    assert w.engine.network_mode is NetworkMode.THREAD  # the preference stays; the thread comes back on demand
    port = start_echo_server(w, qtbot)
    assert echo_round(qtbot, port, b"back\n") == b"back\n"

"""The form's unit in the workbench, with real sockets: stubs, handlers in both modes,
exceptions, trust, renames, slow handlers, saving both files."""

from __future__ import annotations

import re
import socket
import textwrap
import threading

import pytest
from PySide6.QtCore import QSettings

import components.socket_component
from app.core.form_document import HandlerBinding
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def window(qloop, qtbot, tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    w = MainWindow()
    w.asked: list[str] = []
    w.trust_answer = True
    w.ask_trust = lambda path: (w.asked.append(str(path)), w.trust_answer)[1]
    w.units.ask_trust = w.ask_trust
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.engine.deactivate_all()
    w.model.undo_stack.setClean()
    w.unit_editor.editor.document().setModified(False)
    w.close()
    w.deleteLater()
    qtbot.wait(1)


def saved_form(w: MainWindow, tmp_path, threaded: bool = False) -> int:
    uid = w.model.add_component("ServerSocket", 16, 16)
    w.model.set_property(uid, "Address", "127.0.0.1")
    if threaded:
        w.model.set_property(uid, "ServerType", "stThreadBlocking")
    w.model.save(tmp_path / "chat.sockform")
    return uid


def write_unit(w: MainWindow, source: str) -> None:
    w.unit_editor.editor.set_source(textwrap.dedent(source))
    assert w.unit_editor.save()


def talk(qtbot, port: int, data: bytes, expect: int) -> bytes:
    result = {}

    def run() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(data)
            got = b""
            while len(got) < expect:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            result["got"] = got

    t = threading.Thread(target=run, daemon=True)
    t.start()
    qtbot.waitUntil(lambda: "got" in result, timeout=5000)
    t.join(1)
    return result["got"]


def activate(qtbot, w: MainWindow, uid: int) -> int:
    w.engine.set_active(uid, True)
    comp = w.engine.component(uid)
    qtbot.waitUntil(lambda: comp.socket.listening, timeout=3000)
    return comp.socket.local_port


def test_double_click_creates_a_stub_with_the_right_signature(window, tmp_path):
    w = window
    uid = saved_form(w, tmp_path)
    assert w.units.edit_handler(uid, "OnClientError")
    assert w.model.entry(uid).events["OnClientError"] == HandlerBinding(handler="ServerSocket1ClientError")
    source = w.unit_editor.editor.source()
    assert "def ServerSocket1ClientError(sender, socket, error_event, error_code):" in source
    assert w.tabs.currentWidget() is w.unit_editor
    w.units.edit_handler(uid, "OnGetThread")
    assert "def ServerSocket1GetThread(sender, client_socket):" in w.unit_editor.editor.source()
    compile(w.unit_editor.editor.source(), "unit", "exec")
    w.save_action.trigger()  # Ctrl+S saves the form and the unit
    assert (tmp_path / "chat.py").read_text() == w.unit_editor.editor.source()
    assert "ServerSocket1GetThread" in (tmp_path / "chat.sockform").read_text()
    assert not w.isWindowModified()


def test_unsaved_form_is_saved_before_a_handler_is_made(window, tmp_path, monkeypatch):
    w = window
    uid = w.model.add_component("ClientSocket", 16, 16)
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "new.sockform"), ""))
    assert w.units.edit_handler(uid, "OnRead")
    assert w.model.path == tmp_path / "new.sockform"
    assert w.unit_editor.path == tmp_path / "new.py"


@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
def test_unit_handlers_run_with_log_and_form(window, qtbot, tmp_path, threaded):
    w = window
    uid = saved_form(w, tmp_path, threaded)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        import threading

        def ServerSocket1ClientRead(sender, socket):
            text = socket.receive_text()
            log("got", text, "on", threading.current_thread().name)
            assert form.ServerSocket1 is sender
            socket.send_text(text.upper())
    """)
    port = activate(qtbot, w, uid)
    assert w.asked == []  # the user wrote and saved it in the editor: no question
    assert talk(qtbot, port, b"hello", 5) == b"HELLO"
    qtbot.waitUntil(lambda: any(r.event == "Log" for r in w.log_pane.shown_records()), timeout=3000)
    line = next(r for r in w.log_pane.shown_records() if r.event == "Log")
    assert line.component == "ServerSocket1" and line.detail.startswith("got hello on ")
    assert ("ServerSocket1 client" in line.detail) is threaded


def test_a_raising_handler_is_logged_in_red_and_marks_its_line(window, qtbot, tmp_path):
    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        def ServerSocket1ClientRead(sender, socket):
            data = socket.receive_text()
            return int(data)
    """)
    port = activate(qtbot, w, uid)
    talk(qtbot, port, b"not a number", 0)
    # line 4: the dedented source starts with a blank line
    qtbot.waitUntil(lambda: 4 in w.unit_editor.editor.error_lines(), timeout=3000)
    assert "invalid literal for int()" in w.unit_editor.editor.error_lines()[4]
    qtbot.waitUntil(lambda: any(r.event == "HandlerError" for r in w.log_pane.shown_records()), timeout=3000)
    records = w.log_pane.shown_records()
    error = next(r for r in records if r.event == "OnClientError")
    assert "OnClientRead handler raised ValueError" in error.error.message
    assert w.engine.component(uid).active  # the server goes on; only that connection closed


def test_trust_is_asked_once_per_content_and_refusal_keeps_built_ins(window, qtbot, tmp_path):
    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        def ServerSocket1ClientRead(sender, socket):
            socket.send_text("unit:" + socket.receive_text())
    """)
    w.model.set_binding(uid, "OnClientConnect", HandlerBinding(action="reply_text", argument="hi "))
    (tmp_path / "chat.py").write_text((tmp_path / "chat.py").read_text() + "\n# changed outside\n")
    w.trust_answer = False
    port = activate(qtbot, w, uid)
    assert len(w.asked) == 1
    assert talk(qtbot, port, b"x", 3) == b"hi "  # the built-in action runs, the unit does not
    w.engine.set_active(uid, False)
    w.trust_answer = True
    port = activate(qtbot, w, uid)
    assert len(w.asked) == 2
    assert talk(qtbot, port, b"x", 9) == b"hi unit:x"
    w.engine.set_active(uid, False)
    w.engine.set_unit(None)
    activate(qtbot, w, uid)
    assert len(w.asked) == 2  # same content: remembered


def test_a_unit_with_a_syntax_error_marks_it(window, qtbot, tmp_path):
    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        def ServerSocket1ClientRead(sender, socket)
            pass
    """)
    activate(qtbot, w, uid)
    assert 2 in w.unit_editor.editor.error_lines()
    assert w.engine.unit is None


def test_renaming_a_component_offers_to_rename_its_handlers(window, tmp_path):
    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    w.units.edit_handler(uid, "OnClientConnect")
    offered = []
    w.units.ask_rename = lambda old, new, handlers: (offered.append((old, new, handlers)), True)[1]
    w.model.rename_component(uid, "ChatServer")
    assert offered == [("ServerSocket1", "ChatServer", ["ServerSocket1ClientConnect", "ServerSocket1ClientRead"])]
    assert w.model.entry(uid).events["OnClientRead"].handler == "ChatServerClientRead"
    source = w.unit_editor.editor.source()
    assert "def ChatServerClientRead(" in source and "ServerSocket1ClientRead" not in source


def test_a_slow_handler_on_the_gui_loop_is_reported_by_name(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(components.socket_component, "SLOW_HANDLER_SECONDS", 0.05)
    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        import time

        def ServerSocket1ClientRead(sender, socket):
            socket.receive_buf(-1)
            started = time.monotonic()
            while time.monotonic() - started < 0.1:  # busy: the loop waits meanwhile
                pass
    """)
    port = activate(qtbot, w, uid)
    talk(qtbot, port, b"x", 0)
    qtbot.waitUntil(lambda: any(r.event == "SlowHandler" for r in w.log_pane.shown_records()), timeout=3000)
    [slow] = [r for r in w.log_pane.shown_records() if r.event == "SlowHandler"]  # once, by the engine
    assert re.fullmatch(r"ServerSocket1ClientRead \(OnClientRead\) ran \d+\.\d\d s on the event loop; "
                        r"everything else waited", slow.detail), slow.detail
    assert slow.component == "ServerSocket1"


def test_an_example_copy_runs_its_handlers_before_and_after_its_first_save(window, qtbot, tmp_path, monkeypatch):
    from ui.main_window import EXAMPLES_DIR

    w = window
    shipped = EXAMPLES_DIR / "chat_server.py"
    assert w.open_example(EXAMPLES_DIR / "chat_server.sockform")
    uid = w.engine.uid_of("ChatServer")
    w.model.set_property(uid, "Port", 0)  # any free port
    port = activate(qtbot, w, uid)
    assert w.asked == [str(shipped)]  # the code that runs is the example's, and it is asked about
    assert talk(qtbot, port, b"", expect=30).startswith(b"* 127.0.0.1:")  # OnClientConnect ran
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mychat.sockform"), ""))
    w.unit_editor.editor.set_source(shipped.read_text(encoding="utf-8").replace("joined", "arrived"))
    assert w.save_form()
    assert w.engine.unit is not None and w.engine.unit.path == tmp_path / "mychat.py"
    assert b"arrived" in talk(qtbot, port, b"", expect=30)  # the running server took the saved copy
    assert w.asked == [str(shipped)]  # what the user saved needs no question
    assert "joined" in shipped.read_text(encoding="utf-8")


def test_a_handler_that_blocks_the_gui_loop_for_a_second_is_reported_and_the_window_recovers(
        window, qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    w = window
    uid = saved_form(w, tmp_path)
    w.units.edit_handler(uid, "OnClientRead")
    write_unit(w, """
        import time

        def ServerSocket1ClientRead(sender, socket):
            data = socket.receive_buf(-1)
            if data == b"slow":
                time.sleep(1.2)  # holds the GUI thread: no event, paint or timer meanwhile
            else:
                socket.send_buf(data)
    """)
    port = activate(qtbot, w, uid)
    talk(qtbot, port, b"slow", 0)
    qtbot.waitUntil(lambda: any(r.event == "SlowHandler" for r in w.log_pane.shown_records()), timeout=5000)
    [slow] = [r for r in w.log_pane.shown_records() if r.event == "SlowHandler"]
    seconds = float(re.fullmatch(r"ServerSocket1ClientRead \(OnClientRead\) ran (\d+\.\d\d) s on the event "
                                 r"loop; everything else waited", slow.detail)[1])
    assert seconds > 1.0
    # afterwards the window runs as before: its timers fire, and a new client gets its echo
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout, timeout=2000):
        timer.start(10)
    assert talk(qtbot, port, b"ping", 4) == b"ping"
    assert w.engine.component(uid).socket.listening

"""Scenarios in the workbench: Run > Run Scenario… puts each step in the log; Save as
Scenario… writes a live connection's conversation, which then runs again and passes.
Real sockets on the window's loop."""

from __future__ import annotations

import json
import socket

import pytest
from PySide6.QtCore import QSettings, Qt

from app.core.scenario import load_scenario
from components import SocketState
from components.observer import SCENARIO, SCENARIO_FAILED
from ui.main_window import MainWindow


@pytest.fixture
def window(qloop, qtbot, tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.scenarios.stop()
    qtbot.waitUntil(lambda: not w.scenarios.running, timeout=3000)
    w.engine.deactivate_all()
    w.model.undo_stack.setClean()
    w.close()
    w.deleteLater()
    qtbot.wait(1)


def echo_server(w: MainWindow, qtbot, tmp_path, framing: str = "line") -> int:
    """Open a form with an echo ServerSocket (Framing ``framing``) and start it; its port."""
    form = {"format": "socket-workbench-form", "version": 1, "form": {"name": "EchoForm"},
            "components": [{"type": "ServerSocket", "name": "EchoServer", "position": [16, 16],
                            "properties": {"Address": "127.0.0.1", "Port": 0, "Framing": framing},
                            "events": {"OnClientRead": {"action": "echo"}}}]}
    path = tmp_path / "echo.sockform"
    path.write_text(json.dumps(form), encoding="utf-8")
    assert w.open_form(path, ask=False)
    uid = w.model.document.components[0].uid
    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.state is SocketState.LISTENING, timeout=3000)
    w.model.set_selection([uid])
    return server.socket.local_port


def echoed(peer: socket.socket, wanted: bytes, buffer: bytearray) -> bool:
    """For qtbot.waitUntil: whether ``wanted`` came back (read without blocking the loop)."""
    peer.setblocking(False)
    try:
        buffer += peer.recv(100)
    except BlockingIOError:
        pass
    return bytes(buffer) == wanted


def scenario_records(w: MainWindow):
    w.log_feeder.flush()
    return [r for r in w.log_pane.shown_records() if r.event in (SCENARIO, SCENARIO_FAILED)]


def test_run_a_scenario_from_the_run_menu_with_its_steps_in_the_log(window, qtbot, tmp_path, monkeypatch):
    w = window
    port = echo_server(w, qtbot, tmp_path, framing="none")
    path = tmp_path / "ping.toml"
    path.write_text(f"""
[scenario]
name = "ping"

[[step]]
connect = "127.0.0.1:{port}"
framing = "line"

[[step]]
repeat = 2
steps = [{{ send = 'PING {{counter}}\\n' }}, {{ expect = 'PING \\d', match = "regex" }}]

[[step]]
expect = "nothing comes"
timeout = 0.2
""", encoding="utf-8")
    monkeypatch.setattr("ui.scenario_actions.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), ""))
    assert w.scenarios.run_action in w.run_menu.actions()
    with qtbot.waitSignal(w.scenarios.finished, timeout=10_000) as done:
        w.scenarios.run_action.trigger()
    result = done.args[0]
    assert not result.passed and len(result.cases) == 6
    qtbot.waitUntil(lambda: len(scenario_records(w)) == 7, timeout=3000)
    records = scenario_records(w)
    assert [r.event for r in records] == [SCENARIO] * 5 + [SCENARIO_FAILED] * 2
    assert all(r.component == "ping" for r in records)
    assert records[1].detail == "step 2.1 #1 send: sent 7 bytes"
    assert records[1].preview == b"PING 1\n"
    assert records[5].detail.startswith("step 3 expect: timed out after 0.2 s")
    assert records[6].detail.startswith("failed at step 3 expect after 6 step(s)")
    assert "Scenario ping failed at step 3" in w.statusBar().currentMessage()


def test_a_scenario_file_with_a_mistake_is_an_error_record(window, qtbot, tmp_path):
    w = window
    bad = tmp_path / "bad.toml"
    bad.write_text("[[step]]\nsend = 'x'\n\n[[step]]\nexpect = '(('\nmatch = 'regex'\n", encoding="utf-8")
    assert not w.scenarios.run_file(bad)
    qtbot.waitUntil(lambda: len(scenario_records(w)) == 1, timeout=3000)
    record = scenario_records(w)[0]
    assert record.event == SCENARIO_FAILED and record.component == "bad.toml"
    assert record.detail.startswith(f"{bad}:4: step 2: expect (regex): missing )")


def test_save_a_connection_as_a_scenario_and_run_it_again(window, qtbot, tmp_path, monkeypatch):
    w = window
    port = echo_server(w, qtbot, tmp_path)
    peer = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        peer.sendall(b"hello\nworld {x}\n")
        got = bytearray()
        qtbot.waitUntil(lambda: echoed(peer, b"helloworld {x}", got), timeout=5000)  # echo sends the frames
        panel = w.connections
        qtbot.waitUntil(lambda: panel.connections.rowCount() == 1, timeout=3000)
        panel.view.selectRow(0)
        assert panel.scenario_button.isEnabled()
        target = tmp_path / "saved"
        monkeypatch.setattr("ui.scenario_actions.QFileDialog.getSaveFileName",
                            lambda *a, **k: (str(target), ""))
        w.log_feeder.flush()
        qtbot.mouseClick(panel.scenario_button, Qt.MouseButton.LeftButton)
        saved = tmp_path / "saved.toml"
        assert saved.exists()
        assert "Saved saved.toml: 2 send(s), 2 expect(s)" in w.statusBar().currentMessage()
    finally:
        peer.close()
    text = saved.read_text(encoding="utf-8")
    # the scenario plays the peer: what the server read (frames: their LF back) is sent, what it
    # sent is expected, as a plain stream
    assert f"connect = '127.0.0.1:{port}'" in text and "framing" not in text
    assert "send = 'hello\\n'" in text and "send = 'world {{x}}\\n'" in text  # a template: braces doubled
    assert "expect = 'hello'" in text and "expect = 'world {x}'" in text
    scenario = load_scenario(saved)
    assert [type(s).__name__ for s in scenario.steps] == ["Connect", "Send", "Expect", "Send", "Expect", "Close"]

    with qtbot.waitSignal(w.scenarios.finished, timeout=10_000) as done:
        assert w.scenarios.run_file(saved)
    assert done.args[0].passed, done.args[0].cases


def test_save_without_a_connection_says_so(window, qtbot):
    w = window
    w.scenarios.save_action.trigger()
    assert w.statusBar().currentMessage() == ("Select a connection in the Connections panel, or a row of one in "
                                              "the event log, first")


def test_stop_scenario_cancels_the_run_and_closes_its_connections(window, qtbot, tmp_path):
    w = window
    port = echo_server(w, qtbot, tmp_path, framing="none")
    path = tmp_path / "long.toml"
    path.write_text(f"[[step]]\nconnect = '127.0.0.1:{port}'\n\n[[step]]\nsleep = 600\n", encoding="utf-8")
    ended = []
    w.scenarios.finished.connect(ended.append)
    assert w.scenarios.run_file(path)
    assert not w.scenarios.run_file(path)  # one at a time
    assert w.statusBar().currentMessage() == "A scenario is running already: stop it first"
    qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 1, timeout=3000)
    assert w.scenarios.stop_action.isEnabled()
    w.scenarios.stop_action.trigger()
    qtbot.waitUntil(lambda: not w.scenarios.running, timeout=3000)
    qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 0, timeout=3000)
    assert not w.scenarios.stop_action.isEnabled() and ended == []


def test_save_a_closed_connection_from_the_log(window, qtbot, tmp_path, monkeypatch):
    w = window
    port = echo_server(w, qtbot, tmp_path, framing="none")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"\x01\x02binary\xff")
        got = bytearray()
        qtbot.waitUntil(lambda: echoed(peer, b"\x01\x02binary\xff", got), timeout=5000)  # the server is on this thread
    qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 0, timeout=3000)  # it closed
    w.log_feeder.flush()
    rows = [row for row in range(w.log_pane.shown_count())
            if w.log_pane.shown_record(row).event == "OnClientRead"]
    w.log_pane.view.selectRow(rows[0])
    assert w.scenarios.save_logged_action in w.log_pane.view.actions()
    target = tmp_path / "closed.toml"
    monkeypatch.setattr("ui.scenario_actions.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    w.scenarios.save_logged_action.trigger()
    text = target.read_text(encoding="utf-8")
    assert f"connect = '127.0.0.1:{port}'" in text
    assert "send_hex = '01 02 62 69 6E 61 72 79 FF'" in text and "expect = '01 02 62 69 6E 61 72 79 FF'" in text
    with qtbot.waitSignal(w.scenarios.finished, timeout=10_000) as done:
        assert w.scenarios.run_file(target)
    assert done.args[0].passed, done.args[0].cases

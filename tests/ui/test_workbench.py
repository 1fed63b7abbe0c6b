"""The user's whole path through the workbench window, with real sockets:
drop a ServerSocket, set Port in the inspector, flip Active, connect a real client,
watch the events arrive, answer from the connections panel, save and reopen; the path runs
with the engine on the GUI loop and on its dedicated thread (Run > Network)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.engine_thread import NetworkMode
from ui.main_window import EXAMPLES_DIR, RECENT_FILES, MainWindow
from ui.palette import MIME_COMPONENT
from ui.settings import read_string_list

from .test_form_designer import simulate_drop
from .test_object_inspector import commit_with_enter, open_editor, type_into, value_index

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


class Peer(threading.Thread):
    """A real client on its own thread: connects, sends, collects what comes back."""

    def __init__(self, port: int, send: bytes) -> None:
        super().__init__(daemon=True, name="peer")
        self.port, self.send_bytes = port, send
        self.received = b""
        self.closed = threading.Event()
        self.connected = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            self.connected.set()
            s.sendall(self.send_bytes)
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                self.received += chunk
        self.closed.set()


def log_events(w: MainWindow) -> list[tuple[str, str]]:
    return [(r.component, r.event) for r in w.log_pane.shown_records()]


@pytest.mark.parametrize("mode", list(NetworkMode), ids=[m.value for m in NetworkMode])
def test_the_users_path_end_to_end(window, qtbot, mode):
    w = window
    w.network.choose(mode)  # Run > Network: the GUI loop (the default), or the engine thread
    # 1. drop a ServerSocket from the palette onto the form
    mime = QMimeData()
    mime.setData(MIME_COMPONENT, b"ServerSocket")
    with qtbot.waitSignal(w.model.componentAdded, timeout=2000):
        assert simulate_drop(w.designer.viewport(), mime, QPoint(120, 90))
    entry = w.model.entries()[0]
    assert entry.name == "ServerSocket1" and w.model.selection() == [entry.uid]
    assert w.windowTitle().startswith("Socket Workbench - Form1")

    # 2. set Address and Port in the Object Inspector, through the real editors
    view = w.inspector.property_view
    index = value_index(w.inspector, "Address")
    editor = open_editor(view, index)
    type_into(qtbot, editor, "127.0.0.1")
    commit_with_enter(qtbot, view, index, editor)
    index = value_index(w.inspector, "Port")
    editor = open_editor(view, index)
    type_into(qtbot, editor, "0")  # an ephemeral port: any free one
    commit_with_enter(qtbot, view, index, editor)
    assert w.model.entry(entry.uid).value("Address") == "127.0.0.1"

    # 3. flip Active in the inspector: the server listens on the qasync loop
    active = value_index(w.inspector, "Active")
    w.inspector.property_model.setData(active, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    server = w.engine.component(entry.uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=3000)
    port = server.socket.local_port

    # 4. a real client connects and sends; the events arrive in the log
    peer = Peer(port, b"hello workbench")
    peer.start()
    qtbot.waitUntil(lambda: ("ServerSocket1", "OnClientRead") in log_events(w), timeout=5000)
    events = log_events(w)
    assert ("ServerSocket1", "OnListen") in events and ("ServerSocket1", "OnClientConnect") in events
    read = next(r for r in w.log_pane.shown_records() if r.event == "OnClientRead")
    assert read.preview == b"hello workbench"
    qtbot.waitUntil(lambda: "2 active" not in w.status_counts.text() and "1 connections" in
                    w.status_counts.text(), timeout=3000)

    # 5. answer from the connections panel (text with CRLF), then close the connection
    panel = w.connections
    qtbot.waitUntil(lambda: panel.connections.rowCount() == 1, timeout=3000)
    panel.view.selectRow(0)
    panel.mode.setCurrentIndex(panel.mode.findData("Text"))
    panel.ending.setCurrentIndex(panel.ending.findData("\r\n"))
    panel.input.setText("hi from the panel")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: peer.received == b"hi from the panel\r\n", timeout=3000)
    panel.mode.setCurrentIndex(panel.mode.findData("Hex"))
    panel.input.setText("4f 4b")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: peer.received.endswith(b"OK"), timeout=3000)
    panel.input.setText("4g")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    assert "not a hex digit" in panel.feedback.text()
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(peer.closed.is_set, timeout=3000)
    peer.join(2)
    qtbot.waitUntil(lambda: ("ServerSocket1", "OnClientDisconnect") in log_events(w), timeout=3000)

    # 6. the tile shows the state; Run > Deactivate All closes the server
    assert w.designer.tile(entry.uid).state.state.name == "LISTENING"
    w.deactivate_all_action.trigger()
    qtbot.waitUntil(lambda: not server.active, timeout=3000)
    assert w.model.entry(entry.uid).value("Active") is False


def test_flipping_active_is_no_edit_from_the_inspector_the_tile_menu_or_the_run_menu(window, qtbot, tmp_path):
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    w = window
    uids = [w.model.add_component("ServerSocket", 8 + 160 * i, 8) for i in range(2)]
    for uid in uids:
        w.model.set_property(uid, "Address", "127.0.0.1")
    target = tmp_path / "running.sockform"
    w.model.save(target)
    steps = w.model.undo_stack.count()
    servers = [w.engine.component(uid) for uid in uids]

    def unchanged() -> bool:
        return not w.isWindowModified() and not w.is_modified() and w.model.undo_stack.count() == steps

    # the inspector's check box, clicked
    w.model.set_selection([uids[0]])
    view, index = w.inspector.property_view, value_index(w.inspector, "Active")
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    qtbot.waitUntil(lambda: servers[0].socket.listening, timeout=3000)
    assert unchanged()
    # the tile's menu
    tile = w.designer.tile(uids[1])
    menu = w.designer.context_menu(w.designer.mapFromScene(tile.sceneBoundingRect().center()))
    next(a for a in menu.actions() if a.text() == "&Activate").trigger()
    qtbot.waitUntil(lambda: servers[1].socket.listening, timeout=3000)
    assert unchanged()
    w.model.save(target)  # Save writes what runs, though nothing asked to save
    assert b'"Active": true' in target.read_bytes()
    # Run > Deactivate All and Activate All
    w.deactivate_all_action.trigger()
    qtbot.waitUntil(lambda: not any(s.active for s in servers), timeout=3000)
    assert unchanged()
    w.activate_all_action.trigger()
    qtbot.waitUntil(lambda: all(s.socket.listening for s in servers), timeout=3000)
    assert unchanged()
    assert w.windowTitle() == "Socket Workbench - running.sockform[*]"


def test_undo_redo_through_the_menu_actions(window, qtbot):
    w = window
    uid = w.model.add_component("ClientSocket", 40, 40)
    w.model.set_property(uid, "Port", 8080)
    w.model.rename_component(uid, "Probe")
    w.undo_action.trigger()
    assert w.model.entry(uid).name == "ClientSocket1"
    w.undo_action.trigger()
    assert w.model.entry(uid).value("Port") == 0
    w.redo_action.trigger()
    w.redo_action.trigger()
    assert (w.model.entry(uid).name, w.model.entry(uid).value("Port")) == ("Probe", 8080)
    assert w.isWindowModified()


def test_save_and_reopen_is_byte_identical(window, qtbot, tmp_path, monkeypatch):
    w = window
    assert w.open_form(EXAMPLES_DIR / "echo_server.sockform", ask=False)
    target = tmp_path / "copy.sockform"
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    assert w.save_form_as()
    assert target.read_bytes() == (EXAMPLES_DIR / "echo_server.sockform").read_bytes()
    assert not w.isWindowModified() and w.windowTitle() == "Socket Workbench - copy.sockform[*]"
    assert read_string_list(QSettings(), RECENT_FILES)[0] == str(target)


def test_a_damaged_file_is_refused_and_the_open_form_stays(window, qtbot, tmp_path, monkeypatch):
    w = window
    w.model.add_component("ServerSocket", 8, 8)
    before = w.model.document.to_json()
    bad = tmp_path / "bad.sockform"
    bad.write_text('{"format": "socket-workbench-form", "version": 99, "form": {}}')
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    assert not w.open_form(bad, ask=False)
    assert "version 99, newer than" in shown[0]
    assert w.model.document.to_json() == before


@pytest.mark.parametrize("mode", list(NetworkMode), ids=[m.value for m in NetworkMode])
def test_port_in_use_shows_on_the_tile_and_in_the_log(window, qtbot, mode):
    w = window
    w.network.choose(mode)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        uid = w.model.add_component("ServerSocket", 8, 8)
        w.model.set_property(uid, "Address", "127.0.0.1")
        w.model.set_property(uid, "Port", blocker.getsockname()[1])
        w.engine.set_active(uid, True)
        qtbot.waitUntil(lambda: any(r.event == "Error" for r in w.log_pane.shown_records()), timeout=3000)
        qtbot.waitUntil(lambda: "10048" in w.statusBar().currentMessage(), timeout=3000)
        tile = w.designer.tile(uid)
        w.designer.refresh_states()
        assert "10048" in tile.toolTip() or "10048" in w.engine.tile_state(uid).error
    finally:
        blocker.close()


def test_examples_menu_lists_every_example(window):
    titles = [a.text() for a in window.examples_menu.actions()]
    assert len(titles) == len(list(EXAMPLES_DIR.glob("*.sockform")))
    assert "Echo server" in titles


def test_an_example_opens_as_an_untitled_copy_and_save_writes_form_and_unit_elsewhere(
        window, qtbot, tmp_path, monkeypatch):
    w = window
    form, unit = EXAMPLES_DIR / "chat_server.sockform", EXAMPLES_DIR / "chat_server.py"
    shipped = form.read_bytes(), unit.read_bytes()
    action = next(a for a in w.examples_menu.actions() if a.text() == "Chat server")
    action.trigger()
    assert w.model.path is None
    assert [e.name for e in w.model.entries()]  # the example's components are there
    assert w.windowTitle() == "Socket Workbench - Untitled (from Chat server)[*]"
    assert w.unit_editor.isEnabled() and w.unit_editor.editor.source() == unit.read_text(encoding="utf-8")
    assert not w.is_modified()  # only looking at an example asks nothing on close
    asked = []

    def save_as(*_args, **_kwargs):
        asked.append(True)
        return str(tmp_path / "mychat.sockform"), ""

    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName", save_as)
    w.save_action.trigger()  # Save of an untitled copy is Save As
    assert asked and w.model.path == tmp_path / "mychat.sockform"
    assert (tmp_path / "mychat.py").read_bytes() == shipped[1]  # the unit went with it
    assert (form.read_bytes(), unit.read_bytes()) == shipped  # the installation is untouched
    assert w.windowTitle() == "Socket Workbench - mychat.sockform[*]"
    assert w.unit_editor.path == tmp_path / "mychat.py" and not w.unit_editor.needs_saving()
    # a new form afterwards starts with no unit text from the copy
    w.new_action.trigger()
    assert w.unit_editor.editor.source() == "" and not w.unit_editor.isEnabled()


def test_opening_another_form_does_not_carry_the_last_units_text(window, tmp_path):
    from app.core.form_document import FormDocument

    w = window
    first, second = tmp_path / "first.sockform", tmp_path / "second.sockform"
    for path in (first, second):
        FormDocument().save(path)
    (tmp_path / "first.py").write_text("def handler(sender, socket):\n    pass\n", encoding="utf-8")
    assert w.open_form(first, ask=False) and "def handler" in w.unit_editor.editor.source()
    assert w.open_form(second, ask=False)
    assert w.unit_editor.editor.source() == "" and not w.unit_editor.needs_saving()
    assert w.save_form() and not (tmp_path / "second.py").exists()


def test_the_unit_tab_shows_the_underscore_of_its_file_name(window, qtbot, tmp_path):
    from PySide6.QtGui import QFontMetricsF

    from app.core.form_document import FormDocument

    w = window
    FormDocument().save(tmp_path / "echo_test.sockform")
    (tmp_path / "echo_test.py").write_text("", encoding="utf-8")
    assert w.open_form(tmp_path / "echo_test.sockform", ask=False)
    bar = w.tabs.tabBar()
    assert bar.tabText(1) == "echo_test.py" and w.tabs.currentIndex() == 0  # the Unit tab is not current
    metrics = QFontMetricsF(bar.font())
    assert metrics.inFont("_"), "install fonts-dejavu-core"
    image = bar.grab().toImage()
    rect = bar.tabRect(1)
    # the columns of the underscore alone: left of it "echo", right of it "test.py"
    start = rect.center().x() + 0.5 - metrics.horizontalAdvance(bar.tabText(1)) / 2
    first = int(start + metrics.horizontalAdvance("echo")) + 1
    last = int(start + metrics.horizontalAdvance("echo_")) - 1
    ink = [(x, y) for y in range(rect.top() + 2, rect.bottom() - 1) for x in range(first, last + 1)
           if image.pixelColor(x, y).lightness() < 128]
    assert ink, "the underscore of echo_test.py is clipped"


@pytest.mark.parametrize(("count", "shown"), [(0, "0 B"), (999, "999 B"), (5427, "5.3 KiB"),
                                              (682 * 1024, "682 KiB"), (1023 * 1024, "1.0 MiB"),
                                              (3 * 2**40, "3072 GiB")])
def test_byte_counts_keep_to_three_digits_so_in_and_out_stay_narrow(count, shown):
    from ui.byte_text import human_bytes

    assert human_bytes(count) == shown


def test_connections_model_passes_the_model_tester(window, qtbot, qtmodeltester):
    w = window
    w.open_form(EXAMPLES_DIR / "echo_server.sockform", ask=False)
    uid = w.model.entries()[0].uid
    w.model.set_property(uid, "Port", 0)
    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=3000)
    w.model.set_selection([uid])
    socks = [socket.create_connection(("127.0.0.1", server.socket.local_port)) for _ in range(3)]
    try:
        qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 3, timeout=3000)
        qtmodeltester.check(w.connections.connections)
    finally:
        for s in socks:
            s.close()
    qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 0, timeout=3000)
    qtmodeltester.check(w.connections.connections)


def test_dock_layout_is_remembered(qloop, qtbot, tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "layout"))
    first = MainWindow()
    first.show()
    qtbot.waitExposed(first)
    first.connections_dock.hide()
    first.close()
    second = MainWindow()
    second.show()
    qtbot.waitExposed(second)
    qtbot.waitUntil(lambda: not second._default_state.isEmpty(), timeout=2000)
    assert not second.connections_dock.isVisible()
    second.reset_layout()
    assert second.connections_dock.isVisible()
    second.close()
    for w in (first, second):
        w.deleteLater()
    QApplication.processEvents()


def test_import_and_export_dfm_from_the_file_menu(window, qtbot, tmp_path, monkeypatch):
    from pathlib import Path

    w = window
    source = Path(__file__).resolve().parents[1] / "app" / "data" / "dfm" / "stratomaster84__TCP-IP__Server__Unit1.dfm"
    target = tmp_path / "server.sockform"
    exported = tmp_path / "Unit1.dfm"
    monkeypatch.setattr("ui.main_window.QFileDialog.getOpenFileName", lambda *a, **k: (str(source), ""))
    saves = iter([str(target), str(exported)])
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (next(saves), ""))
    monkeypatch.setattr("ui.main_window.QInputDialog.getItem", lambda *a, **k: ("cp1251", True))
    reports = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: reports.append(text))
    w.import_dfm_action.trigger()
    assert w.model.path == target
    assert [e.name for e in w.model.entries()] == ["ServerSocket1"]
    assert "Memo1: TMemo" in reports[0]
    assert "def ServerSocket1ClientRead(sender, socket):" in (tmp_path / "server.py").read_text()
    assert w.unit_editor.path == tmp_path / "server.py"
    w.export_dfm_action.trigger()
    assert exported.read_bytes().replace(b"\r\n", b"\n") == source.read_bytes().replace(b"\r\n", b"\n")


# One run of the workbench in its own process: QSettings caches what it wrote, so only a
# new process reads the settings file the way the next session does.
_SESSION = """
import asyncio, json, sys
import qasync
from PySide6.QtCore import QSettings
from ui.workbench import make_application
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
app = make_application()
asyncio.set_event_loop(qasync.QEventLoop(app))
from ui.main_window import MainWindow
window = MainWindow()
def recent():
    window.recent_menu.aboutToShow.emit()
    return [action.text() for action in window.recent_menu.actions()]
shown = recent()
for path in sys.argv[2:]:
    assert window.open_form(path, ask=False)
after = recent()
window.close()
print(json.dumps({"shown": shown, "after": after}))
"""


def run_session(settings_dir, *forms) -> dict:
    done = subprocess.run([sys.executable, "-c", _SESSION, str(settings_dir), *map(str, forms)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_open_recent_survives_new_sessions_with_one_and_several_entries(tmp_path):
    from app.core.form_document import FormDocument

    first, second = tmp_path / "first.sockform", tmp_path / "second.sockform"
    for path in (first, second):
        FormDocument().save(path)
    settings = tmp_path / "settings"
    assert run_session(settings, first) == {"shown": ["(none)"], "after": [str(first)]}
    # the next session reads a one-entry list back
    assert run_session(settings, second) == {"shown": [str(first)], "after": [str(second), str(first)]}
    # and the one after reads several, and reopening one moves it to the top
    assert run_session(settings, first) == {"shown": [str(second), str(first)],
                                            "after": [str(first), str(second)]}


# -- layout --------------------------------------------------------------------------------
@pytest.fixture
def sized_window(qloop, qtbot, tmp_path):
    """sized_window(width, height) -> a MainWindow first shown at that size, its default
    layout applied (no saved layout)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "sized"))
    made = []

    def make(width: int, height: int) -> MainWindow:
        w = MainWindow()
        made.append(w)
        w.resize(width, height)
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: not w._default_state.isEmpty(), timeout=2000)
        return w

    yield make
    for w in made:
        w.engine.deactivate_all()
        w.model.undo_stack.setClean()
        w.close()
        w.deleteLater()
    qtbot.wait(1)


def dock_overlaps(w: MainWindow) -> list[tuple[str, str]]:
    parts = {d.objectName(): d.geometry() for d in (w.inspector_dock, w.log_dock, w.connections_dock)}
    parts["central"] = w.centralWidget().geometry()
    names = sorted(parts)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if parts[a].intersects(parts[b])]


@pytest.mark.parametrize("size", [(1024, 700), (1100, 760), (1440, 900), (1920, 1080)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_size_from_1024x700_keeps_its_size_and_no_dock_covers_another(sized_window, size):
    w = sized_window(*size)
    assert w.minimumSizeHint().width() <= 1024
    assert (w.width(), w.height()) == size
    assert dock_overlaps(w) == []
    for dock in (w.inspector_dock, w.log_dock, w.connections_dock):
        assert w.rect().contains(dock.geometry()), dock.objectName()
    # the log spans the whole width, under the form and both side docks
    assert w.log_dock.width() == w.width()
    assert w.log_dock.geometry().top() > w.connections_dock.geometry().bottom()
    shared = w.tabs.height() + w.log_dock.height()
    assert 0.33 * shared <= w.log_dock.height() <= 0.52 * shared
    # the connections table shows a whole peer and byte counts, without a horizontal scroll bar
    view = w.connections.view
    metrics = view.fontMetrics()
    assert view.columnWidth(0) >= metrics.horizontalAdvance("127.0.0.1:65535")
    for column in (1, 2, 3):
        assert view.columnWidth(column) >= metrics.horizontalAdvance("00:00:00")
    assert not view.horizontalScrollBar().isVisible()


def test_activating_a_server_with_clients_does_not_widen_the_window(sized_window, qtbot):
    w = sized_window(1100, 760)
    uid = w.model.add_component("ServerSocket", 8, 8)
    w.model.set_property(uid, "Address", "127.0.0.1")
    w.model.set_selection([uid])
    qtbot.wait(1)
    before = w.size(), {d.objectName(): d.width() for d in (w.inspector_dock, w.connections_dock)}
    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=3000)
    clients = [socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) for _ in range(3)]
    try:
        qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 3, timeout=3000)
        qtbot.waitUntil(lambda: "listening on" in w.connections.title.text(), timeout=3000)
        w.layout().activate()
        assert w.minimumSizeHint().width() <= 1024
        assert (w.size(), {d.objectName(): d.width() for d in (w.inspector_dock, w.connections_dock)}) == before
        assert dock_overlaps(w) == []
    finally:
        for c in clients:
            c.close()

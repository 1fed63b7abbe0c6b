"""The guided tour (Help > Socket concepts), walked through the real window.

Every chapter is opened from the tour panel and done as its text says: the ports and
names typed into the Object Inspector's editors, Active ticked with a click on its
check box, bindings picked in the Events tab, a line sent from the Connections panel,
the form's unit trusted in the real question. Real sockets on 127.0.0.1; each chapter's
check must then say it is done. Another test shows a check that does not succeed when
the events have not happened (and when they happened only in part).
"""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QStyle, QStyleOptionViewItem

from app.core.tour import load_chapters, load_texts
from app.qt.translations import install, ts_path
from components.observer import RECEIVE, THREAD_REUSED
from ui.main_window import MainWindow
from ui.tour import TourPanel

from .test_chinese_ui import chinese_window, untranslated, widget_texts  # noqa: F401 - a fixture
from .test_object_inspector import commit_with_enter, open_binding_editor, open_editor, pick, type_into

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)")

CHECK = Qt.ItemDataRole.CheckStateRole
WAIT_MS = 8000


@pytest.fixture
def window(qloop, qtbot, tmp_path, monkeypatch):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    # the chapters with a Python unit ask whether to run it: the learner answers Yes
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: (asked.append(title), QMessageBox.StandardButton.Yes)[1])
    w = MainWindow()
    w.asked = asked
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.engine.deactivate_all()
    w.model.undo_stack.setClean()
    w.close()
    assert [(t.parent().__class__.__name__, t.interval()) for t in w.findChildren(QTimer) if t.isActive()] == []
    w.deleteLater()


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Learner:
    """Does what a chapter says, through the widgets."""

    def __init__(self, window: MainWindow, qtbot) -> None:
        self.w = window
        self.qtbot = qtbot
        self.inspector = window.inspector

    def select(self, name: str) -> int:
        uid = next(e.uid for e in self.w.model.entries() if e.name == name)
        self.w.model.set_selection([uid])
        return uid

    def value_index(self, name: str, prop: str):
        self.select(name)
        self.inspector.show_properties()
        model = self.inspector.property_model
        return model.index(model.row_of(prop), 1)

    def type(self, name: str, prop: str, text: str) -> None:
        index = self.value_index(name, prop)
        view = self.inspector.property_view
        editor = open_editor(view, index)
        line = getattr(editor, "line_edit", None) or (editor.lineEdit() if hasattr(editor, "lineEdit") else editor)
        type_into(self.qtbot, line, text)
        commit_with_enter(self.qtbot, view, index, line)
        assert str(index.data()) == text, (name, prop, index.data(), self.inspector.message_text())

    def choose(self, name: str, prop: str, choice: str) -> None:
        index = self.value_index(name, prop)
        view = self.inspector.property_view
        editor = open_editor(view, index)
        editor.setCurrentIndex(editor.findText(choice))
        editor.activated.emit(editor.currentIndex())  # what a pick in the pop-up does
        self.qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
        assert index.data() == choice

    def click_active(self, name: str) -> None:
        uid = self.select(name)
        index = self.value_index(name, "Active")
        view = self.inspector.property_view
        before = self.w.engine.is_active(uid)
        option = QStyleOptionViewItem()
        option.rect = view.visualRect(index)
        view.itemDelegate().initStyleOption(option, index)
        box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)
        self.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
        self.qtbot.waitUntil(lambda: self.w.engine.is_active(uid) != before or not before, timeout=WAIT_MS)

    def activate(self, name: str) -> None:
        uid = self.select(name)
        assert not self.w.engine.is_active(uid)
        self.click_active(name)
        self.qtbot.waitUntil(lambda: self.w.engine.is_active(uid), timeout=WAIT_MS)

    def deactivate(self, name: str) -> None:
        uid = self.select(name)
        assert self.w.engine.is_active(uid)
        self.click_active(name)
        self.qtbot.waitUntil(lambda: not self.w.engine.is_active(uid), timeout=WAIT_MS)

    def bind(self, name: str, event: str, title: str) -> None:
        self.select(name)
        editor, _index = open_binding_editor(self.qtbot, self.inspector, event)
        pick(editor, title)
        self.qtbot.waitUntil(lambda: self.inspector.event_view.indexWidget(_index) is None, timeout=2000)

    def ports(self, server: str, *clients: str) -> int:
        port = free_port()
        self.type(server, "Port", str(port))
        for client in clients:
            self.type(client, "Port", str(port))
        return port

    def connect(self, server: str, client: str, *others: str) -> None:
        """Both on one free port, the server activated, then the client."""
        self.ports(server, client, *others)
        self.activate(server)
        self.activate(client)

    def send_from_connections_panel(self, name: str, text: str) -> None:
        self.select(name)
        panel = self.w.connections
        self.qtbot.waitUntil(lambda: panel.send_button.isEnabled(), timeout=WAIT_MS)
        panel.input.setText("")
        self.qtbot.keyClicks(panel.input, text)
        self.qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)


def do_chapter(chapter_id: str, me: Learner) -> None:
    """What each chapter's text tells the learner to do."""
    if chapter_id == "services_ports":
        me.type("Server", "Port", str(free_port()))
        me.activate("Server")
    elif chapter_id == "three_kinds":
        me.connect("ServerSocket1", "ClientSocket1")
        me.select("ServerSocket1")  # the accepted connection shows under the server
        me.qtbot.waitUntil(lambda: me.w.connections.connections.rowCount() == 1, timeout=WAIT_MS)
    elif chapter_id == "host_vs_address":
        me.type("ClientSocket1", "Host", "localhost")
        me.connect("ServerSocket1", "ClientSocket1")
    elif chapter_id == "port_vs_service":
        port = me.ports("Server")
        me.type("Client", "Port", str(free_port()))  # Port points nowhere
        me.type("Client", "Service", str(port))
        me.activate("Server")
        me.activate("Client")
    elif chapter_id == "open_close":
        me.connect("ServerSocket1", "ClientSocket1")
        me.qtbot.waitUntil(lambda: me.w.connections.target() is not None, timeout=WAIT_MS)
        me.deactivate("ClientSocket1")
    elif chapter_id in ("client_events", "server_events"):
        me.connect("ServerSocket1", "ClientSocket1")
    elif chapter_id == "non_blocking":
        me.connect("ServerSocket1", "ClientSocket1")
        me.send_from_connections_panel("ClientSocket1", "more")
    elif chapter_id == "thread_blocking":
        me.ports("ThreadServer", "Client")
        me.type("ThreadServer", "ThreadCacheSize", "1")
        me.activate("ThreadServer")
        server = me.w.engine.component(me.select("ThreadServer"))
        me.activate("Client")
        me.qtbot.waitUntil(lambda: server.socket.active_connections == 1, timeout=WAIT_MS)
        me.deactivate("Client")
        me.qtbot.waitUntil(lambda: server.socket.active_connections == 0 and server.socket.idle_threads == 1,
                           timeout=WAIT_MS)
        me.activate("Client")
    elif chapter_id == "socket_stream":
        me.connect("EchoServer", "BlockingClient", "NonBlockingClient")
    elif chapter_id == "error_code":
        me.type("Client", "Port", str(free_port()))
        me.bind("Client", "OnError", "Suppress error (ErrorCode := 0)")
        me.click_active("Client")
    elif chapter_id == "send_stream":
        me.connect("FileServer", "Downloader")
    else:
        raise AssertionError(f"the test does not know chapter {chapter_id!r}")


def wait_done(qtbot, tour: TourPanel) -> None:
    try:
        qtbot.waitUntil(lambda: tour.result is not None and tour.result.done, timeout=WAIT_MS)
    except Exception:
        seen = [(r.component, r.event, r.connection_id) for r in tour.records_since_open()]
        raise AssertionError(f"{tour.chapter().id}: {tour.result}; records {seen}") from None


def test_help_menu_opens_the_tour_on_its_first_chapter(window, qtbot):
    titles = [a.text() for a in window.help_menu.actions()]
    assert window.tour_action.text() in titles
    window.tour_action.trigger()
    tour = window.tour
    assert isinstance(tour, TourPanel) and window.tour_dock.isVisible()
    assert tour.index == 0 and window.windowTitle().startswith("Socket Workbench - Untitled (from Services and ports)")
    assert tour.chooser.count() == len(load_chapters()) == 12
    assert not tour.result.done and tour.status.text().startswith("Waiting for: OnListen")
    assert not tour.next_button.isEnabled()


def test_walk_every_chapter_through_the_widgets(window, qtbot):
    window.tour_action.trigger()
    tour = window.tour
    me = Learner(window, qtbot)
    done: list[str] = []
    tour.chapterDone.connect(done.append)
    for i, chapter in enumerate(tour.chapters):
        if i:
            assert tour.next_button.isEnabled()
            qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        assert tour.index == i
        assert window.model.path is None  # an untitled copy
        selected = window.model.current()
        assert selected is not None and selected.name == chapter.component  # highlighted
        do_chapter(chapter.id, me)
        wait_done(qtbot, tour)
        assert chapter.id in done
        assert tour.status.text().endswith(": " + tour.chapter_text("done"))
        if chapter.id == "client_events":
            assert tour.status.text() == "OnLookup → OnConnecting → OnConnect: the client connection is complete"
    assert done == [c.id for c in tour.chapters]
    assert not tour.next_button.isEnabled()  # the last chapter
    assert window.asked  # the chapters with a unit asked before running it


def test_a_check_does_not_succeed_before_its_events(window, qtbot):
    window.tour_action.trigger()
    tour = window.tour
    me = Learner(window, qtbot)
    ids = [c.id for c in tour.chapters]
    tour.open_chapter(ids.index("client_events"))
    assert not tour.result.done
    assert tour.status.text() == "Waiting for: OnLookup → OnConnecting → OnConnect"
    me.ports("ServerSocket1", "ClientSocket1")
    me.activate("ServerSocket1")  # only the server: the client's events have not happened
    qtbot.waitUntil(lambda: any(r.event == "OnListen" for r in tour.records_since_open()), timeout=WAIT_MS)
    tour.recheck()
    assert not tour.result.done and not tour.next_button.isEnabled()

    # the thread cache chapter with the cache left at 0: every connection gets a new thread
    tour.open_chapter(ids.index("thread_blocking"))
    me.ports("ThreadServer", "Client")
    me.activate("ThreadServer")
    server = window.engine.component(me.select("ThreadServer"))
    for _ in range(2):
        me.activate("Client")
        qtbot.waitUntil(lambda: server.socket.active_connections == 1, timeout=WAIT_MS)
        me.deactivate("Client")
        qtbot.waitUntil(lambda: server.socket.active_connections == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: sum(r.event == "OnThreadEnd" for r in tour.records_since_open()) >= 2, timeout=WAIT_MS)
    tour.recheck()
    assert not tour.result.done and "ThreadReused" in tour.result.missing

    # OnError not bound to ErrorCode := 0: the error happens, but is not handled
    tour.open_chapter(ids.index("error_code"))
    me.type("Client", "Port", str(free_port()))
    me.click_active("Client")
    qtbot.waitUntil(lambda: any(r.event == "OnDisconnect" for r in tour.records_since_open()), timeout=WAIT_MS)
    tour.recheck()
    assert not tour.result.done and tour.result.missing == () and tour.result.unbound == "suppress"
    assert tour.status.text() == "Bind OnError to “Suppress error (ErrorCode := 0)” on the Events tab."


def test_the_tour_speaks_the_ui_language_and_follows_a_switch(window, qtbot):
    locale = QLocale()
    window.tour_action.trigger()
    tour = window.tour
    zh = load_texts("zh_CN")
    try:
        window.set_language("zh_CN")  # View > Language, at run time
        first = tour.chapters[0]
        # on the LanguageChange Qt sends
        qtbot.waitUntil(lambda: tour.body.toPlainText().startswith(zh[first.id]["body"]), timeout=WAIT_MS)
        assert tour.chooser.itemText(0) == "1. " + zh[first.id]["title"]
        window.set_language("en")
        qtbot.waitUntil(lambda: tour.body.toPlainText().startswith(load_texts("en")[first.id]["body"]),
                        timeout=WAIT_MS)
    finally:
        install("en")
        QLocale.setDefault(locale)


def test_a_damaged_chapters_file_is_reported_not_raised(window, qtbot, monkeypatch, tmp_path):
    import functools

    import ui.tour

    bad = tmp_path / "chapters.toml"
    bad.write_text("[[chapter]]\nid = 'x'\n", encoding="utf-8")
    monkeypatch.setattr(ui.tour, "load_chapters", functools.partial(load_chapters, bad))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    assert window.open_tour() is None
    assert shown and "no 'form'" in shown[0] and window.tour is None


#: what the chapters name as the log and the VCL do: a host name the learner types, the
#: VCL's methods (Open, Close), its error type, and log records that are no VCL events
NAMES_IN_CHAPTERS = {"localhost", "Open", "Close", "ErrorEvent", THREAD_REUSED, RECEIVE}


def test_the_tour_panel_is_chinese_under_zh_cn(chinese_window, qtbot):  # noqa: F811 - the fixture
    """Every text the tour shows under zh_CN, its own widgets' and its chapters', holds no
    Latin words other than the VCL identifiers (the panel's strings reach the .ts when the
    translations are updated after a merge)."""
    if "<name>TourPanel</name>" not in ts_path("zh_CN").read_text(encoding="utf-8"):
        pytest.skip("the tour's strings are not in the .ts yet: `python -m app.qt.translations update` "
                    "after the merge brings them (from /work/notes/zh/tour.tsv)")
    w = chinese_window
    tour = w.open_tour()
    assert tour is not None
    left = untranslated([("dock", w.tour_dock.windowTitle())], w)
    for i in range(len(tour.chapters)):
        assert tour.open_chapter(i)  # the form's component names are names, as in the text
        texts = [*widget_texts(tour), ("text", tour.body.toPlainText()), ("status", tour.status.text())]
        left += [(where, text, words) for where, text, words in untranslated(texts, w)
                 if set(words) - NAMES_IN_CHAPTERS]
    assert left == [], "\n".join(map(str, left))

"""The Object Inspector, driven through its real views, delegates and editors.

Property and event rows are compared with the component metadata; edits go through
the editors the delegate opens, and the locked-while-active and runtime-value tests
run a real ServerSocket on 127.0.0.1 under a real EngineHost.
"""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QPalette
from PySide6.QtWidgets import QFileDialog, QStyle, QStyleOptionViewItem

from app.core.form_document import HandlerBinding
from components import ClientSocket, ServerSocket, component_classes
from components.component import _REGISTRY
from components.metadata import KIND_INT, NOTIFY, Event, Published, RuntimeInfo
from ui.object_inspector import EventTableModel, ObjectInspector, PropertyTableModel
from ui.property_editors import (
    BindingEditor,
    CheckedLineEditor,
    ChoiceEditor,
    IntEditor,
    SuggestionEditor,
)

# What the offscreen platform cannot do (size hints, raising and grabbing for completer pop-ups).
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)")

BOLD = Qt.ItemDataRole.FontRole
CHECK = Qt.ItemDataRole.CheckStateRole


def expected_rows(cls) -> list[str]:
    """The IDE's order: published properties alphabetically, then runtime ones alphabetically."""
    specs = cls.properties()
    published = sorted((p.vcl_name for p in specs if not p.runtime), key=str.casefold)
    runtime = sorted((p.vcl_name for p in specs if p.runtime), key=str.casefold)
    return published + runtime


@pytest.fixture
def inspector_of(qtbot, inspector_form):
    """inspector_of(engine=None) -> a shown ObjectInspector over ``inspector_form``."""
    def make(engine=None) -> ObjectInspector:
        inspector = ObjectInspector(inspector_form, engine)
        qtbot.addWidget(inspector)
        inspector.resize(360, 600)
        inspector.show()
        qtbot.waitExposed(inspector)
        return inspector

    return make


def value_index(inspector: ObjectInspector, vcl_name: str):
    model = inspector.property_model
    row = model.row_of(vcl_name)
    assert row >= 0, vcl_name
    return model.index(row, 1)


def open_editor(view, index):
    view.setFocus()
    view.setCurrentIndex(index)
    view.edit(index.siblingAtColumn(0))  # the name cell opens the value editor
    editor = view.indexWidget(index)
    assert editor is not None
    return editor


def commit_with_enter(qtbot, view, index, widget):
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)


def type_into(qtbot, line_edit, text: str) -> None:
    line_edit.selectAll()
    qtbot.keyClick(line_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line_edit, text)


# -- rows come from the metadata -------------------------------------------------------
@pytest.mark.parametrize("cls", [ServerSocket, ClientSocket])
def test_rows_are_the_metadata_in_ide_order(inspector_form, inspector_of, cls):
    uid = inspector_form.add_component(cls.__name__, 8, 8)
    inspector = inspector_of()
    props = inspector.property_model
    assert inspector.current_uid() == uid
    assert [props.index(r, 0).data() for r in range(props.rowCount())] == expected_rows(cls)
    events = inspector.event_model
    assert ([events.index(r, 0).data() for r in range(events.rowCount())]
            == sorted((e.vcl_name for e in cls.events()), key=str.casefold))
    for row in range(props.rowCount()):
        spec = props.spec(row)
        flags = props.flags(props.index(row, 1))
        editable = bool(flags & (Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable))
        assert editable is not spec.runtime, spec.vcl_name
        if spec.runtime:
            assert props.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed


def test_a_newly_declared_property_and_event_appear_without_touching_ui(
        monkeypatch, inspector_form, inspector_of):
    class GadgetSocket(ServerSocket):
        vcl_class = "TGadgetSocket"
        backlog = Published("Backlog", int, 128, minimum=1, maximum=4096, description="Queue length.")
        bytes_in = RuntimeInfo("BytesIn", int, lambda s: 0)
        on_beep = Event("OnBeep", NOTIFY, "Beeps.")

    # registered for this test only: the registry entry is removed again afterwards
    monkeypatch.setitem(_REGISTRY, "GadgetSocket", GadgetSocket)
    assert "GadgetSocket" in component_classes()
    inspector_form.add_component("GadgetSocket", 0, 0)
    inspector = inspector_of()
    rows = [inspector.property_model.index(r, 0).data() for r in range(inspector.property_model.rowCount())]
    assert rows == expected_rows(GadgetSocket)
    assert "Backlog" in rows and rows.index("BytesIn") > rows.index("Backlog")
    assert inspector.event_model.row_of("OnBeep") >= 0
    assert inspector.chooser.currentText() == "GadgetSocket1: TGadgetSocket"
    editor = open_editor(inspector.property_view, value_index(inspector, "Backlog"))
    assert isinstance(editor, IntEditor) and (editor.minimum(), editor.maximum()) == (1, 4096)


# -- models pass qtmodeltester -----------------------------------------------------------------
@pytest.mark.parametrize("force_py", [True, False], ids=["py-tester", "qt-tester"])
@pytest.mark.parametrize("model_class", [PropertyTableModel, EventTableModel])
def test_models_pass_modeltester(qtmodeltester, inspector_form, model_class, force_py):
    server = inspector_form.add_component("ServerSocket", 0, 0)
    client = inspector_form.add_component("ClientSocket", 80, 0)
    model = model_class(inspector_form)
    model.set_component(server)
    # one tester per model: it stays connected and re-checks the model on every signal below
    qtmodeltester.check(model, force_py=force_py)
    inspector_form.set_property(server, "Port", 8080)
    inspector_form.set_property(server, "Address", "127.0.0.1")
    inspector_form.set_property(server, "ServerType", "stThreadBlocking")
    inspector_form.set_binding(server, "OnClientRead", HandlerBinding(action="echo"))
    inspector_form.set_binding(server, "OnListen", HandlerBinding(handler="ServerSocket1Listen"))
    inspector_form.rename_component(server, "EchoServer")
    inspector_form.undo_stack.undo()
    for uid in (client, 0, server):
        model.set_component(uid)
    inspector_form.remove_components([server])
    model.set_component(None)
    assert model.rowCount() == 0


# -- editing properties -----------------------------------------------------------------------
def test_edit_port_through_the_delegate_bolds_and_undo_restores(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Port")
    assert not (index.data(BOLD) and index.data(BOLD).bold())
    editor = open_editor(view, index)
    assert isinstance(editor, IntEditor)
    assert (editor.minimum(), editor.maximum()) == (0, 65535)
    type_into(qtbot, editor, "8080")
    commit_with_enter(qtbot, view, index, editor)
    assert inspector_form.entry(uid).value("Port") == 8080
    assert index.data() == "8080"
    assert index.data(BOLD).bold()
    assert inspector.message_text() == ""
    inspector_form.undo_stack.undo()
    assert inspector_form.entry(uid).value("Port") == 0
    assert index.data() == "0"
    assert index.data(BOLD) is None
    inspector_form.undo_stack.redo()
    assert index.data() == "8080" and index.data(BOLD).bold()


def numeric_specs():
    """Every published whole-number property of every component, from the metadata."""
    return [(cls, spec) for cls in (ServerSocket, ClientSocket) for spec in cls.properties()
            if spec.kind == KIND_INT and not spec.runtime]


@pytest.mark.parametrize(("cls", "spec"), numeric_specs(),
                         ids=[f"{cls.__name__}.{spec.vcl_name}" for cls, spec in numeric_specs()])
def test_out_of_range_numbers_are_refused_with_the_reason_not_truncated(qtbot, inspector_form,
                                                                       inspector_of, cls, spec):
    uid = inspector_form.add_component(cls.__name__, 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, spec.vcl_name)
    before = inspector_form.entry(uid).value(spec.vcl_name)
    too_big, too_small = spec.maximum + 1, spec.minimum - 1
    extra = [99999, 70000] if spec.vcl_name == "Port" else []
    for typed in [too_big, too_small, *extra]:
        editor = open_editor(view, index)
        type_into(qtbot, editor, str(typed))
        assert editor.text() == str(typed)  # every digit kept
        reason = f"{spec.vcl_name} must be between {spec.minimum} and {spec.maximum}, not {typed}"
        assert inspector.message_text() == reason  # said while typing
        commit_with_enter(qtbot, view, index, editor)
        assert inspector.message_text() == reason  # and when the edit is refused
        assert inspector_form.entry(uid).value(spec.vcl_name) == before
    assert inspector_form.undo_stack.count() == 1  # only the Add
    editor = open_editor(view, index)
    type_into(qtbot, editor, "12x")
    assert "must be a whole number" in inspector.message_text()
    type_into(qtbot, editor, str(spec.maximum - 1))
    assert inspector.message_text() == ""
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    qtbot.keyClick(editor, Qt.Key.Key_Up)  # stepping stops at the maximum
    assert editor.text() == str(spec.maximum)
    commit_with_enter(qtbot, view, index, editor)
    assert inspector_form.entry(uid).value(spec.vcl_name) == spec.maximum
    assert inspector.message_text() == ""


def shown_option(view, index) -> QStyleOptionViewItem:
    """What the delegate paints in a cell: its text, font and palette."""
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    return option


def test_an_empty_server_address_says_it_means_all_interfaces(qtbot, inspector_form, inspector_of):
    server = inspector_form.add_component("ServerSocket", 0, 0)
    client = inspector_form.add_component("ClientSocket", 80, 0)
    hint = ServerSocket.property_spec("Address").empty_hint
    assert hint == "all interfaces (IPv4 and IPv6)"
    inspector_form.set_selection([server])
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Address")
    option = shown_option(view, index)
    assert index.data() == ""  # the value itself stays empty; only the cell says what it means
    assert option.text == hint and option.font.italic()
    assert index.data(Qt.ItemDataRole.ToolTipRole) == hint  # in full, where the cell is too narrow
    grey = option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
    assert option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text) == grey
    editor = open_editor(view, index)
    assert editor.placeholderText() == hint
    type_into(qtbot, editor, "127.0.0.1")
    commit_with_enter(qtbot, view, index, editor)
    option = shown_option(view, index)
    assert option.text == "127.0.0.1" and not option.font.italic()
    assert option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text) != grey
    inspector_form.set_selection([client])  # a client's empty Address means nothing of the kind
    assert shown_option(view, value_index(inspector, "Address")).text == ""
    assert shown_option(view, value_index(inspector, "Host")).text == ""


def test_escape_cancels_an_edit(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Tag")
    editor = open_editor(view, index)
    type_into(qtbot, editor, "42")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    assert inspector_form.entry(uid).value("Tag") == 0
    assert inspector_form.undo_stack.count() == 1  # only the Add


def test_bool_is_a_check_box_toggled_by_a_click(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ClientSocket", 0, 0)
    inspector = inspector_of()  # no engine: Active is only a document value here
    view, index = inspector.property_view, value_index(inspector, "Active")
    assert index.data() == "False" and index.data(CHECK) == Qt.CheckState.Unchecked
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert inspector_form.entry(uid).value("Active") is True
    assert index.data(CHECK) == Qt.CheckState.Checked and index.data(BOLD).bold()
    qtbot.keyClick(view, Qt.Key.Key_Space)  # Space toggles the current row's box too
    assert index.data(CHECK) == Qt.CheckState.Unchecked
    assert inspector_form.undo_stack.count() == 1  # only the Add: Active is no edit


def test_enum_editor_commits_when_picked(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ClientSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "ClientType")
    editor = open_editor(view, index)
    assert isinstance(editor, ChoiceEditor)
    spec = ClientSocket.property_spec("ClientType")
    assert [editor.itemText(i) for i in range(editor.count())] == list(spec.choices)
    editor.setCurrentIndex(editor.findText("ctBlocking"))
    editor.activated.emit(editor.currentIndex())  # what a pick in the pop-up does
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    assert inspector_form.entry(uid).value("ClientType").vcl_name == "ctBlocking"
    assert index.data() == "ctBlocking" and index.data(BOLD).bold()


def test_invalid_host_is_refused_with_a_message(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ClientSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Host")
    editor = open_editor(view, index)
    assert isinstance(editor, CheckedLineEditor)
    type_into(qtbot, editor, "300.1.1.1")
    assert "not an IPv4 address" in inspector.message_text()  # said while typing
    commit_with_enter(qtbot, view, index, editor)
    assert "not an IPv4 address" in inspector.message_text()  # and again when refused
    assert inspector_form.entry(uid).value("Host") == ""
    assert inspector_form.undo_stack.count() == 1
    for good in ("192.168.1.10", "::1", "device-7.example.net"):
        editor = open_editor(view, index)
        type_into(qtbot, editor, good)
        commit_with_enter(qtbot, view, index, editor)
        assert inspector_form.entry(uid).value("Host") == good
        assert inspector.message_text() == ""


def test_service_editor_offers_known_services(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Service")
    editor = open_editor(view, index)
    assert isinstance(editor, SuggestionEditor)
    offered = {editor.itemText(i) for i in range(editor.count())}
    assert {"http", "echo", "ssh"} <= offered
    assert editor.completer() is not None
    type_into(qtbot, editor.lineEdit(), "bad name!")
    commit_with_enter(qtbot, view, index, editor)
    assert "is not a service name" in inspector.message_text()
    assert inspector_form.entry(uid).value("Service") == ""
    editor = open_editor(view, index)
    type_into(qtbot, editor.lineEdit(), "echo")
    commit_with_enter(qtbot, view, index, editor)
    assert inspector_form.entry(uid).value("Service") == "echo"


def test_encoding_editor(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Encoding")
    editor = open_editor(view, index)
    assert {"utf-8", "gbk", "cp1251", "cp1252", "latin-1", "shift_jis", "big5"} <= {
        editor.itemText(i) for i in range(editor.count())}
    assert editor.currentText() == "utf-8"
    type_into(qtbot, editor.lineEdit(), "klingon")
    commit_with_enter(qtbot, view, index, editor)
    assert "not a known text encoding" in inspector.message_text()
    editor = open_editor(view, index)
    type_into(qtbot, editor.lineEdit(), "cp1251")
    commit_with_enter(qtbot, view, index, editor)
    assert inspector_form.entry(uid).value("Encoding") == "cp1251"
    assert index.data(BOLD).bold()


def test_rename_updates_the_chooser_and_refuses_bad_names(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector_form.add_component("ClientSocket", 80, 0)
    inspector_form.set_selection([uid])
    inspector = inspector_of()
    view, index = inspector.property_view, value_index(inspector, "Name")
    for bad, reason in (("1st", "not a valid component name"), ("ClientSocket1", "already exists")):
        editor = open_editor(view, index)
        type_into(qtbot, editor, bad)
        commit_with_enter(qtbot, view, index, editor)
        assert reason in inspector.message_text()
        assert inspector_form.entry(uid).name == "ServerSocket1"
    editor = open_editor(view, index)
    type_into(qtbot, editor, "EchoServer")
    commit_with_enter(qtbot, view, index, editor)
    assert inspector_form.entry(uid).name == "EchoServer"
    assert inspector.chooser.currentText() == "EchoServer: TServerSocket"
    assert inspector.message_text() == ""


# -- a live server: locks and runtime values ---------------------------------------------------
def test_active_server_locks_port_and_shows_runtime_values(qtbot, inspector_form, inspector_engine,
                                                           inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector_form.set_property(uid, "Address", "127.0.0.1")
    inspector = inspector_of(inspector_engine)
    props, view = inspector.property_model, inspector.property_view
    assert props.setData(value_index(inspector, "Active"), Qt.CheckState.Checked.value, CHECK)
    server = inspector_engine.component(uid)
    qtbot.waitUntil(lambda: server.active and server.socket.local_port > 0, timeout=3000)

    local_port = value_index(inspector, "LocalPort")
    qtbot.waitUntil(lambda: local_port.data() == str(server.socket.local_port), timeout=2000)
    assert local_port.data() != "0"
    assert not props.flags(local_port) & (Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
    assert not props.setData(local_port, 1234)

    port = value_index(inspector, "Port")
    assert "Can't change Port" in (port.data(Qt.ItemDataRole.ToolTipRole) or "")
    editor = open_editor(view, port)
    type_into(qtbot, editor, "9999")
    commit_with_enter(qtbot, view, port, editor)
    assert inspector.message_text() == ("Can't change Port while ServerSocket1 is active: "
                                        "set Active to False first")
    assert inspector_form.entry(uid).value("Port") == 0
    assert port.data() == "0"

    connections = value_index(inspector, "ActiveConnections")
    assert connections.data() == "0"
    with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=3):
        qtbot.waitUntil(lambda: connections.data() == "1", timeout=3000)
    qtbot.waitUntil(lambda: connections.data() == "0", timeout=3000)

    assert props.setData(value_index(inspector, "Active"), Qt.CheckState.Unchecked.value, CHECK)
    qtbot.waitUntil(lambda: not server.active, timeout=3000)
    qtbot.waitUntil(lambda: local_port.data() == "0", timeout=2000)
    assert "Can't change" not in (port.data(Qt.ItemDataRole.ToolTipRole) or "")


def test_a_failed_open_is_explained_and_active_stays_false(qtbot, inspector_form, inspector_engine,
                                                           inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        inspector_form.set_property(uid, "Address", "127.0.0.1")
        inspector_form.set_property(uid, "Port", taken.getsockname()[1])
        inspector = inspector_of(inspector_engine)
        active = value_index(inspector, "Active")
        inspector.property_model.setData(active, Qt.CheckState.Checked.value, CHECK)
        qtbot.waitUntil(lambda: inspector.message_text() != "", timeout=3000)
        qtbot.waitUntil(lambda: active.data(CHECK) == Qt.CheckState.Unchecked, timeout=3000)
    assert "in use" in inspector.message_text().lower() or "10048" in inspector.message_text()
    assert inspector_form.entry(uid).value("Active") is False


def test_live_updates_run_only_while_visible(qtbot, inspector_form, inspector_engine, inspector_of):
    inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of(inspector_engine)
    assert inspector.live_updating()
    inspector.hide()
    assert not inspector.live_updating()
    inspector.show()
    assert inspector.live_updating()
    inspector_form.set_selection([])
    assert not inspector.live_updating()


# -- events -------------------------------------------------------------------------------------
def open_binding_editor(qtbot, inspector, event: str) -> tuple[BindingEditor, object]:
    inspector.tabs.setCurrentWidget(inspector.event_view)
    index = inspector.event_model.index(inspector.event_model.row_of(event), 1)
    editor = open_editor(inspector.event_view, index)
    assert isinstance(editor, BindingEditor)
    return editor, index


def pick(editor: BindingEditor, title: str) -> None:
    i = editor.combo.findText(title)
    assert i >= 0, title
    editor.combo.setCurrentIndex(i)
    editor.combo.activated.emit(i)


def test_events_bind_built_in_actions(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    view = inspector.event_view

    editor, read = open_binding_editor(qtbot, inspector, "OnClientRead")
    titles = [editor.combo.itemText(i) for i in range(editor.combo.count())]
    assert titles[0] == "(none)" and "Echo back" in titles
    assert not editor.argument.isVisibleTo(editor)
    pick(editor, "Echo back")  # no argument: picking commits
    qtbot.waitUntil(lambda: view.indexWidget(read) is None, timeout=2000)
    assert inspector_form.entry(uid).events["OnClientRead"] == HandlerBinding(action="echo")
    assert read.data() == "Echo back"

    editor, connect = open_binding_editor(qtbot, inspector, "OnClientConnect")
    assert "Echo back" not in [editor.combo.itemText(i) for i in range(editor.combo.count())]
    pick(editor, "Reply with text")
    assert editor.argument.isVisibleTo(editor) and not editor.browse.isVisibleTo(editor)
    assert editor.argument_label.text() == "Text:"
    assert view.indexWidget(connect) is editor  # still open: waiting for the text
    qtbot.keyClicks(editor.argument, r"hi\r\n")
    commit_with_enter(qtbot, view, connect, editor.argument)
    assert inspector_form.entry(uid).events["OnClientConnect"] == HandlerBinding(
        action="reply_text", argument=r"hi\r\n")
    assert connect.data() == r"Reply with text: hi\r\n"

    editor, read = open_binding_editor(qtbot, inspector, "OnClientRead")
    pick(editor, "Reply with hex")
    qtbot.keyClicks(editor.argument, "48 6G")
    assert "not a hex digit" in inspector.message_text()
    commit_with_enter(qtbot, view, read, editor.argument)
    assert "OnClientRead" in inspector.message_text() and "not a hex digit" in inspector.message_text()
    assert inspector_form.entry(uid).events["OnClientRead"] == HandlerBinding(action="echo")

    editor, read = open_binding_editor(qtbot, inspector, "OnClientRead")
    pick(editor, "(none)")
    qtbot.waitUntil(lambda: view.indexWidget(read) is None, timeout=2000)
    assert "OnClientRead" not in inspector_form.entry(uid).events
    assert read.data() == ""
    inspector_form.undo_stack.undo()
    assert read.data() == "Echo back"


def test_one_click_on_a_handler_cell_opens_the_list(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    inspector.tabs.setCurrentWidget(inspector.event_view)
    view, model = inspector.event_view, inspector.event_model
    view.setCurrentIndex(model.index(0, 0))
    index = model.index(model.row_of("OnClientRead"), 1)
    assert view.currentIndex().row() != index.row()  # a row that is not selected yet
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: isinstance(view.indexWidget(index), BindingEditor)
                    and view.indexWidget(index).combo.view().isVisible(), timeout=2000)
    editor = view.indexWidget(index)
    # the second click picks from the open list, and that binds the event
    popup = editor.combo.view()
    row = editor.combo.findText("Echo back")
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton,
                     pos=popup.visualRect(popup.model().index(row, 0)).center())
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    assert inspector_form.entry(uid).events["OnClientRead"] == HandlerBinding(action="echo")


def test_send_file_argument_can_be_browsed(qtbot, monkeypatch, tmp_path, inspector_form, inspector_of):
    uid = inspector_form.add_component("ClientSocket", 0, 0)
    payload = tmp_path / "hello.bin"
    payload.write_bytes(b"hello")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (str(payload), ""))
    inspector = inspector_of()
    editor, index = open_binding_editor(qtbot, inspector, "OnConnect")
    pick(editor, "Send file")
    assert editor.browse.isVisibleTo(editor)
    assert "needs the path" in inspector.message_text()  # an empty path is not yet acceptable
    qtbot.mouseClick(editor.browse, Qt.MouseButton.LeftButton)
    assert editor.argument.text() == str(payload)
    assert inspector.message_text() == ""
    commit_with_enter(qtbot, inspector.event_view, index, editor.argument)
    assert inspector_form.entry(uid).events["OnConnect"] == HandlerBinding(
        action="send_file", argument=str(payload))


def test_unit_functions_are_shown_and_double_click_asks_for_them(qtbot, inspector_form, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    inspector_form.set_binding(uid, "OnClientRead", HandlerBinding(handler="ServerSocket1ClientRead"))
    inspector = inspector_of()
    inspector.tabs.setCurrentWidget(inspector.event_view)
    view, model = inspector.event_view, inspector.event_model
    index = model.index(model.row_of("OnClientRead"), 1)
    assert index.data() == "ServerSocket1ClientRead"
    with qtbot.waitSignal(inspector.eventActivated, timeout=1000) as blocker:
        rect = view.visualRect(index.siblingAtColumn(0))  # the event's name; a click on the handler opens the list
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [uid, "OnClientRead"]
    assert view.indexWidget(index) is None
    editor = open_editor(view, index)
    assert isinstance(editor, BindingEditor)
    assert editor.combo.currentText() == "ServerSocket1ClientRead"  # kept unless another is picked
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    assert inspector_form.entry(uid).events["OnClientRead"].handler == "ServerSocket1ClientRead"


# -- chooser and help ---------------------------------------------------------------------------
def test_chooser_lists_components_and_follows_selection(qtbot, inspector_form, inspector_of):
    server = inspector_form.add_component("ServerSocket", 0, 0)
    client = inspector_form.add_component("ClientSocket", 80, 0)
    inspector = inspector_of()
    chooser = inspector.chooser
    assert [chooser.itemText(i) for i in range(chooser.count())] == [
        "ClientSocket1: TClientSocket", "ServerSocket1: TServerSocket"]
    assert chooser.currentText() == "ClientSocket1: TClientSocket"  # the last added is selected
    inspector_form.set_selection([server, client])
    assert chooser.currentText() == "ServerSocket1: TServerSocket"  # the first of a multi-selection
    assert inspector.property_model.row_of("ServerType") >= 0
    chooser.setCurrentIndex(0)
    chooser.activated.emit(0)
    assert inspector_form.selection() == [client]
    assert inspector.property_model.row_of("Host") >= 0
    inspector_form.remove_components([client])
    assert [chooser.itemText(i) for i in range(chooser.count())] == ["ServerSocket1: TServerSocket"]
    assert inspector.current_uid() == 0 and inspector.property_model.rowCount() == 0
    inspector_form.new()
    assert chooser.count() == 0


def test_help_shows_the_description_of_the_current_row(qtbot, inspector_form, inspector_of):
    inspector_form.add_component("ServerSocket", 0, 0)
    inspector = inspector_of()
    inspector.property_view.setCurrentIndex(value_index(inspector, "ThreadCacheSize").siblingAtColumn(0))
    assert ServerSocket.property_spec("ThreadCacheSize").description in inspector.help.text()
    inspector.tabs.setCurrentWidget(inspector.event_view)
    model = inspector.event_model
    inspector.event_view.setCurrentIndex(model.index(model.row_of("OnClientRead"), 0))
    assert ServerSocket.event_spec("OnClientRead").description in inspector.help.text()


# -- screenshots --------------------------------------------------------------------------------
def test_screenshots(qtbot, inspector_form, inspector_engine, inspector_of):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    for name, value in (("Address", "127.0.0.1"), ("ThreadCacheSize", 4), ("Encoding", "cp1251"),
                        ("Tag", 7)):
        inspector_form.set_property(uid, name, value)
    inspector_form.set_binding(uid, "OnClientRead", HandlerBinding(action="echo"))
    inspector_form.set_binding(uid, "OnClientConnect", HandlerBinding(action="reply_text",
                                                                      argument=r"Hello\r\n"))
    inspector_form.set_binding(uid, "OnClientError", HandlerBinding(action="suppress"))
    inspector_form.set_binding(uid, "OnListen", HandlerBinding(handler="ServerSocket1Listen"))
    inspector = inspector_of(inspector_engine)
    assert QFontMetrics(inspector.font()).inFont("H") and QFontInfo(inspector.font()).family()
    inspector_engine.set_active(uid, True)
    server = inspector_engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.local_port > 0, timeout=3000)
    with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=3):
        qtbot.waitUntil(lambda: value_index(inspector, "ActiveConnections").data() == "1", timeout=3000)
        inspector.property_view.setCurrentIndex(value_index(inspector, "Port").siblingAtColumn(0))
        editor = open_editor(inspector.property_view, value_index(inspector, "Port"))
        type_into(qtbot, editor, "8080")
        commit_with_enter(qtbot, inspector.property_view, value_index(inspector, "Port"), editor)
        assert inspector.message_text()
        inspector.layout().activate()
        assert inspector.grab().save("/tmp/inspector.png")
        editor, _index = open_binding_editor(qtbot, inspector, "OnClientConnect")
        inspector.layout().activate()
        assert inspector.grab().save("/tmp/inspector_events.png")
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    inspector_engine.set_active(uid, False)
    qtbot.waitUntil(lambda: not server.active, timeout=3000)


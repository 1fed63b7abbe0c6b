"""The rule editor, driven through its real table, delegates, buttons and test box; and the
whole path end to end: Framing and a rule set through the inspector's and the rule editor's
real editors, a ServerSocket activated, a real client socket answered."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox, QSpinBox

from app.core.form_document import HandlerBinding
from app.core.rules import Rule
from ui.object_inspector import ObjectInspector
from ui.rule_editor import CLOSE, DELAY, MATCH, NAME, PATTERN, REPLY, RuleEditor, RuleTableModel

from . import test_object_inspector
from .test_object_inspector import (
    commit_with_enter,
    open_binding_editor,
    open_editor,
    pick,
    type_into,
    value_index,
)

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard|activateWindow\(\))")

SHOTS = Path("/work/notes/shots/rules")
inspector_of = test_object_inspector.inspector_of  # a fixture: a shown ObjectInspector
PING = Rule("regex", r"^PING (\d+)$", "PONG {1}", name="ping")
MODBUS = Rule("hex", "?? ?? 00 00 00 06 ?? 03 *", r"{0[0:4]}{0[6:7]}\x03\x02\x00\x2A")


def server_with_rules(form, *rules: Rule, framing: str | None = None) -> int:
    uid = form.add_component("ServerSocket", 0, 0)
    if framing is not None:
        spec = form.entry(uid).cls.framing.spec
        form.set_property(uid, spec.vcl_name, framing)
    read = read_event(form, uid)
    form.set_binding(uid, read, HandlerBinding(action="rules", rules=rules))
    return uid


def read_event(form, uid: int) -> str:
    """The server's read event, from the metadata (the one that carries data with a connection)."""
    cls = form.entry(uid).cls
    return next(e.vcl_name for e in cls.events() if e.carries_data and e.has_connection)


@pytest.fixture
def rule_editor(qtbot, inspector_form):
    def make(*rules: Rule, framing: str | None = "line") -> RuleEditor:
        uid = server_with_rules(inspector_form, *rules, framing=framing)
        editor = RuleEditor(inspector_form, uid, read_event(inspector_form, uid))
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitExposed(editor)
        return editor

    return make


def edit_cell(qtbot, editor: RuleEditor, row: int, column: int, text: str, commit: bool = True) -> QLineEdit:
    index = editor.model.index(row, column)
    editor.table.setFocus()
    editor.table.setCurrentIndex(index)
    editor.table.edit(index)
    line = editor.table.indexWidget(index)
    assert isinstance(line, QLineEdit)
    type_into(qtbot, line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    if commit:
        qtbot.waitUntil(lambda: editor.table.indexWidget(index) is None, timeout=2000)
    return line


def pick_match(qtbot, editor: RuleEditor, row: int, kind: str) -> None:
    index = editor.model.index(row, MATCH)
    editor.table.setCurrentIndex(index)
    editor.table.edit(index)
    combo = editor.table.indexWidget(index)
    assert isinstance(combo, QComboBox)
    i = combo.findText(kind)
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    qtbot.waitUntil(lambda: editor.table.indexWidget(index) is None, timeout=2000)


def test_the_rule_model_passes_qtmodeltester(qtmodeltester, inspector_form):
    uid = server_with_rules(inspector_form, PING, MODBUS, Rule("any", "", "ERR", delay_ms=5, close=True))
    model = RuleTableModel(inspector_form, uid, read_event(inspector_form, uid))
    qtmodeltester.check(model, force_py=True)
    assert model.index(2, CLOSE).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.index(2, DELAY).data() == "5" and model.index(2, PATTERN).data() == ""


def test_each_edit_is_one_undo_step_and_bad_patterns_are_refused_with_the_position(qtbot, inspector_form,
                                                                                   rule_editor):
    editor = rule_editor(PING)
    stack = inspector_form.undo_stack
    uid, event = editor.uid, editor.event_name

    def rules():
        return inspector_form.entry(uid).events[event].rules

    steps = stack.count()
    editor.select_row(0)
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert len(rules()) == 2 and stack.count() == steps + 1 and editor.current_row() == 1
    pick_match(qtbot, editor, 1, "regex")
    assert rules()[1].match == "regex" and stack.count() == steps + 2

    line = edit_cell(qtbot, editor, 1, PATTERN, "^TIME (x", commit=False)  # Enter keeps it open
    assert editor.message_text() == "rule 2, pattern: missing ), unterminated subpattern (at character 7)"
    assert line.cursorPosition() == 6 and editor.table.indexWidget(editor.model.index(1, PATTERN)) is line
    assert rules()[1].pattern == "" and stack.count() == steps + 2
    editor.table.setFocus()  # leaving the cell tries the text: refused, the rule stays as it was
    editor.table.setCurrentIndex(editor.model.index(0, NAME))
    qtbot.waitUntil(lambda: editor.table.indexWidget(editor.model.index(1, PATTERN)) is None, timeout=2000)
    assert rules()[1].pattern == "" and stack.count() == steps + 2
    assert editor.message_text() == "rule 2, pattern: missing ), unterminated subpattern (at character 7)"
    edit_cell(qtbot, editor, 1, PATTERN, "^TIME$")
    line = edit_cell(qtbot, editor, 1, REPLY, "{time:%H}{counter", commit=False)
    assert editor.message_text() == "rule 2, reply: '{' is not closed (at character 10)"
    assert line.cursorPosition() == 9
    type_into(qtbot, line, "T {counter}")
    assert editor.message_text() == ""
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.indexWidget(editor.model.index(1, REPLY)) is None, timeout=2000)
    edit_cell(qtbot, editor, 1, NAME, "time")
    assert editor.message_text() == ""
    assert rules()[1] == Rule("regex", "^TIME$", "T {counter}", name="time")
    assert stack.count() == steps + 5

    delay = editor.model.index(1, DELAY)
    editor.table.setCurrentIndex(delay)
    editor.table.edit(delay)
    spin = editor.table.indexWidget(delay)
    assert isinstance(spin, QSpinBox) and spin.maximum() == 60_000
    spin.setValue(250)
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.indexWidget(delay) is None, timeout=2000)
    assert editor.model.setData(editor.model.index(1, CLOSE), Qt.CheckState.Checked.value,
                                Qt.ItemDataRole.CheckStateRole)
    assert rules()[1].delay_ms == 250 and rules()[1].close and stack.count() == steps + 7

    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)  # the selected rule moves
    assert [r.name for r in rules()] == ["time", "ping"] and editor.current_row() == 0
    assert not editor.up_button.isEnabled() and editor.down_button.isEnabled()
    qtbot.mouseClick(editor.down_button, Qt.MouseButton.LeftButton)
    assert [r.name for r in rules()] == ["ping", "time"]
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert [r.name for r in rules()] == ["ping"] and stack.count() == steps + 10

    editor.undo_action.trigger()  # the dialog's own Undo is the form's
    assert [r.name for r in rules()] == ["ping", "time"] and editor.model.rowCount() == 2
    for _ in range(9):
        stack.undo()
    assert rules() == (PING,) and editor.model.rowCount() == 1


def test_the_test_box_shows_the_answer_and_the_exact_bytes_live(qtbot, inspector_form, rule_editor):
    editor = rule_editor(PING, MODBUS, Rule("exact", r"BYE\r", "ciao {hexframe}", delay_ms=20, close=True))
    qtbot.keyClicks(editor.sample, "PING 7")
    assert editor.verdict.text() == "Rule 1 (ping) answers; 1 byte added by the framing; 7 bytes"
    assert editor.reply_hex.text() == "50 4F 4E 47 20 37 0A"  # PONG 7 and the line framing's LF
    qtbot.keyClick(editor.sample, Qt.Key.Key_Backspace)
    assert editor.verdict.text() == "Unmatched: no rule matches these 5 bytes; nothing is sent"
    assert editor.reply_hex.text() == ""
    editor.sample.setText(r"BYE\r")  # escapes as in Reply with text
    assert editor.verdict.text().startswith("Rule 3 answers; after 20 ms; 1 byte added by the framing; "
                                            "then closes the connection")
    assert editor.reply_hex.text() == "63 69 61 6F 20 34 32 20 35 39 20 34 35 20 30 44 0A"

    qtbot.mouseClick(editor.as_hex, Qt.MouseButton.LeftButton)
    assert editor.verdict.text().startswith("Not answered: the sample:")
    editor.sample.setText("12 34 00 00 00 06 11 03 00 00 00 02")
    assert editor.verdict.text().startswith("Rule 2 answers")
    assert editor.reply_hex.text() == "12 34 00 00 11 03 02 00 2A 0A"

    framing = inspector_form.entry(editor.uid).cls.framing.spec
    inspector_form.set_property(editor.uid, framing.vcl_name, "length:u16be@4")  # the answer follows
    assert editor.reply_hex.text() == "12 34 00 00 00 05 11 03 02 00 2A"
    assert editor.verdict.text() == "Rule 2 answers; 2 bytes added by the framing; 11 bytes"


def test_a_broken_rule_from_a_file_is_shown_and_the_others_stay_editable(qtbot, inspector_form, qtmodeltester):
    uid = inspector_form.add_component("ServerSocket", 0, 0)
    event = read_event(inspector_form, uid)
    broken = Rule("regex", "(", "x")
    inspector_form.entry(uid).events[event] = HandlerBinding(action="rules", rules=(PING, broken))  # as loaded
    watched = RuleTableModel(inspector_form, uid, event)  # outlives the dialog, seeing every edit
    qtmodeltester.check(watched, force_py=True)
    editor = RuleEditor(inspector_form, uid, event)
    qtbot.addWidget(editor)
    editor.show()
    model = editor.model
    assert model.index(1, PATTERN).data(Qt.ItemDataRole.ToolTipRole).startswith("rule 2, pattern: missing )")
    assert model.index(1, PATTERN).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, PATTERN).data(Qt.ItemDataRole.ForegroundRole) is None
    edit_cell(qtbot, editor, 0, REPLY, "PONG {1}!")  # the broken rule does not block this edit
    assert inspector_form.entry(uid).events[event].rules[0].reply == "PONG {1}!"
    editor.sample.setText("PING 1")
    assert editor.verdict.text().startswith("Not answered: rule 2, pattern:")
    edit_cell(qtbot, editor, 1, PATTERN, "(x)")
    assert model.index(1, PATTERN).data(Qt.ItemDataRole.ForegroundRole) is None
    assert editor.verdict.text().startswith("Rule 1 (ping) answers")
    assert watched.rules() == model.rules()


def test_the_inspector_offers_the_rule_editor_and_keeps_the_rules(qtbot, inspector_form, inspector_of):
    uid = server_with_rules(inspector_form, PING)
    event = read_event(inspector_form, uid)
    inspector = inspector_of()
    binding_editor, index = open_binding_editor(qtbot, inspector, event)
    assert index.data() == "Reply rules (1)"
    pick(binding_editor, "Reply rules")  # picked again: the rules stay, the editor opens
    qtbot.waitUntil(lambda: (uid, event) in inspector._rule_editors, timeout=2000)
    dialog = inspector._rule_editors[(uid, event)]
    assert inspector_form.entry(uid).events[event].rules == (PING,)
    assert dialog.windowTitle() == f"Reply rules of {inspector_form.entry(uid).name}.{event}"
    assert inspector.edit_rules(uid, event) is dialog  # one per event
    dialog.close()
    qtbot.waitUntil(lambda: (uid, event) not in inspector._rule_editors, timeout=2000)
    inspector.event_view.doubleClicked.emit(index.siblingAtColumn(0))
    assert (uid, event) in inspector._rule_editors
    inspector._rule_editors[(uid, event)].close()


def test_end_to_end_framing_and_a_rule_through_the_real_editors_answer_a_real_client(
        qtbot, inspector_form, inspector_engine, inspector_of):
    form = inspector_form
    uid = form.add_component("ServerSocket", 0, 0)
    inspector: ObjectInspector = inspector_of(inspector_engine)
    cls = form.entry(uid).cls
    for spec, text in ((cls.address.spec, "127.0.0.1"), (cls.framing.spec, "line")):
        index = value_index(inspector, spec.vcl_name)
        widget = open_editor(inspector.property_view, index)
        line = widget.lineEdit() if isinstance(widget, QComboBox) else widget
        type_into(qtbot, line, text)
        commit_with_enter(qtbot, inspector.property_view, index, line)
        assert form.entry(uid).value(spec.vcl_name) == text

    event = read_event(form, uid)
    binding_editor, _index = open_binding_editor(qtbot, inspector, event)
    pick(binding_editor, "Reply rules")
    qtbot.waitUntil(lambda: (uid, event) in inspector._rule_editors, timeout=2000)
    editor = inspector._rule_editors[(uid, event)]
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    pick_match(qtbot, editor, 0, "regex")
    edit_cell(qtbot, editor, 0, PATTERN, r"^PING (\d+)$")
    edit_cell(qtbot, editor, 0, REPLY, "PONG {1} #{counter}")
    edit_cell(qtbot, editor, 0, NAME, "ping")
    assert form.entry(uid).events[event].rules == (Rule("regex", r"^PING (\d+)$", "PONG {1} #{counter}",
                                                        name="ping"),)
    editor.close()

    assert inspector.property_model.setData(value_index(inspector, cls.active.spec.vcl_name),
                                            Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    server = inspector_engine.component(uid)
    qtbot.waitUntil(lambda: server.active and server.socket.local_port > 0, timeout=3000)
    got = bytearray()
    with socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=5) as client:
        client.setblocking(False)
        client.sendall(b"PING 5\r\nPING 6\n")

        def answered() -> bool:
            try:
                got.extend(client.recv(64))
            except BlockingIOError:
                pass
            return got.count(b"\n") >= 2

        qtbot.waitUntil(answered, timeout=5000)
        assert bytes(got) == b"PONG 5 #1\nPONG 6 #2\n"

        editor = inspector.edit_rules(uid, event)  # an edit while it runs answers the next frame
        edit_cell(qtbot, editor, 0, REPLY, "PONG {1}!")
        editor.close()
        got.clear()
        client.sendall(b"PING 7\n")
        qtbot.waitUntil(lambda: answered() or got.endswith(b"\n"), timeout=5000)
    assert bytes(got) == b"PONG 7!\n"
    inspector_engine.set_active(uid, False)
    qtbot.waitUntil(lambda: not server.active, timeout=3000)


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)])
def test_screenshots(qtbot, inspector_form, rule_editor, size):
    editor = rule_editor(PING, Rule("exact", "TIME", "TIME {time:%H:%M:%S} #{counter}", name="time"),
                         Rule("regex", r"^ECHO (?P<text>.*)$", "{text}", name="echo"),
                         Rule("exact", "QUIT", "BYE", close=True, name="quit"),
                         Rule("hex", "01 03 ?? ?? ?? ??", r"\x01\x03\x02\x00\x2A{crc16_modbus}", delay_ms=5,
                              name="modbus read"),
                         Rule("any", "", "ERR unknown command: {0}", name="unknown"))
    editor.resize(*size)
    editor.select_row(0)
    editor.sample.setText("PING 42")
    editor.layout().activate()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert editor.grab().save(str(SHOTS / f"rule_editor_{size[0]}x{size[1]}.png"))
    header = editor.table.horizontalHeader()
    for column in range(editor.model.columnCount()):  # every title readable in full
        title = editor.model.headerData(column, Qt.Orientation.Horizontal)
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title), title
    assert editor.reply_hex.width() >= editor.reply_hex.fontMetrics().horizontalAdvance(editor.reply_hex.text())




def test_a_form_with_a_broken_rule_opens_says_where_and_saves_it_back(window, qtbot, tmp_path, monkeypatch):
    data = {"format": "socket-workbench-form", "version": 1, "form": {"name": "Broken"},
            "components": [{"type": "ServerSocket", "name": "Responder",
                            "events": {"OnClientRead": {"action": "rules", "rules": [
                                {"name": "ping", "match": "regex", "pattern": "^PING (\\d+)$", "reply": "PONG {1}"},
                                {"match": "exact", "pattern": "X", "reply": "oops {2}"}]}}}]}
    path = tmp_path / "broken.sockform"
    path.write_text(json.dumps(data))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    assert window.open_form(path, ask=False)
    assert len(shown) == 1
    assert "Responder.OnClientRead: rule 2, reply: {2} names a regex group, but this rule has no regex " \
           "(at character 6)" in shown[0]
    out = tmp_path / "again.sockform"
    window.model.document.save(out)
    assert json.loads(out.read_text())["components"][0]["events"] == data["components"][0]["events"]

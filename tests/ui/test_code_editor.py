"""The unit editor: colours, Python editing keys, handler lookup and stubs, and the file on disk."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeySequence,
    QTextCharFormat,
    QTextCursor,
    QTextDocumentFragment,
    QTextFormat,
)
from PySide6.QtWidgets import QMainWindow, QPushButton, QToolTip

from app.core.unit import stub_source
from components import ServerSocket
from ui.code_editor import ERROR_LINE, CodeEditor
from ui.python_highlighter import (
    BUILTIN,
    COMMENT,
    DECORATOR,
    DEFINITION,
    IN_DOUBLE,
    IN_TRIPLE_DOUBLE,
    IN_TRIPLE_SINGLE,
    KEYWORD,
    LIGHT_THEME,
    NORMAL,
    NUMBER,
    SELF,
    STRING,
    scan_line,
)
from ui.unit_editor import UnitEditor

SAMPLE = '''"""Chat server: every line a client sends goes to all clients."""

GREETING = "Welcome!\\n"


def ServerSocket1ClientConnect(sender, socket):
    """OnClientConnect of ServerSocket1.

    def NotAFunction(sender):  (an example inside the docstring)
    """
    socket.send_text(GREETING)


def ServerSocket1ClientRead(sender, socket):
    text = socket.receive_text()  # one line per read
    for conn in sender.socket.connections:
        conn.send_text(text)
    ServerSocket1ClientConnect(sender, socket)
'''


@pytest.fixture
def editor_code(qtbot) -> CodeEditor:
    """A shown CodeEditor holding SAMPLE."""
    editor = CodeEditor()
    qtbot.addWidget(editor)
    editor.resize(700, 400)
    editor.set_source(SAMPLE)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


@pytest.fixture
def editor_unit(qtbot, tmp_path) -> tuple[UnitEditor, Path]:
    """A shown UnitEditor over chat.py (SAMPLE) in its own folder."""
    path = tmp_path / "chat.py"
    path.write_text(SAMPLE, encoding="utf-8")
    unit = UnitEditor()
    qtbot.addWidget(unit)
    unit.resize(800, 500)
    unit.open_file(path)
    unit.show()
    qtbot.waitExposed(unit)
    return unit, path


def set_text(editor: CodeEditor, text: str, line: int = 1, column: int | None = None) -> None:
    """Replace the text and put the cursor on ``line`` (1-based), at ``column`` or the line end."""
    editor.set_source(text)
    block = editor.document().findBlockByNumber(line - 1)
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + (len(block.text()) if column is None else column))
    editor.setTextCursor(cursor)


def formats_of(editor: CodeEditor, line: int, qtbot) -> list[tuple[int, int, QTextCharFormat]]:
    """(start, length, format) of each coloured range of ``line``."""
    # Qt highlights a newly attached document on the next event loop turn; every block then has a state.
    qtbot.waitUntil(lambda: editor.document().lastBlock().userState() >= NORMAL)
    block = editor.document().findBlockByNumber(line - 1)
    # Copies: the formats inside the returned ranges die with the temporary list.
    return [(r.start, r.length, QTextCharFormat(r.format)) for r in block.layout().formats()]


def kind_at(editor: CodeEditor, line: int, column: int, qtbot) -> str | None:
    """The theme kind whose colour the highlighter gave the character at ``column``."""
    colours = {QColor(colour).name(): kind for kind, (colour, _b, _i) in LIGHT_THEME.items()}
    for start, length, fmt in formats_of(editor, line, qtbot):
        if start <= column < start + length:
            return colours.get(fmt.foreground().color().name())
    return None


# -- highlighting ---------------------------------------------------------------------------------
def test_highlighter_colours_keywords_strings_and_comments(editor_code, qtbot):
    line14 = "    text = socket.receive_text()  # one line per read"
    assert editor_code.document().findBlockByNumber(14).text() == line14
    assert kind_at(editor_code, 15, line14.index("#"), qtbot) == COMMENT
    assert kind_at(editor_code, 14, 0, qtbot) == KEYWORD  # def
    assert kind_at(editor_code, 14, 4, qtbot) == DEFINITION  # the handler's name
    assert kind_at(editor_code, 3, len('GREETING = "'), qtbot) == STRING
    assert kind_at(editor_code, 16, 4, qtbot) == KEYWORD  # for
    assert kind_at(editor_code, 3, 0, qtbot) is None  # a plain name stays plain
    keyword_format = next(fmt for start, _n, fmt in formats_of(editor_code, 14, qtbot) if start == 0)
    assert keyword_format.fontWeight() == QFont.Weight.Bold
    comment = next(fmt for start, _n, fmt in formats_of(editor_code, 15, qtbot) if start == line14.index("#"))
    assert comment.fontItalic()


def test_triple_quoted_string_spans_lines(editor_code, qtbot):
    # Line 9 looks like a def but sits inside the docstring that opens on line 7.
    assert kind_at(editor_code, 9, 4, qtbot) == STRING
    assert kind_at(editor_code, 10, 4, qtbot) == STRING  # the closing quotes
    assert kind_at(editor_code, 11, 4, qtbot) is None  # code again after it
    assert editor_code.document().findBlockByNumber(8).userState() == IN_TRIPLE_DOUBLE


@pytest.mark.parametrize(("line", "state", "expected", "end_state"), [
    ("@property", NORMAL, [(0, 9, DECORATOR)], NORMAL),
    ("x = a @ b", NORMAL, [], NORMAL),
    ("def f(self, n=0x1F):", NORMAL, [(0, 3, KEYWORD), (4, 1, DEFINITION), (6, 4, SELF), (14, 4, NUMBER)], NORMAL),
    ("print(len(x)); obj.print", NORMAL, [(0, 5, BUILTIN), (6, 3, BUILTIN)], NORMAL),
    ("s = '# not a comment'  # but this is", NORMAL, [(4, 17, STRING), (23, 13, COMMENT)], NORMAL),
    ("s = r'\\'' + 1.5e3j", NORMAL, [(4, 5, STRING), (12, 6, NUMBER)], NORMAL),
    ("doc = '''opens", NORMAL, [(6, 8, STRING)], IN_TRIPLE_SINGLE),
    ("still \\''' inside", IN_TRIPLE_SINGLE, [(0, 17, STRING)], IN_TRIPLE_SINGLE),
    ("closes ''' + x", IN_TRIPLE_SINGLE, [(0, 10, STRING)], NORMAL),
    ('s = "continued \\', NORMAL, [(4, 12, STRING)], IN_DOUBLE),
    ("match command:", NORMAL, [(0, 5, KEYWORD)], NORMAL),
    ("match = re.match(x)", NORMAL, [], NORMAL),
])
def test_scan_line(line, state, expected, end_state):
    assert scan_line(line, state) == (expected, end_state)


def test_characters_outside_the_bmp_do_not_shift_colours(editor_code, qtbot):
    editor_code.set_source('s = "😀"  # smile')
    assert kind_at(editor_code, 1, 4, qtbot) == STRING
    assert kind_at(editor_code, 1, 8, qtbot) is None  # the closing quote is at UTF-16 offset 7
    assert kind_at(editor_code, 1, 10, qtbot) == COMMENT


# -- editing keys -----------------------------------------------------------------------------------
def test_enter_keeps_indentation_and_indents_after_colon(editor_code, qtbot):
    set_text(editor_code, "def f(x):")
    qtbot.keyClick(editor_code, Qt.Key.Key_Return)
    qtbot.keyClicks(editor_code, "if x:  # why")
    qtbot.keyClick(editor_code, Qt.Key.Key_Return)
    qtbot.keyClicks(editor_code, "return x")
    qtbot.keyClick(editor_code, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClicks(editor_code, "y")
    assert editor_code.source() == "def f(x):\n    if x:  # why\n        return x\n        y"


def test_enter_does_not_indent_after_a_colon_in_a_string(editor_code, qtbot):
    set_text(editor_code, 'x = """\nArgs:', line=2)
    qtbot.waitUntil(lambda: editor_code.document().findBlockByNumber(0).userState() == IN_TRIPLE_DOUBLE)
    qtbot.keyClick(editor_code, Qt.Key.Key_Return)
    assert editor_code.source() == 'x = """\nArgs:\n'


def test_tab_inserts_spaces_and_shift_tab_dedents(editor_code, qtbot):
    set_text(editor_code, "x = 1", column=0)
    qtbot.keyClick(editor_code, Qt.Key.Key_Tab)
    assert editor_code.source() == "    x = 1"
    qtbot.keyClick(editor_code, Qt.Key.Key_Tab)
    assert editor_code.source() == "        x = 1"
    qtbot.keyClick(editor_code, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor_code.source() == "    x = 1"
    assert editor_code.textCursor().positionInBlock() == 4
    qtbot.keyClick(editor_code, Qt.Key.Key_Backspace)  # inside the indentation: one level
    assert editor_code.source() == "x = 1"


def test_tab_and_shift_tab_on_a_selection_move_whole_lines(editor_code, qtbot):
    set_text(editor_code, "a = 1\n\nb = 2\nc = 3")
    cursor = editor_code.textCursor()
    cursor.setPosition(2)
    cursor.setPosition(editor_code.document().findBlockByNumber(2).position() + 1, QTextCursor.MoveMode.KeepAnchor)
    editor_code.setTextCursor(cursor)
    qtbot.keyClick(editor_code, Qt.Key.Key_Tab)
    assert editor_code.source() == "    a = 1\n\n    b = 2\nc = 3"  # the blank line gets no spaces
    qtbot.keyClick(editor_code, Qt.Key.Key_Tab)
    qtbot.keyClick(editor_code, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor_code.source() == "    a = 1\n\n    b = 2\nc = 3"
    editor_code.undo()
    assert editor_code.source() == "        a = 1\n\n        b = 2\nc = 3"  # each key was one undo step


def test_ctrl_slash_toggles_comments_on_selected_lines(editor_code, qtbot):
    text = "def f():\n    a = 1\n\n        b = 2\n"
    set_text(editor_code, text)
    cursor = editor_code.textCursor()
    cursor.setPosition(editor_code.document().findBlockByNumber(1).position())
    cursor.setPosition(editor_code.document().findBlockByNumber(3).position() + 3, QTextCursor.MoveMode.KeepAnchor)
    editor_code.setTextCursor(cursor)
    qtbot.keyClick(editor_code, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    assert editor_code.source() == "def f():\n    # a = 1\n\n    #     b = 2\n"
    qtbot.keyClick(editor_code, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    assert editor_code.source() == text
    set_text(editor_code, "x = 1  # keep", column=2)  # no selection: the cursor's line
    qtbot.keyClick(editor_code, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    assert editor_code.source() == "# x = 1  # keep"
    editor_code.undo()
    assert editor_code.source() == "x = 1  # keep"


def test_go_to_line_clamps_and_centers(editor_code):
    editor_code.go_to_line(15)
    cursor = editor_code.textCursor()
    assert cursor.blockNumber() == 14 and cursor.positionInBlock() == 4  # at the code, past the indent
    editor_code.go_to_line(999)
    assert editor_code.textCursor().blockNumber() == editor_code.blockCount() - 1
    editor_code.go_to_line(0)
    assert editor_code.textCursor().blockNumber() == 0


def test_ctrl_g_opens_the_go_to_line_bar(editor_code, qtbot):
    qtbot.keyClick(editor_code, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    field = editor_code.findChild(type(editor_code._go_to_bar.field), "GoToLineField")
    assert field.isVisible() and field.hasFocus()
    field.selectAll()
    qtbot.keyClicks(field, "16")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not field.isVisible()
    assert editor_code.textCursor().blockNumber() == 15 and editor_code.hasFocus()
    assert editor_code.source() == SAMPLE  # the Return went to the field only
    qtbot.keyClick(editor_code, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not field.isVisible() and editor_code.textCursor().blockNumber() == 15


def test_editor_keys_win_over_window_shortcuts(qtbot):
    """In the main window a menu may own Ctrl+G or Ctrl+/; inside the editor the editor's meaning wins."""
    window = QMainWindow()
    editor = CodeEditor()
    window.setCentralWidget(editor)
    triggered: list[str] = []
    for keys in ("Ctrl+G", "Ctrl+/"):
        action = QAction(keys, window)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False, keys=keys: triggered.append(keys))
        window.addAction(action)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    editor.set_source("x = 1")
    qtbot.keyClick(editor, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert editor.source() == "# x = 1" and editor._go_to_bar.isVisible()
    assert triggered == []


# -- handlers -----------------------------------------------------------------------------------------
def test_find_and_jump_to_function(editor_code):
    assert editor_code.find_function("ServerSocket1ClientRead") == 14
    assert editor_code.find_function("ServerSocket1ClientConnect") == 6
    assert editor_code.find_function("NotAFunction") is None  # only inside a docstring
    assert editor_code.find_function("ServerSocket1") is None  # a prefix is not a name
    assert editor_code.jump_to_function("ServerSocket1ClientRead")
    assert editor_code.textCursor().blockNumber() == 13
    assert not editor_code.jump_to_function("Missing")
    assert editor_code.textCursor().blockNumber() == 13


def test_append_stub_keeps_the_unit_valid_python(editor_code):
    stub = stub_source("ServerSocket1", ServerSocket.event_spec("OnClientDisconnect"))
    editor_code.set_source(SAMPLE + "\n\n\n\n")  # surplus blank lines collapse to two
    line = editor_code.append_stub(stub)
    source = editor_code.source()
    compile(source, "chat.py", "exec")
    assert line == editor_code.find_function("ServerSocket1ClientDisconnect") == SAMPLE.count("\n") + 3
    assert source == SAMPLE + "\n\n" + stub
    cursor = editor_code.textCursor()
    assert cursor.blockNumber() == line + 1 and cursor.selectedText() == "pass"  # typing replaces it
    editor_code.insertPlainText("log('bye')")
    compile(editor_code.source(), "chat.py", "exec")
    editor_code.undo()
    editor_code.undo()
    assert editor_code.source() == SAMPLE + "\n\n\n\n"  # the append was one undo step


def test_append_stub_to_an_empty_unit_and_after_a_line_without_newline(editor_code):
    editor_code.set_source("")
    assert editor_code.append_stub("def a(sender):\n    pass\n") == 1
    assert editor_code.source() == "def a(sender):\n    pass\n"
    editor_code.set_source("x = 1")
    assert editor_code.append_stub("def b(sender):\n    return 0\n") == 4
    assert editor_code.source() == "x = 1\n\n\ndef b(sender):\n    return 0\n"
    assert editor_code.textCursor().blockNumber() == 4 and not editor_code.textCursor().hasSelection()


def test_ensure_handler_jumps_to_an_existing_handler_or_adds_it(editor_unit):
    unit, _path = editor_unit
    stub = stub_source("ServerSocket1", ServerSocket.event_spec("OnClientRead"))
    unit.ensure_handler("ServerSocket1ClientRead", stub)
    assert unit.editor.source() == SAMPLE and not unit.is_modified()
    assert unit.editor.textCursor().blockNumber() == 14  # first statement of the body
    unit.ensure_handler("ServerSocket1ClientConnect", stub)
    assert unit.editor.textCursor().blockNumber() == 10  # past the three-line docstring
    error_stub = stub_source("ServerSocket1", ServerSocket.event_spec("OnClientError"))
    unit.ensure_handler("ServerSocket1ClientError", error_stub)
    assert unit.is_modified()
    line = unit.editor.find_function("ServerSocket1ClientError")
    assert unit.editor.textCursor().blockNumber() == line + 1  # on "return error_code"
    compile(unit.editor.source(), "chat.py", "exec")


def test_rename_function_renames_only_the_def_line(editor_unit):
    unit, _path = editor_unit
    assert unit.rename_function("ServerSocket1ClientConnect", "ServerClientConnect")
    source = unit.editor.source()
    assert "def ServerClientConnect(sender, socket):" in source
    assert "    ServerSocket1ClientConnect(sender, socket)" in source  # calls are the user's business
    assert unit.is_modified()
    assert not unit.rename_function("Missing", "Other")
    assert not unit.rename_function("ServerClientConnect", "ServerSocket1ClientRead")  # would shadow it
    assert unit.message_bar.isVisible() and "ServerSocket1ClientRead" in unit.message_bar.label.text()
    with pytest.raises(ValueError):
        unit.rename_function("ServerSocket1ClientRead", "not a name")


# -- error marks ----------------------------------------------------------------------------------------
@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform, showing the tooltip
def test_mark_error_highlights_the_line_and_explains_in_the_gutter(editor_code, qtbot):
    editor_code.mark_error(17, "NameError: name 'conn' is not defined")
    editor_code.mark_error(2, "SyntaxError in <module>")
    red = [s for s in editor_code.extraSelections() if s.format.background().color() == ERROR_LINE]
    assert sorted(s.cursor.blockNumber() for s in red) == [1, 16]
    assert red[0].format.property(QTextFormat.Property.FullWidthSelection)
    assert editor_code.error_lines() == {2: "SyntaxError in <module>", 17: "NameError: name 'conn' is not defined"}

    gutter = editor_code._gutter
    block = editor_code.document().findBlockByNumber(16)
    y = int(editor_code.blockBoundingGeometry(block).translated(editor_code.contentOffset()).center().y())
    image = gutter.grab().toImage()
    assert image.pixelColor(2, y) == ERROR_LINE  # the gutter shows it too
    assert image.pixelColor(2, y - int(editor_code.blockBoundingRect(block).height())) != ERROR_LINE
    QToolTip.hideText()
    for line, message in editor_code.error_lines().items():
        block = editor_code.document().findBlockByNumber(line - 1)
        y = int(editor_code.blockBoundingGeometry(block).translated(editor_code.contentOffset()).center().y())
        gutter.event(QHelpEvent(QEvent.Type.ToolTip, QPoint(5, y), gutter.mapToGlobal(QPoint(5, y))))
        assert QTextDocumentFragment.fromHtml(QToolTip.text()).toPlainText() == message  # "<module>" intact
        QToolTip.hideText()

    cursor = QTextCursor(editor_code.document())
    cursor.insertText("# a new first line\n")
    assert editor_code.error_lines()[18] == "NameError: name 'conn' is not defined"  # follows its line
    editor_code.clear_errors()
    assert editor_code.error_lines() == {}
    assert all(s.format.background().color() != ERROR_LINE for s in editor_code.extraSelections())


def test_show_error_uses_the_bar_and_clear_errors_withdraws_it(editor_unit, qtbot):
    unit, _path = editor_unit
    unit.show_error(16, "SyntaxError: invalid syntax")
    assert unit.editor.error_lines() == {16: "SyntaxError: invalid syntax"}
    assert unit.message_bar.isVisible() and unit.message_bar.kind == "error"
    assert "16" in unit.message_bar.label.text()
    qtbot.mouseClick(unit.message_bar.findChild(QPushButton, "GoToErrorButton"), Qt.MouseButton.LeftButton)
    assert unit.editor.textCursor().blockNumber() == 15
    unit.clear_errors()
    assert unit.editor.error_lines() == {} and not unit.message_bar.isVisible()


# -- the file -------------------------------------------------------------------------------------------
def test_save_is_atomic_and_round_trips(editor_unit, qtbot):
    unit, path = editor_unit
    path.chmod(0o640)
    inode = path.stat().st_ino
    unit.editor.moveCursor(QTextCursor.MoveOperation.End)
    unit.editor.insertPlainText("NAME = 'caf\u00e9\u00a0😀'\n")  # the no-break space must survive
    assert unit.is_modified()
    with qtbot.waitSignal(unit.saved) as saved, qtbot.waitSignal(unit.modifiedChanged) as modified:
        assert unit.save()
    assert saved.args == [path] and modified.args == [False]
    assert path.read_text(encoding="utf-8") == SAMPLE + "NAME = 'caf\u00e9\u00a0😀'\n"
    assert path.stat().st_ino != inode  # replaced, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["chat.py"]  # no temporary left behind
    with qtbot.assertNotEmitted(unit.reloaded, wait=400):  # our own save is not an external change
        pass
    assert not unit.message_bar.isVisible() and not unit.is_modified()

    unit.open_file(path)
    assert unit.editor.source() == path.read_text(encoding="utf-8")


def test_save_keeps_crlf_and_bom(qtbot, tmp_path):
    path = tmp_path / "win.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\r\ny = 2\r\n")
    unit = UnitEditor()
    qtbot.addWidget(unit)
    unit.open_file(path)
    assert unit.editor.source() == "x = 1\ny = 2\n"
    unit.editor.moveCursor(QTextCursor.MoveOperation.End)
    unit.editor.insertPlainText("z = 3\n")
    assert unit.save()
    assert path.read_bytes() == b"\xef\xbb\xbfx = 1\r\ny = 2\r\nz = 3\r\n"


def test_a_failed_save_leaves_the_file_alone(editor_unit, monkeypatch):
    unit, path = editor_unit
    unit.editor.insertPlainText("broken = True\n")

    def fail(_src, _dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert not unit.save()
    assert path.read_text(encoding="utf-8") == SAMPLE
    assert sorted(p.name for p in path.parent.iterdir()) == ["chat.py"]
    assert unit.is_modified()
    assert unit.message_bar.kind == "error" and "No space left on device" in unit.message_bar.label.text()


def test_a_missing_file_is_a_new_unit_created_on_save(qtbot, tmp_path):
    path = tmp_path / "new.py"
    unit = UnitEditor()
    qtbot.addWidget(unit)
    unit.open_file(path)
    assert unit.editor.source() == "" and not unit.is_read_only() and unit.message_bar.isHidden()
    assert unit.status_label.text() == "New file"
    unit.ensure_handler("ServerSocket1ClientRead", stub_source("ServerSocket1",
                                                               ServerSocket.event_spec("OnClientRead")))
    assert unit.save()
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
    assert path.read_text(encoding="utf-8").startswith("def ServerSocket1ClientRead(sender, socket):")


def test_external_change_reloads_silently_when_clean(editor_unit, qtbot):
    unit, path = editor_unit
    unit.editor.go_to_line(15)
    changed = SAMPLE.replace("GREETING = \"Welcome!\\n\"", "GREETING = \"Hi!\\n\"")
    with qtbot.waitSignal(unit.reloaded, timeout=5000):
        path.write_text(changed, encoding="utf-8")
    assert unit.editor.source() == changed
    assert not unit.is_modified() and not unit.message_bar.isVisible()
    assert unit.editor.textCursor().blockNumber() == 14  # the cursor stays on its line
    # Replaced the way editors save (a new inode): still watched afterwards.
    again = changed + "EXTRA = 1\n"
    tmp = path.with_name("chat.py.new")
    tmp.write_text(again, encoding="utf-8")
    with qtbot.waitSignal(unit.reloaded, timeout=5000):
        os.replace(tmp, path)
    assert unit.editor.source() == again
    unit.editor.undo()  # a silent reload can still be undone
    assert unit.editor.source() == changed


def test_external_change_asks_before_dropping_edits(editor_unit, qtbot):
    unit, path = editor_unit
    unit.editor.insertPlainText("# my edit\n")
    edited = unit.editor.source()
    path.write_text(SAMPLE + "OTHER = 2\n", encoding="utf-8")
    qtbot.waitUntil(lambda: unit.message_bar.findChild(QPushButton, "KeepButton") is not None
                    and unit.message_bar.isVisible(), timeout=5000)
    assert "Reload from disk and lose your edits?" in unit.message_bar.label.text()
    assert unit.editor.source() == edited and unit.is_modified()  # nothing happens until asked

    qtbot.mouseClick(unit.message_bar.findChild(QPushButton, "KeepButton"), Qt.MouseButton.LeftButton)
    assert not unit.message_bar.isVisible()
    assert unit.editor.source() == edited and unit.is_modified()

    path.write_text(SAMPLE + "THIRD = 3\n", encoding="utf-8")  # a further change asks again
    qtbot.waitUntil(lambda: unit.message_bar.isVisible(), timeout=5000)
    reload_button = unit.message_bar.findChild(QPushButton, "ReloadButton")
    with qtbot.waitSignal(unit.reloaded):
        qtbot.mouseClick(reload_button, Qt.MouseButton.LeftButton)
    assert unit.editor.source() == SAMPLE + "THIRD = 3\n"
    assert not unit.is_modified() and not unit.message_bar.isVisible()


def test_a_deleted_file_keeps_the_text_and_marks_it_unsaved(editor_unit, qtbot):
    unit, path = editor_unit
    path.unlink()
    qtbot.waitUntil(lambda: unit.message_bar.isVisible(), timeout=5000)
    assert "deleted" in unit.message_bar.label.text()
    assert unit.editor.source() == SAMPLE and unit.is_modified()
    assert unit.save()
    assert path.read_text(encoding="utf-8") == SAMPLE


def test_a_file_that_is_not_utf8_is_refused_and_left_intact(qtbot, tmp_path):
    path = tmp_path / "legacy.py"
    original = "# -*- coding: latin-1 -*-\nNAME = 'café'\n".encode("latin-1")
    path.write_bytes(original)
    unit = UnitEditor()
    qtbot.addWidget(unit)
    unit.open_file(path)
    assert unit.is_read_only() and unit.editor.isReadOnly()
    assert not unit.message_bar.isHidden() and unit.message_bar.kind == "error"
    assert "not UTF-8" in unit.message_bar.label.text() and "0xe9" in unit.message_bar.label.text()
    assert "NAME = 'caf\ufffd'" in unit.editor.source()  # shown, with the bad byte visible
    qtbot.keyClicks(unit.editor, "typed")
    for key, modifier in [(Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier),
                          (Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)]:
        qtbot.keyClick(unit.editor, key, modifier)
    assert not unit.save()
    unit.ensure_handler("ServerSocket1ClientRead", "def ServerSocket1ClientRead(sender, socket):\n    pass\n")
    assert not unit.rename_function("x", "y")
    assert not unit.is_modified()
    assert path.read_bytes() == original


def test_screenshot_of_a_unit_with_an_error(editor_unit, tmp_path):
    unit, _path = editor_unit
    assert QFontMetrics(unit.editor.font()).inFont("d"), "install fonts-dejavu-core"
    # that the font is really fixed-pitch is test_fonts.py's business (it knows when to skip)
    unit.resize(900, 600)
    unit.show_error(17, "NameError: name 'conn' is not defined")
    shot = tmp_path / "code_editor.png"
    assert unit.grab().save(str(shot))
    assert shot.stat().st_size > 0
    assert unit.editor.line_number_area_width() >= QFontMetrics(unit.editor.font()).horizontalAdvance("999")

"""The unit's code editor: the tab beside the form designer where its handlers are written.

``CodeEditor`` is the text widget (line numbers, Python indentation keys, error marks,
finding and adding handlers); ``UnitEditor`` is the tab around it that owns the file.

Theory of operation (UnitEditor and the file on disk):

* ``_disk_bytes`` holds exactly what was last read from or written to the file (None when
  there is no file). A QFileSystemWatcher notification is only a hint: after a short
  settle delay the file is read and compared with ``_disk_bytes``. Equal means nothing
  that concerns us happened; that is how the notification caused by our own save, a
  ``touch`` or a permission change are ignored.
* Atomic replaces (ours and most editors') give the file a new inode, which the watcher
  stops following, so every check re-arms the watch on the current file. The folder is
  watched too, so a unit that appears later, or a replace that slipped between a check
  and the re-arm, is still noticed.
* A real change reloads silently while the buffer has no unsaved edits; otherwise the
  message bar asks, and the buffer stays untouched until the user picks Reload. Keep
  accepts that disk and buffer differ: the change is not asked about again, the next
  save overwrites it.
* A file that is not UTF-8 is shown read-only (undecodable bytes as U+FFFD) and can never
  be saved from here, so a unit in another encoding is never silently rewritten.
"""

from __future__ import annotations

import contextlib
import html
import keyword
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QEvent, QFileSystemWatcher, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QHelpEvent,
    QIntValidator,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QTextEdit,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ui.python_highlighter import COMMENT, NORMAL, STRING, PythonHighlighter, scan_line

INDENT = "    "
PAGE = QColor("#ffffff")
INK = QColor("#1f1f1f")
CURRENT_LINE = QColor("#fdf8e1")
ERROR_LINE = QColor("#fde4e4")
ERROR_MARK = QColor("#d32f2f")
GUTTER = QColor("#f4f4f4")
GUTTER_RULE = QColor("#dcdcdc")
GUTTER_NUMBER = QColor("#9a9a9a")
GUTTER_CURRENT = QColor("#3c3c3c")
#: The watcher fires several times while another program writes a file; read it once it settles.
SETTLE_MS = 100
_CTRL = Qt.KeyboardModifier.ControlModifier


def _leading(text: str) -> int:
    return len(text) - len(text.lstrip())


def _code_part(text: str, state: int) -> tuple[str, int]:
    """The line without its comment, and the scan state it ends in."""
    spans, end_state = scan_line(text, state)
    if spans and spans[-1][2] == COMMENT:
        text = text[:spans[-1][0]]
    return text.rstrip(), end_state


class _LineNumberArea(QWidget):
    """The gutter; the editor paints it because only the editor knows where blocks are."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.line_number_area_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor._paint_gutter(event.rect())

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            self._editor._show_error_tip(event.pos().y(), event.globalPos(), self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        block = self._editor._block_at(event.position().toPoint().y())
        if block is not None:  # like clicking the line's start; the view must not jump
            self._editor.setTextCursor(QTextCursor(block))


class _GoToLineBar(QFrame):
    """Ctrl+G: a small field over the editor's top right corner, as code editors do it."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor
        self.setObjectName("GoToLineBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(QLabel(self.tr("Go to line:")))
        self.field = QLineEdit()
        self.field.setObjectName("GoToLineField")
        self._validator = QIntValidator(1, 1, self.field)
        self.field.setValidator(self._validator)
        self.field.setFixedWidth(90)
        self.field.returnPressed.connect(self._accept)
        layout.addWidget(self.field)
        self.hide()

    def open(self) -> None:
        count = self._editor.blockCount()
        self._validator.setRange(1, count)
        self.field.setPlaceholderText(f"1–{count}")
        self.field.setText(str(self._editor.textCursor().blockNumber() + 1))
        self.field.selectAll()
        self.adjustSize()
        self.place()
        self.show()
        self.raise_()
        self.field.setFocus()

    def place(self) -> None:
        area = self._editor.viewport().geometry()
        self.move(area.right() - self.width() - 12, area.top() + 4)

    def _accept(self) -> None:
        self.hide()
        self._editor.go_to_line(int(self.field.text()))
        self._editor.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the field ignores (Return after returnPressed, too) must not reach the
        # editor, the bar's parent, and type into the code.
        event.accept()
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self._editor.setFocus()


class CodeEditor(QPlainTextEdit):
    """A Python code editor. Line numbers in this API are 1-based, as in tracebacks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        if 0 < font.pointSize() < 10:  # the 9-pt system default is cramped for code
            font.setPointSize(10)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # The syntax colours are chosen for a light page; keep it light under dark themes.
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, PAGE)
        palette.setColor(QPalette.ColorRole.Text, INK)
        self.setPalette(palette)
        self.highlighter = PythonHighlighter(self.document())
        self._errors: list[tuple[QTextCursor, str]] = []
        self._gutter = _LineNumberArea(self)
        self._go_to_bar = _GoToLineBar(self)
        self.blockCountChanged.connect(self._update_margins)
        self.updateRequest.connect(self._scroll_gutter)
        self.cursorPositionChanged.connect(self._update_line_highlights)
        self._update_metrics()
        self._update_line_highlights()

    # -- source -----------------------------------------------------------------------------
    def source(self) -> str:
        """The text as it goes to disk (toPlainText would turn no-break spaces into spaces)."""
        return self.document().toRawText().replace("\u2029", "\n")

    def set_source(self, text: str) -> None:
        """Replace everything, forgetting undo history and error marks (a newly opened file)."""
        self._errors.clear()
        self.setPlainText(text)

    def replace_source(self, text: str) -> None:
        """Replace everything as one undoable edit (a file reloaded from disk)."""
        self._errors.clear()
        cursor = QTextCursor(self.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)

    def lines(self) -> Iterator[tuple[int, str, int]]:
        """(line, text, scan state at its start) for every line."""
        state = NORMAL
        block = self.document().begin()
        while block.isValid():
            text = block.text()
            yield block.blockNumber() + 1, text, state
            _spans, state = scan_line(text, state)
            block = block.next()

    # -- navigation -------------------------------------------------------------------------
    def go_to_line(self, line: int) -> None:
        """Put the cursor at the first character of ``line`` (clamped) and center it."""
        block = self.document().findBlockByNumber(min(max(line, 1), self.blockCount()) - 1)
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + _leading(block.text()))
        self.setTextCursor(cursor)
        self.centerCursor()

    def find_function(self, name: str) -> int | None:
        """The line of ``def name(``: a module-level one first, else the first nested one.
        Lines inside strings (docstrings, examples in them) do not count."""
        pattern = re.compile(rf"\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(")
        nested = None
        for line, text, state in self.lines():
            if state == NORMAL and pattern.match(text):
                if not _leading(text):
                    return line
                nested = nested or line
        return nested

    def jump_to_function(self, name: str) -> bool:
        line = self.find_function(name)
        if line is None:
            return False
        self.go_to_line(line)
        return True

    def move_into_body(self, def_line: int) -> None:
        """Cursor on the first statement of the function at ``def_line``, after its header
        and docstring; a lone ``pass`` is selected so that typing replaces it."""
        def_indent = _leading(self.document().findBlockByNumber(def_line - 1).text())
        in_header, in_docstring, docstring_allowed = True, False, True
        docstring_end = statement = None
        for line, text, state in self.lines():
            if line < def_line:
                continue
            code, end_state = _code_part(text, state)
            if in_header:  # the header may span lines: it ends with its ':'
                in_header = not (state == NORMAL and code.endswith(":"))
                continue
            if in_docstring:
                docstring_end, in_docstring = line, end_state != NORMAL
                continue
            if not text.strip():
                continue
            if _leading(text) <= def_indent:
                break  # past the function (a one-line def has no body lines)
            spans = scan_line(text, state)[0]
            if docstring_allowed and spans and spans[0][:1] == (_leading(text),) and spans[0][2] == STRING:
                docstring_end, in_docstring = line, end_state != NORMAL
                docstring_allowed = False
                continue
            statement = line
            break
        if statement is not None:
            self.go_to_line(statement)
            cursor = self.textCursor()
            if cursor.block().text().strip() == "pass":
                cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
                self.setTextCursor(cursor)
        elif docstring_end is not None:
            self.go_to_line(docstring_end)
            self.moveCursor(QTextCursor.MoveOperation.EndOfBlock)
        else:
            self.go_to_line(def_line)

    def append_stub(self, source: str) -> int:
        """Append a function after two blank lines (the only code when the unit is empty);
        returns its first line and leaves the cursor in its body."""
        doc = self.document()
        end = doc.characterCount() - 1
        keep = end
        while keep > 0 and doc.characterAt(keep - 1).isspace():
            keep -= 1
        line = doc.findBlock(keep).blockNumber() + 4 if keep else 1
        cursor = QTextCursor(doc)
        cursor.setPosition(keep)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(("\n\n\n" if keep else "") + source.rstrip("\n") + "\n")
        self.move_into_body(line)
        return line

    def show_go_to_line(self) -> None:
        self._go_to_bar.open()

    # -- error marks ------------------------------------------------------------------------
    def mark_error(self, line: int, message: str) -> None:
        """Paint ``line`` red with a wavy underline; the gutter's tooltip tells ``message``.
        The mark follows its line while text above it is edited."""
        if line < 1:
            return
        block = self.document().findBlockByNumber(min(line, self.blockCount()) - 1)
        self._errors.append((QTextCursor(block), message))
        self._update_line_highlights()

    def clear_errors(self) -> None:
        self._errors.clear()
        self._update_line_highlights()

    def error_lines(self) -> dict[int, str]:
        marks: dict[int, str] = {}
        for cursor, message in self._errors:
            line = cursor.blockNumber() + 1
            marks[line] = f"{marks[line]}\n{message}" if line in marks else message
        return marks

    def _update_line_highlights(self) -> None:
        current = QTextEdit.ExtraSelection()
        current.format.setBackground(CURRENT_LINE)
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        selections = [current]
        for line in self.error_lines():
            block = self.document().findBlockByNumber(line - 1)
            whole = QTextEdit.ExtraSelection()
            whole.format.setBackground(ERROR_LINE)
            whole.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            whole.cursor = QTextCursor(block)
            wave = QTextEdit.ExtraSelection()
            wave.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            wave.format.setUnderlineColor(ERROR_MARK)
            wave.cursor = QTextCursor(block)
            wave.cursor.setPosition(block.position() + _leading(block.text()))
            wave.cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
            selections += [whole, wave]
        self.setExtraSelections(selections)
        self._gutter.update()

    def _show_error_tip(self, y: int, global_pos: QPoint, widget: QWidget) -> None:
        block = self._block_at(y)
        message = self.error_lines().get(block.blockNumber() + 1) if block is not None else None
        if message:  # escaped: messages quote code, and "<module>" must not turn into markup
            QToolTip.showText(global_pos, f"<p style='white-space:pre'>{html.escape(message, quote=False)}</p>", widget)
        else:
            QToolTip.hideText()

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            self._show_error_tip(event.pos().y(), event.globalPos(), self.viewport())
            return True
        return super().viewportEvent(event)

    # -- gutter -----------------------------------------------------------------------------
    def line_number_area_width(self) -> int:
        metrics = self.fontMetrics()
        digits = max(3, len(str(self.blockCount())))
        return metrics.height() // 2 + 8 + metrics.horizontalAdvance("9") * digits + 10

    def _update_margins(self) -> None:
        self.setViewportMargins(self.line_number_area_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_margins()

    def _block_at(self, y: int) -> QTextBlock | None:
        """The visible block at viewport height ``y`` (the gutter shares the viewport's y)."""
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        while block.isValid():
            box = self.blockBoundingGeometry(block).translated(offset)
            if box.top() > y:
                return None
            if block.isVisible() and y < box.bottom():
                return block
            block = block.next()
        return None

    def _paint_gutter(self, area: QRect) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(area, GUTTER)
        right = self._gutter.width() - 1
        painter.setPen(GUTTER_RULE)
        painter.drawLine(right, area.top(), right, area.bottom())
        metrics = self.fontMetrics()
        errors = self.error_lines()
        current = self.textCursor().blockNumber()
        bold = QFont(self.font())
        bold.setBold(True)
        dot = metrics.height() // 2
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        while block.isValid():
            box = self.blockBoundingGeometry(block).translated(offset)
            if box.top() > area.bottom():
                break
            if block.isVisible() and box.bottom() >= area.top():
                top, number = round(box.top()), block.blockNumber()
                if number + 1 in errors:
                    painter.fillRect(0, top, right, round(box.height()), ERROR_LINE)
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(ERROR_MARK)
                    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                    painter.drawEllipse(4, top + (metrics.height() - dot) // 2, dot, dot)
                painter.setFont(bold if number == current else self.font())
                painter.setPen(ERROR_MARK if number + 1 in errors
                               else GUTTER_CURRENT if number == current else GUTTER_NUMBER)
                painter.drawText(0, top, right - 8, metrics.height(),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(number + 1))
            block = block.next()
        painter.end()

    def _update_metrics(self) -> None:
        self.setTabStopDistance(QFontMetricsF(self.font()).horizontalAdvance(" ") * len(INDENT))
        self._update_margins()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_metrics()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.line_number_area_width(), area.height()))
        if self._go_to_bar.isVisible():
            self._go_to_bar.place()

    # -- keys -------------------------------------------------------------------------------
    @staticmethod
    def _is_own_shortcut(event: QKeyEvent) -> bool:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == Qt.Key.Key_Slash:  # some layouts need Shift to reach '/'
            return modifiers in (_CTRL, _CTRL | Qt.KeyboardModifier.ShiftModifier)
        return event.key() == Qt.Key.Key_G and modifiers == _CTRL

    def event(self, event: QEvent) -> bool:
        # Win over window-level shortcuts (a menu's Ctrl+G) while the editor has focus.
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.ShortcutOverride \
                and self._is_own_shortcut(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = modifiers == Qt.KeyboardModifier.NoModifier
        if self.isReadOnly():  # the helpers below edit through cursors, which read-only does not stop
            if self._is_own_shortcut(event) and key == Qt.Key.Key_G:
                self.show_go_to_line()
            else:
                super().keyPressEvent(event)
            return
        if self._is_own_shortcut(event) and key == Qt.Key.Key_Slash:
            self.toggle_comment()
        elif self._is_own_shortcut(event):
            self.show_go_to_line()
        elif key == Qt.Key.Key_Tab and plain:
            self._indent()
        elif key == Qt.Key.Key_Backtab:
            self._dedent()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and modifiers in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            self._new_line()
        elif not (key == Qt.Key.Key_Backspace and plain and self._backspace_indent()):
            super().keyPressEvent(event)
            return
        self.ensureCursorVisible()

    def _selected_lines(self) -> tuple[int, int, bool]:
        """First and last block number the selection touches, and whether it spans lines.
        A selection ending at the start of a line does not take that line in."""
        cursor = self.textCursor()
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart())
        last = doc.findBlock(cursor.selectionEnd())
        if last.blockNumber() > first.blockNumber() and cursor.selectionEnd() == last.position():
            last = last.previous()
        return first.blockNumber(), last.blockNumber(), first != doc.findBlock(cursor.selectionEnd())

    def _select_lines(self, first: int, last: int) -> None:
        doc = self.document()
        cursor = QTextCursor(doc.findBlockByNumber(first))
        end = doc.findBlockByNumber(last)
        cursor.setPosition(end.position() + end.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def _edit_lines(self, first: int, last: int, edit: Callable[[QTextCursor, str], None]) -> None:
        """Apply ``edit(cursor at line start, line text)`` to each line, as one undo step."""
        cursor = self.textCursor()
        cursor.beginEditBlock()
        for number in range(first, last + 1):
            block = self.document().findBlockByNumber(number)
            line_cursor = QTextCursor(block)
            edit(line_cursor, block.text())
        cursor.endEditBlock()

    def _indent(self) -> None:
        first, last, multi = self._selected_lines()
        if not multi:  # a tab stop at the cursor, replacing a selection within the line
            start = self.textCursor().selectionStart()
            column = start - self.document().findBlock(start).position()
            self.insertPlainText(" " * (len(INDENT) - column % len(INDENT)))
            return

        def indent(cursor: QTextCursor, text: str) -> None:
            if text.strip():  # blank lines would only gain trailing whitespace
                cursor.insertText(INDENT)

        self._edit_lines(first, last, indent)
        self._select_lines(first, last)

    def _dedent(self) -> None:
        first, last, multi = self._selected_lines()

        def dedent(cursor: QTextCursor, text: str) -> None:
            width = 1 if text.startswith("\t") else min(_leading(text.replace("\t", "x")), len(INDENT))
            cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, width)
            cursor.removeSelectedText()

        self._edit_lines(first, last, dedent)
        if multi:
            self._select_lines(first, last)

    def _new_line(self) -> None:
        cursor = self.textCursor()
        before = QTextCursor(cursor)
        before.setPosition(cursor.selectionStart())
        before.movePosition(QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveMode.KeepAnchor)
        text = before.selectedText()
        indent = text[:_leading(text)]
        state = max(before.block().previous().userState(), NORMAL)
        code, _state = _code_part(text, state)
        if state == NORMAL and code.endswith(":"):
            indent += INDENT
        cursor.insertText("\n" + indent)
        self.setTextCursor(cursor)

    def _backspace_indent(self) -> bool:
        """Backspace inside the indentation goes back to the previous tab stop."""
        cursor = self.textCursor()
        if cursor.hasSelection():
            return False
        before = cursor.block().text()[:cursor.positionInBlock()]
        if not before or before.strip(" "):
            return False
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor,
                            len(before) % len(INDENT) or len(INDENT))
        cursor.removeSelectedText()
        return True

    def toggle_comment(self) -> None:
        """Comment the selected lines out with '# ' at their common indentation, or, when
        every non-blank one is already a comment, uncomment them."""
        first, last, multi = self._selected_lines()
        doc = self.document()
        texts = [doc.findBlockByNumber(n).text() for n in range(first, last + 1)]
        code = [text for text in texts if text.strip()]
        if not code:
            return
        uncomment = all(text.lstrip().startswith("#") for text in code)
        column = min(_leading(text) for text in code)

        def toggle(cursor: QTextCursor, text: str) -> None:
            if not text.strip():
                return
            if uncomment:
                lead = _leading(text)
                cursor.setPosition(cursor.position() + lead)
                width = 2 if text[lead:].startswith("# ") else 1
                cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, width)
                cursor.removeSelectedText()
            else:
                cursor.setPosition(cursor.position() + column)
                cursor.insertText("# ")

        self._edit_lines(first, last, toggle)
        if multi:
            self._select_lines(first, last)


def _decode(data: bytes) -> tuple[str, str, bool]:
    """(text with '\\n' line ends, the file's line end, whether it starts with a BOM)."""
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig" if bom else "utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline, bom


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a
    part: a temporary file in the same folder, synced, then renamed over the target. The
    file keeps its permissions; a symlink keeps pointing at the file it pointed at."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself survive a power cut
        with contextlib.suppress(OSError):
            folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


class _MessageBar(QFrame):
    """A notice above the code, with optional buttons; it never blocks the editor."""

    INFO, WARNING, ERROR = "info", "warning", "error"
    _LOOK: ClassVar[dict[str, tuple[str, str, QStyle.StandardPixmap]]] = {
        INFO: ("#e8f1fb", "#9ec2e6", QStyle.StandardPixmap.SP_MessageBoxInformation),
        WARNING: ("#fff4d6", "#e0c36c", QStyle.StandardPixmap.SP_MessageBoxWarning),
        ERROR: ("#fde7e7", "#e09a9a", QStyle.StandardPixmap.SP_MessageBoxCritical)}

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.kind = ""
        self.topic = ""  # what the notice is about, so that it is withdrawn with its cause
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.icon = QLabel()
        layout.addWidget(self.icon)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self._buttons = QHBoxLayout()
        layout.addLayout(self._buttons)
        close = QToolButton()
        close.setObjectName("MessageBarClose")
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.hide()

    def show_message(self, kind: str, topic: str, text: str,
                     actions: Sequence[tuple[str, str, Callable[[], None]]] = ()) -> None:
        """``actions`` are (label, object name, callback); any button also dismisses the bar."""
        while (item := self._buttons.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for label, name, callback in actions:
            button = QPushButton(label)
            button.setObjectName(name)
            button.clicked.connect(self.dismiss)
            button.clicked.connect(callback)
            self._buttons.addWidget(button)
        background, border, icon = self._LOOK[kind]
        self.setStyleSheet(f"#MessageBar {{ background: {background}; border: 1px solid {border};"
                           " border-radius: 3px; } #MessageBar QLabel { color: #1f1f1f; }")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        self.kind, self.topic = kind, topic
        self.label.setText(text)
        self.show()

    def dismiss(self) -> None:
        self.kind = self.topic = ""
        self.hide()

    def withdraw(self, *topics: str) -> None:
        if self.topic in topics:
            self.dismiss()


class UnitEditor(QWidget):
    """The tab that edits a form's unit file; see the module docstring for its disk rules."""

    modifiedChanged = Signal(bool)
    saved = Signal(object)  # Path
    reloaded = Signal(object)  # Path: the text changed under the form, its unit may need loading

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self._disk_bytes: bytes | None = None
        self._newline = "\n"
        self._bom = False
        self._read_only_reason = ""

        self.path_label = QLabel()
        self.path_label.setObjectName("UnitPath")
        self.path_label.setMinimumWidth(40)
        self.status_label = QLabel()
        self.status_label.setObjectName("UnitStatus")
        header = QHBoxLayout()
        header.setContentsMargins(6, 3, 6, 3)
        header.addWidget(self.path_label, 1)
        header.addWidget(self.status_label)
        self.message_bar = _MessageBar(self)
        self.editor = CodeEditor(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.editor, 1)

        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._schedule_check)
        self._watcher.directoryChanged.connect(self._schedule_check)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._check_disk)
        self.editor.document().modificationChanged.connect(self._on_modification_changed)
        self._update_header()

    # -- file -------------------------------------------------------------------------------
    def open_file(self, path: Path) -> None:
        """Show ``path``; a missing file is a new, empty unit that saving creates."""
        self._stop_watching()
        self.path = Path(path)
        self.message_bar.dismiss()
        try:
            data: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            self._set_text(None, keep_position=False)
            self._read_only_reason = self.tr("%1 cannot be read: %2").replace("%1", self.path.name).replace(
                "%2", exc.strerror or str(exc))
            self._disk_bytes = b""  # unknown content: nothing on disk may be overwritten
            self._apply_read_only()
            self._watch()
            return
        self._set_text(data, keep_position=False)
        self._watch()

    def save(self) -> bool:
        if self.path is None:
            self._notify(_MessageBar.ERROR, "save", self.tr("There is no file to save to."))
            return False
        if self._read_only_reason:
            self._notify(_MessageBar.ERROR, "save", self.tr("Not saved. %1").replace("%1", self._read_only_reason))
            return False
        text = self.editor.source()
        try:
            data = (b"\xef\xbb\xbf" if self._bom else b"") + text.replace("\n", self._newline).encode("utf-8")
            write_atomically(self.path, data)
        except (OSError, UnicodeEncodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self._notify(_MessageBar.ERROR, "save", self.tr("Could not save %1: %2").replace(
                "%1", str(self.path)).replace("%2", reason))
            return False
        self._disk_bytes = data
        self.editor.document().setModified(False)
        self.message_bar.withdraw("save", "disk")
        self._watch()
        self._update_header()
        self.saved.emit(self.path)
        return True

    def is_modified(self) -> bool:
        return self.editor.document().isModified()

    def is_read_only(self) -> bool:
        return bool(self._read_only_reason)

    def _set_text(self, data: bytes | None, *, keep_position: bool) -> None:
        self._disk_bytes = data
        self._read_only_reason = ""
        text, self._newline, self._bom = "", "\n", False
        if data is not None:
            try:
                text, self._newline, self._bom = _decode(data)
            except UnicodeDecodeError as exc:
                text = data.decode("utf-8", errors="replace")
                self._read_only_reason = self.tr(
                    "%1 is not UTF-8 text (byte 0x%2 at offset %3), so it is shown read-only and "
                    "will not be saved from here.").replace("%1", self.path.name if self.path else "").replace(
                    "%2", f"{data[exc.start]:02x}").replace("%3", str(exc.start))
        if keep_position:
            cursor = self.editor.textCursor()
            line, column = cursor.blockNumber(), cursor.positionInBlock()
            scroll = self.editor.verticalScrollBar().value()
            self.editor.replace_source(text)
            block = self.editor.document().findBlockByNumber(min(line, self.editor.blockCount() - 1))
            cursor.setPosition(block.position() + min(column, block.length() - 1))
            self.editor.setTextCursor(cursor)
            self.editor.verticalScrollBar().setValue(scroll)
        else:
            self.editor.set_source(text)
        self.editor.clear_errors()
        self.editor.document().setModified(False)
        self._apply_read_only()

    def _apply_read_only(self) -> None:
        self.editor.setReadOnly(bool(self._read_only_reason))
        if self._read_only_reason:
            self._notify(_MessageBar.ERROR, "encoding", self._read_only_reason)
        else:
            self.message_bar.withdraw("encoding")
        self._update_header()

    # -- watching the disk --------------------------------------------------------------------
    def _watch(self) -> None:
        if self.path is None:
            return
        folder = str(self.path.parent)
        if folder not in self._watcher.directories() and self.path.parent.is_dir():
            self._watcher.addPath(folder)
        file = str(self.path)
        if file in self._watcher.files():  # may still follow the inode a replace unlinked
            self._watcher.removePath(file)
        if self.path.exists():
            self._watcher.addPath(file)

    def _stop_watching(self) -> None:
        self._settle.stop()
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    def _schedule_check(self, _path: str = "") -> None:
        if not self._settle.isActive():  # a busy folder must not postpone the check forever
            self._settle.start()

    def _check_disk(self) -> None:
        if self.path is None:
            return
        try:
            data: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError:
            return  # unreadable for a moment; the next notification tries again
        finally:
            self._watch()
        if data == self._disk_bytes:
            return
        self._disk_bytes = data
        name = self.path.name
        if data is None:
            self.editor.document().setModified(True)  # the text now exists only here
            self._notify(_MessageBar.WARNING, "disk", self.tr(
                "%1 was deleted or moved on disk. Saving will create it again.").replace("%1", name))
        elif not self.is_modified() or self.is_read_only():
            self._reload(data)
        else:
            self._notify(_MessageBar.WARNING, "disk", self.tr(
                "%1 changed on disk. Reload from disk and lose your edits?").replace("%1", name),
                [(self.tr("Reload"), "ReloadButton", self._reload_from_disk),
                 (self.tr("Keep my edits"), "KeepButton", lambda: None)])

    def _reload(self, data: bytes) -> None:
        self._set_text(data, keep_position=True)
        self.message_bar.withdraw("disk")
        if self.path is not None:
            self.reloaded.emit(self.path)

    def _reload_from_disk(self) -> None:
        """Reload as the file is now, which may be newer than the change that was asked about."""
        if self.path is None:
            return
        try:
            self._reload(self.path.read_bytes())
        except OSError as exc:
            self._notify(_MessageBar.ERROR, "disk", self.tr("Could not reload %1: %2").replace(
                "%1", self.path.name).replace("%2", exc.strerror or str(exc)))

    # -- handlers and errors ------------------------------------------------------------------
    def ensure_handler(self, name: str, stub: str) -> None:
        """Show handler ``name``, appending ``stub`` first if the unit has no such function."""
        if self.is_read_only():
            self._notify(_MessageBar.ERROR, "handler", self.tr("%1 was not added: %2").replace(
                "%1", name).replace("%2", self._read_only_reason))
            return
        line = self.editor.find_function(name)
        if line is None:
            self.editor.append_stub(stub)
        else:
            self.editor.go_to_line(line)
            self.editor.move_into_body(line)
        self.editor.centerCursor()
        self.editor.setFocus()

    def rename_function(self, old: str, new: str) -> bool:
        """Rename ``def old(`` to ``def new(`` (calls are the user's business). False when
        there is no such function, or when renaming it would shadow an existing ``new``."""
        if not new.isidentifier() or keyword.iskeyword(new):
            raise ValueError(f"{new!r} is not a Python function name")
        line = self.editor.find_function(old)
        if line is None or self.is_read_only():
            return False
        if old == new:
            return True
        if self.editor.find_function(new) is not None:
            self._notify(_MessageBar.WARNING, "handler", self.tr(
                "%1 was not renamed: the unit already has a function %2.").replace("%1", old).replace("%2", new))
            return False
        block = self.editor.document().findBlockByNumber(line - 1)
        match = re.match(rf"(\s*(?:async\s+)?def\s+){re.escape(old)}\b", block.text())
        assert match is not None  # find_function matched this line
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + match.end(1))
        cursor.setPosition(block.position() + match.end(), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(new)
        return True

    def show_error(self, line: int, message: str) -> None:
        """Mark ``line`` (0 = unknown) and tell ``message`` in the bar, with a way to go there."""
        self.editor.mark_error(line, message)
        if line < 1:
            self._notify(_MessageBar.ERROR, "unit", message)
            return
        self._notify(_MessageBar.ERROR, "unit", self.tr("Line %1: %2").replace("%1", str(line)).replace(
            "%2", message), [(self.tr("Go to line"), "GoToErrorButton", lambda: self._go_to_error(line))])

    def clear_errors(self) -> None:
        self.editor.clear_errors()
        self.message_bar.withdraw("unit")

    def _go_to_error(self, line: int) -> None:
        self.editor.go_to_line(line)
        self.editor.setFocus()

    # -- presentation -------------------------------------------------------------------------
    def _notify(self, kind: str, topic: str, text: str,
                actions: Sequence[tuple[str, str, Callable[[], None]]] = ()) -> None:
        self.message_bar.show_message(kind, topic, text, actions)

    def _on_modification_changed(self, modified: bool) -> None:
        self._update_header()
        self.modifiedChanged.emit(modified)

    def _update_header(self) -> None:
        full = str(self.path) if self.path else self.tr("(no unit)")
        self.path_label.setToolTip(full)
        self.path_label.setText(self.path_label.fontMetrics().elidedText(
            full, Qt.TextElideMode.ElideMiddle, max(self.path_label.width(), 40)))
        if self.is_read_only():
            status, colour = self.tr("Read-only"), "#c62828"
        elif self.is_modified():
            status, colour = self.tr("● Modified"), "#b26a00"
        elif self.path is not None and self._disk_bytes is None:
            status, colour = self.tr("New file"), "#6b6b6b"
        else:
            status, colour = "", "#6b6b6b"
        self.status_label.setText(status)
        self.status_label.setStyleSheet(f"color: {colour};")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_header()

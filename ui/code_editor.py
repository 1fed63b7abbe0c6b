"""The unit's code editor widget: line numbers, Python indentation keys, error marks,
finding and adding handlers. ``ui.unit_editor.UnitEditor`` is the tab that owns the file."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
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
    QTextEdit,
    QToolTip,
    QWidget,
)

from ui.fonts import fixed_pitch_font
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
        self._label = QLabel(self.tr("Go to line:"))
        layout.addWidget(self._label)
        self.field = QLineEdit()
        self.field.setObjectName("GoToLineField")
        self._validator = QIntValidator(1, 1, self.field)
        self.field.setValidator(self._validator)
        self.field.setFixedWidth(90)
        self.field.returnPressed.connect(self._accept)
        layout.addWidget(self.field)
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._label.setText(self.tr("Go to line:"))
        super().changeEvent(event)

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
        font = fixed_pitch_font()
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
        if self.cursorRect().right() < self.viewport().width():
            self.horizontalScrollBar().setValue(0)  # keep line starts in view when the line fits

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

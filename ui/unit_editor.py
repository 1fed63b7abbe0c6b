"""UnitEditor: the tab beside the form designer where the unit's handlers are written.

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

import keyword
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QEvent, QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import (
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.atomic_file import write_atomically
from app.qt.i18n import arg
from ui.code_editor import CodeEditor
from ui.retranslate import is_language_change

SETTLE_MS = 100  # let a burst of watcher notifications settle before reading the file


def _decode(data: bytes) -> tuple[str, str, bool]:
    """(text with '\\n' line ends, the file's line end, whether it starts with a BOM)."""
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig" if bom else "utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline, bom




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
        self._close = close
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._close.setToolTip(self.tr("Dismiss"))
        super().changeEvent(event)

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
        self._origin = ""  # where untitled text came from (an example's unit)
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
        self._origin = ""
        self.message_bar.dismiss()
        try:
            data: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            self._set_text(None, keep_position=False)
            self._read_only_reason = arg(self.tr("%1 cannot be read: %2"), self.path.name, exc.strerror or str(exc))
            self._disk_bytes = b""  # unknown content: nothing on disk may be overwritten
            self._apply_read_only()
            self._watch()
            return
        self._set_text(data, keep_position=False)
        self._watch()

    def start_untitled(self, text: str = "", origin: str = "") -> None:
        """Show ``text`` with no file yet (a new form, or an example's copy, whose unit
        is written beside the form when the form is first saved). ``origin`` names the
        file the text came from, for the header."""
        self._stop_watching()
        self.path = None
        self._origin = origin
        self.message_bar.dismiss()
        self._set_text(text.encode("utf-8"), keep_position=False)
        self._disk_bytes = None

    def needs_saving(self) -> bool:
        """Edited, or text that its (new) file does not hold yet."""
        return self.is_modified() or (self.path is not None and self._disk_bytes is None
                                      and bool(self.editor.source()))

    def shutdown(self) -> None:
        """Stop watching the file (the window is closing)."""
        self._settle.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def save(self) -> bool:
        if self.path is None:
            self._notify(_MessageBar.ERROR, "save", self.tr("There is no file to save to."))
            return False
        if self._read_only_reason:
            self._notify(_MessageBar.ERROR, "save", arg(self.tr("Not saved. %1"), self._read_only_reason))
            return False
        text = self.editor.source()
        try:
            data = (b"\xef\xbb\xbf" if self._bom else b"") + text.replace("\n", self._newline).encode("utf-8")
            write_atomically(self.path, data)
        except (OSError, UnicodeEncodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self._notify(_MessageBar.ERROR, "save", arg(self.tr("Could not save %1: %2"), str(self.path), reason))
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
                self._read_only_reason = arg(self.tr(
                    "%1 is not UTF-8 text (byte 0x%2 at offset %3), so it is shown read-only and "
                    "will not be saved from here."), self.path.name if self.path else "",
                    f"{data[exc.start]:02x}", exc.start)
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
            self._notify(_MessageBar.WARNING, "disk",
                         arg(self.tr("%1 was deleted or moved on disk. Saving will create it again."), name))
        elif not self.is_modified() or self.is_read_only():
            self._reload(data)
        else:
            self._notify(_MessageBar.WARNING, "disk",
                         arg(self.tr("%1 changed on disk. Reload from disk and lose your edits?"), name),
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
            self._notify(_MessageBar.ERROR, "disk", arg(self.tr("Could not reload %1: %2"), self.path.name,
                                                        exc.strerror or str(exc)))

    # -- handlers and errors ------------------------------------------------------------------
    def ensure_handler(self, name: str, stub: str) -> None:
        """Show handler ``name``, appending ``stub`` first if the unit has no such function."""
        if self.is_read_only():
            self._notify(_MessageBar.ERROR, "handler", arg(self.tr("%1 was not added: %2"), name,
                                                           self._read_only_reason))
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
            self._notify(_MessageBar.WARNING, "handler",
                         arg(self.tr("%1 was not renamed: the unit already has a function %2."), old, new))
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
        self._notify(_MessageBar.ERROR, "unit", arg(self.tr("Line %1: %2"), str(line), message),
                     [(self.tr("Go to line"), "GoToErrorButton", lambda: self._go_to_error(line))])

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
        if self.path is not None:
            full = str(self.path)
        elif self._origin:
            full = arg(self.tr("(not saved yet: a copy of %1)"), self._origin)
        else:
            full = self.tr("(no unit)")
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

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._update_header()
        super().changeEvent(event)

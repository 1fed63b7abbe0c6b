"""The Messages panel: the form's saved messages, sent with a click, Ctrl+1...9 or a repeat.

The table lists the messages (name, kind, data, shortcut); cells are edited in
place and every edit, addition, removal and move goes through the undo stack
(FormModel.add_message ...). A message is sent

* with **Send** (or a double click, or Ctrl+1 ... Ctrl+9 for the first nine) to
  where the Connections panel points: its selected connection, or a ClientSocket's
  own connection;
* with **Send to all** to every connection of the selected ServerSocket (every peer
  seen of a UdpSocket);
* with **Repeat** every N ms, a number of times (0: until stopped), to the same
  target as Send. Repeats run in the engine (app.core.repeat), not on a GUI timer;
  the list below shows every running repeat (those the repeat action started too),
  and **Stop** ends the selected one.

Sending with nothing to send to says so in the panel and the status bar. Sends to a
blocking connection run on a short-lived worker thread, as in the Connections panel.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.builtin_actions import send_or_report, start_repeat
from app.core.messages import KINDS, Message
from app.core.repeat import MAX_COUNT, MAX_INTERVAL_MS, MIN_INTERVAL_MS, REPEATS, Repeat
from app.core.templates import Context
from app.qt.form_model import EditRefused, FormModel
from app.qt.i18n import QT_TRANSLATE_NOOP, arg
from components import ClientSocket, ServerSocket, UdpSocket
from components.connection import BlockingWinSocket, CustomWinSocket
from components.udp_socket import UdpWinSocket
from ui.connections_panel import ConnectionsPanel
from ui.retranslate import is_language_change, refresh_model

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
REFRESH_MS = 250
SHORTCUTS = 9  # Ctrl+1 ... Ctrl+9
PANEL_SOURCE = "Send from the Messages panel"  # names the sender in a "not sent" record
NEW_MESSAGE_DATA = "hello\\r\\n"


def kind_title(kind: str) -> str:
    """A message kind as users read it."""
    if kind == "hex":
        return QCoreApplication.translate("MessagesPanel", "hex")
    return QCoreApplication.translate("MessagesPanel", "text")


class MessagesModel(QAbstractTableModel):
    """The form's saved messages; edits go to the FormModel (and its undo stack)."""

    COLUMNS = (QT_TRANSLATE_NOOP("MessagesModel", "Message"), QT_TRANSLATE_NOOP("MessagesModel", "Kind"),
               QT_TRANSLATE_NOOP("MessagesModel", "Data"), QT_TRANSLATE_NOOP("MessagesModel", "Key"))
    NAME, KIND, DATA, KEY = range(4)
    refused = Signal(str)  # an edit the form model refused, and why

    def __init__(self, model: FormModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form_model = model
        self._rows = model.messages()
        model.messagesChanged.connect(self._reload)

    def _reload(self) -> None:
        self.beginResetModel()
        self._rows = self.form_model.messages()
        self.endResetModel()

    def message(self, row: int) -> Message | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
                   ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.tr(self.COLUMNS[section])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() != self.KEY:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        message = self.message(index.row()) if index.isValid() else None
        if message is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.NAME:
                return message.name
            if column == self.KIND:
                return message.kind if role == Qt.ItemDataRole.EditRole else kind_title(message.kind)
            if column == self.DATA:
                return message.data
            if column == self.KEY:
                return f"Ctrl+{index.row() + 1}" if index.row() < SHORTCUTS else ""
        if role == Qt.ItemDataRole.ToolTipRole and column == self.NAME:
            return message.name
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DATA:
            try:
                preview = message.compile().render(Context()).hex(" ").upper()
            except ValueError as exc:
                return str(exc)
            return arg(self.tr("Sends: %1"), preview[:200])
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        message = self.message(index.row()) if index.isValid() else None
        if message is None or role != Qt.ItemDataRole.EditRole or not isinstance(value, str):
            return False
        column = index.column()
        if column == self.NAME:
            changed = Message(value, message.kind, message.data)
        elif column == self.KIND:
            changed = Message(message.name, value, message.data)
        elif column == self.DATA:
            changed = Message(message.name, message.kind, value)
        else:
            return False
        try:
            self.form_model.edit_message(index.row(), changed)
        except EditRefused as exc:
            self.refused.emit(str(exc))
            return False
        return True


class KindDelegate(QStyledItemDelegate):
    """A combo for the Kind column (text / hex)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        combo = QComboBox(parent)
        for kind in KINDS:
            combo.addItem(kind_title(kind), kind)
        return combo

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class RepeatsModel(QAbstractListModel):
    """The repeats running now (app.core.repeat.REPEATS), refreshed by the panel."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Repeat] = []

    def refresh(self) -> None:
        rows = REPEATS.running()
        if rows != self._rows:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        elif rows:
            self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))

    def repeat(self, row: int) -> Repeat | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        repeat = self.repeat(index.row()) if index.isValid() else None
        if repeat is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        conn = repeat.conn
        destination = conn.destination() if isinstance(conn, UdpWinSocket) else None
        peer = conn.peer or (f"{destination[0]}:{destination[1]}" if isinstance(destination, tuple)
                             else f"#{conn.id}")
        every = f"{repeat.interval * 1000:g}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if repeat.count:
                return arg(self.tr("%1 to %2 every %3 ms: %4 of %5 sent"), repeat.name, peer, every,
                           str(repeat.sent), str(repeat.count))
            return arg(self.tr("%1 to %2 every %3 ms: %4 sent, until stopped"), repeat.name, peer, every,
                       str(repeat.sent))
        sent = f"{repeat.sent}/{repeat.count}" if repeat.count else str(repeat.sent)
        return arg(self.tr("%1 → %2 · %3 ms · %4 sent"), repeat.name, peer, every, sent)


class MessagesPanel(QWidget):
    """Saved messages: edit them, send them, repeat them."""

    message = Signal(str)  # for the status bar
    _said = Signal(str, bool)  # how a send went (from whichever thread ran it)
    _repeat_ended = Signal()  # from the engine's thread

    def __init__(self, model: FormModel, connections: ConnectionsPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessagesPanel")
        self.form_model = model
        self.connections = connections
        self.messages = MessagesModel(model, self)
        self.repeats = RepeatsModel(self)
        self._counters: dict[tuple[int, str], int] = {}  # (connection id, message) -> sends so far

        self.view = QTableView()
        self.view.setModel(self.messages)
        self.view.setItemDelegateForColumn(MessagesModel.KIND, KindDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MessagesModel.DATA, QHeaderView.ResizeMode.Stretch)
        metrics = self.view.fontMetrics()
        pad = metrics.horizontalAdvance("M") * 2
        for column, sample in ((MessagesModel.NAME, "read holding"), (MessagesModel.KIND, "text"),
                               (MessagesModel.KEY, "Ctrl+9")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + pad)

        self.add_button = self._tool(self.add_message)
        self.remove_button = self._tool(self.remove_selected)
        self.up_button = self._tool(lambda: self.move_selected(-1))
        self.down_button = self._tool(lambda: self.move_selected(1))
        self.send_button = QPushButton()
        self.send_all_button = QPushButton()
        self.interval = QSpinBox()
        self.interval.setRange(MIN_INTERVAL_MS, MAX_INTERVAL_MS)
        self.interval.setValue(1000)
        self.count = QSpinBox()
        self.count.setRange(0, MAX_COUNT)
        self.repeat_button = QPushButton()
        self.repeat_view = QListView()
        self.repeat_view.setModel(self.repeats)
        self.repeat_view.setUniformItemSizes(True)
        self.repeat_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.repeat_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # as many rows as repeats, up to two, then it scrolls; hidden while nothing repeats, so
        # the messages get the room
        self._repeat_row_height = self.repeat_view.fontMetrics().height() + 4
        self.stop_button = QPushButton()
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)

        edit_row = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            edit_row.addWidget(button)
        edit_row.addStretch(1)
        edit_row.addWidget(self.send_button)
        edit_row.addWidget(self.send_all_button)
        repeat_row = QHBoxLayout()
        self.every_label = QLabel()
        repeat_row.addWidget(self.every_label)
        repeat_row.addWidget(self.interval, 1)
        repeat_row.addWidget(self.count, 1)
        repeat_row.addWidget(self.repeat_button)
        repeat_row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(edit_row)
        layout.addWidget(self.view, 1)
        layout.addLayout(repeat_row)
        layout.addWidget(self.repeat_view)
        layout.addWidget(self.feedback)

        self.send_button.clicked.connect(lambda: self.send_selected())
        self.send_all_button.clicked.connect(lambda: self.send_selected(to_all=True))
        self.repeat_button.clicked.connect(self.repeat_selected)
        self.stop_button.clicked.connect(self.stop_selected_repeat)
        self.view.doubleClicked.connect(self._double_clicked)
        self.messages.refused.connect(lambda text: self._show(text, True))
        self.messages.modelReset.connect(self._update_buttons)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._said.connect(self._show)
        self._repeat_ended.connect(self.repeats.refresh)
        self.shortcut_actions: list[QAction] = []
        for n in range(SHORTCUTS):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{n + 1}"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, row=n: self.send_row(row))
            self.addAction(action)
            self.shortcut_actions.append(action)
        self._timer = QTimer(self)  # refreshes the list of repeats and the buttons; sends nothing
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.retranslate_ui()
        self.refresh()

    def retranslate_ui(self) -> None:
        """Every text the panel sets itself, in the current language (at start and on
        LanguageChange; the models translate in data())."""
        for button, text, tip in (
                (self.add_button, self.tr("Add"), self.tr("Add a message")),
                (self.remove_button, self.tr("Remove"), self.tr("Remove the selected messages")),
                (self.up_button, self.tr("Up"), self.tr("Move the message up")),
                (self.down_button, self.tr("Down"), self.tr("Move the message down")),
                (self.send_button, self.tr("Send"),
                 self.tr("Send the message to the connection selected in the Connections panel (or a "
                         "client's own connection)")),
                (self.send_all_button, self.tr("Send to all"),
                 self.tr("Send the message to every connection of the selected server")),
                (self.repeat_button, self.tr("Repeat"),
                 self.tr("Send the message every interval to the same connection as Send")),
                (self.stop_button, self.tr("Stop"),
                 self.tr("Stop the selected repeat (all of them when none is selected)"))):
            button.setText(text)
            button.setToolTip(tip)
        self.interval.setSuffix(self.tr(" ms"))
        self.interval.setToolTip(self.tr("Repeat interval (1 ms resolution)"))
        self.count.setSpecialValueText(self.tr("until stopped"))
        self.count.setPrefix(self.tr("× "))
        self.count.setToolTip(self.tr("How many times (0: until stopped)"))
        self.every_label.setText(self.tr("Every"))
        for n, action in enumerate(self.shortcut_actions):
            action.setText(arg(self.tr("Send message %1"), str(n + 1)))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            refresh_model(self.messages)
            refresh_model(self.repeats)
        super().changeEvent(event)

    def _tool(self, slot: Any) -> QToolButton:
        button = QToolButton()
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(slot)
        return button

    # -- state ------------------------------------------------------------------
    def refresh(self) -> None:
        self.repeats.refresh()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_row() is not None
        rows = self.selected_rows()
        self.remove_button.setEnabled(bool(rows))
        self.up_button.setEnabled(len(rows) == 1 and rows[0] > 0)
        self.down_button.setEnabled(len(rows) == 1 and rows[0] < self.messages.rowCount() - 1)
        self.send_button.setEnabled(has)
        self.repeat_button.setEnabled(has)
        self.send_all_button.setEnabled(has and isinstance(self.connections.component(), ServerSocket | UdpSocket))
        repeating = self.repeats.rowCount() > 0
        self.stop_button.setEnabled(repeating)
        self.repeat_view.setVisible(repeating)
        self.stop_button.setVisible(repeating)
        shown = min(self.repeats.rowCount(), 2) or 1
        self.repeat_view.setFixedHeight(shown * self._repeat_row_height + 2 * self.repeat_view.frameWidth() + 2)

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.view.selectionModel().selectedRows())

    def current_row(self) -> int | None:
        rows = self.selected_rows()
        if rows:
            return rows[0]
        current = self.view.currentIndex()
        return current.row() if current.isValid() else None

    def _show(self, text: str, error: bool = False) -> None:
        self.feedback.setStyleSheet("color: #c62828;" if error else "")
        self.feedback.setText(text)
        self.message.emit(text)

    # -- editing ------------------------------------------------------------------
    def add_message(self) -> None:
        row = self.current_row()
        at = row + 1 if row is not None else None
        name = self.form_model.document.messages.free_name(self.tr("message"))
        row = self.form_model.add_message(Message(name, "text", NEW_MESSAGE_DATA), at)
        self.view.selectRow(row)
        self.view.edit(self.messages.index(row, MessagesModel.NAME))

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.form_model.remove_messages(rows)

    def move_selected(self, delta: int) -> None:
        rows = self.selected_rows()
        if len(rows) != 1:
            return
        to = rows[0] + delta
        if 0 <= to < self.messages.rowCount():
            self.form_model.move_message(rows[0], to)
            self.view.selectRow(to)

    # -- sending ------------------------------------------------------------------
    def targets(self, to_all: bool = False) -> list[CustomWinSocket]:
        """Where a send goes: every connection of the selected server, or the Connections
        panel's target (its selected connection, a client's own connection)."""
        if to_all:
            comp = self.connections.component()
            if isinstance(comp, ServerSocket):
                return list(comp.socket.connections)
            if isinstance(comp, UdpSocket):
                return list(comp.socket.peers) if comp.socket.connected else []
            if isinstance(comp, ClientSocket) and comp.socket.connected:
                return [comp.socket]
            return []
        target = self.connections.target()
        return [target] if target is not None else []

    def _no_target(self, to_all: bool) -> str:
        comp = self.connections.component()
        if comp is None:
            return self.tr("Nothing to send to: select a client or a server on the form")
        if isinstance(comp, ClientSocket):
            return arg(self.tr("Nothing to send to: %1 is not connected"), comp.name)
        if to_all:
            return arg(self.tr("Nothing to send to: %1 has no connections"), comp.name)
        return arg(self.tr("Nothing to send to: select one of %1's connections in the Connections panel"),
                   comp.name)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() == MessagesModel.KEY:
            self.send_row(index.row())

    def send_selected(self, to_all: bool = False) -> None:
        row = self.current_row()
        if row is None:
            self._show(self.tr("Select a message first"), True)
            return
        self.send_row(row, to_all)

    def send_row(self, row: int, to_all: bool = False) -> None:
        message = self.messages.message(row)
        if message is None:
            self._show(arg(self.tr("There is no message %1"), str(row + 1)), True)
            return
        conns = self.targets(to_all)
        if not conns:
            self._show(self._no_target(to_all), True)
            return
        encoding = self.connections.component().encoding
        try:
            template = message.compile()
        except ValueError as exc:
            self._show(str(exc), True)
            return
        label = f"message {message.name!r}"
        jobs = []
        for conn in conns:
            key = (conn.id, message.name)
            self._counters[key] = self._counters.get(key, 0) + 1
            data = template.render(Context(counter=self._counters[key], encoding=encoding))
            jobs.append((conn, data))
        blocking = [job for job in jobs if isinstance(job[0], BlockingWinSocket)]
        loop_jobs = [job for job in jobs if not isinstance(job[0], BlockingWinSocket)]
        if blocking:
            threading.Thread(target=self._send_jobs, args=(blocking, message.name, label), name="send",
                             daemon=True).start()
        if loop_jobs:
            self._send_jobs(loop_jobs, message.name, label)

    def _send_jobs(self, jobs: list[tuple[CustomWinSocket, bytes]], name: str, label: str) -> None:
        """Send, and say how it went (one line for many connections)."""
        failures = []
        for conn, data in jobs:
            try:
                why_not = send_or_report(conn, data, PANEL_SOURCE, label)
            except Exception as exc:  # reported through the engine's error path already
                why_not = str(exc)
            if why_not:
                failures.append(f"{conn.peer}: {why_not}")
        if failures:
            self._said.emit(arg(self.tr("%1 not sent to %2"), name, "; ".join(failures)), True)
        elif len(jobs) == 1:
            self._said.emit(arg(self.tr("Sent %1 to %2"), name, jobs[0][0].peer), False)
        else:
            self._said.emit(arg(self.tr("Sent %1 to %2 connections"), name, str(len(jobs))), False)

    # -- repeating ----------------------------------------------------------------
    def repeat_selected(self) -> list[Repeat]:
        row = self.current_row()
        message = self.messages.message(row) if row is not None else None
        if message is None:
            self._show(self.tr("Select a message first"), True)
            return []
        conns = self.targets()
        if not conns:
            self._show(self._no_target(False), True)
            return []
        comp = self.connections.component()
        started = [start_repeat(conn, message, self.interval.value(), self.count.value(),
                                lambda: comp.encoding, lambda _r: self._repeat_ended.emit())
                   for conn in conns]
        self.repeats.refresh()
        self._update_buttons()
        self._show(arg(self.tr("Repeating %1 every %2 ms"), message.name, str(self.interval.value())))
        return started

    def stop_selected_repeat(self) -> None:
        rows = self.repeat_view.selectionModel().selectedRows() if self.repeat_view.selectionModel() else []
        chosen = [self.repeats.repeat(i.row()) for i in rows]
        doomed = [r for r in chosen if r is not None] or REPEATS.running()
        for repeat in doomed:
            repeat.stop()
        self._show(self.tr("Stopped %n repeat(s)", "", len(doomed)))
        self.repeats.refresh()

    def shutdown(self) -> None:
        self._timer.stop()

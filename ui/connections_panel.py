"""The Connections panel: a component's live connections, and a box to send to one.

For the selected ServerSocket it lists every open connection (peer, connected
since, bytes in and out, thread); for a ClientSocket its own connection; for a
UdpSocket the peers it has heard from or sent to (ui.udp_peers_model: datagrams and
bytes each way, last seen). The send box sends text (with a line ending: none, LF or
CRLF), hex (validated) or a file to the selected connection, or closes it; for a
UdpSocket it sends one datagram to the selected peer, or with none selected to the
default destination (RemoteHost / RemoteAddress, RemotePort / Service).

Sends to a blocking connection (ctBlocking, stThreadBlocking) block until the
kernel has taken the bytes, so they run on a short-lived worker thread; the
window never waits on the network.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.builtin_actions import parse_hex, send_or_report, send_stream_or_report, unescape_text
from app.core.local_time import clock_seconds, date_and_time
from app.qt.engine_host import EngineHost
from app.qt.form_model import FormModel
from app.qt.i18n import QT_TRANSLATE_NOOP, arg
from components import ClientSocket, ServerSocket, ServerType, UdpSocket
from components.connection import BlockingWinSocket, CustomWinSocket
from ui.byte_text import human_bytes
from ui.retranslate import is_language_change, refresh_model
from ui.tls_details import TlsDetails, tls_tooltip
from ui.udp_peers_model import UdpPeersModel

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
REFRESH_MS = 250
PANEL_SOURCE = "Send from the Connections panel"  # names the sender in a "not sent" record


class ConnectionsModel(QAbstractTableModel):
    """The open connections of one component: a snapshot of the engine's list, brought up
    to date by ``refresh`` (the panel calls it every REFRESH_MS, however fast connections
    come and go).

    The view asks only for the rows it shows, so 20,000 connections cost a list of
    references. A refresh compares the new snapshot with the old in C (the connections
    are compared by identity), and when they differ tells the view what changed: the
    rows that closed, as ranges, and the new ones, which the engine appends at the end.
    Selection and scroll position survive that. Past MAX_REMOVED_RANGES separate ranges
    (a storm of closes all over the list) one reset is cheaper than that many signals.
    """

    COLUMNS = (QT_TRANSLATE_NOOP("ConnectionsModel", "Peer"), QT_TRANSLATE_NOOP("ConnectionsModel", "Since"),
               QT_TRANSLATE_NOOP("ConnectionsModel", "In"), QT_TRANSLATE_NOOP("ConnectionsModel", "Out"),
               QT_TRANSLATE_NOOP("ConnectionsModel", "Thread"))
    MAX_REMOVED_RANGES = 64

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._component: Any = None
        self._rows: list[CustomWinSocket] = []
        #: how the last refresh told the view (for tests and the bench): "", "same", "diff", "reset"
        self.last_refresh = ""

    def set_component(self, component: Any) -> None:
        self.beginResetModel()
        self._component = component
        self._rows = self._snapshot()
        self.endResetModel()

    def _snapshot(self) -> list[CustomWinSocket]:
        comp = self._component
        if isinstance(comp, ServerSocket):
            return comp.socket.connections
        if isinstance(comp, ClientSocket) and comp.socket.connected:
            return [comp.socket]
        return []

    def refresh(self, shown: tuple[int, int] | None = None) -> None:
        """Bring the rows up to date; the In and Out counts change for the rows ``shown``
        (first, last), all if None: a view repaints what it shows on any change, so telling
        it of 20,000 rows costs a repaint the rows it shows would have cost anyway."""
        rows = self._snapshot()
        old = self._rows
        if rows == old:  # element by element, by identity: in C
            self.last_refresh = "same"
        elif not self._apply_diff(old, rows):
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            self.last_refresh = "reset"
        else:
            self.last_refresh = "diff"
        first, last = shown if shown is not None else (0, len(self._rows) - 1)
        last = min(last, len(self._rows) - 1)
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first, 2), self.index(last, 4))

    def _apply_diff(self, old: list[CustomWinSocket], new: list[CustomWinSocket]) -> bool:
        """Tell the view the closed rows (ranges, last first) and the appended ones; False
        when the change is not of that shape, or has too many ranges (then reset)."""
        alive = set(map(id, new))
        gone = [row for row, conn in enumerate(old) if id(conn) not in alive]
        ranges: list[tuple[int, int]] = []
        for row in gone:
            if ranges and ranges[-1][1] == row - 1:
                ranges[-1] = (ranges[-1][0], row)
            else:
                ranges.append((row, row))
        if len(ranges) > self.MAX_REMOVED_RANGES:
            return False
        kept = len(old) - len(gone)
        survivors = [conn for conn in old if id(conn) in alive] if gone else old
        if new[:kept] != survivors:
            return False  # not "some closed, the rest appended": the order changed
        for first, last in reversed(ranges):
            self.beginRemoveRows(_ROOT, first, last)
            del self._rows[first:last + 1]
            self.endRemoveRows()
        if len(new) > kept:
            self.beginInsertRows(_ROOT, kept, len(new) - 1)
            self._rows = new
            self.endInsertRows()
        else:
            self._rows = new
        return True

    def row_of(self, conn: CustomWinSocket) -> int:
        """The row showing ``conn``, or -1."""
        for row, candidate in enumerate(self._rows):
            if candidate is conn:
                return row
        return -1

    def connection(self, row: int) -> CustomWinSocket | None:
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

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        conn = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return conn.peer or f"#{conn.id}"
            if column == 1:
                since = conn.connected_since
                return clock_seconds(since) if since else ""
            if column == 2:
                return human_bytes(conn.bytes_in)
            if column == 3:
                return human_bytes(conn.bytes_out)
            if column == 4:
                comp = self._component
                if isinstance(comp, ServerSocket):
                    thread = comp.socket.get_client_thread(conn)
                    return thread.name if thread is not None else self.tr("(event loop)")
                return self.tr("(event loop)") if not isinstance(conn, BlockingWinSocket) else ""
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (2, 3):
                count = conn.bytes_in if column == 2 else conn.bytes_out
                return arg(self.tr("%1 bytes %2"), str(count), self.tr("received") if column == 2 else self.tr("sent"))
            if column == 0 and conn.tls is not None:
                return tls_tooltip(conn)
            if column == 1 and conn.connected_since:
                return arg(self.tr("Connected since %1"), date_and_time(conn.connected_since))
        return None


class ConnectionsPanel(QWidget):
    """Live connections of the selected component, and the send box."""

    message = Signal(str)  # for the status bar
    saveScenarioRequested = Signal()  # Save as Scenario… was clicked (ui.scenario_actions writes it)
    _sent = Signal(str, bool)  # how a send went (from whichever thread ran it)

    MODES = (QT_TRANSLATE_NOOP("ConnectionsPanel", "Text"), QT_TRANSLATE_NOOP("ConnectionsPanel", "Hex"),
             QT_TRANSLATE_NOOP("ConnectionsPanel", "File"))
    ENDINGS = ((QT_TRANSLATE_NOOP("ConnectionsPanel", "None"), ""), ("LF", "\n"), ("CRLF", "\r\n"))

    def __init__(self, model: FormModel, engine: EngineHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form_model = model
        self.engine = engine
        self.connections = ConnectionsModel(self)
        self._uid = 0

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        # wraps rather than widening the dock (and the window) when a server starts listening
        self.title.setWordWrap(True)
        self.view = QTableView()
        self.view.setModel(self.connections)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a squeezed peer keeps its port
        self._size_columns()
        # a UdpSocket's peers: a table of their own, shown instead of the connections
        self.peers = UdpPeersModel(self)
        self.peers_view = QTableView()
        self.peers_view.setObjectName("udpPeers")
        self.peers_view.setModel(self.peers)
        self._like_connections(self.peers_view)
        self._size_peer_columns()
        self.peers_view.hide()

        self.mode = QComboBox()
        for mode in self.MODES:
            self.mode.addItem("", mode)
        self.ending = QComboBox()
        for _title, ending in self.ENDINGS:
            self.ending.addItem("", ending)
        self.input = QLineEdit()
        self.input.setClearButtonEnabled(True)
        self.browse = QPushButton()
        self.send_button = QPushButton()
        self.send_button.setDefault(True)
        self.close_button = QPushButton()
        self.scenario_button = QPushButton()
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.tls_details = TlsDetails()  # the selected connection's TLS version, cipher, peer certificate

        row = QHBoxLayout()
        row.addWidget(self.mode)
        row.addWidget(self.input, 1)
        row.addWidget(self.browse)
        row.addWidget(self.ending)
        row.addWidget(self.send_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.feedback, 1)
        buttons.addWidget(self.scenario_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.peers_view, 1)
        layout.addWidget(self.tls_details)
        layout.addLayout(row)
        layout.addLayout(buttons)
        self.retranslate_ui()

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.browse.clicked.connect(self._browse)
        self.send_button.clicked.connect(self.send)
        self.input.returnPressed.connect(self.send)
        self.close_button.clicked.connect(self.close_connection)
        self.scenario_button.clicked.connect(self.saveScenarioRequested)
        self._sent.connect(self._show)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.peers_view.selectionModel().selectionChanged.connect(self._update_buttons)
        model.selectionChanged.connect(self._follow_selection)
        model.documentReset.connect(self._follow_selection)
        model.componentRemoved.connect(lambda _uid: self._follow_selection())
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._mode_changed()
        self._follow_selection()

    def retranslate_ui(self) -> None:
        for index, mode in enumerate(self.MODES):
            self.mode.setItemText(index, self.tr(mode))
        for index, (title, _ending) in enumerate(self.ENDINGS):
            self.ending.setItemText(index, self.tr(title))
        self.ending.setToolTip(self.tr("Line ending appended to text"))
        self.browse.setText(self.tr("Browse…"))
        self.send_button.setText(self.tr("Send"))
        self.close_button.setText(self.tr("Close connection"))
        self.scenario_button.setText(self.tr("Save as Scenario…"))
        self.scenario_button.setToolTip(self.tr("Write this connection's conversation, as the event log holds "
                                                "it, as a scenario file to run again"))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            self._mode_changed()
            self.refresh()
            refresh_model(self.connections)
            refresh_model(self.peers)
        super().changeEvent(event)

    def _size_columns(self) -> None:
        """Peer takes the room there is; the others are as wide as their widest value."""
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.view.fontMetrics()
        pad = metrics.horizontalAdvance("M") + 6
        header.setMinimumSectionSize(metrics.horizontalAdvance("Peer") + pad)
        for column, sample in ((1, "00:00:00"), (2, "999 KiB"), (3, "999 KiB"), (4, "ServerSocket1 client 99")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + pad)

    def _like_connections(self, view: QTableView) -> None:
        """``view`` looks and selects as the connections table does (rows, heights, eliding)."""
        view.setSelectionBehavior(self.view.selectionBehavior())
        view.setSelectionMode(self.view.selectionMode())
        view.verticalHeader().setVisible(self.view.verticalHeader().isVisibleTo(self.view))
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(self.view.verticalHeader().defaultSectionSize())
        view.setAlternatingRowColors(self.view.alternatingRowColors())
        view.setWordWrap(self.view.wordWrap())
        view.setTextElideMode(self.view.textElideMode())

    def _size_peer_columns(self) -> None:
        header = self.peers_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.peers_view.fontMetrics()
        pad = metrics.horizontalAdvance("M")
        header.setMinimumSectionSize(metrics.horizontalAdvance("Peer") + pad)
        for column in range(1, self.peers.columnCount()):
            title = str(self.peers.headerData(column, Qt.Orientation.Horizontal))
            sample = "00:00:00" if column == self.peers.columnCount() - 1 else "99 · 999 KiB"
            header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                             metrics.horizontalAdvance(title)) + pad)

    # -- following the selection and the engine -----------------------------------
    def _follow_selection(self) -> None:
        entry = self.form_model.current()
        self._uid = entry.uid if entry is not None else 0
        component = self.engine.live.get(self._uid) if self._uid else None
        self.connections.set_component(component)
        self.peers.set_component(component)
        udp = isinstance(component, UdpSocket)
        self.view.setVisible(not udp)
        self.peers_view.setVisible(udp)
        self.close_button.setVisible(not udp)
        # a file is no datagram: File is for streams
        file_item = self.mode.model().item(self.mode.findData("File"))  # type: ignore[attr-defined]
        file_item.setEnabled(not udp)
        if udp and self.mode.currentData() == "File":
            self.mode.setCurrentIndex(self.mode.findData("Text"))
        self.refresh()

    def component(self) -> Any:
        return self.engine.live.get(self._uid) if self._uid else None

    def refresh(self) -> None:
        comp = self.component()
        if isinstance(comp, UdpSocket):
            self._refresh_udp(comp)
            return
        selected = self.selected_connection()
        self.connections.refresh(self._rows_shown())
        # a non-blocking component's connections all run on the event loop: a column of
        # "(event loop)" says nothing and takes the room In and Out need
        threaded = isinstance(comp, ServerSocket) and comp.server_type is ServerType.THREAD_BLOCKING
        if self.view.isColumnHidden(4) == threaded:
            self.view.setColumnHidden(4, not threaded)
        if selected is not None and self.connections.last_refresh == "reset":
            self.select_connection(selected)  # a reset forgets the selection; a diff keeps it
        if comp is None:
            self.title.setText(self.tr("Select a ClientSocket or ServerSocket on the form"))
        elif isinstance(comp, ServerSocket):
            count = comp.socket.active_connections
            if comp.socket.listening:
                self.title.setText(arg(self.tr("%1 — %n connection(s), listening on %2", "", count), comp.name,
                                       comp.socket.where))
            else:
                self.title.setText(arg(self.tr("%1 — not listening"), comp.name))
        else:
            state = (arg(self.tr("connected to %1"), comp.socket.peer) if comp.socket.connected
                     else self.tr("not connected"))
            self.title.setText(f"{comp.name} — {state}")
        self._update_buttons()

    def _rows_shown(self) -> tuple[int, int]:
        """The rows the table shows now (none while the panel is hidden)."""
        if not self.view.isVisible():
            return (0, -1)
        first = max(0, self.view.rowAt(0))
        last = self.view.rowAt(self.view.viewport().height() - 1)
        return (first, last if last >= 0 else self.connections.rowCount() - 1)

    def _refresh_udp(self, comp: UdpSocket) -> None:
        selected = self.selected_peer()
        self.peers.refresh()
        if selected is not None:
            row = self.peers.row_of(selected)
            if row >= 0:
                self.peers_view.selectRow(row)
        sock = comp.socket
        if sock.connected:
            count = self.peers.rowCount()
            destination = sock.destination()
            where = (arg(self.tr("default destination %1"), f"{destination[0]}:{destination[1]}")
                     if isinstance(destination, tuple) else self.tr("no default destination"))
            self.title.setText(arg(self.tr("%1 — bound to %2, %n peer(s) seen, %3", "", count), comp.name,
                                   sock.where, where))
        else:
            self.title.setText(arg(self.tr("%1 — not bound"), comp.name))
        self._update_buttons()

    def _update_buttons(self) -> None:
        target = self.target()
        self.tls_details.show_connection(target)
        self.send_button.setEnabled(target is not None)
        self.close_button.setEnabled(target is not None)
        self.scenario_button.setEnabled(target is not None)

    # -- selection inside the table ------------------------------------------------
    def selected_connection(self) -> CustomWinSocket | None:
        rows = self.view.selectionModel().selectedRows()
        return self.connections.connection(rows[0].row()) if rows else None

    def select_connection(self, conn: CustomWinSocket) -> None:
        row = self.connections.row_of(conn)
        if row >= 0:
            self.view.selectRow(row)

    def selected_peer(self) -> CustomWinSocket | None:
        """The UdpSocket peer selected in the peers table."""
        rows = self.peers_view.selectionModel().selectedRows()
        return self.peers.peer(rows[0].row()) if rows else None

    def target(self) -> CustomWinSocket | None:
        """Where Send goes: the selected connection, or a client's own connection; for a
        UdpSocket the selected peer, or its socket (the default destination) when none is."""
        comp = self.component()
        if isinstance(comp, ClientSocket):
            return comp.socket if comp.socket.connected else None
        if isinstance(comp, UdpSocket):
            if not comp.socket.connected:
                return None
            peer = self.selected_peer()
            if peer is not None:
                return peer
            return comp.socket if isinstance(comp.socket.destination(), tuple) else None
        return self.selected_connection()

    # -- sending ------------------------------------------------------------
    def _mode_changed(self) -> None:
        mode = self.mode.currentData()
        self.browse.setVisible(mode == "File")
        self.ending.setEnabled(mode == "Text")
        self.input.setPlaceholderText({
            "Text": self.tr("Text to send (\\r \\n \\t \\xNN escapes work)"),
            "Hex": self.tr("Hex bytes, e.g. 48 65 6C 6C 6F"),
            "File": self.tr("Path of a file to send"),
        }[mode])

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Send file"))
        if path:
            self.input.setText(path)

    def _show(self, text: str, error: bool = False) -> None:
        self.feedback.setStyleSheet("color: #c62828;" if error else "")
        self.feedback.setText(text)
        self.message.emit(text)

    def payload(self) -> bytes | str:
        """What Send would send now: bytes, or a file path for File. ValueError if invalid."""
        mode = self.mode.currentData()
        text = self.input.text()
        if mode == "Hex":
            data = parse_hex(text)
            if not data:
                raise ValueError(self.tr("Type some hex bytes to send"))
            return data
        if mode == "File":
            if not text.strip():
                raise ValueError(self.tr("Choose a file to send"))
            return text
        ending: str = self.ending.currentData()  # one of ENDINGS
        return unescape_text(text) + ending

    def send(self) -> None:
        conn = self.target()
        if conn is None:
            self._show(self.tr("Select a connection first"), error=True)
            return
        try:
            payload = self.payload()
        except ValueError as exc:
            self._show(str(exc), error=True)
            return
        if self.mode.currentData() == "File":
            assert isinstance(payload, str)
            try:
                stream = open(payload, "rb")  # noqa: SIM115 - the connection owns it once sent
            except OSError as exc:
                self._show(arg(self.tr("Can't open %1: %2"), payload, exc.strerror or str(exc)), error=True)
                return

            def job() -> str:
                return send_stream_or_report(conn, stream, PANEL_SOURCE)
        else:
            data = payload if isinstance(payload, bytes) else payload.encode(
                self.component().encoding, "surrogateescape")

            def job() -> str:
                return send_or_report(conn, data, PANEL_SOURCE)

        peer = conn.peer or self._destination_text()
        if isinstance(conn, BlockingWinSocket):
            self._show(arg(self.tr("Sending to %1…"), peer))
            threading.Thread(target=self._guarded, args=(job, peer), name="send", daemon=True).start()
        else:
            self._guarded(job, peer)

    def _destination_text(self) -> str:
        """A UdpSocket's default destination, as Send's feedback names it."""
        comp = self.component()
        destination = comp.socket.destination() if isinstance(comp, UdpSocket) else None
        return f"{destination[0]}:{destination[1]}" if isinstance(destination, tuple) else ""

    def _guarded(self, job: Any, peer: str) -> None:
        """Run a send (on a worker thread for blocking connections) and say how it went."""
        try:
            why_not = job()
        except Exception as exc:  # reported through the engine's error path already
            self._sent.emit(str(exc), True)
            return
        if why_not:
            self._sent.emit(arg(self.tr("Not sent to %1: %2"), peer, why_not), True)
        else:
            self._sent.emit(arg(self.tr("Sent to %1"), peer), False)

    def close_connection(self) -> None:
        conn = self.target()
        if conn is not None:
            conn.close()
            self._show(arg(self.tr("Closed %1"), conn.peer))
            self.refresh()

    def shutdown(self) -> None:
        self._timer.stop()

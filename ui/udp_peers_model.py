"""The peers a UdpSocket has heard from or sent to, for the Connections panel.

A datagram socket has no connections: its rows are the remote endpoints seen
(address:port), with the datagrams and bytes each way (In and Out: ``3 · 1.2 KiB``, so
the table fits a dock; the tooltip has the exact counts) and when the last one went or
came. Rows keep the order the peers first appeared, so a selection stays put while
datagrams flow; the engine forgets the quietest peer past PEER_LIMIT, and so does the
table.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.core.local_time import clock_seconds, date_and_time
from app.qt.i18n import QT_TRANSLATE_NOOP, arg
from components.connection import CustomWinSocket
from components.udp_socket import UdpPeer, UdpSocket
from ui.byte_text import human_bytes

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

PEER, IN, OUT, LAST_SEEN = range(4)


class UdpPeersModel(QAbstractTableModel):
    """The peers of one UdpSocket, refreshed from the engine."""

    COLUMNS = (QT_TRANSLATE_NOOP("UdpPeersModel", "Peer"),
               QT_TRANSLATE_NOOP("UdpPeersModel", "In"),
               QT_TRANSLATE_NOOP("UdpPeersModel", "Out"),
               QT_TRANSLATE_NOOP("UdpPeersModel", "Last seen"))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._component: UdpSocket | None = None
        self._rows: list[UdpPeer] = []

    def set_component(self, component: Any) -> None:
        self.beginResetModel()
        self._component = component if isinstance(component, UdpSocket) else None
        self._rows = self._snapshot()
        self.endResetModel()

    def _snapshot(self) -> list[UdpPeer]:
        comp = self._component
        if comp is None or not comp.socket.connected:
            return []
        return sorted(comp.socket.peers, key=lambda p: p.first_seen)

    def refresh(self) -> None:
        rows = self._snapshot()
        if [id(p) for p in rows] != [id(p) for p in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        elif rows:
            self.dataChanged.emit(self.index(0, IN), self.index(len(rows) - 1, LAST_SEEN))

    def peer(self, row: int) -> UdpPeer | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, peer: CustomWinSocket) -> int:
        """The row showing ``peer`` (the same address and port), -1 when none does."""
        for row, candidate in enumerate(self._rows):
            if candidate.peer == peer.peer:
                return row
        return -1

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
                   ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        if role == Qt.ItemDataRole.ToolTipRole and section in (IN, OUT):
            return self.tr("Datagrams · bytes received") if section == IN else self.tr("Datagrams · bytes sent")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        peer = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == PEER:
                return peer.peer
            if column == IN:
                return f"{peer.datagrams_in:,} · {human_bytes(peer.bytes_in)}"
            if column == OUT:
                return f"{peer.datagrams_out:,} · {human_bytes(peer.bytes_out)}"
            if column == LAST_SEEN:
                return clock_seconds(peer.last_seen)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (IN, OUT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == IN:
                return arg(self.tr("%1 datagrams, %2 bytes received"), f"{peer.datagrams_in:,}",
                           f"{peer.bytes_in:,}")
            if column == OUT:
                return arg(self.tr("%1 datagrams, %2 bytes sent"), f"{peer.datagrams_out:,}",
                           f"{peer.bytes_out:,}")
            if column == LAST_SEEN:
                return arg(self.tr("First seen %1, last seen %2"), date_and_time(peer.first_seen),
                           date_and_time(peer.last_seen))
            if column == PEER:
                return self.tr("Send goes to this peer; with none selected, to the default destination")
        return None

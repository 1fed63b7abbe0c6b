"""The event log as a Qt table model: a ring buffer of observer records.

Theory of operation:

* Rows are the engine's records kept as plain tuples (which the garbage collector
  stops tracking, so a million rows cost a full collection little). Nothing
  is formatted when a record arrives; ``data()`` formats only the cells a view
  asks for, which is the few dozen rows on screen.
* Storage is a plain list used as a ring. While the log is younger than its
  capacity the list just grows (``extend``). Once it is full, the list has
  exactly ``capacity`` slots, ``_head`` is the slot of row 0, and a batch that
  does not fit first drops the oldest rows (one ``beginRemoveRows`` for the
  whole lot) and then overwrites their slots (one ``beginInsertRows``). Row
  access is ``buf[(head + row) % capacity]``: O(1) anywhere, which a deque is
  not. Memory is flat: at most ``capacity`` references plus the records.
* Every row ever stored has a sequence number: ``first_seq`` is row 0's, and it
  grows by one for every row evicted or cleared. A filtered view
  (ui/event_log_filter.py) remembers rows by sequence number, which eviction
  does not shift.
* The model only ever changes on the GUI thread. Records reach it through
  ``EventLogFeeder`` (ui/event_log_view.py), which drains the thread-safe
  ``RecordBuffer`` on a timer and calls ``append_records`` once per tick.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.core.local_time import ClockFormatter
from app.core.record_format import (
    ConnectionNames,
    Words,
    detail_text,
    error_text,
    hex_preview,
    is_error,
    is_warning,
    text_preview,
)
from app.qt.i18n import arg
from components.errors import ErrorInfo
from components.observer import DROPPED, EventRecord
from ui.error_text import translated
from ui.retranslate import refresh_model

_CONTEXT = "EventLogModel"

_Row = tuple[Any, ...]  # an EventRecord's fields as a plain tuple (see EventLogModel._buf)

#: How many rows a log keeps unless told otherwise.
DEFAULT_CAPACITY = 1_000_000

# Tooltips show at most the end of a long traceback.
_TOOLTIP_LIMIT = 4000


class Column(enum.IntEnum):
    TIME = 0
    COMPONENT = 1
    EVENT = 2
    CONNECTION = 3
    DETAIL = 4
    DATA = 5
    HEX = 6


# Header titles, marked for lupdate; translated when a view asks.
_HEADERS = (
    QT_TRANSLATE_NOOP("EventLogModel", "Time"),
    QT_TRANSLATE_NOOP("EventLogModel", "Component"),
    QT_TRANSLATE_NOOP("EventLogModel", "Event"),
    QT_TRANSLATE_NOOP("EventLogModel", "Connection"),
    QT_TRANSLATE_NOOP("EventLogModel", "Detail"),
    QT_TRANSLATE_NOOP("EventLogModel", "Data"),
    QT_TRANSLATE_NOOP("EventLogModel", "Hex"),
)


def data_text(record: EventRecord) -> str:
    """The Data column: the preview as text, with an ellipsis when the payload was longer."""
    preview = record.preview
    if not preview:
        return ""
    if record.byte_count > len(preview):
        return text_preview(preview, truncated=True) + " …"
    return text_preview(preview)


def hex_text(record: EventRecord) -> str:
    """The Hex column: the preview's bytes, with an ellipsis when the payload was longer."""
    preview = record.preview
    if not preview:
        return ""
    return hex_preview(preview) + " …" if record.byte_count > len(preview) else hex_preview(preview)


def _pack(r: EventRecord) -> _Row:
    return tuple(r)  # an exact tuple: only those are untracked by the collector


class _TranslatedWords(Words):
    """The Detail column's counts, in the user's language (app.core.record_format.detail_text)."""

    def __init__(self) -> None:
        translate = QCoreApplication.translate
        self._bytes = translate("EventLogModel", "%1 bytes")
        self._one_byte = translate("EventLogModel", "1 byte")
        self._dropped = translate("EventLogModel", "%1 events dropped here: the log could not keep up")
        self._one_dropped = translate("EventLogModel", "1 event dropped here: the log could not keep up")

    def byte_count(self, count: int) -> str:
        return self._one_byte if count == 1 else arg(self._bytes, count)

    def dropped(self, count: int, detail: str) -> str:
        return self._one_dropped if count == 1 else arg(self._dropped, QLocale().toString(count))

    def error(self, error: ErrorInfo) -> str:
        name = f" {error.errno_name}" if error.errno_name else ""
        return f"{error.event} {error.code}{name}: {translated(error.message)}"

    def detail(self, line: str) -> str:
        return translated(line)


class EventLogModel(QAbstractTableModel):
    """Observer records as rows, oldest first, at most ``capacity`` of them."""

    #: A component name appeared for the first time (for filter combos).
    component_added = Signal(str)
    #: An event name appeared for the first time.
    event_added = Signal(str)

    def __init__(self, parent: QObject | None = None, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        # rows are kept as plain tuples, not EventRecord objects: the garbage collector
        # stops tracking a tuple that holds only strings, numbers and bytes, so a
        # million stored rows no longer make every full collection (and the GUI) stall
        self._buf: list[_Row] = []
        self._head = 0
        self._count = 0
        self._base = 0  # the sequence number of row 0
        self._names = ConnectionNames()
        self._clock = ClockFormatter()
        self._components: set[str] = set()
        self._events: set[str] = set()
        #: Old rows the ring buffer discarded to stay within capacity (the pane's
        #: status shows it; an export starts with a Dropped record saying so).
        self.evicted = 0
        #: Records lost before they reached the model (set by the feeder).
        self.dropped = 0
        self._error_brush = QBrush(QColor(190, 0, 0))
        # A Dropped row is a warning: dark amber on pale yellow, and the style's warning icon.
        self._warning_brush = QBrush(QColor(138, 78, 0))
        self._warning_background = QBrush(QColor(255, 243, 196))
        self._warning_icon: QIcon | None = None
        self._words = _TranslatedWords()  # made again on LanguageChange (retranslate)
        # the record of the row a view painted last, by sequence number (a view paints row
        # by row, seven roles of six columns each: one record made per row, not per cell)
        self._painted: tuple[int, EventRecord, bool] = (-1, EventRecord(0.0, "", "", 0, "", ""), True)

    # -- the ring buffer ---------------------------------------------------

    @property
    def capacity(self) -> int:
        return self._capacity

    def set_capacity(self, capacity: int) -> None:
        """Change the capacity; shrinking drops the oldest rows at once."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if capacity == self._capacity:
            return
        excess = self._count - capacity
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            self._buf = self._rows()[excess:]
            self._head = 0
            self._count = capacity
            self._capacity = capacity
            self._base += excess
            self.evicted += excess
            self.endRemoveRows()
        else:
            # Unroll the ring so the list can grow again from its end.
            self._buf = self._rows()
            self._head = 0
            self._capacity = capacity

    def append_records(self, records: Sequence[EventRecord]) -> None:
        """Append a batch: one insert notification, and at most one removal of old rows."""
        n = len(records)
        if n == 0:
            return
        self._note_names(records)
        cap = self._capacity
        if n > cap:
            self.evicted += n - cap
            records = records[n - cap:]
            n = cap
        overflow = self._count + n - cap
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            self._drop_oldest(overflow)
            self.endRemoveRows()
        first = self._count
        self.beginInsertRows(QModelIndex(), first, first + n - 1)
        self._store(records)
        self.endInsertRows()

    def _drop_oldest(self, k: int) -> None:
        buf = self._buf
        if len(buf) < self._capacity:
            # From now on the list is a full-size ring. The dropped slots are
            # overwritten by the insert that always follows a drop.
            buf.extend([buf[0]] * (self._capacity - len(buf)))
        self._head = (self._head + k) % self._capacity
        self._count -= k
        self._base += k
        self.evicted += k

    def _store(self, batch: Sequence[EventRecord]) -> None:
        records = [_pack(r) for r in batch]
        buf, n, cap = self._buf, len(records), self._capacity
        if len(buf) < cap:  # still growing: head is 0 and the rows are the list
            buf.extend(records)
        else:
            start = (self._head + self._count) % cap
            first_part = min(n, cap - start)
            buf[start:start + first_part] = records[:first_part]
            if first_part < n:
                buf[:n - first_part] = records[first_part:]
        self._count += n

    def _note_names(self, records: Sequence[EventRecord]) -> None:
        self._names.learn(records)
        new_components = {r.component for r in records} - self._components
        new_events = {r.event for r in records} - self._events
        self._components |= new_components
        self._events |= new_events
        for name in sorted(new_components):
            self.component_added.emit(name)
        for name in sorted(new_events):
            self.event_added.emit(name)

    def clear(self) -> None:
        """Forget every row (the component and event names stay known)."""
        self.beginResetModel()
        self._buf = []
        self._head = 0
        self._base += self._count
        self._count = 0
        self.endResetModel()

    def record(self, row: int) -> EventRecord:
        if not 0 <= row < self._count:
            raise IndexError(f"row {row} out of range 0..{self._count - 1}")
        return EventRecord(*self._buf[(self._head + row) % self._capacity])

    def records(self) -> list[EventRecord]:
        """A snapshot of every row, oldest first."""
        return [EventRecord(*row) for row in self._rows()]

    def _rows(self) -> list[_Row]:
        buf, head = self._buf, self._head
        if head == 0:
            return buf[:self._count]
        return buf[head:] + buf[:head]

    def raw_rows(self, first: int, stop: int) -> list[_Row]:
        """Rows ``first`` up to ``stop`` (exclusive) as plain tuples in EventRecord field
        order, without building records: at most two list slices."""
        first, stop = max(first, 0), min(stop, self._count)
        if first >= stop:
            return []
        cap, buf = self._capacity, self._buf
        start = (self._head + first) % cap
        end = start + stop - first
        if end <= len(buf):
            return buf[start:end]
        return buf[start:] + buf[:end - cap]

    @property
    def first_seq(self) -> int:
        """The sequence number of row 0 (see the module's notes); row ``r`` is ``first_seq + r``."""
        return self._base

    @property
    def end_seq(self) -> int:
        """The sequence number the next stored row will get."""
        return self._base + self._count

    def component_names(self) -> list[str]:
        return sorted(self._components)

    def event_names(self) -> list[str]:
        return sorted(self._events)

    # -- display -------------------------------------------------------------

    def clock(self, wall_time: float) -> str:
        return self._clock(wall_time)

    def connection_text(self, record: EventRecord) -> str:
        """The Connection column: the peer, remembered for the connection's records that lack it."""
        return self._names.text(record.connection_id, record.peer)

    def detail_text(self, record: EventRecord) -> str:
        """The Detail column for one record."""
        return self.detail_of(record.event, record.byte_count, record.error, record.detail)

    def detail_of(self, event: str, byte_count: int, error: Any, detail: str) -> str:
        """The Detail column from a record's fields (the filter calls it on plain rows)."""
        return detail_text(event, byte_count, error, detail, self._words)

    def cell_text(self, record: EventRecord, column: int) -> str:
        if column == Column.TIME:
            return self._clock(record.wall_time)
        if column == Column.COMPONENT:
            return record.component
        if column == Column.EVENT:
            return record.event
        if column == Column.CONNECTION:
            return self._names.text(record.connection_id, record.peer)
        if column == Column.DETAIL:
            return self.detail_text(record)
        if column == Column.DATA:
            return data_text(record)
        if column == Column.HEX:
            return hex_text(record)
        return ""

    def tooltip_text(self, record: EventRecord, column: int = Column.DETAIL) -> str | None:
        """Errors: the whole error (and traceback) on every cell; data cells: text and hex."""
        if record.event == DROPPED:
            return self.detail_text(record)
        if is_error(record):
            parts = [error_text(record)] if record.error is not None else []
            if record.detail:
                parts.append(record.detail.rstrip()[-_TOOLTIP_LIMIT:])
            return "\n".join(parts) or record.event
        if column in (Column.DATA, Column.HEX) and record.preview:
            return f"{text_preview(record.preview)}\n{hex_preview(record.preview)}"
        if column == Column.CONNECTION and record.connection_id:
            peer = self._names.peer(record.connection_id, record.peer)
            number = f"#{record.connection_id}"
            return arg(self.tr("Connection %1 with %2"), number, peer) if peer \
                else arg(self.tr("Connection %1"), number)
        if column == Column.DETAIL and "\n" in record.detail:
            return record.detail.rstrip()[-_TOOLTIP_LIMIT:]
        return None

    # -- QAbstractTableModel -----------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        return self.data_at(index.row(), index.column(), role)

    def data_at(self, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """``data()`` by row and column (a filtered view asks without making an index)."""
        if not 0 <= row < self._count:
            return None
        record = EventRecord(*self._buf[(self._head + row) % self._capacity])
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(record, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(record)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(record)
        if role == Qt.ItemDataRole.DecorationRole:
            return self.decoration(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip_text(record, column)
        return None

    def foreground(self, record: EventRecord) -> QBrush | None:
        """The text colour of ``record``'s row: amber for a warning, red for an error."""
        if is_warning(record):
            return self._warning_brush
        return self._error_brush if is_error(record) else None

    def background(self, record: EventRecord) -> QBrush | None:
        """The row's own background: pale yellow for a warning."""
        return self._warning_background if is_warning(record) else None

    def decoration(self, record: EventRecord, column: int) -> QIcon | None:
        """The icon in ``column`` of ``record``'s row: the style's warning icon by a warning's event."""
        if column != Column.EVENT or not is_warning(record):
            return None
        if self._warning_icon is None:
            style = QApplication.style()
            self._warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) \
                if style is not None else QIcon()
        return self._warning_icon

    def multiData(self, index: QModelIndex | QPersistentModelIndex,
                  role_data_span: QModelRoleDataSpan | QModelRoleData) -> None:
        if not index.isValid():
            self.fill_role_data(-1, 0, role_data_span)
        else:
            self.fill_role_data(index.row(), index.column(), role_data_span)

    def fill_role_data(self, row: int, column: int, role_data_span: QModelRoleDataSpan | QModelRoleData) -> None:
        """``multiData()`` by row and column (a filtered view hands its spans on to this)."""
        # Views ask for seven roles per cell in one multiData call. Answering
        # them here takes one Python call per cell instead of seven; that
        # matters because each call from a paint must take the GIL, and while an
        # engine thread floods the stream every hand-over of the GIL can cost
        # up to the interpreter's switch interval.
        # The caller may reuse the span from cell to cell: every role is
        # written, cleared when it has no value, or the last error row's red
        # would bleed into the next rows.
        if not 0 <= row < self._count:
            for role_data in role_data_span:  # type: ignore[union-attr]  # stubs: the span is iterable
                role_data.clearData()
            return
        seq = self._base + row
        painted = self._painted
        if painted[0] == seq:
            record, plain = painted[1], painted[2]
        else:
            record = EventRecord(*self._buf[(self._head + row) % self._capacity])
            plain = not is_error(record)  # warnings count as errors there: only plain rows skip styling
            self._painted = (seq, record, plain)
        for role_data in role_data_span:  # type: ignore[union-attr]  # stubs: the span is iterable
            role = role_data.role()
            if role == Qt.ItemDataRole.DisplayRole:
                role_data.setData(self.cell_text(record, column))
                continue
            value: object = None
            if role == Qt.ItemDataRole.ToolTipRole:
                value = self.tooltip_text(record, column)
            elif plain:
                pass
            elif role == Qt.ItemDataRole.ForegroundRole:
                value = self.foreground(record)
            elif role == Qt.ItemDataRole.BackgroundRole:
                value = self.background(record)
            elif role == Qt.ItemDataRole.DecorationRole:
                value = self.decoration(record, column)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def retranslate(self) -> None:
        """The words of the Detail column and the headers in the language now installed."""
        self._words = _TranslatedWords()
        refresh_model(self)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(_HEADERS):
            return QCoreApplication.translate(_CONTEXT, str(_HEADERS[section]))
        return None

    # flags() is deliberately not overridden: the C++ default (enabled,
    # selectable, no children) is what a log wants, and table views ask for
    # flags once per painted cell, which would be one more Python call each.

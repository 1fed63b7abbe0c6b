"""Filtering the event log by component, event and free text, without freezing anything.

``EventLogFilter`` is a table model over an ``EventLogModel`` that shows the rows
matching every filter that is set. It is not a ``QSortFilterProxyModel``: that
one re-filters every row in one synchronous pass (2.7 s for a million rows,
during which neither the window nor the sockets on the qasync loop move).

Theory of operation:

* The view is a list of the *sequence numbers* of the matching rows (see
  ui/event_log_model.py). Eviction of old rows does not shift them, so the list
  only loses its oldest entries; row ``r`` of the view is source row
  ``seq - first_seq``.
* Changing a filter resets the view and matches the log again in slices on the
  GUI thread: each slice takes a batch of rows and matches them, again and
  again, until ``SLICE_MS`` have gone by, then yields to the event loop (a
  zero-ms timer) so input, paints and sockets go on between slices. A slice
  always does at least ``MIN_ROWS_PER_SLICE`` rows, so a small log is filtered
  before the filter call returns.
* The scan walks from the newest row to the oldest: the newest matches show
  first, where the pane follows the tail. Matches are stored newest-first in
  ``_older`` (appending is O(1)) and handed to the view as one insert at row 0
  after the first slice and then every ``PUBLISH_MS``, so a million rows do not
  cost a hundred repaints.
* Rows that arrive while the scan runs (or after) are newer than anything it
  looks at: they are matched as they come and appended to ``_newer``. So none
  is missed and none is matched twice.
* When the source evicts its oldest rows, the view drops its entries below the
  new first sequence number (from the end of ``_older``, or the front of
  ``_newer`` once ``_older`` is used up), and a scan that has not reached them
  yet simply stops earlier.
* A new filter cancels the running scan (the state it worked on is replaced
  and its timer restarted); ``set_suspended`` pauses it while the pane is
  hidden; deleting the filter deletes its timer. No thread is involved.

Matching works on the model's plain row tuples. Cheap exact tests (component,
event) run first; the substring test formats only the cells it needs (each
distinct component/event/connection and detail once per filter, in a memo),
and leaves the time column, the dearest one, to last. A Dropped record passes
the component and event filters: records of any component may be missing there.

A pane creates its filter with ``detach_when_inactive``: while no filter is set
the filter lets go of its source (no per-row cost at all) and the pane shows the
model itself.
"""

from __future__ import annotations

import bisect
import operator
import time
from array import array
from collections.abc import Callable
from itertools import compress
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from app.core.record_format import decoded_text, hex_preview
from components.observer import DROPPED, EventRecord
from ui.event_log_model import EventLogModel, data_text

#: Matching work per slice before the filter yields to the event loop.
SLICE_MS = 8
#: Every slice matches at least this many rows, whatever the clock says.
MIN_ROWS_PER_SLICE = 512
#: Rows matched between two looks at the clock.
_CHUNK = 128
#: How often a running scan hands its matches to the view and reports progress (each
#: hand-over costs a repaint); the first slice's matches are shown at once.
PUBLISH_MS = 250

# Bounds the per-value memo of text matches; peers are the only values that can be many.
_MEMO_LIMIT = 50_000
_TIME_CHARS = frozenset("0123456789:.")
_HEX_CHARS = frozenset("0123456789abcdef ")
# Every character an escape in the Data column is made of (\r \n \t \0 \\ \xNN \uNNNN \UNNNNNNNN), case-folded.
_ESCAPE_CHARS = frozenset("\\xurnt0123456789abcdef")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)).replace(b"\\", b"")
# A row's time is its monotonic time plus this (EventRecord.wall_time of a record made at 0).
_WALL_OFFSET = EventRecord(0.0, "", "", 0, "", "").wall_time

_Row = tuple[Any, ...]
_Matcher = Callable[[_Row], bool]


class _TextMatch:
    """Whether a row's visible text contains a needle, ignoring case (one filter's worth of memo)."""

    def __init__(self, log: EventLogModel, needle: str, *, data: bool, hex_: bool) -> None:
        self._log = log
        self._needle = needle
        self._memo: dict[object, bool] = {}
        self._data = data
        self._hex = hex_ and set(needle) <= _HEX_CHARS
        self._time = set(needle) <= _TIME_CHARS
        # The raw bytes can stand in for the shown text where they look alike:
        # printable ASCII without a backslash (the shown text escapes control bytes).
        plain = needle.isascii() and needle.isprintable() and "\\" not in needle
        self._needle_bytes = needle.encode("ascii") if plain else None
        # A needle made only of characters no escape contains cannot match inside one,
        # so for ASCII payloads the bytes decide on their own.
        self._escape_proof = not set(needle) & _ESCAPE_CHARS

    def __call__(self, t: _Row) -> bool:
        # This runs for every row when the text changes, so it is written for
        # speed: component, event, connection and "20 bytes"-style details repeat
        # over and over, so each distinct value is case-folded and searched once.
        needle, memo, log = self._needle, self._memo, self._log
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        key = (t[1], t[2], t[3], t[4])
        hit = memo.get(key)
        if hit is None:
            # the id is matched too ("#35"): the Connection tooltip shows it
            shown = f"{t[1]}\x1f{t[2]}\x1f{log.connection_text(EventRecord(*t))}\x1f#{t[3]}"
            hit = memo[key] = needle in shown.casefold()
        if hit:
            return True
        key = (t[2], t[6], t[8], t[9])  # what the Detail column is made of
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = needle in log.detail_of(t[2], t[6], t[8], t[9]).casefold()
        if hit:
            return True
        # the time before the data: formatting a time is cheaper than formatting a payload
        if self._time and needle in log.clock(t[0] + _WALL_OFFSET):
            return True
        preview = t[7]
        if preview:
            if self._data and self._in_text(t, preview):
                return True
            if self._hex and needle in hex_preview(preview).casefold():
                return True
        return False

    def _in_text(self, t: _Row, preview: bytes) -> bool:
        # Exact, but without formatting the cell where the bytes already tell.
        needle_bytes = self._needle_bytes
        if needle_bytes is not None:
            # bytes.lower() folds ASCII only, which is all a printable ASCII needle can
            # match among bytes; a hit in the bytes is a hit in the shown text.
            if needle_bytes in preview.lower():
                return True
            if self._escape_proof:
                # No escape can hold this needle, so only what shows as itself counts:
                # ASCII (the bytes said no), or the characters of a text payload,
                # which fold beyond ASCII ("STRASSE" finds "Straße").
                if preview.isascii():
                    return False
                text = decoded_text(preview)
                return text is not None and self._needle in text.casefold()
            if not preview.translate(None, _PRINTABLE_ASCII):
                return False  # printable ASCII: shown as it is, and the bytes said no
        return self._needle in data_text(EventRecord(*t)).casefold()


class EventLogFilter(QAbstractTableModel):
    """Shows the rows of an ``EventLogModel`` that match every filter that is set."""

    #: Emitted before and after any filter changes (component, event or text).
    filter_about_to_change = Signal()
    filter_changed = Signal()
    #: While a filter change is being applied: how far, in percent (100 when done).
    progress_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, *, detach_when_inactive: bool = False) -> None:
        super().__init__(parent)
        self._detach = detach_when_inactive
        self._log: EventLogModel | None = None
        self._component = ""
        self._event = ""
        self._text = ""
        self._needle = ""  # the text, case-folded once
        self._match_data = True
        self._match_hex = False
        self._active = False
        self._attached = False
        self._match: _Matcher | None = None  # None: every row matches
        # The view's rows, oldest first, are reversed(_older) then _newer[_newer_start:].
        self._older = array("q")  # the scan's matches, newest first
        self._pending: list[array[int]] = []  # the scan's matches not yet shown, newest chunk first
        self._newer = array("q")  # rows matched as they arrived, oldest first
        self._newer_start = 0
        self._scan_next = 0  # the scan's next row is the one before this sequence number
        self._scanned = 0
        self._published_at = 0.0
        self._suspended = False
        self._restart_when_removed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_slice)

    # -- filters ---------------------------------------------------------------

    @property
    def component(self) -> str:
        return self._component

    @property  # the event-name filter; the name shadows QObject.event() (long-standing API)
    def event(self) -> str:  # type: ignore[override]
        return self._event

    @property
    def text(self) -> str:
        return self._text

    def is_active(self) -> bool:
        return self._active

    def set_component(self, name: str) -> None:
        """Show only this component's rows ('' shows every component)."""
        if name != self._component:
            self._change(lambda: setattr(self, "_component", name))

    def set_event(self, name: str) -> None:
        """Show only this event ('' shows every event)."""
        if name != self._event:
            self._change(lambda: setattr(self, "_event", name))

    def set_text(self, text: str) -> None:
        """Show rows whose visible text contains ``text``, ignoring case ('' shows all)."""
        if text != self._text:
            self._change(lambda: self._set_text(text))

    def set_filters(self, component: str = "", event: str = "", text: str = "") -> None:
        """Set all three at once, re-filtering once."""
        if (component, event, text) == (self._component, self._event, self._text):
            return

        def apply() -> None:
            self._component, self._event = component, event
            self._set_text(text)
        self._change(apply)

    def set_payload_columns(self, data: bool, hex_: bool) -> None:
        """Which payload columns the text filter looks in: the ones the pane shows."""
        if (data, hex_) == (self._match_data, self._match_hex):
            return

        def apply() -> None:
            self._match_data, self._match_hex = data, hex_
        if self._needle:
            self._change(apply)
        else:
            apply()

    def _set_text(self, text: str) -> None:
        self._text = text
        self._needle = text.casefold()

    def _change(self, apply: Callable[[], None]) -> None:
        self.filter_about_to_change.emit()
        apply()
        self._active = bool(self._component or self._event or self._needle)
        self._restart()
        self.filter_changed.emit()

    # -- matching --------------------------------------------------------------

    def accepts(self, record: EventRecord) -> bool:
        """Whether ``record`` passes the current filters (also used to export what is shown)."""
        match = self._match
        return match is None or match(record)

    def _matcher(self) -> _Matcher | None:
        component, event, log = self._component, self._event, self._log
        text = _TextMatch(log, self._needle, data=self._match_data, hex_=self._match_hex) \
            if self._needle and log is not None else None
        if not (component or event or text):
            return None
        if not (component or event):
            return text

        def match(t: _Row) -> bool:
            if t[2] != DROPPED:  # a gap concerns every component and event
                if component and t[1] != component:
                    return False
                if event and t[2] != event:
                    return False
            return text is None or text(t)
        return match

    # -- the incremental scan ----------------------------------------------------

    def is_filtering(self) -> bool:
        """Whether a filter change is still being applied to older rows."""
        return self._timer.isActive() or (self._attached and self._suspended and not self._scan_done())

    def progress(self) -> int:
        """How far the running filter change is, in percent (100 when none runs)."""
        log = self._log
        if log is None or self._scan_done():
            return 100
        remaining = self._scan_next - log.first_seq
        return min(99, self._scanned * 100 // (self._scanned + remaining))

    def set_suspended(self, suspended: bool) -> None:
        """Pause the scan (the pane is hidden) or resume it; new rows are matched either way."""
        self._suspended = suspended
        if suspended:
            self._timer.stop()
        elif not self._scan_done():
            self._timer.start()

    def stop(self) -> None:
        """Stop for good: let go of the source and of the timer."""
        self._timer.stop()
        self._detach_source()

    def _scan_done(self) -> bool:
        return self._log is None or self._scan_next <= self._log.first_seq

    def _restart(self) -> None:
        """Start matching the whole log again under the current filters."""
        self._timer.stop()
        log = self._log
        follow = log is not None and (self._active or not self._detach)
        self.beginResetModel()
        self._older, self._pending = array("q"), []
        self._newer, self._newer_start = array("q"), 0
        self._match = self._matcher()
        if follow:
            self._attach_source()
            self._scan_next = log.end_seq  # type: ignore[union-attr]  # follow implies a log
        else:
            self._detach_source()
            self._scan_next = 0
        self._scanned = 0
        self.endResetModel()
        if follow:
            self._published_at = 0.0  # show the first slice's matches at once
            self._run_slice()

    @Slot()
    def _run_slice(self) -> None:
        log = self._log
        if log is None:
            return
        base = log.first_seq
        match, pending = self._match, self._pending
        deadline = time.perf_counter() + SLICE_MS / 1000
        done_here = 0
        while self._scan_next > base:
            stop = self._scan_next
            first = max(base, stop - _CHUNK)
            if match is None:
                hits = array("q", range(first, stop))
            else:
                rows = log.raw_rows(first - base, stop - base)
                hits = array("q", compress(range(first, stop), map(match, rows)))
            if hits:
                hits.reverse()
                pending.append(hits)
            self._scan_next = first
            self._scanned += stop - first
            done_here += stop - first
            if done_here >= MIN_ROWS_PER_SLICE and time.perf_counter() >= deadline:
                break
        finished = self._scan_next <= base
        if finished or time.perf_counter() - self._published_at >= PUBLISH_MS / 1000:
            self._publish()
        if finished:
            self.progress_changed.emit(100)
        elif not self._suspended:
            self._timer.start()

    def _publish(self) -> None:
        """Show what the scan has matched so far, as one insert above the rows shown."""
        self._published_at = time.perf_counter()
        pending = self._pending
        count = sum(len(hits) for hits in pending)
        if count:
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            for hits in pending:
                self._older.extend(hits)
            pending.clear()
            self.endInsertRows()
        if not self._scan_done():
            self.progress_changed.emit(self.progress())

    # -- following the source ------------------------------------------------------

    def setSourceModel(self, model: QAbstractItemModel | None) -> None:
        self._detach_source()
        self._log = model if isinstance(model, EventLogModel) else None
        self._restart()

    def source_log(self) -> EventLogModel | None:
        return self._log

    def is_attached(self) -> bool:
        """Whether the filter follows its source (always, unless detaching while inactive)."""
        return self._attached

    def _connections(self, log: EventLogModel) -> tuple[tuple[Any, Callable[..., None]], ...]:
        return ((log.rowsInserted, self._on_source_rows_inserted),
                (log.rowsAboutToBeRemoved, self._on_source_rows_about_to_be_removed),
                (log.rowsRemoved, self._on_source_rows_removed),
                (log.modelAboutToBeReset, self._on_source_about_to_reset),
                (log.modelReset, self._on_source_reset))

    def _attach_source(self) -> None:
        if not self._attached and self._log is not None:
            for signal, slot in self._connections(self._log):
                signal.connect(slot)
            self._attached = True

    def _detach_source(self) -> None:
        if self._attached and self._log is not None:
            for signal, slot in self._connections(self._log):
                signal.disconnect(slot)
        self._attached = False

    @Slot(QModelIndex, int, int)
    def _on_source_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        log = self._log
        if log is None:
            return
        base = log.first_seq
        if self._match is None:
            hits = array("q", range(base + first, base + last + 1))
        else:
            rows = log.raw_rows(first, last + 1)
            hits = array("q", compress(range(base + first, base + last + 1), map(self._match, rows)))
        if hits:
            end = self.rowCount()
            self.beginInsertRows(QModelIndex(), end, end + len(hits) - 1)
            self._newer.extend(hits)
            self.endInsertRows()

    @Slot(QModelIndex, int, int)
    def _on_source_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        log = self._log
        if log is None:
            return
        if first != 0:  # the ring only ever drops its oldest rows; anything else, start over
            self._restart_when_removed = True
            return
        new_base = log.first_seq + last + 1
        self._scan_next = max(self._scan_next, new_base)
        self._pending = [hits[:bisect.bisect_right(hits, -new_base, key=operator.neg)]
                         for hits in self._pending]
        older, newer = self._older, self._newer
        # _older is newest first: the rows to drop are at its end
        old_gone = len(older) - bisect.bisect_right(older, -new_base, key=operator.neg)
        new_gone = 0
        if old_gone == len(older):
            new_gone = bisect.bisect_left(newer, new_base, self._newer_start) - self._newer_start
        if old_gone + new_gone == 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, old_gone + new_gone - 1)
        if old_gone:
            del older[len(older) - old_gone:]
        if new_gone:
            self._newer_start += new_gone
            if self._newer_start > len(newer) // 2:  # compact now and then, not on every drop
                del newer[:self._newer_start]
                self._newer_start = 0
        self.endRemoveRows()

    @Slot(QModelIndex, int, int)
    def _on_source_rows_removed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._restart_when_removed:
            self._restart_when_removed = False
            self._restart()

    @Slot()
    def _on_source_about_to_reset(self) -> None:
        self._timer.stop()
        self.beginResetModel()

    @Slot()
    def _on_source_reset(self) -> None:
        self._older, self._pending = array("q"), []
        self._newer, self._newer_start = array("q"), 0
        self._scan_next = self._log.end_seq if self._log is not None else 0
        self._scanned = 0
        self.endResetModel()
        self._run_slice()  # nothing to scan unless the reset left rows behind

    # -- rows ------------------------------------------------------------------------

    def source_row(self, row: int) -> int:
        """The source model's row shown in ``row``."""
        older, n = self._older, len(self._older)
        seq = older[n - 1 - row] if row < n else self._newer[self._newer_start + row - n]
        return seq - self._log.first_seq  # type: ignore[union-attr]  # rows imply a log

    def proxy_row(self, source_row: int) -> int | None:
        """The row showing the source model's row ``source_row``, or None when the filter hides it."""
        if self._log is None:
            return None
        seq = source_row + self._log.first_seq
        older, n = self._older, len(self._older)
        # older holds rows 0..n-1 newest first; newer the rest, oldest first
        i = bisect.bisect_left(older, -seq, key=operator.neg)
        if i < n and older[i] == seq:
            return n - 1 - i
        j = bisect.bisect_left(self._newer, seq, lo=self._newer_start)
        if j < len(self._newer) and self._newer[j] == seq:
            return n + j - self._newer_start
        return None

    def mapToSource(self, index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if not index.isValid() or self._log is None:
            return QModelIndex()
        return self._log.index(self.source_row(index.row()), index.column())

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._older) + len(self._newer) - self._newer_start

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._log is None:
            return 0
        return self._log.columnCount()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._log is None or index.row() >= self.rowCount():
            return None
        return self._log.data_at(self.source_row(index.row()), index.column(), role)

    def multiData(self, index: QModelIndex | QPersistentModelIndex,
                  role_data_span: QModelRoleDataSpan | QModelRoleData) -> None:
        log = self._log
        if log is None or not index.isValid() or index.row() >= self.rowCount():
            for role_data in role_data_span:  # type: ignore[union-attr]  # stubs: the span is iterable
                role_data.clearData()
            return
        log.fill_role_data(self.source_row(index.row()), index.column(), role_data_span)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if self._log is None:
            return None
        return self._log.headerData(section, orientation, role)

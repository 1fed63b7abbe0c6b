"""Filtering the event log by component, event and free text.

``EventLogFilter`` is a ``QSortFilterProxyModel`` over an ``EventLogModel``. It
never sorts (the log is in arrival order) and it filters on the records
themselves, not on ``data()``: ``filterAcceptsRow`` runs once per row on every
insert and for every row when a filter changes, so at a million rows each
call must be a handful of attribute reads. Cheap exact tests (component,
event) run first; the substring test formats only the cells it needs, stops at
the first hit, and leaves the time column, the dearest one, to last.

``dynamicSortFilter`` is off: the only ``dataChanged`` the model sends is the
whole Data column when it switches between text and hex, and re-filtering a
million rows for that is pointless unless a text filter is set, in which case
the filter re-runs on purpose (``_on_data_mode_changed``).

Even a filter that accepts everything costs a Python call per inserted row
(8 ms per 20,000-row batch, 90% of a feeder tick). A pane therefore creates
its filter with ``detach_when_inactive``: while no filter is set the proxy lets
go of its source and the pane shows the model itself; setting a filter
re-attaches it, which filters every row once, just as a filter change would.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Signal,
)

from app.record_format import connection_text, hex_preview, text_preview
from components.observer import EventRecord
from ui.event_log_model import DataMode, EventLogModel

# Bounds the per-value memo of text matches; peers are the only values that can be many.
_MEMO_LIMIT = 50_000
_TIME_CHARS = frozenset("0123456789:.")
_HEX_CHARS = frozenset("0123456789abcdef ")


class EventLogFilter(QSortFilterProxyModel):
    """Shows the rows of an ``EventLogModel`` that match every filter that is set."""

    #: Emitted before and after any filter changes (component, event or text).
    filter_about_to_change = Signal()
    filter_changed = Signal()

    def __init__(self, parent: QObject | None = None, *, detach_when_inactive: bool = False) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self._detach = detach_when_inactive
        self._log: EventLogModel | None = None
        self._component = ""
        self._event = ""
        self._text = ""
        self._needle = ""  # the text, case-folded once
        self._needle_bytes: bytes | None = None
        self._may_be_time = True
        self._may_be_hex = True
        self._memo: dict[str, bool] = {}
        self._active = False

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
            self._change(lambda: self._set_needle(text))

    def set_filters(self, component: str = "", event: str = "", text: str = "") -> None:
        """Set all three at once, re-filtering once."""
        if (component, event, text) == (self._component, self._event, self._text):
            return

        def apply() -> None:
            self._component, self._event = component, event
            self._set_needle(text)
        self._change(apply)

    def _set_needle(self, text: str) -> None:
        self._text = text
        needle = self._needle = text.casefold()
        self._memo.clear()
        # The raw bytes can stand in for the shown text only where they look alike:
        # printable ASCII, no backslash (the shown text escapes control bytes).
        plain = needle.isascii() and needle.isprintable() and "\\" not in needle
        self._needle_bytes = needle.encode("ascii") if plain else None
        # Skip formatting a column the needle cannot possibly occur in.
        self._may_be_time = set(needle) <= _TIME_CHARS
        self._may_be_hex = set(needle) <= _HEX_CHARS

    def _change(self, apply: Callable[[], None]) -> None:
        self.filter_about_to_change.emit()
        apply()
        self._active = bool(self._component or self._event or self._needle)
        if not self._detach or self._log is None:
            self._refilter()
        elif self._active and not self.is_attached():
            super().setSourceModel(self._log)  # filters every row once, as a refilter would
        elif not self._active and self.is_attached():
            super().setSourceModel(None)  # type: ignore[arg-type]  # Qt takes a null model; the stubs don't
        elif self._active:
            self._refilter()
        self.filter_changed.emit()

    def is_attached(self) -> bool:
        """Whether the proxy currently follows its source (always, unless detaching when inactive)."""
        return super().sourceModel() is not None

    def _refilter(self) -> None:
        # Not begin/endFilterChange: that re-filters in place and removes every
        # rejected run of rows separately, each removal shifting the whole
        # mapping, which took 32 s for 1M rows with every third row kept.
        # invalidate() rebuilds the mapping in one O(n) pass (0.9 s).
        self.invalidate()

    # -- matching --------------------------------------------------------------

    def accepts(self, record: EventRecord) -> bool:
        """Whether ``record`` passes the current filters (also used to export what is shown)."""
        if self._component and record.component != self._component:
            return False
        if self._event and record.event != self._event:
            return False
        return not self._needle or self._contains_text(record)

    def _contains_text(self, record: EventRecord) -> bool:
        # This runs for every row when the text changes, so it is written for
        # speed: component, event, peer and "20 bytes"-style details repeat over
        # and over, so each distinct value is case-folded and searched once per
        # filter (the memo), and columns the needle cannot occur in are skipped.
        needle, memo = self._needle, self._memo
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        key = f"{record.component}\x1f{record.event}\x1f{record.peer or connection_text(record)}"
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = needle in key.casefold()
        if hit:
            return True
        log = self._log
        if log is None:
            return False
        detail = log.detail_text(record)
        hit = memo.get(detail)
        if hit is None:
            hit = memo[detail] = needle in detail.casefold()
        if hit:
            return True
        preview = record.preview
        if preview:
            if log.data_mode is DataMode.HEX:
                if self._may_be_hex and needle in hex_preview(preview).casefold():
                    return True
            elif self._needle_bytes is not None:
                # bytes.lower() folds ASCII only, which is all a printable ASCII needle can match.
                if self._needle_bytes in preview.lower():
                    return True
            elif needle in text_preview(preview).casefold():
                return True
        return self._may_be_time and needle in log.clock(record.wall_time)

    # -- QSortFilterProxyModel -------------------------------------------------

    def setSourceModel(self, model: QAbstractItemModel | None) -> None:
        if self._log is not None:
            self._log.data_mode_changed.disconnect(self._on_data_mode_changed)
        self._log = model if isinstance(model, EventLogModel) else None
        # None detaches (see _change): Qt takes a null model, the stubs don't
        super().setSourceModel(None if self._detach and not self._active else model)  # type: ignore[arg-type]
        if self._log is not None:
            self._log.data_mode_changed.connect(self._on_data_mode_changed)

    def source_log(self) -> EventLogModel | None:
        return self._log

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._active or self._log is None:
            return True
        return self.accepts(self._log.record(source_row))

    def multiData(self, index: QModelIndex | QPersistentModelIndex,
                  role_data_span: QModelRoleDataSpan | QModelRoleData) -> None:
        # QSortFilterProxyModel answers multiData role by role through data();
        # hand the whole span to the source's one-call answer instead.
        if self._log is None:
            super().multiData(index, role_data_span)
        else:
            self._log.multiData(self.mapToSource(index) if index.isValid() else QModelIndex(),
                                role_data_span)

    def _on_data_mode_changed(self, _mode: str) -> None:
        if self._needle:  # what the Data column shows changed, so what the text matches did too
            self._refilter()

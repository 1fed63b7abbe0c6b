"""The event log pane, and the feeder that moves records from the engine into it.

Theory of operation:

* The engine emits ``EventRecord`` objects on whatever thread the event ran on.
  ``EventLogFeeder`` subscribes a ``RecordBuffer`` (a thread-safe bounded queue)
  to the stream and, on a 40 ms GUI-thread timer, drains it into each model as
  ONE batch: one ``beginInsertRows`` and one repaint per tick however many
  records came, which is what keeps a flood from freezing the window
  (shared/PERF_BASELINE.md section 6: a repaint costs 6-10 ms, so flush at
  10-25 Hz, never per record). A tick takes at most ``max_per_tick`` records;
  the rest wait for the next tick, so one tick stays short even after a burst.
  When the buffer overflowed, the batch starts with a Dropped record; it goes to
  every model, the per-component ones too (a gap concerns every component).
* ``EventLogPane`` shows one model through its own ``EventLogFilter`` while a
  filter is set, and the model itself while none is (a filter costs a Python
  call per inserted row even when it accepts everything: 90% of a tick). A
  filter change is applied in slices between events (ui/event_log_filter.py),
  with its progress in the pane's status line. Several
  panes may share a model (different filters over the same rows), or a pane for
  one component can get a model of its own (``EventLogPane(feeder, component=...)``), so
  a flood on another component cannot push that component's history out of the
  ring buffer.
* The table repaints, and autoscroll follows the newest row, at most every
  FOLLOW_INTERVAL_MS while batches keep coming (the first batch after a quiet
  spell at once): a repaint costs more than appending a batch, and a table
  repaints on every insert. The status line's count follows at the same pace.
  While autoscroll is paused the
  view must not move: appends happen below the viewport anyway, but evicting
  the oldest rows shifts every row up, so the scroll position is moved up by
  the number of evicted rows above it; a filter handing over older matches
  inserts rows above it, so the position moves down by as many.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QFontDatabase, QFontMetrics, QHideEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.gil_gate import GIL_GATE
from app.core.records_capture import write_preview_capture
from app.qt.i18n import arg
from components.component import events_where
from components.observer import DROPPED, EventRecord, ObserverStream, RecordBuffer
from ui.event_log_export import FORMATS, evicted_record, export_records, format_for_path
from ui.event_log_filter import EventLogFilter
from ui.event_log_model import DEFAULT_CAPACITY, Column, EventLogModel
from ui.event_log_painter import can_paint, paint_log_rows
from ui.retranslate import is_language_change
from ui.steady_label import SteadyLabel

#: How often the feeder moves records into the models (30-50 ms keeps the log live and cheap).
DEFAULT_INTERVAL_MS = 40
PCAPNG_SUFFIX = ".pcapng"
#: The most records one tick appends; the rest wait for the next tick.
DEFAULT_MAX_PER_TICK = 5_000  # 125k records/s at 40 ms; a bigger slice makes one tick late
#: Typing in the text filter re-filters after this pause (the filter runs in slices, so
#: typing on is never blocked; the pause only saves re-filtering on every keystroke).
TEXT_FILTER_DELAY_MS = 200
#: While rows keep coming, the pane follows the newest (scrolls, repaints, recounts) at most
#: this often: a repaint costs 8-17 ms, so a flood repaints 10 times a second rather than
#: on every feeder tick. The first batch after a quiet spell shows at once.
FOLLOW_INTERVAL_MS = 100


class EventLogFeeder(QObject):
    """Drains an ``ObserverStream`` into event log models, one batch per timer tick."""

    #: How many records the last tick took from the buffer (emitted only when > 0).
    delivered = Signal(int)

    def __init__(self, stream: ObserverStream, parent: QObject | None = None, *,
                 models: Sequence[EventLogModel] = (), interval_ms: int = DEFAULT_INTERVAL_MS,
                 max_per_tick: int = DEFAULT_MAX_PER_TICK, buffer_size: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self.max_per_tick = max_per_tick
        self._targets: list[tuple[EventLogModel, str | None]] = [(m, None) for m in models]
        self._buffer = RecordBuffer(stream, maxlen=buffer_size)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    @property
    def buffer(self) -> RecordBuffer:
        return self._buffer

    @property
    def dropped(self) -> int:
        """Records the buffer discarded because the GUI did not keep up."""
        return self._buffer.dropped

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def add_model(self, model: EventLogModel, component: str | None = None) -> None:
        """Feed ``model`` too; with ``component``, only that component's records."""
        self._targets.append((model, component))

    def remove_model(self, model: EventLogModel) -> None:
        self._targets = [(m, c) for m, c in self._targets if m is not model]

    def models(self) -> list[EventLogModel]:
        return [m for m, _ in self._targets]

    def history(self, component: str | None = None) -> list[EventRecord]:
        """What a model fed every component holds (only ``component``'s records, and the
        Dropped records, if given)."""
        for model, only in self._targets:
            if only is None:
                records = model.records()
                if component is None:
                    return records
                return [r for r in records if r.component == component or r.event == DROPPED]
        return []

    def is_running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        """Stop listening and stop the timer; records still buffered are not delivered."""
        self._timer.stop()
        self._buffer.close()

    def flush(self, limit: int | None = None) -> int:
        """Deliver up to ``limit`` buffered records now (all if None); returns how many."""
        return self._deliver(self._buffer.drain(limit))

    @Slot()
    def _tick(self) -> None:
        with GIL_GATE.gui_turn():  # an engine thread that floods waits (app.core.gil_gate)
            self._deliver(self._buffer.drain(self.max_per_tick))

    def _deliver(self, batch: list[EventRecord]) -> int:
        if not batch:
            return 0
        dropped = self._buffer.dropped
        for model, component in self._targets:
            model.dropped = dropped
            if component is None:
                model.append_records(batch)
            else:  # a gap concerns every component: its Dropped record goes to every pane
                mine = [r for r in batch if r.component == component or r.event == DROPPED]
                if mine:
                    model.append_records(mine)
        self.delivered.emit(len(batch))
        return len(batch)


class _LogTableView(QTableView):
    """The log's table. It paints its rows in one Python call (ui.event_log_painter), and in
    the GUI's turn (app.core.gil_gate), so that an engine thread flooding the log does not
    make the paint wait for the interpreter."""

    #: False: Qt's own cell-by-cell painting (what the row painter is compared with)
    paint_rows_at_once = True

    def paintEvent(self, event: QPaintEvent) -> None:
        with GIL_GATE.gui_turn():
            if not (self.paint_rows_at_once and can_paint(self)):
                super().paintEvent(event)
                return
            painter = QPainter(self.viewport())
            try:
                paint_log_rows(self, painter, event.rect())
            finally:
                painter.end()


class EventLogPane(QWidget):
    """A filterable, pausable, exportable view of an event log.

    ``source`` is either the ``EventLogModel`` to show, or an ``EventLogFeeder``:
    then the pane keeps a model of its own (``capacity`` rows) that the feeder
    fills, starting from the history the feeder's other models hold. With
    ``component`` the pane shows that component only, and a pane with its own
    model stores only that component's records (and the Dropped ones), so a
    flood elsewhere cannot push them out. Clear empties the pane's model, which
    other panes showing the same model share.

    The Data (text) and Hex columns, like every column, can be shown or hidden
    from the toolbar or the header's context menu; the choice is remembered
    (QSettings ``eventLog/hiddenColumns``) for the panes opened later.
    """

    #: the current row changed: the sequence number of its record in ``model`` (the Timeline follows it)
    currentRecordChanged = Signal(int)

    def __init__(self, source: EventLogModel | EventLogFeeder, parent: QWidget | None = None, *,
                 component: str | None = None, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        if isinstance(source, EventLogFeeder):
            model = EventLogModel(self, capacity=capacity)
            model.append_records(source.history(component or None))
            source.add_model(model, component or None)
            # The pane, not the caller, owns this model: take it off the feeder with the pane.
            self.destroyed.connect(lambda *_args, f=source, m=model: f.remove_model(m))
        else:
            model = source
        self.model = model
        self.fixed_component = component or None
        #: the finished recording of this session, if any (the window sets it: Run > Record)
        self.full_capture: Callable[[], Path | None] | None = None
        #: whether a component accepts connections (for the pcapng export's stream directions)
        self.accepts_connections: Callable[[str], bool] = lambda _name: True
        self.proxy = EventLogFilter(self, detach_when_inactive=True)
        self.proxy.setSourceModel(model)
        if self.fixed_component:
            self.proxy.set_component(self.fixed_component)
        self._paused = False
        self._column_state: QByteArray | None = None

        self.view = _LogTableView(self)
        self._setup_view()
        self._build_column_actions()
        self._build_toolbar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.view, 1)
        # The counts get long (1,000,000 events (333,333 shown), 12 dropped), so they
        # sit under the table rather than squeezing the toolbar.
        layout.addWidget(self.status_label)
        self.retranslate_ui()

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_FILTER_DELAY_MS)
        self._text_timer.timeout.connect(self.apply_text_filter)

        model.component_added.connect(self._on_component_added)
        model.event_added.connect(self._on_event_added)
        self.proxy.filter_about_to_change.connect(self._remember_columns)
        self.proxy.filter_changed.connect(self._on_filter_changed)
        self.proxy.progress_changed.connect(self._update_status)
        self.view.verticalScrollBar().actionTriggered.connect(self._on_user_scrolled)
        self._pending_shift = 0
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_INTERVAL_MS)
        self._follow_timer.timeout.connect(self._follow_deferred)
        self._follow_pending = False
        self._update_status()

    # -- building -------------------------------------------------------------

    def _setup_view(self) -> None:
        view = self.view
        self._show_model(self.proxy if self.proxy.is_attached() else self.model)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(self.font().pointSizeF(), font.pointSizeF()))
        view.setFont(font)
        metrics = QFontMetrics(font)
        rows = view.verticalHeader()
        # Fixed row heights keep inserts O(1) at any row count (PERF_BASELINE G6).
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 4)
        rows.setMinimumSectionSize(metrics.height() + 4)
        rows.hide()
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setSortingEnabled(False)
        view.setCornerButtonEnabled(False)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Per-item scrolling makes the scroll value a row number, which the
        # eviction compensation while paused relies on.
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        pad = metrics.horizontalAdvance("MM")
        samples = {
            Column.TIME: "00:00:00.000",
            Column.COMPONENT: "ServerSocket1",
            Column.EVENT: max(events_where(lambda e: True), key=metrics.horizontalAdvance, default="OnEvent"),
            Column.CONNECTION: "127.0.0.1:65535",
            Column.DETAIL: "eeConnect 10061 ECONNREFUSED",
        }
        for column, sample in samples.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + pad)
        self._data_min_width = metrics.horizontalAdvance("GET /index.html") + pad
        self._shared_data_width = -1  # the width _share_payload_width gave Data last
        view.viewport().installEventFilter(self)
        self._hex_min_width = metrics.horizontalAdvance("47 45 54 20 2F 69 74 65") + pad
        self._shown_once = False

    def _build_column_actions(self) -> None:
        """One checkable action per column: the header's context menu, and the Data and
        Hex toolbar buttons, show and hide columns through them."""
        header = self.view.horizontalHeader()
        hidden = _stored_hidden_columns()
        self.column_actions: dict[Column, QAction] = {}
        self.header_menu = QMenu(self)
        for column in Column:
            action = QAction(self)
            action.setCheckable(True)
            action.setChecked(column not in hidden)
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
            header.setSectionHidden(column, column in hidden)
            self.column_actions[column] = action
            self.header_menu.addAction(action)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        self._sync_column_actions()
        self.proxy.set_payload_columns(not header.isSectionHidden(Column.DATA),
                                       not header.isSectionHidden(Column.HEX))

    def _build_toolbar(self) -> None:
        bar = self._toolbar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)

        self.component_combo = QComboBox(self)
        self.component_combo.addItem("", "")
        self.component_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.component_combo.setMinimumContentsLength(13)
        self.event_combo = QComboBox(self)
        self.event_combo.addItem("", "")
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.event_combo.setMinimumContentsLength(15)
        for name in self.model.component_names():
            self._on_component_added(name)
        for name in self.model.event_names():
            self._on_event_added(name)
        self.component_combo.currentIndexChanged.connect(self._on_component_chosen)
        self.event_combo.currentIndexChanged.connect(self._on_event_chosen)
        if self.fixed_component:
            self.component_combo.hide()

        self.text_filter = QLineEdit(self)
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setMinimumWidth(140)
        self.text_filter.textChanged.connect(self._on_text_edited)
        self.text_filter.returnPressed.connect(self.apply_text_filter)

        self.data_button = self._tool_button(self.column_actions[Column.DATA])
        self.hex_button = self._tool_button(self.column_actions[Column.HEX])

        self.pause_button = self._tool_button(checkable=True)
        self.pause_button.toggled.connect(self.set_autoscroll_paused)
        self.clear_button = self._tool_button()
        self.clear_button.clicked.connect(self.clear)
        self.export_button = self._tool_button()
        self.export_button.clicked.connect(self.choose_export_file)

        self.status_label = SteadyLabel(self)  # it changes with every batch: no layout each time
        self.status_label.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.label.setContentsMargins(2, 0, 2, 0)

        for widget in (self.component_combo, self.event_combo):
            bar.addWidget(widget)
        bar.addWidget(self.text_filter, 1)
        bar.addWidget(self.data_button)
        bar.addWidget(self.hex_button)
        bar.addSpacing(6)
        for button in (self.pause_button, self.clear_button, self.export_button):
            bar.addWidget(button)

    def _tool_button(self, action: QAction | None = None, *, checkable: bool = False) -> QToolButton:
        """A text button; its texts are set by :meth:`retranslate_ui`."""
        button = QToolButton(self)
        if action is not None:
            button.setDefaultAction(action)
        else:
            button.setCheckable(checkable)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def retranslate_ui(self) -> None:
        """The pane's texts in the current language (at start and on LanguageChange)."""
        for column, action in self.column_actions.items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            action.setText(title)
            action.setToolTip(arg(self.tr("Show or hide the %1 column"), title))
        self.column_actions[Column.DATA].setToolTip(self.tr("Show the data as text (Data column)"))
        self.column_actions[Column.HEX].setToolTip(self.tr("Show the data as hexadecimal bytes (Hex column)"))
        self.component_combo.setToolTip(self.tr("Show one component's events"))
        self.component_combo.setItemText(0, self.tr("All components"))
        self.event_combo.setToolTip(self.tr("Show one kind of event"))
        self.event_combo.setItemText(0, self.tr("All events"))
        self.text_filter.setPlaceholderText(self.tr("Filter text…"))
        self.text_filter.setToolTip(self.tr("Show rows containing this text (any shown column, any case)"))
        for button, text, tip in (
                (self.pause_button, self.tr("Pause autoscroll"), self.tr("Stop following the newest events")),
                (self.clear_button, self.tr("Clear"), self.tr("Remove every event from the log")),
                (self.export_button, self.tr("Export…"), self.tr("Save the shown events as CSV or JSON Lines"))):
            button.setText(text)
            button.setToolTip(tip)

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.model.retranslate()
            self.retranslate_ui()
            self._update_status()
        super().changeEvent(event)

    # -- public API -----------------------------------------------------------

    def title(self) -> str:
        if self.fixed_component:
            return arg(self.tr("Event log: %1"), self.fixed_component)
        return self.tr("Event log")

    @property
    def autoscroll_paused(self) -> bool:
        return self._paused

    @Slot(bool)
    def set_autoscroll_paused(self, paused: bool) -> None:
        if paused == self._paused:
            return
        self._paused = paused
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)  # re-enters with nothing to do
        if not paused:
            self.view.scrollToBottom()

    def is_column_visible(self, column: Column) -> bool:
        return not self.view.horizontalHeader().isSectionHidden(column)

    def set_column_visible(self, column: Column, visible: bool) -> None:
        """Show or hide a column (and remember it for the panes opened later)."""
        header = self.view.horizontalHeader()
        if self.column_actions[column].isChecked() != visible:
            self.column_actions[column].setChecked(visible)  # re-enters through toggled
            return
        if header.isSectionHidden(column) == (not visible):
            return
        header.setSectionHidden(column, not visible)
        if visible and column in (Column.DATA, Column.HEX):
            self._share_payload_width()
        self._sync_column_actions()
        hidden = [c for c in Column if header.isSectionHidden(c)]
        QSettings().setValue(_HIDDEN_COLUMNS_KEY, ",".join(c.name.lower() for c in hidden))
        # the text filter looks in the payload columns that are shown
        self.proxy.set_payload_columns(self.is_column_visible(Column.DATA), self.is_column_visible(Column.HEX))

    def _share_payload_width(self) -> None:
        """With Data and Hex side by side, they share what the columns before them leave
        (Hex, the last column, stretches over its half)."""
        header = self.view.horizontalHeader()
        if not (self.is_column_visible(Column.DATA) and self.is_column_visible(Column.HEX)):
            return
        used = sum(header.sectionSize(c) for c in Column if c < Column.DATA and self.is_column_visible(c))
        room = self.view.viewport().width() - used
        data = max(self._data_min_width, room // 2)
        header.resizeSection(Column.DATA, data)
        self._shared_data_width = data
        if room - data < self._hex_min_width:  # a narrow pane scrolls sideways rather than squeeze Hex
            header.resizeSection(Column.HEX, self._hex_min_width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The viewport resized: Data and Hex keep sharing the room, unless the user
        # has set Data's width by hand.
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport() \
                and self.view.horizontalHeader().sectionSize(Column.DATA) == self._shared_data_width:
            self._share_payload_width()
        return super().eventFilter(watched, event)

    def _sync_column_actions(self) -> None:
        # the last shown column cannot be hidden: an empty table would look broken
        shown = [c for c in Column if self.is_column_visible(c)]
        for column, action in self.column_actions.items():
            action.setEnabled(shown != [column])

    @Slot(QPoint)
    def _show_header_menu(self, pos: QPoint) -> None:
        self.header_menu.popup(self.view.horizontalHeader().mapToGlobal(pos))

    @Slot()
    def clear(self) -> None:
        """Empty the model (every pane showing it empties too)."""
        self.model.clear()

    @Slot()
    def apply_text_filter(self) -> None:
        self._text_timer.stop()
        self.proxy.set_text(self.text_filter.text())

    def shown_records(self) -> list[EventRecord]:
        """The records the filters let through, oldest first."""
        records = self.model.records()
        if not self.proxy.is_active():
            return records
        accepts = self.proxy.accepts
        return [r for r in records if accepts(r)]

    def export(self, path: str, fmt: str | None = None) -> int:
        """Write the shown records to ``path`` ('csv' or 'jsonl'; None: by suffix). When
        the log has discarded old rows, the file starts with a Dropped record saying how
        many. Returns how many records were written."""
        records = self.shown_records()
        if self.model.evicted:
            when = records[0].time if records else time.monotonic()
            records.insert(0, evicted_record(self.model.evicted, self.model.capacity, when))
        return export_records(records, path, fmt)

    @Slot()
    def choose_export_file(self) -> None:
        csv_filter = self.tr("CSV files (*.csv)")
        jsonl_filter = self.tr("JSON Lines files (*.jsonl)")
        pcapng_filter = self.tr("pcapng captures (*.pcapng)")
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export event log"), "event-log.csv", f"{csv_filter};;{jsonl_filter};;{pcapng_filter}")
        if not path:
            return
        suffix = Path(path).suffix.lower()
        if suffix == PCAPNG_SUFFIX or (not suffix and chosen == pcapng_filter):
            self.export_pcapng(path if suffix else path + PCAPNG_SUFFIX)
            return
        if suffix in FORMATS.values():  # a name typed with a suffix says what the user wants
            fmt = format_for_path(path)
        else:
            fmt = "jsonl" if chosen == jsonl_filter else "csv"
            if not suffix:
                path += FORMATS[fmt]
        try:
            count = self.export(path, fmt)
        except OSError as exc:
            message = arg(self.tr("Could not write %1:\n%2"), path, str(exc))
            QMessageBox.warning(self, self.tr("Export failed"), message)
            return
        self.status_label.setToolTip(arg(self.tr("Exported %1 events to %2"), str(count), path))

    def export_pcapng(self, path: str) -> bool:
        """The log as a pcapng capture: the recording's full payloads when this session was
        recorded (Run > Record) and the recording is finished, else the records' previews;
        a message says which."""
        recorded = self.full_capture() if self.full_capture is not None else None
        try:
            if recorded is not None and recorded.is_file():
                shutil.copyfile(recorded, path)
                text = arg(self.tr("Exported the recording %1 to %2: every byte of every connection."),
                           recorded.name, path)
            else:
                result = write_preview_capture(self.shown_records(), path, self.accepts_connections)
                text = arg(self.tr("Exported %1 connections to %2. Nothing was recorded, so the payloads are "
                                   "the log's previews (at most 64 bytes of each read and send; %3 were cut); "
                                   "the file's comments say so. Record the session (Run > Record) for "
                                   "every byte."), str(result.streams), path, str(result.cut))
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Export failed"),
                                arg(self.tr("Could not write %1:\n%2"), path, str(exc)))
            return False
        self.status_label.setToolTip(text)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Export event log"), text,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("PcapngExportBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return True

    def status_text(self) -> str:
        return self.status_label.text()

    def shown_count(self) -> int:
        return self.view.model().rowCount()

    def shown_record(self, row: int) -> EventRecord:
        """The record in row ``row`` of the view."""
        if self.view.model() is self.proxy:
            row = self.proxy.source_row(row)
        return self.model.record(row)

    def _show_model(self, target: QAbstractItemModel) -> None:
        """Show the filter while one is set, else the model itself (see event_log_filter)."""
        old = self.view.model()
        if old is target:
            return
        if old is not None:
            for signal, handler in self._row_handlers(old):
                signal.disconnect(handler)
        self.view.setModel(target)
        if old is not None and self._column_state is not None:
            # A new model resets the column widths; put back the ones the user chose.
            self.view.horizontalHeader().restoreState(self._column_state)
        for signal, handler in self._row_handlers(target):
            signal.connect(handler)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        # the current row also moves while rows are removed or the filter republishes its
        # rows: only a row the view has now names a record
        if current.isValid() and 0 <= current.row() < self.view.model().rowCount():
            try:
                row = self._source_row(current.row())
            except IndexError:
                return
            self.currentRecordChanged.emit(self.model.first_seq + row)

    def _source_row(self, row: int) -> int:
        return self.proxy.source_row(row) if self.view.model() is self.proxy else row

    def select_source_row(self, row: int) -> bool:
        """Select (and show) the row showing the model's row ``row``; False when the filters hide it."""
        shown = row if self.view.model() is self.model else self.proxy.proxy_row(row)
        if shown is None or not 0 <= shown < self.view.model().rowCount():
            return False
        index = self.view.model().index(shown, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.set_autoscroll_paused(True)  # the user looks at that row: the log must not run away from it
        return True

    def _row_handlers(self, model: QAbstractItemModel) -> tuple[tuple[Any, Callable[..., None]], ...]:
        return ((model.rowsInserted, self._on_rows_inserted),
                (model.rowsAboutToBeRemoved, self._on_rows_about_to_be_removed),
                (model.rowsRemoved, self._on_rows_removed),
                (model.modelReset, self._on_rows_replaced),
                (model.layoutChanged, self._on_rows_replaced))

    @Slot()
    def _remember_columns(self) -> None:
        # Before the filter changes: detaching the filter empties it, header and all.
        self._column_state = self.view.horizontalHeader().saveState()

    # -- showing and hiding ---------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the viewport has its width now
            self._shown_once = True
            self._share_payload_width()
        self.proxy.set_suspended(False)

    def hideEvent(self, event: QHideEvent) -> None:
        # A hidden pane (a closed dock, a tab behind another) stops re-filtering old
        # rows until it shows again; new rows are still matched as they come.
        super().hideEvent(event)
        self.proxy.set_suspended(True)

    # -- reacting to the model ----------------------------------------------------

    @Slot(str)
    def _on_component_added(self, name: str) -> None:
        _insert_sorted(self.component_combo, name)

    @Slot(str)
    def _on_event_added(self, name: str) -> None:
        _insert_sorted(self.event_combo, name)

    @Slot()
    def _on_filter_changed(self) -> None:
        self._show_model(self.proxy if self.proxy.is_attached() else self.model)
        self._show_filters()
        self._on_rows_replaced()

    def _show_filters(self) -> None:
        """Make the toolbar show the filter's settings when code changed them."""
        for combo, value in ((self.component_combo, self.proxy.component),
                             (self.event_combo, self.proxy.event)):
            if combo.currentData() != value:
                if combo.findData(value) < 0:
                    _insert_sorted(combo, value)
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(value))
                combo.blockSignals(False)
        if self.text_filter.text() != self.proxy.text and not self._text_timer.isActive():
            self.text_filter.blockSignals(True)
            self.text_filter.setText(self.proxy.text)
            self.text_filter.blockSignals(False)

    @Slot(int)
    def _on_component_chosen(self, _index: int) -> None:
        self.proxy.set_component(self.component_combo.currentData() or "")

    @Slot(int)
    def _on_event_chosen(self, _index: int) -> None:
        self.proxy.set_event(self.event_combo.currentData() or "")

    @Slot(str)
    def _on_text_edited(self, text: str) -> None:
        if not text:  # the clear button: show everything at once
            self.apply_text_filter()
        else:
            self._text_timer.start()

    @Slot(QModelIndex, int, int)
    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._paused and first == 0 and self.view.model().rowCount() > last + 1:
            # A filter publishing older matches above the rows in view: keep them in view.
            self.view.updateGeometries()
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() + last + 1)
        self._follow()
        if not self._follow_pending:  # else the follow at the interval's end counts them too
            self._update_status()

    def _follow(self) -> None:
        """Repaint and scroll to the newest rows (unless paused): now, or, within
        FOLLOW_INTERVAL_MS of the last time, at its end. A table repaints its viewport on
        every insert, even below the rows in view; until then its updates are off."""
        if self._follow_timer.isActive():
            if not self._follow_pending:
                self._follow_pending = True
                self._set_table_updates(False)
            return
        self._follow_timer.start()
        if not self._paused:
            self.view.scrollToBottom()

    @Slot()
    def _follow_deferred(self) -> None:
        if self._follow_pending:
            self._follow_pending = False
            self._set_table_updates(True)  # and repaints
            self._update_status()
            self._follow()  # the next interval starts: rows may still be coming

    def _set_table_updates(self, enabled: bool) -> None:
        """The rows and the scroll bar, whose range grows with every batch (its paint costs
        as much as the rows'), repaint together at the end of the interval."""
        self.view.viewport().setUpdatesEnabled(enabled)
        self.view.verticalScrollBar().setUpdatesEnabled(enabled)

    def shutdown(self) -> None:
        """Stop the pane's timers (the window closing); what is pending shows at once."""
        self.follow_now()
        self._follow_timer.stop()
        self._text_timer.stop()

    def follow_now(self) -> None:
        """Show at once what a deferred follow would show (before a screenshot, say)."""
        if self._follow_pending:
            self._follow_timer.stop()
            self._follow_pending = False
            self._set_table_updates(True)
            self._update_status()
            self._follow()

    @Slot(QModelIndex, int, int)
    def _on_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        top = self.view.verticalScrollBar().value()
        if self._paused and first < top:
            # Rows above the viewport vanish: move up with them so the same rows stay in view.
            self._pending_shift = min(last, top - 1) - first + 1

    @Slot(QModelIndex, int, int)
    def _on_rows_removed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._pending_shift:
            bar = self.view.verticalScrollBar()
            bar.setValue(max(0, bar.value() - self._pending_shift))
            self._pending_shift = 0
        if not self._follow_pending:  # else the follow at the interval's end counts
            self._update_status()

    @Slot()
    def _on_rows_replaced(self) -> None:
        if not self._paused:
            self.view.scrollToBottom()
        self._update_status()

    @Slot(int)
    def _on_user_scrolled(self, action: int) -> None:
        # Scrolling up in a live log means "let me read": stop following, as terminals do.
        bar = self.view.verticalScrollBar()
        if not self._paused and QAbstractSlider.SliderAction(action) in _AWAY_FROM_END \
                and bar.sliderPosition() < bar.maximum():
            self.set_autoscroll_paused(True)

    @Slot()
    def _update_status(self) -> None:
        locale = self.locale()
        model = self.model
        text = arg(self.tr("%1 events (%2 shown)"), locale.toString(model.rowCount()),
                   locale.toString(self.shown_count()))
        if model.evicted:
            text += arg(self.tr(", %1 older discarded"), locale.toString(model.evicted))
        if model.dropped:
            text += arg(self.tr(", %1 dropped"), locale.toString(model.dropped))
        if self.proxy.is_filtering():
            text += arg(self.tr(" · filtering… %1%"), str(self.proxy.progress()))
        self.status_label.setText(text)
        if model.evicted:
            self.status_label.setToolTip(
                arg(self.tr("The oldest %1 events were discarded to keep at most %2."),
                    locale.toString(model.evicted), locale.toString(model.capacity)))


_HIDDEN_COLUMNS_KEY = "eventLog/hiddenColumns"


def _stored_hidden_columns() -> set[Column]:
    """The columns the user hid last time (Hex until the user says otherwise)."""
    # Stored as one comma-separated string: QSettings hands a one-item list back as a
    # plain string on some backends.
    stored = QSettings().value(_HIDDEN_COLUMNS_KEY, "hex")
    names = {name.strip().upper() for name in str(stored or "").split(",")}
    hidden = {column for column in Column if column.name in names}
    return hidden if len(hidden) < len(Column) else {Column.HEX}


_AWAY_FROM_END = frozenset({
    QAbstractSlider.SliderAction.SliderSingleStepSub,
    QAbstractSlider.SliderAction.SliderPageStepSub,
    QAbstractSlider.SliderAction.SliderToMinimum,
    QAbstractSlider.SliderAction.SliderMove,  # dragging the handle or the mouse wheel
})


def _insert_sorted(combo: QComboBox, name: str) -> None:
    """Insert ``name`` after the 'All' entry in alphabetical order, unless present."""
    if combo.findData(name) >= 0:
        return
    row = 1
    while row < combo.count() and combo.itemData(row) < name:
        row += 1
    combo.insertItem(row, name, name)

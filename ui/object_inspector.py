"""The Object Inspector: a component chooser, a Properties tab and an Events tab.

Both tabs are generated from the component metadata (``cls.properties()`` and
``cls.events()``); this module names no property and no event, so a property
declared on a component appears here without any change.

State lives in the FormModel. The table models only read it, send edits back
through ``FormModel.set_property`` / ``set_binding`` (which push undo commands)
and repaint when ``componentChanged`` says something changed, so undo and redo
show up here like any other edit. What the engine knows comes from the
EngineHost: runtime-only properties on a timer while the inspector is visible,
and at once whenever the engine reports a state change; the Active switch shows
whether the component runs (the document holds what the user asked for, see
app.qt.form_model).

An edit the form model refuses (a bad value, a property locked while the
component is active) raises EditRefused; the models catch it and emit
``editRefused`` with its text, which the inspector shows in a banner under the
table. Nothing of a refused edit is applied, and no exception reaches Qt.
"""

from __future__ import annotations

import html
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
    Slot,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.builtin_actions import RULES
from app.core.form_document import ComponentEntry, HandlerBinding
from app.qt.engine_host import EngineHost
from app.qt.form_model import ChangeKind, ComponentChange, EditRefused, FormModel
from app.qt.i18n import arg
from components.metadata import KIND_BOOL, EventSpec, PropertySpec, Role
from ui.error_text import translated
from ui.metadata_text import description
from ui.property_editors import (
    BINDING_ROLE,
    SPEC_ROLE,
    BindingDelegate,
    BindingEditor,
    InspectorTable,
    PropertyDelegate,
    binding_text,
    empty_hint,
)
from ui.retranslate import is_language_change, refresh_model
from ui.rule_editor import RuleEditor
from ui.tab_style import show_whole_tab_text

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the parent of every row of a flat table
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_CHECK = Qt.ItemDataRole.CheckStateRole

#: how often runtime values (connections, threads, ports) are re-read while visible
LIVE_INTERVAL_MS = 250


def inspector_order(specs: tuple[PropertySpec, ...]) -> list[PropertySpec]:
    """Published properties alphabetically, as the IDE lists them, then the runtime ones."""
    def key(spec: PropertySpec) -> tuple[bool, str]:
        return spec.runtime, spec.vcl_name.casefold()

    return sorted(specs, key=key)


def _muted_text(widget_palette: QPalette) -> QColor:
    # Halfway between text and background: clearly "not editable" yet readable, where
    # the palette's disabled colour is too faint on some styles.
    text = widget_palette.color(QPalette.ColorRole.Text)
    base = widget_palette.color(QPalette.ColorRole.Base)
    return QColor((text.red() + base.red()) // 2, (text.green() + base.green()) // 2,
                  (text.blue() + base.blue()) // 2)


class _ComponentTableModel(QAbstractTableModel):
    """Rows of one component (or none); repaints on the form model's change signals."""

    editRefused = Signal(str)
    #: an edit is about to be tried: an earlier message no longer applies (and whatever
    #: the edit itself reports, such as a failed open, must not be wiped after it)
    editStarting = Signal()

    def __init__(self, form: FormModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.uid = 0
        self.specs: list[Any] = []  # a PropertySpec or EventSpec per row
        form.componentChanged.connect(self._component_changed)

    def row_of(self, vcl_name: str) -> int:
        """The row of the property or event called ``vcl_name``; -1 if there is none."""
        return next((row for row, spec in enumerate(self.specs) if spec.vcl_name == vcl_name), -1)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.specs)

    def entry(self) -> ComponentEntry | None:
        return self.form.entry(self.uid) if self.uid and self.form.has(self.uid) else None

    def set_component(self, uid: int | None) -> None:
        self.beginResetModel()
        self.uid = uid or 0
        self._load()
        self.endResetModel()

    def _load(self) -> None:
        raise NotImplementedError

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else 2

    def refresh_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 1))

    @Slot(object)
    def _component_changed(self, change: ComponentChange) -> None:
        if change.uid == self.uid and change.kind is not ChangeKind.POSITION:
            self.refresh_all()

    def _refuse(self, message: str) -> bool:
        self.editRefused.emit(translated(message))
        return False


class PropertyTableModel(_ComponentTableModel):
    """Property / Value rows of the shown component, straight from its metadata."""

    specs: list[PropertySpec]

    def __init__(self, form: FormModel, engine: EngineHost | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(form, parent)
        self.engine = engine
        self._runtime: dict[int, Any] = {}  # row -> last value read from the engine
        self.muted = _muted_text(QGuiApplication.palette())

    def _load(self) -> None:
        entry = self.entry()
        self.specs = inspector_order(entry.cls.properties()) if entry is not None else []
        self._runtime = {row: self._read_runtime(spec) for row, spec in enumerate(self.specs)
                         if spec.runtime}

    def spec(self, row: int) -> PropertySpec:
        return self.specs[row]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < 2:
            return (self.tr("Property"), self.tr("Value"))[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        spec = self.specs[index.row()]
        if index.column() == 1 and not spec.runtime:
            flags |= Qt.ItemFlag.ItemIsUserCheckable if spec.kind == KIND_BOOL else Qt.ItemFlag.ItemIsEditable
        return flags

    def value(self, row: int) -> Any:
        """The shown value: the document's for published properties, the engine's for runtime
        ones and for the Active switch (whether it runs, not what was asked)."""
        spec = self.specs[row]
        if spec.runtime:
            return self._runtime.get(row)
        if spec.role is Role.ACTIVE and self.engine is not None and self.uid in self.engine.live:
            return self.engine.is_active(self.uid)
        entry = self.entry()
        return entry.value(spec.vcl_name) if entry is not None else spec.default

    def is_changed(self, row: int) -> bool:
        """Differs from the default, i.e. what the form file stores (and the IDE shows in bold)."""
        spec = self.specs[row]
        entry = self.entry()
        return (entry is not None and not spec.runtime and spec.vcl_name in entry.properties
                and not spec.is_default(entry.properties[spec.vcl_name]))

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.specs):
            return None
        row, column = index.row(), index.column()
        spec = self.specs[row]
        if role == SPEC_ROLE:
            return spec
        if column == 0:
            if role == _DISPLAY:
                return spec.vcl_name
            if role == Qt.ItemDataRole.ToolTipRole:
                return description(spec) or None
        else:
            value = self.value(row)
            if role == _DISPLAY:
                return "" if value is None else spec.to_text(value)
            if role == _EDIT:
                return value
            if role == _CHECK and spec.kind == KIND_BOOL and not spec.runtime:
                return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.FontRole and self.is_changed(row):
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole:  # the hint in full, even when the cell elides it
                return self._tooltip(spec) or (empty_hint(spec) if value == "" else None)
        if role == Qt.ItemDataRole.ForegroundRole and spec.runtime:
            return self.muted
        return None

    def _tooltip(self, spec: PropertySpec) -> str | None:
        if spec.runtime:
            return self.tr("Read-only: shown while the component runs")
        if spec.locked_while_active and self.uid:
            return self.form.lock_reason(self.uid, spec.vcl_name)
        return None

    def setData(self, index: _Index, value: Any, role: int = _EDIT) -> bool:
        if not index.isValid() or index.column() != 1 or self.entry() is None:
            return False
        spec = self.specs[index.row()]
        if spec.runtime:
            return False
        if role == _CHECK and spec.kind == KIND_BOOL:
            value = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role != _EDIT:
            return False
        self.editStarting.emit()
        try:
            self.form.set_property(self.uid, spec.vcl_name, value)
        except EditRefused as exc:
            return self._refuse(str(exc))
        return True

    # -- runtime values ---------------------------------------------------------------
    def _read_runtime(self, spec: PropertySpec) -> Any:
        if self.engine is None or not self.uid:
            return None
        try:
            return self.engine.runtime_value(self.uid, spec.vcl_name)
        except Exception:  # a live read racing a closing socket must not break painting
            return None

    def refresh_runtime(self) -> None:
        """Re-read the runtime values; repaint only the rows whose value changed."""
        for row in list(self._runtime):
            value = self._read_runtime(self.specs[row])
            if value != self._runtime[row]:
                self._runtime[row] = value
                self.dataChanged.emit(self.index(row, 1), self.index(row, 1))


class EventTableModel(_ComponentTableModel):
    """Event / Handler rows of the shown component."""

    specs: list[EventSpec]
    #: an event was bound to Reply rules (uid, event): time to edit them
    rulesChosen = Signal(int, str)

    def _load(self) -> None:
        entry = self.entry()
        self.specs = (sorted(entry.cls.events(), key=lambda e: e.vcl_name.casefold())
                      if entry is not None else [])

    def spec(self, row: int) -> EventSpec:
        return self.specs[row]

    def binding(self, row: int) -> HandlerBinding | None:
        entry = self.entry()
        return entry.events.get(self.specs[row].vcl_name) if entry is not None else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < 2:
            return (self.tr("Event"), self.tr("Handler"))[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 1 else flags

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.specs):
            return None
        spec = self.specs[index.row()]
        if role == SPEC_ROLE:
            return spec
        if index.column() == 0:
            if role == _DISPLAY:
                return spec.vcl_name
            if role == Qt.ItemDataRole.ToolTipRole:
                return description(spec) or None
            return None
        binding = self.binding(index.row())
        if role in (_DISPLAY, _EDIT):
            return binding_text(binding)
        if role == BINDING_ROLE:
            return binding
        if role == Qt.ItemDataRole.ToolTipRole and binding is not None:
            if binding.is_unit:
                return self.tr("A function of the form's unit; double-click the event to open it")
            if binding.action == RULES:
                problem = binding.problem(spec)
                return problem or self.tr("Double-click the event to edit the rules")
            return binding_text(binding) if binding.argument else None  # in full, even when elided
        return None

    def setData(self, index: _Index, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or not index.isValid() or index.column() != 1 or self.entry() is None:
            return False
        if value is not None and not isinstance(value, HandlerBinding):
            return False
        spec = self.specs[index.row()]
        self.editStarting.emit()
        try:
            self.form.set_binding(self.uid, spec.vcl_name, value)
        except (EditRefused, KeyError) as exc:  # the message says which event it was about
            return self._refuse(arg(self.tr("%1: %2"), spec.vcl_name, translated(str(exc))))
        if value is not None and value.action == RULES:
            self.rulesChosen.emit(self.uid, spec.vcl_name)
        return True


class ObjectInspector(QWidget):
    """The Object Inspector for ``model``'s current component; ``engine`` supplies runtime values."""

    #: a double-click on an event row (the hook for creating/opening a unit function)
    eventActivated = Signal(int, str)

    def __init__(self, model: FormModel, engine: EngineHost | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.property_model = PropertyTableModel(model, engine, self)
        self.event_model = EventTableModel(model, self)

        self.chooser = QComboBox(self)
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(12)

        self.property_view = InspectorTable(self)
        self.property_view.setModel(self.property_model)
        self.property_delegate = PropertyDelegate(self.property_view)
        self.property_view.setItemDelegate(self.property_delegate)
        self.property_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.AnyKeyPressed)

        self.event_view = InspectorTable(self)
        self.event_view.setModel(self.event_model)
        self.event_delegate = BindingDelegate(self.event_view)
        self.event_view.setItemDelegate(self.event_delegate)
        self.event_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keeps a file name in sight
        # One click on a handler opens its list (see _event_clicked); a double-click on the
        # event's name is the IDE's "go to the handler".
        self.event_view.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        show_whole_tab_text(self.tabs.tabBar())
        self.tabs.addTab(self.property_view, "")
        self.tabs.addTab(self.event_view, "")

        self.message = self._make_banner()
        self._message_is_hint = False
        self.help = QLabel(self)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.help.setFrameShape(QFrame.Shape.StyledPanel)
        self.help.setMargin(4)
        self.help.setMinimumHeight(QFontMetrics(self.help.font()).lineSpacing() * 3 + 10)
        self.help.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addWidget(self.chooser)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.help)
        self.retranslate_ui()

        self._live = QTimer(self)
        self._live.setInterval(LIVE_INTERVAL_MS)
        self._live.timeout.connect(self.property_model.refresh_runtime)

        self.chooser.activated.connect(self._chosen)
        self.tabs.currentChanged.connect(self._update_help)
        self.tabs.currentChanged.connect(self.clear_message)  # a refusal belongs to its own tab
        self.property_view.selectionModel().currentChanged.connect(self._update_help)
        self.event_view.selectionModel().currentChanged.connect(self._update_help)
        self.event_view.doubleClicked.connect(self._event_double_clicked)
        self._rule_editors: dict[tuple[int, str], RuleEditor] = {}
        self.event_model.rulesChosen.connect(self.edit_rules, Qt.ConnectionType.QueuedConnection)
        self.event_view.clicked.connect(self._event_clicked)
        for source in (self.property_model, self.event_model):
            source.editRefused.connect(self.show_message)
            source.editStarting.connect(self.clear_message)
        for delegate in (self.property_delegate, self.event_delegate):
            delegate.inputProblem.connect(self._input_problem)
            delegate.closeEditor.connect(self._editor_closed)
        model.componentAdded.connect(self._rebuild_chooser)
        model.componentRemoved.connect(self._rebuild_chooser)
        model.componentChanged.connect(self._component_changed)
        model.documentReset.connect(self._rebuild_chooser)
        model.selectionChanged.connect(self._follow_selection)
        if engine is not None:
            engine.stateChanged.connect(self._engine_state_changed)
            engine.errorRaised.connect(self._engine_error)
        self._rebuild_chooser()
        self._follow_selection()

    # -- public -----------------------------------------------------------------
    def current_uid(self) -> int:
        """The uid of the component shown (0 when none)."""
        return self.property_model.uid

    def show_properties(self) -> None:
        self.tabs.setCurrentWidget(self.property_view)

    def show_events(self) -> None:
        """Bring the Events tab forward (a double-clicked tile, as in the IDE)."""
        self.tabs.setCurrentWidget(self.event_view)

    def live_updating(self) -> bool:
        """Whether runtime values are being re-read (visible, with an engine and a component)."""
        return self._live.isActive()

    def message_text(self) -> str:
        """The refusal or warning shown under the table ("" when none)."""
        return self._message_label.text() if not self.message.isHidden() else ""

    @Slot(str)
    def show_message(self, text: str) -> None:
        self._message_is_hint = False
        self._message_label.setText(text)
        self.message.show()

    @Slot()
    def clear_message(self) -> None:
        self._message_label.clear()
        self.message.hide()

    # -- layout pieces ----------------------------------------------------------------
    def _make_banner(self) -> QFrame:
        banner = QFrame(self)
        banner.setObjectName("inspectorMessage")
        banner.setStyleSheet("#inspectorMessage { background: #fdecea; border: 1px solid #e6a6a1;"
                             " border-radius: 3px; } #inspectorMessage QLabel { color: #8a1c14; }")
        icon = QLabel(banner)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._message_label = QLabel(banner)
        self._message_label.setWordWrap(True)
        self._message_label.setTextFormat(Qt.TextFormat.PlainText)
        self._message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(banner)
        close.setAutoRaise(True)
        close.setText("×")
        self._dismiss = close
        close.clicked.connect(self.clear_message)
        row = QHBoxLayout(banner)
        row.setContentsMargins(6, 4, 2, 4)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._message_label, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        banner.hide()
        return banner

    def retranslate_ui(self) -> None:
        self.chooser.setToolTip(self.tr("The component shown below"))
        self.tabs.setTabText(0, self.tr("Properties"))
        self.tabs.setTabText(1, self.tr("Events"))
        self._dismiss.setToolTip(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            self._rebuild_chooser()
            refresh_model(self.property_model)
            refresh_model(self.event_model)
        super().changeEvent(event)

    # -- following the form ------------------------------------------------------------
    def _rebuild_chooser(self, *_args: Any) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for entry in sorted(self.model.entries(), key=lambda e: e.name.casefold()):
            self.chooser.addItem(arg(self.tr("%1: %2"), entry.name, entry.cls.vcl_class), entry.uid)
        self.chooser.setCurrentIndex(self.chooser.findData(self.current_uid()) if self.current_uid() else -1)
        self.chooser.blockSignals(False)

    @Slot(int)
    def _chosen(self, index: int) -> None:
        uid = self.chooser.itemData(index)
        if uid:
            self.model.set_selection([uid])

    @Slot()
    def _follow_selection(self) -> None:
        current = self.model.current()
        uid = current.uid if current is not None else 0
        if uid != self.current_uid():
            self._show_component(uid)
        self.chooser.blockSignals(True)
        self.chooser.setCurrentIndex(self.chooser.findData(uid) if uid else -1)
        self.chooser.blockSignals(False)

    def _show_component(self, uid: int) -> None:
        # Keep the same row current across components, as the IDE does.
        remembered = [self._current_name(view) for view in (self.property_view, self.event_view)]
        self.clear_message()
        self.property_model.set_component(uid)
        self.event_model.set_component(uid)
        for view, name in zip((self.property_view, self.event_view), remembered, strict=True):
            view.fit_name_column()
            source = view.model()
            assert isinstance(source, (PropertyTableModel, EventTableModel))
            row = source.row_of(name) if name else -1
            if row < 0 and source.rowCount():
                row = 0
            if row >= 0:
                view.setCurrentIndex(source.index(row, 0))
        self._update_live()
        self._update_help()

    @staticmethod
    def _current_name(view: QTableView) -> str:
        index = view.currentIndex()
        return str(index.siblingAtColumn(0).data() or "") if index.isValid() else ""

    @Slot(object)
    def _component_changed(self, change: ComponentChange) -> None:
        if change.kind is ChangeKind.NAME:
            self._rebuild_chooser()

    @Slot(int)
    def _engine_state_changed(self, uid: int) -> None:
        if uid == self.current_uid():
            self.property_model.refresh_runtime()
            self.property_model.refresh_all()  # lock tooltips follow the state

    @Slot(int, str)
    def _engine_error(self, uid: int, message: str) -> None:
        # Active switched back to False by itself (port in use, refused): say why, here too.
        if uid and uid == self.current_uid():
            self.show_message(message)

    # -- live values -------------------------------------------------------------------
    def _update_live(self) -> None:
        wanted = self.engine is not None and self.isVisible() and bool(self.current_uid())
        if wanted and not self._live.isActive():
            self._live.start()
        elif not wanted:
            self._live.stop()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.property_model.refresh_runtime()
        self._update_live()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._live.stop()

    # -- messages and help -------------------------------------------------------------
    @Slot(str)
    def _input_problem(self, text: str) -> None:
        if text:
            self.show_message(text)
            self._message_is_hint = True
        elif self._message_is_hint:
            self.clear_message()

    def _editor_closed(self, *_args: Any) -> None:
        if self._message_is_hint:
            self.clear_message()

    def _update_help(self, *_args: Any) -> None:
        view = self.property_view if self.tabs.currentIndex() == 0 else self.event_view
        source = view.model()
        index = view.currentIndex()
        if not index.isValid() or not isinstance(source, (PropertyTableModel, EventTableModel)):
            self.help.clear()
            return
        spec = source.spec(index.row())
        text = f"<b>{html.escape(spec.vcl_name)}</b>"
        if spec.description:
            text += f"<br>{html.escape(description(spec))}"
        self.help.setText(text)

    @Slot(QModelIndex)
    def _event_clicked(self, index: QModelIndex) -> None:
        # A drop-down that needs a click to select the row, a click to open the editor and
        # a third to open its list reads as "it didn't work" twice.
        if not index.isValid() or index.column() != 1:
            return
        if self.event_view.indexWidget(index) is None:
            self.event_view.edit(index)
        editor = self.event_view.indexWidget(index)
        if isinstance(editor, BindingEditor) and not editor.argument.isVisible():
            editor.open_list()

    @Slot(QModelIndex)
    def _event_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and self.current_uid():
            binding = self.event_model.binding(index.row())
            event = self.event_model.spec(index.row()).vcl_name
            if binding is not None and binding.action == RULES:
                self.edit_rules(self.current_uid(), event)
            else:
                self.eventActivated.emit(self.current_uid(), event)

    @Slot()
    def _rule_editor_closed(self) -> None:
        for key, editor in list(self._rule_editors.items()):
            if editor is self.sender():
                del self._rule_editors[key]
                editor.deleteLater()

    @Slot(int, str)
    def edit_rules(self, uid: int, event: str) -> RuleEditor:
        """Show the rule editor of ``event`` (one dialog per event, brought forward if open)."""
        editor = self._rule_editors.get((uid, event))
        if editor is None:
            editor = RuleEditor(self.model, uid, event, self.window())
            editor.finished.connect(self._rule_editor_closed)
            self._rule_editors[(uid, event)] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

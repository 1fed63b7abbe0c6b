"""The Object Inspector's editing surface: editors chosen by a property's kind, the
delegates that open them, and the two-column sheet they open in.

Each editor is a small widget with ``value()`` and ``set_value()``. Editors that
can tell while the user types whether the text will be accepted (numbers, host,
service, encoding, names) run the property's own ``spec.validate`` on every keystroke and
announce the problem through ``problemChanged`` ("" when the text is fine); the
inspector shows it under the table, so a refusal on commit never comes as a
surprise. The form model still has the final say when the value is committed.

Editors never block typing with a QValidator (nor a QSpinBox, which has one
inside): a line edit whose validator says "intermediate" makes the delegate drop
Enter and focus-out without a word, and a spin box clips digits past its range;
both are exactly the silent failures the inspector must avoid.

Boolean properties have no editor: their value cell is a check box (the item is
user-checkable), toggled with one click or Space, as the IDE's True/False cell.
"""

from __future__ import annotations

from typing import Any, ClassVar, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QWidget,
)

from app.core.builtin_actions import ACTIONS, RULES, Action, actions_for
from app.core.form_document import HandlerBinding
from app.qt.i18n import arg
from components.addressing import known_services
from components.metadata import (
    KIND_ENCODING,
    KIND_ENUM,
    KIND_FILE,
    KIND_HOST,
    KIND_IDENTIFIER,
    KIND_INT,
    KIND_SERVICE,
    KIND_TEXT,
    EventSpec,
    PropertySpec,
)
from ui.error_text import translated

#: item data role carrying the row's PropertySpec or EventSpec
SPEC_ROLE = Qt.ItemDataRole.UserRole + 1
#: item data role carrying an event row's HandlerBinding (or None)
BINDING_ROLE = Qt.ItemDataRole.UserRole + 2

#: offered by the encoding editor; any name Python's codecs know is accepted
COMMON_ENCODINGS = ("utf-8", "ascii", "latin-1", "cp1250", "cp1251", "cp1252", "cp866", "koi8-r",
                    "gbk", "gb18030", "big5", "shift_jis", "euc-jp", "euc-kr", "utf-16-le", "utf-16-be")

_INVALID_STYLE = "border: 1px solid #c62828;"


def action_title(action: Action) -> str:
    # Titles live in app/ (which knows no Qt); translations are looked up here.
    return QCoreApplication.translate("BuiltinActions", action.title)


def binding_text(binding: HandlerBinding | None) -> str:
    """What the Events tab shows for a binding: the action and its argument, or the function."""
    if binding is None:
        return ""
    if binding.is_unit:
        return binding.handler
    action = ACTIONS.get(binding.action)
    if action is None:
        return binding.action
    title = action_title(action)
    if binding.action == RULES:  # how many rules
        return arg(QCoreApplication.translate("BuiltinActions", "%1 (%2)"), title, len(binding.rules))
    return f"{title}: {binding.argument}" if action.argument_title and binding.argument else title


def empty_hint(spec: PropertySpec) -> str:
    """What an empty value of ``spec`` means ("" when it needs no saying), translated."""
    # The hint is declared with the property in components/ (which knows no Qt).
    return QCoreApplication.translate("PropertyHints", spec.empty_hint) if spec.empty_hint else ""


def _problem(spec: PropertySpec, text: str) -> str:
    try:
        spec.validate(text)
    except ValueError as exc:
        return translated(str(exc))
    return ""


# -- property editors ---------------------------------------------------------------
class ChoiceEditor(QComboBox):
    """A fixed list (enums): picking an item commits at once."""

    picked = Signal()

    def __init__(self, spec: PropertySpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItems(list(spec.choices))
        self.activated.connect(self.picked)

    def value(self) -> str:
        return self.currentText()

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(max(0, self.findText(str(value))))
        self.blockSignals(False)


class CheckedLineEditor(QLineEdit):
    """Free text checked against the spec while typing (names, hosts, plain text)."""

    problemChanged = Signal(str)

    def __init__(self, spec: PropertySpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setFrame(False)
        self.setPlaceholderText(empty_hint(spec))
        self.textEdited.connect(self._check)

    def value(self) -> str:
        return self.text()

    def set_value(self, value: Any) -> None:
        self.setText(self.spec.to_text(value))

    def _check(self, text: str) -> None:
        problem = _problem(self.spec, text)
        self.setStyleSheet(_INVALID_STYLE if problem else "")
        self.problemChanged.emit(problem)


class SuggestionEditor(QComboBox):
    """Free text with suggestions (service names, encodings); the list completes as you type."""

    problemChanged = Signal(str)

    def __init__(self, spec: PropertySpec, suggestions: list[str] | tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.addItems(list(suggestions))
        completer = QCompleter(list(suggestions), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        line = self.lineEdit()
        assert line is not None  # an editable combo has one
        line.setFrame(False)
        line.textEdited.connect(self._check)
        self.textActivated.connect(self._check)

    def value(self) -> str:
        return self.currentText()

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        index = self.findText(str(value))
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(self.spec.to_text(value))
        self.blockSignals(False)

    def _check(self, text: str) -> None:
        problem = _problem(self.spec, text)
        line = self.lineEdit()
        assert line is not None  # an editable combo has one
        line.setStyleSheet(_INVALID_STYLE if problem else "")
        self.problemChanged.emit(problem)


class IntEditor(CheckedLineEditor):
    """A whole number, typed freely and checked against the spec's range.

    Not a QSpinBox: its range silently clips typed digits (70000 became 7000), where an
    out-of-range number must be refused with the reason. Up and Down step by one,
    Page Up and Page Down by ten, staying inside the range.
    """

    _STEPS: ClassVar[dict[Qt.Key, int]] = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1,
                                           Qt.Key.Key_PageUp: 10, Qt.Key.Key_PageDown: -10}

    def minimum(self) -> int | None:
        return self.spec.minimum

    def maximum(self) -> int | None:
        return self.spec.maximum

    def step_by(self, steps: int) -> None:
        try:
            number = int(self.text().strip(), 0) + steps
        except ValueError:
            return  # nothing to step from; the problem is already on show
        if self.spec.minimum is not None:
            number = max(number, self.spec.minimum)
        if self.spec.maximum is not None:
            number = min(number, self.spec.maximum)
        self.setText(str(number))
        self._check(self.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = self._STEPS.get(Qt.Key(event.key()))
        if steps is None:
            super().keyPressEvent(event)
        else:  # the view would otherwise take them and move to another row
            self.step_by(steps)
            event.accept()


def create_property_editor(spec: PropertySpec, parent: QWidget) -> QWidget | None:
    """The editor for ``spec``'s kind, or None when the value cell edits itself (check box)."""
    if spec.runtime:
        return None
    if spec.kind == KIND_INT:
        return IntEditor(spec, parent)
    if spec.kind == KIND_ENUM:
        return ChoiceEditor(spec, parent)
    if spec.kind == KIND_SERVICE:
        return SuggestionEditor(spec, known_services(), parent)
    if spec.kind == KIND_ENCODING:
        return SuggestionEditor(spec, COMMON_ENCODINGS, parent)
    if spec.suggestions:
        return SuggestionEditor(spec, spec.suggestions, parent)
    if spec.kind in (KIND_TEXT, KIND_IDENTIFIER, KIND_HOST, KIND_FILE):
        return CheckedLineEditor(spec, parent)
    return None


class _CommittingDelegate(QStyledItemDelegate):
    """Shared plumbing: forward live problems, and commit editors that finish by themselves."""

    #: the text being typed will be refused, and why ("" once it is fine again)
    inputProblem = Signal(str)

    def _wire(self, editor: QWidget) -> None:
        for name in ("picked", "finished"):
            done = getattr(editor, name, None)
            if done is not None:
                done.connect(lambda: self._commit_and_close(editor))
        problem = getattr(editor, "problemChanged", None)
        if problem is not None:
            problem.connect(self.inputProblem)

    def _commit_and_close(self, editor: QWidget) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)


class PropertyDelegate(_CommittingDelegate):
    """Makes the editor for a property row from its spec; values go back through setData.
    An empty value whose spec says what empty means shows that, greyed and in italics."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        spec = index.data(SPEC_ROLE)
        if index.column() != 1 or not isinstance(spec, PropertySpec) or option.text:
            return
        hint = empty_hint(spec)
        if hint:
            option.text = hint
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            font = QFont(option.font)
            font.setItalic(True)
            option.font = font
            palette = QPalette(option.palette)  # the colour a line edit gives its placeholder
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                grey = palette.color(group, QPalette.ColorRole.PlaceholderText)
                palette.setColor(group, QPalette.ColorRole.Text, grey)
            option.palette = palette

    # Qt takes a null editor as "not editable"; the stubs say it must be a QWidget
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # type: ignore[override]
                     index: QModelIndex | QPersistentModelIndex) -> QWidget | None:
        spec = index.data(SPEC_ROLE)
        editor = create_property_editor(spec, parent) if isinstance(spec, PropertySpec) else None
        if editor is None:
            return None
        editor.setAutoFillBackground(True)
        self._wire(editor)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        editor.set_value(index.data(Qt.ItemDataRole.EditRole))  # type: ignore[attr-defined]

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)  # type: ignore[attr-defined]

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: QModelIndex | QPersistentModelIndex) -> None:
        editor.setGeometry(option.rect)


# -- event binding editor -------------------------------------------------------------
_NONE = ""
_UNIT_PREFIX = "unit:"


class BindingEditor(QFrame):
    """The Events tab's drop-down: (none), the event's built-in actions and, when the event
    is bound to a unit function, that function. An action that takes an argument opens a
    second line for it (with "…" to pick a file for Send file); Enter commits."""

    finished = Signal()
    problemChanged = Signal(str)

    def __init__(self, event: EventSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.event_spec = event
        self.setFrameShape(QFrame.Shape.Box)
        self.setAutoFillBackground(True)
        self.combo = QComboBox(self)
        self.combo.addItem(self.tr("(none)"), _NONE)
        for action in actions_for(event):
            self.combo.addItem(action_title(action), action.id)
        self.argument_label = QLabel(self)
        self.argument = QLineEdit(self)
        self.argument.setClearButtonEnabled(True)
        self.browse = QToolButton(self)
        self.browse.setText("…")
        self.browse.setToolTip(self.tr("Choose the file to send"))
        self.argument_label.setBuddy(self.argument)
        layout = QGridLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(2)
        layout.addWidget(self.combo, 0, 0, 1, 3)
        layout.addWidget(self.argument_label, 1, 0)
        layout.addWidget(self.argument, 1, 1)
        layout.addWidget(self.browse, 1, 2)
        self.setFocusProxy(self.combo)
        self.combo.activated.connect(self._chosen)
        self.argument.textEdited.connect(self._check)
        self.browse.clicked.connect(self._browse)
        self._shown: HandlerBinding | None = None
        self._show_argument(None)

    # -- value -----------------------------------------------------------------
    def selected_action(self) -> Action | None:
        return ACTIONS.get(self.combo.currentData() or "")

    def binding(self) -> HandlerBinding | None:
        data = self.combo.currentData() or _NONE
        if data.startswith(_UNIT_PREFIX):
            return HandlerBinding(handler=data[len(_UNIT_PREFIX):])
        if data == _NONE:
            return None
        action = ACTIONS[data]
        kept = self._shown.rules if self._shown is not None and self._shown.action == data else ()
        return HandlerBinding(action=data, argument=self.argument.text() if action.argument_title else "",
                              rules=kept)

    def set_binding(self, binding: HandlerBinding | None) -> None:
        self._shown = binding  # Reply rules picked again keep their rules
        self.combo.blockSignals(True)
        for i in range(self.combo.count() - 1, 0, -1):  # a previous unit item, if any
            if str(self.combo.itemData(i)).startswith(_UNIT_PREFIX):
                self.combo.removeItem(i)
        if binding is not None and binding.is_unit:
            self.combo.insertItem(1, binding.handler, _UNIT_PREFIX + binding.handler)
            self.combo.setCurrentIndex(1)
        else:
            index = self.combo.findData(binding.action if binding is not None else _NONE)
            self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self.argument.setText(binding.argument if binding is not None else "")
        self._show_argument(self.selected_action())

    def open_list(self) -> None:
        """Drop the list down, once the editor is placed over its cell."""
        QTimer.singleShot(0, self.combo, self.combo.showPopup)  # not after the editor is gone

    # -- behaviour ---------------------------------------------------------------
    def _chosen(self, _index: int) -> None:
        action = self.selected_action()
        self._show_argument(action)
        if action is not None and action.argument_title:
            self.argument.setFocus(Qt.FocusReason.OtherFocusReason)
            self.argument.selectAll()
            self._check(self.argument.text())
        else:
            self.finished.emit()

    def _show_argument(self, action: Action | None) -> None:
        wanted = action is not None and bool(action.argument_title)
        if action is not None and wanted:
            title = QCoreApplication.translate("BuiltinActions", action.argument_title)
            self.argument_label.setText(arg(self.tr("%1:"), title))
        self.argument_label.setVisible(wanted)
        self.argument.setVisible(wanted)
        self.browse.setVisible(wanted and action is not None and action.id == "send_file")
        self.resize(self.width(), self.sizeHint().height())

    def _check(self, text: str) -> None:
        action = self.selected_action()
        problem = ""
        if action is not None:
            try:
                action.check_argument(text)
            except ValueError as exc:
                problem = translated(str(exc))
        self.argument.setStyleSheet(_INVALID_STYLE if problem else "")
        self.problemChanged.emit(problem)

    def _browse(self) -> None:
        # Parented to the editor so the delegate does not take the dialog's focus for
        # "editing finished" and close the editor under it.
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("File to send"), self.argument.text())
        if path:
            self.argument.setText(path)
            self._check(path)
            self.argument.setFocus(Qt.FocusReason.OtherFocusReason)


class BindingDelegate(_CommittingDelegate):
    # Qt takes a null editor as "not editable"; the stubs say it must be a QWidget
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # type: ignore[override]
                     index: QModelIndex | QPersistentModelIndex) -> QWidget | None:
        spec = index.data(SPEC_ROLE)
        if not isinstance(spec, EventSpec):
            return None
        editor = BindingEditor(spec, parent)
        self._wire(editor)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, BindingEditor)
        editor.set_binding(index.data(BINDING_ROLE))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, BindingEditor)
        model.setData(index, editor.binding(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: QModelIndex | QPersistentModelIndex) -> None:
        # The argument line hangs below the cell, over the next row, like a drop-down.
        rect = option.rect
        editor.setGeometry(rect.x(), rect.y(), rect.width(), max(rect.height(), editor.sizeHint().height()))


# -- the sheet ------------------------------------------------------------------------
class InspectorTable(QTableView):
    """A two-column sheet: whole rows select, and editing always opens the value cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setCornerButtonEnabled(False)
        self.verticalHeader().hide()
        row = max(QFontMetrics(self.font()).height() + 8, 22)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(row)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._fitting = False
        self._user_sized = False  # once the user drags the divider, their width stays
        header.sectionResized.connect(self._section_resized)

    @overload
    def edit(self, index: QModelIndex | QPersistentModelIndex, /) -> None: ...
    @overload
    def edit(self, index: QModelIndex | QPersistentModelIndex, trigger: QAbstractItemView.EditTrigger,
             event: QEvent | None, /) -> bool: ...

    def edit(self, index: QModelIndex | QPersistentModelIndex, trigger: QAbstractItemView.EditTrigger | None = None,
             event: QEvent | None = None) -> bool | None:
        if trigger is None:  # the public slot edit(index); it calls back here with a trigger
            super().edit(index)
            return None
        if index.isValid() and index.column() == 0:
            index = index.sibling(index.row(), 1)
        return super().edit(index, trigger, event)  # type: ignore[arg-type]  # Qt's event may be null

    def fit_name_column(self) -> None:
        """Wide enough for the longest name, but never more than about half the sheet."""
        model = self.model()
        if self._user_sized or model is None or not self.isVisible():
            return  # a hidden tab has no real width yet; showEvent fits it
        names = [str(model.index(r, 0).data() or "") for r in range(model.rowCount())]
        metrics = QFontMetrics(self.font())
        wanted = max((metrics.horizontalAdvance(n) for n in names), default=60) + 18
        limit = max(80, int(self.viewport().width() * 0.55))
        self._fitting = True
        self.setColumnWidth(0, min(wanted, limit))
        self._fitting = False

    def _section_resized(self, logical: int, _old: int, _new: int) -> None:
        if logical == 0 and not self._fitting:
            self._user_sized = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.fit_name_column()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_name_column()

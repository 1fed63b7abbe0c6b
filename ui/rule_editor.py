"""The rule editor: the Reply rules of one read event, as a table, with a test box.

A dialog of its own, not a panel: rules belong to one event of one component, are
edited now and then, and the table (six columns, replies with checksums and regexes)
and the test box need more room than the inspector's column has. It is not modal:
the form, the log and the inspector stay usable beside it, and undo works from
either (the dialog offers the form's own Undo and Redo).

``RuleTableModel`` shows the rules as the document holds them; every edit (a cell,
add, remove, move up or down) is one ``FormModel.set_binding``, so one step on the
form's undo stack, checked as every binding is (app.core.builtin_actions.check_action):
a pattern or template that does not compile is refused with the rule's number and
the position, and the dialog says so. A rule that a form file brought broken is
shown in red with the reason in its tooltip.

The test box answers a sample frame (text with the escapes of Reply with text, or hex)
as the running component would (app.core.form_runtime.try_rules): which rule answers,
and the exact bytes that go out, Framing's terminator or length field included, with
counter = 1 and the time now, as you type.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QColor, QFontDatabase, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.builtin_actions import RULES as RULES_ACTION
from app.core.form_document import HandlerBinding
from app.core.form_runtime import try_rules
from app.core.rules import MATCH_KINDS, MAX_DELAY_MS, Rule, RuleError, check_rule
from app.qt.form_model import ChangeKind, ComponentChange, EditRefused, FormModel
from app.qt.i18n import arg

#: the Rule fields the columns show, in order
FIELDS = ("name", "match", "pattern", "reply", "delay_ms", "close")
NAME, MATCH, PATTERN, REPLY, DELAY, CLOSE = range(len(FIELDS))
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_CHECK = Qt.ItemDataRole.CheckStateRole
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_BROKEN = QColor("#c62828")
_INVALID_STYLE = "border: 1px solid #c62828;"


class RuleTableModel(QAbstractTableModel):
    """The rules of ``event`` of component ``uid``; edits go through ``form``'s undo stack."""

    #: an edit was refused; the text says why (rule, field, position)
    editRefused = Signal(str)
    #: an edit was taken
    edited = Signal()

    def __init__(self, form: FormModel, uid: int, event: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form, self.uid, self.event_name = form, uid, event
        self._rules = self._read()
        form.componentChanged.connect(self._changed)
        form.documentReset.connect(self._reload)

    # -- reading -----------------------------------------------------------------
    def _read(self) -> tuple[Rule, ...]:
        if not self.form.has(self.uid):
            return ()
        binding = self.form.entry(self.uid).events.get(self.event_name)
        return binding.rules if binding is not None and binding.action == RULES_ACTION else ()

    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    def is_bound(self) -> bool:
        """Whether the event is (still) bound to Reply rules."""
        if not self.form.has(self.uid):
            return False
        binding = self.form.entry(self.uid).events.get(self.event_name)
        return binding is not None and binding.action == RULES_ACTION

    @Slot(object)
    def _changed(self, change: ComponentChange) -> None:
        if change.uid == self.uid and change.kind is ChangeKind.BINDING and change.spec is not None \
                and change.spec.vcl_name == self.event_name:
            self._reload()

    @Slot()
    def _reload(self) -> None:
        new = self._read()
        if len(new) == len(self._rules):
            self._rules = new
            if new:
                self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(FIELDS) - 1))
            return
        self.beginResetModel()
        self._rules = new
        self.endResetModel()

    def problem(self, row: int) -> str:
        try:
            check_rule(self._rules[row], row)
        except RuleError as exc:
            return str(exc)
        return ""

    # -- Qt model --------------------------------------------------------------------
    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rules)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(FIELDS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        titles = (self.tr("Rule name"), self.tr("Match"), self.tr("Pattern"), self.tr("Reply"),
                  self.tr("Delay (ms)"), self.tr("Close"))
        return titles[section] if 0 <= section < len(titles) else None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == CLOSE:
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        return flags | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rules):
            return None
        rule, column = self._rules[index.row()], index.column()
        value = getattr(rule, FIELDS[column])
        if column == CLOSE:
            if role == _CHECK:
                return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
            return None
        if role == _EDIT:
            return value
        if role == _DISPLAY:
            if column == PATTERN and rule.match == "any":
                return ""
            if column == DELAY:
                return str(value) if value else ""
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.problem(index.row()) or (value if column in (PATTERN, REPLY) and value else None)
        if role == Qt.ItemDataRole.ForegroundRole and self.problem(index.row()):
            return _BROKEN
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DELAY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: Any, role: int = _EDIT) -> bool:
        if not index.isValid() or not 0 <= index.row() < len(self._rules):
            return False
        column = index.column()
        if column == CLOSE:
            if role != _CHECK:
                return False
            value = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        elif role != _EDIT:
            return False
        if column == DELAY:
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                self.editRefused.emit(arg(self.tr("rule %1, delay_ms: a whole number of milliseconds"),
                                          index.row() + 1))
                return False
        elif column != CLOSE:
            value = str(value)
        old = self._rules[index.row()]
        if getattr(old, FIELDS[column]) == value:
            return True
        new = dataclasses.replace(old, **{FIELDS[column]: value})
        row = index.row()
        return self._commit((*self._rules[:row], new, *self._rules[row + 1:]))

    # -- edits -------------------------------------------------------------------
    def _commit(self, rules: tuple[Rule, ...]) -> bool:
        try:
            self.form.set_binding(self.uid, self.event_name, HandlerBinding(action=RULES_ACTION, rules=rules))
        except (EditRefused, KeyError) as exc:
            self.editRefused.emit(str(exc))
            return False
        self.edited.emit()
        return True

    def add_rule(self, row: int | None = None) -> int:
        """A new rule after ``row`` (at the end when None); its row, or -1 if refused."""
        at = len(self._rules) if row is None else min(max(row + 1, 0), len(self._rules))
        new = Rule(match="exact", pattern="", reply="")
        return at if self._commit((*self._rules[:at], new, *self._rules[at:])) else -1

    def remove_rule(self, row: int) -> bool:
        if not 0 <= row < len(self._rules):
            return False
        return self._commit(self._rules[:row] + self._rules[row + 1:])

    def move_rule(self, row: int, delta: int) -> int:
        """Move a rule up (-1) or down (+1); its new row, or -1 if it can't move."""
        to = row + delta
        if not (0 <= row < len(self._rules) and 0 <= to < len(self._rules)):
            return -1
        rules = list(self._rules)
        rules[row], rules[to] = rules[to], rules[row]
        return to if self._commit(tuple(rules)) else -1


class RuleDelegate(QStyledItemDelegate):
    """Editors for the rule table: a list of match kinds, a spin box for the delay, and line
    edits for name, pattern and reply that say at once, with the position, what is wrong."""

    inputProblem = Signal(str)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        column = index.column()
        if column == MATCH:
            combo = QComboBox(parent)
            combo.addItems(list(MATCH_KINDS))
            combo.activated.connect(lambda _i, c=combo: self._commit_now(c))
            return combo
        if column == DELAY:
            spin = QSpinBox(parent)
            spin.setRange(0, MAX_DELAY_MS)
            spin.setSuffix(" ms")
            return spin
        line = QLineEdit(parent)
        if column in (PATTERN, REPLY):
            where = QPersistentModelIndex(index)
            line.setProperty("ruleIndex", where)
            line.textEdited.connect(lambda text, e=line, i=where: self._check(e, i, text))
        return line

    def _commit_now(self, editor: QWidget) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def _check(self, editor: QLineEdit, index: QPersistentModelIndex, text: str) -> RuleError | None:
        model = index.model()
        if not isinstance(model, RuleTableModel) or not index.isValid():
            return None
        change: dict[str, Any] = {FIELDS[index.column()]: text}
        rule = dataclasses.replace(model.rules()[index.row()], **change)
        try:
            check_rule(rule, index.row())
            problem = None
        except RuleError as exc:
            problem = exc
        editor.setStyleSheet(_INVALID_STYLE if problem else "")
        self.inputProblem.emit(str(problem) if problem else "")
        return problem

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        """Enter on a pattern or reply that does not compile keeps the editor open, with the
        cursor where the mistake is (leaving the cell still tries it, and is refused)."""
        if isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            where = editor.property("ruleIndex")
            if isinstance(where, QPersistentModelIndex):
                problem = self._check(editor, where, editor.text())
                if problem is not None:
                    if problem.field in ("pattern", "reply") and problem.position is not None:
                        editor.setCursorPosition(problem.position)
                    return True
        return super().eventFilter(editor, event)

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        value = index.data(_EDIT)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findText(str(value)), 0))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value or ""))

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), _EDIT)
        elif isinstance(editor, QSpinBox):
            editor.interpretText()
            model.setData(index, editor.value(), _EDIT)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), _EDIT)


class RuleEditor(QDialog):
    """Edit the Reply rules of ``event`` of component ``uid``, and try them on a sample frame."""

    def __init__(self, form: FormModel, uid: int, event: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RuleEditor")
        self.form, self.uid, self.event_name = form, uid, event
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.model = RuleTableModel(form, uid, event, self)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.delegate = RuleDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in (PATTERN, REPLY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        for column in (MATCH, DELAY, CLOSE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        metrics = self.table.fontMetrics()
        header.resizeSection(NAME, metrics.horizontalAdvance("M" * 10))
        header.setMinimumSectionSize(metrics.horizontalAdvance("Close") + 16)

        self.add_button = self._button(self.tr("&Add"), self.tr("Add a rule after the selected one"))
        self.remove_button = self._button(self.tr("&Remove"), self.tr("Remove the selected rule"))
        self.up_button = self._button(self.tr("Move &Up"), self.tr("Try the selected rule earlier"))
        self.down_button = self._button(self.tr("Move &Down"), self.tr("Try the selected rule later"))
        stack = form.undo_stack
        self.undo_action = QAction(self.tr("Undo"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(stack.undo)
        self.redo_action = QAction(self.tr("Redo"), self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(stack.redo)
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self.undo_action.setToolTip)
        stack.redoTextChanged.connect(self.redo_action.setToolTip)
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setToolTip(stack.undoText())
        self.redo_action.setToolTip(stack.redoText())
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.undo_button = QToolButton(self)
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button = QToolButton(self)
        self.redo_button.setDefaultAction(self.redo_action)
        buttons = QHBoxLayout()
        for widget in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)

        self.message = QLabel(self)
        self.message.setObjectName("ruleMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("#ruleMessage { color: #8a1c14; background: #fdecea; border: 1px solid "
                                   "#e6a6a1; border-radius: 3px; padding: 3px; }")
        self.message.hide()

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.message)

        self.test_box = self._make_test_box()
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(top)
        splitter.addWidget(self.test_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)

        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.up_button.clicked.connect(self._move_up)
        self.down_button.clicked.connect(self._move_down)
        self.model.editRefused.connect(self.show_message)
        self.model.edited.connect(self.clear_message)
        self.delegate.inputProblem.connect(self._input_problem)
        for signal in (self.model.modelReset, self.model.dataChanged, self.model.rowsInserted,
                       self.model.rowsRemoved):
            signal.connect(self.update_test)
        self.table.selectionModel().currentChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        form.componentChanged.connect(self._component_changed)
        form.componentRemoved.connect(self._component_removed)
        form.documentReset.connect(self.close)
        self._update_title()
        self._update_buttons()
        self.update_test()
        self.resize(860, 560)

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button

    def _make_test_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Test a frame"), self)
        self.sample = QLineEdit(box)
        self.sample.setPlaceholderText(self.tr(r"A frame as it arrives, e.g. PING 7 (escapes: \r \n \t \xNN)"))
        self.sample.setClearButtonEnabled(True)
        self.as_text = QRadioButton(self.tr("&Text"), box)
        self.as_hex = QRadioButton(self.tr("&Hex"), box)
        self.as_text.setChecked(True)
        self.sample_kind = QButtonGroup(box)
        self.sample_kind.addButton(self.as_text)
        self.sample_kind.addButton(self.as_hex)
        sample_row = QHBoxLayout()
        sample_row.addWidget(self.sample, 1)
        sample_row.addWidget(self.as_text)
        sample_row.addWidget(self.as_hex)
        self.verdict = QLabel(box)
        self.verdict.setWordWrap(True)
        self.reply_hex = QLineEdit(box)
        self.reply_hex.setReadOnly(True)
        self.reply_hex.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.reply_hex.setPlaceholderText(self.tr("(nothing is sent)"))
        form_layout = QFormLayout(box)
        form_layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form_layout.addRow(self.tr("Frame:"), sample_row)
        form_layout.addRow(self.tr("Answer:"), self.verdict)
        form_layout.addRow(self.tr("Reply bytes:"), self.reply_hex)
        self.sample.textChanged.connect(self.update_test)
        self.sample_kind.buttonToggled.connect(self.update_test)
        return box

    # -- messages -----------------------------------------------------------------
    @Slot(str)
    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    @Slot()
    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    @Slot(str)
    def _input_problem(self, text: str) -> None:
        if text:
            self.show_message(text)
        else:
            self.clear_message()

    # -- buttons ------------------------------------------------------------------
    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, NAME))
            self.table.selectRow(row)
        self._update_buttons()

    def _add(self) -> None:
        row = self.current_row()
        self.select_row(self.model.add_rule(row if row >= 0 else None))

    def _remove(self) -> None:
        row = self.current_row()
        if self.model.remove_rule(row):
            self.select_row(min(row, self.model.rowCount() - 1))

    @Slot()
    def _move_up(self) -> None:
        self._move(-1)

    @Slot()
    def _move_down(self) -> None:
        self._move(1)

    def _move(self, delta: int) -> None:
        self.select_row(self.model.move_rule(self.current_row(), delta))

    def _update_buttons(self, *_args: Any) -> None:
        row, count = self.current_row(), self.model.rowCount()
        bound = self.model.is_bound()
        self.add_button.setEnabled(bound)
        self.remove_button.setEnabled(bound and row >= 0)
        self.up_button.setEnabled(bound and row > 0)
        self.down_button.setEnabled(bound and 0 <= row < count - 1)

    # -- the form changes -------------------------------------------------------------
    def _update_title(self) -> None:
        if self.form.has(self.uid):
            name = self.form.entry(self.uid).name
            self.setWindowTitle(arg(self.tr("Reply rules of %1.%2"), name, self.event_name))

    @Slot(object)
    def _component_changed(self, change: ComponentChange) -> None:
        if change.uid != self.uid:
            return
        if change.kind is ChangeKind.BINDING:
            self._update_buttons()
        elif change.kind is ChangeKind.NAME:
            self._update_title()
        self.update_test()  # Encoding and Framing change the answer

    @Slot(int)
    def _component_removed(self, uid: int) -> None:
        if uid == self.uid:
            self.close()

    # -- the test box -----------------------------------------------------------------
    @Slot()
    def update_test(self, *_args: Any) -> None:
        if not self.form.has(self.uid):
            return
        sample = self.sample.text()
        if not sample:
            self.verdict.setText(self.tr("Type or paste a frame to see which rule answers it."))
            self.reply_hex.clear()
            return
        trial = try_rules(self.form.entry(self.uid), self.model.rules(), sample, self.as_hex.isChecked())
        if trial.problem and trial.answer is None:
            self.verdict.setText(arg(self.tr("Not answered: %1"), trial.problem))
            self.reply_hex.clear()
            return
        if trial.answer is None:
            n = len(trial.frame)
            self.verdict.setText(self.tr("Unmatched: no rule matches this %n byte; nothing is sent", None, n)
                                 if n == 1 else
                                 self.tr("Unmatched: no rule matches these %n bytes; nothing is sent", None, n))
            self.reply_hex.clear()
            return
        answer = trial.answer
        who = (arg(self.tr("Rule %1 (%2) answers"), answer.index + 1, answer.rule.name) if answer.rule.name
               else arg(self.tr("Rule %1 answers"), answer.index + 1))
        if trial.problem:
            self.verdict.setText(arg(self.tr("%1, but its reply can't be sent: %2"), who, trial.problem))
            self.reply_hex.setText(answer.reply.hex(" ").upper())
            return
        extra = len(trial.wire) - len(answer.reply)
        details = [who]
        if answer.rule.delay_ms:
            details.append(arg(self.tr("after %1 ms"), answer.rule.delay_ms))
        if extra:
            details.append(self.tr("%n byte added by the framing", None, extra) if extra == 1
                           else self.tr("%n bytes added by the framing", None, extra))
        if answer.rule.close:
            details.append(self.tr("then closes the connection"))
        n = len(trial.wire)
        details.append(self.tr("%n byte", None, n) if n == 1 else self.tr("%n bytes", None, n))
        self.verdict.setText("; ".join(details))
        self.reply_hex.setText(trial.wire.hex(" ").upper())

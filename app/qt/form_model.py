"""FormModel: the open form for the GUI — the document, its undo stack, the
selection, and Qt signals that tell every view what changed.

Views never change the document directly. They call the edit methods here
(``add_component``, ``set_property``, ``move_components`` ...), which validate
the edit and push an undo command (app.qt.commands); the commands change the
document through the ``apply_*`` primitives, which emit the signals. So undo,
redo, the designer, the inspector and the engine all see the same changes.
``componentChanged`` carries a ``ComponentChange``: which component, what kind of
change, the property's or event's spec, the old and the new value. Subscribers
read the current state from the model; nobody parses a text.

Active, the switch (the property declared with ``Role.ACTIVE``), has one owner for
each of its two facts. The document holds what the user asked for: toggling it is
a run-time command, recorded without an undo step and without marking the form
modified (from the inspector, a tile's menu or Run > Activate All alike), and Save
writes it. The engine host reports what is (``report_run``); the views show the
live state from the engine, and the model keeps the report only to lock settings
while a component runs. When a run the user asked for ends without being asked to
(refused, failed, closed by the peer), the request ends with it: that is the one
change the model makes to Active on its own, and the engine host never writes the
document.

A form that is opened never activates anything by itself (a form from someone
else is a program). The Active values a file stores are taken out of the
document when it is opened, so the document, the inspector and the engine agree
that nothing runs, and kept in ``saved_active()``: the form designer shows them
as a badge on each tile and a banner offering to activate them. Activating one
takes it off that list; until then, saving writes Active = True for it again, so
opening and saving a form loses none of its settings.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.core.builtin_actions import check_action
from app.core.form_document import ComponentEntry, FormDocument, HandlerBinding
from app.core.messages import Message, MessageError
from app.qt.commands import (
    AddComponents,
    MoveComponents,
    RemoveComponents,
    RenameComponent,
    SetBinding,
    SetMessages,
    SetProperty,
)
from app.qt.i18n import arg
from components import component_class
from components.metadata import EventSpec, PropertySpec, Role

#: the designer's grid, in pixels; positions snap to it
GRID = 8


class ChangeKind(enum.Enum):
    POSITION = "position"
    NAME = "name"  # a rename (spec: the Name property)
    PROPERTY = "property"  # any other property, Active included (spec says which)
    BINDING = "binding"  # an event's handler (spec: the event)


@dataclass(frozen=True)
class ComponentChange:
    """One change of one component, as ``FormModel.componentChanged`` announces it."""

    uid: int
    kind: ChangeKind
    spec: PropertySpec | EventSpec | None = None  # None for a move
    old: Any = None
    new: Any = None

    @property
    def is_active_switch(self) -> bool:
        """A change of the component's Active (what the user asked to run)."""
        return isinstance(self.spec, PropertySpec) and self.spec.role is Role.ACTIVE



class EditRefused(ValueError):  # noqa: N818 - reads as what happened
    """An edit that cannot be made: invalid value, locked property, taken name."""


class FormModel(QObject):
    componentAdded = Signal(int)  # uid
    componentRemoved = Signal(int)  # uid
    componentChanged = Signal(object)  # a ComponentChange
    componentRenamed = Signal(int, str, str)  # uid, old, new: a user's rename (not undo/redo)
    formChanged = Signal()  # name, caption or size
    documentReset = Signal()  # a new or opened document replaced the old one
    selectionChanged = Signal()
    pathChanged = Signal()
    savedActiveChanged = Signal()  # the components saved with Active = True, not activated yet
    messagesChanged = Signal()  # the saved messages (document.messages) changed
    saved = Signal()  # the document was written to self.path (its source_sha256 is the new content's)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = FormDocument()
        self.path: Path | None = None
        #: the file an untitled copy was made from (an example); its folder serves the copy's
        #: relative file paths until the copy is saved somewhere of its own
        self.copied_from: Path | None = None
        self.undo_stack = QUndoStack(self)
        self._selection: list[int] = []
        self._saved_active: list[int] = []
        self._running: set[int] = set()  # as the engine host last reported (report_run)
        self._announcing = False  # componentChanged is being delivered
        self._ended: list[int] = []  # requests whose run ended while it was: ended after it

    # -- reading ------------------------------------------------------------
    def entries(self) -> list[ComponentEntry]:
        return list(self.document.components)

    def entry(self, uid: int) -> ComponentEntry:
        return self.document.entry(uid)

    def has(self, uid: int) -> bool:
        return any(e.uid == uid for e in self.document.components)

    def index_of(self, uid: int) -> int:
        """The component's place in the z-order."""
        return self.document.components.index(self.entry(uid))

    # -- running ----------------------------------------------------------------
    def report_run(self, uid: int, running: bool) -> None:
        """The engine host's report of whether the component runs. A run the user asked for
        that ended by itself ends the request too (no undo step; see the module's notes)."""
        if not self.has(uid):
            return
        if running:
            self._running.add(uid)
            return
        self._running.discard(uid)
        if self._announcing:
            # a subscriber's doing (the engine host's failed open): every subscriber hears of
            # the request before it hears of its end
            self._ended.append(uid)
            return
        self._end_request(uid)

    def _end_request(self, uid: int) -> None:
        if not self.has(uid) or uid in self._running:
            return
        entry = self.entry(uid)
        switch = entry.cls.role_spec(Role.ACTIVE)
        if switch is not None and entry.active:
            self.apply_property(uid, switch, False)

    def lock_reason(self, uid: int, vcl_name: str) -> str | None:
        """Why ``vcl_name`` (a property locked while active; "" for the whole component, as for
        deleting it) can't change now, or None. A component is locked while it runs and while
        it is asked to."""
        entry = self.entry(uid)
        if uid not in self._running and not entry.active:
            return None
        switch = entry.cls.role_spec(Role.ACTIVE)
        active = switch.vcl_name if switch is not None else ""
        if not vcl_name:
            return arg(self.tr("%1 is active: set %2 to False before deleting it"), entry.name, active)
        return arg(self.tr("Can't change %1 while %2 is active: set %3 to False first"),
                   vcl_name, entry.name, active)

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # -- selection ----------------------------------------------------------
    def selection(self) -> list[int]:
        return [uid for uid in self._selection if self.has(uid)]

    def set_selection(self, uids: Iterable[int]) -> None:
        new = [uid for uid in dict.fromkeys(uids) if self.has(uid)]
        if new != self._selection:
            self._selection = new
            self.selectionChanged.emit()

    def saved_active(self) -> list[int]:
        """The components the file stored with Active = True that have not been activated since
        it was opened, in form order."""
        return [uid for uid in self._saved_active if self.has(uid)]

    def _forget_saved_active(self, uid: int) -> None:
        if uid in self._saved_active:
            self._saved_active.remove(uid)
            self.savedActiveChanged.emit()

    def current(self) -> ComponentEntry | None:
        """The first selected component (the one the inspector shows)."""
        selected = self.selection()
        return self.entry(selected[0]) if selected else None

    # -- edits (each pushes one undo command, but Active) --------------------------
    def add_component(self, type_name: str, x: int, y: int) -> int:
        cls = component_class(type_name)
        entry = ComponentEntry(cls.__name__, self.document.next_free_name(cls.__name__), snap(x), snap(y))
        self.add_entries([entry], arg(self.tr("Add %1"), entry.name))
        return entry.uid

    def add_entries(self, entries: list[ComponentEntry], text: str | None = None) -> None:
        """Add (paste) components; names that are taken get the next free one."""
        taken: set[str] = set()
        for entry in entries:
            if entry.name.lower() in self.document.names() | taken:
                entry.name = self.document.next_free_name(entry.type, taken)
            taken.add(entry.name.lower())
        if entries:
            self.undo_stack.push(AddComponents(self, entries, text or self.tr("Paste")))

    def remove_components(self, uids: Iterable[int]) -> None:
        uids = [u for u in uids if self.has(u)]
        for uid in uids:
            reason = self.lock_reason(uid, "")
            if reason:
                raise EditRefused(reason)
        if uids:
            self.undo_stack.push(RemoveComponents(self, uids))

    def move_components(self, moves: dict[int, tuple[int, int]], nudge: bool = False) -> None:
        """Move components to new (snapped) positions; arrow-key nudges merge into one undo step."""
        changes = {}
        for uid, (x, y) in moves.items():
            entry = self.entry(uid)
            new = (max(0, snap(x)), max(0, snap(y)))
            if new != (entry.x, entry.y):
                changes[uid] = ((entry.x, entry.y), new)
        if changes:
            self.undo_stack.push(MoveComponents(self, changes, nudge))

    def set_property(self, uid: int, vcl_name: str, value: Any) -> None:
        """Validate and set a published property (the Name renames; Active is a run-time
        command: see the module's notes). EditRefused says why not."""
        entry = self.entry(uid)
        try:
            spec = entry.cls.writable_spec(vcl_name)
            if spec.role is Role.NAME:
                self.rename_component(uid, str(value))
                return
            converted = spec.validate(value)
        except ValueError as exc:
            raise EditRefused(str(exc)) from None
        old = entry.value(spec.vcl_name)
        if old == converted:
            return
        if spec.role is Role.ACTIVE:
            self.apply_property(uid, spec, converted)
            return
        reason = self.lock_reason(uid, spec.vcl_name) if spec.locked_while_active else None
        if reason:
            raise EditRefused(reason)
        self.undo_stack.push(SetProperty(self, uid, spec, old, converted))

    def set_properties(self, uid: int, values: dict[str, Any], text: str) -> None:
        """Set several ordinary properties (by VCL name) as ONE undo step named ``text``;
        EditRefused, with nothing changed, when any of them can't be set."""
        entry = self.entry(uid)
        changes: list[SetProperty] = []
        for vcl_name, value in values.items():
            try:
                spec = entry.cls.writable_spec(vcl_name)
                converted = spec.validate(value)
            except ValueError as exc:
                raise EditRefused(str(exc)) from None
            if spec.role in (Role.NAME, Role.ACTIVE):
                raise EditRefused(arg(self.tr("%1 is not set this way"), spec.vcl_name))
            reason = self.lock_reason(uid, spec.vcl_name) if spec.locked_while_active else None
            if reason:
                raise EditRefused(reason)
            old = entry.value(spec.vcl_name)
            if old != converted:
                changes.append(SetProperty(self, uid, spec, old, converted))
        if not changes:
            return
        self.undo_stack.beginMacro(text)
        for change in changes:
            self.undo_stack.push(change)
        self.undo_stack.endMacro()

    def rename_component(self, uid: int, name: str) -> None:
        entry = self.entry(uid)
        if name == entry.name:
            return
        try:
            self.document.check_new_name(name, entry)
        except ValueError as exc:
            raise EditRefused(str(exc)) from None
        old = entry.name
        self.undo_stack.push(RenameComponent(self, uid, old, name))
        self.componentRenamed.emit(uid, old, name)

    def set_binding(self, uid: int, event: str, binding: HandlerBinding | None) -> None:
        """Bind an event (None unbinds it); EditRefused says why not (an action that is not one
        for this event, an argument it can't take)."""
        entry = self.entry(uid)
        spec = entry.cls.event_spec(event)
        old = entry.events.get(spec.vcl_name)
        if binding is not None and not binding.is_unit:
            try:  # rules a form file brought broken may stay; the edit is checked for what it changes
                check_action(binding.action, binding.argument, spec, binding.rules,
                             tolerated=old.rules if old is not None else ())
            except ValueError as exc:
                raise EditRefused(str(exc)) from None
        if old != binding:
            self.undo_stack.push(SetBinding(self, uid, spec.vcl_name, old, binding))

    # -- saved messages (app.core.messages) ------------------------------------------
    def messages(self) -> list[Message]:
        return list(self.document.messages.items)

    def add_message(self, message: Message, index: int | None = None) -> int:
        """Add a message (at the end unless ``index``); its row. EditRefused says why not."""
        items = self.messages()
        row = len(items) if index is None else max(0, min(index, len(items)))
        self._check_message(message, None)
        items.insert(row, message)
        self.undo_stack.push(SetMessages(self, self.messages(), items,
                                         arg(self.tr("Add message %1"), message.name)))
        return row

    def edit_message(self, row: int, message: Message) -> None:
        items = self.messages()
        if items[row] == message:
            return
        self._check_message(message, row)
        old = items[row]
        items[row] = message
        self.undo_stack.push(SetMessages(self, self.messages(), items,
                                         arg(self.tr("Edit message %1"), old.name)))

    def remove_messages(self, rows: Iterable[int]) -> None:
        doomed = sorted(set(rows))
        items = self.messages()
        if not doomed:
            return
        names = ", ".join(items[r].name for r in doomed)
        kept = [m for i, m in enumerate(items) if i not in doomed]
        self.undo_stack.push(SetMessages(self, items, kept, arg(self.tr("Delete message %1"), names)))

    def move_message(self, row: int, to: int) -> None:
        items = self.messages()
        to = max(0, min(to, len(items) - 1))
        if to == row or not 0 <= row < len(items):
            return
        moved = list(items)
        message = moved.pop(row)
        moved.insert(to, message)
        self.undo_stack.push(SetMessages(self, items, moved, arg(self.tr("Move message %1"), message.name)))

    def _check_message(self, message: Message, row: int | None) -> None:
        try:
            self.document.messages.check(message, -1, row)
        except MessageError as exc:
            raise EditRefused(str(exc).removeprefix("messages: ")) from None

    # -- primitives (called by the undo commands and the engine host) ------------
    def apply_messages(self, messages: list[Message]) -> None:
        self.document.messages.items = list(messages)  # a new list: the engine's lookups see one or the other
        self.messagesChanged.emit()

    def apply_insert(self, entry: ComponentEntry, index: int | None = None) -> None:
        comps = self.document.components
        comps.insert(len(comps) if index is None else index, entry)
        self.componentAdded.emit(entry.uid)

    def apply_remove(self, uid: int) -> tuple[ComponentEntry, int]:
        entry = self.entry(uid)
        index = self.document.components.index(entry)
        if uid in self._selection:
            self._selection.remove(uid)
            self.selectionChanged.emit()
        self.document.components.remove(entry)
        self._forget_saved_active(uid)
        self._running.discard(uid)
        self.componentRemoved.emit(uid)
        return entry, index

    def apply_move(self, uid: int, x: int, y: int) -> None:
        entry = self.entry(uid)
        old = (entry.x, entry.y)
        entry.x, entry.y = x, y
        self._announce(ComponentChange(uid, ChangeKind.POSITION, None, old, (x, y)))

    def apply_property(self, uid: int, spec: PropertySpec, value: Any) -> None:
        entry = self.entry(uid)
        old = entry.value(spec.vcl_name)
        if spec.is_default(value):
            entry.properties.pop(spec.vcl_name, None)
        else:
            entry.properties[spec.vcl_name] = value
        if spec.role is Role.ACTIVE and value:
            self._forget_saved_active(uid)
        self._announce(ComponentChange(uid, ChangeKind.PROPERTY, spec, old, value))

    def apply_rename(self, uid: int, name: str) -> None:
        entry = self.entry(uid)
        old, entry.name = entry.name, name
        self._announce(ComponentChange(uid, ChangeKind.NAME, entry.cls.role_spec(Role.NAME), old, name))

    def apply_binding(self, uid: int, event: str, binding: HandlerBinding | None) -> None:
        entry = self.entry(uid)
        spec = entry.cls.event_spec(event)
        old = entry.events.get(spec.vcl_name)
        if binding is None:
            entry.events.pop(spec.vcl_name, None)
        else:
            entry.events[spec.vcl_name] = binding
        self._announce(ComponentChange(uid, ChangeKind.BINDING, spec, old, binding))

    def _announce(self, change: ComponentChange) -> None:
        """Emit ``componentChanged``; changes it causes go out after it, in order."""
        if self._announcing:
            self.componentChanged.emit(change)
            return
        self._announcing = True
        try:
            self.componentChanged.emit(change)
        finally:
            self._announcing = False
        while self._ended:
            self._end_request(self._ended.pop(0))

    # -- files --------------------------------------------------------------
    def reset(self, document: FormDocument, path: Path | None, copied_from: Path | None = None) -> None:
        """Replace the whole document (New, Open); clears undo history and selection. Stored
        Active values move to ``saved_active()``: nothing opened is active."""
        self._selection = []
        self._running.clear()
        self.copied_from = copied_from
        self._saved_active = [e.uid for e in document.components if e.take_active()]
        self.document = document
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.documentReset.emit()
        self.messagesChanged.emit()
        self.selectionChanged.emit()
        self.savedActiveChanged.emit()
        self.pathChanged.emit()

    def new(self) -> None:
        self.reset(FormDocument(), None)

    def open(self, path: str | Path) -> None:
        """Load a form; FormFileError leaves the current one untouched."""
        p = Path(path)
        self.reset(FormDocument.load(p), p)

    def open_copy(self, path: str | Path) -> None:
        """Load a form as a new, untitled one (an example): Save asks where it goes."""
        self.reset(FormDocument.load(Path(path)), None, copied_from=Path(path))

    def save(self, path: str | Path | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file name: use Save As")
        pending = self.saved_active()
        if pending:
            stored = copy.copy(self.document)  # the components still waiting keep Active = True
            stored.components = []
            for entry in self.document.components:
                written = entry.copy()
                switch = entry.cls.role_spec(Role.ACTIVE)
                if entry.uid in pending and switch is not None:
                    written.properties[switch.vcl_name] = True
                stored.components.append(written)
            stored.save(target)
            self.document.source_sha256 = stored.source_sha256
        else:
            self.document.save(target)
        self.undo_stack.setClean()
        if target != self.path:
            self.path = target
            self.pathChanged.emit()
        self.saved.emit()


def snap(value: int) -> int:
    return round(value / GRID) * GRID

"""Undo commands for every edit of a form (QUndoStack: Ctrl+Z / Ctrl+Y).

Each command stores what it needs to go both ways and changes the document only
through the ``apply_*`` primitives of a ``Primitives`` (the FormModel is one),
which emit the change signals. The commands know that small interface only, not
the FormModel that pushes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from app.core.form_document import ComponentEntry, HandlerBinding
from app.core.messages import Message
from app.qt.i18n import arg
from components.metadata import PropertySpec

NUDGE_ID = 1001  # arrow-key moves of the same components merge into one step


class Primitives(Protocol):
    """The changes a command makes, each announced by whoever carries them out."""

    def entry(self, uid: int) -> ComponentEntry: ...

    def index_of(self, uid: int) -> int: ...

    def set_selection(self, uids: Iterable[int]) -> None: ...

    def apply_insert(self, entry: ComponentEntry, index: int | None = None) -> None: ...

    def apply_remove(self, uid: int) -> tuple[ComponentEntry, int]: ...

    def apply_move(self, uid: int, x: int, y: int) -> None: ...

    def apply_property(self, uid: int, spec: PropertySpec, value: Any) -> None: ...

    def apply_rename(self, uid: int, name: str) -> None: ...

    def apply_binding(self, uid: int, event: str, binding: HandlerBinding | None) -> None: ...

    def apply_messages(self, messages: list[Message]) -> None: ...


class AddComponents(QUndoCommand):
    def __init__(self, model: Primitives, entries: list[ComponentEntry], text: str) -> None:
        super().__init__(text)
        self.model = model
        self.entries = entries

    def redo(self) -> None:
        for entry in self.entries:
            self.model.apply_insert(entry)
        self.model.set_selection(e.uid for e in self.entries)

    def undo(self) -> None:
        for entry in reversed(self.entries):
            self.model.apply_remove(entry.uid)


class RemoveComponents(QUndoCommand):
    def __init__(self, model: Primitives, uids: list[int]) -> None:
        names = ", ".join(model.entry(u).name for u in uids)
        super().__init__(arg(QCoreApplication.translate("Commands", "Delete %1"), names))
        self.model = model
        self.uids = uids
        self.removed: list[tuple[ComponentEntry, int]] = []

    def redo(self) -> None:
        # last first, so each recorded index is the one to restore at
        order = sorted(self.uids, key=self.model.index_of, reverse=True)
        self.removed = [self.model.apply_remove(uid) for uid in order]

    def undo(self) -> None:
        for entry, index in sorted(self.removed, key=lambda pair: pair[1]):
            self.model.apply_insert(entry, index)
        self.model.set_selection(self.uids)


class MoveComponents(QUndoCommand):
    def __init__(self, model: Primitives, changes: dict[int, tuple[tuple[int, int], tuple[int, int]]],
                 nudge: bool) -> None:
        super().__init__(QCoreApplication.translate("Commands", "Move"))
        self.model = model
        self.changes = changes
        self.nudge = nudge

    def id(self) -> int:
        return NUDGE_ID if self.nudge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveComponents) or set(other.changes) != set(self.changes):
            return False
        self.changes = {uid: (self.changes[uid][0], other.changes[uid][1]) for uid in self.changes}
        return True

    def redo(self) -> None:
        for uid, (_, new) in self.changes.items():
            self.model.apply_move(uid, *new)

    def undo(self) -> None:
        for uid, (old, _) in self.changes.items():
            self.model.apply_move(uid, *old)


class SetProperty(QUndoCommand):
    def __init__(self, model: Primitives, uid: int, spec: PropertySpec, old: Any, new: Any) -> None:
        name = model.entry(uid).name
        super().__init__(arg(QCoreApplication.translate("Commands", "Set %1.%2"), name, spec.vcl_name))
        self.model, self.uid, self.spec, self.old, self.new = model, uid, spec, old, new

    def redo(self) -> None:
        self.model.apply_property(self.uid, self.spec, self.new)

    def undo(self) -> None:
        self.model.apply_property(self.uid, self.spec, self.old)


class RenameComponent(QUndoCommand):
    def __init__(self, model: Primitives, uid: int, old: str, new: str) -> None:
        super().__init__(arg(QCoreApplication.translate("Commands", "Rename %1 to %2"), old, new))
        self.model, self.uid, self.old, self.new = model, uid, old, new

    def redo(self) -> None:
        self.model.apply_rename(self.uid, self.new)

    def undo(self) -> None:
        self.model.apply_rename(self.uid, self.old)


class SetBinding(QUndoCommand):
    def __init__(self, model: Primitives, uid: int, event: str, old: HandlerBinding | None,
                 new: HandlerBinding | None) -> None:
        name = model.entry(uid).name
        super().__init__(arg(QCoreApplication.translate("Commands", "Set %1.%2"), name, event))
        self.model, self.uid, self.event, self.old, self.new = model, uid, event, old, new

    def redo(self) -> None:
        self.model.apply_binding(self.uid, self.event, self.new)

    def undo(self) -> None:
        self.model.apply_binding(self.uid, self.event, self.old)


class SetMessages(QUndoCommand):
    """Any edit of the form's saved messages (add, edit, remove, reorder): the list before
    and after, so undo and redo are one assignment each."""

    def __init__(self, model: Primitives, old: list[Message], new: list[Message], text: str) -> None:
        super().__init__(text)
        self.model, self.old, self.new = model, list(old), list(new)

    def redo(self) -> None:
        self.model.apply_messages(self.new)

    def undo(self) -> None:
        self.model.apply_messages(self.old)

"""Undo commands for every edit of a form (QUndoStack: Ctrl+Z / Ctrl+Y).

Each command stores what it needs to go both ways and changes the document only
through FormModel's ``apply_*`` primitives, which emit the change signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from app.core.form_document import ComponentEntry, HandlerBinding
from app.qt.i18n import arg

if TYPE_CHECKING:
    from app.qt.form_model import FormModel

NUDGE_ID = 1001  # arrow-key moves of the same components merge into one step



class AddComponents(QUndoCommand):
    def __init__(self, model: FormModel, entries: list[ComponentEntry], text: str) -> None:
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
    def __init__(self, model: FormModel, uids: list[int]) -> None:
        names = ", ".join(model.entry(u).name for u in uids)
        super().__init__(arg(QCoreApplication.translate("Commands", "Delete %1"), names))
        self.model = model
        self.uids = uids
        self.removed: list[tuple[ComponentEntry, int]] = []

    def redo(self) -> None:
        # last first, so each recorded index is the one to restore at
        components = self.model.document.components
        order = sorted(self.uids, key=lambda u: components.index(self.model.entry(u)), reverse=True)
        self.removed = [self.model.apply_remove(uid) for uid in order]

    def undo(self) -> None:
        for entry, index in sorted(self.removed, key=lambda pair: pair[1]):
            self.model.apply_insert(entry, index)
        self.model.set_selection(self.uids)


class MoveComponents(QUndoCommand):
    def __init__(self, model: FormModel, changes: dict[int, tuple[tuple[int, int], tuple[int, int]]],
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
    def __init__(self, model: FormModel, uid: int, vcl_name: str, old: Any, new: Any) -> None:
        name = model.entry(uid).name
        super().__init__(arg(QCoreApplication.translate("Commands", "Set %1.%2"), name, vcl_name))
        self.model, self.uid, self.vcl_name, self.old, self.new = model, uid, vcl_name, old, new

    def redo(self) -> None:
        self.model.apply_property(self.uid, self.vcl_name, self.new)

    def undo(self) -> None:
        self.model.apply_property(self.uid, self.vcl_name, self.old)


class RenameComponent(QUndoCommand):
    def __init__(self, model: FormModel, uid: int, old: str, new: str) -> None:
        super().__init__(arg(QCoreApplication.translate("Commands", "Rename %1 to %2"), old, new))
        self.model, self.uid, self.old, self.new = model, uid, old, new

    def redo(self) -> None:
        self.model.apply_rename(self.uid, self.new)

    def undo(self) -> None:
        self.model.apply_rename(self.uid, self.old)


class SetBinding(QUndoCommand):
    def __init__(self, model: FormModel, uid: int, event: str, old: HandlerBinding | None,
                 new: HandlerBinding | None) -> None:
        name = model.entry(uid).name
        super().__init__(arg(QCoreApplication.translate("Commands", "Set %1.%2"), name, event))
        self.model, self.uid, self.event, self.old, self.new = model, uid, event, old, new

    def redo(self) -> None:
        self.model.apply_binding(self.uid, self.event, self.new)

    def undo(self) -> None:
        self.model.apply_binding(self.uid, self.event, self.old)

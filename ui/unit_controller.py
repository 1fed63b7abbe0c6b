"""The form's Python unit in the workbench: the editor tab, trust, stubs, reloads,
handler errors and renames.

* The unit of ``chat.sockform`` is ``chat.py``; the Unit tab edits it. A form that
  was never saved has no unit yet: making a handler asks to save the form first. An
  example opens as an untitled copy whose unit text waits in the tab and is written
  beside the form when it is first saved; until then its handlers run from the
  example's own file (asked about like any unit), and from the copy once saved.
* Double-clicking an event in the Object Inspector binds it to
  ``<Component><Event without On>`` and writes a stub with the event's signature,
  or jumps to the function it is already bound to.
* Opening a form never runs its unit. The first time a component whose events
  name unit functions is activated, the user is asked whether to trust the unit
  (its path is shown); the answer is remembered for that content (app.core.trust). An
  untrusted form still runs its built-in actions.
* Saving the unit in the editor reloads it into the running engine (text the user
  saved needs no new question); a change made outside is asked about again.
* A handler that raises shows its traceback in the log (the engine records it) and
  the editor marks the line; a unit that does not load marks its syntax error.
* Renaming a component offers to rename the handlers named after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.core.form_document import HandlerBinding
from app.core.trust import TrustStore
from app.core.unit import Unit, UnitError, stub_name, stub_source, unit_path_for
from app.qt.engine_host import EngineHost
from app.qt.form_model import EditRefused, FormModel
from app.qt.i18n import arg
from components import ObserverStream
from components.observer import HANDLER_ERROR, EventRecord
from ui.unit_editor import UnitEditor

AskTrust = Callable[[Path], bool]
AskRename = Callable[[str, str, list[str]], bool]


class UnitController(QObject):
    handlerFailed = Signal(int, str)  # line, message; emitted on any thread, delivered queued
    message = Signal(str)
    showEditor = Signal()

    def __init__(self, model: FormModel, engine: EngineHost, editor: UnitEditor, stream: ObserverStream,
                 ask_trust: AskTrust, ask_rename: AskRename, ensure_saved: Callable[[], bool],
                 trust: TrustStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model, self.engine, self.editor, self.stream = model, engine, editor, stream
        self.ask_trust, self.ask_rename, self.ensure_saved = ask_trust, ask_rename, ensure_saved
        self.trust = trust or TrustStore()
        self._copied_unit: Path | None = None  # an untitled copy's original unit file
        model.documentReset.connect(self._document_replaced)
        model.pathChanged.connect(self._form_changed)
        model.componentRenamed.connect(self._renamed)
        editor.saved.connect(self._unit_saved)
        editor.reloaded.connect(self._unit_changed_outside)
        self.handlerFailed.connect(self._mark_failure)
        self._unsubscribe = stream.subscribe(self._watch)
        self._form_changed()

    def unit_path(self) -> Path | None:
        return unit_path_for(self.model.path) if self.model.path is not None else None

    def running_path(self) -> Path | None:
        """The file handlers run from: the form's unit, or an untitled copy's original."""
        return self.unit_path() or self._copied_unit

    def adopt_unit(self, original: Path) -> None:
        """The untitled form is a copy of a form whose unit is ``original``: its text waits
        in the tab, and handlers run from ``original`` until the copy is saved."""
        try:
            text = original.read_text(encoding="utf-8") if original.is_file() else ""
        except (OSError, UnicodeDecodeError):
            text = ""  # the form still opens; its handlers will say the unit is missing
        self.editor.start_untitled(text, original.name)
        self._copied_unit = original if text else None
        self._form_changed()

    # -- the editor follows the form --------------------------------------------------
    @Slot()
    def _document_replaced(self) -> None:
        # Another form: the last one's unit text must not become this one's. (Only Save
        # As, a new path for the same form, carries the text over.)
        self.editor.start_untitled()
        self._copied_unit = None
        self._form_changed()

    @Slot()
    def _form_changed(self) -> None:
        path = self.unit_path()
        carried = self.editor.editor.source()
        if self.engine.unit is not None and self.engine.unit.path != self.running_path():
            self.engine.set_unit(None)  # Save As: the unit that runs is the old file
        if path is None:
            self.editor.setEnabled(bool(carried))  # nothing to edit before the form has a file
            return
        self.editor.setEnabled(True)
        if path != self.editor.path:
            self.editor.open_file(path)
            if carried and not path.exists() and not self.editor.editor.source():
                # Save As of a form whose unit was never saved: the text moves with it
                self.editor.editor.set_source(carried)

    # -- trust and loading ------------------------------------------------------------
    def load_unit(self) -> Unit | None:
        """Load the unit for the engine, asking for trust first; None if it can't or may not run."""
        path = self.running_path()
        if path is None or not path.exists():
            self.message.emit(self.tr("The form's events name unit functions, but it has no unit file yet"))
            return None
        if not self.trust.is_trusted(path):
            trusted = self.ask_trust(path)
            self.trust.answer(path, trusted)
            if not trusted:
                self.message.emit(arg(self.tr("%1 is not trusted: its handlers won't run; built-in actions still "
                                          "do"), path.name))
                return None
        unit = Unit(path, self.stream, self.model.document.name)
        try:
            unit.load()
        except UnitError as exc:
            self.editor.show_error(exc.line, str(exc))
            self.message.emit(str(exc))
            return None
        self.editor.clear_errors()
        return unit

    def _reload(self) -> None:
        unit = self.engine.unit
        if unit is None:
            return
        try:
            unit.load()
        except UnitError as exc:
            self.editor.show_error(exc.line, str(exc))
            self.message.emit(str(exc))
            return
        self.editor.clear_errors()
        self.message.emit(arg(self.tr("Reloaded %1"), unit.path.name))

    @Slot(object)
    def _unit_saved(self, path: Path) -> None:
        self.trust.trust_source(path, path.read_bytes())  # the user wrote it
        self._copied_unit = None
        if self.engine.unit is None and self._unit_wanted():
            # Saved under a new name while running (a copy's first save, Save As): the
            # running components go on with the file just written.
            unit = self.load_unit()
            if unit is not None:
                self.engine.set_unit(unit)
            return
        self._reload()

    def _unit_wanted(self) -> bool:
        """Some active component has events bound to unit functions."""
        return any(comp.active and any(b.is_unit for b in self.model.entry(uid).events.values())
                   for uid, comp in self.engine.live.items() if self.model.has(uid))

    @Slot(object)
    def _unit_changed_outside(self, path: Path) -> None:
        if self.engine.unit is None:
            return
        if self.trust.is_trusted(path) or self.ask_trust(path):
            self.trust.answer(path, True)
            self._reload()
        else:
            self.engine.set_unit(None)
            self.message.emit(arg(self.tr("%1 changed outside and is no longer trusted"), path.name))

    # -- handlers -------------------------------------------------------------------
    def edit_handler(self, uid: int, event: str) -> bool:
        """Jump to an event's unit function, creating the binding and a stub if needed."""
        if self.model.path is None and not self.ensure_saved():
            return False
        entry = self.model.entry(uid)
        spec = entry.cls.event_spec(event)
        binding = entry.events.get(spec.vcl_name)
        if binding is not None and binding.is_unit:
            name = binding.handler
        else:
            name = stub_name(entry.name, spec)
            try:
                self.model.set_binding(uid, spec.vcl_name, HandlerBinding(handler=name))
            except EditRefused as exc:
                self.message.emit(str(exc))
                return False
        self.editor.ensure_handler(name, stub_source(entry.name, spec, name))
        self.showEditor.emit()
        return True

    @Slot(int, str, str)
    def _renamed(self, uid: int, old: str, new: str) -> None:
        entry = self.model.entry(uid)
        handlers = sorted({b.handler for b in entry.events.values() if b.is_unit and b.handler.startswith(old)})
        if not handlers or not self.ask_rename(old, new, handlers):
            return
        for event, binding in list(entry.events.items()):
            if binding.is_unit and binding.handler in handlers:
                self.model.set_binding(uid, event, HandlerBinding(handler=new + binding.handler[len(old):]))
        for handler in handlers:
            self.editor.rename_function(handler, new + handler[len(old):])

    # -- failures -------------------------------------------------------------------
    def _watch(self, record: EventRecord) -> None:
        # any thread, on every record: only find the line here, the editor is touched on the
        # GUI thread; the cheap test first (the unit's path costs pathlib work per record)
        if record.event != HANDLER_ERROR:
            return
        path = self.running_path()
        if path is None or str(path) not in record.detail:
            return
        lines = re.findall(rf'File "{re.escape(str(path))}", line (\d+)', record.detail)
        message = record.detail.strip().splitlines()[-1] if record.detail.strip() else ""
        if lines:
            self.handlerFailed.emit(int(lines[-1]), message)

    @Slot(int, str)
    def _mark_failure(self, line: int, message: str) -> None:
        self.editor.show_error(line, message)

    def shutdown(self) -> None:
        self._unsubscribe()

"""EngineHost: the live components behind a form in the workbench.

For each component of the FormModel there is one real ClientSocket or
ServerSocket. The host keeps them in step with the document (properties, names,
event bindings) and turns Active on and off:

* non-blocking components open on the qasync loop, on the GUI thread, so their
  handlers run there as the VCL's did;
* a ctBlocking client connects on a worker thread (its connect may take
  seconds; the window must not wait for it);
* a thread-blocking server binds on the GUI thread (instant) and then runs its
  accept and client threads itself.

That is the default network mode, ``NetworkMode.GUI_LOOP`` (VCL semantics). With
``NetworkMode.THREAD`` (the user's preference, "dedicated thread (fastest)") the
non-blocking components and the thread-blocking servers open and run on an
``EngineThread`` (app.core.engine_thread) instead, and their handlers run there.
Either way every edit of a live component is a ``Command`` applied by
``apply_command``: on the GUI thread at once in the GUI-loop mode, through the
engine thread's channel in the thread mode, so the two modes share one code path.
Switching the mode while components run restarts them on the new loop (their
connections close).

Opening a form activates nothing: the Active values the file stored wait in
``FormModel.saved_active()`` until the user activates them (``activate_saved``,
the banner's button; or F9, Activate All).

Which files the form's built-in actions may open follows app.core.file_access: the
form's folder, and whether the user trusts the form. A new form is the user's
own and trusted; an opened one is trusted when the trust store knows its
content hash (File > Trust This Form, or the question asked when a component
whose Send file reaches outside the folder is activated). Saving a trusted form
trusts the content it saved as.

Errors never escape: a failed open, a refused connect or an error a handler did
not suppress arrive through ``errorRaised`` (from any thread, queued to the GUI)
and the component's tile shows them.

The host never writes the document. It follows what the user asked for (the
document's Active) and reports what is: ``is_active`` and ``tile_state`` for the
views, ``FormModel.report_run`` on every state change, which is how a run that
ended by itself (refused, peer closed, error) ends the user's request too (see
app.qt.form_model). Who asks the user (for a unit's trust, for files outside the
form's folder) is given at construction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.engine_thread import (
    Bind,
    Close,
    Command,
    EngineThread,
    NetworkMode,
    Open,
    Rename,
    SetHandler,
    SetProperty,
    apply_command,
)
from app.core.file_access import FileAccess
from app.core.form_runtime import bindings_for, create_component, handler_for, paths_needing_trust
from app.core.gil_gate import GIL_GATE
from app.core.messages import Message
from app.core.trust import TrustStore
from app.qt.form_model import ChangeKind, ComponentChange, FormModel
from components import (
    ClientSocket,
    ClientType,
    ObserverStream,
    ServerSocket,
    SocketError,
    SocketState,
    set_error_hook,
)
from components.metadata import EventSpec, PropertySpec, Role
from components.socket_component import SocketComponent

if TYPE_CHECKING:
    from app.core.unit import Unit

#: asks the user whether the form may open these files outside its folder (Send file paths)
AskFileTrust = Callable[[list[str]], bool]
#: loads the form's unit for the engine, asking for trust first; None when it can't or may not run
LoadUnit = Callable[[], "Unit | None"]


@dataclass(frozen=True)
class TileState:
    """What a tile shows: the state, the connection count and the last error."""

    state: SocketState
    connections: int = 0
    error: str = ""


class GuiPoster(QObject):
    """Runs functions on the GUI thread, later, whichever thread posts them (``post_to_gui``
    in a unit). A function that raises is reported through ``failed``."""

    _posted = Signal(object, object)  # function, args
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._posted.emit(function, args)

    @Slot(object, object)
    def _run(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            function(*args)
        except Exception as exc:  # a unit's function: reported, never fatal to the window
            name = getattr(function, "__name__", type(function).__name__)
            self.failed.emit(f"post_to_gui: {name} raised {type(exc).__name__}: {exc}")


class EngineHost(QObject):
    stateChanged = Signal(int)  # uid; emitted from any thread, delivered queued
    errorRaised = Signal(int, str)  # uid (0 when unknown), message
    trustChanged = Signal(bool)  # whether the form is trusted to reach files outside its folder
    networkModeChanged = Signal(object)  # NetworkMode

    def __init__(self, model: FormModel, stream: ObserverStream, parent: QObject | None = None,
                 trust: TrustStore | None = None, *, ask_file_trust: AskFileTrust | None = None,
                 load_unit: LoadUnit | None = None) -> None:
        """``ask_file_trust`` is asked (with the paths) the first time a component whose Send
        file needs trust opens; True trusts the form; without it such paths are refused.
        ``load_unit`` is asked for the form's unit the first time a component with unit
        handlers opens; without it only built-in actions run."""
        super().__init__(parent)
        self.model = model
        self.stream = stream
        self.trust = trust or TrustStore()
        self.live: dict[int, SocketComponent] = {}
        #: whether the user trusts this form's actions with files outside its folder
        self.form_trusted = True
        self._ask_file_trust = ask_file_trust
        self._file_trust_declined = False
        #: the form's Python unit, once the user trusts it (app.core.unit); None runs built-ins only
        self.unit: Unit | None = None
        self._load_unit = load_unit
        self._errors: dict[int, str] = {}
        #: components whose open() waits on another thread (a blocking client's worker, the
        #: engine thread): they run, though not yet connecting
        self._opening: set[int] = set()
        self.network_mode = NetworkMode.GUI_LOOP
        #: the engine's own thread, while the thread mode has components to run
        self._engine_thread: EngineThread | None = None
        #: while the engine thread runs, its records pass the GIL gate (app.core.gil_gate)
        self._ungate: Callable[[], None] | None = None
        self.gui_poster = GuiPoster(self)
        self.gui_poster.failed.connect(lambda message: self.errorRaised.emit(0, message))
        model.componentAdded.connect(self._added)
        model.componentRemoved.connect(self._removed)
        model.componentChanged.connect(self._changed)
        model.documentReset.connect(self._reset)
        model.pathChanged.connect(self._rebind_all)  # Save As: another folder
        model.saved.connect(self._form_saved)
        self.stateChanged.connect(self._report_state)
        self._previous_hook = set_error_hook(self._hook)
        self._reset()

    # -- queries ------------------------------------------------------------
    def component(self, uid: int) -> SocketComponent:
        return self.live[uid]

    def uid_of(self, name: str) -> int:
        for uid, comp in self.live.items():
            if comp.name == name:
                return uid
        return 0

    def tile_state(self, uid: int) -> TileState:
        comp = self.live.get(uid)
        if comp is None:
            return TileState(SocketState.INACTIVE)
        count = comp.socket.active_connections if isinstance(comp, ServerSocket) else 0
        return TileState(comp.state, count, self._errors.get(uid, ""))

    def runtime_value(self, uid: int, vcl_name: str) -> Any:
        comp = self.live.get(uid)
        return comp.get_property(vcl_name) if comp is not None else None

    def is_active(self, uid: int) -> bool:
        """Whether the component runs now (opening, connecting, connected or listening): the
        live Active."""
        comp = self.live.get(uid)
        return comp is not None and (comp.active or uid in self._opening)

    def counts(self) -> tuple[int, int]:
        """(active components, open connections) for the status bar."""
        active = sum(1 for c in self.live.values() if c.active)
        conns = sum(c.socket.active_connections for c in self.live.values() if isinstance(c, ServerSocket))
        conns += sum(1 for c in self.live.values() if isinstance(c, ClientSocket) and c.socket.connected)
        return active, conns

    # -- activation ----------------------------------------------------------
    def set_active(self, uid: int, active: bool) -> None:
        """Open or close a component: a run-time command, which the model records as the
        user's request without an undo step and without marking the form modified."""
        switch = self.model.entry(uid).cls.role_spec(Role.ACTIVE)
        if switch is not None:
            self.model.set_property(uid, switch.vcl_name, active)

    def activate_all(self) -> None:
        for uid in list(self.live):
            if not self.live[uid].active:
                self.set_active(uid, True)

    def activate_saved(self) -> None:
        """Activate the components the form was saved with Active = True (servers first, so that
        a client of the same form finds its server listening)."""
        waiting = self.model.saved_active()
        for uid in sorted(waiting, key=lambda u: not isinstance(self.live.get(u), ServerSocket)):
            if uid in self.live and not self.live[uid].active:
                self.set_active(uid, True)

    def find_message(self, name: str) -> Message | None:
        """The form's saved message of that name (for Repeat, from the engine's thread)."""
        return self.model.document.messages.find(name)

    # -- files the form's actions may open ----------------------------------------
    def file_access(self) -> FileAccess:
        return FileAccess.for_form(self.model.path or self.model.copied_from, self.form_trusted,
                                   self.tr("trust the form with File > Trust This Form"))

    def set_form_trusted(self, trusted: bool) -> None:
        """The user's answer for this form; remembered for its content (app.core.trust)."""
        digest = self.model.document.source_sha256
        if digest and self.model.path is not None:
            self.trust.answer_digest(digest, self.model.path, trusted)
        self._file_trust_declined = not trusted
        if trusted != self.form_trusted:
            self.form_trusted = trusted
            self._rebind_all()
            self.trustChanged.emit(trusted)

    def _rebind_all(self) -> None:
        for uid, comp in self.live.items():
            self._bind(uid, comp)

    def _bind(self, uid: int, comp: SocketComponent) -> None:
        """Bind every event of ``comp`` as the document says (where it runs, if it runs)."""
        self._send(Bind(comp, bindings_for(comp, self.model.entry(uid), self.unit, self.file_access(),
                                           self.find_message)))

    def _form_saved(self) -> None:
        if self.form_trusted and self.model.path is not None:
            self.trust.answer_digest(self.model.document.source_sha256, self.model.path, True)

    def _ensure_file_trust(self, uid: int) -> None:
        if self.form_trusted or self._file_trust_declined or self._ask_file_trust is None:
            return
        paths = paths_needing_trust([self.model.entry(uid)], self.file_access())
        if paths:
            self.set_form_trusted(self._ask_file_trust(paths))

    def deactivate_all(self) -> None:
        for uid in list(self.live):
            if self.live[uid].active:
                self.set_active(uid, False)

    def set_unit(self, unit: Unit | None) -> None:
        """Run handlers from ``unit`` (None: built-in actions only) on every live component."""
        self.unit = unit
        if unit is not None:
            unit.gui_poster = self.gui_poster.post
        self._rebind_all()
        if unit is not None:
            unit.form._set({c.name: c for c in self.live.values()})

    def _ensure_unit(self, uid: int) -> None:
        if self.unit is not None:
            self.unit.form._set({c.name: c for c in self.live.values()})
            return
        if self._load_unit is None or not any(b.is_unit for b in self.model.entry(uid).events.values()):
            return
        unit = self._load_unit()
        if unit is not None:
            self.set_unit(unit)

    # -- where commands run: the GUI thread, or the engine thread ------------------------
    def set_network_mode(self, mode: NetworkMode) -> None:
        """Run components on the GUI loop or on the engine thread from now on. Components
        that run meanwhile are restarted on the new loop (their connections close)."""
        if mode is self.network_mode:
            return
        running = [uid for uid in self.live if self.is_active(uid)]
        for uid in running:
            self._close(uid)
        self._stop_engine_thread()
        self.network_mode = mode
        for uid in running:
            if self.model.entry(uid).active:
                self._open(uid)
            else:
                self.set_active(uid, True)
        self.networkModeChanged.emit(mode)

    def _on_engine_thread(self, comp: SocketComponent) -> bool:
        """Whether ``comp`` opens on the engine thread: every component in the thread mode
        but a blocking client, whose connect has a worker thread of its own."""
        if self.network_mode is not NetworkMode.THREAD:
            return False
        return not (isinstance(comp, ClientSocket) and comp.client_type is ClientType.BLOCKING)

    def _runs_on_engine_thread(self, comp: SocketComponent) -> bool:
        """Whether edits of ``comp`` must cross over to the engine thread: it runs there, or
        its open waits there. An inactive component runs nowhere: it is edited in place."""
        if not self._on_engine_thread(comp):
            return False
        if comp.active:
            return True
        return any(self.live.get(uid) is comp for uid in self._opening)

    def _send(self, command: Command) -> None:
        """Apply ``command`` where its component runs (see the module doc)."""
        comp = command.component
        if (isinstance(command, Open) and self._on_engine_thread(comp)) or self._runs_on_engine_thread(comp):
            thread = self._engine_thread
            if thread is None or not thread.running:
                thread = self._engine_thread = EngineThread(self._command_failed, name="engine")
                thread.start()
                if self._ungate is None:
                    self._ungate = self.stream.subscribe(GIL_GATE.checkpoint, never_raises=True)
            thread.send(command)
        else:
            apply_command(command, self._command_failed)

    def _command_failed(self, command: Command, message: str) -> None:
        """A command that failed; a failed open is the tile's error too (any thread: the
        signals are queued to the GUI thread)."""
        uid = next((u for u, c in self.live.items() if c is command.component), 0)
        if uid and isinstance(command, Open):
            self._errors[uid] = message
        self.errorRaised.emit(uid, message)
        if uid:
            self.stateChanged.emit(uid)

    def _stop_engine_thread(self) -> None:
        thread, self._engine_thread = self._engine_thread, None
        if thread is not None and not thread.stop():
            self.errorRaised.emit(0, self.tr("The engine thread did not stop in time"))
        if self._ungate is not None:
            self._ungate()
            self._ungate = None

    def _open(self, uid: int) -> None:
        self._ensure_unit(uid)
        self._ensure_file_trust(uid)
        comp = self.live[uid]
        self._errors.pop(uid, None)
        if isinstance(comp, ClientSocket) and comp.client_type is ClientType.BLOCKING:
            self._opening.add(uid)
            threading.Thread(target=self._open_on_thread, args=(uid, comp), daemon=True,
                             name=f"{comp.name} connect").start()
            return
        if self._on_engine_thread(comp):
            self._opening.add(uid)
            self._send(Open(comp, done=lambda _comp: self._opened_elsewhere(uid)))
            return
        self._send(Open(comp))

    def _open_on_thread(self, uid: int, comp: SocketComponent) -> None:
        try:
            apply_command(Open(comp), self._command_failed)
        finally:
            self._opened_elsewhere(uid)

    def _opened_elsewhere(self, uid: int) -> None:
        """An open() on another thread returned (or failed): it runs, or it doesn't."""
        self._opening.discard(uid)
        self.stateChanged.emit(uid)

    def _close(self, uid: int) -> None:
        self._send(Close(self.live[uid]))

    # -- keeping in step with the document ---------------------------------------
    def _reset(self) -> None:
        """A new or opened form: nothing of it is active (the model keeps the saved Active values)."""
        self.shutdown(keep_hook=True)
        self.unit = None  # a new form: its unit is asked about when it first runs
        digest = self.model.document.source_sha256
        trusted = not digest or self.trust.is_trusted_digest(digest)  # no digest: a new form, the user's own
        self._file_trust_declined = False
        changed, self.form_trusted = trusted != self.form_trusted, trusted
        for entry in self.model.entries():
            self._added(entry.uid, opening=False)
        if changed:
            self.trustChanged.emit(trusted)

    @Slot(int)
    def _added(self, uid: int, opening: bool = True) -> None:
        entry = self.model.entry(uid)
        comp = create_component(entry, self.stream)
        self._bind(uid, comp)
        comp.state_listeners.append(self._state_listener(uid))
        self.live[uid] = comp
        if opening and entry.active:
            self._open(uid)

    def _state_listener(self, uid: int) -> Callable[[SocketComponent], None]:
        def changed(_component: SocketComponent) -> None:
            self.stateChanged.emit(uid)  # any thread: queued to the GUI thread

        return changed

    @Slot(int)
    def _removed(self, uid: int) -> None:
        comp = self.live.get(uid)
        if comp is not None and (comp.active or uid in self._opening):
            self._close(uid)
        self.live.pop(uid, None)
        self._errors.pop(uid, None)

    @Slot(object)
    def _changed(self, change: ComponentChange) -> None:
        uid = change.uid
        comp = self.live.get(uid)
        if comp is None:
            return
        entry = self.model.entry(uid)
        running = comp.active or uid in self._opening
        if change.kind is ChangeKind.NAME:
            self._send(Rename(comp, entry.name))
        elif change.kind is ChangeKind.BINDING and isinstance(change.spec, EventSpec):
            self._send(SetHandler(comp, change.spec.vcl_name, handler_for(entry, change.spec, self.unit,
                                                                          self.file_access(), self.find_message)))
        elif change.is_active_switch:
            if entry.active and not running:
                self._open(uid)
            elif not entry.active and running:
                self._close(uid)
        elif change.kind is ChangeKind.PROPERTY and isinstance(change.spec, PropertySpec):
            self._errors.pop(uid, None)
            self._send(SetProperty(comp, change.spec.vcl_name, entry.value(change.spec.vcl_name)))
            self.stateChanged.emit(uid)

    @Slot(int)
    def _report_state(self, uid: int) -> None:
        """Keep a failure's reason for the tile, and tell the model whether it runs."""
        comp = self.live.get(uid)
        if comp is None or not self.model.has(uid):
            return
        if comp.last_error is not None and not comp.active:
            self._errors[uid] = str(comp.last_error)
        self.model.report_run(uid, comp.active or uid in self._opening)

    def _hook(self, error: SocketError) -> None:
        # any thread; the signal is queued to the GUI thread
        self.errorRaised.emit(self.uid_of(error.component), str(error))

    # -- shutting down -----------------------------------------------------------
    def shutdown(self, keep_hook: bool = False) -> None:
        """Close every live component (window closing, new or opened document); the engine
        thread, if one ran, closes its components and ends."""
        thread = self._engine_thread
        for comp in list(self.live.values()):
            if comp.active and not (thread is not None and thread.owns(comp)):
                try:
                    comp.close()
                except SocketError:
                    pass
        self._stop_engine_thread()
        self.live.clear()
        self._errors.clear()
        self._opening.clear()
        if not keep_hook:
            set_error_hook(self._previous_hook)


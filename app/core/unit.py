"""The form's unit: a Python file beside the form that holds its event handlers.

``chat.sockform`` has its unit in ``chat.py``. Handlers are plain functions named
as the IDE named them, ``<Component><Event without On>``::

    def ServerSocket1ClientRead(sender, socket):
        text = socket.receive_text()
        log("got", text)
        for conn in sender.socket.connections:
            conn.send_text(text)

Inside the unit, ``log(...)`` writes a line into the event log and ``form`` reaches
the form's components by name (``form.ClientSocket1``), as ``Form1->Memo1`` did.
``post_to_gui(function, *args)`` runs ``function(*args)`` later on the GUI thread:
the one safe way for a handler to touch the window when the workbench runs the
network on its dedicated thread (app.core.engine_thread), where handlers run on
that thread. Headless, and before the workbench hands the unit a poster, it runs
the function later on the calling thread's loop (at once where there is none).

Loading a unit executes it, so a unit is loaded only when it is needed and
allowed. Needed: the form binds at least one event to a unit function
(``bound_functions``); a form whose events are all built-in actions runs no code,
whatever file lies beside it. A ``.dfm`` never picks up a ``.py`` on its own (its
handlers were Pascal methods): the runner takes its unit only from ``--unit``.
Allowed: the workbench asks the user (app.core.trust); the headless runner wants the
file's hash in the trust store or ``--trust``. ``read_unit_source`` reads the file
once, so the bytes that were trusted are the bytes that run.

A handler looks its function up at call time, so a reloaded
unit takes effect at once. A handler that raises takes the engine's error path
(the traceback is recorded; the connection gets OnError). A handler that holds
the event loop too long is reported by the engine, by this function's name
(components.socket_component, SlowHandler).
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components import ObserverStream
from components.metadata import EventSpec
from components.observer import LOG, EventRecord

if TYPE_CHECKING:
    from app.core.form_document import FormDocument

#: A unit bigger than this is not read: it is not a unit someone wrote by hand.
MAX_UNIT_BYTES = 8 * 1024 * 1024


class UnitError(Exception):
    """A unit that cannot be loaded: a syntax error (with its line) or an error at import."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def unit_path_for(form_path: Path) -> Path:
    return form_path.with_suffix(".py")


def bound_functions(doc: FormDocument) -> dict[str, list[str]]:
    """The unit functions the form binds, each with the events bound to it
    (``{"ServerSocket1ClientRead": ["ServerSocket1.OnClientRead"]}``), in form order."""
    bound: dict[str, list[str]] = {}
    for entry in doc.components:
        for event, binding in entry.events.items():
            if binding.is_unit:
                bound.setdefault(binding.handler, []).append(f"{entry.name}.{event}")
    return bound


def read_unit_source(path: Path) -> bytes:
    """The unit file's bytes (UnitError if it is missing, not a regular file, or too big)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UnitError(f"{path.name} is not a regular file")
            if info.st_size > MAX_UNIT_BYTES:
                raise UnitError(f"{path.name} is {info.st_size:,} bytes; a unit may have at most "
                                f"{MAX_UNIT_BYTES:,}")
            data = file.read(MAX_UNIT_BYTES + 1)
    except OSError as exc:
        raise UnitError(f"can't read {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_UNIT_BYTES:
        raise UnitError(f"{path.name} is bigger than {MAX_UNIT_BYTES:,} bytes")
    return data


def decode_unit_source(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnitError(f"{path.name} is not UTF-8 text (byte {exc.start})") from None


def stub_name(component: str, event: EventSpec) -> str:
    return f"{component}{event.stub_suffix}"


def stub_source(component: str, event: EventSpec, name: str | None = None) -> str:
    """A new handler with the event's signature, as the IDE wrote it (named ``name``
    when the form already names it, else ``<Component><Event without On>``)."""
    params = ", ".join(event.params)
    doc = event.description or f"{event.vcl_name} of {component}."
    body = "    return error_code\n" if event.returns_value and "error_code" in event.params else "    pass\n"
    return f"def {name or stub_name(component, event)}({params}):\n    \"\"\"{doc}\"\"\"\n{body}"


class FormNamespace:
    """``form`` inside a unit: the form's components as attributes, by Name."""

    def __init__(self) -> None:
        self._components: dict[str, Any] = {}

    def _set(self, components: dict[str, Any]) -> None:
        self._components = dict(components)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_components"][name]
        except KeyError:
            raise AttributeError(f"the form has no component named {name!r}") from None

    def __dir__(self) -> list[str]:
        return sorted(self._components)


class Unit:
    """A loaded unit: its namespace, and handlers that call into it."""

    def __init__(self, path: Path, stream: ObserverStream, form_name: str = "Form1") -> None:
        self.path = path
        self.stream = stream
        self.form_name = form_name
        self.form = FormNamespace()
        self.namespace: dict[str, Any] = {}
        self._current = threading.local()
        #: hands a function and its arguments to the GUI thread (the workbench sets it)
        self.gui_poster: Callable[[Callable[..., Any], tuple[Any, ...]], None] | None = None

    def load(self, source: str | None = None) -> None:
        """Execute the unit's code in a fresh namespace (UnitError if it fails)."""
        text = self.path.read_text(encoding="utf-8") if source is None else source
        try:
            code = compile(text, str(self.path), "exec")
        except SyntaxError as exc:
            raise UnitError(f"{self.path.name}, line {exc.lineno}: {exc.msg}", exc.lineno or 0) from None
        namespace: dict[str, Any] = {"__name__": f"unit_{self.path.stem}", "__file__": str(self.path),
                                     "log": self.log, "form": self.form, "post_to_gui": self.post_to_gui}
        try:
            exec(code, namespace)
        except Exception as exc:
            line = exc.__traceback__.tb_next.tb_lineno if exc.__traceback__ and exc.__traceback__.tb_next \
                else 0
            raise UnitError(f"{self.path.name}, line {line}: {type(exc).__name__}: {exc}", line) from exc
        self.namespace = namespace

    def functions(self) -> list[str]:
        return sorted(name for name, value in self.namespace.items()
                      if callable(value) and not name.startswith("_") and name not in ("log", "post_to_gui")
                      and getattr(value, "__module__", None) == self.namespace.get("__name__"))

    def log(self, *args: Any) -> None:
        """``log(...)`` in a handler: a line in the event log, under the calling component."""
        component = getattr(self._current, "component", "") or self.form_name
        self.stream.emit(EventRecord(time.monotonic(), component, LOG, 0, "",
                                     threading.current_thread().name,
                                     detail=" ".join(str(a) for a in args)))

    def post_to_gui(self, function: Callable[..., Any], *args: Any) -> None:
        """``post_to_gui(f, *args)`` in a handler: run ``f(*args)`` later on the GUI thread."""
        if not callable(function):
            raise TypeError(f"post_to_gui needs a function, not {type(function).__name__}")
        if self.gui_poster is not None:
            self.gui_poster(function, args)
            return
        try:
            asyncio.get_running_loop().call_soon(function, *args)
        except RuntimeError:  # no loop on this thread (a blocking handler, headless)
            function(*args)

    def handler(self, name: str, spec: EventSpec) -> Callable[..., Any]:
        """The engine callable for unit function ``name`` bound to ``spec``."""
        def call(sender: Any, *args: Any) -> Any:
            function = self.namespace.get(name)
            if not callable(function):
                raise NameError(f"{self.path.name} has no function {name}() for {spec.vcl_name}")
            local = self._current
            previous = getattr(local, "component", "")
            local.component = getattr(sender, "name", "")
            try:
                return function(sender, *args)
            finally:
                local.component = previous

        call.__name__ = name
        call.__qualname__ = f"unit.{name}"
        return call

"""The engine on a thread of its own: the workbench's "dedicated thread" network mode.

By default the workbench runs its non-blocking components on the GUI's loop, so
their handlers run on the GUI thread as they did in the VCL
(app.qt.event_loop). With ``NetworkMode.THREAD`` they run on an ``EngineThread``
instead: an asyncio loop (uvloop where it is installed) on a thread that does
nothing else, so painting the window never delays a byte and a byte never
delays a paint.

Theory of operation:

* The GUI never calls a live component directly. Every edit it makes (open,
  close, a property, a handler or all of them, a name) is a small frozen ``Command`` put on the
  thread's one channel with ``send``. The channel is FIFO: commands are applied
  on the engine's thread in the order they were sent, all that are waiting in
  one pass, with one wake-up of the loop however many were sent meanwhile.
* ``apply_command`` is the one place a command takes effect. The GUI-loop mode
  calls the same function on the GUI thread, so both modes do exactly the same.
* What comes back (state changes, records, errors) already crosses threads: a
  component's state listeners, the ObserverStream and the error hook are
  thread-safe, and the workbench turns them into queued Qt signals. A failed
  command goes to ``on_error`` (on the engine's thread).
* Handlers (built-in actions and the form's unit) run on the engine's thread.
  They may use the components and their connections freely (that is their
  thread), read the form's saved messages, and ``log(...)``; anything that
  touches a widget must go through ``post_to_gui`` (app.core.unit), which runs a
  function later on the GUI thread.
* ``stop`` closes every component still open on the thread, lets their last
  events fire, cancels what is left, stops the loop and joins the thread: no
  thread, socket or timer outlives it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.core.form_runtime import Bindings
from components import SocketError
from components.socket_component import SocketComponent

T = TypeVar("T")

#: How long ``stop`` waits for the components' closes and for the thread to end.
STOP_SECONDS = 5.0
#: After the closes, how long the loop keeps running so that the last events fire.
CLOSE_WAIT = 0.05


class NetworkMode(enum.Enum):
    """Where the workbench's non-blocking components run (a preference)."""

    GUI_LOOP = "gui"  # on the GUI thread's loop: handlers on the GUI thread, as in the VCL
    THREAD = "thread"  # on a dedicated engine thread: the fastest


# ---------------------------------------------------------------------------
# the commands: everything the GUI may ask of a live component


@dataclass(frozen=True)
class Open:
    component: SocketComponent
    #: called on the engine's thread when open() returned or failed
    done: Callable[[SocketComponent], None] | None = None


@dataclass(frozen=True)
class Close:
    component: SocketComponent


@dataclass(frozen=True)
class SetProperty:
    component: SocketComponent
    vcl_name: str
    value: Any


@dataclass(frozen=True)
class SetHandler:
    component: SocketComponent
    vcl_name: str
    handler: Callable[..., Any] | None


@dataclass(frozen=True)
class Bind:
    """Every event's handler at once (a new unit, a new folder, the form's trust changed)."""

    component: SocketComponent
    bindings: Bindings


@dataclass(frozen=True)
class Rename:
    component: SocketComponent
    name: str


Command = Open | Close | SetProperty | SetHandler | Bind | Rename
#: told of a command that failed: the command and the error's message
ErrorSink = Callable[[Command, str], None]


def apply_command(command: Command, on_error: ErrorSink) -> None:
    """Carry out one command on the calling thread (the component's loop thread)."""
    comp = command.component
    try:
        match command:
            case Open():
                try:
                    comp.open()
                finally:
                    if command.done is not None:
                        command.done(comp)
            case Close():
                comp.close()
            case SetProperty():
                comp.set_property(command.vcl_name, command.value)
            case SetHandler():
                comp.set_handler(command.vcl_name, command.handler)
            case Bind():
                command.bindings.apply(comp)
            case Rename():
                comp.name = command.name
    except SocketError as exc:
        on_error(command, str(exc))


# ---------------------------------------------------------------------------
# the thread


def engine_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """The loop the engine runs on by itself: uvloop where it is installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


class EngineThread:
    """An asyncio loop on a thread of its own, and the one channel into it (see module doc)."""

    def __init__(self, on_error: ErrorSink, name: str = "engine") -> None:
        self.on_error = on_error
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._wake_lock = threading.Lock()
        self._wake_pending = False
        #: the components opened on this thread (closed by ``stop``)
        self._opened: set[SocketComponent] = set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread and wait until its loop runs."""
        if self.running:
            return
        ready = threading.Event()
        self.loop = engine_loop_factory()()
        self._thread = threading.Thread(target=self._run, args=(self.loop, ready), name=self.name, daemon=True)
        self._thread.start()
        ready.wait(STOP_SECONDS)

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def owns(self, comp: SocketComponent) -> bool:
        """Whether ``comp`` was opened on this thread (``stop`` closes it)."""
        return comp in self._opened

    # -- the channel ----------------------------------------------------------------
    def send(self, command: Command) -> None:
        """Queue ``command`` for the engine's thread (any thread; FIFO; never blocks)."""
        loop = self.loop
        if loop is None or not self.running:
            self.on_error(command, f"{command.component.name}: the engine thread is not running")
            return
        self._commands.put(command)
        with self._wake_lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop closed between the check and now
            self._wake_pending = False

    def _drain(self) -> None:
        with self._wake_lock:
            self._wake_pending = False
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if isinstance(command, Open):
                self._opened.add(command.component)
            elif isinstance(command, Close):
                self._opened.discard(command.component)
            apply_command(command, self.on_error)

    def call(self, function: Callable[[], T], timeout: float = STOP_SECONDS) -> T:
        """Run ``function`` on the engine's thread after the commands sent before, and wait for
        its result (for queries that must see the engine's own view, and for tests)."""
        loop = self.loop
        if loop is None or not self.running:
            raise RuntimeError("the engine thread is not running")
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            self._drain()
            try:
                done.set_result(function())
            except BaseException as exc:  # handed to the caller
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result(timeout)

    # -- stopping -------------------------------------------------------------------
    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Close what runs on the thread, then end it; True when it ended within ``timeout``."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None:
            return True
        if thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._wind_down(), loop)
            with contextlib.suppress(Exception):
                future.result(timeout)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
        ended = not thread.is_alive()
        if ended:
            self.loop = self._thread = None
        return ended

    async def _wind_down(self) -> None:
        self._drain()
        for comp in list(self._opened):
            if comp.active:
                apply_command(Close(comp), self.on_error)
        self._opened.clear()
        await asyncio.sleep(CLOSE_WAIT)
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)

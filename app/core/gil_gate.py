"""The GIL gate: the GUI thread's turn while an engine thread floods.

With the engine on a thread of its own (app.core.engine_thread), both threads
run Python and share the interpreter's lock. A busy engine thread takes it
back as soon as the GUI thread lets go; the GUI thread then waits up to the
switch interval (5 ms) to get it again. Most GUI work is one long Python call
and hardly notices. Painting a view is not: Qt calls into Python for every cell
(``rowCount``, ``multiData``...), each call takes the lock anew, and a log view
of 60 cells took 0.5-0.9 s to paint under a flood instead of 6 ms.

The gate gives the GUI its turn. Around work made of many short Python calls
(a view's paint, the log feeder's tick) the GUI thread holds ``gui_turn()``.
The engine thread passes ``checkpoint`` at every record it emits (subscribed to
the stream only while an engine thread runs); while the GUI holds its turn,
the checkpoint waits for the turn to end, without the interpreter's lock, so
the GUI's calls run one after another. The wait is bounded (``MAX_WAIT``): the
GUI never waits for the engine, and the engine never waits long for the GUI.
In the GUI-loop mode nobody waits at checkpoints and a turn costs one lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

#: The longest the engine thread waits at a checkpoint for the GUI's turn to end.
MAX_WAIT = 0.05


class GilGate:
    """Lets the GUI thread run a burst of short Python calls without waiting for the GIL."""

    def __init__(self) -> None:
        self._turn = threading.RLock()
        self._gui_has_turn = False

    @contextlib.contextmanager
    def gui_turn(self) -> Iterator[None]:
        """Hold the GUI's turn for the block (re-entrant; the GUI thread only)."""
        with self._turn:
            outer = self._gui_has_turn
            self._gui_has_turn = True
            try:
                yield
            finally:
                self._gui_has_turn = outer

    def checkpoint(self, _record: Any = None) -> None:
        """Called on the engine thread (per record): wait while the GUI has its turn."""
        if self._gui_has_turn and self._turn.acquire(timeout=MAX_WAIT):
            self._turn.release()


#: The process's gate: the interpreter's lock is the process's too.
GIL_GATE = GilGate()

"""Run > Network: where the form's components run, a preference.

* **GUI loop (VCL semantics)**, the default: the non-blocking components run on the
  GUI thread's loop (app.qt.event_loop) and their handlers run on the GUI thread, as
  events did in the VCL. A handler may touch the window directly.
* **Dedicated thread (fastest)**: they run on an engine thread of their own
  (app.core.engine_thread); painting never waits for the network nor the network
  for painting. Handlers run on that thread: they use the components and their
  connections, ``log(...)`` and ``form``; anything that touches the window goes
  through ``post_to_gui(function, *args)``.

The choice is remembered (QSettings ``network/mode``) and applied at start. Switching
while components run restarts them on the new loop, which closes their connections:
the user is asked first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.engine_thread import NetworkMode
from app.qt.engine_host import EngineHost
from app.qt.i18n import arg

MODE_KEY = "network/mode"

#: asks whether to restart this many running components on the other loop
AskRestart = Callable[[int], bool]


def stored_mode() -> NetworkMode:
    """The preference (a bad or missing value gives the default, the GUI loop)."""
    value = QSettings().value(MODE_KEY, NetworkMode.GUI_LOOP.value)
    try:
        return NetworkMode(value)
    except ValueError:
        return NetworkMode.GUI_LOOP


class NetworkModeActions(QObject):
    """The two exclusive actions of Run > Network, kept in step with the engine host."""

    def __init__(self, engine: EngineHost, parent: QWidget, ask_restart: AskRestart | None = None) -> None:
        super().__init__(parent)
        self._window = parent
        self.engine = engine
        self._ask_restart = ask_restart or self._ask
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[NetworkMode, QAction] = {}
        for mode in NetworkMode:
            action = QAction(self.group)
            action.setCheckable(True)
            action.setObjectName(f"NetworkMode_{mode.value}")
            action.triggered.connect(self._chosen(mode))
            self.actions[mode] = action
        engine.networkModeChanged.connect(self._show)
        engine.set_network_mode(stored_mode())
        self._show(engine.network_mode)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.actions[NetworkMode.GUI_LOOP].setText(self.tr("&GUI Loop (VCL Semantics)"))
        self.actions[NetworkMode.GUI_LOOP].setStatusTip(
            self.tr("Components run on the GUI thread and their handlers may touch the window, as in the VCL"))
        self.actions[NetworkMode.THREAD].setText(self.tr("&Dedicated Thread (Fastest)"))
        self.actions[NetworkMode.THREAD].setStatusTip(
            self.tr("Components run on an engine thread of their own; handlers run there and reach the "
                    "window only through post_to_gui()"))

    def title(self) -> str:
        return self.tr("&Network")

    def _chosen(self, mode: NetworkMode) -> Callable[[], None]:
        def choose() -> None:
            self.choose(mode)
        return choose

    def choose(self, mode: NetworkMode) -> bool:
        """Switch to ``mode`` (asking first when components run); remembered. False: the user
        kept the current mode."""
        if mode is self.engine.network_mode:
            return True
        running = sum(1 for uid in self.engine.live if self.engine.is_active(uid))
        if running and not self._ask_restart(running):
            self._show(self.engine.network_mode)
            return False
        QSettings().setValue(MODE_KEY, mode.value)
        self.engine.set_network_mode(mode)
        return True

    @Slot(object)
    def _show(self, mode: NetworkMode) -> None:
        self.actions[mode].setChecked(True)

    def _ask(self, running: int) -> bool:
        answer = QMessageBox.question(
            self._window, self.tr("Switch the network mode?"),
            arg(self.tr("%1 active component(s) will restart on the other loop, and their connections "
                        "close. Switch now?"), running))
        return answer == QMessageBox.StandardButton.Yes

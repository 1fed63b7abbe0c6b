"""Scenarios in the workbench: Run > Run Scenario… and Save Connection as Scenario….

A scenario runs on the window's event loop (the same app.core.scenario driver as
``socket-workbench test``), against the components of the open form or any
server; each step's result goes to the event log as a record (Scenario, or
ScenarioFailed drawn as an error), then one record for the whole run. One scenario
runs at a time; closing the window cancels it, and its connections close.

Saving writes a connection's conversation, as the log holds it (app.core.conversation),
as a scenario file: the connection selected in the Connections panel, or (from the log's
context menu, and when the panel has none) the connection of the log's selected row,
which may have closed long ago.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from app.core.atomic_file import write_atomically
from app.core.conversation import Conversation, write_conversation
from app.core.scenario import (
    SUFFIX,
    Scenario,
    ScenarioError,
    end_record,
    load_scenario,
    parse_address,
    run_scenario,
    step_record,
)
from app.core.session_report import CaseResult, SuiteResult
from app.qt.i18n import QT_TRANSLATE_NOOP, arg
from components import ClientSocket, ServerSocket
from components.observer import SCENARIO_FAILED, EventRecord, ObserverStream, thread_name
from ui.connections_panel import ConnectionsPanel
from ui.event_log_view import EventLogFeeder, EventLogPane

FILE_FILTER = QT_TRANSLATE_NOOP("ScenarioActions", "Scenarios (*.toml);;All files (*)")


class ScenarioActions(QObject):
    """The Run menu's scenario actions, and the scenario that is running."""

    message = Signal(str)  # for the status bar
    finished = Signal(object)  # the SuiteResult of a run that ended (not one cancelled)

    def __init__(self, stream: ObserverStream, connections: ConnectionsPanel, log: EventLogFeeder,
                 log_pane: EventLogPane, window: QWidget) -> None:
        super().__init__(window)
        self.stream, self.connections, self.log, self.window = stream, connections, log, window
        self.log_pane = log_pane
        self._task: asyncio.Task[SuiteResult] | None = None
        self.run_action = QAction(self)
        self.run_action.triggered.connect(self.choose_and_run)
        self.stop_action = QAction(self)
        self.stop_action.triggered.connect(self.stop)
        self.stop_action.setEnabled(False)
        self.save_action = QAction(self)
        self.save_action.triggered.connect(self.choose_and_save)
        connections.saveScenarioRequested.connect(self.choose_and_save)
        # the log's context menu: the connection of the selected row, open or closed
        self.save_logged_action = QAction(self)
        self.save_logged_action.triggered.connect(self.choose_and_save_logged)
        log_pane.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        log_pane.view.addAction(self.save_logged_action)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.run_action.setText(self.tr("Run &Scenario…"))
        self.run_action.setStatusTip(self.tr("Run a scenario file; each step's result goes to the event log"))
        self.stop_action.setText(self.tr("S&top Scenario"))
        self.save_action.setText(self.tr("Save Connection as Scena&rio…"))
        self.save_action.setStatusTip(self.tr("Write the selected connection's conversation, as the log "
                                              "holds it, as a scenario file"))
        self.save_logged_action.setText(self.tr("Save This Connection as Scenario…"))

    # -- running ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def choose_and_run(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Run Scenario"), "", self.tr(FILE_FILTER))
        if path:
            self.run_file(path)

    def run_file(self, path: str | Path) -> bool:
        """Start the scenario in ``path``; False (and an error record saying why) if it can't."""
        if self.running:
            self.message.emit(self.tr("A scenario is running already: stop it first"))
            return False
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.stream.emit(EventRecord(time.monotonic(), Path(path).name, SCENARIO_FAILED, 0, "", thread_name(),
                                         detail=str(exc)))
            self.message.emit(arg(self.tr("The scenario does not load: %1"), str(exc)))
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - the workbench always runs its loop
            self.message.emit(self.tr("No event loop runs, so no scenario can"))
            return False
        self._task = loop.create_task(self._run(scenario))
        self.stop_action.setEnabled(True)
        self.message.emit(arg(self.tr("Running scenario %1…"), scenario.name))
        return True

    async def _run(self, scenario: Scenario) -> SuiteResult:
        def report(case: CaseResult) -> None:
            self.stream.emit(step_record(scenario, case))

        try:
            result = await run_scenario(scenario, on_step=report)
        finally:
            self.stop_action.setEnabled(False)
        self.stream.emit(end_record(result))
        if result.passed:
            self.message.emit(arg(self.tr("Scenario %1 passed (%2 steps)"), scenario.name, len(result.cases)))
        else:
            failed = result.failures[0]
            self.message.emit(arg(self.tr("Scenario %1 failed at %2: %3"), scenario.name, failed.name,
                                  failed.message))
        self.finished.emit(result)
        return result

    def stop(self) -> None:
        """Cancel the running scenario (its connections close)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def shutdown(self) -> None:
        self.stop()

    # -- saving a conversation ------------------------------------------------------------
    def conversation(self) -> Conversation | None:
        """The conversation of the connection selected in the Connections panel, else of the
        log's selected row; None when neither names a connection."""
        conn = self.connections.target()
        component = self.connections.component()
        if conn is None or component is None:
            return self.logged_conversation()
        accepted = isinstance(component, ServerSocket)
        host, port = ((conn.local_address, conn.local_port) if accepted
                      else (conn.remote_address, conn.remote_port))
        return write_conversation(self.log.history(component.name), name=f"{component.name} {conn.peer}",
                                  host=host, port=port, framing=component.framing, accepted=accepted,
                                  connection_id=conn.id, component=component.name)

    def logged_conversation(self) -> Conversation | None:
        """The conversation of the connection of the log's selected row (it may have closed)."""
        selection = self.log_pane.view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        if not rows:
            return None
        record = self.log_pane.shown_record(rows[0].row())
        component = next((c for c in self.connections.engine.live.values() if c.name == record.component), None)
        if not record.connection_id or not isinstance(component, ClientSocket | ServerSocket):
            return None
        records = [r for r in self.log.history(component.name) if r.connection_id == record.connection_id]
        peer = next((r.peer for r in records if r.peer), "")
        if isinstance(component, ServerSocket):  # the scenario plays the peer, against the server
            listener = component.socket
            host, port = ((listener.local_address, listener.local_port) if listener.listening
                          else (component.address or "127.0.0.1", component.port))
        else:
            try:
                host, port = parse_address(peer)
            except ValueError:
                return None
        return write_conversation(records, name=f"{component.name} {peer}".strip(), host=host, port=port,
                                  framing=component.framing, accepted=isinstance(component, ServerSocket),
                                  connection_id=record.connection_id, component=component.name)

    def choose_and_save(self) -> None:
        self._choose_and_save(self.conversation())

    def choose_and_save_logged(self) -> None:
        self._choose_and_save(self.logged_conversation())

    def _choose_and_save(self, conversation: Conversation | None) -> None:
        if conversation is None:
            self.message.emit(self.tr("Select a connection in the Connections panel, or a row of one in the "
                                      "event log, first"))
            return
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Save Connection as Scenario"), "",
                                              self.tr(FILE_FILTER))
        if path:
            self.save(conversation, Path(path) if Path(path).suffix else Path(path).with_suffix(SUFFIX))

    def save(self, conversation: Conversation, path: Path) -> bool:
        try:
            write_atomically(path, conversation.text.encode("utf-8"))
        except OSError as exc:
            self.message.emit(arg(self.tr("Could not save %1: %2"), path.name, exc.strerror or str(exc)))
            return False
        if conversation.truncated_sends:
            self.message.emit(arg(self.tr("Saved %1; %2 send(s) were longer than the log keeps, so they are "
                                          "cut short in the file (see its comments)"), path.name,
                                  conversation.truncated_sends))
        else:
            self.message.emit(arg(self.tr("Saved %1: %2 send(s), %3 expect(s)"), path.name, conversation.sends,
                                  conversation.expects))
        return True

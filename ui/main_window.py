"""The main window: palette, form designer, Object Inspector, event log,
connections, menus, status bar, and the form file commands.

Layout: the component palette across the top; the Object Inspector docked left, the
form in the middle and the connections panel right; the event log docked under all
three, across the whole width, because its columns (time, component, event,
connection, detail, data) need it most. The default sizes follow the window's: the
side docks in proportion to its width, the log taking the height the form does not
need (between about a third and a half). Docks remember their layout (QSettings), and
View > Reset Layout brings the default back, sized for the window as it is then.

Nothing in a dock may demand more width than 1024 px leaves: a minimum that grows
with its content (a label naming a listening address) would push the window wider
than the screen, and the docks would be drawn over each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.core.atomic_file import write_atomically
from app.core.engine_thread import NetworkMode
from app.core.form_document import SUFFIX, FormFileError
from app.core.tour import TourDataError
from app.core.unit import Unit, unit_path_for
from app.qt.engine_host import EngineHost
from app.qt.form_model import FormModel
from app.qt.i18n import QT_TRANSLATE_NOOP, arg
from app.qt.translations import EXAMPLES, LANGUAGE_KEY, LANGUAGES, example_name
from app.qt.translations import install as install_language
from components import ObserverStream
from ui.certificate_dialog import CertificateDialog
from ui.connections_panel import ConnectionsPanel
from ui.error_text import translated
from ui.event_log_view import EventLogFeeder, EventLogPane
from ui.form_designer import FormDesigner
from ui.messages_panel import MessagesPanel
from ui.network_mode import NetworkModeActions
from ui.object_inspector import ObjectInspector
from ui.palette import ComponentPalette
from ui.recording import RecordingController
from ui.saved_active_banner import SavedActiveBanner
from ui.scenario_actions import ScenarioActions
from ui.settings import read_string_list
from ui.tab_style import show_whole_tab_text
from ui.timeline import TimelinePane
from ui.tour import TourPanel
from ui.unit_controller import UnitController
from ui.unit_editor import UnitEditor

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "examples"
MAX_RECENT = 8
DEFAULT_SIZE = QSize(1366, 860)  # unless the screen is smaller
LOG_SHARE = (0.36, 0.5)  # of the height below the palette: the log's least and most, by default
RECENT_FILES = "recentFiles"  # QSettings key
STATUS_MS = 500
FILE_FILTER = QT_TRANSLATE_NOOP("MainWindow", "Socket Workbench forms (*.sockform);;All files (*)")
DFM_CODE_PAGES = ("cp1252", "cp1251", "cp1250", "cp1253", "cp1254", "gbk", "big5", "shift_jis", "utf-8")


def _within(value: float, low: float, high: float) -> int:
    return int(min(max(value, low), high))


def example_title(path: Path) -> str:
    """chat_server.sockform -> Chat server, in the UI language"""
    return QCoreApplication.translate(EXAMPLES, example_name(path))


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.stream = ObserverStream()
        self.model = FormModel(self)
        # The unit controller manages the engine's unit, and the engine asks for the unit
        # when a component with unit handlers first opens: the window, which makes both,
        # hands the engine its own method, which asks the controller.
        self.engine = EngineHost(self.model, self.stream, self, ask_file_trust=self.ask_form_trust,
                                 load_unit=self._load_unit)

        self.palette_widget = ComponentPalette()
        self.designer = FormDesigner(self.model, self.engine, self.palette_widget)
        self.inspector = ObjectInspector(self.model, self.engine)
        self.log_feeder = EventLogFeeder(self.stream, self)
        self.log_pane = EventLogPane(self.log_feeder)
        self.connections = ConnectionsPanel(self.model, self.engine)
        self.messages = MessagesPanel(self.model, self.connections)
        self.scenarios = ScenarioActions(self.stream, self.connections, self.log_feeder, self.log_pane, self)
        self._component_panes: dict[str, QDockWidget] = {}

        self.unit_editor = UnitEditor()
        self.units = UnitController(self.model, self.engine, self.unit_editor, self.stream,
                                    self.ask_trust, self.ask_rename, self.save_form, parent=self)

        # the bar saying which components were saved active sits over the form they are on
        self.saved_active_banner = SavedActiveBanner(self.model, self.engine)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(0)
        form_layout.addWidget(self.saved_active_banner)
        form_layout.addWidget(self.designer, 1)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        show_whole_tab_text(self.tabs.tabBar())  # "echo_test.py" keeps its underscore
        self.tabs.addTab(form_page, "")
        self.tabs.addTab(self.unit_editor, "")
        self.setCentralWidget(self.tabs)

        self.palette_bar = palette_bar = QToolBar()
        palette_bar.setObjectName("PaletteToolBar")
        palette_bar.setMovable(False)
        palette_bar.addWidget(self.palette_widget)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, palette_bar)

        self.inspector.setMinimumWidth(250)
        self.inspector_dock = self._dock("", "InspectorDock", self.inspector, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.log_dock = self._dock("", "EventLogDock", self.log_pane, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.connections_dock = self._dock("", "ConnectionsDock", self.connections,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        self.messages_dock = self._dock("", "MessagesDock", self.messages,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.connections_dock, self.messages_dock, Qt.Orientation.Vertical)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)

        self.timeline = TimelinePane(self.log_pane, self._accepts_connections)
        self.timeline_dock = self._dock("", "TimelineDock", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        # a tab beside the log, hidden until View > Timeline shows it (the log keeps its height)
        self.tabifyDockWidget(self.log_dock, self.timeline_dock)
        self.timeline_dock.hide()
        # it indexes the log only while it can be seen (showing the view catches it up)
        self.timeline.view.set_live(False)
        self.timeline_dock.visibilityChanged.connect(self._timeline_visibility)

        self.recording = RecordingController(self.stream, self)
        self.recording.message.connect(self.show_message)
        self.network = NetworkModeActions(self.engine, self)
        self.engine.networkModeChanged.connect(lambda _mode: self._tick())
        self.log_pane.full_capture = self.recording.finished_capture
        self.log_pane.accepts_connections = self._accepts_connections
        self.run_bar = QToolBar()
        self.run_bar.setObjectName("RunToolBar")
        self.run_bar.setMovable(False)
        self.run_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.run_bar.addAction(self.recording.action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.run_bar)
        self.status_counts = QLabel()
        self.statusBar().addPermanentWidget(self.recording.label)
        self.statusBar().addPermanentWidget(self.status_counts)
        self._copied_from = ""  # the example an untitled form was copied from
        self._make_actions()
        self._make_menus()
  # the example an untitled form was copied from
        self.model.documentReset.connect(self._document_replaced)
        self.model.pathChanged.connect(self._update_title)
        self.model.formChanged.connect(self._update_title)
        self.model.undo_stack.cleanChanged.connect(self._update_title)
        self.engine.errorRaised.connect(self._engine_error)
        self.designer.message.connect(self.show_message)
        self.designer.tileActivated.connect(lambda _uid: self.inspector.show_events())
        self.inspector.eventActivated.connect(self.units.edit_handler)
        self.units.showEditor.connect(lambda: self.tabs.setCurrentWidget(self.unit_editor))
        self.units.message.connect(self.show_message)
        self.unit_editor.modifiedChanged.connect(self._update_title)
        self.model.pathChanged.connect(self._update_title)
        self.connections.message.connect(self.show_message)
        self.messages.message.connect(self.show_message)
        self.scenarios.message.connect(self.show_message)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self._tick)
        self._status_timer.start()

        self.resize(DEFAULT_SIZE.boundedTo(self.screen().availableGeometry().size()))
        self._default_state = QByteArray()
        geometry = QSettings().value("mainWindow/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self.retranslate_ui()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._default_state.isEmpty():
            # dock sizes only stick after the first layout pass at the window's real size
            QTimer.singleShot(0, self._first_layout)

    def _first_layout(self) -> None:
        if not self._default_state.isEmpty():
            return
        self._apply_default_sizes(self._remember_default_layout)

    def _remember_default_layout(self) -> None:
        self._default_state = self.saveState()  # what View > Reset Layout goes back to
        state = QSettings().value("mainWindow/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _apply_default_sizes(self, then: Callable[[], None] | None = None) -> None:
        """The docks' default sizes for the window's size, in layout passes of their own (a
        bottom dock's resize made in the same pass as the right docks' split does not stick);
        ``then`` runs once the layout has applied them."""
        width = self.width()
        self.resizeDocks([self.inspector_dock, self.connections_dock],
                         [_within(width * 0.2, 250, 340), _within(width * 0.26, 320, 500)],
                         Qt.Orientation.Horizontal)
        right = self.connections_dock.height() + self.messages_dock.height()
        self.resizeDocks([self.connections_dock, self.messages_dock], [int(right * 0.42), int(right * 0.58)],
                         Qt.Orientation.Vertical)

        def size_the_log() -> None:
            self._size_log()
            if then is not None:
                QTimer.singleShot(0, self, then)  # once the layout has applied the sizes

        QTimer.singleShot(0, self, size_the_log)

    def _size_log(self) -> None:
        # the form shown whole if the log keeps LOG_SHARE[0]; the log gets the rest, up to LOG_SHARE[1]
        shared = self.tabs.height() + self.log_dock.height()
        around_form = self.tabs.height() - self.designer.viewport().height()
        form = math.ceil(self.designer.sceneRect().height()) + around_form
        low, high = LOG_SHARE
        self.resizeDocks([self.log_dock], [_within(shared - form, shared * low, shared * high)],
                         Qt.Orientation.Vertical)

    def _timeline_visibility(self, visible: bool) -> None:
        if not visible:
            self.timeline.view.set_live(False)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- actions and menus -------------------------------------------------------
    def _action(self, slot: object, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
                ) -> QAction:
        """An action; its texts are set by :meth:`retranslate_ui`."""
        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.new_action = self._action(self.new_form, keys.New)
        self.open_action = self._action(self.open_dialog, keys.Open)
        self.save_action = self._action(self.save_form, keys.Save)
        self.save_as_action = self._action(self.save_form_as, keys.SaveAs)
        self.quit_action = self._action(self.close, keys.Quit)
        self.import_dfm_action = self._action(self.import_dfm_dialog)
        self.export_dfm_action = self._action(self.export_dfm_dialog)
        self.trust_form_action = self._action(self.engine.set_form_trusted)
        self.trust_form_action.setCheckable(True)
        self.trust_form_action.setChecked(self.engine.form_trusted)
        self.engine.trustChanged.connect(self.trust_form_action.setChecked)
        self.undo_action = self.model.undo_stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(keys.Undo)
        self.redo_action = self.model.undo_stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence(keys.Redo), QKeySequence("Ctrl+Y")])
        self.cut_action = self._action(self.designer.cut_selection, keys.Cut)
        self.copy_action = self._action(self.designer.copy_selection, keys.Copy)
        self.paste_action = self._action(self.designer.paste, keys.Paste)
        self.delete_action = self._action(self.designer.delete_selection, keys.Delete)
        self.select_all_action = self._action(self.designer.select_all, keys.SelectAll)
        self.rename_action = self._action(self.designer.rename_selection, "F2")
        for action in (self.cut_action, self.copy_action, self.paste_action, self.delete_action,
                       self.select_all_action, self.rename_action):
            # only while the form has focus: a line edit keeps its own Ctrl+C and Delete
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.designer.addAction(action)
        self.activate_all_action = self._action(self.engine.activate_all, "F9")
        self.deactivate_all_action = self._action(self.engine.deactivate_all, "Ctrl+F2")
        self.reset_layout_action = self._action(self.reset_layout)
        self.component_log_action = self._action(self.open_component_log, "Ctrl+L")
        self.about_action = self._action(self.about)
        self.tour_action = self._action(self.open_tour)
        self.tour: TourPanel | None = None
        self.tour_dock: QDockWidget | None = None
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for language in ("", "en", *LANGUAGES):
            action = QAction(self.language_group)
            action.setCheckable(True)
            action.setData(language)
            action.triggered.connect(self._language_chosen(language))
            self.language_actions[language] = action
        self.language_actions[self._language_setting()].setChecked(True)
        self.certificates_action = self._action(self.generate_certificates)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("")
        self.examples_menu = file_menu.addMenu("")
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.import_dfm_action, self.export_dfm_action])
        file_menu.addSeparator()
        file_menu.addAction(self.trust_form_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_examples()
        self.edit_menu = edit = bar.addMenu("")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.cut_action, self.copy_action, self.paste_action, self.delete_action])
        edit.addSeparator()
        edit.addActions([self.select_all_action, self.rename_action])
        self.view_menu = view = bar.addMenu("")
        for dock in (self.inspector_dock, self.log_dock, self.timeline_dock, self.connections_dock,
                     self.messages_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.component_log_action)
        view.addSeparator()
        view.addAction(self.reset_layout_action)
        self.language_menu = view.addMenu("")
        self.language_menu.addActions(list(self.language_actions.values()))
        self.run_menu = run = bar.addMenu("")
        run.addActions([self.activate_all_action, self.deactivate_all_action])
        run.addSeparator()
        run.addActions([self.recording.action, self.recording.limit_action])
        run.addSeparator()
        self.network_menu = run.addMenu("")
        self.network_menu.addActions(list(self.network.actions.values()))
        run.addSeparator()
        run.addActions([self.scenarios.run_action, self.scenarios.stop_action, self.scenarios.save_action])
        self.tools_menu = bar.addMenu("")
        self.tools_menu.addAction(self.certificates_action)
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.tour_action)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

    def retranslate_ui(self) -> None:
        """Every text the window sets itself, in the current language (at start and on
        LanguageChange; the panels retranslate themselves)."""
        texts: list[tuple[QAction, str, str]] = [
            (self.new_action, self.tr("&New"), self.tr("Start an empty form")),
            (self.open_action, self.tr("&Open…"), self.tr("Open a form file")),
            (self.save_action, self.tr("&Save"), self.tr("Save the form")),
            (self.save_as_action, self.tr("Save &As…"), ""),
            (self.quit_action, self.tr("&Quit"), ""),
            (self.import_dfm_action, self.tr("&Import DFM…"), self.tr("Open a C++Builder/Delphi form (.dfm)")),
            (self.export_dfm_action, self.tr("&Export DFM…"),
             self.tr("Write this form as a C++Builder/Delphi .dfm")),
            (self.trust_form_action, self.tr("&Trust This Form"),
             self.tr("Let this form's actions read files outside its own folder (remembered until the "
                     "file changes)")),
            (self.cut_action, self.tr("Cu&t"), ""),
            (self.copy_action, self.tr("&Copy"), ""),
            (self.paste_action, self.tr("&Paste"), ""),
            (self.delete_action, self.tr("&Delete"), ""),
            (self.select_all_action, self.tr("Select &All"), ""),
            (self.rename_action, self.tr("&Rename"), ""),
            (self.activate_all_action, self.tr("&Activate All"), self.tr("Set Active on every component")),
            (self.deactivate_all_action, self.tr("&Deactivate All"), self.tr("Close every component")),
            (self.reset_layout_action, self.tr("&Reset Layout"), ""),
            (self.component_log_action, self.tr("Log of Selected &Component"), ""),
            (self.about_action, self.tr("&About Socket Workbench"), ""),
            (self.tour_action, self.tr("Socket &Concepts"),
             self.tr("A guided tour of the socket concepts, one chapter at a time, checked in the event log")),
            (self.certificates_action, self.tr("Generate &Certificates…"),
             self.tr("Make a local CA and certificates for encrypted connections, and use them in the "
                     "selected component")),
            (self.language_actions[""], self.tr("System Language"), ""),
            (self.language_actions["en"], self.tr("English"), ""),
            (self.language_actions["zh_CN"], self.tr("Simplified Chinese (简体中文)"), ""),
        ]
        for action, text, tip in texts:
            action.setText(text)
            action.setStatusTip(tip)
        # QUndoStack's actions put the command's text after this prefix
        self.undo_action.setText(self.tr("&Undo"))
        self.redo_action.setText(self.tr("&Redo"))
        for menu, title in ((self.file_menu, self.tr("&File")), (self.recent_menu, self.tr("Open &Recent")),
                            (self.examples_menu, self.tr("E&xamples")), (self.edit_menu, self.tr("&Edit")),
                            (self.view_menu, self.tr("&View")), (self.language_menu, self.tr("&Language")),
                            (self.run_menu, self.tr("&Run")), (self.tools_menu, self.tr("&Tools")),
                            (self.help_menu, self.tr("&Help"))):
            menu.setTitle(title)
        for action in self.examples_menu.actions():
            action.setText(example_title(Path(action.data())))
        for dock, title in ((self.inspector_dock, self.tr("Object Inspector")),
                            (self.log_dock, self.tr("Event Log")), (self.timeline_dock, self.tr("Timeline")),
                            (self.connections_dock, self.tr("Connections")),
                            (self.messages_dock, self.tr("Messages"))):
            dock.setWindowTitle(title)
        if self.tour_dock is not None:
            self.tour_dock.setWindowTitle(self.tr("Socket Concepts"))
        for dock in self._component_panes.values():
            pane = dock.widget()
            if isinstance(pane, EventLogPane):
                dock.setWindowTitle(pane.title())
        self.palette_bar.setWindowTitle(self.tr("Component Palette"))
        self.scenarios.retranslate_ui()
        self.run_bar.setWindowTitle(self.tr("Run"))
        self.recording.retranslate_ui()
        self.network.retranslate_ui()
        self.network_menu.setTitle(self.network.title())
        self.tabs.setTabText(0, self.tr("Form"))
        self._update_title()
        self._tick()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "help_menu"):
            self.retranslate_ui()
        super().changeEvent(event)

    @staticmethod
    def _language_setting() -> str:
        value = QSettings().value(LANGUAGE_KEY, "")
        return value if isinstance(value, str) and value in ("", "en", *LANGUAGES) else ""

    def _language_chosen(self, language: str) -> Callable[[], None]:
        def choose() -> None:
            self.set_language(language)
        return choose

    def set_language(self, language: str) -> None:
        """View > Language: "" follows the system. Remembered, and applied now: every open
        window retranslates itself on the LanguageChange Qt sends."""
        QSettings().setValue(LANGUAGE_KEY, language)
        self.language_actions[language].setChecked(True)
        install_language(language or None)

    # -- status and title ----------------------------------------------------------
    def _update_title(self) -> None:
        if self.model.path is not None:
            name = self.model.path.name
        elif self._copied_from:
            name = arg(self.tr("Untitled (from %1)"), self._copied_from)
        else:
            name = self.model.document.name
        self.setWindowTitle(arg(self.tr("Socket Workbench - %1[*]"), name))
        self.setWindowModified(self.is_modified())
        unit = self.unit_editor.path.name if self.unit_editor.path else self.tr("Unit")
        self.tabs.setTabText(1, unit + (" *" if self.unit_editor.is_modified() else ""))

    def _document_replaced(self) -> None:
        self._copied_from = ""
        self._update_title()

    def is_modified(self) -> bool:
        return self.model.is_modified() or self.unit_editor.is_modified()

    def _tick(self) -> None:
        active, connections = self.engine.counts()
        text = arg(self.tr("%1 active · %2 connections"), str(active), str(connections))
        dropped = self.log_feeder.dropped  # records the log lost because it did not keep up
        if dropped:
            text += arg(self.tr(" · %1 dropped"), self.locale().toString(dropped))
        if self.engine.network_mode is NetworkMode.THREAD:
            text += self.tr(" · engine thread")  # Run > Network: not the VCL's GUI-thread events
        self.status_counts.setText(text)
        self.designer.refresh_states()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _engine_error(self, uid: int, message: str) -> None:
        self.show_message(translated(message))

    # -- files ------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask before unsaved changes are lost; False means the user cancelled."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            arg(self.tr("Save the changes to %1 before closing it?"), self.model.document.name),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_form()
        return answer == QMessageBox.StandardButton.Discard

    def new_form(self) -> None:
        if self.maybe_save():
            self.model.new()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.model.path.parent) if self.model.path else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Form"), start, self.tr(FILE_FILTER))
        if path:
            self.open_form(path, ask=False)

    def open_form(self, path: str | Path, ask: bool = True) -> bool:
        """Open a form file; a damaged one is reported and the current form stays."""
        if ask and not self.maybe_save():
            return False
        try:
            self.model.open(path)
        except FormFileError as exc:
            QMessageBox.warning(self, self.tr("Can't open form"), translated(str(exc)))
            return False
        self._remember(Path(path))
        self.show_message(arg(self.tr("Opened %1"), str(path)))
        self._report_binding_problems(Path(path).name)
        return True

    def _report_binding_problems(self, name: str) -> None:
        """Reply rules a form file holds that do not compile: the form is open with them as
        written; say which, and where."""
        problems = self.model.document.binding_problems()
        if problems:
            QMessageBox.warning(self, self.tr("Rules that can't be used"), arg(self.tr(
                "%1 is open, but these rules answer nothing until they are fixed (double-click the "
                "event in the Events tab to edit them):\n\n%2"), name, "\n".join(problems)))

    def open_example(self, path: Path, title: str = "") -> bool:
        """Open an example as an untitled copy, with its unit: Save asks where to put both,
        so the installed example stays as shipped. ``title`` names it in the window's title
        (the tour's chapter), instead of the example's own."""
        if not self.maybe_save():
            return False
        try:
            self.model.open_copy(path)
        except FormFileError as exc:
            QMessageBox.warning(self, self.tr("Can't open form"), translated(str(exc)))
            return False
        self.units.adopt_unit(unit_path_for(path))
        self._copied_from = title or example_title(path)
        self._update_title()
        self.show_message(arg(self.tr("Opened a copy of %1; Save asks where to keep it"), path.name))
        self._report_binding_problems(path.name)
        return True

    def save_form(self) -> bool:
        if self.model.path is None:
            return self.save_form_as()
        return self._save(self.model.path)

    def save_form_as(self) -> bool:
        start = str(self.model.path or Path.cwd() / (self.model.document.name + SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save Form As"), start, self.tr(FILE_FILTER))
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save(Path(path))

    def _save(self, path: Path) -> bool:
        try:
            self.model.save(path)
            if self.unit_editor.needs_saving() and not self.unit_editor.save():
                return False
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Can't save form"),
                                arg(self.tr("Can't save %1: %2"), str(path), exc.strerror or str(exc)))
            return False
        self._remember(path)
        self.show_message(arg(self.tr("Saved %1"), str(path)))
        return True

    def _remember(self, path: Path) -> None:
        settings = QSettings()
        recent = [p for p in read_string_list(settings, RECENT_FILES) if p != str(path)]
        settings.setValue(RECENT_FILES, [str(path), *recent][:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = read_string_list(QSettings(), RECENT_FILES)
        for path in recent:
            self.recent_menu.addAction(path, self._opener(path))
        if not recent:
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)

    def _fill_examples(self) -> None:
        for path in sorted(EXAMPLES_DIR.glob(f"*{SUFFIX}")):
            self.examples_menu.addAction(example_title(path), self._example_opener(path)).setData(str(path))

    def _example_opener(self, path: Path) -> Callable[[], object]:
        return lambda: self.open_example(path)

    def _opener(self, path: str | Path) -> Callable[[], object]:
        """A menu slot that opens ``path``."""
        return lambda: self.open_form(path)

    # -- docks ------------------------------------------------------------------
    def _accepts_connections(self, name: str) -> bool:
        """Whether the component ``name`` accepts connections (its lifelines are one per
        connection on the Timeline); unknown names count as servers."""
        for entry in self.model.entries():
            if entry.name == name:
                return bool(getattr(entry.cls, "accepts_connections", True))
        return True

    def open_component_log(self) -> None:
        """A log pane for the selected component only, as its own dock."""
        entry = self.model.current()
        if entry is None:
            self.show_message(self.tr("Select a component to open its log"))
            return
        dock = self._component_panes.get(entry.name)
        if dock is None:
            pane = EventLogPane(self.log_feeder, component=entry.name)
            dock = self._dock(pane.title(), f"LogDock_{entry.name}", pane,
                              Qt.DockWidgetArea.BottomDockWidgetArea)
            self.tabifyDockWidget(self.log_dock, dock)
            self._component_panes[entry.name] = dock
        dock.show()
        dock.raise_()

    def open_tour(self) -> TourPanel | None:
        """Help > Socket concepts: the tour's dock, beside the connections; the first time, it
        opens the first chapter. Returned for tests (None when its data files are damaged)."""
        if self.tour is None or self.tour_dock is None:
            try:
                self.tour = TourPanel(self.model, self.engine, self.inspector, self.log_feeder, self.open_example)
            except TourDataError as exc:
                QMessageBox.warning(self, self.tr("Can't open the tour"), str(exc))
                return None
            self.tour_dock = self._dock(self.tr("Socket Concepts"), "TourDock", self.tour,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
            self.tabifyDockWidget(self.messages_dock, self.tour_dock)
            self.view_menu.insertAction(self.component_log_action, self.tour_dock.toggleViewAction())
            self.tour.open_chapter(0)
        self.tour_dock.show()
        self.tour_dock.raise_()
        # the chapter's text needs the room more than the connections list does
        right = self.connections_dock.height() + self.tour_dock.height()
        self.resizeDocks([self.connections_dock, self.tour_dock], [int(right * 0.3), int(right * 0.7)],
                         Qt.Orientation.Vertical)
        return self.tour

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        self._apply_default_sizes()

    # -- questions the unit controller and the engine ask -----------------------------
    def _load_unit(self) -> Unit | None:
        return self.units.load_unit()

    def ask_trust(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Run this form's Python unit?"),
            arg(self.tr("This form's events call functions in its Python unit:\n\n%1\n\nIts code runs with "
                    "your permissions. Run it only if you trust it. The answer is remembered until the "
                    "file changes."), str(path)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_form_trust(self, paths: list[str]) -> bool:
        shown = "\n".join(paths[:8] + (["…"] if len(paths) > 8 else []))
        answer = QMessageBox.question(
            self, self.tr("Let this form read files outside its folder?"),
            arg(self.tr("This form's Send file actions name files outside its own folder:\n\n%1\n\nWhoever "
                    "connects would receive them. Allow it only if you trust the form. The answer is "
                    "remembered until the form file changes (File > Trust This Form changes it)."), shown),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_rename(self, old: str, new: str, handlers: list[str]) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Rename handlers?"),
            arg(self.tr("Rename the handlers of %1 to match %2?\n\n%3"), old, new,
                "\n".join(f"{h} → {new}{h[len(old):]}" for h in handlers)))
        return answer == QMessageBox.StandardButton.Yes

    # -- DFM ----------------------------------------------------------------------
    def import_dfm_dialog(self) -> None:
        from app.core.dfm_import import import_dfm_file, save_imported

        if not self.maybe_save():
            return
        source, _ = QFileDialog.getOpenFileName(self, self.tr("Import DFM"), "",
                                                self.tr("C++Builder/Delphi forms (*.dfm);;All files (*)"))
        if not source:
            return
        encoding, ok = QInputDialog.getItem(self, self.tr("Import DFM"),
                                            self.tr("Code page of the form's 8-bit text:"),
                                            list(DFM_CODE_PAGES), 0, False)
        if not ok:
            return
        try:
            imported = import_dfm_file(source, encoding)
        except FormFileError as exc:
            QMessageBox.warning(self, self.tr("Can't import form"), translated(str(exc)))
            return
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Save the imported form as"),
                                                str(Path(source).with_suffix(SUFFIX)), self.tr(FILE_FILTER))
        if not target:
            return
        target_path = Path(target if target.endswith(SUFFIX) else target + SUFFIX)
        try:
            report = save_imported(imported, target_path)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Can't import form"),
                                arg(self.tr("Can't save %1: %2"), str(target_path), exc.strerror or str(exc)))
            return
        self.open_form(target_path, ask=False)
        QMessageBox.information(self, self.tr("Import report"), "\n".join(report))

    def export_dfm_dialog(self) -> None:
        from app.core.dfm_export import export_dfm

        start = str((self.model.path or Path.cwd() / self.model.document.name).with_suffix(".dfm"))
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Export DFM"), start,
                                                self.tr("C++Builder/Delphi forms (*.dfm)"))
        if not target:
            return
        try:
            result = export_dfm(self.model.document)
            write_atomically(Path(target), result.data)
        except (FormFileError, OSError) as exc:
            QMessageBox.warning(self, self.tr("Can't export form"), translated(str(exc)))
            return
        note = arg(self.tr("Exported %1"), target)
        if result.warnings:
            QMessageBox.information(self, self.tr("Export notes"), "\n".join([note, *result.warnings]))
        self.show_message(note)

    def generate_certificates(self) -> CertificateDialog:
        """Tools > Generate Certificates: the dialog, modal; returned for tests (which
        drive it without exec)."""
        dialog = CertificateDialog(self.model, self)
        dialog.setModal(True)
        dialog.finished.connect(lambda _result: self._certificates_done(dialog))
        dialog.open()
        return dialog

    def _certificates_done(self, dialog: CertificateDialog) -> None:
        if dialog.files is not None:
            self.statusBar().showMessage(arg(self.tr("Certificates written to %1"), str(dialog.files.ca_file.parent)),
                                         5000)
        dialog.deleteLater()

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About Socket Workbench"), self.tr(
            "<b>Socket Workbench</b><p>Build, test and understand TCP programs with ClientSocket "
            "and ServerSocket components, as in C++Builder and Delphi.</p>"))

    # -- closing ----------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState())
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Close every socket and stop every timer (also used by tests)."""
        self._status_timer.stop()
        self.recording.stop()
        self.timeline.shutdown()
        self.statusBar().clearMessage()  # stops the message's own timer
        self.scenarios.shutdown()
        self.connections.shutdown()
        self.messages.shutdown()
        self.units.shutdown()
        self.unit_editor.shutdown()
        self.engine.shutdown()
        self.log_feeder.stop()
        for pane in self.findChildren(EventLogPane):
            pane.shutdown()

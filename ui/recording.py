"""Recording from the GUI: the Record action (toolbar and Run > Record) and its status.

The same recorder as ``socket-workbench run FORM --record`` (app.core.recorder.SessionRecorder):
every byte of every connection into a pcapng file the user picks. The folder is
remembered (QSettings ``recording/folder``), and so is the size limit, a preference
(``recording/limitMB``, Run > Recording Size Limit). While it records, a label in the
status bar shows the file's size and the time recorded, growing; when the limit stops
it, the label says so in red and a message says that everything before the limit is
in the file and nothing after.

The recorder calls back on an I/O thread when the limit is reached: the controller
hands that to the GUI thread with a queued signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMessageBox, QWidget

from app.core.recorder import DEFAULT_LIMIT, SessionRecorder
from app.qt.i18n import arg
from components import ObserverStream
from ui import icons

FOLDER_KEY = "recording/folder"
LIMIT_KEY = "recording/limitMB"
DEFAULT_LIMIT_MB = DEFAULT_LIMIT // 2**20
TICK_MS = 250
SUFFIX = ".pcapng"


def limit_mb() -> float:
    """The size limit preference, in MB (a bad stored value gives the default)."""
    try:
        value = float(str(QSettings().value(LIMIT_KEY, DEFAULT_LIMIT_MB)))
    except ValueError:
        return DEFAULT_LIMIT_MB
    return value if value > 0 else DEFAULT_LIMIT_MB


def human_size(n: int) -> str:
    """1,234 bytes, 12.3 KB, 4.5 MB, in the UI's words."""
    from PySide6.QtCore import QCoreApplication, QLocale

    locale = QLocale()
    if n < 1024:
        return arg(QCoreApplication.translate("RecordingController", "%1 bytes"), locale.toString(n))
    for unit, size in (("KB", 2**10), ("MB", 2**20), ("GB", 2**30)):
        if n < size * 1024 or unit == "GB":
            return f"{locale.toString(n / size, 'f', 1)} {unit}"
    return str(n)


def duration_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class RecordingController(QObject):
    """Owns the Record action, the recorder while one runs, and the status bar label."""

    #: the recording stopped by itself (the size limit, a write error); the message to show
    stoppedByItself = Signal(str)
    #: a recording started (the file) or stopped ("")
    recordingChanged = Signal(str)
    message = Signal(str)

    def __init__(self, stream: ObserverStream, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = parent
        self.stream = stream
        self.recorder: SessionRecorder | None = None
        self.last_path: Path | None = None
        self.action = QAction(icons.icon("record"), "", self)
        self.action.setObjectName("RecordAction")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("Ctrl+R"))
        self.action.triggered.connect(self._toggled)
        self.limit_action = QAction(self)
        self.limit_action.triggered.connect(self.choose_limit)
        self.label = QLabel()
        self.label.setObjectName("RecordingStatus")
        self.label.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.update_status)
        self.stoppedByItself.connect(self._stopped_by_itself, Qt.ConnectionType.QueuedConnection)
        self._stop_text = ""
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.action.setText(self.tr("&Record"))
        self.action.setToolTip(self.tr("Record every connection, every byte, into a pcapng file "
                                       "(Wireshark opens it)"))
        self.action.setStatusTip(self.action.toolTip())
        self.limit_action.setText(self.tr("Recording Size &Limit…"))
        self.limit_action.setStatusTip(self.tr("The size at which a recording stops"))
        self.update_status()

    # -- starting and stopping ---------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        if on:
            path = self.choose_file()
            if path is None or not self.start(path):
                self.action.setChecked(False)
        else:
            self.stop()

    def choose_file(self) -> Path | None:
        folder = str(QSettings().value(FOLDER_KEY, "") or "")
        if not folder or not Path(folder).is_dir():
            folder = str(Path.home())
        name, _ = QFileDialog.getSaveFileName(
            self._window, self.tr("Record to"), str(Path(folder) / f"session{SUFFIX}"),
            self.tr("pcapng captures (*.pcapng);;All files (*)"))
        if not name:
            return None
        path = Path(name if Path(name).suffix else name + SUFFIX)
        QSettings().setValue(FOLDER_KEY, str(path.parent))
        return path

    def start(self, path: str | Path) -> bool:
        """Record into ``path`` now; False (and a message) when the file can't be made."""
        self.stop()
        recorder = SessionRecorder(self.stream, path, int(limit_mb() * 2**20), on_limit=self.stoppedByItself.emit)
        try:
            recorder.start()
        except OSError as exc:
            recorder.stop()
            QMessageBox.warning(self._window, self.tr("Can't record"),
                                arg(self.tr("Can't record to %1: %2"), str(path), exc.strerror or str(exc)))
            return False
        self.recorder = recorder
        self.last_path = Path(path)
        self._stop_text = ""
        self.action.setChecked(True)
        self._timer.start()
        self.update_status()
        self.recordingChanged.emit(str(path))
        self.message.emit(arg(self.tr("Recording to %1"), str(path)))
        return True

    def stop(self) -> None:
        """Stop recording (everything queued is written) and close the file."""
        recorder, self.recorder = self.recorder, None
        self._timer.stop()
        self.action.setChecked(False)
        if recorder is None:
            return
        recorder.stop()
        self._finished(recorder)
        self.recordingChanged.emit("")
        if not self._stop_text:
            self.message.emit(arg(self.tr("Recorded %1 (%2) to %3"), human_size(recorder.bytes_written),
                                  duration_text(recorder.duration), str(recorder.path)))

    def _finished(self, recorder: SessionRecorder) -> None:
        self.label.setText(arg(self.tr("Recorded %1 · %2"), human_size(recorder.bytes_written),
                               duration_text(recorder.duration)) if not self._stop_text else self._stop_text)
        self.label.setToolTip(str(recorder.path))

    @Slot(str)
    def _stopped_by_itself(self, _core_text: str) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        if recorder.failure is not None:
            text = arg(self.tr("Recording stopped: can't write %1: %2"), recorder.path.name,
                       recorder.failure.strerror or str(recorder.failure))
        else:
            text = arg(self.tr("Recording stopped: %1 reached its size limit of %2. Everything before "
                               "the limit is in the file, nothing after it."),
                       recorder.path.name, human_size(recorder.limit))
        self._stop_text = text
        self.stop()
        self.label.setStyleSheet("color: #b00000;")
        self.message.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Recording stopped"), text,
                          QMessageBox.StandardButton.Ok, self._window)
        box.setObjectName("RecordingStoppedBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not modal to the loop: the session goes on

    @Slot()
    def update_status(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        self.label.setStyleSheet("color: #b00000; font-weight: bold;")
        self.label.setText(arg(self.tr("● REC %1 · %2"), human_size(recorder.bytes_written),
                               duration_text(recorder.duration)))
        self.label.setToolTip(arg(self.tr("Recording to %1 (stops at %2)"), str(recorder.path),
                                  human_size(recorder.limit)))
        self.label.show()

    def finished_capture(self) -> Path | None:
        """The last recording's file, when it is finished and was not stopped by its limit
        (then it holds every byte of the session it recorded); None otherwise."""
        if self.recorder is not None or self.last_path is None or self._stop_text:
            return None
        return self.last_path

    # -- the preference -----------------------------------------------------------------
    @Slot()
    def choose_limit(self) -> None:
        value, ok = QInputDialog.getDouble(self._window, self.tr("Recording Size Limit"),
                                           self.tr("Stop recording when the file reaches (MB):"),
                                           limit_mb(), 0.1, 1024.0 * 1024, 1)
        if ok:
            set_limit_mb(value)


def set_limit_mb(value: float) -> None:
    QSettings().setValue(LIMIT_KEY, float(value))

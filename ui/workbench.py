"""Start the workbench: QApplication, the Qt-integrated asyncio loop, the main window."""

from __future__ import annotations

import asyncio
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

APP_NAME = "Socket Workbench"
ORGANISATION = "SocketWorkbench"


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName(APP_NAME)
    from ui.icons import icon

    app.setWindowIcon(icon("app"))
    return app


def no_display_reason() -> str | None:
    """Why no window can open here, or None. Qt itself would abort the process."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("socket-workbench: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset). "
            "Run it on a desktop, under xvfb-run, or headless with: socket-workbench run FORM")


def run_workbench(form_path: str | None = None) -> int:
    """Open the main window (with ``form_path`` if given) and run until it closes."""
    from app.core.file_limit import raise_file_limit
    from app.core.gc_tuning import freeze_startup_objects, tune_for_events
    from app.qt.event_loop import new_event_loop

    reason = no_display_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    if form_path and not os.path.exists(form_path):
        print(f"socket-workbench: no such form file: {form_path}", file=sys.stderr)
        return 2

    raise_file_limit()
    app = make_application()
    from app.qt.translations import install

    install()  # the system's language, or View > Language's choice
    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    from ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    tune_for_events()
    freeze_startup_objects()
    if form_path:
        # after the loop runs, over the window: a damaged file is reported there and nothing is
        # activated (the bar over the form offers what was saved active)
        QTimer.singleShot(0, lambda: window.open_form(form_path))
    try:
        loop.run_forever()
    finally:
        loop.close()
    return 0

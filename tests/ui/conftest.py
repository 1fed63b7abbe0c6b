"""Fixtures for the window's tests: realistic observer records built without an engine, the live
engine (``host``), and the real main window (``window``)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings, QTimer

from app.core.engine_thread import NetworkMode
from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.observer import EventRecord
from tests.app.test_engine_host import host  # noqa: F401 - a fixture: a live engine on a qasync loop
from ui.main_window import MainWindow


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The live engine (``host``) runs on the GUI loop; a module marked
    ``both_network_modes`` runs each test on the engine thread too (Run > Network)."""
    if "network_mode" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_network_modes") is not None
        modes = list(NetworkMode) if both else [NetworkMode.GUI_LOOP]
        metafunc.parametrize("network_mode", modes, ids=[m.value for m in modes])

_T0 = time.monotonic()


def make_record(i: int = 0, *, component: str = "ServerSocket1", event: str = "OnClientRead",
                connection_id: int = 1, peer: str = "127.0.0.1:50123", preview: bytes = b"",
                byte_count: int | None = None, error: ErrorInfo | None = None, detail: str = "",
                thread: str = "MainThread", t: float | None = None) -> EventRecord:
    return EventRecord(
        time=_T0 + i * 0.001 if t is None else t,
        component=component, event=event, connection_id=connection_id, peer=peer, thread=thread,
        byte_count=len(preview) if byte_count is None else byte_count, preview=preview,
        error=error, detail=detail)


REFUSED = ErrorInfo(ErrorEvent.CONNECT, 111, "ECONNREFUSED", 10061, "Connection refused")


def varied_records(n: int) -> list[EventRecord]:
    """A log's worth of different events: connects, text and binary reads, sends, errors."""
    out: list[EventRecord] = []
    for i in range(n):
        conn = 1 + i % 7
        peer = f"127.0.0.1:{50100 + conn}"
        kind = i % 10
        if kind == 0:
            out.append(make_record(i, event="OnClientConnect", connection_id=conn, peer=peer))
        elif kind in (1, 2, 3):
            out.append(make_record(i, connection_id=conn, peer=peer,
                                   preview=f"GET /item/{i} HTTP/1.1\r\nHost: x\r\n".encode()))
        elif kind == 4:
            out.append(make_record(i, event="Send", connection_id=conn, peer=peer,
                                   preview=bytes(range(i % 200, i % 200 + 40)), byte_count=4096))
        elif kind == 5:
            out.append(make_record(i, component="ClientSocket1", event="OnConnecting", connection_id=0,
                                   peer="", detail="connecting to localhost:9\nsecond line"))
        elif kind == 6:
            out.append(make_record(i, component="ClientSocket1", event="OnError", connection_id=0,
                                   peer="127.0.0.1:9", error=REFUSED))
        elif kind == 7:
            out.append(make_record(i, event="HandlerError", connection_id=conn, peer=peer,
                                   detail="Traceback (most recent call last):\n  File \"unit.py\", "
                                          "line 3, in on_read\nValueError: bad frame"))
        elif kind == 8:
            out.append(make_record(i, component="ClientSocket1", event="OnRead", connection_id=5,
                                   peer="", preview="héllo wörld\tüñí\x00\x7f".encode()))
        else:
            out.append(make_record(i, event="OnClientDisconnect", connection_id=conn, peer=peer))
    return out


# (the qasync `qloop` fixture lives in tests/conftest.py)


# -- Object Inspector ------------------------------------------------------------------------
@pytest.fixture
def inspector_form(qapp):
    """An empty FormModel."""
    from app.qt.form_model import FormModel

    return FormModel()


@pytest.fixture
def inspector_engine(qloop, qtbot, inspector_form):
    """A real EngineHost on the qasync loop; every component is closed afterwards."""
    from app.qt.engine_host import EngineHost
    from components.observer import ObserverStream

    engine = EngineHost(inspector_form, ObserverStream())
    yield engine
    engine.shutdown()


# -- Form designer and palette ------------------------------------------------------------------
def _socket_fds() -> set[int]:
    import os

    try:
        fds = os.listdir("/proc/self/fd")
    except FileNotFoundError:  # not Linux: nothing to wait for
        return set()
    found = set()
    for name in fds:
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                found.add(int(name))
        except OSError:
            pass
    return found


@pytest.fixture
def designer_model(qapp):
    """An empty FormModel for the designer tests."""
    from app.qt.form_model import FormModel

    return FormModel()


@pytest.fixture
def designer_palette(qtbot):
    """A ComponentPalette (not shown)."""
    from ui.palette import ComponentPalette

    palette = ComponentPalette()
    qtbot.addWidget(palette)
    return palette


@pytest.fixture
def designer_view(qtbot, designer_model, designer_palette):
    """A FormDesigner over ``designer_model`` without an engine, shown at 720 x 560."""
    from ui.form_designer import FormDesigner

    view = FormDesigner(designer_model, None, designer_palette)
    qtbot.addWidget(view)
    view.resize(720, 560)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def designer_engine(qloop, qtbot, designer_model):
    """A real EngineHost on the qasync loop. Afterwards every component is closed and the
    test waits (spinning the loop) until each socket opened meanwhile is closed too."""
    from app.qt.engine_host import EngineHost
    from components.observer import ObserverStream

    before = _socket_fds()
    engine = EngineHost(designer_model, ObserverStream())
    yield engine
    engine.shutdown()
    qtbot.waitUntil(lambda: not _socket_fds() - before, timeout=3000)


@pytest.fixture
def designer_live_view(qtbot, designer_model, designer_engine, designer_palette):
    """A FormDesigner over ``designer_model`` with the real ``designer_engine``."""
    from ui.form_designer import FormDesigner

    view = FormDesigner(designer_model, designer_engine, designer_palette)
    qtbot.addWidget(view)
    view.resize(720, 560)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def window(qloop, qtbot, tmp_path, monkeypatch):
    """The real MainWindow, shown, with settings of its own; closed clean, no timer left."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    w = MainWindow()  # not qtbot.addWidget: its teardown would close it before we mark it clean
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.engine.deactivate_all()
    w.model.undo_stack.setClean()  # closing must not ask about unsaved changes
    w.close()
    assert [(t.parent().__class__.__name__, t.interval()) for t in w.findChildren(QTimer) if t.isActive()] == []
    w.deleteLater()
    qtbot.wait(1)

"""Shared fixtures: nothing a test starts may outlive it.

Every test is checked for threads and file descriptors it leaves behind. The
engine's own worker threads end when their component closes; a test that
forgets to close one fails here, not three tests later.
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest


def _open_fds() -> set[int]:
    try:
        return {int(n) for n in os.listdir("/proc/self/fd")}
    except FileNotFoundError:  # not Linux: nothing to compare
        return set()


def _fd_target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "?"


# Threads that belong to the test tools, not to the code under test.
_IGNORED_THREAD_PREFIXES = ("pytest_timeout", "QThread", "asyncio_", "Dummy-")


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """Each test gets its own configuration folder (the trust store lives there), so no
    test reads or changes the user's, and no test sees what another trusted."""
    folder = tmp_path / "config"
    monkeypatch.setenv("SOCKET_WORKBENCH_CONFIG", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_leaks(request):
    threads_before = set(threading.enumerate())
    fds_before = _open_fds()
    yield
    deadline = time.monotonic() + 3.0
    while True:
        extra = [t for t in threading.enumerate()
                 if t not in threads_before and t.is_alive()
                 and not t.name.startswith(_IGNORED_THREAD_PREFIXES)]
        sockets = [fd for fd in _open_fds() - fds_before if _fd_target(fd).startswith("socket:")]
        if (not extra and not sockets) or time.monotonic() > deadline:
            break
        time.sleep(0.02)  # only while something is still winding down
    assert not extra, f"test left threads running: {[t.name for t in extra]}"
    assert not sockets, f"test left sockets open: {[_fd_target(fd) for fd in sockets]}"


@pytest.fixture
def qloop(qapp, qtbot):
    """The GUI's loop (app.qt.event_loop: qasync's outside, one notifier for every socket)
    installed as the running loop but never started (QT_TESTING.md 2.2,
    style A): qtbot's waits spin Qt, which drives the loop's timers and socket notifiers.
    Never call run_until_complete on it; use ``qtbot.waitUntil``."""
    import asyncio

    from app.qt.event_loop import new_event_loop

    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    problems: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=3000)
        qtbot.wait(1)  # run the callbacks the cancellations scheduled
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        loop.close()
    real = [c for c in problems if not isinstance(c.get("exception"), asyncio.CancelledError)]
    assert not real, f"the asyncio loop reported errors: {real}"

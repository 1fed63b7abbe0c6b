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

"""Telling whether a process is blocked writing to a pipe, for the tests of output that
must not hold anything up.

A pipe's fill level can't tell: a write that does not fit in the last, partly read or
partly written page waits for a whole free page, so a blocked pipe may hold less than
its size. The kernel's wait channel of each thread (/proc/PID/task/TID/wchan) says it
exactly: ``pipe_write`` (``anon_pipe_write`` on newer kernels).
"""

from __future__ import annotations

import fcntl
import functools
import os
import sys
import threading
import time
from pathlib import Path

import pytest

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="uses Linux pipe sizes and /proc wait channels")


def shrink_pipe(fd: int) -> None:
    """One page of pipe, so that a reader that stops reading blocks the writer quickly."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)
    except OSError:
        pass  # more than a page is in it already: it only takes longer to fill


def _channel(pid: int | str, tid: int | str) -> str:
    try:
        return Path(f"/proc/{pid}/task/{tid}/wchan").read_text()
    except OSError:
        return ""  # the thread just ended


def in_pipe_write(pid: int | str = "self", tid: int | None = None) -> bool:
    """Whether thread ``tid`` of process ``pid`` (any of its threads if None) sleeps in a
    pipe write."""
    require_wait_channels()
    tids = [tid] if tid is not None else os.listdir(f"/proc/{pid}/task")
    return any(_channel(pid, t).endswith("pipe_write") for t in tids)


@functools.cache
def _wait_channels_work() -> bool:
    read_fd, write_fd = os.pipe()
    thread = threading.Thread(target=lambda: os.write(write_fd, b"x" * (1 << 20)), name="wchan probe")
    try:
        thread.start()
        deadline = time.monotonic() + 5
        while not _channel("self", thread.native_id).endswith("pipe_write"):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
    finally:
        os.set_blocking(read_fd, False)
        while thread.is_alive():
            try:
                os.read(read_fd, 1 << 20)
            except BlockingIOError:
                time.sleep(0.001)
        thread.join()
        os.close(read_fd)
        os.close(write_fd)


def require_wait_channels() -> None:
    if not _wait_channels_work():
        pytest.skip("this kernel does not show wait channels in /proc/PID/task/TID/wchan")


def wait_until(condition, timeout: float) -> bool:
    """Poll ``condition`` (no event exists for another process's wait channel)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True

"""A form served headless (``socket-workbench run FORM``) for the replay and mock tests."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from .command import CLI
from .sessions import ROOT, stop
from .test_runner import LineReader, free_port, start_run


@contextlib.contextmanager
def serving(form: Path, server: str, *settings: str) -> Iterator[int]:
    """Runs ``form`` with its ServerSocket ``server`` on a free port (and the extra
    ``--set`` settings); yields the port once it listens; stops it with SIGINT. A replay
    that fails may close while the server writes: the socket errors that gives are allowed."""
    port = free_port()
    proc = start_run(str(form), "--json", f"--set={server}.Port={port}", *settings)
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"OnListen"' in line)
        yield port
    finally:
        stop(proc, reader, socket_errors_ok=True)


def cli(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)

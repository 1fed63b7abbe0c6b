"""Reading a form or .dfm file that a user named: a regular file, and not too big.

A path can name anything. ``/dev/zero`` never ends, so reading it fills memory;
a FIFO blocks the reader until someone writes to it, which would hang the
runner or the window; a directory cannot be read at all. And a valid form of
hundreds of megabytes takes many times its size in memory to parse. So every
form and .dfm file goes through ``read_form_file``, which refuses, before
reading a byte:

* anything that is not a regular file (directory, FIFO, device, socket);
* a file larger than ``MAX_FORM_BYTES`` (64 MiB: real forms are kilobytes, the
  largest .dfm with embedded pictures a few megabytes).

The kind is checked with ``os.stat`` before opening, and again with
``os.fstat`` on the open descriptor, which is opened with ``O_NONBLOCK``: if the
path is swapped for a FIFO in between, the open returns at once instead of
waiting for a writer, and the second check refuses it. Reading stops one byte
past the limit, so a file that grows while it is read is refused too, never
read whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FORM_BYTES = 64 * 1024 * 1024

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class FileRefused(Exception):  # noqa: N818 - reads as what happened
    """A file that is not read at all: not a regular file, or over the size limit."""


def _not_regular(mode: int) -> str:
    """What the file is, when it is not a regular file; "" when it is one."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(path: Path, status: os.stat_result, limit: int) -> None:
    kind = _not_regular(status.st_mode)
    if kind:
        raise FileRefused(f"{path} is {kind}, not a file; only regular files can be opened")
    if status.st_size > limit:
        raise FileRefused(f"{path.name} is {_mib(status.st_size)}; forms and .dfm files are limited to "
                          f"{_mib(limit)}")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size % (1024 * 1024) else f"{size // (1024 * 1024)} MiB"


def read_form_file(path: Path, limit: int = MAX_FORM_BYTES) -> bytes:
    """The bytes of ``path``; FileRefused for what is not a regular file or is over
    ``limit`` bytes, OSError when it can't be opened or read."""
    _check(path, os.stat(path), limit)
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        status = os.fstat(descriptor)
        _check(path, status, limit)
        chunks: list[bytes] = []
        remaining = limit + 1
        want = min(remaining, status.st_size + 1)  # usually the whole file in one read
        while remaining > 0:
            chunk = os.read(descriptor, min(want, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            want = 1024 * 1024
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileRefused(f"{path.name} grew past {_mib(limit)} while it was read; forms and .dfm files "
                          f"are limited to {_mib(limit)}")
    return data

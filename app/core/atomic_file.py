"""Writing a file so that nothing is ever half written, and nothing is written through
a link by surprise.

Form files, units, exported .dfm files and the trust store all go through
``write_atomically``: a crash, a full disk or a power cut leaves either the old
file or the new one. The new content goes to a temporary file in the target's
own folder, which is renamed over the target; a rename replaces a directory
entry and never follows a link, so the only link ever followed is one this
module decides to follow:

* a symlink to an existing file (a form kept in a dotfiles repository, say) is
  written as editors write it: the file it points to is replaced, the link kept;
* a dangling symlink is refused (``LinkRefused``): writing through it would
  create a file wherever it points, possibly far outside the folder the user
  chose;
* ``create_only=True`` is for files a command writes on its own, beside the one
  it was asked to write (``convert``'s handler stubs): it writes only where
  nothing is, not even a link, and the check and the creation are one step (the
  temporary file is hard-linked into place), so a link or file that appears in
  between is never overwritten or followed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


class LinkRefused(OSError):  # noqa: N818 - reads as what happened
    """A target that is a symlink this write will not follow."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ELOOP, message)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes, *, create_only: bool = False, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a
    part: a temporary file in the same folder, synced, then renamed over the target. The
    file keeps its permissions, or gets ``mode`` (0o600 for a private key: the temporary
    file is 0600 from its creation, so the bytes are never readable by others). See the
    module docstring for symlinks; ``create_only`` raises FileExistsError when anything is
    at ``path`` already."""
    target = path
    if path.is_symlink():
        if create_only:
            raise FileExistsError(errno.EEXIST, f"{path} is a symbolic link", str(path))
        target = path.resolve()
        if not target.exists():
            raise LinkRefused(f"{path} is a symbolic link to {target}, which does not exist; not creating a "
                              "file through it")
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        if create_only:
            _link_into_place(temporary, target)
        else:
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself survive a power cut
        with contextlib.suppress(OSError):
            folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


def _link_into_place(temporary: str, target: Path) -> None:
    """Give the temporary file the target's name only if the name is free (link, then unlink)."""
    try:
        os.link(temporary, target, follow_symlinks=False)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, f"{target} exists already", str(target)) from None
    except OSError:
        # no hard links on this file system (FAT, some network shares): check, then rename
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, f"{target} exists already", str(target)) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)

"""Which files a form's built-in actions may read: Send file's path rules.

A form from someone else is a program, and *Send file* hands a file to whoever
connects. So the path an action names is not taken as it stands:

* a relative path is resolved against the form's own folder, never the current
  directory: a form serves its own files wherever it is run from;
* unless the user trusts the form (app.core.trust, by the form file's content hash:
  in the workbench File > Trust This Form, headless ``run --trust``), an
  absolute path is refused, and so is every path that leads outside the form's
  folder once ``..`` and symlinks are resolved: ``../../etc/passwd``, or a link
  inside the folder that points out of it;
* a form that was never saved has no folder, so its relative paths are
  refused until it is saved;
* only regular files are sent (a FIFO would block the event loop, a device may
  never end), opened without blocking and checked on the open descriptor.

The rules are checked each time the action runs, on the path as it is then (a
link may change while a form runs). A refusal raises PathRefused with the
sentence the user reads: which path, why, and how to allow it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class PathRefused(PermissionError):  # noqa: N818 - reads as what happened
    """A path an action may not open; ``str()`` says which, why and how to allow it.
    ``trust_allows`` says whether trusting the form would allow it."""

    def __init__(self, message: str, trust_allows: bool) -> None:
        super().__init__(message)
        self.trust_allows = trust_allows

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class FileAccess:
    """The files one form's actions may open (see the module docstring)."""

    #: the form's folder; None for a form that was never saved
    folder: Path | None
    #: the user trusts this form: its actions may open any path
    trusted: bool = False
    #: how the user trusts a form, where the refusal is read ("run it with --trust")
    how_to_trust: str = "trust the form"

    @classmethod
    def for_form(cls, form_path: Path | None, trusted: bool, how_to_trust: str) -> FileAccess:
        folder = Path(os.path.abspath(form_path)).parent if form_path is not None else None
        return cls(folder, trusted, how_to_trust)

    def resolve(self, argument: str) -> Path:
        """The real path ``argument`` names, symlinks resolved; PathRefused if it may not be opened."""
        given = Path(argument)
        if given.is_absolute():
            if not self.trusted:
                raise PathRefused(f"{argument} is an absolute path, and this form is not trusted to read "
                                  f"files outside its own folder; to allow it, {self.how_to_trust}", True)
            return Path(os.path.realpath(given))
        if self.folder is None:
            raise PathRefused(f"{argument} is relative to the form's folder, and the form has not been saved "
                              "yet; save it first", False)
        folder = Path(os.path.realpath(self.folder))
        real = Path(os.path.realpath(folder / given))
        if not self.trusted and not real.is_relative_to(folder):
            raise PathRefused(f"{argument} leads outside the form's folder {folder} (to {real}); to allow it, "
                              f"{self.how_to_trust}", True)
        return real

    def needs_trust(self, argument: str) -> bool:
        """Whether trusting the form is what it takes for ``argument`` to be opened."""
        try:
            self.resolve(argument)
        except PathRefused as refused:
            return refused.trust_allows
        return False

    def open(self, argument: str) -> BinaryIO:
        """``argument``'s file, open for reading; PathRefused, or OSError if it can't be opened."""
        real = self.resolve(argument)
        # realpath left no link in the last part; one that appears now is a race, refused
        flags = _OPEN_FLAGS | (0 if self.trusted else getattr(os, "O_NOFOLLOW", 0))
        descriptor = os.open(real, flags)
        try:
            mode = os.fstat(descriptor).st_mode
            if not stat.S_ISREG(mode):
                raise PathRefused(f"{argument} is not a regular file; Send file sends files", False)
            return os.fdopen(descriptor, "rb")
        except BaseException:
            os.close(descriptor)
            raise

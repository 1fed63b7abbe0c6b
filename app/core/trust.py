"""What the user has agreed to run, remembered by content hash: form units, and forms
whose actions may reach files outside their own folder.

Opening a form never runs its unit. The first time a unit would run, the
workbench asks (the headless runner wants ``--trust``); the answer is stored
under the SHA-256 of the file's bytes, so an edited file (by anyone, including
the user in the editor) is asked about again, while the same file moved
elsewhere is still trusted.

The store is one small JSON file in the user's configuration folder, shared by
the workbench and ``socket-workbench run`` (which never loads Qt):
``$SOCKET_WORKBENCH_CONFIG/trust.json`` when that variable is set, otherwise
``$XDG_CONFIG_HOME/socket-workbench/trust.json`` (``~/.config/...``). A damaged
or unreadable store trusts nothing; it is never a reason to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from app.core.atomic_file import write_atomically

FILE_NAME = "trust.json"
FORMAT = "socket-workbench-trust"
#: A store bigger than this is not read (it is not ours, or it is an attack).
MAX_STORE_BYTES = 8 * 1024 * 1024


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_dir() -> Path:
    explicit = os.environ.get("SOCKET_WORKBENCH_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "socket-workbench"


def default_store_path() -> Path:
    return config_dir() / FILE_NAME


class TrustStore:
    """Content hashes the user trusts, with the path each was trusted at (for people to read)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_store_path()

    # -- the file --------------------------------------------------------------
    def _read(self) -> dict[str, str]:
        try:
            if self.path.stat().st_size > MAX_STORE_BYTES:
                return {}
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        trusted = data.get("trusted")
        if not isinstance(trusted, dict):
            return {}
        return {k: v for k, v in trusted.items() if isinstance(k, str) and isinstance(v, str)}

    def _write(self, trusted: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "version": 1, "trusted": trusted}, indent=2, ensure_ascii=False)
        write_atomically(self.path, (text + "\n").encode("utf-8"))

    # -- questions ---------------------------------------------------------------
    def is_trusted(self, path: Path) -> bool:
        """Whether the file's current content was trusted (False if it can't be read)."""
        try:
            digest = content_hash(path.read_bytes())
        except OSError:
            return False
        return digest in self._read()

    def is_trusted_source(self, source: bytes) -> bool:
        return content_hash(source) in self._read()

    def is_trusted_digest(self, digest: str) -> bool:
        """Whether the content with this SHA-256 (app.core.form_document keeps it for a loaded form) is trusted."""
        return bool(digest) and digest in self._read()

    # -- answers -----------------------------------------------------------------
    def answer(self, path: Path, trusted: bool) -> None:
        """Remember the user's answer for the file's current content."""
        self._set(content_hash(path.read_bytes()), path, trusted)

    def trust_source(self, path: Path, source: bytes) -> None:
        """The user saved this content themselves in the editor: it needs no question."""
        self._set(content_hash(source), path, True)

    def answer_digest(self, digest: str, path: Path, trusted: bool) -> None:
        """Remember the answer for the content with this SHA-256: the bytes a form was loaded
        from or saved as, not whatever the file holds by now."""
        if digest:
            self._set(digest, path, trusted)

    def _set(self, digest: str, path: Path, trusted: bool) -> None:
        stored = self._read()
        if trusted:
            stored[digest] = str(path)
        elif digest in stored:
            del stored[digest]
        else:
            return
        self._write(stored)

"""Which form units the user has agreed to run, remembered by content hash.

Opening a form never runs its unit. The first time a unit would run, the
workbench asks; the answer is stored under the SHA-256 of the unit's bytes, so
an edited unit (by anyone, including the user in the editor) is asked about
again, while the same file moved elsewhere is still trusted. QSettings keeps the
answers between sessions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QSettings

GROUP = "trustedUnits"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TrustStore:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings()

    def _key(self, digest: str) -> str:
        return f"{GROUP}/{digest}"

    def is_trusted(self, path: Path) -> bool:
        try:
            digest = content_hash(path.read_bytes())
        except OSError:
            return False
        return self.settings.value(self._key(digest)) is not None

    def answer(self, path: Path, trusted: bool) -> None:
        """Remember the user's answer for the unit's current content."""
        digest = content_hash(path.read_bytes())
        if trusted:
            self.settings.setValue(self._key(digest), str(path))
        else:
            self.settings.remove(self._key(digest))

    def trust_source(self, path: Path, source: bytes) -> None:
        """The user saved this content themselves in the editor: it needs no question."""
        self.settings.setValue(self._key(content_hash(source)), str(path))

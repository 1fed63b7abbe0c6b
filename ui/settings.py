"""Reading preferences back from QSettings as the types they were written as.

QSettings keeps a list in an INI file (or the registry) as text, and from the next
session on it hands a one-item list back as a plain string and an empty one as
None; within the session that wrote it, its cache still returns the list, which is
why the difference only shows after a restart. Every list of strings is read here.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings


def read_string_list(settings: QSettings, key: str) -> list[str]:
    """The strings stored under ``key`` ([] when none, never the letters of one)."""
    value = settings.value(key)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str) and item]
    return []

"""The texts components/ and app/core/ declare as data, translated for display.

Those layers never import Qt, so their descriptions are plain strings; ``python -m
app.qt.translations update`` lists them for pyside6-lupdate under the contexts used
here. VCL names (Active, OnClientRead, ctNonBlocking) are identifiers and never go
through here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.qt.translations import METADATA, PALETTE
from components import Component, EventSpec, PropertySpec


def description(item: PropertySpec | EventSpec | type[Component]) -> str:
    """A property's, an event's or a component class's description, in the UI language."""
    text = item.description
    return QCoreApplication.translate(METADATA, text) if text else ""


def palette_tab(name: str) -> str:
    return QCoreApplication.translate(PALETTE, name) if name else ""

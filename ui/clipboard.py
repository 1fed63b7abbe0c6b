"""Components on the clipboard: copy, cut and paste between forms and windows.

What goes on the clipboard is a complete form file holding only the copied
components, under ``MIME_COMPONENTS`` and again as text/plain. Reusing the form
file format means a paste is validated exactly as opening a file is (types,
names, property values, handler bindings), and the text is useful elsewhere:
paste it into an editor and it is a valid ``.sockform``; paste a form file's
text into the designer and its components arrive.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QMimeData
from PySide6.QtGui import QGuiApplication

from app.core.form_document import FORMAT, ComponentEntry, FormDocument, FormFileError
from app.qt.form_model import GRID, FormModel
from app.qt.i18n import arg

MIME_COMPONENTS = "application/x-socket-workbench-components"
#: how a form file's text gives itself away, before it is parsed
_FORM_MARK = f'"{FORMAT}"'
#: how far a paste lands from the copied components, down and right
PASTE_STEP = 2 * GRID



def mime_for(entries: Iterable[ComponentEntry], source: FormDocument | None = None) -> QMimeData:
    """Clipboard data for ``entries`` (copies: later edits of the form don't reach it)."""
    doc = FormDocument(components=[e.copy() for e in entries])
    if source is not None:
        # The source form's own name can't clash with any of its components' names,
        # which a file must guarantee to load again.
        doc.name, doc.caption, doc.width, doc.height = (source.name, source.caption, source.width,
                                                        source.height)
    text = doc.to_json()
    mime = QMimeData()
    mime.setData(MIME_COMPONENTS, text.encode("utf-8"))
    mime.setText(text)
    return mime


def has_components(mime: QMimeData | None) -> bool:
    """Whether a paste could bring components (cheap: doesn't validate plain text)."""
    if mime is None:
        return False
    if mime.hasFormat(MIME_COMPONENTS):
        return True
    return mime.hasText() and _FORM_MARK in mime.text()


def entries_from(mime: QMimeData | None) -> list[ComponentEntry]:
    """Fresh entries (new uids) from clipboard data; [] if it holds no components.

    Raises ValueError with the form file's explanation when the data claims to be
    components but is damaged or invalid.
    """
    if mime is None:
        return []
    if mime.hasFormat(MIME_COMPONENTS):
        text = bytes(mime.data(MIME_COMPONENTS).data()).decode("utf-8", "replace")
    elif mime.hasText() and _FORM_MARK in mime.text():
        text = mime.text()
    else:
        return []
    try:
        return FormDocument.from_json(text, "the clipboard").components
    except FormFileError as exc:
        raise ValueError(str(exc)) from None


def copy_components(model: FormModel) -> bool:
    """Put the model's selected components on the clipboard; False when none is selected."""
    selected = set(model.selection())
    entries = [e for e in model.entries() if e.uid in selected]  # in z-order, not click order
    if not entries:
        return False
    QGuiApplication.clipboard().setMimeData(mime_for(entries, model.document))
    return True


def paste_components(model: FormModel) -> list[int]:
    """Add the clipboard's components to the model as one undo step; their uids.

    They land PASTE_STEP down and right of where they were copied (further while a
    copy would sit exactly on a component, so pasting twice fans out), take free
    names, and arrive inactive: an active copy would start at once and fight the
    original for its port. ValueError says, for the user, why nothing was pasted.
    """
    try:
        entries = entries_from(QGuiApplication.clipboard().mimeData())
    except ValueError as exc:
        raise ValueError(arg(QCoreApplication.translate("Clipboard", "Can't paste: %1"), str(exc))) from None
    if not entries:
        raise ValueError(QCoreApplication.translate("Clipboard", "The clipboard holds no components to paste"))
    taken = {(e.x, e.y) for e in model.entries()}
    offset = PASTE_STEP
    while (entries[0].x + offset, entries[0].y + offset) in taken and offset < 100 * PASTE_STEP:
        offset += PASTE_STEP
    for entry in entries:
        entry.x += offset
        entry.y += offset
        entry.take_active()
    model.add_entries(entries, QCoreApplication.translate("Clipboard", "Paste"))
    return [e.uid for e in entries]

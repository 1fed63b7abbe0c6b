"""The component palette: the IDE's tabbed strip of components to put on a form.

Each registered component class gets an icon button on the tab named by its
``palette_tab`` ("Internet"). A button offers two ways to place its component,
as the IDE did:

* drag it onto the form: a QDrag carrying ``MIME_COMPONENT`` with the class
  name, which the form designer accepts;
* click it, then click the form: the click *arms* placement (the button stays
  down, ``placementArmed`` says which class). The designer places on the next
  click and disarms, unless Shift is held. Esc, the arrow tool, or clicking the
  armed button again disarms.

The armed class lives here, in one place; the designer only listens.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.i18n import arg
from components import Component, component_classes
from ui import icons
from ui.metadata_text import description, palette_tab
from ui.retranslate import is_language_change
from ui.tab_style import show_whole_tab_text

#: what a palette drag carries: the component's class name, UTF-8
MIME_COMPONENT = "application/x-socket-workbench-component"
BUTTON_ICON = 28



def component_from_mime(mime: QMimeData) -> str:
    """The class name a palette drag carries, or "" when it carries none we know."""
    if not mime.hasFormat(MIME_COMPONENT):
        return ""
    name = bytes(mime.data(MIME_COMPONENT).data()).decode("utf-8", "replace").strip()
    return name if name in component_classes() else ""


class PaletteButton(QToolButton):
    """One component's button: click arms placement, drag starts a palette drag."""

    def __init__(self, palette: ComponentPalette, cls: type[Component]) -> None:
        super().__init__()
        self.component_palette = palette
        self.type_name = cls.__name__
        self._press_pos: QPoint | None = None
        self.setObjectName(f"palette{cls.__name__}")
        self.setIcon(icons.icon(cls.__name__))
        self.setIconSize(QSize(BUTTON_ICON, BUTTON_ICON))
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName(cls.__name__)
        self.component_class = cls
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        cls = self.component_class
        tip = arg(QCoreApplication.translate("ComponentPalette", "%1 — %2"), cls.__name__, description(cls))
        self.setToolTip(tip)
        self.setStatusTip(tip)
        self.setAccessibleDescription(description(cls))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._press_pos
        if (start is not None and event.buttons() & Qt.MouseButton.LeftButton
                and (event.position().toPoint() - start).manhattanLength()
                >= QApplication.startDragDistance()):
            self._press_pos = None
            # Un-press first: the release that ends the gesture must not count as a click.
            self.setDown(False)
            self.component_palette.start_drag(self.type_name, self)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press_pos = None
        super().mouseReleaseEvent(event)


class ComponentPalette(QWidget):
    """A tab per palette page, each a row of component buttons led by the arrow tool."""

    placementArmed = Signal(str)  # the class name armed for click-to-place, "" when disarmed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._armed = ""
        self._buttons: dict[str, PaletteButton] = {}
        self._pointers: list[QToolButton] = []
        self.last_drag_result = Qt.DropAction.IgnoreAction
        self.tabs = QTabWidget(self)
        show_whole_tab_text(self.tabs.tabBar())
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        pages: dict[str, list[type[Component]]] = {}
        for cls in component_classes().values():
            if cls.palette_tab:
                pages.setdefault(cls.palette_tab, []).append(cls)
        self._tab_names = list(pages)
        for classes in pages.values():
            self.tabs.addTab(self._page(classes), "")
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        for index, name in enumerate(self._tab_names):
            self.tabs.setTabText(index, palette_tab(name))
        for pointer in self._pointers:
            pointer.setToolTip(self.tr("Select — select and move components on the form"))
            pointer.setAccessibleName(self.tr("Select"))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _page(self, classes: list[type[Component]]) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(4, 3, 4, 3)
        row.setSpacing(2)
        pointer = QToolButton()
        pointer.setObjectName("palettePointer")
        pointer.setIcon(icons.icon("pointer"))
        pointer.setIconSize(QSize(BUTTON_ICON, BUTTON_ICON))
        pointer.setCheckable(True)
        pointer.setChecked(True)
        pointer.setAutoRaise(True)
        pointer.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        pointer.clicked.connect(self.disarm)
        self._pointers.append(pointer)
        row.addWidget(pointer)
        for cls in classes:
            button = PaletteButton(self, cls)
            button.clicked.connect(lambda checked, name=cls.__name__: self._clicked(name, checked))
            self._buttons[cls.__name__] = button
            row.addWidget(button)
        row.addStretch(1)
        return page

    # -- reading -------------------------------------------------------------
    def button(self, type_name: str) -> PaletteButton:
        return self._buttons[type_name]

    def buttons(self) -> dict[str, PaletteButton]:
        return dict(self._buttons)

    def armed(self) -> str:
        """The class armed for click-to-place, or ""."""
        return self._armed

    # -- click to place --------------------------------------------------------
    def arm(self, type_name: str) -> None:
        if type_name and type_name not in self._buttons:
            raise KeyError(f"no palette button for {type_name!r}")
        if type_name == self._armed:
            self._show_armed()
            return
        self._armed = type_name
        self._show_armed()
        self.placementArmed.emit(type_name)

    def disarm(self) -> None:
        self.arm("")

    def _clicked(self, type_name: str, checked: bool) -> None:
        self.arm(type_name if checked else "")

    def _show_armed(self) -> None:
        for name, button in self._buttons.items():
            button.setChecked(name == self._armed)
        for pointer in self._pointers:
            pointer.setChecked(not self._armed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._armed:
            self.disarm()
            return
        super().keyPressEvent(event)

    # -- dragging ----------------------------------------------------------------
    def mime_data(self, type_name: str) -> QMimeData:
        """What a drag of ``type_name`` carries (kept apart so tests can build one)."""
        if type_name not in self._buttons:
            raise KeyError(f"no palette button for {type_name!r}")
        mime = QMimeData()
        mime.setData(MIME_COMPONENT, type_name.encode("utf-8"))
        return mime

    def start_drag(self, type_name: str, source: QWidget | None = None) -> Qt.DropAction:
        """Drag ``type_name`` from the palette; returns what the drop did."""
        self.disarm()  # dragging is the other way to place: don't leave a click armed
        drag = QDrag(source or self)
        drag.setMimeData(self.mime_data(type_name))
        drag.setPixmap(icons.pixmap(type_name, 32, self.devicePixelRatioF()))
        # The designer puts the tile's top-left corner at the drop point, as the IDE did.
        drag.setHotSpot(QPoint(0, 0))
        # Started from a mouse-move handler, never from a coroutine: QDrag.exec runs a
        # nested loop that must not sit inside an asyncio task (QT_TESTING.md 1.4).
        self.last_drag_result = drag.exec(Qt.DropAction.CopyAction)
        return self.last_drag_result

"""A component's tile on the form designer, and the form scene the tiles sit on.

``ComponentTile`` draws one component: its icon in a box, its Name under it and
its live state (see ``tile_status``). A component the form was saved with
Active = True, and that has not been started since the form was opened, wears a
blue "start" badge (the banner over the form offers to activate them). ``FormScene`` is the form itself: a window
frame with the caption, and a client area dotted on the grid the tiles snap to.
``ui.form_designer.FormDesigner`` is the view that keeps them in step with the
FormModel.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.core.form_document import FormDocument
from app.qt.engine_host import TileState
from app.qt.form_model import GRID, snap
from app.qt.i18n import arg
from components import SocketState
from ui import icons
from ui.error_text import translated

BODY = 40  # a tile's square, in form pixels: five grid steps
ICON = 32
CAPTION = 24  # the form's title bar above its client area
MARGIN = 12  # desk shown around the form
TILE_HEIGHT = BODY + 20  # with the Name under it
NAME_MAX = 128  # longer names are elided (the tooltip has them whole)

DESK = QColor("#9aa1a9")
SURFACE = QColor("#f7f7f4")
GRID_DOT = QColor("#b3b3ab")
CAPTION_FILL = QColor("#dfe5ec")
FRAME = QColor("#6f7882")
STATUS_COLOURS = {"inactive": QColor("#9aa0a6"), "busy": QColor("#e39a0b"), "active": QColor("#1f9d55"),
                  "error": QColor("#d13438")}
BODY_TINTS = {"busy": QColor("#fff6e3"), "active": QColor("#eaf7ef"), "error": QColor("#fdecec")}
SAVED_ACTIVE = QColor("#2f6fba")  # the badge of a component saved active, not started (as the banner)



def tile_status(state: TileState) -> str:
    """What a tile shows: "inactive", "busy", "active" or "error"."""
    if state.state is SocketState.ERROR or (state.error and state.state is SocketState.INACTIVE):
        return "error"
    if state.state in (SocketState.LOOKUP, SocketState.CONNECTING):
        return "busy"
    if state.state in (SocketState.CONNECTED, SocketState.LISTENING):
        return "active"
    return "inactive"


def _state_text(state: TileState) -> str:
    # no plural rules without a translator loaded: spell out the English ones
    one = QCoreApplication.translate("FormDesigner", "Listening — %n connection", None, 1)
    many = QCoreApplication.translate("FormDesigner", "Listening — %n connections", None, state.connections)
    texts = {
        SocketState.INACTIVE: QCoreApplication.translate("FormDesigner", "Inactive"),
        SocketState.LOOKUP: QCoreApplication.translate("FormDesigner", "Looking up the host…"),
        SocketState.CONNECTING: QCoreApplication.translate("FormDesigner", "Connecting…"),
        SocketState.CONNECTED: QCoreApplication.translate("FormDesigner", "Connected"),
        SocketState.LISTENING: one if state.connections == 1 else many,
        SocketState.ERROR: QCoreApplication.translate("FormDesigner", "Error"),
    }
    if tile_status(state) == "error":
        return arg(QCoreApplication.translate("FormDesigner", "Error: %1"),
                   translated(state.error) if state.error else texts[SocketState.ERROR])
    return texts[state.state]


class ComponentTile(QGraphicsObject):
    """One component on the form: its icon in a box, its Name under it, its live state."""

    def __init__(self, uid: int, type_name: str, name: str, vcl_class: str, is_server: bool) -> None:
        super().__init__()
        self.uid, self.type_name, self.vcl_class, self.is_server = uid, type_name, vcl_class, is_server
        self.name = name
        self.state = TileState(SocketState.INACTIVE)
        self.saved_active = False  # saved with Active = True, not started since the form opened
        self.multi_selected = False  # grey handles, as the IDE showed a multi-selection
        self._hover = False
        self._placing = False  # set while the model positions the tile: no snapping then
        self._font = QApplication.font()
        self._metrics = QFontMetricsF(self._font)
        flag = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flag.ItemIsSelectable | flag.ItemIsMovable | flag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self._update_tooltip()

    # -- what it shows ---------------------------------------------------------
    @property
    def status(self) -> str:
        return tile_status(self.state)

    @property
    def badge_text(self) -> str:
        """The count for a listening server, "!" for an error, else ""."""
        if self.status == "error":
            return "!"
        if self.is_server and self.state.state is SocketState.LISTENING:
            return str(self.state.connections)
        return ""

    def set_name(self, name: str) -> None:
        if name != self.name:
            self.prepareGeometryChange()
            self.name = name
            self._update_tooltip()

    def set_state(self, state: TileState) -> None:
        if state != self.state:
            self.prepareGeometryChange()  # the badge may grow or vanish
            self.state = state
            self._update_tooltip()
            self.update()

    def set_saved_active(self, waiting: bool) -> None:
        if waiting != self.saved_active:
            self.prepareGeometryChange()
            self.saved_active = waiting
            self._update_tooltip()
            self.update()

    @property
    def shows_saved_active(self) -> bool:
        """The saved-active badge shows while the component waits, inactive, without an error."""
        return self.saved_active and self.status == "inactive"

    def set_multi_selected(self, multi: bool) -> None:
        if multi != self.multi_selected:
            self.multi_selected = multi
            self.update()

    def place(self, x: int, y: int) -> None:
        """Put the tile where the model says, exactly (a loaded form may be off-grid)."""
        self._placing = True
        try:
            self.setPos(x, y)
        finally:
            self._placing = False

    def form_resized(self) -> None:
        self.prepareGeometryChange()  # the Name keeps to the form's edges

    def _update_tooltip(self) -> None:
        waiting = ""
        if self.shows_saved_active:
            waiting = "<br>" + html.escape(self.tr(
                "Saved with Active = True; not started (activate it from the bar over the form, or press F9)"))
        self.setToolTip(f"<b>{html.escape(self.name)}</b>: {self.vcl_class}<br>"
                        f"{html.escape(_state_text(self.state))}{waiting}")

    # -- geometry ---------------------------------------------------------------
    def name_rect(self) -> QRectF:
        """Where the Name shows: centred under the box, but kept on the form at its edges."""
        width = min(self._metrics.horizontalAdvance(self.name), NAME_MAX) + 8
        left = (BODY - width) / 2
        scene = self.scene()
        if isinstance(scene, FormScene):
            left = max(min(left, scene.form.width - self.pos().x() - width), -self.pos().x())
        return QRectF(left, BODY + 3, width, self._metrics.height() + 2)

    def _badge_rect(self) -> QRectF:
        # centred on the box's top-right corner: the icons keep their own corners free of detail
        text = self.badge_text
        if not text:
            return QRectF(BODY + 1 - 8.5, -9.5, 17, 17) if self.shows_saved_active else QRectF()
        width = max(17.0, self._metrics.horizontalAdvance(text) + 10)
        return QRectF(BODY + 1 - width / 2, -9.5, width, 17)

    def boundingRect(self) -> QRectF:
        rect = QRectF(-5, -5, BODY + 10, BODY + 10).united(self.name_rect())
        badge = self._badge_rect()
        return (rect.united(badge) if badge.isValid() else rect).adjusted(-1, -1, 1, 1)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(QRectF(0, 0, BODY, BODY))
        path.addRect(self.name_rect())
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        change_kind = QGraphicsItem.GraphicsItemChange
        if change in (change_kind.ItemPositionChange, change_kind.ItemSceneChange):
            self.prepareGeometryChange()  # the Name's place depends on where the tile is
        scene = self.scene()
        if (change == change_kind.ItemPositionChange and not self._placing and isinstance(value, QPointF)
                and isinstance(scene, FormScene)):
            return QPointF(*scene.clamp(value.x(), value.y()))  # dragged tiles snap as they go
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event: object) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: object) -> None:
        self._hover = False
        self.update()

    # -- painting -----------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        status = self.status
        colour = STATUS_COLOURS[status]
        painter.setFont(self._font)  # the font the geometry was measured with
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#3c7fd1") if self._hover else QColor("#a3a8ae"), 1))
        painter.setBrush(BODY_TINTS.get(status, QColor("#ffffff")))
        painter.drawRoundedRect(QRectF(0.5, 0.5, BODY - 1, BODY - 1), 4, 4)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(QRectF((BODY - ICON) / 2, 2, ICON, ICON), icons.pixmap(self.type_name, ICON, ratio),
                           QRectF())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(5, BODY - 5, BODY - 10, 3), 1.5, 1.5)  # the state strip

        name = self.name_rect()
        painter.setBrush(QColor(SURFACE.red(), SURFACE.green(), SURFACE.blue(), 225))  # hides the dots
        painter.drawRoundedRect(name, 3, 3)
        painter.setPen(QColor("#1f2328"))
        text = self._metrics.elidedText(self.name, Qt.TextElideMode.ElideRight, NAME_MAX)
        painter.drawText(name, Qt.AlignmentFlag.AlignCenter, text)

        if self.isSelected():
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#8d8d8d") if self.multi_selected else QColor("#1a1a1a"))
            for x in (-2, BODY / 2, BODY + 2):
                for y in (-2, BODY / 2, BODY + 2):
                    if (x, y) != (BODY / 2, BODY / 2):
                        painter.drawRect(QRectF(x - 2.5, y - 2.5, 5, 5))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        badge = self._badge_rect()
        if badge.isValid() and not self.badge_text:
            paint_saved_active_badge(painter, badge)
        elif badge.isValid():
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, self.badge_text)


def paint_saved_active_badge(painter: QPainter, rect: QRectF) -> None:
    """The "saved active, not started" mark: a white start triangle on a blue disc (tiles, banner)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#ffffff"), 1.5))
    painter.setBrush(SAVED_ACTIVE)
    painter.drawEllipse(rect)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ffffff"))
    c, r = rect.center(), rect.width() / 17
    painter.drawPolygon(QPolygonF([QPointF(c.x() - 2.5 * r, c.y() - 4 * r), QPointF(c.x() - 2.5 * r, c.y() + 4 * r),
                                   QPointF(c.x() + 4 * r, c.y())]))
    painter.restore()


class FormScene(QGraphicsScene):
    """The form: a window frame with the caption, and a client area dotted every GRID px."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = FormDocument()
        dots = QPixmap(GRID, GRID)
        dots.fill(SURFACE)
        painter = QPainter(dots)
        painter.setPen(GRID_DOT)
        painter.drawPoint(0, 0)
        painter.end()
        self._grid = QBrush(dots)

    def set_form(self, form: FormDocument) -> None:
        self.form = form
        self.setSceneRect(-MARGIN, -CAPTION - MARGIN, form.width + 2 * MARGIN, form.height + CAPTION + 2 * MARGIN)
        for item in self.items():
            if isinstance(item, ComponentTile):
                item.form_resized()
        self.update()

    def form_rect(self) -> QRectF:
        return QRectF(0, 0, self.form.width, self.form.height)

    def clamp(self, x: float, y: float) -> tuple[int, int]:
        """(x, y) snapped to the grid, held where a tile and its Name fit on the form."""
        right = max(0, (self.form.width - BODY) // GRID * GRID)
        bottom = max(0, (self.form.height - TILE_HEIGHT) // GRID * GRID)
        return min(max(0, snap(round(x))), right), min(max(0, snap(round(y))), bottom)

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.fillRect(rect, DESK)
        client = self.form_rect()
        painter.setPen(QPen(FRAME, 1))
        painter.setBrush(CAPTION_FILL)
        painter.drawRect(client.adjusted(-1, -CAPTION - 1, 1, 1))
        painter.setPen(QColor("#1f2933"))
        title = QRectF(8, -CAPTION, client.width() - 16, CAPTION)
        text = QFontMetricsF(painter.font()).elidedText(self.form.caption, Qt.TextElideMode.ElideRight,
                                                        title.width())
        painter.drawText(title, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.setBrushOrigin(0, 0)  # dots on multiples of GRID, where tiles snap
        painter.fillRect(client, self._grid)

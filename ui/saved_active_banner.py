"""The bar over the form designer that says which components were saved active.

Opening a form starts nothing by itself (app.qt.form_model keeps the stored Active
values aside). When some were stored, this bar says so above the form, with one
button that activates exactly those (the same as their Active checkboxes, one
undo step each; F9 activates every component). Its close button hides it for
this form; it comes back for the next form opened. It also hides itself once
nothing is waiting any more. The tiles carry the same mark (ui.component_tile).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

from app.qt.engine_host import EngineHost
from app.qt.form_model import FormModel
from app.qt.i18n import arg
from ui.component_tile import paint_saved_active_badge
from ui.retranslate import is_language_change

MARK = 18  # px: the tiles' badge, a little larger
_STYLE = """
QFrame#SavedActiveBanner {
    background: #eaf2fc;
    border: none;
    border-bottom: 1px solid #b7cfee;
}
QFrame#SavedActiveBanner QLabel { color: #1f2933; }
"""


class SavedActiveBanner(QFrame):
    """See the module docstring."""

    def __init__(self, model: FormModel, engine: EngineHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.engine = model, engine
        self._dismissed = False
        self.setObjectName("SavedActiveBanner")
        self.setStyleSheet(_STYLE)

        self.mark = QLabel()
        self.mark.setPixmap(self._mark_pixmap())
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.activate_button = QPushButton()
        self.activate_button.clicked.connect(self.engine.activate_saved)
        self.close_button = QToolButton()
        self.close_button.setAutoRaise(True)
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.clicked.connect(self.dismiss)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(10)
        layout.addWidget(self.mark)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.activate_button)
        layout.addWidget(self.close_button)

        model.documentReset.connect(self._form_opened)
        model.savedActiveChanged.connect(self._update)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setAccessibleName(self.tr("Components saved active"))
        self.activate_button.setToolTip(self.tr("Start the components that were saved with Active = True "
                                                "(F9 starts every component)"))
        self.close_button.setToolTip(self.tr("Hide this message for this form"))
        self.close_button.setAccessibleName(self.tr("Dismiss"))
        self._update()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _mark_pixmap(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(MARK * ratio), round(MARK * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint_saved_active_badge(painter, QRectF(0.75, 0.75, MARK - 1.5, MARK - 1.5))
        painter.end()
        return pixmap

    def dismiss(self) -> None:
        self._dismissed = True
        self._update()

    def _form_opened(self) -> None:
        self._dismissed = False
        self._update()

    def _update(self) -> None:
        waiting = self.model.saved_active()
        if len(waiting) == 1:
            name = self.model.entry(waiting[0]).name
            self.text.setText(arg(self.tr("%1 was saved active. Opening a form starts nothing by itself."), name))
            self.activate_button.setText(self.tr("Activate it"))
        elif waiting:
            # no plural rules without a translator loaded: the English one is spelled out
            self.text.setText(self.tr("%n components were saved active. Opening a form starts nothing "
                                      "by itself.", "", len(waiting)))
            self.activate_button.setText(self.tr("Activate them"))
        self.setVisible(bool(waiting) and not self._dismissed)

"""Tab bars that show the whole text of every tab.

Qt's common style lays an unselected tab's text out in a rectangle that is
PM_TabBarTabShiftVertical (2 px in Fusion) shorter than a line of text, and
QPainter.drawText clips text that does not fit its rectangle: the bottom of the
line, where an underscore sits, disappears ("echo test.py" for echo_test.py).
TabTextStyle draws tab labels unclipped, at the very place the style puts them.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QTabBar, QWidget


class TabTextStyle(QProxyStyle):
    """The application's style, with tab labels drawn unclipped."""

    def __init__(self) -> None:
        super().__init__(QApplication.style().name())
        self._in_tab_label = False

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption, painter: QPainter,
                    widget: QWidget | None = None) -> None:
        if element != QStyle.ControlElement.CE_TabBarTabLabel:
            super().drawControl(element, option, painter, widget)
            return
        self._in_tab_label = True
        try:
            super().drawControl(element, option, painter, widget)
        finally:
            self._in_tab_label = False

    def drawItemText(self, painter: QPainter, rect: QRect, flags: int, palette: QPalette | Qt.GlobalColor | QColor,
                     enabled: bool, text: str, role: QPalette.ColorRole = QPalette.ColorRole.NoRole) -> None:
        if self._in_tab_label:
            flags |= Qt.TextFlag.TextDontClip.value
        super().drawItemText(painter, rect, flags, palette, enabled, text, role)


def show_whole_tab_text(bar: QTabBar) -> None:
    """Give ``bar`` a TabTextStyle (owned by the bar)."""
    style = TabTextStyle()
    style.setParent(bar)
    bar.setStyle(style)

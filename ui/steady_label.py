"""A one-line label whose text can change many times a second without re-laying out its window.

A QLabel asks its parent's layout for a new geometry on every ``setText``. The
event log's status line changes with every batch of records, and each time the
pane, its dock and the main window laid themselves out again and repainted
behind the label: 2-3 ms per batch under a flood, on the GUI thread the network
shares (bench ``gui``, probe p99).

``SteadyLabel`` keeps a QLabel at its own fixed size, which Qt never re-lays
out, inside a widget of constant height that the layout sizes; and it paints
its own background, so a change repaints the line and nothing behind it. The
text stays selectable, and tooltips show as on a QLabel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class SteadyLabel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:
        self.label.setText(text)

    def sizeHint(self) -> QSize:
        margins = self.label.contentsMargins()
        return QSize(0, self.label.fontMetrics().height() + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.label.setFixedSize(event.size())  # min == max: its text changes ask no layout

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.label.setFont(self.font())
            self.updateGeometry()  # a new font, a new height

"""Retranslating at run time: what a widget needs beyond setting its own texts again.

View > Language installs other translators; Qt then sends every widget a
LanguageChange event. A widget sets its own texts in ``retranslate_ui`` (called at
start and from ``changeEvent``); a model whose ``data``/``headerData`` call ``tr``
only needs its views told that everything changed: :func:`refresh_model`.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QEvent, QModelIndex, Qt


def is_language_change(event: QEvent) -> bool:
    return event.type() == QEvent.Type.LanguageChange


def column_count(model: QAbstractItemModel) -> int:
    """The top-level column count of any model (a list model's columnCount is private in PySide6)."""
    return 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())


def refresh_model(model: QAbstractItemModel) -> None:
    """Tell the views every header and cell of ``model`` may read differently now."""
    columns, rows = column_count(model), model.rowCount(QModelIndex())
    if columns:
        model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, columns - 1)
        if rows:
            model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, columns - 1))

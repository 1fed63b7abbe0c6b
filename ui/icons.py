"""The workbench's icons: hand-drawn SVG files in resources/icons, by name.

``icon("ServerSocket")`` gives a QIcon that stays sharp at any size (Qt's SVG
icon engine renders each requested size from the vector); ``pixmap(name, size)``
gives one rendered pixmap, for painting on the form designer's tiles. Both are
cached: the palette, the designer and the inspector ask for the same few icons
over and over.

The folder is found relative to this package (resources/ sits beside ui/ in the
repository, which is installed editable), never relative to the current directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


def icon_path(name: str) -> Path:
    """The SVG file of ``name`` ("ClientSocket" or "ClientSocket.svg")."""
    path = ICON_DIR / (name if name.endswith(".svg") else f"{name}.svg")
    if not path.is_file():
        # A missing icon is a packaging fault: say which file, rather than show a blank button.
        raise FileNotFoundError(f"no icon {name!r}: {path} does not exist")
    return path


def names() -> list[str]:
    """Every icon the resources folder holds, without the .svg suffix."""
    return sorted(p.stem for p in ICON_DIR.glob("*.svg"))


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(icon_path(name)))


@cache
def pixmap(name: str, size: int | QSize, device_pixel_ratio: float = 1.0) -> QPixmap:
    """``name`` rendered at ``size`` logical pixels (a square when an int).

    Rendered with QSvgRenderer rather than QIcon.pixmap so the drawing fills the
    requested box exactly (aspect ratio kept, centred) at the screen's pixel ratio.
    """
    box = QSize(size, size) if isinstance(size, int) else QSize(size)
    renderer = QSvgRenderer(str(icon_path(name)))
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    image = QImage(box * device_pixel_ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(image.rect()))
    painter.end()
    result = QPixmap.fromImage(image)
    result.setDevicePixelRatio(device_pixel_ratio)
    return result

"""A fixed-pitch font that really is one.

``QFontDatabase.systemFont(FixedFont)`` is only a request for "monospace", and the
family fontconfig answers with is whatever the machine ranks first: Noto Sans Mono
once ImageMagick pulled it in, which Qt does not report as fixed-pitch. Code and
hex dumps need columns that line up, so each candidate is checked, by Qt's own
verdict and by measuring narrow and wide letters, before it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics

#: families tried after the system's choice, best first
PREFERRED_FIXED = ("DejaVu Sans Mono", "Noto Mono", "Liberation Mono", "Cascadia Mono", "Consolas", "Menlo",
                   "SF Mono", "Ubuntu Mono", "Source Code Pro", "Courier New")
_PROBE = "iW._m"  # narrow and wide letters are the same width only in a fixed-pitch font


def is_really_fixed_pitch(font: QFont) -> bool:
    """Qt calls the font it resolves to fixed-pitch, and its letters measure so."""
    if not QFontInfo(font).fixedPitch():
        return False
    metrics = QFontMetrics(font)
    return len({metrics.horizontalAdvance(c) for c in _PROBE}) == 1


def _candidates(system: QFont) -> Iterator[QFont]:
    yield system
    installed = QFontDatabase.families()
    known = [f for f in PREFERRED_FIXED if f in installed]
    rest = [f for f in installed if f not in known and QFontDatabase.isFixedPitch(f)]
    for family in known + rest:
        font = QFont(system)
        font.setFamilies([family])
        yield font


def pick_fixed_pitch(candidates: Iterable[QFont], fallback: QFont) -> QFont:
    """The first candidate that is really fixed-pitch; ``fallback`` when none is."""
    for font in candidates:
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        if is_really_fixed_pitch(font):
            return font
    return fallback


@cache
def _fixed_pitch_font() -> QFont:
    system = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    return pick_fixed_pitch(_candidates(system), system)


def fixed_pitch_font() -> QFont:
    """The font for code: the system's fixed font if it really is one, else the first
    installed family that is (a copy; the search runs once)."""
    return QFont(_fixed_pitch_font())

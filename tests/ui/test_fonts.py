"""The code editor's font really is fixed-pitch, whatever "monospace" means on this machine.

Which fonts a machine has is not up to the test: each check finds its examples among
the installed families (measured here, not with the code under test) and skips, saying
why, when the machine has none. With fonts-noto-mono installed, "monospace" resolves to
Noto Sans Mono, which Qt does not call fixed-pitch: the case that broke the editor.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics

from ui.code_editor import CodeEditor
from ui.fonts import pick_fixed_pitch


def measured_fixed(font: QFont) -> bool:
    metrics = QFontMetrics(font)
    return QFontInfo(font).fixedPitch() and metrics.horizontalAdvance("i") == metrics.horizontalAdvance("W")


def families(wanted) -> list[str]:
    return [f for f in QFontDatabase.families() if wanted(QFont(f)) and QFontInfo(QFont(f)).family() == f]


def test_the_editor_font_is_really_fixed_pitch_when_the_machine_has_one(qtbot):
    if not families(measured_fixed):
        pytest.skip("no installed font is fixed-pitch (install fonts-dejavu-core)")
    editor = CodeEditor()
    qtbot.addWidget(editor)
    assert measured_fixed(editor.font()), QFontInfo(editor.font()).family()


def test_a_monospace_family_qt_does_not_call_fixed_pitch_is_passed_over(qapp):
    fixed = families(measured_fixed)
    # what the system's "monospace" resolves to when Qt disagrees with fontconfig (Noto Sans Mono)
    system = QFontInfo(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)).family()
    not_fixed = [system] if system and not measured_fixed(QFont(system)) else []
    not_fixed += families(lambda font: not QFontInfo(font).fixedPitch())[:1]
    if not fixed or not not_fixed:
        pytest.skip("needs one fixed-pitch and one other font installed")
    fallback = QFont(not_fixed[0])
    chosen = pick_fixed_pitch([QFont(f) for f in [*not_fixed, fixed[0]]], fallback)
    assert QFontInfo(chosen).family() == fixed[0]
    assert pick_fixed_pitch([QFont(f) for f in not_fixed], fallback) is fallback

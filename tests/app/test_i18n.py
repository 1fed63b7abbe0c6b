"""The translation helper: Qt's substitution rules, and texts lupdate can find."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.qt.i18n import arg

ROOT = Path(__file__).resolve().parents[2]


def test_places_are_filled_in_one_pass_in_any_order():
    assert arg("Set %1.%2", "ServerSocket1", "Port") == "Set ServerSocket1.Port"
    assert arg("%2 of %1", "form", "Port") == "Port of form"  # a translation may reorder
    assert arg("Rename %1 to %2", "A%2", "B") == "Rename A%2 to B"  # a value is never filled again
    assert arg("%1 and %10", *"abcdefghij") == "a and j"
    assert arg("100%") == "100%" and arg("%1%", 45) == "45%"
    assert arg("%3 missing", "x") == "%3 missing"


def test_an_untranslated_text_falls_back_to_its_source_and_plurals_fill_n(qapp):
    from PySide6.QtCore import QCoreApplication

    assert arg(QCoreApplication.translate("Nowhere", "Opened %1"), "chat.sockform") == "Opened chat.sockform"
    assert QCoreApplication.translate("Nowhere", "%n connection(s)", None, 3) == "3 connection(s)"


def test_no_text_is_filled_by_a_chain_of_replace_calls():
    """One way to put values into translated text (this helper), not str.replace chains."""
    import re

    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("app", "ui") for path in (ROOT / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"""\.replace\(\s*["']%\d""", line)]
    assert not offenders


def test_lupdate_finds_the_helper_calls_with_their_context(tmp_path):
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists() and not shutil.which("pyside6-lupdate"):
        pytest.skip("pyside6-lupdate is not installed with PySide6 here")
    ts = tmp_path / "out.ts"
    done = subprocess.run([str(lupdate if lupdate.exists() else "pyside6-lupdate"),
                           str(ROOT / "app" / "qt" / "commands.py"), "-ts", str(ts)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = ts.read_text(encoding="utf-8")
    assert "<name>Commands</name>" in text and "<source>Delete %1</source>" in text
    assert "<source>Move</source>" in text

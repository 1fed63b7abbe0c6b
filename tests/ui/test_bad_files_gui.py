"""Open, Import DFM and Export DFM with bad files: one message with the place, and the form the
user had stays as it was. Real files: a FIFO, /dev/zero, a folder, a sparse 65 MiB file, JSON
nested 100,000 deep, a 5,000-digit number, a 10,000-digit hex value, an unwritable stored tree."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core.form_document import FORMAT

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def warnings(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


def make_bad(tmp_path, kind: str, suffix: str):
    path = tmp_path / f"bad{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "sparse":
        with open(path, "wb") as file:
            file.truncate(65 * 1024 * 1024)
    elif kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "long_number":
        path.write_text('{"format": "socket-workbench-form", "version": 1, "form": {"width": ' + "9" * 5000 + "}}")
    elif kind == "long_hex":
        path.write_bytes(b"object Form1: TForm1\r\n  Tag = $" + b"F" * 10_000 + b"\r\nend\r\n")
    return path


MESSAGES = {
    "fifo": "is a FIFO (named pipe), not a file", "dev_zero": "is a device, not a file",
    "folder": "is a folder, not a file", "sparse": "is 65 MiB; forms and .dfm files are limited to 64 MiB",
    "deep": "nested more than 500 levels deep at line 1, column 501",
    "long_number": "a number of 5000 digits at line 1, column 69", "long_hex": "line 2, column 9: number too long",
}


def a_form_in_progress(w):
    uid = w.model.add_component("ServerSocket", 16, 16)
    w.model.set_property(uid, "Port", 8080)
    return w.model.document.to_json(), w.model.path, w.model.undo_stack.count()


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "folder", "sparse", "deep", "long_number"])
def test_open_refuses_with_the_reason_and_the_form_stays(window, tmp_path, warnings, kind):
    w = window
    before = a_form_in_progress(w)
    assert not w.open_form(make_bad(tmp_path, kind, ".sockform"), ask=False)
    assert len(warnings) == 1 and warnings[0][0] == "Can't open form"
    assert MESSAGES[kind] in warnings[0][1] and "Traceback" not in warnings[0][1]
    assert (w.model.document.to_json(), w.model.path, w.model.undo_stack.count()) == before


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "folder", "sparse", "long_hex"])
def test_import_dfm_refuses_with_the_reason_and_the_form_stays(window, tmp_path, warnings, monkeypatch, kind):
    w = window
    before = a_form_in_progress(w)
    w.model.undo_stack.setClean()  # no "save changes?" question first
    source = make_bad(tmp_path, kind, ".dfm")
    monkeypatch.setattr("ui.main_window.QFileDialog.getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr("ui.main_window.QInputDialog.getItem", lambda *a, **k: ("cp1252", True))
    saves = []
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: saves.append(a) or ("", ""))
    w.import_dfm_action.trigger()
    assert len(warnings) == 1 and warnings[0][0] == "Can't import form"
    assert MESSAGES[kind] in warnings[0][1]
    assert saves == []  # refused before anything is written
    assert (w.model.document.to_json(), w.model.path) == before[:2]


def test_export_dfm_of_an_unwritable_stored_tree_says_where_and_writes_nothing(window, tmp_path, warnings,
                                                                                monkeypatch):
    w = window
    form = tmp_path / "stored.sockform"
    form.write_text(json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Form1"}, "components": [],
                                "foreign": [{"dfm": {"kind": "object", "name": "Form1", "class": "TForm1",
                                                     "properties": [["end", {"int": 1}]], "children": []}}]}))
    assert w.open_form(form, ask=False)
    before = w.model.document.to_json()
    target = tmp_path / "Unit1.dfm"
    monkeypatch.setattr("ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    w.export_dfm_action.trigger()
    assert len(warnings) == 1 and warnings[0][0] == "Can't export form"
    assert "Form1, property 1: 'end' cannot be written as a property name" in warnings[0][1]
    assert not target.exists() and w.model.document.to_json() == before

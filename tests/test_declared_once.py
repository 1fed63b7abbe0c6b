"""Facts about components are declared once, in components/, and nowhere else.

* No component, property or event name appears as a string literal in app/ or ui/
  (user-facing prose excepted, each sentence listed below): those layers read the
  metadata.
* So adding a property is one line in its declaration: a component class that
  exists only in this test, with one property more, shows in the Object
  Inspector, round-trips through a .sockform and a .dfm, and takes ``--set``,
  with no other change anywhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.dfm_export import export_dfm
from app.core.dfm_import import import_dfm
from app.core.form_document import FormDocument
from app.core.form_runtime import create_component
from app.core.runner import RunError, apply_settings
from components import ObserverStream, ServerSocket, component_class, component_classes
from components.component import registered
from components.metadata import Published, Stored

ROOT = Path(__file__).resolve().parent.parent

#: Sentences users read that name a component, property or event: prose, not a lookup.
PROSE = {
    ("app/core/runner.py", "override a property by its VCL name, e.g. ServerSocket1.Port=9000"),
    ("ui/component_tile.py", "Saved with Active = True; not started"),
    ("ui/connections_panel.py", "Select a ClientSocket or ServerSocket on the form"),
    ("ui/main_window.py", "Set Active on every component"),
    ("ui/main_window.py", "<b>Socket Workbench</b><p>Build, test and understand TCP programs with ClientSocket"),
    ("ui/saved_active_banner.py", "Start the components that were saved with Active = True"),
    # the system's error texts, translated as they come (strerror / gai_strerror words)
    ("ui/error_text.py", "Address already in use"),
    ("ui/error_text.py", "Host is down"),
    ("ui/error_text.py", "Name or service not known"),
}


def declared_names() -> set[str]:
    names: set[str] = set()
    for cls in component_classes().values():
        names |= {cls.__name__, cls.vcl_class}
        names |= {p.vcl_name for p in cls.properties()}
        names |= {e.vcl_name for e in cls.events()}
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def literals_naming(names: set[str], folders: tuple[str, ...], root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal (not a docstring) under ``root``/``folders``
    that names one of ``names`` as a whole word."""
    word = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                      + r")(?![A-Za-z0-9_])")
    hits = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docs = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                        and word.search(node.value):
                    hits.append((path.relative_to(root).as_posix(), node.lineno, node.value))
    return hits


def is_prose(path: str, text: str) -> bool:
    return any(path == where and text.startswith(start) for where, start in PROSE)


def test_app_and_ui_name_no_component_property_or_event():
    names = declared_names()
    assert {"ServerSocket", "TClientSocket", "Active", "Name", "ThreadCacheSize", "OnClientRead"} <= names
    named = [f"{path}:{line}: {text[:70]!r}" for path, line, text in literals_naming(names, ("app", "ui"))
             if not is_prose(path, text)]
    assert named == [], "read these from the metadata (components/), don't spell them:\n" + "\n".join(named)


def test_the_check_finds_a_literal(tmp_path):
    """The grep sees a name in a plain string, a set and an f-string, not in a docstring."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text('"""Port is fine here."""\nA = {"Port"}\nB = f"{A}Port"\n'
                                           'C = "a Port in prose"\nD = "Portable"\n')
    hits = literals_naming({"Port"}, ("pkg",), tmp_path)
    assert sorted((line, text) for _path, line, text in hits) == [(2, "Port"), (3, "Port"), (4, "a Port in prose")]


# -- one line adds a property ---------------------------------------------------------------
class GreetingServer(ServerSocket):
    """A ServerSocket with one property more. Nothing else in the program is told of it."""

    vcl_class = "TGreetingServer"
    greeting = Published("Greeting", str, "", stored=Stored.NOT_DEFAULT, dfm_order=95, description="Said first.")


@pytest.fixture
def greeting_server():
    with registered(GreetingServer) as cls:
        yield cls
    with pytest.raises(KeyError):
        component_class("GreetingServer")  # gone again: no other test sees it


def test_a_property_declared_in_one_line_shows_in_the_inspector(qtbot, qtmodeltester, greeting_server):
    from app.qt.form_model import FormModel
    from ui.object_inspector import ObjectInspector

    model = FormModel()
    uid = model.add_component("GreetingServer", 8, 8)
    inspector = ObjectInspector(model)
    qtbot.addWidget(inspector)
    props = inspector.property_model
    qtmodeltester.check(props)
    row = props.row_of("Greeting")
    assert row >= 0 and props.index(row, 1).flags() & Qt.ItemFlag.ItemIsEditable
    assert props.setData(props.index(row, 1), "hello")
    assert model.entry(uid).value("Greeting") == "hello"
    assert props.index(row, 1).data() == "hello"
    assert inspector.chooser.currentText() == "GreetingServer1: TGreetingServer"


def test_a_property_declared_in_one_line_round_trips_through_sockform_and_dfm(tmp_path, greeting_server):
    doc = FormDocument(name="Greeter")
    doc.components.append(doc_entry := _entry("GreetingServer1", {"Greeting": "hello", "Port": 7007}))
    path = tmp_path / "greeter.sockform"
    doc.save(path)
    assert '"Greeting": "hello"' in path.read_text()
    loaded = FormDocument.load(path).find("GreetingServer1")
    assert loaded is not None and loaded.type == "GreetingServer" and loaded.value("Greeting") == "hello"

    exported = export_dfm(doc)
    assert exported.warnings == []
    text = exported.data.decode("cp1252")
    assert "object GreetingServer1: TGreetingServer" in text
    assert "Greeting = 'hello'" in text
    assert text.index("Port = 7007") < text.index("Greeting = 'hello'")  # its dfm_order: after the VCL's own
    back = import_dfm(exported.data).document.find("GreetingServer1")
    assert back is not None and back.type == "GreetingServer"
    assert back.properties == doc_entry.properties


def test_a_property_declared_in_one_line_is_settable_with_set(greeting_server):
    doc = FormDocument(name="Greeter", components=[_entry("GreetingServer1", {})])
    apply_settings(doc, ["GreetingServer1.Greeting=bye"])
    entry = doc.find("GreetingServer1")
    assert entry is not None and entry.value("Greeting") == "bye"
    live = create_component(entry, ObserverStream())
    assert isinstance(live, GreetingServer) and live.greeting == "bye"
    with pytest.raises(RunError, match="Name can't be changed"):
        apply_settings(doc, ["GreetingServer1.Name=Other"])


def _entry(name: str, properties: dict):
    from app.core.form_document import ComponentEntry

    return ComponentEntry("GreetingServer", name, 16, 24, dict(properties))

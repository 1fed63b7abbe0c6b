"""DFM import/export against the real sample forms, and the convert command."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest

from app.core.convert import main as convert_main
from app.core.dfm import read_dfm
from app.core.dfm_export import export_dfm
from app.core.dfm_import import import_dfm, import_dfm_file
from app.core.form_document import ComponentEntry, FormDocument, FormFileError, HandlerBinding
from components import ClientType, ServerType
from tests.app.command import CLI

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "app" / "data" / "dfm"
SOURCES = list(csv.DictReader((DATA / "SOURCES.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t"))


def split(field: str) -> set[str]:
    return {x for x in field.split(",") if x}


@pytest.mark.parametrize("row", SOURCES, ids=[r["file"][:40] for r in SOURCES])
def test_every_sample_imports_with_its_sockets_properties_and_handlers(row):
    result = import_dfm_file(DATA / row["file"], "cp1251")
    doc = result.document
    assert len(doc.components) == int(row["sockets_count"])
    tree = result.tree
    seen_props: set[str] = set()
    seen_events: set[str] = set()
    for obj in tree.walk():
        if obj.class_name not in ("TClientSocket", "TServerSocket"):
            continue
        entry = doc.find(obj.name)
        assert entry is not None and entry.type == obj.class_name[1:]
        for prop in obj.properties:
            if prop.name.startswith("On"):
                seen_events.add(prop.name)
                assert entry.events[prop.name] == HandlerBinding(handler=prop.value.name)
            elif prop.name in ("Left", "Top"):
                assert (entry.x if prop.name == "Left" else entry.y) == prop.value.value
            else:
                seen_props.add(prop.name)
                expected = prop.value.value if hasattr(prop.value, "value") else prop.value.name
                actual = entry.value(prop.name)
                assert str(getattr(actual, "vcl_name", actual)) == str(expected), prop.name
    assert seen_props == split(row["socket_props_seen"])
    assert seen_events == split(row["events_seen"])
    assert result.report.handlers == [b.handler for e in doc.components for b in e.events.values()]
    for _name, cls in result.report.foreign:
        assert cls not in ("TClientSocket", "TServerSocket")


def test_exact_values_of_some_samples():
    doc = import_dfm_file(DATA / "RadoBuransky__ancient-code-of-mine__Delphi__Skuska__UnitMainForm.dfm").document
    csocket, ssocket = doc.find("CSocket"), doc.find("SSocket")
    assert csocket.properties == {"ClientType": ClientType.BLOCKING, "Host": "localhost", "Port": 10000}
    assert ssocket.properties == {"Active": True, "Port": 10000, "ServerType": ServerType.THREAD_BLOCKING}
    assert ssocket.events == {"OnGetThread": HandlerBinding(handler="SSocketGetThread")}
    mas = import_dfm_file(DATA / "98kmir2__98kmir2__LoginSrv__MasSock.dfm").document.find("MSocket")
    assert mas.properties == {"Address": "0.0.0.0"} and (mas.x, mas.y) == (40, 32)
    assert set(mas.events) == {"OnClientConnect", "OnClientDisconnect", "OnClientRead", "OnClientError"}


@pytest.mark.parametrize("row", SOURCES, ids=[r["file"][:40] for r in SOURCES])
def test_export_writes_the_form_back(row, tmp_path):
    original = (DATA / row["file"]).read_bytes()
    imported = import_dfm(original, "cp1251", row["file"])
    saved = tmp_path / "form.sockform"
    imported.document.save(saved)  # through the form file and back
    exported = export_dfm(FormDocument.load(saved), "cp1251").data
    assert read_dfm(exported, "cp1251") == read_dfm(original, "cp1251")
    if not original.startswith((b"TPF0", b"\xff\x0a")):
        assert exported.replace(b"\r\n", b"\n") == original.replace(b"\r\n", b"\n")


def test_changes_reach_the_export_and_import_reads_back_the_same_model():
    imported = import_dfm_file(DATA / "stratomaster84__TCP-IP__Server__Unit1.dfm", "cp1251")
    doc = imported.document
    server = doc.find("ServerSocket1")
    server.properties.update({"Port": 9000, "ThreadCacheSize": 4, "ServerType": ServerType.THREAD_BLOCKING})
    server.events.pop("OnClientError")
    doc.components.append(ComponentEntry("ClientSocket", "Probe", 100, 60, {"Host": "example.org"},
                                         {"OnRead": HandlerBinding(handler="ProbeRead")}))
    again = import_dfm(export_dfm(doc, "cp1251").data, "cp1251").document
    assert [(e.type, e.name, e.x, e.y, e.properties, e.events) for e in again.components] == \
        [(e.type, e.name, e.x, e.y, e.properties, e.events) for e in doc.components]
    assert (again.caption, again.width, again.height) == (doc.caption, doc.width, doc.height)
    assert {name for name, _ in import_dfm(export_dfm(doc, "cp1251").data, "cp1251").report.foreign} == \
        {name for name, _ in imported.report.foreign}


def test_storage_rules_for_a_new_form():
    doc = FormDocument(name="Form1", caption="New")
    doc.components += [
        ComponentEntry("ServerSocket", "ServerSocket1", 8, 16, {"Port": 80},
                       {"OnClientRead": HandlerBinding(action="echo")}),
        ComponentEntry("ClientSocket", "ClientSocket1", 48, 16, {"Service": "http", "Encoding": "gbk"},
                       {"OnConnect": HandlerBinding(handler="ClientSocket1Connect")}),
    ]
    result = export_dfm(doc)
    text = result.data.decode("cp1252").replace("\r\n", "\n")
    server = text[text.index("object ServerSocket1"):text.index("object ClientSocket1")]
    assert server.split("\n")[1:6] == ["    Active = False", "    Port = 80", "    ServerType = stNonBlocking",
                                       "    Left = 8", "    Top = 16"]
    assert "ThreadCacheSize" not in text and "Address" not in text and "Host" not in text
    client = text[text.index("object ClientSocket1"):]
    assert "ClientType = ctNonBlocking" in client and "Service = 'http'" in client
    assert "OnConnect = ClientSocket1Connect" in client
    assert any("'echo'" in w for w in result.warnings) and any("Encoding" in w for w in result.warnings)
    assert import_dfm(result.data).document.find("ClientSocket1").properties == {"Service": "http"}


@pytest.mark.parametrize("data, where", [
    (b"object Form1: TForm1\n  object S: TServerSocket\n    Port = 1\n  end\n", "line"),
    (b"object Form1: TForm1\n  Data = {12 3}\nend\n", "line 2"),
    (b"TPF0\x06TForm1\x05Form1\x04Left\x99", "byte"),
])
def test_malformed_dfm_gives_the_place_and_no_form(data, where):
    with pytest.raises(FormFileError, match=where):
        import_dfm(data)


def test_invalid_socket_values_are_refused():
    data = b"object Form1: TForm1\n  object S: TServerSocket\n    Port = 70000\n  end\nend\n"
    with pytest.raises(FormFileError, match="S: Port must be between 0 and 65535"):
        import_dfm(data)


def test_convert_both_ways_writes_the_unit_stubs(tmp_path):
    err = io.StringIO()
    source = DATA / "OhotnikovV__client-project__Unit1.dfm"
    assert convert_main([str(source), str(tmp_path / "client.sockform"), "--encoding", "cp1251"], err) == 0
    unit = (tmp_path / "client.py").read_text()
    compile(unit, "client.py", "exec")
    assert "def ClientSocket1Error(sender, socket, error_event, error_code):" in unit
    assert "other components (kept as they are, not run)" in err.getvalue()
    assert convert_main([str(tmp_path / "client.sockform"), str(tmp_path / "Unit1.dfm"), "--encoding",
                         "cp1251"], err) == 0
    assert (tmp_path / "Unit1.dfm").read_bytes().replace(b"\r\n", b"\n") == \
        source.read_bytes().replace(b"\r\n", b"\n")


@pytest.mark.parametrize("args, message", [
    (["a.txt", "b.sockform"], "convert goes from .dfm"),
    (["missing.dfm", "out.sockform"], "missing.dfm: No such file"),
])
def test_convert_errors(tmp_path, args, message):
    err = io.StringIO()
    assert convert_main([str(tmp_path / a) for a in args], err) == 2
    assert message in err.getvalue()


def test_run_a_dfm_directly():
    done = subprocess.run(
        [*CLI, "run", str(DATA / "stratomaster84__TCP-IP__Server__Unit1.dfm"),
         "--set", "ServerSocket1.Port=0", "--set", "ServerSocket1.Address=127.0.0.1", "--no-unit",
         "--duration", "0.3"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ServerSocket1  OnListen" in done.stdout and "ServerSocket1  Close" in done.stdout


@pytest.mark.parametrize("data, message", [
    ("object \u00c6orm1: TForm1\nend\n", "the form's name '\u00c6orm1' can't be used"),
    ("object Form1: TForm1\n  object S: TServerSocket\n    OnClientRead = Data.Read\n  end\nend\n",
     "S: OnClientRead names 'Data.Read', which can't be the name of a Python function"),
    ("object Form1: TForm1\n  object S: TServerSocket\n    OnClientRead = class\n  end\nend\n",
     "S: OnClientRead names 'class'"),
])
def test_names_a_form_file_could_not_hold_are_refused_at_import(data, message):
    # a form that imports must also save, open and export again
    with pytest.raises(FormFileError, match=re.escape(message)):
        import_dfm(data.encode("utf-8"), "utf-8")

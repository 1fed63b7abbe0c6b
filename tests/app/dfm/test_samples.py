"""The real form files in tests/app/data/dfm, checked against SOURCES.tsv and their text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.core.dfm import (
    CollectionItem,
    CollectionValue,
    DfmObject,
    DfmProperty,
    IdentValue,
    IntegerValue,
    SetValue,
    StringValue,
    is_binary_dfm,
    read_dfm,
    write_dfm,
)
from app.core.dfm.binary_reader import read_resource_header

DATA = Path(__file__).resolve().parent.parent / "data" / "dfm"
SOCKET_CLASSES = {"TClientSocket", "TServerSocket"}
# Where a non-visual component sits on the designer's form; SOURCES.tsv lists
# socket properties only.
DESIGNER_POSITION = {"Left", "Top"}
BINARY_SAMPLE = "98kmir2__98kmir2__LoginSrv__MasSock.dfm"


def _sources() -> list[dict[str, str]]:
    with (DATA / "SOURCES.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


SOURCES = _sources()
FILES = [row["file"] for row in SOURCES]


def _read(file: str) -> DfmObject:
    return read_dfm((DATA / file).read_bytes())


def _names(field: str) -> set[str]:
    return {name for name in field.split(",") if name}


def _sockets(tree: DfmObject) -> list[DfmObject]:
    return [obj for obj in tree.walk() if obj.class_name in SOCKET_CLASSES]


def _find(tree: DfmObject, name: str) -> DfmObject:
    (found,) = [obj for obj in tree.walk() if obj.name == name]
    return found


def test_sources_lists_every_sample():
    assert sorted(FILES) == sorted(p.name for p in DATA.glob("*.dfm"))
    assert len(FILES) == 8


@pytest.mark.parametrize("row", SOURCES, ids=[f[:24] for f in FILES])
def test_sockets_match_sources(row):
    sockets = _sockets(_read(row["file"]))
    assert len(sockets) == int(row["sockets_count"])
    props = {p.name for s in sockets for p in s.properties if not p.name.startswith("On")}
    events = [p for s in sockets for p in s.properties if p.name.startswith("On")]
    assert props - DESIGNER_POSITION == _names(row["socket_props_seen"])
    assert {p.name for p in events} == _names(row["events_seen"])
    # Handlers are method names, which the workbench binds to its own handlers.
    assert all(isinstance(p.value, IdentValue) for p in events)


@pytest.mark.parametrize("file", FILES, ids=[f[:24] for f in FILES])
def test_write_then_read_gives_the_same_tree(file):
    tree = _read(file)
    assert read_dfm(write_dfm(tree)) == tree


@pytest.mark.parametrize("file", [f for f in FILES if f != BINARY_SAMPLE], ids=lambda f: f[:24])
def test_writer_reproduces_delphi_text_byte_for_byte(file):
    # The samples were saved by Delphi and C++Builder; the writer's layout is
    # theirs, so only the line ends (some were checked in with LF) may differ.
    original = (DATA / file).read_bytes()
    assert write_dfm(_read(file)) == original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_binary_sample_is_recognised_and_read():
    data = (DATA / BINARY_SAMPLE).read_bytes()
    assert is_binary_dfm(data)
    header = read_resource_header(data)
    assert (header.type, header.name, header.flags) == (10, "TFRMMASSOC", 0x1030)
    assert header.data_offset == 20
    assert header.data_offset + header.size == len(data)
    assert data[header.data_offset : header.data_offset + 4] == b"TPF0"

    tree = read_dfm(data)
    assert (tree.kind, tree.name, tree.class_name) == ("object", "FrmMasSoc", "TFrmMasSoc")
    assert tree.get("Left") == IntegerValue(0x297)
    assert tree.get("Font.Height") == IntegerValue(-11)  # vaInt8 0xF5
    assert tree.get("Font.Name") == StringValue("MS Sans Serif")
    assert tree.get("Font.Style") == SetValue(())
    assert tree.get("OnCreate") == IdentValue("FormCreate")
    (socket,) = tree.children
    assert (socket.name, socket.class_name) == ("MSocket", "TServerSocket")
    assert socket.properties == [
        DfmProperty("Active", IdentValue("False")),
        DfmProperty("Address", StringValue("0.0.0.0")),
        DfmProperty("Port", IntegerValue(0)),
        DfmProperty("ServerType", IdentValue("stNonBlocking")),
        DfmProperty("OnClientConnect", IdentValue("MSocketClientConnect")),
        DfmProperty("OnClientDisconnect", IdentValue("MSocketClientDisconnect")),
        DfmProperty("OnClientRead", IdentValue("MSocketClientRead")),
        DfmProperty("OnClientError", IdentValue("MSocketClientError")),
        DfmProperty("Left", IntegerValue(40)),
        DfmProperty("Top", IntegerValue(32)),
    ]


def test_binary_sample_as_text():
    text = write_dfm(_read(BINARY_SAMPLE)).decode("ascii")
    assert text.startswith("object FrmMasSoc: TFrmMasSoc\r\n  Left = 663\r\n  Top = 183\r\n")
    assert "\r\n  object MSocket: TServerSocket\r\n    Active = False\r\n    Address = '0.0.0.0'\r\n" in text
    assert text.endswith("    Left = 40\r\n    Top = 32\r\n  end\r\nend\r\n")


def test_text_samples_are_not_taken_for_binary():
    for file in FILES:
        assert is_binary_dfm((DATA / file).read_bytes()) == (file == BINARY_SAMPLE)


# Values read off the files by eye; each file contributes a few.


def test_pavlik474_klient():
    tree = _read("Pavlik474__lab__LAB8K2__Klient__Unit1.dfm")
    client, server = _sockets(tree)
    assert (client.name, server.name) == ("ClientSocket1", "ServerSocket1")
    assert client.get("ClientType") == IdentValue("ctNonBlocking")
    assert client.get("Port") == server.get("Port") == IntegerValue(0)
    assert server.get("Top") == IntegerValue(32) and server.get("Left") is None
    assert tree.get("Left") == IntegerValue(1091)
    assert _find(tree, "Button1").get("Caption") == StringValue("Коннект")


def test_sergeiglv_server():
    tree = _read("SergeiGlv__C-Builder-Sockets__ServerUnit1.dfm")
    (server,) = _sockets(tree)
    assert server.get("Port") == IntegerValue(0)
    assert server.get("OnClientConnect") == IdentValue("ServerSocket1ClientConnect")
    assert server.get("OnClientRead") == IdentValue("ServerSocket1ClientRead")
    assert tree.get("Caption") == StringValue("Sockets C++ Builder 11 Server")
    assert _find(tree, "SpinEdit1").get("Value") == IntegerValue(65556)


def test_stratomaster84_client():
    tree = _read("stratomaster84__TCP-IP__Client__Unit1.dfm")
    (client,) = _sockets(tree)
    assert client.get("Port") == IntegerValue(189)
    assert client.get("OnError") == IdentValue("ClientSocket1Error")
    assert tree.get("BorderIcons") == SetValue(("biSystemMenu", "biMinimize"))
    assert _find(tree, "Edit2").get("Text") == StringValue("192.168.0.62")
    assert _find(tree, "StatusBar1").get("Panels") == CollectionValue(())


def test_stratomaster84_server():
    tree = _read("stratomaster84__TCP-IP__Server__Unit1.dfm")
    (server,) = _sockets(tree)
    assert server.get("Port") == IntegerValue(189)
    assert server.get("ServerType") == IdentValue("stNonBlocking")
    assert server.get("OnClientError") == IdentValue("ServerSocket1ClientError")
    assert _find(tree, "Label1").get("Caption") == StringValue("Порт")


def test_ohotnikovv_client():
    tree = _read("OhotnikovV__client-project__Unit1.dfm")
    (client,) = _sockets(tree)
    assert client.get("Port") == IntegerValue(65000)
    assert client.get("OnConnect") == IdentValue("ClientSocket1Connect")
    assert _find(tree, "StatusBar1").get("Panels") == CollectionValue(
        (CollectionItem((DfmProperty("Width", IntegerValue(50)),)),)
    )
    assert _find(tree, "GroupBoxInfo").get("Caption") == StringValue("Информация о системе")
    # Nested three deep: Form1 > PanelInfo > GroupBoxInfo > LabeName.
    assert [c.name for c in _find(tree, "PanelInfo").children] == ["GroupBoxInfo", "ButtonTray"]
    assert _find(tree, "LabeName").get("Caption") == StringValue("Имя компьютера:")


def test_chronomonochrome_client_server():
    tree = _read("ChronoMonochrome__derp__examples__client-server__Unit1.dfm")
    server, client = _sockets(tree)
    assert server.get("Port") == client.get("Port") == IntegerValue(777)
    assert server.get("OnClientRead") == IdentValue("ServerSocket1ClientRead")
    assert client.get("OnRead") == IdentValue("ClientSocket1Read")
    assert _find(tree, "Button1").get("Caption") == StringValue("Открыть чат")


def test_radoburansky_skuska():
    tree = _read("RadoBuransky__ancient-code-of-mine__Delphi__Skuska__UnitMainForm.dfm")
    client, server = _sockets(tree)
    assert client.get("Host") == StringValue("localhost")
    assert client.get("ClientType") == IdentValue("ctBlocking")
    assert client.get("Port") == server.get("Port") == IntegerValue(10000)
    assert server.get("Active") == IdentValue("True")
    assert server.get("ServerType") == IdentValue("stThreadBlocking")
    assert server.get("OnGetThread") == IdentValue("SSocketGetThread")

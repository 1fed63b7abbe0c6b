"""The text writer: Delphi's layout, escaping, line splitting, code pages, refusals."""

from __future__ import annotations

import codecs

import pytest

from app.core.dfm import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    SetValue,
    StringValue,
    read_dfm,
    write_dfm,
)
from app.core.dfm.errors import DfmError, DfmWriteError


def form(*props: DfmProperty, children: list[DfmObject] | None = None) -> DfmObject:
    return DfmObject("object", "Form1", "TForm1", list(props), children or [])


def written(tree: DfmObject, encoding: str = "cp1252") -> str:
    data = write_dfm(tree, encoding)
    assert read_dfm(data, encoding) == tree
    return data.decode("ascii")


def lines_of(value: object) -> list[str]:
    text = written(form(DfmProperty("X", value)))  # type: ignore[arg-type]
    lines = text.split("\r\n")
    assert lines[0] == "object Form1: TForm1" and lines[-2:] == ["end", ""]
    return lines[1:-2]


def test_layout_of_a_whole_form():
    tree = DfmObject(
        "inherited",
        "Form2",
        "TForm2",
        [DfmProperty("Caption", StringValue("Server")), DfmProperty("Font.Style", SetValue(()))],
        [
            DfmObject(
                "object",
                "ServerSocket1",
                "TServerSocket",
                [DfmProperty("Port", IntegerValue(189)), DfmProperty("OnClientRead", IdentValue("SS1Read"))],
                index=0,
            ),
            DfmObject("inline", "", "TFrame1", [], [DfmObject("object", "L", "TLabel")]),
        ],
    )
    assert written(tree) == (
        "inherited Form2: TForm2\r\n"
        "  Caption = 'Server'\r\n"
        "  Font.Style = []\r\n"
        "  object ServerSocket1: TServerSocket [0]\r\n"
        "    Port = 189\r\n"
        "    OnClientRead = SS1Read\r\n"
        "  end\r\n"
        "  inline TFrame1\r\n"
        "    object L: TLabel\r\n"
        "    end\r\n"
        "  end\r\n"
        "end\r\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "''"),
        ("Form1", "'Form1'"),
        ("it's", "'it''s'"),
        ("'", "''''"),
        ("a\r\nb", "'a'#13#10'b'"),
        ("\t", "#9"),
        ("~\x7f", "'~'#127"),
        ("Порт", "#1055#1086#1088#1090"),
        ("IP адрес:", "'IP '#1072#1076#1088#1077#1089':'"),
        ("é", "#233"),
        ("\U0001f600", "#55357#56832"),
    ],
)
def test_string_escapes(text, expected):
    assert lines_of(StringValue(text)) == [f"  X = {expected}"]


def test_long_strings_are_split_with_plus():
    text = "a" * 64
    assert lines_of(StringValue(text)) == [f"  X = '{text}'"]
    text = "".join(chr(ord("a") + i % 26) for i in range(150))
    assert lines_of(StringValue(text)) == [
        "  X = ",
        f"    '{text[:64]}' +",
        f"    '{text[64:128]}' +",
        f"    '{text[128:]}'",
    ]


def test_long_string_in_a_list_continues_at_the_item_indent():
    text = "x" * 70
    assert lines_of(ListValue((StringValue("short"), StringValue(text)))) == [
        "  X = (",
        "    'short'",
        f"    '{'x' * 64}' +",
        "    'xxxxxx')",
    ]


def test_scalars():
    assert lines_of(IntegerValue(-11)) == ["  X = -11"]
    assert lines_of(FloatValue("1.50000000000000000")) == ["  X = 1.50000000000000000"]
    assert lines_of(FloatValue("0.25", "s")) == ["  X = 0.25s"]
    assert lines_of(IdentValue("clBtnFace")) == ["  X = clBtnFace"]
    assert lines_of(SetValue(("biSystemMenu", "biMinimize"))) == ["  X = [biSystemMenu, biMinimize]"]


def test_lists():
    assert lines_of(ListValue(())) == ["  X = ()"]
    assert lines_of(ListValue((StringValue("a"), IntegerValue(1), ListValue((IdentValue("b"),))))) == [
        "  X = (",
        "    'a'",
        "    1",
        "    (",
        "      b))",
    ]


def test_collections():
    assert lines_of(CollectionValue(())) == ["  X = <>"]
    value = CollectionValue(
        (
            CollectionItem((DfmProperty("Width", IntegerValue(50)),)),
            CollectionItem((DfmProperty("Sub", CollectionValue((CollectionItem((), index=1),))),), index=7),
        )
    )
    assert lines_of(value) == [
        "  X = <",
        "    item",
        "      Width = 50",
        "    end",
        "    item [7]",
        "      Sub = <",
        "        item [1]",
        "        end>",
        "    end>",
    ]


def test_binary_is_hex_in_braces_32_bytes_a_line():
    assert lines_of(BinaryValue(b"")) == ["  X = {}"]
    data = bytes(range(40))
    assert lines_of(BinaryValue(data)) == [
        "  X = {",
        "    " + data[:32].hex().upper(),
        "    " + data[32:].hex().upper() + "}",
    ]


def test_names_outside_the_code_page_switch_the_file_to_utf8():
    tree = DfmObject("object", "Кнопка1", "TButton", [DfmProperty("Caption", StringValue("Кнопка"))])
    in_cp1251 = write_dfm(tree, "cp1251")
    assert in_cp1251 == (
        b"object \xca\xed\xee\xef\xea\xe01: TButton\r\n"  # the name in cp1251
        b"  Caption = #1050#1085#1086#1087#1082#1072\r\n"
        b"end\r\n"
    )
    assert read_dfm(in_cp1251, "cp1251") == tree
    in_cp1252 = write_dfm(tree, "cp1252")
    assert in_cp1252.startswith(codecs.BOM_UTF8 + "object Кнопка1".encode())
    assert read_dfm(in_cp1252, "cp1252") == tree


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (form(DfmProperty("end", IntegerValue(1))), "'end' cannot be written as a property name"),
        (form(DfmProperty("Object", IntegerValue(1))), "'Object' cannot be written as a property name"),
        (form(DfmProperty("a b", IntegerValue(1))), "'a b' cannot be written as a property name"),
        (form(DfmProperty("X", FloatValue("5"))), "'5' would not read back as a float"),
        (form(DfmProperty("X", FloatValue("1.5", "x"))), "'1.5x' would not read back as a float"),
        (form(DfmProperty("X", IdentValue("not ident"))), "'not ident' is not an identifier"),
        (form(DfmProperty("X", SetValue(("a,b",)))), "'a,b' cannot be written as a set element"),
        (form(DfmProperty("X", "raw")), "not a form file value: 'raw'"),  # type: ignore[arg-type]
        (DfmObject("object", "A.B", "TA"), "component name 'A.B' is not an identifier"),
        (DfmObject("object", "A", ""), "class name '' is not an identifier"),
        (DfmObject("thing", "A", "TA"), "object kind must be"),  # type: ignore[arg-type]
    ],
)
def test_trees_that_would_not_read_back_are_refused(tree, message):
    with pytest.raises(ValueError) as info:
        write_dfm(tree)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("tree", "error"),
    [
        (form(children=[DfmObject("object", "Panel1", "TPanel", children=[
            DfmObject("object", "Memo1", "TMemo", [DfmProperty("Lines", IntegerValue(1)),
                                                   DfmProperty("end", IntegerValue(1))])])]),
         "Form1 > Panel1 > Memo1, property 2: 'end' cannot be written as a property name"),
        (form(DfmProperty("Panels", CollectionValue((CollectionItem((DfmProperty("W", FloatValue("abc")),)),)))),
         "Form1, property 1 (Panels) > item 1, property 1 (W): 'abc' would not read back as a float"),
        (form(children=[DfmObject("object", "", "T F")]), "Form1 > 'T F': class name 'T F' is not an identifier"),
        (form(DfmProperty("X", IntegerValue(2**64))),
         "Form1, property 1 (X): integer value 18446744073709551616 is not a 64-bit integer"),
        (form(DfmProperty("X", IntegerValue(10**4500))),
         "Form1, property 1 (X): integer value a number too long to show is not a 64-bit integer"),
        (DfmObject("object", "A", "TA", index=2**70), "A: order index must be a 64-bit integer"),
    ],
)
def test_a_refused_tree_says_where_in_the_tree(tree, error):
    with pytest.raises(DfmWriteError) as info:
        write_dfm(tree)
    assert str(info.value).startswith(error)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DfmError)

"""Binary (TPF0) form streams, built byte by byte with tests/app/dfm/tpf0.py."""

from __future__ import annotations

import struct
from fractions import Fraction

import pytest

from app.core.dfm import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmError,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    SetValue,
    StringValue,
    is_binary_dfm,
    read_dfm,
    write_dfm,
)
from app.core.dfm.binary_reader import read_binary_dfm, read_resource_header

from . import tpf0


def value_of(value: bytes, encoding: str = "cp1252") -> object:
    tree = read_dfm(tpf0.stream(tpf0.obj("TF", "F", tpf0.prop("X", value))), encoding)
    (prop,) = tree.properties
    assert prop.name == "X"
    # Whatever a binary stream holds must survive being written as text.
    assert read_dfm(write_dfm(tree, encoding), encoding) == tree
    return prop.value


def error_of(data: bytes) -> DfmError:
    with pytest.raises(DfmError) as info:
        read_dfm(data)
    assert info.value.line is None and info.value.offset is not None
    return info.value


def _extended_parts(value: Fraction) -> tuple[int, int]:
    """Mantissa and biased exponent of the 80-bit number nearest to positive *value*."""
    exponent = 0
    while value >= 2:
        value /= 2
        exponent += 1
    while value < 1:
        value *= 2
        exponent -= 1
    return round(value * 2**63), exponent + 16383


# -- values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (tpf0.int8(-11), -11),
        (tpf0.int8(127), 127),
        (tpf0.int16(-32768), -32768),
        (tpf0.int16(663), 663),
        (tpf0.int32(65556), 65556),
        (tpf0.int32(-(2**31)), -(2**31)),
        (tpf0.int64(2**40), 2**40),
        (tpf0.int64(-(2**63)), -(2**63)),
    ],
)
def test_integers(encoded, expected):
    assert value_of(encoded) == IntegerValue(expected)


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (tpf0.extended(*_extended_parts(Fraction(3, 2))), FloatValue("1.5")),
        (tpf0.extended(*_extended_parts(Fraction(1, 10))), FloatValue("0.1")),
        (tpf0.extended(*_extended_parts(Fraction(1, 10)), negative=True), FloatValue("-0.1")),
        (tpf0.extended(*_extended_parts(Fraction(100))), FloatValue("100.0")),
        (tpf0.extended(*_extended_parts(Fraction(1, 3))), FloatValue("0.333333333333333333")),
        (tpf0.extended(*_extended_parts(Fraction(10**30))), FloatValue("1.0E30")),
        (tpf0.extended(*_extended_parts(Fraction(1, 10**9))), FloatValue("1.0E-9")),
        (tpf0.extended(0, 0), FloatValue("0.0")),
        (tpf0.extended(1, 0), FloatValue("3.6451995318824746E-4951")),  # smallest denormal
        (tpf0.single(0.1), FloatValue("0.1", "s")),
        (tpf0.single(-2.5), FloatValue("-2.5", "s")),
        (tpf0.single(3e38), FloatValue("3.0E38", "s")),
        (tpf0.double(0.1), FloatValue("0.1", "f")),
        (tpf0.double(1e20), FloatValue("1.0E20", "f")),
        (tpf0.date(45000.5), FloatValue("45000.5", "d")),
        (tpf0.currency(12345), FloatValue("1.2345", "c")),
        (tpf0.currency(-5), FloatValue("-0.0005", "c")),
        (tpf0.currency(10000), FloatValue("1.0", "c")),
        (tpf0.currency(2**63 - 1), FloatValue("922337203685477.5807", "c")),
    ],
)
def test_floats(encoded, expected):
    value = value_of(encoded)
    assert value == expected


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (tpf0.string(b"MS Sans Serif"), "MS Sans Serif"),
        (tpf0.string(b""), ""),
        (tpf0.string(b"caf\xe9"), "café"),
        (tpf0.lstring(b"x" * 300), "x" * 300),
        (tpf0.wstring("Открыть чат"), "Открыть чат"),
        (tpf0.wstring("a\U0001f600b"), "a\U0001f600b"),
        (tpf0.wstring("\ud800x"), "\ud800x"),  # a lone surrogate is kept, not an error
        (tpf0.utf8string("Порт 😀"), "Порт 😀"),
    ],
)
def test_strings(encoded, expected):
    assert value_of(encoded) == StringValue(expected)


def test_short_strings_use_the_callers_code_page():
    assert value_of(tpf0.string(b"\xcf\xee\xf0\xf2"), "cp1251") == StringValue("Порт")
    assert value_of(tpf0.lstring(b"\xcf\x98"), "cp1251") == StringValue("П\x98")


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (tpf0.ident("clBtnFace"), "clBtnFace"),
        (tpf0.ident("DataModule1.Query1"), "DataModule1.Query1"),
        (tpf0.FALSE, "False"),
        (tpf0.TRUE, "True"),
        (tpf0.NIL, "nil"),
    ],
)
def test_identifiers(encoded, expected):
    assert value_of(encoded) == IdentValue(expected)


def test_binary_set_list_collection():
    assert value_of(tpf0.binary(bytes(range(70)))) == BinaryValue(bytes(range(70)))
    assert value_of(tpf0.binary(b"")) == BinaryValue(b"")
    assert value_of(tpf0.set_()) == SetValue(())
    assert value_of(tpf0.set_("fsBold", "fsItalic")) == SetValue(("fsBold", "fsItalic"))
    assert value_of(tpf0.list_()) == ListValue(())
    assert value_of(tpf0.list_(tpf0.string(b"a"), tpf0.int8(1), tpf0.list_(tpf0.TRUE))) == ListValue(
        (StringValue("a"), IntegerValue(1), ListValue((IdentValue("True"),)))
    )
    collection = tpf0.collection(
        tpf0.item(tpf0.prop("Width", tpf0.int8(50))),
        tpf0.item(tpf0.prop("Text", tpf0.string(b"b")), index=tpf0.int16(300)),
        tpf0.item(),
    )
    assert value_of(collection) == CollectionValue(
        (
            CollectionItem((DfmProperty("Width", IntegerValue(50)),)),
            CollectionItem((DfmProperty("Text", StringValue("b")),), index=300),
            CollectionItem(()),
        )
    )
    assert value_of(tpf0.collection()) == CollectionValue(())


# -- objects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "kind", "index"),
    [
        (b"", "object", None),
        (b"\xf0", "object", None),
        (b"\xf1", "inherited", None),
        (b"\xf4", "inline", None),
        (b"\xf2" + tpf0.int8(3), "object", 3),
        (b"\xf3" + tpf0.int16(-2), "inherited", -2),
        (b"\xf6" + tpf0.int32(70000), "inline", 70000),
        (b"\xf5", "inherited", None),  # both flags: Delphi's converter says 'inherited'
    ],
)
def test_object_prefixes(prefix, kind, index):
    child = tpf0.obj("TButton", "Button1", prefix=prefix)
    tree = read_dfm(tpf0.stream(tpf0.obj("TForm1", "Form1", children=child)))
    assert tree.children == [DfmObject(kind, "Button1", "TButton", index=index)]
    assert read_dfm(write_dfm(tree)) == tree


def test_nested_objects_and_unnamed_components():
    inner = tpf0.obj("TLabel", "", tpf0.prop("Caption", tpf0.string(b"x")))
    panel = tpf0.obj("TPanel", "Panel1", tpf0.prop("Left", tpf0.int8(1)), inner)
    tree = read_dfm(tpf0.stream(tpf0.obj("TForm1", "Form1", children=panel + tpf0.obj("TTimer", "T1"))))
    assert [(o.name, o.class_name) for o in tree.walk()] == [
        ("Form1", "TForm1"),
        ("Panel1", "TPanel"),
        ("", "TLabel"),
        ("T1", "TTimer"),
    ]
    assert read_dfm(write_dfm(tree)) == tree


def test_utf8_names_from_newer_delphi():
    data = tpf0.stream(tpf0.obj("TФорма", "Форма1", tpf0.prop("Шрифт.Имя", tpf0.ident("Значение"))))
    tree = read_dfm(data)
    assert (tree.name, tree.class_name) == ("Форма1", "TФорма")
    assert tree.properties == [DfmProperty("Шрифт.Имя", IdentValue("Значение"))]
    assert read_dfm(write_dfm(tree)) == tree


def test_ansi_names_from_older_delphi():
    # Built from bytes: cp1251 "TФорма" is not valid UTF-8, so the code page applies.
    data = tpf0.stream(tpf0.short(b"T\xd4\xee\xf0\xec\xe0") + tpf0.short(b"F") + b"\0\0")
    assert read_dfm(data, "cp1251").class_name == "TФорма"


def test_zero_padding_after_the_root_is_allowed():
    data = tpf0.stream(tpf0.obj("TForm1", "Form1"))
    assert read_dfm(data + b"\0\0\0") == read_dfm(data) == DfmObject("object", "Form1", "TForm1")


# -- resource header ------------------------------------------------------------------------


def test_resource_header_is_parsed():
    payload = tpf0.stream(tpf0.obj("TForm1", "Form1", tpf0.prop("Tag", tpf0.int8(7))))
    data = tpf0.resource(payload, name=b"TFORM1", flags=0x1030)
    assert is_binary_dfm(data)
    header = read_resource_header(data)
    assert (header.type, header.name, header.flags, header.size) == (10, "TFORM1", 0x1030, len(payload))
    assert header.data_offset == 3 + 7 + 6
    assert read_dfm(data) == read_dfm(payload)


def test_resource_header_with_ordinal_name():
    payload = tpf0.stream(tpf0.obj("TForm1", "Form1"))
    data = b"\xff\x0a\x00\xff\x01\x00" + struct.pack("<HI", 0x30, len(payload)) + payload
    assert read_resource_header(data).name == 1
    assert read_dfm(data).name == "Form1"


@pytest.mark.parametrize(
    ("data", "offset", "message"),
    [
        (b"\xff\x0a\x00TFORM1", 3, "resource name has no terminating zero byte"),
        (b"\xff\x0a\x00TFORM1\x00\x30\x10\x05", 10, "resource header truncated in the flags or size"),
        (b"\xff\x0a\x00\xff\x01", 3, "resource header truncated in the name"),
        (b"\xff\x0a\x00A\x00" + struct.pack("<HI", 0, 100) + b"TPF0", 11, "resource data truncated"),
        (tpf0.resource(b"TPF0\x02TA\x01A\x00\x00") + b"\x00", 27, "unexpected data after the resource"),
        (tpf0.resource(b"XPF0\x02TA\x01A\x00\x00"), 16, "no TPF0 signature"),
    ],
)
def test_bad_resource_header(data, offset, message):
    error = error_of(data)
    assert error.offset == offset
    assert message in error.message


def test_resource_of_another_type_is_refused():
    # read_dfm only takes FF 0A 00 (RCDATA) for a resource; the binary reader
    # itself must still check the type it parses.
    data = b"\xff\x05\x00A\x00" + struct.pack("<HI", 0, 4) + b"TPF0"
    with pytest.raises(DfmError) as info:
        read_binary_dfm(data)
    assert str(info.value) == "byte 0: resource type 5 is not RCDATA (10)"


# -- malformed streams ----------------------------------------------------------------------


GOOD = tpf0.stream(
    tpf0.obj(
        "TForm1",
        "Form1",
        tpf0.prop("Caption", tpf0.wstring("Форма"))
        + tpf0.prop("Items", tpf0.collection(tpf0.item(tpf0.prop("W", tpf0.int16(500)), index=tpf0.int8(0))))
        + tpf0.prop("Data", tpf0.binary(b"\x01\x02\x03"))
        + tpf0.prop("Style", tpf0.set_("fsBold"))
        + tpf0.prop("Lines", tpf0.list_(tpf0.lstring(b"abc"), tpf0.extended(1 << 63, 16383))),
        tpf0.obj("TServerSocket", "S", tpf0.prop("Port", tpf0.int32(10000)), prefix=b"\xf2" + tpf0.int8(1)),
    )
)


def test_every_truncation_is_an_error_with_an_offset():
    read_dfm(GOOD)  # the whole stream is fine
    for size in range(4, len(GOOD)):
        error = error_of(GOOD[:size])
        assert error.offset <= size, (size, str(error))


def test_bad_value_type():
    data = tpf0.stream(tpf0.obj("TForm1", "Form1", tpf0.prop("Left", b"\x3f\x00")))
    error = error_of(data)
    assert str(error) == "byte 22: bad value type 0x3F"
    assert data[22] == 0x3F


@pytest.mark.parametrize("kind", [0x00, 0x16, 0x3F, 0xFF])
def test_unknown_or_misplaced_value_types(kind):
    data = tpf0.stream(tpf0.obj("TA", "A", tpf0.prop("X", bytes([kind]) + b"\0\0\0\0\0\0\0\0")))
    error = error_of(data)
    assert (error.offset, error.message) == (11, f"bad value type 0x{kind:02X}")


# Offsets: "TPF0" is bytes 0-3, the class name "TA" 4-6, the name "A" 7-8, so a
# first property's name starts at 9 and its value type byte is at 11.
@pytest.mark.parametrize(
    ("body", "offset", "message"),
    [
        (tpf0.obj("TA", "A", prefix=b"\xf8"), 4, "bad object flags 0xF8"),
        (
            tpf0.obj("TA", "A", prefix=b"\xf2" + tpf0.string(b"x")),
            5,
            "expected an integer for the order index",
        ),
        (tpf0.obj("T A", "A"), 4, "bad class name 'T A'"),
        (tpf0.obj("", "A"), 4, "bad class name ''"),
        (tpf0.obj("TA", "A.B"), 7, "bad component name 'A.B'"),
        (tpf0.obj("TA", "A", tpf0.prop("end", tpf0.int8(1))), 9, "bad property name 'end'"),
        (tpf0.obj("TA", "A", tpf0.prop("X Y", tpf0.int8(1))), 9, "bad property name 'X Y'"),
        (tpf0.obj("TA", "A", tpf0.prop("X", tpf0.ident("a b"))), 12, "bad identifier 'a b'"),
        (tpf0.obj("TA", "A", tpf0.prop("X", tpf0.set_("ok", "no way"))), 15, "bad set element 'no way'"),
        (tpf0.obj("TA", "A", tpf0.prop("X", b"\x0e\x06")), 12, "expected the start of a collection item"),
        (tpf0.obj("TA", "A", tpf0.prop("X", tpf0.single(float("inf")))), 11, "not a finite number"),
        (tpf0.obj("TA", "A", tpf0.prop("X", tpf0.double(float("nan")))), 11, "not a finite number"),
        (tpf0.obj("TA", "A", tpf0.prop("X", tpf0.extended(1 << 63, 0x7FFF))), 11, "not a finite number"),
        (tpf0.obj("TA", "A", tpf0.prop("X", b"\x0c\xff\xff\xff\xff")), 16, "unexpected end of data"),
        (tpf0.obj("TA", "A", tpf0.prop("X", b"\x12\xff\xff\xff\x7f")), 16, "unexpected end of data"),
        (tpf0.obj("TA", "A") + b"\x01", 11, "unexpected data after the root object"),
    ],
)
def test_malformed_stream(body, offset, message):
    error = error_of(tpf0.stream(body))
    assert error.offset == offset, str(error)
    assert message in error.message
    assert str(error).startswith(f"byte {offset}: ")


def test_deep_nesting_is_an_error_not_a_crash():
    nested = b"".join(tpf0.short("TA") + tpf0.short("A") + b"\0" for _ in range(5000))
    error = error_of(b"TPF0" + nested + b"\0" * 5000)
    assert "objects nested more than 100 deep" in error.message
    lists = tpf0.stream(tpf0.short("TA") + tpf0.short("A") + tpf0.short("X") + b"\x01" * 50000)
    assert "values nested more than 100 deep" in error_of(lists).message
    items = tpf0.stream(tpf0.short("TA") + tpf0.short("A") + (tpf0.short("X") + b"\x0e\x01") * 5000)
    assert "values nested more than 100 deep" in error_of(items).message

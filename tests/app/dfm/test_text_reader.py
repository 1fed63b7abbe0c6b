"""Text form files: every value kind, the headers, encodings, and malformed input."""

from __future__ import annotations

import codecs

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
    read_dfm,
)


def value_of(text: str, encoding: str = "cp1252") -> object:
    """The value of X in a one-property form whose property line is ``  X = <text>``."""
    data = ("object F: TF\n  X = " + text + "\nend\n").encode("latin-1")
    tree = read_dfm(data, encoding)
    (prop,) = tree.properties
    assert prop.name == "X"
    return prop.value


def error_of(data: bytes | str, encoding: str = "cp1252") -> DfmError:
    if isinstance(data, str):
        data = data.encode("latin-1")
    with pytest.raises(DfmError) as info:
        read_dfm(data, encoding)
    return info.value


# -- values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24", 24),
        ("0", 0),
        ("-11", -11),
        ("$FF", 255),
        ("$7fffffff", 2**31 - 1),
        ("65556", 65556),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_integer(text, expected):
    assert value_of(text) == IntegerValue(expected)


@pytest.mark.parametrize(
    ("text", "body", "suffix", "kind"),
    [
        ("1.5", "1.5", "", "extended"),
        ("-0.25", "-0.25", "", "extended"),
        ("1.50000000000000000", "1.50000000000000000", "", "extended"),
        ("1.5E-5", "1.5E-5", "", "extended"),
        ("2e10", "2e10", "", "extended"),
        ("0.25s", "0.25", "s", "single"),
        ("12.5c", "12.5", "c", "currency"),
        ("45000.5d", "45000.5", "d", "date"),
        ("2.0f", "2.0", "f", "double"),
        ("5S", "5", "S", "single"),
    ],
)
def test_float_keeps_its_text_and_suffix(text, body, suffix, kind):
    value = value_of(text)
    assert value == FloatValue(body, suffix)
    assert value.kind == kind
    assert value.value == float(body)


@pytest.mark.parametrize(
    "text", ["True", "False", "nil", "clBtnFace", "DEFAULT_CHARSET", "DataModule1.Query1"]
)
def test_identifier(text):
    assert value_of(text) == IdentValue(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'Form1'", "Form1"),
        ("''", ""),
        ("'it''s'", "it's"),
        ("''''", "'"),
        ("#13#10", "\r\n"),
        ("'a'#9'b'", "a\tb"),
        ("#1054#1090#1082#1088#1099#1090#1100' '#1095#1072#1090", "Открыть чат"),
        ("#$41'b'", "Ab"),
        ("#0", "\0"),
        ("'abc' + 'def'", "abcdef"),
        ("'abc' +\r\n    'def' +\n    #33", "abcdef!"),
        ("#55357#56832", "\U0001f600"),  # UTF-16 pair, as Delphi writes astral characters
        ("#55357 +\n 'x' + #56832", "\ud83dx\ude00"),  # unpaired halves stay unpaired
        ("#55357 +\n #56832", "\U0001f600"),
        ("'{ not a comment }'", "{ not a comment }"),
    ],
)
def test_string(text, expected):
    assert value_of(text) == StringValue(expected)


def test_raw_bytes_in_quotes_use_the_callers_code_page():
    assert value_of("'\xcf\xf0\xe8\xe2\xe5\xf2'", "cp1251") == StringValue("Привет")
    assert value_of("'\xe9t\xe9'", "cp1252") == StringValue("été")


def test_undecodable_bytes_fall_back_to_latin1():
    # 0x81 and 0x8D are unassigned in cp1252; 0x98 is unassigned in cp1251.
    assert value_of("'a\x81b\x8d'", "cp1252") == StringValue("a\x81b\x8d")
    assert value_of("'\xcf\x98'", "cp1251") == StringValue("П\x98")


def test_byte_order_mark_overrides_the_code_page():
    data = codecs.BOM_UTF8 + "object Кнопка1: TButton\r\n  Caption = 'é'\r\nend\r\n".encode()
    tree = read_dfm(data, "cp1251")
    assert tree.name == "Кнопка1"
    assert tree.get("Caption") == StringValue("é")
    utf16 = "object F: TF\r\n  X = 1\r\nend\r\n".encode("utf-16")
    assert read_dfm(utf16).get("X") == IntegerValue(1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", ()),
        ("[fsBold]", ("fsBold",)),
        ("[biSystemMenu, biMinimize]", ("biSystemMenu", "biMinimize")),
        ("[ a ,b,\n c ]", ("a", "b", "c")),
        ("[0, 7]", ("0", "7")),
    ],
)
def test_set(text, expected):
    assert value_of(text) == SetValue(expected)


def test_list():
    text = (
        "(\n    'first'\n    'sec' +\n      'ond'\n    42\n    -1.5\n"
        "    clRed\n    ('nested')\n    [a]\n    {00FF})"
    )
    assert value_of(text) == ListValue(
        (
            StringValue("first"),
            StringValue("second"),
            IntegerValue(42),
            FloatValue("-1.5"),
            IdentValue("clRed"),
            ListValue((StringValue("nested"),)),
            SetValue(("a",)),
            BinaryValue(b"\x00\xff"),
        )
    )
    assert value_of("()") == ListValue(())
    # Adjacent strings without '+' are separate items.
    assert value_of("('a' 'b')") == ListValue((StringValue("a"), StringValue("b")))


def test_collection():
    text = (
        "<\n    item\n      Width = 50\n      Text = 'a'\n    end\n"
        "    item [3]\n      Columns = <\n        item\n        end>\n    end\n    item\n    end>"
    )
    assert value_of(text) == CollectionValue(
        (
            CollectionItem((DfmProperty("Width", IntegerValue(50)), DfmProperty("Text", StringValue("a")))),
            CollectionItem(
                (DfmProperty("Columns", CollectionValue((CollectionItem(()),))),),
                index=3,
            ),
            CollectionItem(()),
        )
    )
    assert value_of("<>") == CollectionValue(())
    assert value_of("<ITEM End item[-1] END>") == CollectionValue(
        (CollectionItem(()), CollectionItem((), -1))
    )


def test_binary():
    text = "{\n    0754426974\n    6d61700000}"
    assert value_of(text) == BinaryValue(bytes.fromhex("07544269746D61700000"))
    assert value_of("{}") == BinaryValue(b"")
    assert value_of("{ 0 A\tf f }") == BinaryValue(b"\x0a\xff")


# -- objects -----------------------------------------------------------------------


def test_headers_and_nesting():
    text = (
        "inherited Form2: TForm2\n"
        "  Caption = 'x'\n"
        "  inline Frame1: TFrame1 [2]\n"
        "    object TLabel\n"
        "    end\n"
        "  end\n"
        "  object Button1: TButton [0]\n"
        "    Font.Name = 'Tahoma'\n"
        "  end\n"
        "end\n"
    )
    assert read_dfm(text.encode()) == DfmObject(
        "inherited",
        "Form2",
        "TForm2",
        [DfmProperty("Caption", StringValue("x"))],
        [
            DfmObject("inline", "Frame1", "TFrame1", [], [DfmObject("object", "", "TLabel")], index=2),
            DfmObject(
                "object", "Button1", "TButton", [DfmProperty("Font.Name", StringValue("Tahoma"))], index=0
            ),
        ],
    )


def test_keywords_are_case_insensitive_and_layout_is_free():
    tree = read_dfm(b"OBJECT A: TA Left = 1 Object B: TB End\tEND")
    assert tree == DfmObject(
        "object", "A", "TA", [DfmProperty("Left", IntegerValue(1))], [DfmObject("object", "B", "TB")]
    )


def test_line_ends_do_not_matter():
    lf = b"object A: TA\n  X = 'a' +\n    'b'\n  Y = (\n    1)\nend\n"
    expected = read_dfm(lf)
    assert read_dfm(lf.replace(b"\n", b"\r\n")) == expected
    assert read_dfm(lf.replace(b"\n", b"\r")) == expected
    mixed = b"object A: TA\r\n  X = 'a' +\n    'b'\r  Y = (\r\n    1)\nend"
    assert read_dfm(mixed) == expected


def test_property_names_may_be_dotted_and_repeat():
    tree = read_dfm(b"object A: TA\n  Font.Style = [fsBold]\n  Left = 1\n  Left = 2\nend")
    assert [p.name for p in tree.properties] == ["Font.Style", "Left", "Left"]
    assert tree.get("Left") == IntegerValue(2)


def test_names_outside_ascii_in_the_callers_code_page():
    tree = read_dfm("object Форма1: TФорма\n  Кнопка.Текст = Значение\nend\n".encode("cp1251"), "cp1251")
    assert (tree.name, tree.class_name) == ("Форма1", "TФорма")
    assert tree.properties == [DfmProperty("Кнопка.Текст", IdentValue("Значение"))]


# -- malformed input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ("", "line 1, column 1", "expected 'object', 'inherited' or 'inline', found end of file"),
        ("hello", "line 1, column 1", "expected 'object'"),
        ("\x00\x01", "line 1, column 1", "unexpected character U+0000"),
        ("object A: TA\n  Left = 1\n", "line 3, column 1", "'end' of A (line 1), found end of file"),
        # Left belongs to B, whose 'end' is the last line: it is A that is left open.
        (
            "object A: TA\r\n  object B: TB\r\n  Left = 1\r\nend\r\n",
            "line 5, column 1",
            "'end' of A (line 1)",
        ),
        (
            "object A: TA\nend\nend\n",
            "line 3, column 1",
            "expected end of file after the root object's 'end'",
        ),
        ("object A: TA\n  X = {\n    0A0G}\nend", "line 3, column 8", "bad hex digit 'G'"),
        ("object A: TA\n  X = {0A0}\nend", "line 2, column 11", "odd number of hex digits"),
        ("object A: TA\n  X = {0A0B\n", "line 2, column 7", "unterminated binary value"),
        ("object A: TA\n  Caption = 'abc\nend", "line 2, column 13", "unterminated string"),
        ("object A: TA\n  Caption = 'abc''\nend", "line 2, column 13", "unterminated string"),
        ("object A: TA\n  Caption = 'a'#\nend", "line 2, column 16", "expected a character code after '#'"),
        ("object A: TA\n  C = #1114112\nend", "line 2, column 7", "character code 1114112 is out of range"),
        ("object A: TA\n  C = 'a' +\nend", "line 3, column 1", "expected a string after '+', found 'end'"),
        ("object A: TA\n  Left 1\nend", "line 2, column 8", "expected '=' after property Left, found '1'"),
        ("object A: TA\n  Left = )\nend", "line 2, column 10", "expected a value, found ')'"),
        ("object A: TA\n  X = 1.2.3\nend", "line 2, column 7", "bad number '1.2.3'"),
        ("object A: TA\n  X = 5px\nend", "line 2, column 7", "bad number '5p'"),
        ("object A: TA\n  X = -\nend", "line 2, column 7", "expected a digit after '-'"),
        ("object A: TA\n  X = $\nend", "line 2, column 7", "expected hex digits after '$'"),
        ("object A: TA\n  X = [a b]\nend", "line 2, column 10", "expected ',' or ']' in a set, found 'b'"),
        ("object A: TA\n  X = [a, 'b']\nend", "line 2, column 11", "expected a set element, found a string"),
        ("object A: TA\n  X = (1 = 2)\nend", "line 2, column 10", "expected a value, found '='"),
        (
            "object A: TA\n  X = (1 2",
            "line 2, column 11",
            "expected ')' to close the list at line 2, column 7",
        ),
        (
            "object A: TA\n  X = <foo>\nend",
            "line 2, column 8",
            "expected 'item' or '>' in a collection, found 'foo'",
        ),
        (
            "object A: TA\n  X = <item\n  object B: TB end>",
            "line 3, column 3",
            "expected a property or 'end' of the item",
        ),
        ("object A: TA\n  X = <item end\n", "line 3, column 1", "expected 'item' or '>' in a collection"),
        ("object A.B: TA\nend", "line 1, column 8", "a component name cannot contain '.'"),
        ("object A: 5\nend", "line 1, column 11", "expected a class name, found '5'"),
        # Like Delphi, 'end' in a value position is just an identifier.
        ("object A: TA\n  Left =\nend", "line 3, column 4", "'end' of A (line 1), found end of file"),
        ("object A: TA [x]\nend", "line 1, column 15", "expected an order index, found 'x'"),
        ("object A: TA [1\nend", "line 2, column 1", "expected ']' after the order index"),
        ("object A: TA\n  // comment\nend", "line 2, column 3", "unexpected character '/'"),
        (
            "object A: TA\n  { comment }\nend",
            "line 2, column 3",
            "expected a property, an object or 'end' of A",
        ),
        ("object A: TA\n  X = 1\x1a\nend", "line 2, column 8", "unexpected character U+001A"),
    ],
)
def test_malformed_text_reports_where(data, where, message):
    error = error_of(data)
    assert str(error).startswith(where + ": "), str(error)
    assert message in error.message
    line, column = (int(part.split()[1]) for part in where.split(", "))
    assert (error.line, error.column, error.offset) == (line, column, None)


def test_numbers_too_long_for_python_are_errors():
    error = error_of("object A: TA\n  X = " + "9" * 5000 + "\nend")
    assert (error.line, error.column, error.message) == (2, 7, "number too long")
    error = error_of("object A: TA\n  X = #" + "1" * 5000 + "\nend")
    assert (error.line, error.column, error.message) == (2, 7, "number too long")


@pytest.mark.parametrize(
    "data",
    [
        "object A: TA\n" * 5000,
        "object A: TA\n  X = " + "(" * 50000,
        "object A: TA\n  X = " + "<item Y = " * 5000,
        "object A: TA\n" * 90 + "  X = " + "(" * 50,
    ],
    ids=["objects", "lists", "collections", "objects-then-lists"],
)
def test_deep_nesting_is_an_error_not_a_crash(data):
    error = error_of(data)
    assert "nested more than 100 deep" in error.message
    assert error.line is not None and error.column is not None


def test_nesting_up_to_the_limit_reads():
    depth = 100
    text = "".join(f"{'  ' * i}object A{i}: TA\n" for i in range(depth + 1))
    text += "".join(f"{'  ' * i}end\n" for i in reversed(range(depth + 1)))
    tree = read_dfm(text.encode())
    assert len(list(tree.walk())) == depth + 1


def test_columns_count_characters_not_bytes():
    error = error_of("object A: TA\n  Caption = 'Привет' Z\nend".encode(), "utf-8")
    assert (error.line, error.column) == (3, 1)  # 'Z' is taken as a property name; '=' is missing
    error = error_of("object A: TA\n  Caption = 'Привет' 7\nend".encode(), "utf-8")
    assert (error.line, error.column) == (2, 22)


def test_unknown_code_page_is_a_lookup_error():
    with pytest.raises(LookupError):
        read_dfm(b"object A: TA\nend", "no-such-code-page")


@pytest.mark.parametrize(
    ("number", "column", "message"),
    [
        ("$" + "F" * 10_000, 7, "number too long"),
        ("$1" + "0" * 16, 7, "number too long"),
        ("1" + "0" * 20, 7, "number too long"),
        ("18446744073709551616", 7, "number out of range: form files hold 64-bit integers, not 18446744073709551616"),
        ("-9223372036854775809", 7, "number out of range"),
    ],
)
def test_integers_beyond_64_bits_are_refused_where_they_stand(number, column, message):
    # Delphi's parser reads 64-bit integers; a longer one would also be too long to save
    error = error_of(f"object A: TA\n  X = {number}\nend")
    assert (error.line, error.column) == (2, column)
    assert error.message.startswith(message)


def test_the_64_bit_limits_read():
    tree = read_dfm(b"object A: TA\n  X = $FFFFFFFFFFFFFFFF\n  Y = -9223372036854775808\n"
                    b"  Z = $000000000000000001\nend")
    assert [p.value for p in tree.properties] == [IntegerValue(2**64 - 1), IntegerValue(-(2**63)), IntegerValue(1)]

"""The value tree: equality by value, conveniences, and the error type."""

from __future__ import annotations

import pickle

from app.core.dfm import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmError,
    DfmObject,
    DfmProperty,
    FloatValue,
    IntegerValue,
    ListValue,
    SetValue,
    StringValue,
)


def test_values_compare_by_value_and_hash():
    assert StringValue("a") == StringValue("a") != StringValue("b")
    assert FloatValue("1.5") != FloatValue("1.50")  # the text is part of the value
    assert FloatValue("1.5", "s") != FloatValue("1.5")
    assert {ListValue((IntegerValue(1),)), ListValue((IntegerValue(1),))} == {ListValue((IntegerValue(1),))}


def test_sequences_are_stored_as_tuples():
    assert SetValue(["a", "b"]) == SetValue(("a", "b"))  # type: ignore[arg-type]
    assert ListValue([IntegerValue(1)]) == ListValue((IntegerValue(1),))  # type: ignore[arg-type]
    item = CollectionItem([DfmProperty("W", IntegerValue(1))])  # type: ignore[arg-type]
    assert CollectionValue([item]) == CollectionValue((item,))  # type: ignore[arg-type]
    assert BinaryValue(bytearray(b"\x01")) == BinaryValue(b"\x01")


def test_get_and_walk():
    leaf = DfmObject("object", "L", "TLabel")
    panel = DfmObject("object", "P", "TPanel", children=[leaf])
    form = DfmObject(
        "object",
        "F",
        "TForm",
        [DfmProperty("Left", IntegerValue(1)), DfmProperty("Left", IntegerValue(2))],
        [panel, DfmObject("object", "T", "TTimer")],
    )
    assert form.get("Left") == IntegerValue(2)
    assert form.get("left") is None
    assert form.get("Top", IntegerValue(0)) == IntegerValue(0)
    assert [o.name for o in form.walk()] == ["F", "P", "L", "T"]


def test_error_text_and_pickling():
    text = DfmError("expected 'end'", line=12, column=5)
    binary = DfmError("bad value type 0x3F", offset=311)
    assert str(text) == "line 12, column 5: expected 'end'"
    assert str(binary) == "byte 311: bad value type 0x3F"
    assert str(DfmError("plain")) == "plain"
    copy = pickle.loads(pickle.dumps(text))
    assert (copy.message, copy.line, copy.column, copy.offset) == ("expected 'end'", 12, 5, None)
    assert str(pickle.loads(pickle.dumps(binary))) == str(binary)

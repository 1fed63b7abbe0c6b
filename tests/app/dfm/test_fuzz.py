"""Garbage in, DfmError out: nothing else escapes, and what reads also writes.

Every input either raises DfmError carrying a position, or gives a tree that
survives write_dfm and read_dfm unchanged (the round-trip promise covers every
tree read_dfm can produce, including ones from half-broken files). Numbers
thousands of digits long are in the mix: one once read fine and then could not
be written.

The writer gets the same treatment from the other side: any tree at all (names
with spaces, ``end`` as a property, float text ``abc``, integers of any size,
values that are not values) is either written so that it reads back the same,
or refused with DfmWriteError naming its place; nothing else escapes.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    write_dfm,
)
from app.core.dfm.binary_reader import read_resource_header
from app.core.dfm.errors import DfmWriteError

from . import strategies, tpf0

DATA = Path(__file__).resolve().parent.parent / "data" / "dfm"
SAMPLES = [p.read_bytes() for p in sorted(DATA.glob("*.dfm"))]
BINARY_SAMPLES = [
    *(data for data in SAMPLES if data.startswith(b"\xff\x0a\x00")),
    # The resource's stream on its own, and a stream using every value type.
    *(data[read_resource_header(data).data_offset :] for data in SAMPLES if data.startswith(b"\xff\x0a\x00")),
    tpf0.stream(
        tpf0.obj(
            "TForm1",
            "Form1",
            tpf0.prop("A", tpf0.list_(tpf0.int8(1), tpf0.int16(2), tpf0.int32(3), tpf0.int64(4)))
            + tpf0.prop("B", tpf0.list_(tpf0.extended(1 << 63, 16383), tpf0.single(0.5), tpf0.double(0.25)))
            + tpf0.prop(
                "C", tpf0.list_(tpf0.date(1.5), tpf0.currency(5), tpf0.string(b"s"), tpf0.lstring(b"l"))
            )
            + tpf0.prop("D", tpf0.list_(tpf0.wstring("w"), tpf0.utf8string("u"), tpf0.ident("i"), tpf0.NIL))
            + tpf0.prop("E", tpf0.list_(tpf0.TRUE, tpf0.FALSE, tpf0.binary(b"\x01\x02"), tpf0.set_("x", "y")))
            + tpf0.prop("F", tpf0.collection(tpf0.item(tpf0.prop("W", tpf0.int8(1)), index=tpf0.int8(0)))),
            tpf0.obj("TButton", "B1", prefix=b"\xf3" + tpf0.int8(2)),
        )
    ),
]
TEXT_SAMPLES = [data for data in SAMPLES if data not in BINARY_SAMPLES]
ENCODINGS = ["cp1252", "cp1251", "utf-8", "cp932"]

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_reject(data: bytes, encoding: str = "cp1252") -> None:
    try:
        tree = read_dfm(data, encoding)
    except DfmError as error:
        if error.offset is not None:
            assert error.line is None and 0 <= error.offset <= len(data)
        else:
            assert error.line is not None and 1 <= error.line <= data.count(b"\n") + data.count(b"\r") + 1
            assert error.column is not None and error.column >= 1
        return
    assert read_dfm(write_dfm(tree, encoding), encoding) == tree


_TOKENS = [
    "object",
    "inherited",
    "inline",
    "end",
    "item",
    "A",
    "TA",
    "Font.Name",
    "=",
    ":",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "{",
    "}",
    "+",
    ",",
    "'x'",
    "'",
    "''",
    "#13",
    "#",
    "#$41",
    "1",
    "-5",
    "$FF",
    "1.5",
    "2.5s",
    "1e",
    "0A",
    "True",
    "\n",
    "\r\n",
    " ",
    "\t",
    "\x00",
    "é",
    "\x81",
    "$" + "F" * 17,
    "$" + "F" * 10_000,
    "9" * 21,
    "-" + "9" * 5000,
    "#" + "1" * 5000,
]


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "truncate":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(_TOKENS).map(str.encode))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(data=st.binary(max_size=400), encoding=st.sampled_from(ENCODINGS))
def test_arbitrary_bytes(data, encoding):
    read_or_reject(data, encoding)


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_after_a_binary_signature(data):
    read_or_reject(b"TPF0" + data)
    read_or_reject(b"\xff\x0a\x00" + data)


@FUZZ
@given(data=mutated(TEXT_SAMPLES), encoding=st.sampled_from(ENCODINGS))
def test_mutated_text_samples(data, encoding):
    read_or_reject(data, encoding)


@FUZZ
@given(data=mutated(BINARY_SAMPLES), encoding=st.sampled_from(ENCODINGS))
def test_mutated_binary_samples(data, encoding):
    read_or_reject(data, encoding)


@FUZZ
@given(tokens=st.lists(st.sampled_from(_TOKENS), max_size=60))
def test_token_soup(tokens):
    # Starting from a valid header gets the parser past the first token.
    read_or_reject(("object A: TA\n  " + " ".join(tokens)).encode("utf-8"))


# Names, texts and numbers a tree may hold once it comes from anywhere (a damaged
# form file's stored tree): the writer must take them or refuse them, by place.
_nasty_text = st.sampled_from(["end", "Object", "a b", "T F", "", "1x", "abc", "1.5x", "Form1", "A.B", "x,y",
                               "item", "é", "\n"]) | st.text(max_size=6)
_nasty_int = (st.integers() | st.sampled_from([2**64, 2**64 - 1, -(2**63) - 1, 10**30])
              | st.integers(4400, 4500).map(lambda digits: 10**digits))
_nasty_scalars = st.one_of(
    strategies.scalars,
    st.builds(IntegerValue, _nasty_int),
    st.builds(FloatValue, _nasty_text, st.sampled_from(["", "s", "x", "ss"])),
    st.builds(IdentValue, _nasty_text),
    st.builds(SetValue, st.lists(_nasty_text, max_size=3).map(tuple)),
    st.builds(StringValue, st.text(max_size=20)),
    st.just(b"not a value"),
)


def _nasty_containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    props = st.builds(DfmProperty, strategies.property_names | _nasty_text, inner)
    return st.one_of(
        st.builds(ListValue, st.lists(inner, max_size=3).map(tuple)),
        st.builds(CollectionValue, st.lists(st.builds(CollectionItem, st.lists(props, max_size=2).map(tuple),
                                                      st.none() | _nasty_int), max_size=2).map(tuple)),
        st.builds(BinaryValue, st.binary(max_size=8)),
    )


_nasty_values = st.recursive(_nasty_scalars, _nasty_containers, max_leaves=8)


def _nasty_object(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        DfmObject,
        kind=st.sampled_from(["object", "inherited", "inline", "thing"]),
        name=st.just("") | strategies.identifiers | _nasty_text,
        class_name=strategies.dotted_names | _nasty_text,
        properties=st.lists(st.builds(DfmProperty, strategies.property_names | _nasty_text, _nasty_values),
                            max_size=4),
        children=children,
        index=st.none() | _nasty_int,
    )


nasty_trees = st.recursive(_nasty_object(st.just([])), lambda inner: _nasty_object(st.lists(inner, max_size=3)),
                           max_leaves=5)


@FUZZ
@given(tree=nasty_trees, encoding=st.sampled_from(ENCODINGS))
def test_any_tree_is_written_to_read_back_or_refused_by_place(tree, encoding):
    try:
        data = write_dfm(tree, encoding)
    except DfmWriteError as error:
        assert error.where and len(str(error)) < 400 and len(str(error).splitlines()) == 1
        return
    assert read_dfm(data, encoding) == tree

"""Hypothesis strategies for form trees of the kind ``read_dfm`` produces.

The rules are restated here from the DFM format, not imported from app.core.dfm,
so a rule the package gets wrong is not silently agreed with.
"""

from __future__ import annotations

from hypothesis import strategies as st

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
)

# A few non-ASCII letters: names outside the code page force the UTF-8 file.
_FIRST = "abcxyzABCXYZ_éЖßΩ"
_REST = _FIRST + "0123456789"
_RESERVED = {"end", "object", "inherited", "inline"}

identifiers = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_FIRST),
    st.text(alphabet=_REST, max_size=8),
)
dotted_names = st.lists(identifiers, min_size=1, max_size=3).map(".".join)
property_names = dotted_names.filter(lambda name: name.lower() not in _RESERVED)

_float_texts = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
floats = st.builds(
    FloatValue, _float_texts, st.sampled_from(["", "", "s", "c", "d", "f", "S", "C", "D", "F"])
).filter(lambda f: bool(f.suffix) or any(ch in f.text for ch in ".eE"))

# st.text() leaves out surrogates: the reader pairs them up, as Delphi does.
strings = st.builds(StringValue, st.text(max_size=150))
integers = st.builds(IntegerValue, st.integers(min_value=-(2**63), max_value=2**64 - 1))
idents = st.builds(IdentValue, dotted_names | st.sampled_from(["True", "False", "nil", "end", "item"]))
sets = st.builds(
    SetValue,
    st.lists(identifiers | st.from_regex(r"[0-9]{1,3}", fullmatch=True), max_size=4).map(tuple),
)
binaries = st.builds(BinaryValue, st.binary(max_size=80))
scalars = st.one_of(integers, floats, idents, strings, sets, binaries)


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    props = st.builds(DfmProperty, property_names, inner)
    item = st.builds(
        CollectionItem,
        st.lists(props, max_size=3).map(tuple),
        st.none() | st.integers(min_value=-5, max_value=300),
    )
    return st.one_of(
        st.builds(ListValue, st.lists(inner, max_size=4).map(tuple)),
        st.builds(CollectionValue, st.lists(item, max_size=3).map(tuple)),
    )


values = st.recursive(scalars, _containers, max_leaves=12)
properties = st.builds(DfmProperty, property_names, values)


def _object(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        DfmObject,
        kind=st.sampled_from(["object", "inherited", "inline"]),
        name=st.just("") | identifiers,
        class_name=dotted_names,
        properties=st.lists(properties, max_size=4),
        children=children,
        index=st.none() | st.integers(min_value=-3, max_value=1000),
    )


trees = st.recursive(_object(st.just([])), lambda inner: _object(st.lists(inner, max_size=3)), max_leaves=6)

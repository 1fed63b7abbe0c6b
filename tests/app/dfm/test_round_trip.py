"""Random trees survive being written and read back, in several code pages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.dfm import read_dfm, write_dfm

from .strategies import trees, values

ENCODINGS = ["cp1252", "cp1251", "utf-8", "cp932", "latin-1"]


@settings(max_examples=300, deadline=None)
@given(tree=trees, encoding=st.sampled_from(ENCODINGS))
def test_write_then_read_gives_the_tree_back(tree, encoding):
    data = write_dfm(tree, encoding)
    assert read_dfm(data, encoding) == tree
    # Writing is a function of the tree alone: a second pass changes nothing.
    assert write_dfm(read_dfm(data, encoding), encoding) == data


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_every_value_kind_round_trips_inside_lists_and_collections(value):
    from app.core.dfm import CollectionItem, CollectionValue, DfmObject, DfmProperty, ListValue

    nested = ListValue((value, CollectionValue((CollectionItem((DfmProperty("V", value),)),))))
    tree = DfmObject("object", "F", "TF", [DfmProperty("X", value), DfmProperty("Y", nested)])
    assert read_dfm(write_dfm(tree)) == tree

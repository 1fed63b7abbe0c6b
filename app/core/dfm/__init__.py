"""Delphi / C++Builder form files (.dfm): read text and binary, write text.

    tree = read_dfm(path.read_bytes(), encoding="cp1251")
    for obj in tree.walk():
        if obj.class_name == "TServerSocket":
            print(obj.name, obj.get("Port"))
    path.write_bytes(write_dfm(tree, encoding="cp1251"))

``read_dfm(write_dfm(tree)) == tree`` holds for every tree ``read_dfm``
returns. Malformed input raises ``DfmError`` with a line and column (text) or
a byte offset (binary); nothing else escapes and no partial tree is returned.

This package is part of the Qt-free core: it must not import Qt.
"""

from __future__ import annotations

import codecs

from .binary_reader import is_binary_dfm, read_binary_dfm
from .errors import DfmError
from .text_reader import read_text_dfm
from .text_writer import write_dfm
from .tree import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    ObjectKind,
    SetValue,
    StringValue,
    Value,
)

__all__ = [
    "BinaryValue",
    "CollectionItem",
    "CollectionValue",
    "DfmError",
    "DfmObject",
    "DfmProperty",
    "FloatValue",
    "IdentValue",
    "IntegerValue",
    "ListValue",
    "ObjectKind",
    "SetValue",
    "StringValue",
    "Value",
    "is_binary_dfm",
    "read_dfm",
    "write_dfm",
]


def read_dfm(data: bytes, encoding: str = "cp1252") -> DfmObject:
    """Parse a form file, text or binary (``TPF0``, optionally behind a resource header).

    *encoding* is the code page of 8-bit text: raw characters inside quotes and
    names in a text file, short and long strings in a binary one. Bytes it
    cannot decode keep their Latin-1 meaning. A misspelt code page raises
    LookupError before anything is parsed.
    """
    codecs.lookup(encoding)
    data = bytes(data)
    if is_binary_dfm(data):
        return read_binary_dfm(data, encoding)
    return read_text_dfm(data, encoding)

"""Writes a tree as a text form file, laid out the way Delphi's IDE saves one.

Two spaces of indent per level, CRLF line ends, a CRLF after the final
``end``. Strings are quoted with ``''`` for a quote and ``#nnn`` for every
character outside printable ASCII (characters beyond U+FFFF as the two UTF-16
codes Delphi uses), and strings over 64 characters are split into ``+``
continued lines. Lists, collections and binary data open on the property's
line, put one element per line one level deeper, and close on the last line.

Because every string character outside ASCII is escaped, only names can need
the code page: if one cannot be written in *encoding*, the whole file is
written as UTF-8 with a byte-order mark, which ``read_dfm`` recognises
whatever code page it is given (Unicode Delphi versions read it too).

A tree the reader could not read back (a property called ``end``, a name with
a space in it, a float text without a point, an integer beyond 64 bits) is
refused with DfmWriteError (a ValueError) rather than written wrongly; the
error names the object's path in the tree and the property.
"""

from __future__ import annotations

import codecs

from app.core.short_repr import short_repr

from .errors import DfmWriteError
from .grammar import (
    OBJECT_KEYWORDS,
    is_dotted_identifier,
    is_float_text,
    is_identifier,
    is_integer,
    is_property_name,
    is_set_element,
)
from .tree import (
    BinaryValue,
    CollectionValue,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    SetValue,
    StringValue,
    Value,
)

_LINE_END = "\r\n"
_INDENT = "  "
_STRING_CHUNK = 64  # characters per line before a long string is split with '+'
_BINARY_CHUNK = 32  # bytes per line of hex


def write_dfm(obj: DfmObject, encoding: str = "cp1252") -> bytes:
    """The text form file for *obj*, encoded in *encoding* (see the module docstring)."""
    lines: list[str] = []
    _write_object(obj, 0, lines, "")
    text = _LINE_END.join(lines) + _LINE_END
    try:
        data = text.encode(encoding)
        # Some code pages map two characters to one byte sequence; only keep the
        # code page if the file reads back as written.
        if data.decode(encoding) == text:
            return data
    except UnicodeError:
        pass
    return codecs.BOM_UTF8 + text.encode("utf-8")


def _indent(level: int) -> str:
    return _INDENT * level


def _write_object(obj: DfmObject, level: int, lines: list[str], parent: str) -> None:
    where = f"{parent} > {_label(obj)}" if parent else _label(obj)
    if not isinstance(obj.kind, str) or obj.kind not in OBJECT_KEYWORDS:
        raise DfmWriteError(f"object kind must be 'object', 'inherited' or 'inline', not {short_repr(obj.kind)}", where)
    if obj.name and not (isinstance(obj.name, str) and is_identifier(obj.name)):
        raise DfmWriteError(f"component name {short_repr(obj.name)} is not an identifier", where)
    if not (isinstance(obj.class_name, str) and is_dotted_identifier(obj.class_name)):
        raise DfmWriteError(f"class name {short_repr(obj.class_name)} is not an identifier", where)
    header = f"{_indent(level)}{obj.kind} "
    if obj.name:
        header += f"{obj.name}: "
    header += obj.class_name + _order_index(obj.index, where)
    lines.append(header)
    for number, prop in enumerate(obj.properties, 1):
        _write_property(prop, level + 1, lines, where, number)
    for child in obj.children:
        _write_object(child, level + 1, lines, where)
    lines.append(f"{_indent(level)}end")


def _label(obj: DfmObject) -> str:
    """The object in a path: its name, else its class; quoted when it is not an identifier."""
    for candidate in (obj.name, obj.class_name):
        if isinstance(candidate, str) and candidate:
            return candidate if is_dotted_identifier(candidate) else short_repr(candidate)
    return "(unnamed)"



def _order_index(index: int | None, where: str) -> str:
    if index is None:
        return ""
    if not is_integer(index):
        raise DfmWriteError(f"order index must be a 64-bit integer, not {short_repr(index)}", where)
    return f" [{int(index)}]"


def _write_property(prop: DfmProperty, level: int, lines: list[str], where: str, number: int) -> None:
    place = f"{where}, property {number}"
    if not (isinstance(prop.name, str) and is_property_name(prop.name)):
        raise DfmWriteError(f"{short_repr(prop.name)} cannot be written as a property name", place)
    place = f"{where}, property {number} ({prop.name})"
    try:
        rendered = _render(prop.value, level, own_line=False)
    except DfmWriteError as exc:
        raise DfmWriteError(exc.message, f"{place} > {exc.where}" if exc.where else place) from None
    lines.append(f"{_indent(level)}{prop.name} = {rendered[0]}")
    lines.extend(rendered[1:])


def _render(value: Value, level: int, *, own_line: bool) -> list[str]:
    """The lines of *value*: the first continues the current line, the rest are indented.

    *level* is the level of the line the value starts on; *own_line* says the
    value starts a line of its own (a list item) rather than following ``=``.
    """
    if isinstance(value, StringValue):
        if not isinstance(value.value, str):
            raise DfmWriteError(f"string value {short_repr(value.value)} is not text")
        return _render_string(value.value, level, own_line=own_line)
    if isinstance(value, IntegerValue):
        if not is_integer(value.value):
            raise DfmWriteError(f"integer value {short_repr(value.value)} is not a 64-bit integer")
        return [str(int(value.value))]
    if isinstance(value, FloatValue):
        if not (isinstance(value.text, str) and isinstance(value.suffix, str)
                and is_float_text(value.text, value.suffix)):
            raise DfmWriteError(f"{short_repr(str(value.text) + str(value.suffix))} would not read back as a float")
        return [value.text + value.suffix]
    if isinstance(value, IdentValue):
        if not (isinstance(value.name, str) and is_dotted_identifier(value.name)):
            raise DfmWriteError(f"{short_repr(value.name)} is not an identifier")
        return [value.name]
    if isinstance(value, SetValue):
        for element in value.items:
            if not (isinstance(element, str) and is_set_element(element)):
                raise DfmWriteError(f"{short_repr(element)} cannot be written as a set element")
        return ["[" + ", ".join(value.items) + "]"]
    if isinstance(value, ListValue):
        return _render_list(value, level)
    if isinstance(value, CollectionValue):
        return _render_collection(value, level)
    if isinstance(value, BinaryValue):
        return _render_binary(value.data, level)
    raise DfmWriteError(f"not a form file value: {short_repr(value)}")


def _render_string(text: str, level: int, *, own_line: bool) -> list[str]:
    if len(text) <= _STRING_CHUNK:
        return [_quote(text)]
    parts = [_quote(text[i : i + _STRING_CHUNK]) for i in range(0, len(text), _STRING_CHUNK)]
    parts = [part + " +" for part in parts[:-1]] + parts[-1:]
    if own_line:
        return [parts[0]] + [_indent(level) + part for part in parts[1:]]
    # After '=' Delphi breaks the line and indents the whole string one level.
    return [""] + [_indent(level + 1) + part for part in parts]


def _quote(text: str) -> str:
    out: list[str] = []
    quoted = False
    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            if not quoted:
                out.append("'")
                quoted = True
            out.append("''" if ch == "'" else ch)
            continue
        if quoted:
            out.append("'")
            quoted = False
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"#{0xD800 + (code >> 10)}#{0xDC00 + (code & 0x3FF)}")
        else:
            out.append(f"#{code}")
    if quoted:
        out.append("'")
    return "".join(out) or "''"


def _render_list(value: ListValue, level: int) -> list[str]:
    if not value.items:
        return ["()"]
    lines = ["("]
    for item in value.items:
        rendered = _render(item, level + 1, own_line=True)
        lines.append(_indent(level + 1) + rendered[0])
        lines.extend(rendered[1:])
    lines[-1] += ")"
    return lines


def _render_collection(value: CollectionValue, level: int) -> list[str]:
    if not value.items:
        return ["<>"]
    lines = ["<"]
    for number, item in enumerate(value.items, 1):
        where = f"item {number}"
        lines.append(f"{_indent(level + 1)}item{_order_index(item.index, where)}")
        for index, prop in enumerate(item.properties, 1):
            _write_property(prop, level + 2, lines, where, index)
        lines.append(f"{_indent(level + 1)}end")
    lines[-1] += ">"
    return lines


def _render_binary(data: bytes, level: int) -> list[str]:
    if not data:
        return ["{}"]
    lines = ["{"]
    for start in range(0, len(data), _BINARY_CHUNK):
        lines.append(_indent(level + 1) + data[start : start + _BINARY_CHUNK].hex().upper())
    lines[-1] += "}"
    return lines

"""Reads binary form files: the ``TPF0`` stream Delphi's TWriter produces.

Layout (all integers little-endian)::

    file      = ["resource header"] "TPF0" object [zero padding]
    object    = [prefix] class:short-string name:short-string property* 0 object* 0
    prefix    = byte 0xF0 | flags    flags: 1 inherited, 2 order index follows, 4 inline
                [integer value]      the order index, when flag 2 is set
    property  = name:short-string value
    value     = type-byte payload    (see ``_parse_value``)

A file converted from a 16-bit resource starts with that resource's header:
type and name (each 0xFF + 16-bit ordinal, or a zero-terminated string),
16-bit memory flags, 32-bit data size. Form streams are RCDATA (type 10).

Every read is bounds-checked against the end of the stream, so truncated or
corrupted input gives a ``DfmError`` with the byte offset, never an IndexError
or a partial tree.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from decimal import Decimal, localcontext

from .errors import DfmError
from .grammar import decode, is_dotted_identifier, is_identifier, is_property_name, is_set_element
from .text_reader import MAX_DEPTH
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

SIGNATURE = b"TPF0"
RESOURCE_PREFIX = b"\xff\x0a\x00"  # ordinal type RT_RCDATA
RT_RCDATA = 10

VA_NULL = 0
VA_LIST = 1
VA_INT8 = 2
VA_INT16 = 3
VA_INT32 = 4
VA_EXTENDED = 5
VA_STRING = 6
VA_IDENT = 7
VA_FALSE = 8
VA_TRUE = 9
VA_BINARY = 10
VA_SET = 11
VA_LSTRING = 12
VA_NIL = 13
VA_COLLECTION = 14
VA_SINGLE = 15
VA_CURRENCY = 16
VA_DATE = 17
VA_WSTRING = 18
VA_INT64 = 19
VA_UTF8STRING = 20
VA_DOUBLE = 21

_INTEGER_FORMATS = {VA_INT8: "<b", VA_INT16: "<h", VA_INT32: "<i", VA_INT64: "<q"}
_NAMED_IDENTS = {VA_FALSE: "False", VA_TRUE: "True", VA_NIL: "nil"}

_FLAG_INHERITED = 1
_FLAG_CHILD_POS = 2
_FLAG_INLINE = 4

# Delphi writes Extended values with 18 significant digits; more would only
# show the binary-to-decimal noise of the 64-bit mantissa.
_EXTENDED_DIGITS = 18


@dataclass(frozen=True)
class ResourceHeader:
    """The 16-bit resource header some binary form files start with."""

    type: int | str
    name: int | str
    flags: int
    size: int
    data_offset: int


def is_binary_dfm(data: bytes) -> bool:
    return data.startswith(SIGNATURE) or data.startswith(RESOURCE_PREFIX)


def read_binary_dfm(data: bytes, encoding: str = "cp1252") -> DfmObject:
    """Parse a binary form file, with or without a resource header.

    *encoding* is the code page of short and long (ANSI) strings; wide and
    UTF-8 strings carry their own encoding.
    """
    start, end = 0, len(data)
    if not data.startswith(SIGNATURE):
        header = read_resource_header(data)
        if header.type != RT_RCDATA:
            raise DfmError(f"resource type {header.type!r} is not RCDATA ({RT_RCDATA})", offset=0)
        start = header.data_offset
        end = start + header.size
        if end > len(data):
            raise DfmError(
                f"resource data truncated: header says {header.size} bytes, {len(data) - start} present",
                offset=start,
            )
        if end < len(data):
            raise DfmError("unexpected data after the resource", offset=end)
        if not data.startswith(SIGNATURE, start, end):
            raise DfmError("resource does not hold a form stream (no TPF0 signature)", offset=start)
    return _BinaryParser(data, start + len(SIGNATURE), end, encoding).parse()


def read_resource_header(data: bytes) -> ResourceHeader:
    pos = 0

    def name_or_ordinal(what: str) -> int | str:
        nonlocal pos
        if pos < len(data) and data[pos] == 0xFF:
            if pos + 3 > len(data):
                raise DfmError(f"resource header truncated in the {what}", offset=pos)
            ordinal = int.from_bytes(data[pos + 1 : pos + 3], "little")
            pos += 3
            return ordinal
        end = data.find(b"\0", pos)
        if end < 0:
            raise DfmError(f"resource {what} has no terminating zero byte", offset=pos)
        text = data[pos:end].decode("latin-1")
        pos = end + 1
        return text

    resource_type = name_or_ordinal("type")
    resource_name = name_or_ordinal("name")
    if pos + 6 > len(data):
        raise DfmError("resource header truncated in the flags or size", offset=pos)
    flags, size = struct.unpack_from("<HI", data, pos)
    return ResourceHeader(resource_type, resource_name, flags, size, pos + 6)


class _BinaryParser:
    def __init__(self, data: bytes, start: int, end: int, encoding: str) -> None:
        self._data = data
        self._pos = start
        self._end = end
        self._encoding = encoding

    def parse(self) -> DfmObject:
        root = self._parse_object(0)
        for pos in range(self._pos, self._end):
            if self._data[pos]:
                raise DfmError("unexpected data after the root object", offset=pos)
        return root

    # -- primitive reads --------------------------------------------------

    def _truncated(self, what: str) -> DfmError:
        return DfmError(f"unexpected end of data in {what}", offset=self._pos)

    def _peek(self, what: str) -> int:
        if self._pos >= self._end:
            raise self._truncated(what)
        return self._data[self._pos]

    def _take(self, count: int, what: str) -> bytes:
        if self._end - self._pos < count:
            raise self._truncated(what)
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def _unpack(self, fmt: str, what: str) -> int | float:
        value: int | float = struct.unpack(fmt, self._take(struct.calcsize(fmt), what))[0]
        return value

    def _length(self, what: str) -> int:
        return int(self._unpack("<I", what))

    def _short_string(self, what: str) -> bytes:
        return self._take(self._peek(what) + 1, what)[1:]

    def _name(self, what: str) -> tuple[str, int]:
        at = self._pos
        return _decode_name(self._short_string(what), self._encoding), at

    def _integer(self, what: str) -> int:
        at = self._pos
        kind = self._peek(what)
        if kind not in _INTEGER_FORMATS:
            raise DfmError(f"expected an integer for {what}, found value type 0x{kind:02X}", offset=at)
        self._pos += 1
        return int(self._unpack(_INTEGER_FORMATS[kind], what))

    # -- structure ------------------------------------------------------------

    def _parse_object(self, depth: int) -> DfmObject:
        at = self._pos
        if depth > MAX_DEPTH:
            raise DfmError(f"objects nested more than {MAX_DEPTH} deep", offset=at)
        flags = 0
        index = None
        prefix = self._peek("an object header")
        if prefix & 0xF0 == 0xF0:
            flags = prefix & 0x0F
            if flags & ~(_FLAG_INHERITED | _FLAG_CHILD_POS | _FLAG_INLINE):
                raise DfmError(f"bad object flags 0x{prefix:02X}", offset=at)
            self._pos += 1
            if flags & _FLAG_CHILD_POS:
                index = self._integer("the order index")
        class_name, class_at = self._name("the class name")
        if not is_dotted_identifier(class_name):
            raise DfmError(f"bad class name {class_name!r}", offset=class_at)
        name, name_at = self._name("the component name")
        if name and not is_identifier(name):
            raise DfmError(f"bad component name {name!r}", offset=name_at)
        kind: ObjectKind = "object"
        # Delphi's own converter checks 'inherited' first when both flags are set.
        if flags & _FLAG_INHERITED:
            kind = "inherited"
        elif flags & _FLAG_INLINE:
            kind = "inline"
        obj = DfmObject(kind, name, class_name, index=index)
        while self._peek(f"the properties of {name or class_name}") != VA_NULL:
            obj.properties.append(self._parse_property(depth))
        self._pos += 1
        while self._peek(f"the children of {name or class_name}") != VA_NULL:
            obj.children.append(self._parse_object(depth + 1))
        self._pos += 1
        return obj

    def _parse_property(self, depth: int) -> DfmProperty:
        name, at = self._name("a property name")
        if not is_property_name(name):
            raise DfmError(f"bad property name {name!r}", offset=at)
        return DfmProperty(name, self._parse_value(depth + 1, name))

    def _parse_value(self, depth: int, where: str) -> Value:
        at = self._pos
        if depth > MAX_DEPTH:
            raise DfmError(f"values nested more than {MAX_DEPTH} deep", offset=at)
        what = f"the value of {where}"
        kind = self._take(1, what)[0]
        if kind in _INTEGER_FORMATS:
            return IntegerValue(int(self._unpack(_INTEGER_FORMATS[kind], what)))
        if kind in _NAMED_IDENTS:
            return IdentValue(_NAMED_IDENTS[kind])
        if kind == VA_IDENT:
            ident, ident_at = self._name(what)
            if not is_dotted_identifier(ident):
                raise DfmError(f"bad identifier {ident!r}", offset=ident_at)
            return IdentValue(ident)
        if kind == VA_STRING:
            return StringValue(decode(self._short_string(what), self._encoding))
        if kind == VA_LSTRING:
            return StringValue(decode(self._take(self._length(what), what), self._encoding))
        if kind == VA_UTF8STRING:
            return StringValue(decode(self._take(self._length(what), what), "utf-8"))
        if kind == VA_WSTRING:
            raw = self._take(2 * self._length(what), what)
            # surrogatepass: Delphi strings are UTF-16 and may hold a lone surrogate.
            return StringValue(raw.decode("utf-16-le", "surrogatepass"))
        if kind == VA_BINARY:
            return BinaryValue(self._take(self._length(what), what))
        if kind == VA_LIST:
            items: list[Value] = []
            while self._peek(what) != VA_NULL:
                items.append(self._parse_value(depth + 1, where))
            self._pos += 1
            return ListValue(tuple(items))
        if kind == VA_SET:
            return self._parse_set(what)
        if kind == VA_COLLECTION:
            return self._parse_collection(depth, what)
        if kind in (VA_EXTENDED, VA_SINGLE, VA_DOUBLE, VA_DATE, VA_CURRENCY):
            return self._parse_float(kind, at, what)
        raise DfmError(f"bad value type 0x{kind:02X}", offset=at)

    def _parse_set(self, what: str) -> SetValue:
        items: list[str] = []
        while True:
            element, at = self._name(what)
            if not element:
                return SetValue(tuple(items))
            if not is_set_element(element):
                raise DfmError(f"bad set element {element!r}", offset=at)
            items.append(element)

    def _parse_collection(self, depth: int, what: str) -> CollectionValue:
        items: list[CollectionItem] = []
        while self._peek(what) != VA_NULL:
            index = None
            if self._peek(what) in _INTEGER_FORMATS:
                index = self._integer("a collection item's order index")
            at = self._pos
            if self._take(1, what)[0] != VA_LIST:
                raise DfmError("expected the start of a collection item (0x01)", offset=at)
            properties: list[DfmProperty] = []
            while self._peek("a collection item") != VA_NULL:
                properties.append(self._parse_property(depth + 1))
            self._pos += 1
            items.append(CollectionItem(tuple(properties), index))
        self._pos += 1
        return CollectionValue(tuple(items))

    def _parse_float(self, kind: int, at: int, what: str) -> FloatValue:
        text: str | None
        if kind == VA_EXTENDED:
            text, suffix = _extended_text(self._take(10, what)), ""
        elif kind == VA_SINGLE:
            text, suffix = _single_text(self._take(4, what)), "s"
        elif kind == VA_CURRENCY:
            # Currency is a 64-bit integer count of ten-thousandths: exact in decimal.
            cents = int(self._unpack("<q", what))
            text, suffix = _plain_decimal(Decimal(cents).scaleb(-4)), "c"
        else:
            value = float(self._unpack("<d", what))
            text = _double_text(value) if math.isfinite(value) else None
            suffix = "d" if kind == VA_DATE else "f"
        if text is None:
            # A text form file has no way to write infinity or NaN.
            raise DfmError("floating-point value is not a finite number", offset=at)
        return FloatValue(text, suffix)


def _decode_name(raw: bytes, encoding: str) -> str:
    # Delphi 2009 and later store names as UTF-8, older versions in the ANSI
    # code page; ANSI text that happens to be valid UTF-8 is rare enough to
    # make UTF-8 the first guess.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return decode(raw, encoding)


def _with_point(text: str) -> str:
    """Python's float text in the form the text reader reads back as a float."""
    mantissa, _, exponent = text.lower().partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(exponent)}" if exponent else mantissa


def _double_text(value: float) -> str:
    return _with_point(repr(value))


def _single_text(raw: bytes) -> str | None:
    value = struct.unpack("<f", raw)[0]
    if not math.isfinite(value):
        return None
    # The shortest text that reads back as the same 32-bit value, not the
    # 17-digit text of its widened double (0.1s, not 0.10000000149011612s).
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
            return _with_point(text)
    return _double_text(value)


def _extended_text(raw: bytes) -> str | None:
    mantissa = int.from_bytes(raw[:8], "little")
    sign_exponent = int.from_bytes(raw[8:], "little")
    exponent = sign_exponent & 0x7FFF
    if exponent == 0x7FFF:
        return None
    sign = "-" if sign_exponent & 0x8000 else ""
    if mantissa == 0:
        return f"{sign}0.0"
    # The 80-bit format has an explicit integer bit, so no hidden 1 to add;
    # exponent 0 marks denormals, which use the minimum exponent.
    power = max(exponent, 1) - 16383 - 63
    with localcontext() as context:
        context.Emax = 10**6
        context.Emin = -(10**6)
        # Work with spare digits, then round once, so the last digit is honest.
        context.prec = 40
        exact = Decimal(mantissa) * Decimal(2) ** power
        context.prec = _EXTENDED_DIGITS
        value = +exact
        text = _plain_decimal(value) if -6 <= value.adjusted() <= 18 else f"{value.normalize():e}"
    return sign + _with_point(text)


def _plain_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"

"""Builds binary (TPF0) form streams byte by byte, for the binary reader's tests.

Written from the format description (see app/core/dfm/binary_reader.py's docstring),
independently of the reader, so a misreading on either side shows up.
"""

from __future__ import annotations

import struct


def short(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    assert len(raw) < 256
    return bytes([len(raw)]) + raw


def obj(class_name: str, name: str, props: bytes = b"", children: bytes = b"", prefix: bytes = b"") -> bytes:
    return prefix + short(class_name) + short(name) + props + b"\0" + children + b"\0"


def prop(name: str | bytes, value: bytes) -> bytes:
    return short(name) + value


def stream(root: bytes) -> bytes:
    return b"TPF0" + root


def resource(payload: bytes, name: bytes = b"TFORM1", flags: int = 0x1030) -> bytes:
    return b"\xff\x0a\x00" + name + b"\0" + struct.pack("<HI", flags, len(payload)) + payload


def int8(v: int) -> bytes:
    return b"\x02" + struct.pack("<b", v)


def int16(v: int) -> bytes:
    return b"\x03" + struct.pack("<h", v)


def int32(v: int) -> bytes:
    return b"\x04" + struct.pack("<i", v)


def int64(v: int) -> bytes:
    return b"\x13" + struct.pack("<q", v)


def extended(mantissa: int, exponent: int, negative: bool = False) -> bytes:
    """80-bit extended: explicit 64-bit mantissa, 15-bit biased exponent, sign."""
    return (
        b"\x05"
        + mantissa.to_bytes(8, "little")
        + (exponent | (0x8000 if negative else 0)).to_bytes(2, "little")
    )


def single(v: float) -> bytes:
    return b"\x0f" + struct.pack("<f", v)


def double(v: float) -> bytes:
    return b"\x15" + struct.pack("<d", v)


def date(v: float) -> bytes:
    return b"\x11" + struct.pack("<d", v)


def currency(ten_thousandths: int) -> bytes:
    return b"\x10" + struct.pack("<q", ten_thousandths)


def string(raw: bytes) -> bytes:
    return b"\x06" + short(raw)


def lstring(raw: bytes) -> bytes:
    return b"\x0c" + struct.pack("<I", len(raw)) + raw


def wstring(text: str) -> bytes:
    raw = text.encode("utf-16-le", "surrogatepass")
    return b"\x12" + struct.pack("<I", len(raw) // 2) + raw


def utf8string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"\x14" + struct.pack("<I", len(raw)) + raw


def ident(name: str) -> bytes:
    return b"\x07" + short(name)


FALSE = b"\x08"
TRUE = b"\x09"
NIL = b"\x0d"


def binary(data: bytes) -> bytes:
    return b"\x0a" + struct.pack("<I", len(data)) + data


def set_(*names: str) -> bytes:
    return b"\x0b" + b"".join(short(n) for n in names) + b"\0"


def list_(*values: bytes) -> bytes:
    return b"\x01" + b"".join(values) + b"\0"


def collection(*items: bytes) -> bytes:
    return b"\x0e" + b"".join(items) + b"\0"


def item(*props: bytes, index: bytes = b"") -> bytes:
    return index + b"\x01" + b"".join(props) + b"\0"

"""Reply templates: the bytes a rule, a saved message or a scenario step sends.

A template is text with escapes and placeholders, compiled once (when a form
loads or a rule is edited, so a mistake is refused there, with its position)
and rendered per message::

    PONG {1}\\r\\n                     the first regex group of the matched frame
    {0}                                the whole frame
    {0[0:2]}                           bytes 0 and 1 of the frame (a Python slice: {0[4:]}, {0[-2:]})
    {counter}                          1, 2, 3 ... per connection
    {time:%H:%M:%S}                    the local time, strftime style
    {hexframe}                         the frame as hex (01 03 00 0A)
    \\x01\\x03\\x02\\x00\\x2A{crc16_modbus}   bytes, then their Modbus CRC

Text is written in the component's Encoding. Escapes: ``\\r \\n \\t \\0 \\\\``
and ``\\xNN``, which is the byte NN itself (not a character to encode). ``{{``
and ``}}`` are literal braces. Named regex groups are ``{name}``.

Checksums cover every byte of the reply before the placeholder and are appended
in the byte order their protocols use (computed with crccheck):

=================  =====================================  ==========================
placeholder        algorithm                              bytes appended
=================  =====================================  ==========================
``{crc16_modbus}`` CRC-16/MODBUS                          2, low byte first
``{crc16_ccitt}``  CRC-16/CCITT-FALSE (poly 1021, FFFF)   2, high byte first
``{crc32}``        CRC-32 (as zip and Ethernet)           4, high byte first
``{sum8}``         sum of the bytes, mod 256              1
``{xor8}``         XOR of the bytes                       1
``{lrc}``          LRC (two's complement of the sum)      1
=================  =====================================  ==========================
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crccheck.checksum import Checksum8, ChecksumXor8
from crccheck.crc import Crc16CcittFalse, Crc16Modbus, Crc32

_ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}


def _lrc(data: bytes) -> bytes:
    return bytes([(-Checksum8.calc(data)) & 0xFF])


CHECKSUMS: dict[str, Callable[[bytes], bytes]] = {
    "crc16_modbus": lambda d: Crc16Modbus.calc(d).to_bytes(2, "little"),
    "crc16_ccitt": lambda d: Crc16CcittFalse.calc(d).to_bytes(2, "big"),
    "crc32": lambda d: Crc32.calc(d).to_bytes(4, "big"),
    "sum8": lambda d: bytes([Checksum8.calc(d) & 0xFF]),
    "xor8": lambda d: bytes([ChecksumXor8.calc(d) & 0xFF]),
    "lrc": _lrc,
}


class TemplateError(ValueError):
    """A template that cannot be compiled; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass
class Context:
    """What one rendering may refer to."""

    frame: bytes = b""
    match: re.Match[str] | None = None
    counter: int = 1
    encoding: str = "utf-8"
    now: float = field(default_factory=time.time)


# A compiled part takes the bytes rendered so far and the context, and returns more bytes.
_Part = Callable[[bytearray, Context], bytes]


@dataclass(frozen=True)
class Template:
    """A compiled template; ``render(context)`` gives the bytes."""

    source: str
    parts: tuple[_Part, ...]
    #: the regex groups it names ({1}, {name}) with their positions, to check against a pattern
    groups: tuple[tuple[int | str, int], ...]

    def check_groups(self, pattern: re.Pattern[str] | None) -> None:
        """TemplateError if the template names a group ``pattern`` does not have (any group,
        when there is no regex: exact, contains, hex and any rules have none)."""
        for key, position in self.groups:
            if pattern is None:
                raise TemplateError(f"{{{key}}} names a regex group, but this rule has no regex", position)
            if isinstance(key, int) and key > pattern.groups:
                raise TemplateError(f"{{{key}}}: the pattern has {pattern.groups} group(s)", position)
            if isinstance(key, str) and key not in pattern.groupindex:
                raise TemplateError(f"{{{key}}} is not a group of the pattern, nor a placeholder "
                                    f"({', '.join(['counter', 'time:FORMAT', 'hexframe', *CHECKSUMS])})",
                                    position)

    def render(self, context: Context | None = None) -> bytes:
        ctx = context or Context()
        out = bytearray()
        for part in self.parts:
            out += part(out, ctx)
        return bytes(out)

    @property
    def is_plain(self) -> bool:
        """True when it holds no placeholder (the same bytes every time, given the encoding)."""
        return not self.groups and all(getattr(p, "literal", False) for p in self.parts)


def _literal(text: str) -> _Part:
    def part(_out: bytearray, ctx: Context) -> bytes:
        return text.encode(ctx.encoding, "surrogateescape")

    part.literal = True  # type: ignore[attr-defined]
    return part


def _raw(data: bytes) -> _Part:
    def part(_out: bytearray, _ctx: Context) -> bytes:
        return data

    part.literal = True  # type: ignore[attr-defined]
    return part


def _group(key: int | str) -> _Part:
    def part(_out: bytearray, ctx: Context) -> bytes:
        if key == 0:
            return ctx.frame
        m = ctx.match
        if m is None:
            return b""
        try:
            value = m.group(key)
        except IndexError:  # a group the pattern does not have (checked when rules load)
            return b""
        return (value or "").encode(ctx.encoding, "surrogateescape")

    return part


def _slice(start: int | None, stop: int | None) -> _Part:
    def part(_out: bytearray, ctx: Context) -> bytes:
        return ctx.frame[start:stop]

    return part


_SLICE = re.compile(r"0\[(-?\d*):(-?\d*)\]")


def _counter(_out: bytearray, ctx: Context) -> bytes:
    return str(ctx.counter).encode("ascii")


def _hexframe(_out: bytearray, ctx: Context) -> bytes:
    return ctx.frame.hex(" ").upper().encode("ascii")


def _time(fmt: str) -> _Part:
    def part(_out: bytearray, ctx: Context) -> bytes:
        return time.strftime(fmt, time.localtime(ctx.now)).encode(ctx.encoding, "surrogateescape")

    return part


def _checksum(name: str) -> _Part:
    compute = CHECKSUMS[name]

    def part(out: bytearray, _ctx: Context) -> bytes:
        return compute(bytes(out))

    return part


_NAME = re.compile(r"[A-Za-z_]\w*")


def compile_template(source: str) -> Template:
    """Compile ``source``; TemplateError with the position of the first mistake."""
    parts: list[_Part] = []
    groups: list[tuple[int | str, int]] = []
    text: list[str] = []
    i, n = 0, len(source)

    def flush_text() -> None:
        if text:
            parts.append(_literal("".join(text)))
            text.clear()

    while i < n:
        c = source[i]
        if c == "\\":
            nxt = source[i + 1:i + 2]
            if nxt in _ESCAPES:
                text.append(_ESCAPES[nxt].decode("latin-1"))
                i += 2
                continue
            if nxt == "x":
                digits = source[i + 2:i + 4]
                if len(digits) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
                    raise TemplateError("\\x needs two hex digits", i)
                flush_text()
                parts.append(_raw(bytes([int(digits, 16)])))
                i += 4
                continue
            text.append(c)  # anything else stays as typed, as in Reply with text
            i += 1
            continue
        if c == "}":
            if source[i + 1:i + 2] == "}":
                text.append("}")
                i += 2
                continue
            raise TemplateError("a single '}' must be written '}}'", i)
        if c != "{":
            text.append(c)
            i += 1
            continue
        if source[i + 1:i + 2] == "{":
            text.append("{")
            i += 2
            continue
        end = source.find("}", i + 1)
        if end < 0:
            raise TemplateError("'{' is not closed", i)
        body = source[i + 1:end]
        flush_text()
        parts.append(_placeholder(body, i, groups))
        i = end + 1
    flush_text()
    return Template(source, tuple(parts), tuple(groups))


def _placeholder(body: str, position: int, groups: list[tuple[int | str, int]]) -> _Part:
    frame_slice = _SLICE.fullmatch(body)
    if frame_slice:
        start, stop = (int(v) if v else None for v in frame_slice.groups())
        return _slice(start, stop)
    name, _, arg = body.partition(":")
    if body.isdigit():
        key = int(body)
        if key:
            groups.append((key, position))
        return _group(key)
    if name == "time":
        if not arg:
            raise TemplateError("{time:...} needs a format, e.g. {time:%H:%M:%S}", position)
        try:
            time.strftime(arg)
        except ValueError as exc:
            raise TemplateError(f"{{time:{arg}}}: {exc}", position) from None
        return _time(arg)
    if arg:
        raise TemplateError(f"{{{body}}}: only {{time:...}} takes a ':' argument", position)
    if name == "counter":
        return _counter
    if name == "hexframe":
        return _hexframe
    if name in CHECKSUMS:
        return _checksum(name)
    if _NAME.fullmatch(name):
        groups.append((name, position))
        return _group(name)
    known = ", ".join(["0", "0[start:stop]", "1", "name", "counter", "time:FORMAT", "hexframe", *CHECKSUMS])
    raise TemplateError(f"{{{body}}} is not a placeholder (known: {known})", position)

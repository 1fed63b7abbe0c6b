"""Framing: cutting messages out of a TCP byte stream, as the ``Framing`` property says.

A TCP connection delivers bytes, not messages: one ``recv`` may hold half a
message or ten of them ("packets arrive grouped or divided"). A *framer* is fed
the bytes as they arrive and hands back complete frames, in order, however the
stream was split. The spec is text (the ``Framing`` property), escapes as in
Reply with text (``\\r \\n \\t \\0 \\\\ \\xNN``):

``none``
    bytes as they arrive (no framer at all).
``line``
    a frame ends at LF; a CR just before it is dropped; the frame excludes both::

        "GET /\\r\\nHost: x\\n"   ->   "GET /", "Host: x"

``delimiter:<bytes>``
    a frame ends at the delimiter, which is excluded (``delimiter:\\x03``,
    ``delimiter:\\r\\n``).
``fixed:<n>``
    frames of exactly n bytes.
``length:<field>[@<offset>][<+|-><adjust>][,strip=<n>]``
    a length field, as Netty's LengthFieldBasedFrameDecoder: the field (``u8``,
    ``u16be``, ``u16le``, ``u32be``, ``u32le``) sits at byte ``offset`` (default
    0); the frame is ``offset + size + length + adjust`` bytes long; then
    ``strip`` bytes are removed from its front (default 0). Byte pictures, one
    frame each, with L the field's value::

        length:u16be            | 00 05 | H E L L O |         -> 00 05 H E L L O
        length:u16be,strip=2    | 00 05 | H E L L O |         -> H E L L O
        length:u16be-2          | 00 07 | H E L L O |         -> 00 07 H E L L O
                                  (the field counts itself: adjust -2)
        length:u16be@4          | t t p p | 00 06 | u f d d d d | -> the whole 12 bytes
                                  (Modbus/TCP: transaction, protocol, length, unit...)
        length:u8@1+1,strip=1   | 7E | 03 | A B C | CC |    -> 03 A B C CC
                                  (a start byte, then L, payload and one check byte)

``regex:<pattern>``
    a frame ends right after a match of the bytes regex, e.g. ``regex:\\x03.``
    for ETX followed by a check byte. The frame is the shortest start of the
    buffered bytes that contains a match, so how the stream was split never
    changes the frames (``regex:\\n+`` ends at the first LF).
``idle:<ms>``
    a frame ends when no byte has arrived for that many milliseconds (as serial
    tools do); the engine runs the timer and calls ``flush``.

A frame that grows past ``FrameLimit`` bytes raises ``FrameTooLong``; the engine
reports it as OnError(eeReceive, 10040) and closes the connection, so memory
stays bounded. At end of stream, bytes without a terminator come out of
``finish()`` as a last, incomplete frame: nothing is lost.

``encode`` does the reverse for ``send_frame``: it adds the terminator or the
length header the spec implies.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from components.escapes import unescape_bytes

DEFAULT_FRAME_LIMIT = 1024 * 1024

#: The presets the inspector offers (free entry is allowed too).
PRESETS = ("none", "line", "delimiter:\\r\\n", "delimiter:\\x03", "fixed:8", "length:u16be,strip=2",
           "length:u16be@4", "regex:\\x03.", "idle:50")

_FIELDS = {"u8": ">B", "u16be": ">H", "u16le": "<H", "u32be": ">I", "u32le": "<I"}
_LENGTH = re.compile(r"(u8|u16be|u16le|u32be|u32le)(?:@(\d+))?(?:([+-])(\d+))?(?:,strip=(\d+))?")
_MAX_NUMBER = 1 << 32


class FramingError(ValueError):
    """A Framing spec that cannot be used; the message says where and why."""


class FrameTooLong(Exception):  # noqa: N818 - reads as what happened
    """More than the frame limit arrived without completing a frame."""

    def __init__(self, buffered: int, limit: int, frames: list[bytes] | None = None) -> None:
        super().__init__(f"a frame grew to {buffered:,} bytes without ending; FrameLimit is {limit:,}")
        self.buffered = buffered
        self.limit = limit
        #: the complete frames that came before the one that grew too long (deliver them first)
        self.frames = frames or []


class BadFrameLength(Exception):  # noqa: N818
    """A length field says a frame is shorter than its own header."""

    def __init__(self, message: str, frames: list[bytes] | None = None) -> None:
        super().__init__(message)
        #: the complete frames that came before the bad one (deliver them first)
        self.frames = frames or []


@dataclass(frozen=True)
class FramingSpec:
    """A parsed Framing spec; ``framer(limit)`` makes a fresh framer for one connection."""

    text: str
    kind: str
    delimiter: bytes = b""
    size: int = 0
    field: str = ""
    offset: int = 0
    adjust: int = 0
    strip: int = 0
    pattern: re.Pattern[bytes] | None = None
    idle_ms: int = 0

    @property
    def is_none(self) -> bool:
        return self.kind == "none"

    def framer(self, limit: int = DEFAULT_FRAME_LIMIT) -> Framer:
        return Framer(self, limit)

    def encode(self, payload: bytes) -> bytes:
        """The bytes on the wire for one frame of ``payload`` (for ``send_frame``)."""
        kind = self.kind
        if kind == "line":
            return payload + b"\n"
        if kind == "delimiter":
            return payload + self.delimiter
        if kind == "fixed":
            if len(payload) != self.size:
                raise ValueError(f"Framing {self.text} sends frames of exactly {self.size} bytes, "
                                 f"not {len(payload)}")
            return payload
        if kind == "length":
            if len(payload) < self.offset:
                raise ValueError(f"Framing {self.text}: the frame needs its first {self.offset} bytes "
                                 f"(before the length field), but has {len(payload)}")
            value = len(payload) - self.offset - self.adjust
            fmt = _FIELDS[self.field]
            if not 0 <= value < 1 << (8 * struct.calcsize(fmt)):
                raise ValueError(f"Framing {self.text}: a length of {value} does not fit the {self.field} field")
            return payload[:self.offset] + struct.pack(fmt, value) + payload[self.offset:]
        return payload  # none, regex, idle: the bytes as they are


def parse_framing(text: str) -> FramingSpec:
    """The spec for ``text``; FramingError saying what is wrong with it."""
    spec = text.strip()
    kind, sep, arg = spec.partition(":")
    kind = kind.lower()
    if kind in ("none", "line", ""):
        if sep or arg:
            raise FramingError(f"{kind or 'none'} takes no argument ({spec!r})")
        return FramingSpec(kind or "none", kind or "none")
    if not sep:
        raise FramingError(f"{spec!r}: {kind} needs an argument after ':' (for example {_example(kind)})"
                           if kind in _KINDS else _unknown(spec))
    if kind == "delimiter":
        delimiter = unescape_bytes(arg)
        if not delimiter:
            raise FramingError("delimiter: needs at least one byte, e.g. delimiter:\\r\\n")
        return FramingSpec(spec, kind, delimiter=delimiter)
    if kind == "fixed":
        size = _number(arg, "fixed:", spec)
        if size < 1:
            raise FramingError(f"fixed:{arg}: a frame must be at least 1 byte")
        return FramingSpec(spec, kind, size=size)
    if kind == "length":
        m = _LENGTH.fullmatch(arg.replace(" ", ""))
        if m is None:
            raise FramingError(f"{spec!r} is not length:<field>[@<offset>][<+|-><adjust>][,strip=<n>] "
                               f"with field one of {', '.join(_FIELDS)} (e.g. length:u16be@4)")
        field, offset, sign, adjust, strip = m.groups()
        off = _number(offset or "0", "offset", spec)
        adj = _number(adjust or "0", "adjust", spec) * (-1 if sign == "-" else 1)
        return FramingSpec(spec, kind, field=field, size=struct.calcsize(_FIELDS[field]), offset=off,
                           adjust=adj, strip=_number(strip or "0", "strip", spec))
    if kind == "regex":
        if not arg:
            raise FramingError("regex: needs a pattern, e.g. regex:\\x03.")
        try:
            pattern = re.compile(unescape_bytes(arg), re.DOTALL)
        except re.error as exc:
            raise FramingError(f"regex:{arg}: {exc.msg} at position {exc.pos}") from None
        if pattern.search(b"") is not None:
            raise FramingError(f"regex:{arg} matches no bytes at all, so every frame would be empty")
        return FramingSpec(spec, kind, pattern=pattern)
    if kind == "idle":
        ms = _number(arg, "idle:", spec)
        if not 1 <= ms <= 60_000:
            raise FramingError(f"idle:{arg}: the pause must be 1 to 60000 ms")
        return FramingSpec(spec, kind, idle_ms=ms)
    raise FramingError(_unknown(spec))


_KINDS = ("none", "line", "delimiter", "fixed", "length", "regex", "idle")


def _example(kind: str) -> str:
    return {"delimiter": "delimiter:\\r\\n", "fixed": "fixed:8", "length": "length:u16be,strip=2",
            "regex": "regex:\\x03.", "idle": "idle:50"}.get(kind, kind)


def _unknown(spec: str) -> str:
    return f"{spec!r} is not a Framing spec; use one of {', '.join(_KINDS)} (e.g. line, delimiter:\\r\\n)"


def _number(text: str, what: str, spec: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 10 or int(text) >= _MAX_NUMBER:
        raise FramingError(f"{spec!r}: {what} needs a whole number, not {text!r}")
    return int(text)


def validate_framing(text: str) -> str:
    """The metadata validator of the Framing property."""
    parse_framing(text)
    return text.strip()


class Framer:
    """Cuts one connection's byte stream into frames (see the module doc).

    ``feed`` returns the frames completed by the new bytes (often one, maybe none,
    maybe many); ``finish`` the incomplete rest at end of stream; ``flush`` (for
    ``idle:``) whatever is buffered. Not thread-safe: one connection, one reader.
    """

    __slots__ = ("_buf", "_scanned", "limit", "spec")

    def __init__(self, spec: FramingSpec, limit: int = DEFAULT_FRAME_LIMIT) -> None:
        self.spec = spec
        self.limit = limit
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already known to hold no terminator

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        kind = self.spec.kind
        if not buf and type(data) is bytes and (kind == "line" or kind == "delimiter"):
            # nothing held back: cut the arrived bytes themselves (one copy per frame, none
            # for the buffer), the usual case of a request that came whole
            frames = self._cut_arrived(data, b"\n" if kind == "line" else self.spec.delimiter, kind == "line")
            if len(buf) > self.limit:
                raise FrameTooLong(len(buf), self.limit, frames)
            return frames
        buf += data
        if kind == "line":
            frames = self._cut_at(b"\n", strip_cr=True)
        elif kind == "delimiter":
            frames = self._cut_at(self.spec.delimiter, strip_cr=False)
        elif kind == "fixed":
            frames = self._cut_fixed()
        elif kind == "length":
            frames = self._cut_length()
        elif kind == "regex":
            frames = self._cut_regex()
        else:  # idle (the timer flushes) and none (no framer is made for it)
            frames = []
        if len(self._buf) > self.limit:
            raise FrameTooLong(len(self._buf), self.limit, frames)
        return frames

    def flush(self) -> bytes:
        """Everything buffered, as one frame (``idle:`` when the pause has passed)."""
        data = bytes(self._buf)
        self._buf.clear()
        self._scanned = 0
        return data

    def finish(self) -> bytes:
        """At end of stream: the bytes that never got their terminator (b"" if none)."""
        return self.flush()

    # -- the kinds -----------------------------------------------------------------
    def _cut_at(self, terminator: bytes, strip_cr: bool) -> list[bytes]:
        buf = self._buf
        width = len(terminator)
        start = 0
        frames: list[bytes] = []
        find = buf.find
        at = find(terminator, max(self._scanned - width + 1, 0))
        while at >= 0:
            end = at - 1 if strip_cr and at > start and buf[at - 1] == 0x0D else at
            frames.append(bytes(buf[start:end]))
            start = at + width
            at = find(terminator, start)
        if start:
            del buf[:start]
        self._scanned = len(buf)
        return frames

    def _cut_arrived(self, data: bytes, terminator: bytes, strip_cr: bool) -> list[bytes]:
        """_cut_at for bytes that arrive with nothing buffered: the frames are slices of
        ``data``; what follows the last terminator is kept (it holds none)."""
        width, size = len(terminator), len(data)
        start = 0
        frames: list[bytes] = []
        find = data.find
        at = find(terminator)
        while at >= 0:
            end = at - 1 if strip_cr and at > start and data[at - 1] == 0x0D else at
            frames.append(data[start:end])
            start = at + width
            # a request that ends with its terminator (the usual case) needs no second search
            at = find(terminator, start) if start < size else -1
        if start < size:
            self._buf += data[start:] if start else data
            self._scanned = len(self._buf)
        return frames

    def _cut_fixed(self) -> list[bytes]:
        buf, size = self._buf, self.spec.size
        count = len(buf) // size
        if not count:
            return []
        frames = [bytes(buf[i * size:(i + 1) * size]) for i in range(count)]
        del buf[:count * size]
        return frames

    def _cut_length(self) -> list[bytes]:
        spec, buf = self.spec, self._buf
        header = spec.offset + spec.size
        fmt = _FIELDS[spec.field]
        frames: list[bytes] = []
        start = 0
        while len(buf) - start >= header:
            (value,) = struct.unpack_from(fmt, buf, start + spec.offset)
            total = header + value + spec.adjust
            if total < header:
                raise BadFrameLength(f"the {spec.field} length field says {value}, which with adjust "
                                     f"{spec.adjust:+d} is shorter than the {header}-byte header", frames)
            if total > self.limit:
                raise FrameTooLong(total, self.limit, frames)
            if len(buf) - start < total:
                break
            strip = min(spec.strip, total)
            frames.append(bytes(buf[start + strip:start + total]))
            start += total
        if start:
            del buf[:start]
        return frames

    def _cut_regex(self) -> list[bytes]:
        pattern = self.spec.pattern
        assert pattern is not None
        buf = self._buf
        frames: list[bytes] = []
        while True:
            n = len(buf)
            if pattern.search(buf, 0, n) is None:
                self._scanned = n
                break
            # the shortest start that holds a match: prefixes up to _scanned held none
            lo, hi = self._scanned + 1, n
            while lo < hi:
                mid = (lo + hi) // 2
                if pattern.search(buf, 0, mid) is None:
                    lo = mid + 1
                else:
                    hi = mid
            frames.append(bytes(buf[:lo]))
            del buf[:lo]
            self._scanned = 0
        return frames

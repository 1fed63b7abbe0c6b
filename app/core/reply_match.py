"""What a replayed reply may differ in: the match file of ``replay --match`` and ``mock --match``.

A match file is TOML (read by the standard library's tomllib; comments allowed, regexes
in single quotes need no escaping)::

    # every reply (or every frame, with --framing): offsets from its first byte
    ignore = ["4-7", "12", "0x20-"]      # inclusive ranges, one byte, or from a byte to the end
    masks = ['127\\.0\\.0\\.1:\\d+', 'Date: [^\\r\\n]*']   # regexes over the text

    [[exchange]]                          # more for some exchanges only
    stream = 1                            # the stream's number in the capture (tcp.stream); optional
    number = 2                            # the exchange's number in its stream, 1 the first; optional
    ignore = ["0-1"]

``ignore``: the bytes at those offsets compare as anything; ``"N-"`` ignores the rest of
the reply, whatever its length. ``masks``: where a mask matches in the recorded reply, the
new reply may have anything the same mask matches at that place (so ``\\d+`` lets a number
change its length). Masks are regexes over bytes (the text as UTF-8), applied left to right,
the earliest match first.

Without masks a reply is complete when as many bytes arrived as were recorded; with masks
it is complete when it matches (else the exchange's timeout decides).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .session_report import BadInput, first_difference

_SENTINEL = b"\x00\xffmask\xff\x00"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int | None  # exclusive; None: to the end

    def offsets(self, length: int) -> range:
        return range(self.start, length if self.end is None else min(self.end, length))


@dataclass(frozen=True)
class Mask:
    """The ignored ranges and regex masks that apply to one reply (or frame)."""

    ignore: tuple[ByteRange, ...] = ()
    masks: tuple[re.Pattern[bytes], ...] = ()

    @property
    def is_exact(self) -> bool:
        return not self.ignore and not self.masks

    @property
    def open_from(self) -> int | None:
        """The first offset of a ``"N-"`` range (everything from there on is ignored)."""
        starts = [r.start for r in self.ignore if r.end is None]
        return min(starts) if starts else None

    def compare(self, expected: bytes, received: bytes) -> tuple[int | None, set[int]]:
        """(offset in ``received`` of the first difference or None when it matches, the
        offsets of ``received`` that were ignored)."""
        cut = self.open_from
        if cut is not None:
            expected = expected[:cut]
            ignored = set(range(cut, len(received)))
            received = received[:cut]
        else:
            ignored = set()
        got = bytearray(received)
        for byte_range in self.ignore:
            for at in byte_range.offsets(min(len(expected), len(got))):
                got[at] = expected[at]
                ignored.add(at)
        if not self.masks:
            return first_difference(expected, bytes(got)), ignored
        want_text, _ = _masked(expected, self.masks)
        got_text, where = _masked(bytes(got), self.masks)
        for start, end in _spans(bytes(got), self.masks):
            ignored.update(range(start, end))
        offset = first_difference(want_text, got_text)
        if offset is None:
            return None, ignored
        return (where[offset] if offset < len(where) else len(received)), ignored

    def complete(self, expected: bytes, received: bytes) -> bool:
        """Whether ``received`` is all of the reply there is to wait for: it matches, or (with
        no masks) as many bytes arrived as were recorded."""
        if self.masks:
            return self.compare(expected, received)[0] is None
        cut = self.open_from
        return len(received) >= (len(expected) if cut is None else min(cut, len(expected)))

    def taken(self, expected: bytes, received: bytes) -> int:
        """How many of the ``received`` bytes belong to this reply once it is complete."""
        if self.masks or self.open_from is not None:
            return len(received)
        return min(len(expected), len(received))


def _spans(data: bytes, masks: Iterable[re.Pattern[bytes]]) -> list[tuple[int, int]]:
    """Non-overlapping mask matches, earliest first (at one place, the first mask wins)."""
    spans: list[tuple[int, int]] = []
    at = 0
    patterns = list(masks)
    while at <= len(data):
        found = [m for m in (p.search(data, at) for p in patterns) if m is not None and m.end() > m.start()]
        if not found:
            break
        first = min(found, key=lambda m: m.start())
        spans.append((first.start(), first.end()))
        at = first.end()
    return spans


def _masked(data: bytes, masks: Iterable[re.Pattern[bytes]]) -> tuple[bytes, list[int]]:
    """``data`` with each mask match replaced by one sentinel, and for each byte of the
    result the offset in ``data`` it came from."""
    out = bytearray()
    where: list[int] = []
    at = 0
    for start, end in _spans(data, masks):
        out += data[at:start]
        where.extend(range(at, start))
        out += _SENTINEL
        where.extend([start] * len(_SENTINEL))
        at = end
    out += data[at:]
    where.extend(range(at, len(data)))
    return bytes(out), where


@dataclass(frozen=True)
class _Rule:
    stream: int | None
    number: int | None
    mask: Mask


@dataclass(frozen=True)
class MatchFile:
    """Every rule of a match file; ``mask_for`` gives what applies to one exchange."""

    everywhere: Mask = Mask()
    rules: tuple[_Rule, ...] = field(default_factory=tuple)

    def mask_for(self, stream: int, number: int) -> Mask:
        ignore, masks = list(self.everywhere.ignore), list(self.everywhere.masks)
        for rule in self.rules:
            if rule.stream in (None, stream) and rule.number in (None, number):
                ignore += rule.mask.ignore
                masks += rule.mask.masks
        return Mask(tuple(ignore), tuple(masks))


EXACT = MatchFile()


def load_match_file(path: str | Path) -> MatchFile:
    """The match file at ``path``; BadInput (with the file and the key) when it is wrong."""
    name = Path(path).name
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"can't read the match file {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadInput(f"the match file {name} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"the match file {name} is not valid TOML: {exc}") from None
    return parse_match(data, name)


def parse_match(data: dict[str, Any], name: str = "match file") -> MatchFile:
    unknown = set(data) - {"ignore", "masks", "exchange"}
    if unknown:
        raise BadInput(f"{name}: unknown key {sorted(unknown)[0]!r} (ignore, masks, [[exchange]])")
    rules = []
    tables = data.get("exchange", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise BadInput(f"{name}: exchange must be tables: [[exchange]]")
    for i, table in enumerate(tables, 1):
        where = f"{name}: [[exchange]] #{i}"
        unknown = set(table) - {"stream", "number", "ignore", "masks"}
        if unknown:
            raise BadInput(f"{where}: unknown key {sorted(unknown)[0]!r} (stream, number, ignore, masks)")
        selectors = []
        for key in ("stream", "number"):
            value = table.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise BadInput(f"{where}: {key} must be a number, not {value!r}")
            selectors.append(value)
        rules.append(_Rule(selectors[0], selectors[1], _mask(table, where)))
    return MatchFile(_mask(data, name), tuple(rules))


def _mask(table: dict[str, Any], where: str) -> Mask:
    ignore = table.get("ignore", [])
    masks = table.get("masks", [])
    if not isinstance(ignore, list) or not all(isinstance(x, str | int) for x in ignore):
        raise BadInput(f'{where}: ignore must be a list of byte ranges such as ["4-7", "12", "20-"]')
    if not isinstance(masks, list) or not all(isinstance(x, str) for x in masks):
        raise BadInput(f"{where}: masks must be a list of regexes (strings)")
    return Mask(tuple(parse_range(str(x), where) for x in ignore), tuple(_regex(x, where) for x in masks))


def parse_range(text: str, where: str = "") -> ByteRange:
    """``"4-7"`` (inclusive), ``"12"``, ``"20-"`` (to the end); numbers in decimal or 0x hex."""
    first, dash, last = text.strip().partition("-")
    try:
        start = int(first, 0)
        end = (int(last, 0) + 1 if last.strip() else None) if dash else start + 1
    except ValueError:
        raise BadInput(f'{where}: {text!r} is no byte range (say "4-7", "12" or "20-")') from None
    if start < 0 or (end is not None and end <= start):
        raise BadInput(f"{where}: {text!r} is an empty byte range")
    return ByteRange(start, end)


def _regex(text: str, where: str) -> re.Pattern[bytes]:
    try:
        return re.compile(text.encode("utf-8"))
    except re.error as exc:
        raise BadInput(f"{where}: the mask {text!r} is not a valid regex: {exc}") from None

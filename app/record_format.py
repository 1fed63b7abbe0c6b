"""How an event record reads, for people and for programs.

The log pane, its CSV/JSON Lines export and the headless runner all format
records with these functions, so a record reads the same everywhere. Nothing
here imports Qt.

``human_line`` and ``to_json`` say what a record looks like. ``LineFormatter``
writes whole batches of them for the runner, where a flood puts a hundred
thousand records a second through: it gives exactly the same text, but takes the
expensive parts (local time, JSON string escaping, control-character escaping)
once per second or once per distinct name instead of once per record.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterable
from json.encoder import encode_basestring as _json_string
from typing import Any

from components.observer import DROPPED, HANDLER_ERROR, EventRecord

# Control characters written as escapes, so "GET /\r\n" does not show as "GET /".
# Escapes rather than the Control Pictures (␍␊): common monospace fonts (DejaVu
# Sans Mono, Consolas) have no glyphs for those and show empty boxes. The
# backslash itself is escaped so every escape reads one way.
VISIBLE_CONTROLS: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
VISIBLE_CONTROLS.update({0x00: "\\0", 0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"})

#: records that are not errors of the engine but should stand out like one
_ALARMING = frozenset({HANDLER_ERROR, "SlowHandler", DROPPED})


def is_error(record: EventRecord) -> bool:
    return record.error is not None or record.event in _ALARMING


class ClockFormatter:
    """Local wall-clock time as ``HH:MM:SS.mmm`` (milliseconds cut, not rounded: a clock
    shows the second it is in).

    A flood puts thousands of records in one second and often dozens in one
    millisecond, so the expensive part (``localtime`` + ``strftime``) is done once
    per second and the whole text kept for the last millisecond. Each cache is one
    tuple, replaced whole, so threads may share a formatter.
    """

    __slots__ = ("_milli", "_second")

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")
        self._milli: tuple[int, str] = (-1, "")

    def __call__(self, wall_time: float) -> str:
        milli = int(wall_time * 1000)
        last, text = self._milli
        if milli == last:
            return text
        second = milli // 1000
        cached, clock = self._second
        if second != cached:
            clock = time.strftime("%H:%M:%S", time.localtime(second))
            self._second = (second, clock)
        text = f"{clock}.{milli - second * 1000:03d}"
        self._milli = (milli, text)
        return text


class IsoTimeFormatter:
    """Local wall time in ISO 8601 with microseconds (cut) and the UTC offset
    (``2024-05-01T12:00:00.123456+02:00``); date, time and offset cached per second."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: tuple[int, str, str] = (-1, "", "")

    def __call__(self, wall_time: float) -> str:
        second = int(wall_time)
        cached, head, offset = self._cache
        if second != cached:
            whole = datetime.datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds")
            head, offset = whole[:19], whole[19:]
            self._cache = (second, head, offset)
        return "%s.%06d%s" % (head, (wall_time - second) * 1e6, offset)  # noqa: UP031


_clock = ClockFormatter()
_iso_time = IsoTimeFormatter()


def clock(record: EventRecord) -> str:
    """Local wall-clock time, HH:MM:SS.mmm."""
    return _clock(record.wall_time)


def iso_time(record: EventRecord) -> str:
    """The record's wall time, local, ISO 8601 with microseconds and the UTC offset, so a
    file read on another machine still means the same instant."""
    return _iso_time(record.wall_time)


def text_preview(preview: bytes) -> str:
    """The payload as UTF-8 text with control characters shown as escapes (\\r\\n, \\x1b)."""
    return preview.decode("utf-8", "replace").translate(VISIBLE_CONTROLS)


# Bytes that text_preview would change, in ASCII: without them it has nothing to do.
_ESCAPED_ASCII = bytes((*range(0x20), 0x5C, 0x7F))


# The texts of recent previews: a flood repeats a few payloads (an echo's Send repeats
# its OnClientRead), and a dict lookup costs a fifth of decoding.
_preview_texts: dict[bytes, str] = {}
_PREVIEW_TEXTS_MAX = 512


def _preview_text(preview: bytes) -> str:
    """text_preview, remembered for recent previews and quick for printable ASCII."""
    text = _preview_texts.get(preview)
    if text is None:
        if preview.isascii() and len(preview.translate(None, _ESCAPED_ASCII)) == len(preview):
            text = preview.decode("ascii")
        else:
            text = text_preview(preview)
        if len(_preview_texts) >= _PREVIEW_TEXTS_MAX:
            _preview_texts.clear()
        _preview_texts[preview] = text
    return text


def hex_preview(preview: bytes) -> str:
    return preview.hex(" ").upper()


def error_text(record: EventRecord) -> str:
    """``eeConnect 10061 ECONNREFUSED: Connection refused``, or '' for records without an error."""
    error = record.error
    if error is None:
        return ""
    name = f" {error.errno_name}" if error.errno_name else ""
    return f"{error.event} {error.code}{name}: {error.message}"


def connection_text(record: EventRecord) -> str:
    if record.peer:
        return record.peer
    return f"#{record.connection_id}" if record.connection_id else ""


def summary_line(detail: str, *, last: bool = False) -> str:
    """One line of a multi-line detail: the first, or the last non-blank (a traceback's exception)."""
    if "\n" not in detail:
        return detail
    lines = [line for line in detail.splitlines() if line.strip()]
    if not lines:
        return ""
    return (lines[-1] if last else lines[0]).strip()


def summary(record: EventRecord) -> str:
    """One line saying what happened beyond the event's name."""
    if record.error is not None:
        return error_text(record)
    if record.event == DROPPED:
        return record.detail
    if record.byte_count:
        return f"{record.byte_count} {'byte' if record.byte_count == 1 else 'bytes'}"
    return summary_line(record.detail, last=record.event == HANDLER_ERROR)


def _quick_summary(record: EventRecord) -> str:
    """summary(), without its tests for the usual data record."""
    count = record.byte_count
    if count > 1 and record.error is None and record.event != DROPPED:
        return f"{count} bytes"
    return summary(record)


def human_line(record: EventRecord) -> str:
    """The headless runner's line: time, component, event, connection, summary, data (the
    component, summary and data only when there are any)."""
    line = _clock(record.wall_time)
    if record.component:
        line += "  " + record.component
    if record.event:
        line += "  " + record.event
    line += "  " + (record.peer or (f"#{record.connection_id}" if record.connection_id else "-"))
    said = _quick_summary(record)
    if said:
        line += "  " + said
    preview = record.preview
    if preview:
        more = "…" if record.byte_count > len(preview) else ""
        line += f"  \"{_preview_text(preview)}{more}\""
    return line


def error_fields(record: EventRecord) -> dict[str, Any] | None:
    """The error's parts, so a script can select ``code == 10061`` without parsing."""
    error = record.error
    if error is None:
        return None
    return {"event": str(error.event), "errno": error.errno, "errno_name": error.errno_name,
            "code": error.code, "message": error.message}


def to_json(record: EventRecord) -> dict[str, Any]:
    """One JSON Lines object (the runner's ``--json`` and the log's export). A Dropped record
    also has ``dropped``, the number of records lost at that point."""
    out = {
        "time": iso_time(record),
        "monotonic": record.time,
        "component": record.component,
        "event": record.event,
        "connection": record.connection_id,
        "peer": record.peer,
        "thread": record.thread,
        "bytes": record.byte_count,
        "detail": record.detail,
        "summary": summary(record),
        "data_hex": record.preview.hex(),
        "error": error_fields(record),
    }
    if record.event == DROPPED:
        out["bytes"] = 0
        out["dropped"] = record.byte_count
    return out


_JSON_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
# to_json's fields in to_json's order, for a record without error that is not Dropped
_JSON_LINE = ('{"time": "%s", "monotonic": %r, "component": %s, "event": %s, "connection": %d, '
              '"peer": %s, "thread": %s, "bytes": %d, "detail": %s, "summary": %s, "data_hex": "%s", '
              '"error": null}')


def json_line(record: EventRecord) -> str:
    """``json.dumps(to_json(record), ensure_ascii=False)``, about four times faster: the usual
    record is written straight into the line (the tests check both ways agree)."""
    if record.error is not None or record.event == DROPPED or type(record.time) is not float:
        return _JSON_ENCODE(to_json(record))
    return _JSON_LINE % (_iso_time(record.wall_time), record.time, _json_string(record.component),
                         _json_string(record.event), record.connection_id, _json_string(record.peer),
                         _json_string(record.thread), record.byte_count, _json_string(record.detail),
                         _json_string(_quick_summary(record)), record.preview.hex())


def format_lines(records: Iterable[EventRecord], as_json: bool = False) -> str:
    """Records as text lines (human_line) or JSON Lines, each line ending in a newline."""
    line = json_line if as_json else human_line
    return "".join([line(r) + "\n" for r in records])

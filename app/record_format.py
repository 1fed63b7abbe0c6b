"""How an event record reads, for people and for programs.

The log pane, its CSV/JSON Lines export and the headless runner all format
records with these functions, so a record reads the same everywhere. Nothing
here imports Qt.
"""

from __future__ import annotations

import datetime
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


def clock(record: EventRecord) -> str:
    """Local wall-clock time, HH:MM:SS.mmm."""
    moment = datetime.datetime.fromtimestamp(record.wall_time)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso_time(record: EventRecord) -> str:
    """The record's wall time, local, ISO 8601 with microseconds and the UTC offset, so a
    file read on another machine still means the same instant."""
    return datetime.datetime.fromtimestamp(record.wall_time).astimezone().isoformat(timespec="microseconds")


def text_preview(preview: bytes) -> str:
    """The payload as UTF-8 text with control characters shown as escapes (\\r\\n, \\x1b)."""
    return preview.decode("utf-8", "replace").translate(VISIBLE_CONTROLS)


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


def human_line(record: EventRecord) -> str:
    """The headless runner's line: time, component, event, connection, summary, data."""
    parts = [clock(record), record.component, record.event, connection_text(record) or "-", summary(record)]
    if record.preview:
        more = "…" if record.byte_count > len(record.preview) else ""
        parts.append(f"\"{text_preview(record.preview)}{more}\"")
    return "  ".join(p for p in parts if p)


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

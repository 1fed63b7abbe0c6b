"""How an event record reads for people and for programs: the log pane, the
headless runner and the exports all format records here, the same way."""

from __future__ import annotations

import datetime
from typing import Any

from components.observer import EventRecord

_VISIBLE = {0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t", 0x00: "\\0"}


def clock(record: EventRecord) -> str:
    """Local wall-clock time, HH:MM:SS.mmm."""
    moment = datetime.datetime.fromtimestamp(record.wall_time)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso_time(record: EventRecord) -> str:
    return datetime.datetime.fromtimestamp(record.wall_time).astimezone().isoformat(timespec="milliseconds")


def data_text(preview: bytes, truncated: bool = False) -> str:
    """The payload as text: UTF-8 where it decodes, escapes for control bytes and the rest."""
    text = preview.decode("utf-8", "backslashreplace")
    out = []
    for ch in text:
        code = ord(ch)
        if code in _VISIBLE:
            out.append(_VISIBLE[code])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return "".join(out) + ("…" if truncated else "")


def data_hex(preview: bytes, truncated: bool = False) -> str:
    return " ".join(f"{b:02X}" for b in preview) + (" …" if truncated else "")


def connection_text(record: EventRecord) -> str:
    if record.peer:
        return record.peer
    return f"#{record.connection_id}" if record.connection_id else ""


def detail(record: EventRecord) -> str:
    """One line saying what happened beyond the event's name."""
    error = record.error
    if error is not None:
        name = f" {error.errno_name}" if error.errno_name else ""
        return f"{error.event.vcl_name} {error.code}{name}: {error.message}"
    if record.byte_count:
        unit = "byte" if record.byte_count == 1 else "bytes"
        return f"{record.byte_count} {unit}"
    return record.detail.splitlines()[0] if record.detail else ""


def is_error(record: EventRecord) -> bool:
    return record.error is not None or record.event in ("HandlerError", "SlowHandler")


def human_line(record: EventRecord) -> str:
    parts = [clock(record), record.component, record.event, connection_text(record) or "-", detail(record)]
    if record.preview:
        truncated = record.byte_count > len(record.preview)
        parts.append(f"\"{data_text(record.preview, truncated)}\"")
    return "  ".join(p for p in parts if p)


def to_json(record: EventRecord) -> dict[str, Any]:
    error = record.error
    return {
        "time": iso_time(record),
        "component": record.component,
        "event": record.event,
        "connection": record.connection_id,
        "peer": record.peer,
        "thread": record.thread,
        "bytes": record.byte_count,
        "detail": detail(record),
        "data_hex": record.preview.hex(),
        "error": None if error is None else {
            "event": error.event.vcl_name, "code": error.code, "errno": error.errno,
            "errno_name": error.errno_name, "message": error.message},
        "traceback": record.detail if record.event == "HandlerError" else None,
    }

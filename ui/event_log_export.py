"""Writing event records to files: CSV for spreadsheets, JSON Lines for programs.

Both formats carry the same facts. Times are ISO 8601 wall-clock times with the
local UTC offset (``2025-11-24T23:11:02.123456+01:00``) so a file read on another
machine still means the same instant. Payloads are written as hex (exact) and,
in CSV, also as the text the log shows. The error, when there is one, keeps its
parts (event, errno, errno name, Winsock code, message) instead of one string,
so a script can select ``code == 10061`` without parsing.

A Dropped record (records lost at that point, ``byte_count`` of them) is written
like any other, with its count in ``dropped`` and 0 in ``bytes``. A log that has
discarded old rows to stay within its row cap starts its export with such a
record too (``evicted_record``), so the file says it is not the whole story.

The record conversions themselves live in app.core.record_format, shared with the runner.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterable
from os import PathLike
from typing import Any

from app.core.record_format import error_fields, iso_time, text_preview  # noqa: F401 - re-exported
from app.core.record_format import to_json as record_to_json
from components.observer import DROPPED, EventRecord

#: The CSV header, in column order.
CSV_COLUMNS = (
    "time", "component", "event", "connection", "peer", "thread", "bytes", "detail",
    "error_event", "errno", "errno_name", "code", "error_message", "data_text", "data_hex",
    "dropped",
)

#: The file formats the log exports, by name, with their usual suffix.
FORMATS = {"csv": ".csv", "jsonl": ".jsonl"}


def record_to_row(record: EventRecord) -> list[Any]:
    """One CSV row, in ``CSV_COLUMNS`` order."""
    error = record.error
    dropped = record.event == DROPPED  # its byte_count counts records, not bytes
    return [
        iso_time(record),
        record.component,
        record.event,
        record.connection_id,
        record.peer,
        record.thread,
        0 if dropped else record.byte_count,
        record.detail,
        str(error.event) if error else "",
        error.errno if error else "",
        error.errno_name if error else "",
        error.code if error else "",
        error.message if error else "",
        text_preview(record.preview),
        record.preview.hex(),
        record.byte_count if dropped else "",
    ]


def evicted_record(count: int, capacity: int, when: float) -> EventRecord:
    """The Dropped record that heads an export of a log which discarded ``count`` old rows."""
    return EventRecord(when, "", DROPPED, 0, "", threading.current_thread().name, count, b"", None,
                       f"{count} older {'record' if count == 1 else 'records'} discarded before this: "
                       f"the log keeps at most {capacity} rows")


def export_csv(records: Iterable[EventRecord], path: str | PathLike[str]) -> int:
    """Write ``records`` as CSV with a header row; returns how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            writer.writerow(record_to_row(record))
            count += 1
    return count


def export_jsonl(records: Iterable[EventRecord], path: str | PathLike[str]) -> int:
    """Write ``records`` as JSON Lines (one object per line); returns how many were written."""
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(dumps(record_to_json(record)))
            f.write("\n")
            count += 1
    return count


def export_records(records: Iterable[EventRecord], path: str | PathLike[str], fmt: str | None = None) -> int:
    """Export in ``fmt`` ('csv' or 'jsonl'), or by the file's suffix when ``fmt`` is None."""
    if fmt is None:
        fmt = format_for_path(path)
    if fmt == "csv":
        return export_csv(records, path)
    if fmt == "jsonl":
        return export_jsonl(records, path)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def format_for_path(path: str | PathLike[str]) -> str:
    """'jsonl' for .jsonl/.ndjson/.json files, else 'csv'."""
    name = str(path).lower()
    return "jsonl" if name.endswith((".jsonl", ".ndjson", ".json")) else "csv"

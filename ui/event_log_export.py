"""Writing event records to files: CSV for spreadsheets, JSON Lines for programs.

Both formats carry the same facts. Times are ISO 8601 wall-clock times with the
local UTC offset (``2025-11-24T23:11:02.123456+01:00``) so a file read on another
machine still means the same instant. Payloads are written as hex (exact) and,
in CSV, also as the text the log shows. The error, when there is one, keeps its
parts (event, errno, errno name, Winsock code, message) instead of one string,
so a script can select ``code == 10061`` without parsing.

The record conversions themselves live in app.record_format, shared with the runner.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from os import PathLike
from typing import Any

from app.record_format import error_fields, iso_time, text_preview  # noqa: F401 - re-exported
from app.record_format import to_json as record_to_json
from components.observer import EventRecord

#: The CSV header, in column order.
CSV_COLUMNS = (
    "time", "component", "event", "connection", "peer", "thread", "bytes", "detail",
    "error_event", "errno", "errno_name", "code", "error_message", "data_text", "data_hex",
)

#: The file formats the log exports, by name, with their usual suffix.
FORMATS = {"csv": ".csv", "jsonl": ".jsonl"}


def record_to_row(record: EventRecord) -> list[Any]:
    """One CSV row, in ``CSV_COLUMNS`` order."""
    error = record.error
    return [
        iso_time(record),
        record.component,
        record.event,
        record.connection_id,
        record.peer,
        record.thread,
        record.byte_count,
        record.detail,
        str(error.event) if error else "",
        error.errno if error else "",
        error.errno_name if error else "",
        error.code if error else "",
        error.message if error else "",
        text_preview(record.preview),
        record.preview.hex(),
    ]


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

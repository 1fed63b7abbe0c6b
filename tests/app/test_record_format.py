"""The quick formatters read exactly as the plain definitions of a record's text."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import record_format
from app.core.record_format import (
    ClockFormatter,
    IsoTimeFormatter,
    connection_text,
    format_lines,
    human_line,
    json_line,
    summary,
    text_preview,
    to_json,
)
from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.observer import DROPPED, EventRecord, dropped_record

names = st.sampled_from(["ServerSocket1", "ClientSocket1", "", "Ünïcode", 'Quote"Back\\slash'])
events = st.sampled_from(["OnClientRead", "Send", "OnConnect", "HandlerError", "Log", DROPPED, "x"])
texts = st.text(max_size=40)
errors = st.none() | st.builds(ErrorInfo, st.sampled_from(list(ErrorEvent)), st.integers(0, 200),
                               st.sampled_from(["", "ECONNREFUSED"]), st.integers(0, 20000), texts)
records = st.builds(
    EventRecord,
    time=st.floats(0, 1e6, allow_nan=False),
    component=names,
    event=events,
    connection_id=st.integers(0, 10**6),
    peer=st.sampled_from(["", "127.0.0.1:50123", "[::1]:7"]),
    thread=st.sampled_from(["MainThread", "Echo client 3", ""]),
    byte_count=st.integers(0, 10**9),
    preview=st.binary(max_size=64) | st.sampled_from([b"GET / HTTP/1.0\r\n", b"plain text", b"\xde\xad\\x"]),
    error=errors,
    detail=texts | st.just("Traceback:\n  File x\nValueError: boom\n"),
)


def reference_human_line(record: EventRecord) -> str:
    """The runner's line as first specified: the non-empty parts, two spaces apart."""
    moment = datetime.datetime.fromtimestamp(record.wall_time)
    parts = [moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}", record.component,
             record.event, connection_text(record) or "-", summary(record)]
    if record.preview:
        more = "…" if record.byte_count > len(record.preview) else ""
        parts.append(f"\"{text_preview(record.preview)}{more}\"")
    return "  ".join(p for p in parts if p)


@settings(max_examples=400, deadline=None)
@given(records)
def test_json_line_is_json_dumps_of_to_json(record):
    assert json_line(record) == json.dumps(to_json(record), ensure_ascii=False)
    assert json.loads(json_line(record))["component"] == record.component


def clock_part(line: str) -> str:
    return line.split("  ", 1)[0]


@settings(max_examples=400, deadline=None)
@given(records)
def test_human_line_is_the_reference_line(record):
    line, expected = human_line(record), reference_human_line(record)
    # the clock may differ in the last digit: it cuts where datetime rounds to the microsecond
    assert line[len(clock_part(line)):] == expected[len(clock_part(expected)):]
    assert abs(_clock_ms(clock_part(line)) - _clock_ms(clock_part(expected))) <= 1  # whole ms: no float error


def _clock_ms(text: str) -> int:
    """HH:MM:SS.mmm as whole milliseconds of the day."""
    hours, minutes, seconds = text.split(":")
    whole, millis = seconds.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1000 + int(millis)


def _clock_seconds(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _behind(shown: str, wall: float) -> float:
    """How far the clock text is behind the true local time of ``wall``, in seconds."""
    moment = datetime.datetime.fromtimestamp(wall)
    true = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return (true - _clock_seconds(shown)) % 86400


@settings(max_examples=300, deadline=None)
@given(st.floats(1e8, 4e9, allow_nan=False))
def test_clock_shows_the_millisecond_the_moment_is_in(wall):
    assert _behind(ClockFormatter()(wall), wall) < 0.001 + 2e-6


@settings(max_examples=300, deadline=None)
@given(st.floats(1e8, 4e9, allow_nan=False))
def test_iso_time_names_the_same_instant(wall):
    shown = IsoTimeFormatter()(wall)
    parsed = datetime.datetime.fromisoformat(shown)
    assert parsed.tzinfo is not None
    assert 0 <= wall - parsed.timestamp() < 2e-6  # cut to the microsecond, never ahead


def test_one_formatter_across_seconds_and_repeats():
    clock, iso = ClockFormatter(), IsoTimeFormatter()
    base = 1_700_000_000.0
    for wall in (base + 0.5, base + 0.5004, base + 0.5004, base + 1.25, base + 0.75, base + 86400.001,
                 base + 0.5):
        assert _behind(clock(wall), wall) < 0.001 + 2e-6
        assert 0 <= wall - datetime.datetime.fromisoformat(iso(wall)).timestamp() < 2e-6


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Europe/Berlin").exists() or not hasattr(time, "tzset"),
                    reason="needs the Europe/Berlin zone from tzdata and time.tzset")
def test_the_utc_offset_changes_with_the_second_it_belongs_to(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        change = 1711846800  # 2024-03-31 01:00 UTC: Berlin goes from +01:00 to +02:00
        iso = IsoTimeFormatter()
        assert iso(change - 0.5).endswith("+01:00") and iso(change + 0.5).endswith("+02:00")
        assert iso(change - 0.25).endswith("+01:00")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_format_lines_one_line_per_record_in_both_forms():
    t = time.monotonic()
    batch = [EventRecord(t, "S", "OnClientRead", 1, "127.0.0.1:5", "T", 3, b"a\nb"), dropped_record(7, t),
             EventRecord(t, "S", "OnError", 1, "", "T", error=ErrorInfo(ErrorEvent.CONNECT, 111, "ECONNREFUSED",
                                                                        10061, "Connection refused"))]
    text = format_lines(batch)
    assert text.endswith("\n") and text.count("\n") == 3
    assert '"a\\nb"' in text.splitlines()[0]
    assert "7 records dropped here" in text.splitlines()[1]
    lines = [json.loads(x) for x in format_lines(batch, as_json=True).splitlines()]
    assert lines[1]["dropped"] == 7 and lines[1]["event"] == DROPPED
    assert lines[2]["error"]["code"] == 10061


@settings(max_examples=200, deadline=None)
@given(st.lists(records, max_size=30), st.floats(0, 1e9, allow_nan=False))
def test_a_batch_reads_as_its_records_one_by_one(batch, start):
    # the runner's batch path (format_lines) takes shortcuts for the usual record; records
    # close in time share a millisecond and a second, as in a flood
    batch = [r._replace(time=start + i * 0.0004) if i % 2 else r for i, r in enumerate(batch)]
    assert format_lines(batch) == "".join(human_line(r) + "\n" for r in batch)
    assert format_lines(batch, as_json=True) == "".join(json_line(r) + "\n" for r in batch)


def test_preview_memory_stays_bounded():
    t = time.monotonic()
    for i in range(3000):
        human_line(EventRecord(t, "S", "Send", 1, "", "T", 8, i.to_bytes(8, "big")))
    assert len(record_format._preview_texts) <= record_format._PREVIEW_TEXTS_MAX


def test_the_json_batch_memory_stays_bounded_with_many_connections():
    t = time.monotonic()
    format_lines([EventRecord(t, "S", "Send", i, f"127.0.0.1:{i}", "T", 8, b"12345678") for i in range(10_000)],
                 as_json=True)
    assert len(record_format._json_middles) <= record_format._MIDDLES_MAX


def test_clock_is_local_time():
    expected = time.strftime("%H:%M:%S", time.localtime(1_700_000_000))
    assert ClockFormatter()(1_700_000_000.123) == f"{expected}.123"

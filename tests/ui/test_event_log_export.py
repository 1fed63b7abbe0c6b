"""Exporting the log: CSV and JSON Lines written to real files and read back."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pytest
from PySide6.QtWidgets import QFileDialog

from app.core.record_format import text_preview
from components.observer import EventRecord
from tests.ui.conftest import make_record, varied_records
from ui.event_log_export import (
    CSV_COLUMNS,
    export_csv,
    export_jsonl,
    export_records,
    format_for_path,
)
from ui.event_log_model import EventLogModel
from ui.event_log_view import EventLogPane


def same_instant(iso: str, record: EventRecord) -> bool:
    parsed = datetime.fromisoformat(iso)
    return parsed.tzinfo is not None and abs(parsed.timestamp() - record.wall_time) < 2e-6


def test_jsonl_round_trip(tmp_path):
    records = varied_records(50)
    path = tmp_path / "log.jsonl"
    assert export_jsonl(records, path) == 50
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50
    for line, record in zip(lines, records, strict=True):
        obj = json.loads(line)
        assert {"time", "component", "event", "connection", "peer", "thread", "bytes", "detail",
                "data_hex", "error"} <= obj.keys()
        assert same_instant(obj["time"], record)
        assert obj["monotonic"] == record.time
        assert (obj["component"], obj["event"], obj["connection"], obj["peer"], obj["thread"],
                obj["bytes"], obj["detail"]) == (record.component, record.event, record.connection_id,
                                                 record.peer, record.thread, record.byte_count, record.detail)
        assert bytes.fromhex(obj["data_hex"]) == record.preview
        if record.error is None:
            assert obj["error"] is None
        else:
            error = record.error
            assert obj["error"] == {"event": "eeConnect", "errno": error.errno, "errno_name": "ECONNREFUSED",
                                    "code": 10061, "message": "Connection refused"}


def test_csv_round_trip(tmp_path):
    records = varied_records(50)
    path = tmp_path / "log.csv"
    assert export_csv(records, path) == 50
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert len(rows) == 50
    for row, record in zip(rows, records, strict=True):
        assert same_instant(row["time"], record)
        assert (row["component"], row["event"], int(row["connection"]), row["peer"], row["thread"],
                int(row["bytes"]), row["detail"]) == (record.component, record.event, record.connection_id,
                                                      record.peer, record.thread, record.byte_count,
                                                      record.detail)  # multi-line details survive quoting
        assert bytes.fromhex(row["data_hex"]) == record.preview
        assert row["data_text"] == text_preview(record.preview)
        if record.error is None:
            assert row["error_event"] == row["code"] == row["error_message"] == ""
        else:
            assert (row["error_event"], int(row["errno"]), row["errno_name"], int(row["code"]),
                    row["error_message"]) == ("eeConnect", record.error.errno, "ECONNREFUSED", 10061,
                                              "Connection refused")


def test_format_follows_suffix_or_name(tmp_path):
    records = [make_record(preview=b"x")]
    assert format_for_path("a.JSONL") == "jsonl" and format_for_path("a.txt") == "csv"
    export_records(records, tmp_path / "a.jsonl")
    assert json.loads((tmp_path / "a.jsonl").read_text())["data_hex"] == "78"
    export_records(records, tmp_path / "b.txt", "jsonl")
    assert json.loads((tmp_path / "b.txt").read_text())["bytes"] == 1
    with pytest.raises(ValueError):
        export_records(records, tmp_path / "c", "xml")


def test_pane_exports_what_is_shown(qtbot, tmp_path):
    model = EventLogModel()
    pane = EventLogPane(model)
    qtbot.addWidget(pane)
    records = varied_records(100)
    model.append_records(records)
    pane.proxy.set_component("ClientSocket1")
    assert pane.export(str(tmp_path / "shown.jsonl")) == 30
    exported = [json.loads(line) for line in (tmp_path / "shown.jsonl").read_text().splitlines()]
    assert {obj["component"] for obj in exported} == {"ClientSocket1"}
    pane.proxy.set_component("")
    assert pane.export(str(tmp_path / "all.csv")) == 100


@pytest.mark.parametrize(("typed", "chosen_filter", "written", "fmt"), [
    ("events", "JSON Lines files (*.jsonl)", "events.jsonl", "jsonl"),
    ("events", "CSV files (*.csv)", "events.csv", "csv"),
    ("events.jsonl", "CSV files (*.csv)", "events.jsonl", "jsonl"),  # a typed suffix wins
])
def test_export_button_writes_the_chosen_format(qtbot, tmp_path, monkeypatch, typed, chosen_filter,
                                                written, fmt):
    model = EventLogModel()
    pane = EventLogPane(model)
    qtbot.addWidget(pane)
    model.append_records(varied_records(10))
    asked = []

    def fake_dialog(parent, caption, directory, filters):
        asked.append(filters)
        return str(tmp_path / typed), chosen_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    pane.export_button.click()
    assert asked == ["CSV files (*.csv);;JSON Lines files (*.jsonl);;pcapng captures (*.pcapng)"]
    text = (tmp_path / written).read_text(encoding="utf-8")
    if fmt == "jsonl":
        assert len([json.loads(line) for line in text.splitlines()]) == 10
    else:
        assert text.startswith("time,component,event,")
    assert "10" in pane.status_label.toolTip()


def test_exports_carry_dropped_records_and_the_discarded_rows(qtbot, tmp_path):
    """Issue 8, item 3: a gap is in the files too, counted, and so are the rows the log's
    row cap discarded (a Dropped record heads the file)."""
    model = EventLogModel(capacity=20)
    pane = EventLogPane(model)
    qtbot.addWidget(pane)
    gap = make_record(3, component="", event="Dropped", connection_id=0, peer="", byte_count=150,
                      detail="150 records dropped here: the reader did not keep up")
    model.append_records([*varied_records(3), gap, *varied_records(22)])  # 6 old rows discarded
    assert model.evicted == 6 and pane.export(str(tmp_path / "log.jsonl")) == 21
    objects = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    head, *rest = objects
    assert (head["event"], head["dropped"], head["bytes"]) == ("Dropped", 6, 0)
    assert head["detail"] == "6 older records discarded before this: the log keeps at most 20 rows"
    assert [o["event"] for o in rest] == [r.event for r in model.records()]
    model.clear()
    model.append_records([gap, make_record(preview=b"\xde\xad\xbe\xef", byte_count=4)])
    assert pane.export(str(tmp_path / "log.csv")) == 3
    with open(tmp_path / "log.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["event"], r["bytes"], r["dropped"]) for r in rows] == [
        ("Dropped", "0", "6"), ("Dropped", "0", "150"), ("OnClientRead", "4", "")]
    assert rows[2]["data_text"] == "\\xde\\xad\\xbe\\xef" and rows[2]["data_hex"] == "deadbeef"
    pane.proxy.set_component("ServerSocket1")  # a narrowed export keeps the gaps
    assert pane.export(str(tmp_path / "server.jsonl")) == 3

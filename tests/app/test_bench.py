"""Smoke tests for the engine benchmark: every row runs and reports a number and a ratio.

No timing is asserted: the numbers depend on the machine and what else runs on it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.engine import BULK, CHURN, PP1, PP1_OBSERVED, PP1_RECORDED, PP16, main

pytestmark = pytest.mark.timeout(60)

NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"


def _table_line(out: str, loop: str, row: str) -> str:
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 7 and cells[0] == loop and cells[1] == row:
            return line
    raise AssertionError(f"no table line for {loop} / {row} in:\n{out}")


def _check_row(out: str, loop: str, row: str, unit: str, status: tuple[str, ...] = ("OK", "BELOW")) -> None:
    cells = [c.strip() for c in _table_line(out, loop, row).split("|")]
    assert re.fullmatch(f"{NUMBER} {unit}", cells[2]), cells
    assert re.fullmatch(f"{NUMBER} {unit}", cells[3]), cells
    assert re.fullmatch(r"[0-9]+\.[0-9]{2}", cells[4]), cells
    assert cells[6] in status, cells


def test_quick_asyncio_run_prints_every_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    # run and gui have their own tests below; every engine group here
    assert main(["--quick", "--runs", "1", "--loops", "asyncio", "--only", "bulk,pingpong,churn,threads",
                 "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Python 3." in out and "cores" in out  # the machine context line
    for row, unit in ((BULK, "MB/s"), (PP1, "msg/s"), (PP16, "msg/s"), (CHURN, "conn/s")):
        _check_row(out, "asyncio", row, unit)
    _check_row(out, "asyncio", PP1_OBSERVED, "msg/s", status=("info",))
    _check_row(out, "asyncio", PP1_RECORDED, "msg/s", status=("info",))
    _check_row(out, "threads", BULK, "MB/s")  # threads run unless --only leaves them out

    data = json.loads(report.read_text())
    rows = {(r["loop"], r["row"]): r for r in data["rows"]}
    assert rows[("asyncio", BULK)]["ratio"] > 0
    assert all(r["components_median"] and r["raw_median"] for r in data["rows"])


def test_quick_threads_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--runs", "1", "--only", "threads"]) == 0
    out = capsys.readouterr().out
    for row, unit in ((BULK, "MB/s"), (PP1, "msg/s"), (PP16, "msg/s"), (CHURN, "conn/s")):
        _check_row(out, "threads", row, unit)
    assert "asyncio |" not in out and "uvloop |" not in out and "qasync |" not in out


def test_bad_arguments_are_refused() -> None:
    assert main(["--loops", "tokio"]) == 2
    assert main(["--runs", "0"]) == 2


def test_quick_run_group_compares_run_with_a_raw_server(capsys: pytest.CaptureFixture[str]) -> None:
    # socket-workbench run (text and --json) and the raw echo server, each a real process
    assert main(["--quick", "--runs", "1", "--only", "run"]) == 0
    out = capsys.readouterr().out
    from bench.runner import servers

    # the row, each server's rate, a ratio for each runner and the engine, the target, the status
    kinds = servers()
    columns = 1 + len(kinds) + sum(1 for kind in kinds if not kind.startswith("raw")) + 2
    for row in ("ping-pong 1 conn", "ping-pong 16 conns", "bulk (echoed)"):
        line = next(x for x in out.splitlines() if x.startswith(row + " "))
        assert line.count("|") == columns - 1 and "FAILED" not in line, line
    assert "records dropped" in out


@pytest.mark.timeout(180)
def test_quick_gui_section_prints_its_tables(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The real window offscreen against the headless servers, every row once (bench/gui.py)."""
    pytest.importorskip("PySide6")
    report = tmp_path / "gui.json"
    assert main(["--quick", "--only", "gui", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    for row in ("ping-pong 1 conn", "ping-pong 16 conns", "bulk (echoed)", "accept churn"):
        assert re.search(rf"\| {re.escape(row)}.*\| +{NUMBER} msg/s|\| {re.escape(row)}.*(MB|conn)/s", out), row
    assert "log flood" in out and "idle connections" in out
    gui = json.loads(report.read_text())["gui"]
    assert all(r["medians"]["GUI"] and r["medians"]["engine"] for r in gui["rates"])
    assert gui["log"] and all(run["lost"] == 0 for run in gui["log"])
    assert all(not p["failure"] for p in gui["scale"])
def test_quick_protocols_rows(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.protocols import FRAMED_VS_RAW, FRAMED_VS_UNFRAMED, QUANTILES, REPEAT_INTERVALS_MS, repeat_row

    assert main(["--quick", "--runs", "1", "--loops", "asyncio", "--only", "protocols"]) == 0
    out = capsys.readouterr().out
    _check_row(out, "asyncio", FRAMED_VS_UNFRAMED, "msg/s")
    _check_row(out, "asyncio", FRAMED_VS_RAW, "msg/s", status=("info",))
    for interval in REPEAT_INTERVALS_MS:
        for quantile in QUANTILES:
            _check_row(out, "asyncio", repeat_row(interval, quantile), "ms", status=("info",))
    assert "threads |" not in out


def test_quick_tls_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Bulk and ping-pong over TLS: the TLS ServerSocket against a raw asyncio TLS server."""
    from bench.tls import TLS_BULK, TLS_PP1

    report = tmp_path / "tls.json"
    assert main(["--quick", "--runs", "1", "--loops", "asyncio", "--only", "tls", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    _check_row(out, "asyncio", TLS_BULK, "MB/s")
    _check_row(out, "asyncio", TLS_PP1, "msg/s")
    assert "threads |" not in out
    rows = {r["row"]: r for r in json.loads(report.read_text())["rows"]}
    assert rows[TLS_BULK]["ratio"] > 0 and rows[TLS_PP1]["ratio"] > 0

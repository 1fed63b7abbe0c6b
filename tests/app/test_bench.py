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
    assert main(["--quick", "--runs", "1", "--loops", "asyncio", "--json", str(report)]) == 0
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

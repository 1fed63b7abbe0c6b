"""``socket-workbench test PATH... [--to HOST:PORT] [--junit report.xml]``: run checks in CI.

Each PATH is a scenario file (``.toml``, app.core.scenario) or a capture (``.pcapng``,
``.pcap``: its client side replayed, as ``replay`` does). Every file is one suite of the
shared report (app.core.session_report): a scenario's steps are its cases, and a failed
expect shows the first differing byte with a hex diff. The exit code is the report's: 0
when everything passed, 1 on a failure, 2 when some input was bad (a file that does not
load, a capture without ``--to``); a bad file is reported and the other files still run.

``--to HOST:PORT`` sends every connect of the scenarios there (the address the file says
is then ignored), and is where captures are replayed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from app.core.replay import EXIT_INTERRUPTED, replay
from app.core.replay import load as load_capture
from app.core.scenario import ScenarioError, load_scenario, parse_address, run_scenario
from app.core.session_report import EXIT_BAD_INPUT, BadInput, SessionReport, format_text, write_junit

PROG = "socket-workbench test"
CAPTURE_SUFFIXES = (".pcapng", ".pcap", ".cap")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run scenario files (.toml) and replay captures (.pcapng, .pcap) against a "
                               "server; exit 0 when everything passed, 1 on a failure, 2 on bad input.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files and captures")
    parser.add_argument("--to", metavar="HOST:PORT",
                        help="connect there (every connect step of the scenarios; required for captures)")
    parser.add_argument("--junit", metavar="FILE", help="also write the report as JUnit XML")
    parser.add_argument("--verbose", action="store_true", help="show the hex dump of passed steps too")
    return parser.parse_args(argv)


async def _run_scenario_file(path: Path, target: tuple[str, int] | None, report: SessionReport) -> None:
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        report.bad_input.append(str(exc))
        return
    report.suites.append(await run_scenario(scenario, target))


async def _replay_capture(path: Path, target: tuple[str, int] | None, report: SessionReport) -> None:
    if target is None:
        report.bad_input.append(f"{path}: a capture is replayed against a server: give it with --to HOST:PORT")
        return
    try:
        conversations = load_capture(path)
    except BadInput as exc:
        report.bad_input.append(str(exc))
        return
    replayed = await replay(conversations, target, source=str(path))
    report.suites.extend(replayed.suites)
    report.bad_input.extend(replayed.bad_input)


async def run_paths(paths: list[Path], target: tuple[str, int] | None) -> SessionReport:
    """One report for every file, in the order given (a bad file is bad input; the rest run)."""
    report = SessionReport()
    for path in paths:
        if path.suffix.lower() in CAPTURE_SUFFIXES:
            await _replay_capture(path, target, report)
        else:
            await _run_scenario_file(path, target, report)
    return report


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    target = None
    if args.to is not None:
        try:
            target = parse_address(args.to)
        except ValueError as exc:
            print(f"{PROG}: --to {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.junit is not None and not Path(args.junit).resolve().parent.is_dir():
        print(f"{PROG}: --junit {args.junit}: the folder {Path(args.junit).parent} does not exist", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        report = asyncio.run(run_paths([Path(p) for p in args.paths], target))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(format_text(report, args.verbose), flush=True)
    try:
        if args.junit is not None:
            write_junit(report, args.junit)
    except BadInput as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return report.exit_code

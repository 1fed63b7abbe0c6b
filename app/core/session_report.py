"""The report of a session check, shared by ``replay``, ``mock`` and ``test`` (scenarios).

A check runs *suites* (one per replayed TCP stream, or one per scenario) made of *cases*
(one per exchange: the client's bytes sent, the server's reply compared; or one per
scenario step). Every case says pass or fail, why, where the bytes first differed with a
hex dump of the context, and how long it took against the recording.

    SessionReport -> SuiteResult* -> CaseResult*

The same report gives the text a terminal shows (``format_text``), the exit code
(``exit_code``: 0 all passed, 1 a mismatch or failure, 2 bad input) and JUnit XML
(``write_junit``, with junit-xml: one ``<testsuite>`` per stream or scenario, one
``<testcase>`` per exchange or step, the failure's ``message`` a one-line summary a CI page
lists, its body the hex diff).

Bad input (a missing file, a file that is no capture, a bad address, no such stream) is
``BadInput``: a clear message, exit code 2, nothing run.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import junit_xml

from .atomic_file import write_atomically

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

ROW = 16  # bytes per hex dump row
CONTEXT_ROWS = 1  # rows shown before and after the row of the first difference
_BLOCK = 4096


class BadInput(ValueError):  # noqa: N818 - reads as what it is: bad input, exit code 2
    """Input a check can't start from; the message says what and why (exit code 2)."""


# -- comparing bytes ----------------------------------------------------------------------
def first_difference(expected: bytes, received: bytes, ignored: Container[int] = ()) -> int | None:
    """The offset of the first byte where ``received`` differs from ``expected`` (offsets in
    ``ignored`` match anything), or where one ends before the other; None when they match."""
    start = 0
    if not ignored:  # skip the equal start a block at a time: replies can be megabytes
        common = min(len(expected), len(received))
        while start < common and expected[start:start + _BLOCK] == received[start:start + _BLOCK]:
            start += _BLOCK
        start = min(start, common)
    for offset in range(start, min(len(expected), len(received))):
        if expected[offset] != received[offset] and offset not in ignored:
            return offset
    if len(expected) != len(received):
        return min(len(expected), len(received))
    return None


def _printable(data: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)


def _byte_text(data: bytes, offset: int) -> str:
    if offset >= len(data):
        return "the end"
    b = data[offset]
    return f"0x{b:02x}" + (f" {chr(b)!r}" if 0x20 <= b < 0x7F else "")


def describe_difference(expected: bytes, received: bytes, offset: int) -> str:
    """One line: where the first difference is and what each side has there."""
    if offset >= len(received):
        return (f"reply ends at byte {offset} (0x{offset:x}); {len(expected) - offset} more byte(s) "
                f"expected, next {_byte_text(expected, offset)}")
    if offset >= len(expected):
        return (f"{len(received) - offset} extra byte(s) from byte {offset} (0x{offset:x}), "
                f"first {_byte_text(received, offset)}")
    return (f"first difference at byte {offset} (0x{offset:x}): expected {_byte_text(expected, offset)}, "
            f"received {_byte_text(received, offset)}")


def hex_diff(expected: bytes, received: bytes, offset: int, ignored: Container[int] = (),
             context_rows: int = CONTEXT_ROWS) -> str:
    """The rows of a hex dump around ``offset``, expected over received, with ``^^`` under
    each byte that differs (``..`` under ignored ones that differ)."""
    row = offset // ROW
    first = max(0, row - context_rows) * ROW
    last = min(max(len(expected), len(received)), (row + context_rows + 1) * ROW)
    lines = []
    for start in range(first, last, ROW):
        want, got = expected[start:start + ROW], received[start:start + ROW]
        marks = []
        for i in range(ROW):
            at = start + i
            differs = want[i:i + 1] != got[i:i + 1]
            marks.append((".." if at in ignored else "^^") if differs else "  ")
        lines.append(f"expected {start:08x}  {_hex_row(want)}  {_printable(want)}")
        lines.append(f"received {start:08x}  {_hex_row(got)}  {_printable(got)}")
        if any(m.strip() for m in marks):
            lines.append(" " * 19 + " ".join(marks).rstrip())
    return "\n".join(lines)


def _hex_row(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data).ljust(ROW * 3 - 1)


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseResult:
    """One exchange (replay, mock) or one step (scenario) as it ran.

    ``expected``/``received`` are the bytes compared, when it compared; ``offset`` the first
    byte where they differ (None when they matched, or the failure was no comparison: a
    timeout with nothing received, a refused connection). ``elapsed`` is the seconds it took
    now, ``recorded`` the seconds it took in the recording (None for a scenario). ``error``
    marks a failure that is no mismatch (the connection could not be made, was reset):
    JUnit calls it an error rather than a failure; the exit code is 1 either way.
    """

    name: str
    passed: bool
    message: str = ""
    expected: bytes | None = None
    received: bytes | None = None
    offset: int | None = None
    elapsed: float | None = None
    recorded: float | None = None
    error: bool = False
    kind: str = "exchange"
    sent: bytes | None = None
    detail: str = ""  # more text for the report (a hex diff is made from the bytes)

    @property
    def timing(self) -> str:
        if self.elapsed is None:
            return ""
        text = f"{self.elapsed * 1000:.1f} ms"
        if self.recorded is not None:
            text += f" (recorded {self.recorded * 1000:.1f} ms)"
        return text


def compared(name: str, expected: bytes, received: bytes, ignored: Container[int] = (), *,
             elapsed: float | None = None, recorded: float | None = None, kind: str = "exchange",
             sent: bytes | None = None, what: str = "reply") -> CaseResult:
    """The case of a comparison of ``received`` with ``expected``: passed when they match
    (bytes in ``ignored`` match anything), else failed at the first differing byte."""
    offset = first_difference(expected, received, ignored)
    if offset is None:
        message = f"{what} matches ({len(received)} byte(s))"
        return CaseResult(name, True, message, expected, received, None, elapsed, recorded, kind=kind, sent=sent)
    message = describe_difference(expected, received, offset).replace("reply", what, 1)
    return CaseResult(name, False, message, expected, received, offset, elapsed, recorded, kind=kind, sent=sent,
                      detail=hex_diff(expected, received, offset, ignored))


@dataclass
class SuiteResult:
    """One replayed stream, or one scenario."""

    name: str
    cases: list[CaseResult] = field(default_factory=list)
    elapsed: float | None = None
    recorded: float | None = None
    source: str = ""  # the capture or scenario file
    notes: list[str] = field(default_factory=list)  # said in the report, not failures

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    def add(self, case: CaseResult) -> CaseResult:
        self.cases.append(case)
        return case


@dataclass
class SessionReport:
    """Every suite of one check (a replay, a ``test`` run over several files)."""

    suites: list[SuiteResult] = field(default_factory=list)
    bad_input: list[str] = field(default_factory=list)  # files ``test`` could not start from

    @property
    def passed(self) -> bool:
        return not self.bad_input and all(s.passed for s in self.suites)

    @property
    def exit_code(self) -> int:
        """0 when everything passed, 2 when some input was bad, else 1 (a mismatch)."""
        if self.bad_input:
            return EXIT_BAD_INPUT
        return EXIT_PASSED if self.passed else EXIT_FAILED

    def counts(self) -> tuple[int, int]:
        """(cases passed, cases in all)."""
        cases = [c for s in self.suites for c in s.cases]
        return sum(c.passed for c in cases), len(cases)


# -- text ---------------------------------------------------------------------------------
def case_line(case: CaseResult) -> str:
    """One line for a case: PASS/FAIL, its name, why, and the timing."""
    status = "PASS" if case.passed else ("ERROR" if case.error else "FAIL")
    timing = f"  [{case.timing}]" if case.timing else ""
    return f"  {status:<5} {case.name}: {case.message}{timing}"


def format_text(report: SessionReport, verbose: bool = False) -> str:
    """The report a terminal shows: every suite, every case (passed ones in one line), the
    hex diff under each failure, and a summary line."""
    lines: list[str] = []
    for problem in report.bad_input:
        lines.append(f"bad input: {problem}")
    for suite in report.suites:
        timing = ""
        if suite.elapsed is not None:
            timing = f" in {suite.elapsed:.3f} s"
            if suite.recorded is not None:
                timing += f" (recorded {suite.recorded:.3f} s)"
        status = "passed" if suite.passed else "FAILED"
        lines.append(f"{suite.name}: {status}, {sum(c.passed for c in suite.cases)}/{len(suite.cases)}{timing}")
        lines.extend(f"  note: {note}" for note in suite.notes)
        for case in suite.cases:
            lines.append(case_line(case))
            if case.detail and (verbose or not case.passed):
                lines.extend("        " + line for line in case.detail.splitlines())
    passed, total = report.counts()
    verdict = "passed" if report.passed else ("bad input" if report.bad_input else "FAILED")
    lines.append(f"{verdict}: {passed}/{total} exchange(s) passed in {len(report.suites)} suite(s)")
    return "\n".join(lines)


# -- JUnit XML ----------------------------------------------------------------------------
def junit_suites(report: SessionReport) -> list[junit_xml.TestSuite]:
    suites = []
    for suite in report.suites:
        cases = []
        for case in suite.cases:
            out = "\n".join(filter(None, [case.message, case.timing and f"time: {case.timing}"]))
            tc = junit_xml.TestCase(case.name, classname=suite.name, elapsed_sec=case.elapsed,
                                    stdout=out or None, file=suite.source or None)
            if not case.passed:
                body = "\n".join(filter(None, [case.message, case.detail]))
                if case.error:
                    tc.add_error_info(message=case.message, output=body, error_type=case.kind)
                else:
                    tc.add_failure_info(message=case.message, output=body, failure_type=case.kind)
            cases.append(tc)
        suites.append(junit_xml.TestSuite(suite.name, cases, file=suite.source or None,
                                          stdout="\n".join(suite.notes) or None))
    if report.bad_input:
        cases = []
        for problem in report.bad_input:
            tc = junit_xml.TestCase("bad input", classname="input")
            tc.add_error_info(message=problem, error_type="bad input")
            cases.append(tc)
        suites.append(junit_xml.TestSuite("input", cases))
    return suites


def junit_text(report: SessionReport) -> str:
    text: str = junit_xml.to_xml_report_string(junit_suites(report), encoding="utf-8")
    return text


def write_junit(report: SessionReport, path: str | Path) -> None:
    """JUnit XML of the report at ``path`` (written whole: a temporary file renamed)."""
    try:
        write_atomically(Path(path), junit_text(report).encode("utf-8"))
    except OSError as exc:
        raise BadInput(f"can't write the JUnit report {path}: {exc.strerror or exc}") from None


def print_report(report: SessionReport, write: Callable[[str], object] = print,
                 junit: str | Path | None = None) -> int:
    """Shows the report, writes the JUnit file when asked, and returns the exit code."""
    write(format_text(report))
    if junit is not None:
        write_junit(report, junit)
    return report.exit_code


def merge(reports: Iterable[SessionReport]) -> SessionReport:
    """One report of several (``test`` over several files)."""
    out = SessionReport()
    for report in reports:
        out.suites.extend(report.suites)
        out.bad_input.extend(report.bad_input)
    return out

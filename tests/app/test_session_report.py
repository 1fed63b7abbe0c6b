"""The session report shared by replay, mock and test: comparisons, the text, exit codes,
JUnit XML as CI pages read it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.core.session_report import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_PASSED,
    BadInput,
    CaseResult,
    SessionReport,
    SuiteResult,
    compared,
    first_difference,
    format_text,
    hex_diff,
    merge,
    write_junit,
)


def test_first_difference():
    assert first_difference(b"abc", b"abc") is None
    assert first_difference(b"abc", b"abd") == 2
    assert first_difference(b"abc", b"ab") == 2
    assert first_difference(b"ab", b"abc") == 2
    assert first_difference(b"", b"") is None
    assert first_difference(b"a1c", b"a2c", ignored={1}) is None
    assert first_difference(b"a1c", b"a2d", ignored={1}) == 2


def test_a_mismatch_names_the_first_differing_byte_and_shows_its_row():
    expected = bytes(range(48))
    received = expected[:20] + b"X" + expected[21:]
    case = compared("exchange 2", expected, received, elapsed=0.004, recorded=0.002)
    assert not case.passed and case.offset == 20
    assert case.message == "first difference at byte 20 (0x14): expected 0x14, received 0x58 'X'"
    lines = case.detail.splitlines()
    assert lines[2].startswith("expected 00000010  10 11 12 13 14")
    assert lines[3].startswith("received 00000010  10 11 12 13 58")
    caret = lines[4]
    assert caret.index("^^") == lines[3].index("58") and caret.count("^^") == 1
    assert case.timing == "4.0 ms (recorded 2.0 ms)"


def test_short_and_long_replies():
    short = compared("e", b"abcdef", b"abc")
    assert short.offset == 3 and "reply ends at byte 3" in short.message and "3 more byte(s)" in short.message
    long = compared("e", b"abc", b"abcXY", what="reply")
    assert long.offset == 3 and "2 extra byte(s) from byte 3" in long.message
    assert compared("e", b"abc", b"abc").passed


def test_ignored_bytes_are_marked_differently():
    text = hex_diff(b"a1cd", b"a2cX", 3, ignored={1})
    caret = text.splitlines()[2]
    assert caret.split() == ["..", "^^"]


def test_exit_codes():
    passed = SessionReport([SuiteResult("s", [CaseResult("c", True)])])
    assert passed.exit_code == EXIT_PASSED
    failed = SessionReport([SuiteResult("s", [CaseResult("c", True), CaseResult("d", False, "no")])])
    assert failed.exit_code == EXIT_FAILED
    bad = merge([failed, SessionReport(bad_input=["x.pcapng: no such file"])])
    assert bad.exit_code == EXIT_BAD_INPUT and len(bad.suites) == 1
    assert SessionReport().exit_code == EXIT_PASSED


def test_text_report_lists_every_case_and_the_diff_under_failures():
    suite = SuiteResult("stream 0", elapsed=0.5, recorded=0.25)
    suite.add(compared("exchange 1", b"hello", b"hello"))
    suite.add(compared("exchange 2", b"world", b"wOrld"))
    suite.notes.append("the capture missed 3 bytes")
    text = format_text(SessionReport([suite]))
    assert "stream 0: FAILED, 1/2 in 0.500 s (recorded 0.250 s)" in text
    assert "  PASS  exchange 1: reply matches (5 byte(s))" in text
    assert "  FAIL  exchange 2: first difference at byte 1 (0x1)" in text
    assert "received 00000000  77 4f" in text
    assert "note: the capture missed 3 bytes" in text
    assert text.splitlines()[-1] == "FAILED: 1/2 exchange(s) passed in 1 suite(s)"


def test_junit_one_testcase_per_exchange_grouped_per_stream(tmp_path):
    one = SuiteResult("stream 0", source="echo.pcapng")
    one.add(compared("exchange 1", b"a", b"a", elapsed=0.001))
    one.add(compared("exchange 2", b"\x00\x01", b"\x00\x02", elapsed=0.002))
    two = SuiteResult("stream 1", source="echo.pcapng")
    two.add(CaseResult("connect", False, "connection refused", error=True, kind="connect"))
    path = tmp_path / "report.xml"
    write_junit(SessionReport([one, two]), path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["stream 0", "stream 1"]
    assert suites[0].get("failures") == "1" and suites[1].get("errors") == "1"
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == ["exchange 1", "exchange 2"]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "first difference at byte 1 (0x1): expected 0x01, received 0x02"
    assert "received 00000000  00 02" in failure.text and "^^" in failure.text
    assert suites[1].find("testcase/error").get("message") == "connection refused"


def test_junit_for_bad_input_and_an_unwritable_path(tmp_path):
    report = SessionReport(bad_input=["nope.pcapng: no such file"])
    write_junit(report, tmp_path / "r.xml")
    error = ET.parse(tmp_path / "r.xml").getroot().find("testsuite/testcase/error")
    assert error.get("message") == "nope.pcapng: no such file"
    with pytest.raises(BadInput, match="can't write the JUnit report"):
        write_junit(report, tmp_path / "missing" / "r.xml")


def test_control_bytes_in_a_message_still_give_valid_xml(tmp_path):
    suite = SuiteResult("s")
    suite.add(CaseResult("c", False, "bad \x00\x1b byte"))
    write_junit(SessionReport([suite]), tmp_path / "r.xml")
    ET.parse(tmp_path / "r.xml")


@pytest.mark.parametrize("at", [0, 1, 4095, 4096, 4097, 25_599])
def test_first_difference_in_long_replies(at):
    long = bytes(range(256)) * 100
    changed = bytearray(long)
    changed[at] ^= 1
    assert first_difference(long, bytes(changed)) == at
    assert first_difference(long, long) is None
    assert first_difference(long, long[:5000]) == first_difference(long[:5000], long) == 5000

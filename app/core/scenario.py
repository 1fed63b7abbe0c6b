"""Scenarios: multi-step sessions written by hand (handshake, then data), run on real sockets.

A scenario is a TOML file. TOML, not JSON: it takes comments (say why a step is
there), multi-line strings (an HTTP request as it is on the wire) and reads and
diffs well by hand; Python reads it with the standard ``tomllib``, which says
the line and column of a syntax error. ::

    [scenario]
    name = "HTTP GET"        # optional: the file's name otherwise
    timeout = 5              # seconds, for each connect, expect and close without its own
    encoding = "utf-8"       # how text is written and read

    [[step]]
    connect = "127.0.0.1:8080"
    framing = "line"         # optional, a Framing spec: each expect then takes one frame

    [[step]]
    send = 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n'

    [[step]]
    expect = "HTTP/1.0 200 OK"
    match = "exact"          # exact (the default), contains, regex, hex
    timeout = 2

    [[step]]
    repeat = 3
    steps = [{ send = "PING {counter}\\n" }, { expect = "PONG {counter}", match = "contains" }]

    [[step]]
    sleep = 0.5

    [[step]]
    close = true             # or: expect_close = true (the peer closes)

A step is a table with exactly one of these keys:

``connect = "HOST:PORT"``
    opens a connection (``[::1]:80`` for IPv6), with ``framing`` (a Framing spec,
    components.framing) and ``connection`` (a name, when a scenario talks over
    several connections; steps without one use the last connected).
``send = 'TEMPLATE'`` / ``send_hex = "01 03 00 00 00 02 {crc16_modbus}"``
    sends bytes, written as in the reply rules (app.core.templates): escapes,
    ``{counter}`` (the repetition, from 1), checksums, and ``{1}`` ``{name}``, the
    groups of the last regex expect. Write templates in 'single quotes' (TOML literal
    strings), so that ``\\r\\n`` and ``\\xNN`` reach the template as typed. ``send_hex``
    is pairs of hex digits and placeholders.
``expect = "PATTERN"``, ``match = "exact" | "contains" | "regex" | "hex"``, ``timeout``
    waits for what the peer sends and checks it (patterns as in app.core.rules).
    With a Framing, the next frame must match. Without one the bytes are a stream:
    exact and hex wait for as many bytes as the pattern has (and fail at the first
    differing byte, without waiting); contains and regex take the bytes up to the end
    of their match; a hex pattern ending in ``*`` takes what has arrived. What is not
    taken stays for the next expect.
``sleep = SECONDS``
    waits (at most an hour).
``repeat = N``, ``steps = [...]``
    runs the nested steps N times (``[[step.steps]]`` tables or an inline list).
``close = true``
    closes the connection.
``expect_close = true``, ``timeout``
    waits for the peer to close; bytes still unread then are reported, not failed.

Every wait is bounded: the timeout, and 1 MiB waiting unmatched (as the default
FrameLimit); a run takes at most MAX_STEPS_RUN steps, repetitions counted.
A step that fails ends the scenario (the next steps would talk to a peer in an
unknown state). A mistake in the file is a ``ScenarioError`` naming the file, the
line and the step, before any socket opens.

The parse is pure; ``run_scenario`` is the thin asyncio driver doing the I/O, used
alike by ``socket-workbench test``, the workbench's Run menu and the tests.
"""

from __future__ import annotations

import asyncio
import re
import time
import tomllib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.bounded_read import FileRefused, read_form_file
from app.core.rules import RuleError, parse_hex_pattern
from app.core.session_report import CaseResult, SuiteResult, describe_difference, first_difference, hex_diff
from app.core.templates import Context, Template, TemplateError, compile_template
from components.escapes import unescape_bytes
from components.framing import DEFAULT_FRAME_LIMIT, BadFrameLength, Framer, FrameTooLong, FramingError, parse_framing
from components.observer import PREVIEW_BYTES, SCENARIO, SCENARIO_FAILED, EventRecord, thread_name

SUFFIX = ".toml"
MATCHES = ("exact", "contains", "regex", "hex")
STEP_KINDS = ("connect", "send", "send_hex", "expect", "sleep", "repeat", "close", "expect_close")
DEFAULT_TIMEOUT = 5.0
MAX_SECONDS = 3600.0
MAX_REPEAT = 1_000_000
#: steps one run may take, repetitions counted: each is a result (a JUnit testcase, a log record)
MAX_STEPS_RUN = 100_000
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32  # repeats inside repeats, at most
READ_CHUNK = 64 * 1024
#: bytes that may wait unmatched for an expect without Framing (as FrameLimit with one)
BUFFER_LIMIT = DEFAULT_FRAME_LIMIT

_OPTIONS = {
    "connect": {"framing", "connection", "timeout"},
    "send": {"connection"},
    "send_hex": {"connection"},
    "expect": {"match", "timeout", "connection"},
    "sleep": set(),
    "repeat": {"steps"},
    "close": {"connection", "timeout"},
    "expect_close": {"connection", "timeout"},
}
_SCENARIO_KEYS = {"name", "timeout", "encoding"}


class ScenarioError(ValueError):
    """A scenario file that cannot run; the message names the file, the line and the step."""

    def __init__(self, message: str, path: str = "", line: int | None = None, step: str = "") -> None:
        where = ":".join(p for p in (path, str(line) if line else "") if p)
        text = ": ".join(p for p in (where, step, message) if p)
        super().__init__(text)
        self.path, self.line, self.step, self.reason = path, line, step, message


# -- the steps -------------------------------------------------------------------------
@dataclass(frozen=True)
class Where:
    """Where a step is written: its label ("step 3", "step 3.2" inside a repeat) and line."""

    label: str
    line: int | None = None


@dataclass(frozen=True)
class Connect:
    where: Where
    host: str
    port: int
    framing: str = "none"
    connection: str = ""
    timeout: float | None = None


@dataclass(frozen=True)
class Send:
    where: Where
    template: Template
    connection: str = ""


@dataclass(frozen=True)
class Expect:
    where: Where
    match: str
    pattern: str
    expected: bytes = b""  # exact and contains: the bytes
    hex_bytes: tuple[int | None, ...] = ()
    hex_any_tail: bool = False
    regex: re.Pattern[str] | None = None
    timeout: float | None = None
    connection: str = ""


@dataclass(frozen=True)
class Sleep:
    where: Where
    seconds: float


@dataclass(frozen=True)
class Repeat:
    where: Where
    count: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Close:
    where: Where
    connection: str = ""
    timeout: float | None = None


@dataclass(frozen=True)
class ExpectClose:
    where: Where
    connection: str = ""
    timeout: float | None = None


Step = Connect | Send | Expect | Sleep | Repeat | Close | ExpectClose

KIND_OF: dict[type, str] = {Connect: "connect", Send: "send", Expect: "expect", Sleep: "sleep",
                            Repeat: "repeat", Close: "close", ExpectClose: "expect_close"}


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    timeout: float = DEFAULT_TIMEOUT
    encoding: str = "utf-8"
    path: str = ""


# -- parsing ---------------------------------------------------------------------------
_STEP_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*step[ \t]*\]\]", re.MULTILINE)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; ScenarioError (with the line) if it can't run."""
    p = Path(path)
    try:
        data = read_form_file(p, MAX_FILE_BYTES)
    except FileRefused as exc:
        raise ScenarioError(str(exc), str(p)) from None
    except OSError as exc:
        raise ScenarioError(exc.strerror or str(exc), str(p)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text (a TOML file is UTF-8)", str(p), line) from None
    return parse_scenario(text, str(p), default_name=p.stem)


def parse_scenario(text: str, path: str = "", default_name: str = "scenario") -> Scenario:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else None
        reason = str(exc)[:m.start()].strip() if m else str(exc)
        raise ScenarioError(f"not valid TOML: {reason}" + (f" (column {m.group(2)})" if m else ""),
                            path, line) from None
    except RecursionError:
        raise ScenarioError(f"tables or lists nested too deeply (at most {MAX_DEPTH} levels)", path) from None
    lines = [text.count("\n", 0, m.start()) + 1 for m in _STEP_HEADER.finditer(text)]
    return scenario_from_document(document, path, default_name, lines)


def scenario_from_document(document: Mapping[str, Any], path: str = "", default_name: str = "scenario",
                           lines: Sequence[int] = ()) -> Scenario:
    """The scenario of a TOML document already read (``lines``: where its [[step]] tables are)."""
    unknown = sorted(set(document) - {"scenario", "step"})
    if unknown:
        raise ScenarioError(f"unknown table(s) or key(s) {', '.join(map(repr, unknown))} at the top "
                            "(a scenario has [scenario] and [[step]] tables)", path)
    head = document.get("scenario", {})
    if not isinstance(head, Mapping):
        raise ScenarioError("[scenario] must be a table", path)
    bad = sorted(set(head) - _SCENARIO_KEYS)
    if bad:
        raise ScenarioError(f"[scenario] has unknown key(s) {', '.join(map(repr, bad))} "
                            f"(keys: {', '.join(sorted(_SCENARIO_KEYS))})", path)
    name = head.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("[scenario] name must be some text", path)
    timeout = _seconds(head.get("timeout", DEFAULT_TIMEOUT), "timeout", path, "[scenario]", None)
    encoding = head.get("encoding", "utf-8")
    try:
        if not isinstance(encoding, str):
            raise LookupError
        "".encode(encoding)  # LookupError for a codec that is no text encoding (hex, rot13)
    except LookupError:
        raise ScenarioError(f"[scenario] encoding {encoding!r} is not a text encoding Python knows", path) from None
    raw_steps = document.get("step", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError("no steps: write them as [[step]] tables", path)
    if len(lines) != len(raw_steps):
        lines = []
    parser = _StepParser(path, encoding)
    steps = tuple(parser.step(raw, str(i + 1), lines[i] if lines else None) for i, raw in enumerate(raw_steps))
    total = steps_run(steps)
    if total > MAX_STEPS_RUN:
        raise ScenarioError(f"the steps would run {total:,} times, repetitions counted; at most "
                            f"{MAX_STEPS_RUN:,} can (each is a result in the report)", path)
    return Scenario(name.strip(), steps, timeout, encoding, path)


def steps_run(steps: Sequence[Step]) -> int:
    """How many steps a run takes when none fails, repetitions counted."""
    return sum(s.count * steps_run(s.steps) if isinstance(s, Repeat) else 1 for s in steps)


def _seconds(value: Any, key: str, path: str, label: str, line: int | None, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value <= MAX_SECONDS if zero else 0 < value <= MAX_SECONDS):
        low = "0" if zero else "more than 0"
        raise ScenarioError(f"{key} must be a number of seconds, {low} to {MAX_SECONDS:g}, not {value!r}",
                            path, line, label)
    return float(value)


@dataclass
class _StepParser:
    path: str
    encoding: str
    #: the last regex expect written before the step being read (its groups feed {1} in sends)
    last_regex: re.Pattern[str] | None = field(default=None)

    def fail(self, message: str, where: Where) -> ScenarioError:
        return ScenarioError(message, self.path, where.line, where.label)

    def step(self, raw: Any, number: str, line: int | None) -> Step:
        where = Where(f"step {number}", line)
        if number.count(".") >= MAX_DEPTH:
            raise self.fail(f"repeats nested too deeply (at most {MAX_DEPTH} levels)", where)
        if not isinstance(raw, Mapping):
            raise self.fail("must be a table of keys, e.g. send = \"...\"", where)
        kinds = [k for k in STEP_KINDS if k in raw]
        if len(kinds) != 1:
            said = f"has {' and '.join(kinds)}" if kinds else "has none"
            raise self.fail(f"a step has exactly one of {', '.join(STEP_KINDS)}; this one {said}", where)
        kind = kinds[0]
        bad = sorted(set(raw) - {kind} - _OPTIONS[kind])
        if bad:
            allowed = ", ".join(sorted(_OPTIONS[kind])) or "none"
            raise self.fail(f"{kind} does not take {', '.join(map(repr, bad))} (it takes: {allowed})", where)
        value = raw[kind]
        connection = raw.get("connection", "")
        if not isinstance(connection, str):
            raise self.fail(f"connection must be a name (text), not {connection!r}", where)
        timeout = (_seconds(raw["timeout"], "timeout", self.path, where.label, line)
                   if "timeout" in raw else None)
        if kind == "connect":
            return self._connect(value, raw, where, connection, timeout)
        if kind in ("send", "send_hex"):
            if not isinstance(value, str):
                raise self.fail(f"{kind} must be text, not {value!r}", where)
            return Send(where, self._template(value if kind == "send" else self._hex_template(value, where),
                                              kind, where), connection)
        if kind == "expect":
            return self._expect(value, raw.get("match", "exact"), where, connection, timeout)
        if kind == "sleep":
            return Sleep(where, _seconds(value, "sleep", self.path, where.label, line, zero=True))
        if kind == "repeat":
            return self._repeat(value, raw.get("steps"), where, number)
        if value is not True:
            raise self.fail(f"write {kind} = true", where)
        return (Close if kind == "close" else ExpectClose)(where, connection, timeout)

    def _connect(self, value: Any, raw: Mapping[str, Any], where: Where, connection: str,
                 timeout: float | None) -> Connect:
        if not isinstance(value, str):
            raise self.fail(f"connect must be \"HOST:PORT\", not {value!r}", where)
        try:
            host, port = parse_address(value)
        except ValueError as exc:
            raise self.fail(str(exc), where) from None
        framing = raw.get("framing", "none")
        if not isinstance(framing, str):
            raise self.fail(f"framing must be text such as 'line' or 'length:u16be@4', not {framing!r}", where)
        try:
            spec = parse_framing(framing)
        except FramingError as exc:
            raise self.fail(f"framing: {exc}", where) from None
        if spec.kind == "idle":
            raise self.fail("framing: idle: is not for scenarios (a frame would depend on timing); "
                            "use none and a hex or contains expect", where)
        return Connect(where, host, port, spec.text, connection, timeout)

    def _hex_template(self, value: str, where: Where) -> str:
        """send_hex as a template: hex pairs become \\xNN, {placeholders} stay."""
        out: list[str] = []
        for token in re.split(r"(\{[^{}]*\})", value):
            if token.startswith("{"):
                out.append(token)
                continue
            digits = re.sub(r"[\s:,-]|0x", "", token, flags=re.IGNORECASE)
            bad = re.search(r"[^0-9A-Fa-f]", digits)
            if bad or len(digits) % 2:
                why = f"{bad.group()!r} is not a hex digit" if bad else "hex needs pairs of digits"
                raise self.fail(f"send_hex: {why}", where)
            out.extend(f"\\x{digits[i:i + 2]}" for i in range(0, len(digits), 2))
        return "".join(out)

    def _template(self, source: str, kind: str, where: Where) -> Template:
        try:
            template = compile_template(source)
            if template.groups and self.last_regex is None:
                raise TemplateError(f"{{{template.groups[0][0]}}} names a regex group, but no regex expect "
                                    "comes before this step", template.groups[0][1])
            template.check_groups(self.last_regex)
            template.render(Context(encoding=self.encoding))  # text the encoding can't write
        except TemplateError as exc:
            raise self.fail(f"{kind}: {exc}", where) from None
        except UnicodeEncodeError as exc:
            raise self.fail(f"{kind}: {exc.object[exc.start:exc.end]!r} can't be written in {self.encoding}",
                            where) from None
        return template

    def _expect(self, value: Any, match: Any, where: Where, connection: str, timeout: float | None) -> Expect:
        if not isinstance(value, str):
            raise self.fail(f"expect must be text, not {value!r}", where)
        if match not in MATCHES:
            raise self.fail(f"match must be one of {', '.join(MATCHES)}, not {match!r}", where)
        if match in ("exact", "contains"):
            try:
                expected = unescape_bytes(value, self.encoding)
            except UnicodeEncodeError as exc:
                raise self.fail(f"expect: {exc.object[exc.start:exc.end]!r} can't be written in "
                                f"{self.encoding}", where) from None
            if not expected:
                raise self.fail(f"expect ({match}) needs some text", where)
            return Expect(where, match, value, expected=expected, timeout=timeout, connection=connection)
        if match == "hex":
            try:
                wanted, tail = parse_hex_pattern(value)
            except RuleError as exc:
                raise self.fail(f"expect (hex): {exc.reason}", where) from None
            return Expect(where, match, value, hex_bytes=tuple(wanted), hex_any_tail=tail, timeout=timeout,
                          connection=connection)
        try:
            regex = re.compile(value)
        except re.error as exc:
            raise self.fail(f"expect (regex): {exc.msg} (at character {(exc.pos or 0) + 1})", where) from None
        if regex.search("") is not None:
            raise self.fail("expect (regex): the pattern matches no text at all, so it proves nothing", where)
        self.last_regex = regex
        return Expect(where, match, value, regex=regex, timeout=timeout, connection=connection)

    def _repeat(self, value: Any, steps: Any, where: Where, number: str) -> Repeat:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:
            raise self.fail(f"repeat must be a whole number, 1 to {MAX_REPEAT:,}, not {value!r}", where)
        if not isinstance(steps, list) or not steps:
            raise self.fail("repeat needs steps = [...] (or [[step.steps]] tables) to repeat", where)
        inner = tuple(self.step(raw, f"{number}.{i + 1}", where.line) for i, raw in enumerate(steps))
        return Repeat(where, value, inner)


def parse_address(text: str) -> tuple[str, int]:
    """("host", port) from "HOST:PORT" or "[v6]:PORT"; ValueError saying what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r}: the port must be 1 to 65535")
    return host, int(port)


# -- results: the shared report's (app.core.session_report) ----------------------------------
#: failures that are no mismatch: the report (and JUnit) call them errors
_ERRORS = ("could not connect", "no connection to", "the connection failed", "could not send",
           "no open connection")
SHOWN_BYTES = 200  # of the bytes a failed contains or regex expect received, in the report


def step_case(name: str, kind: str, passed: bool, message: str, elapsed: float, *, expected: bytes | None = None,
              received: bytes | None = None, sent: bytes | None = None, match: str = "",
              ignored: frozenset[int] = frozenset()) -> CaseResult:
    """A step as a case of the report. A failed exact or hex expect gets its first differing
    byte and a hex diff (``ignored``: the offsets a hex pattern's ?? match); a failed contains
    or regex expect shows what arrived."""
    if passed:
        return CaseResult(name, True, message, expected, received, None, elapsed, kind=kind, sent=sent)
    offset, detail = None, ""
    if expected is not None and received is not None and match in ("exact", "hex"):
        offset = first_difference(expected, received, ignored)
        if offset is not None:
            where = describe_difference(expected, received, offset).replace("reply", "what arrived", 1)
            message = f"{message}; {where}"
            detail = hex_diff(expected, received, offset, ignored)
    elif received:
        shown = received[:SHOWN_BYTES]
        more = f" (the first {len(shown)})" if len(received) > len(shown) else ""
        detail = f"received {len(received)} byte(s){more}: {shown!r}"
    return CaseResult(name, False, message, expected, received, offset, elapsed, error=message.startswith(_ERRORS),
                      kind=kind, sent=sent, detail=detail)


class _StepFailed(Exception):  # noqa: N818 - carries a failed step's result
    def __init__(self, message: str, expected: bytes | None = None, received: bytes | None = None) -> None:
        super().__init__(message)
        self.expected, self.received = expected, received


# -- running ---------------------------------------------------------------------------
class _Connection:
    __slots__ = ("buffer", "eof", "framer", "frames", "last_match", "name", "reader", "writer")

    def __init__(self, name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 framer: Framer | None) -> None:
        self.name, self.reader, self.writer, self.framer = name, reader, writer, framer
        self.buffer = bytearray()
        self.frames: deque[bytes] = deque()
        self.eof = False
        self.last_match: re.Match[str] | None = None

    async def read_more(self, deadline: float) -> None:
        """Wait for bytes (or the end) until ``deadline``; TimeoutError past it."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            async with asyncio.timeout(remaining):
                data = await self.reader.read(READ_CHUNK)
        except TimeoutError:
            raise
        except OSError as exc:
            raise _StepFailed(f"the connection failed: {exc}") from None
        if not data:
            self.eof = True
            if self.framer is not None:
                rest = self.framer.finish()
                if rest:
                    self.frames.append(rest)
            return
        if self.framer is None:
            self.buffer += data
            if len(self.buffer) > BUFFER_LIMIT:
                raise _StepFailed(f"{len(self.buffer):,} bytes arrived without matching (the limit is "
                                  f"{BUFFER_LIMIT:,})", received=bytes(self.buffer[:4096]))
            return
        try:
            self.frames.extend(self.framer.feed(data))
        except (FrameTooLong, BadFrameLength) as exc:
            raise _StepFailed(f"framing {self.framer.spec.text}: {exc}") from None

    def pending(self) -> bytes:
        return b"".join(self.frames) if self.framer is not None else bytes(self.buffer)


ResultHook = Callable[[CaseResult], None]


@dataclass
class _Run:
    scenario: Scenario
    target: tuple[str, int] | None
    on_step: ResultHook | None
    result: SuiteResult
    named: bool = False  # the scenario names its connections: the cases say which
    connections: dict[str, _Connection] = field(default_factory=dict)
    current: str = ""

    def timeout(self, step: Expect | Connect | Close | ExpectClose) -> float:
        return step.timeout if step.timeout is not None else self.scenario.timeout

    def conn(self, name: str) -> _Connection:
        key = name or self.current
        if key not in self.connections:
            if name:
                raise _StepFailed(f"no open connection named {name!r}")
            if self.current:
                raise _StepFailed(f"no open connection: {self.current} is closed")
            raise _StepFailed("no open connection: a connect step must come first")
        return self.connections[key]

    async def steps(self, steps: Sequence[Step], counter: int, suffix: str) -> bool:
        for step in steps:
            if isinstance(step, Repeat):
                for i in range(1, step.count + 1):
                    if not await self.steps(step.steps, i, f"{suffix} #{i}" if step.count > 1 else suffix):
                        return False
                continue
            started = time.monotonic()
            try:
                message, expected, received = await self.one(step, counter)
                passed = True
            except _StepFailed as exc:
                message, expected, received, passed = str(exc), exc.expected, exc.received, False
            sent = None
            if isinstance(step, Send):
                sent, expected = expected, None
            match, ignored = "", frozenset[int]()
            if isinstance(step, Expect):
                match = step.match
                ignored = frozenset(i for i, b in enumerate(step.hex_bytes) if b is None)
            name = f"{step.where.label}{suffix} {KIND_OF[type(step)]}"
            connection = getattr(step, "connection", "") or self.current
            if self.named and connection:
                name += f" ({connection})"
            outcome = step_case(name, KIND_OF[type(step)], passed, message, time.monotonic() - started,
                                expected=expected, received=received, sent=sent, match=match, ignored=ignored)
            self.result.add(outcome)
            if self.on_step is not None:
                self.on_step(outcome)
            if not passed:
                return False
        return True

    async def one(self, step: Step, counter: int) -> tuple[str, bytes | None, bytes | None]:
        if isinstance(step, Connect):
            return await self.connect(step), None, None
        if isinstance(step, Send):
            conn = self.conn(step.connection)
            data = step.template.render(Context(b"", conn.last_match, counter, self.scenario.encoding))
            try:
                conn.writer.write(data)
                transport = conn.writer.transport
                # drain waits only for a full buffer, or says the connection is lost
                if transport.get_write_buffer_size() or transport.is_closing():
                    async with asyncio.timeout(self.scenario.timeout):
                        await conn.writer.drain()
            except TimeoutError:
                raise _StepFailed(f"the peer took none of the {len(data):,} bytes within "
                                  f"{self.scenario.timeout:g} s") from None
            except (ConnectionError, OSError) as exc:
                raise _StepFailed(f"could not send: {exc}") from None
            return f"sent {len(data):,} bytes", data, None
        if isinstance(step, Expect):
            return await self.expect(step)
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return f"slept {step.seconds:g} s", None, None
        if isinstance(step, Close):
            conn = self.conn(step.connection)
            await self.close(conn, self.timeout(step))
            return "closed", None, None
        assert isinstance(step, ExpectClose)
        return await self.expect_close(step), None, None

    async def connect(self, step: Connect) -> str:
        host, port = self.target or (step.host, step.port)
        try:
            async with asyncio.timeout(self.timeout(step)):
                reader, writer = await asyncio.open_connection(host, port, limit=READ_CHUNK)
        except TimeoutError:
            raise _StepFailed(f"no connection to {host}:{port} within {self.timeout(step):g} s") from None
        except OSError as exc:
            raise _StepFailed(f"could not connect to {host}:{port}: {exc.strerror or exc}") from None
        spec = parse_framing(step.framing)
        name = step.connection or f"connection {len(self.connections) + 1}"
        old = self.connections.pop(name, None)
        if old is not None:
            await self.close(old, 1.0)
        self.connections[name] = _Connection(name, reader, writer, None if spec.is_none else spec.framer())
        self.current = name
        local = writer.get_extra_info("sockname")
        return f"connected to {host}:{port} from port {local[1] if local else '?'}"

    async def close(self, conn: _Connection, timeout: float) -> None:
        self.connections.pop(conn.name, None)
        conn.writer.close()
        try:
            async with asyncio.timeout(timeout):
                await conn.writer.wait_closed()
        except (TimeoutError, ConnectionError, OSError):
            pass

    async def expect(self, step: Expect) -> tuple[str, bytes | None, bytes | None]:
        conn = self.conn(step.connection)
        timeout = self.timeout(step)
        deadline = time.monotonic() + timeout
        while True:
            if conn.framer is not None and conn.frames:
                frame = conn.frames.popleft()
                ok, why = _match_frame(step, frame, self.scenario.encoding, conn)
                if not ok:
                    raise _StepFailed(why, _shown(step), frame)
                return f"got {len(frame):,} bytes (a frame) that match", _shown(step), frame
            if conn.framer is None:
                taken, why = _match_stream(step, conn.buffer, self.scenario.encoding, conn)
                if why:
                    raise _StepFailed(why, _shown(step), bytes(conn.buffer[:max(len(step.expected), 64)]))
                if taken is not None:
                    got = bytes(conn.buffer[:taken])
                    del conn.buffer[:taken]
                    return f"got {len(got):,} bytes that match", _shown(step), got
            if conn.eof:
                pending = conn.pending()
                raise _StepFailed(f"the peer closed the connection before the {step.match} expect matched "
                                  f"({len(pending):,} bytes unmatched)", _shown(step), pending)
            try:
                await conn.read_more(deadline)
            except TimeoutError:
                pending = conn.pending()
                raise _StepFailed(f"timed out after {timeout:g} s waiting for the {step.match} expect to match "
                                  f"({len(pending):,} bytes arrived unmatched)", _shown(step), pending) from None

    async def expect_close(self, step: ExpectClose) -> str:
        conn = self.conn(step.connection)
        timeout = self.timeout(step)
        deadline = time.monotonic() + timeout
        while not conn.eof:
            try:
                await conn.read_more(deadline)
            except TimeoutError:
                raise _StepFailed(f"the peer did not close the connection within {timeout:g} s") from None
        left = len(conn.pending())
        await self.close(conn, 1.0)
        return f"the peer closed the connection ({left:,} bytes were left unread)" if left else \
            "the peer closed the connection"

    async def close_all(self) -> None:
        for conn in list(self.connections.values()):
            await self.close(conn, 1.0)


def _shown(step: Expect) -> bytes:
    """The expected bytes as a report shows them (hex patterns: ?? as 00)."""
    if step.match == "hex":
        return bytes(b or 0 for b in step.hex_bytes)
    return step.expected if step.expected else step.pattern.encode("utf-8", "surrogateescape")


def _first_difference(wanted: Sequence[int | None], got: bytes | bytearray) -> int | None:
    for i, (w, g) in enumerate(zip(wanted, got, strict=False)):
        if w is not None and w != g:
            return i
    return None


def _match_frame(step: Expect, frame: bytes, encoding: str, conn: _Connection) -> tuple[bool, str]:
    if step.match == "exact":
        if frame == step.expected:
            return True, ""
        at = _first_difference(step.expected, frame)
        return False, ("the frame differs" if at is not None else
                       f"the frame has {len(frame):,} bytes, the expect {len(step.expected):,}")
    if step.match == "hex":
        wanted = step.hex_bytes
        at = _first_difference(wanted, frame)
        if at is not None:
            return False, "the frame differs"
        if len(frame) < len(wanted) or (not step.hex_any_tail and len(frame) != len(wanted)):
            return False, f"the frame has {len(frame):,} bytes, the pattern {len(wanted):,}"
        return True, ""
    if step.match == "contains":
        return (True, "") if step.expected in frame else (False, "the frame does not contain the text")
    assert step.regex is not None
    m = step.regex.search(frame.decode(encoding, "surrogateescape"))
    if m is None:
        return False, "the regex does not match the frame"
    conn.last_match = m
    return True, ""


def _match_stream(step: Expect, buffer: bytearray, encoding: str, conn: _Connection) -> tuple[int | None, str]:
    """(bytes to take, "") on a match, (None, "") to wait for more, (None, why) on a mismatch."""
    if step.match in ("exact", "hex"):
        wanted: Sequence[int | None] = step.expected if step.match == "exact" else step.hex_bytes
        at = _first_difference(wanted, buffer)
        if at is not None:
            return None, "the bytes differ"
        if len(buffer) < len(wanted):
            return None, ""
        return (len(buffer) if step.hex_any_tail else len(wanted)), ""
    if step.match == "contains":
        at = buffer.find(step.expected)
        return (None, "") if at < 0 else (at + len(step.expected), "")
    assert step.regex is not None
    text = buffer.decode(encoding, "surrogateescape")
    m = step.regex.search(text)
    if m is None:
        return None, ""
    conn.last_match = m
    return len(text[:m.end()].encode(encoding, "surrogateescape")), ""


def _names_connections(steps: Sequence[Step]) -> bool:
    return any(_names_connections(s.steps) if isinstance(s, Repeat) else bool(getattr(s, "connection", ""))
               for s in steps)


async def run_scenario(scenario: Scenario, target: tuple[str, int] | None = None,
                       on_step: ResultHook | None = None) -> SuiteResult:
    """Run ``scenario`` (every connect to ``target`` when given): a suite of the shared report,
    one case per step that ran; it stops at the first failed step. ``on_step`` sees each case
    as its step ends. Every connection is closed at the end, also when the task is cancelled."""
    result = SuiteResult(scenario.name, source=scenario.path)
    run = _Run(scenario, target, on_step, result, named=_names_connections(scenario.steps))
    started = time.monotonic()
    try:
        await run.steps(scenario.steps, 1, "")
    finally:
        await run.close_all()
        result.elapsed = time.monotonic() - started
    if not result.passed:
        result.notes.append(f"stopped at {result.cases[-1].name}: the steps after it were not run")
    return result


# -- as records of the observer stream (the workbench's log) ------------------------------
def step_record(scenario: Scenario, case: CaseResult) -> EventRecord:
    """The log's record of one step: Scenario when it passed, ScenarioFailed when not."""
    data = case.received if case.received is not None else case.sent or b""
    return EventRecord(time.monotonic(), scenario.name, SCENARIO if case.passed else SCENARIO_FAILED, 0, "",
                       thread_name(), len(data), data[:PREVIEW_BYTES], None, f"{case.name}: {case.message}")


def end_record(result: SuiteResult) -> EventRecord:
    """The log's record of the whole run."""
    steps = len(result.cases)
    elapsed = result.elapsed or 0.0
    if result.passed:
        text = f"passed: {steps} step(s) in {elapsed:.3f} s"
    else:
        text = f"failed at {result.failures[0].name} after {steps} step(s) in {elapsed:.3f} s"
    return EventRecord(time.monotonic(), result.name, SCENARIO if result.passed else SCENARIO_FAILED,
                       0, "", thread_name(), 0, b"", None, text)

"""``socket-workbench replay CAPTURE --to HOST:PORT``: a capture's client side played against
a server, its replies compared with the recorded ones.

For each selected TCP stream, the replayer connects to the target, sends the bytes the
client sent between two replies as they were written (the same chunks), then waits for the
server's reply and compares it with the recorded one (``app.core.reply_match``: byte ranges
and regex masks; with ``--framing``, frame by frame). Every exchange is a case of the
report (``app.core.session_report``): pass or fail, the first differing byte with a hex
diff, the time it took against the recording.

Streams run together, in the recording's order: an action (a connect, a send) recorded at
time t waits until every other stream has done what it did before t (its sends made, its
replies received or failed). So a chat server's broadcasts arrive where they did. With
``--timing asis`` the actions also wait for their recorded time since the first stream
began; with ``fast`` (the default) they go as soon as that order allows.

Exit codes: 0 every exchange passed, 1 a mismatch (or a connection that failed), 2 bad
input (no such file, not a capture, a bad --to, no such stream, a bad match file).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from components.framing import BadFrameLength, Framer, FrameTooLong, FramingError, FramingSpec, parse_framing

from .capture_read import CaptureError, Conversation, read_capture
from .exchanges import Exchange, exchanges, parse_target, select_streams, stream_label
from .reply_match import EXACT, Mask, MatchFile, load_match_file
from .session_report import (
    EXIT_BAD_INPUT,
    BadInput,
    CaseResult,
    SessionReport,
    SuiteResult,
    describe_difference,
    format_text,
    hex_diff,
    write_junit,
)

PROG = "socket-workbench replay"
DEFAULT_TIMEOUT_MS = 5000
TIMINGS = ("fast", "asis")
READ_SIZE = 65536
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class ReplayOptions:
    timing: str = "fast"
    match: MatchFile = EXACT
    framing: FramingSpec | None = None
    timeout: float = DEFAULT_TIMEOUT_MS / 1000


def os_error_text(exc: OSError) -> str:
    """The system's words for an OSError (asyncio wraps them in longer sentences)."""
    return os.strerror(exc.errno) if exc.errno else str(exc)


# -- the shared order of the streams -----------------------------------------------------
class Schedule:
    """The recording's order across streams. Each stream has the times of its events
    (its connect, every chunk either way, its end); ``done_until`` marks them done, and
    ``wait_turn`` holds an action until every other stream is past its time."""

    def __init__(self, streams: dict[int, list[float]], timing: str) -> None:
        self.times = {n: sorted(ts) for n, ts in streams.items()}
        self.next = dict.fromkeys(self.times, 0)
        self.timing = timing
        self.origin = min((ts[0] for ts in self.times.values() if ts), default=0.0)
        self.began = time.monotonic()
        self._changed = asyncio.Event()

    def next_time(self, stream: int) -> float:
        times, i = self.times[stream], self.next[stream]
        return times[i] if i < len(times) else math.inf

    def done_until(self, stream: int, when: float) -> None:
        times = self.times[stream]
        i = self.next[stream]
        while i < len(times) and times[i] <= when:
            i += 1
        if i != self.next[stream]:
            self.next[stream] = i
            self._changed.set()
            self._changed = asyncio.Event()

    def finish(self, stream: int) -> None:
        self.done_until(stream, math.inf)

    async def wait_turn(self, stream: int, when: float) -> None:
        if self.timing == "asis":
            delay = self.began + (when - self.origin) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        while any(self.next_time(n) < when for n in self.times if n != stream):
            await self._changed.wait()


# -- one stream ---------------------------------------------------------------------------
@dataclass
class _Stream:
    conversation: Conversation
    schedule: Schedule
    options: ReplayOptions
    suite: SuiteResult
    buffer: bytearray = field(default_factory=bytearray)
    frames: list[bytes] = field(default_factory=list)
    framer: Framer | None = None
    reader: asyncio.StreamReader | None = None
    eof: bool = False

    @property
    def index(self) -> int:
        return self.conversation.index

    async def run(self, target: tuple[str, int]) -> None:
        conv = self.conversation
        began = time.monotonic()
        writer: asyncio.StreamWriter | None = None
        try:
            await self.schedule.wait_turn(self.index, conv.started)
            try:
                self.reader, opened = await asyncio.wait_for(asyncio.open_connection(*target),
                                                             self.options.timeout)
            except (OSError, TimeoutError) as exc:
                why = "timed out" if isinstance(exc, TimeoutError) else os_error_text(exc)
                self.suite.add(CaseResult("connect", False, f"can't connect to {target[0]}:{target[1]}: {why}",
                                          error=True, kind="connect"))
                return
            writer = opened
            self.schedule.done_until(self.index, conv.started)
            if self.options.framing is not None:
                self.framer = self.options.framing.framer()
            expected_framer = self.options.framing.framer() if self.options.framing is not None else None
            for exchange in exchanges(conv):
                case = await self.exchange(exchange, opened, expected_framer)
                self.suite.add(case)
                self.schedule.done_until(self.index, exchange.replies[-1].time if exchange.replies
                                         else exchange.start)
                if case.error:
                    break
            closing = conv.closed(True)
            if closing is not None:  # the client closed here: not before what came earlier elsewhere
                await self.schedule.wait_turn(self.index, closing)
            leftover = len(self.buffer) + sum(len(f) for f in self.frames)
            if leftover:
                self.suite.notes.append(f"{leftover} byte(s) arrived that no recorded reply has")
        finally:
            self.schedule.finish(self.index)
            if writer is not None:
                writer.close()
                try:
                    await writer.wait_closed()
                except OSError:
                    pass
            self.suite.elapsed = time.monotonic() - began
            self.suite.recorded = conv.last - conv.started

    async def exchange(self, exchange: Exchange, writer: asyncio.StreamWriter,
                       expected_framer: Framer | None) -> CaseResult:
        name = f"exchange {exchange.number}"
        try:
            for chunk in exchange.sends:
                await self.schedule.wait_turn(self.index, chunk.time)
                writer.write(chunk.data)
                await writer.drain()
                self.schedule.done_until(self.index, chunk.time)
        except OSError as exc:
            return CaseResult(name, False, f"can't send: {os_error_text(exc)}", error=True, kind="send",
                              sent=exchange.request)
        sent_at = time.monotonic()
        mask = self.options.match.mask_for(self.index, exchange.number)
        expected = exchange.reply
        if not exchange.replies:
            return CaseResult(name, True, f"sent {len(exchange.request)} byte(s); no reply was recorded",
                              elapsed=0.0, sent=exchange.request)
        if expected_framer is not None:
            return await self._framed(name, exchange, expected_framer, mask, sent_at)
        deadline = sent_at + self.options.timeout
        while not mask.complete(expected, bytes(self.buffer)):
            self._progress(exchange, len(self.buffer))
            if self.eof or not await self._read(deadline):
                return self._incomplete(name, exchange, mask, bytes(self.buffer), sent_at)
        taken = mask.taken(expected, bytes(self.buffer))
        got = bytes(self.buffer[:taken])
        del self.buffer[:taken]
        return self._compared(name, exchange, mask, expected, got, sent_at)

    def _progress(self, exchange: Exchange, received: int) -> None:
        """Marks the reply's chunks done as far as the bytes received cover them."""
        total = 0
        for chunk in exchange.replies:
            total += len(chunk.data)
            if total > received:
                break
            self.schedule.done_until(self.index, chunk.time)

    async def _read(self, deadline: float) -> bool:
        """Reads more into the buffer (and the framer); False at the deadline or the end."""
        assert self.reader is not None
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), left)
        except TimeoutError:
            return False
        except OSError:
            self.eof = True
            return False
        if not data:
            self.eof = True
            if self.framer is not None:
                last = self.framer.finish()
                if last:
                    self.frames.append(last)
            return True
        if self.framer is not None:
            try:
                self.frames.extend(self.framer.feed(data))
            except (FrameTooLong, BadFrameLength) as exc:
                self.frames.extend(exc.frames or [])
                self.suite.notes.append(f"the server's bytes can't be framed: {exc}")
                self.eof = True
                return False
        else:
            self.buffer += data
        return True

    def _why_short(self, received: int, expected: int) -> str:
        if self.eof:
            return f"the server closed the connection after {received} of {expected} reply byte(s)"
        return f"no complete reply within {self.options.timeout * 1000:.0f} ms"

    def _incomplete(self, name: str, exchange: Exchange, mask: Mask, got: bytes, sent_at: float) -> CaseResult:
        del self.buffer[:len(got)]
        case = self._compared(name, exchange, mask, exchange.reply, got, sent_at)
        why = self._why_short(len(got), len(exchange.reply))
        message = f"{why}; {case.message}" if not case.passed else why
        return CaseResult(name, False, message, case.expected, case.received, case.offset, case.elapsed,
                          case.recorded, kind="timeout" if not self.eof else "closed", sent=exchange.request,
                          detail=case.detail)

    def _compared(self, name: str, exchange: Exchange, mask: Mask, expected: bytes, got: bytes,
                  sent_at: float) -> CaseResult:
        offset, ignored = mask.compare(expected, got)
        elapsed = time.monotonic() - sent_at
        if offset is None:
            masked = "" if mask.is_exact else ", masks applied"
            return CaseResult(name, True, f"reply matches ({len(got)} byte(s){masked})", expected, got, None,
                              elapsed, exchange.recorded, sent=exchange.request)
        return CaseResult(name, False, describe_difference(expected, got, offset), expected, got, offset, elapsed,
                          exchange.recorded, sent=exchange.request, detail=hex_diff(expected, got, offset, ignored))

    async def _framed(self, name: str, exchange: Exchange, expected_framer: Framer, mask: Mask,
                      sent_at: float) -> CaseResult:
        wanted = expected_framer.feed(exchange.reply)
        if not wanted:
            return CaseResult(name, True, "no whole frame was recorded in this reply", elapsed=0.0,
                              recorded=exchange.recorded, sent=exchange.request)
        deadline = sent_at + self.options.timeout
        while len(self.frames) < len(wanted):
            if self.eof or not await self._read(deadline):
                break
        got, self.frames = self.frames[:len(wanted)], self.frames[len(wanted):]
        elapsed = time.monotonic() - sent_at
        for i, want in enumerate(wanted):
            frame = f"frame {i + 1} of {len(wanted)}"
            if i >= len(got):
                why = self._why_short(len(got), len(wanted)).replace("reply byte(s)", "frame(s)")
                return CaseResult(name, False, f"{frame}: {why}", want, b"", None, elapsed, exchange.recorded,
                                  kind="timeout" if not self.eof else "closed", sent=exchange.request)
            offset, ignored = mask.compare(want, got[i])
            if offset is not None:
                return CaseResult(name, False, f"{frame}: {describe_difference(want, got[i], offset)}", want,
                                  got[i], offset, elapsed, exchange.recorded, sent=exchange.request,
                                  detail=hex_diff(want, got[i], offset, ignored))
        return CaseResult(name, True, f"{len(wanted)} frame(s) match", exchange.reply, b"".join(got), None,
                          elapsed, exchange.recorded, sent=exchange.request)


def _event_times(conversation: Conversation) -> list[float]:
    closing = conversation.closed(True)
    return [conversation.started, *(c.time for c in conversation.chunks()),
            *([closing] if closing is not None else [])]


# -- the entry points -----------------------------------------------------------------------
async def replay(conversations: Sequence[Conversation], target: tuple[str, int],
                 options: ReplayOptions = ReplayOptions(), source: str = "",
                 notes: Sequence[str] = ()) -> SessionReport:
    """Replays ``conversations`` (all together, in the recording's order) against ``target``;
    ``notes`` (about the capture) go into every stream's report."""
    schedule = Schedule({c.index: _event_times(c) for c in conversations}, options.timing)
    streams = [_Stream(c, schedule, options, SuiteResult(stream_label(c), source=source, notes=list(notes)))
               for c in conversations]
    await asyncio.gather(*(s.run(target) for s in streams))
    return SessionReport([s.suite for s in streams])


def load(capture: str | Path, streams: list[int] | None = None, notes: list[str] | None = None) -> list[Conversation]:
    """The selected streams of the capture; BadInput when it can't be read or lacks one.
    ``notes`` gets what the reader had to say (a capture cut short)."""
    name = Path(capture).name
    if not Path(capture).exists():
        raise BadInput(f"{capture}: no such file")
    if not Path(capture).is_file():  # a FIFO or a device would block the read, a folder has no packets
        raise BadInput(f"{capture} is not a regular file")
    try:
        conversations = read_capture(capture, notes)
    except CaptureError as exc:
        raise BadInput(str(exc)) from None
    return select_streams(conversations, streams, name)


def replay_capture(capture: str | Path, target: tuple[str, int] | str, streams: list[int] | None = None,
                   options: ReplayOptions = ReplayOptions()) -> SessionReport:
    """The report of replaying ``capture`` against ``target`` (``HOST:PORT`` or a tuple), for
    ``replay`` and ``test``. Raises BadInput before running anything when the input is wrong."""
    if isinstance(target, str):
        target = parse_target(target)
    notes: list[str] = []
    conversations = load(capture, streams, notes)
    return asyncio.run(replay(conversations, target, options, str(capture), notes))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Play the client side of a capture's TCP streams against a server and "
                               "compare its replies with the recorded ones.",
        epilog="exit status: 0 every exchange passed, 1 a mismatch, 2 bad input")
    add_capture_arguments(parser)
    parser.add_argument("--to", required=True, metavar="HOST:PORT", help="the server to replay against")
    parser.add_argument("--timing", choices=TIMINGS, default="fast",
                        help="fast: each send as soon as the replies before it arrived (default); "
                             "asis: also wait as long as the recording did")
    parser.add_argument("--junit", metavar="FILE", help="also write the report as JUnit XML")
    parser.add_argument("--verbose", "-v", action="store_true", help="show the bytes of passed exchanges too")
    return parser.parse_args(argv)


def add_capture_arguments(parser: argparse.ArgumentParser, framing: bool = True) -> None:
    """The options replay and mock share: the capture, streams, match file, timeout (and
    for replay, framing)."""
    parser.add_argument("capture", help="a pcap or pcapng file (this workbench's, tcpdump's, Wireshark's)")
    parser.add_argument("--stream", type=int, nargs="+", action="extend", metavar="N",
                        help="only these TCP streams (numbered as tshark's tcp.stream); default all")
    parser.add_argument("--match", metavar="FILE",
                        help="a TOML match file: byte ranges and regex masks a reply may differ in")
    if framing:
        parser.add_argument("--framing", metavar="SPEC",
                            help="compare frame by frame, cut as a component's framing spec cuts them (line, "
                                 "delimiter:..., fixed:N, length:..., regex:...)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_MS, metavar="MS",
                        help=f"how long to wait for each exchange (default {DEFAULT_TIMEOUT_MS})")


def options_from(args: argparse.Namespace, timing: str = "fast") -> ReplayOptions:
    """ReplayOptions from the shared arguments; BadInput for a bad one."""
    if args.timeout <= 0:
        raise BadInput(f"--timeout must be more than 0 ms, not {args.timeout}")
    framing = None
    spec = getattr(args, "framing", None)
    if spec is not None:
        try:
            framing = parse_framing(spec)
        except FramingError as exc:
            raise BadInput(f"--framing {spec!r}: {exc}") from None
        if framing.is_none:
            framing = None
        elif framing.kind == "idle":
            raise BadInput("--framing idle:... cuts frames by time, which a replay can't compare; "
                           "use a delimiter, a length or a regex")
    match = load_match_file(args.match) if args.match is not None else EXACT
    return ReplayOptions(timing, match, framing, args.timeout / 1000)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        target = parse_target(args.to)
        options = options_from(args, args.timing)
        notes: list[str] = []
        conversations = load(args.capture, args.stream, notes)
        if args.junit is not None and not Path(args.junit).resolve().parent.is_dir():
            raise BadInput(f"--junit {args.junit}: the folder {Path(args.junit).parent} does not exist")
        report = asyncio.run(replay(conversations, target, options, str(args.capture), notes))
        print(format_text(report, args.verbose), flush=True)
        if args.junit is not None:
            write_junit(report, args.junit)
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return report.exit_code

"""The ``run`` group of ``socket-workbench bench``: the headless runner with its output on,
against raw echo servers, each a process of its own.

Five servers, each started as a real process and driven by the same client:

* raw asyncio: an asyncio Protocol that writes back what it reads, on plain asyncio's
  own loop. The issue's target is literally "raw asyncio": the status column judges
  ``run`` against this one;
* raw (same loop): the same Protocol on the loop ``run`` uses (uvloop when it is
  installed, as in ``run``), so that ratio is what the workbench costs on the same
  loop; without uvloop it is the raw asyncio server and is not run twice;
* engine only (information): a ServerSocket that echoes, with nobody listening to
  its events, on the same loop: what the engine costs before any output;
* run (text): ``socket-workbench run`` on the echo example form
  (resources/examples/echo_server.sockform, its ClientSocket left inactive), printing
  every event as a text line to a pipe;
* run --json: the same with ``--json``.

The pipes are drained by a thread of this process that counts the lines and any
``Dropped`` record: a runner that keeps up by dropping output is reported, not
praised. The client runs in this process (uvloop when installed): ping-pong with 1
and 16 connections (1 KiB, wait for the whole echo, again) and bulk (one connection
writes ``bulk_bytes`` in 256 KiB writes and counts the echo until all came back).

Figures are medians over the runs; the order of the servers rotates every run. The
client shares the machine with the server under test (2 cores here, and often other
work), so the ratios mean more than the absolute rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
MESSAGE = 1024
CHUNK = 256 * 1024
MANY = 16
TARGET = 0.9
#: How long a server process may take to listen, and to leave after SIGTERM.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

RAW, ASYNCIO, ENGINE, TEXT, JSON = "raw", "raw asyncio", "engine", "run", "run --json"
PP1, PP16, BULK = "ping-pong 1 conn", f"ping-pong {MANY} conns", "bulk (echoed)"
ROWS = (PP1, PP16, BULK)
UNITS = {PP1: "msg/s", PP16: "msg/s", BULK: "MB/s"}

ECHO_FORM = Path(__file__).resolve().parent.parent / "resources" / "examples" / "echo_server.sockform"
_DROPPED = re.compile(rb"(\d+) records? dropped here")


@dataclass(frozen=True)
class RunSettings:
    warmup: float
    duration: float
    bulk_bytes: int


FULL = RunSettings(warmup=0.5, duration=3.0, bulk_bytes=256 * 1024 * 1024)
QUICK = RunSettings(warmup=0.1, duration=0.3, bulk_bytes=16 * 1024 * 1024)


# ---------------------------------------------------------------------------
# the raw server (this module run as a program: python -m bench.runner raw-echo PORT)


class _RawEcho(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


def _new_loop() -> asyncio.AbstractEventLoop:
    """The loop ``run`` uses: uvloop when it is installed, else asyncio's own."""
    from app.core.engine_thread import engine_loop_factory

    return engine_loop_factory()()


def loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def servers() -> tuple[str, ...]:
    """The servers to measure: the same-loop raw server only when that loop is not asyncio's."""
    return (ASYNCIO, *((RAW,) if loop_name() != "asyncio" else ()), ENGINE, TEXT, JSON)


def raw_echo_server(port: int, same_loop: bool = True) -> None:
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        server = await loop.create_server(_RawEcho, HOST, port, backlog=socket.SOMAXCONN)
        try:
            await stop.wait()
        finally:
            server.close()

    loop = _new_loop() if same_loop else asyncio.new_event_loop()
    try:
        loop.run_until_complete(serve())
    finally:
        loop.close()


# ---------------------------------------------------------------------------
# server processes


def engine_echo_server(port: int) -> None:
    """``run`` without its output: the echo form's ServerSocket, built and bound as ``run``
    builds it, on the same loop, with nobody listening to its events. What ``run`` costs
    beyond this is its output."""
    from app.core.file_access import FileAccess
    from app.core.form_document import FormDocument
    from app.core.form_runtime import bind_all, create_component
    from components import ObserverStream, ServerSocket

    doc = FormDocument.load(ECHO_FORM)
    entry = next(e for e in doc.components if e.cls is ServerSocket)
    entry.properties[ServerSocket.port.spec.vcl_name] = port

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        server = create_component(entry, ObserverStream())
        bind_all(server, entry, None, FileAccess.for_form(ECHO_FORM, False, ""))
        server.open()
        try:
            await stop.wait()
        finally:
            server.close()

    loop = _new_loop()
    try:
        loop.run_until_complete(serve())
    finally:
        loop.close()


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` (all its threads) and of its running
    children (``run``'s output process) so far, or None where /proc does not say (not
    Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    total = (int(fields[11]) + int(fields[12])) / _TICK
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:  # a kernel without CONFIG_PROC_CHILDREN: the process alone
        children = []
    for child in children:
        total += cpu_seconds(child) or 0.0
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class _Drain(threading.Thread):
    """Reads a pipe to its end: counts lines and the records a Dropped record says were lost."""

    def __init__(self, fd: int) -> None:
        super().__init__(name="bench run drain", daemon=True)
        self.fd = fd
        self.lines = 0
        self.dropped = 0
        self._tail = b""

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                return
            if not chunk:
                return
            self.lines += chunk.count(b"\n")
            if b"dropped here" in chunk or b"dropped here" in self._tail + chunk[:64]:
                text = self._tail + chunk
                self.dropped += sum(int(n) for n in _DROPPED.findall(text))
                # a count cut at the end of this chunk is read again with the next one
                cut = text.rfind(b"\n")
                self._tail = text[cut + 1:] if cut >= 0 else text
                self.dropped -= sum(int(n) for n in _DROPPED.findall(self._tail))
            else:
                self._tail = chunk[-64:]


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    drain: _Drain | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.drain is not None:
            self.drain.join(STOP_TIMEOUT)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def _command(kind: str, port: int) -> list[str]:
    if kind == RAW:
        return [sys.executable, "-m", "bench.runner", "raw-echo", str(port)]
    if kind == ASYNCIO:
        return [sys.executable, "-m", "bench.runner", "raw-asyncio-echo", str(port)]
    if kind == ENGINE:
        return [sys.executable, "-m", "bench.runner", "engine-echo", str(port)]
    command = [sys.executable, "-m", "socket_workbench.main", "run", str(ECHO_FORM),
               "--set", f"ServerSocket1.Port={port}", "--set", "ClientSocket1.Active=False"]
    return command + (["--json"] if kind == JSON else [])


def _wait_listening(server: Server) -> None:
    """Until the server accepts a connection, and, for a runner, prints: its output process
    has started then (a third of a second of imports that would otherwise fall into the
    first measured row)."""
    deadline = time.monotonic() + START_TIMEOUT
    listening = False
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            err = server.process.stderr.read().decode(errors="replace") if server.process.stderr else ""
            raise RuntimeError(f"{server.kind} server ended at start ({server.process.returncode}): "
                               f"{err.strip()[-300:]}")
        if not listening:
            try:
                with socket.create_connection((HOST, server.port), timeout=1.0):
                    listening = True
            except OSError:
                pass
        if listening and (server.drain is None or server.kind not in (TEXT, JSON) or server.drain.lines):
            return
        time.sleep(0.02)
    raise RuntimeError(f"{server.kind} server did not listen and print within {START_TIMEOUT:g} s")


@contextlib.contextmanager
def start_server(kind: str) -> Iterator[Server]:
    port = _free_port()
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(_command(kind, port), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=env)
    server = Server(kind, port, process)
    try:
        assert process.stdout is not None
        server.drain = _Drain(process.stdout.fileno())
        server.drain.start()
        _wait_listening(server)
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# the client


class _Ping(asyncio.Protocol):
    def __init__(self, counter: list[int], running: list[bool]) -> None:
        self.counter = counter
        self.running = running
        self.pending = 0
        self.payload = bytes(MESSAGE)
        self.idle: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.transport.write(self.payload)

    def data_received(self, data: bytes) -> None:
        self.pending += len(data)
        if self.pending >= MESSAGE:
            self.pending -= MESSAGE
            self.counter[0] += 1
            if self.running[0]:
                self.transport.write(self.payload)
            elif not self.idle.done():
                self.idle.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.idle.done():
            self.idle.set_result(None)


class _Bulk(asyncio.Protocol):
    def __init__(self, total: int) -> None:
        self.total = total
        self.left = total
        self.received = 0
        self.paused = False
        self.chunk = bytes(CHUNK)
        self.started = time.perf_counter()
        self.done: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.started = time.perf_counter()
        self._pump()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._pump()

    def _pump(self) -> None:
        while not self.paused and self.left > 0:
            n = min(CHUNK, self.left)
            self.transport.write(self.chunk if n == CHUNK else self.chunk[:n])
            self.left -= n

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.received >= self.total and not self.done.done():
            self.done.set_result(time.perf_counter() - self.started)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(ConnectionError("the server closed before echoing everything"))


@dataclass
class Figure:
    rate: float
    cpu_us: float | None  # the server's CPU time per message (or per MB), microseconds


async def _pingpong(port: int, pid: int, connections: int, settings: RunSettings) -> Figure:
    loop = asyncio.get_running_loop()
    counter, running = [0], [True]
    clients: list[_Ping] = []
    try:
        for _ in range(connections):
            _, client = await loop.create_connection(lambda: _Ping(counter, running), HOST, port)
            clients.append(client)
        await asyncio.sleep(settings.warmup)
        c0, t0, cpu0 = counter[0], time.perf_counter(), cpu_seconds(pid)
        await asyncio.sleep(settings.duration)
        c1, t1, cpu1 = counter[0], time.perf_counter(), cpu_seconds(pid)
        return Figure((c1 - c0) / (t1 - t0), _per(cpu0, cpu1, c1 - c0))
    finally:
        running[0] = False
        if clients:
            await asyncio.wait([c.idle for c in clients], timeout=STOP_TIMEOUT)
        for client in clients:
            client.transport.close()


def _per(cpu0: float | None, cpu1: float | None, count: float) -> float | None:
    if cpu0 is None or cpu1 is None or count <= 0:
        return None
    return (cpu1 - cpu0) / count * 1e6


async def _bulk(port: int, pid: int, settings: RunSettings) -> Figure:
    loop = asyncio.get_running_loop()
    cpu0 = cpu_seconds(pid)
    transport, client = await loop.create_connection(lambda: _Bulk(settings.bulk_bytes), HOST, port)
    try:
        seconds = await asyncio.wait_for(client.done, 120.0)
        megabytes = settings.bulk_bytes / 1e6
        return Figure(megabytes / seconds, _per(cpu0, cpu_seconds(pid), megabytes))
    finally:
        transport.close()


async def _measure(port: int, pid: int, settings: RunSettings) -> dict[str, Figure]:
    out = {PP1: await _pingpong(port, pid, 1, settings),
           PP16: await _pingpong(port, pid, MANY, settings),
           BULK: await _bulk(port, pid, settings)}
    await asyncio.sleep(0.02)  # the last closes reach the server
    return out


# ---------------------------------------------------------------------------
# the group


@dataclass
class RunResults:
    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # server CPU us per unit
    lines: dict[str, list[float]] = field(default_factory=dict)  # output lines per second of traffic
    dropped: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def median(self, server: str, row: str) -> float | None:
        values = self.samples.get((server, row))
        return statistics.median(values) if values else None

    def cpu_median(self, server: str, row: str) -> float | None:
        values = self.cpu.get((server, row))
        return statistics.median(values) if values else None

    def ratio(self, server: str, row: str, baseline: str = ASYNCIO) -> float | None:
        """``server``'s median over ``baseline``'s (RAW: the same loop; without uvloop
        that is the asyncio server)."""
        if baseline == RAW and (RAW, row) not in self.samples:
            baseline = ASYNCIO
        value, raw = self.median(server, row), self.median(baseline, row)
        return value / raw if value is not None and raw else None


def _one(kind: str, settings: RunSettings, results: RunResults) -> None:
    with start_server(kind) as server:
        began = time.monotonic()
        loop = _new_loop()
        try:
            figures = loop.run_until_complete(_measure(server.port, server.process.pid, settings))
        finally:
            loop.close()
        elapsed = time.monotonic() - began
        server.stop()
        for row, figure in figures.items():
            results.samples.setdefault((kind, row), []).append(figure.rate)
            if figure.cpu_us is not None:
                results.cpu.setdefault((kind, row), []).append(figure.cpu_us)
        if kind in (TEXT, JSON) and server.drain is not None:
            results.lines.setdefault(kind, []).append(server.drain.lines / elapsed)
            results.dropped[kind] = results.dropped.get(kind, 0) + server.drain.dropped
            if server.drain.lines == 0:
                results.failures.append(f"{kind}: printed nothing")


def measure(settings: RunSettings, runs: int) -> RunResults:
    results = RunResults()
    kinds = servers()
    for run_index in range(runs):
        order = kinds[run_index % len(kinds):] + kinds[:run_index % len(kinds)]
        for kind in order:
            try:
                _one(kind, settings, results)
            except Exception as exc:
                results.failures.append(f"{kind}: {type(exc).__name__}: {exc}")
    return results


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """``bench``'s table layout: the first column left, the others right, `` | `` between."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.ljust(w) if i == 0 else v.rjust(w)
                          for i, (v, w) in enumerate(zip(values, widths, strict=True)))

    return [line(header), "-+-".join("-" * w for w in widths), *(line(r) for r in rows)]


def table(results: RunResults) -> list[str]:
    """Rates, each ratio as ``vs raw asyncio / vs raw on the same loop``; the status
    judges ``run`` against raw asyncio (the issue's target)."""
    same = loop_name()
    both = f"ratio (asyncio / {same})" if same != "asyncio" else "ratio (asyncio)"
    header = ("row", "raw asyncio", *((f"raw ({same})",) if same != "asyncio" else ()), "engine only", both,
              TEXT, both, JSON, both, "target", "status")
    rows = []
    for row in ROWS:
        unit = UNITS[row]
        ratios = [results.ratio(TEXT, row), results.ratio(JSON, row)]
        if any(r is None for r in ratios):
            status = "FAILED"
        else:
            status = "OK" if min(r for r in ratios if r is not None) >= TARGET else "BELOW"
        rows.append((row, _fmt(results.median(ASYNCIO, row), unit),
                     *((_fmt(results.median(RAW, row), unit),) if same != "asyncio" else ()),
                     *_cells(results, ENGINE, row), *_cells(results, TEXT, row), *_cells(results, JSON, row),
                     f"{TARGET:.1f}", status))
    return _columns(header, rows)


def _cells(results: RunResults, kind: str, row: str) -> tuple[str, str]:
    """A server's rate and its ratios (vs raw asyncio, then vs the same loop's raw server)."""
    ratio = _ratio(results.ratio(kind, row))
    if loop_name() != "asyncio":
        ratio += " / " + _ratio(results.ratio(kind, row, RAW))
    return _fmt(results.median(kind, row), UNITS[row]), ratio


def cpu_table(results: RunResults) -> list[str]:
    """The servers' CPU time per message (per MB for bulk): a shared machine slows every
    server's rate, but each message still costs what it costs. ``run``'s includes its
    output process."""
    kinds = servers()
    header = ("server CPU per unit", *(f"raw ({loop_name()})" if k == RAW else "engine only" if k == ENGINE else k
                                       for k in kinds))
    rows = []
    for row in ROWS:
        per = "us/msg" if UNITS[row] == "msg/s" else "us/MB"
        values = [results.cpu_median(kind, row) for kind in kinds]
        rows.append((f"{row} ({per})", *("-" if c is None else f"{c:.1f}" for c in values)))
    return _columns(header, rows)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def notes(results: RunResults) -> list[str]:
    out = []
    for kind in (TEXT, JSON):
        lines = results.lines.get(kind)
        if lines:
            out.append(f"{kind}: {statistics.median(lines):,.0f} output lines/s over the measured rows, "
                       f"{results.dropped.get(kind, 0):,} records dropped")
    out.extend(f"run group failed: {f}" for f in results.failures)
    return out


def report(settings: RunSettings, runs: int) -> tuple[list[str], bool]:
    """The group's table and notes, and whether every cell has a number."""
    results = measure(settings, runs)
    same = loop_name()
    raws = "raw asyncio and raw uvloop echo processes" if same != "asyncio" else "a raw asyncio echo process"
    lines = [f"run: {ECHO_FORM.name} served by `socket-workbench run` (text, --json; stdout to a pipe "
             f"this process drains) and by {raws}; client in this process; {runs} run(s), medians",
             *table(results),
             "ratio = server / raw asyncio" + (f" / raw {same} (run's own loop)" if same != "asyncio" else "")
             + f"; status: run and run --json >= {TARGET} x raw asyncio (the issue's target)",
             "", *cpu_table(results)]
    ok = not results.failures and all(results.median(s, r) is not None for s in servers() for r in ROWS)
    return lines + [f"note: {n}" for n in notes(results)], ok


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "raw-echo":
        raw_echo_server(int(args[1]))
        return 0
    if len(args) == 2 and args[0] == "raw-asyncio-echo":
        raw_echo_server(int(args[1]), same_loop=False)
        return 0
    if len(args) == 2 and args[0] == "engine-echo":
        engine_echo_server(int(args[1]))
        return 0
    print("usage: python -m bench.runner raw-echo|raw-asyncio-echo|engine-echo PORT  (servers of the run group)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

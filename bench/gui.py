"""The ``gui`` section of ``bench``: the real workbench window serving, against headless servers.

This process opens the real main window (ui/main_window.py: FormModel,
EngineHost, the event log pane fed by its feeder, the connections panel, the
tiles) offscreen, on the GUI's own loop (app.qt.event_loop: the integrated loop
where the platform has it), opens an echo form in it and activates its
ServerSocket, as a user would. The load comes from a separate process
(bench/gui_peer.py), so this process pays only for the server side. The same
load generator, in the same run, then drives three servers of its own process
each:

* ``engine``: the same form's ServerSocket headless on plain asyncio, its
  records drained every 40 ms as the GUI's feeder does (the target's
  "headless asyncio row": GUI / engine >= 0.9);
* ``asyncio`` and ``uvloop``: a bare echo Protocol, the least a server can do.

Rows:

* ping-pong 1 KiB with 1 and 16 connections (msg/s), bulk (one connection
  writes ``bulk`` bytes, the server echoes them, MB/s until all came back) and
  accept churn (8 connectors: connect, send a byte, wait for its echo, close;
  conn/s). Servers take turns in a rotating order; medians over ``--runs``.
* the log under a flood (GUI only): 4 clients write 64-byte lines as fast as
  flow control lets them for ``flood`` seconds to a ServerSocket with
  Framing = line and no handler, so every line is one OnClientRead record
  (an echo would make it a send() per line: the syscall, not the log, would
  be measured). Reported:
  records logged per second (from the first record until the log pane holds
  the last one), whether nothing was lost (rows logged + the Dropped records'
  counts = the records the engine emitted, counted by a subscriber of its
  own), and the lateness of a 10 ms precise QTimer in the GUI meanwhile.
* idle-connection scale at 1k, 5k, 10k and as many as the file limit allows
  (with headroom): the accept time (from the load's first connect to the
  server's Nth accept; the GUI side is sampled every millisecond) and the
  echo latency of a probe connection (64 bytes, 1 ms apart) while the others
  sit idle, p50 / p99. One pass (``--runs`` does not repeat it: it is slow).

The machine this runs on may be busy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components import ServerSocket
    from components.observer import EventRecord
    from ui.event_log_model import EventLogModel
    from ui.main_window import MainWindow

GUI = "GUI"
GUI_THREAD = "GUI thread"
WINDOWS = (GUI, GUI_THREAD)  # the real window, in its two network modes
SERVERS = (GUI, GUI_THREAD, "engine", "asyncio", "uvloop")
BASELINES = ("engine", "asyncio", "uvloop")
TARGET_RATIO = 0.9  # GUI / engine (headless asyncio), for the default mode
TARGET_P99_MS_10K = 2.0
TARGET_ACCEPT_10K_S = 1.0
TARGET_LOG_RATE = 100_000
TARGET_TIMER_P99_MS = 50.0
TICK_MS = 10
#: Descriptors kept free of the largest idle-connection step (log files, pipes, Qt's own).
FD_HEADROOM = 1000
MESSAGE = 1024
CHURN_CONNECTORS = 8
FLOOD_CLIENTS = 4
FLOOD_LINE = 64
ECHO_NAME = "EchoServer"
LINE_NAME = "LineServer"


@dataclass(frozen=True)
class GuiSettings:
    warmup: float
    duration: float
    bulk_bytes: int
    flood_seconds: float
    scale: tuple[int, ...]  # 0 = as many as the file limit allows
    probes: int


FULL = GuiSettings(warmup=0.5, duration=2.0, bulk_bytes=256 * 1024 * 1024, flood_seconds=2.0,
                   scale=(1000, 5000, 10000, 0), probes=500)
QUICK = GuiSettings(warmup=0.1, duration=0.3, bulk_bytes=8 * 1024 * 1024, flood_seconds=0.3,
                    scale=(200,), probes=50)

PP1 = "ping-pong 1 conn"
PP16 = "ping-pong 16 conns"
BULK = "bulk (echoed)"
CHURN = f"accept churn ({CHURN_CONNECTORS} connectors)"
UNITS = {PP1: "msg/s", PP16: "msg/s", BULK: "MB/s", CHURN: "conn/s"}


# ---------------------------------------------------------------------------
# results


@dataclass
class RateRow:
    name: str
    values: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVERS})
    failures: list[str] = field(default_factory=list)

    def median(self, server: str) -> float | None:
        values = self.values.get(server)
        return statistics.median(values) if values else None

    def ratio(self, baseline: str, server: str = GUI) -> float | None:
        gui, base = self.median(server), self.median(baseline)
        return gui / base if gui is not None and base else None

    @property
    def status(self) -> str:
        ratio = self.ratio("engine")
        if ratio is None:
            return "FAILED"
        return "OK" if ratio >= TARGET_RATIO else "BELOW"


@dataclass
class LogRun:
    server: str  # GUI or GUI thread: where the engine ran
    emitted: int
    logged: int
    dropped: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.logged / self.seconds if self.seconds else 0.0

    @property
    def lost(self) -> int:
        return self.emitted - self.logged - self.dropped


@dataclass
class ScalePoint:
    connections: int
    server: str
    accept_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    failure: str = ""
    #: GUI only: the 10 ms timer's lateness over the step (accepting and probing), p50 / p99
    late_p50_ms: float | None = None
    late_p99_ms: float | None = None
    #: GUI only: from the Nth accept until the Connections panel (showing the server) had N rows
    panel_s: float | None = None


@dataclass
class GuiResults:
    loop: str = ""
    rates: dict[str, RateRow] = field(default_factory=dict)
    log_runs: list[LogRun] = field(default_factory=list)
    log_failures: list[str] = field(default_factory=list)
    scale: list[ScalePoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rate_row(self, name: str) -> RateRow:
        return self.rates.setdefault(name, RateRow(name))

    @property
    def failed(self) -> bool:
        return (any(r.status == "FAILED" for r in self.rates.values()) or bool(self.log_failures)
                or any(p.failure for p in self.scale))

    def as_json(self) -> dict[str, Any]:
        return {
            "loop": self.loop,
            "rates": [{"row": r.name, "unit": UNITS[r.name], "values": r.values,
                       "medians": {s: r.median(s) for s in SERVERS},
                       "ratios": {b: r.ratio(b) for b in BASELINES},
                       "thread_ratios": {b: r.ratio(b, GUI_THREAD) for b in BASELINES}, "status": r.status,
                       "failures": r.failures} for r in self.rates.values()],
            "log": [vars(run) | {"rate": run.rate, "lost": run.lost} for run in self.log_runs],
            "log_failures": self.log_failures,
            "scale": [vars(p) for p in self.scale],
            "notes": self.notes,
        }


# ---------------------------------------------------------------------------
# child processes


def _child_env() -> dict[str, str]:
    """The environment for the peers: this checkout's packages first."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


class Child:
    """A peer process; its JSON lines arrive on the asyncio loop through a reader thread
    (which wakes the loop only when a line came: nothing polls meanwhile)."""

    def __init__(self, *args: str) -> None:
        self.loop = asyncio.get_running_loop()
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.gui_peer", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_child_env())
        self._lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reader = threading.Thread(target=self._read, name="bench peer reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        put = self._lines.put_nowait
        for raw in self.proc.stdout:
            try:
                item: dict[str, Any] | None = json.loads(raw)
            except ValueError:
                item = {"error": f"unreadable line from the peer: {raw[:200]!r}"}
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self.loop.call_soon_threadsafe(put, item)
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(put, None)

    async def line(self, timeout: float = 120.0) -> dict[str, Any]:
        """The next line; RuntimeError if the peer ended or reported an error."""
        try:
            item = await asyncio.wait_for(self._lines.get(), timeout)
        except TimeoutError:
            raise TimeoutError(f"the peer said nothing for {timeout:g} s") from None
        if item is None:
            self._lines.put_nowait(None)  # and for whoever asks next
            raise RuntimeError(f"the peer ended (exit status {self.proc.wait()})")
        if "error" in item:
            raise RuntimeError(item["error"])
        return item

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(text.encode() + b"\n")
            self.proc.stdin.flush()

    async def close(self) -> None:
        self.send("quit")
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        deadline = time.monotonic() + 10
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def _load(job: dict[str, Any]) -> dict[str, Any]:
    child = Child("load", json.dumps(job))
    try:
        return await child.line(timeout=job.get("timeout", 120) + 30)
    finally:
        await child.close()


# ---------------------------------------------------------------------------
# the servers


class Server:
    """What a row needs of a server: its port, and waiting for a number of connections."""

    name: str
    port: int

    async def start(self) -> None:
        raise NotImplementedError

    async def wait_connections(self, n: int) -> float:
        """The monotonic time at which the server held ``n`` connections."""
        raise NotImplementedError

    async def wait_none(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PeerServer(Server):
    def __init__(self, kind: str, form: Path) -> None:
        self.name = kind
        self.child = Child("serve", kind, str(form), ECHO_NAME)
        self.port = 0

    async def start(self) -> None:
        self.port = (await self.child.line(30))["port"]

    async def wait_connections(self, n: int) -> float:
        self.child.send(f"wait {n}")
        return float((await self.child.line())["reached"])

    async def wait_none(self) -> None:
        self.child.send("wait_none")
        await self.child.line()

    async def close(self) -> None:
        await self.child.close()


class GuiServer(Server):
    """A ServerSocket of the form open in the real window."""

    def __init__(self, window: MainWindow, component: str, name: str = GUI) -> None:
        from app.core.engine_thread import NetworkMode

        self.name = name
        self.mode = NetworkMode.THREAD if name == GUI_THREAD else NetworkMode.GUI_LOOP
        self.window = window
        self.uid = window.engine.uid_of(component)
        self.port = 0

    def _server(self) -> ServerSocket:
        from components import ServerSocket

        comp = self.window.engine.component(self.uid)
        assert isinstance(comp, ServerSocket), f"{comp.name} is not a {ServerSocket.__name__}"
        return comp

    @property
    def connections(self) -> int:
        return self._server().socket.active_connections

    async def start(self) -> None:
        self.window.network.choose(self.mode)  # Run > Network, as the user picks it
        self.window.engine.set_active(self.uid, True)
        comp = self._server()
        deadline = time.monotonic() + 10
        while not comp.socket.listening:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{comp.name} did not start listening: {comp.last_error}")
            await asyncio.sleep(0.01)
        self.port = comp.socket.local_port

    async def wait_connections(self, n: int) -> float:
        while self.connections < n:
            await asyncio.sleep(0.001)
        return time.monotonic()

    async def wait_none(self) -> None:
        deadline = time.monotonic() + 60
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        self.window.engine.set_active(self.uid, False)
        await self.wait_none()


# ---------------------------------------------------------------------------
# the window


def write_form(path: Path) -> None:
    """The bench's form: an echo server for the rates and scale, a line-framed one for the log."""
    from app.core.form_document import ComponentEntry, FormDocument, HandlerBinding
    from components import ServerSocket

    server = ServerSocket.__name__
    address = ServerSocket.property_spec("Address").vcl_name
    port = ServerSocket.property_spec("Port").vcl_name
    framing = ServerSocket.property_spec("Framing").vcl_name
    read = ServerSocket.event_spec("OnClientRead").vcl_name
    echo = HandlerBinding(action="echo")
    doc = FormDocument(name="BenchForm", caption="bench gui", components=[
        ComponentEntry(server, ECHO_NAME, 48, 48, {address: "127.0.0.1", port: 0}, {read: echo}),
        # the log's flood: every line is one OnClientRead, recorded; nothing is sent back
        ComponentEntry(server, LINE_NAME, 208, 48, {address: "127.0.0.1", port: 0, framing: "line"}),
    ])
    doc.save(path)


@contextlib.contextmanager
def _quiet_qt() -> Iterator[None]:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(mode: QtMsgType, _context: object, message: str) -> None:
        if "propagateSizeHints" not in message and mode != QtMsgType.QtDebugMsg:
            print(f"qt: {message}", file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _open_window(form: Path, settings_dir: Path) -> MainWindow:
    from PySide6.QtCore import QSettings

    # the bench must not touch the user's recent files, geometry or dock layout
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    from app.core.gc_tuning import freeze_startup_objects, tune_for_events
    from ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1366, 860)
    window.show()
    if not window.open_form(form, ask=False):
        raise RuntimeError(f"the window did not open {form}")
    tune_for_events()  # as the workbench does once its window is up
    freeze_startup_objects()
    return window


def _clear_log(window: MainWindow) -> None:
    window.log_feeder.flush()
    for model in window.log_feeder.models():
        model.clear()
    gc.collect()


# ---------------------------------------------------------------------------
# measurements


def _jobs(settings: GuiSettings) -> list[tuple[str, Callable[[int], dict[str, Any]]]]:
    timed = {"warmup": settings.warmup, "duration": settings.duration}
    return [
        (PP1, lambda port: {"kind": "pingpong", "port": port, "conns": 1, "size": MESSAGE, **timed}),
        (PP16, lambda port: {"kind": "pingpong", "port": port, "conns": 16, "size": MESSAGE, **timed}),
        (BULK, lambda port: {"kind": "bulk", "port": port, "bytes": settings.bulk_bytes}),
        (CHURN, lambda port: {"kind": "churn", "port": port, "connectors": CHURN_CONNECTORS, **timed}),
    ]


async def _rates(window: MainWindow, form: Path, settings: GuiSettings, run_index: int,
                 results: GuiResults, servers: Sequence[str], progress: Callable[[str], None]) -> None:
    shift = run_index % len(servers)
    for name in [*servers[shift:], *servers[:shift]]:
        server: Server = GuiServer(window, ECHO_NAME, name) if name in WINDOWS else PeerServer(name, form)
        try:
            await server.start()
        except Exception as exc:
            for row, _ in _jobs(settings):
                results.rate_row(row).failures.append(f"{name}: {type(exc).__name__}: {exc}")
            await server.close()
            continue
        try:
            for row, job in _jobs(settings):
                if name in WINDOWS:
                    _clear_log(window)
                try:
                    value = (await _load(job(server.port)))["rate"]
                except Exception as exc:
                    results.rate_row(row).failures.append(f"{name}: {type(exc).__name__}: {exc}")
                else:
                    results.rate_row(row).values[name].append(value)
                progress(f"{name} {row}")
        finally:
            await server.close()
    if any(name in WINDOWS for name in servers):
        _clear_log(window)


class _Lateness:
    """A 10 ms precise QTimer noting when it fires."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.stamps: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.stamps.append(time.monotonic()))

    def start(self) -> None:
        self.stamps = [time.monotonic()]
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        self.stamps.append(time.monotonic())
        return [max(0.0, (b - a) * 1000 - TICK_MS) for a, b in itertools.pairwise(self.stamps)]


class _Count:
    """Counts the records of one event, as the engine emits them."""

    __slots__ = ("event", "first", "n")

    def __init__(self, event: str) -> None:
        self.event = event
        self.n = 0
        self.first = 0.0

    def __call__(self, record: EventRecord) -> None:
        if record.event != self.event:
            return
        if not self.n:
            self.first = time.monotonic()
        self.n += 1


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _lines(model: EventLogModel, event: str, first_seq: int) -> int:
    """Rows of ``event`` the log took since ``first_seq``, counting the ones its capacity let go."""
    return model.end_seq - first_seq - sum(1 for r in model.records() if r.event != event)


async def _log_flood(window: MainWindow, settings: GuiSettings, name: str = GUI) -> LogRun:
    from components.observer import DROPPED

    server = GuiServer(window, LINE_NAME, name)
    await server.start()
    _clear_log(window)
    [model] = [m for m in window.log_feeder.models() if m is window.log_pane.model]
    # only the flood's lines are compared: the listener's own records may land on either side of
    # the subscription when the engine runs on its thread
    from components import ServerSocket

    counter = _Count(ServerSocket.event_spec("OnClientRead").vcl_name)
    unsubscribe = window.stream.subscribe(counter)
    lateness = _Lateness()
    first_seq = model.end_seq
    try:
        lateness.start()
        await _load({"kind": "flood", "port": server.port, "clients": FLOOD_CLIENTS, "line": FLOOD_LINE,
                     "duration": settings.flood_seconds})
        await server.close()  # every connection's records are emitted once it is inactive
        # wait until the log holds all the engine emitted (or stops taking any more)
        last, still = -1, 0
        while still < 50:
            shown = model.end_seq - first_seq
            settled = len(window.log_feeder.buffer) == 0 and shown >= counter.n
            if settled and _lines(model, counter.event, first_seq) >= counter.n:
                break
            still = still + 1 if shown == last else 0
            last = shown
            await asyncio.sleep(0.01)
        ended = time.monotonic()
        late = lateness.stop()
    finally:
        unsubscribe()
    records = model.records()
    dropped = sum(r.byte_count for r in records if r.event == DROPPED)
    logged = _lines(model, counter.event, first_seq)
    run = LogRun(name, counter.n, logged, dropped, ended - counter.first if counter.n else 0.0,
                 _percentile(late, 50), _percentile(late, 99), max(late, default=0.0))
    _clear_log(window)
    return run


def _scale_steps(settings: GuiSettings) -> list[int]:
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except ImportError:  # pragma: no cover - not on Unix
        limit = 0
    most = (max(0, limit - FD_HEADROOM) // 1000) * 1000 if limit > 0 else 0
    steps = []
    for n in settings.scale:
        n = most if n == 0 else n
        if 0 < n <= max(most, min(settings.scale)) and n not in steps:
            steps.append(n)
    return steps


async def _panel_rows(server: Server, n: int) -> float | None:
    """How long the GUI's Connections panel took to show ``n`` rows (None: not within 5 s)."""
    if not isinstance(server, GuiServer):
        return None
    table = server.window.connections.connections
    started = time.monotonic()
    while table.rowCount() != n:
        if time.monotonic() - started > 5:
            return None
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def _scale_point(server: Server, n: int, settings: GuiSettings) -> ScalePoint:
    point = ScalePoint(n, server.name)
    lateness = _Lateness() if isinstance(server, GuiServer) else None
    load = Child("load", json.dumps({"kind": "idle", "port": server.port, "conns": n,
                                     "probes": settings.probes, "gap": 0.001, "size": 64}))
    try:
        t0 = float((await load.line(30))["t0"])
        if lateness is not None:
            lateness.start()
        reached = await server.wait_connections(n)
        point.accept_s = reached - t0
        point.panel_s = await _panel_rows(server, n)
        connected = await load.line()
        if connected.get("failed"):
            point.failure = f"{connected['failed']} connects failed, first: {connected['first_failure']}"
            return point
        load.send("probe")
        probe = await load.line()
        point.p50_ms, point.p99_ms = probe["p50_ms"], probe["p99_ms"]
        if lateness is not None:
            late = lateness.stop()
            lateness = None
            point.late_p50_ms, point.late_p99_ms = _percentile(late, 50), _percentile(late, 99)
        load.send("close")
    except Exception as exc:
        point.failure = f"{type(exc).__name__}: {exc}"
    finally:
        if lateness is not None:
            lateness.stop()
        await load.close()
        await server.wait_none()
    return point


async def _scale(window: MainWindow, form: Path, settings: GuiSettings, results: GuiResults,
                 servers: Sequence[str], progress: Callable[[str], None]) -> None:
    steps = _scale_steps(settings)
    for name in servers:
        server: Server = GuiServer(window, ECHO_NAME, name) if name in WINDOWS else PeerServer(name, form)
        try:
            await server.start()
            if isinstance(server, GuiServer):  # the user watches it: the panel lists its connections
                server.window.model.set_selection([server.uid])
            for n in steps:
                if name in WINDOWS:
                    _clear_log(window)
                point = await _scale_point(server, n, settings)
                results.scale.append(point)
                progress(f"{name} {n:,} idle connections")
        except Exception as exc:
            results.scale.append(ScalePoint(0, name, failure=f"{type(exc).__name__}: {exc}"))
        finally:
            await server.close()
            if name in WINDOWS:
                _clear_log(window)


def _available_servers(notes: list[str]) -> list[str]:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        notes.append("uvloop is not installed: its baseline is skipped")
        return [s for s in SERVERS if s != "uvloop"]
    return list(SERVERS)


async def _suite(settings: GuiSettings, runs: int, results: GuiResults, workdir: Path,
                 progress: Callable[[str], None]) -> None:
    form = workdir / "bench_gui.sockform"
    write_form(form)
    window = _open_window(form, workdir / "settings")
    servers = _available_servers(results.notes)
    try:
        await asyncio.sleep(0.2)  # the first layout and paint
        for run_index in range(runs):
            await _rates(window, form, settings, run_index, results, servers, progress)
            for name in WINDOWS:
                try:
                    results.log_runs.append(await _log_flood(window, settings, name))
                except Exception as exc:
                    results.log_failures.append(f"{name}: {type(exc).__name__}: {exc}")
                progress(f"run {run_index + 1}/{runs}: log flood, {name}")
        await _scale(window, form, settings, results, servers, progress)
    finally:
        window.engine.deactivate_all()
        window.model.undo_stack.setClean()
        window.shutdown()
        window.close()
        window.deleteLater()
        await asyncio.sleep(0.05)


def run_gui_bench(quick: bool, runs: int, progress: Callable[[str], None] = lambda _text: None) -> GuiResults:
    """Run the section in this process (the GUI's) and its peers; the results."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from app.core.file_limit import raise_file_limit
    from app.qt.event_loop import IntegratedEventLoop, new_event_loop

    raise_file_limit()
    app = QCoreApplication.instance() or QApplication([])
    assert isinstance(app, QApplication), "the gui section needs a QApplication (widgets)"
    settings = QUICK if quick else FULL
    results = GuiResults()
    thresholds = gc.get_threshold()  # the window's process tunes them (app.core.gc_tuning)
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp, _quiet_qt():
        loop = new_event_loop(app)
        results.loop = ("integrated (one notifier on epoll/kqueue)" if isinstance(loop, IntegratedEventLoop)
                        else "stock qasync (this platform has no selector descriptor)")
        quits = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)  # closing the bench's window must not stop the loop
        try:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(_suite(settings, runs, results, Path(tmp), progress))
        finally:
            app.setQuitOnLastWindowClosed(quits)
            asyncio.set_event_loop(None)
            loop.close()
            gc.unfreeze()
            gc.set_threshold(*thresholds)  # what runs after this section runs as it would alone
            gc.collect()
    return results


# ---------------------------------------------------------------------------
# reporting


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) if i == 0 else v.rjust(w)
                                 for i, (v, w) in enumerate(zip(values, widths, strict=True))) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]


def report(results: GuiResults) -> list[str]:
    out = [f"GUI loop: {results.loop}"]
    rows = []
    for row in results.rates.values():
        unit = UNITS[row.name]
        rows.append((row.name, *(f"{_fmt(row.median(s))} {unit}" for s in SERVERS),
                     *(_ratio(row.ratio(b)) for b in BASELINES), _ratio(row.ratio("engine", GUI_THREAD)),
                     f">= {TARGET_RATIO}", row.status))
    if rows:
        out += _grid(("row", *SERVERS, "GUI/engine", "GUI/asyncio", "GUI/uvloop", "thread/engine", "target",
                      "status"), rows)
        out.append(f"(status: the default GUI loop against the target; {GUI_THREAD}: Run > Network > "
                   "Dedicated Thread)")
    log_rows = []
    for name in WINDOWS:
        runs = [r for r in results.log_runs if r.server == name]
        if not runs:
            continue
        rate = statistics.median(r.rate for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        lost = [r.lost for r in runs]
        last = runs[-1]
        ok = rate >= TARGET_LOG_RATE and p99 < TARGET_TIMER_P99_MS and not any(lost)
        log_rows.append((f"{FLOOD_CLIENTS} clients, {FLOOD_LINE} B lines", name, f"{rate:,.0f}",
                         f"{last.emitted:,} / {last.logged:,} / {last.dropped:,}",
                         ", ".join(str(n) for n in lost),
                         f"{p50:.1f} / {p99:.1f} / {statistics.median(r.max_ms for r in runs):.1f}",
                         f">= {TARGET_LOG_RATE // 1000}k/s, p99 < {TARGET_TIMER_P99_MS:.0f}, 0 lost",
                         "OK" if ok else "BELOW"))
    if log_rows:
        out.append("")
        out += _grid(("log flood", "mode", "events/s logged", "emitted / logged / dropped (last run)", "lost",
                      "timer late p50 / p99 / max ms", "target", "status"), log_rows)
    if results.scale:
        by_n: dict[int, dict[str, ScalePoint]] = {}
        for p in results.scale:
            by_n.setdefault(p.connections, {})[p.server] = p
        servers = [s for s in SERVERS if any(s in v for v in by_n.values())]
        rows = []
        for n, points in sorted(by_n.items()):
            if not n:
                continue
            cells = []
            for s in servers:
                cell = points.get(s)
                if cell is None or cell.failure:
                    cells.append("FAILED" if cell is not None else "-")
                else:
                    cells.append(f"{_fmt(cell.accept_s)} s, {_ms(cell.p50_ms)} / {_ms(cell.p99_ms)} ms"
                                 if cell.accept_s is None or cell.accept_s >= 100 else
                                 f"{cell.accept_s:.2f} s, {_ms(cell.p50_ms)} / {_ms(cell.p99_ms)} ms")
            rows.append((f"{n:,}", *cells))
        out.append("")
        out.append("idle connections: time to accept all, probe echo p50 / p99")
        out += _grid(("connections", *servers), rows)
        gui_points = [p for p in results.scale if p.server in WINDOWS and p.connections and not p.failure]
        if gui_points:
            out.append("")
            out.append("the window during those steps: 10 ms timer lateness, Connections panel catching up")
            out += _grid(("connections", "mode", "timer late p50 / p99 ms", "panel shows all after"),
                         [(f"{p.connections:,}", p.server, f"{_ms(p.late_p50_ms)} / {_ms(p.late_p99_ms)}",
                           "-" if p.panel_s is None else f"{p.panel_s:.2f} s") for p in gui_points])
        gui10k = by_n.get(10000, {}).get(GUI)
        if gui10k is not None and not gui10k.failure:
            ok = (gui10k.p99_ms or 0) < TARGET_P99_MS_10K and (gui10k.accept_s or 0) < TARGET_ACCEPT_10K_S
            out.append(f"{'OK' if ok else 'BELOW'}: GUI at 10,000: accepted in {gui10k.accept_s:.2f} s "
                       f"(target < {TARGET_ACCEPT_10K_S:g} s), probe p99 {gui10k.p99_ms:.2f} ms "
                       f"(target < {TARGET_P99_MS_10K:g} ms)")
        thread10k = by_n.get(10000, {}).get(GUI_THREAD)
        if thread10k is not None and not thread10k.failure and thread10k.accept_s is not None:
            out.append(f"{GUI_THREAD} at 10,000: accepted in {thread10k.accept_s:.2f} s, "
                       f"probe p99 {_ms(thread10k.p99_ms)} ms")
    for row in results.rates.values():
        out += [f"note: {row.name} failed: {f}" for f in row.failures]
    out += [f"note: log flood failed: {f}" for f in results.log_failures]
    out += [f"note: {p.server} at {p.connections:,} failed: {p.failure}" for p in results.scale if p.failure]
    out += [f"note: {n}" for n in results.notes]
    return out

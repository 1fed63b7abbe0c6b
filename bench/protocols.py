"""Protocol rows of ``socket-workbench bench`` (``--only protocols``): what framing costs,
and how closely Repeat keeps its interval.

Framing's cost: the 1 KiB ping-pong of the engine rows (one connection; the client
sends 1023 bytes and a LF, waits for 1024 bytes back), served three ways on the same
loop in the same run:

* ``line`` framing: a ServerSocket with Framing = line, whose OnClientRead sends the
  frame back with ``send_frame`` (which adds the LF again);
* unframed: the same ServerSocket without framing, echoing the bytes as they come;
* raw asyncio lines: an asyncio Protocol that buffers, splits at LF and writes each
  line back with its LF (what a program would do without the engine).

Two rows come of it: framed / unframed (target 0.8: framing may cost at most a fifth)
and framed / raw asyncio lines (informational). In these rows the "components"
column is the framed server and the "raw" column the one it is compared with.

The repeat timer: a Repeat (app.core.repeat) of a 16-byte message on a real
connection at 1, 10 and 100 ms; the interval between consecutive ticks (when the
timer fired and the message was sent) is measured, p50 and p99, in ms. The raw side
is a bare ``loop.call_at`` schedule from the start time writing the same bytes to an
asyncio transport: the loop's own floor. Informational rows (no target); the asked
interval is in the row's name. The mean interval shows that the schedule does not
drift (each deadline is counted from the start); p50 can sit above the asked
interval while the mean is exact, because epoll waits in whole milliseconds (a
tick that wakes late is followed by one that comes early), raw and Repeat alike.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import statistics
import time

from app.core.repeat import Repeat
from bench.engine import (
    HOST,
    MESSAGE,
    TARGETS,
    TEARDOWN_TIMEOUT,
    UNITS,
    Results,
    Settings,
    _Counter,
    _order,
    _PingClient,
    _rate_window,
    _RawProtocol,
    _settle,
)
from components import ObserverStream, ServerSocket, ServerType
from components.connection import CustomWinSocket

FRAMED_VS_UNFRAMED = "ping-pong 1 KiB: line framing / unframed"
FRAMED_VS_RAW = "ping-pong 1 KiB: line framing / raw asyncio lines (info)"
REPEAT_INTERVALS_MS = (1, 10, 100)
REPEAT_PAYLOAD = b"STATUS 000000000\n"[:16]
#: ticks measured per interval (full run, quick run): about 1-3 s per interval in full
REPEAT_TICKS = {1: (1000, 50), 10: (200, 10), 100: (20, 3)}


def repeat_row(interval_ms: int, quantile: str) -> str:
    return f"repeat every {interval_ms} ms: {quantile} interval (info)"



TARGETS[FRAMED_VS_UNFRAMED] = 0.8
UNITS[FRAMED_VS_UNFRAMED] = "msg/s"
UNITS[FRAMED_VS_RAW] = "msg/s"


# ---------------------------------------------------------------------------
# framing's cost


class _RawLineEcho(_RawProtocol):
    """Raw asyncio doing the line splitting itself."""

    def __init__(self, owner: _RawServer) -> None:
        super().__init__(owner)  # type: ignore[arg-type]
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        write = self.transport.write  # type: ignore[union-attr]
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                return
            line = bytes(buffer[:end - 1] if end and buffer[end - 1] == 13 else buffer[:end])
            del buffer[:end + 1]
            write(line + b"\n")


class _RawServer:
    def __init__(self) -> None:
        self.live: set[_RawProtocol] = set()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _RawLineEcho(self), HOST, 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for proto in list(self.live):
            if proto.transport is not None:
                proto.transport.close()
        await _settle()


class _EngineServer:
    def __init__(self, framed: bool) -> None:
        self.framed = framed
        self.server: ServerSocket | None = None
        self.port = 0

    async def start(self) -> None:
        server = ServerSocket(name="Bench", address=HOST, port=0, server_type=ServerType.NON_BLOCKING,
                              observer=ObserverStream())
        if self.framed:
            server.framing = "line"
            server.on_client_read = lambda s, c: c.send_frame(c.receive_buf(-1))
        else:
            server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
        server.open()
        self.server = server
        self.port = server.socket.local_port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        await _settle()


async def line_pingpong(impl: str, settings: Settings) -> float:
    """msg/s of the 1 KiB line ping-pong against ``framed``, ``unframed`` or ``raw_lines``."""
    loop = asyncio.get_running_loop()
    server: _RawServer | _EngineServer = _RawServer() if impl == "raw_lines" else _EngineServer(impl == "framed")
    await server.start()
    counter = _Counter()
    payload = bytes(MESSAGE - 1) + b"\n"
    client: _PingClient | None = None
    try:
        _, client = await loop.create_connection(lambda: _PingClient(counter, payload), HOST, server.port)
        return await _rate_window(counter, settings)
    finally:
        counter.running = False
        deadline = time.monotonic() + TEARDOWN_TIMEOUT
        while client is not None and not client.idle and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        if client is not None and client.transport is not None:
            client.transport.close()
        await server.close()


# ---------------------------------------------------------------------------
# the repeat timer


class _Drain(asyncio.Protocol):
    """The receiving end: reads and forgets."""

    def data_received(self, data: bytes) -> None:
        pass


QUANTILES = ("p50", "p99", "mean")


def _intervals(ticks: list[float]) -> tuple[float, float, float]:
    """(p50, p99, mean) of the gaps between consecutive ticks, in ms."""
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    p99 = gaps[min(len(gaps) - 1, max(0, round(0.99 * (len(gaps) - 1))))]
    return statistics.median(gaps), p99, statistics.fmean(gaps)


async def repeat_ticks(impl: str, interval_ms: int, ticks: int) -> tuple[float, float, float]:
    """(p50, p99, mean) of the intervals between ``ticks`` consecutive sends, in ms."""
    loop = asyncio.get_running_loop()
    stamps: list[float] = []
    done: asyncio.Future[None] = loop.create_future()
    if impl == "components":
        server = ServerSocket(name="Bench", address=HOST, port=0, observer=ObserverStream())
        conns: list[CustomWinSocket] = []
        server.on_client_connect = lambda s, c: conns.append(c)
        server.open()
        transport = None
        try:
            transport, _ = await loop.create_connection(_Drain, HOST, server.socket.local_port)
            while not conns:
                await asyncio.sleep(0.001)

            def render(k: int) -> bytes:
                stamps.append(time.perf_counter())
                return REPEAT_PAYLOAD

            def ended(_r: Repeat) -> None:
                if not done.done():
                    loop.call_soon_threadsafe(done.set_result, None)

            Repeat(conns[0], "bench", render, interval_ms, ticks, ended).start()
            await asyncio.wait_for(done, ticks * interval_ms / 1000 * 3 + 5)
        finally:
            if transport is not None:
                transport.close()
            server.close()
            await _settle()
    else:
        listener = await loop.create_server(_Drain, HOST, 0)
        transport = None
        try:
            transport, _ = await loop.create_connection(_Drain, HOST, listener.sockets[0].getsockname()[1])
            start = loop.time()
            interval = interval_ms / 1000

            def tick(k: int) -> None:
                stamps.append(time.perf_counter())
                transport.write(REPEAT_PAYLOAD)
                if k + 1 >= ticks:
                    done.set_result(None)
                else:
                    loop.call_at(start + (k + 1) * interval, tick, k + 1)

            loop.call_soon(tick, 0)
            await asyncio.wait_for(done, ticks * interval * 3 + 5)
        finally:
            if transport is not None:
                transport.close()
            listener.close()
            await _settle()
    return _intervals(stamps)


for _ms in REPEAT_INTERVALS_MS:
    for _q in QUANTILES:
        UNITS[repeat_row(_ms, _q)] = "ms"


# ---------------------------------------------------------------------------
# the suite


async def protocols_suite(loop_name: str, settings: Settings, run_index: int, results: Results,
                          quick: bool) -> None:
    """Measure the protocol rows on the running loop; add them to ``results``."""
    values: dict[str, float | None] = {}
    failures: dict[str, str] = {}
    impls = ("framed", "unframed", "raw_lines")
    order = impls if run_index % 2 == 0 else tuple(reversed(impls))
    for impl in order:
        gc.collect()
        try:
            values[impl] = await line_pingpong(impl, settings)
        except Exception as exc:
            values[impl] = None
            failures[impl] = f"{type(exc).__name__}: {exc}"
    for row, other in ((FRAMED_VS_UNFRAMED, "unframed"), (FRAMED_VS_RAW, "raw_lines")):
        results.add(loop_name, row, "components", values["framed"], failures.get("framed", ""))
        results.add(loop_name, row, "raw", values[other], failures.get(other, ""))

    for row_index, interval_ms in enumerate(REPEAT_INTERVALS_MS):
        ticks = REPEAT_TICKS[interval_ms][1 if quick else 0]
        for impl in _order(run_index, row_index):
            gc.collect()
            try:
                figures = await repeat_ticks(impl, interval_ms, ticks)
            except Exception as exc:
                for q in QUANTILES:
                    results.add(loop_name, repeat_row(interval_ms, q), impl, None, f"{type(exc).__name__}: {exc}")
                continue
            for q, value in zip(QUANTILES, figures, strict=True):
                results.add(loop_name, repeat_row(interval_ms, q), impl, value)

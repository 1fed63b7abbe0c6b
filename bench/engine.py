"""Engine benchmark: the socket components against raw asyncio / raw threads.

Every row measures the same work twice in one process, on the same loop and
with the same client, once with a ``components.ServerSocket`` serving and once
with the thinnest server the platform allows (an asyncio Protocol, or a plain
thread-per-connection ``socket`` server). The ratio components/raw is what the
engine costs; the absolute numbers only describe this machine.

Rows (per loop: asyncio, uvloop, qasync; plus "threads" for stThreadBlocking):

* bulk: one connection, the client writes 1 GiB in 256 KiB writes (flow
  controlled by pause/resume_writing, or sendall in threads); the server reads
  and discards. MB/s (10^6 bytes/s) until the server has counted every byte.
* ping-pong: 1 KiB request, wait for the full 1 KiB echo, repeat; 1 and 16
  connections. msg/s over the measured window after a warm-up.
* churn: 8 connectors loop connect -> read the server's 1-byte greeting ->
  close. connections/s.
* ping-pong 1 conn + observer (informational): the components server with a
  RecordBuffer subscribed to its event stream and drained at 20 Hz, as the GUI
  does; its raw column repeats the raw ping-pong 1 conn of the same run.
* ping-pong 1 conn + recording (informational): the components server with a
  SessionRecorder (app.core.recorder) writing every byte to a pcapng file in a
  temporary folder; against the plain row it is what recording costs (off, the
  plain row is the cost: the tap is one attribute read per read and send).
* TLS bulk and TLS ping-pong 1 conn (``--only tls``, bench/tls.py): the same with
  TLS on both ends, against an asyncio server with ``ssl=`` the same certificate.

The threads rows run pinned to one CPU (``--no-pin`` lifts that): left to spread,
the kernel's placement of the client and server threads decides the result (raw
thread ping-pong measured 19k in one process and 77k msg/s in the next, because
a wake-up across vCPUs costs a VM exit), which drowns what the engine costs.

The client is in the same process as the server (one event loop, or the same
interpreter's threads), so it takes its share of the CPU in both halves of a
row: a ratio of 0.8 here means the server alone costs more than 1.25x raw.
Before measuring, one 1 MiB block is allocated and freed so that glibc's
dynamic mmap threshold is already raised (see ``_steady_malloc``): otherwise
every 256 KiB ``recv`` of asyncio, qasync and the thread servers may cost three
extra syscalls, in both halves of a row, until the process happens to leave
that state mid-run.

Raw and components runs alternate (the order flips every run) so drift on the
machine hits both; figures are medians over ``--runs``.

Run it with::

    python -c "from bench.engine import main; raise SystemExit(main())"

Exit status: 0 when every row produced a number (OK or BELOW alike), 1 when a
row failed to run, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import math
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.recorder import SessionRecorder
from components import ObserverStream, RecordBuffer, ServerSocket, ServerType, set_error_hook

HOST = "127.0.0.1"
CHUNK = 256 * 1024
MESSAGE = 1024
BACKLOG = 128  # what ServerSocket listens with, so both sides queue the same
CHURN_CONNECTORS = 8
MANY_CONNECTIONS = 16
OBSERVER_DRAIN_INTERVAL = 0.05

ALL_LOOPS = ("asyncio", "uvloop", "qasync")
ALL_GROUPS = ("bulk", "pingpong", "churn", "threads", "protocols", "tls", "run", "gui")
# protocols: bench/protocols.py; tls: bench/tls.py

BULK = "bulk"
PP1 = "ping-pong 1 conn"
PP16 = f"ping-pong {MANY_CONNECTIONS} conns"
CHURN = f"accept churn ({CHURN_CONNECTORS} connectors)"
PP1_OBSERVED = "ping-pong 1 conn + observer (info)"
PP1_RECORDED = "ping-pong 1 conn + recording (info)"

TARGETS = {BULK: 0.9, PP1: 0.8, PP16: 0.8, CHURN: 0.8}
UNITS = {BULK: "MB/s", PP1: "msg/s", PP16: "msg/s", CHURN: "conn/s", PP1_OBSERVED: "msg/s",
         PP1_RECORDED: "msg/s"}


@dataclass(frozen=True)
class Settings:
    bulk_bytes: int
    warmup: float
    duration: float

    @property
    def bulk_label(self) -> str:
        mib = self.bulk_bytes // (1024 * 1024)
        return f"{mib // 1024} GiB" if mib >= 1024 else f"{mib} MiB"


FULL = Settings(bulk_bytes=1024 * 1024 * 1024, warmup=0.5, duration=3.0)
# A smoke test: every code path once, nothing meaningful in the numbers.
QUICK = Settings(bulk_bytes=64 * 1024 * 1024, warmup=0.1, duration=0.3)

#: Transfers per bulk figure in each run. One 1 GiB transfer lasts 0.15-0.4 s here and
#: consecutive ones swing up to 2x (raw uvloop: 3.7 or 8 GB/s, pinned or not), so each
#: run reports the median of a few, alternating raw/components.
BULK_REPEATS = 3
#: Longest a bulk transfer may take before the row counts as failed (bytes are bounded; time too).
BULK_TIMEOUT = 120.0
#: How long teardown waits for clients and servers to wind down.
TEARDOWN_TIMEOUT = 5.0


# ---------------------------------------------------------------------------
# results


@dataclass
class Cell:
    loop: str
    row: str
    components: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.row)

    @property
    def unit(self) -> str:
        return UNITS[self.row]

    def median(self, side: str) -> float | None:
        values = [v for v in getattr(self, side) if v is not None and math.isfinite(v)]
        return statistics.median(values) if values else None

    @property
    def ratio(self) -> float | None:
        comp, raw = self.median("components"), self.median("raw")
        if comp is None or not raw:
            return None
        return comp / raw

    @property
    def status(self) -> str:
        ratio, target = self.ratio, self.target
        if ratio is None:
            return "FAILED"
        if target is None:
            return "info"
        return "OK" if ratio >= target else "BELOW"

    def as_json(self) -> dict[str, Any]:
        return {
            "loop": self.loop, "row": self.row, "unit": self.unit, "target": self.target,
            "components": [_finite(v) for v in self.components], "raw": [_finite(v) for v in self.raw],
            "components_median": self.median("components"), "raw_median": self.median("raw"),
            "ratio": self.ratio, "status": self.status, "failures": self.failures,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class Results:
    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], Cell] = {}

    def cell(self, loop: str, row: str) -> Cell:
        key = (loop, row)
        if key not in self.cells:
            self.cells[key] = Cell(loop, row)
        return self.cells[key]

    def add(self, loop: str, row: str, side: str, value: float | None, failure: str = "") -> None:
        cell = self.cell(loop, row)
        getattr(cell, side).append(value if value is not None else math.nan)
        if failure:
            cell.failures.append(f"{side}: {failure}")


# ---------------------------------------------------------------------------
# shared helpers


class _Sink:
    """Counts discarded bytes; notes the moment the last expected byte was counted."""

    __slots__ = ("count", "done_at", "notify", "total")

    def __init__(self, total: int, notify: Callable[[], None]) -> None:
        self.total = total
        self.count = 0
        self.done_at: float | None = None
        self.notify = notify

    def add(self, n: int) -> None:
        self.count += n
        if self.count >= self.total and self.done_at is None:
            self.done_at = time.perf_counter()
            self.notify()


class _Counter:
    __slots__ = ("count", "running")

    def __init__(self) -> None:
        self.count = 0
        self.running = True


def _components_server(mode: str, sink: _Sink | None, observer: ObserverStream | None,
                       server_type: ServerType) -> ServerSocket:
    # a private stream, so a subscriber elsewhere in the process can't tax the plain rows
    server = ServerSocket(name="Bench", address=HOST, port=0, server_type=server_type,
                          observer=observer if observer is not None else ObserverStream())
    if mode == "sink":
        assert sink is not None
        server.on_client_read = lambda s, c: sink.add(len(c.receive_buf(-1)))
    elif mode == "echo":
        server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
    elif mode == "greet":
        server.on_client_connect = lambda s, c: c.send_buf(b"!")
    else:
        raise ValueError(mode)
    server.open()
    return server


# ---------------------------------------------------------------------------
# asyncio side: servers


class _RawProtocol(asyncio.Protocol):
    def __init__(self, owner: _RawAsyncServer) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.owner.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.live.discard(self)


class _RawSinkProtocol(_RawProtocol):
    def data_received(self, data: bytes) -> None:
        self.owner.sink.add(len(data))  # type: ignore[union-attr]


class _RawEchoProtocol(_RawProtocol):
    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]


class _RawGreetProtocol(_RawProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        transport.write(b"!")  # type: ignore[attr-defined]


_RAW_PROTOCOLS: dict[str, type[_RawProtocol]] = {
    "sink": _RawSinkProtocol, "echo": _RawEchoProtocol, "greet": _RawGreetProtocol}


class _RawAsyncServer:
    def __init__(self, sink: _Sink | None) -> None:
        self.sink = sink
        self.live: set[_RawProtocol] = set()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self, mode: str) -> None:
        protocol = _RAW_PROTOCOLS[mode]
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: protocol(self), HOST, 0, backlog=BACKLOG)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for proto in list(self.live):
            if proto.transport is not None:
                proto.transport.close()
        await _settle()


class _ComponentsAsyncServer:
    def __init__(self, sink: _Sink | None, observer: ObserverStream | None) -> None:
        self.sink = sink
        self.observer = observer
        self.server: ServerSocket | None = None
        self.port = 0

    async def start(self, mode: str) -> None:
        self.server = _components_server(mode, self.sink, self.observer, ServerType.NON_BLOCKING)
        self.port = self.server.socket.local_port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        await _settle()


async def _settle() -> None:
    # closed transports release their sockets in callbacks a loop pass or two later
    for _ in range(3):
        await asyncio.sleep(0)
    await asyncio.sleep(0.02)


async def _open_server(impl: str, mode: str, sink: _Sink | None = None,
                       observer: ObserverStream | None = None) -> _RawAsyncServer | _ComponentsAsyncServer:
    server = _RawAsyncServer(sink) if impl == "raw" else _ComponentsAsyncServer(sink, observer)
    try:
        await server.start(mode)
    except BaseException:
        await server.close()
        raise
    return server


# ---------------------------------------------------------------------------
# asyncio side: clients


class _BulkClient(asyncio.Protocol):
    def __init__(self, total: int) -> None:
        self.left = total
        self.paused = False
        self.started = 0.0
        self.transport: asyncio.Transport | None = None
        self.chunk = bytes(CHUNK)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.started = time.perf_counter()
        self._pump()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._pump()

    def _pump(self) -> None:
        transport, chunk = self.transport, self.chunk
        assert transport is not None
        while not self.paused and self.left > 0:
            if self.left >= CHUNK:
                transport.write(chunk)
                self.left -= CHUNK
            else:
                transport.write(chunk[:self.left])
                self.left = 0


class _PingClient(asyncio.Protocol):
    def __init__(self, counter: _Counter, payload: bytes) -> None:
        self.counter = counter
        self.payload = payload
        self.pending = 0
        self.idle = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.payload)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.pending += len(data)
        if self.pending >= MESSAGE:
            self.pending -= MESSAGE
            counter = self.counter
            counter.count += 1
            if counter.running:
                self.transport.write(self.payload)  # type: ignore[union-attr]
            else:
                self.idle = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.idle = True


class _GreetClient(asyncio.Protocol):
    def __init__(self, greeted: asyncio.Future[None], lost: asyncio.Future[None]) -> None:
        self.greeted = greeted
        self.lost = lost

    def data_received(self, data: bytes) -> None:
        if not self.greeted.done():
            self.greeted.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.greeted.done():
            self.greeted.set_exception(ConnectionError("closed before the greeting"))
        if not self.lost.done():
            self.lost.set_result(None)


async def _rate_window(counter: _Counter, settings: Settings) -> float:
    await asyncio.sleep(settings.warmup)
    c0, t0 = counter.count, time.perf_counter()
    await asyncio.sleep(settings.duration)
    c1, t1 = counter.count, time.perf_counter()
    return (c1 - c0) / (t1 - t0)


# ---------------------------------------------------------------------------
# asyncio side: measurements


async def _async_bulk(impl: str, settings: Settings) -> float:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    def finished() -> None:
        if not done.done():
            done.set_result(None)

    sink = _Sink(settings.bulk_bytes, finished)
    server = await _open_server(impl, "sink", sink)
    transport: asyncio.BaseTransport | None = None
    try:
        transport, client = await loop.create_connection(
            lambda: _BulkClient(settings.bulk_bytes), HOST, server.port)
        await asyncio.wait_for(done, BULK_TIMEOUT)
        assert sink.done_at is not None
        return settings.bulk_bytes / (sink.done_at - client.started) / 1e6
    finally:
        if transport is not None:
            transport.close()
        await server.close()


async def _async_pingpong(impl: str, settings: Settings, connections: int,
                          observed: bool = False, recorded: bool = False) -> float:
    if recorded:
        with tempfile.TemporaryDirectory(prefix="bench-record-") as folder:
            tapped = ObserverStream()
            with SessionRecorder(tapped, Path(folder) / "bench.pcapng"):
                return await _async_pingpong_on(impl, settings, connections, tapped, None)
    stream = ObserverStream() if observed else None
    return await _async_pingpong_on(impl, settings, connections, stream,
                                    RecordBuffer(stream) if stream is not None else None)


async def _async_pingpong_on(impl: str, settings: Settings, connections: int, stream: ObserverStream | None,
                             buffer: RecordBuffer | None) -> float:
    loop = asyncio.get_running_loop()
    drainer: asyncio.Task[None] | None = None
    server = await _open_server(impl, "echo", observer=stream)
    counter = _Counter()
    payload = bytes(MESSAGE)
    clients: list[_PingClient] = []
    try:
        if buffer is not None:
            drainer = loop.create_task(_drain_forever(buffer))
        for _ in range(connections):
            _, client = await loop.create_connection(lambda: _PingClient(counter, payload), HOST, server.port)
            clients.append(client)
        return await _rate_window(counter, settings)
    finally:
        counter.running = False
        # let each connection get its last echo, so no side closes with bytes in flight
        deadline = time.monotonic() + TEARDOWN_TIMEOUT
        while not all(c.idle for c in clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for client in clients:
            if client.transport is not None:
                client.transport.close()
        if drainer is not None:
            drainer.cancel()
        await server.close()
        if buffer is not None:
            buffer.close()


async def _drain_forever(buffer: RecordBuffer) -> None:
    while True:
        await asyncio.sleep(OBSERVER_DRAIN_INTERVAL)
        buffer.drain()


async def _async_churn(impl: str, settings: Settings) -> float:
    loop = asyncio.get_running_loop()
    server = await _open_server(impl, "greet")
    counter = _Counter()

    async def connector() -> None:
        while counter.running:
            greeted: asyncio.Future[None] = loop.create_future()
            lost: asyncio.Future[None] = loop.create_future()
            transport, _ = await loop.create_connection(
                functools.partial(_GreetClient, greeted, lost), HOST, server.port)
            try:
                await greeted
            finally:
                transport.close()
            await lost
            counter.count += 1

    tasks = [loop.create_task(connector()) for _ in range(CHURN_CONNECTORS)]
    try:
        window = loop.create_task(_rate_window(counter, settings))
        # connectors only end early by failing, and one failure ends the row at once
        await asyncio.wait([window, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done() and task.exception() is not None:
                window.cancel()
                raise task.exception()  # type: ignore[misc]
        return window.result()
    finally:
        counter.running = False
        _, pending = await asyncio.wait(tasks, timeout=TEARDOWN_TIMEOUT)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=TEARDOWN_TIMEOUT)
        await server.close()


# ---------------------------------------------------------------------------
# threads side: servers


class _RawThreadServer:
    """Plain blocking sockets: an accept loop and one new thread per connection."""

    def __init__(self, mode: str, sink: _Sink | None) -> None:
        self.mode = mode
        self.sink = sink
        self.stopping = False
        self.lock = threading.Lock()
        self.conns: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.lsock.bind((HOST, 0))
            self.lsock.listen(BACKLOG)
        except OSError:
            self.lsock.close()
            raise
        self.port = self.lsock.getsockname()[1]
        self.acceptor = threading.Thread(target=self._accept_loop, name="bench raw accept", daemon=True)
        self.acceptor.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                sock, _ = self.lsock.accept()
            except OSError:
                return  # close() shut the listening socket down
            with self.lock:
                if self.stopping:
                    sock.close()
                    return
                thread = threading.Thread(target=self._serve, args=(sock,), name="bench raw conn",
                                          daemon=True)
                self.conns.add(sock)
                self.threads.add(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        mode, sink = self.mode, self.sink
        try:
            if mode == "greet":
                sock.sendall(b"!")
            while True:
                data = sock.recv(CHUNK)
                if not data:
                    break
                if mode == "echo":
                    sock.sendall(data)
                elif mode == "sink":
                    sink.add(len(data))  # type: ignore[union-attr]
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(sock)
                self.threads.discard(threading.current_thread())
            sock.close()

    def close(self) -> None:
        with self.lock:
            self.stopping = True
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.acceptor.join(TEARDOWN_TIMEOUT)
        self.lsock.close()
        with self.lock:
            # still under the lock: a socket in the set has not been closed by its thread
            for sock in self.conns:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threads = list(self.threads)
        for thread in threads:
            thread.join(TEARDOWN_TIMEOUT)


class _ComponentsThreadServer:
    def __init__(self, mode: str, sink: _Sink | None) -> None:
        self.server = _components_server(mode, sink, None, ServerType.THREAD_BLOCKING)
        self.port = self.server.socket.local_port

    def close(self) -> None:
        self.server.close()


def _open_thread_server(impl: str, mode: str, sink: _Sink | None = None
                        ) -> _RawThreadServer | _ComponentsThreadServer:
    return _RawThreadServer(mode, sink) if impl == "raw" else _ComponentsThreadServer(mode, sink)


# ---------------------------------------------------------------------------
# threads side: clients and measurements


class _ClientThreads:
    """Blocking client threads; teardown can wake any of them by shutting its socket."""

    def __init__(self) -> None:
        self.counter = _Counter()
        self.lock = threading.Lock()
        self.socks: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def connect(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with self.lock:
            self.socks.add(sock)
        try:
            sock.connect((HOST, port))
        except OSError:
            self.release(sock)
            raise
        return sock

    def release(self, sock: socket.socket) -> None:
        with self.lock:
            self.socks.discard(sock)
        sock.close()

    def start(self, count: int, target: Callable[[], None]) -> None:
        def guarded() -> None:
            try:
                target()
            except BaseException as exc:
                self.errors.append(exc)
                self.counter.running = False

        for i in range(count):
            thread = threading.Thread(target=guarded, name=f"bench client {i}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self.counter.running = False
        deadline = time.monotonic() + TEARDOWN_TIMEOUT
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self.lock:
            for sock in self.socks:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self.threads:
            thread.join(TEARDOWN_TIMEOUT)
        with self.lock:
            leftovers, self.socks = list(self.socks), set()
        for sock in leftovers:
            sock.close()

    def check(self) -> None:
        if self.errors:
            raise self.errors[0]

    def rate(self, settings: Settings) -> float:
        counter = self.counter
        _sleep_unless_failed(self, settings.warmup)
        c0, t0 = counter.count, time.perf_counter()
        _sleep_unless_failed(self, settings.duration)
        c1, t1 = counter.count, time.perf_counter()
        self.check()
        return (c1 - c0) / (t1 - t0)


def _sleep_unless_failed(clients: _ClientThreads, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while not clients.errors:
        left = end - time.perf_counter()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))


def _recv_exactly(sock: socket.socket, view: memoryview) -> None:
    got, size = 0, len(view)
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise ConnectionError("the server closed mid-message")
        got += n


def _thread_bulk(impl: str, settings: Settings) -> float:
    done = threading.Event()
    sink = _Sink(settings.bulk_bytes, done.set)
    server = _open_thread_server(impl, "sink", sink)
    clients = _ClientThreads()
    started: list[float] = []
    try:
        def send_all() -> None:
            sock = clients.connect(server.port)
            try:
                chunk = bytes(CHUNK)
                left = settings.bulk_bytes
                started.append(time.perf_counter())
                while left > 0 and clients.counter.running:
                    n = min(left, CHUNK)
                    sock.sendall(chunk if n == CHUNK else chunk[:n])
                    left -= n
                done.wait(BULK_TIMEOUT)  # keep the connection open until everything is counted
            finally:
                clients.release(sock)

        clients.start(1, send_all)
        end = time.monotonic() + BULK_TIMEOUT
        while not done.wait(0.1):
            clients.check()
            if time.monotonic() > end:
                raise TimeoutError(f"bulk transfer not counted within {BULK_TIMEOUT:g} s")
        assert sink.done_at is not None
        return settings.bulk_bytes / (sink.done_at - started[0]) / 1e6
    finally:
        done.set()
        clients.stop()
        server.close()


def _thread_pingpong(impl: str, settings: Settings, connections: int) -> float:
    server = _open_thread_server(impl, "echo")
    clients = _ClientThreads()
    try:
        def ping() -> None:
            sock = clients.connect(server.port)
            try:
                payload = bytes(MESSAGE)
                view = memoryview(bytearray(MESSAGE))
                counter = clients.counter
                while counter.running:
                    sock.sendall(payload)
                    _recv_exactly(sock, view)
                    counter.count += 1  # racy across threads: a lost increment is noise, not a bias
            finally:
                clients.release(sock)

        clients.start(connections, ping)
        return clients.rate(settings)
    finally:
        clients.stop()
        server.close()


def _thread_churn(impl: str, settings: Settings) -> float:
    server = _open_thread_server(impl, "greet")
    clients = _ClientThreads()
    try:
        def churn() -> None:
            counter = clients.counter
            while counter.running:
                sock = clients.connect(server.port)
                try:
                    if sock.recv(1) != b"!":
                        raise ConnectionError("no greeting")
                finally:
                    clients.release(sock)
                counter.count += 1

        clients.start(CHURN_CONNECTORS, churn)
        return clients.rate(settings)
    finally:
        clients.stop()
        server.close()


# ---------------------------------------------------------------------------
# running the suites


def _order(run_index: int, row_index: int) -> tuple[str, str]:
    return ("raw", "components") if (run_index + row_index) % 2 == 0 else ("components", "raw")


class _Samples:
    """One run's measurements of one row: a median per side, or the first failure."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {"raw": [], "components": []}
        self.failures: dict[str, str] = {}

    def failed(self, impl: str, exc: Exception) -> None:
        self.failures.setdefault(impl, f"{type(exc).__name__}: {exc}")

    def store(self, results: Results, loop_name: str, row: str) -> None:
        for impl in ("components", "raw"):
            values = self.values[impl]
            if impl in self.failures or not values:
                results.add(loop_name, row, impl, None, self.failures.get(impl, "no sample"))
            else:
                results.add(loop_name, row, impl, statistics.median(values))


def _repeats(row: str) -> int:
    return BULK_REPEATS if row == BULK else 1


def _async_plan(groups: Sequence[str], settings: Settings
                ) -> list[tuple[str, Callable[[str], Coroutine[Any, Any, float]]]]:
    plan: list[tuple[str, Callable[[str], Coroutine[Any, Any, float]]]] = []
    if "bulk" in groups:
        plan.append((BULK, lambda impl: _async_bulk(impl, settings)))
    if "pingpong" in groups:
        plan.append((PP1, lambda impl: _async_pingpong(impl, settings, 1)))
        plan.append((PP16, lambda impl: _async_pingpong(impl, settings, MANY_CONNECTIONS)))
    if "churn" in groups:
        plan.append((CHURN, lambda impl: _async_churn(impl, settings)))
    return plan


async def _async_suite(loop_name: str, groups: Sequence[str], settings: Settings, run_index: int,
                       results: Results, loop_problems: list[str]) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _loop, ctx: loop_problems.append(f"{loop_name}: {ctx.get('message')} {ctx.get('exception')!r}"))
    for row_index, (row, measure) in enumerate(_async_plan(groups, settings)):
        samples = _Samples()
        for repeat in range(_repeats(row)):
            for impl in _order(run_index + repeat, row_index):
                gc.collect()
                try:
                    samples.values[impl].append(await measure(impl))
                except Exception as exc:
                    samples.failed(impl, exc)
        samples.store(results, loop_name, row)
    if "pingpong" in groups:
        for row, option in ((PP1_OBSERVED, "observed"), (PP1_RECORDED, "recorded")):
            gc.collect()
            try:
                value = await _async_pingpong("components", settings, 1, **{option: True})
            except Exception as exc:
                results.add(loop_name, row, "components", None, f"{type(exc).__name__}: {exc}")
            else:
                results.add(loop_name, row, "components", value)
            # the raw side of this row is the plain raw ping-pong of the same run: measuring it
            # again would add a window per loop and run for nothing
            plain_raw = results.cell(loop_name, PP1).raw
            results.add(loop_name, row, "raw", plain_raw[-1] if plain_raw else None)
    if "protocols" in groups:
        from bench.protocols import protocols_suite  # it builds on this module's helpers

        await protocols_suite(loop_name, settings, run_index, results, quick=settings is QUICK)
    if "tls" in groups:
        from bench.tls import tls_suite  # it builds on this module's helpers too

        await tls_suite(loop_name, settings, run_index, results, quick=settings is QUICK)


def _thread_suite(settings: Settings, run_index: int, results: Results) -> None:
    plan: list[tuple[str, Callable[[str], float]]] = [
        (BULK, lambda impl: _thread_bulk(impl, settings)),
        (PP1, lambda impl: _thread_pingpong(impl, settings, 1)),
        (PP16, lambda impl: _thread_pingpong(impl, settings, MANY_CONNECTIONS)),
        (CHURN, lambda impl: _thread_churn(impl, settings)),
    ]
    for row_index, (row, measure) in enumerate(plan):
        samples = _Samples()
        for repeat in range(_repeats(row)):
            for impl in _order(run_index + repeat, row_index):
                gc.collect()
                try:
                    samples.values[impl].append(measure(impl))
                except Exception as exc:
                    samples.failed(impl, exc)
        samples.store(results, "threads", row)


@contextlib.contextmanager
def _one_core(enabled: bool) -> Iterator[int | None]:
    """Pin this thread, and so every thread it starts, to one CPU while the block runs."""
    try:
        before = os.sched_getaffinity(0)
    except AttributeError:  # not Linux
        yield None
        return
    if not enabled or len(before) < 2:
        yield None
        return
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def _steady_malloc() -> None:
    """Put glibc's malloc in the state a long-running process ends up in anyway.

    CPython's ``sock.recv(n)`` allocates an n-byte object and shrinks it to what
    arrived; asyncio reads with n = 256 KiB, above glibc's initial 128 KiB mmap
    threshold, so each read costs mmap + mremap + munmap + a page fault until
    some free() of a large mmapped block raises that (dynamic) threshold. A
    process flips from one mode to the other at a moment that depends on its
    allocation history (even on the length of its argv or environment): raw
    asyncio ping-pong runs at 22k msg/s before and 66k after (strace: 3 extra
    syscalls per recv). Freeing one 1 MiB block now raises the threshold for
    good, so raw and components are measured in the same, steady state.
    """
    block = bytes(1 << 20)
    del block


def _run_on_loop(loop_name: str, coro: Coroutine[Any, Any, None]) -> None:
    if loop_name == "asyncio":
        with asyncio.Runner() as runner:
            runner.run(coro)
    elif loop_name == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(coro)
    elif loop_name == "qasync":
        import qasync

        app = _qt_app()
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(coro)
        finally:
            # the loop's notifiers and timers are QObjects: free them here, on this thread
            gc.collect()
    else:
        raise ValueError(loop_name)


def _qt_app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    return QCoreApplication.instance() or QApplication([])


def _available_loops(wanted: Sequence[str], notes: list[str]) -> list[str]:
    loops = []
    for name in wanted:
        if name == "uvloop":
            try:
                import uvloop  # noqa: F401
            except ImportError:
                notes.append("uvloop is not installed: its rows are skipped")
                continue
        elif name == "qasync":
            try:
                import PySide6  # noqa: F401
                import qasync  # noqa: F401
            except ImportError:
                notes.append("qasync or PySide6 is not installed: its rows are skipped")
                continue
        loops.append(name)
    return loops


def _context() -> dict[str, Any]:
    from importlib import metadata

    versions: dict[str, str] = {}
    for dist in ("uvloop", "qasync", "PySide6-Essentials"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        **versions,
    }


# ---------------------------------------------------------------------------
# reporting


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value < 10:  # a timer's interval in ms: 1.02 says more than 1.0
        return f"{value:.2f}"
    return f"{value:.1f}"


def _table(results: Results) -> list[str]:
    header = ("loop", "row", "components", "raw", "ratio", "target", "status")
    rows = []
    for cell in results.cells.values():
        unit = cell.unit
        comp, raw = cell.median("components"), cell.median("raw")
        ratio = cell.ratio
        rows.append((
            cell.loop, cell.row,
            f"{_fmt(comp)} {unit}", f"{_fmt(raw)} {unit}",
            "-" if ratio is None else f"{ratio:.2f}",
            "-" if cell.target is None else f"{cell.target:.1f}",
            cell.status))
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    right = {2, 3, 4, 5}

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.rjust(w) if i in right else v.ljust(w)
                          for i, (v, w) in enumerate(zip(values, widths, strict=True)))

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return out


def _observer_notes(results: Results) -> list[str]:
    notes = []
    what = {PP1_OBSERVED: "subscribing an observer", PP1_RECORDED: "recording every byte to pcapng"}
    for (loop, row), cell in results.cells.items():
        if row not in what:
            continue
        plain = results.cells.get((loop, PP1))
        observed = cell.median("components")
        unobserved = plain.median("components") if plain is not None else None
        if observed and unobserved:
            notes.append(f"{loop}: {what[row]} takes ping-pong 1 conn from "
                         f"{unobserved:,.0f} to {observed:,.0f} msg/s ({observed / unobserved - 1:+.0%})")
    return notes


def _parse_list(text: str, allowed: Sequence[str], what: str) -> list[str]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none)'}; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socket-workbench bench",
        description="Measure the socket components against raw asyncio/threads servers "
                    "doing the same work, on the same loop, in one run.")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per cell, the table shows medians (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and durations, under 15 s in all (a smoke test; the numbers "
                             "mean little)")
    parser.add_argument("--loops", type=lambda t: _parse_list(t, ALL_LOOPS, "loop"),
                        default=list(ALL_LOOPS), help="comma list of asyncio,uvloop,qasync")
    parser.add_argument("--only", type=lambda t: _parse_list(t, ALL_GROUPS, "row group"),
                        default=list(ALL_GROUPS),
                        help="comma list of bulk,pingpong,churn,threads,protocols,tls,run,gui (protocols: "
                             "framing's cost and the repeat timer, bench/protocols.py; tls: bulk and "
                             "ping-pong over TLS against a raw asyncio TLS server, bench/tls.py; run: "
                             "`socket-workbench run` with its output on against a raw echo process; gui: the real "
                             "workbench window serving, against headless servers; see bench/gui.py)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--no-pin", action="store_true",
                        help="let the threads rows use every core (by default they share one: "
                             "cross-core wake-ups otherwise swing them 2-4x from run to run)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad argument (argparse printed why)
        return int(exc.code or 0)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.runs < 1:
        print("--runs must be at least 1", file=sys.stderr)
        return 2
    settings = QUICK if args.quick else FULL
    notes: list[str] = []
    groups: list[str] = args.only
    async_groups = [g for g in groups if g not in ("threads", "run", "gui")]
    loops = _available_loops(args.loops, notes) if async_groups else []

    context = _context()
    print(f"machine: Python {context['python']} ({context['implementation']}), "
          f"uvloop {context['uvloop']}, qasync {context['qasync']}, "
          f"PySide6 {context['PySide6-Essentials']}, {context['usable_cores']} usable cores "
          f"(cpu_count {context['cpu_count']}), {context['platform']}")
    print(f"settings: {'quick' if args.quick else 'full'}; bulk {settings.bulk_label} in "
          f"{CHUNK // 1024} KiB writes (median of {BULK_REPEATS} per run); rates over "
          f"{settings.duration:g} s after {settings.warmup:g} s warm-up; {args.runs} run(s), medians; "
          f"client and server share one loop / process; malloc's mmap threshold raised first"
          + ("" if "threads" not in groups else
             "; threads rows on all cores" if args.no_pin else "; threads rows pinned to one core"),
          flush=True)

    results = Results()
    loop_problems: list[str] = []
    engine_errors: list[str] = []
    previous_hook = set_error_hook(lambda err: engine_errors.append(str(err)))
    began = time.monotonic()
    _steady_malloc()
    try:
        for run_index in range(args.runs):
            for loop_name in loops:
                t0 = time.monotonic()
                _run_on_loop(loop_name, _async_suite(loop_name, async_groups, settings, run_index,
                                                     results, loop_problems))
                print(f"  run {run_index + 1}/{args.runs} {loop_name}: {time.monotonic() - t0:.1f} s",
                      flush=True)
            if "threads" in groups:
                t0 = time.monotonic()
                with _one_core(not args.no_pin):
                    _thread_suite(settings, run_index, results)
                print(f"  run {run_index + 1}/{args.runs} threads: {time.monotonic() - t0:.1f} s", flush=True)
        gui = None
        if "gui" in groups:
            gui = _gui_section(args.quick, args.runs)
    finally:
        set_error_hook(previous_hook)

    run_ok = True
    if "run" in groups:
        from bench import runner

        t0 = time.monotonic()
        run_lines, run_ok = runner.report(runner.QUICK if args.quick else runner.FULL, args.runs)
        print(f"  run group: {time.monotonic() - t0:.1f} s", flush=True)

    if results.cells:
        print()
        for line in _table(results):
            print(line)
        print("\nratio = components / raw (medians); target 0.9 for bulk, 0.8 otherwise.")
    if "run" in groups:
        print()
        for line in run_lines:
            print(line)
    if gui is not None:
        from bench.gui import report

        print("\ngui: the workbench window (this process) against headless servers, one load process")
        for line in report(gui):
            print(line)
    print(f"Total {time.monotonic() - began:.0f} s.")
    notes.extend(_observer_notes(results))
    for cell in results.cells.values():
        for failure in cell.failures:
            notes.append(f"{cell.loop} / {cell.row} failed: {failure}")
    if engine_errors:
        notes.append(f"the engine reported {len(engine_errors)} error(s), first: {engine_errors[0]}")
    if loop_problems:
        notes.append(f"the loop reported {len(loop_problems)} problem(s), first: {loop_problems[0]}")
    for note in notes:
        print(f"note: {note}")

    if args.json:
        payload = {
            "context": context,
            "settings": {"quick": args.quick, "runs": args.runs, "bulk_bytes": settings.bulk_bytes,
                         "warmup_s": settings.warmup, "duration_s": settings.duration,
                         "chunk": CHUNK, "message": MESSAGE, "churn_connectors": CHURN_CONNECTORS},
            "rows": [cell.as_json() for cell in results.cells.values()],
            "gui": gui.as_json() if gui is not None else None,
            "notes": notes,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, allow_nan=False)
    failed = any(cell.status == "FAILED" for cell in results.cells.values()) or not run_ok
    return 1 if failed or (gui is not None and gui.failed) else 0


def _gui_section(quick: bool, runs: int) -> Any:
    try:
        import PySide6  # noqa: F401
        import qasync  # noqa: F401
    except ImportError:
        print("  gui: PySide6 or qasync is not installed: the section is skipped", flush=True)
        return None
    from bench.gui import run_gui_bench

    t0 = time.monotonic()
    results = run_gui_bench(quick, runs, lambda text: print(f"  gui: {text} ({time.monotonic() - t0:.0f} s)",
                                                               flush=True))
    print(f"  gui: {time.monotonic() - t0:.1f} s", flush=True)
    return results

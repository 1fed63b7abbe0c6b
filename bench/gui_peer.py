"""The other processes of the ``gui`` bench section: baseline echo servers and the load.

``bench/gui.py`` runs the real workbench window in its own process and starts
these as child processes, so that the GUI process pays only for the server side
and every server is driven by the same load generator:

``python -m bench.gui_peer serve KIND FORM COMPONENT``
    an echo server on 127.0.0.1, port chosen by the system, where KIND is
    ``asyncio`` or ``uvloop`` (a bare Protocol that writes back what it reads:
    the least a server can do) or ``engine`` (FORM's ServerSocket, built as the
    workbench and ``run`` build it, on plain asyncio, its records drained by a
    RecordBuffer every 40 ms as the GUI's feeder does: the engine, headless).
    Prints ``{"port": P}``, then answers commands on stdin, one per line:
    ``wait N`` prints ``{"reached": T}`` once N connections are open (T is the
    ``time.monotonic()`` of the accept that made N, a clock every process on
    the machine shares); ``wait_none`` prints ``{"none": T}`` once none is
    open; ``quit`` or end of input stops it.

``python -m bench.gui_peer load JOB``
    the load generator (on uvloop when installed, else asyncio; the same for
    every server), JOB a JSON object whose ``kind`` is ``pingpong``, ``bulk``,
    ``churn``, ``flood`` or ``idle``. Prints JSON lines; the last one is the
    result. ``idle`` talks with the caller: it prints ``{"t0": T}`` before its
    first connect and ``{"connected": N}`` when all are open, waits for ``probe``
    on stdin, prints the probe's result, and closes everything on ``close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
CHUNK = 256 * 1024
DRAIN_INTERVAL = 0.04  # the GUI feeder's tick
#: Connects in flight at once while opening idle connections.
CONNECT_CONCURRENCY = 256


def _say(**values: Any) -> None:
    sys.stdout.write(json.dumps(values) + "\n")
    sys.stdout.flush()


async def _stdin_lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def _new_loop(kind: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


# ---------------------------------------------------------------------------
# servers


class _Connections:
    """Counts open connections and tells a waiter when a number is reached."""

    def __init__(self) -> None:
        self.count = 0
        self.wanted: int | None = None
        self.none_wanted = False

    def opened(self) -> None:
        self.count += 1
        if self.wanted is not None and self.count >= self.wanted:
            self.wanted = None
            _say(reached=time.monotonic())

    def closed(self) -> None:
        self.count -= 1
        if self.none_wanted and not self.count:
            self.none_wanted = False
            _say(none=time.monotonic())

    def wait_none(self) -> None:
        if self.count:
            self.none_wanted = True
        else:
            _say(none=time.monotonic())

    def wait_for(self, n: int) -> None:
        if self.count >= n:
            _say(reached=time.monotonic())
        else:
            self.wanted = n


class _Echo(asyncio.Protocol):
    def __init__(self, conns: _Connections) -> None:
        self.conns = conns
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.conns.opened()

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.conns.closed()


async def _serve_raw(conns: _Connections) -> Callable[[], None]:
    from components.server_socket import BACKLOG

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Echo(conns), HOST, 0, backlog=BACKLOG)
    _say(port=server.sockets[0].getsockname()[1])
    return server.close


async def _serve_engine(conns: _Connections, form: str, name: str) -> Callable[[], None]:
    from app.core.file_access import FileAccess
    from app.core.form_document import FormDocument
    from app.core.form_runtime import bind_all, create_component
    from app.core.gc_tuning import freeze_startup_objects, tune_for_events
    from components import ObserverStream, RecordBuffer, ServerSocket

    document = FormDocument.load(form)
    [entry] = [e for e in document.components if e.name == name]
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    server = create_component(entry, stream)
    assert isinstance(server, ServerSocket)
    bind_all(server, entry, None, FileAccess.for_form(Path(form), True, ""))
    # count connections the way the raw servers do: wrap the bound handlers
    connect, disconnect = server.on_client_connect, server.on_client_disconnect

    def on_connect(sender: Any, conn: Any) -> None:
        conns.opened()
        if connect is not None:
            connect(sender, conn)

    def on_disconnect(sender: Any, conn: Any) -> None:
        conns.closed()
        if disconnect is not None:
            disconnect(sender, conn)

    server.on_client_connect = on_connect
    server.on_client_disconnect = on_disconnect

    async def drain() -> None:
        while True:
            await asyncio.sleep(DRAIN_INTERVAL)
            buffer.drain()

    task = asyncio.get_running_loop().create_task(drain())
    tune_for_events()  # as `socket-workbench run` does: the headless product, not the bare engine
    freeze_startup_objects()
    server.open()
    _say(port=server.socket.local_port)

    def close() -> None:
        task.cancel()
        server.close()
        buffer.close()

    return close


async def _serve(kind: str, form: str, name: str) -> None:
    conns = _Connections()
    close = await (_serve_engine(conns, form, name) if kind == "engine" else _serve_raw(conns))
    try:
        commands = await _stdin_lines()
        while True:
            line = (await commands.readline()).decode().split()
            if not line or line[0] == "quit":
                return
            if line[0] == "wait":
                conns.wait_for(int(line[1]))
            elif line[0] == "wait_none":
                conns.wait_none()
    finally:
        close()
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------------
# load


class _Ping(asyncio.Protocol):
    def __init__(self, payload: bytes, counter: list[int], running: list[bool]) -> None:
        self.payload = payload
        self.pending = 0
        self.counter = counter
        self.running = running
        self.transport: asyncio.Transport | None = None
        self.idle: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.payload)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.pending += len(data)
        size = len(self.payload)
        if self.pending >= size:
            self.pending -= size
            self.counter[0] += 1
            if self.running[0]:
                self.transport.write(self.payload)  # type: ignore[union-attr]
            elif not self.idle.done():
                self.idle.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.idle.done():
            self.idle.set_result(None)


async def _window(counter: list[int], warmup: float, duration: float) -> float:
    await asyncio.sleep(warmup)
    c0, t0 = counter[0], time.perf_counter()
    await asyncio.sleep(duration)
    return (counter[0] - c0) / (time.perf_counter() - t0)


async def _pingpong(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    counter, running = [0], [True]
    payload = bytes(job.get("size", 1024))
    clients: list[_Ping] = []
    try:
        for _ in range(job["conns"]):
            _, client = await loop.create_connection(
                lambda: _Ping(payload, counter, running), HOST, job["port"])
            clients.append(client)
        rate = await _window(counter, job["warmup"], job["duration"])
    finally:
        running[0] = False
        if clients:
            await asyncio.wait([c.idle for c in clients], timeout=5)
        for c in clients:
            if c.transport is not None:
                c.transport.close()
    return {"rate": rate}


class _Bulk(asyncio.Protocol):
    """Writes ``total`` bytes (flow controlled) and counts the echo until all came back."""

    def __init__(self, total: int) -> None:
        loop = asyncio.get_running_loop()
        self.left = total
        self.total = total
        self.received = 0
        self.paused = False
        self.started = 0.0
        self.done: asyncio.Future[float] = loop.create_future()
        self.chunk = bytes(CHUNK)
        self.transport: asyncio.Transport | None = None

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
        transport = self.transport
        assert transport is not None
        while not self.paused and self.left > 0:
            n = min(self.left, CHUNK)
            transport.write(self.chunk if n == CHUNK else self.chunk[:n])
            self.left -= n

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.received >= self.total and not self.done.done():
            self.done.set_result(time.perf_counter())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(ConnectionError(f"closed after {self.received} of {self.total} bytes"))


async def _bulk(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_connection(lambda: _Bulk(job["bytes"]), HOST, job["port"])
    try:
        ended = await asyncio.wait_for(client.done, job.get("timeout", 120))
    finally:
        transport.close()
    return {"rate": job["bytes"] / (ended - client.started) / 1e6}


class _Churn(asyncio.Protocol):
    def __init__(self, echoed: asyncio.Future[None], lost: asyncio.Future[None]) -> None:
        self.echoed, self.lost = echoed, lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(b"!")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if not self.echoed.done():
            self.echoed.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.echoed.done():
            self.echoed.set_exception(ConnectionError("closed before the echo"))
        if not self.lost.done():
            self.lost.set_result(None)


async def _churn(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    counter, running = [0], [True]

    async def connector() -> None:
        while running[0]:
            echoed, lost = loop.create_future(), loop.create_future()
            transport, _ = await loop.create_connection(functools.partial(_Churn, echoed, lost), HOST, job["port"])
            try:
                await echoed
            finally:
                transport.close()
            await lost
            counter[0] += 1

    tasks = [loop.create_task(connector()) for _ in range(job["connectors"])]
    window = loop.create_task(_window(counter, job["warmup"], job["duration"]))
    try:
        await asyncio.wait([window, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done() and task.exception() is not None:
                window.cancel()
                raise task.exception()  # type: ignore[misc]
        return {"rate": window.result()}
    finally:
        running[0] = False
        await asyncio.wait(tasks, timeout=5)


class _Flood(asyncio.Protocol):
    """Writes lines as fast as flow control lets it until told to stop; counts what comes back."""

    def __init__(self, line: bytes, running: list[bool]) -> None:
        self.block = line * max(1, 16384 // len(line))
        self.lines_per_block = len(self.block) // len(line)
        self.running = running
        self.sent_lines = 0
        self.received = 0
        self.paused = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        asyncio.get_running_loop().call_soon(self.pump)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        asyncio.get_running_loop().call_soon(self.pump)

    def pump(self) -> None:
        if self.paused or not self.running[0] or self.transport is None or self.transport.is_closing():
            return
        self.transport.write(self.block)
        self.sent_lines += self.lines_per_block
        asyncio.get_running_loop().call_soon(self.pump)  # let reads in between writes

    def data_received(self, data: bytes) -> None:
        self.received += len(data)


async def _flood(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    running = [True]
    line = b"x" * (job["line"] - 1) + b"\n"
    clients: list[_Flood] = []
    try:
        for _ in range(job["clients"]):
            _, client = await loop.create_connection(lambda: _Flood(line, running), HOST, job["port"])
            clients.append(client)
        await asyncio.sleep(job["duration"])
        running[0] = False
        # what is still buffered goes out before the connection closes (close() flushes)
    finally:
        running[0] = False
        for c in clients:
            if c.transport is not None:
                c.transport.close()
        await asyncio.sleep(0.05)
    return {"sent_lines": sum(c.sent_lines for c in clients),
            "received": sum(c.received for c in clients)}


class _Idle(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]


class _Probe(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.want = 0
        self.got = 0
        self.back: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def ask(self, payload: bytes) -> asyncio.Future[None]:
        self.back = asyncio.get_running_loop().create_future()
        self.want, self.got = len(payload), 0
        self.transport.write(payload)  # type: ignore[union-attr]
        return self.back

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= self.want and self.back is not None and not self.back.done():
            self.back.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.back is not None and not self.back.done():
            self.back.set_exception(ConnectionError("the probe's connection closed"))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _idle(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    commands = await _stdin_lines()
    transports: list[asyncio.Transport] = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect() -> None:
        async with gate:
            transport, _ = await loop.create_connection(_Idle, HOST, job["port"])
            transports.append(transport)

    try:
        _say(t0=time.monotonic())
        results = await asyncio.gather(*(connect() for _ in range(job["conns"])), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        _say(connected=len(transports), failed=len(failures),
             first_failure=repr(failures[0]) if failures else "")
        if (await commands.readline()).strip() != b"probe":
            return {"aborted": True}
        probe_transport, probe = await loop.create_connection(_Probe, HOST, job["port"])
        transports.append(probe_transport)
        payload = bytes(job.get("size", 64))
        rtts: list[float] = []
        for _ in range(job["probes"]):
            t = time.perf_counter()
            await asyncio.wait_for(probe.ask(payload), 10)
            rtts.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(job.get("gap", 0.001))
        _say(p50_ms=_percentile(rtts, 50), p99_ms=_percentile(rtts, 99), max_ms=max(rtts))
        await commands.readline()  # "close"
        return {"closed": True}
    finally:
        for idle in transports:
            idle.abort()
        await asyncio.sleep(0.05)


_JOBS = {"pingpong": _pingpong, "bulk": _bulk, "churn": _churn, "flood": _flood, "idle": _idle}


async def _load(job: dict[str, Any]) -> None:
    try:
        result = await _JOBS[job["kind"]](job)
    except Exception as exc:  # reported to the caller, which marks the row failed
        _say(error=f"{type(exc).__name__}: {exc}")
        return
    _say(**result)


def main(argv: list[str] | None = None) -> int:
    from app.core.file_limit import raise_file_limit

    args = sys.argv[1:] if argv is None else argv
    raise_file_limit()
    if len(args) == 4 and args[0] == "serve" and args[1] in ("asyncio", "uvloop", "engine"):
        with asyncio.Runner(loop_factory=_new_loop(args[1])) as runner, contextlib.suppress(KeyboardInterrupt):
            runner.run(_serve(args[1], args[2], args[3]))
        return 0
    if len(args) == 2 and args[0] == "load":
        from app.core.engine_thread import engine_loop_factory

        with asyncio.Runner(loop_factory=engine_loop_factory()) as runner:  # uvloop where installed
            runner.run(_load(json.loads(args[1])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

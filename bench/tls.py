"""TLS rows of ``socket-workbench bench`` (``--only tls``): what the components cost over TLS.

The same work as the plain bulk and 1-connection ping-pong rows, with TLS on both
ends, on the same loop in the same run:

* components: a ServerSocket with TLS = True, CertFile / KeyFile made by the
  certificate generator (app.core.certificates) in a temporary folder;
* raw: an asyncio server created with ``ssl=`` the same certificate and key (asyncio's
  own TLS transport, with the same sink / echo protocols as the plain raw rows).

The client is the same asyncio TLS client for both (it trusts the generated CA and
verifies the name ``localhost``). Bulk: the client writes ``TLS_BULK`` bytes in 256 KiB
writes, the server reads and discards; MB/s until the server has counted every byte
(the handshake is before the clock starts). Ping-pong: 1 KiB request, wait for the
1 KiB echo, repeat; msg/s after a warm-up. The encryption is most of the work, so the
ratio is what the engine adds on top of asyncio's TLS transport.
"""

from __future__ import annotations

import asyncio
import gc
import ssl
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.certificates import CertificateFiles, generate
from bench.engine import (
    BULK_TIMEOUT,
    HOST,
    MESSAGE,
    TARGETS,
    TEARDOWN_TIMEOUT,
    UNITS,
    Results,
    Settings,
    _BulkClient,
    _Counter,
    _order,
    _PingClient,
    _rate_window,
    _RawEchoProtocol,
    _RawProtocol,
    _RawSinkProtocol,
    _Samples,
    _settle,
    _Sink,
)
from components import ObserverStream, ServerSocket, ServerType

TLS_BULK = "TLS bulk"
TLS_PP1 = "TLS ping-pong 1 conn"
#: bytes per TLS bulk transfer (full run, quick run): TLS runs at a fraction of plain TCP's rate
TLS_BULK_BYTES = (256 * 1024 * 1024, 16 * 1024 * 1024)

TARGETS[TLS_BULK] = 0.9
TARGETS[TLS_PP1] = 0.8
UNITS[TLS_BULK] = "MB/s"
UNITS[TLS_PP1] = "msg/s"


@dataclass(frozen=True)
class Pki:
    files: CertificateFiles
    server: ssl.SSLContext
    client: ssl.SSLContext


def make_pki(folder: Path) -> Pki:
    """Generated certificates in ``folder``, and the raw sides' contexts for them."""
    files = generate(folder)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.cert_file, files.key_file)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cafile=str(files.ca_file))
    return Pki(files, server, client)


class _Server:
    """The raw asyncio TLS server or the TLS ServerSocket, sinking or echoing."""

    def __init__(self, impl: str, pki: Pki, sink: _Sink | None) -> None:
        self.impl = impl
        self.pki = pki
        self.sink = sink
        self.live: set[_RawProtocol] = set()
        self.raw: asyncio.AbstractServer | None = None
        self.component: ServerSocket | None = None
        self.port = 0

    async def start(self, mode: str) -> None:
        if self.impl == "raw":
            protocol = _RawSinkProtocol if mode == "sink" else _RawEchoProtocol
            loop = asyncio.get_running_loop()
            self.raw = await loop.create_server(lambda: protocol(self), HOST, 0,  # type: ignore[arg-type]
                                                ssl=self.pki.server)
            self.port = self.raw.sockets[0].getsockname()[1]
            return
        server = ServerSocket(name="Bench", address=HOST, port=0, server_type=ServerType.NON_BLOCKING,
                              observer=ObserverStream(), tls=True, cert_file=str(self.pki.files.cert_file),
                              key_file=str(self.pki.files.key_file))
        sink = self.sink
        if mode == "sink":
            assert sink is not None
            server.on_client_read = lambda s, c: sink.add(len(c.receive_buf(-1)))
        else:
            server.on_client_read = lambda s, c: c.send_buf(c.receive_buf(-1))
        server.open()
        self.component = server
        self.port = server.socket.local_port

    async def close(self) -> None:
        if self.raw is not None:
            self.raw.close()
        for proto in list(self.live):
            if proto.transport is not None:
                proto.transport.close()
        if self.component is not None:
            self.component.close()
        await _settle()


async def tls_bulk(impl: str, pki: Pki, total: int) -> float:
    """MB/s of one TLS connection writing ``total`` bytes to a sinking server."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def finished() -> None:
        if not done.done():
            done.set_result(None)

    sink = _Sink(total, finished)
    server = _Server(impl, pki, sink)
    transport: asyncio.BaseTransport | None = None
    try:
        await server.start("sink")
        transport, client = await loop.create_connection(
            lambda: _BulkClient(total), HOST, server.port, ssl=pki.client, server_hostname="localhost")
        await asyncio.wait_for(done, BULK_TIMEOUT)
        assert sink.done_at is not None
        return total / (sink.done_at - client.started) / 1e6
    finally:
        if transport is not None:
            transport.close()
        await server.close()


async def tls_pingpong(impl: str, pki: Pki, settings: Settings) -> float:
    """msg/s of the 1 KiB ping-pong over one TLS connection."""
    loop = asyncio.get_running_loop()
    server = _Server(impl, pki, None)
    counter = _Counter()
    client: _PingClient | None = None
    try:
        await server.start("echo")
        _, client = await loop.create_connection(lambda: _PingClient(counter, bytes(MESSAGE)), HOST, server.port,
                                                 ssl=pki.client, server_hostname="localhost")
        return await _rate_window(counter, settings)
    finally:
        counter.running = False
        deadline = time.monotonic() + TEARDOWN_TIMEOUT
        while client is not None and not client.idle and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        if client is not None and client.transport is not None:
            client.transport.close()
        await server.close()


async def tls_suite(loop_name: str, settings: Settings, run_index: int, results: Results, quick: bool) -> None:
    """Measure the TLS rows on the running loop; add them to ``results``."""
    total = TLS_BULK_BYTES[1 if quick else 0]
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as folder:
        pki = make_pki(Path(folder))
        def measure(row: str, impl: str) -> Coroutine[Any, Any, float]:
            return tls_bulk(impl, pki, total) if row == TLS_BULK else tls_pingpong(impl, pki, settings)

        for row_index, row in enumerate((TLS_BULK, TLS_PP1)):
            samples = _Samples()
            for impl in _order(run_index, row_index):
                gc.collect()
                try:
                    samples.values[impl].append(await measure(row, impl))
                except Exception as exc:
                    samples.failed(impl, exc)
            samples.store(results, loop_name, row)

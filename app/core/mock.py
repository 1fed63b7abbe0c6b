"""``socket-workbench mock CAPTURE --listen [HOST:]PORT``: a capture's server side served to
the clients that connect.

The k-th client that connects is served the k-th selected stream (after the last, the first
again). For each exchange of that stream the mock waits for the bytes the client sent in the
recording (compared as replay compares replies: the match file's byte ranges and regex
masks), then answers with the recorded reply, as it was written. A server that spoke first
(a banner) speaks first here too; where the recorded server closed first, the mock closes.

Everything is printed as ``run`` prints records (text, or JSON Lines with ``--json``): the
listener, each connection, each read and each reply; each divergence (other bytes than
recorded, nothing within the timeout, bytes the recording does not have, a client that
closed early) is an error record (OnClientError) saying the exchange, the first differing
byte and both sides' bytes there. A client that diverged is still answered as recorded.

Exit codes: 0 no divergence, 1 a divergence, 2 bad input. It runs until SIGINT or SIGTERM,
or ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from components import ServerSocket
from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.observer import PREVIEW_BYTES, SEND, EventRecord, thread_name

from .capture_read import Conversation
from .exchanges import Exchange, exchanges, parse_target, stream_label
from .record_format import human_line, to_json
from .replay import READ_SIZE, add_capture_arguments, load, options_from, os_error_text
from .reply_match import MatchFile
from .session_report import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_PASSED, BadInput, describe_difference

PROG = "socket-workbench mock"
COMPONENT = "Mock"

_LISTEN = ServerSocket.on_listen.spec.vcl_name
_CONNECT = ServerSocket.on_client_connect.spec.vcl_name
_READ = ServerSocket.on_client_read.spec.vcl_name
_DISCONNECT = ServerSocket.on_client_disconnect.spec.vcl_name
_ERROR = ServerSocket.on_client_error.spec.vcl_name


@dataclass
class Mock:
    """Serves ``conversations`` on a listening socket; ``emit`` gets every record."""

    conversations: Sequence[Conversation]
    match: MatchFile
    timeout: float
    emit: Callable[[EventRecord], None]
    timing: str = "fast"
    divergences: int = 0
    served: int = 0
    port: int = 0  # where it listens, once started
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def record(self, event: str, conn: int = 0, peer: str = "", data: bytes = b"", detail: str = "",
               error: str = "") -> None:
        info = ErrorInfo(ErrorEvent.RECEIVE, 0, "", 0, error) if error else None
        self.emit(EventRecord(time.monotonic(), COMPONENT, event, conn, peer, thread_name(), len(data),
                              data[:PREVIEW_BYTES], info, detail))

    async def start(self, host: str, port: int) -> asyncio.Server:
        try:
            server = await asyncio.start_server(self._accepted, host or None, port)
        except OSError as exc:
            raise BadInput(f"--listen {host}:{port}: {os_error_text(exc)}") from None
        bound = server.sockets[0].getsockname()
        self.port = bound[1]
        streams = ", ".join(stream_label(c) for c in self.conversations)
        self.record(_LISTEN, detail=f"listening on {bound[0]}:{bound[1]}, serving {streams}")
        return server

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.served += 1
        conn = self.served
        conversation = self.conversations[(conn - 1) % len(self.conversations)]
        address = writer.get_extra_info("peername")
        peer = f"{address[0]}:{address[1]}" if address else ""
        self.record(_CONNECT, conn, peer, detail=f"serves {stream_label(conversation)}")
        session = _Session(self, conn, peer, reader, writer, conversation)
        try:
            await session.run()
        except (OSError, asyncio.IncompleteReadError) as exc:
            why = os_error_text(exc) if isinstance(exc, OSError) else "it ended in the middle of a read"
            self.diverged(conn, peer, f"the connection failed: {why}")
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
            self.record(_DISCONNECT, conn, peer)

    def diverged(self, conn: int, peer: str, message: str, data: bytes = b"") -> None:
        self.divergences += 1
        self.record(_ERROR, conn, peer, data, detail=message, error=message)


@dataclass
class _Session:
    mock: Mock
    conn: int
    peer: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    conversation: Conversation
    buffer: bytearray = field(default_factory=bytearray)
    eof: bool = False

    async def run(self) -> None:
        conv = self.conversation
        last_time = conv.started
        for exchange in exchanges(conv):
            if exchange.sends and not await self._expect(exchange):
                return
            for chunk in exchange.replies:
                if self.mock.timing == "asis" and chunk.time > last_time:
                    await asyncio.sleep(chunk.time - last_time)
                last_time = chunk.time
                self.writer.write(chunk.data)
                await self.writer.drain()
                self.mock.record(SEND, self.conn, self.peer, chunk.data, detail=f"exchange {exchange.number}")
        server_closed, client_closed = conv.closed(False), conv.closed(True)
        if server_closed is not None and (client_closed is None or server_closed < client_closed):
            return  # the recorded server closed first: so does the mock
        await self._until_closed()

    async def _read(self, deadline: float | None) -> bool:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        try:
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), left)
        except TimeoutError:
            return False
        if not data:
            self.eof = True
            return False
        self.mock.record(_READ, self.conn, self.peer, data)
        self.buffer += data
        return True

    async def _expect(self, exchange: Exchange) -> bool:
        """Waits for the exchange's client bytes; False when the session is over."""
        expected = exchange.request
        mask = self.mock.match.mask_for(self.conversation.index, exchange.number)
        deadline = time.monotonic() + self.mock.timeout
        while not mask.complete(expected, bytes(self.buffer)):
            if not await self._read(deadline):
                got = bytes(self.buffer)
                offset, _ = mask.compare(expected, got)
                differs = offset is not None and offset < len(got)  # not only short
                where = f"; {describe_difference(expected, got, offset)}" if differs and offset is not None else ""
                if self.eof:
                    self.mock.diverged(self.conn, self.peer, f"exchange {exchange.number}: the client closed "
                                       f"after {len(got)} of {len(expected)} recorded byte(s){where}", got)
                else:
                    self.mock.diverged(self.conn, self.peer, f"exchange {exchange.number}: not all the recorded "
                                       f"bytes within {self.mock.timeout * 1000:.0f} ms{where}", got)
                return False
        taken = mask.taken(expected, bytes(self.buffer))
        got = bytes(self.buffer[:taken])
        del self.buffer[:taken]
        offset, _ = mask.compare(expected, got)
        if offset is not None:
            text = describe_difference(expected, got, offset).replace("reply", "the client's bytes", 1)
            self.mock.diverged(self.conn, self.peer, f"exchange {exchange.number}: {text}", got)
        return True

    async def _until_closed(self) -> None:
        """After the recording's last exchange: the client's close (anything more diverges)."""
        while True:
            if self.buffer:
                extra = bytes(self.buffer)
                self.buffer.clear()
                self.mock.diverged(self.conn, self.peer, f"{len(extra)} byte(s) the recording does not have",
                                   extra)
            if not await self._read(None):
                return


# -- the command ----------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Serve the server side of a capture's TCP streams to the clients that "
                               "connect: wait for the recorded client bytes, answer with the recorded reply.",
        epilog="exit status: 0 no divergence, 1 a divergence, 2 bad input")
    add_capture_arguments(parser, framing=False)
    parser.add_argument("--listen", required=True, metavar="[HOST:]PORT",
                        help="where to listen (HOST defaults to 127.0.0.1; PORT 0 picks a free one)")
    parser.add_argument("--timing", choices=("fast", "asis"), default="fast",
                        help="fast: answer at once (default); asis: with the recording's pauses within a reply")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    return parser.parse_args(argv)


def printer(as_json: bool) -> Callable[[EventRecord], None]:
    def emit(record: EventRecord) -> None:
        line = json.dumps(to_json(record), ensure_ascii=False) if as_json else human_line(record)
        print(line, flush=True)

    return emit


async def serve(mock: Mock, host: str, port: int, duration: float | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    server = await mock.start(host, port)
    try:
        try:
            await asyncio.wait_for(stop.wait(), duration)
        except TimeoutError:
            pass
    finally:
        server.close()
        await mock.close()
        await server.wait_closed()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError):
                pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        host, port = parse_target(args.listen, "--listen", default_host="127.0.0.1", lowest=0)
        options = options_from(args)
        if args.duration is not None and args.duration <= 0:
            raise BadInput(f"--duration must be more than 0 s, not {args.duration}")
        notes: list[str] = []
        conversations = load(args.capture, args.stream, notes)
        for note in notes:
            print(f"{PROG}: note: {note}", file=sys.stderr)
        mock = Mock(conversations, options.match, options.timeout, printer(args.json), args.timing)
        asyncio.run(serve(mock, host, port, args.duration))
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if mock.divergences:
        print(f"{PROG}: {mock.divergences} divergence(s) from the recording", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_PASSED

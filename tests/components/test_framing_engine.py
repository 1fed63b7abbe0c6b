"""Framing on real connections: one read event per frame, in order, in both modes."""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components import ClientSocket, ServerSocket, ServerType
from components.connection import INCOMPLETE_FRAME
from components.framing import parse_framing

from .conftest import make_server
from .test_client_socket import until

# (spec, payloads): each payload becomes one frame on the wire through spec.encode
CASES = {
    "line": [b"PING 1", b"", b"PING 2 with\rcr inside", b"x" * 3000],
    "delimiter:\\r\\n": [b"a", b"bb", b"", b"c" * 2000],
    "fixed:4": [b"abcd", b"efgh", b"\x00\x01\x02\x03"],
    "length:u16be,strip=2": [b"HELLO", b"", b"w" * 5000],
    "length:u16be@4": [bytes.fromhex("0001 0000") + bytes.fromhex("11 03 006B 0003"),
                       bytes.fromhex("0002 0000") + bytes.fromhex("11 06 0001 0003")],
    "length:u32le-4": [b"counted", b"itself"],
}


def expected_frames(spec_text: str, payloads: list[bytes]) -> tuple[bytes, list[bytes]]:
    spec = parse_framing(spec_text)
    wire = b"".join(spec.encode(p) for p in payloads)
    if spec.kind == "length" and not spec.strip:
        return wire, [spec.encode(p) for p in payloads]
    return wire, payloads


def split(wire: bytes, how: str, rng: random.Random) -> list[bytes]:
    if how == "whole":
        return [wire]
    if how == "bytes":
        return [wire[i:i + 1] for i in range(len(wire))]
    cuts = sorted(rng.sample(range(1, len(wire)), min(len(wire) - 1, 25)))
    return [wire[a:b] for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True)]


def send_pieces(port: int, pieces: list[bytes], close: bool = True) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for piece in pieces:
        sock.sendall(piece)
    if close:
        sock.shutdown(socket.SHUT_WR)
    return sock


class Collector:
    """An OnClientRead/OnRead handler that takes each frame and checks it is the whole buffer."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.lengths_ok = True
        self.lock = threading.Lock()

    def __call__(self, sender, conn) -> None:
        length = conn.receive_length()
        frame = conn.receive_buf(-1)
        with self.lock:
            self.lengths_ok &= length == len(frame)
            self.frames.append(frame)


@pytest.mark.parametrize("how", ["whole", "bytes", "random"])
@pytest.mark.parametrize("spec_text", list(CASES))
@pytest.mark.parametrize("threaded", [False, True], ids=["stNonBlocking", "stThreadBlocking"])
def test_one_read_event_per_frame_however_the_stream_is_split(recorder, run, spec_text, how, threaded):
    wire, frames = expected_frames(spec_text, CASES[spec_text])
    pieces = split(wire, how, random.Random(spec_text + how))
    collect = Collector()

    async def scenario() -> None:
        server = make_server(recorder, threaded=threaded, framing=spec_text)
        server.on_client_read = collect
        server.open()
        sock = await asyncio.to_thread(send_pieces, server.socket.local_port, pieces)
        try:
            await until(lambda: len(collect.frames) >= len(frames), timeout=15)
            await until(lambda: server.socket.active_connections == 0, timeout=15)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == frames and collect.lengths_ok
    reads = [r for r in recorder.take() if r.event == "OnClientRead"]
    assert [r.byte_count for r in reads] == [len(f) for f in frames]  # the log: one row per frame


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(st.binary(max_size=300), min_size=1, max_size=8),
       cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=12),
       threaded=st.booleans())
def test_length_frames_survive_random_splits(payloads, cuts, threaded):
    spec_text = "length:u16be,strip=2"
    wire, frames = expected_frames(spec_text, payloads)
    points = sorted({c % len(wire) for c in cuts} - {0})
    pieces = [wire[a:b] for a, b in zip([0, *points], [*points, len(wire)], strict=True)]
    collect = Collector()

    async def scenario() -> None:
        server = ServerSocket(name="S", address="127.0.0.1", port=0, framing=spec_text,
                              server_type=ServerType.THREAD_BLOCKING if threaded else ServerType.NON_BLOCKING)
        server.on_client_read = collect
        server.open()
        sock = await asyncio.to_thread(send_pieces, server.socket.local_port, pieces)
        try:
            await until(lambda: len(collect.frames) >= len(frames), timeout=15)
        finally:
            sock.close()
            server.close()

    asyncio.run(scenario())
    assert collect.frames == frames


@pytest.mark.parametrize("threaded", [False, True], ids=["stNonBlocking", "stThreadBlocking"])
def test_an_unterminated_tail_is_a_last_frame_marked_incomplete(recorder, run, threaded):
    collect = Collector()

    async def scenario() -> None:
        server = make_server(recorder, threaded=threaded, framing="line")
        server.on_client_read = collect
        server.open()
        sock = await asyncio.to_thread(send_pieces, server.socket.local_port, [b"one\ntwo\nthr", b"ee"])
        try:
            await until(lambda: server.socket.active_connections == 0 and len(collect.frames) == 3, timeout=15)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == [b"one", b"two", b"three"]
    reads = [r for r in recorder.take() if r.event == "OnClientRead"]
    assert [r.detail for r in reads] == ["", "", INCOMPLETE_FRAME]


@pytest.mark.parametrize("threaded", [False, True], ids=["stNonBlocking", "stThreadBlocking"])
def test_a_frame_longer_than_frame_limit_is_error_10040_and_closes(recorder, run, reported, threaded):
    collect = Collector()

    async def scenario() -> None:
        server = make_server(recorder, threaded=threaded, framing="line", frame_limit=1000)
        server.on_client_read = collect
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=10)
        try:
            try:
                await asyncio.to_thread(sock.sendall, b"short\n" + b"x" * 200_000)
            except OSError:  # the server may close before the last bytes are sent
                pass
            await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()), timeout=15)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == [b"short"]
    errors = [r for r in recorder.take() if r.event == "OnClientError"]
    assert errors and errors[0].error.code == 10040 and errors[0].error.event.vcl_name == "eeReceive"
    assert "FrameLimit is 1,000" in errors[0].error.message


@pytest.mark.parametrize("threaded", [False, True], ids=["stNonBlocking", "stThreadBlocking"])
def test_idle_ends_a_frame_after_a_pause(recorder, run, threaded):
    collect = Collector()
    gap = threading.Event()

    def talk(port: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"first")
        gap.wait(10)  # the server saw the first frame end: only then the second
        sock.sendall(b"second")
        return sock

    async def scenario() -> None:
        server = make_server(recorder, threaded=threaded, framing="idle:30")

        def on_read(sender, conn) -> None:
            collect(sender, conn)
            gap.set()

        server.on_client_read = on_read
        server.open()
        sock = await asyncio.to_thread(talk, server.socket.local_port)
        try:
            await until(lambda: len(collect.frames) == 2, timeout=15)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == [b"first", b"second"]


def test_send_frame_adds_what_the_framing_implies_and_a_client_reads_frames(recorder, run_any):
    got: list[bytes] = []

    async def scenario() -> None:
        server = make_server(recorder, framing="length:u16be,strip=2")
        server.on_client_read = lambda s, conn: conn.send_frame(b"re:" + conn.receive_buf(-1))
        server.open()
        client = ClientSocket(name="ClientSocket1", observer=recorder.stream, address="127.0.0.1",
                              port=server.socket.local_port, framing="length:u16be,strip=2")
        recorder.expect("ClientSocket1", "client")
        client.on_connect = lambda s, conn: (conn.send_frame_text("hello"), conn.send_frame(b"w" * 3000))
        client.on_read = lambda s, conn: got.append(conn.receive_buf(-1))
        client.open()
        try:
            await until(lambda: len(got) == 2, timeout=15)
        finally:
            client.close()
            server.close()

    run_any(scenario())
    assert got == [b"re:hello", b"re:" + b"w" * 3000]


def test_a_fixed_frame_of_the_wrong_size_is_refused_to_the_caller(run):
    async def scenario() -> str:
        server = ServerSocket(name="S", address="127.0.0.1", port=0, framing="fixed:4")
        problems: list[str] = []

        def on_connect(sender, conn) -> None:
            try:
                conn.send_frame(b"abc")
            except ValueError as exc:
                problems.append(str(exc))

        server.on_client_connect = on_connect
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=10)
        try:
            await until(lambda: bool(problems), timeout=10)
        finally:
            sock.close()
            server.close()
        return problems[0]

    assert "exactly 4 bytes" in run(scenario())


def test_framing_is_locked_while_active_and_validated(run):
    from components import SocketError

    with pytest.raises(SocketError, match="Framing"):
        ServerSocket(name="S", framing="lines")

    async def scenario() -> None:
        server = ServerSocket(name="S", address="127.0.0.1", port=0)
        server.open()
        try:
            with pytest.raises(SocketError, match="active"):
                server.framing = "line"
        finally:
            server.close()

    run(scenario())


def test_a_length_frame_is_checked_from_its_header_before_its_bytes_arrive(recorder, run):
    async def scenario() -> None:
        server = make_server(recorder, framing="length:u32be", frame_limit=100)
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=10)
        try:
            sock.sendall(struct.pack(">I", 1 << 30))  # says a GiB follows
            await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()), timeout=10)
        finally:
            sock.close()
            server.close()

    run(scenario())
    events = [(r.event, r.error.code if r.error else None) for r in recorder.take()]
    assert ("OnClientError", 10040) in events, events


# -- a burst of frames in one read (components.connection.FRAMES_PER_PASS) -------------------

BURST = 20_000  # short lines: one 256 KiB read holds thousands of them


class PassCounter:
    """Counts the loop's passes (a callback that re-schedules itself with call_soon)."""

    def __init__(self) -> None:
        self.passes = 0
        self._handle: asyncio.Handle | None = None

    def start(self) -> None:
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self.passes += 1
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


def test_a_burst_of_frames_is_delivered_in_order_over_several_loop_passes(recorder, run_any):
    from components.connection import FRAMES_PER_PASS

    lines = [b"line %05d" % i for i in range(BURST)]
    passes_seen: list[int] = []
    counter = PassCounter()
    collect = Collector()

    def on_read(sender, conn) -> None:
        passes_seen.append(counter.passes)
        collect(sender, conn)

    async def scenario() -> None:
        server = make_server(recorder, framing="line")
        server.on_client_read = on_read
        server.open()
        counter.start()
        sock = await asyncio.to_thread(send_pieces, server.socket.local_port, [b"\n".join(lines) + b"\n"])
        try:
            await until(lambda: server.socket.active_connections == 0 and len(collect.frames) >= BURST,
                        timeout=30)
        finally:
            counter.stop()
            sock.close()
            server.close()

    run_any(scenario())
    assert collect.frames == lines and collect.lengths_ok
    # the loop ran other work between slices of the burst: no pass delivered more than a
    # slice of it (plus, on a loop that reads in the same pass, the next read's few frames)
    per_pass: dict[int, int] = {}
    for seen in passes_seen:
        per_pass[seen] = per_pass.get(seen, 0) + 1
    assert len(per_pass) >= BURST // (2 * FRAMES_PER_PASS)
    assert max(per_pass.values()) <= 2 * FRAMES_PER_PASS
    reads = [r for r in recorder.take() if r.event == "OnClientRead"]
    assert len(reads) == BURST


def test_closing_in_the_middle_of_a_burst_delivers_no_more_frames(recorder, run):
    lines = [b"%d" % i for i in range(BURST)]
    collect = Collector()

    def on_read(sender, conn) -> None:
        collect(sender, conn)
        if len(collect.frames) == 1000:
            conn.close()

    async def scenario() -> None:
        server = make_server(recorder, framing="line")
        server.on_client_read = on_read
        server.open()
        sock = await asyncio.to_thread(send_pieces, server.socket.local_port, [b"\n".join(lines) + b"\n"])
        try:
            await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()), timeout=30)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == lines[:1000]
    events = [r.event for r in recorder.take() if r.connection_id]
    assert events.count("OnClientDisconnect") == 1 and events.count("OnClientRead") == 1000


def test_a_burst_then_a_frame_too_long_delivers_the_burst_then_the_error(recorder, run, reported):
    lines = [b"%d" % i for i in range(5000)]
    collect = Collector()

    async def scenario() -> None:
        server = make_server(recorder, framing="line", frame_limit=1000)
        server.on_client_read = collect
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.socket.local_port), timeout=10)
        try:
            try:
                await asyncio.to_thread(sock.sendall, b"\n".join(lines) + b"\n" + b"x" * 2000)
            except OSError:  # the server may close before the last bytes are sent
                pass
            await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()), timeout=15)
        finally:
            sock.close()
            server.close()

    run(scenario())
    assert collect.frames == lines
    errors = [r for r in recorder.take() if r.event == "OnClientError"]
    assert len(errors) == 1 and errors[0].error.code == 10040

"""Recording a session to pcapng: the payload tap and the records, on a writer thread.

``SessionRecorder`` is the observer stream's payload tap (components.observer)
and one of its subscribers. On the I/O threads it only appends to a queue: a
tuple per open, read, send or close (the bytes copied), and the records that
become comments. A writer thread turns the queue into packets
(app.core.pcapng_capture) and writes them.

Which packet carries which event: the packets made for one tap call (a read's
segment and its ACK, a handshake, a FIN) are held until the next tap call, so the
records that follow (OnClientRead after the read, OnDisconnect after the FIN)
go on the last of them as comments. Records of a connection whose packets came
earlier wait for its next packets; records that come before a connection's
handshake (OnLookup, OnConnecting) go on its SYN.

A form with both ends of a connection (a ClientSocket talking to the form's own
ServerSocket) sees each connection twice: the second end to open is matched to
the first by its addresses and counted as the same stream (its bytes are the
same bytes; its events become comments on that stream).

A UdpSocket's datagrams (the tap's ``datagram``) are one UDP packet each, from the sender
to the receiver; the records that follow one (OnRead after a read) are its comments. Two
UdpSockets of one form talking to each other: a datagram one of them sent that the other
reads (the same ends, the same bytes) is the packet already written, and the reader's
records become its comments (the last UDP_MIRRORS sends are remembered for this).

Bounded: every queued item counts against ``limit`` bytes (payload plus the most
the headers can add). The first item that would go over it stops the recording:
tap and subscription are removed, ``limit_message`` says so (and ``on_limit`` is
called, on the I/O thread), and everything before it is written: nothing is lost
before the limit, nothing is written after it.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from app.core.pcapng_capture import (
    PACKET_OVERHEAD,
    CaptureWriter,
    Packet,
    TcpStream,
    UdpAddresses,
    UdpPackets,
    ending,
    handshake,
    segments,
)
from components.observer import DROPPED, RECEIVE, SEND, EventRecord, ObserverStream, TapConnection

DEFAULT_LIMIT = 1024 * 1024 * 1024
#: what a tap item may add to the file besides its payload (data segments, the ACK, comments)
ITEM_OVERHEAD = 4 * PACKET_OVERHEAD
#: records whose payload the packets show already
_NOT_COMMENTS = {SEND, RECEIVE, DROPPED}
_OPEN, _DATA, _CLOSE, _RECORD, _DATAGRAM = range(5)
#: datagrams sent that a UdpSocket of the same form may read, remembered to show them once
UDP_MIRRORS = 4096
#: the longest comment, in characters (a traceback's first line, a long error message)
COMMENT_CHARS = 300


def comment_for(record: EventRecord) -> str:
    """The comment a record becomes: "ServerSocket1 OnClientError 10054 ECONNRESET: ..."."""
    text = f"{record.component} {record.event}" if record.component else record.event
    if record.error is not None:
        error = record.error
        text += f" {error.code}"
        if error.errno_name:
            text += f" {error.errno_name}"
        if error.message:
            text += f": {error.message}"
    elif record.detail.strip():
        text += f": {record.detail.strip().splitlines()[0]}"
    return text if len(text) <= COMMENT_CHARS else text[:COMMENT_CHARS - 3] + "..."


def format_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


class SessionRecorder:
    """Records every connection of ``stream`` into the pcapng file at ``path``."""

    def __init__(self, stream: ObserverStream, path: str | Path, limit: int = DEFAULT_LIMIT,
                 on_limit: Callable[[str], None] | None = None) -> None:
        self.stream = stream
        self.path = Path(path)
        self.limit = limit
        self.on_limit = on_limit
        self.limit_message = ""
        self.started = 0.0
        self.stopped: float | None = None
        self._queue: deque[tuple[Any, ...]] = deque()
        self._budget = limit
        self._budget_lock = threading.Lock()
        self._wake = threading.Event()
        self._done = False
        self._thread: threading.Thread | None = None
        self._file: BinaryIO | None = None
        self._writer: CaptureWriter | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.failure: OSError | None = None
        # writer-thread state
        self._streams: dict[int, TcpStream] = {}  # by connection id (both ends of a pair)
        self._primary: dict[int, int] = {}  # connection id -> the id whose bytes are recorded
        self._open_by_ends: dict[tuple[tuple[str, int], tuple[str, int]], int] = {}
        self._held: tuple[int, list[Packet]] | None = None
        self._pending: dict[int, list[str]] = {}
        self._offset = time.time() - time.monotonic()
        self._udp = UdpAddresses()
        self._udp_packets = UdpPackets()
        #: (source, destination, size, digest of the bytes) of datagrams sent -> the sending ids
        self._udp_sent: OrderedDict[tuple[Any, ...], list[int]] = OrderedDict()
        self._held_also: set[int] = set()  # other ids whose records go on the held packets

    # -- life -----------------------------------------------------------------
    def start(self) -> None:
        """Open the file (OSError when it can't be), then tap the stream."""
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed by stop()
        self._writer = CaptureWriter(self._file)
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="pcapng writer", daemon=True)
        self._thread.start()
        self.stream.set_tap(self)
        self._unsubscribe = self.stream.subscribe(self._record)

    def _untap(self) -> None:
        if self.stream.tap is self:
            self.stream.set_tap(None)
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    def stop(self) -> None:
        """Stop tapping, write everything queued, close the file. Idempotent."""
        self._untap()
        if self.stopped is None:
            self.stopped = time.monotonic()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._done = True
            self._wake.set()
            thread.join()
        file, self._file = self._file, None
        if file is not None:
            file.close()

    @property
    def recording(self) -> bool:
        return self._thread is not None and not self.limit_message

    @property
    def bytes_written(self) -> int:
        return self._writer.bytes_written if self._writer is not None else 0

    @property
    def duration(self) -> float:
        if not self.started:
            return 0.0
        return (self.stopped if self.stopped is not None else time.monotonic()) - self.started

    def __enter__(self) -> SessionRecorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the I/O threads (PayloadTap and subscriber) ----------------------------------
    def _take(self, cost: int) -> bool:
        with self._budget_lock:
            if self.limit_message:
                return False
            if cost <= self._budget:
                self._budget -= cost
                return True
            self.limit_message = (f"recording stopped: {self.path.name} reached its size limit of "
                                  f"{format_size(self.limit)}; everything before is in the file, "
                                  "nothing after")
            if self.stopped is None:
                self.stopped = time.monotonic()
        self._untap()
        if self.on_limit is not None:
            self.on_limit(self.limit_message)
        return False

    def opened(self, conn: TapConnection, accepted: bool) -> None:
        if self._take(ITEM_OVERHEAD):
            self._queue.append((_OPEN, time.monotonic(), conn.id, accepted,
                                (conn.local_address, conn.local_port), (conn.remote_address, conn.remote_port)))

    def payload(self, conn: TapConnection, outgoing: bool, data: bytes | bytearray | memoryview) -> None:
        if self._take(len(data) + ITEM_OVERHEAD + (len(data) // 65_000) * PACKET_OVERHEAD):
            self._queue.append((_DATA, time.monotonic(), conn.id, outgoing, bytes(data)))

    def closed(self, conn: TapConnection, how: str) -> None:
        if self._take(ITEM_OVERHEAD):
            self._queue.append((_CLOSE, time.monotonic(), conn.id, how))

    def datagram(self, conn: TapConnection, outgoing: bool, data: bytes) -> None:
        if self._take(len(data) + ITEM_OVERHEAD):
            self._queue.append((_DATAGRAM, time.monotonic(), conn.id, outgoing,
                                (conn.local_address, conn.local_port), (conn.remote_address, conn.remote_port),
                                bytes(data)))

    def _record(self, record: EventRecord) -> None:
        if record.event in _NOT_COMMENTS:
            return
        # formatted on the writer thread; the budget counts what the comment can take at most
        if self._take(COMMENT_CHARS * 4 + 8):
            self._queue.append((_RECORD, record))

    # -- the writer thread ---------------------------------------------------------
    def _run(self) -> None:
        while True:
            done = self._done
            self._wake.wait(0.05)
            self._wake.clear()
            try:
                self._drain()
                if self._file is not None:
                    self._file.flush()
            except OSError as exc:  # the disk is full, the file went away: stop, say why
                self.failure = exc
                self.limit_message = f"recording stopped: can't write {self.path.name}: {exc.strerror or exc}"
                self._untap()
                if self.on_limit is not None:
                    self.on_limit(self.limit_message)
                return
            if done:
                break
        try:
            self._finish()
        except OSError as exc:
            self.failure = exc

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            item = queue.popleft()
            kind = item[0]
            if kind == _RECORD:
                self._comment(item[1].connection_id, comment_for(item[1]))
            elif kind == _OPEN:
                self._open(*item[1:])
            elif kind == _DATA:
                self._data(*item[1:])
            elif kind == _DATAGRAM:
                self._datagram(*item[1:])
            else:
                self._close(*item[1:])

    def _wall(self, mono: float) -> float:
        return mono + self._offset

    def _flush_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            assert self._writer is not None
            for packet in held[1]:
                self._writer.write(packet)

    def _hold(self, conn_id: int, packets: list[Packet]) -> None:
        self._flush_held()
        self._held_also = set()
        waiting = self._pending.pop(conn_id, []) + self._pending.pop(0, [])
        if waiting:
            packets[0].comments[:0] = waiting
        self._held = (conn_id, packets)

    def _comment(self, conn_id: int, text: str) -> None:
        key = self._primary.get(conn_id, conn_id)
        held = self._held
        if held is not None and (held[0] == key or key in self._held_also or conn_id == 0):
            held[1][-1].comments.append(text)
        else:
            self._pending.setdefault(key, []).append(text)

    def _open(self, when: float, conn_id: int, accepted: bool, local: tuple[str, int],
              remote: tuple[str, int]) -> None:
        mirror = self._open_by_ends.pop((remote, local), None)
        if mirror is not None and mirror in self._streams:
            # the other end of a connection this form already records: the same stream
            self._primary[conn_id] = mirror
            self._pending.setdefault(mirror, []).extend(self._pending.pop(conn_id, []))
            return
        client, server = (remote, local) if accepted else (local, remote)
        stream = TcpStream(client, server, local_is_client=not accepted)
        self._streams[conn_id] = stream
        self._open_by_ends[(local, remote)] = conn_id
        self._hold(conn_id, handshake(stream, self._wall(when)))

    def _data(self, when: float, conn_id: int, outgoing: bool, data: bytes) -> None:
        stream = self._streams.get(conn_id)
        if stream is None or stream.ended:
            return  # the mirror end of a recorded stream, or bytes of a connection opened before
        from_client = outgoing == stream.local_is_client
        packets = segments(stream, from_client, data, self._wall(when))
        held = self._held
        if held is not None and held[0] == conn_id and held[1][-1].ack_from is from_client:
            # the answer acknowledges what it answers: the pure ACK before it goes (as TCP's
            # delayed ACK does), its comments with it
            packets[0].comments[:0] = held[1].pop().comments
        self._hold(conn_id, packets)

    def _datagram(self, when: float, conn_id: int, outgoing: bool, local: tuple[str, int],
                  remote: tuple[str, int], data: bytes) -> None:
        here = (self._udp.source_for(local[0], remote[0]), local[1])
        src, dst = (here, remote) if outgoing else (remote, here)
        key = (src, dst, len(data), hashlib.blake2b(data, digest_size=16).digest())
        sent = self._udp_sent
        if outgoing:
            sent.setdefault(key, []).append(conn_id)
            sent.move_to_end(key)
            while len(sent) > UDP_MIRRORS:
                sent.popitem(last=False)
        else:
            senders = sent.get(key)
            if senders:  # a datagram this form sent and reads: written once, as sent
                sender = senders.pop(0)
                if not senders:
                    del sent[key]
                held = self._held
                if held is not None and held[0] == sender:
                    self._held_also.add(conn_id)
                    held[1][-1].comments.extend(self._pending.pop(conn_id, []))
                return
        self._hold(conn_id, [Packet(self._wall(when), self._udp_packets.packet(src, dst, data))])

    def _close(self, when: float, conn_id: int, how: str) -> None:
        stream = self._streams.get(conn_id)
        if stream is None or stream.ended:
            return
        for ends, cid in list(self._open_by_ends.items()):
            if cid == conn_id:
                del self._open_by_ends[ends]
        self._hold(conn_id, ending(stream, how, self._wall(when)))

    def _finish(self) -> None:
        """The end of the recording: comments still waiting go on the last packet."""
        self._drain()
        if self._held is not None:
            last = self._held[1][-1].comments
            for texts in self._pending.values():
                last.extend(texts)
            self._pending.clear()
        self._flush_held()
        if self._file is not None:
            self._file.flush()


# -- the command line (``socket-workbench run FORM --record session.pcapng``) ----------------
def add_record_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--record", metavar="FILE.pcapng",
                        help="record every connection, every byte, into a pcapng capture "
                             "(Wireshark and tshark open it; replay and mock play it back)")
    parser.add_argument("--record-limit", type=float, default=DEFAULT_LIMIT / 2**20, metavar="MB",
                        help=f"stop recording when the capture reaches MB megabytes "
                             f"(default {DEFAULT_LIMIT // 2**20:,})")


def check_record_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.record is not None and args.record_limit <= 0:
        parser.error("--record-limit must be more than 0 MB")


def recorder_from_args(args: argparse.Namespace, stream: ObserverStream,
                       say: Callable[[str], None]) -> SessionRecorder | None:
    """The started recorder ``--record`` asks for, or None; OSError when the file can't be made.
    ``say`` hears the message when the size limit stops it (on an I/O thread)."""
    if args.record is None:
        return None
    recorder = SessionRecorder(stream, args.record, int(args.record_limit * 2**20), on_limit=say)
    try:
        recorder.start()
    except OSError:
        recorder.stop()
        raise
    return recorder

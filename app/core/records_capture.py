"""The event log as pcapng, from its records (the log pane's export when nothing was recorded).

Records keep a preview of at most PREVIEW_BYTES of each read and send, not every
byte: the capture made of them carries those previews, and says so. The first packet's
comment says that the payloads are previews, and each cut segment's comment says how
many bytes it stood for ("preview: 64 of 1,000 bytes"). Each connection of the log
(a component's connection id) is one TCP stream, as the recorder writes them
(app.core.pcapng_capture: handshake, segments with their ACKs, FIN or RST); its
remote address is the record's peer, its local address the listener's (from its
OnListen detail) for accepted connections, else the loopback of the peer's family with
a made-up port (40000 + the connection id), which the comments say too. Events that
are no data become comments on their connection's next packet, as in a recording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.pcapng_capture import END_LOCAL, CaptureWriter, Packet, TcpStream, ending, handshake, segments
from app.core.record_kinds import CLOSES, CONNECTS, READS
from app.core.recorder import comment_for
from components.observer import DROPPED, SEND, EventRecord

MADE_UP_PORT = 40000
_WHERE = re.compile(r"(\[?[0-9A-Fa-f:.]+\]?):(\d+)\s*$")
PREVIEW_NOTE = ("Socket Workbench event log export: the payloads are the log's previews (at most 64 bytes of "
                "each read and send), not every byte; record the session (Run > Record) for full payloads")


def split_address(text: str) -> tuple[str, int] | None:
    """'127.0.0.1:50123' or '[::1]:7' -> (address, port); None when it is no address."""
    match = _WHERE.search(text.strip())
    if not match:
        return None
    return match.group(1).strip("[]"), int(match.group(2))


@dataclass
class PreviewExport:
    """What an export wrote: streams, packets, and how many segments are cut previews."""

    streams: int = 0
    packets: int = 0
    cut: int = 0
    made_up: list[str] = field(default_factory=list)


def write_preview_capture(records: Iterable[EventRecord], path: str | Path,
                          accepts_connections: Callable[[str], bool]) -> PreviewExport:
    """Write ``records`` as a pcapng capture of their previews; OSError when the file can't be written."""
    result = PreviewExport()
    listening: dict[str, tuple[str, int]] = {}
    streams: dict[tuple[str, int], TcpStream] = {}
    pending: dict[tuple[str, int], list[str]] = {}
    out: list[Packet] = []
    last_of: dict[tuple[str, int], Packet] = {}
    first_note = [PREVIEW_NOTE]

    def emit(key: tuple[str, int], packets: list[Packet]) -> None:
        comments = first_note + pending.pop(key, [])
        first_note.clear()
        if comments:
            packets[0].comments[:0] = comments
        out.extend(packets)
        last_of[key] = packets[-1]

    def stream_for(record: EventRecord) -> tuple[tuple[str, int], TcpStream] | None:
        key = (record.component, record.connection_id)
        stream = streams.get(key)
        if stream is not None and not stream.ended:
            return key, stream
        remote = split_address(record.peer)
        if remote is None:
            return None
        accepted = accepts_connections(record.component)
        local = listening.get(record.component) if accepted else None
        if local is None:
            loopback = "::1" if ":" in remote[0] else "127.0.0.1"
            local = (loopback, MADE_UP_PORT + record.connection_id % 20000)
            result.made_up.append(f"{record.component} #{record.connection_id}")
        client, server = (remote, local) if accepted else (local, remote)
        stream = streams[key] = TcpStream(client, server, local_is_client=not accepted)
        result.streams += 1
        emit(key, handshake(stream, record.wall_time))
        return key, stream

    for record in records:
        if record.event == DROPPED or not record.component:
            continue
        if record.connection_id == 0:
            if record.event not in READS and record.event != SEND:
                where = split_address(record.detail)
                if where is not None and accepts_connections(record.component):
                    listening[record.component] = where
            continue
        key = (record.component, record.connection_id)
        is_data = record.byte_count > 0 and (record.event == SEND or record.event in READS)
        if is_data:
            found = stream_for(record)
            if found is None:
                continue
            key, stream = found
            outgoing = record.event == SEND
            packets = segments(stream, outgoing == stream.local_is_client, bytes(record.preview), record.wall_time)
            if record.byte_count > len(record.preview):
                packets[0].comments.append(f"preview: {len(record.preview)} of {record.byte_count:,} bytes")
                result.cut += 1
            if record.event != SEND:
                packets[-1].comments.append(comment_for(record))
            emit(key, packets)
        elif record.event in CLOSES:
            ended = streams.get(key)
            pending.setdefault(key, []).append(comment_for(record))
            if ended is not None and not ended.ended:
                emit(key, ending(ended, END_LOCAL, record.wall_time))
        else:
            if record.event in CONNECTS:
                stream_for(record)
            packet = last_of.get(key)
            if packet is not None and key in streams and not streams[key].ended and record.event not in CONNECTS:
                packet.comments.append(comment_for(record))
            else:
                pending.setdefault(key, []).append(comment_for(record))
    if result.made_up and out:
        out[0].comments.append("made-up local addresses (the log does not know them) for: "
                               + ", ".join(result.made_up))
    for texts in pending.values():
        if out:
            out[-1].comments.extend(texts)
    with open(path, "wb") as file:
        writer = CaptureWriter(file)
        for packet in out:
            writer.write(packet)
    result.packets = len(out)
    return result

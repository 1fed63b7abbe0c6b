"""A connection's conversation, as the event log holds it, written as a scenario file.

The log's records of one connection say what was sent (``Send`` records) and
what arrived (the read events, by their ``carries_data`` trait). A scenario
always plays the side that connects, so:

* for a client's connection, its sends become send steps and its reads expect
  steps, against the server it talked to;
* for a server's connection (one a ServerSocket accepted), the scenario plays the
  peer: what the server read becomes send steps, and what it sent, expect steps
  against the server's own address.

A client's reads are frames of its Framing, so its scenario connects with the same
Framing and expects frame by frame. A server's Framing says how it cuts what it reads,
not what it sends: its scenario reads a plain stream (consecutive sends are one
expect: how TCP split them is chance), and sends each frame the server read as it
was on the wire (a line gets its LF back, a length frame its header).

Records keep a preview of their payload (PREVIEW_BYTES), not all of it. An expect
whose bytes were cut short becomes a hex pattern: the kept bytes, then ``??`` for
each byte not kept (at most MAX_WILDCARDS, then ``*``). A send cut short cannot be
played as it was: it is written with the bytes kept and a comment, and counted in
``Conversation.truncated_sends`` so that the caller can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from components.component import events_where
from components.framing import FramingSpec, parse_framing
from components.observer import SEND, EventRecord

MAX_WILDCARDS = 4096
READ_EVENTS = events_where(lambda e: e.carries_data)


@dataclass
class Conversation:
    """What ``write_conversation`` made: the TOML text and what it could not keep."""

    text: str
    sends: int = 0
    expects: int = 0
    truncated_sends: int = 0
    truncated_expects: int = 0
    notes: list[str] = field(default_factory=list)


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)


def _escaped(data: bytes, template: bool) -> str:
    """The bytes as template/pattern text: escapes for controls and backslashes; braces
    doubled in a template (where they start placeholders)."""
    text = data.decode("utf-8")
    text = text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if template:
        text = text.replace("{", "{{").replace("}", "}}")
    return text


def toml_string(text: str) -> str:
    """A TOML string holding ``text`` as typed: a literal string ('...') when it can be one."""
    if "'" not in text and all(c.isprintable() for c in text):
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def _wire(spec: FramingSpec, frame: bytes) -> bytes:
    """The bytes on the wire of a frame a server read (what the scenario must send)."""
    if spec.kind in ("line", "delimiter") or (spec.kind == "length" and spec.strip):
        return spec.encode(frame)
    return frame  # none, fixed, regex, and length frames that keep their header: as they are


@dataclass
class _Piece:
    outgoing: bool  # the scenario sends it
    data: bytes
    size: int  # bytes on the wire (more than data when the log kept a preview)

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


def write_conversation(records: Iterable[EventRecord], *, name: str, host: str, port: int,
                       framing: str = "none", accepted: bool = False, connection_id: int | None = None,
                       component: str | None = None) -> Conversation:
    """The scenario for the records of one connection (those of ``component`` and
    ``connection_id`` when given). ``accepted``: the connection is a server's, so the
    scenario plays its peer (see the module doc)."""
    spec = parse_framing(framing)
    stream = spec.is_none or accepted  # the scenario's connection reads a plain stream
    pieces: list[_Piece] = []
    for r in records:
        if component is not None and r.component != component:
            continue
        if connection_id is not None and r.connection_id != connection_id:
            continue
        if r.event == SEND:
            outgoing = not accepted
        elif r.event in READ_EVENTS:
            outgoing = accepted
        else:
            continue
        if not r.byte_count:
            continue
        data = bytes(r.preview)
        if outgoing and accepted and r.byte_count == len(data):
            data = _wire(spec, data)
        if (pieces and not outgoing and not pieces[-1].outgoing and stream
                and not pieces[-1].truncated):
            pieces[-1].data += r.preview  # one expect for consecutive reads (see the module doc)
            pieces[-1].size += r.byte_count
            continue
        pieces.append(_Piece(outgoing, data, max(r.byte_count, len(data))))

    out = Conversation("")
    lines = [f"# The conversation of {name}, saved from the event log of Socket Workbench.",
             "# Run it with: socket-workbench test THIS_FILE [--to HOST:PORT]", "",
             "[scenario]", f"name = {toml_string(name)}", "timeout = 5", "",
             "[[step]]", f"connect = {toml_string(f'[{host}]:{port}' if ':' in host else f'{host}:{port}')}"]
    if not stream:
        lines.append(f"framing = {toml_string(spec.text)}")
    for piece in pieces:
        if piece.outgoing:
            lines.append("")
            out.sends += 1
            if piece.truncated:
                out.truncated_sends += 1
                lines.append(f"# the log kept {len(piece.data)} of the {piece.size} bytes sent here: the rest "
                             "is missing")
            lines.append("[[step]]")
            if _is_text(piece.data):
                lines.append(f"send = {toml_string(_escaped(piece.data, template=True))}")
            else:
                lines.append(f"send_hex = {toml_string(_hex(piece.data))}")
            continue
        for frame in (piece.data,):
            if not frame:
                lines += ["", "# an empty frame arrived here (an expect needs at least one byte)"]
                continue
            out.expects += 1
            lines += ["", "[[step]]"]
            if piece.truncated:
                out.truncated_expects += 1
                missing = piece.size - len(frame)
                tail = " ??" * missing if missing <= MAX_WILDCARDS else " *"
                lines.append(f"expect = {toml_string(_hex(frame) + tail)}")
                lines.append('match = "hex"   # the log kept the first bytes only')
            elif _is_text(frame):
                lines.append(f"expect = {toml_string(_escaped(frame, template=False))}")
            else:
                lines.append(f"expect = {toml_string(_hex(frame))}")
                lines.append('match = "hex"')
    lines += ["", "[[step]]", "close = true", ""]
    out.text = "\n".join(lines)
    return out

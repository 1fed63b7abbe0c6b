"""How an event record reads, for people and for programs.

The log pane, its CSV/JSON Lines export and the headless runner all format
records with these functions, so a record reads the same everywhere. Nothing
here imports Qt.

``human_line`` and ``to_json`` say what a record looks like. ``LineFormatter``
writes whole batches of them for the runner, where a flood puts a hundred
thousand records a second through: it gives exactly the same text, but takes the
expensive parts (local time, JSON string escaping, control-character escaping)
once per second or once per distinct name instead of once per record.
"""

from __future__ import annotations

import codecs
import functools
import json
import operator
from collections.abc import Iterable, Sequence
from itertools import compress
from json.encoder import encode_basestring as _json_string
from typing import Any

from app.core.local_time import ClockFormatter, IsoTimeFormatter
from components.component import events_where
from components.errors import ErrorInfo
from components.observer import DROPPED, HANDLER_ERROR, MONO_TO_WALL, RECEIVE, SCENARIO_FAILED, SEND, EventRecord

# How the Data column spells a payload, so every payload reads one way. A payload that
# is valid UTF-8 shows as text ("héllo"), with what a font would draw as nothing or as
# an empty box escaped: control characters as \r \n \t \0 \xNN, other unprintable
# code points (C1 controls, no-break and zero-width spaces, bidi marks, U+FFFD: what
# str.isprintable() calls unprintable) as \uNNNN. Any other payload is bytes: printable
# ASCII as itself, every other byte as \xNN (DE AD BE EF reads \xde\xad\xbe\xef, not
# as a stray Thaana mark decoded from DE AD followed by two escapes). The backslash
# is doubled. Escapes rather than Control Pictures or replacement characters: common
# monospace fonts (DejaVu Sans Mono, Consolas) have no glyphs for those, show empty
# boxes, and Qt complains on stderr ("OpenType support missing").
VISIBLE_CONTROLS: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}
VISIBLE_CONTROLS.update({0x00: "\\0", 0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"})
# Deleting these from a payload leaves the bytes that the text escapes (ASCII controls
# and the backslash): usually none or a few distinct ones, each replaced in one call,
# which is several times faster than str.translate with a table.
_UNESCAPED = bytes(range(0x20, 0x7F)).replace(b"\\", b"") + bytes(range(0x80, 0x100))
# How each byte of a payload that is not text reads (indexing a tuple beats str.translate).
_BYTE_TEXT = tuple(VISIBLE_CONTROLS.get(b, chr(b) if b < 0x80 else f"\\x{b:02x}") for b in range(256))

_utf8_decoder = codecs.getincrementaldecoder("utf-8")

# Invisible characters outside the BMP (tags, musical and shorthand format controls).
_ASTRAL_INVISIBLE = (0x110BD, 0x110CD, *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4),
                     *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE0080))


@functools.cache
def _text_escapes() -> dict[int, str]:
    """Escapes for the code points above ASCII that text must not show as themselves."""
    table = {c: f"\\u{c:04x}" for c in range(0x80, 0x10000) if not chr(c).isprintable()}  # a few ms, once
    table.update({c: f"\\U{c:08x}" for c in _ASTRAL_INVISIBLE})
    table[0xFFFD] = "\\ufffd"
    return table  # no ASCII: _escape_controls has done those


#: records that are not errors of the engine but should stand out like one
_ALARMING = frozenset({HANDLER_ERROR, "SlowHandler", DROPPED, SCENARIO_FAILED})


def is_error(record: EventRecord) -> bool:
    return record.error is not None or record.event in _ALARMING


def is_warning(record: EventRecord) -> bool:
    """Records that say something was lost or late rather than failed (the log draws them
    as warnings, not as errors)."""
    return record.event == DROPPED


_clock = ClockFormatter()
_iso_time = IsoTimeFormatter()


def clock(record: EventRecord) -> str:
    """Local wall-clock time, HH:MM:SS.mmm."""
    return _clock(record.wall_time)


def iso_time(record: EventRecord) -> str:
    """The record's wall time, local, ISO 8601 with microseconds and the UTC offset, so a
    file read on another machine still means the same instant."""
    return _iso_time(record.wall_time)


def text_preview(preview: bytes, truncated: bool = False) -> str:
    """The payload as the Data column shows it: valid UTF-8 as text ("héllo"), anything
    else as bytes (``\\xde\\xad``), control characters as escapes either way (``\\r\\n``).
    A character cut in two at the end of a preview does not make it bytes; with
    ``truncated`` (the payload went on) its first bytes are left out, else escaped."""
    # Views and filters call this for every row they look at, so the common cases
    # (ASCII, text with CR LF) take a few C calls.
    if preview.isascii():
        return _escape_controls(preview.decode("ascii"), preview)
    decoded = _decode(preview)
    if decoded is None:
        return "".join([_BYTE_TEXT[b] for b in preview])
    text, used = decoded
    text = _escape_controls(text, preview)
    if not text.isprintable() or "\ufffd" in text:
        text = text.translate(_text_escapes())  # rare: invisible or unprintable code points
    if used == len(preview) or truncated:
        return text
    return text + "".join([_BYTE_TEXT[b] for b in preview[used:]])


def decoded_text(preview: bytes) -> str | None:
    """The preview decoded, if it shows as text (valid UTF-8 but for a character cut at
    its end, which is left out); None if it shows as bytes."""
    decoded = _decode(preview)
    return None if decoded is None else decoded[0]


def _decode(preview: bytes) -> tuple[str, int] | None:
    """The text and how many bytes it used, or None if the preview is not UTF-8 (a
    character cut at the end is no reason: the decoder keeps it back)."""
    decoder = _utf8_decoder()
    try:
        text = decoder.decode(preview)  # not final: an incomplete last character waits
    except UnicodeDecodeError:
        return None
    return text, len(preview) - len(decoder.getstate()[0])


def _escape_controls(text: str, raw: bytes) -> str:
    """``text`` (decoded from ``raw``) with its ASCII controls and backslashes escaped."""
    escaped = raw.translate(None, _UNESCAPED)
    if not escaped:
        return text
    if 0x5C in escaped:  # first, or the escapes' own backslashes would be doubled
        text = text.replace("\\", "\\\\")
    for byte in set(escaped):
        if byte != 0x5C:
            text = text.replace(chr(byte), VISIBLE_CONTROLS[byte])
    return text


# Bytes that text_preview would change, in ASCII: without them it has nothing to do.
_ESCAPED_ASCII = bytes((*range(0x20), 0x5C, 0x7F))


# The texts of recent previews: a flood repeats a few payloads (an echo's Send repeats
# its OnClientRead), and a dict lookup costs a fifth of decoding.
_preview_texts: dict[bytes, str] = {}
_PREVIEW_TEXTS_MAX = 512


def _preview_text(preview: bytes) -> str:
    """text_preview, remembered for recent previews and quick for printable ASCII."""
    text = _preview_texts.get(preview)
    if text is None:
        if preview.isascii() and len(preview.translate(None, _ESCAPED_ASCII)) == len(preview):
            text = preview.decode("ascii")
        else:
            text = text_preview(preview)
        if len(_preview_texts) >= _PREVIEW_TEXTS_MAX:
            _preview_texts.clear()
        _preview_texts[preview] = text
    return text


def hex_preview(preview: bytes) -> str:
    return preview.hex(" ").upper()


def error_text(record: EventRecord) -> str:
    """``eeConnect 10061 ECONNREFUSED: Connection refused``, or '' for records without an error."""
    return "" if record.error is None else error_line(record.error)


def error_line(error: ErrorInfo) -> str:
    name = f" {error.errno_name}" if error.errno_name else ""
    return f"{error.event} {error.code}{name}: {error.message}"


def connection_text(record: EventRecord) -> str:
    if record.peer:
        return record.peer
    return f"#{record.connection_id}" if record.connection_id else ""


_EVENT = operator.itemgetter(2)


class ConnectionNames:
    """Names connections by their peer address, also on the records that do not carry it.

    A connection's first records (OnLookup, OnConnecting) come before its peer is
    known, and a listener's have none; the address on the record of the event that
    connected it (an event declared with ``connects``: OnConnect, OnClientConnect,
    OnAccept) names all of them. Where one address names several connections
    (a ClientSocket that reconnects to the same server), the id is added:
    ``127.0.0.1:7007 (#12)``. Connection ids are unique in the process, so no
    component is needed. Memory is bounded: past ``limit`` ids the oldest half is
    forgotten.
    """

    __slots__ = ("_connecting", "_first_id", "_limit", "_peer_of", "_shared")

    def __init__(self, limit: int = 200_000) -> None:
        self._limit = limit
        self._connecting = events_where(lambda e: e.connects)
        self._peer_of: dict[int, str] = {}
        self._first_id: dict[str, int] = {}  # peer -> the first connection id seen with it
        self._shared: set[str] = set()  # peers seen with more than one id

    def learn(self, records: Sequence[tuple[Any, ...]]) -> None:
        """Remember the peers of ``records`` (EventRecords or their plain tuples)."""
        # Only the event that connects a connection is looked at: every later record
        # carries the peer itself, and the earlier ones (OnLookup, OnConnecting) are
        # the ones that need it. Picking those out runs in C, so a flood costs little.
        connects = compress(records, map(self._connecting.__contains__, map(_EVENT, records)))
        peer_of, first_id = self._peer_of, self._first_id
        for record in connects:
            connection_id, peer = record[3], record[4]
            if not (connection_id and peer):
                continue
            if peer_of.get(connection_id) == peer:
                continue
            peer_of[connection_id] = peer
            if first_id.setdefault(peer, connection_id) != connection_id:
                self._shared.add(peer)
        if len(peer_of) > self._limit:
            self._forget_oldest()

    def _forget_oldest(self) -> None:
        keep = self._limit // 2
        self._peer_of = dict(list(self._peer_of.items())[-keep:])
        self._first_id = dict(list(self._first_id.items())[-keep:])
        self._shared &= self._first_id.keys()

    def peer(self, connection_id: int, peer: str = "") -> str:
        """The record's own peer, else the one its connection had."""
        if peer or not connection_id:
            return peer
        return self._peer_of.get(connection_id, "")

    def text(self, connection_id: int, peer: str = "") -> str:
        """``127.0.0.1:50123``, ``127.0.0.1:7007 (#12)`` when that address names several
        connections, ``#12`` while the address is not known, '' for none."""
        peer = self.peer(connection_id, peer)
        if not peer:
            return f"#{connection_id}" if connection_id else ""
        if connection_id and peer in self._shared:
            return f"{peer} (#{connection_id})"
        return peer

    def clear(self) -> None:
        self._peer_of.clear()
        self._first_id.clear()
        self._shared.clear()


def summary_line(detail: str, *, last: bool = False) -> str:
    """One line of a multi-line detail: the first, or the last non-blank (a traceback's exception)."""
    if "\n" not in detail:
        return detail
    lines = [line for line in detail.splitlines() if line.strip()]
    if not lines:
        return ""
    return (lines[-1] if last else lines[0]).strip()


class Words:
    """How the counts in a summary read. These are the runner's and the files' plain words;
    the log pane gives its translated ones (ui.event_log_model)."""

    def byte_count(self, count: int) -> str:
        return f"{count} {'byte' if count == 1 else 'bytes'}"

    def dropped(self, count: int, detail: str) -> str:
        """A Dropped record's summary (``count`` records lost; ``detail`` says so in English)."""
        return detail

    def error(self, error: ErrorInfo) -> str:
        """An error record's summary (the engine's English message)."""
        return error_line(error)

    def detail(self, line: str) -> str:
        """A record's own detail line, as the engine wrote it."""
        return line


PLAIN_WORDS = Words()


def data_records() -> frozenset[str]:
    """The records whose payload is the point: the events declared with ``data`` (OnRead,
    OnClientRead) and the bytes sent or read (Send, Receive)."""
    return events_where(lambda e: e.carries_data) | {SEND, RECEIVE}


_DATA_RECORDS = data_records()


def detail_text(event: str, byte_count: int, error: ErrorInfo | None, detail: str,
                words: Words = PLAIN_WORDS) -> str:
    """One line saying what happened beyond the event's name: the error, the byte count of
    data, the lost records of a Dropped record, else the detail's first line (a traceback's
    last). The log's Detail column, the runner's lines and the exports all read it."""
    if error is not None:
        return words.error(error)
    if event == DROPPED:  # byte_count counts records here, not bytes
        return words.dropped(byte_count, detail)
    if byte_count or event in _DATA_RECORDS:
        # what the engine says of the bytes too: a saved message's name, a reply time, an
        # incomplete last frame ("11 bytes · message 'poll'", "5 bytes · +3.2 ms")
        counted = words.byte_count(byte_count)
        return f"{counted} · {words.detail(summary_line(detail))}" if detail else counted
    return words.detail(summary_line(detail, last=event == HANDLER_ERROR))


def summary(record: EventRecord) -> str:
    """One line saying what happened beyond the event's name (detail_text, in plain words)."""
    return detail_text(record.event, record.byte_count, record.error, record.detail)


def _quick_summary(record: EventRecord) -> str:
    """summary(), without its tests for the usual data record."""
    count = record.byte_count
    if count > 1 and record.error is None and not record.detail and record.event != DROPPED:
        return f"{count} bytes"
    return summary(record)


def human_line(record: EventRecord) -> str:
    """The headless runner's line: time, component, event, connection, summary, data (the
    component, summary and data only when there are any)."""
    line = _clock(record.wall_time)
    if record.component:
        line += "  " + record.component
    if record.event:
        line += "  " + record.event
    line += "  " + (record.peer or (f"#{record.connection_id}" if record.connection_id else "-"))
    said = _quick_summary(record)
    if said:
        line += "  " + said
    preview = record.preview
    if preview:
        more = "…" if record.byte_count > len(preview) else ""
        line += f"  \"{_preview_text(preview)}{more}\""
    return line


def error_fields(record: EventRecord) -> dict[str, Any] | None:
    """The error's parts, so a script can select ``code == 10061`` without parsing."""
    error = record.error
    if error is None:
        return None
    return {"event": str(error.event), "errno": error.errno, "errno_name": error.errno_name,
            "code": error.code, "message": error.message}


def to_json(record: EventRecord) -> dict[str, Any]:
    """One JSON Lines object (the runner's ``--json`` and the log's export). A Dropped record
    also has ``dropped``, the number of records lost at that point."""
    out = {
        "time": iso_time(record),
        "monotonic": record.time,
        "component": record.component,
        "event": record.event,
        "connection": record.connection_id,
        "peer": record.peer,
        "thread": record.thread,
        "bytes": record.byte_count,
        "detail": record.detail,
        "summary": summary(record),
        "data_hex": record.preview.hex(),
        "error": error_fields(record),
    }
    if record.event == DROPPED:
        out["bytes"] = 0
        out["dropped"] = record.byte_count
    return out


_JSON_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
# to_json's fields in to_json's order, for a record without error that is not Dropped
_JSON_LINE = ('{"time": "%s", "monotonic": %r, "component": %s, "event": %s, "connection": %d, '
              '"peer": %s, "thread": %s, "bytes": %d, "detail": %s, "summary": %s, "data_hex": "%s", '
              '"error": null}')


def json_line(record: EventRecord) -> str:
    """``json.dumps(to_json(record), ensure_ascii=False)``, about four times faster: the usual
    record is written straight into the line (the tests check both ways agree)."""
    if record.error is not None or record.event == DROPPED or type(record.time) is not float:
        return _JSON_ENCODE(to_json(record))
    return _JSON_LINE % (_iso_time(record.wall_time), record.time, _json_string(record.component),
                         _json_string(record.event), record.connection_id, _json_string(record.peer),
                         _json_string(record.thread), record.byte_count, _json_string(record.detail),
                         _json_string(_quick_summary(record)), record.preview.hex())


def format_lines(records: Iterable[EventRecord], as_json: bool = False) -> str:
    """Records as text lines (human_line) or JSON Lines, each line ending in a newline:
    exactly what those functions give, for a whole batch at once (the runner's path)."""
    lines = _json_lines(records) if as_json else _text_lines(records)
    if not lines:
        return ""
    lines.append("")
    return "\n".join(lines)


# The batch formatters below unpack each record once and spell the usual record (data
# of more than one byte on a connection with a peer, no error) with one f-string or %,
# with the texts a flood repeats (names, payload previews) looked up in small caches;
# any other record takes human_line / json_line. tests/app/test_record_format.py checks
# that both ways give the same text.

_json_strings: dict[str, str] = {}
_hex_texts: dict[bytes, str] = {}
_CACHE_MAX = 512


def _json_text(text: str) -> str:
    quoted = _json_strings.get(text)
    if quoted is None:
        quoted = _json_string(text)
        if len(_json_strings) >= _CACHE_MAX:
            _json_strings.clear()
        _json_strings[text] = quoted
    return quoted


def _hex_text(preview: bytes) -> str:
    text = _hex_texts.get(preview)
    if text is None:
        text = preview.hex()
        if len(_hex_texts) >= _CACHE_MAX:
            _hex_texts.clear()
        _hex_texts[preview] = text
    return text


def _text_lines(records: Iterable[EventRecord]) -> list[str]:
    out: list[str] = []
    append = out.append
    offset, previews = MONO_TO_WALL, _preview_texts
    milli, stamp = -1, ""  # the clock's text changes once a millisecond
    for record in records:
        when, component, event, _cid, peer, _thread, count, preview, error, detail = record
        if count < 2 or error is not None or detail or not (component and event and peer) or event == DROPPED:
            append(human_line(record))
            continue
        wall = when + offset
        if int(wall * 1000) != milli:
            milli, stamp = int(wall * 1000), _clock(wall)
        if preview:
            text = previews.get(preview)
            if text is None:
                text = _preview_text(preview)
            more = "…" if count > len(preview) else ""
            append(f'{stamp}  {component}  {event}  {peer}  {count} bytes  "{text}{more}"')
        else:
            append(f"{stamp}  {component}  {event}  {peer}  {count} bytes")
    return out


def _json_lines(records: Iterable[EventRecord]) -> list[str]:
    out: list[str] = []
    append = out.append
    offset, texts, middles = MONO_TO_WALL, _hex_texts, _json_middles
    second, head, zone = -1, "", ""  # IsoTimeFormatter's parts, read once a second
    for record in records:
        when, component, event, cid, peer, thread, count, preview, error, detail = record
        if (count < 2 or error is not None or event == DROPPED or detail
                or type(when) is not float):
            append(json_line(record))
            continue
        wall = when + offset
        if int(wall) != second:
            second = int(wall)
            stamp = _iso_time(float(second))
            head, zone = '{"time": "' + stamp[:19] + ".", stamp[26:] + '", "monotonic": '
        # the fields a connection's records repeat, quoted once per connection and event
        middle = middles.get((component, event, cid, peer, thread))
        if middle is None:
            middle = _json_middle(component, event, cid, peer, thread)
        hexed = texts.get(preview)
        if hexed is None:
            hexed = _hex_text(preview)
        append(f'{head}{int((wall - second) * 1e6):06d}{zone}{when!r}{middle}{count}, "detail": "", '
               f'"summary": "{count} bytes", "data_hex": "{hexed}", "error": null}}')
    return out


_json_middles: dict[tuple[str, str, int, str, str], str] = {}
_MIDDLES_MAX = 4096


def _json_middle(component: str, event: str, cid: int, peer: str, thread: str) -> str:
    """The part of _JSON_LINE from after the monotonic time to the byte count, as the
    batch path spells it (remembered: a flood repeats a few connections)."""
    middle = (f', "component": {_json_text(component)}, "event": {_json_text(event)}, "connection": {cid}, '
              f'"peer": {_json_text(peer)}, "thread": {_json_text(thread)}, "bytes": ')
    if len(_json_middles) >= _MIDDLES_MAX:
        _json_middles.clear()
    _json_middles[(component, event, cid, peer, thread)] = middle
    return middle

"""How records read: payload text (issue 8, item 18) and connection names (item 19)."""

from __future__ import annotations

import codecs
import socket

from hypothesis import given
from hypothesis import strategies as st

from app.core.record_format import VISIBLE_CONTROLS, ConnectionNames, human_line, text_preview, to_json
from components.observer import EventRecord
from tests.app.test_runner import EXAMPLE, LineReader, free_port, start_run


def read_record(preview: bytes, byte_count: int | None = None, **fields) -> EventRecord:
    base = dict(time=1.0, component="ServerSocket1", event="OnClientRead", connection_id=3,
                peer="127.0.0.1:50123", thread="MainThread")
    base.update(fields)
    return EventRecord(**base, byte_count=len(preview) if byte_count is None else byte_count,
                       preview=preview)


def test_bytes_that_are_not_text_read_as_escapes():
    assert text_preview(b"\xde\xad\xbe\xef") == "\\xde\\xad\\xbe\\xef"  # was "\ufffd" boxes
    assert text_preview(b"AB\x00\xff\r\n") == "AB\\0\\xff\\r\\n"
    assert text_preview(b"Hi\r\n\xde\xad\xbe\xef") == "Hi\\r\\n\\xde\\xad\\xbe\\xef"  # not a Thaana mark from DE AD


def test_text_stays_text_and_the_invisible_is_spelled_out():
    assert text_preview("héllo".encode()) == "héllo"
    assert text_preview("Grüße\r\n".encode()) == "Grüße\\r\\n"
    assert text_preview(b"GET / HTTP/1.1\r\n\t\x1b[0m\\") == "GET / HTTP/1.1\\r\\n\\t\\x1b[0m\\\\"
    # bidi override, zero-width space, C1 control, no-break space, a literal U+FFFD, a tag
    assert text_preview("a\u202eb\u200bc\u0085d\u00a0e\ufffdf\U000e0041".encode()) == \
        "a\\u202eb\\u200bc\\u0085d\\u00a0e\\ufffdf\\U000e0041"


def test_a_character_cut_by_the_preview_does_not_turn_text_into_bytes():
    cut = "wörld".encode()[:2]  # b"w\xc3": the preview ends inside "ö"
    assert text_preview(cut) == "w\\xc3"
    assert text_preview(cut, truncated=True) == "w"
    assert text_preview("日本".encode()[:5], truncated=True) == "日"
    assert text_preview(b"\xff" + "ö".encode()[:1], truncated=True) == "\\xff\\xc3"  # bytes anyway


def _plain_reference(data: bytes) -> str:
    """What the Data column should show, written the slow and obvious way."""
    def as_bytes(raw: bytes) -> str:
        return "".join(VISIBLE_CONTROLS.get(b, chr(b) if b < 0x80 else f"\\x{b:02x}") for b in raw)

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(data)  # a character cut at the end stays behind, as bytes
    except UnicodeDecodeError:
        return as_bytes(data)
    out = []
    for ch in text:
        code = ord(ch)
        if code in VISIBLE_CONTROLS:
            out.append(VISIBLE_CONTROLS[code])
        elif code >= 0x80 and (not ch.isprintable() or code == 0xFFFD) and code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out) + as_bytes(decoder.getstate()[0])


@given(st.one_of(st.binary(max_size=64),
                 st.text(max_size=30).map(lambda t: t.encode()).filter(lambda b: len(b) <= 64)))
def test_text_preview_agrees_with_the_plain_definition(data):
    if any(ord(c) >= 0x10000 and not c.isprintable() for c in data.decode("utf-8", "ignore")):
        return  # outside the BMP only a listed few are escaped; the plain version does not know them
    assert text_preview(data) == _plain_reference(data)
    assert "\ufffd" not in text_preview(data)


def test_the_runner_lines_and_json_use_the_same_text():
    record = read_record(b"\xde\xad\xbe\xef\r\n", byte_count=100)
    line = human_line(record)
    assert line.endswith('"\\xde\\xad\\xbe\\xef\\r\\n…"')
    assert to_json(record)["data_hex"] == "deadbeef0d0a"


def test_the_headless_runner_prints_binary_data_as_escapes():
    """The same text_preview, seen from outside: a real `run` process and a real client."""
    port = free_port()
    proc = start_run(str(EXAMPLE), f"--set=ServerSocket1.Port={port}", "--set", "ClientSocket1.Active=False")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: "ServerSocket1  OnListen" in line)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"\xde\xad\xbe\xef\x00AB")
            got = b""
            while len(got) < 7:
                got += s.recv(64)
        line = reader.wait_for(lambda x: "ServerSocket1  OnClientRead" in x)
        assert '"\\xde\\xad\\xbe\\xef\\0AB"' in line
    finally:
        proc.terminate()
        proc.wait(15)
    reader.join(5)
    assert "OpenType" not in proc.stderr.read()


def test_connection_names_remember_peers_and_add_the_id_where_one_address_is_shared():
    names = ConnectionNames()
    records = [read_record(b"", event="OnConnecting", connection_id=5, peer=""),
               read_record(b"", event="OnConnect", connection_id=5, peer="127.0.0.1:7007"),
               read_record(b"", event="OnListen", connection_id=0, peer="")]
    assert names.text(5, "") == "#5"  # nothing known yet
    names.learn(records)
    assert [names.text(r.connection_id, r.peer) for r in records] == ["127.0.0.1:7007", "127.0.0.1:7007", ""]
    names.learn([read_record(b"", event="OnConnect", connection_id=6, peer="127.0.0.1:7007")])
    assert names.text(5) == "127.0.0.1:7007 (#5)" and names.text(6) == "127.0.0.1:7007 (#6)"
    assert names.peer(6) == "127.0.0.1:7007"


def test_connection_names_stay_bounded():
    names = ConnectionNames(limit=100)
    for start in range(0, 1000, 50):
        names.learn([read_record(b"", event="OnClientConnect", connection_id=i, peer=f"10.0.0.1:{i}")
                     for i in range(start + 1, start + 51)])
    assert len(names._peer_of) <= 100
    assert names.text(1000) == "10.0.0.1:1000" and names.text(1) == "#1"  # the oldest are forgotten

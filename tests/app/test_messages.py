"""Saved messages: checking, rendering (text and hex, with templates), and their place in
the .sockform (version 2 only when a form has messages; old files still load)."""

from __future__ import annotations

import json

import pytest

from app.core.form_document import FormDocument, FormFileError, HandlerBinding
from app.core.messages import Message, MessageError, MessageList, hex_to_template
from app.core.repeat import RepeatSpec


def test_text_message_renders_escapes_counter_and_checksum():
    m = Message("poll", "text", "\\x02STATUS {counter}\\x03{xor8}")
    out = m.render(counter=7)
    assert out[:-1] == b"\x02STATUS 7\x03"
    x = 0
    for b in out[:-1]:
        x ^= b
    assert out[-1] == x


def test_hex_message_with_modbus_crc():
    m = Message("read", "hex", "01 03 00 00 00 0A {crc16_modbus}")
    assert m.render() == bytes.fromhex("01030000000AC5CD")
    assert Message("h", "hex", "0x01:0x02-ff").render() == b"\x01\x02\xff"


@pytest.mark.parametrize(("message", "field", "words"), [
    (Message("", "text", "x"), "name", "needs a name"),
    (Message("a", "binary", "x"), "kind", "not a kind"),
    (Message("a", "text", ""), "data", "empty"),
    (Message("a", "text", "PONG {1}"), "data", "no received frame"),
    (Message("a", "text", "{hexframe}"), "data", "needs a received frame"),
    (Message("a", "text", "oops {"), "data", "not closed"),
    (Message("a", "hex", "01 0G"), "data", "'G' is not a hex digit (at character 5)"),
    (Message("a", "hex", "01 2"), "data", "pairs of digits"),
])
def test_bad_messages_say_what_and_where(message, field, words):
    with pytest.raises(MessageError) as info:
        message.compile(2)
    assert info.value.field == field
    assert "message 3" in str(info.value)
    assert words in str(info.value)


def test_hex_error_has_the_position():
    with pytest.raises(MessageError) as info:
        hex_to_template("01 02 zz")
    assert info.value.position == 6
    assert "character 7" in str(info.value)


def test_names_are_unique_case_insensitive():
    messages = MessageList([Message("Poll", "text", "a")])
    with pytest.raises(MessageError, match="already exists"):
        messages.check(Message("poll ", "text", "b"))
    messages.check(Message("poll", "text", "b"), replacing=0)  # renaming itself is fine
    assert messages.find("POLL") is messages.items[0]
    assert messages.free_name() == "message 2"


def test_form_without_messages_stays_version_1_and_round_trips():
    doc = FormDocument()
    text = doc.to_json()
    assert json.loads(text)["version"] == 1
    assert "messages" not in json.loads(text)
    assert FormDocument.from_json(text).to_json() == text


def test_messages_and_repeat_binding_round_trip():
    doc = FormDocument.from_json(FormDocument().to_json())
    doc.messages = MessageList([Message("poll", "text", "STATUS?\\r\\n"), Message("raw", "hex", "01 02")])
    from app.core.form_document import ComponentEntry
    entry = ComponentEntry("ServerSocket", "ServerSocket1")
    entry.events["OnClientConnect"] = HandlerBinding("repeat", RepeatSpec("poll", 50, 0).argument)
    doc.components.append(entry)
    text = doc.to_json()
    data = json.loads(text)
    assert data["version"] == 2
    assert data["messages"][0] == {"name": "poll", "kind": "text", "data": "STATUS?\\r\\n"}
    assert data["components"][0]["events"]["OnClientConnect"] == {
        "action": "repeat", "message": "poll", "interval_ms": 50, "count": 0}
    again = FormDocument.from_json(text)
    assert again.messages == doc.messages
    assert again.to_json() == text


def _form(messages, events=None) -> str:
    data = {"format": "socket-workbench-form", "version": 2, "form": {"name": "Form1"},
            "components": [{"type": "ServerSocket", "name": "S", "events": events or {}}],
            "messages": messages}
    return json.dumps(data)


@pytest.mark.parametrize(("messages", "events", "words"), [
    ({"name": "x"}, None, "messages: must be a list"),
    ([{"name": "a", "data": "x", "colour": 1}], None, "unknown field(s) 'colour'"),
    ([{"name": "a", "data": 5}], None, "message 1, data: must be text"),
    ([{"name": "a", "data": "x"}, {"name": "A", "data": "y"}], None, "message 2, name: a message named"),
    ([{"name": "a", "kind": "hex", "data": "0"}], None, "pairs of digits"),
    ([{"name": "a", "data": "x"}], {"OnClientConnect": {"action": "repeat", "message": "b", "interval_ms": 5}},
     "do not hold"),
    ([{"name": "a", "data": "x"}], {"OnClientConnect": {"action": "repeat", "message": "a", "interval_ms": 0}},
     "interval_ms must be a whole number from 1"),
    ([{"name": "a", "data": "x"}], {"OnClientConnect": {"action": "repeat", "message": "a", "interval_ms": "5"}},
     "not '5'"),
    ([{"name": "a", "data": "x"}], {"OnClientRead": {"action": "repeat", "message": "a", "interval_ms": 5}},
     "not an action for OnClientRead"),
])
def test_bad_entries_in_a_file_give_a_clear_error(messages, events, words):
    with pytest.raises(FormFileError) as info:
        FormDocument.from_json(_form(messages, events), "f.sockform")
    assert words in str(info.value)
    assert str(info.value).startswith("f.sockform: ")


def test_newer_version_is_refused():
    with pytest.raises(FormFileError, match="newer"):
        FormDocument.from_json(json.dumps({"format": "socket-workbench-form", "version": 3, "form": {}}))


@pytest.mark.parametrize(("text", "spec"), [
    ("poll, 50, 0", RepeatSpec("poll", 50, 0)),
    ("poll,1", RepeatSpec("poll", 1, 0)),
    ("a, b, 10, 3", RepeatSpec("a, b", 10, 3)),
])
def test_repeat_argument(text, spec):
    assert RepeatSpec.from_argument(text) == spec
    assert RepeatSpec.from_argument(spec.argument) == spec


@pytest.mark.parametrize("text", ["poll", "poll, x", ", 5", "poll, 0", "poll, 5, -1"])
def test_bad_repeat_argument(text):
    with pytest.raises(ValueError):
        RepeatSpec.from_argument(text)

"""The .sockform format: round trips, validation, damaged files, atomic saves."""

from __future__ import annotations

import json
import os

import pytest

from app.form_document import FORMAT, ComponentEntry, FormDocument, FormFileError, HandlerBinding
from components import ServerType


def sample() -> FormDocument:
    doc = FormDocument(name="ChatForm", caption="Chat server — 聊天", width=800, height=600)
    server = ComponentEntry("ServerSocket", "ServerSocket1", 48, 32,
                            {"Port": 9000, "ServerType": ServerType.THREAD_BLOCKING, "ThreadCacheSize": 4},
                            {"OnClientRead": HandlerBinding(action="echo"),
                             "OnClientConnect": HandlerBinding(action="reply_text", argument="hi\\r\\n")})
    client = ComponentEntry("ClientSocket", "ClientSocket1", 200, 32, {"Host": "localhost", "Port": 9000},
                            {"OnRead": HandlerBinding(handler="ClientSocket1Read")})
    doc.components += [server, client]
    return doc


def test_save_load_save_is_byte_identical(tmp_path):
    path = tmp_path / "chat.sockform"
    sample().save(path)
    first = path.read_bytes()
    loaded = FormDocument.load(path)
    loaded.save(path)
    assert path.read_bytes() == first
    data = json.loads(first)
    assert data["format"] == FORMAT and data["version"] == 1
    assert data["components"][0]["properties"] == {"Port": 9000, "ServerType": "stThreadBlocking",
                                                   "ThreadCacheSize": 4}
    assert loaded.components[0].properties["ServerType"] is ServerType.THREAD_BLOCKING
    assert loaded.components[1].events["OnRead"].handler == "ClientSocket1Read"
    assert loaded.caption == "Chat server — 聊天"


def test_defaults_are_not_stored(tmp_path):
    doc = FormDocument()
    doc.components.append(ComponentEntry("ServerSocket", "ServerSocket1", properties={"ThreadCacheSize": 10}))
    assert json.loads(doc.to_json())["components"][0]["properties"] == {}


@pytest.mark.parametrize("text, message", [
    ("", "not valid JSON at line 1"),
    ("{\"format\": \"socket-workbench-form\", \"version\": 1, \"form\": {", "not valid JSON"),
    ("[1, 2]", "is not a Socket Workbench form"),
    ('{"format": "other", "version": 1}', "is not a Socket Workbench form"),
    ('{"format": "socket-workbench-form", "version": 7, "form": {}}', "version 7, newer than"),
    ('{"format": "socket-workbench-form", "version": "1", "form": {}}', "no valid \\\"version\\\""),
    ('{"format": "socket-workbench-form", "version": 1}', "form: missing or not an object"),
    ('{"format": "socket-workbench-form", "version": 1, "form": {"width": -5}}', "form.width"),
])
def test_damaged_or_foreign_files_are_refused_clearly(tmp_path, text, message):
    path = tmp_path / "bad.sockform"
    path.write_text(text)
    with pytest.raises(FormFileError, match=message):
        FormDocument.load(path)


def component_file(component: dict) -> str:
    return json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Form1"}, "components": [component]})


@pytest.mark.parametrize("component, message", [
    ({"type": "TMemo", "name": "Memo1"}, "'TMemo' is not a component type"),
    ({"type": "ServerSocket", "name": "1bad"}, "not a valid component name"),
    ({"type": "ServerSocket", "name": "S", "position": [1]}, "is not \\[x, y\\]"),
    ({"type": "ServerSocket", "name": "S", "properties": {"Port": 70000}}, "Port must be between 0 and 65535"),
    ({"type": "ServerSocket", "name": "S", "properties": {"Host": "x"}}, "has no property 'Host'"),
    ({"type": "ServerSocket", "name": "S", "properties": {"ActiveConnections": 3}}, "read-only"),
    ({"type": "ServerSocket", "name": "S", "properties": {"ServerType": "stSometimes"}}, "stNonBlocking"),
    ({"type": "ServerSocket", "name": "S", "events": {"OnRead": {"action": "echo"}}}, "has no event 'OnRead'"),
    ({"type": "ServerSocket", "name": "S", "events": {"OnClientRead": {"action": "explode"}}},
     "not a built-in action"),
    ({"type": "ServerSocket", "name": "S", "events": {"OnClientRead": {"action": "reply_hex",
                                                                      "argument": "zz"}}}, "not a hex digit"),
    ({"type": "ServerSocket", "name": "S", "events": {"OnClientRead": {"handler": "not valid"}}},
     "not a function name"),
])
def test_invalid_components_are_refused_with_where_and_why(component, message):
    with pytest.raises(FormFileError, match=message):
        FormDocument.from_json(component_file(component))


def test_duplicate_names_are_refused():
    text = json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Form1"}, "components": [
        {"type": "ServerSocket", "name": "S1"}, {"type": "ClientSocket", "name": "s1"}]})
    with pytest.raises(FormFileError, match="already exists"):
        FormDocument.from_json(text)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin.sockform"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(FormFileError, match="not UTF-8"):
        FormDocument.load(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FormFileError, match="can't open"):
        FormDocument.load(tmp_path / "nope.sockform")


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.sockform"
    sample().save(path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    doc = sample()
    doc.caption = "changed"
    with pytest.raises(OSError):
        doc.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.sockform"]  # no temp file left


def test_next_free_name():
    doc = sample()
    assert doc.next_free_name("ServerSocket") == "ServerSocket2"
    assert doc.next_free_name("ClientSocket", taken=["clientsocket2"]) == "ClientSocket3"

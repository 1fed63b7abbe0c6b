"""The .sockform format: round trips, validation, damaged files, atomic saves."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.form_document import FORMAT, ComponentEntry, FormDocument, FormFileError, HandlerBinding
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


# -- the reader against hostile JSON ----------------------------------------------------------
def test_json_nested_too_deep_says_where(tmp_path):
    path = tmp_path / "deep.sockform"
    path.write_text('{"format": "socket-workbench-form",\n "version": 1, "form": '
                    + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(FormFileError) as info:
        FormDocument.load(path)
    assert str(info.value) == "deep.sockform is damaged: nested more than 500 levels deep at line 2, column 523"


def test_a_json_integer_too_long_to_read_says_where():
    text = ('{"format": "socket-workbench-form", "version": 1,\n  "form": {"caption": "9999", "width": '
            + "7" * 4301 + "}}")
    with pytest.raises(FormFileError) as info:
        FormDocument.from_json(text, "long.sockform")
    assert str(info.value) == ("long.sockform is damaged: a number of 4301 digits at line 2, column 40 "
                               "(at most 4300 can be read)")


def test_half_a_utf16_pair_loads_and_saves_as_its_json_escape(tmp_path):
    # a Delphi string may hold one (#55296 in a .dfm); UTF-8 cannot, JSON's \\ud800 can
    text = '{"format": "socket-workbench-form", "version": 1, "form": {"caption": "ok \\ud800"}, ' \
           '"foreign": [{"dfm": "\\udfff"}]}'
    doc = FormDocument.from_json(text, "half.sockform")
    assert doc.caption == "ok \ud800"
    doc.save(tmp_path / "half.sockform")
    assert b'"caption": "ok \\ud800"' in (tmp_path / "half.sockform").read_bytes()
    assert FormDocument.load(tmp_path / "half.sockform") == doc


def test_messages_quote_a_long_value_short():
    text = component_file({"type": "ServerSocket", "name": "S", "position": ["x" * 10_000, 1]})
    with pytest.raises(FormFileError) as info:
        FormDocument.from_json(text)
    assert len(str(info.value)) < 200 and "..." in str(info.value)


_KEYS = ["format", "version", "form", "components", "foreign", "name", "caption", "width", "height", "type",
         "position", "properties", "events", "Port", "Active", "Address", "ServerType", "OnClientRead",
         "OnConnect", "action", "argument", "handler", "dfm", "kind", "class", "children", "int", "x"]
_LEAVES = st.sampled_from([
    "null", "true", "false", "0", "-1", "8080", "70000", "1.5", "1e999", "-0", '""', '"x"', '"Form1"',
    '"ServerSocket"', '"ClientSocket"', '"S1"', '"echo"', '"reply_hex"', '"zz"', '"send_file"', '"stThreadBlocking"',
    '"\\u0000"', '"\\ud800"', '"\\udfff x"', f'"{FORMAT}"', '"\\u00e9\\u4e2d"',
]) | st.integers(4290, 4400).map(lambda n: "9" * n) | st.integers(-(2**70), 2**70).map(str)


def _json_containers(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pairs = st.lists(st.tuples(st.sampled_from(_KEYS), inner), max_size=5)
    return st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        pairs.map(lambda kv: "{" + ", ".join(f'"{k}": {v}' for k, v in kv) + "}"),
        st.tuples(st.integers(300, 3000), inner).map(lambda d: "[" * d[0] + d[1] + "]" * d[0]),
    )


nasty_json = st.recursive(_LEAVES, _json_containers, max_leaves=12)
nasty_components = st.builds(
    lambda t, n, p, props, events: (f'{{"type": {t}, "name": {n}, "position": {p}, "properties": {props}, '
                                    f'"events": {events}}}'),
    st.sampled_from(['"ServerSocket"', '"ClientSocket"']) | nasty_json,
    st.sampled_from(['"S1"', '"C1"']) | nasty_json,
    st.sampled_from(["[0, 0]", "[8, 16]"]) | nasty_json,
    nasty_json, nasty_json)
nasty_form_settings = st.builds(
    lambda name, caption, width: f'{{"name": {name}, "caption": {caption}, "width": {width}}}',
    st.sampled_from(['"Form1"']) | nasty_json, _LEAVES | nasty_json, st.sampled_from(["640"]) | nasty_json)
nasty_forms = st.one_of(
    nasty_json,
    st.builds(lambda form, comps, foreign: (f'{{"format": "{FORMAT}", "version": 1, "form": {form}, '
                                            f'"components": [{", ".join(comps)}], "foreign": {foreign}}}'),
              nasty_form_settings | nasty_json, st.lists(nasty_components, max_size=3),
              nasty_json.map(lambda item: f"[{item}]") | nasty_json),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=nasty_forms)
def test_any_json_gives_a_form_that_saves_and_reads_back_or_one_clear_error(text):
    try:
        doc = FormDocument.from_json(text, "fuzz.sockform")
    except FormFileError as error:
        assert str(error).startswith("fuzz.sockform") and "\n" not in str(error) and len(str(error)) < 400
        return
    saved = doc.to_json().encode("utf-8")  # what Save writes: never a ValueError or UnicodeError
    assert FormDocument.from_json(saved.decode("utf-8")) == doc


def test_a_binding_is_checked_as_the_inspector_checks_it():
    """One check for a binding (app.core.builtin_actions.check_action): a file can't bind an
    action to an event it does not fit, which the inspector never offers either."""
    from app.core.builtin_actions import actions_for
    from components import ServerSocket

    assert "echo" not in [a.id for a in actions_for(ServerSocket.event_spec("OnListen"))]
    text = component_file({"type": "ServerSocket", "name": "S", "events": {"OnListen": {"action": "echo"}}})
    with pytest.raises(FormFileError, match=r"component 'S'\.OnListen: 'echo' is not an action for OnListen"):
        FormDocument.from_json(text)
    suppress = component_file({"type": "ServerSocket", "name": "S",
                               "events": {"OnClientError": {"action": "suppress"}}})
    assert FormDocument.from_json(suppress).components[0].events["OnClientError"].action == "suppress"

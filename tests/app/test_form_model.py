"""FormModel edits and the undo stack."""

from __future__ import annotations

import pytest

from app.core.form_document import ComponentEntry, HandlerBinding
from app.qt.form_model import EditRefused, FormModel


@pytest.fixture
def model(qapp):
    return FormModel()


def test_add_names_snap_and_undo(model, qtbot):
    with qtbot.waitSignal(model.componentAdded):
        a = model.add_component("ServerSocket", 13, 29)
    b = model.add_component("ServerSocket", 100, 100)
    assert [e.name for e in model.entries()] == ["ServerSocket1", "ServerSocket2"]
    assert (model.entry(a).x, model.entry(a).y) == (16, 32)
    assert model.selection() == [b]
    model.undo_stack.undo()
    assert [e.name for e in model.entries()] == ["ServerSocket1"]
    model.undo_stack.redo()
    assert model.entry(b).name == "ServerSocket2"


def test_every_edit_undoes_and_redoes(model):
    uid = model.add_component("ClientSocket", 0, 0)
    model.set_property(uid, "Host", "example.org")
    model.set_property(uid, "ClientType", "ctBlocking")
    model.rename_component(uid, "Probe")
    model.set_binding(uid, "OnRead", HandlerBinding(action="echo"))
    model.move_components({uid: (64, 64)})
    snapshot = model.document.to_json()
    for _ in range(6):
        model.undo_stack.undo()
    assert model.entries() == []
    for _ in range(6):
        model.undo_stack.redo()
    assert model.document.to_json() == snapshot


def test_nudges_merge_into_one_step(model):
    uid = model.add_component("ServerSocket", 0, 0)
    count = model.undo_stack.count()
    for i in range(1, 6):
        model.move_components({uid: (8 * i, 0)}, nudge=True)
    assert model.undo_stack.count() == count + 1
    model.undo_stack.undo()
    assert model.entry(uid).x == 0


def test_refused_edits_change_nothing(model):
    uid = model.add_component("ServerSocket", 0, 0)
    other = model.add_component("ClientSocket", 0, 0)
    count = model.undo_stack.count()
    for name, value in [("Port", -1), ("Address", "999.1.1.1"), ("ThreadCacheSize", "many")]:
        with pytest.raises(EditRefused):
            model.set_property(uid, name, value)
    with pytest.raises(EditRefused, match="already exists"):
        model.rename_component(other, "serversocket1")
    with pytest.raises(EditRefused, match="not a valid component name"):
        model.rename_component(other, "has space")
    assert model.undo_stack.count() == count


def test_paste_renames_taken_names(model):
    model.add_component("ServerSocket", 0, 0)
    model.add_entries([ComponentEntry("ServerSocket", "ServerSocket1", 8, 8, {"Port": 7})])
    assert [e.name for e in model.entries()] == ["ServerSocket1", "ServerSocket2"]
    assert model.entries()[1].properties == {"Port": 7}


def test_modified_and_save(model, tmp_path):
    assert not model.is_modified()
    model.add_component("ServerSocket", 0, 0)
    assert model.is_modified()
    model.save(tmp_path / "f.sockform")
    assert not model.is_modified() and model.path == tmp_path / "f.sockform"
    model.new()
    model.open(tmp_path / "f.sockform")
    assert [e.name for e in model.entries()] == ["ServerSocket1"]


def test_bindings_are_checked(model):
    uid = model.add_component("ServerSocket", 0, 0)
    with pytest.raises(EditRefused, match="not a hex digit"):
        model.set_binding(uid, "OnClientRead", HandlerBinding(action="reply_hex", argument="xy"))
    with pytest.raises(EditRefused, match="not an action for OnListen"):
        model.set_binding(uid, "OnListen", HandlerBinding(action="echo"))
    assert model.entry(uid).events == {}

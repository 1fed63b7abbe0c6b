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


# -- typed changes (issue 9) -------------------------------------------------------------------------
def test_every_change_is_announced_as_a_typed_value(model):
    from app.qt.form_model import ChangeKind, ComponentChange
    from components import ServerSocket

    uid = model.add_component("ServerSocket", 0, 0)
    seen: list[ComponentChange] = []
    model.componentChanged.connect(seen.append)
    model.set_property(uid, "Port", 8080)
    model.rename_component(uid, "Echo")
    model.set_binding(uid, "OnClientRead", HandlerBinding(action="echo"))
    model.move_components({uid: (32, 40)})
    model.undo_stack.undo()  # the move again, back
    port, name, read = (ServerSocket.property_spec("Port"), ServerSocket.property_spec("Name"),
                        ServerSocket.event_spec("OnClientRead"))
    assert seen == [
        ComponentChange(uid, ChangeKind.PROPERTY, port, 0, 8080),
        ComponentChange(uid, ChangeKind.NAME, name, "ServerSocket1", "Echo"),
        ComponentChange(uid, ChangeKind.BINDING, read, None, HandlerBinding(action="echo")),
        ComponentChange(uid, ChangeKind.POSITION, None, (0, 0), (32, 40)),
        ComponentChange(uid, ChangeKind.POSITION, None, (32, 40), (0, 0)),
    ]
    assert not any(change.is_active_switch for change in seen)


def test_active_is_the_users_request_and_no_edit(model):
    from app.qt.form_model import ChangeKind

    uid = model.add_component("ServerSocket", 0, 0)
    steps = model.undo_stack.count()
    model.undo_stack.setClean()
    seen = []
    model.componentChanged.connect(seen.append)
    model.set_property(uid, "Active", True)
    assert model.entry(uid).active and model.undo_stack.count() == steps and not model.is_modified()
    assert [(c.kind, c.spec.vcl_name, c.old, c.new, c.is_active_switch) for c in seen] == [
        (ChangeKind.PROPERTY, "Active", False, True, True)]
    # asked to run: its settings are locked, though nothing runs without an engine
    with pytest.raises(EditRefused, match="Can't change Port while ServerSocket1 is active"):
        model.set_property(uid, "Port", 1)


def test_a_run_reported_ended_ends_the_request_once(model):
    uid = model.add_component("ServerSocket", 0, 0)
    model.undo_stack.setClean()
    model.set_property(uid, "Active", True)
    model.report_run(uid, True)
    seen = []
    model.componentChanged.connect(seen.append)
    model.report_run(uid, False)  # refused, failed or closed by the peer
    model.report_run(uid, False)
    assert not model.entry(uid).active
    assert [(c.old, c.new) for c in seen] == [(True, False)]
    assert not model.is_modified()


def test_a_run_nobody_asked_for_locks_but_is_not_recorded(model):
    """A component the form's unit opened (form.ClientSocket1.open()) runs: its settings are
    locked, but the document does not claim the user asked for it, and Save does not write it."""
    uid = model.add_component("ServerSocket", 0, 0)
    seen = []
    model.componentChanged.connect(seen.append)
    model.report_run(uid, True)
    assert not model.entry(uid).active and seen == []
    with pytest.raises(EditRefused, match="set Active to False first"):
        model.set_property(uid, "Port", 1)
    with pytest.raises(EditRefused, match="before deleting it"):
        model.remove_components([uid])
    model.report_run(uid, False)
    model.set_property(uid, "Port", 1)
    assert seen[-1].new == 1

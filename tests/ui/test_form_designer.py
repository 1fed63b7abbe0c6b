"""The form designer, driven as a user would: drops from the palette, clicks, drags,
keys, menus and the clipboard; every edit checked against the model, the undo stack
and the scene. The live-state tests run a real ServerSocket on 127.0.0.1 under a
real EngineHost, with real client sockets connecting to it."""

from __future__ import annotations

import html
import socket

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QFontInfo, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from app.core.form_document import FormDocument
from app.qt.form_model import GRID
from components import SocketState
from ui.clipboard import MIME_COMPONENTS
from ui.form_designer import BODY, TILE_HEIGHT, ComponentTile, FormDesigner
from ui.palette import ComponentPalette

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


# -- helpers --------------------------------------------------------------------------------------
def _drag_event(cls, pos: QPoint, mime: QMimeData):
    # PySide6 >= 6.12 wants QPointF for drag events; 6.11 only has the QPoint overload
    args = (Qt.DropAction.CopyAction, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    try:
        return cls(QPointF(pos), *args)
    except TypeError:
        return cls(pos, *args)


def simulate_drop(target: QWidget, mime: QMimeData, pos: QPoint) -> bool:
    """Deliver enter, move and drop to ``target`` as Qt's drag manager would."""
    for cls in (QDragEnterEvent, QDragMoveEvent):
        event = _drag_event(cls, pos, mime)
        QApplication.sendEvent(target, event)
        if not event.isAccepted():
            return False
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def at(view: FormDesigner, x: float, y: float) -> QPoint:
    """The viewport point showing form point (x, y)."""
    return view.mapFromScene(QPointF(x, y))


def centre(view: FormDesigner, uid: int) -> QPoint:
    tile = view.tile(uid)
    return view.mapFromScene(tile.mapToScene(QPointF(BODY / 2, BODY / 2)))


def mouse_drag(qtbot, widget: QWidget, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier,
               steps: int = 6, during=None) -> None:
    qtbot.mousePress(widget, LEFT, modifier, start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(widget, start + (end - start) * (i / steps))
        if during is not None:
            during()
    qtbot.mouseRelease(widget, LEFT, modifier, end)


def scene_state(view: FormDesigner) -> dict[int, tuple[str, int, int, bool]]:
    return {t.uid: (t.name, round(t.pos().x()), round(t.pos().y()), t.isSelected()) for t in view.tiles()}


def model_state(model) -> dict[int, tuple[str, int, int, bool]]:
    selected = set(model.selection())
    return {e.uid: (e.name, e.x, e.y, e.uid in selected) for e in model.entries()}


def assert_in_step(view: FormDesigner) -> None:
    """The scene shows exactly the model: same tiles, names, positions and selection."""
    items = [i for i in view.scene().items() if isinstance(i, ComponentTile)]
    assert len(items) == len(view.model.entries())
    assert scene_state(view) == model_state(view.model)


@pytest.fixture
def three(designer_model):
    """ServerSocket1, ClientSocket1, ServerSocket2 in a row, nothing selected."""
    uids = [designer_model.add_component(t, x, 16)
            for t, x in (("ServerSocket", 16), ("ClientSocket", 96), ("ServerSocket", 176))]
    designer_model.set_selection([])
    return uids


# -- placing ---------------------------------------------------------------------------------------
def test_drops_add_servers_at_the_snapped_drop_point(designer_view, designer_model, designer_palette):
    view, model = designer_view, designer_model
    assert simulate_drop(view.viewport(), designer_palette.mime_data("ServerSocket"), at(view, 101, 59))
    [first] = model.entries()
    assert (first.name, first.x, first.y) == ("ServerSocket1", 104, 56)
    assert view.tile(first.uid).pos() == QPointF(104, 56)
    assert model.selection() == [first.uid] and view.tile(first.uid).isSelected()

    assert simulate_drop(view.viewport(), designer_palette.mime_data("ServerSocket"), at(view, 203, 61))
    second = model.entries()[1]
    assert (second.name, second.x, second.y) == ("ServerSocket2", 200, 64)
    assert model.selection() == [second.uid]
    assert_in_step(view)
    model.undo_stack.undo()
    assert [e.name for e in model.entries()] == ["ServerSocket1"]
    assert_in_step(view)
    model.undo_stack.redo()
    assert_in_step(view)


def test_a_drop_near_the_edge_stays_on_the_form(designer_view, designer_model, designer_palette):
    form = designer_model.document
    assert simulate_drop(designer_view.viewport(), designer_palette.mime_data("ClientSocket"),
                         at(designer_view, form.width - 3, form.height - 3))
    [entry] = designer_model.entries()
    # the box and the Name under it stay on the form, on the grid
    assert (entry.x, entry.y) == (form.width - BODY, (form.height - TILE_HEIGHT) // GRID * GRID)
    assert entry.x % GRID == 0 and entry.y % GRID == 0


def test_foreign_drags_are_refused(designer_view, designer_model):
    text = QMimeData()
    text.setText("ServerSocket")
    assert not simulate_drop(designer_view.viewport(), text, at(designer_view, 40, 40))
    assert designer_model.entries() == []


def test_click_to_place_adds_a_client_and_disarms(qtbot, designer_view, designer_model, designer_palette):
    view = designer_view
    qtbot.mouseClick(designer_palette.button("ClientSocket"), LEFT)
    assert view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(view.viewport(), LEFT, pos=at(view, 50, 30))
    assert armed.args == [""]
    [entry] = designer_model.entries()
    assert (entry.name, entry.x, entry.y) == ("ClientSocket1", 48, 32)
    assert designer_model.selection() == [entry.uid]
    assert view.viewport().cursor().shape() == Qt.CursorShape.ArrowCursor
    assert not designer_palette.button("ClientSocket").isChecked()
    assert_in_step(view)


def test_shift_click_keeps_placing(qtbot, designer_view, designer_model, designer_palette):
    designer_palette.arm("ServerSocket")
    qtbot.mouseClick(designer_view.viewport(), LEFT, SHIFT, at(designer_view, 16, 16))
    qtbot.mouseClick(designer_view.viewport(), LEFT, SHIFT, at(designer_view, 96, 16))
    assert [e.name for e in designer_model.entries()] == ["ServerSocket1", "ServerSocket2"]
    assert designer_palette.armed() == "ServerSocket"


def test_escape_cancels_placing(qtbot, designer_view, designer_model, designer_palette):
    qtbot.mouseClick(designer_palette.button("ServerSocket"), LEFT)
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.keyClick(designer_view, Qt.Key.Key_Escape)
    assert armed.args == [""]
    assert designer_view.viewport().cursor().shape() == Qt.CursorShape.ArrowCursor
    qtbot.mouseClick(designer_view.viewport(), LEFT, pos=at(designer_view, 40, 40))
    assert designer_model.entries() == []


def palette_above_designer(qtbot, model, engine=None) -> tuple[QWidget, ComponentPalette, FormDesigner]:
    """A window with the palette above the designer (the window owns both)."""
    window = QWidget()
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    palette = ComponentPalette()
    view = FormDesigner(model, engine, palette)
    layout.addWidget(palette)
    layout.addWidget(view)
    qtbot.addWidget(window)
    return window, palette, view


def test_palette_gesture_drops_on_the_designer(qtbot, designer_model, monkeypatch):
    """A real mouse gesture on the palette; QDrag.exec plays the drag manager (QT_TESTING 4.2.3)."""
    window, palette, view = palette_above_designer(qtbot, designer_model)
    window.resize(720, 600)
    window.show()
    qtbot.waitExposed(window)
    target = view.viewport().mapToGlobal(at(view, 130, 90))

    def fake_exec(drag, *args):
        widget = QApplication.widgetAt(target)
        assert widget is view.viewport()
        ok = simulate_drop(widget, drag.mimeData(), widget.mapFromGlobal(target))
        return Qt.DropAction.CopyAction if ok else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(QDrag, "exec", fake_exec)
    with qtbot.waitSignal(designer_model.componentAdded):
        mouse_drag(qtbot, palette.button("ServerSocket"), QPoint(10, 10), QPoint(70, 10))
    [entry] = designer_model.entries()
    assert (entry.name, entry.x, entry.y) == ("ServerSocket1", 128, 88)
    assert palette.last_drag_result == Qt.DropAction.CopyAction


# -- selecting ----------------------------------------------------------------------------------------
def test_click_ctrl_click_and_empty_click_select(qtbot, designer_view, designer_model, three):
    a, b, c = three
    viewport = designer_view.viewport()
    qtbot.mouseClick(viewport, LEFT, pos=centre(designer_view, a))
    assert designer_model.selection() == [a]
    qtbot.mouseClick(viewport, LEFT, CTRL, centre(designer_view, b))
    assert designer_model.selection() == [a, b]
    assert designer_view.tile(a).multi_selected and not designer_view.tile(c).multi_selected
    qtbot.mouseClick(viewport, LEFT, CTRL, centre(designer_view, a))
    assert designer_model.selection() == [b]
    assert not designer_view.tile(b).multi_selected
    qtbot.mouseClick(viewport, LEFT, pos=at(designer_view, 400, 300))
    assert designer_model.selection() == []
    assert_in_step(designer_view)


def test_rubber_band_selects_what_it_touches(qtbot, designer_view, designer_model, three):
    a, b, _c = three
    # ServerSocket2's name reaches left to x = 150 or so: stop short of it
    mouse_drag(qtbot, designer_view.viewport(), at(designer_view, 4, 4), at(designer_view, 120, 100))
    assert designer_model.selection() == [a, b]
    assert_in_step(designer_view)


def test_model_selection_shows_on_the_scene(designer_view, designer_model, three):
    a, b, c = three
    designer_model.set_selection([c, a])
    assert [t.uid for t in designer_view.tiles() if t.isSelected()] == [a, c]
    assert designer_model.selection() == [c, a]  # the scene did not reorder it
    designer_view.select_all()
    assert designer_model.selection() == [a, b, c]
    middle = designer_view.tile(b)
    assert middle.isSelected() and middle.multi_selected
    assert_in_step(designer_view)


# -- moving ----------------------------------------------------------------------------------------
def test_mouse_drag_moves_the_selection_in_one_undo_step(qtbot, designer_view, designer_model, three):
    a, b, _c = three
    designer_model.set_selection([a, b])
    stack = designer_model.undo_stack
    before = stack.count()
    counts = []
    start = centre(designer_view, a)
    mouse_drag(qtbot, designer_view.viewport(), start, start + QPoint(45, 21),
               during=lambda: counts.append(stack.count()))
    assert counts == [before] * len(counts)  # nothing reached the model while dragging
    assert stack.count() == before + 1
    assert [(e.x, e.y) for e in designer_model.entries()] == [(64, 40), (144, 40), (176, 16)]
    assert designer_model.selection() == [a, b]
    assert_in_step(designer_view)
    stack.undo()
    assert [(e.x, e.y) for e in designer_model.entries()] == [(16, 16), (96, 16), (176, 16)]
    assert_in_step(designer_view)
    stack.redo()
    assert designer_model.entry(b).x == 144
    assert_in_step(designer_view)


def test_dragging_past_the_edge_stops_at_the_form(qtbot, designer_view, designer_model, three):
    a = three[0]
    start = centre(designer_view, a)
    mouse_drag(qtbot, designer_view.viewport(), start, start - QPoint(60, 60))
    assert (designer_model.entry(a).x, designer_model.entry(a).y) == (0, 0)
    name = designer_view.tile(a).mapRectToScene(designer_view.tile(a).name_rect())
    assert name.left() >= 0  # the Name keeps to the form too
    assert_in_step(designer_view)


def test_a_tiny_drag_moves_nothing(qtbot, designer_view, designer_model, three):
    before = designer_model.undo_stack.count()
    start = centre(designer_view, three[0])
    mouse_drag(qtbot, designer_view.viewport(), start, start + QPoint(2, 3))
    assert designer_model.undo_stack.count() == before
    assert_in_step(designer_view)


def test_arrow_keys_nudge_and_merge_into_one_undo_step(qtbot, designer_view, designer_model, three):
    a, b, _c = three
    designer_model.set_selection([a, b])
    stack = designer_model.undo_stack
    before = stack.count()
    for _ in range(3):
        qtbot.keyClick(designer_view, Qt.Key.Key_Right)
    qtbot.keyClick(designer_view, Qt.Key.Key_Down, SHIFT)
    assert (designer_model.entry(a).x, designer_model.entry(a).y) == (16 + 3 * GRID, 16 + 4 * GRID)
    assert (designer_model.entry(b).x, designer_model.entry(b).y) == (96 + 3 * GRID, 16 + 4 * GRID)
    assert stack.count() == before + 1
    assert_in_step(designer_view)
    qtbot.keyClick(designer_view, Qt.Key.Key_Up, SHIFT)
    qtbot.keyClick(designer_view, Qt.Key.Key_Up, SHIFT)  # stops at the top edge
    assert designer_model.entry(a).y == 0
    stack.undo()
    assert [(e.x, e.y) for e in designer_model.entries()][:2] == [(16, 16), (96, 16)]
    assert_in_step(designer_view)


# -- deleting and renaming ---------------------------------------------------------------------------
def test_delete_key_removes_and_undo_restores(qtbot, designer_view, designer_model, three):
    a, b, c = three
    designer_model.set_selection([a, c])
    qtbot.keyClick(designer_view, Qt.Key.Key_Delete)
    assert [e.uid for e in designer_model.entries()] == [b]
    assert_in_step(designer_view)
    designer_model.undo_stack.undo()
    assert sorted(e.uid for e in designer_model.entries()) == [a, b, c]
    assert designer_model.selection() == [a, c]
    assert_in_step(designer_view)
    designer_model.undo_stack.redo()
    assert_in_step(designer_view)


def test_undoing_a_multi_delete_restores_the_z_order(designer_view, designer_model, three):
    designer_model.remove_components([three[0], three[2]])
    designer_model.undo_stack.undo()
    assert [e.uid for e in designer_model.entries()] == three


def test_a_refused_delete_becomes_a_message(qtbot, designer_view, designer_model, three):
    designer_model.lock_reason = lambda uid, vcl: "ServerSocket1 is active: set Active to False first"
    designer_model.set_selection([three[0]])
    with qtbot.waitSignal(designer_view.message) as shown:
        qtbot.keyClick(designer_view, Qt.Key.Key_Delete)
    assert shown.args == ["ServerSocket1 is active: set Active to False first"]
    assert len(designer_model.entries()) == 3


def test_f2_renames_in_place(qtbot, designer_view, designer_model, three):
    a = three[0]
    designer_model.set_selection([a])
    qtbot.keyClick(designer_view, Qt.Key.Key_F2)
    editor = designer_view.name_editor()
    assert editor is not None and editor.isVisible()
    assert editor.text() == "ServerSocket1" and editor.selectedText() == "ServerSocket1"
    qtbot.keyClicks(editor, "EchoServer")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert designer_view.name_editor() is None
    assert designer_model.entry(a).name == "EchoServer"
    assert designer_view.tile(a).name == "EchoServer"
    designer_model.undo_stack.undo()
    assert designer_view.tile(a).name == "ServerSocket1"
    assert_in_step(designer_view)


@pytest.mark.parametrize(("typed", "why"), [("1bad", "not a valid component name"),
                                            ("ClientSocket1", "already exists"),
                                            ("Form1", "the form's own name")])
def test_f2_with_an_invalid_name_says_why_and_keeps_the_old_one(qtbot, designer_view, designer_model, three,
                                                                typed, why):
    a = three[0]
    designer_model.set_selection([a])
    before = designer_model.undo_stack.count()
    editor = designer_view.start_rename()
    qtbot.keyClicks(editor, typed)
    with qtbot.waitSignal(designer_view.message) as shown:
        qtbot.keyClick(editor, Qt.Key.Key_Enter)
    assert why in shown.args[0]
    assert designer_model.entry(a).name == "ServerSocket1"
    assert designer_view.tile(a).name == "ServerSocket1"
    assert designer_model.undo_stack.count() == before


def test_escape_cancels_a_rename(qtbot, designer_view, designer_model, three):
    designer_model.set_selection([three[1]])
    designer_view.rename_selection()
    editor = designer_view.name_editor()
    qtbot.keyClicks(editor, "Other")
    with qtbot.assertNotEmitted(designer_view.message):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert designer_view.name_editor() is None
    assert designer_model.entry(three[1]).name == "ClientSocket1"


# -- clipboard -------------------------------------------------------------------------------------------
def test_copy_paste_cut_round_trip_with_renaming(qtbot, designer_view, designer_model, three):
    a, b, c = three
    model, stack = designer_model, designer_model.undo_stack
    model.set_property(a, "Port", 8080)
    model.set_selection([a])
    assert designer_view.copy_selection()
    clip = QGuiApplication.clipboard().mimeData()
    assert clip.hasFormat(MIME_COMPONENTS)
    assert FormDocument.from_json(clip.text()).components[0].properties == {"Port": 8080}

    designer_view.paste()
    pasted = model.entries()[-1]
    assert (pasted.name, pasted.x, pasted.y, pasted.properties) == ("ServerSocket3", 32, 32, {"Port": 8080})
    assert model.selection() == [pasted.uid]
    assert_in_step(designer_view)
    designer_view.paste()  # a second paste fans out instead of landing on the first
    again = model.entries()[-1]
    assert (again.name, again.x, again.y) == ("ServerSocket4", 48, 48)

    model.set_selection([b])
    designer_view.cut_selection()
    assert not model.has(b)
    designer_view.paste()
    back = model.entries()[-1]
    assert (back.name, back.type, back.x, back.y) == ("ClientSocket1", "ClientSocket", 112, 32)
    assert_in_step(designer_view)

    for _ in range(4):  # paste, cut, paste, paste
        stack.undo()
        assert_in_step(designer_view)
    assert [e.uid for e in model.entries()] == [a, b, c]
    for _ in range(4):
        stack.redo()
        assert_in_step(designer_view)
    assert [e.name for e in model.entries()] == ["ServerSocket1", "ServerSocket2", "ServerSocket3",
                                                 "ServerSocket4", "ClientSocket1"]


def test_pasting_what_is_not_components_says_so(qtbot, designer_view, designer_model):
    QGuiApplication.clipboard().setText("hello")
    with qtbot.waitSignal(designer_view.message) as shown:
        designer_view.paste()
    assert "no components" in shown.args[0]
    damaged = QMimeData()
    damaged.setData(MIME_COMPONENTS, b"{not json")
    QGuiApplication.clipboard().setMimeData(damaged)
    with qtbot.waitSignal(designer_view.message) as shown:
        designer_view.paste()
    assert shown.args[0].startswith("Can't paste: the clipboard is damaged")
    assert designer_model.entries() == []


def test_keyboard_fallbacks_copy_and_paste(qtbot, designer_view, designer_model, three):
    designer_model.set_selection([three[2]])
    qtbot.keyClick(designer_view, Qt.Key.Key_C, CTRL)
    qtbot.keyClick(designer_view, Qt.Key.Key_V, CTRL)
    assert designer_model.entries()[-1].name == "ServerSocket3"
    qtbot.keyClick(designer_view, Qt.Key.Key_A, CTRL)
    assert len(designer_model.selection()) == 4


# -- menus and double-click ----------------------------------------------------------------------------------
def texts(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_tile_menu_selects_the_tile_and_offers_its_commands(designer_view, designer_model, three):
    a, b, _c = three
    designer_model.set_selection([b])
    menu = designer_view.context_menu(centre(designer_view, a))
    assert designer_model.selection() == [a]
    assert texts(menu) == ["Activate", "Deactivate", "Rename", "Delete", "Cut", "Copy"]
    actions = {t: a for t, a in zip(texts(menu), [x for x in menu.actions() if not x.isSeparator()],
                                    strict=True)}
    assert not actions["Activate"].isEnabled()  # no engine here
    actions["Copy"].trigger()
    assert QGuiApplication.clipboard().mimeData().hasFormat(MIME_COMPONENTS)
    actions["Rename"].trigger()
    assert designer_view.name_editor() is not None
    menu.deleteLater()


def test_empty_form_menu_pastes_and_selects_all(designer_view, designer_model, three):
    QGuiApplication.clipboard().setText("nothing to paste")
    menu = designer_view.context_menu(at(designer_view, 400, 300))
    paste, select_all = menu.actions()
    assert texts(menu) == ["Paste", "Select All"]
    assert not paste.isEnabled()
    select_all.trigger()
    assert designer_model.selection() == three
    menu.deleteLater()


def test_double_click_activates_a_tile(qtbot, designer_view, three):
    with qtbot.waitSignal(designer_view.tileActivated) as activated:
        qtbot.mouseDClick(designer_view.viewport(), LEFT, pos=centre(designer_view, three[1]))
    assert activated.args == [three[1]]


def test_opening_a_document_rebuilds_the_scene(designer_view, designer_model, three):
    doc = FormDocument.from_json(
        '{"format": "socket-workbench-form", "version": 1, "form": {"name": "Main", "caption": "Echo",'
        ' "width": 320, "height": 200}, "components": [{"type": "ClientSocket", "name": "Probe",'
        ' "position": [13, 21]}]}')
    designer_model.reset(doc, None)
    [tile] = designer_view.tiles()
    assert (tile.name, tile.pos()) == ("Probe", QPointF(13, 21))  # off-grid positions are kept
    assert designer_view.scene().sceneRect().width() > 320
    assert_in_step(designer_view)


# -- live state from a real engine ----------------------------------------------------------------------------
def listening_server(model, engine, view, x: int = 16) -> tuple[int, int]:
    uid = model.add_component("ServerSocket", x, 16)
    model.set_property(uid, "Address", "127.0.0.1")
    view.set_active([uid], True)
    port = engine.runtime_value(uid, "LocalPort")
    assert port > 0
    return uid, port


def counted(view: FormDesigner, tile: ComponentTile, text: str):
    def check() -> bool:
        view.refresh_states()
        return tile.badge_text == text
    return check


def test_tile_shows_a_real_server_listening_with_its_connections(qtbot, designer_live_view, designer_model,
                                                                  designer_engine):
    view, model = designer_live_view, designer_model
    uid = model.add_component("ServerSocket", 16, 16)
    tile = view.tile(uid)
    assert (tile.status, tile.badge_text) == ("inactive", "")
    model.set_property(uid, "Address", "127.0.0.1")
    menu = view.context_menu(centre(view, uid))
    activate = next(a for a in menu.actions() if a.text() == "&Activate")
    assert activate.isEnabled()
    activate.trigger()
    menu.deleteLater()
    qtbot.waitUntil(lambda: tile.state.state is SocketState.LISTENING, timeout=3000)
    assert (tile.status, tile.badge_text) == ("active", "0")
    port = designer_engine.runtime_value(uid, "LocalPort")
    clients = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(2)]
    try:
        qtbot.waitUntil(counted(view, tile, "2"), timeout=3000)
        assert "Listening — 2 connections" in tile.toolTip()
        model.set_selection([uid])
        with qtbot.waitSignal(view.message) as shown:
            view.delete_selection()
        assert "is active" in shown.args[0] and model.has(uid)
    finally:
        for client in clients:
            client.close()
    qtbot.waitUntil(counted(view, tile, "0"), timeout=3000)
    view.set_active([uid], False)
    qtbot.waitUntil(lambda: tile.status == "inactive", timeout=3000)
    assert tile.badge_text == ""


def test_tile_turns_red_when_the_port_is_taken(qtbot, designer_live_view, designer_model):
    view, model = designer_live_view, designer_model
    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        uid = model.add_component("ServerSocket", 16, 16)
        model.set_property(uid, "Address", "127.0.0.1")
        model.set_property(uid, "Port", blocker.getsockname()[1])
        with qtbot.waitSignal(view.message) as shown:
            view.set_active([uid], True)
    finally:
        blocker.close()
    tile = view.tile(uid)
    assert "10048" in shown.args[0] or "in use" in shown.args[0].lower()
    assert (tile.status, tile.badge_text) == ("error", "!")
    assert html.escape(tile.state.error) in tile.toolTip()
    assert model.entry(uid).value("Active") is False  # the document follows the engine


# -- what it looks like -----------------------------------------------------------------------------------
def test_screenshot(qtbot, designer_model, designer_engine):
    window, _palette, view = palette_above_designer(qtbot, designer_model, designer_engine)
    window.resize(760, 460)
    window.show()
    qtbot.waitExposed(window)
    font = view.font()
    assert QFontMetrics(font).inFont("H") and QFontInfo(font).family(), "install fonts-dejavu-core"

    model = designer_model
    server, port = listening_server(model, designer_engine, view, 24)
    model.move_components({server: (24, 24)})
    client = model.add_component("ClientSocket", 128, 24)
    clash = model.add_component("ServerSocket", 232, 24)
    model.set_property(clash, "Address", "127.0.0.1")
    model.set_property(clash, "Port", port)
    model.rename_component(clash, "SecondServer")
    view.set_active([clash], True)
    peers = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(2)]
    try:
        qtbot.waitUntil(counted(view, view.tile(server), "2"), timeout=3000)
        model.set_selection([client])
        assert view.tile(clash).status == "error"
        assert view.tile(client).status == "inactive"
        window.grab().save("/tmp/designer.png")
        model.set_selection([server, clash])
        window.grab().save("/tmp/designer_multi.png")
    finally:
        for peer in peers:
            peer.close()
    view.set_active([server], False)
    qtbot.waitUntil(lambda: view.tile(server).status == "inactive", timeout=3000)

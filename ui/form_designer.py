"""The form designer: the form as a canvas with a dotted grid, and one tile per component.

The view shows the FormModel and sends every edit back through it, so each edit
is one undo step and the inspector, the engine and this view all see it:

* the scene's selection and the model's selection mirror each other (click,
  Ctrl+click, rubber band here; the inspector's chooser there);
* a mouse drag moves tiles on the scene only, snapped to the grid as they go,
  and the release makes ONE ``move_components`` call; arrow keys nudge through
  ``move_components(..., nudge=True)``, which the undo stack merges;
* tiles are created, moved, renamed and removed only when the model says so,
  which is what makes undo and redo restore the scene.

A tile's state (inactive, busy, active with a connection count, error) comes
from the EngineHost: at once on ``stateChanged``, and on ``refresh_states()``,
which the main window calls on a timer because a server's connection count
changes without a state change. Its "saved active" badge comes from the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import ClassVar

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
)
from PySide6.QtWidgets import QGraphicsView, QLineEdit, QMenu, QWidget

from app.qt.engine_host import EngineHost, TileState
from app.qt.form_model import GRID, ChangeKind, ComponentChange, EditRefused, FormModel
from components import ServerSocket, SocketError, SocketState
from ui import icons
from ui.clipboard import copy_components, has_components, paste_components
from ui.component_tile import BODY, TILE_HEIGHT, ComponentTile, FormScene, tile_status  # noqa: F401 re-exports
from ui.palette import ComponentPalette, component_from_mime


class _NameEditor(QLineEdit):
    """The inline Name editor: Enter or leaving it commits, Esc cancels; once only."""

    committed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._finished = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._finish(None)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish(self.text())
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:  # its own context menu
            self._finish(self.text())

    def _finish(self, text: str | None) -> None:
        if not self._finished:
            self._finished = True
            if text is None:
                self.cancelled.emit()
            else:
                self.committed.emit(text)


class FormDesigner(QGraphicsView):
    """The designer view over one FormModel; see the module docstring."""

    message = Signal(str)  # an edit that was refused, for the status bar
    tileActivated = Signal(int)  # uid of a double-clicked tile (the inspector shows its events)

    def __init__(self, model: FormModel, engine: EngineHost | None,
                 palette: ComponentPalette | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.component_palette = palette
        self._tiles: dict[int, ComponentTile] = {}
        self._syncing_selection = False
        self._editor: _NameEditor | None = None
        self._placing = ""
        self._placed_on_press = False
        self.form_scene = FormScene(self)
        self.setScene(self.form_scene)
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)  # on the desk, not in a corner
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Form designer"))
        model.componentAdded.connect(self._added)
        model.componentRemoved.connect(self._removed)
        model.componentChanged.connect(self._changed)
        model.documentReset.connect(self._rebuild)
        model.formChanged.connect(self._form_changed)
        model.selectionChanged.connect(self._model_selection_changed)
        model.savedActiveChanged.connect(self._saved_active_changed)
        self.form_scene.selectionChanged.connect(self._scene_selection_changed)
        if engine is not None:
            engine.stateChanged.connect(self._engine_state_changed)
        if palette is not None:
            palette.placementArmed.connect(self._placement_armed)
        self._rebuild()

    # -- reading ------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.setAccessibleName(self.tr("Form designer"))
            self.refresh_states()  # the tiles' state lines and tooltips
            self.viewport().update()
        super().changeEvent(event)
    def tile(self, uid: int) -> ComponentTile:
        return self._tiles[uid]

    def tiles(self) -> list[ComponentTile]:
        return [self._tiles[e.uid] for e in self.model.entries() if e.uid in self._tiles]

    def tile_at(self, view_pos: QPoint) -> ComponentTile | None:
        for item in self.items(view_pos):
            if isinstance(item, ComponentTile):
                return item
        return None

    def name_editor(self) -> QLineEdit | None:
        """The inline Name editor while F2 renaming is under way."""
        return self._editor

    # -- keeping in step with the model ----------------------------------------------
    def _rebuild(self) -> None:
        self._close_editor()
        with self._quiet():
            for tile in self._tiles.values():
                self.form_scene.removeItem(tile)
            self._tiles.clear()
        self.form_scene.set_form(self.model.document)
        for entry in self.model.entries():
            self._added(entry.uid)
        self._model_selection_changed()

    def _form_changed(self) -> None:
        self.form_scene.set_form(self.model.document)

    def _added(self, uid: int) -> None:
        entry = self.model.entry(uid)
        cls = entry.cls
        tile = ComponentTile(uid, entry.type, entry.name, cls.vcl_class, issubclass(cls, ServerSocket))
        tile.place(entry.x, entry.y)
        tile.set_state(self._state_of(uid))
        tile.set_saved_active(uid in self.model.saved_active())
        self._tiles[uid] = tile
        self.form_scene.addItem(tile)

    def _saved_active_changed(self) -> None:
        waiting = set(self.model.saved_active())
        for uid, tile in self._tiles.items():
            tile.set_saved_active(uid in waiting)

    def _removed(self, uid: int) -> None:
        tile = self._tiles.pop(uid, None)
        if tile is None:
            return
        if self._editor is not None and self._editor.property("uid") == uid:
            self._close_editor()
        with self._quiet():
            self.form_scene.removeItem(tile)

    def _changed(self, change: ComponentChange) -> None:
        uid = change.uid
        tile = self._tiles.get(uid)
        if tile is None:
            return
        entry = self.model.entry(uid)
        if change.kind is ChangeKind.POSITION:
            tile.place(entry.x, entry.y)
        elif change.kind is ChangeKind.NAME:
            tile.set_name(entry.name)
        elif change.is_active_switch:
            tile.set_state(self._state_of(uid))

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """While the view changes the scene's selection itself, don't echo it to the model."""
        before, self._syncing_selection = self._syncing_selection, True
        try:
            yield
        finally:
            self._syncing_selection = before

    def _model_selection_changed(self) -> None:
        selected = set(self.model.selection())
        with self._quiet():
            for uid, tile in self._tiles.items():
                tile.setSelected(uid in selected)
        self._show_multi(selected)

    def _scene_selection_changed(self) -> None:
        if self._syncing_selection:
            return
        selected = {item.uid for item in self.form_scene.selectedItems() if isinstance(item, ComponentTile)}
        # Keep the order of what stays selected: the first one is what the inspector shows.
        order = [uid for uid in self.model.selection() if uid in selected]
        order += [e.uid for e in self.model.entries() if e.uid in selected and e.uid not in order]
        with self._quiet():
            self.model.set_selection(order)
        self._show_multi(selected)

    def _show_multi(self, selected: set[int]) -> None:
        for uid, tile in self._tiles.items():
            tile.set_multi_selected(len(selected) > 1 and uid in selected)

    # -- live state -------------------------------------------------------------------
    def _state_of(self, uid: int) -> TileState:
        return self.engine.tile_state(uid) if self.engine is not None else TileState(SocketState.INACTIVE)

    def _engine_state_changed(self, uid: int) -> None:
        tile = self._tiles.get(uid)
        if tile is not None:
            tile.set_state(self._state_of(uid))

    def refresh_states(self) -> None:
        """Re-read every tile's state and connection count (the main window's timer)."""
        for uid, tile in self._tiles.items():
            tile.set_state(self._state_of(uid))

    def set_active(self, uids: Iterable[int], active: bool) -> None:
        """Activate or deactivate components (a run-time command, no undo step); failures go
        to ``message``."""
        if self.engine is None:
            return
        engine = self.engine
        todo = [u for u in uids if self.model.has(u) and engine.is_active(u) != active]
        failures: list[str] = []

        def collect(uid: int, text: str) -> None:
            if uid in todo:
                failures.append(text)

        # A bind that fails (port in use) is reported while set_active runs, not raised.
        engine.errorRaised.connect(collect)
        try:
            for uid in todo:
                try:
                    engine.set_active(uid, active)
                except (EditRefused, SocketError) as exc:
                    failures.append(str(exc))
        finally:
            engine.errorRaised.disconnect(collect)
        for text in dict.fromkeys(failures):  # the error hook may report a failure twice
            self.message.emit(text)

    # -- placing -------------------------------------------------------------------------
    def place(self, type_name: str, scene_pos: QPointF) -> int:
        """Add a ``type_name`` with its top-left at ``scene_pos`` (snapped, kept on the form)."""
        x, y = self.form_scene.clamp(scene_pos.x(), scene_pos.y())
        uid = self.model.add_component(type_name, x, y)
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        return uid

    def _placement_armed(self, type_name: str) -> None:
        self._placing = type_name
        if type_name:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.viewport().unsetCursor()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_palette_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_palette_drag(event)

    def _accept_palette_drag(self, event: QDragMoveEvent) -> None:
        if component_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        type_name = component_from_mime(event.mimeData())
        if not type_name:
            event.ignore()
            return
        self.place(type_name, self.mapToScene(event.position().toPoint()))
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # -- mouse ------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._placing and event.button() == Qt.MouseButton.LeftButton:
            type_name = self._placing
            # Shift keeps the palette armed, to drop several of a kind (as the IDE did).
            if self.component_palette is not None and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.component_palette.disarm()
            self.place(type_name, self.mapToScene(event.position().toPoint()))
            self._placed_on_press = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._placed_on_press:  # the click that placed is over; the scene never saw its press
            self._placed_on_press = False
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._commit_drag()
        event.accept()  # it ended a click, a drag or a rubber band here, grabbed by a tile or not

    def _commit_drag(self) -> None:
        """One move_components call for everything the drag moved (one undo step)."""
        moves = {}
        for uid, tile in self._tiles.items():
            entry = self.model.entry(uid)
            x, y = round(tile.pos().x()), round(tile.pos().y())
            if (x, y) != (entry.x, entry.y):
                moves[uid] = (x, y)
        if moves:
            try:
                self.model.move_components(moves)
            except EditRefused as exc:
                self.message.emit(str(exc))
            for uid in moves:  # whatever the model made of it is where the tile goes
                if uid in self._tiles:
                    entry = self.model.entry(uid)
                    self._tiles[uid].place(entry.x, entry.y)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        tile = self.tile_at(event.position().toPoint())
        if tile is not None and event.button() == Qt.MouseButton.LeftButton:
            self.tileActivated.emit(tile.uid)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def context_menu(self, view_pos: QPoint) -> QMenu:
        """The menu for a right-click at ``view_pos`` (a tile's, or the empty form's)."""
        menu = QMenu(self)
        tile = self.tile_at(view_pos)
        if tile is None:
            paste = menu.addAction(self.tr("&Paste"), self.paste)
            paste.setShortcut(QKeySequence.StandardKey.Paste)
            paste.setEnabled(has_components(QGuiApplication.clipboard().mimeData()))
            select_all = menu.addAction(self.tr("Select &All"), self.select_all)
            select_all.setShortcut(QKeySequence.StandardKey.SelectAll)
            select_all.setEnabled(bool(self._tiles))
            return menu
        if tile.uid not in self.model.selection():
            self.model.set_selection([tile.uid])
        uids = self.model.selection()
        active = [self.engine.is_active(u) if self.engine is not None else self.model.entry(u).active
                  for u in uids]
        activate = menu.addAction(icons.icon("activate"), self.tr("&Activate"),
                                  lambda: self.set_active(uids, True))
        activate.setEnabled(self.engine is not None and not all(active))
        deactivate = menu.addAction(icons.icon("deactivate"), self.tr("&Deactivate"),
                                    lambda: self.set_active(uids, False))
        deactivate.setEnabled(self.engine is not None and any(active))
        menu.addSeparator()
        rename = menu.addAction(self.tr("&Rename"),
                                lambda: self.start_rename(tile.uid))
        rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
        rename.setEnabled(len(uids) == 1)
        delete = menu.addAction(self.tr("De&lete"), self.delete_selection)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        menu.addSeparator()
        menu.addAction(self.tr("Cu&t"),
                       self.cut_selection).setShortcut(QKeySequence.StandardKey.Cut)
        menu.addAction(self.tr("&Copy"),
                       self.copy_selection).setShortcut(QKeySequence.StandardKey.Copy)
        return menu

    # -- keyboard ---------------------------------------------------------------------
    _ARROWS: ClassVar[dict[int, tuple[int, int]]] = {
        Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            if self._placing and self.component_palette is not None:
                self.component_palette.disarm()
            else:
                self.model.set_selection([])
        elif key in self._ARROWS and self.model.selection():
            dx, dy = self._ARROWS[key]
            step = GRID * (4 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            self.nudge(dx * step, dy * step)
        elif key == Qt.Key.Key_Delete:
            self.delete_selection()
        elif key == Qt.Key.Key_F2:
            self.start_rename()
        # Fallbacks for a designer used without the main window's actions.
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Cut):
            self.cut_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def nudge(self, dx: int, dy: int) -> None:
        """Move the selection by (dx, dy); repeated nudges merge into one undo step."""
        moves = {}
        for uid in self.model.selection():
            entry = self.model.entry(uid)
            moves[uid] = self.form_scene.clamp(entry.x + dx, entry.y + dy)
        try:
            self.model.move_components(moves, nudge=True)
        except EditRefused as exc:
            self.message.emit(str(exc))

    # -- editing --------------------------------------------------------------------------
    def select_all(self) -> None:
        self.model.set_selection(e.uid for e in self.model.entries())

    def delete_selection(self) -> None:
        uids = self.model.selection()
        if not uids:
            return
        try:
            self.model.remove_components(uids)
        except EditRefused as exc:
            self.message.emit(str(exc))

    def copy_selection(self) -> bool:
        """Put the selected components on the clipboard; False when nothing is selected."""
        return copy_components(self.model)

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> None:
        """Add the clipboard's components (see ui.clipboard.paste_components)."""
        try:
            paste_components(self.model)
        except ValueError as exc:
            self.message.emit(str(exc))

    def rename_selection(self) -> None:
        """F2: rename the current component in place."""
        self.start_rename()

    def start_rename(self, uid: int | None = None) -> QLineEdit | None:
        """Open the inline Name editor over a tile (the current one by default)."""
        selection = self.model.selection()
        uid = uid if uid is not None else (selection[0] if selection else 0)
        tile = self._tiles.get(uid)
        if tile is None:
            return None
        self._close_editor()
        self.ensureVisible(tile)
        rect = self.mapFromScene(tile.mapRectToScene(tile.name_rect())).boundingRect()
        editor = _NameEditor(self.viewport())
        editor.setProperty("uid", uid)
        editor.setText(tile.name)
        editor.selectAll()
        width = max(rect.width() + 24, 120)
        height = editor.sizeHint().height()
        editor.setGeometry(round(rect.center().x() - width / 2), rect.center().y() - height // 2,
                           round(width), height)
        editor.committed.connect(lambda text: self._commit_rename(uid, text))
        editor.cancelled.connect(self._close_editor)
        self._editor = editor
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return editor

    def _commit_rename(self, uid: int, text: str) -> None:
        self._close_editor()
        if not self.model.has(uid):
            return
        try:
            self.model.rename_component(uid, text.strip())
        except EditRefused as exc:
            self.message.emit(str(exc))

    def _close_editor(self) -> None:
        editor, self._editor = self._editor, None
        if editor is not None:
            had_focus = editor.hasFocus()
            editor._finished = True
            editor.hide()
            editor.deleteLater()
            if had_focus:
                self.setFocus(Qt.FocusReason.OtherFocusReason)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self._editor is not None:  # a viewport child does not scroll with the scene
            self._editor.move(self._editor.pos() + QPoint(dx, dy))


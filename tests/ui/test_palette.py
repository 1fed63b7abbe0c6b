"""The component palette and the icons it shows: tabs and buttons from the registry,
the drag a real mouse gesture starts, and click-to-place arming."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSize, Qt
from PySide6.QtGui import QDrag, QGuiApplication
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QToolButton

from components import component_classes
from ui import icons
from ui.palette import MIME_COMPONENT, component_from_mime

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def show(qtbot, widget):
    widget.show()
    qtbot.waitExposed(widget)


def drag_with_mouse(qtbot, button, dx: int = 60) -> None:
    """Press, move past the drag distance in small steps, release (QT_TESTING 4.2)."""
    start = button.rect().center()
    qtbot.mousePress(button, Qt.MouseButton.LeftButton, pos=start)
    step = QApplication.startDragDistance() // 2 + 1
    for x in range(step, dx, step):
        qtbot.mouseMove(button, start + QPoint(x, 0))
    qtbot.mouseRelease(button, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0))


# -- contents ---------------------------------------------------------------------------------
def test_internet_tab_has_a_button_per_socket_component(designer_palette):
    tabs = designer_palette.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Internet"]
    buttons = designer_palette.buttons()
    assert list(buttons) == [n for n, c in component_classes().items() if c.palette_tab == "Internet"]
    assert set(buttons) >= {"ClientSocket", "ServerSocket"}
    assert buttons["ClientSocket"].toolTip() == "ClientSocket — TCP client connection"
    assert buttons["ServerSocket"].toolTip().startswith("ServerSocket — TCP server")
    for button in buttons.values():
        assert not button.icon().isNull()
        assert button.isCheckable() and not button.isChecked()
    assert designer_palette.armed() == ""


def test_mime_data_carries_the_class_name(designer_palette):
    mime = designer_palette.mime_data("ServerSocket")
    assert mime.formats() == [MIME_COMPONENT]
    assert bytes(mime.data(MIME_COMPONENT).data()) == b"ServerSocket"
    assert component_from_mime(mime) == "ServerSocket"
    with pytest.raises(KeyError):
        designer_palette.mime_data("TTimer")


def test_component_from_mime_refuses_what_is_not_a_palette_drag():
    text = QMimeData()
    text.setText("ServerSocket")
    unknown = QMimeData()
    unknown.setData(MIME_COMPONENT, b"TTimer")
    assert component_from_mime(text) == ""
    assert component_from_mime(unknown) == ""


# -- dragging -----------------------------------------------------------------------------------
def test_mouse_gesture_on_a_button_starts_a_drag_with_the_mime(qtbot, designer_palette, monkeypatch):
    show(qtbot, designer_palette)
    button = designer_palette.button("ClientSocket")
    captured = []
    real_exec = QDrag.exec

    def spy_exec(drag, *args):
        captured.append((drag.mimeData().formats(), bytes(drag.mimeData().data(MIME_COMPONENT).data()),
                         drag.source()))
        if QGuiApplication.platformName() == "offscreen":
            return real_exec(drag, *args)  # returns IgnoreAction at once there
        return Qt.DropAction.IgnoreAction  # never block in a real platform's drag loop

    monkeypatch.setattr(QDrag, "exec", spy_exec)
    with qtbot.assertNotEmitted(designer_palette.placementArmed):
        drag_with_mouse(qtbot, button)
    assert captured == [([MIME_COMPONENT], b"ClientSocket", button)]
    # the release that ended the gesture was not a click
    assert not button.isChecked() and not button.isDown()
    assert designer_palette.armed() == ""
    assert designer_palette.last_drag_result == Qt.DropAction.IgnoreAction


def test_a_press_without_movement_is_a_click_not_a_drag(qtbot, designer_palette, monkeypatch):
    show(qtbot, designer_palette)
    monkeypatch.setattr(QDrag, "exec", lambda *a: pytest.fail("no drag expected"))
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(designer_palette.button("ServerSocket"), Qt.MouseButton.LeftButton)
    assert armed.args == ["ServerSocket"]


def test_dragging_disarms_a_pending_click_to_place(qtbot, designer_palette, monkeypatch):
    show(qtbot, designer_palette)
    monkeypatch.setattr(QDrag, "exec", lambda *a: Qt.DropAction.IgnoreAction)
    designer_palette.arm("ServerSocket")
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        drag_with_mouse(qtbot, designer_palette.button("ClientSocket"))
    assert armed.args == [""]
    assert not any(b.isChecked() for b in designer_palette.buttons().values())


# -- click to place ---------------------------------------------------------------------------
def test_click_arms_another_click_switches_and_a_second_click_disarms(qtbot, designer_palette):
    show(qtbot, designer_palette)
    client, server = designer_palette.button("ClientSocket"), designer_palette.button("ServerSocket")
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(client, Qt.MouseButton.LeftButton)
    assert armed.args == ["ClientSocket"]
    assert client.isChecked() and designer_palette.armed() == "ClientSocket"

    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(server, Qt.MouseButton.LeftButton)
    assert armed.args == ["ServerSocket"]
    assert server.isChecked() and not client.isChecked()

    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(server, Qt.MouseButton.LeftButton)
    assert armed.args == [""]
    assert not server.isChecked() and designer_palette.armed() == ""


def test_escape_and_the_arrow_tool_disarm(qtbot, designer_palette):
    show(qtbot, designer_palette)
    designer_palette.arm("ClientSocket")
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.keyClick(designer_palette, Qt.Key.Key_Escape)
    assert armed.args == [""]
    designer_palette.arm("ServerSocket")
    pointer = designer_palette.findChildren(QToolButton, "palettePointer")[0]
    assert pointer.accessibleName() == "Select" and not pointer.isChecked()
    with qtbot.waitSignal(designer_palette.placementArmed) as armed:
        qtbot.mouseClick(pointer, Qt.MouseButton.LeftButton)
    assert armed.args == [""]
    assert pointer.isChecked()
    assert not designer_palette.button("ServerSocket").isChecked()


def test_arming_twice_emits_once(qtbot, designer_palette):
    with qtbot.waitSignal(designer_palette.placementArmed):
        designer_palette.arm("ClientSocket")
    with qtbot.assertNotEmitted(designer_palette.placementArmed):
        designer_palette.arm("ClientSocket")
        designer_palette.button("ClientSocket").setChecked(True)
    with pytest.raises(KeyError):
        designer_palette.arm("TTimer")


# -- icons --------------------------------------------------------------------------------------
def test_every_icon_is_valid_svg_and_renders_offscreen(qapp):
    assert {"ClientSocket", "ServerSocket", "app"} <= set(icons.names())
    for name in icons.names():
        assert QSvgRenderer(str(icons.icon_path(name))).isValid(), name
        for size in (24, 48):
            image = icons.pixmap(name, size).toImage()
            assert image.size() == QSize(size, size)
            ink = sum(1 for x in range(size) for y in range(size) if image.pixelColor(x, y).alpha() > 128)
            assert ink > size * size // 10, f"{name} at {size} px is nearly empty"


def test_every_palette_component_has_an_icon(qapp):
    for name, cls in component_classes().items():
        if cls.palette_tab:
            assert not icons.icon(name).pixmap(24).isNull(), name


def test_icons_are_cached_and_missing_ones_say_which(qapp):
    assert icons.icon("ServerSocket") is icons.icon("ServerSocket")
    assert icons.pixmap("ServerSocket", 32) is icons.pixmap("ServerSocket", 32)
    assert icons.pixmap("ServerSocket", 64, 2.0).size() == QSize(128, 128)
    with pytest.raises(FileNotFoundError, match="NoSuchIcon"):
        icons.icon("NoSuchIcon")

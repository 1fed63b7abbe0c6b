"""The workbench in Simplified Chinese: every text a user sees at run time is translated.

Walks the menus (and their actions), the docks, every widget in the window and the
dialogs it opens (each closed by a timer once its texts are read), and collects the
texts that still hold Latin words other than the VCL identifiers (from the metadata),
the product name, proper names (TCP, C++Builder, ...), component names and file names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMenu,
    QTabBar,
    QWidget,
)

from app.qt.translations import install
from components import component_classes
from components.enums import VclEnum
from ui.main_window import EXAMPLES_DIR, MainWindow
from ui.retranslate import column_count

PROPER_NAMES = {
    "Socket", "Workbench", "TCP", "IP", "IPv4", "IPv6", "DFM", "dfm", "C++Builder", "Delphi", "CSV", "JSON",
    "Lines", "Python", "UTF-8", "HTTP", "Internet", "API", "F9", "LF", "CRLF", "True", "False", "ErrorCode",
    "English", "sockform", "jsonl", "csv", "py", "http", "echo", "utf-8", "gbk", "cp1251", "latin-1", "none",
    "line", "delimiter", "fixed", "length", "regex", "idle", "bytes", "field", "offset", "adjust", "strip",
    "pattern", "ms", "n", "open", "ReceiveText", "ReceiveBuf", "SendText", "SocketStream", "WaitForData",
    "SendStream", "SendStreamThenDrop", "xNN", "r", "t", "e", "x", "ChatServerClientRead", "format", "version",
    "UDP", "TLS", "CA", "PEM", "SNI", "Modbus", "STX", "ETX", "CRC", "SO_BROADCAST", "SO_REUSEADDR", "eth0",
    "pcapng", "Wireshark", "tshark", "SVG", "PNG", "Ctrl+", "TOML", "JUnit", "GUI", "VCL", "post_to_gui",
}


def identifiers() -> set[str]:
    """VCL names: classes, properties, events, enum values (from the metadata)."""
    names = set(PROPER_NAMES)
    for cls in component_classes().values():
        names |= {cls.__name__, cls.vcl_class, cls.palette_tab}
        names |= {p.vcl_name for p in cls.properties()} | {e.vcl_name for e in cls.events()}
    for enum_class in VclEnum.__subclasses__():
        names |= set(enum_class.vcl_names())
    names |= {"ServerClientThread"}
    return names


LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+_\-]*")
HEX = re.compile(r"\b(?:[0-9A-Fa-f]{2}\s)+[0-9A-Fa-f]{2}\b|0x[0-9A-Fa-f]+")


def latin_words(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"\(&?\w\)", "", text).replace("&", "")  # mnemonics: 文件(&F), a tool button's 录制(R)
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths
    text = re.sub(r"[\w\-*]*\.(?:py|sockform|dfm|csv|jsonl|txt|pem)\b", " ", text)  # file names, extensions
    text = HEX.sub(" ", text)
    return [w for w in LATIN_WORD.findall(text) if w not in allowed and w.rstrip("-") not in allowed]


def widget_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every text ``root`` and its children show: titles, labels, buttons,
    tooltips, placeholders, combo items, tab texts, header titles."""
    found: list[tuple[str, str]] = []

    def add(where: QWidget, text: str) -> None:
        if text:
            found.append((f"{type(where).__name__} {where.objectName()}", text))

    for widget in [root, *root.findChildren(QWidget)]:
        add(widget, widget.windowTitle() if widget.isWindow() or isinstance(widget, QDockWidget) else "")
        add(widget, widget.toolTip())
        add(widget, widget.statusTip())
        if isinstance(widget, QLabel) and widget.isVisibleTo(root):
            add(widget, re.sub(r"<[^>]+>", " ", widget.text()))
        if isinstance(widget, QAbstractButton):
            add(widget, widget.text())
        if isinstance(widget, QLineEdit):
            add(widget, widget.placeholderText())
        if isinstance(widget, QComboBox) and widget.objectName() != "":
            for i in range(widget.count()):
                add(widget, widget.itemText(i))
        if isinstance(widget, QTabBar):
            for i in range(widget.count()):
                add(widget, widget.tabText(i))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for column in range(column_count(model)):
                add(widget, str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
    return found


def menu_texts(menu: QMenu, path: str = "") -> list[tuple[str, str]]:
    found = [(path, menu.title())]
    menu.aboutToShow.emit()  # Open Recent fills itself when shown
    for action in menu.actions():
        if action.menu() is not None:
            found += menu_texts(action.menu(), f"{path} > {menu.title()}")
        elif not action.isSeparator():
            found += [(f"{path} > {menu.title()}", action.text()), (action.text(), action.statusTip())]
    return [(w, t) for w, t in found if t]


@pytest.fixture
def chinese_window(qloop, qtbot, tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    locale = QLocale()  # install() sets the default locale: give the next tests theirs back
    assert install("zh_CN") == "zh_CN"
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    assert w.open_example(EXAMPLES_DIR / "chat_server.sockform")
    yield w
    w.engine.deactivate_all()
    w.model.undo_stack.setClean()
    w.close()
    w.deleteLater()
    qtbot.wait(1)
    install("en")
    QLocale.setDefault(locale)


def untranslated(texts: list[tuple[str, str]], window: MainWindow) -> list[tuple[str, str, list[str]]]:
    allowed = identifiers() | {e.name for e in window.model.entries()} | {window.model.document.name}
    return [(where, text, words) for where, text in texts if (words := latin_words(text, allowed))]


def read_dialog(qtbot, opener: Callable[[], object]) -> list[tuple[str, str]]:
    """Open a modal dialog, read its texts from a timer, close it."""
    seen: list[tuple[str, str]] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, read_and_close)
            return
        seen.extend(widget_texts(dialog))
        seen.append(("dialog", "" if dialog.windowTitle() else "<no title>"))
        dialog.close()  # reject: nothing is opened, saved or trusted

    QTimer.singleShot(0, read_and_close)
    opener()
    assert seen, "the dialog never opened"
    return seen


def test_menus_actions_docks_and_panels_are_translated(chinese_window, qtbot):
    w = chinese_window
    texts = [t for action in w.menuBar().actions() for t in menu_texts(action.menu())]
    texts += widget_texts(w)
    w.inspector.show_events()
    texts += widget_texts(w.inspector)
    assert any(t == "文件(&F)" for _, t in texts)
    left = untranslated(texts, w)
    assert left == [], "\n".join(map(str, left))


def test_dialogs_are_translated(chinese_window, qtbot, tmp_path):
    w = chinese_window
    w.model.undo_stack.resetClean()  # modified: New asks first
    dialogs: dict[str, Callable[[], object]] = {
        "about": w.about,
        "unsaved": w.maybe_save,
        "open": w.open_dialog,
        "save as": w.save_form_as,
        "import": w.import_dfm_dialog,
        "export": w.export_dfm_dialog,
        "trust unit": lambda: w.ask_trust(tmp_path / "chat.py"),
        "trust form": lambda: w.ask_form_trust(["/etc/hostname"]),
        "rename": lambda: w.ask_rename("ChatServer", "ChatServer", ["ChatServerClientRead"]),
        "export log": w.log_pane.choose_export_file,
        "damaged form": lambda: w.open_form(_damaged(tmp_path), ask=False),
    }
    problems = []
    for name, opener in dialogs.items():
        if name == "open":
            w.model.undo_stack.setClean()
        texts = read_dialog(qtbot, opener)
        problems += [(name, *p) for p in untranslated(texts, w)]
    assert problems == [], "\n".join(map(str, problems))


def _damaged(tmp_path: Path) -> Path:
    path = tmp_path / "damaged.sockform"
    path.write_text("{ not json", encoding="utf-8")
    return path


def test_switching_language_at_run_time_changes_the_menus(chinese_window, qtbot):
    w = chinese_window
    titles = lambda: [a.text() for a in w.menuBar().actions()]  # noqa: E731
    assert titles()[0] == "文件(&F)"
    header = lambda: w.log_pane.view.model().headerData(0, Qt.Orientation.Horizontal)  # noqa: E731
    assert header() == "时间"
    w.set_language("en")
    qtbot.waitUntil(lambda: titles()[0] == "&File")  # Qt posts the LanguageChange
    assert titles() == ["&File", "&Edit", "&View", "&Run", "&Tools", "&Help"]
    assert w.inspector_dock.windowTitle() == "Object Inspector"
    assert w.inspector.tabs.tabText(0) == "Properties"
    assert w.log_pane.clear_button.text() == "Clear"
    assert w.messages.add_button.text() == "Add" and w.messages.count.specialValueText() == "until stopped"
    assert header() == "Time"
    assert QSettings().value("language") == "en"
    w.set_language("zh_CN")
    qtbot.waitUntil(lambda: titles()[0] != "&File")
    assert titles() == ["文件(&F)", "编辑(&E)", "视图(&V)", "运行(&R)", "工具(&T)", "帮助(&H)"]
    assert w.connections_dock.windowTitle() == "连接"
    assert w.log_pane.clear_button.text() == "清空"
    assert w.messages.add_button.text() == "添加" and w.messages.count.specialValueText() == "直到停止"

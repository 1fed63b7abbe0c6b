"""The translations: the .ts is complete and up to date with the sources, it compiles,
the language follows the system and View > Language, engine texts are translated."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings

from app.qt import translations
from app.qt.translations import (
    DECLARED,
    LANGUAGES,
    check_ts,
    declared_source,
    install,
    sources,
    system_language,
    ts_path,
)


@pytest.fixture
def settings(tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield QSettings()
    QSettings().remove(translations.LANGUAGE_KEY)


@pytest.fixture
def chinese(qapp, settings):
    locale = QLocale()  # install() sets the default locale: give the next tests theirs back
    assert install("zh_CN") == "zh_CN"
    yield
    install("en")
    QLocale.setDefault(locale)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_none_unfinished_or_obsolete(language):
    assert check_ts(ts_path(language)) == []


def test_declared_texts_file_is_up_to_date():
    """components/ and app/core/ declare texts as data; the file lupdate reads is generated."""
    assert DECLARED.read_text(encoding="utf-8") == declared_source(), \
        "run: python -m app.qt.translations update"


@pytest.mark.parametrize("language", LANGUAGES)
def test_ts_has_every_message_of_the_sources(tmp_path, language):
    """lupdate on today's sources adds nothing and drops nothing the .ts does not already have."""
    copy = tmp_path / ts_path(language).name
    shutil.copy(ts_path(language), copy)
    relative = [str(p.relative_to(translations.ROOT)) for p in sources()]
    done = subprocess.run([translations._tool("lupdate"), "-no-obsolete", "-locations", "none", *relative,
                           "-ts", str(copy)], cwd=translations.ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert check_ts(copy) == [], "run: python -m app.qt.translations update, then translate"
    assert "(0 new and" in done.stdout, done.stdout


def test_compiled_translation_translates_menus_and_qt_buttons(chinese):
    translate = QCoreApplication.translate
    assert translate("MainWindow", "&File") == "文件(&F)"
    assert translate("Metadata", "TCP port; Service wins when both are set.").startswith("TCP 端口")
    assert translate("QPlatformTheme", "Cancel") == "取消"  # qtbase_zh_CN is loaded too


def test_compiled_qm_is_rebuilt_only_for_a_changed_ts(qapp):
    first = translations.compiled("zh_CN")
    assert first is not None and first.stat().st_size > 1000
    stamp = first.stat().st_mtime_ns
    assert translations.compiled("zh_CN") == first and first.stat().st_mtime_ns == stamp


def test_english_removes_the_translators(chinese):
    install("en")
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_language_follows_the_system_locale(monkeypatch, qapp):
    from PySide6.QtCore import QLocale

    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("zh_CN")))
    assert system_language() == "zh_CN"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert system_language() == "en"


def test_lang_zh_cn_gives_chinese_in_a_new_process(tmp_path):
    """LANG=zh_CN.UTF-8, nothing chosen in View > Language: the workbench speaks Chinese."""
    code = ("from PySide6.QtCore import QCoreApplication, QSettings\n"
            "app = QCoreApplication([])\n"
            f"QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, {str(tmp_path)!r})\n"
            "from app.qt.translations import install\n"
            "print(install(), QCoreApplication.translate('MainWindow', '&Help'))\n")
    env = {"PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8", "LC_ALL": "", "LANGUAGE": "",
           "PYTHONPATH": str(translations.ROOT), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    import sys

    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["zh_CN", "帮助(&H)"], done.stderr


def test_view_language_setting_overrides_the_system(settings, qapp):
    settings.setValue(translations.LANGUAGE_KEY, "en")
    assert translations.chosen_language() == "en"
    settings.setValue(translations.LANGUAGE_KEY, "zh_CN")
    assert translations.chosen_language() == "zh_CN"
    settings.setValue(translations.LANGUAGE_KEY, "xx")  # not one we have: the system decides
    assert translations.chosen_language() == system_language()


def test_engine_errors_are_translated_part_by_part(chinese):
    from ui.error_text import translated

    text = "ChatServer: Socket error 10048 (EADDRINUSE): Address already in use, binding 127.0.0.1:7102"
    assert translated(text) == "ChatServer：Socket 错误 10048 (EADDRINUSE)：地址已被占用，正在绑定 127.0.0.1:7102"
    assert translated("Client1: Socket error 10061 (ECONNREFUSED): Connection refused, connecting to "
                      "127.0.0.1:9") == "Client1：Socket 错误 10061 (ECONNREFUSED)：连接被拒绝，正在连接 127.0.0.1:9"
    assert translated("Port must be between 0 and 65535, not 70000") == "Port 必须介于 0 和 65535 之间，而不是 70000"
    assert translated("something the engine never says") == "something the engine never says"


def test_engine_error_as_the_engine_makes_it_is_translated(chinese):
    """Not a hand-written sample: the text of a real refused connect."""
    import errno

    from components import ErrorEvent, ErrorInfo, SocketError
    from ui.error_text import translated

    info = ErrorInfo.from_exception(ErrorEvent.CONNECT, ConnectionRefusedError(errno.ECONNREFUSED, "x"))
    error = SocketError.from_info(info.during("connecting to 127.0.0.1:9"), "ClientSocket1")
    assert "连接被拒绝" in translated(str(error)) and "Connection" not in translated(str(error))


def test_the_log_detail_counts_are_translated(chinese):
    from components.observer import EventRecord
    from ui.event_log_model import EventLogModel

    model = EventLogModel()
    record = EventRecord(0.0, "Server", "OnClientRead", 1, "127.0.0.1:5000", "MainThread", 21, b"hello", None, "")
    assert model.detail_text(record) == "21 字节"
    assert model.detail_text(record._replace(byte_count=1)) == "1 字节"


def test_every_literal_text_has_a_literal_context():
    """lupdate reads translate(context, text) only when both are literals: a text with a
    context held in a variable never reaches the .ts (and is never translated)."""
    import ast

    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("ui", "app", "bench", "socket_workbench"):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                        in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2 \
                        and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
                        and not isinstance(node.args[0], ast.Constant):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []

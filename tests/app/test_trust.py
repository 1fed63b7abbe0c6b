"""The trust store: Qt-free, shared by the workbench and the runner, fails closed."""

from __future__ import annotations

import subprocess
import sys

from app.core.trust import TrustStore, default_store_path


def test_trust_follows_the_content_not_the_path(tmp_path, private_config):
    unit = tmp_path / "chat.py"
    unit.write_text("x = 1\n")
    store = TrustStore()
    assert store.path == default_store_path() == private_config / "trust.json"
    assert not store.is_trusted(unit)
    store.answer(unit, True)
    assert TrustStore().is_trusted(unit)  # a new reader sees it: it is on disk
    moved = tmp_path / "elsewhere.py"
    moved.write_bytes(unit.read_bytes())
    assert store.is_trusted(moved)
    unit.write_text("x = 2\n")
    assert not store.is_trusted(unit)
    store.answer(moved, False)
    assert not store.is_trusted(moved)


def test_a_damaged_store_trusts_nothing_and_is_repaired_by_the_next_answer(tmp_path, private_config):
    unit = tmp_path / "u.py"
    unit.write_text("pass\n")
    private_config.mkdir()
    for junk in (b"\xff\xfe not json", b"[" * 100_000, b'{"format": "other"}', b'{"format": '
                 b'"socket-workbench-trust", "trusted": [1]}'):
        (private_config / "trust.json").write_bytes(junk)
        assert not TrustStore().is_trusted(unit)
    TrustStore().answer(unit, True)
    assert TrustStore().is_trusted(unit)


def test_the_store_loads_without_qt(tmp_path):
    code = ("import sys, app.core.trust; app.core.trust.TrustStore().is_trusted(__import__('pathlib').Path('x'));"
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"SOCKET_WORKBENCH_CONFIG": str(tmp_path), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"

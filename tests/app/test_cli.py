"""The socket-workbench command: clear errors instead of Qt aborting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.app.command import CLI

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, **env_changes: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([*CLI, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_no_display_is_a_clear_message_not_a_crash():
    done = cli(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    if not sys.platform.startswith("linux"):
        return
    assert done.returncode == 2
    assert "no display to open the window on" in done.stderr
    assert "socket-workbench run FORM" in done.stderr


def test_a_missing_form_file_is_refused():
    done = cli("missing.sockform", QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 2
    assert done.stderr.strip() == "socket-workbench: no such form file: missing.sockform"


def test_help_lists_the_subcommands():
    done = cli("--help")
    assert done.returncode == 0
    for name in ("run", "convert", "bench", "bench-log"):
        assert f"  {name}" in done.stdout


def test_run_and_convert_start_without_loading_qt(tmp_path):
    """The headless commands never load Qt: they start fast and work where Qt can't load."""
    dfm = ROOT / "tests" / "app" / "data" / "dfm" / "stratomaster84__TCP-IP__Server__Unit1.dfm"
    form = tmp_path / "server.sockform"
    code = ("import sys\nfrom socket_workbench.main import main\n"
            f"assert main(['convert', {str(dfm)!r}, {str(form)!r}, '--encoding', 'cp1251']) == 0\n"
            f"assert main(['run', {str(form)!r}, '--no-unit', '--set', 'ServerSocket1.Port=0',"
            " '--duration', '0.05']) == 0\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'qasync', 'shiboken6'}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"

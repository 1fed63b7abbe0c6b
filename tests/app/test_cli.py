"""The socket-workbench command: clear errors instead of Qt aborting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, **env_changes: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True,
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

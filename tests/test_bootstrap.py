"""bootstrap.py installs quietly: pip's warnings only when an install fails, errors always.

These run the real pip of this environment, offline (--no-index): one install that
succeeds with a warning (the "Location ... is ignored" a stale --find-links gives, as
this machine's pip configuration does) and one that fails.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import bootstrap


def test_a_successful_install_keeps_pips_warnings_to_itself(tmp_path, capfd):
    missing = tmp_path / "no-such-folder"
    arguments = ["--no-index", "--find-links", str(missing), "--upgrade", "pip"]
    plain = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *arguments],
                           capture_output=True, text=True)
    assert plain.returncode == 0 and "is ignored" in plain.stderr  # pip alone does warn
    bootstrap.pip_install(sys.executable, *arguments)
    out, err = capfd.readouterr()
    assert "WARNING" not in out + err and "ignored" not in out + err
    assert out + err == ""


def test_a_failed_install_shows_everything_pip_said(tmp_path, capfd):
    with pytest.raises(SystemExit, match="pip install failed"):
        bootstrap.pip_install(sys.executable, "--no-index", "--find-links", tmp_path,
                              "socket-workbench-no-such-requirement")
    _out, err = capfd.readouterr()
    assert "ERROR: Could not find a version that satisfies the requirement" in err


def test_pip_is_asked_to_skip_its_version_check_and_root_warning():
    assert {"--disable-pip-version-check", "--root-user-action=ignore", "--quiet"} <= set(bootstrap.PIP_QUIET)

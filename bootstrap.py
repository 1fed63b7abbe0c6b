#!/usr/bin/env python3
"""Set up and run Socket Workbench from a fresh clone, with nothing but Python 3.11+.

    python3 bootstrap.py          create .venv if missing, install, open the workbench
    python3 bootstrap.py test     the same with the test tools, then run every check

The virtual environment lives in .venv at the repository root. It is
(re)installed only when pyproject.toml changed since the last install. What the
Qt wheels need from the system (an EGL/GL library, xcb libraries, fonts) is
installed with apt-get when it is missing and the machine allows it (root on
Debian/Ubuntu); otherwise the command to run is printed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

# Debian packages the PySide6 wheels load at run time (offscreen and xcb), and fonts (a CJK
# one for the Chinese interface: WenQuanYi Micro Hei, 5 MB, rather than Noto CJK's 100 MB).
DEBIAN_PACKAGES = [
    "fonts-dejavu-core", "fonts-wqy-microhei", "libegl1", "libgl1", "libfontconfig1", "libglib2.0-0", "libdbus-1-3",
    "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
    "libxcb-image0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-randr0",
    "libxcb-xkb1", "libxcb-xfixes0", "libx11-xcb1",
    # peers nobody here wrote, for the interoperability tests
    "socat",
    # real TLS peers for the interop tests (openssl s_client / s_server)
    "openssl",
]
# What the test command needs besides: tshark reads the pcapng captures the tests record.
TEST_DEBIAN_PACKAGES = ["tshark", "tcpdump"]  # capture tests: tshark reads, tcpdump records loopback
# debconf answers given before installing, so apt never asks (tshark's setuid question)
DEBCONF_PRESEED = "wireshark-common wireshark-common/install-setuid boolean false\n"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(*command: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    return subprocess.run([str(c) for c in command], check=check, env=env).returncode


# pip's chatter that says nothing about this install: a newer pip exists, running as root
# (in a virtual environment that is fine), scripts outside PATH (they are in .venv).
PIP_QUIET = ("--quiet", "--disable-pip-version-check", "--no-warn-script-location", "--root-user-action=ignore")


def pip_install(python: str | Path, *arguments: str | Path) -> None:
    """``pip install`` without the noise: its warnings are shown only when it fails, then
    with everything it said; a line it marks as an error is always shown."""
    command = [str(python), "-m", "pip", "install", *PIP_QUIET, *map(str, arguments)]
    done = subprocess.run(command, capture_output=True, text=True)
    said = done.stdout + done.stderr
    if done.returncode != 0:
        sys.stderr.write(said)
        sys.exit(f"[bootstrap] pip install failed (exit status {done.returncode}): {' '.join(command)}")
    for line in said.splitlines():
        if line.startswith("ERROR"):
            print(line, file=sys.stderr, flush=True)


def missing_debian_packages(packages: list[str] | None = None) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for package in DEBIAN_PACKAGES if packages is None else packages:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                              capture_output=True, text=True)
        if "install ok installed" not in done.stdout:
            missing.append(package)
    return missing


def ensure_system_packages(packages: list[str] | None = None, purpose: str = "Qt") -> None:
    missing = missing_debian_packages(packages)
    if not missing:
        return
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        say(f"{purpose} needs these system packages, which are missing: " + " ".join(missing))
        say("install them with: sudo apt-get install -y " + " ".join(missing))
        return
    say(f"installing system packages for {purpose}: " + " ".join(missing))
    quiet = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if shutil.which("debconf-set-selections"):
        subprocess.run(["debconf-set-selections"], input=DEBCONF_PRESEED, text=True, capture_output=True)
    run("apt-get", "update", "-qq", check=False, env=quiet)
    # packages a given release does not have are skipped rather than failing the set
    available = [p for p in missing
                 if subprocess.run(["apt-cache", "show", p], capture_output=True).returncode == 0]
    if available:
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *available, check=False,
            env=quiet)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under whatever python3 is
        sys.exit(f"Socket Workbench needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        try:
            venv.create(VENV, with_pip=True)
        except Exception as exc:  # Debian without python3-venv: ensurepip is missing
            sys.exit(f"could not create the virtual environment ({exc}); "
                     "on Debian/Ubuntu install python3-venv first")
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing socket-workbench[{extras}] into .venv")
    pip_install(PYTHON, "--upgrade", "pip")
    pip_install(PYTHON, "-e", f"{ROOT}[{extras}]")
    stamp.write_text(digest)


def checks() -> int:
    """Lint, type-check, import contracts, then the whole test suite."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    steps: list[tuple[str, list[str | Path]]] = [
        ("ruff", [BIN / "ruff", "check", "."]),
        ("mypy", [BIN / "mypy", "components", "app", "ui", "bench", "socket_workbench"]),
        ("import contracts", [BIN / "lint-imports"]),
        ("tests", [PYTHON, "-m", "pytest"]),
    ]
    failed = []
    for name, command in steps:
        say(f"{name}: {' '.join(str(c) for c in command[1:])}")
        if subprocess.run([str(c) for c in command], cwd=ROOT, env=env).returncode != 0:
            failed.append(name)
    if failed:
        say("FAILED: " + ", ".join(failed))
        return 1
    say("all checks passed")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_system_packages()
    if command == "test":
        ensure_system_packages(TEST_DEBIAN_PACKAGES, "the capture tests")
    ensure_venv("test,fast" if command == "test" else "fast")
    if command == "test":
        return checks()
    entry = BIN / ("socket-workbench.exe" if os.name == "nt" else "socket-workbench")
    return subprocess.run([str(entry), *argv[1:]]).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

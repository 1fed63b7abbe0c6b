"""tshark for the capture tests: installed when missing (as bootstrap.py's test command
does), or the test is skipped with the reason; and helpers that read its answers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

_tried = False


def ensure_tshark() -> str:
    """The tshark executable; installs the Debian package when missing, skips when it can't."""
    global _tried
    found = shutil.which("tshark")
    if found:
        return found
    if not _tried and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        _tried = True
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["debconf-set-selections"], input=b"wireshark-common wireshark-common/install-setuid "
                       b"boolean false\n", capture_output=True)
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "tshark"], env=env,
                       capture_output=True)
        found = shutil.which("tshark")
        if found:
            return found
    pytest.skip("tshark is not installed and can't be installed here (apt-get install tshark, as root)")


def tshark(*args: str | Path) -> str:
    done = subprocess.run([ensure_tshark(), *map(str, args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def follow(path: Path, stream: int = 0) -> tuple[bytes, bytes]:
    """Follow TCP Stream: (what the first node sent, what the second sent), exactly."""
    out = tshark("-r", path, "-q", "-z", f"follow,tcp,raw,{stream}")
    first, second = bytearray(), bytearray()
    body = out.split("Node 1:", 1)[1].split("\n", 1)[1]
    for line in body.splitlines():
        if line.startswith("====="):
            break
        if line.startswith("\t"):
            second += bytes.fromhex(line.strip())
        elif line.strip():
            first += bytes.fromhex(line.strip())
    return bytes(first), bytes(second)


def comments(path: Path) -> list[str]:
    """Every packet comment, in order (one packet can have several). The field is
    frame.comment up to Wireshark 4.0 and pkt_comment after."""
    for field in ("frame.comment", "pkt_comment"):
        done = subprocess.run([ensure_tshark(), "-r", str(path), "-T", "fields", "-E", "aggregator=\x1f",
                               "-e", field], capture_output=True, text=True, timeout=60)
        if done.returncode == 0:
            return [c for line in done.stdout.splitlines() for c in line.split("\x1f") if c]
    raise AssertionError(f"tshark reads no comment field: {done.stderr}")


def stream_count(path: Path) -> int:
    out = tshark("-r", path, "-T", "fields", "-e", "tcp.stream")
    return len({line for line in out.split() if line})


def flags(path: Path) -> list[str]:
    return tshark("-r", path, "-T", "fields", "-e", "tcp.flags.str").splitlines()

"""run and the workbench raise the soft limit on open files to the hard one."""

from __future__ import annotations

import subprocess
import sys

import pytest

resource = pytest.importorskip("resource")


def test_the_soft_limit_rises_to_the_hard_one():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip(f"no finite hard limit above 256 to rise to (hard = {hard})")
    code = ("import resource; from app.core.file_limit import raise_file_limit; "
            f"resource.setrlimit(resource.RLIMIT_NOFILE, (256, {hard})); "
            "print(raise_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(hard), str(hard)]

"""`run` executes only the unit it was asked to, and only a trusted one: real processes,
real files, and a unit that leaves a mark on disk when it runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.core.trust import TrustStore, default_store_path
from tests.app.command import CLI

from .test_runner import ROOT, free_port

NOT_TRUSTED = ("socket-workbench run: {name} is not trusted; run it with --trust to allow it, "
               "or --no-unit to run the form without it")


def unit_source(marker: Path, handler: str = "ServerSocket1Listen") -> str:
    """A unit that writes ``marker`` when it is loaded and logs from its handler."""
    return (f"from pathlib import Path\n"
            f"Path({str(marker)!r}).write_text('loaded')\n\n"
            f"def {handler}(sender, socket):\n"
            f"    log('the unit handled OnListen')\n")


def sockform(path: Path, port: int, events: dict) -> Path:
    path.write_text(json.dumps({
        "format": "socket-workbench-form", "version": 1, "form": {"name": "F"},
        "components": [{"type": "ServerSocket", "name": "ServerSocket1",
                        "properties": {"Address": "127.0.0.1", "Port": port}, "events": events}]}))
    return path


DFM = """object Form1: TForm1
  Caption = 'Server'
  object ServerSocket1: TServerSocket
    Active = False
    Address = '127.0.0.1'
    Port = {port}
    ServerType = stNonBlocking
    OnListen = ServerSocket1Listen
    Left = 8
    Top = 8
  end
end
"""


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "run", *map(str, args), "--duration", "0.3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "unit-ran.txt"


def test_a_dfm_never_runs_the_py_beside_it(tmp_path, marker):
    form = tmp_path / "Unit1.dfm"
    form.write_text(DFM.format(port=free_port()))
    (tmp_path / "Unit1.py").write_text(unit_source(marker))
    TrustStore().answer(tmp_path / "Unit1.py", True)  # even a trusted one
    done = run(form)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert done.stderr.strip() == ("socket-workbench run: note: Unit1.dfm binds ServerSocket1Listen; they do "
                                   "nothing unless --unit PATH gives their Python unit")
    assert "OnListen" in done.stdout and "the unit handled" not in done.stdout


def test_a_dfm_runs_the_unit_named_by_unit(tmp_path, marker):
    form = tmp_path / "Unit1.dfm"
    form.write_text(DFM.format(port=free_port()))
    unit = tmp_path / "handlers.py"
    unit.write_text(unit_source(marker))
    done = run(form, "--unit", unit, "--trust")
    assert done.returncode == 0, done.stderr
    assert marker.exists() and "the unit handled OnListen" in done.stdout
    assert done.stderr == ""


def test_a_form_that_binds_no_unit_function_runs_no_unit(tmp_path, marker):
    form = sockform(tmp_path / "echo.sockform", free_port(), {"OnClientRead": {"action": "echo"}})
    (tmp_path / "echo.py").write_text(unit_source(marker))
    done = run(form, "--trust")
    assert done.returncode == 0, done.stderr
    assert not marker.exists() and done.stderr == ""


def test_unit_is_refused_when_the_form_binds_nothing(tmp_path, marker):
    form = sockform(tmp_path / "echo.sockform", free_port(), {"OnClientRead": {"action": "echo"}})
    (tmp_path / "other.py").write_text(unit_source(marker))
    done = run(form, "--unit", tmp_path / "other.py", "--trust")
    assert done.returncode == 2 and not marker.exists()
    assert done.stderr == ("socket-workbench run: echo.sockform binds no event to a unit function, so "
                           "--unit other.py would never run\n")


def test_an_untrusted_unit_stops_the_run_with_one_line(tmp_path, marker):
    form = sockform(tmp_path / "chat_server.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    (tmp_path / "chat_server.py").write_text(unit_source(marker))
    done = run(form)
    assert done.returncode == 2
    assert done.stderr == NOT_TRUSTED.format(name="chat_server.py") + "\n"
    assert not marker.exists() and done.stdout == ""  # nothing ran, nothing listened


def test_trust_runs_it_for_this_run_only_and_records_nothing(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    unit = tmp_path / "chat.py"
    unit.write_text(unit_source(marker))
    done = run(form, "--trust")
    assert done.returncode == 0, done.stderr
    assert marker.exists() and "the unit handled OnListen" in done.stdout
    assert not default_store_path().exists() and not TrustStore().is_trusted(unit)
    marker.unlink()
    again = run(form)
    assert again.returncode == 2 and not marker.exists()


def test_a_unit_trusted_in_the_workbench_runs_until_it_changes(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    unit = tmp_path / "chat.py"
    unit.write_text(unit_source(marker))
    TrustStore().answer(unit, True)
    done = run(form)
    assert done.returncode == 0, done.stderr
    assert marker.exists() and "the unit handled OnListen" in done.stdout
    marker.unlink()
    with unit.open("a") as file:
        file.write("# edited by someone else\n")
    edited = run(form)
    assert edited.returncode == 2 and not marker.exists()
    assert edited.stderr == NOT_TRUSTED.format(name="chat.py") + "\n"


def test_no_unit_runs_the_form_without_it(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    (tmp_path / "chat.py").write_text(unit_source(marker))
    done = run(form, "--no-unit")
    assert done.returncode == 0 and not marker.exists()
    assert "OnListen" in done.stdout and done.stderr == ""


def test_unit_and_no_unit_together_are_refused(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    done = run(form, "--no-unit", "--unit", tmp_path / "chat.py")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_unit_and_a_missing_function_are_said_once(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(),
                    {"OnListen": {"handler": "ServerSocket1Listen"}, "OnClientRead": {"handler": "Gone"}})
    done = run(form)
    assert done.returncode == 0
    assert done.stderr == ("socket-workbench run: note: chat.sockform binds ServerSocket1Listen, Gone, but "
                           "chat.py does not exist; they do nothing\n")
    (tmp_path / "chat.py").write_text(unit_source(marker))
    done = run(form, "--trust")
    assert done.returncode == 0 and marker.exists()
    assert done.stderr == ("socket-workbench run: note: chat.py has no function Gone() for "
                           "ServerSocket1.OnClientRead\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_unit_that_is_not_a_regular_file_is_refused_without_waiting(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    done = run(form, "--unit", fifo, "--trust")
    assert done.returncode == 2
    assert done.stderr == "socket-workbench run: the unit does not load: fifo.py is not a regular file\n"


def test_a_unit_that_is_not_utf8_is_refused(tmp_path, marker):
    form = sockform(tmp_path / "chat.sockform", free_port(), {"OnListen": {"handler": "ServerSocket1Listen"}})
    (tmp_path / "chat.py").write_bytes(b"x = '\xff'\n")
    done = run(form, "--trust")
    assert done.returncode == 2
    assert done.stderr == "socket-workbench run: the unit does not load: chat.py is not UTF-8 text (byte 5)\n"

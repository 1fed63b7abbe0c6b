"""Send file serves the form's own files, and nothing outside its folder unless the form is trusted.

Real files, real symlinks, real servers and real clients: through the workbench's EngineHost
(on the qasync loop) and through ``socket-workbench run`` as a subprocess, with the current
directory somewhere else each time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from app.core.file_access import FileAccess, PathRefused
from app.core.form_document import FORMAT
from app.core.trust import TrustStore
from app.qt.engine_host import EngineHost
from app.qt.form_model import FormModel
from components import ObserverStream, RecordBuffer, SocketState
from tests.app.command import CLI

from .test_engine_host import PeerClient
from .test_runner import ROOT, LineReader, free_port

PAYLOAD = b"the form's own file\n"
SECRET = b"a file outside the form's folder\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """tmp/forms/site/{form files, payload.txt, data/}, tmp/outside.txt, and the cwd elsewhere."""
    folder = tmp_path / "forms" / "site"
    (folder / "data").mkdir(parents=True)
    (folder / "payload.txt").write_bytes(PAYLOAD)
    (folder / "data" / "nested.txt").write_bytes(PAYLOAD)
    (tmp_path / "outside.txt").write_bytes(SECRET)
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "payload.txt").write_bytes(b"the current directory's file, never served\n")
    monkeypatch.chdir(elsewhere)
    return folder


def write_form(folder: Path, argument: str, port: int = 0) -> Path:
    path = folder / "serve.sockform"
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Form1"}, "components": [
        {"type": "ServerSocket", "name": "ServerSocket1", "properties": {"Address": "127.0.0.1", "Port": port},
         "events": {"OnClientConnect": {"action": "send_file", "argument": argument}}}]}))
    return path


# -- the rules, on real paths ---------------------------------------------------------------
def test_relative_paths_resolve_against_the_form_folder(site):
    files = FileAccess.for_form(site / "serve.sockform", trusted=False, how_to_trust="run it with --trust")
    assert files.resolve("payload.txt") == site.resolve() / "payload.txt"
    assert files.resolve("data/../data/nested.txt") == site.resolve() / "data" / "nested.txt"
    with files.open("payload.txt") as stream:
        assert stream.read() == PAYLOAD


@pytest.mark.parametrize("argument, why", [
    ("../../outside.txt", "leads outside the form's folder"),
    ("link.txt", "leads outside the form's folder"),
    ("data/../../../outside.txt", "leads outside the form's folder"),
    ("/etc/hostname", "is an absolute path"),
])
def test_outside_and_absolute_paths_need_trust(site, argument, why):
    untrusted = FileAccess.for_form(site / "serve.sockform", trusted=False, how_to_trust="run it with --trust")
    with pytest.raises(PathRefused) as refused:
        untrusted.open(argument)
    assert str(refused.value).startswith(f"{argument} {why}")
    assert str(refused.value).endswith("; to allow it, run it with --trust")
    assert untrusted.needs_trust(argument)
    trusted = FileAccess.for_form(site / "serve.sockform", trusted=True, how_to_trust="")
    assert not trusted.needs_trust(argument)


def test_a_form_never_saved_has_no_folder_for_relative_paths():
    with pytest.raises(PathRefused, match="the form has not been saved yet; save it first"):
        FileAccess(None, trusted=True).resolve("payload.txt")


def test_a_fifo_in_the_folder_is_refused_without_blocking(site):
    os.mkfifo(site / "pipe")
    with pytest.raises(PathRefused, match="pipe is not a regular file"):
        FileAccess.for_form(site / "serve.sockform", trusted=False, how_to_trust="").open("pipe")


# -- the workbench: EngineHost on the qasync loop ------------------------------------------------
@pytest.fixture
def asked() -> list[list[str]]:
    """What the workbench asked the user about (the paths), when a test's engine asks."""
    return []


@pytest.fixture
def workbench(qloop, qtbot):
    yield from _workbench(None)


@pytest.fixture
def asking_workbench(qloop, qtbot, asked):
    """The workbench whose user answers yes to trusting the form's files, noting each question."""
    yield from _workbench(lambda paths: asked.append(paths) or True)


def _workbench(ask_file_trust):
    model = FormModel()
    stream = ObserverStream()
    engine = EngineHost(model, stream, ask_file_trust=ask_file_trust)
    records = RecordBuffer(stream)
    yield model, engine, records
    engine.deactivate_all()
    engine.shutdown()
    records.close()


def serve_once(qtbot, model: FormModel, engine: EngineHost, expect: bytes = b"") -> bytes:
    """Activate the form's server, connect one real client, and return what it received: the
    ``expect``ed bytes, or everything until the server closes (a refusal closes at once)."""
    uid = model.entries()[0].uid
    model.set_property(uid, "Active", True)
    qtbot.waitUntil(lambda: engine.component(uid).state is SocketState.LISTENING, timeout=3000)
    peer = PeerClient(engine.component(uid).socket.local_port, expect=len(expect) or None)
    peer.start()
    qtbot.waitUntil(peer.done.is_set, timeout=5000)
    peer.join()
    assert peer.error is None
    return peer.received


def error_records(records: RecordBuffer) -> list[str]:
    return [r.error.message for r in records.drain() if r.event == "OnClientError" and r.error is not None]


def test_the_workbench_serves_a_relative_path_from_the_form_folder_not_the_cwd(workbench, qtbot, site):
    model, engine, records = workbench
    model.open(write_form(site, "payload.txt"))
    assert serve_once(qtbot, model, engine, PAYLOAD) == PAYLOAD
    assert error_records(records) == []


@pytest.mark.parametrize("argument", ["../../outside.txt", "link.txt", "{outside}"])
def test_the_workbench_refuses_outside_paths_of_an_untrusted_form(workbench, qtbot, site, argument):
    model, engine, records = workbench
    argument = argument.format(outside=site.parent.parent / "outside.txt")
    model.open(write_form(site, argument))
    assert not engine.form_trusted
    assert serve_once(qtbot, model, engine) == b""  # the client gets nothing, then the close
    found: list[str] = []

    def recorded() -> bool:
        found.extend(error_records(records))
        return bool(found)

    qtbot.waitUntil(recorded, timeout=3000)
    assert len(found) == 1
    assert found[0].startswith(f"Send file refused {argument} ")
    assert "outside its own folder" in found[0] or "leads outside the form's folder" in found[0]
    assert found[0].endswith("to allow it, trust the form with File > Trust This Form")


def test_a_trusted_form_may_serve_a_path_outside_its_folder(workbench, qtbot, site):
    model, engine, _ = workbench
    path = write_form(site, "../../outside.txt")
    model.open(path)
    engine.set_form_trusted(True)  # File > Trust This Form
    assert serve_once(qtbot, model, engine, SECRET) == SECRET
    assert TrustStore().is_trusted(path)  # remembered for this content: the next open trusts it
    model.open(path)
    assert engine.form_trusted


def test_a_new_form_is_the_users_own_and_trusted(workbench):
    model, engine, _ = workbench
    model.new()
    assert engine.form_trusted and engine.file_access().folder is None


def test_asked_once_when_a_component_reaching_outside_is_activated(asking_workbench, asked, qtbot, site):
    model, engine, _ = asking_workbench
    model.open(write_form(site, "../../outside.txt"))
    assert serve_once(qtbot, model, engine, SECRET) == SECRET
    assert asked == [["../../outside.txt"]]


# -- headless: socket-workbench run ------------------------------------------------------------
def run_and_connect(form: Path, cwd: Path, port: int, expect: bytes, *flags: str) -> tuple[bytes, list[str],
                                                                                         list[str]]:
    """Run the form, connect one client that reads ``expect``'s length or to the server's close,
    stop the run; (bytes received, stdout lines, stderr lines)."""
    proc = subprocess.Popen([*CLI, "run", str(form), "--json", *flags], cwd=cwd,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1"), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = LineReader(proc.stdout), LineReader(proc.stderr)
    out.start()
    err.start()
    try:
        out.wait_for(lambda line: '"OnListen"' in line)
        received = b""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            while (not expect or len(received) < len(expect)) and (chunk := client.recv(65536)):
                received += chunk
        out.wait_for(lambda line: '"OnClientDisconnect"' in line)
        proc.terminate()
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out.join(5)
    err.join(5)
    return received, out.lines, err.lines


def test_run_serves_the_form_folder_refuses_outside_and_trust_allows_it(site):
    port = free_port()
    received, _, _ = run_and_connect(write_form(site, "payload.txt", port), Path.cwd(), port, PAYLOAD)
    assert received == PAYLOAD

    received, out, err = run_and_connect(write_form(site, "../../outside.txt", port), Path.cwd(), port, b"")
    assert received == b""
    errors = [json.loads(line) for line in out if '"OnClientError"' in line]
    assert len(errors) == 1 and "../../outside.txt leads outside the form's folder" in json.dumps(errors[0])
    assert "run it with --trust" in json.dumps(errors[0])
    assert any("outside the form's folder" in line for line in err)

    received, _, _ = run_and_connect(write_form(site, "../../outside.txt", port), Path.cwd(), port, SECRET,
                                     "--trust")
    assert received == SECRET

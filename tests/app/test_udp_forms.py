"""UdpSocket through the metadata: DFM export skips it, the built-in actions that fit a
datagram, and `run` serving datagrams to socat (a peer nobody here wrote)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.core.builtin_actions import actions_for
from app.core.dfm_export import export_dfm
from app.core.form_document import FormDocument
from components import UdpSocket

from .test_examples import EXAMPLES, serve, stop
from .test_runner import LineReader, start_run


def test_dfm_export_skips_it_and_says_the_vcl_has_no_such_component():
    doc = FormDocument.load(EXAMPLES / "udp_echo.sockform")
    exported = export_dfm(doc)
    assert b"object UdpEcho:" not in exported.data
    assert any("the VCL has no such component" in w for w in exported.warnings)


def test_the_actions_that_fit_a_datagram():
    ids = {a.id for a in actions_for(UdpSocket.event_spec("OnRead"))}
    assert {"log", "echo", "reply_text", "reply_hex"} <= ids
    assert not ids & {"send_file", "close"}  # no stream to send a file down, no connection to close


def socat() -> str:
    found = shutil.which("socat")
    if found is None:
        pytest.skip("socat is missing: python3 bootstrap.py installs it (Debian package socat)")
    return found


def free_udp_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_socat_sends_datagrams_to_the_udp_echo_form_and_gets_them_back():
    tool = socat()
    port = free_udp_port()
    proc, reader = serve("udp_echo", f"--set=UdpEcho.LocalPort={port}")
    try:
        done = subprocess.run([tool, "-t", "2", "-T", "2", "-", f"UDP4:127.0.0.1:{port}"],
                              input=b"hello from socat\n", capture_output=True, timeout=30)
        assert done.stdout == b"hello from socat\n", done.stderr
        events = stop(proc, reader)
    finally:
        if proc.poll() is None:
            proc.kill()
    reads = [e for e in events if e["event"] == "OnRead"]
    assert len(reads) == 1


def test_the_multicast_chat_example_members_hear_each_other(tmp_path):
    """Two `run`s of the example in a network namespace the test makes (multicast on lo)."""
    import json
    import os
    import sys

    from tests.components.test_udp_socket import _netns_available

    why = _netns_available()
    if why:
        pytest.skip(why)
    form = EXAMPLES / "multicast_chat.sockform"
    run = f"{sys.executable} -m socket_workbench run {form} --trust --json --duration 2"
    script = (f"ip link set lo up multicast on && ip route add 224.0.0.0/4 dev lo src 127.0.0.1 && "
              f"({run} > {tmp_path}/a.out & {run} > {tmp_path}/b.out; wait)")
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], cwd=EXAMPLES.parents[1],
                          env={**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for mine in ("a", "b"):
        logs = [json.loads(line)["detail"] for line in (tmp_path / f"{mine}.out").read_text().splitlines()
                if '"Log"' in line]
        assert any("joined" in t or "is here" in t for t in logs), (mine, logs)


def test_dfm_import_of_a_udp_socket_object_says_it_is_not_imported():
    """A .dfm can't hold a UdpSocket (the VCL has none); one written by hand is kept as a
    foreign object, and the report says why it is not a component of the form."""
    from app.core.dfm_import import import_dfm

    dfm = (b"object Form1: TForm1\n  Caption = 'udp'\n"
           b"  object Udp1: TUdpSocket\n    LocalPort = 7007\n  end\n"
           b"  object Client1: TClientSocket\n    Port = 7\n  end\nend\n")
    imported = import_dfm(dfm)
    assert [c.name for c in imported.document.components] == ["Client1"]
    assert ("Udp1", "TUdpSocket") in imported.report.foreign
    lines = imported.report.lines()
    assert any("Udp1 is a TUdpSocket: the VCL has no such component" in line
               and "not imported" in line for line in lines), lines



def test_run_record_of_the_udp_echo_form_with_socat_is_read_by_tshark(tmp_path):
    """`run --record` with socat's datagrams: tshark finds each one and its echo as UDP packets
    with the bytes socat sent, between socat's port and the form's."""
    from tests.tshark import comments, tshark

    tool = socat()
    port = free_udp_port()
    capture = tmp_path / "udp.pcapng"
    proc, reader = serve("udp_echo", f"--set=UdpEcho.LocalPort={port}", "--record", str(capture))
    try:
        done = subprocess.run([tool, "-t", "2", "-T", "2", "-", f"UDP4:127.0.0.1:{port}"],
                              input=b"recorded by the form\n", capture_output=True, timeout=30)
        assert done.stdout == b"recorded by the form\n", done.stderr
    finally:
        if proc.poll() is None:
            stop(proc, reader)
    out = tshark("-r", capture, "-T", "fields", "-E", "separator=|", "-e", "udp.srcport", "-e", "udp.dstport",
                 "-e", "udp.payload", "-e", "data.data")
    rows = [line.split("|") for line in out.splitlines() if line]
    assert len(rows) == 2
    (s1, d1, p1, x1), (s2, d2, p2, x2) = rows
    assert int(d1) == port and int(s2) == port and s1 == d2  # in from socat, the echo back to it
    for payload, data in ((p1, x1), (p2, x2)):
        assert bytes.fromhex((payload or data).replace(":", "")) == b"recorded by the form\n"
    assert any(t.startswith("UdpEcho OnRead") for t in comments(capture))


def test_socat_receives_what_a_udp_form_sends_to_its_default_destination(tmp_path):
    """socat listens; a form's UdpSocket sends it a datagram from OnWrite (Reply with text to
    RemoteAddress:RemotePort)."""
    import json
    import socket
    import time

    tool = socat()
    port = free_udp_port()
    listener = subprocess.Popen([tool, "-T", "5", "-u", f"UDP4-RECVFROM:{port},bind=127.0.0.1", "-"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:  # socat is ready when the port is taken
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    break
            assert time.monotonic() < deadline and listener.poll() is None, "socat did not start"
            time.sleep(0.02)
        form = tmp_path / "sender.sockform"
        form.write_text(json.dumps({
            "format": "socket-workbench-form", "version": 1,
            "form": {"name": "Sender", "caption": "sends to socat", "width": 300, "height": 200},
            "components": [{"type": "UdpSocket", "name": "Udp1", "position": [20, 20],
                            "properties": {"LocalAddress": "127.0.0.1", "RemoteAddress": "127.0.0.1",
                                           "RemotePort": port, "Active": True},
                            "events": {"OnWrite": {"action": "reply_text", "argument": "hello socat\\n"}}}]}))
        proc = start_run(str(form), "--json")
        reader = LineReader(proc.stdout)
        reader.start()
        try:
            out, err = listener.communicate(timeout=30)
            assert out == b"hello socat\n", err
        finally:
            stop(proc, reader)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()

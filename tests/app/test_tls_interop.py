"""TLS against peers nobody here wrote: ``openssl s_client`` talks to a TLS ServerSocket
form run with ``socket-workbench run``, and ``openssl s_server`` serves a TLS
ClientSocket form. The example TLS echo form runs with certificates made for it by
app.core.certificates in a temporary folder (never checked in)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.certificates import generate

from .test_runner import LineReader, free_port, start_run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "tls_echo.sockform"
OPENSSL = shutil.which("openssl")

needs_openssl = pytest.mark.skipif(
    OPENSSL is None, reason="openssl is not installed: `python3 bootstrap.py test` installs it (Debian package "
                            "openssl), or apt-get install openssl")


@pytest.fixture
def tls_form(tmp_path):
    """The TLS echo example copied into a folder with its certificates (prefix tls-)."""
    form = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, form)
    files = generate(tmp_path, prefix="tls-", client=True)
    assert files.cert_file.name == "tls-server.pem" and files.ca_file.name == "tls-ca.pem"
    return form, files


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_tls_echo_example_runs_with_generated_certificates(tls_form):
    form, _ = tls_form
    port = free_port()
    proc = start_run(str(form), "--json", f"--set=ServerSocket1.Port={port}",
                     f"--set=ClientSocket1.Port={port}")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"event": "OnRead"' in line)
    finally:
        stop(proc)
    reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    read = next(e for e in events if e["event"] == "OnRead")
    assert bytes.fromhex(read["data_hex"]) == b"Hello over TLS!\r\n"
    shakes = [e for e in events if e["event"] == "OnHandshake"]
    assert {e["component"] for e in shakes} == {"ServerSocket1", "ClientSocket1"}
    assert any("TLSv1.3" in e["detail"] and "CN=localhost" in e["detail"] for e in shakes)


def test_the_example_without_its_certificates_says_what_is_missing(tmp_path):
    form = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, form)
    proc = start_run(str(form), f"--set=ServerSocket1.Port={free_port()}", "--duration=5")
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode != 0
    assert "CertFile" in err and "tls-server.pem does not exist" in err and "Traceback" not in err


@needs_openssl
@pytest.mark.parametrize("client_cert", [False, True], ids=["server-auth", "mutual"])
def test_openssl_s_client_gets_the_echo_of_a_tls_server_form(tls_form, client_cert):
    form, files = tls_form
    port = free_port()
    sets = [f"--set=ServerSocket1.Port={port}", "--set=ClientSocket1.Active=False"]
    if client_cert:
        sets += ["--set=ServerSocket1.VerifyPeer=True", f"--set=ServerSocket1.CAFile={files.ca_file.name}"]
    proc = start_run(str(form), "--json", *sets)
    reader = LineReader(proc.stdout)
    reader.start()
    peer = None
    try:
        reader.wait_for(lambda line: '"event": "OnListen"' in line)
        command = [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                   "-CAfile", str(files.ca_file), "-verify_return_error", "-verify_hostname", "localhost",
                   "-quiet"]
        if client_cert:
            command += ["-cert", str(files.client_cert_file), "-key", str(files.client_key_file)]
        peer = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert peer.stdin is not None and peer.stdout is not None
        peer.stdin.write("hello from openssl\n")
        peer.stdin.flush()
        assert peer.stdout.readline() == "hello from openssl\n"
        reader.wait_for(lambda line: '"event": "OnClientRead"' in line)
    finally:
        if peer is not None:
            stop(peer)
        stop(proc)
    reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    shake = next(e for e in events if e["event"] == "OnHandshake")
    assert "TLSv1.3" in shake["detail"]
    if client_cert:
        assert "peer CN=Socket Workbench client" in shake["detail"]


@needs_openssl
def test_openssl_s_client_with_an_untrusted_certificate_is_refused_by_a_verifying_form(tls_form, tmp_path):
    form, files = tls_form
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    other = generate(stranger, client=True)
    port = free_port()
    proc = start_run(str(form), "--json", f"--set=ServerSocket1.Port={port}", "--set=ClientSocket1.Active=False",
                     "--set=ServerSocket1.VerifyPeer=True", f"--set=ServerSocket1.CAFile={files.ca_file.name}")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"event": "OnListen"' in line)
        peer = subprocess.run([OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
                               str(files.ca_file), "-cert", str(other.client_cert_file), "-key",
                               str(other.client_key_file)], input="hello\n", capture_output=True, text=True,
                              timeout=30)
        assert "hello" not in peer.stdout.split("---")[-1]
        line = reader.wait_for(lambda x: '"event": "OnClientError"' in x)
    finally:
        stop(proc)
    error = json.loads(line)
    assert "12102" in json.dumps(error) and "unknown CA" in json.dumps(error)
    reader.wait_for(lambda x: '"event": "OnClientDisconnect"' in x)


@needs_openssl
def test_openssl_s_server_serves_a_tls_client_form(tls_form):
    form, files = tls_form
    port = free_port()
    server = subprocess.Popen([OPENSSL, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(files.cert_file),
                               "-key", str(files.key_file), "-rev", "-naccept", "1"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        while "ACCEPT" not in (line := server.stdout.readline()):  # then it listens
            assert line, "openssl s_server ended before it listened"
        proc = start_run(str(form), "--json", "--set=ServerSocket1.Active=False", f"--set=ClientSocket1.Port={port}")
        reader = LineReader(proc.stdout)
        reader.start()
        try:
            # s_server -rev answers each line reversed
            reader.wait_for(lambda line: '"event": "OnRead"' in line and
                            b"!SLT revo olleH" in bytes.fromhex(json.loads(line)["data_hex"]))
        finally:
            stop(proc)
    finally:
        stop(server)
    reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    shake = next(e for e in events if e["event"] == "OnHandshake")
    assert shake["component"] == "ClientSocket1" and "CN=localhost" in shake["detail"]

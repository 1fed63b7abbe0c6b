"""Generated certificates work with Python's own TLS, on real sockets, and keys stay private."""

from __future__ import annotations

import socket
import ssl
import stat
import threading

import pytest
from cryptography import x509

from app.core.certificates import CertificateError, generate, subject_names


def test_names_are_the_defaults_plus_what_the_user_adds():
    assert subject_names(["myhost.local", " ", "LOCALHOST", "10.0.0.7"]) == [
        "localhost", "127.0.0.1", "::1", "myhost.local", "10.0.0.7"]
    with pytest.raises(CertificateError):
        subject_names(["not a host"])


def test_generated_files_serve_tls_that_verifies_and_keys_are_0600(tmp_path):
    files = generate(tmp_path, prefix="t-", extra_names=["extra.test"], client=True)
    for path in files.all():
        assert path.exists()
    for key in (files.ca_key_file, files.key_file, files.client_key_file):
        assert key is not None and stat.S_IMODE(key.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "extra.test" in sans.get_values_for_type(x509.DNSName)

    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(files.cert_file, files.key_file)
    server_ctx.load_verify_locations(files.ca_file)
    server_ctx.verify_mode = ssl.CERT_REQUIRED  # and the client certificate is checked too
    client_ctx = ssl.create_default_context(cafile=str(files.ca_file))
    client_ctx.load_cert_chain(files.client_cert_file, files.client_key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: dict[str, object] = {}

    def serve() -> None:
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            seen["peer"] = tls.getpeercert()
            tls.sendall(tls.recv(100).upper())

    worker = threading.Thread(target=serve)
    worker.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"hello")
            assert tls.recv(100) == b"HELLO"
    finally:
        worker.join(10)
        listener.close()
    assert seen["peer"]


def test_existing_files_are_not_overwritten_unless_asked(tmp_path):
    generate(tmp_path)
    before = (tmp_path / "server.pem").read_bytes()
    with pytest.raises(CertificateError, match="exists already"):
        generate(tmp_path)
    assert (tmp_path / "server.pem").read_bytes() == before
    generate(tmp_path, overwrite=True)
    assert (tmp_path / "server.pem").read_bytes() != before


def test_a_link_in_the_way_is_refused(tmp_path):
    (tmp_path / "ca.pem").symlink_to(tmp_path / "elsewhere.pem")
    with pytest.raises(CertificateError):
        generate(tmp_path)
    assert not (tmp_path / "elsewhere.pem").exists()

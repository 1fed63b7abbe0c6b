"""TLS on ClientSocket and ServerSocket: the properties, the handshake and its event,
each kind of failure with its code, client certificates, SNI, both modes, on real
loopback sockets with certificates made by app.core.certificates (never checked in)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import threading

import pytest

from app.core.certificates import generate
from components import ClientSocket, ServerSocket, SocketError, SocketStream
from components.connection import RECEIVE_HIGH_WATER, SEND_BUFFER_CAP
from components.enums import ClientType, ErrorEvent
from components.event_order import IGNORED
from components.tls import (
    TLS_CERTIFICATE_REQUIRED,
    TLS_PROTOCOL_VERSION,
    TLS_UNKNOWN_CA,
    TLS_VERIFY_FAILED,
    TLS_WRONG_HOST,
)

from .conftest import make_server, run_on
from .test_client_socket import until


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA with a server and a client certificate, and a second CA nobody trusts."""
    folder = tmp_path_factory.mktemp("pki")
    files = generate(folder, client=True, extra_names=["tls.test"])
    other = generate(folder, prefix="other-", client=True)
    return files, other


def tls_server(recorder, pki, name="ServerSocket1", threaded=False, **props):
    files, _ = pki
    settings = {"tls": True, "cert_file": str(files.cert_file), "key_file": str(files.key_file)}
    settings.update(props)
    return make_server(recorder, name=name, threaded=threaded, **settings)


def tls_client(recorder, pki, port, name="ClientSocket1", blocking=False, **props):
    files, _ = pki
    settings = {"host": "localhost", "port": port, "tls": True, "ca_file": str(files.ca_file)}
    if blocking:
        settings["client_type"] = ClientType.BLOCKING
    settings.update(props)
    recorder.expect(name, "blocking_client" if blocking else "client")
    return ClientSocket(name=name, observer=recorder.stream, **settings)


def events(recorder, component):
    """The component's events, without the records that are no events (Send, Error...)."""
    return [e for e in recorder.events(component) if e not in IGNORED]


def echo(sender, conn) -> None:
    conn.send_buf(conn.receive_buf(-1))


# -- the properties ------------------------------------------------------------------
def test_the_properties_are_declared_once_with_their_python_names():
    for cls in (ClientSocket, ServerSocket):
        specs = {s.vcl_name: s for s in cls.properties()}
        for vcl, py in [("TLS", "tls"), ("CertFile", "cert_file"), ("KeyFile", "key_file"),
                        ("CAFile", "ca_file"), ("VerifyPeer", "verify_peer")]:
            assert specs[vcl].py_name == py
            assert specs[vcl].locked_while_active
            assert not specs[vcl].in_dfm  # the VCL has no TLS: never written to a .dfm
        assert specs["TLS"].default is False
        assert "OnHandshake" in {e.vcl_name for e in cls.events()}
        assert {e.vcl_name: e for e in cls.events()}["OnHandshake"].py_name == "on_handshake"
    client = {s.vcl_name: s for s in ClientSocket.properties()}
    server = {s.vcl_name: s for s in ServerSocket.properties()}
    assert client["VerifyPeer"].default is True and server["VerifyPeer"].default is False
    assert client["ServerName"].py_name == "server_name" and not client["ServerName"].in_dfm


def test_tls_properties_are_locked_while_active(recorder, run, pki):
    async def scenario():
        server = tls_server(recorder, pki)
        server.open()
        try:
            for prop, value in [("tls", False), ("cert_file", "x.pem"), ("verify_peer", True)]:
                with pytest.raises(SocketError, match="Can't change value while socket is active"):
                    setattr(server, prop, value)
        finally:
            server.close()

    run(scenario())


@pytest.mark.parametrize("props, message", [
    ({"cert_file": ""}, "CertFile is empty: a TLS server needs a certificate"),
    ({"cert_file": "/nonexistent/server.pem"}, "CertFile /nonexistent/server.pem does not exist"),
    ({"key_file": "/nonexistent/key.pem"}, "KeyFile /nonexistent/key.pem does not exist"),
    ({"ca_file": "/nonexistent/ca.pem", "verify_peer": True}, "CAFile /nonexistent/ca.pem does not exist"),
])
def test_a_missing_file_fails_the_open_with_a_clear_message(recorder, run, pki, props, message):
    async def scenario():
        server = tls_server(recorder, pki, **props)
        with pytest.raises(SocketError, match=message):
            server.open()
        assert not server.active

    run(scenario())


def test_files_that_do_not_parse_or_do_not_match_are_refused(recorder, run, pki, tmp_path):
    files, other = pki
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    cases = [
        ({"cert_file": str(garbage)}, "holds no PEM certificate"),
        ({"cert_file": str(broken)}, "does not parse"),
        ({"key_file": str(files.cert_file)}, "holds no PEM private key"),
        ({"key_file": str(other.key_file)}, "is not the key of the certificate"),
    ]

    async def scenario():
        for props, message in cases:
            server = tls_server(recorder, pki, **props)
            with pytest.raises(SocketError, match=message):
                server.open()
        client = tls_client(recorder, pki, 1, ca_file=str(garbage))
        with pytest.raises(SocketError, match=r"CAFile .* holds no PEM certificate"):
            client.open()
        assert not client.active

    run(scenario())


def test_relative_paths_are_found_in_the_components_folder(recorder, run, pki):
    files, _ = pki

    async def scenario():
        server = tls_server(recorder, pki, cert_file=files.cert_file.name, key_file=files.key_file.name)
        server.folder = files.cert_file.parent
        server.open()
        server.close()

    run(scenario())


# -- the handshake ---------------------------------------------------------------------
def test_handshake_then_connect_and_echo_on_every_loop(recorder, run_any, pki):
    got = []

    async def scenario():
        server = tls_server(recorder, pki)
        server.on_client_read = echo
        server.open()
        client = tls_client(recorder, pki, server.local_port)
        client.on_connect = lambda s, c: c.send_text("hello over TLS")
        client.on_read = lambda s, c: got.append(c.receive_text())
        client.open()
        await until(lambda: "".join(got) == "hello over TLS")
        info = client.socket.tls
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        return info

    info = run_any(scenario())
    assert info.version.startswith("TLSv1.")
    assert info.cipher and info.bits >= 128
    assert "CN=localhost" in info.peer_subject and "CA" in info.peer_issuer
    assert {"DNS:localhost", "IP:127.0.0.1", "IP:::1", "DNS:tls.test"} <= set(info.peer_sans)
    assert info.peer_expires is not None
    client_events = events(recorder, "ClientSocket1")
    assert client_events[:5] == ["OnLookup", "OnConnecting", "OnHandshake", "OnConnect", "OnWrite"]
    server_events = [e for e in events(recorder, "ServerSocket1") if e not in ("OnListen", "Close")]
    assert server_events[:5] == ["OnGetSocket", "OnAccept", "OnHandshake", "OnClientConnect", "OnClientWrite"]
    shake = next(r for r in recorder.take() if r.event == "OnHandshake" and r.component == "ClientSocket1")
    assert info.version in shake.detail and info.cipher in shake.detail and "CN=localhost" in shake.detail


def test_the_handshake_handler_sees_the_connection_before_on_connect(recorder, run, pki):
    seen = []

    async def scenario():
        server = tls_server(recorder, pki)
        server.on_handshake = lambda s, c: seen.append(("server", c.tls.version, c.connected))
        server.open()
        client = tls_client(recorder, pki, server.local_port)
        client.on_handshake = lambda s, c: seen.append(("client", c.tls.version, s.state.vcl_name))
        client.open()
        await until(lambda: len(seen) == 2 and server.active_connections == 1)
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run(scenario())
    assert ("client", seen[0][1], "ssConnecting") in seen or ("client", seen[1][1], "ssConnecting") in seen
    assert any(s[0] == "server" and s[2] for s in seen)


def test_client_certificates_reach_a_verifying_server(recorder, run, pki):
    files, _ = pki
    peers = []

    async def scenario():
        server = tls_server(recorder, pki, verify_peer=True, ca_file=str(files.ca_file))
        server.on_handshake = lambda s, c: peers.append(c.tls.peer_subject)
        server.open()
        client = tls_client(recorder, pki, server.local_port, cert_file=str(files.client_cert_file),
                            key_file=str(files.client_key_file))
        client.open()
        await until(lambda: peers and client.socket.connected)
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run(scenario())
    assert peers == ["CN=Socket Workbench client,O=Socket Workbench"]


def test_server_name_is_sent_as_sni_and_verified(recorder, run, pki):
    names = []

    async def scenario():
        server = tls_server(recorder, pki)
        server.open()
        # the server's context learns the SNI the client sent
        ctx = server._tls_ctx
        ctx.sni_callback = lambda sslobj, name, _ctx: names.append(name)
        client = tls_client(recorder, pki, server.local_port, host="127.0.0.1", server_name="tls.test")
        client.open()
        await until(lambda: client.socket.connected)
        info = client.socket.tls
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        return info

    info = run(scenario())
    assert names == ["tls.test"]
    assert info.server_name == "tls.test"


# -- failures ----------------------------------------------------------------------------
def _first_error(recorder, component):
    return next(r.error for r in recorder.take() if r.component == component and r.error is not None
                and r.event.startswith("On"))


def _fail_client(recorder, run, pki, *, server_props=None, client_props=None, plain_server=False):
    """Open a TLS client against a server that makes its handshake fail; the client's error."""
    codes = []

    async def scenario():
        if plain_server:
            server = make_server(recorder)
            server.on_client_connect = lambda s, c: c.send_text("220 plain text, no TLS here\r\n")
        else:
            server = tls_server(recorder, pki, **(server_props or {}))
        server.open()
        client = tls_client(recorder, pki, server.local_port, **(client_props or {}))
        client.on_error = lambda s, c, event, code: codes.append((event, code)) or 0
        client.open()
        await until(lambda: not client.active)
        await until(lambda: server.active_connections == 0)
        server.close()
        return client

    client = run(scenario())
    assert events(recorder, "ClientSocket1")[-1] == "OnDisconnect"
    errors = [r.error for r in recorder.take() if r.component == "ClientSocket1" and r.error is not None
              and r.event.startswith("On")]
    return codes, errors[0] if errors else None, client


def test_an_unknown_ca_fails_the_handshake_with_12102(recorder, run, pki):
    _, other = pki
    codes, info, _ = _fail_client(recorder, run, pki, client_props={"ca_file": str(other.ca_file)})
    assert codes == [(ErrorEvent.CONNECT, TLS_UNKNOWN_CA)]
    assert info.errno_name == "CERTIFICATE_VERIFY_FAILED"
    assert info.message.startswith("unknown CA: self-signed certificate in certificate chain")
    # and the server's connection failed too (asyncio's client drops the connection
    # without an alert: a reset), and was removed
    server_error = _first_error(recorder, "ServerSocket1")
    assert server_error.event is ErrorEvent.CONNECT and server_error.code in (TLS_UNKNOWN_CA, 10054)


def test_a_wrong_host_name_fails_with_12103(recorder, run, pki):
    codes, info, _ = _fail_client(recorder, run, pki, client_props={"server_name": "example.com"})
    assert codes == [(ErrorEvent.CONNECT, TLS_WRONG_HOST)]
    assert "wrong host name" in info.message and "example.com" in info.message


def test_verify_peer_false_accepts_any_certificate(recorder, run, pki):
    _, other = pki

    async def scenario():
        server = tls_server(recorder, pki)
        server.open()
        client = tls_client(recorder, pki, server.local_port, ca_file=str(other.ca_file),
                            server_name="example.com", verify_peer=False)
        client.open()
        await until(lambda: client.socket.connected)
        info = client.socket.tls
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()
        return info

    info = run(scenario())
    assert "CN=localhost" in info.peer_subject  # still shown, though not verified


def test_a_peer_that_does_not_speak_tls_is_a_protocol_error_12104(recorder, run, pki):
    codes, info, _ = _fail_client(recorder, run, pki, plain_server=True)
    assert codes == [(ErrorEvent.CONNECT, TLS_PROTOCOL_VERSION)]
    assert "WRONG_VERSION_NUMBER" in info.message


def test_a_plain_client_on_a_tls_server_is_refused_and_removed(recorder, reported, run, pki):
    async def scenario():
        server = tls_server(recorder, pki)
        server.open()
        sock = socket.create_connection(("127.0.0.1", server.local_port))
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()))
        assert server.active_connections == 0
        sock.close()
        server.close()

    run(scenario())
    info = _first_error(recorder, "ServerSocket1")
    assert info.event is ErrorEvent.CONNECT and info.code == TLS_PROTOCOL_VERSION
    assert "HTTP_REQUEST" in info.message
    assert reported and reported[0].code == TLS_PROTOCOL_VERSION


def test_a_verifying_server_refuses_a_client_without_a_certificate_12105(recorder, run, pki):
    files, _ = pki
    codes, _info, _ = _fail_client(recorder, run, pki,
                                  server_props={"verify_peer": True, "ca_file": str(files.ca_file)})
    server_error = _first_error(recorder, "ServerSocket1")
    assert server_error.event is ErrorEvent.CONNECT and server_error.code == TLS_CERTIFICATE_REQUIRED
    # TLS 1.3: the client's side of the handshake is done before the server checks, so
    # it connected; asyncio's server drops the connection without its alert, so the
    # client hears a close (or a reset, or the alert from other servers)
    assert "OnConnect" in events(recorder, "ClientSocket1")
    assert all(code in (TLS_CERTIFICATE_REQUIRED, 10054) for _, code in codes)


def test_a_client_certificate_from_an_unknown_ca_is_refused(recorder, run, pki):
    files, other = pki
    _fail_client(recorder, run, pki, server_props={"verify_peer": True, "ca_file": str(files.ca_file)},
                 client_props={"cert_file": str(other.client_cert_file),
                               "key_file": str(other.client_key_file)})
    server_error = _first_error(recorder, "ServerSocket1")
    assert server_error.event is ErrorEvent.CONNECT and server_error.code == TLS_UNKNOWN_CA


def test_an_old_protocol_version_is_refused_12104(recorder, run, pki):
    """A client that offers TLS 1.2 at most, against a server that insists on 1.3."""
    files, _ = pki

    async def scenario():
        server = tls_server(recorder, pki)
        server.open()
        server._tls_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx = ssl.create_default_context(cafile=str(files.ca_file))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with pytest.raises((ssl.SSLError, ConnectionResetError)):  # asyncio drops it without an alert
            await asyncio.open_connection("127.0.0.1", server.local_port, ssl=ctx,
                                          server_hostname="localhost")
        await until(lambda: any(r.event == "OnClientDisconnect" for r in recorder.take()))
        server.close()

    run(scenario())
    assert _first_error(recorder, "ServerSocket1").code == TLS_PROTOCOL_VERSION


# -- blocking modes --------------------------------------------------------------------------
def test_blocking_client_and_thread_server_over_tls(recorder, pki):
    server = tls_server(recorder, pki, threaded=True)
    server.on_client_read = echo
    seen = []
    server.on_handshake = lambda s, c: seen.append(threading.current_thread().name)
    server.open()
    try:
        client = tls_client(recorder, pki, server.local_port, blocking=True)
        client.open()
        try:
            assert client.socket.tls is not None and client.socket.tls.version.startswith("TLSv1.")
            payload = bytes(range(256)) * 256
            stream = SocketStream(client.socket, 5000)
            received = b""
            for i in range(0, len(payload), 4096):
                piece = payload[i:i + 4096]
                assert stream.write(piece) == len(piece)
                while len(received) < i + len(piece):
                    assert stream.wait_for_data()
                    chunk = stream.read(65536)
                    assert chunk
                    received += chunk
            assert received == payload
        finally:
            client.close()
    finally:
        server.close()
    assert seen and seen[0].startswith("ServerSocket1 client")
    assert events(recorder, "ClientSocket1")[:4] == ["OnLookup", "OnConnecting", "OnHandshake", "OnConnect"]


def test_blocking_client_handshake_failure_raises_to_the_caller(recorder, reported, run, pki):
    _, other = pki
    server = tls_server(recorder, pki, threaded=True)
    server.open()
    try:
        client = tls_client(recorder, pki, server.local_port, blocking=True, ca_file=str(other.ca_file))
        with pytest.raises(SocketError) as raised:
            client.open()
        assert raised.value.code == TLS_UNKNOWN_CA
        assert not client.active
        deadline = threading.Event()
        for _ in range(500):
            if server.active_connections == 0 and server.socket.active_threads == 0:
                break
            deadline.wait(0.01)
    finally:
        server.close()
    assert _first_error(recorder, "ServerSocket1").code == TLS_UNKNOWN_CA


# -- no byte lost, memory bounded ----------------------------------------------------------
MiB = 1024 * 1024


def forward_echo(sender, conn) -> None:
    """An echo that respects back-pressure: while the send queue is congested it leaves
    the bytes in the receive buffer (which then fills and stops reading)."""
    if conn.send_congested:
        conn.when_drained(forward_echo, sender, conn)
        return
    room = conn.send_room()
    data = conn.receive_buf(room if room >= 0 else -1)
    if data:
        assert conn.send_buf(data) == len(data)


class Pusher:
    """Drives a TLS ClientSocket: sends ``total`` pattern bytes whenever the send queue
    is not congested (OnConnect, OnWrite), hashes what comes back (OnRead)."""

    def __init__(self, total: int) -> None:
        from .test_data_integrity import pattern_block

        self.total = total
        self.block = pattern_block(1)
        self.sent = 0
        self.received = 0
        self.sent_digest = hashlib.sha256()
        self.received_digest = hashlib.sha256()
        self.max_queue = 0

    def push(self, sender, conn) -> None:
        while self.sent < self.total and not conn.send_congested and conn.connected:
            piece = self.block[: self.total - self.sent]
            n = conn.send_buf(piece)
            if n <= 0:
                return  # refused: OnWrite comes back when the queue has drained
            self.sent_digest.update(piece)
            self.sent += n
            self.max_queue = max(self.max_queue, conn.send_queue_length())

    def read(self, sender, conn) -> None:
        data = conn.receive_buf(-1)
        self.received_digest.update(data)
        self.received += len(data)


@pytest.mark.parametrize("kind", ["asyncio", pytest.param("uvloop", marks=pytest.mark.slow),
                                  pytest.param("qtloop", marks=pytest.mark.slow)])
@pytest.mark.parametrize("threaded", [False, True], ids=["nonblocking", "threadblocking"])
def test_64_mib_through_a_tls_echo_arrive_intact(recorder, pki, kind, threaded):
    total = 64 * MiB
    pusher = Pusher(total)

    async def scenario():
        server = tls_server(recorder, pki, threaded=threaded)
        server.on_client_read = echo if threaded else forward_echo
        server.open()
        client = tls_client(recorder, pki, server.local_port)
        client.on_connect = pusher.push
        client.on_write = pusher.push
        client.on_read = pusher.read
        client.open()
        await until(lambda: pusher.received == total, timeout=240)
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run_on(kind, scenario())
    assert pusher.sent == total
    assert pusher.received_digest.hexdigest() == pusher.sent_digest.hexdigest()


@pytest.mark.parametrize("kind", ["asyncio", "uvloop", "qtloop"])
def test_back_pressure_holds_over_tls(recorder, pki, kind):
    """A server that reads nothing: its buffer stops at the high-water mark, the client's
    queue stops at its own, the cap refuses more; then everything arrives in order."""
    pusher = Pusher(96 * MiB)
    state = {}

    async def scenario():
        server = tls_server(recorder, pki)
        server.open()  # no OnClientRead handler: nobody takes the bytes
        client = tls_client(recorder, pki, server.local_port)
        client.on_connect = pusher.push
        client.on_write = pusher.push
        client.open()
        await until(lambda: server.active_connections == 1 and server.socket.connections[0].connected)
        conn = server.socket.connections[0]
        await until(lambda: conn.receive_length() >= RECEIVE_HIGH_WATER, timeout=30)
        previous = -1
        while pusher.sent != previous:  # the sender stalls
            previous = pusher.sent
            await asyncio.sleep(0.2)
        state["buffered"] = conn.receive_length()
        state["queued"] = client.socket.send_queue_length()
        state["refused"] = client.socket.send_buf(b"x" * (SEND_BUFFER_CAP + 1))
        assert pusher.sent < pusher.total
        digest = hashlib.sha256()
        got = 0

        def drain(sender, c) -> None:
            nonlocal got
            data = c.receive_buf(-1)
            digest.update(data)
            got += len(data)

        server.on_client_read = drain
        drain(server, conn)
        await until(lambda: got == pusher.total, timeout=120)
        state["digest"] = digest.hexdigest()
        client.close()
        await until(lambda: server.active_connections == 0)
        server.close()

    run_on(kind, scenario())
    assert state["buffered"] <= RECEIVE_HIGH_WATER + 2 * MiB
    assert state["queued"] <= 2 * MiB
    assert state["refused"] == -1
    assert pusher.max_queue <= 2 * MiB
    assert state["digest"] == pusher.sent_digest.hexdigest()


# -- a certificate that does not verify (12101), and the thread-blocking server's failures ------
def expired_server_certificate(pki, folder):
    """A server certificate for localhost, signed by the trusted CA, that expired yesterday."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    files, _ = pki
    ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
    ca_key = serialization.load_pem_private_key(files.ca_key_file.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30)).not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = folder / "expired.pem", folder / "expired-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return {"cert_file": str(cert_file), "key_file": str(key_file)}


def test_an_expired_certificate_fails_verification_with_12101(recorder, run, pki, tmp_path):
    codes, info, _ = _fail_client(recorder, run, pki, server_props=expired_server_certificate(pki, tmp_path))
    assert codes == [(ErrorEvent.CONNECT, TLS_VERIFY_FAILED)]
    assert info.errno_name == "CERTIFICATE_VERIFY_FAILED"
    assert info.message.startswith("certificate verify failed: certificate has expired")


def test_a_blocking_client_sees_the_expired_certificate_as_12101(recorder, reported, pki, tmp_path):
    server = tls_server(recorder, pki, threaded=True, **expired_server_certificate(pki, tmp_path))
    server.open()
    try:
        client = tls_client(recorder, pki, server.local_port, blocking=True)
        with pytest.raises(SocketError) as raised:
            client.open()
        assert raised.value.code == TLS_VERIFY_FAILED and "certificate has expired" in str(raised.value)
        assert not client.active
    finally:
        server.close()


@pytest.mark.parametrize("case", ["plain client", "unknown CA client certificate", "no client certificate"])
def test_a_thread_blocking_server_reports_each_failed_handshake_and_removes_the_connection(
        recorder, reported, pki, case):
    """stThreadBlocking (ssl sockets in the connection's thread): the same codes as on the loop,
    OnClientError(eeConnect) with OpenSSL's reason, and the connection removed."""
    files, other = pki
    props = {} if case == "plain client" else {"verify_peer": True, "ca_file": str(files.ca_file)}
    server = tls_server(recorder, pki, threaded=True, **props)
    server.open()
    try:
        with socket.create_connection(("127.0.0.1", server.local_port), timeout=10) as raw:
            if case == "plain client":
                raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
                assert raw.recv(100) is not None  # the server hangs up (or sends an alert)
            else:
                ctx = ssl.create_default_context(cafile=str(files.ca_file))
                if case == "unknown CA client certificate":
                    ctx.load_cert_chain(other.client_cert_file, other.client_key_file)
                try:
                    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                        tls.recv(100)  # TLS 1.3: the refusal comes after the client's side is done
                except (ssl.SSLError, ConnectionResetError):
                    pass
        for _ in range(1000):
            if server.active_connections == 0 and any(r.event == "OnClientDisconnect" for r in recorder.take()):
                break
            threading.Event().wait(0.01)
        assert server.active_connections == 0
    finally:
        server.close()
    info = _first_error(recorder, "ServerSocket1")
    expected = {"plain client": (TLS_PROTOCOL_VERSION, "HTTP_REQUEST"),
                "unknown CA client certificate": (TLS_UNKNOWN_CA, "CERTIFICATE_VERIFY_FAILED"),
                "no client certificate": (TLS_CERTIFICATE_REQUIRED, "CERTIFICATE")}[case]
    assert info.event is ErrorEvent.CONNECT and info.code == expected[0]
    assert expected[1] in info.message


def test_a_key_with_a_passphrase_and_a_folder_for_a_file_are_refused_with_their_reason(recorder, run, pki, tmp_path):
    from cryptography.hazmat.primitives import serialization

    files, _ = pki
    key = serialization.load_pem_private_key(files.key_file.read_bytes(), password=None)
    locked = tmp_path / "locked-key.pem"
    locked.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.BestAvailableEncryption(b"secret")))
    cases = [
        ({"key_file": str(locked)}, "is protected by a passphrase; use a key without one"),
        ({"cert_file": str(tmp_path)}, f"CertFile {tmp_path} is not a file"),
        ({"cert_file": "", "key_file": str(files.key_file)}, "CertFile is empty"),
    ]

    async def scenario():
        for props, message in cases:
            server = tls_server(recorder, pki, **props)
            with pytest.raises(SocketError, match=message):
                server.open()
            assert not server.active
        client = tls_client(recorder, pki, 1, key_file=str(files.client_key_file))
        with pytest.raises(SocketError, match="KeyFile is set but CertFile is empty"):
            client.open()

    run(scenario())

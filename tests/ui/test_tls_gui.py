"""TLS in the workbench window, end to end with real files and real sockets:
Tools > Generate Certificates... through the real dialog writes PEM files beside the
form (keys 0600) and points the selected component at them as one undo step; then
the TLS ServerSocket, activated, serves a real TLS client (Python's ssl, and the
client certificate the dialog made), and the connections panel shows the protocol
version, the cipher and the peer's certificate."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.form_document import HandlerBinding
from components import ServerSocket
from components.metadata import Role
from ui.certificate_dialog import CertificateDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

ROLES = (Role.TLS, Role.CERTIFICATE, Role.PRIVATE_KEY, Role.CA_CERTIFICATES)


def tls_names() -> dict[Role, str]:
    """The VCL names of ServerSocket's TLS properties, read from its metadata."""
    return {spec.role: spec.vcl_name for spec in ServerSocket.properties() if spec.role in ROLES}


def verify_peer() -> str:
    return next(spec.vcl_name for spec in ServerSocket.properties() if spec.py_name == "verify_peer")


def open_dialog(w, qtbot) -> CertificateDialog:
    earlier = set(w.findChildren(CertificateDialog))  # one closed before may await its deleteLater
    w.certificates_action.trigger()
    (dialog,) = set(w.findChildren(CertificateDialog)) - earlier
    qtbot.waitExposed(dialog)
    return dialog


def generate_through_the_dialog(w, qtbot, monkeypatch, form: Path, folder: Path | None = None,
                                client: bool = True) -> CertificateDialog:
    """A saved form with a selected ServerSocket; the dialog filled in as a user does."""
    dialog = open_dialog(w, qtbot)
    assert Path(dialog.folder.text()) == form.parent  # beside the form, unless the user picks another
    if folder is not None:
        monkeypatch.setattr("ui.certificate_dialog.QFileDialog.getExistingDirectory", lambda *a, **k: str(folder))
        browse = next(b for b in dialog.findChildren(type(dialog.generate_button))
                      if b.text() == dialog.tr("Browse…"))
        qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
        assert dialog.folder.text() == str(folder)
    qtbot.keyClicks(dialog.names, "myhost.test, 10.9.8.7")
    if client:
        qtbot.mouseClick(dialog.client, Qt.MouseButton.LeftButton)
        assert dialog.client.isChecked()
    assert ("tls-client-key.pem" in dialog.preview.text()) is client
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == CertificateDialog.DialogCode.Accepted, dialog.problem.text()
    return dialog


@pytest.fixture
def tls_form(window, tmp_path):
    """The window with a saved form holding one ServerSocket on 127.0.0.1:0, selected."""
    w = window
    uid = w.model.add_component("ServerSocket", 8, 8)
    w.model.set_property(uid, "Address", "127.0.0.1")
    w.model.set_property(uid, "Port", 0)
    form = tmp_path / "form" / "tls.sockform"
    form.parent.mkdir()
    w.model.save(form)
    w.model.set_selection([uid])
    return w, uid, form


def test_generate_certificates_writes_pem_files_beside_the_form_and_fills_the_properties_in_one_undo(
        tls_form, qtbot, monkeypatch):
    w, uid, form = tls_form
    names = tls_names()
    before = {n: w.model.entry(uid).value(n) for n in names.values()}
    undo_count = w.model.undo_stack.count()

    certs = form.parent / "certs"
    certs.mkdir()
    dialog = generate_through_the_dialog(w, qtbot, monkeypatch, form, certs)
    files = dialog.files
    assert files is not None
    for path in files.all():
        assert path.parent == certs and path.read_bytes().startswith(b"-----BEGIN ")
    for key in (files.ca_key_file, files.key_file, files.client_key_file):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    for cert in (files.ca_file, files.cert_file, files.client_cert_file):
        assert stat.S_IMODE(cert.stat().st_mode) & 0o077 != 0o077  # readable as any file, not secret
    server_pem = files.cert_file.read_text()
    from cryptography import x509

    leaf = x509.load_pem_x509_certificates(server_pem.encode())[0]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "myhost.test"} <= set(sans.get_values_for_type(x509.DNSName))
    assert {"127.0.0.1", "::1", "10.9.8.7"} <= {str(a) for a in sans.get_values_for_type(x509.IPAddress)}

    # the selected server now uses them, with paths relative to the form's folder
    entry = w.model.entry(uid)
    assert entry.value(names[Role.TLS]) is True
    assert entry.value(names[Role.CERTIFICATE]) == "certs/tls-server.pem"
    assert entry.value(names[Role.PRIVATE_KEY]) == "certs/tls-server-key.pem"
    assert entry.value(names[Role.CA_CERTIFICATES]) == "certs/tls-ca.pem"  # for VerifyPeer's client certificates
    # ... as one step on the undo stack, which the Edit menu names
    assert w.model.undo_stack.count() == undo_count + 1
    assert "Use generated certificates in ServerSocket1" in w.model.undo_stack.undoText()
    w.model.undo_stack.undo()
    assert {n: w.model.entry(uid).value(n) for n in names.values()} == before
    w.model.undo_stack.redo()
    assert w.model.entry(uid).value(names[Role.CERTIFICATE]) == "certs/tls-server.pem"
    qtbot.waitUntil(lambda: "Certificates written to" in w.statusBar().currentMessage(), timeout=3000)


def test_the_dialog_refuses_to_overwrite_and_says_why(tls_form, qtbot, monkeypatch):
    w, _uid, form = tls_form
    generate_through_the_dialog(w, qtbot, monkeypatch, form, client=False)
    first = (form.parent / "tls-server.pem").read_bytes()
    dialog = open_dialog(w, qtbot)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "exists already" in dialog.problem.text()
    assert (form.parent / "tls-server.pem").read_bytes() == first
    dialog.reject()


class TlsPeer(threading.Thread):
    """A real TLS client on its own thread (Python's ssl): trusts the CA, presents the
    client certificate, sends a line and waits until told to hang up."""

    def __init__(self, port: int, ca: Path, cert: Path, key: Path) -> None:
        super().__init__(daemon=True, name="tls peer")
        self.port = port
        self.context = ssl.create_default_context(cafile=str(ca))
        self.context.load_cert_chain(cert, key)
        self.received = b""
        self.version = ""
        self.error: BaseException | None = None
        self.hang_up = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as raw, \
                    self.context.wrap_socket(raw, server_hostname="localhost") as s:
                self.version = s.version() or ""
                s.sendall(b"hello over TLS\n")
                self.received = s.recv(4096)
                self.hang_up.wait(10)
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            self.done.set()


def test_a_tls_server_form_shows_version_cipher_and_peer_certificate_in_the_connections_panel(
        tls_form, qtbot, monkeypatch):
    w, uid, form = tls_form
    dialog = generate_through_the_dialog(w, qtbot, monkeypatch, form)
    files = dialog.files
    assert files is not None and files.client_cert_file is not None and files.client_key_file is not None
    w.model.set_property(uid, verify_peer(), True)  # require the client's certificate
    w.model.set_binding(uid, "OnClientRead", HandlerBinding(action="echo"))

    w.engine.set_active(uid, True)
    server = w.engine.component(uid)
    qtbot.waitUntil(lambda: server.socket.listening, timeout=5000)
    peer = TlsPeer(server.socket.local_port, files.ca_file, files.client_cert_file, files.client_key_file)
    peer.start()
    try:
        qtbot.waitUntil(lambda: bool(peer.received) or peer.error is not None, timeout=10000)
        assert peer.error is None, peer.error
        assert peer.received == b"hello over TLS\n"  # the form's Echo back, over TLS
        panel = w.connections
        qtbot.waitUntil(lambda: panel.connections.rowCount() == 1, timeout=3000)
        panel.view.selectRow(0)
        conn = panel.selected_connection()
        assert conn is not None and conn.tls is not None
        qtbot.waitUntil(lambda: panel.tls_details.isVisible(), timeout=3000)
        details = panel.tls_details
        text = details.text()  # two lines, elided to the dock's width
        assert peer.version and peer.version in text  # TLSv1.3
        assert conn.tls.cipher in text
        assert "CN=Socket Workbench client" in text  # the peer certificate: the client's
        assert "Socket Workbench local CA" in details.full_text()  # its issuer, and more
        assert "Socket Workbench local CA" in details.toolTip()
        assert details.fontMetrics().horizontalAdvance(max(text.splitlines(), key=len)) <= details.width()
        tip = panel.connections.data(panel.connections.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        assert conn.tls.cipher in tip and "CN=Socket Workbench client" in tip
        # the log has the handshake too, with what it told
        def handshakes():
            return [r for r in w.log_pane.shown_records() if r.event == "OnHandshake"]

        qtbot.waitUntil(lambda: bool(handshakes()), timeout=5000)  # the log drains on its own timer
        shake = handshakes()[0]
        assert peer.version in shake.detail
    finally:
        peer.hang_up.set()
        peer.join(10)
    qtbot.waitUntil(lambda: w.connections.connections.rowCount() == 0, timeout=5000)


def test_a_tls_server_whose_certificate_is_missing_says_so_and_stays_inactive(tls_form, qtbot):
    w, uid, form = tls_form
    names = tls_names()
    w.model.set_property(uid, names[Role.TLS], True)
    w.model.set_property(uid, names[Role.CERTIFICATE], "tls-server.pem")  # not generated yet
    w.engine.set_active(uid, True)
    missing = f"CertFile {form.parent / 'tls-server.pem'} does not exist"

    def errors():
        return [r for r in w.log_pane.shown_records() if r.error is not None]

    qtbot.waitUntil(lambda: bool(errors()), timeout=5000)
    assert missing in errors()[0].error.message and "Traceback" not in errors()[0].error.message
    qtbot.waitUntil(lambda: "does not exist" in w.statusBar().currentMessage(), timeout=3000)
    assert not w.engine.component(uid).active

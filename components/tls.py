"""TLS for ClientSocket and ServerSocket: contexts from the TLS properties, what a
handshake tells (OnHandshake), and the error numbers of a failed one.

Properties (declared in components.socket_component and the two component classes):
``TLS``, ``CertFile``, ``KeyFile``, ``CAFile``, ``VerifyPeer`` and, for a client,
``ServerName``. ``tls_context`` reads them when the component is activated: the files
must exist and parse (a PEM certificate, a PEM private key without a passphrase that
matches the certificate, PEM CA certificates), or opening fails with a sentence that
names the property, the file and what is wrong with it. Relative paths are resolved
against the component's ``folder`` (the form's folder), else the current directory.

* A client verifies the server's certificate against CAFile (empty: the system's
  store) and its name against ServerName (empty: Host, else Address) when VerifyPeer
  is True; the name also goes out as SNI. CertFile/KeyFile give it a client
  certificate, for servers that ask for one.
* A server needs CertFile (and KeyFile, unless the key is in CertFile). With
  VerifyPeer it requires a client certificate signed by CAFile (empty: the system's
  store).

What a handshake tells: ``HandshakeInfo`` (protocol version, cipher, and the peer
certificate's subject, issuer, SANs and expiry), kept on the connection as ``tls``
and written in the OnHandshake record's detail.

Error numbers of a failed handshake (the VCL had no TLS, so these are ours, in a
range no Winsock error uses). The handshake error fires OnError(eeConnect) on a
client, OnClientError(eeConnect) on a server; the message carries OpenSSL's reason:

    12100  TLS error (another reason, in the handshake or later; OpenSSL's is in
           the message)
    12101  certificate verify failed (expired, not yet valid, bad signature, the
           peer rejected our certificate)
    12102  unknown CA (the issuer is not trusted here, or the peer does not trust ours)
    12103  wrong host name (the certificate is not for ServerName)
    12104  protocol version (no TLS version both sides accept, or the peer does not
           speak TLS at all)
    12105  certificate required (a server with VerifyPeer got no client certificate)
"""

from __future__ import annotations

import datetime
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from components.enums import ErrorEvent
from components.errors import ErrorInfo, register_ssl_errors

#: How long a TLS handshake may take before the connection fails (ECONNABORTED / 10053).
HANDSHAKE_TIMEOUT = 30.0
#: The most a blocking TLS connection writes in one step when it must not wait long
#: (SocketStream.write): one TLS record.
TLS_RECORD = 16 * 1024

TLS_HANDSHAKE_FAILED = 12100
TLS_VERIFY_FAILED = 12101
TLS_UNKNOWN_CA = 12102
TLS_WRONG_HOST = 12103
TLS_PROTOCOL_VERSION = 12104
TLS_CERTIFICATE_REQUIRED = 12105

#: code -> the words users read
TLS_CODES: dict[int, str] = {
    TLS_HANDSHAKE_FAILED: "TLS error",
    TLS_VERIFY_FAILED: "certificate verify failed",
    TLS_UNKNOWN_CA: "unknown CA",
    TLS_WRONG_HOST: "wrong host name",
    TLS_PROTOCOL_VERSION: "protocol version",
    TLS_CERTIFICATE_REQUIRED: "certificate required",
}

# OpenSSL X509 verify results (x509_vfy.h)
_UNKNOWN_ISSUER = {2, 18, 19, 20, 21}  # unable to get issuer / self-signed / local issuer / leaf sig
_HOST_MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
# OpenSSL reason strings (ssl.SSLError.reason)
_REASONS: dict[str, int] = {
    "TLSV1_ALERT_UNKNOWN_CA": TLS_UNKNOWN_CA,
    "SSLV3_ALERT_BAD_CERTIFICATE": TLS_VERIFY_FAILED,
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": TLS_VERIFY_FAILED,
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": TLS_VERIFY_FAILED,
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": TLS_VERIFY_FAILED,
    "TLSV1_ALERT_DECRYPT_ERROR": TLS_VERIFY_FAILED,
    "CERTIFICATE_VERIFY_FAILED": TLS_VERIFY_FAILED,
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": TLS_CERTIFICATE_REQUIRED,
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": TLS_CERTIFICATE_REQUIRED,
    "UNSUPPORTED_PROTOCOL": TLS_PROTOCOL_VERSION,
    "TLSV1_ALERT_PROTOCOL_VERSION": TLS_PROTOCOL_VERSION,
    "WRONG_VERSION_NUMBER": TLS_PROTOCOL_VERSION,
    "NO_PROTOCOLS_AVAILABLE": TLS_PROTOCOL_VERSION,
    "VERSION_TOO_LOW": TLS_PROTOCOL_VERSION,
    "UNKNOWN_PROTOCOL": TLS_PROTOCOL_VERSION,
    "HTTP_REQUEST": TLS_PROTOCOL_VERSION,
    "PACKET_LENGTH_TOO_LONG": TLS_PROTOCOL_VERSION,
    "RECORD_LENGTH_MISMATCH": TLS_PROTOCOL_VERSION,
}


class TlsSettingsError(ValueError):
    """The TLS properties cannot make a context; ``str()`` is the sentence users read."""


@dataclass(frozen=True)
class TlsSettings:
    """The TLS properties of one component, as they are when it is activated."""

    server_side: bool
    cert_file: str = ""
    key_file: str = ""
    ca_file: str = ""
    verify_peer: bool = True
    folder: Path | None = None

    def path(self, value: str) -> Path:
        given = Path(os.path.expanduser(value.strip()))
        if not given.is_absolute() and self.folder is not None:
            given = self.folder / given
        return given


def tls_context(settings: TlsSettings) -> ssl.SSLContext:
    """A context for these settings; TlsSettingsError naming the property and the file
    when a file is missing, unreadable or not what it should be."""
    if settings.server_side:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if not settings.cert_file.strip():
            raise TlsSettingsError("CertFile is empty: a TLS server needs a certificate (PEM) and its key; "
                                   "Tools > Generate certificates... makes them")
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = settings.verify_peer
        ctx.verify_mode = ssl.CERT_REQUIRED if settings.verify_peer else ssl.CERT_NONE
    if settings.cert_file.strip():
        cert = _read("CertFile", settings.path(settings.cert_file))
        _check_certificates("CertFile", settings.path(settings.cert_file), cert)
        key_path = settings.path(settings.key_file) if settings.key_file.strip() else None
        key = _read("KeyFile", key_path) if key_path is not None else cert
        _check_key("KeyFile" if key_path is not None else "CertFile",
                   key_path or settings.path(settings.cert_file), key)
        try:
            ctx.load_cert_chain(settings.path(settings.cert_file), key_path)
        except (ssl.SSLError, OSError) as exc:
            raise TlsSettingsError(f"KeyFile {key_path or settings.cert_file} is not the key of the certificate "
                                   f"in CertFile {settings.path(settings.cert_file)} ({_reason(exc)})") from None
    elif settings.key_file.strip():
        raise TlsSettingsError("KeyFile is set but CertFile is empty: give the certificate that goes with the key")
    wants_ca = settings.verify_peer
    if settings.ca_file.strip():
        path = settings.path(settings.ca_file)
        _check_certificates("CAFile", path, _read("CAFile", path))
        try:
            ctx.load_verify_locations(cafile=str(path))
        except (ssl.SSLError, OSError) as exc:
            raise TlsSettingsError(f"CAFile {path}: OpenSSL refused it ({_reason(exc)})") from None
    elif wants_ca:
        ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH if settings.server_side else ssl.Purpose.SERVER_AUTH)
    if settings.server_side and settings.verify_peer:
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _read(prop: str, path: Path) -> bytes:
    try:
        if not path.is_file():
            what = ("does not exist (Tools > Generate certificates... makes a CA, a server and a client "
                    "certificate)" if not path.exists() else "is not a file")
            raise TlsSettingsError(f"{prop} {path} {what}")
        with open(path, "rb") as f:
            return f.read(4 * 1024 * 1024)
    except OSError as exc:
        raise TlsSettingsError(f"{prop} {path} cannot be read: {exc.strerror or exc}") from None


def _check_certificates(prop: str, path: Path, data: bytes) -> None:
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise TlsSettingsError(f"{prop} {path} holds no PEM certificate (a '-----BEGIN CERTIFICATE-----' block)")
    try:
        x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise TlsSettingsError(f"{prop} {path}: a certificate in it does not parse ({exc})") from None


def _check_key(prop: str, path: Path, data: bytes) -> None:
    if b"PRIVATE KEY-----" not in data:
        raise TlsSettingsError(f"{prop} {path} holds no PEM private key (a '-----BEGIN ... PRIVATE KEY-----' "
                               "block)")
    try:
        serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise TlsSettingsError(f"{prop} {path} is protected by a passphrase; use a key without one") from None
    except (ValueError, Exception) as exc:  # cryptography raises ValueError or UnsupportedAlgorithm
        raise TlsSettingsError(f"{prop} {path}: the private key does not parse ({exc})") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return str(exc)


# -- what a handshake tells -------------------------------------------------------
@dataclass(frozen=True)
class HandshakeInfo:
    """The outcome of a TLS handshake: what OnHandshake reports and the connections panel shows."""

    version: str  # TLSv1.3
    cipher: str  # TLS_AES_256_GCM_SHA384
    bits: int
    peer_subject: str = ""  # CN=localhost,O=... (RFC 4514); "" when the peer sent no certificate
    peer_issuer: str = ""
    peer_sans: tuple[str, ...] = ()  # ("DNS:localhost", "IP:127.0.0.1")
    peer_expires: datetime.datetime | None = None  # not valid after, UTC
    server_name: str = ""  # the SNI a client sent / asked for

    @classmethod
    def of(cls, tls: ssl.SSLObject | ssl.SSLSocket, server_name: str = "") -> HandshakeInfo:
        cipher = tls.cipher() or ("", "", 0)
        info = cls(tls.version() or "", cipher[0], int(cipher[2] or 0),
                   server_name=server_name or (tls.server_hostname or ""))
        try:
            der = tls.getpeercert(binary_form=True)
        except ValueError:
            der = None
        if not der:
            return info
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            return info
        try:
            sans = tuple(_san(n) for n in cert.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value)
        except x509.ExtensionNotFound:
            sans = ()
        return cls(info.version, info.cipher, info.bits, cert.subject.rfc4514_string(),
                   cert.issuer.rfc4514_string(), sans, cert.not_valid_after_utc, info.server_name)

    @property
    def peer_certificate(self) -> bool:
        return bool(self.peer_subject)

    def describe(self) -> str:
        """One line: ``TLSv1.3 TLS_AES_256_GCM_SHA384 (256 bits); peer CN=localhost, issuer
        CN=Socket Workbench CA, SANs DNS:localhost IP:127.0.0.1, expires 2028-12-02``."""
        text = f"{self.version} {self.cipher} ({self.bits} bits)"
        if not self.peer_certificate:
            return f"{text}; no peer certificate"
        expires = self.peer_expires.strftime("%Y-%m-%d %H:%M UTC") if self.peer_expires else "?"
        sans = " ".join(self.peer_sans) or "none"
        return f"{text}; peer {self.peer_subject}, issuer {self.peer_issuer}, SANs {sans}, expires {expires}"


def _san(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    return str(name.value)


# -- a failed handshake ------------------------------------------------------------
def tls_error_code(exc: ssl.SSLError) -> int:
    """The TLS_* number for a failed handshake (see the module docstring)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", 0)
        if code in _HOST_MISMATCH:
            return TLS_WRONG_HOST
        if code in _UNKNOWN_ISSUER:
            return TLS_UNKNOWN_CA
        return TLS_VERIFY_FAILED
    return _REASONS.get(str(exc.reason or ""), TLS_HANDSHAKE_FAILED)


def tls_error_info(event: ErrorEvent, exc: ssl.SSLError) -> ErrorInfo:
    """ErrorInfo for an ssl.SSLError: our number, OpenSSL's reason as the name, and its
    words (for a certificate, the verify message: "Hostname mismatch, certificate is not
    valid for 'example.com'.") in the message."""
    code = tls_error_code(exc)
    reason = str(exc.reason or type(exc).__name__)
    detail = getattr(exc, "verify_message", "") or ""
    library = str(exc.library or "SSL")
    words = TLS_CODES[code]
    message = f"{words}: {detail} ({library} {reason})" if detail else f"{words} ({library} {reason})"
    return ErrorInfo(event, 0, reason, code, message)


register_ssl_errors(tls_error_info)

"""Certificates made for you: a local CA, a server certificate and a client certificate.

Tools > Generate certificates... (and tests) use this to make what TLS testing
needs without openssl incantations:

* a CA (``<prefix>ca.pem`` and its key), valid ten years;
* a server certificate signed by it, for ``localhost``, ``127.0.0.1`` and
  ``::1`` plus any names the user adds (subject alternative names, which is what
  clients verify), valid two years;
* optionally a client certificate (for servers with VerifyPeer), signed by the CA.

Keys are ECDSA P-256 (fast, and what browsers and OpenSSL accept everywhere).
Files are PEM; key files are created with mode 0600 and nothing is ever written
through a link or over an existing file unless ``overwrite`` is given (then it
is replaced atomically). Made with the ``cryptography`` library.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.core.atomic_file import write_atomically
from components.component import Component
from components.metadata import Role, validate_host

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
CA_DAYS = 3650
LEAF_DAYS = 730


class CertificateError(ValueError):
    """Certificates that cannot be made as asked (a bad name, a file in the way)."""


@dataclass(frozen=True)
class CertificateFiles:
    """Where the generated PEM files went."""

    ca_file: Path
    ca_key_file: Path
    cert_file: Path
    key_file: Path
    client_cert_file: Path | None = None
    client_key_file: Path | None = None

    def all(self) -> list[Path]:
        return [p for p in (self.ca_file, self.ca_key_file, self.cert_file, self.key_file,
                            self.client_cert_file, self.client_key_file) if p is not None]


def subject_names(extra: Iterable[str] = ()) -> list[str]:
    """The default names plus ``extra`` (validated host names or addresses), without repeats."""
    names = list(DEFAULT_NAMES)
    for raw in extra:
        name = raw.strip()
        if not name:
            continue
        try:
            name = validate_host(name)
        except ValueError as exc:
            raise CertificateError(str(exc)) from None
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Socket Workbench"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey,
             days: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days)))


def make_ca(common_name: str = "Socket Workbench local CA") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = _name(common_name)
    cert = (_builder(name, name, key.public_key(), CA_DAYS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_leaf(ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, common_name: str,
              names: Sequence[str], client: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate signed by ``ca``: for a server (``names`` as SANs) or a client."""
    key = _key()
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (_builder(_name(common_name), ca.subject, key.public_key(), LEAF_DAYS)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes, secret: bool, overwrite: bool) -> None:
    if path.is_symlink():
        raise CertificateError(f"{path} is a link; not writing through it")
    if path.exists() and not overwrite:
        raise CertificateError(f"{path.name} exists already in {path.parent}; choose another prefix or "
                               "allow replacing")
    # a key is 0600 from the moment its bytes exist (write_atomically's temporary file)
    write_atomically(path, data, create_only=not overwrite, mode=0o600 if secret else None)


def generate(folder: Path, prefix: str = "", extra_names: Iterable[str] = (), client: bool = False,
             overwrite: bool = False) -> CertificateFiles:
    """Make a CA, a server certificate (and a client one) and write them into ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CertificateError(f"{folder} is not a folder")
    names = subject_names(extra_names)
    files = CertificateFiles(folder / f"{prefix}ca.pem", folder / f"{prefix}ca-key.pem",
                             folder / f"{prefix}server.pem", folder / f"{prefix}server-key.pem",
                             folder / f"{prefix}client.pem" if client else None,
                             folder / f"{prefix}client-key.pem" if client else None)
    for path in files.all():
        if (path.exists() or path.is_symlink()) and not overwrite:
            raise CertificateError(f"{path.name} exists already in {folder}; choose another prefix or allow "
                                   "replacing")
    ca, ca_key = make_ca()
    server, server_key = make_leaf(ca, ca_key, names[0], names, client=False)
    _write(files.ca_file, _cert_pem(ca), False, overwrite)
    _write(files.ca_key_file, _key_pem(ca_key), True, overwrite)
    _write(files.cert_file, _cert_pem(server) + _cert_pem(ca), False, overwrite)
    _write(files.key_file, _key_pem(server_key), True, overwrite)
    if client:
        assert files.client_cert_file is not None and files.client_key_file is not None
        cert, key = make_leaf(ca, ca_key, "Socket Workbench client", [], client=True)
        _write(files.client_cert_file, _cert_pem(cert) + _cert_pem(ca), False, overwrite)
        _write(files.client_key_file, _key_pem(key), True, overwrite)
    return files


def component_settings(files: CertificateFiles, cls: type[Component], folder: Path | None) -> dict[str, Any]:
    """The property values (by VCL name) that make a component of ``cls`` use ``files``:
    TLS on; a server gets the server certificate and key (and the CA, for VerifyPeer
    with the client certificate); a client gets the CA (and the client certificate and
    key when there is one). Paths inside ``folder`` (the form's) are written relative."""
    by_role = {spec.role: spec.vcl_name for spec in cls.properties()}
    if Role.TLS not in by_role:
        raise CertificateError(f"{cls.__name__} has no certificate properties")

    def written(path: Path) -> str:
        if folder is not None:
            try:
                return Path(path).resolve().relative_to(Path(folder).resolve()).as_posix()
            except ValueError:
                pass
        return str(Path(path).resolve())

    server_side = bool(getattr(cls, "tls_server_side", False))
    values: dict[str, Any] = {by_role[Role.TLS]: True}
    if server_side:
        cert: Path | None = files.cert_file
        key: Path | None = files.key_file
    else:
        cert, key = files.client_cert_file, files.client_key_file
    if cert is not None and key is not None:
        values[by_role[Role.CERTIFICATE]] = written(cert)
        values[by_role[Role.PRIVATE_KEY]] = written(key)
    if not server_side or files.client_cert_file is not None:
        values[by_role[Role.CA_CERTIFICATES]] = written(files.ca_file)
    return values

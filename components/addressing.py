"""Where a component connects or listens: Host/Address precedence and Service/Port.

Host beats Address and Service beats Port, as in the VCL's InitSocket. Service
names come from the system's services database (/etc/services); where the
system has none (slim containers, Windows without the file), a built-in table of
common TCP services answers instead. A numeric Service is taken as a port.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

#: Common TCP services, used when the system's database has no answer.
BUILTIN_SERVICES: dict[str, int] = {
    "echo": 7, "discard": 9, "daytime": 13, "qotd": 17, "chargen": 19,
    "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "time": 37,
    "whois": 43, "domain": 53, "gopher": 70, "finger": 79, "http": 80, "www": 80,
    "kerberos": 88, "pop3": 110, "sunrpc": 111, "auth": 113, "nntp": 119, "ntp": 123,
    "epmap": 135, "netbios-ssn": 139, "imap": 143, "imap2": 143, "snmp": 161, "bgp": 179,
    "irc": 194, "ldap": 389, "https": 443, "microsoft-ds": 445, "submissions": 465,
    "rtsp": 554, "submission": 587, "ipp": 631, "ldaps": 636, "rsync": 873,
    "ftps": 990, "telnets": 992, "imaps": 993, "pop3s": 995, "socks": 1080,
    "openvpn": 1194, "ms-sql-s": 1433, "pptp": 1723, "radius": 1812, "nfs": 2049,
    "mysql": 3306, "ms-wbt-server": 3389, "svn": 3690, "sip": 5060, "xmpp-client": 5222,
    "postgresql": 5432, "amqp": 5672, "x11": 6000, "redis": 6379, "http-alt": 8080,
    "webcache": 8080, "memcache": 11211, "mongodb": 27017,
}


def lookup_service(name: str, protocol: str = "tcp") -> int:
    """The port of a service name (TCP, or ``protocol``) or numeric string; KeyError if
    unknown. The built-in table answers for both: its services use the same port over UDP."""
    name = name.strip()
    if name.isdigit():
        return int(name)
    try:
        return socket.getservbyname(name, protocol)
    except OSError:
        pass
    try:
        return BUILTIN_SERVICES[name.lower()]
    except KeyError:
        raise KeyError(f"unknown service {name!r}") from None


def known_services() -> list[str]:
    """Service names for an editor to offer: the system's and the built-in ones, sorted."""
    names = set(BUILTIN_SERVICES)
    try:
        with open("/etc/services", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 2 and fields[1].endswith("/tcp"):
                    names.add(fields[0])
    except OSError:
        pass
    return sorted(names)


@dataclass(frozen=True)
class Target:
    """What to look up: a host name, or a literal address, and a port."""

    host: str  # a name to resolve, or an IP literal
    port: int
    is_name: bool


def choose_target(host: str, address: str, service: str, port: int) -> Target:
    """Apply the precedence rules; KeyError for an unknown service, ValueError for no address."""
    resolved_port = lookup_service(service) if service.strip() else port
    if host.strip():
        return Target(host.strip(), resolved_port, not _is_ip(host.strip()))
    if address.strip():
        return Target(address.strip(), resolved_port, not _is_ip(address.strip()))
    raise ValueError("No address specified")


def _is_ip(text: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text)
            return True
        except OSError:
            continue
    return False


def family_of(ip: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def unmapped(addr: tuple[object, ...]) -> tuple[object, ...]:
    """An IPv4 peer of a dual-stack listener as plain IPv4: ``::ffff:127.0.0.1`` reads
    ``127.0.0.1``, as it would on an IPv4 listener."""
    if addr and isinstance(addr[0], str) and addr[0].startswith("::ffff:") and "." in addr[0]:
        return (addr[0][7:], *addr[1:2])
    return addr


def format_peer(addr: tuple[object, ...] | str | None) -> str:
    """``127.0.0.1:5000`` or ``[::1]:5000`` from a socket address."""
    if not addr:
        return ""
    if isinstance(addr, str):
        return addr
    host, port = str(addr[0]), addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

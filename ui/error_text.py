"""The engine's and the core's error and detail texts, translated for display.

The engine (components/, no Qt) writes its errors in English, from parts:
``ChatServer: Socket error 10048 (EADDRINUSE): Address already in use, binding
127.0.0.1:7102``. The log keeps them as they are (exports, the headless runner and
bug reports stay in one language); what the GUI shows goes through :func:`translated`,
which recognises the engine's templates (``%1: %2``, ``Socket error %1 (%2): %3``, ``%1,
%2``, ``connecting to %1`` ...) and the system's error messages (strerror, getaddrinfo),
and translates each part, leaving numbers, names and addresses as they are. A text it
does not recognise is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QCoreApplication

from app.qt.i18n import QT_TRANSLATE_NOOP, arg

CONTEXT = "SocketError"

#: the engine's templates, most specific first (components/errors.py, client_socket.py,
#: server_socket.py, metadata.py, builtin_actions.py)
TEMPLATES = (
    QT_TRANSLATE_NOOP("SocketError", "Socket error %1 (%2): %3"),
    QT_TRANSLATE_NOOP("SocketError", "Socket error %1: %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1, on API '%2'"),
    QT_TRANSLATE_NOOP("SocketError", "connecting to %1 (%2)"),
    QT_TRANSLATE_NOOP("SocketError", "connecting to %1"),
    QT_TRANSLATE_NOOP("SocketError", "looking up %1"),
    QT_TRANSLATE_NOOP("SocketError", "binding all interfaces, port %1"),
    QT_TRANSLATE_NOOP("SocketError", "binding %1"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is read-only"),
    QT_TRANSLATE_NOOP("SocketError", "listening on %1"),
    QT_TRANSLATE_NOOP("SocketError", "%1 ran %2 s on the event loop; everything else waited"),
    QT_TRANSLATE_NOOP("SocketError", "%1 handler"),
    QT_TRANSLATE_NOOP("SocketError", "%1 must be between %2 and %3, not %4"),
    QT_TRANSLATE_NOOP("SocketError", "%1 must be a whole number, not %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1 must be True or False, not %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1 must be one of %2, not %3"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not an IPv4 address, an IPv6 address or a host name"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not a service name (such as 'http' or 'echo') or a port number"),
    QT_TRANSLATE_NOOP("SocketError", "service port %1 is out of range 1-65535"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not a known text encoding (try utf-8, gbk, cp1251, latin-1)"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not a valid component name: use letters, digits and _, not starting "
                                     "with a digit"),
    QT_TRANSLATE_NOOP("SocketError", "hex needs pairs of digits; %1 digits given"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not a hex digit"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is damaged: not valid JSON at line %2, column %3 (%4)"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is damaged: not UTF-8 text (byte %2)"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is damaged: %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1 is not a Socket Workbench form (no \"format\": \"%2\")"),
    QT_TRANSLATE_NOOP("SocketError", "%1 has no valid \"version\""),
    QT_TRANSLATE_NOOP("SocketError", "%1 is version %2, newer than this Socket Workbench understands (up to %3); "
                                     "update Socket Workbench to open it"),
    QT_TRANSLATE_NOOP("SocketError", "%1 has an unknown version %2"),
    QT_TRANSLATE_NOOP("SocketError", "can't open %1: %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1: %2"),
    QT_TRANSLATE_NOOP("SocketError", "%1, %2"),
)

#: whole messages: the engine's own and the system's (Linux strerror and getaddrinfo texts)
MESSAGES = (
    QT_TRANSLATE_NOOP("SocketError", "Can't change value while socket is active"),
    QT_TRANSLATE_NOOP("SocketError", "Socket must be in blocking mode"),
    QT_TRANSLATE_NOOP("SocketError", "No address specified"),
    # Python's json decoder, quoted in a damaged form's message
    QT_TRANSLATE_NOOP("SocketError", "Expecting value"),
    QT_TRANSLATE_NOOP("SocketError", "Expecting property name enclosed in double quotes"),
    QT_TRANSLATE_NOOP("SocketError", "Expecting ',' delimiter"),
    QT_TRANSLATE_NOOP("SocketError", "Expecting ':' delimiter"),
    QT_TRANSLATE_NOOP("SocketError", "Extra data"),
    QT_TRANSLATE_NOOP("SocketError", "Unterminated string starting at"),
    QT_TRANSLATE_NOOP("SocketError", "Invalid control character at"),
    QT_TRANSLATE_NOOP("SocketError", "No such file or directory"),
    QT_TRANSLATE_NOOP("SocketError", "Is a directory"),
    QT_TRANSLATE_NOOP("SocketError", "Send file needs the path of a file"),
    QT_TRANSLATE_NOOP("SocketError", "Connection timed out"),
    QT_TRANSLATE_NOOP("SocketError", "Connection refused"),
    QT_TRANSLATE_NOOP("SocketError", "Connection reset by peer"),
    QT_TRANSLATE_NOOP("SocketError", "Software caused connection abort"),
    QT_TRANSLATE_NOOP("SocketError", "Address already in use"),
    QT_TRANSLATE_NOOP("SocketError", "Cannot assign requested address"),
    QT_TRANSLATE_NOOP("SocketError", "Network is unreachable"),
    QT_TRANSLATE_NOOP("SocketError", "Network is down"),
    QT_TRANSLATE_NOOP("SocketError", "No route to host"),
    QT_TRANSLATE_NOOP("SocketError", "Host is down"),
    QT_TRANSLATE_NOOP("SocketError", "Broken pipe"),
    QT_TRANSLATE_NOOP("SocketError", "Permission denied"),
    QT_TRANSLATE_NOOP("SocketError", "Too many open files"),
    QT_TRANSLATE_NOOP("SocketError", "Message too long"),
    QT_TRANSLATE_NOOP("SocketError", "Transport endpoint is not connected"),
    QT_TRANSLATE_NOOP("SocketError", "Transport endpoint is already connected"),
    QT_TRANSLATE_NOOP("SocketError", "No buffer space available"),
    QT_TRANSLATE_NOOP("SocketError", "Invalid argument"),
    QT_TRANSLATE_NOOP("SocketError", "Name or service not known"),
    QT_TRANSLATE_NOOP("SocketError", "Temporary failure in name resolution"),
    QT_TRANSLATE_NOOP("SocketError", "Non-recoverable failure in name resolution"),
    QT_TRANSLATE_NOOP("SocketError", "No address associated with hostname"),
    QT_TRANSLATE_NOOP("SocketError", "Servname not supported for ai_socktype"),
)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%(\d)", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else "(.+?)" for i, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


def translated(text: str, depth: int = 0) -> str:
    """``text`` (an engine error) in the UI language, part by part."""
    whole = QCoreApplication.translate(CONTEXT, text)
    if whole != text or depth > 6:
        return whole
    for template in TEMPLATES:
        match = _pattern(template).match(text)
        if match:
            parts = [translated(part, depth + 1) for part in match.groups()]
            return arg(QCoreApplication.translate(CONTEXT, template), *parts)
    return text

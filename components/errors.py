"""Socket errors, the familiar Winsock numbers, and the application's error hook.

Every error the engine reports carries the OS errno and its name and, where one
corresponds, the Winsock number users of the original components know
(10048 address in use, 10061 refused, ...). ``ErrorInfo`` is that triple plus a
message; ``SocketError`` is the exception (ESocketError in the VCL).

Errors that happen inside the engine, away from any caller (a refused
non-blocking connect, a reset peer), and that the OnError handler did not
suppress, go to the *application's error hook*: a settable callable whose
default writes to :mod:`logging`. The workbench sets it to show the error in the
log pane and status bar; the headless runner to remember the exit status.
"""

from __future__ import annotations

import errno as _errno
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from components.enums import ErrorEvent

log = logging.getLogger("components")

#: errno -> Winsock number (winsock2.h), for the errors a TCP program meets.
_WINSOCK_BY_ERRNO: dict[int, int] = {
    _errno.EINTR: 10004,
    _errno.EBADF: 10009,
    _errno.EACCES: 10013,
    _errno.EFAULT: 10014,
    _errno.EINVAL: 10022,
    _errno.EMFILE: 10024,
    _errno.EWOULDBLOCK: 10035,
    _errno.EINPROGRESS: 10036,
    _errno.EALREADY: 10037,
    _errno.ENOTSOCK: 10038,
    _errno.EDESTADDRREQ: 10039,
    _errno.EMSGSIZE: 10040,
    _errno.EPROTOTYPE: 10041,
    _errno.ENOPROTOOPT: 10042,
    _errno.EPROTONOSUPPORT: 10043,
    _errno.EOPNOTSUPP: 10045,
    _errno.EAFNOSUPPORT: 10047,
    _errno.EADDRINUSE: 10048,
    _errno.EADDRNOTAVAIL: 10049,
    _errno.ENETDOWN: 10050,
    _errno.ENETUNREACH: 10051,
    _errno.ENETRESET: 10052,
    _errno.ECONNABORTED: 10053,
    _errno.ECONNRESET: 10054,
    _errno.ENOBUFS: 10055,
    _errno.EISCONN: 10056,
    _errno.ENOTCONN: 10057,
    _errno.EPIPE: 10058,  # WSAESHUTDOWN: sending after the connection was shut down
    _errno.ETIMEDOUT: 10060,
    _errno.ECONNREFUSED: 10061,
    _errno.EHOSTDOWN: 10064,
    _errno.EHOSTUNREACH: 10065,
}

#: Winsock numbers for name lookup failures (getaddrinfo's EAI_* codes).
WSAHOST_NOT_FOUND = 11001
WSATRY_AGAIN = 11002
WSANO_RECOVERY = 11003
WSANO_DATA = 11004
WSATYPE_NOT_FOUND = 10109
_WINSOCK_BY_GAI: dict[int, int] = {
    socket.EAI_NONAME: WSAHOST_NOT_FOUND,
    socket.EAI_AGAIN: WSATRY_AGAIN,
    socket.EAI_FAIL: WSANO_RECOVERY,
    socket.EAI_SERVICE: WSATYPE_NOT_FOUND,
}
if hasattr(socket, "EAI_NODATA"):
    _WINSOCK_BY_GAI[socket.EAI_NODATA] = WSANO_DATA

#: The code the original used when neither Host nor Address was given.
NO_ADDRESS_CODE = 1110
#: The code reported when an event handler raised an exception.
HANDLER_EXCEPTION_CODE = 1

CANT_CHANGE_WHILE_ACTIVE = "Can't change value while socket is active"


def winsock_code(err: int) -> int:
    """The Winsock number for an OS errno, or the errno itself where none exists."""
    return _WINSOCK_BY_ERRNO.get(err, err)


def errno_name(err: int) -> str:
    return _errno.errorcode.get(err, "")


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What went wrong: the event, the OS errno and its name, the Winsock number, a message."""

    event: ErrorEvent
    errno: int
    errno_name: str
    code: int
    message: str

    @classmethod
    def from_exception(cls, event: ErrorEvent, exc: BaseException) -> ErrorInfo:
        if isinstance(exc, ssl.SSLError) and _ssl_errors is not None:
            # an OSError whose errno is OpenSSL's, not the system's: components.tls numbers it
            return _ssl_errors(event, exc)
        if isinstance(exc, SocketError) and exc.info is not None:
            info = exc.info
            return cls(event, info.errno, info.errno_name, info.code, info.message)
        if isinstance(exc, socket.gaierror):
            gai = exc.errno if isinstance(exc.errno, int) else 0
            code = _WINSOCK_BY_GAI.get(gai, WSAHOST_NOT_FOUND)
            name = _gai_name(gai)
            return cls(event, gai, name, code, str(exc.strerror or exc))
        if isinstance(exc, OSError) and exc.errno:
            # os.strerror, not exc.strerror: asyncio puts "Connect call failed (...)" there
            message = os.strerror(exc.errno) if exc.errno in _errno.errorcode else str(exc)
            return cls(event, exc.errno, errno_name(exc.errno), winsock_code(exc.errno), message)
        bare = _BARE_ERRNO.get(type(exc)) if isinstance(exc, OSError) else None
        if bare is not None:  # asyncio raises these without an errno (a reset during a TLS handshake)
            return cls(event, bare, errno_name(bare), winsock_code(bare), os.strerror(bare))
        if isinstance(exc, TimeoutError):
            return cls(event, _errno.ETIMEDOUT, "ETIMEDOUT", 10060, "Connection timed out")
        return cls(event, 0, "", HANDLER_EXCEPTION_CODE, f"{type(exc).__name__}: {exc}")

    def with_code(self, code: int) -> ErrorInfo:
        return ErrorInfo(self.event, self.errno, self.errno_name, code, self.message)

    def during(self, context: str) -> ErrorInfo:
        """The same error, its message ending with what was being done:
        ``Connection refused, connecting to 127.0.0.1:9``."""
        return ErrorInfo(self.event, self.errno, self.errno_name, self.code, f"{self.message}, {context}")

    def describe(self) -> str:
        """``Asynchronous socket error 10061 (ECONNREFUSED): Connection refused``."""
        name = f" ({self.errno_name})" if self.errno_name else ""
        return f"Socket error {self.code}{name}: {self.message}"


#: how an ssl.SSLError becomes an ErrorInfo (components.tls registers it when imported)
_ssl_errors: Callable[[ErrorEvent, ssl.SSLError], ErrorInfo] | None = None


def register_ssl_errors(convert: Callable[[ErrorEvent, ssl.SSLError], ErrorInfo]) -> None:
    global _ssl_errors
    _ssl_errors = convert


#: OSError subclasses that mean one errno, for instances raised without one
_BARE_ERRNO: dict[type, int] = {
    ConnectionResetError: _errno.ECONNRESET,
    ConnectionAbortedError: _errno.ECONNABORTED,
    ConnectionRefusedError: _errno.ECONNREFUSED,
    BrokenPipeError: _errno.EPIPE,
}


def _gai_name(code: int) -> str:
    for attr in dir(socket):
        if attr.startswith("EAI_") and getattr(socket, attr) == code:
            return attr
    return "EAI"


class SocketError(Exception):
    """ESocketError: every error the components raise or report.

    ``info`` is set for errors that come from the network (with the errno and
    Winsock number); errors of use (a locked property, no running loop) have none.
    """

    def __init__(self, message: str, info: ErrorInfo | None = None, component: str = "") -> None:
        super().__init__(message)
        self.info = info
        self.component = component
        #: True once OnError/OnClientError has run for it (an error raised to the caller
        #: of a blocking call): a handler that lets it escape is not asked about it again
        self.through_error_event = False

    @property
    def code(self) -> int:
        return self.info.code if self.info else 0

    @classmethod
    def from_info(cls, info: ErrorInfo, component: str = "", api: str = "") -> SocketError:
        where = f", on API '{api}'" if api else ""
        prefix = f"{component}: " if component else ""
        return cls(f"{prefix}{info.describe()}{where}", info, component)


class EngineStateError(RuntimeError):
    """The engine tried a state change its table (components.event_order) does not
    allow: a bug in the engine, never something the user did (h11's LocalProtocolError)."""


ErrorHook = Callable[[SocketError], None]


def _log_error(error: SocketError) -> None:
    log.error("%s", error)


_hook_lock = threading.Lock()
_error_hook: ErrorHook = _log_error


def set_error_hook(hook: ErrorHook | None) -> ErrorHook:
    """Install the application's error hook (None restores logging); returns the previous one."""
    global _error_hook
    with _hook_lock:
        previous = _error_hook
        _error_hook = hook or _log_error
    return previous


def get_error_hook() -> ErrorHook:
    return _error_hook


def report_error(error: SocketError) -> None:
    """Hand an unsuppressed error to the application. A hook that raises is logged, never fatal."""
    try:
        _error_hook(error)
    except Exception:  # the hook is the last line; it must not take the engine down
        log.exception("the application's error hook raised while reporting: %s", error)

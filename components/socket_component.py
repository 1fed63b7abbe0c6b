"""What ClientSocket and ServerSocket share: Active, Address, Port, Service,
Encoding, the live state, and the one path every event and error takes.

Events. ``fire`` records an event on the observer stream and then calls its
handler, if any, through ``call_handler``, the one place handlers run. A handler
that raises never crashes anything: the traceback is recorded (HandlerError) and
the exception becomes an eeGeneral error of that connection, which takes the
error path below. A handler that holds an event loop's thread for more than
SLOW_HANDLER_SECONDS gets a SlowHandler record (everything else on that loop
waited meanwhile); handlers on worker threads hold no loop and are not timed
against it. Timing costs two clock reads per call; the record is built only
when a handler was slow.

Errors (SCKTCOMP.md section A). ``error`` records OnError/OnClientError with the
errno, its name and the Winsock number, and calls the handler as
``(sender, socket, error_event, error_code)``. A returned int replaces the code;
0 suppresses the error; None keeps it. An error left non-zero becomes a
SocketError: raised to the caller when there is one waiting (a blocking open,
bind), otherwise handed to the application's error hook. Whoever called
``error`` then closes the connection when the error left it unusable, so
OnDisconnect/OnClientDisconnect still fire and Connections forgets it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import ssl
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from components.component import Component
from components.connection import AsyncWinSocket, CustomWinSocket
from components.enums import ErrorEvent, SocketState
from components.errors import (
    HANDLER_EXCEPTION_CODE,
    ErrorInfo,
    SocketError,
    report_error,
)
from components.event_order import StateTable
from components.framing import DEFAULT_FRAME_LIMIT, Framer, FramingSpec, parse_framing, validate_framing
from components.framing import PRESETS as FRAMING_PRESETS
from components.metadata import (
    KIND_ENCODING,
    KIND_FILE,
    KIND_HOST,
    KIND_SERVICE,
    PropertySpec,
    Published,
    Role,
    Stored,
    validate_encoding,
    validate_host,
    validate_service,
)
from components.observer import (
    CALLER_ERROR,
    HANDLER_ERROR,
    PREVIEW_BYTES,
    SLOW_HANDLER,
    EventRecord,
    thread_name,
    thread_names,
)
from components.tls import HandshakeInfo, TlsSettings, TlsSettingsError, tls_context

#: A handler on an event loop's thread that runs longer than this is reported (SlowHandler).
SLOW_HANDLER_SECONDS = 0.1
_clock = time.perf_counter
_monotonic = time.monotonic
_new_record = tuple.__new__

class SocketComponent(Component):
    """The base of ClientSocket and ServerSocket (TAbstractSocket + TCustomSocket)."""

    palette_tab: ClassVar[str] = "Internet"
    #: the VCL name of this component's error event (OnError / OnClientError)
    error_event_name: ClassVar[str] = "OnError"
    #: True when this component's connections were accepted (the peer connected)
    accepts_connections: ClassVar[bool] = False
    #: the legal changes of ``state`` (components.event_order.STATES)
    state_table: ClassVar[StateTable]
    #: which side of a TLS handshake this component's connections take
    tls_server_side: ClassVar[bool] = False
    #: the parsed Framing (instances get their own when Framing is set)
    _framing: FramingSpec = parse_framing("none")

    active = Published("Active", bool, False, getter="_get_active", setter="_set_active", role=Role.ACTIVE,
                       stored=Stored.ALWAYS, dfm_order=10,
                       description="Open (connect or listen) when True; close when False.")
    address = Published("Address", str, "", kind=KIND_HOST, validator=validate_host,
                        locked_while_active=True, stored=Stored.NOT_DEFAULT, dfm_order=20,
                        description="IP address to connect to or bind; Host wins when both are set.")
    port = Published("Port", int, 0, minimum=0, maximum=65535, locked_while_active=True,
                     stored=Stored.ALWAYS, dfm_order=50,
                     description="TCP port; Service wins when both are set.")
    service = Published("Service", str, "", kind=KIND_SERVICE, validator=validate_service,
                        locked_while_active=True, stored=Stored.NOT_DEFAULT, dfm_order=60,
                        description="Service name (http, echo, ...) that gives the port.")
    encoding = Published("Encoding", str, "utf-8", kind=KIND_ENCODING, validator=validate_encoding,
                         description="Text encoding for ReceiveText and SendText.")
    framing = Published("Framing", str, "none", validator=validate_framing, locked_while_active=True,
                        suggestions=FRAMING_PRESETS,
                        description="How the byte stream is cut into messages: none, line, delimiter:<bytes>, "
                                    "fixed:<n>, length:<field>[@offset][+-adjust][,strip=n], regex:<pattern> "
                                    "or idle:<ms>. OnRead fires once per message.")
    frame_limit = Published("FrameLimit", int, DEFAULT_FRAME_LIMIT, minimum=1, maximum=2**31 - 1,
                            locked_while_active=True,
                            description="The longest message Framing accepts, in bytes; a longer one is "
                                        "OnError 10040 and the connection closes.")

    tls = Published("TLS", bool, False, locked_while_active=True, role=Role.TLS,
                    description="Speak TLS on the connection (certificates: CertFile, KeyFile, CAFile; "
                                "checks: VerifyPeer). OnHandshake fires when it is up.")
    cert_file = Published("CertFile", str, "", kind=KIND_FILE, locked_while_active=True, role=Role.CERTIFICATE,
                          description="This side's certificate (PEM, the chain may follow); relative to "
                                      "the form's folder. A server needs one, a client only when the "
                                      "server asks for a client certificate.")
    key_file = Published("KeyFile", str, "", kind=KIND_FILE, locked_while_active=True, role=Role.PRIVATE_KEY,
                         empty_hint="in CertFile",
                         description="The private key of CertFile (PEM, no passphrase); empty when "
                                     "CertFile holds it.")
    ca_file = Published("CAFile", str, "", kind=KIND_FILE, locked_while_active=True,
                        role=Role.CA_CERTIFICATES,
                        empty_hint="the system's certificate store",
                        description="The CA certificates (PEM) the peer's certificate must be signed by; "
                                    "empty: the system's store.")

    #: relative CertFile, KeyFile and CAFile are found here (the form's folder); None: the
    #: current directory
    folder: Path | None = None

    def __init__(self, **properties: Any) -> None:
        self._state = SocketState.INACTIVE
        self.loop: asyncio.AbstractEventLoop | None = None
        self.last_error: SocketError | None = None
        #: called with the component whenever its state changes (any thread)
        self.state_listeners: list[Callable[[SocketComponent], None]] = []
        super().__init__(**properties)

    # -- state ------------------------------------------------------------
    @property
    def state(self) -> SocketState:
        return self._state

    def _change_state(self, state: SocketState) -> None:
        """The one way the state changes: a change ``state_table`` does not list is an
        engine bug and raises EngineStateError; the state listeners hear of the others."""
        self.state_table.change(self.name, self._state, state)
        self._state = state
        for listener in list(self.state_listeners):
            try:
                listener(self)
            except Exception:  # a broken listener must not break the engine
                pass

    def _get_active(self) -> bool:
        """True from open() until the socket is closed again (also while connecting)."""
        return self._state not in (SocketState.INACTIVE, SocketState.ERROR)

    def _set_active(self, value: bool) -> None:
        if value:
            self.open()
        else:
            self.close()

    def is_locked(self) -> bool:
        return self._get_active()

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- TLS ----------------------------------------------------------------
    def tls_settings(self) -> TlsSettings:
        """The TLS properties as components.tls reads them."""
        raise NotImplementedError

    def tls_context_or_raise(self) -> ssl.SSLContext | None:
        """The context for this activation (None without TLS): the files are read and
        checked now, so a missing or bad one fails the open with a SocketError that says
        which property and why (and an Error record)."""
        if not self.tls:
            return None
        try:
            return tls_context(self.tls_settings())
        except TlsSettingsError as exc:
            info = ErrorInfo(ErrorEvent.GENERAL, errno.EINVAL, "EINVAL", 10022, str(exc))
            err = SocketError(f"{self.name}: {exc}", info, component=self.name)
            self.last_error = err
            self.record(CALLER_ERROR, None, error=info, detail=str(err))
            raise err from None

    def handshake_done(self, conn: CustomWinSocket, info: HandshakeInfo) -> None:
        """Fire OnHandshake for a connection whose TLS handshake succeeded."""
        conn.tls = info
        self.fire("OnHandshake", getattr(self, "on_handshake", None), conn, conn, detail=info.describe())

    # -- loops --------------------------------------------------------------
    def _running_loop(self) -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            raise SocketError(
                f"{self.name or type(self).__name__}: non-blocking mode needs a running asyncio loop "
                "(asyncio, uvloop or qasync); open it from a coroutine or a callback of that loop, "
                "or use the blocking mode", component=self.name) from None

    # -- events -------------------------------------------------------------
    def record(self, event: str, conn: CustomWinSocket | None, data: bytes | bytearray | memoryview = b"",
               byte_count: int | None = None, error: ErrorInfo | None = None, detail: str = "") -> None:
        """Put one record on the observer stream (callers check ``observer.active`` first when hot)."""
        # the hot path of every record: the tuple is made without NamedTuple's Python-level
        # __new__, and the name and the thread's name are read without their descriptors
        if conn is not None:
            conn_id, peer = conn.id, conn.peer
        else:
            conn_id, peer = 0, ""
        try:
            thread = thread_names.name  # thread_name() without its call, once the thread has one
        except AttributeError:
            thread = thread_name()
        self.observer.emit(_new_record(EventRecord, (
            _monotonic(), self.__dict__.get("_p_name", ""), event, conn_id, peer, thread,
            len(data) if byte_count is None else byte_count, bytes(data[:PREVIEW_BYTES]), error, detail)))

    def fire(self, event: str, handler: Callable[..., Any] | None, conn: CustomWinSocket | None,
             *args: Any, data: bytes = b"", detail: str = "") -> Any:
        """Record ``event`` and call its handler as ``handler(self, *args)``; never raises."""
        if self.observer.active:
            self.record(event, conn, data, detail=detail)
        if handler is None:
            return None
        return self.call_handler(event, conn, handler, self, *args)

    def call_handler(self, event: str, conn: CustomWinSocket | None, handler: Callable[..., Any],
                     *args: Any) -> Any:
        """Run ``handler(*args)`` for ``event``: an exception takes the handler-error path,
        a slow run on a loop thread is reported. Never raises; None after an exception."""
        started = _clock()
        try:
            return handler(*args)
        except Exception as exc:
            self.handler_failed(event, conn, exc)
            return None
        finally:
            elapsed = _clock() - started
            if elapsed > SLOW_HANDLER_SECONDS:
                self.handler_was_slow(event, conn, handler, elapsed)

    def handler_was_slow(self, event: str, conn: CustomWinSocket | None, handler: Callable[..., Any],
                         seconds: float) -> None:
        """Record SlowHandler when the handler ran on a thread that runs an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread (thread-blocking mode): no loop waited for it
        name = getattr(handler, "__name__", "")
        who = f"{name} ({event})" if name and name.isidentifier() else f"{event} handler"
        self.record(SLOW_HANDLER, conn, detail=f"{who} ran {seconds:.2f} s on the event loop; "
                                               "everything else waited")

    def handler_failed(self, event: str, conn: CustomWinSocket | None, exc: BaseException) -> None:
        """A handler raised: record the traceback and treat it as an error of the connection."""
        tb = "".join(traceback.format_exception(exc))
        if isinstance(exc, SocketError) and exc.through_error_event:
            # an engine error raised through the handler (a failed send in a blocking
            # connection): it has been through OnError already; the app still hears of it
            report_error(exc)
            return
        info = ErrorInfo(ErrorEvent.GENERAL, 0, "", HANDLER_EXCEPTION_CODE,
                         f"{event} handler raised {type(exc).__name__}: {exc}")
        self.record(HANDLER_ERROR, conn, error=info, detail=tb)
        if event == self.error_event_name:
            # the error handler itself failed: report, don't ask it again
            err = SocketError.from_info(info, self.name)
            err.__cause__ = exc
            report_error(err)
            if conn is not None:
                conn.close()
            return
        if not self.error(conn, ErrorEvent.GENERAL, info, cause=exc) and conn is not None:
            conn.close()

    def _close_from_other_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run close() on ``loop`` (the component's own, running in another thread) and wait
        for it; SocketError when that loop no longer runs."""
        if loop.is_closed() or not loop.is_running():
            raise SocketError(f"{self.name}: its loop is not running; close it from that loop",
                              component=self.name)
        done: concurrent.futures.Future[None] = concurrent.futures.Future()

        def run() -> None:
            try:
                self.close()
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        done.result(timeout=10)

    def error_handler(self) -> Callable[..., Any] | None:
        raise NotImplementedError

    def error(self, conn: CustomWinSocket | None, event: ErrorEvent, problem: BaseException | ErrorInfo,
              *, raise_to_caller: bool = False, cause: BaseException | None = None,
              api: str = "", context: str = "", detail: str = "") -> bool:
        """Run the error path; True if the handler suppressed the error (code set to 0).
        ``context`` says what was being done ("connecting to 127.0.0.1:9") and ends the
        message; ``detail`` goes on the record only."""
        info = problem if isinstance(problem, ErrorInfo) else ErrorInfo.from_exception(event, problem)
        if info.event is not event:
            info = ErrorInfo(event, info.errno, info.errno_name, info.code, info.message)
        if context:
            info = info.during(context)
        if self.observer.active:
            self.record(self.error_event_name, conn, error=info, detail=detail)
        code = info.code
        handler = self.error_handler()
        if handler is not None:
            started = _clock()
            try:
                result = handler(self, conn, event, code)
            except Exception as exc:
                tb = "".join(traceback.format_exception(exc))
                self.record(HANDLER_ERROR, conn, error=info, detail=tb)
                result = None
            elapsed = _clock() - started
            if elapsed > SLOW_HANDLER_SECONDS:
                self.handler_was_slow(self.error_event_name, conn, handler, elapsed)
            if isinstance(result, int) and not isinstance(result, bool):
                code = result
        if code == 0:
            return True
        err = SocketError.from_info(info.with_code(code), self.name, api)
        err.__cause__ = cause or (problem if isinstance(problem, BaseException) else None)
        self.last_error = err
        if raise_to_caller:
            err.through_error_event = True
            raise err
        report_error(err)
        return False

    # -- what connections call back (components.connection.ConnectionOwner) -------
    def connection_made(self, conn: AsyncWinSocket) -> None:
        raise NotImplementedError

    def connection_read(self, conn: CustomWinSocket, data: bytes, detail: str = "") -> None:
        raise NotImplementedError

    def connection_writable(self, conn: AsyncWinSocket) -> None:
        raise NotImplementedError

    def connection_lost(self, conn: CustomWinSocket, exc: BaseException | None) -> None:
        raise NotImplementedError

    def connection_closing(self, conn: CustomWinSocket) -> None:
        raise NotImplementedError

    def property_changed(self, spec: PropertySpec, old: Any, new: Any) -> None:
        """Forget the last error once the user changes the settings."""
        if spec is SocketComponent.framing.spec:
            self._framing = parse_framing(new)  # parsed once, not per connection
        if self._state is SocketState.ERROR:
            self._change_state(SocketState.INACTIVE)

    def new_framer(self) -> Framer | None:
        """A framer for a new connection, or None when Framing is 'none' (bytes as they come)."""
        spec = self._framing
        return None if spec.is_none else spec.framer(self.frame_limit)

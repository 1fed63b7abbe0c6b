"""Published properties and events, declared once per component class.

A component class declares each published property and event exactly once, as a
class attribute::

    class ClientSocket(SocketComponent):
        port = Published("Port", int, 0, minimum=0, maximum=65535, locked_while_active=True)
        remote_port = RuntimeInfo("RemotePort", int, lambda c: c.socket.remote_port)
        on_connect = Event("OnConnect", NOTIFY)

That declaration carries everything the rest of the program needs: the VCL name
users see, the Python name (taken from the attribute), the type, the default,
the allowed values, validation and text conversion, whether the value is locked
while the component is active, whether it is runtime-only and read-only, its
role (the component's Name, its Active switch, or an ordinary setting), how the
VCL stores it in a .dfm (``stored`` and ``dfm_order``; not at all unless
declared), and what an empty value means in the Object Inspector. An event
carries its signature and its traits: whether its record carries payload bytes,
whether its socket is an open connection, whether the connection is made there.

The Object Inspector, form files, DFM import/export, built-in actions, the
clipboard, the engine host, ``--set`` on the command line and the docs all read
``cls.properties()`` / ``cls.events()``; nothing outside components/ names a
property or an event, so adding one is one line here.
"""

from __future__ import annotations

import codecs
import enum
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from components.enums import VclEnum
from components.errors import CANT_CHANGE_WHILE_ACTIVE, SocketError

T = TypeVar("T")


class Owner(Protocol):
    """What a descriptor needs of the component it sits on (components.component.Component)."""

    __dict__: dict[str, Any]

    def is_locked(self) -> bool: ...

    def property_changed(self, spec: PropertySpec, old: Any, new: Any) -> None: ...


class Role(enum.Enum):
    """What a property is to the rest of the program, beyond its value."""

    ORDINARY = "ordinary"
    #: the component's Name: a form file and a .dfm hold it as the component's own name, and
    #: changing it is a rename
    NAME = "name"
    #: the Active switch: a run-time command, not an edit of the form; applied last on loading
    ACTIVE = "active"
    #: the TLS switch, and the files it reads (Tools > Generate certificates fills them in)
    TLS = "tls"
    CERTIFICATE = "certificate"
    PRIVATE_KEY = "private key"
    CA_CERTIFICATES = "CA certificates"


class Stored(enum.Enum):
    """How the VCL stores a property in a .dfm."""

    #: written whatever its value (the VCL declares no default for it)
    ALWAYS = "always"
    #: written only when it differs from the declared default
    NOT_DEFAULT = "not default"
    #: never written: the VCL component has no such property (ours only), or it is runtime-only
    NEVER = "never"

# Editor hints: what kind of value this is, beyond its Python type.
KIND_BOOL = "bool"
KIND_INT = "int"
KIND_ENUM = "enum"
KIND_TEXT = "text"
KIND_IDENTIFIER = "identifier"
KIND_HOST = "host"
KIND_SERVICE = "service"
KIND_ENCODING = "encoding"
#: a path to a file (relative: to the form's folder)
KIND_FILE = "file"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def validate_identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a valid component name: use letters, digits and _, "
                         "not starting with a digit")
    return value


def validate_host(value: str) -> str:
    """Empty, an IPv4 or IPv6 address, or a host name (RFC 1123 labels)."""
    value = value.strip()
    if not value:
        return ""
    candidate = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        pass
    name = candidate[:-1] if candidate.endswith(".") else candidate
    labels_ok = len(name) <= 253 and name and all(_HOST_LABEL.match(p) for p in name.split("."))
    if labels_ok and not re.fullmatch(r"[0-9.]+", name):  # 300.1.1.1 is a bad address, not a name
        return candidate
    raise ValueError(f"{value!r} is not an IPv4 address, an IPv6 address or a host name")


def validate_service(value: str) -> str:
    value = value.strip()
    if value and not _SERVICE.match(value):
        raise ValueError(f"{value!r} is not a service name (such as 'http' or 'echo') or a port number")
    if value.isdigit() and not 0 < int(value) <= 65535:
        raise ValueError(f"service port {value} is out of range 1-65535")
    return value


def validate_encoding(value: str) -> str:
    value = value.strip()
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"{value!r} is not a known text encoding "
                         "(try utf-8, gbk, cp1251, latin-1)") from None
    return value


@dataclass(frozen=True)
class PropertySpec:
    """Everything known about one property. Built from a ``Published`` or ``RuntimeInfo``."""

    vcl_name: str
    py_name: str
    type: type
    default: Any
    kind: str
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    locked_while_active: bool = False
    runtime: bool = False  # runtime-only and read-only (LocalPort, ActiveConnections, ...)
    #: what an empty value means, shown greyed in its place ("all interfaces" for a server's Address)
    empty_hint: str = ""
    #: values the inspector offers in a list beside free entry (Framing presets)
    suggestions: tuple[str, ...] = ()
    role: Role = Role.ORDINARY
    #: how a .dfm stores it; NEVER leaves it out of a .dfm
    stored: Stored = Stored.NEVER
    #: where it goes among the properties a .dfm stores (smaller first)
    dfm_order: int = 0
    validator: Callable[[Any], Any] | None = field(default=None, compare=False)

    @property
    def read_only(self) -> bool:
        return self.runtime

    @property
    def in_dfm(self) -> bool:
        """Whether a .dfm stores this property among the component's properties (the Name
        is the object's own name there, not one of them)."""
        return self.stored is not Stored.NEVER and self.role is not Role.NAME and not self.runtime

    def dfm_value_stored(self, value: Any) -> bool:
        """Whether a .dfm writes ``value`` of this property (the VCL's ``stored``/``default``)."""
        if not self.in_dfm:
            return False
        return self.stored is Stored.ALWAYS or not self.is_default(value)

    def check_writable(self) -> None:
        """ValueError if nothing may set this property (a runtime-only one)."""
        if self.read_only:
            raise ValueError(f"{self.vcl_name} is read-only")

    @property
    def choices(self) -> tuple[str, ...]:
        """The VCL names an enum property accepts, in declaration order."""
        if issubclass(self.type, VclEnum):
            return self.type.vcl_names()
        return ()

    def validate(self, value: Any) -> Any:
        """The value converted to this property's type; ValueError with a clear message if it can't be."""
        self.check_writable()
        t = self.type
        if t is bool:
            if isinstance(value, bool):
                result: Any = value
            elif isinstance(value, int) and value in (0, 1):
                result = bool(value)
            elif isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                result = value.strip().lower() in ("true", "1")
            else:
                raise ValueError(f"{self.vcl_name} must be True or False, not {value!r}")
        elif t is int:
            if isinstance(value, bool):
                raise ValueError(f"{self.vcl_name} must be a whole number, not {value!r}")
            if isinstance(value, str):
                try:
                    value = int(value.strip(), 0)
                except ValueError:
                    raise ValueError(f"{self.vcl_name} must be a whole number, not {value!r}") from None
            if not isinstance(value, int):
                raise ValueError(f"{self.vcl_name} must be a whole number, not {value!r}")
            if (self.minimum is not None and value < self.minimum) or \
               (self.maximum is not None and value > self.maximum):
                raise ValueError(f"{self.vcl_name} must be between {self.minimum} and {self.maximum}, "
                                 f"not {value}")
            result = value
        elif issubclass(t, VclEnum):
            if isinstance(value, t):
                result = value
            elif isinstance(value, str):
                result = t.from_vcl(value)
            else:
                raise ValueError(f"{self.vcl_name} must be one of {', '.join(self.choices)}, not {value!r}")
        elif t is str:
            if not isinstance(value, str):
                raise ValueError(f"{self.vcl_name} must be text, not {value!r}")
            result = value
        else:  # pragma: no cover - no such property is declared
            raise TypeError(f"unsupported property type {t!r}")
        if self.validator is not None:
            try:
                result = self.validator(result)
            except ValueError as exc:
                raise ValueError(f"{self.vcl_name}: {exc}") from None
        return result

    def from_text(self, text: str) -> Any:
        """Parse the text a user typed (``--set``, a line edit) into a value."""
        return self.validate(text)

    def to_text(self, value: Any) -> str:
        if isinstance(value, bool):
            return "True" if value else "False"
        return str(value)

    def to_json(self, value: Any) -> Any:
        """The value as stored in a form file: enums by VCL name, the rest as is."""
        return value.vcl_name if isinstance(value, VclEnum) else value

    def is_default(self, value: Any) -> bool:
        return bool(value == self.default)


class Published(Generic[T]):
    """A published (design-time) property: stored, validated, maybe locked while active.

    ``getter``/``setter`` name methods of the component that compute or apply the
    value instead of storing it (Active opens and closes the socket).
    """

    def __init__(self, vcl_name: str, type_: type[T], default: T, *, kind: str | None = None,
                 description: str = "", minimum: int | None = None, maximum: int | None = None,
                 locked_while_active: bool = False, validator: Callable[[Any], Any] | None = None,
                 getter: str | None = None, setter: str | None = None, empty_hint: str = "",
                 role: Role = Role.ORDINARY, stored: Stored = Stored.NEVER, dfm_order: int = 0,
                 suggestions: tuple[str, ...] = ()) -> None:
        self._args = dict(vcl_name=vcl_name, type=type_, default=default,
                          kind=kind or _default_kind(type_), description=description,
                          minimum=minimum, maximum=maximum,
                          locked_while_active=locked_while_active, validator=validator,
                          empty_hint=empty_hint, role=role, stored=stored, dfm_order=dfm_order,
                          suggestions=suggestions)
        self._getter = getter
        self._setter = setter
        self.spec: PropertySpec

    def __set_name__(self, owner: type, name: str) -> None:
        self.spec = PropertySpec(py_name=name, **self._args)  # type: ignore[arg-type]
        self._attr = "_p_" + name

    @overload
    def __get__(self, obj: None, objtype: type) -> Published[T]: ...
    @overload
    def __get__(self, obj: Owner, objtype: type) -> T: ...

    def __get__(self, obj: Owner | None, objtype: type) -> Published[T] | T:
        if obj is None:
            return self
        if self._getter:
            return getattr(obj, self._getter)()  # type: ignore[no-any-return]
        return obj.__dict__.get(self._attr, self.spec.default)  # type: ignore[no-any-return]

    def __set__(self, obj: Owner, value: Any) -> None:
        spec = self.spec
        try:
            new = spec.validate(value)
        except ValueError as exc:
            raise SocketError(str(exc), component=obj.__dict__.get("_p_name", "")) from None
        if self._setter:
            getattr(obj, self._setter)(new)
            return
        old = obj.__dict__.get(self._attr, spec.default)
        if old == new and type(old) is type(new):
            return
        if spec.locked_while_active and obj.is_locked():
            raise SocketError(CANT_CHANGE_WHILE_ACTIVE, component=obj.__dict__.get("_p_name", ""))
        obj.__dict__[self._attr] = new
        obj.property_changed(spec, old, new)


class RuntimeInfo(Generic[T]):
    """A runtime-only, read-only property (LocalPort, ActiveConnections, ...)."""

    def __init__(self, vcl_name: str, type_: type[T], getter: Callable[[Any], T],
                 description: str = "") -> None:
        self._getter = getter
        self._args: dict[str, Any] = dict(vcl_name=vcl_name, type=type_, default=_zero(type_),
                                          kind=_default_kind(type_), description=description,
                                          runtime=True)
        self.spec: PropertySpec

    def __set_name__(self, owner: type, name: str) -> None:
        self.spec = PropertySpec(py_name=name, **self._args)

    @overload
    def __get__(self, obj: None, objtype: type) -> RuntimeInfo[T]: ...
    @overload
    def __get__(self, obj: Owner, objtype: type) -> T: ...

    def __get__(self, obj: Owner | None, objtype: type) -> RuntimeInfo[T] | T:
        if obj is None:
            return self
        return self._getter(obj)

    def __set__(self, obj: Owner, value: Any) -> None:
        raise SocketError(f"{self.spec.vcl_name} is read-only")


# Event signatures: the parameter names a handler receives, as the IDE writes stubs.
NOTIFY = ("sender", "socket")
ERROR = ("sender", "socket", "error_event", "error_code")
GET_THREAD = ("sender", "client_socket")
THREAD_NOTIFY = ("sender", "thread")


@dataclass(frozen=True)
class EventSpec:
    vcl_name: str  # OnClientRead
    py_name: str  # on_client_read
    params: tuple[str, ...]
    description: str = ""
    #: its record carries the bytes that arrived (the log shows their count, a handler reads them)
    carries_data: bool = False
    #: its socket argument is an open connection that can be written to or closed
    has_connection: bool = False
    #: the connection is made here: its record is the first to carry the peer's address
    connects: bool = False
    #: its socket is a datagram socket (UdpSocket: a datagram's sender, or the socket itself
    #: sending to its default destination): it can be sent to, but it is no stream: nothing
    #: to send a file down, no connection to close
    datagram: bool = False

    @property
    def is_error(self) -> bool:
        """An error event (OnError, OnClientError): the handler may return 0 to suppress it."""
        return self.params == ERROR

    @property
    def stub_suffix(self) -> str:
        """The part of an IDE handler name after the component: OnClientRead -> ClientRead."""
        return self.vcl_name[2:] if self.vcl_name.startswith("On") else self.vcl_name

    @property
    def returns_value(self) -> bool:
        return self.params in (ERROR, GET_THREAD)


class Event:
    """A published event: a plain callable (or None) assigned to the component."""

    def __init__(self, vcl_name: str, params: tuple[str, ...], description: str = "", *,
                 data: bool = False, connection: bool = False, connects: bool = False,
                 datagram: bool = False) -> None:
        self._args = dict(vcl_name=vcl_name, params=params, description=description,
                          carries_data=data, has_connection=connection, connects=connects,
                          datagram=datagram)
        self.spec: EventSpec

    def __set_name__(self, owner: type, name: str) -> None:
        self.spec = EventSpec(py_name=name, **self._args)  # type: ignore[arg-type]
        self._attr = "_e_" + name

    def __get__(self, obj: Any, objtype: type) -> Any:
        if obj is None:
            return self
        return obj.__dict__.get(self._attr)

    def __set__(self, obj: Any, handler: Callable[..., Any] | None) -> None:
        if handler is not None and not callable(handler):
            raise SocketError(f"{self.spec.vcl_name} handler must be callable or None, not {handler!r}")
        obj.__dict__[self._attr] = handler


def _default_kind(t: type) -> str:
    if t is bool:
        return KIND_BOOL
    if t is int:
        return KIND_INT
    if isinstance(t, type) and issubclass(t, VclEnum):
        return KIND_ENUM
    return KIND_TEXT


def _zero(t: type) -> Any:
    return {bool: False, int: 0, str: ""}.get(t)


def collect(cls: type, kind: type) -> tuple[Any, ...]:
    """The specs of every ``kind`` descriptor on ``cls`` and its bases, base classes first.

    A subclass that redeclares an attribute keeps the base's position; one that sets it to
    ``None`` has no such property (UdpSocket has no Address or Port).
    """
    seen: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, attr in vars(klass).items():
            if isinstance(attr, kind):
                seen[name] = cast(Any, attr).spec
            elif attr is None and name in seen:
                del seen[name]
    return tuple(seen.values())

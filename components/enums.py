"""The VCL enumerations, as Python enums that display their VCL names.

Python code speaks ``ClientType.BLOCKING``; the inspector, form files and DFM
files speak ``ctBlocking``. ``str(member)`` and ``member.vcl_name`` give the
VCL spelling and ``EnumClass.from_vcl("ctBlocking")`` goes back.
"""

from __future__ import annotations

import enum
from typing import TypeVar

_E = TypeVar("_E", bound="VclEnum")


class VclEnum(enum.Enum):
    """An enum whose value is its VCL identifier (``ctNonBlocking``)."""

    @property
    def vcl_name(self) -> str:
        return str(self.value)

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def from_vcl(cls: type[_E], name: str) -> _E:
        """The member whose VCL name is ``name`` (case-insensitive, as Pascal is)."""
        folded = name.strip().lower()
        for member in cls:
            if member.vcl_name.lower() == folded or member.name.lower() == folded:
                return member
        choices = ", ".join(m.vcl_name for m in cls)
        raise ValueError(f"{name!r} is not a {cls.__name__}; expected one of {choices}")

    @classmethod
    def vcl_names(cls) -> tuple[str, ...]:
        return tuple(m.vcl_name for m in cls)


class ClientType(VclEnum):
    NON_BLOCKING = "ctNonBlocking"
    BLOCKING = "ctBlocking"


class ServerType(VclEnum):
    NON_BLOCKING = "stNonBlocking"
    THREAD_BLOCKING = "stThreadBlocking"


class ErrorEvent(VclEnum):
    """What the socket was doing when an error happened (TErrorEvent)."""

    GENERAL = "eeGeneral"
    SEND = "eeSend"
    RECEIVE = "eeReceive"
    CONNECT = "eeConnect"
    DISCONNECT = "eeDisconnect"
    ACCEPT = "eeAccept"
    LOOKUP = "eeLookup"


class SocketState(VclEnum):
    """The live state of a component, as a tile or status bar shows it.

    Not a VCL type; the names follow the same style so they read alike.
    """

    INACTIVE = "ssInactive"
    LOOKUP = "ssLookup"
    CONNECTING = "ssConnecting"
    CONNECTED = "ssConnected"
    LISTENING = "ssListening"
    ERROR = "ssError"

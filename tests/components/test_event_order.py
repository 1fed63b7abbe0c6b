"""The grammars accept the documented orders and reject others (so the checks can fail)."""

from __future__ import annotations

import pytest

from components.enums import ErrorEvent
from components.errors import ErrorInfo
from components.event_order import matches
from components.observer import EventRecord


def seq(*names: str) -> list[EventRecord]:
    out = []
    for name in names:
        error = None
        if "(" in name:
            name, ee = name[:-1].split("(")
            error = ErrorInfo(ErrorEvent.from_vcl(ee), 0, "", 1, "x")
        out.append(EventRecord(0.0, "C", name, 1, "", "t", error=error))
    return out


@pytest.mark.parametrize("grammar, names", [
    ("client", ["OnLookup", "OnConnecting", "OnConnect", "OnWrite", "OnRead", "Send", "OnDisconnect"]),
    ("client", ["OnLookup", "OnError(eeLookup)", "OnDisconnect"]),
    ("client", ["OnLookup", "OnConnecting", "OnError(eeConnect)", "OnDisconnect"]),
    ("client", ["OnLookup", "OnDisconnect"]),
    ("client", ["OnLookup", "OnConnecting", "OnConnect", "OnWrite", "OnError(eeDisconnect)", "OnDisconnect"]),
    ("server_connection", ["OnGetSocket", "OnAccept", "OnClientConnect", "OnClientWrite",
                           "OnClientRead", "OnClientRead", "OnClientDisconnect"]),
    ("thread_connection", ["OnGetSocket", "OnAccept", "OnGetThread", "OnThreadStart", "OnClientConnect",
                           "OnClientWrite", "OnClientRead", "OnClientDisconnect", "OnThreadEnd"]),
    ("thread_connection", ["OnGetSocket", "OnAccept", "ThreadReused", "OnClientConnect",
                           "OnClientWrite", "OnClientDisconnect"]),
    ("listener", ["OnListen", "Close"]),
    ("listener", ["OnListen", "OnClientError(eeAccept)", "Close", "OnListen", "Close"]),
])
def test_documented_orders_match(grammar, names):
    assert matches(grammar, seq(*names))


@pytest.mark.parametrize("grammar, names", [
    ("client", ["OnConnect", "OnLookup", "OnDisconnect"]),
    ("client", ["OnLookup", "OnConnecting", "OnConnect", "OnWrite"]),  # no OnDisconnect
    ("client", ["OnLookup", "OnConnecting", "OnConnect", "OnWrite", "OnDisconnect", "OnDisconnect"]),
    ("client", ["OnLookup", "OnConnecting", "OnError(eeLookup)", "OnDisconnect"]),
    ("server_connection", ["OnAccept", "OnGetSocket", "OnClientConnect", "OnClientWrite",
                           "OnClientDisconnect"]),
    ("server_connection", ["OnGetSocket", "OnAccept", "OnClientConnect", "OnClientWrite",
                           "OnClientDisconnect", "OnClientRead"]),
    ("thread_connection", ["OnGetSocket", "OnAccept", "OnClientConnect", "OnClientDisconnect"]),
    ("listener", ["OnListen"]),
    ("listener", ["OnListen", "Close", "OnListen"]),
    ("listener", ["OnListen", "OnListen", "Close", "Close"]),
])
def test_other_orders_do_not(grammar, names):
    assert not matches(grammar, seq(*names))

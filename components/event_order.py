"""The event order, written as grammars, and a checker for recorded sequences.

Each grammar is a regular expression over the event names of one connection (or
of one listener), separated by single spaces, as the observer stream records
them. Error events are written ``OnError(eeConnect)`` (the ErrorEvent after the
name). Records that are not part of the order (Send, Receive, HandlerError) are
left out before matching, as are SlowHandler and Error records.

The same grammars are quoted in the docstrings of ClientSocket and ServerSocket
and in the README; the tests check every sequence they record against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from components.observer import CALLER_ERROR, HANDLER_ERROR, RECEIVE, SEND, SLOW_HANDLER, EventRecord

_ERR = r"OnError\(ee\w+\)"
_CERR = r"OnClientError\(ee\w+\)"
_LISTEN = r"OnListen (?:OnClientError\(eeAccept\) )*Close"  # one activation of a listener

GRAMMARS: dict[str, str] = {
    # OnLookup -> ( OnError(eeLookup) | OnConnecting -> ( OnError(eeConnect)
    #   | OnConnect -> OnWrite -> (OnRead | OnWrite | OnError(eeGeneral))* -> [OnError] ) ) -> OnDisconnect
    "client": (r"OnLookup (?:OnError\(eeLookup\) |OnConnecting (?:OnError\(eeConnect\) |"
               r"OnConnect OnWrite (?:(?:OnRead|OnWrite|OnError\(eeGeneral\)) )*"
               rf"(?:{_ERR} )?))?OnDisconnect"),
    "blocking_client": (r"OnLookup (?:OnError\(eeLookup\) |OnConnecting (?:OnError\(eeConnect\) |"
                        rf"OnConnect (?:{_ERR} )*))?OnDisconnect"),
    # a failed open (address in use) raises to the caller and records only "Error"; a
    # server that is opened again after Close listens again
    "listener": rf"(?:{_LISTEN}(?: {_LISTEN})*)?",
    "server_connection": (r"OnGetSocket OnAccept OnClientConnect OnClientWrite "
                          r"(?:(?:OnClientRead|OnClientWrite|OnClientError\(eeGeneral\)) )*"
                          rf"(?:{_CERR} )?OnClientDisconnect"),
    "thread_connection": (r"OnGetSocket OnAccept (?:OnGetThread )?(?:OnThreadStart |ThreadReused )"
                          r"OnClientConnect (?:OnClientWrite )?"
                          rf"(?:(?:OnClientRead|OnClientWrite|{_CERR}) )*"
                          r"OnClientDisconnect(?: OnThreadEnd| ThreadCached)?"),
}

_IGNORED = {SEND, RECEIVE, HANDLER_ERROR, CALLER_ERROR, SLOW_HANDLER}


def tokens(records: Iterable[EventRecord]) -> list[str]:
    """The order-relevant event names of ``records``, errors with their ErrorEvent."""
    out = []
    for r in records:
        if r.event in _IGNORED:
            continue
        out.append(f"{r.event}({r.error.event.vcl_name})" if r.error is not None else r.event)
    return out


def matches(grammar: str, records: Iterable[EventRecord]) -> bool:
    return re.fullmatch(GRAMMARS[grammar], " ".join(tokens(records))) is not None


def check(grammar: str, records: Iterable[EventRecord]) -> None:
    """Raise AssertionError naming the sequence when it does not follow ``grammar``."""
    sequence = " ".join(tokens(records))
    if re.fullmatch(GRAMMARS[grammar], sequence) is None:
        raise AssertionError(f"event order breaks the {grammar!r} grammar:\n  {sequence}\n"
                             f"expected:\n  {GRAMMARS[grammar]}")

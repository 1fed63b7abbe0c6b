"""The event order, written once: the tables the engine follows, and what is read from them.

Two kinds of table live here, one per kind of state:

* ``ORDERS``: the events of one *endpoint*, as the observer stream records them. An
  endpoint is one connection (one open() of a ClientSocket, one accepted connection of a
  ServerSocket) or one listening socket (every activation of a ServerSocket, recorded
  with connection id 0). Each ``Order`` is a state machine over event names,
  ``{state: {event: next_state}}``, as h11's ``_state.py`` writes its tables.
* ``STATES``: the component's own state (SocketState, what a tile shows), ``{state:
  {next_state: event}}``. This one the engine enforces at run time: every state change
  goes through SocketComponent._change_state, whose ``StateTable.change`` refuses one the
  table does not list with an EngineStateError (a bug in the engine, never the user's
  doing). State changes are rare; nothing here runs per read or per send.

How the two relate: a component's state changes just before the event that announces
the change, and that event is the one STATES names (ssLookup, then OnLookup; ssInactive
or ssError, then OnDisconnect; ssListening, then OnListen). So every announcing event is
an event of the component's orders, and a handler of it already sees the new state;
tests/components/test_event_order.py checks both. The event orders are not checked at
run time, which would cost on every read; the engine tests check every sequence they
record against them (the recorder fixture), and so can a guided tour (``Order.follow``).

Rules of the event tables:

* Every order starts in ``start``; a sequence is complete when it stops in a ``done`` state.
* An event is the name on an EventRecord: a VCL event, or ThreadReused, ThreadCached,
  Close. An error event carries its ErrorEvent, ``OnError(eeConnect)``; ``OnError(ee*)``
  in a row stands for every ErrorEvent that row does not name.
* An event its state's row does not list is out of order; the checker names it and what
  the row expected.
* A handler that raises becomes an eeGeneral error of its connection, recorded right
  after its event (components.socket_component). Suppressed, the connection stays where
  it was, so every row where a handler has run lists ``OnError(eeGeneral)`` as staying;
  not suppressed, the connection closes, which the row's disconnect event covers.
* Records that are not events (IGNORED: Send, Receive, HandlerError, Error, SlowHandler, Rule,
  Dropped, Log) are left out before checking.
* ``usual`` names the states of the common path, for the rendered text, which shows the
  events that lead there; ``open*`` also shows the (non-error) events that repeat there.

To add an event, put it in the rows of the states where the engine fires it, with a new
state where it leads somewhere new: OnHandshake is ``"connecting": {"OnHandshake":
"secured", ...}`` and ``"secured": {"OnConnect": "connected", ...}``; one OnRead per frame
changes no row (OnRead already repeats in ``open``). A new kind of
endpoint (a UdpSocket) is a new Order in ORDERS and, for a new component, a StateTable in
STATES. Then ``python -m components.event_order`` prints the README section; the
docstrings of ClientSocket, ServerSocket and ServerClientThread quote their orders.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from components.enums import ErrorEvent, SocketState
from components.errors import EngineStateError
from components.observer import (
    CALLER_ERROR,
    DROPPED,
    HANDLER_ERROR,
    LISTENER_CLOSED,
    LOG,
    RECEIVE,
    RULE,
    SEND,
    SLOW_HANDLER,
    THREAD_CACHED,
    THREAD_REUSED,
    EventRecord,
)

START = "start"
ANY_ERROR = "ee*"
#: records that are not events of any order
IGNORED = frozenset({SEND, RECEIVE, HANDLER_ERROR, CALLER_ERROR, SLOW_HANDLER, DROPPED, LOG, RULE})
#: events of the orders that are not VCL events (see components.observer)
RECORD_EVENTS = frozenset({THREAD_REUSED, THREAD_CACHED, LISTENER_CLOSED})

ARROW = " → "


@dataclass(frozen=True, eq=False)
class Progress:
    """How far a sequence got through an order."""

    order: Order
    state: str  # where the sequence stands: after its last event in order
    visited: tuple[str, ...]  # every state passed, ``start`` first
    taken: int  # how many events were in order
    unexpected: str | None = None  # the first event out of order, if any

    @property
    def ok(self) -> bool:
        """True when every event so far was in order (a valid prefix)."""
        return self.unexpected is None

    @property
    def complete(self) -> bool:
        return self.ok and self.state in self.order.done

    @property
    def expected(self) -> tuple[str, ...]:
        """The events that may come next."""
        return self.order.expected(self.state)

    def reached(self, state: str) -> bool:
        """Has the sequence passed through ``state`` yet (``"connected"``: OnConnect came)?"""
        return state in self.visited


@dataclass(frozen=True, eq=False)
class Order:
    """The event order of one kind of endpoint."""

    key: str  # what tests and check() call it: "client"
    title: str  # what the README calls it
    rows: Mapping[str, Mapping[str, str]]  # {state: {event: next_state}}
    done: frozenset[str]
    usual: tuple[str, ...] = ()  # states of the common path; "open*": with what repeats there
    listener: str | None = None  # the order of the records with no connection (connection id 0)
    events: frozenset[str] = field(init=False)  # every event the rows name

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", frozenset(e for row in self.rows.values() for e in row))
        problems = self.problems()
        if problems:
            raise ValueError(f"the {self.key!r} order is not well formed: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the table itself (empty when it is well formed)."""
        out = []
        if START not in self.rows:
            out.append(f"no {START!r} row")
        for state, row in self.rows.items():
            for event, target in row.items():
                if target not in self.rows:
                    out.append(f"{state} --{event}--> {target}: {target!r} has no row")
                kind = split_error(event)[1]
                if kind is not None and kind != ANY_ERROR and kind not in ErrorEvent.vcl_names():
                    out.append(f"{event}: {kind!r} is no ErrorEvent")
        out += [f"done state {s!r} has no row" for s in self.done if s not in self.rows]
        if out:
            return out
        reachable = self._reachable(START)
        out += [f"{s!r} cannot be reached from {START!r}" for s in self.rows if s not in reachable]
        out += [f"no done state can be reached from {s!r}" for s in self.rows
                if not self._reachable(s) & self.done]
        out += [f"usual state {s!r} has no row" for s in self.usual if s.removesuffix("*") not in self.rows]
        return out

    def _reachable(self, state: str) -> set[str]:
        seen = {state}
        todo = [state]
        while todo:
            for target in self.rows[todo.pop()].values():
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    # -- following a sequence ----------------------------------------------
    def next_state(self, state: str, event: str) -> str | None:
        """Where ``event`` leads from ``state``; None when it is out of order there."""
        row = self.rows[state]
        target = row.get(event)
        if target is None and event.endswith(")"):
            target = row.get(event[:event.index("(")] + f"({ANY_ERROR})")
        return target

    def follow(self, events: Iterable[str]) -> Progress:
        """Follow ``events`` (tokens, see ``tokens``) from the start, up to the first one
        out of order."""
        state = START
        visited = [START]
        taken = 0
        for event in events:
            target = self.next_state(state, event)
            if target is None:
                return Progress(self, state, tuple(visited), taken, event)
            state = target
            visited.append(state)
            taken += 1
        return Progress(self, state, tuple(visited), taken)

    def expected(self, state: str) -> tuple[str, ...]:
        return tuple(self.rows[state])

    # -- paths ----------------------------------------------------------------
    def path(self, *states: str) -> tuple[str, ...]:
        """The events of the shortest walk from the start through ``states`` in turn:
        ``path("connected")`` is OnLookup, OnConnecting, OnConnect."""
        events: list[str] = []
        here = START
        for goal in states:
            events += self._shortest(here, goal)
            here = goal
        return tuple(events)

    def _shortest(self, source: str, goal: str) -> list[str]:
        if source == goal:
            return []
        came: dict[str, tuple[str, str]] = {}
        todo = deque([source])
        while todo:
            state = todo.popleft()
            for event, target in self.rows[state].items():
                if target in came or target == source:
                    continue
                came[target] = (state, event)
                if target == goal:
                    events = []
                    while target != source:
                        target, event = came[target]
                        events.append(event)
                    return events[::-1]
                todo.append(target)
        raise ValueError(f"{goal!r} cannot be reached from {source!r} in the {self.key!r} order")

    def loops(self, state: str) -> tuple[str, ...]:
        """The events that leave ``state`` where it is."""
        return tuple(e for e, target in self.rows[state].items() if target == state)


def split_error(event: str) -> tuple[str, str | None]:
    """``OnError(eeConnect)`` -> (``OnError``, ``eeConnect``); other events -> (event, None)."""
    if event.endswith(")") and "(" in event:
        name, kind = event[:-1].split("(", 1)
        return name, kind
    return event, None


def arrows(events: Iterable[str]) -> str:
    """``OnLookup → OnConnecting → OnConnect``."""
    return ARROW.join(events)


# -- the orders ----------------------------------------------------------------
# Written per state, as the engine goes: components.client_socket, components.server_socket
# and components.server_thread fire these events; the rows say in which state each can come.

_CLIENT = Order(
    "client", "ClientSocket, ctNonBlocking: one connection per open()",
    {
        START: {"OnLookup": "lookup"},
        "lookup": {"OnConnecting": "connecting", "OnError(eeLookup)": "failed",
                   "OnError(eeGeneral)": "lookup", "OnDisconnect": "closed"},
        # with TLS, OnHandshake comes first; a failed handshake is OnError(eeConnect)
        "connecting": {"OnConnect": "connected", "OnHandshake": "secured", "OnError(eeConnect)": "failed",
                       "OnError(eeGeneral)": "connecting", "OnDisconnect": "closed"},
        "secured": {"OnConnect": "connected", "OnError(eeGeneral)": "secured", "OnDisconnect": "closed"},
        # OnWrite follows OnConnect at once unless its handler closed the connection
        "connected": {"OnWrite": "open", "OnError(eeGeneral)": "connected", "OnDisconnect": "closed"},
        # a failed send of a stream (eeSend) that OnError suppressed keeps the connection
        "open": {"OnRead": "open", "OnWrite": "open", "OnError(eeGeneral)": "open", "OnError(eeSend)": "open",
                 "OnError(ee*)": "failed", "OnDisconnect": "closed"},
        "failed": {"OnDisconnect": "closed"},
        "closed": {"OnError(eeGeneral)": "closed"},  # the OnDisconnect handler raised
    },
    # an open() refused before it begins (TLS files missing or bad) records only Error
    done=frozenset({START, "closed"}), usual=("open*", "closed"))

_BLOCKING_CLIENT = Order(
    "blocking_client", "ClientSocket, ctBlocking: open() connects on the caller's thread",
    {
        START: {"OnLookup": "lookup"},
        "lookup": {"OnConnecting": "connecting", "OnError(eeLookup)": "failed",
                   "OnError(eeGeneral)": "lookup", "OnDisconnect": "closed"},
        "connecting": {"OnConnect": "connected", "OnHandshake": "secured", "OnError(eeConnect)": "failed",
                       "OnError(eeGeneral)": "connecting", "OnDisconnect": "closed"},
        "secured": {"OnConnect": "connected", "OnError(eeGeneral)": "secured", "OnDisconnect": "closed"},
        # no OnRead/OnWrite: the caller reads and writes. A failed send or SocketStream read
        # fires OnError(eeSend/eeReceive) and closes; a handler's error may be suppressed.
        "connected": {"OnError(ee*)": "connected", "OnDisconnect": "closed"},
        "failed": {"OnDisconnect": "closed"},
        "closed": {"OnError(eeGeneral)": "closed"},
    },
    done=frozenset({START, "closed"}), usual=("connected", "closed"))

_LISTENER = Order(
    "listener", "ServerSocket, its listening socket (stNonBlocking)",
    {
        # a failed open (address in use) raises to the caller and records only Error
        START: {"OnListen": "listening"},
        "listening": {"OnClientError(eeAccept)": "listening", "OnClientError(eeGeneral)": "listening",
                      "Close": "closed"},
        "closed": {"OnListen": "listening"},  # opened again
    },
    done=frozenset({START, "closed"}), usual=("listening", "closed"))

_THREAD_LISTENER = Order(
    "thread_listener", "ServerSocket, its listening socket (stThreadBlocking)",
    {
        START: {"OnListen": "listening"},
        # a thread that ends while idle in the cache (ThreadCacheSize lowered, the server
        # closing) serves no connection: its OnThreadEnd is the listener's
        "listening": {"OnClientError(eeAccept)": "listening", "OnClientError(eeGeneral)": "listening",
                      "OnThreadEnd": "listening", "Close": "closed"},
        # a thread still busy when the server stopped waiting for it ends later
        "closed": {"OnListen": "listening", "OnThreadEnd": "closed"},
    },
    done=frozenset({START, "closed"}), usual=("listening", "closed"))

_SERVER_CONNECTION = Order(
    "server_connection", "ServerSocket, stNonBlocking: one accepted connection",
    {
        START: {"OnGetSocket": "made"},
        "made": {"OnAccept": "accepted", "OnClientError(eeGeneral)": "made", "OnClientDisconnect": "closed"},
        # with TLS the handshake runs here: OnHandshake, or OnClientError(eeConnect) when it fails
        "accepted": {"OnClientConnect": "connected", "OnHandshake": "secured",
                     "OnClientError(eeConnect)": "failed", "OnClientError(eeGeneral)": "accepted",
                     "OnClientDisconnect": "closed"},
        "secured": {"OnClientConnect": "connected", "OnClientError(eeGeneral)": "secured",
                    "OnClientDisconnect": "closed"},
        "connected": {"OnClientWrite": "open", "OnClientError(eeGeneral)": "connected",
                      "OnClientDisconnect": "closed"},
        "open": {"OnClientRead": "open", "OnClientWrite": "open", "OnClientError(eeGeneral)": "open",
                 "OnClientError(eeSend)": "open", "OnClientError(ee*)": "failed",
                 "OnClientDisconnect": "closed"},
        "failed": {"OnClientDisconnect": "closed"},
        "closed": {"OnClientError(eeGeneral)": "closed"},
    },
    done=frozenset({"closed"}), usual=("open*", "closed"), listener="listener")

_THREAD_CONNECTION = Order(
    "thread_connection", "ServerSocket, stThreadBlocking: one accepted connection and its thread",
    {
        START: {"OnGetSocket": "made"},
        "made": {"OnAccept": "accepted", "OnClientError(eeGeneral)": "made", "OnClientDisconnect": "closed"},
        # a new thread (OnGetThread may supply it), or an idle one from the cache
        "accepted": {"OnGetThread": "new_thread", "ThreadReused": "on_thread",
                     "OnClientError(eeGeneral)": "accepted", "OnClientDisconnect": "closed"},
        "new_thread": {"OnThreadStart": "on_thread", "OnClientError(eeGeneral)": "new_thread",
                       "OnClientError(eeAccept)": "failed",  # the system refused another thread
                       "OnClientDisconnect": "closed"},
        # OnClientDisconnect at once: the server closed as the connection was handed over
        # with TLS the worker does the handshake first: OnHandshake, or OnClientError(eeConnect)
        "on_thread": {"OnClientConnect": "serving", "OnHandshake": "secured",
                      "OnClientError(eeConnect)": "failed", "OnClientError(eeGeneral)": "on_thread",
                      "OnClientDisconnect": "closed"},
        "secured": {"OnClientConnect": "serving", "OnClientError(eeGeneral)": "secured",
                    "OnClientDisconnect": "closed"},
        # the default client_execute fires OnClientWrite once, then OnClientRead per arrival;
        # a custom one may do neither
        "serving": {"OnClientRead": "serving", "OnClientWrite": "serving", "OnClientError(ee*)": "serving",
                    "OnClientDisconnect": "closed"},
        "failed": {"OnClientDisconnect": "closed"},
        # then the thread ends or waits in the cache; not when the connection never had a
        # thread, nor when a reused thread's end belongs to the listener (it had left the
        # connection already)
        "closed": {"OnThreadEnd": "ended", "ThreadCached": "ended", "OnClientError(eeGeneral)": "closed"},
        "ended": {},
    },
    done=frozenset({"closed", "ended"}), usual=("new_thread", "serving*", "ended"), listener="thread_listener")

_UDP = Order(
    "udp", "UdpSocket: one bound socket per open(), every datagram on it",
    {
        # a failed bind raises to the caller and records only Error
        START: {"OnListen": "bound"},
        # OnWrite once the loop serves the socket; a send from the OnListen handler may fail
        "bound": {"OnWrite": "open", "OnError(ee*)": "bound", "Close": "closed"},
        # one OnRead per datagram; an error (too large, unreachable, ICMP refused) keeps the
        # socket open: a datagram socket has no connection to lose
        "open": {"OnRead": "open", "OnWrite": "open", "OnError(ee*)": "open", "Close": "closed"},
        "closed": {},
    },
    done=frozenset({START, "closed"}), usual=("open*", "closed"))

#: every order, by the name tests and check() use
ORDERS: dict[str, Order] = {o.key: o for o in (_CLIENT, _BLOCKING_CLIENT, _LISTENER, _THREAD_LISTENER,
                                                _SERVER_CONNECTION, _THREAD_CONNECTION, _UDP)}


# -- the component states --------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StateTable:
    """The legal changes of one component class's state, and the event announcing each."""

    component: str  # "ClientSocket"
    changes: Mapping[SocketState, Mapping[SocketState, str]]  # {state: {next: announcing event}}
    orders: tuple[str, ...]  # the event orders of this component's endpoints

    def change(self, who: str, old: SocketState, new: SocketState) -> None:
        """Refuse a change the table does not list (an engine bug)."""
        if new not in self.changes.get(old, {}):
            allowed = ", ".join(s.vcl_name for s in self.changes.get(old, {})) or "none"
            raise EngineStateError(f"{who or self.component}: {old.vcl_name} -> {new.vcl_name} is not a "
                                   f"legal state change of a {self.component} (from {old.vcl_name}: "
                                   f"{allowed}); this is a bug in the engine")

    def announced_by(self, old: SocketState, new: SocketState) -> str:
        """The event that follows the change ("" when none does)."""
        return self.changes[old][new]


# An error the user edits away (a property change) returns to ssInactive without an event.
CLIENT_STATES = StateTable("ClientSocket", {
    SocketState.INACTIVE: {SocketState.LOOKUP: "OnLookup"},
    SocketState.ERROR: {SocketState.LOOKUP: "OnLookup", SocketState.INACTIVE: ""},
    SocketState.LOOKUP: {SocketState.CONNECTING: "OnConnecting", SocketState.INACTIVE: "OnDisconnect",
                         SocketState.ERROR: "OnDisconnect"},
    SocketState.CONNECTING: {SocketState.CONNECTED: "OnConnect", SocketState.INACTIVE: "OnDisconnect",
                             SocketState.ERROR: "OnDisconnect"},
    SocketState.CONNECTED: {SocketState.INACTIVE: "OnDisconnect", SocketState.ERROR: "OnDisconnect"},
}, orders=("client", "blocking_client"))

# A failed open raises to its caller and leaves the server inactive: it never shows ssError.
SERVER_STATES = StateTable("ServerSocket", {
    SocketState.INACTIVE: {SocketState.LISTENING: "OnListen"},
    SocketState.LISTENING: {SocketState.INACTIVE: LISTENER_CLOSED},
}, orders=("listener", "thread_listener", "server_connection", "thread_connection"))

# A bind that fails raises to its caller (ssInactive); a socket the system takes away
# (its transport lost with an error) closes in ssError.
UDP_STATES = StateTable("UdpSocket", {
    SocketState.INACTIVE: {SocketState.LISTENING: "OnListen"},
    SocketState.ERROR: {SocketState.LISTENING: "OnListen", SocketState.INACTIVE: ""},
    SocketState.LISTENING: {SocketState.INACTIVE: LISTENER_CLOSED, SocketState.ERROR: LISTENER_CLOSED},
}, orders=("udp",))

STATES: dict[str, StateTable] = {t.component: t for t in (CLIENT_STATES, SERVER_STATES, UDP_STATES)}


# -- checking recorded sequences -------------------------------------------------
def tokens(records: Iterable[EventRecord]) -> list[str]:
    """The events of ``records`` as the orders name them (errors with their ErrorEvent),
    leaving out the records that are no events."""
    out = []
    for r in records:
        if r.event in IGNORED:
            continue
        out.append(f"{r.event}({r.error.event.vcl_name})" if r.error is not None else r.event)
    return out


def matches(order: str, records: Iterable[EventRecord]) -> bool:
    """Do ``records`` (one endpoint's) make a complete sequence of ``order``?"""
    return ORDERS[order].follow(tokens(records)).complete


def check(order: str, records: Iterable[EventRecord]) -> None:
    """Raise AssertionError naming where the sequence leaves ``order``, if it does."""
    sequence = tokens(records)
    progress = ORDERS[order].follow(sequence)
    if progress.complete:
        return
    if progress.unexpected is not None:
        where = (f"{progress.unexpected} (event {progress.taken + 1}) is out of order "
                 f"in state {progress.state!r}")
    else:
        where = f"the sequence stops in state {progress.state!r}, before the order is complete"
    raise AssertionError(f"event order breaks the {order!r} order: {where}; expected one of "
                         f"{', '.join(progress.expected) or 'nothing more'}\n  {' '.join(sequence)}")


# -- rendering (the README section and the docstrings quote this) ---------------
_WRAP = 96


def render(order: Order) -> str:
    """The order as text: its usual path, where it is complete, then one line per way
    out of each state."""
    lines = [order.title, *_wrapped("  usually: ", _usual(order)),
             f"  complete when it stops in: {', '.join(s for s in order.rows if s in order.done)}"]
    width = max(len(s) for s in order.rows)
    for state, row in order.rows.items():
        groups: dict[str, list[str]] = {}
        for event, target in row.items():
            groups.setdefault(target, []).append(event)
        outs = [f"{' | '.join(events)} → {'itself' if target == state else target}"
                for target, events in groups.items()] or ["nothing more"]
        label = state.ljust(width)
        for out in outs:
            lines.append(f"  {label}  {out}")
            label = " " * width
    return "\n".join(lines)


def _usual(order: Order) -> list[str]:
    """The usual path with what repeats: ``A``, ``B``, ``(C | D)*``, ``E``."""
    parts: list[str] = []
    here = START
    for goal in order.usual:
        goal, repeats = goal.removesuffix("*"), goal.endswith("*")
        parts += order._shortest(here, goal)
        loops = [e for e in order.loops(goal) if split_error(e)[1] is None] if repeats else []
        if loops:
            parts.append(f"({' | '.join(loops)})*" if len(loops) > 1 else f"{loops[0]}*")
        here = goal
    return parts


def _wrapped(lead: str, parts: list[str]) -> list[str]:
    """``parts`` joined by arrows, broken before an arrow where a line would grow too long."""
    lines = [lead]
    for i, part in enumerate(parts):
        piece = part if i == 0 else ARROW + part
        if i and len(lines[-1]) + len(piece) > _WRAP:
            lines.append(" " * (len(lead) - 2) + ARROW.lstrip() + part)
        else:
            lines[-1] += piece
    return lines


def render_all() -> str:
    """Every order, as the README's "Event order" section shows them."""
    return "\n\n".join(render(o) for o in ORDERS.values())


if __name__ == "__main__":
    sys.stdout.write(render_all() + "\n")

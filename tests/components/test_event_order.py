"""The grammars accept the documented orders and reject others (so the checks can fail)."""

from __future__ import annotations

import asyncio
import re
import socket
import textwrap
from pathlib import Path

import pytest

from components import ClientSocket, ServerSocket, UdpSocket, client_socket, server_socket, server_thread, udp_socket
from components.enums import ClientType, ErrorEvent, SocketState
from components.errors import EngineStateError, ErrorInfo
from components.event_order import (
    CLIENT_STATES,
    IGNORED,
    ORDERS,
    RECORD_EVENTS,
    SERVER_STATES,
    START,
    STATES,
    Order,
    arrows,
    check,
    matches,
    render,
    render_all,
    split_error,
    tokens,
)
from components.observer import EventRecord

from .conftest import make_server


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


# -- the table itself ------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
ORDERS_OF = {ClientSocket: CLIENT_STATES.orders, ServerSocket: SERVER_STATES.orders,
             UdpSocket: STATES["UdpSocket"].orders}


@pytest.mark.parametrize("rows, done, problem", [
    ({START: {"OnA": "nowhere"}}, {START}, "'nowhere' has no row"),
    ({START: {"OnA": "a"}, "a": {}, "island": {}}, {"a", "island"}, "'island' cannot be reached"),
    ({START: {"OnA": "a"}, "a": {"OnB": "a"}, "b": {}}, {START, "b"}, "no done state can be reached from 'a'"),
    ({START: {"OnError(eeBogus)": "a"}, "a": {}}, {"a"}, "'eeBogus' is no ErrorEvent"),
])
def test_a_table_that_is_not_well_formed_is_refused(rows, done, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        Order("broken", "a broken order", rows, frozenset(done))


@pytest.mark.parametrize("component", [ClientSocket, ServerSocket, UdpSocket])
def test_the_orders_name_only_the_components_events(component):
    known = {spec.vcl_name for spec in component.events()} | RECORD_EVENTS
    for key in ORDERS_OF[component]:
        for event in ORDERS[key].events:
            name, kind = split_error(event)
            assert name in known, f"{key}: {event} is no event of {component.__name__}"
            if kind is not None:
                assert name == component.error_event_name, f"{key}: {event}"


@pytest.mark.parametrize("component", [ClientSocket, ServerSocket, UdpSocket])
def test_every_state_change_is_announced_by_an_event_of_its_orders(component):
    table = STATES[component.__name__]
    events = {e for key in table.orders for e in ORDERS[key].events}
    for old, row in table.changes.items():
        for new, event in row.items():
            assert event == "" or event in events, f"{old} -> {new} is announced by {event}"


def test_the_readme_shows_the_rendered_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- event order: .*? -->\n```\n(.*?)```\n<!-- end of event order -->", readme, re.S)
    assert found, "README.md lost its event order markers"
    assert found.group(1) == render_all() + "\n", \
        "README.md's event order differs from the table: paste `python -m components.event_order`"


@pytest.mark.parametrize("module, keys", [
    (client_socket, ("client", "blocking_client")),
    (server_socket, ("listener", "thread_listener", "server_connection")),
    (server_thread, ("thread_connection",)),
    (udp_socket, ("udp",)),
])
def test_the_docstrings_quote_the_table(module, keys):
    for key in keys:
        assert textwrap.indent(render(ORDERS[key]), "    ") in module.__doc__, \
            f"{module.__name__}'s docstring differs from the {key!r} order"


def test_a_path_lists_the_events_that_lead_to_a_state():
    client = ORDERS["client"]
    assert client.path("connected") == ("OnLookup", "OnConnecting", "OnConnect")
    assert arrows(client.path("connected")) == "OnLookup → OnConnecting → OnConnect"
    assert client.path("open", "closed") == ("OnLookup", "OnConnecting", "OnConnect", "OnWrite", "OnDisconnect")
    threaded = ORDERS["thread_connection"]
    assert threaded.path("serving") == ("OnGetSocket", "OnAccept", "ThreadReused", "OnClientConnect")
    assert threaded.path("new_thread", "serving")[-3:] == ("OnGetThread", "OnThreadStart", "OnClientConnect")
    with pytest.raises(ValueError, match="cannot be reached"):
        threaded.path("ended", "made")


def test_follow_says_how_far_a_prefix_got():
    client = ORDERS["client"]
    so_far = client.follow(tokens(seq("OnLookup", "Send", "OnConnecting")))
    assert so_far.ok and not so_far.complete
    assert so_far.state == "connecting" and so_far.reached("lookup") and not so_far.reached("connected")
    assert "OnConnect" in so_far.expected and "OnError(eeConnect)" in so_far.expected
    done = client.follow(tokens(seq("OnLookup", "OnConnecting", "OnError(eeConnect)", "OnDisconnect")))
    assert done.complete and done.reached("failed")
    broken = client.follow(["OnLookup", "OnConnect"])
    assert not broken.ok and broken.unexpected == "OnConnect" and broken.taken == 1 and broken.state == "lookup"


def test_an_error_event_not_named_in_a_row_takes_its_wildcard():
    client = ORDERS["client"]
    assert client.next_state("open", "OnError(eeReceive)") == "failed"
    assert client.next_state("open", "OnError(eeSend)") == "open"
    assert client.next_state("lookup", "OnError(eeReceive)") is None


def test_records_that_are_no_events_are_left_out():
    names = ["OnLookup", "Send", "Receive", "HandlerError", "Error", "SlowHandler", "Dropped", "Log",
             "OnDisconnect"]
    assert tokens(seq(*names)) == ["OnLookup", "OnDisconnect"]
    assert matches("client", seq(*names))


def test_check_names_the_event_out_of_order_and_what_was_expected():
    with pytest.raises(AssertionError) as caught:
        check("server_connection", seq("OnGetSocket", "OnClientConnect", "OnClientDisconnect"))
    message = str(caught.value)
    assert "OnClientConnect (event 2) is out of order in state 'made'" in message
    assert "OnAccept" in message and "OnGetSocket OnClientConnect OnClientDisconnect" in message
    with pytest.raises(AssertionError, match="stops in state 'open', before the order is complete"):
        check("client", seq("OnLookup", "OnConnecting", "OnConnect", "OnWrite"))


# -- the component states ----------------------------------------------------------
def test_the_state_table_refuses_a_change_it_does_not_list():
    CLIENT_STATES.change("C1", SocketState.LOOKUP, SocketState.CONNECTING)  # listed: no error
    with pytest.raises(EngineStateError, match="C1: ssInactive -> ssConnected is not a legal state change "
                                               r"of a ClientSocket \(from ssInactive: ssLookup\)"):
        CLIENT_STATES.change("C1", SocketState.INACTIVE, SocketState.CONNECTED)
    with pytest.raises(EngineStateError, match="ssListening -> ssListening"):
        SERVER_STATES.change("S1", SocketState.LISTENING, SocketState.LISTENING)


def test_a_component_refuses_an_illegal_change_and_keeps_its_state():
    client = ClientSocket(name="C1")
    heard = []
    client.state_listeners.append(lambda c: heard.append(c.state))
    with pytest.raises(EngineStateError, match="bug in the engine"):
        client._change_state(SocketState.CONNECTED)
    assert client.state is SocketState.INACTIVE and heard == []


class Announcements:
    """Every state change of the components and every event they record, in the order
    they happened (both are reported on the thread that makes them)."""

    def __init__(self, stream) -> None:
        self.log: list[tuple[str, str, object]] = []
        self._unsubscribe = stream.subscribe(
            lambda r: self.log.append(("event", r.component, r)))

    def watch(self, component) -> None:
        last = [component.state]

        def changed(c) -> None:
            self.log.append(("state", c.name, (last[0], c.state)))
            last[0] = c.state

        component.state_listeners.append(changed)

    def check(self) -> int:
        """Assert that the first event after each change (of the component itself, not of
        a server's connections) is the one its state table names; returns the count."""
        self._unsubscribe()
        changes = 0
        for i, (kind, name, what) in enumerate(self.log):
            if kind != "state":
                continue
            old, new = what
            table = CLIENT_STATES if name.startswith("Client") else SERVER_STATES
            expected = table.announced_by(old, new)
            changes += 1
            if not expected:
                continue  # forgetting an error announces nothing
            following = [r.event for k, n, r in self.log[i + 1:] if k == "event" and n == name
                         and r.event not in IGNORED and (table is CLIENT_STATES or r.connection_id == 0)]
            assert following and following[0] == expected, (old, new, following[:3])
        return changes


def test_each_state_change_comes_just_before_the_event_that_announces_it(recorder, reported, run):
    seen = Announcements(recorder.stream)

    async def scenario():
        server = make_server(recorder, name="Server1")
        seen.watch(server)
        server.open()
        refused = socket.socket()
        refused.bind(("127.0.0.1", 0))  # bound, not listening: connecting to it is refused
        clients = [
            ClientSocket(name="Client1", address="127.0.0.1", port=server.socket.local_port,
                         observer=recorder.stream),
            ClientSocket(name="Client2", address="127.0.0.1", port=refused.getsockname()[1],
                         observer=recorder.stream),
        ]
        recorder.expect("Client1", "client")
        recorder.expect("Client2", "client")
        for c in clients:
            seen.watch(c)
        connected = asyncio.Event()
        clients[0].on_connect = lambda s, sock: connected.set()
        failed = asyncio.Event()
        clients[1].on_disconnect = lambda s, sock: failed.set()
        for c in clients:
            c.open()
        await asyncio.wait_for(connected.wait(), 5)
        await asyncio.wait_for(failed.wait(), 5)
        refused.close()
        assert clients[1].state is SocketState.ERROR
        clients[1].port = server.socket.local_port  # editing forgets the error: no event
        clients[0].close()
        server.close()

    run(scenario())
    thread_server = make_server(recorder, name="Server2", threaded=True)
    seen.watch(thread_server)
    thread_server.open()
    blocking = ClientSocket(name="Client3", address="127.0.0.1", port=thread_server.socket.local_port,
                            client_type=ClientType.BLOCKING, observer=recorder.stream)
    recorder.expect("Client3", "blocking_client")
    seen.watch(blocking)
    blocking.open()
    blocking.close()
    thread_server.close()
    # Client1: 4 changes, Client2: 3 and the edit, Client3: 4, each server: 2
    assert seen.check() == 4 + 4 + 4 + 2 + 2
    assert [e.code for e in reported] == [10061]


def test_a_new_kind_of_endpoint_is_one_table():
    # what a UdpSocket will add (issue: OnListen, one OnRead per datagram, OnWrite, OnError):
    # the checker, the tour's questions and the rendered text come with the table
    udp = Order("udp", "UdpSocket: one activation", {
        START: {"OnListen": "bound"},
        "bound": {"OnRead": "bound", "OnWrite": "bound", "OnError(ee*)": "bound", "Close": "closed"},
        "closed": {},
    }, done=frozenset({"closed"}), usual=("bound*", "closed"))
    assert udp.follow(["OnListen", "OnRead", "OnError(eeReceive)", "OnRead", "Close"]).complete
    assert not udp.follow(["OnRead"]).ok
    assert udp.path("closed") == ("OnListen", "Close")
    assert render(udp).splitlines()[:2] == ["UdpSocket: one activation",
                                            "  usually: OnListen → (OnRead | OnWrite)* → Close"]

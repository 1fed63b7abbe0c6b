"""The built-in actions on a UdpSocket, headless through `socket-workbench run` with real
sockets: Reply rules answer the sender of each datagram (one datagram per reply, a delayed
rule too), Repeat sends a saved message to the default destination from OnWrite, and the
Send records name the message; and the same on the engine, on every kind of loop."""

from __future__ import annotations

import json
import socket
import time

import pytest

from app.core.builtin_actions import actions_for, make_handler, start_repeat
from app.core.file_access import FileAccess
from app.core.messages import Message
from app.core.repeat import REPEATS
from app.core.rules import Rule
from components import UdpSocket
from components.observer import RULE
from tests.components.conftest import LOOP_KINDS, run_on

from .test_runner import LineReader, start_run

pytestmark = pytest.mark.timeout(120)

RULES = [
    {"name": "ping", "match": "regex", "pattern": "^PING (\\d+)$", "reply": "PONG {1} #{counter}"},
    {"name": "late", "match": "exact", "pattern": "LATE", "reply": "SORRY", "delay_ms": 50},
]


def udp_peer() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    return sock


def form(path, listener_port: int) -> None:
    document = {
        "format": "socket-workbench-form", "version": 1,
        "form": {"name": "UdpActions", "caption": "rules and repeat on UDP", "width": 400, "height": 300},
        "components": [{
            "type": "UdpSocket", "name": "Udp1", "position": [40, 40],
            "properties": {"LocalAddress": "127.0.0.1", "LocalPort": 0, "RemoteAddress": "127.0.0.1",
                           "RemotePort": listener_port, "Active": True},
            "events": {
                "OnRead": {"action": "rules", "rules": RULES},
                "OnWrite": {"action": "repeat", "message": "hello", "interval_ms": 20, "count": 3},
            }}],
        "messages": [{"name": "hello", "kind": "text", "data": "hello {counter}"}],
    }
    path.write_text(json.dumps(document))


def test_run_answers_each_sender_by_the_rules_and_repeats_a_message_to_the_default_destination(tmp_path):
    listener = udp_peer()
    path = tmp_path / "udp_actions.sockform"
    form(path, listener.getsockname()[1])
    proc = start_run(str(path), "--json")
    reader = LineReader(proc.stdout)
    reader.start()
    alice, bob = udp_peer(), udp_peer()
    try:
        listen = reader.wait_for(lambda line: '"OnListen"' in line)
        port = int(json.loads(listen)["detail"].rsplit(":", 1)[1])
        # Repeat from OnWrite: three datagrams to RemoteAddress:RemotePort
        assert [listener.recv(100) for _ in range(3)] == [b"hello 1", b"hello 2", b"hello 3"]
        # Reply rules: each sender gets its own answer, one datagram each, the counter per sender
        alice.sendto(b"PING 1", ("127.0.0.1", port))
        bob.sendto(b"PING 2", ("127.0.0.1", port))
        alice.sendto(b"PING 3", ("127.0.0.1", port))
        assert alice.recv(100) == b"PONG 1 #1"
        assert bob.recv(100) == b"PONG 2 #1"
        assert alice.recv(100) == b"PONG 3 #2"
        bob.sendto(b"LATE", ("127.0.0.1", port))
        assert bob.recv(100) == b"SORRY"
        bob.sendto(b"nothing matches this", ("127.0.0.1", port))
        reader.wait_for(lambda line: "unmatched" in line)
    finally:
        for s in (listener, alice, bob):
            s.close()
        proc.send_signal(2)
        assert proc.wait(15) == 0
        reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    sends = [e for e in events if e["event"] == "Send"]
    assert [e["detail"] for e in sends[:3]] == [f"message 'hello' ({k} of 3)" for k in (1, 2, 3)]
    rules = [e["detail"] for e in events if e["event"] == RULE]
    assert sum("answers" in d for d in rules) == 4 and any("unmatched" in d for d in rules)


def test_the_actions_for_each_udp_event():
    on_read = {a.id for a in actions_for(UdpSocket.event_spec("OnRead"))}
    on_write = {a.id for a in actions_for(UdpSocket.event_spec("OnWrite"))}
    assert {"rules", "echo", "reply_text", "reply_hex"} <= on_read and "repeat" not in on_read
    assert {"repeat", "reply_text", "reply_hex"} <= on_write and not on_write & {"echo", "send_file", "close"}


@pytest.mark.parametrize("kind", LOOP_KINDS)
def test_rules_and_a_repeat_to_a_peer_on_every_loop(recorder, kind):
    """On the engine: the rules' handler on OnRead, and a repeat on a peer the socket heard from;
    closing the socket stops the repeat (nothing left behind)."""
    import asyncio

    recorder.expect("Udp1", "udp")
    udp = UdpSocket(name="Udp1", observer=recorder.stream, local_address="127.0.0.1")
    rules = [Rule.from_json(r, i) for i, r in enumerate(RULES)]
    udp.on_read = make_handler("rules", "", UdpSocket.event_spec("OnRead"), FileAccess.for_form(None, False, ""), rules)
    peer = udp_peer()

    async def main() -> list[bytes]:
        udp.open()
        loop = asyncio.get_running_loop()
        got: list[bytes] = []
        try:
            peer.sendto(b"PING 7", ("127.0.0.1", udp.socket.local_port))
            got.append(await loop.run_in_executor(None, peer.recv, 100))
            [seen] = udp.socket.peers
            repeat = start_repeat(seen, Message("tick", "text", "tick {counter}"), 10, 0)
            for _ in range(3):
                got.append(await loop.run_in_executor(None, peer.recv, 100))
            assert repeat.running and REPEATS.on(seen) == [repeat]
        finally:
            udp.close()
            peer.close()
        deadline = time.monotonic() + 5
        while REPEATS.running() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert not REPEATS.running()
        return got

    got = run_on(kind, main())
    assert got == [b"PONG 7 #1", b"tick 1", b"tick 2", b"tick 3"]

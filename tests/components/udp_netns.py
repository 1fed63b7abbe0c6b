"""UdpSocket scenarios that need a network of their own: run inside a fresh network
namespace (``unshare --net``) by tests/components/test_udp_socket.py, as root.

``python -m tests.components.udp_netns LOOP SCENARIO`` sets the namespace up, runs the
scenario with the engine on LOOP (asyncio or uvloop), checks the recorded event order and
prints one JSON line with what happened; the exit status is 0 when the scenario ran.

The namespace: ``lo`` up with multicast on and 224.0.0.0/4 routed to it (IPv4 multicast
loops back on lo); a veth pair mc0/mc1 with fd00::1/64 and 10.9.0.1/24 on mc0, and
ff00::/8 routed to mc0: Linux does not deliver IPv6 multicast sent on the loopback device,
but loops it back on any other, and a broadcast needs an interface that has a broadcast
address (lo has none). 192.0.2.0/24 and 2001:db8::/32 are unreachable routes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from components import ObserverStream, RecordBuffer, SocketError, UdpSocket
from components.event_order import check

SETUP = """
ip link set lo up multicast on
ip route add 224.0.0.0/4 dev lo src 127.0.0.1
ip link add mc0 type veth peer name mc1
ip link set mc1 up
ip link set mc0 up multicast on
ip -6 addr add fd00::1/64 dev mc0 nodad
ip addr add 10.9.0.1/24 brd 10.9.0.255 dev mc0
ip -6 route add multicast ff00::/8 dev mc0 table local
ip route add unreachable 192.0.2.0/24
ip -6 route add unreachable 2001:db8::/32
"""


def set_up() -> None:
    for line in SETUP.strip().splitlines():
        subprocess.run(line.split(), check=True, capture_output=True)


async def until(predicate: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.002)


async def multicast(group: str, interface: str) -> dict[str, Any]:
    """Two members of one group on one port (ReuseAddress); each hears the other and itself."""
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    heard: dict[str, list[tuple[str, str]]] = {"A": [], "B": []}
    members = []
    port = 0
    for name in ("A", "B"):
        member = UdpSocket(name=name, observer=stream, multicast_group=group, multicast_interface=interface,
                           local_port=port, reuse_address=True)
        member.on_read = lambda s, sock: heard[s.name].append((sock.receive_text(), sock.remote_address))
        member.active = True
        port = member.socket.local_port
        members.append(member)
    await until(lambda: all(m.socket.transport is not None for m in members))
    sent = [m.socket.send_text(f"hello from {m.name}") for m in members]
    await until(lambda: all(len(h) == 2 for h in heard.values()))
    for m in members:
        m.active = False
    records = buffer.drain()
    for name in ("A", "B"):
        check("udp", [r for r in records if r.component == name])
    return {"sent": sent, "heard": {k: sorted(t for t, _ in v) for k, v in heard.items()},
            "senders": sorted({a for v in heard.values() for _, a in v}), "port": port}


async def broadcast() -> dict[str, Any]:
    """Broadcast refused (10013) while Broadcast is False; heard when it is True."""
    listener = UdpSocket(name="L", local_address="0.0.0.0", broadcast=True)
    heard: list[str] = []
    listener.on_read = lambda s, sock: heard.append(sock.receive_text())
    listener.active = True
    port = listener.socket.local_port
    codes: list[int] = []
    refused = UdpSocket(name="Off", remote_address="10.9.0.255", remote_port=port, local_address="0.0.0.0")
    refused.on_error = lambda s, sock, event, code: codes.append(code) or 0
    refused.active = True
    off = refused.socket.send_text("not allowed")
    sender = UdpSocket(name="On", remote_address="10.9.0.255", remote_port=port, broadcast=True)
    sender.active = True
    on = sender.socket.send_text("to everyone")
    await until(lambda: heard)
    for c in (listener, refused, sender):
        c.active = False
    return {"off": off, "codes": codes, "on": on, "heard": heard}


async def unreachable() -> dict[str, Any]:
    """No route to the host: 10065, the datagram refused whole, the socket still open."""
    out: dict[str, Any] = {}
    for local, target in (("0.0.0.0", "192.0.2.1"), ("::", "2001:db8::1")):
        errors: list[tuple[str, int]] = []
        u = UdpSocket(name="U", local_address=local, remote_address=target, remote_port=9)
        u.on_error = lambda s, sock, event, code, errors=errors: errors.append((event.vcl_name, code)) or 0
        u.active = True
        result = u.socket.send_text("anyone?")
        out[target] = {"result": result, "errors": errors, "active": u.active}
        u.active = False
    try:  # not suppressed: the application's error hook hears of it, nothing raises
        u = UdpSocket(name="V", local_address="0.0.0.0")
        u.active = True
        out["unsuppressed"] = u.socket.send_to(b"x", "192.0.2.1", 9)
        u.active = False
    except SocketError as exc:  # pragma: no cover - would be a bug
        out["unsuppressed"] = str(exc)
    return out


SCENARIOS = {
    "multicast4": lambda: multicast("239.1.2.3", "lo"),
    "multicast6": lambda: multicast("ff15::1234", "mc0"),
    "broadcast": broadcast,
    "unreachable": unreachable,
}


def main(loop: str, scenario: str) -> None:
    set_up()
    coro = SCENARIOS[scenario]()
    if loop == "uvloop":
        import uvloop

        result = uvloop.run(coro)
    else:
        result = asyncio.run(coro)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])

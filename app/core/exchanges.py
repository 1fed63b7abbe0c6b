"""A recorded TCP conversation as exchanges, for replay and mock.

An *exchange* is what the client sent (zero or more chunks, as they were written) followed
by what the server answered before the client spoke again (zero or more chunks). A server
that speaks first (a banner, a greeting) gives a first exchange with nothing sent; a client
that sends last gives a last exchange with no reply::

    chunks:    C C S S C S C
    exchanges: [C C | S S] [C | S] [C | ]

``replay`` sends each exchange's client chunks and compares the reply; ``mock`` waits for the
client chunks and sends the reply. Times are the capture's (seconds since the epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .capture_read import Chunk, Conversation
from .session_report import BadInput


@dataclass
class Exchange:
    number: int  # 1 is the first of its stream
    sends: list[Chunk] = field(default_factory=list)
    replies: list[Chunk] = field(default_factory=list)
    start: float = 0.0  # when the client's last byte of it was captured (or the connection began)

    @property
    def request(self) -> bytes:
        return b"".join(c.data for c in self.sends)

    @property
    def reply(self) -> bytes:
        return b"".join(c.data for c in self.replies)

    @property
    def recorded(self) -> float | None:
        """Seconds from the request's last byte to the reply's last byte, in the recording."""
        return self.replies[-1].time - self.start if self.replies else None


def exchanges(conversation: Conversation) -> list[Exchange]:
    out: list[Exchange] = []
    current: Exchange | None = None
    for chunk in conversation.chunks():
        if current is None or (chunk.from_client and current.replies):
            current = Exchange(len(out) + 1, start=conversation.started)
            out.append(current)
        if chunk.from_client:
            current.sends.append(chunk)
            current.start = chunk.time
        else:
            current.replies.append(chunk)
    return out


def stream_label(conversation: Conversation) -> str:
    (ch, cp), (sh, sp) = conversation.client, conversation.server
    return f"stream {conversation.index} ({_host(ch)}:{cp} > {_host(sh)}:{sp})"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def select_streams(conversations: list[Conversation], wanted: list[int] | None, capture: str) -> list[Conversation]:
    """The streams asked for (all when ``wanted`` is None); BadInput for one the capture lacks."""
    if not conversations:
        raise BadInput(f"{capture} holds no TCP stream")
    if not wanted:
        return conversations
    have = {c.index: c for c in conversations}
    missing = [n for n in wanted if n not in have]
    if missing:
        raise BadInput(f"{capture} has no stream {missing[0]} (its streams: 0-{len(conversations) - 1})")
    return [have[n] for n in dict.fromkeys(wanted)]


def parse_target(text: str, option: str = "--to", default_host: str | None = None,
                 lowest: int = 1) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``); with ``default_host``, ``PORT`` alone too."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = "", text
    if not host and default_host is None:
        raise BadInput(f"{option} {text!r}: expected HOST:PORT, e.g. 127.0.0.1:7007")
    host = host or (default_host or "")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        number = int(port)
    except ValueError:
        raise BadInput(f"{option} {text!r}: the port {port!r} is not a number") from None
    if not lowest <= number < 65536:
        raise BadInput(f"{option} {text!r}: the port must be {lowest} to 65535")
    return host, number

"""Built-in event actions: what an event can do without any Python code.

Each action has an id (stored in form files), a user-visible title, the events it
makes sense for (by their declared traits: an event whose record carries data, one
whose socket is an open connection, an error event; components.metadata), and a
check for its argument. ``check_action`` is the one place a binding to an action
is checked, wherever it comes from (a form file, the clipboard, the inspector).
``make_handler`` turns a checked binding into the plain callable the engine calls,
with the event's VCL signature.

No action loses bytes without a word. Echo back never takes more than the
connection's send queue accepts: while the queue is congested it leaves the
bytes in the receive buffer (so the engine stops reading and the peer's sender
stalls) and carries on when the queue drains (``when_drained``). A reply or a
file that cannot be queued (a full queue, a closed connection, a file already
being sent) leaves an Error record saying how many bytes were not sent and why.

Reply text understands the escapes users type in terminal tools: ``\\r``, ``\\n``,
``\\t``, ``\\0``, ``\\\\`` and ``\\xNN``. Reply hex takes pairs of hex digits,
spaces and colons allowed (``48 65 6C 6C 6F`` or ``48:65:6c``).

Rules answer each frame by the first reply rule that matches it (app.core.rules):
the log gets a Rule record naming the rule (or saying the frame is unmatched, and
then nothing is sent), the reply goes out through the connection's framing
(``send_frame``: a ``line`` server's replies get their LF, a ``length:`` server's
their length field), after ``delay_ms`` if the rule says so (on the connection's
loop, or in its thread in blocking modes; a connection that closes meanwhile gets
nothing), and ``close`` closes the connection after the reply.
Repeat sends one of the form's saved messages (app.core.messages) every N ms on the
connection the event is about, until it has sent its count (0: until stopped) or the
connection closes (app.core.repeat). Its argument is ``message, interval_ms, count``;
in a form file the three are keys of the binding.

Send file's path follows the form's file rules (app.core.file_access: relative to the
form's folder; outside it only for a trusted form). A path it may not or cannot
open is reported as the connection's error (OnClientError / OnError with the
reason, as any socket error: the handler may suppress it, else the connection
is closed); no byte of the file is sent.
"""

from __future__ import annotations

import errno
import os
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from app.core.file_access import FileAccess, PathRefused
from app.core.messages import Message
from app.core.repeat import REPEATS, Repeat, RepeatSpec
from app.core.rules import Answer, Rule, RuleError, RuleSet, check_rules
from app.core.templates import Context
from components import ErrorEvent
from components.errors import ErrorInfo, errno_name, winsock_code
from components.metadata import NOTIFY, EventSpec
from components.observer import CALLER_ERROR, RULE


def parse_hex(text: str) -> bytes:
    """Bytes from hex pairs; spaces, colons, dashes and a 0x prefix per byte are allowed."""
    cleaned = re.sub(r"0x", "", text.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"[\s:,-]", "", cleaned)
    if len(cleaned) % 2:
        raise ValueError(f"hex needs pairs of digits; {len(cleaned)} digits given")
    bad = re.search(r"[^0-9A-Fa-f]", cleaned)
    if bad:
        raise ValueError(f"{bad.group()!r} is not a hex digit")
    return bytes.fromhex(cleaned)


_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[rnt0\\])")
_SIMPLE = {"r": "\r", "n": "\n", "t": "\t", "0": "\0", "\\": "\\"}


def unescape_text(text: str) -> str:
    """Expand \\r \\n \\t \\0 \\\\ and \\xNN; anything else stays as typed."""
    def expand(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code.startswith("x") else _SIMPLE[code]

    return _ESCAPE.sub(expand, text)


#: the id of Reply rules, the action whose binding carries a list of rules
RULES = "rules"


def any_event(event: EventSpec) -> bool:
    return True


def data_event(event: EventSpec) -> bool:
    """Bytes arrived: there is something to echo."""
    return event.carries_data and event.params == NOTIFY


def connection_event(event: EventSpec) -> bool:
    """The socket is an open connection: it can be written to or closed."""
    return event.has_connection and event.params == NOTIFY


def stream_event(event: EventSpec) -> bool:
    """An open stream connection: a file can go down it, it can be closed (not a datagram's sender)."""
    return connection_event(event) and not event.datagram


def error_event(event: EventSpec) -> bool:
    return event.is_error


def start_event(event: EventSpec) -> bool:
    """The socket is an open connection and no bytes came with the event (OnConnect,
    OnClientConnect ...): somewhere to start something that runs on that connection."""
    return connection_event(event) and not event.carries_data


#: how the handler of an action finds a saved message of the form by name (None: no such one)
MessageLookup = Callable[[str], "Message | None"]


@dataclass(frozen=True)
class Action:
    id: str
    title: str  # shown to users (translated by the UI)
    argument_title: str = ""  # "" when the action takes no argument
    fits: Callable[[EventSpec], bool] = any_event  # the events it applies to, by their traits

    def applies_to(self, event: EventSpec) -> bool:
        return self.fits(event)

    def check_argument(self, argument: str) -> None:
        """ValueError if the argument is not acceptable for this action."""
        if self.id == "reply_hex":
            parse_hex(argument)
        elif self.id == "send_file" and not argument.strip():
            raise ValueError("Send file needs the path of a file")
        elif self.id == "repeat":
            RepeatSpec.from_argument(argument)


ACTIONS: dict[str, Action] = {a.id: a for a in [
    Action("log", "Log only"),
    Action("echo", "Echo back", fits=data_event),
    Action("reply_text", "Reply with text", "Text", fits=connection_event),
    Action("reply_hex", "Reply with hex", "Hex bytes", fits=connection_event),
    Action("send_file", "Send file", "File", fits=stream_event),
    Action(RULES, "Reply rules", fits=data_event),
    Action("close", "Close connection", fits=stream_event),
    Action("repeat", "Repeat a message", "Message, interval ms, count (0 = until stopped)", fits=start_event),
    Action("suppress", "Suppress error (ErrorCode := 0)", fits=error_event),
]}


def actions_for(event: EventSpec) -> list[Action]:
    return [a for a in ACTIONS.values() if a.applies_to(event)]


def check_action(action_id: str, argument: str, event: EventSpec, rules: Sequence[Rule] = (),
                 tolerated: Sequence[Rule] = ()) -> Action:
    """The action ``action_id`` if it may be bound to ``event`` with ``argument`` (and, for
    Reply rules, ``rules``); ValueError saying why not (no such action, not one for this
    event, an argument it can't take, a rule that does not compile: a RuleError with the
    rule's number and the position). Rules in ``tolerated`` are not checked again: an edit is
    refused for what it changes, not for a broken rule a form file brought."""
    action = ACTIONS.get(action_id)
    if action is None:
        raise ValueError(f"{action_id!r} is not a built-in action ({', '.join(ACTIONS)})")
    if not action.applies_to(event):
        raise ValueError(f"{action_id!r} is not an action for {event.vcl_name}")
    action.check_argument(argument)
    if rules and action_id != RULES:
        raise ValueError(f"{action.title} takes no rules")
    check_rules(rules, tolerated)
    return action


def echo(sender: Any, conn: Any) -> None:
    """Echo back: send what arrived, as far as the send queue takes it; the rest waits in
    the receive buffer until the queue drains (then this runs again)."""
    while not conn.send_congested:
        room = conn.send_room()  # -1: no cap to respect (blocking: send_buf waits)
        if room == 0:
            break  # bytes other threads sent fill the queue; it congests once they are written
        data = conn.receive_buf(room)
        if not data:
            return
        if send_or_report(conn, data, ACTIONS["echo"].title) or room < 0 or not conn.buffered:
            return  # refused, blocking (send_buf waited), or nothing left: the usual case
    conn.when_drained(echo, sender, conn)


def send_or_report(conn: Any, data: bytes, source: str, label: str = "") -> str:
    """send_buf, and an Error record when not every byte was queued. Returns "" when all
    were, else why not (the words of the record). ``label`` (a saved message's name) goes
    in the detail of the Send record."""
    result = conn.send_labelled(data, label) if label else conn.send_buf(data)
    if result == len(data):
        return ""
    reason = conn.refusal(result)
    conn.report_not_sent(len(data), reason, source)
    return str(conn.why_not_sent(reason))


def send_stream_or_report(conn: Any, stream: BinaryIO, source: str) -> str:
    """send_stream, and an Error record (and the file closed) when it is refused. Returns
    "" when the stream was taken, else why not."""
    if conn.send_stream(stream):
        return ""
    try:
        size = os.fstat(stream.fileno()).st_size - stream.tell()
    except (OSError, ValueError):
        size = 0
    stream.close()
    reason = conn.stream_refusal()
    conn.report_not_sent(size, reason, source)
    return str(conn.why_not_sent(reason))


def start_repeat(conn: Any, message: Message, interval_ms: int, count: int = 0,
                 encoding: Callable[[], str] | None = None,
                 on_end: Callable[[Repeat], None] | None = None) -> Repeat:
    """Start repeating ``message`` on ``conn`` (see app.core.repeat); text in ``encoding()``
    (the component's Encoding, read at each send), utf-8 when None."""
    template = message.compile()

    def render(k: int) -> bytes:
        return template.render(Context(counter=k + 1, encoding=encoding() if encoding else "utf-8"))

    return Repeat(conn, message.name, render, interval_ms, count, on_end).start()


def make_handler(action_id: str, argument: str, event: EventSpec, files: FileAccess,
                 rules: Sequence[Rule] = (), *, messages: MessageLookup | None = None) -> Callable[..., Any]:
    """The engine handler for a built-in action bound to ``event``: a binding that came in
    through check_action (a form file, an edit); ``files`` says which files the form's actions
    may open (Send file); ``messages`` finds the form's saved messages (Repeat), looked up
    when the event fires, so an edited message is what goes out. Rules a form file brought
    that do not compile answer nothing: each frame gets a Rule record saying why."""
    action = ACTIONS[action_id]
    reads = event.carries_data

    def drain(conn: Any) -> None:
        if reads:  # take the bytes so the connection keeps flowing; the log has them already
            conn.receive_buf(-1)

    if action_id == "log":
        if event.is_error:
            return lambda sender, conn, error_event, code: None
        return lambda sender, *args: drain(args[0]) if args else None
    if action_id == "suppress":
        return lambda sender, conn, error_event, code: 0
    if action_id == "echo":
        return echo
    if action_id in ("reply_text", "reply_hex"):
        # text goes out in the component's Encoding; hex bytes as they are
        text = unescape_text(argument) if action_id == "reply_text" else None
        payload = parse_hex(argument) if text is None else b""

        def reply(sender: Any, conn: Any) -> None:
            drain(conn)
            data = payload if text is None else text.encode(sender.encoding, "surrogateescape")
            send_or_report(conn, data, action.title)

        return reply
    if action_id == "send_file":
        def send_file(sender: Any, conn: Any) -> None:
            drain(conn)
            try:
                stream = files.open(argument)
            except PathRefused as exc:
                _file_error(sender, conn, errno.EACCES, f"Send file refused {exc}")
                return
            except OSError as exc:
                _file_error(sender, conn, exc.errno or errno.EIO,
                            f"Send file can't open {argument}: {exc.strerror or exc}")
                return
            send_stream_or_report(conn, stream, action.title)

        return send_file
    if action_id == RULES:
        return reply_rules(rules)
    if action_id == "repeat":
        spec = RepeatSpec.from_argument(argument)

        def repeat(sender: Any, conn: Any) -> None:
            message = messages(spec.message) if messages is not None else None
            if message is None:
                info = ErrorInfo(ErrorEvent.GENERAL, 0, "", 0,
                                 f"Repeat: the form has no saved message named {spec.message!r}")
                sender.record(CALLER_ERROR, conn, error=info)
                return
            if any(r.name == message.name for r in REPEATS.on(conn)):
                return  # already repeating it here (OnWrite fires again after each drain)
            start_repeat(conn, message, spec.interval_ms, spec.count, lambda: sender.encoding)

        return repeat
    if action_id == "close":
        def close(sender: Any, conn: Any) -> None:
            drain(conn)
            conn.close()

        return close
    raise KeyError(action_id)


def _file_error(sender: Any, conn: Any, code: int, message: str) -> None:
    """An action's file problem, as the connection's error: recorded with the reason, given to
    the OnError handler, and unless it suppresses it, the connection closes."""
    info = ErrorInfo(ErrorEvent.GENERAL, code, errno_name(code), winsock_code(code), message)
    if not sender.error(conn, ErrorEvent.GENERAL, info) and conn is not None:
        conn.close()


def reply_rules(rules: Sequence[Rule]) -> Callable[[Any, Any], None]:
    """The handler of Reply rules: the first rule that matches the frame answers it."""
    try:
        rule_set: RuleSet | None = RuleSet(rules)
        problem = ""
    except RuleError as exc:
        rule_set, problem = None, f"not answered: the rules can't be used ({exc})"
    counters: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def answer(sender: Any, conn: Any) -> None:
        frame = conn.receive_buf(-1)
        if rule_set is None:
            sender.record(RULE, conn, detail=problem)
            return
        with lock:
            counter = counters.get(conn, 0) + 1
        found = rule_set.answer(frame, sender.encoding, counter)
        if found is None:
            sender.record(RULE, conn, detail="unmatched: no rule matches; not answered")
            return
        with lock:
            counters[conn] = counter
        delay = found.rule.delay_ms
        sender.record(RULE, conn, detail=f"{found.label} answers"
                      + (f" in {delay} ms" if delay else ""))
        if not delay:
            _send_answer(sender, conn, found)
        elif hasattr(conn, "loop"):  # non-blocking: a timer on the connection's loop
            _answer_later(sender, conn, found, delay / 1000)
        else:  # blocking: this is the connection's own thread
            _send_answer(sender, conn, found, closed=conn.wait_closed(delay / 1000))

    return answer


def _answer_later(sender: Any, conn: Any, found: Answer, delay: float) -> None:
    """The delayed answer on a non-blocking connection: a timer on its loop, cancelled when
    the connection finishes first (then the log says the reply was not sent, at once), so
    no timer outlives its connection."""
    loop = conn.loop
    forget: Callable[[], None] | None = None
    finished = False

    def fire() -> None:
        nonlocal finished
        if finished:
            return
        finished = True
        if forget is not None:
            forget()
        _send_answer(sender, conn, found)

    def closed() -> None:  # from the thread that finishes the connection
        nonlocal finished
        if finished:
            return
        finished = True
        if conn.on_loop_thread():
            handle.cancel()
        else:
            loop.call_soon_threadsafe(handle.cancel)
        _send_answer(sender, conn, found, closed=True)

    handle = loop.call_later(delay, fire)
    forget = conn.add_close_callback(closed)


def _send_answer(sender: Any, conn: Any, found: Answer, closed: bool = False) -> None:
    if closed or not conn.connected or conn.closing:
        sender.record(RULE, conn, detail=f"{found.label}: not sent, the connection closed before the delay ended")
        return
    framer = conn.framer
    try:
        wire = framer.spec.encode(found.reply) if framer is not None else found.reply
    except ValueError as exc:  # fixed: of another size, length: shorter than its offset
        info = ErrorInfo(ErrorEvent.SEND, 0, "", 0, f"Reply rules: {found.label}: {exc}")
        sender.record(CALLER_ERROR, conn, error=info)
    else:
        send_or_report(conn, wire, f"Reply rules ({found.label})")
    if found.rule.close:
        conn.close()

"""Reply rules: an ordered list, and the first rule that matches a frame answers it.

A form stores them in the binding of a read event::

    "OnClientRead": {"action": "rules", "rules": [
        {"name": "ping", "match": "regex", "pattern": "^PING (\\\\d+)$", "reply": "PONG {1}\\\\n"},
        {"match": "hex", "pattern": "?? ?? 00 00 ?? ?? 01 03 *", "reply": "...", "delay_ms": 5},
        {"match": "any", "reply": "ERR unknown command\\\\n", "close": true}
    ]}

Matches:

* ``exact``: the frame, decoded with the component's Encoding, is the pattern
  (escapes as in Reply with text: ``\\r \\n \\t \\0 \\\\ \\xNN``);
* ``contains``: the decoded frame contains the pattern;
* ``regex``: ``re.search`` of the pattern in the decoded frame; its groups feed
  ``{1}``, ``{name}`` in the reply;
* ``hex``: the frame's bytes, pairs of hex digits where ``??`` matches any byte,
  the whole frame unless the pattern ends with ``*`` (then any bytes may follow);
* ``any``: every frame.

Replies are templates (app.core.templates). ``delay_ms`` waits before answering
(0 to 60000); ``close`` closes the connection after the reply. A frame no rule
matches is logged as unmatched and not answered. Everything is checked when the
rules load or are edited: RuleError names the rule, the field and the position.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.templates import Context, Template, TemplateError, compile_template
from components.escapes import unescape_text

MATCH_KINDS = ("exact", "contains", "regex", "hex", "any")
MAX_DELAY_MS = 60_000
_FIELDS = ("name", "match", "pattern", "reply", "delay_ms", "close")


class RuleError(ValueError):
    """Rules that cannot be used; the message names the rule and the field."""

    def __init__(self, message: str, index: int = -1, field: str = "", position: int | None = None) -> None:
        where = f"rule {index + 1}" if index >= 0 else "rules"
        if field:
            where += f", {field}"
        super().__init__(f"{where}: {message}")
        self.index, self.field, self.position = index, field, position
        #: what is wrong, without saying where (for a caller that names the place its own way)
        self.reason = message


@dataclass(frozen=True)
class Rule:
    """One rule, as stored (the text the user wrote)."""

    match: str = "any"
    pattern: str = ""
    reply: str = ""
    delay_ms: int = 0
    close: bool = False
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        out["match"] = self.match
        if self.match != "any":
            out["pattern"] = self.pattern
        out["reply"] = self.reply
        if self.delay_ms:
            out["delay_ms"] = self.delay_ms
        if self.close:
            out["close"] = True
        return out

    @classmethod
    def from_json(cls, data: Any, index: int) -> Rule:
        if not isinstance(data, Mapping):
            raise RuleError("must be an object", index)
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise RuleError(f"unknown field(s) {', '.join(map(repr, unknown))} (fields: {', '.join(_FIELDS)})", index)
        values: dict[str, Any] = {}
        for key, kind, default in (("name", str, ""), ("match", str, "any"), ("pattern", str, ""),
                                   ("reply", str, ""), ("delay_ms", int, 0), ("close", bool, False)):
            value = data.get(key, default)
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise RuleError(f"must be a whole number of milliseconds, not {value!r}", index, key)
            if not isinstance(value, kind):
                raise RuleError(f"must be {'text' if kind is str else 'true or false'}, not {value!r}", index, key)
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Answer:
    """What the rules say to one frame: which rule, and the reply bytes."""

    rule: Rule
    index: int
    reply: bytes

    @property
    def label(self) -> str:
        """How the log names the rule: its name, else its number."""
        return rule_label(self.rule, self.index)


def rule_label(rule: Rule, index: int) -> str:
    return f"rule {index + 1} {rule.name!r}" if rule.name else f"rule {index + 1}"


def check_rule(rule: Rule, index: int) -> None:
    """RuleError (naming the rule, the field and the position) if ``rule`` can't be used."""
    _Compiled(rule, index)


def check_rules(rules: Sequence[Rule], tolerated: Sequence[Rule] = ()) -> None:
    """RuleError for the first rule that can't be used, skipping those in ``tolerated``
    (rules kept as a form file had them: an edit is refused only for what it changes)."""
    for index, rule in enumerate(rules):
        if rule not in tolerated:
            check_rule(rule, index)


class _Compiled:
    __slots__ = ("hex_any_tail", "hex_bytes", "index", "regex", "reply", "rule", "text")

    def __init__(self, rule: Rule, index: int) -> None:
        self.rule, self.index = rule, index
        self.regex: re.Pattern[str] | None = None
        self.text = ""
        self.hex_bytes: list[int | None] = []
        self.hex_any_tail = False
        if rule.match not in MATCH_KINDS:
            raise RuleError(f"{rule.match!r} is not a match kind ({', '.join(MATCH_KINDS)})", index, "match")
        if rule.match in ("exact", "contains"):
            self.text = unescape_text(rule.pattern)
            if rule.match == "contains" and not self.text:
                raise RuleError("contains needs some text", index, "pattern")
        elif rule.match == "regex":
            try:
                self.regex = re.compile(rule.pattern)
            except re.error as exc:
                raise RuleError(f"{exc.msg} (at character {(exc.pos or 0) + 1})", index, "pattern",
                                exc.pos) from None
        elif rule.match == "hex":
            self.hex_bytes, self.hex_any_tail = parse_hex_pattern(rule.pattern, index)
        if not 0 <= rule.delay_ms <= MAX_DELAY_MS:
            raise RuleError(f"must be 0 to {MAX_DELAY_MS} ms, not {rule.delay_ms}", index, "delay_ms")
        try:
            self.reply: Template = compile_template(rule.reply)
            self.reply.check_groups(self.regex)
        except TemplateError as exc:
            raise RuleError(str(exc), index, "reply", exc.position) from None

    def match(self, frame: bytes, text: str | None) -> tuple[bool, re.Match[str] | None]:
        kind = self.rule.match
        if kind == "any":
            return True, None
        if kind == "hex":
            wanted = self.hex_bytes
            if len(frame) < len(wanted) or (not self.hex_any_tail and len(frame) != len(wanted)):
                return False, None
            return all(w is None or w == b for w, b in zip(wanted, frame, strict=False)), None
        assert text is not None
        if kind == "exact":
            return text == self.text, None
        if kind == "contains":
            return self.text in text, None
        assert self.regex is not None
        m = self.regex.search(text)
        return m is not None, m


def parse_hex_pattern(pattern: str, index: int = -1) -> tuple[list[int | None], bool]:
    """The bytes of a hex pattern (None where it says ??) and whether it ends with ``*``."""
    tokens = pattern.replace(",", " ").replace(":", " ").split()
    tail = bool(tokens) and tokens[-1] == "*"
    if tail:
        tokens = tokens[:-1]
    out: list[int | None] = []
    for token in tokens:
        if len(token) % 2:
            raise RuleError(f"{token!r}: hex bytes are pairs of digits (or ?? for any byte)", index, "pattern")
        for k in range(0, len(token), 2):
            pair = token[k:k + 2]
            if pair == "??":
                out.append(None)
            elif re.fullmatch(r"[0-9A-Fa-f]{2}", pair):
                out.append(int(pair, 16))
            else:
                raise RuleError(f"{pair!r} is not a hex byte or ??", index, "pattern")
    if not out and not tail:
        raise RuleError("hex needs at least one byte (or * for any frame)", index, "pattern")
    return out, tail


class RuleSet:
    """Compiled rules, in order. ``answer`` finds the first that matches a frame."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._compiled = [_Compiled(rule, i) for i, rule in enumerate(self.rules)]
        self._needs_text = any(c.rule.match in ("exact", "contains", "regex") for c in self._compiled)

    @classmethod
    def from_json(cls, data: Any) -> RuleSet:
        if not isinstance(data, list):
            raise RuleError("must be a list of rules")
        return cls([Rule.from_json(item, i) for i, item in enumerate(data)])

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rules]

    def answer(self, frame: bytes, encoding: str = "utf-8", counter: int = 1,
               now: float | None = None) -> Answer | None:
        text = frame.decode(encoding, "surrogateescape") if self._needs_text else None
        for compiled in self._compiled:
            matched, m = compiled.match(frame, text)
            if matched:
                context = Context(frame, m, counter, encoding, time.time() if now is None else now)
                return Answer(compiled.rule, compiled.index, compiled.reply.render(context))
        return None

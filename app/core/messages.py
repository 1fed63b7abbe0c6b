"""Saved messages: a form's named payloads, sent with a click, a shortcut or a repeat.

A form stores them in a top-level ``messages`` list of its ``.sockform``::

    "messages": [
      {"name": "poll", "kind": "text", "data": "STATUS?\\r\\n"},
      {"name": "read 10", "kind": "hex", "data": "01 03 00 00 00 0A {crc16_modbus}"}
    ]

``kind`` is ``text`` (the template language of app.core.templates: escapes,
``{counter}``, ``{time:...}``, checksums; text written in the component's
Encoding) or ``hex`` (pairs of hex digits, spaces, colons or dashes between
them, and the same ``{...}`` placeholders, e.g. a checksum after the bytes).
Names are unique (case-insensitive) and not empty. A message has no frame to
refer to, so ``{0}``, ``{1}``, ``{name}`` and ``{hexframe}`` are refused.

Everything is checked when the list is loaded or edited: MessageError says
which message, which field and (for a template) at which character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.templates import Context, Template, TemplateError, compile_template

KINDS = ("text", "hex")
MAX_NAME = 100
_FIELDS = ("name", "kind", "data")
# hex digits, separators, and {...} placeholders (rendered as bytes by the template)
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_HEX_SEPARATORS = " \t\r\n:,-"
_HEX_DIGITS = "0123456789abcdefABCDEF"


class MessageError(ValueError):
    """A message that cannot be used; the text names the message and the field."""

    def __init__(self, message: str, index: int = -1, field: str = "", position: int | None = None) -> None:
        where = f"message {index + 1}" if index >= 0 else "messages"
        if field:
            where += f", {field}"
        super().__init__(f"{where}: {message}")
        self.index, self.field, self.position = index, field, position


@dataclass(frozen=True)
class Message:
    """One saved message, as stored (what the user typed)."""

    name: str
    kind: str = "text"
    data: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "data": self.data}

    @classmethod
    def from_json(cls, data: Any, index: int = -1) -> Message:
        if not isinstance(data, Mapping):
            raise MessageError("must be an object with name, kind and data", index)
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise MessageError(f"unknown field(s) {', '.join(map(repr, unknown))} "
                               f"(fields: {', '.join(_FIELDS)})", index)
        values = {}
        for key, default in (("name", None), ("kind", "text"), ("data", "")):
            value = data.get(key, default)
            if not isinstance(value, str):
                raise MessageError(f"must be text, not {value!r}", index, key)
            values[key] = value
        message = cls(**values)
        message.compile(index)
        return message

    def compile(self, index: int = -1) -> Template:
        """The compiled template; MessageError saying what is wrong (name, kind, data)."""
        name = self.name.strip()
        if not name:
            raise MessageError("a message needs a name", index, "name")
        if len(self.name) > MAX_NAME:
            raise MessageError(f"at most {MAX_NAME} characters", index, "name")
        if self.kind not in KINDS:
            raise MessageError(f"{self.kind!r} is not a kind ({', '.join(KINDS)})", index, "kind")
        source = hex_to_template(self.data, index) if self.kind == "hex" else self.data
        try:
            template = compile_template(source)
            template.check_groups(None)
        except TemplateError as exc:
            raise MessageError(_no_frame(str(exc)), index, "data", exc.position) from None
        if "{hexframe}" in source.replace("{{", ""):
            raise MessageError("{hexframe} needs a received frame; a message has none", index, "data",
                               source.find("{hexframe}"))
        if not template.render(Context()) and not template.groups:
            raise MessageError("the message is empty", index, "data")
        return template

    def render(self, counter: int = 1, encoding: str = "utf-8") -> bytes:
        """The bytes to send (``counter`` is the message's {counter} on that connection)."""
        return self.compile().render(Context(counter=counter, encoding=encoding))


def _no_frame(text: str) -> str:
    return text.replace("but this rule has no regex", "but a message has no received frame")


def hex_to_template(text: str, index: int = -1) -> str:
    """A hex message as a template: each pair becomes ``\\xNN``, placeholders stay.
    MessageError with the position of anything else."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _HEX_SEPARATORS:
            i += 1
            continue
        if c == "{":
            end = text.find("}", i)
            if end < 0:
                raise MessageError("'{' is not closed", index, "data", i)
            out.append(text[i:end + 1])
            i = end + 1
            continue
        if text[i:i + 2].lower() == "0x":
            i += 2
            continue
        pair = text[i:i + 2]
        if not _HEX_PAIR.fullmatch(pair):
            bad = next((k for k, ch in enumerate(pair) if ch not in _HEX_DIGITS), None)
            if bad is None or pair[bad] in _HEX_SEPARATORS + "{":
                raise MessageError(f"hex needs pairs of digits (at character {i + 1})", index, "data", i)
            at = i + bad
            raise MessageError(f"{pair[bad]!r} is not a hex digit (at character {at + 1})", index, "data", at)
        out.append(f"\\x{pair}")
        i += 2
    return "".join(out)


class MessageList:
    """A form's messages in order, with checks for names (unique, case-insensitive)."""

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self.items: list[Message] = list(messages)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MessageList) and self.items == other.items

    def find(self, name: str) -> Message | None:
        folded = name.strip().lower()
        for message in list(self.items):  # a copy: the engine's threads look messages up too
            if message.name.strip().lower() == folded:
                return message
        return None

    def check(self, message: Message, index: int = -1, replacing: int | None = None) -> None:
        """MessageError unless ``message`` may stand at ``replacing`` (or be added)."""
        message.compile(index)
        folded = message.name.strip().lower()
        for i, other in enumerate(self.items):
            if i != replacing and other.name.strip().lower() == folded:
                raise MessageError(f"a message named {other.name!r} already exists", index, "name")

    def free_name(self, base: str = "message") -> str:
        n = len(self.items) + 1
        while self.find(f"{base} {n}") is not None:
            n += 1
        return f"{base} {n}"

    def to_json(self) -> list[dict[str, str]]:
        return [m.to_json() for m in self.items]

    @classmethod
    def from_json(cls, data: Any) -> MessageList:
        if not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
            raise MessageError("must be a list of messages")
        out = cls()
        for index, item in enumerate(data):
            message = Message.from_json(item, index)
            out.check(message, index)
            out.items.append(message)
        return out

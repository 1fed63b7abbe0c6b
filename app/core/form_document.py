"""The form document: a form's components, their settings and handler bindings,
and the versioned JSON file format (``.sockform``) that stores them.

A form file looks like this (keys always in this order, two-space indent, a final
newline, so that loading and saving a file gives the same bytes)::

    {
      "format": "socket-workbench-form",
      "version": 1,
      "form": {"name": "Form1", "caption": "Echo server", "width": 640, "height": 480},
      "components": [
        {
          "type": "ServerSocket",
          "name": "ServerSocket1",
          "position": [48, 32],
          "properties": {"Port": 8080},
          "events": {"OnClientRead": {"action": "echo"}}
        }
      ],
      "messages": [{"name": "poll", "kind": "text", "data": "STATUS?\\r\\n"}]
    }

``messages`` (version 2; only written when the form has any, so a form without
saved messages is still a version 1 file) is the form's saved messages
(app.core.messages). ``properties`` holds only the published properties that differ from their
defaults, by VCL name (enums by their VCL names). ``events`` maps a VCL event name
to a binding: a built-in action (``{"action": "reply_text", "argument": "hi"}``)
or a function of the form's Python unit (``{"handler": "ServerSocket1ClientRead"}``);
Reply rules keep their list (``{"action": "rules", "rules": [...]}``, app.core.rules).
Everything is validated against the component metadata when a file loads; a
damaged file raises FormFileError naming what is wrong and where (a line and
column for text that is not JSON, nested too deeply or holding a number too long
to read; the key path for a wrong value), and nothing is changed. Reply rules whose
pattern or template does not compile are the exception: the form opens with them as
written (saving keeps them), they answer nothing, and ``binding_problems()`` lists them
with the rule's number and the position (the workbench shows the list on opening,
``run`` prints it). Only regular files up to 64 MiB are read (app.core.bounded_read). Saving writes a temporary file
beside the target and renames it over.

This module knows nothing of Qt; app.qt.form_model wraps it for the GUI.
"""

from __future__ import annotations

import builtins
import itertools
import json
import keyword
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.atomic_file import write_atomically
from app.core.bounded_read import FileRefused, read_form_file
from app.core.builtin_actions import ACTIONS, RULES, check_action
from app.core.messages import MessageError, MessageList
from app.core.repeat import RepeatSpec
from app.core.rules import Rule, RuleError
from app.core.short_repr import short_repr
from app.core.trust import content_hash
from components import component_class, component_classes
from components.component import Component
from components.metadata import EventSpec, PropertySpec, Role, validate_identifier

FORMAT = "socket-workbench-form"
VERSION = 2  # 2: the top-level "messages" list
SUFFIX = ".sockform"

_uids = itertools.count(1)
_PAIR = re.compile(r"\[\s+(-?\d+),\s+(-?\d+)\s+\]")
#: Nesting deeper than this is reported as the place where a form file is "nested too deeply"
#: when the JSON reader gives up (its own limit is near the interpreter's recursion limit).
MAX_NESTING = 500
# Half a UTF-16 pair: Delphi strings may hold one (a .dfm says #55296), JSON can spell one
# (\ud800), but UTF-8 cannot encode it; the file keeps it as that JSON escape.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What json.loads meets on its way: strings (skipped whole), brackets, numbers.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')


class FormFileError(Exception):
    """A form file that cannot be read: damaged, of another format or version, or invalid."""


_NAME = re.compile(r"[A-Za-z_]\w*")


def is_form_name(name: object) -> bool:
    """A name a form may have: a letter or _ first, then letters, digits and _."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None and name.isidentifier()


def is_function_name(name: object) -> bool:
    """A name a unit function may have (a handler binding names one): a form name that
    Python also takes for a function (not a keyword such as ``class``)."""
    return is_form_name(name) and not keyword.iskeyword(str(name))


@dataclass(frozen=True)
class HandlerBinding:
    """What runs when an event fires: a built-in action, or a function of the unit."""

    action: str = ""  # a built-in action id (see app.core.builtin_actions), or ""
    argument: str = ""  # the action's text, hex or file path
    handler: str = ""  # the name of a function in the form's unit, or ""
    rules: tuple[Rule, ...] = ()  # Reply rules, in order

    def __post_init__(self) -> None:
        if bool(self.action) == bool(self.handler):
            raise ValueError("a binding names either a built-in action or a unit function")

    @property
    def is_unit(self) -> bool:
        return bool(self.handler)

    def to_json(self) -> dict[str, Any]:
        if self.handler:
            return {"handler": self.handler}
        out: dict[str, Any] = {"action": self.action}
        if self.action == "repeat":  # its three values as keys of their own
            out.update(RepeatSpec.from_argument(self.argument).to_json())
        elif self.argument:
            out["argument"] = self.argument
        if self.action == RULES:
            out["rules"] = [rule.to_json() for rule in self.rules]
        return out

    def problem(self, event: EventSpec) -> str:
        """Why this binding can't run as it is ("" when it can): rules a form file brought
        that do not compile."""
        if not self.rules:
            return ""
        try:
            check_action(self.action, self.argument, event, self.rules)
        except ValueError as exc:
            return str(exc)
        return ""


@dataclass
class ComponentEntry:
    """One component on the form, as designed (not the live socket)."""

    type: str  # "ClientSocket" / "ServerSocket"
    name: str
    x: int = 0
    y: int = 0
    properties: dict[str, Any] = field(default_factory=dict)  # VCL name -> Python value, non-defaults
    events: dict[str, HandlerBinding] = field(default_factory=dict)  # VCL event name -> binding
    uid: int = field(default_factory=lambda: next(_uids))

    @property
    def cls(self) -> builtins.type[Component]:
        return component_class(self.type)

    def value(self, vcl_name: str) -> Any:
        """The property's value: the stored one, or the default."""
        spec = self.cls.property_spec(vcl_name)
        if spec.role is Role.NAME:
            return self.name
        return self.properties.get(spec.vcl_name, spec.default)

    @property
    def active(self) -> bool:
        """The stored Active: whether it should run (False for a class without the switch)."""
        switch = self.cls.role_spec(Role.ACTIVE)
        return switch is not None and bool(self.properties.get(switch.vcl_name, switch.default))

    def take_active(self) -> bool:
        """Take the stored Active out of the entry (a pasted or opened component starts nothing);
        whether it was set."""
        switch = self.cls.role_spec(Role.ACTIVE)
        return switch is not None and bool(self.properties.pop(switch.vcl_name, False))

    def copy(self) -> ComponentEntry:
        return ComponentEntry(self.type, self.name, self.x, self.y, dict(self.properties),
                              dict(self.events))


def validate_value(entry_type: str, vcl_name: str, value: Any) -> tuple[PropertySpec, Any]:
    """The property's spec and the value converted by it; ValueError with a clear message."""
    spec = component_class(entry_type).writable_spec(vcl_name)
    return spec, spec.validate(value)


@dataclass
class FormDocument:
    """A form: its own settings and its components, in z-order (creation order)."""

    name: str = "Form1"
    caption: str = "Form1"
    width: int = 640
    height: int = 480
    components: list[ComponentEntry] = field(default_factory=list)
    #: what DFM import kept of components that are not ours, to write back on export
    foreign: list[Any] = field(default_factory=list)
    #: the saved messages (app.core.messages), sent from the Messages panel or by Repeat
    messages: MessageList = field(default_factory=MessageList)
    #: SHA-256 of the file this document was last loaded from or saved to ("" for a new form):
    #: trusting a form (app.core.trust) means trusting exactly this content
    source_sha256: str = field(default="", compare=False, repr=False)

    # -- lookups ------------------------------------------------------------
    def entry(self, uid: int) -> ComponentEntry:
        for entry in self.components:
            if entry.uid == uid:
                return entry
        raise KeyError(f"no component with uid {uid}")

    def find(self, name: str) -> ComponentEntry | None:
        folded = name.lower()
        for entry in self.components:
            if entry.name.lower() == folded:
                return entry
        return None

    def names(self) -> set[str]:
        return {e.name.lower() for e in self.components}

    def binding_problems(self) -> list[str]:
        """Bindings kept as the file had them that can't run (rules that do not compile):
        one line each, naming the component, the event, the rule and the position."""
        out = []
        for entry in self.components:
            for event in entry.cls.events():
                binding = entry.events.get(event.vcl_name)
                problem = binding.problem(event) if binding is not None else ""
                if problem:
                    out.append(f"{entry.name}.{event.vcl_name}: {problem}")
        return out

    def next_free_name(self, type_name: str, taken: Iterable[str] = ()) -> str:
        """ServerSocket1, ServerSocket2, ...: the first that no component uses."""
        used = self.names() | {t.lower() for t in taken}
        for n in itertools.count(1):
            candidate = f"{type_name}{n}"
            if candidate.lower() not in used:
                return candidate
        raise AssertionError("unreachable")

    def check_new_name(self, name: str, entry: ComponentEntry | None = None) -> str:
        """The name if a component may take it; ValueError saying why not."""
        validate_identifier(name)
        other = self.find(name)
        if other is not None and other is not entry:
            raise ValueError(f"a component named {other.name} already exists")
        if name.lower() == self.name.lower():
            raise ValueError(f"{name} is the form's own name")
        return name

    # -- serialisation ------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "form": {"name": self.name, "caption": self.caption, "width": self.width,
                     "height": self.height},
            "components": [_entry_to_json(e) for e in self.components],
        }
        if self.foreign:
            data["foreign"] = self.foreign
        if len(self.messages):
            data["messages"] = self.messages.to_json()
        else:
            data["version"] = 1  # nothing of version 2 in it: older Socket Workbenches read it
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if _LONE_SURROGATE.search(text):  # only inside strings, where \udXXX is its JSON escape
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        # [x, y] on one line; JSON strings never hold a raw newline, so this only meets arrays
        return _PAIR.sub(r"[\1, \2]", text) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "form file") -> FormDocument:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormFileError(f"{source} is damaged: not valid JSON at line {exc.lineno}, "
                                f"column {exc.colno} ({exc.msg})") from None
        except (RecursionError, ValueError):
            # json says neither where nor (for a number) quite what; find it
            raise FormFileError(f"{source} is damaged: {_unreadable_json(text)}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise FormFileError(f"{source} is not a Socket Workbench form (no \"format\": \"{FORMAT}\")")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise FormFileError(f"{source} has no valid \"version\"")
        if version > VERSION:
            raise FormFileError(f"{source} is version {version}, newer than this Socket Workbench "
                                f"understands (up to {VERSION}); update Socket Workbench to open it")
        if version < 1:
            raise FormFileError(f"{source} has an unknown version {version}")
        return _document_from_json(data, source)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: a temporary file in the same folder, flushed, then renamed over."""
        data = self.to_json().encode("utf-8")
        write_atomically(Path(path), data)
        self.source_sha256 = content_hash(data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FormDocument:
        """Read a form file; FormFileError (with the place) for anything that is not one."""
        p = Path(path)
        raw = read_form_bytes(p)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormFileError(f"{p.name} is damaged: not UTF-8 text (byte {exc.start})") from None
        doc = cls.from_json(text, p.name)
        doc.source_sha256 = content_hash(raw)
        return doc


def read_form_bytes(path: Path) -> bytes:
    """A form or .dfm file's bytes, or FormFileError: missing, unreadable, not a regular file,
    over the size limit (app.core.bounded_read)."""
    try:
        return read_form_file(path)
    except FileRefused as exc:
        raise FormFileError(str(exc)) from None
    except OSError as exc:
        raise FormFileError(f"can't open {path}: {exc.strerror or exc}") from None


def _unreadable_json(text: str) -> str:
    """Where and why json.loads gave up without a JSONDecodeError: nesting or a huge number."""
    depth = 0
    deepest = (0, 0)
    digit_limit = sys.get_int_max_str_digits() or sys.maxsize
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > deepest[0]:
                deepest = (depth, match.start())
            if depth > MAX_NESTING:
                return f"nested more than {MAX_NESTING} levels deep at {_line_column(text, match.start())}"
        elif first in "]}":
            depth -= 1
        elif first != '"' and token.lstrip("-").isdigit() and len(token.lstrip("-")) > digit_limit:
            return (f"a number of {len(token.lstrip('-'))} digits at {_line_column(text, match.start())} "
                    f"(at most {digit_limit} can be read)")
    return f"nested too deeply at {_line_column(text, deepest[1])}"


def _line_column(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"



def _entry_to_json(entry: ComponentEntry) -> dict[str, Any]:
    cls = entry.cls
    properties = {}
    for spec in cls.published_properties():
        if spec.role is Role.NAME or spec.vcl_name not in entry.properties:
            continue
        value = entry.properties[spec.vcl_name]
        if not spec.is_default(value):
            properties[spec.vcl_name] = spec.to_json(value)
    events = {}
    for event in cls.events():
        if event.vcl_name in entry.events:
            events[event.vcl_name] = entry.events[event.vcl_name].to_json()
    return {"type": cls.__name__, "name": entry.name, "position": [entry.x, entry.y],
            "properties": properties, "events": events}


def _require(cond: bool, source: str, where: str, what: str) -> None:
    if not cond:
        raise FormFileError(f"{source}: {where}: {what}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _document_from_json(data: dict[str, Any], source: str) -> FormDocument:
    form = data.get("form")
    _require(isinstance(form, dict), source, "form", "missing or not an object")
    assert isinstance(form, dict)
    doc = FormDocument()
    name = form.get("name", "Form1")
    _require(is_form_name(name), source, "form.name", f"{short_repr(name)} is not a valid name")
    doc.name = name
    caption = form.get("caption", doc.name)
    _require(isinstance(caption, str), source, "form.caption", "must be text")
    doc.caption = caption
    for key in ("width", "height"):
        value = form.get(key, getattr(doc, key))
        _require(_is_int(value) and 0 < value <= 100_000, source, f"form.{key}",
                 f"{short_repr(value)} is not a size in pixels")
        setattr(doc, key, value)
    components = data.get("components", [])
    _require(isinstance(components, list), source, "components", "must be a list")
    known = ", ".join(component_classes())
    for index, item in enumerate(components):
        where = f"components[{index}]"
        _require(isinstance(item, dict), source, where, "must be an object")
        type_name = item.get("type")
        try:
            cls = component_class(type_name) if isinstance(type_name, str) else None
        except KeyError:
            cls = None
        _require(cls is not None, source, f"{where}.type", f"{short_repr(type_name)} is not a component type ({known})")
        assert cls is not None
        name = item.get("name")
        where = f"component {short_repr(name)}" if isinstance(name, str) else where
        try:
            doc.check_new_name(name if isinstance(name, str) else "")
        except ValueError as exc:
            raise FormFileError(f"{source}: {where}: {exc}") from None
        position = item.get("position", [0, 0])
        _require(isinstance(position, list) and len(position) == 2 and all(_is_int(v) for v in position),
                 source, f"{where}.position", f"{short_repr(position)} is not [x, y]")
        entry = ComponentEntry(cls.__name__, name, position[0], position[1])
        properties = item.get("properties", {})
        _require(isinstance(properties, dict), source, f"{where}.properties", "must be an object")
        for vcl_name, value in properties.items():
            try:
                spec, converted = validate_value(cls.__name__, vcl_name, value)
            except ValueError as exc:
                raise FormFileError(f"{source}: {where}: {exc}") from None
            if spec.role is Role.NAME:  # the component's "name" says it
                continue
            entry.properties[spec.vcl_name] = converted
        events = item.get("events", {})
        _require(isinstance(events, dict), source, f"{where}.events", "must be an object")
        for event_name, binding in events.items():
            try:
                event = cls.event_spec(event_name)
            except KeyError:
                raise FormFileError(f"{source}: {where}: {cls.__name__} has no event {event_name!r}") from None
            entry.events[event.vcl_name] = _binding_from_json(binding, event, source, f"{where}.{event_name}")
        doc.components.append(entry)
    foreign = data.get("foreign", [])
    _require(isinstance(foreign, list), source, "foreign", "must be a list")
    doc.foreign = foreign
    try:
        doc.messages = MessageList.from_json(data.get("messages", []))
    except MessageError as exc:
        raise FormFileError(f"{source}: {exc}") from None
    for entry in doc.components:
        for event_name, binding in entry.events.items():
            if binding.action == "repeat":
                wanted = RepeatSpec.from_argument(binding.argument).message
                _require(doc.messages.find(wanted) is not None, source,
                         f"component {short_repr(entry.name)}.{event_name}",
                         f"Repeat names the message {wanted!r}, which the form's \"messages\" do not hold")
    return doc


def _binding_from_json(data: Any, event: EventSpec, source: str, where: str) -> HandlerBinding:
    _require(isinstance(data, dict), source, where, "a binding must be an object")
    if "handler" in data:
        handler = data["handler"]
        _require(is_function_name(handler), source, where, f"{short_repr(handler)} is not a function name")
        return HandlerBinding(handler=handler)
    action, argument = data.get("action"), data.get("argument", "")
    _require(action in ACTIONS, source, where,
             f"{short_repr(action)} is not a built-in action ({', '.join(ACTIONS)})")
    if action == "repeat":
        try:
            argument = RepeatSpec.from_json(data).argument
        except ValueError as exc:
            raise FormFileError(f"{source}: {where}: {exc}") from None
    _require(isinstance(argument, str), source, where, "argument must be text")
    rules: tuple[Rule, ...] = ()
    if "rules" in data or action == RULES:
        _require(action == RULES, source, where, f"{short_repr(action)} takes no rules")
        items = data.get("rules", [])
        _require(isinstance(items, list), source, f"{where}.rules", "must be a list of rules")
        try:
            rules = tuple(Rule.from_json(item, i) for i, item in enumerate(items))
        except RuleError as exc:  # not rules at all (a wrong type, an unknown field)
            raise FormFileError(f"{source}: {where}: {exc}") from None
    try:
        check_action(action, argument, event, rules)
    except RuleError:
        pass  # kept as written, answers nothing: binding_problems() says why
    except ValueError as exc:
        raise FormFileError(f"{source}: {where}: {exc}") from None
    return HandlerBinding(action=action, argument=argument, rules=rules)

"""Live components from a form: the part the workbench and the headless runner share.

``create_component`` makes the real ClientSocket or ServerSocket for a form
entry (every stored property but Active, which the caller applies last, as the
VCL's Loaded did); ``handler_for`` turns an event binding into the callable the
engine calls: a built-in action, or a function of the form's Python unit.
``try_rules`` answers a sample frame as a live component would (the rule editor's test
box): its Encoding, its Framing's additions, counter 1, the time now. Both
callers say, as a FileAccess, which files the form's actions may open: its
folder, and whether the user trusts it (app.core.file_access).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.builtin_actions import MessageLookup, make_handler, parse_hex
from app.core.file_access import FileAccess
from app.core.form_document import ComponentEntry
from app.core.rules import Answer, Rule, RuleError, RuleSet
from components import ObserverStream, component_class
from components.escapes import unescape_bytes
from components.metadata import EventSpec, Role
from components.socket_component import SocketComponent

if TYPE_CHECKING:
    from app.core.unit import Unit


def create_component(entry: ComponentEntry, stream: ObserverStream) -> SocketComponent:
    comp = component_class(entry.type)(name=entry.name, observer=stream)
    assert isinstance(comp, SocketComponent)
    for vcl_name, value in entry.properties.items():
        if comp.property_spec(vcl_name).role is not Role.ACTIVE:
            comp.set_property(vcl_name, value)
    return comp


def handler_for(entry: ComponentEntry, spec: EventSpec, unit: Unit | None,
                files: FileAccess, messages: MessageLookup | None = None) -> Callable[..., Any] | None:
    """The engine handler for ``entry``'s binding of ``spec``, or None (unbound, or a unit
    function while the unit may not run)."""
    binding = entry.events.get(spec.vcl_name)
    if binding is None:
        return None
    if binding.is_unit:
        return unit.handler(binding.handler, spec) if unit is not None else None
    return make_handler(binding.action, binding.argument, spec, files, binding.rules, messages=messages)


@dataclass(frozen=True)
class Bindings:
    """Every event's handler for one component, and the folder its relative files are in:
    made where the document is (the GUI thread), applied where the component runs."""

    folder: Path | None
    handlers: dict[str, Callable[..., Any] | None]

    def apply(self, comp: SocketComponent) -> None:
        comp.folder = self.folder  # relative CertFile, KeyFile and CAFile are the form's files
        for vcl_name, handler in self.handlers.items():
            comp.set_handler(vcl_name, handler)


def bindings_for(comp: SocketComponent, entry: ComponentEntry, unit: Unit | None, files: FileAccess,
                 messages: MessageLookup | None = None) -> Bindings:
    """What ``entry`` binds every event of ``comp`` to; ``messages`` finds the form's saved
    messages (the Repeat action)."""
    return Bindings(files.folder, {spec.vcl_name: handler_for(entry, spec, unit, files, messages)
                                   for spec in comp.events()})


def bind_all(comp: SocketComponent, entry: ComponentEntry, unit: Unit | None, files: FileAccess,
             messages: MessageLookup | None = None) -> None:
    """Bind every event of ``comp`` as ``entry`` says (see ``bindings_for``)."""
    bindings_for(comp, entry, unit, files, messages).apply(comp)


def paths_needing_trust(entries: list[ComponentEntry], files: FileAccess) -> list[str]:
    """The Send file paths of these components that only a trusted form may open, as written."""
    return list(dict.fromkeys(
        binding.argument for entry in entries for binding in entry.events.values()
        if binding.action == "send_file" and files.needs_trust(binding.argument)))


@dataclass(frozen=True)
class RuleTrial:
    """What Reply rules would do with one sample frame."""

    frame: bytes = b""  # the sample as bytes
    answer: Answer | None = None  # None: unmatched (or a problem)
    wire: bytes = b""  # the reply as it goes out: with what the component's Framing adds
    problem: str = ""  # a sample that is not hex, rules that don't compile, a reply Framing can't send


def try_rules(entry: ComponentEntry, rules: Sequence[Rule], sample: str, as_hex: bool,
              now: float | None = None) -> RuleTrial:
    """Answer ``sample`` (hex pairs, or text with the escapes of Reply with text) by ``rules``
    as ``entry``'s component would, with counter 1."""
    comp = create_component(entry, ObserverStream())
    try:
        frame = parse_hex(sample) if as_hex else unescape_bytes(sample, comp.encoding)
    except ValueError as exc:
        return RuleTrial(problem=f"the sample: {exc}")
    try:
        rule_set = RuleSet(rules)
    except RuleError as exc:
        return RuleTrial(frame, problem=str(exc))
    found = rule_set.answer(frame, comp.encoding, 1, time.time() if now is None else now)
    if found is None:
        return RuleTrial(frame)
    framer = comp.new_framer()
    try:
        wire = framer.spec.encode(found.reply) if framer is not None else found.reply
    except ValueError as exc:
        return RuleTrial(frame, found, problem=str(exc))
    return RuleTrial(frame, found, wire)

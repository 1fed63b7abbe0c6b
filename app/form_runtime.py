"""Live components from a form: the part the workbench and the headless runner share.

``create_component`` makes the real ClientSocket or ServerSocket for a form
entry (every stored property but Active, which the caller applies last, as the
VCL's Loaded did); ``handler_for`` turns an event binding into the callable the
engine calls: a built-in action, or a function of the form's Python unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.builtin_actions import make_handler
from app.form_document import ComponentEntry
from components import ObserverStream, component_class
from components.metadata import EventSpec
from components.socket_component import SocketComponent

if TYPE_CHECKING:
    from app.unit import Unit


def create_component(entry: ComponentEntry, stream: ObserverStream) -> SocketComponent:
    comp = component_class(entry.type)(name=entry.name, observer=stream)
    assert isinstance(comp, SocketComponent)
    for vcl_name, value in entry.properties.items():
        if vcl_name != "Active":
            comp.set_property(vcl_name, value)
    return comp


def handler_for(entry: ComponentEntry, spec: EventSpec, unit: Unit | None) -> Callable[..., Any] | None:
    """The engine handler for ``entry``'s binding of ``spec``, or None (unbound, or a unit
    function while the unit may not run)."""
    binding = entry.events.get(spec.vcl_name)
    if binding is None:
        return None
    if binding.is_unit:
        return unit.handler(binding.handler, spec) if unit is not None else None
    return make_handler(binding.action, binding.argument, spec)


def bind_all(comp: SocketComponent, entry: ComponentEntry, unit: Unit | None) -> None:
    for spec in comp.events():
        comp.set_handler(spec.vcl_name, handler_for(entry, spec, unit))

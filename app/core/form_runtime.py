"""Live components from a form: the part the workbench and the headless runner share.

``create_component`` makes the real ClientSocket or ServerSocket for a form
entry (every stored property but Active, which the caller applies last, as the
VCL's Loaded did); ``handler_for`` turns an event binding into the callable the
engine calls: a built-in action, or a function of the form's Python unit. Both
callers say, as a FileAccess, which files the form's actions may open: its
folder, and whether the user trusts it (app.core.file_access).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.core.builtin_actions import make_handler
from app.core.file_access import FileAccess
from app.core.form_document import ComponentEntry
from components import ObserverStream, component_class
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
                files: FileAccess) -> Callable[..., Any] | None:
    """The engine handler for ``entry``'s binding of ``spec``, or None (unbound, or a unit
    function while the unit may not run)."""
    binding = entry.events.get(spec.vcl_name)
    if binding is None:
        return None
    if binding.is_unit:
        return unit.handler(binding.handler, spec) if unit is not None else None
    return make_handler(binding.action, binding.argument, spec, files)


def bind_all(comp: SocketComponent, entry: ComponentEntry, unit: Unit | None, files: FileAccess) -> None:
    comp.folder = files.folder  # relative CertFile, KeyFile and CAFile are the form's files
    for spec in comp.events():
        comp.set_handler(spec.vcl_name, handler_for(entry, spec, unit, files))


def paths_needing_trust(entries: list[ComponentEntry], files: FileAccess) -> list[str]:
    """The Send file paths of these components that only a trusted form may open, as written."""
    return list(dict.fromkeys(
        binding.argument for entry in entries for binding in entry.events.values()
        if binding.action == "send_file" and files.needs_trust(binding.argument)))

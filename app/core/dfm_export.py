"""Export a Socket Workbench form as a text .dfm that C++Builder/Delphi read.

Socket components follow the VCL's storage rules, which each property declares
(``stored`` and ``dfm_order`` in components.metadata): Active, Port and
ClientType/ServerType are always written, the others only when they differ from
their defaults, and a property the VCL component does not have (Encoding) not at
all, with a warning when it is set. An event is written only when it is bound to
a unit function (a built-in action has no Delphi counterpart: it is left out and
the export says so). Left and Top come last, as the IDE writes them, each only
when not 0.

A form that came from a .dfm keeps its original tree (app.core.dfm_import): the
export writes that tree again, with each socket object's properties replaced by
the current ones, sockets deleted since import left out and new ones added at
the end of the form. Everything else goes out exactly as it came in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.dfm import DfmError, DfmObject, DfmProperty, write_dfm
from app.core.dfm.json_codec import TreeDataError, tree_from_data
from app.core.dfm.tree import IdentValue, IntegerValue, StringValue, Value
from app.core.dfm_import import FOREIGN_KEY, POSITION
from app.core.form_document import ComponentEntry, FormDocument, FormFileError
from components import component_class, component_classes
from components.enums import VclEnum
from components.metadata import Role


@dataclass
class DfmExport:
    data: bytes
    warnings: list[str] = field(default_factory=list)


def dfm_value(value: object) -> Value:
    if isinstance(value, bool):
        return IdentValue("True" if value else "False")
    if isinstance(value, VclEnum):
        return IdentValue(value.vcl_name)
    if isinstance(value, int):
        return IntegerValue(value)
    return StringValue(str(value))


def socket_properties(entry: ComponentEntry, warnings: list[str]) -> list[DfmProperty]:
    cls = component_class(entry.type)
    props = []
    for spec in cls.dfm_properties():
        value = entry.value(spec.vcl_name)
        if spec.dfm_value_stored(value):
            props.append(DfmProperty(spec.vcl_name, dfm_value(value)))
    for spec in cls.published_properties():
        if not spec.in_dfm and spec.role is not Role.NAME and spec.vcl_name in entry.properties:
            warnings.append(f"{entry.name}.{spec.vcl_name} has no VCL counterpart and is not exported")
    for event in cls.events():
        binding = entry.events.get(event.vcl_name)
        if binding is None:
            continue
        if binding.is_unit:
            props.append(DfmProperty(event.vcl_name, IdentValue(binding.handler)))
        else:
            warnings.append(f"{entry.name}.{event.vcl_name} is bound to the built-in action "
                            f"{binding.action!r}, which a .dfm cannot hold; it is not exported")
    return props


def position_properties(entry: ComponentEntry) -> list[DfmProperty]:
    """Left and Top, each only when not 0 (their default), as the IDE stores them."""
    return [DfmProperty(name, IntegerValue(value)) for name, value in (("Left", entry.x), ("Top", entry.y))
            if value]


def _original_tree(doc: FormDocument) -> DfmObject | None:
    for item in doc.foreign:
        if isinstance(item, dict) and FOREIGN_KEY in item:
            try:
                return tree_from_data(item[FOREIGN_KEY])
            except TreeDataError as exc:
                raise FormFileError(f"the form's stored .dfm tree is damaged: {exc}") from None
    return None


def _set(obj: DfmObject, name: str, value: Value) -> None:
    for i, prop in enumerate(obj.properties):
        if prop.name == name:
            obj.properties[i] = DfmProperty(name, value)
            return
    obj.properties.append(DfmProperty(name, value))


def build_tree(doc: FormDocument, warnings: list[str]) -> DfmObject:
    root = _original_tree(doc)
    if root is None:
        root = DfmObject("object", doc.name, f"T{doc.name}", [
            DfmProperty("Left", IntegerValue(0)), DfmProperty("Top", IntegerValue(0))])
    root.name = doc.name
    _set(root, "Caption", StringValue(doc.caption))
    width_key = "Width" if root.get("Width") is not None or root.get("ClientWidth") is None else "ClientWidth"
    height_key = "Height" if root.get("Height") is not None or root.get("ClientHeight") is None \
        else "ClientHeight"
    _set(root, width_key, IntegerValue(doc.width))
    _set(root, height_key, IntegerValue(doc.height))
    socket_classes = {cls.vcl_class.lower() for cls in component_classes().values() if cls.in_vcl}
    by_name = {e.name.lower(): e for e in doc.components}
    written: set[str] = set()

    def rewrite(obj: DfmObject) -> None:
        kept = []
        for child in obj.children:
            if child.class_name.lower() in socket_classes:
                entry = by_name.get(child.name.lower())
                if entry is None:
                    continue  # deleted since the import
                vcl_class = component_class(entry.type).vcl_class
                others = [p for p in child.properties
                          if p.name not in POSITION and not _is_ours(entry, p.name)]
                child.name, child.class_name = entry.name, vcl_class
                child.properties = socket_properties(entry, warnings) + others + position_properties(entry)
                written.add(entry.name.lower())
            rewrite(child)
            kept.append(child)
        obj.children = kept

    rewrite(root)
    for entry in doc.components:
        if not component_class(entry.type).in_vcl:
            warnings.append(f"{entry.name} is a {entry.type}, and the VCL has no such component: "
                            "a .dfm can't hold it; it is not exported")
        elif entry.name.lower() not in written:
            root.children.append(DfmObject("object", entry.name, component_class(entry.type).vcl_class,
                                           socket_properties(entry, warnings) + position_properties(entry)))
    return root


def _is_ours(entry: ComponentEntry, name: str) -> bool:
    cls = component_class(entry.type)
    try:
        cls.property_spec(name)
        return True
    except KeyError:
        pass
    try:
        cls.event_spec(name)
        return True
    except KeyError:
        return False


def export_dfm(doc: FormDocument, encoding: str = "cp1252") -> DfmExport:
    """The form as a text .dfm; FormFileError (naming the place in the tree) if the form's
    stored .dfm tree holds something a .dfm cannot say."""
    warnings: list[str] = []
    tree = build_tree(doc, warnings)
    try:
        data = write_dfm(tree, encoding)
    except DfmError as exc:
        raise FormFileError(f"can't export {doc.name}: the form's stored .dfm tree can't be written: "
                            f"{exc}") from None
    return DfmExport(data, warnings)

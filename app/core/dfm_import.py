"""Import a C++Builder/Delphi form (.dfm, text or binary) as a Socket Workbench form.

Every object of a registered component class (TClientSocket, TServerSocket)
becomes that component with its Name, Left/Top as the position, and the published
properties our component declares (Active, Address, Host, Port, ...). Each
``On...`` assignment becomes a binding to a unit function of the same name, and
``unit_source`` holds a stub for each, with the event's signature, for the form's
Python unit. The form's Caption, Width and Height carry over. ``save_imported``
writes the form file and the stubs beside it: what both ``convert`` and the
workbench's File > Import DFM do.

Everything else (TMemo, TButton, ...) is not ours: the import report lists it by
name and class (an object of a class the VCL does not have but a component of ours
names, a hand-written TUdpSocket, gets a warning saying it is not imported), and
the whole original tree is kept in the form file, so that exporting writes it back
unchanged (app.core.dfm_export).

A value our components do not accept (Port = 70000) is an error, like a damaged
file: no partial form is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.atomic_file import write_atomically
from app.core.dfm import DfmError, DfmObject, read_dfm
from app.core.dfm.json_codec import tree_to_data
from app.core.dfm.tree import FloatValue, IdentValue, IntegerValue, StringValue, Value
from app.core.form_document import (
    ComponentEntry,
    FormDocument,
    FormFileError,
    HandlerBinding,
    is_form_name,
    is_function_name,
    read_form_bytes,
)
from app.core.trust import content_hash
from app.core.unit import stub_source, unit_path_for
from components import component_classes
from components.component import Component
from components.metadata import Role

FOREIGN_KEY = "dfm"  # the form file's "foreign" entry that holds the original tree
POSITION = ("Left", "Top")


@dataclass
class ImportReport:
    sockets: list[tuple[str, str]] = field(default_factory=list)  # (name, class)
    foreign: list[tuple[str, str]] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"socket components: {len(self.sockets)}"]
        out += [f"  {name}: {cls}" for name, cls in self.sockets]
        out.append(f"other components (kept as they are, not run): {len(self.foreign)}")
        out += [f"  {name or '(unnamed)'}: {cls}" for name, cls in self.foreign]
        if self.handlers:
            out.append(f"handlers (stubs in the unit): {', '.join(self.handlers)}")
        out += [f"warning: {w}" for w in self.warnings]
        return out


@dataclass
class DfmImport:
    document: FormDocument
    report: ImportReport
    unit_source: str  # stubs for every handler the form names ("" if none)
    tree: DfmObject


def _socket_classes() -> dict[str, type[Component]]:
    return {cls.vcl_class.lower(): cls for cls in component_classes().values() if cls.in_vcl}


def _ours_not_vcl() -> dict[str, type[Component]]:
    """Our components the VCL has no counterpart of (UdpSocket), by the class name they go by."""
    return {cls.vcl_class.lower(): cls for cls in component_classes().values() if not cls.in_vcl}


def plain_value(value: Value) -> object:
    """A DFM value as the Python value a property takes."""
    if isinstance(value, IntegerValue):
        return value.value
    if isinstance(value, StringValue):
        return value.value
    if isinstance(value, IdentValue):
        lowered = value.name.lower()
        return {"true": True, "false": False}.get(lowered, value.name)
    if isinstance(value, FloatValue):
        return value.value
    return value


def import_dfm(data: bytes, encoding: str = "cp1252", source: str = "form.dfm") -> DfmImport:
    """Read a .dfm and map it; DfmError or FormFileError with the place of the problem."""
    try:
        root = read_dfm(data, encoding)
    except DfmError as exc:
        raise FormFileError(f"{source}: {exc}") from exc
    report = ImportReport()
    if root.name and not is_form_name(root.name):
        raise FormFileError(f"{source}: the form's name {root.name!r} can't be used: a form's name is letters, "
                            "digits and _, not starting with a digit")
    doc = FormDocument(name=root.name or "Form1")
    caption = root.get("Caption")
    doc.caption = caption.value if isinstance(caption, StringValue) else doc.name
    for key, fallback in (("width", "ClientWidth"), ("height", "ClientHeight")):
        value = root.get(key.capitalize()) or root.get(fallback)
        if isinstance(value, IntegerValue) and 0 < value.value <= 100_000:
            setattr(doc, key, value.value)
    classes = _socket_classes()
    not_vcl = _ours_not_vcl()
    stubs: list[str] = []
    for obj in root.walk():
        if obj is root:
            continue
        cls = classes.get(obj.class_name.lower())
        if cls is None:
            report.foreign.append((obj.name, obj.class_name))
            ours = not_vcl.get(obj.class_name.lower())
            if ours is not None:
                report.warnings.append(f"{obj.name} is a {obj.class_name}: the VCL has no such component, and a "
                                       f"{ours.__name__} is not imported from a .dfm (nor exported to one); "
                                       "it is kept as it is, not run")
            continue
        entry = _map_socket(obj, cls, doc, report, source)
        doc.components.append(entry)
        report.sockets.append((entry.name, obj.class_name))
        for event_name, binding in entry.events.items():
            report.handlers.append(binding.handler)
            stubs.append(stub_source(entry.name, cls.event_spec(event_name), binding.handler))
    doc.foreign = [{FOREIGN_KEY: tree_to_data(root)}]
    unit = ""
    if stubs:
        unique = list(dict.fromkeys(stubs))
        unit = (f'"""Event handlers of {doc.name}, imported from {source}.\n\n'
                "Fill them in, in Python: socket.receive_text(), socket.send_text(...), log(...),\n"
                'form.<Component> reaches the other components."""\n\n\n' + "\n\n".join(unique))
    return DfmImport(doc, report, unit, root)


def _map_socket(obj: DfmObject, cls: type[Component], doc: FormDocument, report: ImportReport,
                source: str) -> ComponentEntry:
    where = f"{source}: {obj.name or obj.class_name}"
    try:
        name = doc.check_new_name(obj.name)
    except ValueError as exc:
        raise FormFileError(f"{where}: {exc}") from None
    entry = ComponentEntry(cls.__name__, name)
    published = {p.vcl_name.lower(): p for p in cls.published_properties()}
    events = {e.vcl_name.lower(): e for e in cls.events()}
    for prop in obj.properties:
        key = prop.name.lower()
        if prop.name in POSITION and isinstance(prop.value, IntegerValue):
            setattr(entry, "x" if prop.name == "Left" else "y", max(0, prop.value.value))
        elif key in events:
            if not isinstance(prop.value, IdentValue):
                raise FormFileError(f"{where}: {prop.name} must name a handler, not {repr(prop.value)[:60]}")
            if not is_function_name(prop.value.name):
                raise FormFileError(f"{where}: {prop.name} names {prop.value.name!r}, which can't be the name of "
                                    "a Python function in the unit")
            entry.events[events[key].vcl_name] = HandlerBinding(handler=prop.value.name)
        elif key in published and published[key].role is not Role.NAME:
            spec = published[key]
            try:
                value = spec.validate(plain_value(prop.value))
            except ValueError as exc:
                raise FormFileError(f"{where}: {exc}") from None
            if not spec.is_default(value):
                entry.properties[spec.vcl_name] = value
        else:
            report.warnings.append(f"{obj.name}.{prop.name} has no counterpart in {cls.__name__}; "
                                   "it is kept for export but not used")
    return entry


def import_dfm_file(path: str | Path, encoding: str = "cp1252") -> DfmImport:
    """Read and map a .dfm file (a regular file of at most 64 MiB, see app.core.bounded_read)."""
    p = Path(path)
    data = read_form_bytes(p)
    imported = import_dfm(data, encoding, p.name)
    imported.document.source_sha256 = content_hash(data)
    return imported


def write_unit_stubs(imported: DfmImport, form_path: Path) -> str:
    """Write the handler stubs as the unit of ``form_path``, only where nothing is yet
    (not even a symlink: the stubs are written on the import's own initiative, so no link
    is followed; app.core.atomic_file). Returns the line for the report ("" when there are none)."""
    if not imported.unit_source:
        return ""
    unit = unit_path_for(form_path)
    if unit.is_symlink():
        return f"{unit.name} is a symbolic link; handler stubs not written (a link is never written through)"
    try:
        write_atomically(unit, imported.unit_source.encode("utf-8"), create_only=True)
    except FileExistsError:
        return f"{unit.name} exists already; handler stubs not written"
    return f"handler stubs written to {unit}"


def save_imported(imported: DfmImport, form_path: Path) -> list[str]:
    """Save the imported form as ``form_path`` and write its handler stubs beside it (see
    write_unit_stubs); the import report's lines, the stubs' line last. OSError if the form
    can't be written."""
    imported.document.save(form_path)
    stubs = write_unit_stubs(imported, form_path)
    return [*imported.report.lines(), *([stubs] if stubs else [])]

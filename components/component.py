"""The component base class: published properties, events, and the registry.

``Component`` knows nothing of sockets. It holds the declared properties (see
:mod:`components.metadata`), applies keyword arguments at construction (Active
last, as the VCL's ``Loaded`` did), and registers concrete classes so the
inspector, form files and DFM mapping can find them by name.

Looking a property up to set it is done here once (``writable_spec``): unknown
names and read-only properties are refused with the same words wherever the
value comes from (a keyword argument, a form file, the inspector, ``--set``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from components.metadata import (
    KIND_IDENTIFIER,
    Event,
    EventSpec,
    PropertySpec,
    Published,
    Role,
    RuntimeInfo,
    Stored,
    collect,
    validate_identifier,
)
from components.observer import ObserverStream, default_stream

C = TypeVar("C", bound="type[Component]")

_REGISTRY: dict[str, type[Component]] = {}


def register(cls: C) -> C:
    """Class decorator: make a component class known by its Python and VCL class names."""
    _REGISTRY[cls.__name__] = cls
    return cls


def unregister(cls: type[Component]) -> None:
    """Forget a registered class (a test's own component class, once the test is over)."""
    if _REGISTRY.get(cls.__name__) is cls:
        del _REGISTRY[cls.__name__]


@contextmanager
def registered(cls: C) -> Iterator[C]:
    """``cls`` is a known component class inside the ``with`` block only."""
    if cls.__name__ in _REGISTRY:
        raise ValueError(f"a component class named {cls.__name__} is registered already")
    register(cls)
    try:
        yield cls
    finally:
        unregister(cls)


def events_where(trait: Callable[[EventSpec], bool]) -> frozenset[str]:
    """The VCL names of the events, of every registered class, that have ``trait``."""
    return frozenset(e.vcl_name for cls in _REGISTRY.values() for e in cls.events() if trait(e))


def component_classes() -> dict[str, type[Component]]:
    """Every registered component class by name (``ClientSocket``), in registration order."""
    return dict(_REGISTRY)


def component_class(name: str) -> type[Component]:
    """The class named ``name``: ``ClientSocket`` or its VCL name ``TClientSocket``."""
    for cls in _REGISTRY.values():
        if name in (cls.__name__, cls.vcl_class) or name.lower() in (cls.__name__.lower(),
                                                                       cls.vcl_class.lower()):
            return cls
    known = ", ".join(_REGISTRY)
    raise KeyError(f"unknown component type {name!r}; known types: {known}")


class Component:
    """A published-property holder, the base of ClientSocket and ServerSocket."""

    vcl_class: ClassVar[str] = "TComponent"
    #: the VCL has this component, so a .dfm can hold it (UdpSocket is ours only)
    in_vcl: ClassVar[bool] = True
    palette_tab: ClassVar[str] = ""
    description: ClassVar[str] = ""

    name = Published("Name", str, "", kind=KIND_IDENTIFIER, validator=validate_identifier, role=Role.NAME,
                     description="The component's name; handlers and records use it.")
    tag = Published("Tag", int, 0, minimum=-(2**31), maximum=2**31 - 1, stored=Stored.NOT_DEFAULT, dfm_order=90,
                    description="A free integer for your own use.")

    def __init__(self, *, observer: ObserverStream | None = None, **properties: Any) -> None:
        self.observer = observer if observer is not None else default_stream
        switch = self.role_spec(Role.ACTIVE)
        active = properties.pop(switch.py_name, None) if switch is not None else None
        for key, value in properties.items():
            self.set_property(key, value)
        if switch is not None and active is not None:
            self.set_property(switch.py_name, active)

    # -- metadata ---------------------------------------------------------
    @classmethod
    def properties(cls) -> tuple[PropertySpec, ...]:
        """Every property, published and runtime-only, in declaration order."""
        return collect(cls, (Published, RuntimeInfo))  # type: ignore[arg-type]

    @classmethod
    def published_properties(cls) -> tuple[PropertySpec, ...]:
        return tuple(p for p in cls.properties() if not p.runtime)

    @classmethod
    def events(cls) -> tuple[EventSpec, ...]:
        return collect(cls, Event)

    @classmethod
    def property_spec(cls, name: str) -> PropertySpec:
        """The property called ``name``, by VCL name (``Port``) or Python name (``port``)."""
        for spec in cls.properties():
            if name in (spec.vcl_name, spec.py_name) or name.lower() == spec.vcl_name.lower():
                return spec
        raise KeyError(f"{cls.__name__} has no property {name!r}")

    @classmethod
    def writable_spec(cls, name: str) -> PropertySpec:
        """The property called ``name`` if it may be set; ValueError saying why not (there is
        no such property, or it is read-only)."""
        try:
            spec = cls.property_spec(name)
        except KeyError:
            raise ValueError(f"{cls.__name__} has no property {name!r}") from None
        spec.check_writable()
        return spec

    @classmethod
    def role_spec(cls, role: Role) -> PropertySpec | None:
        """The property that plays ``role`` (the Name, the Active switch), if the class has one."""
        return next((p for p in cls.properties() if p.role is role), None)

    @classmethod
    def dfm_properties(cls) -> list[PropertySpec]:
        """The properties a .dfm stores for this class, in the order it writes them."""
        return sorted((p for p in cls.properties() if p.in_dfm), key=lambda p: p.dfm_order)

    @classmethod
    def event_spec(cls, name: str) -> EventSpec:
        for spec in cls.events():
            if name in (spec.vcl_name, spec.py_name) or name.lower() == spec.vcl_name.lower():
                return spec
        raise KeyError(f"{cls.__name__} has no event {name!r}")

    # -- values -----------------------------------------------------------
    def set_property(self, name: str, value: Any) -> None:
        """Set a published property by VCL or Python name (validated; SocketError if refused;
        TypeError, as for a wrong keyword argument, if there is no such property to set)."""
        try:
            spec = self.writable_spec(name)
        except ValueError as exc:
            raise TypeError(str(exc)) from None
        setattr(self, spec.py_name, value)

    def get_property(self, name: str) -> Any:
        return getattr(self, self.property_spec(name).py_name)

    def set_handler(self, name: str, handler: Callable[..., Any] | None) -> None:
        setattr(self, self.event_spec(name).py_name, handler)

    def changed_properties(self) -> dict[str, Any]:
        """VCL name -> value of each published property that differs from its default."""
        return {p.vcl_name: getattr(self, p.py_name) for p in self.published_properties()
                if not p.is_default(getattr(self, p.py_name))}

    def is_locked(self) -> bool:
        """Whether properties marked locked_while_active are locked now."""
        return False

    def property_changed(self, spec: PropertySpec, old: Any, new: Any) -> None:
        """Hook called after a stored property changed."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name or '(unnamed)'}>"

"""The value tree a form file becomes.

The tree keeps exactly what a text form file can say, so that
``read_dfm(write_dfm(tree)) == tree``: property order, dotted property names,
order indices, the text of floating-point numbers (a form that says
``1.50000000000000000`` keeps saying it). It keeps nothing about spelling that
carries no meaning: how a string was quoted or split over lines, whether an
integer was written in hex, the case of keywords.

Values are small frozen dataclasses that compare by value. Binary-only value
types (WString, UTF8String, Int64, Single, Currency, Date, Double, Extended)
have no class of their own; the binary reader maps them onto these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

ObjectKind = Literal["object", "inherited", "inline"]

# Float suffixes as a text form file writes them; no suffix means Extended.
_FLOAT_KINDS = {"": "extended", "s": "single", "c": "currency", "d": "date", "f": "double"}


@dataclass(frozen=True)
class IntegerValue:
    """``Left = 24``, ``Font.Height = -11``; binary Int8 to Int64."""

    value: int


@dataclass(frozen=True)
class FloatValue:
    """``1.5``, ``0.25s`` (Single), ``12.5c`` (Currency), ``45000.5d`` (Date).

    ``text`` is the number exactly as written, ``suffix`` the type letter (kept
    in its original case; empty for Extended).
    """

    text: str
    suffix: str = ""

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def kind(self) -> str:
        """``"extended"``, ``"single"``, ``"currency"``, ``"date"`` or ``"double"``."""
        return _FLOAT_KINDS.get(self.suffix.lower(), "extended")


@dataclass(frozen=True)
class IdentValue:
    """An identifier: ``True``, ``nil``, ``clBtnFace``, ``stNonBlocking``,
    a handler name (``ClientSocket1Read``) or a component reference
    (``DataModule1.Query1``)."""

    name: str


@dataclass(frozen=True)
class StringValue:
    """A string; all of Delphi's string types (short, long, wide, UTF-8) end up here."""

    value: str


@dataclass(frozen=True)
class SetValue:
    """``[biSystemMenu, biMinimize]``; ``[]`` is the empty set."""

    items: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class ListValue:
    """``( ... )``, e.g. ``Lines.Strings = ('first' 'second')``."""

    items: tuple[Value, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class CollectionItem:
    """One ``item ... end`` of a collection; ``index`` is the ``[n]`` order index."""

    properties: tuple[DfmProperty, ...] = ()
    index: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "properties", tuple(self.properties))


@dataclass(frozen=True)
class CollectionValue:
    """``Panels = < item Width = 50 end >``; ``<>`` is an empty collection."""

    items: tuple[CollectionItem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class BinaryValue:
    """``Picture.Data = { 0754... }``: raw bytes (bitmaps, icons, DefineBinaryProperty data)."""

    data: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", bytes(self.data))


Value: TypeAlias = (
    IntegerValue
    | FloatValue
    | IdentValue
    | StringValue
    | SetValue
    | ListValue
    | CollectionValue
    | BinaryValue
)


@dataclass(frozen=True)
class DfmProperty:
    """``Name = value``; the name may be dotted (``Font.Name``, ``Lines.Strings``)."""

    name: str
    value: Value


@dataclass
class DfmObject:
    """One ``object`` / ``inherited`` / ``inline`` block: a form, frame or component.

    ``name`` is empty for unnamed components (``object TLabel``); ``index`` is
    the ``[n]`` order index that inherited forms use to place a child.
    """

    kind: ObjectKind
    name: str
    class_name: str
    properties: list[DfmProperty] = field(default_factory=list)
    children: list[DfmObject] = field(default_factory=list)
    index: int | None = None

    def get(self, name: str, default: Value | None = None) -> Value | None:
        """The value of property *name* (exact, case-sensitive), or *default*.

        A form file can repeat a property; the last one wins, as when Delphi
        loads the form.
        """
        for prop in reversed(self.properties):
            if prop.name == name:
                return prop.value
        return default

    def walk(self) -> Iterator[DfmObject]:
        """This object and all its descendants, depth first, in file order."""
        # Iterative so a deep tree cannot exhaust the interpreter's stack.
        stack: list[DfmObject] = [self]
        while stack:
            obj = stack.pop()
            yield obj
            stack.extend(reversed(obj.children))

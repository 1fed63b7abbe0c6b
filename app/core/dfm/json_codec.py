"""A DFM tree as plain JSON data, and back, without loss.

A form imported from a .dfm keeps its whole original tree in the .sockform file
(``"foreign"``), so that exporting it again writes every component that is not
ours — TMemo, TButton, their fonts and pictures — back exactly as it was. Each
value is a one-key object naming its kind: ``{"int": 5}``, ``{"float": "1.5",
"suffix": "s"}``, ``{"ident": "True"}``, ``{"str": "text"}``, ``{"set": [...]}``,
``{"list": [...]}``, ``{"collection": [...]}``, ``{"binary": "hex"}``.
"""

from __future__ import annotations

from typing import Any, cast

from app.core.dfm.text_reader import MAX_DEPTH
from app.core.dfm.tree import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    ObjectKind,
    SetValue,
    StringValue,
    Value,
)


class TreeDataError(ValueError):
    """Stored tree data that is not what tree_to_data writes."""


def value_to_data(value: Value) -> dict[str, Any]:
    if isinstance(value, IntegerValue):
        return {"int": value.value}
    if isinstance(value, FloatValue):
        return {"float": value.text, "suffix": value.suffix}
    if isinstance(value, IdentValue):
        return {"ident": value.name}
    if isinstance(value, StringValue):
        return {"str": value.value}
    if isinstance(value, SetValue):
        return {"set": list(value.items)}
    if isinstance(value, ListValue):
        return {"list": [value_to_data(v) for v in value.items]}
    if isinstance(value, CollectionValue):
        return {"collection": [{"index": item.index, "properties": _props_to_data(item.properties)}
                               for item in value.items]}
    if isinstance(value, BinaryValue):
        return {"binary": value.data.hex()}
    raise TypeError(f"not a DFM value: {value!r}")


def _shown(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def value_from_data(data: Any, depth: int = 0) -> Value:
    # the same nesting limit as the readers, so the writer's recursion stays shallow
    if depth > MAX_DEPTH:
        raise TreeDataError(f"stored DFM values nest more than {MAX_DEPTH} deep")
    if not isinstance(data, dict) or not data:
        raise TreeDataError(f"not a stored DFM value: {_shown(data)}")
    try:
        if "int" in data:
            return IntegerValue(_typed(data["int"], int))
        if "float" in data:
            return FloatValue(_typed(data["float"], str), _typed(data.get("suffix", ""), str))
        if "ident" in data:
            return IdentValue(_typed(data["ident"], str))
        if "str" in data:
            return StringValue(_typed(data["str"], str))
        if "set" in data:
            return SetValue(tuple(_typed(x, str) for x in _typed(data["set"], list)))
        if "list" in data:
            return ListValue(tuple(value_from_data(x, depth + 1) for x in _typed(data["list"], list)))
        if "collection" in data:
            items = []
            for item in _typed(data["collection"], list):
                index = item.get("index") if isinstance(item, dict) else None
                items.append(CollectionItem(_props_from_data(_typed(item, dict).get("properties", []), depth + 1),
                                            None if index is None else _typed(index, int)))
            return CollectionValue(tuple(items))
        if "binary" in data:
            return BinaryValue(bytes.fromhex(_typed(data["binary"], str)))
    except TreeDataError:
        raise
    except ValueError as exc:
        raise TreeDataError(f"bad stored DFM value {_shown(data)}: {exc}") from None
    raise TreeDataError(f"unknown stored DFM value {_shown(data)}")


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TreeDataError(f"expected {kind.__name__}, found {_shown(value)}")
    return value


def _props_to_data(props: tuple[DfmProperty, ...] | list[DfmProperty]) -> list[list[Any]]:
    return [[p.name, value_to_data(p.value)] for p in props]


def _props_from_data(data: Any, depth: int) -> tuple[DfmProperty, ...]:
    out = []
    for pair in _typed(data, list):
        if not isinstance(pair, list) or len(pair) != 2:
            raise TreeDataError(f"a stored property is [name, value], not {_shown(pair)}")
        out.append(DfmProperty(_typed(pair[0], str), value_from_data(pair[1], depth + 1)))
    return tuple(out)


def tree_to_data(obj: DfmObject) -> dict[str, Any]:
    return {"kind": obj.kind, "name": obj.name, "class": obj.class_name, "index": obj.index,
            "properties": _props_to_data(obj.properties),
            "children": [tree_to_data(child) for child in obj.children]}


def tree_from_data(data: Any, depth: int = 0) -> DfmObject:
    if depth > MAX_DEPTH:
        raise TreeDataError("stored DFM tree nests too deeply")
    if not isinstance(data, dict):
        raise TreeDataError(f"a stored DFM object must be an object, not {_shown(data)}")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in ("object", "inherited", "inline"):
        raise TreeDataError(f"unknown object kind {_shown(kind)}")
    index = data.get("index")
    return DfmObject(cast(ObjectKind, kind), _typed(data.get("name", ""), str), _typed(data.get("class"), str),
                     list(_props_from_data(data.get("properties", []), depth)),
                     [tree_from_data(c, depth + 1) for c in _typed(data.get("children", []), list)],
                     None if index is None else _typed(index, int))

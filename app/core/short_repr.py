"""How a value from a damaged file is quoted in an error message: short and on one line."""

from __future__ import annotations

LIMIT = 60


def short_repr(value: object) -> str:
    """``repr(value)``, cut to LIMIT characters (a damaged file may hold megabytes in one value)."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return "a number too long to show"
    return text if len(text) <= LIMIT else text[: LIMIT - 3] + "..."

"""Byte counts as the Connections panel's tables show them (TCP connections and UDP peers)."""

from __future__ import annotations


def human_bytes(n: int) -> str:
    """Three significant digits at most (682 KiB, 5.3 KiB, 1.2 GiB): the column stays narrow;
    the tooltip has the exact count."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1000 or unit == "GiB":
            if unit == "B":
                return f"{n} B"
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
        value /= 1024
    return str(n)  # pragma: no cover - the loop always returns

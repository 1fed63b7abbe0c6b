"""Local wall time as text: the one way every part of the program writes a time.

Each text is cut from the same reading of one second's local time (date, clock and
UTC offset, from ``datetime.fromtimestamp(...).astimezone()``), so the log's
clock, an export's ISO time and the Connections panel's "since" never disagree
about the zone or the second:

* ``ClockFormatter``: ``HH:MM:SS.mmm`` (the log, the runner's lines);
* ``IsoTimeFormatter``: ``2024-05-01T12:00:00.123456+02:00`` (JSON Lines, CSV);
* ``clock_seconds``: ``HH:MM:SS``; ``date_and_time``: ``2024-05-01 12:00:00``.

Fractions are cut, not rounded: a clock shows the second it is in. A flood puts
thousands of records in one second, so the formatters keep the last second's
reading (and the clock the last millisecond's text); each cache is one tuple,
replaced whole, so threads may share a formatter.
"""

from __future__ import annotations

import datetime


def _local_second(second: int) -> tuple[str, str, str]:
    """(date, clock, UTC offset) of the local time at ``second`` since the epoch."""
    whole = datetime.datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds")
    return whole[:10], whole[11:19], whole[19:]


class ClockFormatter:
    """Local wall-clock time as ``HH:MM:SS.mmm``."""

    __slots__ = ("_milli", "_second")

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")
        self._milli: tuple[int, str] = (-1, "")

    def __call__(self, wall_time: float) -> str:
        milli = int(wall_time * 1000)
        last, text = self._milli
        if milli == last:
            return text
        second = milli // 1000
        cached, clock = self._second
        if second != cached:
            clock = _local_second(second)[1]
            self._second = (second, clock)
        text = f"{clock}.{milli - second * 1000:03d}"
        self._milli = (milli, text)
        return text


class IsoTimeFormatter:
    """Local wall time in ISO 8601 with microseconds and the UTC offset."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: tuple[int, str, str] = (-1, "", "")

    def __call__(self, wall_time: float) -> str:
        second = int(wall_time)
        cached, head, offset = self._cache
        if second != cached:
            date, clock, offset = _local_second(second)
            head = f"{date}T{clock}"
            self._cache = (second, head, offset)
        return "%s.%06d%s" % (head, (wall_time - second) * 1e6, offset)  # noqa: UP031


def clock_seconds(wall_time: float) -> str:
    """``HH:MM:SS``, local."""
    return _local_second(int(wall_time))[1]


def date_and_time(wall_time: float) -> str:
    """``YYYY-MM-DD HH:MM:SS``, local."""
    date, clock, _offset = _local_second(int(wall_time))
    return f"{date} {clock}"

"""The guided tour (Help > Socket concepts): its chapters, their texts, and each chapter's check.

The chapters are data: ``resources/tour/chapters.toml`` says, per chapter, which form it
opens, which component and inspector row the learner touches, and which event order
(``components.event_order.ORDERS``) the check follows, up to which states. The texts,
one file per language (``tour.en.toml``, ``tour.zh_CN.toml``), say what to do and what
the check reports. Nothing here imports Qt: the panel (ui/tour.py) shows it.

The check reads the same tables the engine follows: the records of the chapter's
component are split into endpoints (one per connection id; a server's records with
no connection are its listener's), each endpoint's events are followed through its
order with ``Order.follow``, and the chapter is done when one endpoint has passed
every goal state in turn, with the chapter's extra events on the way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.event_order import ORDERS, START, Order, arrows, tokens
from components.observer import EventRecord

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
TOUR_DIR = RESOURCES / "tour"
CHAPTERS_FILE = TOUR_DIR / "chapters.toml"
TEXT_KEYS = ("title", "body", "done")
DEFAULT_LANGUAGE = "en"


class TourDataError(ValueError):
    """A tour data file is missing, malformed or names something that does not exist."""


@dataclass(frozen=True)
class Chapter:
    id: str
    form: Path
    component: str
    row: str  # the inspector row to touch: a property, or an event (chapters.toml: property)
    order: str
    goal: tuple[str, ...]
    events: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    action: str = ""  # the built-in action the event ``row`` must be bound to
    watch: str = ""  # the component whose events are checked ("": ``component``)

    @property
    def watched(self) -> str:
        return self.watch or self.component

    @property
    def order_table(self) -> Order:
        order: Order = ORDERS[self.order]
        return order

    def expected_events(self) -> tuple[str, ...]:
        """The events of the shortest path through the goal states: what the check says."""
        return self.order_table.path(*self.goal)


@dataclass(frozen=True)
class CheckResult:
    done: bool
    events: tuple[str, ...]  # the events of the endpoint that got furthest, in order
    missing: tuple[str, ...]  # what is still to come: goal states' events, extra events, records
    unbound: str = ""  # the built-in action the chapter's event is still to be bound to

    def sequence(self) -> str:
        return arrows(self.events)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TourDataError(f"{where}: expected a list of strings")
    return tuple(value)


def load_chapters(path: Path = CHAPTERS_FILE) -> list[Chapter]:
    """The chapters, in order; TourDataError says what is wrong with the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TourDataError(f"{path}: {exc}") from exc
    chapters = []
    for i, raw in enumerate(data.get("chapter", []), 1):
        where = f"{path.name}, chapter {i}"
        try:
            chapter = Chapter(
                id=str(raw["id"]), form=RESOURCES / str(raw["form"]), component=str(raw["component"]),
                row=str(raw["property"]), order=str(raw["order"]),
                goal=_strings(raw["goal"], f"{where}: goal"),
                events=_strings(raw.get("events", []), f"{where}: events"),
                records=_strings(raw.get("records", []), f"{where}: records"),
                action=str(raw.get("action", "")), watch=str(raw.get("watch", "")))
        except KeyError as exc:
            raise TourDataError(f"{where}: no {exc.args[0]!r}") from None
        if chapter.order not in ORDERS:
            raise TourDataError(f"{where}: no event order {chapter.order!r}")
        unknown = [s for s in chapter.goal if s not in chapter.order_table.rows]
        if unknown:
            raise TourDataError(f"{where}: {', '.join(unknown)} is no state of the {chapter.order!r} order")
        if not chapter.form.is_file():
            raise TourDataError(f"{where}: no form {chapter.form}")
        chapters.append(chapter)
    if len({c.id for c in chapters}) != len(chapters):
        raise TourDataError(f"{path.name}: two chapters have the same id")
    return chapters


def texts_path(language: str) -> Path:
    return TOUR_DIR / f"tour.{language}.toml"


def load_texts(language: str) -> dict[str, dict[str, str]]:
    """{chapter id: {title, body, done}} in ``language``, English where that file is missing."""
    path = texts_path(language)
    if not path.is_file():
        path = texts_path(DEFAULT_LANGUAGE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TourDataError(f"{path}: {exc}") from exc
    return {cid: {k: str(v) for k, v in table.items()} for cid, table in data.items() if isinstance(table, dict)}


def text_problems(chapters: Iterable[Chapter], texts: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Chapters or keys a language's texts lack, and texts for no chapter."""
    ids = [c.id for c in chapters]
    problems = [f"{cid}: no {key}" for cid in ids for key in TEXT_KEYS if not texts.get(cid, {}).get(key, "").strip()]
    problems += [f"{cid}: no such chapter" for cid in texts if cid not in ids]
    return problems


# -- the check ---------------------------------------------------------------------
def endpoints(chapter: Chapter, records: Iterable[EventRecord]) -> list[list[EventRecord]]:
    """The records of the chapter's component that follow the chapter's order, one list per
    endpoint: a server's listener records (no connection) for a listener's order, one list
    per accepted connection for a server connection's, and for a client (one connection at
    a time) all its records in turn, which ``_runs`` cuts at each new open."""
    listener_keys = {o.listener for o in ORDERS.values() if o.listener}
    mine = [r for r in records if r.component == chapter.watched]
    if chapter.order in listener_keys:
        return [[r for r in mine if r.connection_id == 0]]
    if chapter.order_table.listener is None:
        return [mine]
    groups: dict[int, list[EventRecord]] = {}
    for r in mine:
        if r.connection_id != 0:
            groups.setdefault(r.connection_id, []).append(r)
    return list(groups.values())


def _runs(order: Order, sequence: list[str]) -> list[list[str]]:
    """``sequence`` cut into runs of the order: a run that is complete and met an event its
    last state does not take is over; the next begins there (the component opened again)."""
    runs: list[list[str]] = [[]]
    state = START
    for event in sequence:
        target = order.next_state(state, event)
        if target is None and state in order.done:
            runs.append([])
            state = START
            target = order.next_state(state, event)
        if target is None:
            runs.append([])  # out of order: what came so far cannot be this chapter's sequence
            state = START
            continue
        runs[-1].append(event)
        state = target
    return [r for r in runs if r]


def check(chapter: Chapter, records: Iterable[EventRecord], bound_action: str = "") -> CheckResult:
    """Has the expected sequence happened in ``records``? ``bound_action`` is the built-in
    action the chapter's event is bound to on the form, for a chapter that names one."""
    records = list(records)
    order = chapter.order_table
    best_run: list[str] = []
    best_missing = [*chapter.expected_events(), *chapter.events]
    for endpoint in endpoints(chapter, records):
        for run in _runs(order, tokens(endpoint)):
            missing = _missing(chapter, run)
            if len(missing) <= len(best_missing):
                best_run, best_missing = run, missing
    seen = {r.event for r in records if r.component == chapter.watched}
    best_missing += [r for r in chapter.records if r not in seen]
    unbound = chapter.action if chapter.action and bound_action != chapter.action else ""
    return CheckResult(not best_missing and not unbound, tuple(best_run), tuple(best_missing), unbound)


def _missing(chapter: Chapter, run: list[str]) -> list[str]:
    """What ``run`` (events in order) still lacks: the events leading to the goal states it
    has not passed, and the chapter's extra events."""
    order = chapter.order_table
    visited = order.follow(run).visited
    met, at = 0, 0
    for goal in chapter.goal:
        if goal not in visited[at:]:
            break
        at = visited.index(goal, at) + 1
        met += 1
    path = order.path(*chapter.goal)
    missing = list(path[len(order.path(*chapter.goal[:met])):]) if met < len(chapter.goal) else []
    return missing + [e for e in chapter.events if e not in run and e not in missing]


def done_message(chapter: Chapter, result: CheckResult, done_text: str) -> str:
    """"OnLookup → OnConnecting → OnConnect: the client connection is complete": the events
    of the expected path and the chapter's extra events, in the order they came, then the text."""
    wanted = {*chapter.expected_events(), *chapter.events}
    shown = list(dict.fromkeys(e for e in result.events if e in wanted)) or list(chapter.expected_events())
    return f"{arrows(shown)}: {done_text}"

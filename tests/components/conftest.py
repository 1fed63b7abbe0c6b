"""Fixtures for engine tests: real loops, a recorder that checks the event order,
and a capture of the application's error hook."""

from __future__ import annotations

import asyncio
import gc
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from components import ObserverStream, RecordBuffer, ServerSocket, set_error_hook
from components.enums import ServerType
from components.event_order import ORDERS, check
from components.observer import EventRecord

LOOP_KINDS = ["asyncio", "uvloop", "qasync", "qtloop"]


def run_on(kind: str, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` to completion on a fresh loop of the given kind; fail on any
    error the loop itself logged (an exception escaping a callback)."""
    problems: list[dict[str, Any]] = []

    async def guarded() -> Any:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: problems.append(ctx))
        return await coro

    result = _run_on(kind, guarded())
    assert not problems, f"the loop reported errors: {problems}"
    return result


def _run_on(kind: str, coro: Coroutine[Any, Any, Any]) -> Any:
    if kind == "asyncio":
        return asyncio.run(coro)
    if kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    if kind in ("qasync", "qtloop"):
        qasync = pytest.importorskip("qasync")
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication

        from app.qt import event_loop

        app = QCoreApplication.instance() or QApplication([])
        try:
            if kind == "qtloop" and not event_loop.available():
                pytest.skip("this platform has no epoll/kqueue: the GUI uses stock qasync")
            factory = event_loop.IntegratedEventLoop if kind == "qtloop" else qasync.QEventLoop
            with asyncio.Runner(loop_factory=lambda: factory(app)) as runner:
                return runner.run(coro)
        finally:
            # the loop's timers and notifiers are QObjects: let them die here, not in
            # whichever engine thread the cyclic GC happens to run on next
            gc.collect()
    raise ValueError(kind)


@pytest.fixture
def run() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Run a coroutine on plain asyncio."""
    return lambda coro: run_on("asyncio", coro)


@pytest.fixture(params=LOOP_KINDS)
def run_any(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Run a coroutine on each kind of loop in turn."""
    return lambda coro: run_on(request.param, coro)


class Recorder:
    """Subscribes to a fresh observer stream; at teardown checks every sequence."""

    def __init__(self) -> None:
        self.stream = ObserverStream()
        self.buffer = RecordBuffer(self.stream)
        self.records: list[EventRecord] = []
        self.grammars: dict[str, str] = {}  # component name -> order of its connections

    def take(self) -> list[EventRecord]:
        self.records.extend(self.buffer.drain())
        return self.records

    def events(self, component: str | None = None, connection_id: int | None = None) -> list[str]:
        return [r.event for r in self.take()
                if (component is None or r.component == component)
                and (connection_id is None or r.connection_id == connection_id)]

    def by_connection(self, component: str) -> dict[int, list[EventRecord]]:
        groups: dict[int, list[EventRecord]] = defaultdict(list)
        for r in self.take():
            if r.component == component:
                groups[r.connection_id].append(r)
        return dict(groups)

    def expect(self, component: str, grammar: str) -> None:
        self.grammars[component] = grammar

    def check_all(self) -> None:
        for component, grammar in self.grammars.items():
            listener = ORDERS[grammar].listener  # the records with no connection follow this one
            for conn_id, records in self.by_connection(component).items():
                check(listener if listener is not None and conn_id == 0 else grammar, records)


@pytest.fixture
def recorder():
    rec = Recorder()
    yield rec
    rec.buffer.close()
    rec.check_all()


@pytest.fixture
def reported():
    """The SocketErrors that reach the application's error hook during the test."""
    errors: list[Exception] = []
    previous = set_error_hook(errors.append)
    yield errors
    set_error_hook(previous)


def make_server(recorder: Recorder, name: str = "ServerSocket1", threaded: bool = False,
                **props: Any) -> ServerSocket:
    settings: dict[str, Any] = {"address": "127.0.0.1", "port": 0, "server_type":
                                ServerType.THREAD_BLOCKING if threaded else ServerType.NON_BLOCKING}
    settings.update(props)
    server = ServerSocket(name=name, observer=recorder.stream, **settings)
    recorder.expect(name, "thread_connection" if threaded else "server_connection")
    return server

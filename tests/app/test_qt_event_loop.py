"""The Qt-integrated loop behaves as an asyncio loop, and Qt watches one descriptor."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import threading
from collections.abc import Coroutine
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from app.qt import event_loop as qt_event_loop
from app.qt.event_loop import IntegratedEventLoop, new_event_loop

pytestmark = pytest.mark.skipif(not qt_event_loop.available(),
                                reason="this platform has no epoll/kqueue: the GUI uses stock qasync")


def _app() -> QCoreApplication:
    return QCoreApplication.instance() or QApplication([])


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    problems: list[dict[str, Any]] = []

    async def guarded() -> Any:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: problems.append(ctx))
        return await coro

    app = _app()
    try:
        with asyncio.Runner(loop_factory=lambda: IntegratedEventLoop(app)) as runner:
            result = runner.run(guarded())
    finally:
        gc.collect()
    assert not problems, problems
    return result


def test_new_event_loop_gives_the_integrated_loop_here():
    loop = new_event_loop(_app())
    try:
        assert isinstance(loop, IntegratedEventLoop)
    finally:
        loop.close()


def test_callbacks_run_in_order_and_timers_by_deadline():
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        seen: list[str] = []
        done = loop.create_future()
        loop.call_later(0.03, seen.append, "later 30 ms")
        loop.call_later(0.01, seen.append, "later 10 ms")
        for i in range(5):
            loop.call_soon(seen.append, f"soon {i}")
        loop.call_later(0.05, done.set_result, None)
        await done
        return seen

    assert run(main()) == ["soon 0", "soon 1", "soon 2", "soon 3", "soon 4", "later 10 ms", "later 30 ms"]


def test_cancelled_handles_do_not_run():
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        seen: list[int] = []
        loop.call_soon(seen.append, 1).cancel()
        loop.call_later(0.01, seen.append, 2).cancel()
        loop.call_soon(seen.append, 3)
        await asyncio.sleep(0.03)
        return seen

    assert run(main()) == [3]


def test_call_soon_threadsafe_from_many_threads_wakes_the_loop():
    async def main() -> int:
        loop = asyncio.get_running_loop()
        got: list[int] = []
        finished = asyncio.Event()
        total = 4 * 500

        def note(i: int) -> None:
            got.append(i)
            if len(got) == total:
                finished.set()

        def produce(base: int) -> None:
            for i in range(500):
                loop.call_soon_threadsafe(note, base + i)

        threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
        for t in threads:
            t.start()
        await asyncio.wait_for(finished.wait(), 10)
        for t in threads:
            t.join()
        return len(set(got))

    assert run(main()) == 2000


def test_run_in_executor_and_to_thread():
    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        a = await loop.run_in_executor(None, lambda: 6 * 7)
        b = await asyncio.to_thread(lambda: 7 * 6)
        return a, b

    assert run(main()) == (42, 42)


def test_echo_over_streams_many_connections_at_once():
    async def main() -> set[bytes]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(4096):
                writer.write(data)
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def client(i: int) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            payload = f"client {i} ".encode() * 100
            writer.write(payload)
            got = await reader.readexactly(len(payload))
            writer.close()
            await writer.wait_closed()
            return got[:10]

        results = await asyncio.gather(*(client(i) for i in range(200)))
        server.close()
        await server.wait_closed()
        return set(results)

    assert len(run(main())) == 200


def test_readers_can_be_removed_and_closed_during_dispatch():
    """Two sockets ready in the same pass; the first callback removes the second's reader
    and closes its socket: the second callback must not run (asyncio's own rule)."""

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        a_r, a_w = socket.socketpair()
        b_r, b_w = socket.socketpair()
        seen: list[str] = []
        done = loop.create_future()

        def on_a() -> None:
            seen.append("a")
            a_r.recv(10)
            loop.remove_reader(a_r)
            if loop.remove_reader(b_r):
                b_r.close()
            loop.call_later(0.02, done.set_result, None)

        def on_b() -> None:
            seen.append("b")
            b_r.recv(10)
            loop.remove_reader(b_r)
            if loop.remove_reader(a_r):
                a_r.close()
            loop.call_later(0.02, done.set_result, None)

        loop.add_reader(a_r, on_a)
        loop.add_reader(b_r, on_b)
        a_w.send(b"x")
        b_w.send(b"x")
        await done
        for s in (a_r, a_w, b_r, b_w):
            s.close()
        return seen

    assert run(main()) in (["a"], ["b"])


def test_a_writer_fires_once_per_pass_and_stops_when_removed():
    async def main() -> int:
        loop = asyncio.get_running_loop()
        left, right = socket.socketpair()
        calls = 0
        done = loop.create_future()

        def writable() -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                loop.remove_writer(left)
                loop.call_later(0.02, done.set_result, None)

        loop.add_writer(left, writable)
        await done
        left.close()
        right.close()
        return calls

    assert run(main()) == 3


def _live_notifiers() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, QSocketNotifier))


def test_qt_watches_one_notifier_however_many_sockets_are_open():
    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        before = _live_notifiers()
        pairs = [socket.socketpair() for _ in range(300)]
        for r, _w in pairs:
            loop.add_reader(r, lambda: None)
        for _r, w in pairs:
            loop.add_writer(w, lambda: None)
        await asyncio.sleep(0.01)  # a few passes with 600 ready callbacks
        added = _live_notifiers() - before
        for r, w in pairs:
            loop.remove_reader(r)
            loop.remove_writer(w)
            r.close()
            w.close()
        return before, added

    before, added = run(main())
    assert before >= 1  # the loop's own notifier on the selector's descriptor
    assert added == 0  # stock qasync makes one per reader and writer: 600


def test_a_nested_qt_loop_inside_a_callback_does_not_reenter_asyncio():
    """A handler that spins a nested Qt event loop (as a modal dialog does) must not have
    asyncio's iteration run inside it; asyncio resumes when it returns."""

    async def main() -> list[str]:
        from PySide6.QtCore import QEventLoop

        loop = asyncio.get_running_loop()
        order: list[str] = []
        done = loop.create_future()

        def modal() -> None:
            order.append("modal starts")
            loop.call_soon(order.append, "soon from inside")
            nested = QEventLoop()
            QTimer.singleShot(30, nested.quit)
            nested.exec()
            order.append("modal ends")
            loop.call_soon(done.set_result, None)

        loop.call_soon(modal)
        await done
        return order

    assert run(main()) == ["modal starts", "modal ends", "soon from inside"]


def test_close_leaves_no_timer_or_notifier_running():
    loop = IntegratedEventLoop(_app())
    asyncio.set_event_loop(loop)
    try:
        loop.call_later(10, lambda: None)
        loop.call_soon(lambda: None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert loop.is_closed()
    assert loop._soon_timer is None and loop._later_timer is None and loop._io_notifier is None
    loop.close()  # twice is harmless


@pytest.mark.skipif(not hasattr(os, "fork"), reason="signal handlers need Unix")
def test_signal_handlers_work_through_the_self_pipe():
    import signal

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        got = asyncio.Event()
        loop.add_signal_handler(signal.SIGUSR1, got.set)
        try:
            loop.call_later(0.01, os.kill, os.getpid(), signal.SIGUSR1)
            await asyncio.wait_for(got.wait(), 5)
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)
        return got.is_set()

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    assert run(main())

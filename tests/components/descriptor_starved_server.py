"""A ServerSocket in a process that runs out of file descriptors (test_accept_backoff runs
it as ``python -m tests.components.descriptor_starved_server MODE``; never in pytest's own
process, whose limit must stay as it is).

It lowers its RLIMIT_NOFILE to what it has open plus a little, prints ``PORT n``, waits
for its first accept error, then holds that state for HOLD seconds while the parent's
clients wait in the backlog, measuring its CPU time; prints ``HELD``; keeps serving until
a line on stdin, then prints one JSON object with what it saw and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import threading
import time
from typing import Any

from components import ObserverStream, ServerSocket, ServerType, set_error_hook

HOLD = 2.5
HEADROOM = 8  # descriptors left for connections once the limit is lowered
FIRST_ERROR_TIMEOUT = 10.0


def main(mode: str) -> int:
    stream = ObserverStream()
    errors: list[dict[str, Any]] = []  # the listener's: accept errors (not its clients' resets)
    loop_problems: list[str] = []
    hooked: list[str] = []

    def watch(record: Any) -> None:
        if record.event == "OnClientError" and record.error is not None and record.connection_id == 0:
            errors.append({"time": record.time, "event": str(record.error.event), "code": record.error.code,
                           "errno": record.error.errno, "detail": record.detail})

    stream.subscribe(watch)
    set_error_hook(lambda error: hooked.append(str(error)))
    server = ServerSocket(name="Starved", address="127.0.0.1", port=0, observer=stream,
                          server_type=ServerType.THREAD_BLOCKING if mode == "threads" else ServerType.NON_BLOCKING)
    server.on_client_connect = lambda sender, conn: conn.send_buf(b"!")

    async def scenario() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: loop_problems.append(str(context.get("message"))))
        told_to_stop = asyncio.Event()

        def wait_for_stdin() -> None:  # started now: later, a new thread pool's import needs a descriptor
            sys.stdin.readline()
            loop.call_soon_threadsafe(told_to_stop.set)

        threading.Thread(target=wait_for_stdin, name="stdin", daemon=True).start()
        server.open()
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = len(os.listdir("/proc/self/fd")) + HEADROOM
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
        print("PORT", server.socket.local_port, flush=True)
        deadline = time.monotonic() + FIRST_ERROR_TIMEOUT
        while not errors and not loop_problems and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        held_from = len(errors)
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.sleep(HOLD)  # the state under test lasts this long; nothing is awaited
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        held = errors[held_from:]
        print("HELD", flush=True)
        await told_to_stop.wait()
        server.close()
        return {"limit": limit, "errors": errors, "held_from": held_from, "held": len(held),
                "cpu": cpu, "wall": wall, "loop_problems": len(loop_problems),
                "loop_problem_sample": loop_problems[:3], "hooked": len(hooked)}

    result = run(mode, scenario())
    print(json.dumps(result), flush=True)
    return 0


def run(mode: str, coro: Any) -> Any:
    if mode == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    if mode == "qasync":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import qasync
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(coro)
    return asyncio.run(coro)  # asyncio, and threads (whose server needs no loop)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))

"""`socket-workbench run` end to end: a real subprocess, a real client, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.app.command import CLI

from .pipes import in_pipe_write, linux_only, shrink_pipe, wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "echo_server.sockform"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_run(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([*CLI, "run", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class LineReader(threading.Thread):
    """Collects a process's output lines; lets a test wait for one that matches, and stop
    reading for a while (``reading.clear()``) to play a slow consumer."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True, name="output reader")
        self.stream = stream
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reading = threading.Event()
        self.reading.set()

    def run(self) -> None:
        while self.reading.wait():
            line = self.stream.readline()
            if not line:
                break
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float = 15.0) -> str:
        with self.changed:
            ok = self.changed.wait_for(lambda: any(predicate(x) for x in self.lines) or not self.is_alive(),
                                       timeout)
            found = [x for x in self.lines if predicate(x)]
        assert ok and found, "not seen in time; output so far:\n" + "\n".join(self.lines[-50:])
        return found[0]

    def wait_count(self, text: str, count: int, timeout: float = 15.0) -> None:
        with self.changed:
            ok = self.changed.wait_for(lambda: sum(text in x for x in self.lines) >= count
                                       or not self.is_alive(), timeout)
            seen = sum(text in x for x in self.lines)
        assert ok and seen >= count, f"{seen} of {count} {text!r} lines seen; last ones:\n" + \
            "\n".join(self.lines[-50:])


#: How the run's output is written: by a thread of the run (the default), or by an
#: output process (--output-process); the tests of output run both ways.
OUTPUT_MODES = pytest.mark.parametrize("mode", [[], ["--output-process"]], ids=["thread", "process"])


def output_process(pid: int, mode: list[str]) -> int | None:
    """The pid of the run's output process (app.core.record_printer), or None when it has
    none (``mode`` is the thread's) or /proc does not list children."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not mode or not path.exists():
        return None
    children: list[str] = []
    wait_until(lambda: bool(children.extend(path.read_text().split()) or children), 10)
    return int(children[0]) if children else None


def gone(pid: int | None) -> bool:
    """Whether process ``pid`` ended and was reaped (by its parent, or by init once it was
    orphaned): no child of the run outlives it."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_run_serves_a_real_client_and_stops_cleanly_on_sigint():
    port = free_port()
    proc = start_run(str(EXAMPLE), "--json", f"--set=ServerSocket1.Port={port}",
                     "--set", "ClientSocket1.Active=False")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        reader.wait_for(lambda line: '"event": "OnListen"' in line)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"hello run")
            got = b""
            while len(got) < 9:
                got += s.recv(64)
            assert got == b"hello run"
            reader.wait_for(lambda line: '"event": "OnClientRead"' in line)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    events = [json.loads(line) for line in reader.lines]
    names = [e["event"] for e in events if e["component"] == "ServerSocket1"]
    assert names[0] == "OnListen" and names[-1] == "Close"
    assert "OnClientConnect" in names and "OnClientDisconnect" in names  # closed on SIGINT
    read = next(e for e in events if e["event"] == "OnClientRead")
    assert bytes.fromhex(read["data_hex"]) == b"hello run"
    assert {"time", "component", "event", "peer", "detail"} <= set(read)
    assert "ClientSocket1" not in {e["component"] for e in events}
    assert proc.stderr.read() == ""


@OUTPUT_MODES
def test_run_sigterm_and_human_output(mode):
    port = free_port()
    proc = start_run(str(EXAMPLE), *mode, f"--set=ServerSocket1.Port={port}", f"--set=ClientSocket1.Port={port}")
    reader = LineReader(proc.stdout)
    reader.start()
    try:
        line = reader.wait_for(lambda x: "ClientSocket1  OnRead" in x)
        assert '"Hello, echo server!\\r\\n"' in line
        child = output_process(proc.pid, mode)
        assert (child is not None) == bool(mode) or not Path(f"/proc/{proc.pid}/task").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert gone(child)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert any("ClientSocket1  OnDisconnect" in x for x in reader.lines)


@pytest.mark.parametrize("args, message", [
    (["missing.sockform"], "can't open missing.sockform"),
    ([str(EXAMPLE), "--set", "Nope.Port=1"], "has no component 'Nope'"),
    ([str(EXAMPLE), "--set", "ServerSocket1.Port=http"], "Port must be a whole number"),
    ([str(EXAMPLE), "--set", "ServerSocket1"], "expected COMPONENT.PROPERTY=VALUE"),
    ([str(EXAMPLE), "--duration", "-1"], "--duration must be more than 0"),
    ([str(EXAMPLE), "--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_forms_and_options_fail_with_one_clear_line(args, message):
    done = subprocess.run([*CLI, "run", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_damaged_form_file(tmp_path):
    bad = tmp_path / "bad.sockform"
    bad.write_text('{"format": "socket-workbench-form", "version": 1, "form": {"name": "F"}, '
                   '"components": [{"type": "ServerSocket", "name": "S", "properties": {"Port": -3}}]}')
    done = subprocess.run([*CLI, "run", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("socket-workbench run: bad.sockform: component 'S': "
                                   "Port must be between 0 and 65535, not -3")


def test_port_in_use_exits_non_zero_with_the_winsock_number():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        port = blocker.getsockname()[1]
        args = [*CLI, "run", str(EXAMPLE), f"--set=ServerSocket1.Port={port}",
                "--duration", "1"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
        debug = subprocess.run([*args, "--debug"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        blocker.close()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("socket-workbench run: can't activate ServerSocket1")
    assert "10048" in done.stderr and "Traceback" not in done.stderr
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_unhandled_error_during_the_run_gives_status_1():
    port = free_port()  # nothing listens here: the client's connect is refused
    done = subprocess.run([*CLI, "run", str(EXAMPLE), "--set=ServerSocket1.Active=False",
                           f"--set=ClientSocket1.Port={port}", "--duration", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "10061" in done.stderr and "1 unhandled socket error" in done.stderr
    assert "OnError" in done.stdout


# -- output never holds up the network; every lost record is counted ----------------------

def thread_blocking_echo_form(folder: Path, port: int) -> Path:
    path = folder / "tb_echo.sockform"
    path.write_text(json.dumps({
        "format": "socket-workbench-form", "version": 1, "form": {"name": "TBEcho"},
        "components": [{"type": "ServerSocket", "name": "Echo",
                        "properties": {"Address": "127.0.0.1", "Port": port, "ServerType": "stThreadBlocking"},
                        "events": {"OnClientRead": {"action": "echo"}}}]}))
    return path


def ping_pong(sock: socket.socket, rounds: int, message: bytes) -> None:
    for _ in range(rounds):
        sock.sendall(message)
        got = b""
        while len(got) < len(message):
            chunk = sock.recv(len(message) - len(got))
            assert chunk, "the server closed the connection"
            got += chunk
        assert got == message


def flood_event(line: str, as_json: bool) -> tuple[str, int]:
    """(event, how many records it stands for: a Dropped record's count, else 1)."""
    if as_json:
        item = json.loads(line)
        return item["event"], item.get("dropped", 1)
    parts = line.split("  ")
    if parts[1] == "Dropped":  # a Dropped record has no component
        return "Dropped", int(parts[3].split()[0])
    return parts[2], 1


@linux_only
@OUTPUT_MODES
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_slow_reader_is_told_how_many_records_it_missed(tmp_path, as_json, mode):
    connections, pings = 4, 1000
    port = free_port()
    proc = start_run(str(thread_blocking_echo_form(tmp_path, port)), *mode, "--buffer", "500",
                     *(["--json"] if as_json else []))
    shrink_pipe(proc.stdout.fileno())
    reader = LineReader(proc.stdout)
    reader.start()
    clients: list[socket.socket] = []
    try:
        reader.wait_for(lambda line: "OnListen" in line)
        for _ in range(connections):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=15))
        reader.wait_count("OnClientWrite", connections)  # the last event of a connection's start
        reader.reading.clear()  # the consumer falls behind
        failures: list[BaseException] = []

        def client(sock: socket.socket) -> None:
            try:
                ping_pong(sock, pings, b"p")  # in lock step: one OnClientRead and one Send per ping
            except BaseException as exc:
                failures.append(exc)

        flood = [threading.Thread(target=client, args=(c,), name=f"client {i}") for i, c in enumerate(clients)]
        for thread in flood:
            thread.start()
        for thread in flood:
            thread.join(60)
        assert not failures and not any(t.is_alive() for t in flood)
        reader.reading.set()
        for sock in clients:
            sock.close()
        reader.wait_count("OnClientDisconnect", connections)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    finally:
        reader.reading.set()
        for sock in clients:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    lines = reader.lines
    start = max(i for i, x in enumerate(lines) if "OnClientWrite" in x) + 1
    counts: dict[str, int] = {}
    for line in lines[start:]:
        event, n = flood_event(line, as_json)
        counts[event] = counts.get(event, 0) + n
    assert set(counts) <= {"OnClientRead", "Send", "Dropped", "OnClientDisconnect", "ThreadCached",
                           "OnThreadEnd", "Close"}, counts
    assert counts.get("Dropped", 0) > 0, "nothing was dropped, so nothing was tested"
    # every record of the flood was either printed or counted where it fell out
    assert counts.get("OnClientRead", 0) + counts.get("Send", 0) + counts["Dropped"] == 2 * connections * pings
    assert counts["OnClientDisconnect"] == connections
    assert not any(flood_event(x, as_json)[0] == "Dropped" for x in lines[:start])
    assert proc.stderr.read() == ""


def blocked_run(port: int, mode: list[str]) -> tuple[subprocess.Popen[str], socket.socket]:
    """`run` serving the echo example, and a client connected to it. The test never reads
    the run's stdout until it says so (not even its first line: a pipe read from
    keeps a partly read page, which then never counts as full)."""
    proc = start_run(str(EXAMPLE), *mode, "--json", f"--set=ServerSocket1.Port={port}",
                     "--set=ClientSocket1.Active=False")
    shrink_pipe(proc.stdout.fileno())
    deadline = time.monotonic() + 30
    while True:
        try:
            return proc, socket.create_connection(("127.0.0.1", port), timeout=10)
        except ConnectionRefusedError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.02)  # the run is still starting


@linux_only
@OUTPUT_MODES
def test_traffic_flows_while_nobody_reads_stdout(mode):
    proc, sock = blocked_run(free_port(), mode)
    try:
        with sock:
            ping_pong(sock, 2000, b"ping " * 40)  # ~4000 records, far more than the pipe holds
            assert wait_until(lambda: in_pipe_write(proc.pid), 10)
            ping_pong(sock, 200, b"still flowing")  # with stdout blocked, and nobody reading it
            assert in_pipe_write(proc.pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    flood = [e for e in events if e["event"] in ("OnClientRead", "Send", "Dropped")]
    assert sum(e.get("dropped", 1) for e in flood) == 2 * 2200  # printed once read, or counted
    assert events[-1]["event"] == "Close"


@linux_only
@OUTPUT_MODES
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_run_while_stdout_is_blocked(signum, mode):
    proc, sock = blocked_run(free_port(), mode)
    reader = None
    try:
        with sock:
            ping_pong(sock, 2000, b"ping " * 40)
            assert wait_until(lambda: in_pipe_write(proc.pid), 10)
            child = output_process(proc.pid, mode)
            sent = time.monotonic()
            proc.send_signal(signum)
            # the run handles the signal with stdout still blocked: it closes our connection
            assert sock.recv(10) == b""
            if signum == signal.SIGINT:
                reader = LineReader(proc.stdout)  # now the pipe is read again
                reader.start()
            proc.wait(10)
            took = time.monotonic() - sent
        print(f"{signal.Signals(signum).name} with stdout blocked: exited {took:.2f} s after the signal")
        assert proc.returncode == 0
        assert gone(child)  # killed, if it was still blocked on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if reader is None:
            proc.stdout.read()
    err = proc.stderr.read()
    assert "Traceback" not in err
    if reader is None:  # what the run could not write is not lost silently
        assert "socket-workbench run: stdout was not read;" in err and "records were not written" in err
    if reader is not None:
        reader.join(10)
        events = [json.loads(line) for line in reader.lines]
        names = [e["event"] for e in events]
        assert "OnClientDisconnect" in names and names[-1] == "Close"  # printed once readable


@OUTPUT_MODES
def test_a_reader_that_goes_away_ends_the_run_quietly(mode):
    port = free_port()
    proc = start_run(str(EXAMPLE), *mode, f"--set=ServerSocket1.Port={port}", f"--set=ClientSocket1.Port={port}")
    try:
        assert "OnListen" in proc.stdout.readline()  # like `run FORM | head -1`
        child = output_process(proc.pid, mode)
        proc.stdout.close()
        assert proc.wait(15) == 0
        assert gone(child)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr.read() == ""


@linux_only
def test_an_output_process_that_dies_ends_the_run_with_one_line():
    port = free_port()
    proc = start_run(str(EXAMPLE), "--output-process", f"--set=ServerSocket1.Port={port}",
                     f"--set=ClientSocket1.Port={port}")
    try:
        assert "OnListen" in proc.stdout.readline()
        child = output_process(proc.pid, ["--output-process"])
        assert child is not None
        os.kill(child, signal.SIGKILL)  # the writer sees the pipe to it break, with or without records
        assert proc.wait(15) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr.read() == ("socket-workbench run: can't write the output: the output process ended "
                                  "unexpectedly (killed by SIGKILL)\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@OUTPUT_MODES
def test_output_that_cannot_be_written_ends_the_run_with_the_reason(mode):
    port = free_port()
    with open("/dev/full", "w") as full:  # every write fails: No space left on device
        done = subprocess.run([*CLI, "run", str(EXAMPLE), *mode, f"--set=ServerSocket1.Port={port}",
                               f"--set=ClientSocket1.Port={port}"], cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == "socket-workbench run: can't write the output: No space left on device\n"


def test_run_accepts_a_storm_of_5000_simultaneous_connects():
    """Every connect of a storm sent before the server accepts one is accepted: the runner's
    server listens with the system's backlog."""
    import resource

    storm = 5_000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < storm + 200:
        pytest.skip(f"the file limit ({hard}) is too low for {storm} client sockets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, storm + 200), hard))
    port = free_port()
    proc = start_run(str(EXAMPLE), "--json", f"--set=ServerSocket1.Port={port}",
                     "--set", "ClientSocket1.Active=False")
    reader = LineReader(proc.stdout)
    reader.start()
    clients = []
    try:
        reader.wait_for(lambda line: '"event": "OnListen"' in line)
        for _ in range(storm):
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            clients.append(sock)
        # SYNs the kernel dropped would come back after 1 s, 3 s, 7 s: the bound catches them
        reader.wait_count('"event": "OnClientConnect"', storm, timeout=10)
    finally:
        for sock in clients:
            sock.close()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    reader.join(5)

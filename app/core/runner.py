"""``socket-workbench run FORM``: run a saved form without a screen.

Every component of the form is activated (servers first, so that a client of
the same form finds its server listening), with the same engine, built-in
actions and unit handlers as in the workbench, on asyncio (uvloop when it is
installed). The event stream is printed as it happens, as human lines or, with
``--json``, one JSON object per line. Ctrl+C or SIGTERM (or ``--duration``) stops
it: every connection is closed, the disconnect events fire and are printed, and
the exit status is 0 — or 1 if a SocketError went unhandled during the run (each
one is also printed to stderr as it happens). A bad form, a bad option, a unit
that does not load or a component that cannot be activated ends it at once with
a one-line message and a non-zero status; ``--debug`` adds the traceback.

Output never holds up the network (app.core.record_writer): records wait in a buffer
of ``--buffer`` records for a thread that formats and writes them in small batches;
when stdout is read slower than events happen, the oldest waiting records are
dropped and a ``Dropped`` record with their count stands where they were. A signal
ends the run within STOP_SECONDS even while nobody reads stdout: what can't be
written by then is left unwritten. With ``--output-process`` a child process
(app.core.record_printer) formats and writes instead, and the thread only pickles the
batches for it: the same output and the same promises (the child never outlives
the run; one that dies ends it with a one-line error). It is not the default
because on a machine whose cores are all busy (the 2-core machine ``bench --only
run`` was measured on) the pickling and the extra process cost more than they save.

The form's unit runs only when the form binds one of its functions, and only if
it is trusted (its hash in the trust store, app.core.trust) or the command line says
``--trust``, which allows this run only and records nothing. A ``.dfm`` runs a
unit only from ``--unit PATH``, never the ``.py`` that happens to lie beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from app.core.engine_thread import engine_loop_factory
from app.core.file_access import FileAccess
from app.core.file_limit import raise_file_limit
from app.core.form_document import FormDocument, FormFileError
from app.core.form_runtime import bind_all, create_component
from app.core.gc_tuning import freeze_startup_objects, tune_for_events
from app.core.record_writer import FdWriter, MessageQueue, OutputProcessError, ProcessRecordWriter, RecordWriter
from app.core.recorder import add_record_options, check_record_options, recorder_from_args
from app.core.trust import TrustStore
from app.core.unit import Unit, UnitError, bound_functions, decode_unit_source, read_unit_source, unit_path_for
from components import (
    ClientSocket,
    ClientType,
    ObserverStream,
    RecordBuffer,
    ServerSocket,
    SocketError,
    set_error_hook,
)
from components.metadata import Role
from components.socket_component import SocketComponent

PROG = "socket-workbench run"
CLOSE_WAIT = 0.05  # lets the transports finish closing, so their last events are printed
#: From a signal (or the end of --duration) to the end of the process, at most.
STOP_SECONDS = 1.5
DEFAULT_BUFFER = 100_000
EXIT_USAGE = 2
EXIT_ERROR = 1
STDOUT, STDERR = 1, 2


class RunError(Exception):
    """A problem that ends the run at once with a one-line message and ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a form's components headless and print every event.",
        epilog="The form's Python unit runs only when the form binds one of its functions, and only "
               "if it is trusted: trusted in the workbench before (the trust store), or --trust for "
               "this run. A .sockform's unit is the .py of the same name beside it; a .dfm has none "
               "unless --unit names one. When stdout is read slower than events happen, the oldest "
               "waiting records are dropped and a Dropped record says how many.")
    parser.add_argument("form", help="a form file (.sockform or .dfm)")
    parser.add_argument("--set", action="append", default=[], metavar="COMPONENT.PROPERTY=VALUE",
                        help="override a property by its VCL name, e.g. ServerSocket1.Port=9000 "
                             "(repeatable; ClientSocket1.Active=False leaves one inactive)")
    parser.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    units = parser.add_mutually_exclusive_group()
    units.add_argument("--unit", metavar="PATH",
                       help="the Python unit with the form's handlers (for a .dfm, or another "
                            "file than the .sockform's own)")
    units.add_argument("--no-unit", action="store_true",
                       help="don't run the form's Python unit (its events do nothing)")
    parser.add_argument("--trust", action="store_true",
                        help="trust this form and its unit for this run: the unit runs though it is not "
                             "in the trust store, and Send file may read files outside the form's "
                             "folder (nothing is recorded)")
    parser.add_argument("--buffer", type=int, default=DEFAULT_BUFFER, metavar="RECORDS",
                        help="records that may wait for a slow stdout before the oldest are dropped "
                             f"(default {DEFAULT_BUFFER:,})")
    parser.add_argument("--output-process", action="store_true",
                        help="format and write the output in a child process, so that this one only "
                             "hands it batches of records; faster where cores are free, slower where "
                             "every core is busy (POSIX; elsewhere ignored)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    add_record_options(parser)
    args = parser.parse_args(argv)
    check_record_options(parser, args)
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be more than 0 seconds")
    if args.buffer < 1:
        parser.error("--buffer must be at least 1 record")
    return args


def load_form(path: Path) -> FormDocument:
    if path.suffix.lower() == ".dfm":
        from app.core.dfm_import import import_dfm_file

        document: FormDocument = import_dfm_file(path).document
        return document
    return FormDocument.load(path)


def choose_unit(doc: FormDocument, form_path: Path, args: argparse.Namespace,
                notes: list[str]) -> Path | None:
    """The unit to load, or None. Adds to ``notes`` what the user should know (handlers
    that will do nothing)."""
    bound = bound_functions(doc)
    if args.no_unit:
        return None
    if args.unit is not None:
        if not bound:
            raise RunError(f"{form_path.name} binds no event to a unit function, so --unit "
                           f"{Path(args.unit).name} would never run", EXIT_USAGE)
        return Path(args.unit)
    if not bound:
        return None
    names = ", ".join(bound)
    if form_path.suffix.lower() == ".dfm":
        notes.append(f"{form_path.name} binds {names}; they do nothing unless --unit PATH gives "
                     "their Python unit")
        return None
    path = unit_path_for(form_path)
    if not path.exists():
        notes.append(f"{form_path.name} binds {names}, but {path.name} does not exist; "
                     "they do nothing")
        return None
    return path


def load_unit(path: Path, doc: FormDocument, args: argparse.Namespace, stream: ObserverStream,
              notes: list[str]) -> Unit:
    """Read the unit once, check that those bytes are trusted, then run them."""
    try:
        source = read_unit_source(path)
        if not args.trust and not TrustStore().is_trusted_source(source):
            raise RunError(f"{path.name} is not trusted; run it with --trust to allow it, "
                           "or --no-unit to run the form without it", EXIT_USAGE)
        text = decode_unit_source(path, source)
    except UnitError as exc:  # not a file we can read as a unit: like a bad form file
        raise RunError(f"the unit does not load: {exc}", EXIT_USAGE) from None
    unit = Unit(path, stream, doc.name)
    try:
        unit.load(text)
    except UnitError as exc:  # the unit's code fails: a syntax error or an error at import
        raise RunError(f"the unit does not load: {exc}") from exc
    defined = set(unit.functions())
    for name, events in bound_functions(doc).items():
        if name not in defined:
            notes.append(f"{path.name} has no function {name}() for {', '.join(events)}")
    return unit


def apply_settings(doc: FormDocument, settings: list[str]) -> set[str]:
    """Apply ``--set`` overrides; returns the names set inactive on purpose."""
    inactive = set()
    for item in settings:
        target, sep, value = item.partition("=")
        component, dot, prop = target.partition(".")
        if not sep or not dot or not component or not prop:
            raise RunError(f"--set {item!r}: expected COMPONENT.PROPERTY=VALUE", EXIT_USAGE)
        entry = doc.find(component)
        if entry is None:
            names = ", ".join(e.name for e in doc.components) or "none"
            raise RunError(f"--set {item!r}: the form has no component {component!r} (it has {names})",
                           EXIT_USAGE)
        try:
            spec = entry.cls.writable_spec(prop)
            if spec.role is Role.NAME:
                raise RunError(f"--set {item!r}: {spec.vcl_name} can't be changed from the command line",
                               EXIT_USAGE)
            converted = spec.validate(value)
        except ValueError as exc:
            raise RunError(f"--set {item!r}: {exc}", EXIT_USAGE) from None
        if spec.role is Role.ACTIVE:
            if not converted:
                inactive.add(entry.name)
            continue
        if spec.is_default(converted):
            entry.properties.pop(spec.vcl_name, None)
        else:
            entry.properties[spec.vcl_name] = converted
    return inactive


class Output:
    """Where the run writes: records to stdout, messages to stderr, each through a
    writer thread of its own (records through an output process when ``in_child``),
    so that neither a full pipe nor a closed one stalls the loop. ``on_stdout_failure``
    is called (on the writer's thread) when stdout can't be written any more, for
    example because its reader went away."""

    def __init__(self, buffer: RecordBuffer, as_json: bool, out_fd: int, err_fd: int,
                 in_child: bool = False) -> None:
        self.messages = MessageQueue()
        self.on_stdout_failure: Callable[[], None] | None = None
        writer = ProcessRecordWriter if in_child and ProcessRecordWriter.available() else RecordWriter
        self.records = writer(buffer, out_fd, as_json, name="stdout writer", on_failure=self._stdout_failed)
        self.errors = FdWriter(err_fd, self.messages.take, "stderr writer")

    def _stdout_failed(self, exc: Exception) -> None:
        if self.on_stdout_failure is not None:
            self.on_stdout_failure()

    def start(self) -> None:
        self.records.start()
        self.errors.start()

    def error(self, line: str) -> None:
        self.messages.put(line)

    def close(self, deadline: float) -> bool:
        """True when everything was written by ``deadline``."""
        records = self.records.close(deadline)
        return self.errors.close(deadline) and records


async def run_form(doc: FormDocument, form_path: Path, args: argparse.Namespace, inactive: set[str],
                   stream: ObserverStream, output: Output) -> tuple[int, float]:
    """Run until stopped; returns the exit status and when the stop began (time.monotonic())."""
    loop = asyncio.get_running_loop()
    unhandled: list[SocketError] = []
    notes: list[str] = []

    def hook(error: SocketError) -> None:
        unhandled.append(error)
        output.error(f"error: {error}")

    unit_path = choose_unit(doc, form_path, args, notes)
    unit = load_unit(unit_path, doc, args, stream, notes) if unit_path is not None else None
    notes += [f"{problem}; its frames are not answered" for problem in doc.binding_problems()]
    for note in notes:
        output.error(f"{PROG}: note: {note}")
    files = FileAccess.for_form(form_path, args.trust or TrustStore().is_trusted_digest(doc.source_sha256),
                                "run it with --trust")
    components: dict[str, SocketComponent] = {}
    for entry in doc.components:
        comp = create_component(entry, stream)
        bind_all(comp, entry, unit, files, doc.messages.find)
        components[entry.name] = comp
    if unit is not None:
        unit.form._set(components)

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass

    def stdout_failed() -> None:  # on the writer's thread
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:  # the loop is already closed: the run is over anyway
            pass

    output.on_stdout_failure = stdout_failed
    previous_hook = set_error_hook(hook)
    stopped_at = time.monotonic()
    try:
        order = sorted(components.values(), key=lambda c: not isinstance(c, ServerSocket))
        for comp in order:
            if comp.name in inactive:
                continue
            try:
                if isinstance(comp, ClientSocket) and comp.client_type is ClientType.BLOCKING:
                    await loop.run_in_executor(None, comp.open)
                else:
                    comp.open()
            except SocketError as exc:
                raise RunError(f"can't activate {comp.name}: {exc}") from exc
        if args.duration is not None:
            try:
                await asyncio.wait_for(stop.wait(), args.duration)
            except TimeoutError:
                pass
        else:
            await stop.wait()
    finally:
        stopped_at = time.monotonic()
        for comp in sorted(components.values(), key=lambda c: isinstance(c, ServerSocket)):
            try:
                comp.close()
            except SocketError as exc:
                hook(exc)
        await asyncio.sleep(CLOSE_WAIT)
        set_error_hook(previous_hook)
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError):
                pass
    if unhandled:
        output.error(f"{PROG}: {len(unhandled)} unhandled socket error(s)")
        return EXIT_ERROR, stopped_at
    return 0, stopped_at


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        path = Path(args.form)
        doc = load_form(path)
        inactive = apply_settings(doc, args.set)
    except (FormFileError, RunError) as exc:
        return _fail(exc, args)
    raise_file_limit()
    tune_for_events()  # records wait for the writer: app.core.gc_tuning
    freeze_startup_objects()
    stream = ObserverStream()
    buffer = RecordBuffer(stream, maxlen=args.buffer)
    for text_stream in (sys.stdout, sys.stderr):
        if text_stream is not None:
            text_stream.flush()  # anything printed before goes out before the writers start
    output = Output(buffer, args.json, STDOUT, STDERR, in_child=args.output_process)
    output.start()
    status, failure, stopped_at = 0, None, None
    recorder = None
    try:
        recorder = recorder_from_args(args, stream, lambda message: output.error(f"{PROG}: {message}"))
        factory = engine_loop_factory()  # uvloop where installed, as the workbench's engine thread
        with asyncio.Runner(loop_factory=factory) as runner:
            status, stopped_at = runner.run(run_form(doc, path, args, inactive, stream, output))
    except RunError as exc:
        failure = exc
    except KeyboardInterrupt:  # Ctrl+C before the run's own handlers were in place
        pass
    except OSError as exc:  # --record FILE can't be written
        failure = RunError(f"can't record to {args.record}: {exc.strerror or exc}", EXIT_USAGE)
    finally:
        buffer.close()
        if recorder is not None:
            recorder.stop()
    written = output.close((time.monotonic() if stopped_at is None else stopped_at) + STOP_SECONDS)
    if not written:
        # a writer is blocked on a reader that does not read, and would block the
        # interpreter's exit too: say what is lost if stderr takes it, and leave now
        unwritten = output.records.unwritten()
        output.records.abandon()  # an output process blocked on stdout ends with this one
        _last_words(f"{PROG}: stdout was not read; {unwritten:,} records were not written\n")
        os._exit(failure.status if failure is not None else status)
    problem = output.records.failure
    if problem is not None and not isinstance(problem, BrokenPipeError):  # a reader that left is no error
        if isinstance(problem, OSError) and problem.strerror:
            reason = problem.strerror
        else:
            reason = str(problem) if isinstance(problem, OutputProcessError) else repr(problem)
        sys.stderr.write(f"{PROG}: can't write the output: {reason}\n")
        status = status or EXIT_ERROR
    if failure is not None:
        return _fail(failure, args)
    return status


def _last_words(text: str) -> None:
    """Write ``text`` to stderr unless stderr is the blocked stdout, or is blocked too."""
    try:
        if os.path.samestat(os.fstat(STDOUT), os.fstat(STDERR)):
            return
    except OSError:
        return
    pending = [text]
    writer = FdWriter(STDERR, lambda: pending.pop() if pending else "", "last words")
    writer.start()
    writer.close(time.monotonic() + 0.2)


def _fail(exc: FormFileError | RunError, args: argparse.Namespace) -> int:
    if args.debug:
        traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.write(f"{PROG}: {exc}\n")
    return exc.status if isinstance(exc, RunError) else EXIT_USAGE

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
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import traceback
from pathlib import Path
from typing import TextIO

from app.form_document import FormDocument, FormFileError, validate_value
from app.form_runtime import bind_all, create_component
from app.record_format import human_line, to_json
from app.unit import Unit, UnitError, unit_path_for
from components import (
    ClientSocket,
    ClientType,
    ObserverStream,
    RecordBuffer,
    ServerSocket,
    SocketError,
    set_error_hook,
)
from components.socket_component import SocketComponent

PRINT_INTERVAL = 0.05
EXIT_USAGE = 2
EXIT_ERROR = 1


class RunError(Exception):
    """A problem that ends the run at once with a one-line message and ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="socket-workbench run",
        description="Run a form's components headless and print every event.")
    parser.add_argument("form", help="a form file (.sockform or .dfm)")
    parser.add_argument("--set", action="append", default=[], metavar="COMPONENT.PROPERTY=VALUE",
                        help="override a property by its VCL name, e.g. ServerSocket1.Port=9000 "
                             "(repeatable; ClientSocket1.Active=False leaves one inactive)")
    parser.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--no-unit", action="store_true", help="don't run the form's Python unit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be more than 0 seconds")
    return args


def load_form(path: Path) -> FormDocument:
    if path.suffix.lower() == ".dfm":
        from app.dfm_import import import_dfm_file

        document: FormDocument = import_dfm_file(path).document
        return document
    return FormDocument.load(path)


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
        if prop.lower() == "name":
            raise RunError(f"--set {item!r}: Name can't be changed from the command line", EXIT_USAGE)
        try:
            spec, converted = validate_value(entry.type, prop, value)
        except ValueError as exc:
            raise RunError(f"--set {item!r}: {exc}", EXIT_USAGE) from None
        if spec.vcl_name == "Active":
            if not converted:
                inactive.add(entry.name)
            continue
        if spec.is_default(converted):
            entry.properties.pop(spec.vcl_name, None)
        else:
            entry.properties[spec.vcl_name] = converted
    return inactive


class Printer:
    """Drains the record buffer onto the output from the loop, in batches."""

    def __init__(self, buffer: RecordBuffer, out: TextIO, as_json: bool) -> None:
        self.buffer, self.out, self.as_json = buffer, out, as_json

    def flush(self) -> None:
        records = self.buffer.drain()
        if not records:
            return
        if self.as_json:
            lines = [json.dumps(to_json(r), ensure_ascii=False) for r in records]
        else:
            lines = [human_line(r) for r in records]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(PRINT_INTERVAL)
            self.flush()


async def run_form(doc: FormDocument, form_path: Path, args: argparse.Namespace, inactive: set[str],
                   out: TextIO, err: TextIO) -> int:
    loop = asyncio.get_running_loop()
    stream = ObserverStream()
    buffer = RecordBuffer(stream)
    printer = Printer(buffer, out, args.json)
    unhandled: list[SocketError] = []

    def hook(error: SocketError) -> None:
        unhandled.append(error)
        err.write(f"error: {error}\n")
        err.flush()

    unit = None
    unit_path = unit_path_for(form_path)
    if not args.no_unit and unit_path.exists():
        unit = Unit(unit_path, stream, doc.name)
        try:
            unit.load()
        except UnitError as exc:
            raise RunError(f"the unit does not load: {exc}") from exc
    components: dict[str, SocketComponent] = {}
    for entry in doc.components:
        comp = create_component(entry, stream)
        bind_all(comp, entry, unit)
        components[entry.name] = comp
    if unit is not None:
        unit.form._set(components)

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    previous_hook = set_error_hook(hook)
    printer_task = loop.create_task(printer.run())
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
        for comp in sorted(components.values(), key=lambda c: isinstance(c, ServerSocket)):
            try:
                comp.close()
            except SocketError as exc:
                hook(exc)
        await asyncio.sleep(PRINT_INTERVAL)  # let the transports finish closing
        printer_task.cancel()
        printer.flush()
        buffer.close()
        set_error_hook(previous_hook)
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError):
                pass
    if unhandled:
        err.write(f"socket-workbench run: {len(unhandled)} unhandled socket error(s)\n")
        return EXIT_ERROR
    return 0


def _loop_factory() -> object | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        path = Path(args.form)
        doc = load_form(path)
        inactive = apply_settings(doc, args.set)
        factory = _loop_factory()
        with asyncio.Runner(loop_factory=factory) as runner:  # type: ignore[arg-type]
            return runner.run(run_form(doc, path, args, inactive, out, err))
    except (FormFileError, RunError) as exc:
        if args.debug:
            traceback.print_exc(file=err)
        err.write(f"socket-workbench run: {exc}\n")
        return exc.status if isinstance(exc, RunError) else EXIT_USAGE
    except KeyboardInterrupt:
        return 0

"""The ``socket-workbench`` command: the workbench window, and subcommands.

    socket-workbench [FORM]          open the workbench (with FORM if given)
    socket-workbench run FORM [...]  run a form headless and print its events
    socket-workbench convert IN OUT  .dfm -> .sockform or .sockform -> .dfm
    socket-workbench bench [...]     the engine benchmark (components vs raw asyncio)
    socket-workbench bench-log       the log-pane flood benchmark

Later subcommands (``run``, ``convert``) are added here as they land.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, help)
    "run": ("app.runner", "run a form headless and print its events"),
    "convert": ("app.convert", "convert between .dfm and .sockform forms"),
    "bench": ("app.bench", "benchmark the engine against raw asyncio and raw threads"),
    "bench-log": ("ui.bench_log", "benchmark the event log under a flood of events"),
}


def _load(module: str) -> Callable[[list[str]], int]:
    import importlib

    return importlib.import_module(module).main  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        return _load(SUBCOMMANDS[args[0]][0])(args[1:])
    parser = argparse.ArgumentParser(
        prog="socket-workbench",
        description="A workbench for building, testing and understanding TCP programs with "
                    "ClientSocket and ServerSocket components.",
        epilog="subcommands:\n" + "\n".join(f"  {name:<10} {text}" for name, (_, text)
                                           in SUBCOMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("form", nargs="?", help="a form file (.sockform) to open")
    options = parser.parse_args(args)
    from ui.workbench import run_workbench

    return run_workbench(options.form)


if __name__ == "__main__":
    raise SystemExit(main())

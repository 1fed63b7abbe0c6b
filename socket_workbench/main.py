"""The ``socket-workbench`` command: the workbench window, and subcommands.

    socket-workbench [FORM]          open the workbench (with FORM if given)
    socket-workbench run FORM [...]  run a form headless and print its events
    socket-workbench convert IN OUT  .dfm -> .sockform or .sockform -> .dfm
    socket-workbench replay CAPTURE --to HOST:PORT [...]   replay a capture, compare the replies
    socket-workbench mock CAPTURE --listen [HOST:]PORT     serve a capture's server side
    socket-workbench test PATH... [--to HOST:PORT] [--junit F]  run scenarios and captures, for CI
    socket-workbench bench [...]     the engine benchmark (components vs raw asyncio)
    socket-workbench bench-log       the log-pane flood benchmark
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

Command = Callable[[list[str]], int]


# Each subcommand's module is imported only when it runs, so ``run`` and ``convert`` start
# without loading Qt; the imports are plain statements, so the layer contracts see them.
def _run(argv: list[str]) -> int:
    from app.core import runner

    return runner.main(argv)


def _convert(argv: list[str]) -> int:
    from app.core import convert

    return convert.main(argv)


def _replay(argv: list[str]) -> int:
    from app.core import replay

    return replay.main(argv)


def _mock(argv: list[str]) -> int:
    from app.core import mock

    return mock.main(argv)


def _test(argv: list[str]) -> int:
    from app.core import suite

    return suite.main(argv)


def _bench(argv: list[str]) -> int:
    from bench import engine

    return engine.main(argv)


def _bench_log(argv: list[str]) -> int:
    from bench import log

    return log.main(argv)


SUBCOMMANDS: dict[str, tuple[Command, str]] = {
    "run": (_run, "run a form headless and print its events"),
    "convert": (_convert, "convert between .dfm and .sockform forms"),
    "replay": (_replay, "replay a capture's client side against a server and compare the replies"),
    "mock": (_mock, "serve a capture's server side to the clients that connect"),
    "test": (_test, "run scenario files and captures against a server (exit 0/1/2, JUnit XML)"),
    "bench": (_bench, "benchmark the engine against raw asyncio and raw threads"),
    "bench-log": (_bench_log, "benchmark the event log under a flood of events"),
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        return SUBCOMMANDS[args[0]][0](args[1:])
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

"""The runner's output process: a child that turns batches of records into lines on stdout.

Formatting a record costs a few microseconds (text) to several (JSON), and in the
process that runs the network it would take the interpreter's lock from the event
loop for all that time. So ``run`` hands it to this child: the parent's writer thread
(app.core.record_writer.ProcessRecordWriter) pickles each batch and writes it to the
child's stdin, which costs a fraction of formatting it, and the child formats
(app.core.record_format.format_lines) and writes to the stdout it inherited.

The protocol, both ways:

* parent -> child, on the child's stdin: one pickle per batch, a list of plain tuples
  in EventRecord's field order (a Dropped record is one of them, where the gap is).
  End of file means the run is over: the child writes what it has and exits 0.
* child -> parent, on the child's stderr: status lines. ``written N`` after each batch
  is out (N counts every record written so far, so the parent knows what is still in
  flight); at the end ``gone`` (stdout's reader went away) or ``failed ERRNO MESSAGE``
  (stdout can't be written: a full disk). Any other line is Python's own (a traceback
  of a child that broke); the parent shows its last line.
* exit status: 0 all written, EXIT_READER_GONE, EXIT_WRITE_FAILED; anything else is a
  child that broke.

The child ignores SIGINT and SIGTERM: a Ctrl+C reaches the whole process group, and the
child must stay to write the disconnect records the parent prints while it stops. The
parent ends it by closing its stdin, or, when stdout is not read by the parent's
deadline, by killing it.

The record's times are the parent's: the child takes the parent's monotonic-to-wall
offset from its command line, so every line reads exactly as the parent would write it.
"""

from __future__ import annotations

import errno
import functools
import os
import pickle
import signal
import sys

# Nothing else is imported at the top: the child ignores SIGINT before it imports the
# formatters (a third of a second), so a Ctrl+C at the start can't break it.

EXIT_READER_GONE = 3
EXIT_WRITE_FAILED = 4
STDIN, STDOUT, STDERR = 0, 1, 2
_READ_BUFFER = 1 << 16
MODULE = __name__ if __name__ != "__main__" else "app.core.record_printer"


def arguments(as_json: bool, offset: float) -> list[str]:
    """The child's command-line arguments (after ``python -m MODULE``): the form of its
    output, and the parent's monotonic-to-wall offset (components.observer.MONO_TO_WALL)."""
    return [*(["--json"] if as_json else []), "--offset", repr(offset)]


def _use_offset(offset: float) -> None:
    from app.core import record_format
    from components import observer

    # both modules read it as a global at call time (EventRecord.wall_time, the batch formatters)
    observer.MONO_TO_WALL = offset
    setattr(record_format, "MONO_TO_WALL", offset)  # noqa: B010 - its imported global, rebound


def _status(line: str) -> None:
    data = (line + "\n").encode("utf-8", "backslashreplace")
    while data:
        data = data[os.write(STDERR, data):]


def _write(data: memoryview) -> None:
    while data:
        data = data[os.write(STDOUT, data):]


def serve(as_json: bool) -> int:
    """Format and write batches from stdin until its end; returns the exit status."""
    from app.core.record_format import format_lines
    from components.observer import EventRecord

    # a plain tuple of fields -> an EventRecord, without NamedTuple's Python-level _make
    as_record = functools.partial(tuple.__new__, EventRecord)
    written = 0
    with open(STDIN, "rb", buffering=_READ_BUFFER, closefd=False) as source:
        while True:
            try:
                rows = pickle.load(source)  # the parent's own batches: trusted
            except EOFError:
                return 0
            text = format_lines(list(map(as_record, rows)), as_json)
            try:
                _write(memoryview(text.encode("utf-8", "backslashreplace")))
            except BrokenPipeError:
                _status("gone")
                return EXIT_READER_GONE
            except OSError as exc:
                _status(f"failed {exc.errno or errno.EIO} {exc.strerror or exc}")
                return EXIT_WRITE_FAILED
            written += len(rows)
            _status(f"written {written}")


def main(argv: list[str] | None = None) -> int:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    if "--offset" in args:
        _use_offset(float(args[args.index("--offset") + 1]))
    return serve(as_json)


if __name__ == "__main__":
    raise SystemExit(main())

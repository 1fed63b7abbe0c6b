"""``socket-workbench convert IN OUT``: between C++Builder/Delphi forms and ours.

    convert Unit1.dfm unit1.sockform     import (text or binary .dfm); writes the
                                         handler stubs to unit1.py if nothing is there
    convert unit1.sockform Unit1.dfm     export as a text .dfm

OUT is written atomically beside itself. If OUT is a symlink to a file, that file
is replaced (the link stays); a dangling symlink is refused. The handler stubs
are a file convert writes on its own, so they are never written through a link:
a symlink named unit1.py, dangling or not, is left alone and reported.

The import report (socket components, other components kept as they are,
handlers, warnings) goes to stderr; errors are one line and a non-zero status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from app.core.atomic_file import write_atomically
from app.core.dfm_export import export_dfm
from app.core.dfm_import import import_dfm_file, save_imported
from app.core.form_document import SUFFIX, FormDocument, FormFileError


def convert(source: Path, target: Path, encoding: str, err: TextIO) -> None:
    kinds = (source.suffix.lower(), target.suffix.lower())
    if kinds == (".dfm", SUFFIX):
        for line in save_imported(import_dfm_file(source, encoding), target):
            err.write(line + "\n")
    elif kinds == (SUFFIX, ".dfm"):
        exported = export_dfm(FormDocument.load(source), encoding)
        for warning in exported.warnings:
            err.write(f"warning: {warning}\n")
        write_atomically(target, exported.data)
    else:
        raise FormFileError(f"convert goes from .dfm to {SUFFIX} or from {SUFFIX} to .dfm, "
                            f"not from {source.suffix or '(none)'} to {target.suffix or '(none)'}")


def main(argv: list[str] | None = None, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    parser = argparse.ArgumentParser(prog="socket-workbench convert",
                                     description="Convert between .dfm forms and Socket Workbench forms.")
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--encoding", default="cp1252",
                        help="the code page of 8-bit strings in the .dfm (cp1252, cp1251, gbk...)")
    args = parser.parse_args(argv)
    try:
        import codecs

        codecs.lookup(args.encoding)
    except LookupError:
        parser.error(f"unknown encoding {args.encoding!r}")
    try:
        convert(args.source, args.target, args.encoding, err)
    except (FormFileError, OSError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        err.write(f"socket-workbench convert: {message}\n")
        return 2
    return 0

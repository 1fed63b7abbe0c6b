"""Bad files from the command line: one clear line with the place, exit 2, never a traceback,
never a hang; and convert never writes through a symlink it did not make.

Every case runs the real ``socket-workbench run`` / ``convert`` as a subprocess on real
files: JSON nested 100,000 deep, a JSON integer of 5,000 digits, a stored .dfm tree the
writer refuses, a .dfm with a 10,000-digit hex number, a FIFO, /dev/zero, a folder and a
sparse 65 MiB file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from app.core.bounded_read import MAX_FORM_BYTES, FileRefused, read_form_file
from app.core.dfm_import import import_dfm_file
from app.core.form_document import FORMAT, FormDocument, FormFileError
from tests.app.command import CLI

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DFM = ROOT / "tests" / "app" / "data" / "dfm" / "stratomaster84__TCP-IP__Server__Unit1.dfm"


def socket_workbench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # timeout: a FIFO that blocked the reader would end the test here, not hang the suite
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def one_clear_line(done: subprocess.CompletedProcess[str], command: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"socket-workbench {command}: ")
    return lines[0]


def form_text(**extra: object) -> str:
    return json.dumps({"format": FORMAT, "version": 1, "form": {"name": "Form1"}, "components": [], **extra})


def foreign_tree(properties: list, class_name: str = "TForm1") -> list:
    return [{"dfm": {"kind": "object", "name": "Form1", "class": class_name, "properties": properties,
                     "children": []}}]


# -- item 8: the four traceback roots -----------------------------------------------------
BAD_FORMS = {
    "deep": ("[" * 100_000 + "]" * 100_000, "nested more than 500 levels deep at line 1, column 501"),
    "long_integer": ('{"format": "socket-workbench-form", "version": 1, "form": {"width": ' + "9" * 5000 + "}}",
                     "a number of 5000 digits at line 1, column 69"),
}
UNWRITABLE_TREES = {
    "property_end": (foreign_tree([["end", {"int": 1}]]), "Form1, property 1: 'end' cannot be written"),
    "float_abc": (foreign_tree([["X", {"float": "abc"}]]),
                  "Form1, property 1 (X): 'abc' would not read back as a float"),
    "class_with_space": (foreign_tree([], "T F"), "Form1: class name 'T F' is not an identifier"),
    "integer_too_long": (foreign_tree([["X", {"int": int("9" * 4000)}]]),
                         "Form1, property 1 (X): integer value 9999"),
}


@pytest.mark.parametrize("case", sorted(BAD_FORMS))
@pytest.mark.parametrize("command", ["run", "convert"])
def test_json_the_reader_cannot_follow_is_one_line_with_its_place(tmp_path, case, command):
    text, where = BAD_FORMS[case]
    form = tmp_path / "bad.sockform"
    form.write_text(text)
    args = [str(form)] if command == "run" else [str(form), str(tmp_path / "out.dfm")]
    line = one_clear_line(socket_workbench(command, *args), command)
    assert line.endswith(f"bad.sockform is damaged: {where}" + ("" if case == "deep" else " (at most 4300 "
                                                                                          "can be read)"))
    assert not (tmp_path / "out.dfm").exists()


@pytest.mark.parametrize("case", sorted(UNWRITABLE_TREES))
def test_a_stored_dfm_tree_the_writer_refuses_is_one_line_with_its_place(tmp_path, case):
    foreign, where = UNWRITABLE_TREES[case]
    form = tmp_path / "stored.sockform"
    form.write_text(form_text(foreign=foreign))
    line = one_clear_line(socket_workbench("convert", str(form), str(tmp_path / "out.dfm")), "convert")
    assert "can't export Form1: the form's stored .dfm tree can't be written: " + where in line
    assert len(line) < 300
    assert not (tmp_path / "out.dfm").exists()


def test_a_dfm_with_a_10000_digit_hex_number_is_refused_where_it_stands(tmp_path):
    dfm = tmp_path / "Unit1.dfm"
    dfm.write_bytes(b"object Form1: TForm1\r\n  Left = 8\r\n  Tag = $" + b"F" * 10_000 + b"\r\nend\r\n")
    line = one_clear_line(socket_workbench("convert", str(dfm), str(tmp_path / "out.sockform")), "convert")
    assert line == "socket-workbench convert: Unit1.dfm: line 3, column 9: number too long"
    assert not (tmp_path / "out.sockform").exists()
    one_clear_line(socket_workbench("run", str(dfm)), "run")


def test_the_largest_integers_a_dfm_holds_still_convert_both_ways(tmp_path):
    dfm = tmp_path / "Unit1.dfm"
    dfm.write_bytes(b"object Form1: TForm1\r\n  A = $FFFFFFFFFFFFFFFF\r\n  B = -9223372036854775808\r\nend\r\n")
    assert socket_workbench("convert", str(dfm), str(tmp_path / "f.sockform")).returncode == 0
    done = socket_workbench("convert", str(tmp_path / "f.sockform"), str(tmp_path / "back.dfm"))
    assert done.returncode == 0, done.stderr
    assert b"A = 18446744073709551615" in (tmp_path / "back.dfm").read_bytes()


# -- item 9: size and kind ------------------------------------------------------------------
@pytest.fixture(params=["fifo", "dev_zero", "folder", "sparse_65_mib"])
def not_a_form(request, tmp_path):
    """Something named like a form that must not be read: what it is, and the message."""
    kind = request.param
    path = tmp_path / "shared.sockform"
    if kind == "fifo":
        os.mkfifo(path)  # nobody ever writes to it: opening it for reading would wait forever
        return path, "is a FIFO (named pipe), not a file"
    if kind == "dev_zero":
        path.symlink_to("/dev/zero")
        return path, "is a device, not a file"
    if kind == "folder":
        path.mkdir()
        return path, "is a folder, not a file"
    with open(path, "wb") as file:
        file.truncate(65 * 1024 * 1024)  # sparse: no disk used
    return path, "shared.sockform is 65 MiB; forms and .dfm files are limited to 64 MiB"


@pytest.mark.parametrize("suffix", [".sockform", ".dfm"])
def test_run_and_convert_refuse_what_is_not_a_regular_file_or_too_big(not_a_form, suffix):
    path, message = not_a_form
    named = path.with_suffix(suffix)
    if named != path:
        path.rename(named)
    target = path.parent / ("out.dfm" if suffix == ".sockform" else "out.sockform")
    for command, args in (("run", [str(named)]), ("convert", [str(named), str(target)])):
        line = one_clear_line(socket_workbench(command, *args), command)
        assert message.replace(".sockform", suffix) in line, line
    assert not target.exists()


def test_the_loaders_refuse_before_reading(not_a_form):
    path, message = not_a_form
    with pytest.raises(FormFileError, match=re.escape(message.split(" is ")[-1].split(";")[0])):
        FormDocument.load(path)
    with pytest.raises(FormFileError):
        import_dfm_file(path)


def test_the_limit_is_64_mib_and_a_file_at_the_limit_is_read(tmp_path):
    assert MAX_FORM_BYTES == 64 * 1024 * 1024
    path = tmp_path / "f.sockform"
    path.write_bytes(b"x" * 11)
    assert read_form_file(path, limit=11) == b"x" * 11
    with pytest.raises(FileRefused, match="limited to"):
        read_form_file(path, limit=10)


# -- item 10: no writing through a symlink -----------------------------------------------------
def test_convert_does_not_write_its_stubs_through_a_dangling_symlink(tmp_path):
    target = tmp_path / "forms"
    outside = tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (target / "server.py").symlink_to(outside / "planted.py")  # dangling: planted.py does not exist
    done = socket_workbench("convert", str(SAMPLE_DFM), str(target / "server.sockform"))
    assert done.returncode == 0, done.stderr
    assert "server.py is a symbolic link; handler stubs not written" in done.stderr
    assert list(outside.iterdir()) == []
    assert (target / "server.py").is_symlink() and not (target / "server.py").exists()
    assert sorted(p.name for p in target.iterdir()) == ["server.py", "server.sockform"]


def test_convert_refuses_a_dangling_symlink_as_its_target(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "server.sockform"
    out.symlink_to(outside / "planted.sockform")
    line = one_clear_line(socket_workbench("convert", str(SAMPLE_DFM), str(out)), "convert")
    assert "is a symbolic link to" in line and "which does not exist" in line
    assert list(outside.iterdir()) == []


def test_convert_writes_through_a_symlink_to_an_existing_file_it_was_told_to_write(tmp_path):
    real = tmp_path / "real.sockform"
    real.write_text("old")
    link = tmp_path / "link.sockform"
    link.symlink_to(real)
    assert socket_workbench("convert", str(SAMPLE_DFM), str(link)).returncode == 0
    assert link.is_symlink() and FormDocument.load(real).find("ServerSocket1") is not None

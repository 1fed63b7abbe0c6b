"""``convert`` on anything: it ends in success or in one clear line and status 2, nothing else.

Both ways, with hypothesis: damaged and hostile .dfm files to .sockform (and what comes out
converts back to .dfm), and .sockform files whose stored .dfm tree is anything at all (names
the writer refuses, float text ``abc``, integers of any size, data that is not a tree) to .dfm.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.convert import main as convert_main
from app.core.dfm.json_codec import tree_to_data
from app.core.form_document import FORMAT

from .dfm.test_fuzz import BINARY_SAMPLES, ENCODINGS, TEXT_SAMPLES, mutated, nasty_trees

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def convert(folder: Path, source_name: str, data: bytes, target_name: str,
            encoding: str = "cp1252") -> tuple[int, str]:
    """Run convert on a real file in ``folder``; (status, stderr)."""
    (folder / source_name).write_bytes(data)
    err = io.StringIO()
    status = convert_main([str(folder / source_name), str(folder / target_name), "--encoding", encoding], err)
    return status, err.getvalue()


def assert_clean_end(status: int, err: str, command: str = "convert") -> None:
    assert status in (0, 2)
    assert "Traceback" not in err
    if status == 2:
        assert err.count(f"socket-workbench {command}: ") == 1 and err.endswith("\n")
        assert len(err.strip().splitlines()) == 1


_HOSTILE_DFM_TEXT = st.sampled_from([
    b"object Form1: TForm1\r\n  Tag = $" + b"F" * 10_000 + b"\r\nend\r\n",
    b"object Form1: TForm1\r\n  Caption = #55296'x'#56320\r\nend\r\n",
    b"object Form1: TForm1\r\n  Caption = #56320\r\n  object S: TServerSocket\r\n    Port = 99999999999999999999\r\n"
    b"  end\r\nend\r\n",
    b"object Form1: TForm1\r\n" + b"  object A: TPanel\r\n" * 99 + b"  end\r\n" * 99 + b"end\r\n",
])


@FUZZ
@given(data=mutated(TEXT_SAMPLES) | mutated(BINARY_SAMPLES) | _HOSTILE_DFM_TEXT,
       encoding=st.sampled_from(ENCODINGS))
def test_dfm_to_sockform_and_back_ends_in_success_or_one_line(data, encoding):
    with tempfile.TemporaryDirectory(prefix="convert-fuzz-") as name:
        folder = Path(name)
        status, err = convert(folder, "Unit1.dfm", data, "unit1.sockform", encoding)
        assert_clean_end(status, err)
        if status == 0:
            # what a .dfm gave, a .dfm can take again
            back = io.StringIO()
            assert convert_main([str(folder / "unit1.sockform"), str(folder / "Back.dfm"), "--encoding",
                                 encoding], back) == 0, back.getvalue()


_CODEC_KEYS = ["kind", "name", "class", "index", "properties", "children", "int", "float", "suffix", "ident",
               "str", "set", "list", "collection", "binary", "x"]
_json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
    | st.sampled_from(["object", "end", "T F", "abc", "zz", "Form1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_CODEC_KEYS), inner, max_size=4),
    max_leaves=10)


@st.composite
def stored_trees(draw: st.DrawFn) -> object:
    """What a form file's "foreign" may hold: a written tree of anything, or any data at all."""
    if draw(st.booleans()):
        try:
            return tree_to_data(draw(nasty_trees))
        except TypeError:  # a value that is not a value has no stored form
            assume(False)
    return draw(_json_data)


@FUZZ
@given(tree=stored_trees(), name=st.sampled_from(["Form1", "Form2"]))
def test_sockform_with_any_stored_tree_to_dfm_ends_in_success_or_one_line(tree, name):
    try:
        text = json.dumps({"format": FORMAT, "version": 1, "form": {"name": name}, "components": [
            {"type": "ServerSocket", "name": "ServerSocket1", "properties": {"Port": 8080}}],
            "foreign": [{"dfm": tree}]})
    except ValueError:  # an integer too long for any JSON file
        assume(False)
    with tempfile.TemporaryDirectory(prefix="convert-fuzz-") as name:
        folder = Path(name)
        status, err = convert(folder, "form.sockform", text.encode("utf-8"), "Unit1.dfm")
        assert_clean_end(status, err)
        assert (folder / "Unit1.dfm").exists() == (status == 0)

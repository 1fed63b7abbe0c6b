"""write_atomically and symlinks, on real files: a link to a file is written as editors do, a
dangling link is never written through, and create_only writes only where nothing is."""

from __future__ import annotations

import pytest

from app.core.atomic_file import LinkRefused, write_atomically


def test_a_symlink_to_a_file_keeps_pointing_at_the_new_content(tmp_path):
    real = tmp_path / "real.sockform"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.sockform"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o640


def test_a_dangling_symlink_is_not_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    link = tmp_path / "form" / "unit1.py"
    link.parent.mkdir()
    link.symlink_to(outside / "planted.py")
    with pytest.raises(LinkRefused, match="which does not exist; not creating a file through it"):
        write_atomically(link, b"x = 1\n")
    assert list(outside.iterdir()) == [] and sorted(p.name for p in link.parent.iterdir()) == ["unit1.py"]


@pytest.mark.parametrize("there", ["file", "link to a file", "dangling link"])
def test_create_only_never_touches_what_is_there(tmp_path, there):
    target = tmp_path / "unit1.py"
    other = tmp_path / "other.py"
    other.write_bytes(b"keep")
    if there == "file":
        target.write_bytes(b"keep")
    elif there == "link to a file":
        target.symlink_to(other)
    else:
        target.symlink_to(tmp_path / "nowhere.py")
    with pytest.raises(FileExistsError):
        write_atomically(target, b"stubs", create_only=True)
    assert other.read_bytes() == b"keep" and not (tmp_path / "nowhere.py").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_create_only_creates(tmp_path):
    target = tmp_path / "unit1.py"
    write_atomically(target, b"stubs", create_only=True)
    assert target.read_bytes() == b"stubs" and sorted(p.name for p in tmp_path.iterdir()) == ["unit1.py"]

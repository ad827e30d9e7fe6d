"""Local engine data folders are made owner-only, whatever an older version left behind."""

from __future__ import annotations

from pathlib import Path

from walltrack.data.private_files import make_private


def test_folders_become_0700_and_files_0600_and_symlink_targets_are_left_alone(
    tmp_path: Path,
) -> None:
    # Given a data folder an older version left readable, with a nested folder, a file and a
    # symlink to a file outside it
    data = tmp_path / "graph"
    (data / "nested").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    (data / "nested" / "graph.rdb").write_text("dump")
    (data / "nested" / "graph.rdb").chmod(0o644)
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (data / "link").symlink_to(outside)
    # When it is made private
    make_private(data)
    # Then every folder is 0700, every file 0600, and the symlink's target keeps its mode
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "nested").stat().st_mode & 0o777 == 0o700
    assert (data / "nested" / "graph.rdb").stat().st_mode & 0o777 == 0o600
    assert outside.stat().st_mode & 0o777 == 0o644


def test_a_missing_folder_is_created_owner_only(tmp_path: Path) -> None:
    # Given no folder yet / When it is made private / Then it exists, 0700
    make_private(tmp_path / "new" / "graph")
    assert (tmp_path / "new" / "graph").stat().st_mode & 0o777 == 0o700

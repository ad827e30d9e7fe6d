"""The product never sees the simulator: no imports of ``sim`` nor mentions of ``__sim`` in it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(("package", "forbidden"), [("walltrack", "sim"), ("sim", "walltrack")])
def test_the_product_and_the_sim_never_import_each_other(package: str, forbidden: str) -> None:
    # Given every Python file of one side
    files = sorted((REPO / package).rglob("*.py"))
    assert files
    # Then none imports the other side
    offenders = [str(f.relative_to(REPO)) for f in files if forbidden in _imports(f)]
    assert offenders == []


def test_the_product_never_mentions_the_sim_routes() -> None:
    # Given every file under walltrack/
    files = [
        f
        for f in (REPO / "walltrack").rglob("*")
        if f.is_file() and f.suffix in {".py", ".yaml", ".json", ".sql", ".toml", ".md"}
    ]
    # Then none mentions the truth/status routes of the sim
    offenders = [
        str(f.relative_to(REPO))
        for f in files
        if "__sim" in f.read_text(encoding="utf-8", errors="ignore")
    ]
    assert offenders == []


def test_the_import_check_would_catch_an_offender(tmp_path: Path) -> None:
    # Given a file that imports the sim
    bad = tmp_path / "bad.py"
    bad.write_text("from sim.world import World\nimport sim.server\n")
    # Then the checker sees it
    assert "sim" in _imports(bad)

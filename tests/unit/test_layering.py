"""The house layering rules, checked on the source (ARCHITECTURE §2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _python_files(folder: str) -> list[Path]:
    return sorted((REPO_ROOT / folder).rglob("*.py"))


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in _python_files(folder):
        for module in _imports(path):
            if (
                module == forbidden
                or module.split(".")[0] in forbidden
                or any(module == f or module.startswith(f + ".") for f in forbidden)
            ):
                bad.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    return bad


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        # core: business rules only — no HTTP, SQL, Cypher drivers, AWS or web framework
        (
            "walltrack/core",
            ("httpx", "psycopg", "psycopg_pool", "neo4j", "boto3", "fastapi", "gradio",
             "walltrack.data.postgres", "walltrack.data.graph", "walltrack.services",
             "walltrack.api"),
        ),
        # services: external API clients only — no database, no graph, no web framework
        ("walltrack/services", ("psycopg", "psycopg_pool", "neo4j", "fastapi", "gradio")),
        # the product never imports the simulated market, nor does the UI reach past the API
        ("walltrack", ("sim",)),
        ("ui", ("walltrack.data", "walltrack.core", "walltrack.api", "psycopg", "neo4j", "sim")),
    ],
)  # fmt: skip
def test_layers_import_only_what_they_may(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _offenders(folder, forbidden) == []


def test_the_product_never_mentions_the_sims_truth_routes() -> None:
    mentions = [
        str(path.relative_to(REPO_ROOT))
        for path in _python_files("walltrack") + _python_files("functions") + _python_files("ui")
        if "__sim" in path.read_text(encoding="utf-8")
    ]
    assert mentions == []


def test_all_sql_text_lives_in_data_postgres() -> None:
    sql_markers = ("select ", "insert into", "update public.", "delete from")
    outside = []
    for path in _python_files("walltrack"):
        if "data/postgres" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8").lower()
        outside += [f"{path.relative_to(REPO_ROOT)}: {m!r}" for m in sql_markers if m in text]
    assert outside == []

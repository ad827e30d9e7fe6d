"""House rules about the source's text (ARCHITECTURE §2). Who may import whom is checked by
import-linter (`lint-imports`, contracts in pyproject.toml), run by `make test`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT


def _python_files(folder: str) -> list[Path]:
    return sorted((REPO_ROOT / folder).rglob("*.py"))


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

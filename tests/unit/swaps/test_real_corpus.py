"""The parser on real mainnet Helius transactions nobody here wrote (tests/fixtures/real): each
gives exactly its hand-worked answer (the reasoning is in the READMEs beside them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from walltrack.app.swaps import parse_transactions
from walltrack.core.swaps import swap_record

CORPUS = REPO_ROOT / "tests" / "fixtures" / "real"
FIXTURES = sorted(CORPUS.glob("*/*.json"))


def _expected(fixture: Path) -> list[dict[str, Any]]:
    text = fixture.with_suffix(".expected.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_fixture_has_an_answer_a_reason_and_a_source() -> None:
    sources = (CORPUS / "SOURCES.md").read_text()
    for fixture in FIXTURES:
        assert fixture.with_suffix(".expected.jsonl").exists(), fixture.name
        assert f"`{fixture.stem}`" in (fixture.parent / "README.md").read_text(), fixture.name
        assert f"`{fixture.stem}`" in sources, fixture.name


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_real_transaction_gives_its_hand_worked_answer(fixture: Path) -> None:
    # Given one real enhanced transaction (a JSON array of one, as a webhook body holds it)
    body = json.loads(fixture.read_text())
    # When parsed as wallet discovery and parse-helius do (one trader per transaction)
    swaps, errors = parse_transactions(body)
    # Then the swaps are exactly the hand-worked ones, and nothing was unreadable
    assert errors == []
    assert [swap_record(swap) for swap in swaps] == _expected(fixture)

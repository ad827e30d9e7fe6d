"""Each Helius reference fixture → its hand-checked answer (tests/fixtures/parse_helius)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHARED_REFERENCE
from walltrack.cli import main

HELIUS = SHARED_REFERENCE / "fixtures" / "helius"
EXPECTED = REPO_ROOT / "tests" / "fixtures" / "parse_helius"
NAMES = [
    "enhanced_tx_failed",
    "enhanced_tx_pumpfun_buy",
    "enhanced_tx_pumpfun_sell",
    "enhanced_tx_raydium_buy",
    "enhanced_tx_sol_transfer",
    "enhanced_tx_token_transfer",
    "webhook_delivery",
]


def _cli_input(name: str, tmp_path: Path) -> Path:
    """The fixture as a webhook body: a single transaction is wrapped in a list."""
    body = json.loads((HELIUS / f"{name}.json").read_text())
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body if isinstance(body, list) else [body]))
    return path


def _expected(name: str) -> list[str]:
    return (EXPECTED / f"{name}.expected.jsonl").read_text().splitlines()


def test_every_helius_transaction_fixture_has_an_answer() -> None:
    fixtures = {p.stem for p in HELIUS.glob("enhanced_tx_*.json")} | {"webhook_delivery"}
    assert fixtures == set(NAMES)
    assert {p.name.removesuffix(".expected.jsonl") for p in EXPECTED.glob("*.jsonl")} == fixtures


@pytest.mark.parametrize("name", NAMES)
def test_fixture_gives_its_expected_lines(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the fixture as CLI input
    path = _cli_input(name, tmp_path)
    # When parsed in-process
    code = main(["parse-helius", str(path)])
    out, err = capsys.readouterr()
    # Then the output is exactly the hand-checked answer, and nothing is reported
    assert code == 0
    assert out.splitlines() == _expected(name)
    assert err == ""


def test_fixture_through_a_real_subprocess(tmp_path: Path) -> None:
    # Given the webhook body as a file
    path = _cli_input("webhook_delivery", tmp_path)
    # When run as `python -m walltrack.cli parse-helius FILE`
    done = subprocess.run(
        [sys.executable, "-m", "walltrack.cli", "parse-helius", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    # Then the same three lines come out and the exit code is 0
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == _expected("webhook_delivery")

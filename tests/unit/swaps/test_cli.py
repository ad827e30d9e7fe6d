"""`walltrack parse-helius`: stdout lines, stderr reports, exit codes."""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.unit.swaps.builders import (
    ATA,
    ATA_2,
    CURVE,
    CURVE_VAULT,
    TOKEN,
    TRADER,
    TRADER_2,
    TradeSpec,
    TxBuilder,
    to_json,
    trade_tx,
)
from walltrack.cli import main, parse_helius
from walltrack.core.swaps import format_amount
from walltrack.errors import MalformedTransaction

FIELDS = [
    "signature",
    "wallet",
    "side",
    "token_mint",
    "token_amount",
    "quote_mint",
    "quote_amount",
    "source",
    "timestamp",
    "slot",
]


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: Any, *extra: str
) -> tuple[int, list[str], str]:
    path = tmp_path / "body.json"
    path.write_text(body if isinstance(body, str) else to_json(body))
    code = main(["parse-helius", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_one_json_object_per_swap_with_exactly_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a USDC sell and a curve buy
    body = [
        trade_tx(TradeSpec(side="sell", shape="usdc", quote_raw=1_500_000, token_raw=10**15)),
        trade_tx(TradeSpec(quote_raw=10**9, token_raw=123_456_789, decimals=9)),
    ]
    # When parsed
    code, lines, err = _run(tmp_path, capsys, body)
    # Then two lines, fields in order, amounts as plain strings, time as ISO 8601 Z
    assert (code, err) == (0, "")
    first, second = (json.loads(line) for line in lines)
    assert list(first) == FIELDS
    assert first["side"] == "sell"
    assert (first["token_amount"], first["quote_amount"]) == ("1000000000", "1.5")
    assert (second["token_amount"], second["quote_amount"]) == ("0.123456789", "1")
    assert first["timestamp"] == "2026-03-10T14:02:00Z"
    assert isinstance(first["slot"], int)


def test_malformed_items_are_reported_on_stderr_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a body whose second and fourth items are broken
    good = trade_tx(TradeSpec())
    broken = trade_tx(TradeSpec(), slot="soon")
    body = [good, broken, trade_tx(TradeSpec(side="sell")), "nope"]
    # When parsed
    code, lines, err = _run(tmp_path, capsys, body)
    # Then the good items print, each bad one is named on stderr, and the exit code is 0
    assert code == 0
    assert [json.loads(line)["side"] for line in lines] == ["buy", "sell"]
    assert "item 1 skipped: slot is a string" in err
    assert "item 3 skipped: transaction is a string" in err
    assert len(err.splitlines()) == 2


def test_an_empty_array_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, capsys, []) == (0, [], "")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "is not valid JSON"),
        ("", "is not valid JSON"),
        ('{"signature": "x"}', "holds a JSON object, expected an array"),
        ('"text"', "holds a JSON string, expected an array"),
        ("null", "holds a JSON null"),
        ("[" * 100_000, "is not valid JSON"),
    ],
)
def test_unusable_file_content_exits_2_with_a_clear_message(
    body: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = _run(tmp_path, capsys, body)
    assert (code, lines) == (2, [])
    assert reason in err
    assert err.startswith("parse-helius: ")


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["parse-helius", str(tmp_path / "absent.json")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "cannot read" in err
    assert "No such file" in err


def test_directory_or_binary_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse-helius", str(tmp_path)]) == 2
    binary = tmp_path / "body.bin"
    binary.write_bytes(b"\xff\xfe\x00[")
    assert main(["parse-helius", str(binary)]) == 2
    assert capsys.readouterr().err.count("cannot read") == 2


def test_dash_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = to_json([trade_tx(TradeSpec())])
    monkeypatch.setattr("sys.stdin", io.StringIO(body))
    assert main(["parse-helius", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["wallet"] == TRADER


def test_wallet_option_reports_each_watched_wallet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one transaction in which two wallets buy
    b = TxBuilder(signers=(TRADER_2,))
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**6, 6)
    b.system_transfer(TRADER, CURVE, 10**8)
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER_2, ATA_2), TOKEN, 10**6, 6)
    b.system_transfer(TRADER_2, CURVE, 10**8)
    body = [b.build()]
    # Then by default only the fee payer's trade prints; with --wallet both do
    assert len(_run(tmp_path, capsys, body)[1]) == 1
    _, lines, _ = _run(tmp_path, capsys, body, "--wallet", TRADER_2, "--wallet", TRADER)
    assert [json.loads(line)["wallet"] for line in lines] == [TRADER, TRADER_2]


def test_chunks_parsed_by_several_processes_come_out_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given eleven buys of 1..11 tokens, the seventh broken, read in chunks of three
    monkeypatch.setattr(parse_helius, "CHUNK", 3)
    body = [trade_tx(TradeSpec(token_raw=10**6 * (i + 1))) for i in range(11)]
    body[6] = trade_tx(TradeSpec(), slot="soon")
    # When parsed by one process and by three
    serial = _run(tmp_path, capsys, body, "--jobs", "1")
    parallel = _run(tmp_path, capsys, body, "--jobs", "3")
    # Then the same lines in input order, and the broken item named by its place in the body
    assert parallel == serial
    assert [json.loads(line)["token_amount"] for line in serial[1]] == [
        str(i + 1) for i in range(11) if i != 6
    ]
    assert len(serial[2].splitlines()) == 1
    assert serial[2].startswith("parse-helius: item 6 skipped: slot is a string")


def test_a_body_of_several_chunks_is_parsed_outside_this_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a parser that reports the process it ran in, and four chunks
    def where_parsed(tx: Any, *, wallets: list[str] | None = None) -> list[Any]:
        raise MalformedTransaction(f"parsed by {os.getpid()}")

    monkeypatch.setattr(parse_helius, "parse_transaction", where_parsed)
    monkeypatch.setattr(parse_helius, "CHUNK", 2)
    # When parsed with two jobs
    code, _, err = _run(tmp_path, capsys, [trade_tx(TradeSpec())] * 8, "--jobs", "2")
    # Then every item was parsed by a worker, none by this process
    pids = {line.rsplit(" ", 1)[1] for line in err.splitlines()}
    assert code == 0
    assert len(err.splitlines()) == 8
    assert pids
    assert str(os.getpid()) not in pids


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_whole_number_of_processes(
    jobs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        _run(tmp_path, capsys, [], "--jobs", jobs)
    assert exit_.value.code == 2
    assert "whole number of processes >= 1" in capsys.readouterr().err


def test_amounts_are_read_exactly_from_json_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a token transfer amount with more digits than a float holds, and no accountData
    tx = trade_tx(TradeSpec(shape="temp_wsol", token_raw=12_345_678_901_234_567_891, decimals=9))
    tx["accountData"] = []
    text = to_json([tx])
    assert "12345678901.234567891," in text  # a JSON number, not a string
    # When parsed (the CLI parses JSON numbers as Decimal)
    _, lines, _ = _run(tmp_path, capsys, text)
    # Then no digit is lost
    assert json.loads(lines[0])["token_amount"] == "12345678901.234567891"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0.499950000"), "0.49995"),
        (Decimal("5E+6"), "5000000"),
        (Decimal("2.000000000"), "2"),
        (Decimal("1E-9"), "0.000000001"),
        (Decimal(f"{'9' * 40}.{'1' * 30}"), f"{'9' * 40}.{'1' * 30}"),
        (Decimal("0E-9"), "0"),
    ],
)
def test_amount_text_has_no_exponent_and_no_trailing_zeros(amount: Decimal, text: str) -> None:
    assert format_amount(amount) == text

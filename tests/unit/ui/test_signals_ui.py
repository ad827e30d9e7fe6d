"""Signals tab texts and figure from the API's JSON (a real `Signal` dumped as the API does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ui.signals import (
    EMPTY,
    SIGNAL_HEADERS,
    breakdown_figure,
    component_rows,
    count_text,
    latency_text,
    signal_markdown,
    signal_rows,
)
from walltrack.data.models.signals import Signal, SignalComponent
from walltrack.data.models.solana import SOL_MINT

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)


def _signal(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": 7,
        "kind": "entry",
        "signature": "sig",
        "wallet": "WalletAAAA1111111111111111111111111111111111",
        "owner_id": "own-0123456789abcdef",
        "token_mint": "MintBBBB22222222222222222222222222222222222",
        "side": "buy",
        "token_amount": Decimal("1000"),
        "quote_mint": SOL_MINT,
        "quote_amount": Decimal("1.250000000"),
        "onchain_at": AT,
        "received_at": AT + timedelta(seconds=2),
        "scored_at": AT + timedelta(seconds=2.5),
        "via": "webhook",
        "score": 0.62,
        "components": (
            SignalComponent(
                name="wallet_score", raw=0.4, normalised=0.7, weight=3, contribution=0.42
            ),
            SignalComponent(
                name="owner_consensus",
                raw=2,
                normalised=0.5,
                weight=2,
                contribution=0.2,
                detail="2 owner(s) within 30 min",
            ),
        ),
        "consensus_owners": ("own-0123456789abcdef", "own-b"),
        "accepted": True,
        "reason": "score 0.620 ≥ 0.500",
    }
    values.update(changes)
    return Signal(**values).model_dump(mode="json")


def test_a_row_shows_the_signal_short_with_its_latency_and_reason() -> None:
    # Given a page of one signal / When shown as rows
    [row] = signal_rows({"items": [_signal()], "total": 1})
    # Then each header has its cell: short addresses, exact amount, latency from on-chain
    cells = dict(zip(SIGNAL_HEADERS, row, strict=True))
    assert cells["Id"] == 7
    assert cells["Scored (UTC)"] == "2026-12-18 12:00:02"
    assert (cells["Kind"], cells["Accepted"], cells["Score"]) == ("entry", "yes", "0.620")
    assert cells["Wallet"] == "Wall…1111"
    assert cells["Amount"] == "1.25 SOL"
    assert cells["Latency (s)"] == "2.5"
    assert cells["Reason"] == "score 0.620 ≥ 0.500"


def test_an_exit_has_no_score_and_says_the_share_sold() -> None:
    exit_signal = _signal(kind="exit", side="sell", score=None, components=(),
                          consensus_owners=(), fraction_sold=Decimal("0.5"),
                          reason="sold 50.0% of its holding")  # fmt: skip
    [row] = signal_rows({"items": [exit_signal]})
    assert row[4] == "—"
    assert "Sold **50.0%** of its holding" in signal_markdown(exit_signal)


def test_the_count_says_how_many_or_that_there_are_none() -> None:
    assert count_text({"items": [], "total": 0}) == EMPTY
    body = {"items": [_signal()], "total": 12, "as_of": AT.isoformat()}
    assert count_text(body).startswith("**12** signal(s); the newest 1 shown")


def test_the_breakdown_bars_are_the_contributions_in_component_order() -> None:
    figure = breakdown_figure(_signal())
    [bars] = figure.data
    assert list(bars.y) == ["wallet score", "owner consensus"]
    assert list(bars.x) == [0.42, 0.2]
    assert "Score 0.620" in figure.layout.title.text
    rows = component_rows(_signal()["components"])
    assert rows[1] == ["owner consensus", "2", "0.500", "2.00", "0.200", "2 owner(s) within 30 min"]


def test_the_latency_reads_on_chain_to_received_to_scored() -> None:
    text = latency_text(_signal())
    assert "on-chain 2026-12-18 12:00:00 → received 2026-12-18 12:00:02 (**2.0 s**" in text
    assert "(**2.5 s** from on-chain)" in text
    assert "Owners buying within the window: 2" in signal_markdown(_signal())

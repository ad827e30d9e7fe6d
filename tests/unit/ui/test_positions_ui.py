"""Positions tab texts from the API's JSON (a real `PositionView` dumped as the API does)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ui.positions import (
    EMPTY,
    POSITION_HEADERS,
    count_text,
    exit_plan,
    kill_switch_text,
    order_rows,
    position_rows,
    refusal_rows,
)
from walltrack.api.routes.positions import PositionView
from walltrack.data.models.trading import Position
from walltrack.data.models.trading_settings import ExitSettings

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
ID = UUID("00000000-0000-0000-0000-000000000007")


def _position(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "position_id": ID,
        "signal_id": 7,
        "token_mint": "MintBBBB22222222222222222222222222222222222",
        "wallet": "WalletAAAA1111111111111111111111111111111111",
        "owner_id": "own-1",
        "status": "open",
        "opened_at": AT,
        "size_lamports": 400_000_000,
        "held_units": 1_234_567,
        "cost_lamports": 399_000_000,
        "realised_lamports": 0,
        "fees_lamports": 15_000,
        "last_price": Decimal("400"),
        "exit_plan": ExitSettings().model_dump(mode="json"),
    } | changes
    view = PositionView.of(Position.model_validate(values))
    dumped: dict[str, Any] = json.loads(view.model_dump_json())
    return dumped


def test_an_open_position_reads_in_exact_sol_with_its_unrealised_pnl_and_plan() -> None:
    # Given an open position marked at 400 lamports per unit (1,234,567 units: 0.4938268 SOL)
    body = {"items": [_position()], "total": 1, "as_of": AT.isoformat()}
    # When its row is made
    [row] = position_rows(body)
    cells = dict(zip(POSITION_HEADERS, row, strict=True))
    # Then each figure is exact SOL, PnL signed, the plan in a few words, nothing closed it
    assert cells["Position"] == str(ID)
    assert (cells["Token"], cells["Followed wallet"]) == ("Mint…2222", "Wall…1111")
    assert (cells["Size"], cells["Cost"], cells["Fees"]) == ("0.4 SOL", "0.399 SOL", "0.000015 SOL")
    assert cells["Held"] == "1,234,567 units"
    assert cells["Unrealised"] == "+0.0948268 SOL"
    assert cells["Net PnL"] == "+0.0948118 SOL"
    assert cells["Exit plan"] == (
        "SL -30%, TP +50%:33%/+100%:33%, trail 20% from +30%, time 24h, mirror"
    )
    assert cells["Closed by"] == ""


def test_a_closed_position_shows_the_rule_that_closed_it_and_a_loss_unsigned() -> None:
    # Given a position the stop loss closed at a loss, nothing held, never marked again
    closed = _position(
        status="closed", held_units=0, cost_lamports=0, realised_lamports=-120_000_000,
        close_reason="stop_loss", last_price=None,
    )  # fmt: skip
    [row] = position_rows({"items": [closed], "total": 1})
    cells = dict(zip(POSITION_HEADERS, row, strict=True))
    assert (cells["Realised"], cells["Unrealised"]) == ("-0.12 SOL", "—")
    assert cells["Closed by"] == "stop_loss"


def test_an_empty_plan_and_the_count_line() -> None:
    assert exit_plan({}) == ""
    assert count_text({"items": [], "total": 0}) == EMPTY
    assert count_text({"items": [{}], "total": 3, "as_of": AT.isoformat()}).startswith("**3**")


def test_orders_refusals_and_the_kill_switch_state() -> None:
    # Given an entry order filled and an exit pending, a refusal, the switch on and off
    orders = [
        {"requested_at": AT.isoformat(), "side": "entry", "reason": "signal", "status": "filled",
         "amount_in": 400_000_000, "filled_out": 1_234_567, "reject_reason": None},
        {"requested_at": AT.isoformat(), "side": "exit", "reason": "manual", "status": "pending",
         "amount_in": 1_234_567, "filled_out": None, "reject_reason": None},
    ]  # fmt: skip
    refusal = {"at": AT.isoformat(), "signal_id": 9, "token_mint": "MintBBBB2222",
               "wallet": "WalletAAAA11", "rule": "kill_switch",
               "detail": "no new entries"}  # fmt: skip
    # Then entries spend SOL for units, exits sell units; the refusal keeps its rule
    assert order_rows(orders) == [
        ["2026-12-18 12:00:00", "entry", "signal", "filled", "0.4 SOL", "1,234,567 units", ""],
        ["2026-12-18 12:00:00", "exit", "manual", "pending", "1,234,567 units", "", ""],
    ]
    assert refusal_rows({"items": [refusal]})[0][4:] == ["kill_switch", "no new entries"]
    assert "ON" in kill_switch_text(True, {"on": True}, 200)
    assert "off" in kill_switch_text(True, {"on": False}, 200)
    assert "unknown (503)" in kill_switch_text(False, {"message": "down"}, 503)

"""The Wallets tab's formatting: API JSON → table rows, progress text, detail markdown, chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from tests.unit.profiling.builders import NOW, market_of, prints, step_path, swap
from ui.wallets import (
    ALL_TOKENS,
    ALL_TOKENS_LABEL,
    DEFAULT_FLAGS,
    DEFAULT_QUALIFIED,
    DEFAULT_SORT,
    FLAG_FILTERS,
    PARTIAL_WARNING,
    QUALIFIED,
    SORTS,
    WALLET_HEADERS,
    address_index,
    button_state,
    count_text,
    discovery_progress,
    duration,
    error_text,
    flags_markdown,
    partial_markdown,
    percent,
    pnl_frame,
    profile_markdown,
    short_address,
    sol,
    still_watching,
    token_choices,
    trade_rows,
    wallet_rows,
)
from walltrack.core.discovery.profiler import profile_wallet
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

D = Decimal
HOUR = 3_600
PATIENT = "PatientWa11et1111111111111111111111111111111"
SNIPER = "SniperWa11et11111111111111111111111111111111"
MINT = "Runner0Mint111111111111111111111111111111pump"


def _patient(*, partial: bool = False) -> WalletProfile:
    """Ten tokens bought a minute in and sold ten minutes later after a ×1.3 step."""
    swaps: list[Swap] = []
    tapes = []
    for i in range(10):
        mint, start = f"Runner{i}", i * HOUR
        before, after = D("0.000001"), D("0.0000013")
        tapes.append(
            (mint, prints(mint, step_path(start, start + 300, start + 1_200, before, after)))
        )
        tokens = D(1) / before
        swaps += [
            swap(PATIENT, "buy", mint, tokens, "1", start + 60),
            swap(PATIENT, "sell", mint, tokens, tokens * after, start + 660),
        ]
    return profile_wallet(
        wallet=PATIENT,
        swaps=swaps,
        market=market_of(tapes),
        settings=WalletProfileSettings(),
        now=NOW,
        partial=partial,
    )


def _sniper() -> WalletProfile:
    """Ten launches bought in the launch slot and sold 5 s later."""
    swaps: list[Swap] = []
    tapes = []
    launches = {}
    for i in range(10):
        mint, start = f"Launch{i}", i * HOUR
        path = [(start + s, D("0.0000012")) for s in range(6, 60)]
        swaps += [
            swap(SNIPER, "buy", mint, "1000000", "1", start),
            swap(SNIPER, "sell", mint, "1000000", "1.5", start + 5),
        ]
        tapes.append((mint, prints(mint, path)))
        launches[mint] = start
    return profile_wallet(
        wallet=SNIPER,
        swaps=swaps,
        market=market_of(tapes, launches=launches),
        settings=WalletProfileSettings(),
        now=NOW,
        partial=False,
    )


def _summary(profile: WalletProfile) -> dict[str, Any]:
    """The API's WalletSummary for a profiled wallet (the contract of GET /wallets)."""
    data = profile.model_dump(mode="json")
    return {
        "address": profile.wallet,
        "status": "profiled",
        "score": profile.score,
        "confidence": profile.breakdown.confidence,
        "realised_pnl_sol": data["realised_pnl_sol"],
        "unrealised_pnl_sol": data["unrealised_pnl_sol"],
        "win_rate": profile.win_rate,
        "median_hold_seconds": profile.median_hold_seconds,
        "trades": profile.trades,
        "tokens": profile.tokens,
        "copy_edge": data["copyability"]["edge"],
        "score_edge": data["copyability"]["capped_edge"],
        "copy_win_rate": profile.copyability.win_rate,
        "is_bot": profile.is_bot,
        "bot_flags": [f.kind for f in profile.bot_flags],
        "partial": profile.partial,
        "qualified": profile.qualified,
        "qualification": list(profile.qualification),
        "first_seen_at": "2026-03-10T13:00:00Z",
        "profiled_at": data["profiled_at"],
        "error": None,
        "discovered_from": [{"mint": MINT, "reasons": ["early_buyer", "top_trader"]}],
    }


def _candidate(address: str) -> dict[str, Any]:
    blank = dict.fromkeys(
        ("score", "confidence", "realised_pnl_sol", "unrealised_pnl_sol", "win_rate"), None
    )
    return {
        **blank,
        "address": address,
        "status": "candidate",
        "median_hold_seconds": None,
        "trades": None,
        "tokens": None,
        "copy_edge": None,
        "copy_win_rate": None,
        "is_bot": None,
        "bot_flags": [],
        "partial": None,
        "qualified": None,
        "first_seen_at": "2026-03-10T13:00:00Z",
        "profiled_at": None,
        "error": None,
        "discovered_from": [{"mint": MINT, "reasons": ["early_buyer"]}],
    }


def _detail(profile: WalletProfile | None, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "wallet": summary,
        "profile": None if profile is None else profile.model_dump(mode="json"),
        "trades": [],
        "pnl_curve": [],
    }


def test_the_table_ranks_rows_in_api_order_with_readable_figures() -> None:
    # Given a page with a profiled clean wallet, a profiled sniper and a candidate
    patient, sniper = _patient(), _sniper()
    body = {
        "total": 3,
        "pending": 1,
        "as_of": "2026-03-12T12:00:00Z",
        "items": [
            _summary(patient),
            _summary(sniper),
            _candidate("Cand1dateWa11et11111111111111111111"),
        ],
    }
    # When it becomes table rows
    rows = wallet_rows(body)
    # Then ranks follow the API order and each figure is formatted for reading
    assert [r[0] for r in rows] == [1, 2, 3]
    first = rows[0]
    assert first[1] == "Pati…1111"
    column = {name: i for i, name in enumerate(WALLET_HEADERS)}
    assert first[2] == f"{patient.score:+.3f}"
    assert first[column["qualified"]] == "yes"
    assert first[column["realised PnL (SOL)"]] == f"{patient.realised_pnl_sol:+,.4f}"
    assert first[column["win rate"]] == "100 %"
    assert first[column["median hold"]] == "10 min 00 s"
    assert first[column["trades"]] == 20
    assert first[column["flags"]] == "clean"
    assert first[column["status"]] == "profiled"
    # And the edge the score reads is shown, labelled apart from the pooled uncapped one
    capped, pooled = patient.copyability.capped_edge, patient.copyability.edge
    assert capped is not None
    assert pooled is not None
    assert first[column["edge in score (typical buy, capped)"]] == f"{capped * 100:+.1f} %"
    assert first[column["pooled edge (uncapped)"]] == f"{pooled * 100:+.1f} %"
    # And the sniper shows its flags and why it is not qualified; the candidate blanks
    assert rows[1][column["flags"]] == "launch_sniper, fast_flipper"
    assert rows[1][column["qualified"]].startswith("no: bot: launch_sniper (")
    assert rows[2][2 : column["history"]] == [""] * (column["history"] - 2)
    assert rows[2][column["status"]] == "candidate"


def test_a_partial_history_is_marked_in_its_row() -> None:
    partial = _patient(partial=True)
    rows = wallet_rows({"items": [_summary(partial), _summary(_patient())]})
    assert [r[WALLET_HEADERS.index("history")] for r in rows] == ["⚠ partial", ""]


def test_a_clicked_row_maps_back_to_its_full_address() -> None:
    body = {"total": 1, "items": [_candidate(PATIENT)]}
    index = address_index(body)
    assert index[wallet_rows(body)[0][1]] == PATIENT


def test_the_count_says_when_the_table_shows_only_the_first_page() -> None:
    body = {"total": 120, "items": [_candidate(PATIENT)]}
    assert count_text(body) == "**120 wallets** (showing the first 1)"
    assert count_text({"total": 1, "items": [_candidate(PATIENT)]}) == "**1 wallets**"


def test_the_token_choices_end_with_all_active_tokens() -> None:
    body = {"items": [{"mint": MINT, "symbol": "RUN"}, {"mint": SOL_MINT, "symbol": None}]}
    choices = token_choices(body)
    assert choices[0] == ("RUN — Runn…pump", MINT)
    assert choices[1] == ("? — So11…1112", SOL_MINT)
    assert choices[-1] == (ALL_TOKENS_LABEL, ALL_TOKENS)


def test_progress_shows_the_run_then_the_profiles_still_pending() -> None:
    # Given a run half-way through its tokens
    running = {
        "status": "running",
        "counts": {"tokens": 4, "tokens_done": 2, "swaps": 800, "candidates": 60},
    }
    # Then its progress names the tokens done and the pending profiles, and polling goes on
    assert discovery_progress(running, 12) == (
        "Discovery **running**: 2/4 tokens, 800 swaps, 60 candidates · profiles pending: **12**"
    )
    assert still_watching(running, 0)
    # And nothing is called "all profiled" while the run may still queue candidates
    assert discovery_progress(running, 0).endswith("profiles pending: **0**")
    # Given the run finished but profiles still queued: the counts, and polling goes on
    finished = {
        "status": "succeeded",
        "counts": {
            "tokens": 1,
            "tokens_done": 1,
            "transactions": 1_900,
            "swaps": 1_800,
            "malformed": 3,
            "candidates": 70,
            "new_wallets": 65,
            "queued_profiles": 70,
        },
    }
    text = discovery_progress(finished, 5)
    assert text.startswith("Discovery **finished**: 1 tokens, 1900 transactions, 1800 swaps")
    assert "(3 malformed skipped), 70 candidates, 65 new wallets, 70 profiles queued" in text
    assert text.endswith("profiles pending: **5**")
    assert still_watching(finished, 5)
    # When nothing is pending any more, polling stops
    assert discovery_progress(finished, 0).endswith("profiles pending: **0** (all profiled)")
    assert not still_watching(finished, 0)


def test_a_failed_run_shows_its_error() -> None:
    failed = {"status": "failed", "counts": {}, "error": "helius unavailable"}
    assert discovery_progress(failed, 0).startswith("Discovery **failed**: helius unavailable")
    assert not still_watching(failed, 0)


def test_the_detail_shows_the_score_breakdown_and_copy_replay() -> None:
    # Given a profiled clean wallet
    patient = _patient()
    # When its detail is rendered
    text = profile_markdown(_detail(patient, _summary(patient)))
    # Then it shows the headline, the copy replay and each score component with its weight
    assert text.startswith(f"### {PATIENT}")
    assert "Status: **profiled** · qualified: **yes**" in text
    assert "Runn…pump (early buyer, top trader)" in text
    assert f"Score **{patient.score:+.3f}**" in text
    assert f"{patient.copyability.copied_buys} buys copied" in text
    capped = percent(patient.copyability.capped_edge, signed=True, places=1)
    assert f"typical buy (each gain capped, what the score uses) {capped}" in text
    for name in ("copy edge", "win rate", "consistency"):
        assert f"| {name} |" in text
    assert f"score **{patient.breakdown.score:+.3f}**" in text
    # And no bot flag, no partial warning
    assert "No bot flag" in flags_markdown(_detail(patient, _summary(patient)))
    assert partial_markdown(_detail(patient, _summary(patient))) == ""


def test_a_sniper_detail_lists_each_flag_with_its_reason_and_threshold() -> None:
    sniper = _sniper()
    text = flags_markdown(_detail(sniper, _summary(sniper)))
    assert "**Flagged as a bot** (2 flags)" in text
    hold = next(f for f in sniper.bot_flags if f.kind == "fast_flipper")
    assert f"| fast_flipper | 5 | 30 | {hold.reason} |" in text
    assert "| launch_sniper |" in text


def test_a_partial_history_is_warned_about() -> None:
    partial = _patient(partial=True)
    assert partial_markdown(_detail(partial, _summary(partial))) == PARTIAL_WARNING


def test_a_candidate_detail_says_its_profile_is_queued() -> None:
    detail = _detail(None, _candidate(PATIENT))
    assert "Not profiled yet" in profile_markdown(detail)
    assert flags_markdown(detail) == ""
    assert partial_markdown(detail) == ""


def test_the_pnl_curve_becomes_a_time_series() -> None:
    curve = [
        {"at": "2026-03-10T12:11:00Z", "cumulative_pnl_sol": "0.299999999"},
        {"at": "2026-03-10T13:11:00Z", "cumulative_pnl_sol": "-0.1"},
    ]
    frame = pnl_frame(curve)
    assert list(frame.columns) == ["time", "cumulative_pnl_sol"]
    assert frame["time"].iloc[0] == pd.Timestamp("2026-03-10T12:11:00Z")
    assert frame["cumulative_pnl_sol"].tolist() == [0.299999999, -0.1]
    assert pnl_frame([]).empty


def test_trades_show_the_quote_symbol_and_short_ids() -> None:
    trade = {
        "signature": "5" * 88,
        "side": "buy",
        "token_mint": MINT,
        "token_amount": "1000000",
        "quote_mint": SOL_MINT,
        "quote_symbol": "SOL",
        "quote_amount": "1.25",
        "source": "PUMP_FUN",
        "timestamp": "2026-03-10T12:01:00Z",
        "slot": 405_000_150,
    }
    row = trade_rows([trade])[0]
    assert row == [
        "2026-03-10T12:01:00Z",
        "buy",
        "Runn…pump",
        "1000000",
        "1.25 SOL",
        "PUMP_FUN",
        "555555…555555",
    ]


def test_numbers_are_formatted_exactly_from_decimal_strings() -> None:
    assert sol("0.123456789") == "+0.1235"
    assert sol("-1234.5") == "-1,234.5000"
    assert sol(None) == ""
    assert percent("0.1834", signed=True, places=1) == "+18.3 %"
    assert percent(None) == ""
    assert duration(4.04) == "4.0 s"
    assert duration(3_725) == "1 h 02 min"
    assert duration(2 * 86_400 + 4 * 3_600) == "2 d 04 h"
    assert short_address("short") == "short"


def test_api_errors_are_one_line_per_problem() -> None:
    invalid = {
        "message": "invalid wallet address",
        "detail": [{"loc": ["path", "address"], "msg": "not a Solana address"}],
    }
    assert error_text(invalid) == "invalid wallet address\n- **path.address**: not a Solana address"
    assert error_text({"detail": "Not Found"}) == "Not Found"
    assert error_text({"message": "unknown wallet X"}) == "unknown wallet X"


def test_the_discover_button_is_disabled_and_says_so_while_a_discovery_runs() -> None:
    assert button_state(running=True) == {"value": "Discovery running…", "interactive": False}
    assert button_state(running=False) == {"value": "Discover wallets", "interactive": True}


def test_the_default_view_is_the_wallets_the_product_would_follow_ranked() -> None:
    # Given the Wallets tab's default filters and sort / Then qualified, unflagged, rank order
    assert QUALIFIED[DEFAULT_QUALIFIED] == "true"
    assert FLAG_FILTERS[DEFAULT_FLAGS] == "clean"
    assert SORTS[DEFAULT_SORT] == ("rank", "desc")


def test_the_detail_says_why_a_wallet_is_not_qualified_and_what_the_score_reads() -> None:
    # Given a sniper's detail
    sniper = _sniper()
    text = profile_markdown(_detail(sniper, _summary(sniper)))
    # When shown / Then the qualification section lists each failed check
    assert "#### Qualification" in text
    assert "**not qualified**" in text
    assert "- bot: launch_sniper (" in text
    # And the score's inputs are explained beside the breakdown
    assert "What the score reads: **copy edge**" in text
    assert "confidence** n / (n + k)" in text

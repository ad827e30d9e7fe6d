"""core.signal: the scorer's components, the filter's first failing reason, and the pipeline's
entry / exit / token-for-token signals (pure: no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from walltrack.core.signal.filter import decide
from walltrack.core.signal.pipeline import (
    NO_HOLDING,
    TOKEN_FOR_TOKEN,
    Delivery,
    fraction_sold,
    signal_for,
)
from walltrack.core.signal.scorer import EntryFacts, score_entry, usual_buy_sol
from walltrack.data.models.signals import SignalSettings
from walltrack.data.models.solana import SOL_MINT, USDC_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import SafetyVerdict, Token, TokenMarket
from walltrack.data.models.wallet import RoundTrip, WalletProfile

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MINT = "Mint1111111111111111111111111111111111111111"
WALLET = "Wa11et1111111111111111111111111111111111111"


def swap(
    side: str = "buy",
    *,
    sol: str = "1",
    tokens: str = "1000",
    at: datetime = T0,
    slot: int = 100,
    signature: str = "sig-buy",
    mint: str = MINT,
    quote: str = SOL_MINT,
) -> Swap:
    return Swap(
        signature=signature,
        wallet=WALLET,
        side=side,
        token_mint=mint,
        token_amount=Decimal(tokens),
        quote_mint=quote,
        quote_amount=Decimal(sol),
        source="PUMP_AMM",
        timestamp=at,
        slot=slot,
    )


def token(
    *,
    verdict: str | None = "pass",
    liquidity: str | None = "200000",
    age_hours: float = 1,
    dex_id: str = "raydium",
) -> Token:
    safety = SafetyVerdict(verdict=verdict, checks=[], checked_at=T0) if verdict else None
    return Token(
        mint=MINT,
        dex_id=dex_id,
        pair_created_at=T0 - timedelta(hours=age_hours),
        safety=safety,
        market=TokenMarket(liquidity_usd=Decimal(liquidity) if liquidity else None),
    )


def facts(**changes: Any) -> EntryFacts:
    values: dict[str, Any] = {
        "wallet_score": 0.6,
        "confidence": 0.8,
        "owner_id": "own-a",
        "consensus_owners": (),
        "token": token(),
        "usual_buy_sol": Decimal("1"),
    }
    values.update(changes)
    return EntryFacts(**values)


SETTINGS = SignalSettings()


def component(scored: Any, name: str) -> Any:
    return next(c for c in scored.components if c.name == name)


# -- scorer -----------------------------------------------------------------------------------


def test_the_score_is_the_weighted_mean_of_the_normalised_components() -> None:
    # Given a buy with every fact known
    scored = score_entry(swap(), facts(), SETTINGS)
    # Then each contribution is weight x normalised / total weight, and they sum to the score
    total = sum(SETTINGS.weights().values())
    for c in scored.components:
        assert c.contribution == pytest.approx(c.weight * c.normalised / total)
    assert scored.score == pytest.approx(sum(c.contribution for c in scored.components))
    assert component(scored, "wallet_score").normalised == pytest.approx(0.8)  # (0.6 + 1) / 2
    assert component(scored, "confidence").normalised == pytest.approx(0.8)
    assert component(scored, "token_safety").normalised == 1.0
    assert component(scored, "liquidity").normalised == 1.0  # over full_liquidity_usd
    assert component(scored, "size").normalised == 1.0
    assert component(scored, "age").normalised == pytest.approx(1 - 1 / 72)


def test_owner_consensus_counts_owners_not_wallets() -> None:
    # Given two other wallets bought the token in the window, both of one owner (own-b), and
    # this wallet's own owner (own-a) bought with a second wallet too
    scored = score_entry(swap(), facts(consensus_owners=["own-b", "own-b", "own-a"]), SETTINGS)
    # Then consensus is 2 owners (own-a, own-b), not 4 wallets
    consensus = component(scored, "owner_consensus")
    assert consensus.raw == 2
    assert scored.consensus_owners == ("own-a", "own-b")
    assert consensus.normalised == pytest.approx(0.5)  # (2 - 1) / (3 - 1)


def test_a_lone_owner_has_no_consensus_and_more_owners_raise_the_score() -> None:
    alone = score_entry(swap(), facts(), SETTINGS)
    crowd = score_entry(swap(), facts(consensus_owners={"own-b", "own-c"}), SETTINGS)
    assert component(alone, "owner_consensus").normalised == 0
    assert component(crowd, "owner_consensus").normalised == 1
    assert crowd.score > alone.score


def test_safety_maps_pass_warn_and_the_rest() -> None:
    for verdict, expected in (("pass", 1.0), ("warn", 0.5), ("fail", 0.0), ("pending", 0.0)):
        scored = score_entry(swap(), facts(token=token(verdict=verdict)), SETTINGS)
        assert component(scored, "token_safety").normalised == expected, verdict


def test_size_is_the_buy_against_the_wallets_usual_buy() -> None:
    half = score_entry(swap(sol="0.5"), facts(usual_buy_sol=Decimal("1")), SETTINGS)
    assert component(half, "size").raw == pytest.approx(0.5)
    assert component(half, "size").normalised == pytest.approx(0.5)
    # a buy paid in USDC is not compared with SOL buys: neutral
    usdc = score_entry(swap(quote=USDC_MINT), facts(), SETTINGS)
    assert component(usdc, "size").raw is None
    assert component(usdc, "size").normalised == 0.5


def test_a_bonding_curve_has_no_pool_liquidity_to_judge() -> None:
    scored = score_entry(swap(), facts(token=token(liquidity=None, dex_id="pumpfun")), SETTINGS)
    assert component(scored, "liquidity").normalised == 0.5
    assert decide(scored, SETTINGS).accepted


def test_usual_buy_size_is_the_median_buy_of_its_round_trips() -> None:
    # Given round trips whose first buy was sold in two parts (0.5 + 0.5 SOL of one buy)
    def trip(buy: str, cost: str) -> RoundTrip:
        return RoundTrip(
            wallet=WALLET,
            token_mint=MINT,
            buy_signature=buy,
            sell_signature=f"s-{buy}-{cost}",
            bought_at=T0,
            sold_at=T0,
            quantity=Decimal(1),
            cost_sol=Decimal(cost),
            proceeds_sol=Decimal(cost),
        )

    trips: dict[str, Any] = {
        "round_trips": (trip("a", "0.5"), trip("a", "0.5"), trip("b", "3"), trip("c", "0.2")),
        "average_buy_sol": Decimal("9"),
    }
    none: dict[str, Any] = {"round_trips": (), "average_buy_sol": None}
    # Then the buys are 1, 3 and 0.2 SOL: the median is 1
    assert usual_buy_sol(WalletProfile.model_construct(**trips)) == Decimal("1")
    # And without round trips nor an average buy it is unknown
    assert usual_buy_sol(WalletProfile.model_construct(**none)) is None
    assert usual_buy_sol(None) is None


# -- filter -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "buy", "reason"),
    [
        ({"token": token(verdict="fail")}, {}, "unsafe token"),
        ({"token": None}, {}, "token safety not established (never checked)"),
        ({"token": token(verdict="pending")}, {}, "token safety not established (pending)"),
        ({"token": token(liquidity="1000")}, {}, "liquidity $1,000 under $5,000"),
        ({"token": token(age_hours=100)}, {}, "token 100.0 h old, over 72 h"),
        ({}, {"sol": "0.01"}, "under 0.05×"),
        ({}, {"sol": "50"}, "over 20×"),
        ({"wallet_score": -0.9, "confidence": 0.1}, {}, "under 0.500"),
    ],
)
def test_the_filter_rejects_with_the_failing_rule(
    changes: dict[str, Any], buy: dict[str, Any], reason: str
) -> None:
    decision = decide(score_entry(swap(**buy), facts(**changes), SETTINGS), SETTINGS)
    assert not decision.accepted
    assert reason in decision.reason


def test_the_first_failing_rule_is_the_reason() -> None:
    # Given a token both unsafe and old, and a low score
    scored = score_entry(
        swap(), facts(token=token(verdict="fail", age_hours=500), wallet_score=-1), SETTINGS
    )
    # Then safety is named, the first rule
    assert decide(scored, SETTINGS).reason.startswith("unsafe token")


def test_a_good_buy_is_accepted_with_its_score() -> None:
    decision = decide(score_entry(swap(), facts(), SETTINGS), SETTINGS)
    assert decision.accepted
    assert decision.reason.startswith("score ")


def test_an_unchecked_token_is_allowed_when_safety_is_not_required() -> None:
    relaxed = SignalSettings(require_safe_token=False, min_score=0.3)
    decision = decide(score_entry(swap(), facts(token=None), relaxed), relaxed)
    assert decision.accepted, decision.reason


# -- pipeline ---------------------------------------------------------------------------------

DELIVERY = Delivery(received_at=T0 + timedelta(seconds=2), scored_at=T0 + timedelta(seconds=3),
                    via="webhook")  # fmt: skip


def make(sw: Swap, *, history: list[Swap] | None = None, **changes: Any) -> Any:
    def no_history() -> list[Swap]:
        raise AssertionError("an entry does not read the wallet's history")

    def no_facts() -> EntryFacts:
        raise AssertionError("an exit does not read entry facts")

    return signal_for(
        sw,
        owner_id="own-a",
        delivery=DELIVERY,
        settings=SETTINGS,
        entry_facts=no_facts if sw.side != "buy" else (lambda: facts(**changes)),
        history=(lambda: history) if history is not None else no_history,
    )


def test_a_buy_is_an_entry_signal_with_its_breakdown_and_latency() -> None:
    signal = make(swap())
    assert signal.kind == "entry"
    assert signal.accepted
    assert signal.score is not None
    assert [c.name for c in signal.components] == [
        "wallet_score", "confidence", "owner_consensus", "token_safety", "liquidity", "size",
        "age",
    ]  # fmt: skip
    assert (signal.delivery_seconds, signal.latency_seconds) == (2.0, 3.0)


def test_a_sell_of_half_the_holding_is_an_exit_of_one_half() -> None:
    # Given two buys of 600 and 400 tokens, then a sell of 500
    history = [
        swap(tokens="600", signature="b1", at=T0 - timedelta(minutes=5), slot=10),
        swap(tokens="400", signature="b2", at=T0 - timedelta(minutes=4), slot=20),
        swap(
            "buy", tokens="999", signature="other", mint="Other111111111111111111111111111111111111"
        ),
    ]
    sell = swap("sell", tokens="500", signature="s1", at=T0, slot=30)
    signal = make(sell, history=[*history, sell])
    assert signal.kind == "exit"
    assert signal.fraction_sold == Decimal("0.5")
    assert signal.accepted
    assert signal.score is None


def test_an_earlier_sell_lowers_the_holding_and_the_fraction_is_capped_at_one() -> None:
    buy = swap(tokens="1000", signature="b1", at=T0 - timedelta(minutes=5), slot=10)
    first = swap("sell", tokens="600", signature="s1", at=T0 - timedelta(minutes=1), slot=20)
    second = swap("sell", tokens="500", signature="s2", at=T0, slot=30)
    # 400 held before the second sell, which sells 500 (more than we saw bought): 1
    assert fraction_sold(second, [buy, first, second]) == Decimal(1)
    assert fraction_sold(first, [buy, first, second]) == Decimal("0.6")
    # a later buy does not count toward the holding before the sell
    later = swap(tokens="1000", signature="b9", at=T0 + timedelta(minutes=1), slot=40)
    assert fraction_sold(first, [buy, first, later]) == Decimal("0.6")


def test_a_sell_without_a_known_holding_is_a_rejected_exit() -> None:
    signal = make(swap("sell", signature="s1"), history=[])
    assert (signal.kind, signal.accepted, signal.reason) == ("exit", False, NO_HOLDING)
    assert signal.fraction_sold is None


def test_a_token_for_token_swap_is_rejected_with_the_reason() -> None:
    signal = make(swap("swap", quote="Paid111111111111111111111111111111111111111"))
    assert (signal.kind, signal.accepted, signal.reason) == ("entry", False, TOKEN_FOR_TOKEN)


# -- settings ---------------------------------------------------------------------------------


def test_settings_refuse_incoherent_values() -> None:
    zero: dict[str, Any] = {f"weight_{name}": 0.0 for name in SETTINGS.weights()}
    with pytest.raises(ValidationError, match="at least one weight"):
        SignalSettings(**zero)
    with pytest.raises(ValidationError, match="min_size_ratio"):
        SignalSettings(min_size_ratio=Decimal("5"), max_size_ratio=Decimal("2"))
    with pytest.raises(ValidationError):
        SignalSettings(min_score=1.5)


def test_a_buy_scored_later_than_max_delay_is_rejected_as_late_with_its_score() -> None:
    # Given a good buy that reached scoring 301 s after it happened (a retried delivery, or a
    # swap reconcile recovered) with max_delay_seconds 300
    sw = swap()
    late_delivery = Delivery(
        received_at=sw.timestamp + timedelta(seconds=290),
        scored_at=sw.timestamp + timedelta(seconds=301),
        via="reconcile",
    )
    settings = SETTINGS.model_copy(update={"max_delay_seconds": 300})
    # When it is judged
    signal = signal_for(
        sw,
        owner_id="own-a",
        delivery=late_delivery,
        settings=settings,
        entry_facts=facts,
        history=lambda: [],
    )
    # Then it is rejected as late, first, with its score still shown (for shadow PnL)
    assert not signal.accepted
    assert signal.reason.startswith("late: scored 301 s after the buy, over 300 s")
    assert signal.score is not None
    # And at exactly the limit it passes
    on_time = Delivery(
        received_at=late_delivery.received_at,
        scored_at=sw.timestamp + timedelta(seconds=300),
        via="reconcile",
    )
    assert signal_for(
        sw,
        owner_id="own-a",
        delivery=on_time,
        settings=settings,
        entry_facts=facts,
        history=lambda: [],
    ).accepted

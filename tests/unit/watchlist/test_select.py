"""The watchlist selection: thresholds, flags, the per-owner cap, pins and bans, each decision
with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

from walltrack.core.watchlist.selection import select_watchlist
from walltrack.data.models.watchlist import (
    WatchlistCandidate,
    WatchlistDecision,
    WatchlistOverride,
    WatchlistSettings,
)

AT = datetime(2026, 12, 18, tzinfo=UTC)
SETTINGS = WatchlistSettings(min_score=0.3, min_confidence=0.5, per_owner_cap=2, max_wallets=10)


def wallet(address: str, score: float | None = 0.8, **fields: object) -> WatchlistCandidate:
    values: dict[str, object] = {"confidence": 0.9, "qualified": True} | fields
    return WatchlistCandidate(address=address, score=score, **values)


def override(address: str, kind: str, reason: str = "because") -> WatchlistOverride:
    return WatchlistOverride(address=address, kind=kind, by="tester", at=AT, reason=reason)


def by_address(decisions: list[WatchlistDecision]) -> dict[str, WatchlistDecision]:
    return {d.address: d for d in decisions}


def test_a_wallet_is_listed_only_above_both_thresholds_with_the_reason_said() -> None:
    # Given wallets on each side of the score and confidence thresholds
    candidates = [
        wallet("good", 0.8),
        wallet("low-score", 0.12),
        wallet("unsure", 0.8, confidence=0.2),
    ]
    # When selected
    got = by_address(select_watchlist(candidates, {}, SETTINGS))
    # Then only the good one is listed, and each reason says why
    assert got["good"].listed
    assert got["good"].rank == 1
    assert got["good"].reason.startswith("rank 1: score 0.80 >= 0.30")
    assert (got["low-score"].listed, got["low-score"].reason) == (False, "score 0.12 < 0.30")
    assert (got["unsure"].listed, got["unsure"].reason) == (False, "confidence 0.20 < 0.50")


def test_flagged_and_unqualified_wallets_are_refused_with_their_flags_and_checks() -> None:
    # Given a high-scoring bot and a high-scoring wallet step 3 did not qualify
    candidates = [
        wallet("bot", 0.9, bot_flags=("copy_follower",), qualified=False),
        wallet("unqualified", 0.9, qualified=False, qualification=("8 trades: under 10",)),
        wallet("unprofiled", None),
    ]
    # When selected
    got = by_address(select_watchlist(candidates, {}, SETTINGS))
    # Then neither is listed, each with its reason
    assert got["bot"].reason == "flagged copy_follower"
    assert got["unqualified"].reason == "not qualified: 8 trades: under 10"
    assert got["unprofiled"].reason == "not profiled"
    assert not any(d.listed for d in got.values())


def test_unqualified_wallets_may_be_followed_when_the_setting_allows() -> None:
    # Given an unqualified, unflagged wallet above the thresholds
    settings = SETTINGS.model_copy(update={"require_qualified": False})
    # When selected with require_qualified off / Then it is listed
    assert select_watchlist([wallet("w", qualified=False)], {}, settings)[0].listed


def test_at_most_per_owner_cap_wallets_of_one_owner_are_listed_the_best_first() -> None:
    # Given four wallets of one owner and two without an owner
    candidates = [
        wallet("a1", 0.9, owner_id="own-a"),
        wallet("a2", 0.7, owner_id="own-a"),
        wallet("a3", 0.95, owner_id="own-a"),
        wallet("a4", 0.5, owner_id="own-a"),
        wallet("solo1", 0.4),
        wallet("solo2", 0.45),
    ]
    # When selected with a cap of 2 per owner
    decisions = select_watchlist(candidates, {}, SETTINGS)
    got = by_address(decisions)
    # Then the owner's two best are listed, the others say the cap stopped them
    assert [d.address for d in decisions if d.listed] == ["a3", "a1", "solo2", "solo1"]
    assert got["a2"].reason == "owner cap: 2 of own-a already listed with higher scores"
    assert not got["a4"].listed
    # and wallets without an owner are each their own owner (both listed)
    assert got["solo1"].listed
    assert got["solo2"].listed


def test_max_wallets_keeps_the_best_ranked() -> None:
    # Given five eligible wallets and room for three
    settings = SETTINGS.model_copy(update={"max_wallets": 3})
    candidates = [wallet(f"w{i}", 0.4 + i / 10) for i in range(5)]
    # When selected
    got = by_address(select_watchlist(candidates, {}, settings))
    # Then the three best are listed, the others are beyond max_wallets
    assert {a for a, d in got.items() if d.listed} == {"w4", "w3", "w2"}
    assert got["w0"].reason.startswith("beyond max_wallets (3)")


def test_a_pin_lists_a_wallet_below_every_threshold_and_counts_toward_nothing() -> None:
    # Given a max of one wallet and one per owner, a bot pinned, and an owner's best wallet
    settings = SETTINGS.model_copy(update={"max_wallets": 1, "per_owner_cap": 1})
    candidates = [
        wallet("bot", 0.01, bot_flags=("launch_sniper",), owner_id="own-a"),
        wallet("best", 0.9, owner_id="own-a"),
    ]
    # When selected with the bot pinned
    got = by_address(
        select_watchlist(candidates, {"bot": [override("bot", "pin", "my pick")]}, settings)
    )
    # Then the pin is listed with its reason, and the owner's best still fills the one place
    assert (got["bot"].listed, got["bot"].pinned, got["bot"].reason) == (
        True,
        True,
        "pinned: my pick",
    )
    assert got["best"].listed
    assert got["best"].rank == 1


def test_a_ban_beats_everything_even_a_pin() -> None:
    # Given the best wallet banned, and another both pinned and banned
    candidates = [wallet("best", 0.99), wallet("both", 0.9)]
    overrides = {
        "best": [override("best", "ban", "rug insider")],
        "both": [override("both", "pin"), override("both", "ban", "changed my mind")],
    }
    # When selected
    got = by_address(select_watchlist(candidates, overrides, SETTINGS))
    # Then neither is listed: a ban wins
    assert (got["best"].listed, got["best"].banned, got["best"].reason) == (
        False,
        True,
        "banned: rug insider",
    )
    assert (got["both"].listed, got["both"].reason) == (False, "banned: changed my mind")


def test_a_pinned_wallet_never_profiled_is_still_listed() -> None:
    # Given a pin on an address no profile knows
    got = select_watchlist([], {"x": [override("x", "pin")]}, SETTINGS)
    # Then it is judged and listed
    assert [(d.address, d.listed, d.pinned) for d in got] == [("x", True, True)]

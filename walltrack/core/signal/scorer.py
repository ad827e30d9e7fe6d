"""A buy of a watched wallet → one score in [0, 1] with its breakdown.

Each component maps what was measured to [0, 1]; the score is Σ weight·normalised / Σ weight,
so a component's `contribution` says how many score points it brought. Components:

- wallet_score: the wallet's step-3 score ((score + 1) / 2; a flagged bot's score is below −1
  and maps to 0);
- confidence: how much of that score its sample supports;
- owner_consensus: distinct OWNERS (step 4) that bought the token within the window, this one
  included — two wallets of one owner are one opinion, not two;
- token_safety: the token's safety verdict (pass 1, warn 0.5, otherwise 0);
- liquidity: the pool's USD liquidity up to `full_liquidity_usd` (a bonding curve has no pool:
  neutral 0.5);
- size: the buy's SOL against the wallet's usual buy (a buy at least as large as usual counts
  fully; unknown — no usual size, or not paid in SOL — is neutral 0.5);
- age: the token's youth, 1 at creation down to 0 at `max_token_age_hours`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median

from walltrack.core.discovery.token_scanner import BONDING_CURVE_DEX_IDS
from walltrack.data.models.signals import ComponentName, SignalComponent, SignalSettings
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import Token
from walltrack.data.models.wallet import BuySizes, WalletProfile

NEUTRAL = 0.5
"""What an unknown that says nothing bad scores (a curve's missing pool, an unknown usual size)."""


@dataclass(frozen=True)
class EntryFacts:
    """What scoring a buy reads besides the swap and the settings (the app layer gathers it)."""

    wallet_score: float | None
    confidence: float | None
    owner_id: str
    consensus_owners: Collection[str]
    """Owners with an entry signal on the token within the window before this buy (this
    signal's own owner may or may not be among them: it is counted once either way)."""
    token: Token | None
    usual_buy_sol: Decimal | None


@dataclass(frozen=True)
class Measures:
    """The raw measures the filter judges (None: unknown)."""

    verdict: str | None
    liquidity_usd: Decimal | None
    on_curve: bool
    age_hours: float | None
    size_ratio: Decimal | None


@dataclass(frozen=True)
class Scored:
    score: float
    components: tuple[SignalComponent, ...]
    consensus_owners: tuple[str, ...]
    measures: Measures


def buy_sizes(profile: WalletProfile) -> BuySizes:
    per_buy: dict[str, Decimal] = defaultdict(Decimal)
    for trip in profile.round_trips:
        per_buy[trip.buy_signature] += trip.cost_sol
    return BuySizes(tuple(per_buy.values()), profile.average_buy_sol)


def usual_buy_of(sizes: BuySizes | None) -> Decimal | None:
    """The wallet's usual buy: the median SOL of its buys that closed round trips, or its
    average buy when it has none."""
    if sizes is None:
        return None
    closed = [cost for cost in sizes.per_buy if cost > 0]
    if closed:
        return Decimal(median(closed))
    return sizes.average_buy_sol if sizes.average_buy_sol else None


def usual_buy_sol(profile: WalletProfile | None) -> Decimal | None:
    """`usual_buy_of` a whole profile."""
    return usual_buy_of(buy_sizes(profile)) if profile is not None else None


def token_age_hours(token: Token | None, at: datetime) -> float | None:
    """Hours from the token's pair creation (else when we first saw it) to `at`."""
    if token is None:
        return None
    born = token.pair_created_at or token.first_seen_at
    if born is None:
        return None
    return max(0.0, (at - born).total_seconds() / 3600)


def measure(swap: Swap, facts: EntryFacts, settings: SignalSettings) -> Measures:
    token = facts.token
    ratio: Decimal | None = None
    if facts.usual_buy_sol and swap.quote_mint == SOL_MINT:
        ratio = swap.quote_amount / facts.usual_buy_sol
    liquidity = token.market.liquidity_usd if token is not None else None
    return Measures(
        verdict=token.safety.verdict if token is not None and token.safety else None,
        liquidity_usd=liquidity,
        on_curve=token is not None and token.dex_id in BONDING_CURVE_DEX_IDS,
        age_hours=token_age_hours(token, swap.timestamp),
        size_ratio=ratio,
    )


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def score_entry(swap: Swap, facts: EntryFacts, settings: SignalSettings) -> Scored:
    """The buy's score and breakdown (see the module docstring)."""
    m = measure(swap, facts, settings)
    owners = tuple(sorted({*facts.consensus_owners, facts.owner_id}))
    parts: list[tuple[ComponentName, float | None, float, str]] = []

    if facts.wallet_score is None:
        parts.append(("wallet_score", None, 0.0, "wallet not profiled"))
    else:
        parts.append(("wallet_score", facts.wallet_score, _clamp((facts.wallet_score + 1) / 2), ""))
    if facts.confidence is None:
        parts.append(("confidence", None, 0.0, "wallet not profiled"))
    else:
        parts.append(("confidence", facts.confidence, _clamp(facts.confidence), ""))

    full = settings.consensus_full_owners
    parts.append(
        (
            "owner_consensus",
            float(len(owners)),
            _clamp((len(owners) - 1) / (full - 1)),
            f"{len(owners)} owner(s) within {settings.consensus_window_minutes} min",
        )
    )

    safety = {"pass": 1.0, "warn": 0.5}.get(m.verdict or "", 0.0)
    parts.append(("token_safety", safety, safety, m.verdict or "token not checked"))

    if m.on_curve:
        parts.append(("liquidity", None, NEUTRAL, "bonding curve: no pool"))
    elif m.liquidity_usd is None:
        parts.append(("liquidity", None, 0.0, "liquidity unknown"))
    else:
        liquidity = float(m.liquidity_usd)
        parts.append(
            (
                "liquidity",
                liquidity,
                _clamp(liquidity / float(settings.full_liquidity_usd or 1)),
                "USD",
            )
        )

    if m.size_ratio is None:
        parts.append(("size", None, NEUTRAL, "usual size unknown or not paid in SOL"))
    else:
        ratio = float(m.size_ratio)
        parts.append(("size", ratio, _clamp(ratio), "× the wallet's usual buy"))

    if m.age_hours is None:
        parts.append(("age", None, 0.0, "token age unknown"))
    else:
        youth = _clamp(1 - m.age_hours / settings.max_token_age_hours)
        parts.append(("age", m.age_hours, youth, "hours since the pair was created"))

    weights = settings.weights()
    total = sum(weights.values())
    components = tuple(
        SignalComponent(
            name=name,
            raw=raw,
            normalised=normalised,
            weight=weights[name],
            contribution=weights[name] * normalised / total,
            detail=detail,
        )
        for name, raw, normalised, detail in parts
    )
    score = _clamp(sum(c.contribution for c in components))
    return Scored(score=score, components=components, consensus_owners=owners, measures=m)

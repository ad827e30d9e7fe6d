"""Step 1's rules: which discovered pairs pass the filters, the best pair per token, and the
safety gauntlet's verdict. Pure functions over models; the orchestrator does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from walltrack.data.models.step_settings import TokenDiscoverySettings
from walltrack.data.models.token import (
    CheckOutcome,
    FactSource,
    Outcome,
    PairCandidate,
    SafetyCheck,
    SafetyFacts,
    SafetyVerdict,
)

SOLANA = "solana"
BONDING_CURVE_DEX_IDS = frozenset({"pumpfun"})
"""DexScreener `dexId`s of launchpad bonding curves (../shared/reference/apis.md: `pumpfun` is the
curve account). A curve is not a pool: DexScreener reports its liquidity as 0 or leaves it out,
so the liquidity filter judges pools only and a curve token is judged on what it has (volume,
transactions, market cap, age)."""


@dataclass(frozen=True)
class FilterDecision:
    candidate: PairCandidate
    passed: bool
    reasons: tuple[str, ...]


def best_pair_per_token(candidates: Iterable[PairCandidate]) -> list[PairCandidate]:
    """One candidate per mint: the most liquid pair, with the sources of every sighting merged.

    A pair with unknown liquidity (pump.fun curves often report none) loses to any known one.
    """
    best: dict[str, PairCandidate] = {}
    sources: dict[str, list[str]] = {}
    for cand in candidates:
        seen = sources.setdefault(cand.mint, [])
        seen.extend(s for s in cand.sources if s not in seen)
        current = best.get(cand.mint)
        liquidity = cand.market.liquidity_usd
        if current is None or (
            liquidity is not None
            and (current.market.liquidity_usd is None or liquidity > current.market.liquidity_usd)
        ):
            best[cand.mint] = cand
    return [c.model_copy(update={"sources": sources[mint]}) for mint, c in best.items()]


def _below(value: Decimal | int | None, minimum: Decimal | int, label: str) -> list[str]:
    if minimum and (value is None or value < minimum):
        return [f"{label} {value if value is not None else 'unknown'} < {minimum}"]
    return []


def apply_filters(
    candidate: PairCandidate, settings: TokenDiscoverySettings, *, now: datetime
) -> FilterDecision:
    """Every failed filter is named with its threshold, so the UI can say why. The liquidity
    filter applies to pools, not to bonding curves (`BONDING_CURVE_DEX_IDS`)."""
    m = candidate.market
    reasons: list[str] = []
    if candidate.chain != SOLANA:
        reasons.append(f"chain {candidate.chain} is not solana")
    if candidate.quote_mint not in settings.quote_allowlist:
        reasons.append(f"quote token {candidate.quote_mint} not in the allowlist")
    if candidate.dex_id not in BONDING_CURVE_DEX_IDS:
        reasons += _below(m.liquidity_usd, settings.min_liquidity_usd, "liquidity USD")
    reasons += _below(m.volume_h24_usd, settings.min_volume_24h_usd, "24 h volume USD")
    reasons += _below(m.txns_h1, settings.min_txns_1h, "1 h transactions")
    if candidate.pair_created_at is None:
        reasons.append("pair age unknown")
    else:
        age = now - candidate.pair_created_at
        if age < timedelta(minutes=settings.min_pair_age_minutes):
            reasons.append(f"pair age {age} < {settings.min_pair_age_minutes} min")
        if age > timedelta(hours=settings.max_pair_age_hours):
            reasons.append(f"pair age {age} > {settings.max_pair_age_hours} h")
    cap = m.market_cap_usd if m.market_cap_usd is not None else m.fdv_usd
    low, high = settings.min_market_cap_usd, settings.max_market_cap_usd
    if low is not None and (cap is None or cap < low):
        reasons.append(f"market cap {cap} < {low}")
    if high is not None and cap is not None and cap > high:
        reasons.append(f"market cap {cap} > {high}")
    return FilterDecision(candidate, not reasons, tuple(reasons))


def _pending(
    facts: SafetyFacts, name: str, threshold: str | None, *sources: FactSource
) -> SafetyCheck | None:
    """The check as `pending` when one of the sources it needs could not be read."""
    for source in sources:
        outage = facts.outage(source)
        if outage is not None:
            return SafetyCheck(
                name=name,
                outcome="pending",
                detail=f"{name.replace('_', ' ')}: could not run ({outage.reason})",
                threshold=threshold,
                upstream=outage.upstream,
            )
    return None


def _authority_checks(facts: SafetyFacts, settings: TokenDiscoverySettings) -> list[SafetyCheck]:
    checks = []
    for name, value, required in (
        ("mint_authority", facts.mint_authority, settings.require_mint_authority_revoked),
        ("freeze_authority", facts.freeze_authority, settings.require_freeze_authority_revoked),
    ):
        label = name.replace("_", " ")
        threshold = "must be revoked" if required else None
        if pending := _pending(facts, name, threshold, "asset"):
            checks.append(pending)
        elif not facts.authorities_known:
            checks.append(SafetyCheck(name=name, outcome="unknown", detail=f"{label}: unknown"))
        elif value is None:
            checks.append(SafetyCheck(name=name, outcome="pass", detail=f"{label} revoked"))
        else:
            checks.append(
                SafetyCheck(
                    name=name,
                    outcome="fail" if required else "warn",
                    detail=f"{label} still enabled ({value})",
                    threshold=threshold,
                )
            )
    return checks


def _extension_check(facts: SafetyFacts, settings: TokenDiscoverySettings) -> SafetyCheck:
    """Token-2022 extensions come with the asset: unread, they are not "none" (this check used
    to pass when the asset could not be read)."""
    threshold = ", ".join(settings.blocked_token2022_extensions) or None
    if pending := _pending(facts, "token2022_extensions", threshold, "asset"):
        return pending
    if not facts.authorities_known:  # the asset was not found: nothing read, nothing cleared
        return SafetyCheck(
            name="token2022_extensions",
            outcome="unknown",
            detail="Token-2022 extensions unknown",
            threshold=threshold,
        )
    blocked = sorted(set(facts.extensions) & set(settings.blocked_token2022_extensions))
    return SafetyCheck(
        name="token2022_extensions",
        outcome="fail" if blocked else "pass",
        detail=f"risky Token-2022 extensions: {', '.join(blocked)}"
        if blocked
        else "no risky Token-2022 extension",
        threshold=threshold,
    )


def _holder_and_lp_checks(
    facts: SafetyFacts, settings: TokenDiscoverySettings
) -> list[SafetyCheck]:
    limit = settings.max_top10_holder_pct
    checks = []
    threshold = f"≤ {limit}%"
    # the holders' share needs the supply (from the asset) and the largest accounts
    if pending := _pending(facts, "top10_holders", threshold, "asset", "holders"):
        checks.append(pending)
    elif facts.top10_holder_pct is None:
        checks.append(
            SafetyCheck(
                name="top10_holders",
                outcome="unknown",
                detail="top-10 holder share unknown",
                threshold=threshold,
            )
        )
    else:
        checks.append(
            SafetyCheck(
                name="top10_holders",
                outcome="fail" if facts.top10_holder_pct > limit else "pass",
                detail=f"top-10 holders own {facts.top10_holder_pct}%",
                threshold=threshold,
            )
        )
    minimum = settings.min_lp_locked_pct
    if minimum > 0:
        locked = facts.lp_locked_pct
        outcome: CheckOutcome = (
            "unknown" if locked is None else "pass" if locked >= minimum else "fail"
        )
        checks.append(
            _pending(facts, "lp_locked", f"≥ {minimum}%", "rugcheck")
            or SafetyCheck(
                name="lp_locked",
                outcome=outcome,
                detail="LP locked share unknown" if locked is None else f"LP locked {locked}%",
                threshold=f"≥ {minimum}%",
            )
        )
    return checks


def _rugcheck_check(facts: SafetyFacts, settings: TokenDiscoverySettings) -> SafetyCheck:
    score = facts.rugcheck_score_normalised
    fail_at = settings.max_rugcheck_score_normalised
    warn_at = settings.warn_rugcheck_score_normalised
    threshold = f"warn > {warn_at}, fail > {fail_at}"
    if pending := _pending(facts, "rugcheck", threshold, "rugcheck"):
        return pending
    if score is None:
        return SafetyCheck(
            name="rugcheck", outcome="unknown", detail="no RugCheck report", threshold=threshold
        )
    outcome: CheckOutcome = "fail" if score > fail_at else "warn" if score > warn_at else "pass"
    risks = "; ".join(facts.rugcheck_danger_risks)
    detail = f"RugCheck score {score}/100" + (f" ({risks})" if risks else "")
    return SafetyCheck(name="rugcheck", outcome=outcome, detail=detail, threshold=threshold)


def judge_safety(
    facts: SafetyFacts, settings: TokenDiscoverySettings, *, now: datetime
) -> SafetyVerdict:
    """The gauntlet: each check passes, warns, fails, is unknown or pending; the worst decides.

    Fail closed: a check that could not run (its upstream refused us, was down or slow) is
    pending, and a pending check keeps the verdict `pending` (not passing) unless another
    check failed outright. Unknown counts as a warning: absence of evidence is not safety (a
    young pump.fun token often has no RugCheck report yet).
    """
    checks = [
        *_authority_checks(facts, settings),
        _extension_check(facts, settings),
        *_holder_and_lp_checks(facts, settings),
        _rugcheck_check(facts, settings),
    ]
    outcomes = {c.outcome for c in checks}
    verdict: Outcome = (
        "fail"
        if "fail" in outcomes
        else "pending"
        if "pending" in outcomes
        else "warn"
        if outcomes & {"warn", "unknown"}
        else "pass"
    )
    return SafetyVerdict(verdict=verdict, checks=checks, checked_at=now)

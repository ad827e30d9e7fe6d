"""Accept or reject a scored buy: the first rule that fails is the reason, in the order a
trader would ask (is the buy still fresh, is the token safe, can it be traded, is it still
early, is the buy a real one, is the score high enough)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from walltrack.core.signal.scorer import Scored
from walltrack.data.models.signals import SignalSettings

Rule = Callable[[Scored, SignalSettings], str | None]
"""A rule: the reason it rejects the buy, or None."""


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str


def unsafe_token(scored: Scored, settings: SignalSettings) -> str | None:
    verdict = scored.measures.verdict
    if verdict == "fail":
        return "unsafe token: its safety verdict is fail"
    if settings.require_safe_token and verdict not in ("pass", "warn"):
        state = "pending" if verdict == "pending" else "never checked"
        return f"token safety not established ({state})"
    return None


def thin_liquidity(scored: Scored, settings: SignalSettings) -> str | None:
    m = scored.measures
    if m.on_curve or m.liquidity_usd is None or m.liquidity_usd >= settings.min_liquidity_usd:
        return None
    return f"liquidity ${m.liquidity_usd:,.0f} under ${settings.min_liquidity_usd:,.0f}"


def too_old(scored: Scored, settings: SignalSettings) -> str | None:
    age = scored.measures.age_hours
    if age is None or age <= settings.max_token_age_hours:
        return None
    return f"token {age:.1f} h old, over {settings.max_token_age_hours} h"


def odd_size(scored: Scored, settings: SignalSettings) -> str | None:
    ratio = scored.measures.size_ratio
    if ratio is None:
        return None
    if ratio < settings.min_size_ratio:
        return f"buy {ratio:.3f}× the wallet's usual size, under {settings.min_size_ratio}×"
    if ratio > settings.max_size_ratio:
        return f"buy {ratio:.1f}× the wallet's usual size, over {settings.max_size_ratio}×"
    return None


def low_score(scored: Scored, settings: SignalSettings) -> str | None:
    if scored.score >= settings.min_score:
        return None
    return f"score {scored.score:.3f} under {settings.min_score:.3f}"


RULES: tuple[Rule, ...] = (unsafe_token, thin_liquidity, too_old, odd_size, low_score)


def late(delay_seconds: float, settings: SignalSettings) -> str | None:
    """A buy seen too long after it happened: copying it now buys at another price."""
    if delay_seconds <= settings.max_delay_seconds:
        return None
    return f"late: scored {delay_seconds:,.0f} s after the buy, over {settings.max_delay_seconds} s"


def decide(scored: Scored, settings: SignalSettings, *, delay_seconds: float = 0.0) -> Decision:
    """Accepted when no rule rejects the buy; otherwise the first failing rule's reason
    (`delay_seconds`: from the buy on chain to its scoring, judged first)."""
    reason = late(delay_seconds, settings)
    if reason is not None:
        return Decision(accepted=False, reason=reason)
    for rule in RULES:
        reason = rule(scored, settings)
        if reason is not None:
            return Decision(accepted=False, reason=reason)
    return Decision(accepted=True, reason=f"score {scored.score:.3f} ≥ {settings.min_score:.3f}")

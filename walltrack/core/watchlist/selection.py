"""Which wallets WallTrack follows, each with the reason it is on or off the list.

Rules, in order (the first that applies gives the reason):
1. banned: never listed, whatever else (a ban beats a pin: the safer choice when both exist);
2. pinned: always listed, and counted against nothing (neither `max_wallets` nor an owner's
   cap), so a pin never pushes a ranked wallet off;
3. not profiled, flagged as a bot, not qualified (when required), score or confidence under
   their threshold: off;
4. the rest are ranked by score (then confidence, then address, so ties are stable); at most
   `per_owner_cap` per owner (a wallet without an owner is its own), then at most
   `max_wallets` in all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from walltrack.data.models.watchlist import (
    WatchlistCandidate,
    WatchlistDecision,
    WatchlistOverride,
    WatchlistSettings,
)


def select_watchlist(
    candidates: Iterable[WatchlistCandidate],
    overrides: Mapping[str, Iterable[WatchlistOverride]],
    settings: WatchlistSettings,
) -> list[WatchlistDecision]:
    """Every candidate (and every overridden address, profiled or not) judged, listed first in
    rank order, then the rest by address."""
    by_address = {c.address: c for c in candidates}
    for address in overrides:
        by_address.setdefault(address, WatchlistCandidate(address=address))
    decisions: list[WatchlistDecision] = []
    eligible: list[WatchlistCandidate] = []
    for candidate in by_address.values():
        kinds = {o.kind: o for o in overrides.get(candidate.address, ())}
        if "ban" in kinds:
            decisions.append(
                _decide(candidate, False, f"banned: {kinds['ban'].reason}", banned=True)
            )
        elif "pin" in kinds:
            decisions.append(
                _decide(candidate, True, f"pinned: {kinds['pin'].reason}", pinned=True)
            )
        elif (refusal := _refusal(candidate, settings)) is not None:
            decisions.append(_decide(candidate, False, refusal))
        else:
            eligible.append(candidate)
    eligible.sort(key=lambda c: (-(c.score or 0.0), -(c.confidence or 0.0), c.address))
    per_owner: Counter[str] = Counter()
    rank = 0
    for candidate in eligible:
        owner = candidate.owner_id or candidate.address
        if per_owner[owner] >= settings.per_owner_cap:
            reason = (
                f"owner cap: {settings.per_owner_cap} of {owner} already listed with higher scores"
            )
            decisions.append(_decide(candidate, False, reason))
        elif rank >= settings.max_wallets:
            reason = f"beyond max_wallets ({settings.max_wallets}): score {_f(candidate.score)}"
            decisions.append(_decide(candidate, False, reason))
        else:
            per_owner[owner] += 1
            rank += 1
            reason = (
                f"rank {rank}: score {_f(candidate.score)} >= {_f(settings.min_score)},"
                f" confidence {_f(candidate.confidence)} >= {_f(settings.min_confidence)}"
            )
            decisions.append(_decide(candidate, True, reason, rank=rank))
    decisions.sort(key=lambda d: (not d.listed, d.rank is None, d.rank or 0, d.address))
    return decisions


def _refusal(candidate: WatchlistCandidate, settings: WatchlistSettings) -> str | None:
    """Why an unpinned, unbanned wallet cannot be listed whatever its rank; None if it may."""
    if candidate.score is None:
        return "not profiled"
    if candidate.bot_flags:
        return "flagged " + ", ".join(candidate.bot_flags)
    if settings.require_qualified and not candidate.qualified:
        why = "; ".join(candidate.qualification) or "no qualification recorded"
        return f"not qualified: {why}"
    if candidate.score < settings.min_score:
        return f"score {_f(candidate.score)} < {_f(settings.min_score)}"
    confidence = candidate.confidence or 0.0
    if confidence < settings.min_confidence:
        return f"confidence {_f(confidence)} < {_f(settings.min_confidence)}"
    return None


def _decide(
    candidate: WatchlistCandidate,
    listed: bool,
    reason: str,
    *,
    rank: int | None = None,
    pinned: bool = False,
    banned: bool = False,
) -> WatchlistDecision:
    return WatchlistDecision(
        address=candidate.address,
        owner_id=candidate.owner_id,
        score=candidate.score,
        confidence=candidate.confidence,
        listed=listed,
        reason=reason,
        rank=rank,
        pinned=pinned,
        banned=banned,
    )


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"

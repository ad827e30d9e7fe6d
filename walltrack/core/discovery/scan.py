"""Step 1 and 2 as recipes over ports: the orchestrators the functions and the API call.

Scan:    1. fetch candidates from each enabled source  2. best pair per token  3. filters (a
            rejected token is stored with its reasons, to be seen; nothing works on it)
         4. safety gauntlet  5. store token + first snapshot and 6. announce a new token, in
            one transaction (the outbox): a stored new token is always announced
Refresh: 1. fetch current pairs of active tokens (batched)  2. store snapshots
         3. mark dead / rugged  4. re-run safety on the slower cadence, and at once for every
            token whose checks are pending
Fail closed: a safety check that could not run leaves its token `pending` (not passing) and
the report names each upstream that failed us (`unavailable`): the run is then degraded.
Ports are small Protocols; data/ and services/ implement them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from walltrack.core.discovery.surveillance import classify_health
from walltrack.core.discovery.token_scanner import (
    BONDING_CURVE_DEX_IDS,
    apply_filters,
    best_pair_per_token,
    judge_safety,
)
from walltrack.core.ports import Atomic, Progress
from walltrack.data.models.step_settings import TokenDiscoverySettings, TokenRefreshSettings
from walltrack.data.models.token import (
    PairCandidate,
    SafetyFacts,
    SafetyVerdict,
    SourceBatch,
    Token,
    TokenSnapshot,
    TokenStatus,
)

TimeLeft = Callable[[], float]
"""Seconds the invocation has left (the Lambda context's remaining time)."""

SAFETY_RESERVE_S = 30.0
"""A scan starts the next token's safety checks only with this much time left: three calls,
usually a second or two, more when RugCheck's 1 req/s or a retry paces them. The tokens left
over wait for the next scan (new ones are still new then) instead of the function timing out
mid-run with nothing recorded."""


class CandidateSource(Protocol):
    async def discover(self, settings: TokenDiscoverySettings) -> SourceBatch: ...

    async def pairs_for(self, mints: Sequence[str]) -> SourceBatch: ...


class SafetyFactsSource(Protocol):
    async def facts(self, candidate: PairCandidate) -> SafetyFacts: ...


class TokenStore(Protocol):
    def upsert_discovered(self, token: Token, *, at: datetime) -> bool: ...

    def set_safety(self, mint: str, verdict: SafetyVerdict) -> None: ...

    def add_snapshots(self, snapshots: Sequence[TokenSnapshot]) -> int: ...

    def snapshots(self, mint: str, *, since: datetime | None = None) -> list[TokenSnapshot]: ...

    def get(self, mint: str) -> Token | None: ...

    def mark_rejected(self, rejected: Sequence[Token], *, at: datetime) -> tuple[int, int]: ...

    def active_mints(self) -> list[str]: ...

    def set_status(
        self, mint: str, status: TokenStatus, *, reason: str | None, at: datetime
    ) -> bool: ...


class DiscoveryOutbox(Protocol):
    def token_discovered(self, mint: str) -> None: ...


def _degraded_reason(pending: int, unavailable: dict[str, str]) -> str | None:
    """Why a run is degraded: how many tokens wait for their safety checks, and each upstream
    that could not answer (with what it said)."""
    if not unavailable:
        return None
    upstreams = "; ".join(unavailable.values())
    tokens = f"{pending} token{'s' if pending != 1 else ''}"
    return (
        f"safety checks could not run ({', '.join(sorted(unavailable))} unavailable): {tokens}"
        f" left pending, retried by the next scan or refresh — {upstreams}"
    )


@dataclass
class ScanReport:
    candidates: int = 0
    tokens: int = 0
    passed_filters: int = 0
    new_tokens: int = 0
    updated_tokens: int = 0
    safety: dict[str, int] = field(
        default_factory=lambda: {"pass": 0, "warn": 0, "fail": 0, "pending": 0}
    )
    skipped_malformed: int = 0
    now_rejected: int = 0  # stored tokens these filters reject (kept, flagged)
    rejected_new: int = 0  # first-seen candidates they reject (stored as rejected, not worked on)
    deferred: int = 0  # passing tokens left for the next scan: the time ran short
    unavailable: dict[str, str] = field(default_factory=dict)  # upstream -> what failed
    errors: list[str] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in ("errors", "rejected")} | {
            "errors": len(self.errors)
        }

    @property
    def degraded(self) -> str | None:
        """The reason the run is degraded (safety checks that could not run), or None."""
        return _degraded_reason(self.safety["pending"], self.unavailable)


def _check_order(stored: Token | None) -> int:
    """New tokens first (stored only as rejected counts as new: never checked), then tokens
    whose checks are pending, then the others."""
    if stored is None or stored.safety is None:
        return 0
    return 1 if stored.safety is not None and stored.safety.verdict == "pending" else 2


def _snapshot(candidate: PairCandidate, at: datetime) -> TokenSnapshot:
    return TokenSnapshot(mint=candidate.mint, taken_at=at, market=candidate.market)


async def _store_with_safety(
    candidate: PairCandidate,
    *,
    settings: TokenDiscoverySettings,
    safety: SafetyFactsSource,
    store: TokenStore,
    outbox: DiscoveryOutbox,
    atomic: Atomic,
    now: datetime,
) -> tuple[bool, SafetyVerdict]:
    """Judge, then store the token, its verdict and snapshot and (when new) its announcement
    together: the safety calls happen before the transaction, never inside it."""
    verdict = judge_safety(await safety.facts(candidate), settings, now=now)
    with atomic():
        is_new = store.upsert_discovered(candidate.as_token(), at=now)
        store.set_safety(candidate.mint, verdict)
        store.add_snapshots([_snapshot(candidate, now)])
        if is_new:
            outbox.token_discovered(candidate.mint)
    return is_new, verdict


async def run_token_scan(
    *,
    settings: TokenDiscoverySettings,
    source: CandidateSource,
    safety: SafetyFactsSource,
    store: TokenStore,
    outbox: DiscoveryOutbox,
    atomic: Atomic,
    now: datetime,
    progress: Progress | None = None,
    time_left: TimeLeft | None = None,
) -> ScanReport:
    """One scan. With `time_left`, new tokens are checked before known ones (their safety is
    re-checked by refresh anyway) and the scan stops short of the time limit (`deferred`)."""
    report = ScanReport()
    # 1. fetch
    batch = await source.discover(settings)
    report.candidates = len(batch.candidates)
    report.skipped_malformed = batch.skipped
    report.errors.extend(batch.errors)
    # 2. best pair per token  3. filters
    tokens = best_pair_per_token(batch.candidates)
    report.tokens = len(tokens)
    passing, rejected = [], []
    for candidate in tokens:
        decision = apply_filters(candidate, settings, now=now)
        if decision.passed:
            passing.append(candidate)
        else:
            report.rejected[candidate.mint] = list(decision.reasons)
            rejected.append(
                candidate.as_token().model_copy(
                    update={"filters_passed": False, "filter_reasons": list(decision.reasons)}
                )
            )
    report.passed_filters = len(passing)
    report.rejected_new, report.now_rejected = store.mark_rejected(rejected, at=now)
    if time_left is not None:  # new first, then those whose checks are pending; stable
        stored = {c.mint: store.get(c.mint) for c in passing}
        passing.sort(key=lambda c: _check_order(stored[c.mint]))
    if progress:
        progress({"stage": "safety", "done": 0, "total": len(passing)})
    # 4. safety  5. store  6. announce
    for done, candidate in enumerate(passing, start=1):
        if time_left is not None and time_left() < SAFETY_RESERVE_S:
            report.deferred = len(passing) - done + 1
            break
        is_new, verdict = await _store_with_safety(
            candidate,
            settings=settings,
            safety=safety,
            store=store,
            outbox=outbox,
            atomic=atomic,
            now=now,
        )
        report.safety[verdict.verdict] += 1
        for upstream, reason in verdict.unavailable.items():
            report.unavailable.setdefault(upstream, reason)
        if is_new:
            report.new_tokens += 1
        else:
            report.updated_tokens += 1
        if progress:
            progress({"stage": "safety", "done": done, "total": len(passing)})
    return report


async def add_token_manually(
    mint: str,
    *,
    settings: TokenDiscoverySettings,
    source: CandidateSource,
    safety: SafetyFactsSource,
    store: TokenStore,
    outbox: DiscoveryOutbox,
    atomic: Atomic,
    now: datetime,
    added_by: str = "manual",
) -> Token | None:
    """Add one mint the user chose: filters are skipped (the user decided), safety is not.
    None when no market knows the mint. `added_by` is the source it is stored with: "manual"
    (the user; later scans never flag it) or "signal" (a followed wallet bought it before any
    scan saw it; later scans judge it as any other)."""
    batch = await source.pairs_for([mint])
    found = [c for c in best_pair_per_token(batch.candidates) if c.mint == mint]
    if not found:
        return None
    candidate = found[0].model_copy(update={"sources": [*found[0].sources, added_by]})
    await _store_with_safety(
        candidate,
        settings=settings,
        safety=safety,
        store=store,
        outbox=outbox,
        atomic=atomic,
        now=now,
    )
    return store.get(mint)


@dataclass
class RefreshReport:
    active: int = 0
    refreshed: int = 0
    missing: int = 0
    snapshots: int = 0
    dead: int = 0
    rugged: int = 0
    safety_rechecked: int = 0
    safety_pending: int = 0  # re-checked tokens whose checks still could not run
    unavailable: dict[str, str] = field(default_factory=dict)  # upstream -> what failed
    skipped_malformed: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {
            "errors": len(self.errors)
        }

    @property
    def degraded(self) -> str | None:
        """The reason the run is degraded (safety checks that could not run), or None."""
        return _degraded_reason(self.safety_pending, self.unavailable)


async def run_token_refresh(
    *,
    settings: TokenRefreshSettings,
    discovery_settings: TokenDiscoverySettings,
    source: CandidateSource,
    safety: SafetyFactsSource,
    store: TokenStore,
    now: datetime,
    progress: Progress | None = None,
) -> RefreshReport:
    report = RefreshReport()
    mints = store.active_mints()
    report.active = len(mints)
    # 1. fetch current pairs, batched (the source splits further to the API's limit)
    candidates: dict[str, PairCandidate] = {}
    for start in range(0, len(mints), settings.batch_size):
        chunk = mints[start : start + settings.batch_size]
        batch = await source.pairs_for(chunk)
        report.skipped_malformed += batch.skipped
        report.errors.extend(batch.errors)
        for cand in best_pair_per_token(batch.candidates):
            if cand.mint in chunk:
                candidates[cand.mint] = cand
        if progress:
            progress(
                {"stage": "fetch", "done": min(start + len(chunk), len(mints)), "total": len(mints)}
            )
    # 2. snapshots
    report.refreshed = len(candidates)
    report.missing = len(mints) - len(candidates)
    report.snapshots = store.add_snapshots([_snapshot(c, now) for c in candidates.values()])
    # 3. dead / rugged (a token no market returns any more is judged on its history alone)
    window = max(settings.dead_after_minutes, settings.rug_window_minutes)
    for mint in mints:
        history = store.snapshots(mint, since=now - timedelta(minutes=window * 2))
        current = candidates.get(mint)
        on_curve = current is not None and current.dex_id in BONDING_CURVE_DEX_IDS
        change = classify_health(history, settings, now=now, bonding_curve=on_curve)
        if change and store.set_status(mint, change.status, reason=change.reason, at=now):
            if change.status == "rugged":
                report.rugged += 1
            else:
                report.dead += 1
    # 4. safety on the slower cadence; a token whose checks could not run, at every refresh
    recheck_before = now - timedelta(minutes=settings.safety_recheck_minutes)
    for mint, cand in candidates.items():
        token = store.get(mint)
        if token is not None and token.status == "active" and _recheck_due(token, recheck_before):
            verdict = judge_safety(await safety.facts(cand), discovery_settings, now=now)
            store.set_safety(mint, verdict)
            report.safety_rechecked += 1
            if verdict.verdict == "pending":
                report.safety_pending += 1
            for upstream, reason in verdict.unavailable.items():
                report.unavailable.setdefault(upstream, reason)
    return report


def _recheck_due(token: Token, recheck_before: datetime) -> bool:
    """Never checked, checked before `recheck_before`, or pending (its checks could not run:
    retried at every refresh, so it settles as soon as the upstream answers again)."""
    safety = token.safety
    return safety is None or safety.verdict == "pending" or safety.checked_at <= recheck_before

"""Step 5 as use cases: rebuild the watchlist, keep Helius's webhooks holding exactly its listed
addresses, pin and ban.

A rebuild judges every profiled wallet (`core.watchlist.selection`) and writes the entries, and
when any wallet goes on or off the list a new version with its changes, in one transaction. A
sync rebuilds, lists the account's webhooks that point at our ingest URL, plans the writes
(`core.watchlist.sync`: create / PUT the whole list / delete, per shard; none when nothing
changed) and sends them with the `authHeader` from the webhook secret, then records the shards
and the sync's outcome. A sync is a `schedule_runs` job ("watchlist_sync", one at a time): on a
schedule tick when `sync_interval_minutes` has passed, or on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import SecretStr

from walltrack.app.ports import StepPorts
from walltrack.core.schedules import ScheduleState, schedule_state
from walltrack.core.watchlist.selection import select_watchlist
from walltrack.core.watchlist.sync import ShardAction, SyncPlan, plan_sync
from walltrack.data.models.helius import Webhook
from walltrack.data.models.runs import RunStart
from walltrack.data.models.watchlist import (
    OverrideKind,
    Rebuild,
    WatchlistChange,
    WatchlistEntry,
    WatchlistSettings,
    WatchlistSyncResult,
    WebhookShard,
)
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError, RunHandle
from walltrack.data.postgres.watchlist import WatchlistRepository
from walltrack.errors import ConfigurationError, NotFoundError
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.helius.webhooks import ANY_TRANSACTION, HeliusWebhooksClient

log = get_logger(component="watchlist")

JOB = "watchlist_sync"
GONE = "no longer judged: not profiled and not pinned or banned"
QUEUED_TOO_LONG = timedelta(minutes=2)
"""A manual sync still `queued` this long after its start was never picked up (the API process
that recorded it died, or its Lambda timed out first): the next schedule tick runs it."""
WEBHOOK_TYPE = "enhanced"
Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class WebhookTarget:
    """Where Helius must deliver (webhook_ingest's Function URL) and the `Authorization`
    value it echoes (the webhook secret); either unset: a sync fails with the reason."""

    url: str | None
    auth_header: SecretStr | None


class WatchlistJobs:
    def __init__(
        self, ports: StepPorts, *, watchlist: WatchlistRepository, target: WebhookTarget
    ) -> None:
        self._ports = ports
        self._watchlist = watchlist
        self._target = target

    # -- the list ----------------------------------------------------------------------------
    def rebuild(self) -> Rebuild:
        """Judge every wallet and write the entries; a new version when any wallet goes on or
        off the list (or is judged for the first time), all in one transaction."""
        settings = self._ports.steps.typed(WatchlistSettings)
        at = self._ports.clock.now()
        with self._ports.atomic():
            decisions = select_watchlist(
                self._watchlist.candidates(), self._watchlist.overrides(), settings
            )
            before = self._watchlist.judged()
            judged_now = {d.address for d in decisions}
            decisions += [  # judged before, no longer a candidate (a lifted pin on a stranger)
                old.model_copy(update={"listed": False, "rank": None, "reason": GONE})
                for address, old in before.items()
                if address not in judged_now
            ]
            version = self._watchlist.current_version() + 1
            changes = [
                WatchlistChange(
                    version=version,
                    address=d.address,
                    listed_before=before[d.address].listed if d.address in before else None,
                    listed_after=d.listed,
                    reason=d.reason,
                    at=at,
                )
                for d in decisions
                if d.address not in before or before[d.address].listed != d.listed
            ]
            listed = sum(d.listed for d in decisions)
            differing = [d for d in decisions if before.get(d.address) != d]
            self._watchlist.save_rebuild(differing, changes, version=version, listed=listed, at=at)
        if not changes:
            version -= 1
        log.info("watchlist rebuilt", version=version, changes=len(changes), listed=listed)
        return Rebuild(version=version, changes=len(changes), listed=listed, judged=len(decisions))

    # -- pins and bans -----------------------------------------------------------------------
    def pin(self, address: str, *, by: str, reason: str) -> WatchlistEntry:
        return self._override(address, "pin", by=by, reason=reason)

    def ban(self, address: str, *, by: str, reason: str) -> WatchlistEntry:
        return self._override(address, "ban", by=by, reason=reason)

    def unpin(self, address: str, *, by: str) -> WatchlistEntry:
        return self._lift(address, "pin", by=by)

    def unban(self, address: str, *, by: str) -> WatchlistEntry:
        return self._lift(address, "ban", by=by)

    def _override(
        self, address: str, kind: OverrideKind, *, by: str, reason: str
    ) -> WatchlistEntry:
        """Record the pin or ban and rebuild at once, so the entry says so now (Helius follows
        at the next sync)."""
        if not self._watchlist.wallet_known(address):
            raise NotFoundError(
                f"unknown wallet {address}: only a discovered wallet is pinned or banned"
            )
        self._watchlist.add_override(
            address, kind, by=by, reason=reason, at=self._ports.clock.now()
        )
        log.info("watchlist override added", address=address, kind=kind, by=by)
        return self._entry_after_rebuild(address)

    def _lift(self, address: str, kind: OverrideKind, *, by: str) -> WatchlistEntry:
        if not self._watchlist.remove_override(address, kind, by=by, at=self._ports.clock.now()):
            raise NotFoundError(f"{address} has no active {kind}")
        log.info("watchlist override lifted", address=address, kind=kind, by=by)
        return self._entry_after_rebuild(address)

    def _entry_after_rebuild(self, address: str) -> WatchlistEntry:
        self.rebuild()
        entry = self._watchlist.entry(address)
        if entry is None:  # an overridden wallet is always judged
            raise NotFoundError(f"unknown wallet {address}")
        return entry

    # -- runs --------------------------------------------------------------------------------
    def start_manual(self) -> RunStart:
        """A sync run recorded now (the API's POST /watchlist/sync); `run(run_id)` does the
        work. While a sync runs, the answer is that run (`started` False)."""
        try:
            run_id = self._ports.runs.start(
                JOB,
                at=self._ports.clock.now(),
                counts={"trigger": "manual", "stage": "queued"},
                exclusive=True,
            )
        except RunAlreadyRunningError as running:
            log.info("watchlist sync already running", run_id=str(running.run_id))
            return RunStart(running.run_id, started=False)
        return RunStart(run_id, started=True)

    def run(self, run_id: UUID) -> WatchlistSyncResult:
        """Do the sync of a run `start_manual` recorded (its outcome ends the run)."""
        with self._ports.runs.track(JOB, run_id=run_id, clock=self._ports.clock) as run:
            return self._sync(run)

    def run_manual(self) -> RunStart:
        """A sync now, to its end (a direct invocation with {"manual": true})."""
        started = self.start_manual()
        if started.started:
            self.run(started.run_id)
        return started

    def tick(self) -> RunStart | None:
        """A schedule tick: a sync when scheduled syncs are on and the interval has passed
        since the last start; recorded as skipped while one still goes on."""
        settings = self._ports.steps.typed(WatchlistSettings)
        now = self._ports.clock.now()
        if (stranded := self._stranded(now)) is not None:
            return stranded
        interval = timedelta(minutes=settings.sync_interval_minutes)
        last = self._ports.runs.last_started(JOB)
        if not settings.scheduled_sync or (last is not None and now < last + interval):
            return None
        try:
            with self._ports.runs.track(JOB, clock=self._ports.clock, exclusive=True) as run:
                run.progress({"trigger": "schedule"})
                self._sync(run)
                return RunStart(run.id, started=True)
        except RunAlreadyRunningError as running:
            skipped = self._ports.runs.skipped(JOB, running=running.run_id, at=now)
            log.info(
                "scheduled watchlist sync skipped: a sync still goes on",
                running_run_id=str(running.run_id),
                skipped_run_id=str(skipped),
            )
            return None

    def _stranded(self, now: datetime) -> RunStart | None:
        """Run a manual sync left `queued` for `QUEUED_TOO_LONG` (whatever the schedule
        settings: someone asked for it); None when there is none."""
        running = self._ports.runs.recent(limit=1, job=JOB, status="running", exclusive=True)
        if not running:
            return None
        run = running[0]
        if run.counts.get("stage") != "queued" or now - run.started_at < QUEUED_TOO_LONG:
            return None
        log.warning("a queued manual sync was never run: the schedule runs it", run_id=str(run.id))
        self.run(run.id)
        return RunStart(run.id, started=False)

    def schedule(self) -> ScheduleState:
        """The schedule as the Status tab shows it."""
        settings = self._ports.steps.typed(WatchlistSettings)
        return schedule_state(
            job=JOB,
            enabled=settings.scheduled_sync,
            interval_minutes=settings.sync_interval_minutes,
            last_started=self._ports.runs.last_started(JOB),
            now=self._ports.clock.now(),
        )

    def sync(self) -> WatchlistSyncResult:
        """One sync outside any run record (tests, scripts)."""
        return self._sync(None)

    # -- the sync ----------------------------------------------------------------------------
    def _sync(self, run: RunHandle | None) -> WatchlistSyncResult:
        def progress(figures: dict[str, Any]) -> None:
            if run is not None:
                run.progress(figures)
                run.counts.update(figures)

        progress({"stage": "rebuilding"})
        rebuilt = self.rebuild()
        settings = self._ports.steps.typed(WatchlistSettings)
        desired = self._watchlist.listed_addresses()
        progress({"stage": "listing webhooks", "version": rebuilt.version, "listed": len(desired)})
        try:
            url, auth = self._target_or_raise()
            outcome = self._ports.markets.run(
                lambda market: _apply(
                    market.webhooks,
                    desired,
                    url=url,
                    auth=auth,
                    shard_size=settings.shard_size,
                    progress=progress,
                )
            )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            self._watchlist.save_sync_failure(
                WatchlistSyncResult(
                    at=self._ports.clock.now(),
                    version=rebuilt.version,
                    state="failed",
                    listed=len(desired),
                    error=error[:500],
                )
            )
            progress({"stage": "failed"})
            log.warning("watchlist sync failed", error=error)
            raise
        at = self._ports.clock.now()
        counts = outcome.counts()
        result = WatchlistSyncResult(
            at=at,
            version=rebuilt.version,
            state="synced" if outcome.plan.writes or outcome.failed else "unchanged",
            listed=len(desired),
            error=outcome.failed,
            **counts,
        )
        if outcome.failed:
            result = result.model_copy(update={"state": "failed"})
        shards = [
            WebhookShard(
                webhook_id=webhook_id,
                addresses=n,
                synced_at=at,
                state="failed" if webhook_id in outcome.failed_ids else "synced",
                error=outcome.failed if webhook_id in outcome.failed_ids else None,
            )
            for webhook_id, n in sorted(outcome.shards.items())
        ]
        self._watchlist.save_sync(shards, result)
        progress(
            {"stage": "done" if not outcome.failed else "failed", **counts, "webhooks": len(shards)}
        )
        log.info("watchlist synced", version=rebuilt.version, listed=len(desired), **counts)
        if outcome.failed:
            raise outcome.error or RuntimeError(outcome.failed)
        return result

    def _target_or_raise(self) -> tuple[str, SecretStr]:
        if not self._target.url:
            raise ConfigurationError(
                "WALLTRACK_WEBHOOK_INGEST_URL is not set: no URL to point Helius's webhook at"
            )
        if self._target.auth_header is None or not self._target.auth_header.get_secret_value():
            raise ConfigurationError(
                "WALLTRACK_WEBHOOK_AUTH_SECRET is not set: webhook_ingest would refuse every"
                " delivery"
            )
        return self._target.url, self._target.auth_header


@dataclass
class _Outcome:
    plan: SyncPlan
    shards: dict[str, int]
    """Each of our webhooks after the sync and its address count."""
    done: dict[str, int]
    failed: str | None = None
    failed_ids: tuple[str, ...] = ()
    error: Exception | None = None

    def counts(self) -> dict[str, int]:
        return {
            "created": self.done.get("create", 0),
            "replaced": self.done.get("replace", 0),
            "deleted": self.done.get("delete", 0),
            "kept": len(self.plan.kept),
        }


def _is_ours(hook: Webhook, url: str) -> bool:
    return hook.webhook_url == url


def _stale(hook: Webhook, auth: SecretStr) -> bool:
    """A webhook whose delivery settings are not ours (auth header, types, kind) is PUT."""
    header = hook.auth_header.get_secret_value() if hook.auth_header is not None else ""
    return (
        header != auth.get_secret_value()
        or list(hook.transaction_types) != list(ANY_TRANSACTION)
        or (hook.webhook_type or WEBHOOK_TYPE) != WEBHOOK_TYPE
    )


async def _apply(
    client: HeliusWebhooksClient,
    desired: list[str],
    *,
    url: str,
    auth: SecretStr,
    shard_size: int,
    progress: Progress,
) -> _Outcome:
    """List our webhooks, plan, and send the writes one by one. A write that fails stops the
    sync: what was written is recorded, and the next sync plans from what Helius then holds."""
    ours = [hook for hook in await client.list() if _is_ours(hook, url)]
    existing = {hook.webhook_id: list(hook.account_addresses) for hook in ours}
    stale = {hook.webhook_id for hook in ours if _stale(hook, auth)}
    plan = plan_sync(desired, existing, shard_size=shard_size, stale=stale)
    shards = {webhook_id: len(existing[webhook_id]) for webhook_id in existing}
    done: dict[str, int] = {}
    progress({"stage": "writing", "writes": plan.writes, "writes_done": 0})
    outcome = _Outcome(plan, shards, done)
    for action in plan.actions:
        try:
            webhook_id = await _write(client, action, url=url, auth=auth)
        except ServiceError as exc:
            outcome.failed = f"{action.kind} {action.webhook_id or 'new webhook'}: {exc}"[:500]
            outcome.failed_ids = (action.webhook_id,) if action.webhook_id else ()
            outcome.error = exc
            return outcome
        if action.kind == "delete":
            shards.pop(webhook_id, None)
        else:
            shards[webhook_id] = len(action.addresses)
        done[action.kind] = done.get(action.kind, 0) + 1
        progress({"writes_done": sum(done.values())})
    return outcome


async def _write(
    client: HeliusWebhooksClient, action: ShardAction, *, url: str, auth: SecretStr
) -> str:
    if action.kind == "create":
        created = await client.create(url, action.addresses, auth_header=auth)
        return created.webhook_id
    assert action.webhook_id is not None  # replace and delete always name one
    if action.kind == "replace":
        await client.update(action.webhook_id, url, action.addresses, auth_header=auth)
    else:
        await client.delete(action.webhook_id)
    return action.webhook_id

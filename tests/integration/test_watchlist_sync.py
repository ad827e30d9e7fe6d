"""Step 5 against the simulated market over loopback and the real embedded Postgres: the sync
makes the sim's Helius webhooks hold exactly the listed wallets, sends nothing when nothing
changed, one PUT (the whole list) for a change, shards beyond the shard size, waits out a 429,
and leaves other URLs' webhooks alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import base58
import httpx
import pytest
from pydantic import SecretStr

from sim.server import SimConfig, SimServer
from sim.world import World
from tests.support.stack import market_env
from walltrack.app.container import Container, build_container
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database
from walltrack.errors import ConfigurationError
from walltrack.services.base import Transport

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
HOOK_URL = "http://127.0.0.1:9/fn/WebhookIngestFunction/"  # never called: the clock is frozen
SECRET = "Bearer watchlist-secret-0123456789"
SIM_KEY = {"api-key": "sim-key"}
WRITES = ("POST", "PUT", "DELETE")


def address(i: int) -> str:
    return base58.b58encode(bytes([i]) * 32).decode()


def seed_wallets(db: Database, rows: list[tuple[str, float, str | None, list[str]]]) -> None:
    """Profiled wallets: (address, score, owner, bot flags); qualified unless flagged."""
    with db.connection() as conn:
        for wallet, score, owner, flags in rows:
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
                " confidence, is_bot, bot_flags, qualified, qualification, owner_id)"
                " values (%s, 'profiled', %s, %s, %s, 0.9, %s, %s, %s, %s, %s)"
                " on conflict (address) do update set score = excluded.score",
                (wallet, AT, AT, score, bool(flags), flags, not flags, [], owner),
            )


def hooks(sim: SimServer) -> list[dict[str, Any]]:
    """The sim's webhooks as Helius lists them (read back over HTTP)."""
    response = httpx.get(f"{sim.base_url}/v0/webhooks", params=SIM_KEY, timeout=10)
    response.raise_for_status()
    listed: list[dict[str, Any]] = response.json()
    return listed


def writes(sim: SimServer) -> int:
    return sum(sim.sim.webhook_calls[m] for m in WRITES)


def env_for(base_env: EnvSettings, sim: SimServer, **changes: Any) -> EnvSettings:
    return market_env(base_env, sim.base_url).model_copy(
        update={"webhook_ingest_url": HOOK_URL, "webhook_auth_secret": SecretStr(SECRET)} | changes
    )


@pytest.fixture
def app(base_env: EnvSettings, clean_db: Database, sim: SimServer) -> Iterator[Container]:
    """The composition root against the module's sim, its webhooks emptied."""
    sim.sim.deliverer.hooks.clear()
    sim.sim.webhook_calls.clear()
    container = build_container(env_for(base_env, sim))
    yield container
    container.close()


def test_the_first_sync_creates_the_webhook_holding_exactly_the_listed_wallets(
    app: Container, sim: SimServer
) -> None:
    # Given 2 good wallets of one owner and a third (cap 2), a bot and a weak wallet
    seed_wallets(
        app.db,
        [
            (address(1), 0.9, "own-a", []),
            (address(2), 0.8, "own-a", []),
            (address(3), 0.7, "own-a", []),
            (address(4), 0.6, None, ["copy_follower"]),
            (address(5), -0.5, None, []),  # under any sane min_score
            (address(6), 0.5, None, []),
        ],
    )
    # When synced
    result = app.watchlist_jobs.sync()
    # Then the sim holds one webhook of ours with exactly the listed wallets and our secret
    [hook] = hooks(sim)
    assert sorted(hook["accountAddresses"]) == sorted([address(1), address(2), address(6)])
    assert (hook["webhookURL"], hook["authHeader"]) == (HOOK_URL, SECRET)
    assert hook["transactionTypes"] == ["ANY"]
    assert (result.state, result.created, result.listed) == ("synced", 1, 3)
    # and each wallet says why it is on or off
    entries = {e.address: e for e in app.watchlist.entries(listed=None, limit=50, offset=0)[0]}
    assert entries[address(3)].reason == "owner cap: 2 of own-a already listed with higher scores"
    assert entries[address(4)].reason == "flagged copy_follower"
    assert entries[address(5)].reason.startswith("score -0.50 <")
    # and the contract table step 6 reads lists the same wallets
    with app.db.connection() as conn:
        listed = conn.execute("select address from public.watchlist where listed").fetchall()
    assert {r["address"] for r in listed} == {address(1), address(2), address(6)}
    # and the shard and the sync are recorded
    [shard] = app.watchlist.shards()
    assert (shard.webhook_id, shard.addresses, shard.state) == (hook["webhookID"], 3, "synced")
    last = app.watchlist.last_sync()
    assert last is not None
    assert (last.state, last.version) == ("synced", 1)


def test_a_second_sync_with_no_change_sends_no_write(app: Container, sim: SimServer) -> None:
    # Given a synced watchlist
    seed_wallets(app.db, [(address(1), 0.9, None, []), (address(2), 0.8, None, [])])
    app.watchlist_jobs.sync()
    before = writes(sim)
    # When synced again with nothing changed
    result = app.watchlist_jobs.sync()
    # Then no webhook write was sent (only the list) and no new version was made
    assert writes(sim) == before == 1
    assert (result.state, result.version, result.kept) == ("unchanged", 1, 1)


def test_a_change_is_one_put_replacing_the_whole_list(app: Container, sim: SimServer) -> None:
    # Given a synced watchlist of three wallets
    seed_wallets(app.db, [(address(i), 0.9 - i / 10, None, []) for i in (1, 2, 3)])
    app.watchlist_jobs.sync()
    # When one wallet is banned and a new one qualifies, then synced
    app.watchlist_jobs.ban(address(2), by="tester", reason="insider")
    seed_wallets(app.db, [(address(7), 0.95, None, [])])
    before = dict(sim.sim.webhook_calls)
    result = app.watchlist_jobs.sync()
    # Then exactly one PUT was sent, and the webhook holds the new list: the banned one is gone
    after = sim.sim.webhook_calls
    assert {m: after[m] - before.get(m, 0) for m in WRITES} == {"POST": 0, "PUT": 1, "DELETE": 0}
    [hook] = hooks(sim)
    assert sorted(hook["accountAddresses"]) == sorted([address(1), address(3), address(7)])
    assert hook["authHeader"] == SECRET
    assert result.replaced == 1
    # and the version's changes say who went off and who came on
    changes = {c.address: c for c in reversed(app.watchlist.changes())}  # newest kept
    assert (changes[address(2)].listed_before, changes[address(2)].listed_after) == (True, False)
    assert changes[address(2)].reason == "banned: insider"
    assert changes[address(7)].listed_after


def test_seven_wallets_in_shards_of_three_make_three_webhooks_none_over_three(
    app: Container, sim: SimServer
) -> None:
    # Given 7 listable wallets and a shard size of 3
    seed_wallets(app.db, [(address(i), 0.5 + i / 100, None, []) for i in range(1, 8)])
    app.step_settings.update("watchlist", {"shard_size": 3})
    # When synced
    app.watchlist_jobs.sync()
    # Then three webhooks hold the 7 wallets once each, none more than 3
    held = [hook["accountAddresses"] for hook in hooks(sim)]
    assert sorted(len(a) for a in held) == [1, 3, 3]
    assert sorted(a for addresses in held for a in addresses) == sorted(
        address(i) for i in range(1, 8)
    )
    assert sorted(s.addresses for s in app.watchlist.shards()) == [1, 3, 3]
    # When 5 wallets are banned (2 left listed), then synced
    for i in range(3, 8):
        app.watchlist_jobs.ban(address(i), by="tester", reason="test")
    app.watchlist_jobs.sync()
    # Then the emptied webhooks are deleted and the rest hold the 2
    held = [hook["accountAddresses"] for hook in hooks(sim)]
    assert sorted(a for addresses in held for a in addresses) == [address(1), address(2)]
    assert all(0 < len(a) <= 3 for a in held)


def test_webhooks_of_other_urls_are_left_alone(app: Container, sim: SimServer) -> None:
    # Given a webhook of another URL on the same account
    other = httpx.post(
        f"{sim.base_url}/v0/webhooks",
        params=SIM_KEY,
        json={"webhookURL": "http://127.0.0.1:9/other", "accountAddresses": [address(9)]},
        timeout=10,
    ).json()
    seed_wallets(app.db, [(address(1), 0.9, None, [])])
    # When synced
    app.watchlist_jobs.sync()
    # Then it is untouched beside ours
    by_id = {hook["webhookID"]: hook for hook in hooks(sim)}
    assert by_id[other["webhookID"]]["accountAddresses"] == [address(9)]
    assert len(by_id) == 2


def test_without_the_ingest_url_the_sync_fails_with_the_reason_and_writes_nothing(
    base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> None:
    # Given no WALLTRACK_WEBHOOK_INGEST_URL
    sim.sim.webhook_calls.clear()
    container = build_container(env_for(base_env, sim, webhook_ingest_url=None))
    try:
        seed_wallets(container.db, [(address(1), 0.9, None, [])])
        # When synced / Then it fails naming the setting, writes no webhook, records the failure
        with pytest.raises(ConfigurationError, match="WALLTRACK_WEBHOOK_INGEST_URL"):
            container.watchlist_jobs.sync()
        assert writes(sim) == 0
        last = container.watchlist.last_sync()
        assert last is not None
        assert last.state == "failed"
        assert "WALLTRACK_WEBHOOK_INGEST_URL" in (last.error or "")
    finally:
        container.close()


class VirtualTime:
    """The sim's rate-limit clock, advanced by the clients' sleeps (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_429_from_helius_is_waited_out_and_the_sync_succeeds(
    base_env: EnvSettings, clean_db: Database, world: World
) -> None:
    # Given a market allowing 2 webhooks calls a minute (then 429 with Retry-After)
    time = VirtualTime()
    config = SimConfig(speed=0, rate_limits={"webhooks": 2}, clock=time.clock)
    with SimServer(world, config) as limited:
        container = build_container(
            env_for(base_env, limited), transport=Transport(sleep=time.sleep)
        )
        try:
            seed_wallets(container.db, [(address(1), 0.9, None, [])])
            container.watchlist_jobs.sync()  # list + create: the minute's 2 calls
            seed_wallets(container.db, [(address(2), 0.8, None, [])])
            # When synced again within the minute (list, then a PUT)
            result = container.watchlist_jobs.sync()
        finally:
            container.close()
        # Then the 429 was answered by waiting its Retry-After, and the sync went through
        assert limited.sim.rate_limited >= 1
        assert time.slept
        assert all(s >= 1 for s in time.slept)
        assert result.replaced == 1
        time.now += 60  # the read-back is one more call: in the next minute
        [hook] = hooks(limited)
        assert sorted(hook["accountAddresses"]) == sorted([address(1), address(2)])


def test_the_schedule_syncs_when_due_then_waits_its_interval_and_a_run_is_recorded(
    base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> None:
    # Given a business clock and the default interval (15 minutes)
    sim.sim.deliverer.hooks.clear()
    clock = ManualClock(AT)
    container = build_container(env_for(base_env, sim), clock=clock)
    try:
        seed_wallets(container.db, [(address(1), 0.9, None, [])])
        jobs = container.watchlist_jobs
        # When the first tick comes / Then it syncs (never ran), recorded as a succeeded run
        first = jobs.tick()
        assert first is not None
        run = container.runs.get(first.run_id)
        assert run is not None
        assert (run.job, run.status, run.counts["stage"]) == ("watchlist_sync", "succeeded", "done")
        assert len(hooks(sim)) == 1
        # When ticked again 14 minutes later / Then nothing runs
        clock.advance(14 * 60)
        assert jobs.tick() is None
        # When 15 minutes have passed / Then it syncs again
        clock.advance(60)
        assert jobs.tick() is not None
        # When scheduled syncs are off / Then a due tick does nothing
        container.step_settings.update("watchlist", {"scheduled_sync": False})
        clock.advance(3600)
        assert jobs.tick() is None
    finally:
        container.close()


def test_a_failed_sync_ends_its_run_failed_with_the_reason(
    base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> None:
    # Given no webhook secret: webhook_ingest would refuse every delivery
    container = build_container(env_for(base_env, sim, webhook_auth_secret=None))
    try:
        # When a manual run is started and run
        started = container.watchlist_jobs.start_manual()
        with pytest.raises(ConfigurationError):
            container.watchlist_jobs.run(started.run_id)
        # Then the run is failed, naming the missing secret (never its value: there is none)
        run = container.runs.get(started.run_id)
        assert run is not None
        assert run.status == "failed"
        assert "WALLTRACK_WEBHOOK_AUTH_SECRET" in (run.error or "")
    finally:
        container.close()


def test_the_webhook_secret_never_reaches_a_log_line(
    app: Container, sim: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sync that creates, then replaces a webhook (both send the authHeader)
    seed_wallets(app.db, [(address(1), 0.9, None, [])])
    app.watchlist_jobs.sync()
    seed_wallets(app.db, [(address(2), 0.8, None, [])])
    app.watchlist_jobs.sync()
    # Then the logs said what happened, never the secret
    out = capsys.readouterr()
    assert "watchlist synced" in out.out + out.err
    assert SECRET not in out.out + out.err


def test_a_manual_sync_never_picked_up_is_run_by_a_later_tick(
    base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> None:
    # Given a manual sync recorded (queued) whose runner died before running it
    sim.sim.deliverer.hooks.clear()
    clock = ManualClock(AT)
    container = build_container(env_for(base_env, sim), clock=clock)
    try:
        seed_wallets(container.db, [(address(1), 0.9, None, [])])
        container.step_settings.update("watchlist", {"scheduled_sync": False})
        queued = container.watchlist_jobs.start_manual()
        # When a tick comes a minute later / Then it leaves it (its runner may be starting)
        clock.advance(60)
        assert container.watchlist_jobs.tick() is None
        # When a tick comes two minutes after its start
        clock.advance(60)
        rescued = container.watchlist_jobs.tick()
        # Then that run is run to its end (scheduled syncs being off changes nothing)
        assert rescued is not None
        assert rescued.run_id == queued.run_id
        run = container.runs.get(queued.run_id)
        assert run is not None
        assert run.status == "succeeded"
        [hook] = hooks(sim)
        assert hook["accountAddresses"] == [address(1)]
    finally:
        container.close()


def test_a_lifted_pin_on_an_unprofiled_wallet_takes_it_off_the_list(app: Container) -> None:
    # Given a discovered wallet not profiled yet, pinned (so followed)
    with app.db.connection() as conn:
        conn.execute(
            "insert into public.wallets (address, first_seen_at) values (%s, %s)", (address(20), AT)
        )
    pinned = app.watchlist_jobs.pin(address(20), by="tester", reason="tip from a friend")
    assert pinned.listed
    # When the pin is lifted
    lifted = app.watchlist_jobs.unpin(address(20), by="tester")
    # Then it is no longer followed, and says why (it is no longer judged)
    assert not lifted.listed
    assert lifted.reason.startswith("no longer judged")
    assert address(20) not in app.watchlist.listed_addresses()

"""Profiling's speed-ups change no profile: reading only the windows of each token's trades the
profiler looks at gives the same profiles as reading every token's whole history, in a
fraction of the calls. Real Postgres, the simulated market over HTTP, the product's Helius and
Jupiter clients, Helius calls counted on the wire. (The speed itself is measured by
bench/profiling.py, never asserted here; calls are counted, not timed.)"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote

import httpx
import pytest

from sim.server import SimServer
from sim.world import SWAP, Scenario, World, build_world
from tests.support.database import truncate_all
from tests.support.stack import market_env
from walltrack.app.container import Container, build_container
from walltrack.app.markets import Close, MarketPorts, Markets
from walltrack.cli.market import SIM_EPOCH
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.core.discovery.wallets import profile_address
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.postgres.database import Database
from walltrack.runtime.queues import CapturingQueuePort

WALLETS = 6
EPOCH = datetime.fromisoformat(SIM_EPOCH)


@dataclass
class Wire:
    """History pages as sent: per address, and whose (the profiled wallets' or tokens')."""

    wallets: set[str] = field(default_factory=set)
    pages: Counter[str] = field(default_factory=Counter)
    walks: Counter[str] = field(default_factory=Counter)

    async def on_request(self, request: httpx.Request) -> None:
        path = request.url.path
        if path.startswith("/v0/addresses/"):
            address = unquote(path.split("/")[3])
            self.pages[address] += 1
            if "before-signature" not in request.url.params:
                self.walks[address] += 1

    def calls(self) -> dict[str, int]:
        own = sum(n for a, n in self.pages.items() if a in self.wallets)
        return {"wallet": own, "token": sum(self.pages.values()) - own}

    def reset(self) -> None:
        self.pages.clear()
        self.walks.clear()


def counted(app: Container, wire: Wire) -> Container:
    original = app.open_market_ports

    def open_counted() -> tuple[MarketPorts, Close]:
        ports, close = original()
        ports.transactions._client._http.event_hooks["request"].append(wire.on_request)
        return ports, close

    app.markets = Markets(open_counted)
    return app


@pytest.fixture(scope="module")
def world() -> World:
    """The small world over a day of history: its busier tokens' histories run to many pages,
    as on the default world, so what windowed reads save shows."""
    return build_world(dataclasses.replace(Scenario.small(seed=7), history_hours=8.0))


@pytest.fixture
def env(base_env: EnvSettings, sim: SimServer) -> EnvSettings:
    return market_env(base_env, sim.base_url)


def busiest_token(world: World) -> str:
    traders: dict[int, set[int]] = {}
    for tx in range(world.n_tx()):
        if world.t_kind[tx] == SWAP and world.t_token[tx] > 0:
            traders.setdefault(int(world.t_token[tx]), set()).add(int(world.t_wallet[tx]))
    return world.tokens[max(traders, key=lambda t: (len(traders[t]), -t))].mint


@pytest.fixture
def discovered(env: EnvSettings, clean_db: Database, world: World) -> list[str]:
    """The first WALLETS candidates (by address) of the busiest token's discovery."""
    queue = CapturingQueuePort()
    app = build_container(env, clock=ManualClock(EPOCH), queues={"wallet_profile": queue})
    app.wallet_jobs.discover(busiest_token(world))
    app.close()
    addresses = sorted(json.loads(body)["address"] for body in queue.bodies)
    assert len(addresses) >= WALLETS
    return addresses[:WALLETS]


def fresh_container(env: EnvSettings, wire: Wire) -> Container:
    """A process of its own (its own price tapes), on the market's frozen time."""
    return counted(build_container(env, clock=ManualClock(EPOCH)), wire)


def profile_from_full_tapes(app: Container, wallet: str) -> WalletProfile:
    """The profile as it was made before the speed-ups: every token's whole history read, one
    token at a time."""
    settings = app.step_settings.typed(WalletProfileSettings)
    discovery = app.step_settings.typed(WalletDiscoverySettings)
    report = app.markets.run(
        lambda market: profile_address(
            wallet, settings=settings, discovery=discovery, source=market.transactions,
            prices=market.prices, store=app.wallets, now=app.clock.now(),
            cache=app.price_tapes, tape_concurrency=1, tape_reads="full",
        )
    )  # fmt: skip
    return report.profile


TOKEN_CALLS_PER_PROFILE = 70
"""Helius calls on token histories per profile with windowed reads, at most, on this module's
world (measured 2026-12-07: 389 for the six profiles, 65 each; reading every token's whole
history took 504). A change that reads more fails here; speed itself is bench/profiling.py's."""


def test_windowed_token_reads_give_the_same_profiles_as_full_histories_in_fewer_calls(
    env: EnvSettings, clean_db: Database, discovered: list[str]
) -> None:
    wire = Wire(wallets=set(discovered))
    # Given six candidates of the busiest token, profiled from every token's whole history,
    # one token at a time, from an empty database (no token's trades read by the discovery)
    truncate_all(clean_db)
    before_app = fresh_container(env, wire)
    before = [profile_from_full_tapes(before_app, w) for w in discovered]
    before_app.close()
    before_calls = wire.calls()
    # When the same wallets are profiled from an empty database by the product's job, which
    # reads only the windows of each token's trades the profiler looks at
    truncate_all(clean_db)
    wire.reset()
    app = fresh_container(env, wire)
    after = [app.wallet_jobs.profile(w).profile for w in discovered]
    # Then every profile is the same (scores, PnL, trades, flags, copy replay, qualification)
    assert [p.model_dump() for p in after] == [p.model_dump() for p in before]
    assert any(p.trades for p in after)
    assert any(p.copyability.copied_buys for p in after)
    # And the wallets' own histories cost the same calls, their tokens' far fewer
    calls = wire.calls()
    assert calls["wallet"] == before_calls["wallet"]
    assert 0 < calls["token"] <= TOKEN_CALLS_PER_PROFILE * len(discovered), calls
    assert calls["token"] < before_calls["token"], (calls, before_calls)
    # And profiling them again while their tokens' trades are recent reads the wallets' own
    # history and, of their tokens, only the last minute before now that a trade needs (read
    # before, but not yet settled at Helius: walltrack.core.discovery.wallets.SETTLE)
    wire.reset()
    again = [app.wallet_jobs.profile(w).profile for w in discovered]
    app.close()
    assert wire.calls()["wallet"] == before_calls["wallet"]
    assert wire.calls()["token"] <= calls["token"] // 20, wire.calls()
    assert [p.score for p in again] == [p.score for p in before]

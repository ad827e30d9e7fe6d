"""The Helius and Jupiter clients against the simulated market, over real loopback HTTP."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sim.server import SimServer
from walltrack.services.base import RateLimit
from walltrack.services.errors import AuthError
from walltrack.services.helius.rpc import HeliusRpcClient
from walltrack.services.helius.transactions import HeliusTransactionsClient
from walltrack.services.helius.webhooks import HeliusWebhooksClient
from walltrack.services.jupiter import JupiterClient, NoRouteError

pytestmark = pytest.mark.anyio

SIM_KEY = SecretStr("sim-key")
WSOL = "So11111111111111111111111111111111111111112"
# A valid address that is no mint of the simulated world (the fixtures' funder F).
NOT_A_MINT = "Gznd7CkRQNzjoLNQLHsZferT8MjnD2Uat6QRjKaWN3Jb"
HOOK_URL = "http://127.0.0.1:9/hook"  # never called: the frozen clock makes no new trades
FAST = RateLimit(1000, 1.0)  # the sim enforces no limit here; the limiters have unit tests


def rpc_client(sim: SimServer) -> HeliusRpcClient:
    return HeliusRpcClient(sim.base_url, api_key=SIM_KEY, rpc_rate=FAST, das_rate=FAST)


def history_client(sim: SimServer) -> HeliusTransactionsClient:
    return HeliusTransactionsClient(sim.base_url, api_key=SIM_KEY, enhanced_rate=FAST)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def truth(sim: SimServer) -> dict[str, Any]:
    """Test-only ground truth (the product never reads it)."""
    data: dict[str, Any] = httpx.get(f"{sim.base_url}/__sim/truth", timeout=10).json()
    return data


async def all_signatures(rpc: HeliusRpcClient, address: str) -> list[str]:
    """Every signature of `address`, newest first, paged with `before`."""
    signatures: list[str] = []
    while True:
        page = await rpc.get_signatures_for_address(
            address, before=signatures[-1] if signatures else None
        )
        if not page:
            return signatures
        signatures += [s.signature for s in page]


async def busiest_token(rpc: HeliusRpcClient, truth: dict[str, Any]) -> tuple[str, list[str]]:
    counted = [(await all_signatures(rpc, t["mint"]), t["mint"]) for t in truth["tokens"]]
    signatures, mint = max(counted, key=lambda pair: len(pair[0]))
    return mint, signatures


async def test_a_busy_tokens_history_pages_to_the_end(
    sim: SimServer, truth: dict[str, Any]
) -> None:
    # Given the busiest token of the world (several history pages) and its RPC signatures
    async with rpc_client(sim) as rpc, history_client(sim) as helius:
        mint, expected = await busiest_token(rpc, truth)
        assert len(expected) > 250
        # When its enhanced history is walked backwards to the end
        walk = helius.iter_history(mint, max_transactions=100_000)
        history = [tx async for tx in walk]
        # Then every transaction once, newest first, the same list as the RPC's, not partial
        assert [tx["signature"] for tx in history] == expected
        assert walk.stop_reason == "exhausted"
        assert not walk.partial
        assert walk.pages == math.ceil(len(expected) / 100) + 1  # the last one empty
        # When a capped walk stops early
        capped = helius.iter_history(mint, max_transactions=150)
        first = [tx["signature"] async for tx in capped]
        # Then it says so
        assert first == expected[:150]
        assert capped.capped
        # When ten of them are parsed by signature
        parsed = await helius.parse_transactions(expected[:10])
        # Then the same transactions come back, in the asked order
        assert parsed == history[:10]


async def test_until_time_stops_the_walk_at_the_horizon(
    sim: SimServer, truth: dict[str, Any]
) -> None:
    async with rpc_client(sim) as rpc, history_client(sim) as helius:
        # Given the busiest token and a horizon at its 121st newest transaction
        mint, _ = await busiest_token(rpc, truth)
        newest = await rpc.get_signatures_for_address(mint, limit=1000)
        horizon_s = newest[120].block_time
        assert horizon_s is not None
        # When its history is walked back to that horizon
        walk = helius.iter_history(
            mint, max_transactions=100_000, until_time=datetime.fromtimestamp(horizon_s, tz=UTC)
        )
        history = [tx["signature"] async for tx in walk]
    # Then exactly the transactions at or after the horizon came back
    assert walk.stop_reason == "until_time"
    assert not walk.partial
    assert history == [
        s.signature for s in newest if s.block_time is not None and s.block_time >= horizon_s
    ]


async def test_a_wrong_key_is_an_auth_error_everywhere(sim: SimServer) -> None:
    wrong = SecretStr("not-the-sim-key")
    async with (
        HeliusTransactionsClient(sim.base_url, api_key=wrong) as helius,
        HeliusWebhooksClient(sim.base_url, api_key=wrong) as hooks,
        HeliusRpcClient(sim.base_url, api_key=wrong) as rpc,
        JupiterClient(sim.base_url, api_key=wrong) as jupiter,
    ):
        with pytest.raises(AuthError):
            await helius.transactions_for_address(NOT_A_MINT)
        with pytest.raises(AuthError):
            await hooks.list()
        with pytest.raises(AuthError):
            await rpc.get_balance(NOT_A_MINT)
        with pytest.raises(AuthError):
            await jupiter.price([WSOL])


async def test_a_webhook_is_created_listed_replaced_and_deleted(
    sim: SimServer, truth: dict[str, Any]
) -> None:
    wallets = [w["address"] for w in truth["wallets"][:3]]
    async with HeliusWebhooksClient(sim.base_url, api_key=SIM_KEY, webhooks_rate=FAST) as hooks:
        # When created for two wallets
        created = await hooks.create(HOOK_URL, wallets[:2], auth_header="Bearer sim-auth-1234")
        # Then it is listed with them, its auth header kept
        listed = {w.webhook_id: w for w in await hooks.list()}
        assert listed[created.webhook_id].account_addresses == wallets[:2]
        assert created.auth_header is not None
        assert created.auth_header.get_secret_value() == "Bearer sim-auth-1234"
        # When replaced with three wallets
        updated = await hooks.update(
            created.webhook_id, HOOK_URL, wallets, auth_header="Bearer sim-auth-1234"
        )
        # Then the read-back has the three
        assert updated.account_addresses == wallets
        assert (await hooks.get(created.webhook_id)).account_addresses == wallets
        # When deleted / Then it is gone
        await hooks.delete(created.webhook_id)
        assert created.webhook_id not in {w.webhook_id for w in await hooks.list()}


async def test_a_wallet_balance_is_whole_lamports(sim: SimServer, truth: dict[str, Any]) -> None:
    wallet = max(truth["wallets"], key=lambda w: w["trades"])["address"]
    async with rpc_client(sim) as rpc:
        lamports = await rpc.get_balance(wallet)
    assert isinstance(lamports, int)
    assert lamports >= 0


async def test_a_quote_and_a_price_for_a_live_token(sim: SimServer, truth: dict[str, Any]) -> None:
    mints = [t["mint"] for t in truth["tokens"]]
    async with JupiterClient(sim.base_url, api_key=SIM_KEY, rate=FAST) as jupiter:
        # Given the tokens Jupiter prices (those with a live market), and an unknown mint
        prices = await jupiter.price([WSOL, *mints, NOT_A_MINT])
        assert prices[WSOL] > 0
        assert NOT_A_MINT not in prices
        live = next(m for m in mints if m in prices)
        # When 0.1 SOL of a live token is quoted
        quote = await jupiter.quote(WSOL, live, 100_000_000, 300)
        # Then exact amounts, a route, and the slippage floor below the output
        assert (quote.input_mint, quote.output_mint, quote.in_amount) == (WSOL, live, 100_000_000)
        assert 0 < quote.other_amount_threshold <= quote.out_amount
        assert quote.amm_keys
        assert 0 <= quote.price_impact_pct < 1
        # When a mint without any market is quoted / Then no route
        with pytest.raises(NoRouteError):
            await jupiter.quote(WSOL, NOT_A_MINT, 100_000_000, 300)

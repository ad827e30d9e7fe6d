"""Every endpoint over loopback with httpx: shapes against the fixtures, auth, errors, paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sim.chain import WSOL_MINT
from sim.server import SimConfig, SimServer
from sim.world import Scenario, build_world
from tests.unit.sim.conftest import load_fixture
from tests.unit.sim.shapes import shape_errors

KEY = {"api-key": "sim-key"}
JUP = {"x-api-key": "sim-key"}


@pytest.fixture(scope="module")
def client(sim_server: SimServer) -> httpx.Client:
    """An httpx client on the sim's base URL."""
    return httpx.Client(base_url=sim_server.base_url, timeout=10)


def _truth(client: httpx.Client) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/__sim/truth").json()
    return data


def _busy_wallet(client: httpx.Client, label: str = "smart") -> str:
    wallets = [w for w in _truth(client)["wallets"] if w["label"] == label]
    return str(max(wallets, key=lambda w: w["trades"])["address"])


def _assert_shape(data: Any, fixture: str) -> None:
    errors = shape_errors(data, load_fixture(fixture))
    assert not errors, errors[:5]


def test_dexscreener_endpoints_match_fixture_shapes(client: httpx.Client) -> None:
    # Given the tokens of the served world
    tokens = [t for t in _truth(client)["tokens"] if t["fate"] != "stable"]
    mints = [t["mint"] for t in tokens][:5]
    # When every DexScreener endpoint is called
    profiles = client.get("/token-profiles/latest/v1")
    boosts_latest = client.get("/token-boosts/latest/v1")
    boosts_top = client.get("/token-boosts/top/v1")
    tokens_v1 = client.get(f"/tokens/v1/solana/{','.join(mints)}")
    pairs_of = client.get(f"/token-pairs/v1/solana/{mints[0]}")
    pair = client.get(f"/latest/dex/pairs/solana/{tokens[0]['pools'][0]}")
    search = client.get("/latest/dex/search", params={"q": tokens[0]["symbol"]})
    # Then statuses are 200 and shapes are the fixtures'
    for resp in (profiles, boosts_latest, boosts_top, tokens_v1, pairs_of, pair, search):
        assert resp.status_code == 200, resp.text
    _assert_shape(profiles.json(), "dexscreener/profiles_latest.json")
    _assert_shape(boosts_latest.json(), "dexscreener/boosts_latest.json")
    _assert_shape(boosts_top.json(), "dexscreener/boosts_top.json")
    _assert_shape(tokens_v1.json(), "dexscreener/tokens_v1.json")
    _assert_shape(pairs_of.json(), "dexscreener/token_pairs.json")
    _assert_shape(pair.json(), "dexscreener/pair.json")
    _assert_shape(search.json(), "dexscreener/search.json")
    assert len(tokens_v1.json()) == 5
    assert all(isinstance(p["priceUsd"], str) for p in tokens_v1.json())
    # Then more than 30 addresses is refused and an unknown pair gives pairs: null
    assert client.get(f"/tokens/v1/solana/{','.join(mints * 7)}").status_code == 400
    assert client.get(f"/latest/dex/pairs/solana/{WSOL_MINT}").json()["pairs"] is None


def test_history_pages_without_gaps_in_both_parameter_styles(client: httpx.Client) -> None:
    # Given a busy wallet
    wallet = _busy_wallet(client, "retail")
    url = f"/v0/addresses/{wallet}/transactions"

    # When its whole history is paged with before-signature and with the legacy before
    def walk(param: str) -> list[str]:
        sigs: list[str] = []
        params: dict[str, Any] = {**KEY, "limit": 3}
        while True:
            page = client.get(url, params=params).json()
            if not page:
                return sigs
            sigs += [t["signature"] for t in page]
            params[param] = page[-1]["signature"]

    new_style, old_style = walk("before-signature"), walk("before")
    # Then both give the same newest-first list, without duplicates, matching the RPC's list
    assert new_style == old_style
    assert len(set(new_style)) == len(new_style) >= 3
    rpc = client.post(
        "/",
        params=KEY,
        json={
            "jsonrpc": "2.0",
            "id": "1",
            "method": "getSignaturesForAddress",
            "params": [wallet, {"limit": 1000}],
        },
    ).json()
    assert [s["signature"] for s in rpc["result"]] == new_style
    _assert_shape(rpc, "helius/rpc_get_signatures_for_address.json")
    # When paging forwards with after-signature and sort-order=asc
    asc = client.get(
        url, params={**KEY, "sort-order": "asc", "after-signature": new_style[-1], "limit": 100}
    ).json()
    # Then it is the same list oldest first, minus the anchor
    assert [t["signature"] for t in asc] == list(reversed(new_style))[1:]
    # When until stops the walk
    until = client.get(url, params={**KEY, "until": new_style[2], "limit": 100}).json()
    assert [t["signature"] for t in until] == new_style[:2]


def test_history_and_parse_match_the_fixture_shapes(client: httpx.Client) -> None:
    # Given a wallet's latest 100 transactions
    wallet = _busy_wallet(client)
    page = client.get(f"/v0/addresses/{wallet}/transactions", params={**KEY, "limit": 500})
    # Then the oversized limit is capped and each tx has a fixture's shape
    assert page.status_code == 200
    txs = page.json()
    assert 0 < len(txs) <= 100
    for tx in txs:
        ref = (
            "helius/enhanced_tx_raydium_buy.json"
            if tx["events"]
            else "helius/enhanced_tx_sol_transfer.json"
            if tx["source"] == "SYSTEM_PROGRAM"
            else "helius/enhanced_tx_failed.json"
            if tx["transactionError"]
            else "helius/enhanced_tx_pumpfun_sell.json"
        )
        _assert_shape(tx, ref)
    # When the signatures are parsed with POST /v0/transactions
    sigs = [t["signature"] for t in txs[:10]]
    parsed = client.post("/v0/transactions", params=KEY, json={"transactions": sigs})
    # Then the same transactions come back
    assert [t["signature"] for t in parsed.json()] == sigs
    assert parsed.json() == txs[:10]
    # When filtered by type
    swaps = client.get(
        f"/v0/addresses/{wallet}/transactions", params={**KEY, "type": "TRANSFER"}
    ).json()
    assert all(t["type"] == "TRANSFER" for t in swaps)


def test_rpc_methods_match_fixture_shapes(client: httpx.Client) -> None:
    # Given a token and a wallet
    truth = _truth(client)
    mint = truth["tokens"][1]["mint"]
    wallet = _busy_wallet(client)

    def call(method: str, params: Any) -> dict[str, Any]:
        resp = client.post(
            "/", params=KEY, json={"jsonrpc": "2.0", "id": "x", "method": method, "params": params}
        )
        assert resp.status_code == 200
        data: dict[str, Any] = resp.json()
        return data

    # When the RPC methods are called
    asset = call("getAsset", {"id": mint})
    largest = call("getTokenLargestAccounts", [mint])
    balance = call("getBalance", [wallet])
    # Then shapes are right, supply is an exact int, values are consistent
    _assert_shape(asset, "helius/rpc_get_asset.json")
    assert isinstance(asset["result"]["token_info"]["supply"], int)
    assert 0 < len(largest["result"]["value"]) <= 20
    assert isinstance(balance["result"]["value"], int)
    # Then unknown methods and bad params are JSON-RPC errors
    assert call("getFoo", [])["error"]["code"] == -32601
    assert call("getBalance", ["nope"])["error"]["code"] == -32602


def test_jupiter_quote_and_price(client: httpx.Client) -> None:
    # Given a live token on a SOL market
    truth = _truth(client)
    live = [t for t in truth["tokens"] if t["ruggedAt"] is None and t["fate"] != "stable"]
    mint = live[-1]["mint"]
    # When buy and sell quotes are requested
    buy = client.get(
        "/swap/v1/quote",
        headers=JUP,
        params={
            "inputMint": WSOL_MINT,
            "outputMint": mint,
            "amount": 100_000_000,
            "slippageBps": 300,
        },
    )
    assert buy.status_code == 200, buy.text
    q = buy.json()
    sell = client.get(
        "/swap/v1/quote",
        headers=JUP,
        params={
            "inputMint": mint,
            "outputMint": WSOL_MINT,
            "amount": q["outAmount"],
            "slippageBps": 300,
        },
    )
    # Then shapes match and the threshold is the slippage-reduced output
    _assert_shape(q, "jupiter/quote_buy.json")
    _assert_shape(sell.json(), "jupiter/quote_sell.json")
    assert int(q["otherAmountThreshold"]) == int(q["outAmount"]) * 9700 // 10000
    assert 0 < float(q["priceImpactPct"]) < 1
    # Then unroutable and malformed requests give the documented 400s
    nowhere = "4DhqtMstk3G5r7fxT25xMneRDEkyzS7WSTCqRqziUbsHCJYT"
    bad = client.get(
        "/swap/v1/quote",
        headers=JUP,
        params={"inputMint": WSOL_MINT, "outputMint": truth["exchanges"][0], "amount": 5},
    )
    assert bad.status_code == 400
    _assert_shape(bad.json(), "jupiter/quote_no_route.json")
    assert bad.json()["errorCode"] == "COULD_NOT_FIND_ANY_ROUTE"
    assert (
        client.get(
            "/swap/v1/quote",
            headers=JUP,
            params={"inputMint": WSOL_MINT, "outputMint": mint, "amount": "x"},
        ).status_code
        == 400
    )
    assert (
        client.get(
            "/swap/v1/quote",
            headers=JUP,
            params={"inputMint": nowhere, "outputMint": mint, "amount": 1},
        ).status_code
        == 400
    )
    # When prices are requested with one unknown mint
    prices = client.get(
        "/price/v3", headers=JUP, params={"ids": f"{WSOL_MINT},{mint},{truth['exchanges'][0]}"}
    )
    # Then the unknown mint is left out and shapes match
    body = prices.json()
    assert set(body) == {WSOL_MINT, mint}
    ref = load_fixture("jupiter/price_v3.json")
    for mint_key, value in body.items():
        assert not shape_errors(value, ref[WSOL_MINT]), mint_key


def test_rugcheck_summary(client: httpx.Client) -> None:
    # Given the established token with a mint authority (index 1 of the established set)
    truth = _truth(client)
    # When summaries are requested
    for tok in truth["tokens"][:4]:
        resp = client.get(f"/v1/tokens/{tok['mint']}/report/summary")
        # Then each is a summary with the fixture's shape
        assert resp.status_code == 200
        _assert_shape(resp.json(), "rugcheck/summary_risky.json")
    risky = [
        client.get(f"/v1/tokens/{t['mint']}/report/summary").json() for t in truth["tokens"][:4]
    ]
    assert any(
        r["risks"] and r["risks"][0]["name"] == "Mint Authority still enabled" for r in risky
    )
    # Then unknown mints are 400 {"error": "not found"}, malformed ones 400 too
    unknown = client.get(f"/v1/tokens/{truth['exchanges'][0]}/report/summary")
    assert (unknown.status_code, unknown.json()) == (400, {"error": "not found"})
    assert client.get("/v1/tokens/xyz/report/summary").status_code == 400


def test_auth_and_bad_routes(client: httpx.Client) -> None:
    # Given a valid address
    wallet = _busy_wallet(client)
    # Then missing or wrong keys are 401 on Helius and Jupiter
    assert client.get(f"/v0/addresses/{wallet}/transactions").status_code == 401
    assert (
        client.get(f"/v0/addresses/{wallet}/transactions", params={"api-key": "x"}).status_code
        == 401
    )
    assert (
        client.post(
            "/", json={"jsonrpc": "2.0", "id": 1, "method": "getBalance", "params": [wallet]}
        ).status_code
        == 401
    )
    assert client.get("/swap/v1/quote").status_code == 401
    assert client.get("/v0/webhooks").status_code == 401
    # Then unknown routes are 404 and bad params 400 with a message
    assert client.get("/nope").status_code == 404
    bad = client.get(f"/v0/addresses/{wallet}/transactions", params={**KEY, "limit": "many"})
    assert bad.status_code == 400
    assert "limit" in bad.json()["error"]["message"]
    assert client.get("/v0/addresses/abc/transactions", params=KEY).status_code == 400


def test_status_reports_the_world(client: httpx.Client) -> None:
    # When the status is read
    status = client.get("/__sim/status").json()
    # Then it shows clock, sizes and deliveries
    assert status["clock"]["slot"] > 0
    assert status["counts"]["swaps"] > 1000
    assert "counters" in status["deliveries"]


def test_rate_limits_and_injected_5xx_are_configurable() -> None:
    # Given a server with a 2-per-minute DexScreener pair limit and always-failing Helius

    world = build_world(Scenario.small(seed=2))
    config = SimConfig(rate_limits={"dex_fast": 2}, error_5xx=1.0)
    with SimServer(world, config) as server, httpx.Client(base_url=server.base_url) as c:
        mint = world.tokens[1].mint
        # When the limit is exceeded
        codes = [c.get(f"/token-pairs/v1/solana/{mint}").status_code for _ in range(3)]
        limited = c.get(f"/token-pairs/v1/solana/{mint}")
        # Then the third call is a 429 with Retry-After
        assert codes == [200, 200, 429]
        assert int(limited.headers["Retry-After"]) > 0
        # Then Helius calls get the injected 503, and the status counts both
        wallet = world.addr[world.wallets_by_label["retail"][0]]
        assert c.get(f"/v0/addresses/{wallet}/transactions", params=KEY).status_code == 503
        status = c.get("/__sim/status").json()
        assert status["rateLimited"] >= 2
        assert status["injected5xx"] == 1


def test_same_seed_serves_byte_identical_responses() -> None:
    # Given two frozen servers of the same seed

    bodies = []
    for _ in range(2):
        world = build_world(Scenario.small(seed=21))
        wallet = world.addr[
            max(world.wallets_by_label["retail"], key=lambda e: len(world.tx_index.get(e, [])))
        ]
        mint = world.tokens[-1].mint
        with SimServer(world) as server, httpx.Client(base_url=server.base_url) as c:
            # When the same requests are made
            bodies.append(
                [
                    c.get(
                        f"/v0/addresses/{wallet}/transactions", params={**KEY, "limit": 100}
                    ).content,
                    c.get(f"/tokens/v1/solana/{mint}").content,
                    c.get(
                        "/swap/v1/quote",
                        headers=JUP,
                        params={"inputMint": WSOL_MINT, "outputMint": mint, "amount": 12345678},
                    ).content,
                    c.get("/__sim/truth").content,
                ]
            )
    # Then the bytes are identical
    assert bodies[0] == bodies[1]

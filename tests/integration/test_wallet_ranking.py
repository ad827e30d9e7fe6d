"""GET /wallets ranks what the product would follow first (issue 14 item 6): real Postgres, the
API app, profiles made by the real profiler from built histories."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.unit.profiling.builders import NOW, market_of, prints, step_path, swap
from walltrack.api.app import create_app
from walltrack.app.container import Container
from walltrack.core.discovery.profiler import MarketContext, profile_wallet
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

D = Decimal
STEADY = "Steady1111111111111111111111111111111111111"
LUCKY = "Lucky11111111111111111111111111111111111111"
SNIPER = "Sniper1111111111111111111111111111111111111"
HOUR = 3_600


@pytest.fixture
def client(container: Container, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(container), headers=auth_headers) as test_client:
        yield test_client


def _profile(wallet: str, swaps: list[Swap], market: MarketContext) -> WalletProfile:
    return profile_wallet(
        wallet=wallet, swaps=swaps, market=market, settings=WalletProfileSettings(), now=NOW
    )


def _runs(wallet: str, n: int, gain: str, *, sell: bool = True) -> WalletProfile:
    """`n` tokens bought a minute in, sold ten minutes later (or held) after a step of ×gain."""
    swaps, tapes = [], []
    for i in range(n):
        mint, start = f"{wallet[:6]}Run{i}", i * HOUR
        before = D("0.000001")
        after = before * D(gain)
        tapes.append((mint, prints(mint, step_path(start, start + 300, start + 1_200, before,
                                                   after))))  # fmt: skip
        tokens = 1 / before
        swaps.append(swap(wallet, "buy", mint, tokens, "1", start + 60))
        if sell:
            swaps.append(swap(wallet, "sell", mint, tokens, tokens * after, start + 660))
    return _profile(wallet, swaps, market_of(tapes))


def _sniper(n: int) -> WalletProfile:
    """`n` launches bought in the launch slot and sold 5 s later."""
    swaps, tapes, launches = [], [], {}
    for i in range(n):
        mint, start = f"Launch{i}", i * HOUR
        path = [(start + s, D("0.0000012")) for s in range(6, 60)]
        swaps += [swap(SNIPER, "buy", mint, "1000000", "1", start),
                  swap(SNIPER, "sell", mint, "1000000", "1.5", start + 5)]  # fmt: skip
        tapes.append((mint, prints(mint, path)))
        launches[mint] = start
    return _profile(SNIPER, swaps, market_of(tapes, launches=launches))


def test_the_default_list_ranks_qualified_unflagged_wallets_above_the_rest(
    client: TestClient, container: Container
) -> None:
    # Given a steady wallet barely breaking even after costs (qualified, score below zero), a
    # wallet with one unsold buy up ×8.8 (score above it: not qualified) and a sniper with 20
    # trades (flagged)
    steady = _runs(STEADY, 10, "1.07")
    lucky = _runs(LUCKY, 1, "8.84", sell=False)
    sniper = _sniper(10)
    assert lucky.score > steady.score
    assert steady.qualified
    for profile in (steady, lucky, sniper):
        container.wallets.save_profile(profile, malformed_transactions=0)
    # When the list is asked for with no parameter
    page = client.get("/wallets").json()
    # Then the qualified, unflagged wallet comes first, then the others by score
    order = [w["address"] for w in page["items"]]
    assert order == [STEADY, LUCKY, SNIPER]
    rows = {w["address"]: w for w in page["items"]}
    # And each row says why it is or is not qualified
    assert rows[STEADY]["qualified"] is True
    assert rows[STEADY]["qualification"][-1] == "no bot flag"
    assert rows[LUCKY]["qualified"] is False
    assert rows[LUCKY]["qualification"] == [
        "1 trade < 10 minimum",
        "no closed round trip (no sell matched a buy)",
    ]
    assert rows[SNIPER]["qualified"] is False
    assert rows[SNIPER]["qualification"][0].startswith("bot: launch_sniper")
    # And the edge the score reads (capped typical buy) is returned beside the pooled one
    assert D(rows[LUCKY]["copy_edge"]) > 1
    assert D(rows[LUCKY]["score_edge"]) == lucky.copyability.capped_edge
    assert D(rows[LUCKY]["score_edge"]) <= D("0.4")
    # And sort=score still sorts by the score alone; the filters narrow to the followed ones
    by_score = client.get("/wallets", params={"sort": "score"}).json()
    assert [w["address"] for w in by_score["items"]] == [LUCKY, STEADY, SNIPER]
    followed = client.get("/wallets", params={"qualified": "true", "flags": "clean"}).json()
    assert [w["address"] for w in followed["items"]] == [STEADY]

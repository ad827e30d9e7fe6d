"""What the clustering integration tests share: the calibrated world's wallets picked by their
hidden truth (to judge only), wallets marked profiled as step 3 leaves them, Helius history
pages counted on the wire, a run driven to its end, and the graph's size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx

from sim.world import World
from tests.support.stack import Stack
from walltrack.app.container import Container
from walltrack.app.markets import Close, MarketPorts, Markets
from walltrack.data.graph.driver import driver_for
from walltrack.data.models.runs import ScheduleRun
from walltrack.data.postgres.database import Database

HOP_CLUSTERS = (4, 36)
"""Calibrated seed 1's insider clusters funded through hop chains (`cluster_funding`) whose
members' own first funders differ (2 and 3 hop wallets): only following the chains joins them."""
DIRECT_CLUSTER = 7


def members(world: World, cluster: int) -> list[str]:
    return [world.addr[m] for m in world.clusters[cluster]]


def picked_wallets(world: World, *, others: int = 5) -> list[str]:
    """Two hop-funded clusters, a directly funded one, and a few smart and retail wallets."""
    wallets = [a for c in (*HOP_CLUSTERS, DIRECT_CLUSTER) for a in members(world, c)]
    for label in ("smart", "retail"):
        wallets += [world.addr[w] for w in world.wallets_by_label[label][:others]]
    return wallets


def mark_profiled(db: Database, wallets: list[str], *, at: datetime) -> None:
    """The wallets as step 3 leaves them once profiled (what a clustering run covers)."""
    with db.connection() as conn:
        for address in wallets:
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at, score)"
                " values (%s, 'profiled', %s, %s, 0.5)",
                (address, at, at),
            )


@dataclass
class Wire:
    """Helius history pages as sent, per address, with their query parameters."""

    pages: Counter[str] = field(default_factory=Counter)
    params: list[dict[str, str]] = field(default_factory=list)

    async def on_request(self, request: httpx.Request) -> None:
        path = request.url.path
        if path.startswith("/v0/addresses/"):
            self.pages[unquote(path.split("/")[3])] += 1
            self.params.append(dict(request.url.params))

    def reset(self) -> None:
        self.pages.clear()
        self.params.clear()


def count_pages(app: Container, wire: Wire) -> None:
    """Count the container's Helius pages on the wire (before its jobs are first used)."""
    original = app.open_market_ports

    def open_counted() -> tuple[MarketPorts, Close]:
        ports, close = original()
        ports.transactions._client._http.event_hooks["request"].append(wire.on_request)
        return ports, close

    app.markets = Markets(open_counted)


def run_to_end(stack: Stack) -> ScheduleRun:
    """A manual clustering run, its queue drained by the local runtime, as recorded."""
    started = stack.container.clustering.start_manual()
    assert started.started
    stack.runtime.run_until_idle()
    run = stack.container.runs.get(started.run_id)
    assert run is not None
    return run


def graph_size(app: Container) -> dict[str, Any]:
    """Nodes, relationships and their properties in the whole graph."""
    driver = driver_for(app.env)
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n, sum(size(keys(n))) AS p")
    rels, _, _ = driver.execute_query(
        "MATCH ()-[r]->() RETURN count(r) AS n, sum(size(keys(r))) AS p"
    )
    return {
        "nodes": nodes[0]["n"],
        "node_properties": nodes[0]["p"],
        "relationships": rels[0]["n"],
        "relationship_properties": rels[0]["p"],
    }

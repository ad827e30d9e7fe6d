"""The graph through the official neo4j driver against a real Bolt server."""

from __future__ import annotations

import pytest

from walltrack.config.settings import EnvSettings
from walltrack.data.graph.driver import driver_for
from walltrack.data.graph.repository import GraphRepository


@pytest.fixture
def graph(graph_uri: str) -> GraphRepository:

    settings = EnvSettings(_env_file=None, neo4j_uri=graph_uri)
    return GraphRepository(driver_for(settings))


def test_a_cypher_write_reads_back(graph: GraphRepository) -> None:
    # Given two wallets written / When read back by address
    graph.merge_wallets(["W1-roundtrip", "W2-roundtrip"], seen_ms=1_773_151_200_000)
    found = {w["address"]: w for w in graph.wallets(["W1-roundtrip", "W2-roundtrip", "nope"])}
    # Then both come back with their epoch-ms times and the unknown one does not
    assert set(found) == {"W1-roundtrip", "W2-roundtrip"}
    assert found["W1-roundtrip"]["first_seen_ms"] == 1_773_151_200_000


def test_writes_larger_than_one_unwind_batch_all_land(graph: GraphRepository) -> None:
    # Given 95 addresses (three UNWIND batches of at most 40 rows)
    addresses = [f"batch-wallet-{i:03d}" for i in range(95)]
    # When merged twice (idempotent) / Then each exists once
    assert graph.merge_wallets(addresses, seen_ms=1) == 95
    graph.merge_wallets(addresses, seen_ms=2)
    found = graph.wallets(addresses)
    assert len(found) == 95
    assert {w["last_seen_ms"] for w in found} == {2}
    assert {w["first_seen_ms"] for w in found} == {1}

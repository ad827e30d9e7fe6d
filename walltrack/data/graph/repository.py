"""Graph reads and writes through the process driver; Cypher text comes from `queries`.

Driver errors meaning "the graph cannot be reached" become `DependencyUnavailableError` here, at
the adapter's edge, so callers (and the API's error mapping) never import the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, LiteralString, TypeVar

from neo4j import Driver, Query
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from walltrack.data.graph import queries
from walltrack.errors import DependencyUnavailableError

T = TypeVar("T")


def batched(items: Sequence[T], size: int = queries.UNWIND_BATCH_ROWS) -> Iterator[Sequence[T]]:
    """Slices small enough for the embedded engine's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class GraphRepository:
    def __init__(self, driver: Driver) -> None:
        self._driver = driver

    def _run(self, cypher: LiteralString, **params: Any) -> list[Any]:
        try:
            records, _, _ = self._driver.execute_query(Query(cypher), params)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise DependencyUnavailableError("graph", type(exc).__name__) from exc
        return list(records)

    def ping(self) -> bool:
        records = self._run(queries.PING)
        return bool(records and records[0]["ok"] == 1)

    def merge_wallets(self, addresses: Sequence[str], *, seen_ms: int) -> int:
        """Create or touch (:Wallet) nodes; returns how many rows were merged."""
        merged = 0
        for chunk in batched(list(dict.fromkeys(addresses))):
            rows = [{"address": a, "seen_ms": seen_ms} for a in chunk]
            records = self._run(queries.MERGE_WALLETS, rows=rows)
            merged += int(records[0]["merged"]) if records else 0
        return merged

    def wallets(self, addresses: Sequence[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chunk in batched(list(addresses)):
            records = self._run(queries.WALLETS_BY_ADDRESS, addresses=list(chunk))
            found.extend(record.data() for record in records)
        return found

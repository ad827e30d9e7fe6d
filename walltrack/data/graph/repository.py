"""Graph reads and writes through the process driver; Cypher text comes from `queries`.

Driver errors meaning "the graph cannot be reached" become `DependencyUnavailableError` here, at
the adapter's edge, so callers (and the API's error mapping) never import the driver.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, LiteralString, TypeVar

from neo4j import Driver, Query
from neo4j.exceptions import DatabaseError, ServiceUnavailable, SessionExpired

from walltrack.data.graph import queries
from walltrack.data.models.owners import EdgeView, GroupingView
from walltrack.errors import DependencyUnavailableError
from walltrack.log import get_logger

log = get_logger(component="graph")

T = TypeVar("T")


def batched(items: Sequence[T], size: int = queries.UNWIND_BATCH_ROWS) -> Iterator[Sequence[T]]:
    """Slices small enough for the embedded engine's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batched_by_size(
    rows: Sequence[Mapping[str, Any]],
    *,
    max_rows: int = queries.UNWIND_BATCH_ROWS,
    max_bytes: int = queries.UNWIND_PARAM_BYTES,
) -> Iterator[list[Mapping[str, Any]]]:
    """Slices of at most `max_rows` rows whose JSON stays under `max_bytes` (a row alone may
    be larger: it goes alone); rows carrying proof signatures are ~1 KiB each."""
    batch: list[Mapping[str, Any]] = []
    size = 0
    for row in rows:
        row_bytes = len(json.dumps(row, default=str))
        if batch and (len(batch) >= max_rows or size + row_bytes > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += row_bytes
    if batch:
        yield batch


def _epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class GraphRepository:
    """Also the `OwnersGraph` port of the clustering recipe (`write_evidence`, `write_owners`)."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._indexed = False

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

    # --- step 4: owners and their evidence ----------------------------------------------------

    def ensure_indexes(self) -> None:
        """Indexes on Wallet.address and Owner.id, once per process: MERGE finds a node by
        index instead of scanning every node (the writes' cost grows with the batch, not the
        graph). Neo4j's DDL first; the embedded engine rejects it and gets its own."""
        if self._indexed:
            return
        try:
            for statement in queries.INDEXES_NEO4J:
                self._run(statement)
        except DatabaseError:
            present = {
                (record["label"], prop)
                for record in self._run(queries.EMBEDDED_INDEXES)
                for prop in record["properties"]
            }
            for key, statement in queries.INDEXES_EMBEDDED.items():
                if key not in present:
                    self._run(statement)
        self._indexed = True

    def write_evidence(self, edges: Sequence[EdgeView]) -> int:
        """MERGE each edge with its weight (`weight_micro`, millionths), count, hop and proof
        signatures (values only, no write time: the same evidence written again changes
        nothing); returns edges merged."""
        self.ensure_indexes()
        by_kind: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for edge in edges:
            by_kind.setdefault(edge.kind, {})[(edge.source, edge.target)] = {
                "source": edge.source,
                "target": edge.target,
                # an integer in millionths: the embedded engine prints floats with six
                # decimals, so its Bolt guard refuses a float that would lose digits
                "weight_micro": round(edge.weight * 1_000_000),
                "count": edge.count,
                "hop": edge.hop,
                "signatures": [proof.signature for proof in edge.proofs],
                "first_ms": min((_epoch_ms(p.timestamp) for p in edge.proofs), default=None),
            }
        merged = 0
        for kind, rows in sorted(by_kind.items()):
            for batch in batched_by_size([rows[key] for key in sorted(rows)]):
                records = self._run(queries.MERGE_EVIDENCE[kind], rows=batch)
                merged += int(records[0]["merged"]) if records else 0
        return merged

    def write_owners(self, grouping: GroupingView) -> int:
        """(:Owner) nodes and MEMBER_OF edges as `grouping` says: memberships that changed are
        moved, owners no longer in it are deleted, the rest is left as it is. Returns the
        memberships and owners written or deleted."""
        self.ensure_indexes()
        owner_rows = [
            {"id": owner_id, "size": len(group.wallets), "linked_wallets": len(group.linking)}
            for owner_id, group in sorted(grouping.owners.items())
        ]
        for batch in batched_by_size(owner_rows):
            self._run(queries.MERGE_OWNERS, rows=batch)
        wanted = {
            address: (owner_id, group.role(address))
            for owner_id, group in grouping.owners.items()
            for address in group.members
        }
        held = {
            (record["address"], record["owner_id"]): record["role"]
            for record in self._run(queries.MEMBERSHIPS)
        }
        stale = [
            {"address": address, "owner_id": owner_id}
            for (address, owner_id) in sorted(held)
            if wanted.get(address, (None,))[0] != owner_id
        ]
        missing = [
            {"address": address, "owner_id": owner_id, "role": role}
            for address, (owner_id, role) in sorted(wanted.items())
            if held.get((address, owner_id)) != role
        ]
        for batch in batched_by_size(stale):
            self._run(queries.DELETE_MEMBERSHIPS, rows=batch)
        for batch in batched_by_size(missing):
            self._run(queries.MERGE_MEMBERSHIPS, rows=batch)
        gone = sorted(
            {record["id"] for record in self._run(queries.OWNER_IDS)} - set(grouping.owners)
        )
        for chunk in batched(gone):
            self._run(queries.DELETE_OWNERS, ids=list(chunk))
        log.info(
            "owners written",
            owners=len(owner_rows),
            memberships_moved=len(stale),
            memberships_written=len(missing),
            owners_deleted=len(gone),
        )
        return len(stale) + len(missing) + len(gone)

    def counts(self) -> dict[str, int]:
        """Nodes, relationships and their properties (what a re-run must leave unchanged)."""
        statements = {
            "nodes": queries.COUNT_NODES,
            "relationships": queries.COUNT_RELATIONSHIPS,
            "node_properties": queries.COUNT_NODE_PROPERTIES,
            "relationship_properties": queries.COUNT_RELATIONSHIP_PROPERTIES,
        }
        found = {}
        for name, statement in statements.items():
            records = self._run(statement)
            found[name] = int(records[0]["n"]) if records else 0
        return found

    def owner_evidence(self, owner_id: str) -> list[dict[str, Any]]:
        """The edges leaving an owner's members, as stored (for checks and the API's fallback)."""
        return [record.data() for record in self._run(queries.OWNER_EVIDENCE, owner_id=owner_id)]

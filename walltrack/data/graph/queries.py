"""All Cypher text, in the subset both Neo4j 5 and FalkorDB accept.

Rules from ARCHITECTURE §5: parameters under ~4 KiB (UNWIND in batches of ≤ 40 rows), times as
epoch-ms integers (no date()/duration() in results), no EXISTS{}/COUNT{}/=~/elementId().
"""

from __future__ import annotations

from typing import Final, LiteralString

UNWIND_BATCH_ROWS: Final = 40

PING: Final[LiteralString] = "RETURN 1 AS ok"

MERGE_WALLETS: Final[LiteralString] = (
    "UNWIND $rows AS row "
    "MERGE (w:Wallet {address: row.address}) "
    "SET w.first_seen_ms = coalesce(w.first_seen_ms, row.seen_ms), w.last_seen_ms = row.seen_ms "
    "RETURN count(w) AS merged"
)

WALLETS_BY_ADDRESS: Final[LiteralString] = (
    "UNWIND $addresses AS address "
    "MATCH (w:Wallet {address: address}) "
    "RETURN w.address AS address, w.first_seen_ms AS first_seen_ms, "
    "w.last_seen_ms AS last_seen_ms"
)

# --- step 4: owners and their evidence --------------------------------------------------------
# Relationship types cannot be parameters, so one statement per kind. Values only (no write
# times), so writing the same evidence again changes nothing.

UNWIND_PARAM_BYTES: Final = 3_000
"""A batch's parameters are cut below this size (the embedded engine crashes over ~4 KiB)."""

INDEXES_NEO4J: Final[tuple[LiteralString, ...]] = (
    "CREATE INDEX wallet_address IF NOT EXISTS FOR (w:Wallet) ON (w.address)",
    "CREATE INDEX owner_id IF NOT EXISTS FOR (o:Owner) ON (o.id)",
)
"""Neo4j 5 / Aura's DDL (the embedded engine rejects IF NOT EXISTS)."""
INDEXES_EMBEDDED: Final[dict[tuple[str, str], LiteralString]] = {
    ("Wallet", "address"): "CREATE INDEX FOR (w:Wallet) ON (w.address)",
    ("Owner", "id"): "CREATE INDEX FOR (o:Owner) ON (o.id)",
}
"""The embedded engine's DDL (it fails when the index exists, so `EMBEDDED_INDEXES` first)."""
EMBEDDED_INDEXES: Final[LiteralString] = "CALL db.indexes() YIELD label, properties"


def _merge_evidence(kind: LiteralString) -> LiteralString:
    return (
        "UNWIND $rows AS row "
        "MERGE (a:Wallet {address: row.source}) "
        "MERGE (b:Wallet {address: row.target}) "
        "MERGE (a)-[r:" + kind + "]->(b) "
        "SET r.weight_micro = row.weight_micro, r.count = row.count, r.hop = row.hop, "
        "r.signatures = row.signatures, r.first_ms = row.first_ms "
        "RETURN count(r) AS merged"
    )


MERGE_EVIDENCE: Final[dict[str, LiteralString]] = {
    "FUNDED_BY": _merge_evidence("FUNDED_BY"),
    "FEE_PAID_BY": _merge_evidence("FEE_PAID_BY"),
    "TRANSFERRED": _merge_evidence("TRANSFERRED"),
    "CO_ENTERED": _merge_evidence("CO_ENTERED"),
}

MERGE_OWNERS: Final[LiteralString] = (
    "UNWIND $rows AS row "
    "MERGE (o:Owner {id: row.id}) "
    "SET o.size = row.size, o.linked_wallets = row.linked_wallets "
    "RETURN count(o) AS merged"
)

MEMBERSHIPS: Final[LiteralString] = (
    "MATCH (w:Wallet)-[m:MEMBER_OF]->(o:Owner) "
    "RETURN w.address AS address, o.id AS owner_id, m.role AS role"
)

DELETE_MEMBERSHIPS: Final[LiteralString] = (
    "UNWIND $rows AS row "
    "MATCH (w:Wallet {address: row.address})-[m:MEMBER_OF]->(o:Owner {id: row.owner_id}) "
    "DELETE m "
    "RETURN count(*) AS deleted"
)

MERGE_MEMBERSHIPS: Final[LiteralString] = (
    "UNWIND $rows AS row "
    "MERGE (w:Wallet {address: row.address}) "
    "WITH w, row "
    "MATCH (o:Owner {id: row.owner_id}) "
    "MERGE (w)-[m:MEMBER_OF]->(o) "
    "SET m.role = row.role "
    "RETURN count(m) AS merged"
)

OWNER_IDS: Final[LiteralString] = "MATCH (o:Owner) RETURN o.id AS id"

DELETE_OWNERS: Final[LiteralString] = (
    "UNWIND $ids AS id MATCH (o:Owner {id: id}) DETACH DELETE o RETURN count(*) AS deleted"
)

COUNT_NODES: Final[LiteralString] = "MATCH (n) RETURN count(n) AS n"
COUNT_RELATIONSHIPS: Final[LiteralString] = "MATCH ()-[r]->() RETURN count(r) AS n"
COUNT_NODE_PROPERTIES: Final[LiteralString] = "MATCH (n) UNWIND keys(n) AS k RETURN count(k) AS n"
COUNT_RELATIONSHIP_PROPERTIES: Final[LiteralString] = (
    "MATCH ()-[r]->() UNWIND keys(r) AS k RETURN count(k) AS n"
)

OWNER_EVIDENCE: Final[LiteralString] = (
    "MATCH (w:Wallet)-[:MEMBER_OF]->(o:Owner {id: $owner_id}) "
    "MATCH (w)-[r]->(x:Wallet) "
    "RETURN w.address AS source, type(r) AS kind, x.address AS target, "
    "r.weight_micro AS weight_micro, "
    "r.count AS count, r.signatures AS signatures"
)

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

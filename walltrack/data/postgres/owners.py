"""owners, owner_members, owner_edges, owner_changes and wallets.owner_id: the only place their
SQL lives (the `OwnersStore` port of `walltrack.core.cluster.ports`).

A run is saved in ONE transaction: the previous owners stop being current, the run's owners,
members, edges and changes are written, each profiled wallet's `owner_id` is set, and the
owners' figures are computed from the members' stored profiles. A failure anywhere leaves the
previous run current, whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import Connection, sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from walltrack.data.models.owners import (
    EdgeView,
    GroupingView,
    Owner,
    OwnerChange,
    OwnerDetail,
    OwnerEdge,
    OwnerMember,
    OwnersPage,
    OwnersQuery,
    ProofView,
)
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.paging import fetch_page

_SORT_COLUMNS = {
    "size": "size",
    "combined_pnl": "combined_realised_pnl_sol",
    "score": "best_score",
}

# The owners' figures from their profiled members' latest profile summaries (wallets rows):
# PnL summed exactly; the copy edge weighted by trades, and its median as a member's own value
# (percentile_disc: numeric stays numeric).
_FIGURES = """
update public.owners o
set combined_realised_pnl_sol = f.pnl,
    combined_copy_edge = f.edge,
    median_copy_edge = f.median_edge,
    best_score = f.best
from (
    select m.owner_id,
           sum(w.realised_pnl_sol) as pnl,
           sum(w.copy_edge * w.trades) filter (where w.copy_edge is not null)
             / nullif(sum(w.trades) filter (where w.copy_edge is not null), 0) as edge,
           percentile_disc(0.5) within group (order by w.copy_edge) as median_edge,
           max(w.score) as best
    from public.owner_members m
    join public.wallets w on w.address = m.address
    where m.profiled
    group by m.owner_id
) f
where f.owner_id = o.owner_id and o.current
"""


def _proof_json(proof: ProofView) -> dict[str, Any]:
    """A proof as jsonb: the amount as a string so it stays exact."""
    return {
        "signature": proof.signature,
        "slot": proof.slot,
        "time": proof.timestamp.isoformat(),
        "lamports": proof.lamports,
        "mint": proof.mint,
        "amount": None if proof.amount is None else str(proof.amount),
        "other_signature": proof.other_signature,
    }


class OwnersRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- writes -----------------------------------------------------------------------------

    def save_grouping(self, run_id: str, grouping: GroupingView, *, at: datetime) -> None:
        """Make `grouping` the current owners, all of it or nothing (one transaction)."""
        with self._db.transaction(), self._db.connection() as conn:
            conn.execute("update public.owners set current = false where current")
            conn.execute("delete from public.owner_edges")
            conn.execute("delete from public.owner_members")
            self._write_owners(conn, run_id, grouping, at)
            with conn.cursor().copy(
                "copy public.owner_members (owner_id, address, role, profiled) from stdin"
            ) as copy:
                for owner_id, group in grouping.owners.items():
                    for address in sorted(group.members):
                        copy.write_row(
                            (owner_id, address, group.role(address), address in group.wallets)
                        )
            with conn.cursor().copy(
                "copy public.owner_edges (owner_id, kind, source, target, weight, count, hop,"
                " proofs) from stdin"
            ) as copy:
                for owner_id, group in grouping.owners.items():
                    for edge in _unique(group.edges):
                        proofs = json.dumps([_proof_json(p) for p in edge.proofs])
                        copy.write_row(
                            (
                                owner_id,
                                edge.kind,
                                edge.source,
                                edge.target,
                                edge.weight,
                                edge.count,
                                edge.hop,
                                proofs,
                            )
                        )
            conn.execute(_FIGURES)
            conn.execute(
                "update public.wallets w set owner_id = null where owner_id is not null"
                " and not exists (select 1 from public.owner_members m"
                " where m.address = w.address and m.profiled)"
            )
            conn.execute(
                "update public.wallets w set owner_id = m.owner_id from public.owner_members m"
                " where m.address = w.address and m.profiled"
                " and w.owner_id is distinct from m.owner_id"
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "insert into public.owner_changes (run_id, kind, from_ids, to_ids, at)"
                    " values (%s, %s, %s, %s, %s)",
                    [
                        (run_id, c.kind, list(c.from_ids), list(c.to_ids), at)
                        for c in grouping.changes
                    ],
                )

    @staticmethod
    def _write_owners(
        conn: Connection[DictRow], run_id: str, grouping: GroupingView, at: datetime
    ) -> None:
        """Insert the run's owners (an id seen before keeps its first_seen_at)."""
        rows = [
            (
                owner_id,
                run_id,
                len(group.wallets),
                len(group.linking),
                group.shared_tokens,
                Jsonb(dict(sorted(group.evidence_counts.items()))),
                at,
                at,
            )
            for owner_id, group in grouping.owners.items()
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "insert into public.owners (owner_id, run_id, size, linked_wallets,"
                " shared_tokens, evidence, current, first_seen_at, updated_at)"
                " values (%s, %s, %s, %s, %s, %s, true, %s, %s)"
                " on conflict (owner_id) do update set run_id = excluded.run_id,"
                " size = excluded.size, linked_wallets = excluded.linked_wallets,"
                " shared_tokens = excluded.shared_tokens, evidence = excluded.evidence,"
                " current = true, updated_at = excluded.updated_at,"
                " combined_realised_pnl_sol = null, combined_copy_edge = null,"
                " median_copy_edge = null, best_score = null",
                rows,
            )

    # --- reads ------------------------------------------------------------------------------

    def current_owner_ids(self) -> dict[str, str]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, owner_id from public.owner_members where profiled"
            ).fetchall()
        return {row["address"]: row["owner_id"] for row in rows}

    def owner_of(self, addresses: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(addresses))
        if not wanted:
            return {}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, owner_id from public.owner_members where address = any(%s)",
                (wanted,),
            ).fetchall()
        return {row["address"]: row["owner_id"] for row in rows}

    def owner_sizes(self, owner_ids: Iterable[str]) -> dict[str, int]:
        """owner id -> its profiled wallets, for the current owners among `owner_ids`."""
        wanted = sorted(set(owner_ids))
        if not wanted:
            return {}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select owner_id, size from public.owners where owner_id = any(%s) and current",
                (wanted,),
            ).fetchall()
        return {row["owner_id"]: row["size"] for row in rows}

    def owners(self, query: OwnersQuery) -> OwnersPage:
        """A page of the current owners, sorted (nulls last, then by id)."""
        with self._db.connection() as conn:
            rows, total = fetch_page(
                conn,
                table="owners",
                condition=sql.SQL("current"),
                sort=_SORT_COLUMNS[query.sort],
                descending=query.descending,
                tiebreak="owner_id",
                params={"limit": query.limit, "offset": query.offset},
            )
            members = _profiled_members(conn, [row["owner_id"] for row in rows])
        items = [_owner(row, members.get(row["owner_id"], [])) for row in rows]
        return OwnersPage(items=items, total=total, limit=query.limit, offset=query.offset)

    def owner(self, owner_id: str) -> OwnerDetail | None:
        """An owner (current or not) with its members' figures, its edges and its history."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.owners where owner_id = %s", (owner_id,)
            ).fetchone()
            if row is None:
                return None
            member_rows = conn.execute(
                "select m.address, m.role, m.profiled, w.score, w.qualified, w.is_bot,"
                " w.bot_flags, w.realised_pnl_sol, w.copy_edge"
                " from public.owner_members m left join public.wallets w"
                " on w.address = m.address where m.owner_id = %s"
                " order by m.profiled desc, w.score desc nulls last, m.address",
                (owner_id,),
            ).fetchall()
            edge_rows = conn.execute(
                "select * from public.owner_edges where owner_id = %s"
                " order by kind, source, target",
                (owner_id,),
            ).fetchall()
            change_rows = conn.execute(
                "select * from public.owner_changes"
                " where %(id)s = any(from_ids) or %(id)s = any(to_ids) order by at, id",
                {"id": owner_id},
            ).fetchall()
        members = [
            OwnerMember(
                address=m["address"],
                role=m["role"],
                profiled=m["profiled"],
                score=m["score"],
                qualified=m["qualified"],
                is_bot=m["is_bot"],
                bot_flags=list(m["bot_flags"] or []),
                realised_pnl_sol=m["realised_pnl_sol"],
                copy_edge=m["copy_edge"],
            )
            for m in member_rows
        ]
        profiled = [m.address for m in members if m.profiled]
        return OwnerDetail(
            owner=_owner(row, profiled),
            members=members,
            edges=[OwnerEdge.model_validate(dict(e)) for e in edge_rows],
            history=[
                OwnerChange(
                    run_id=c["run_id"],
                    kind=c["kind"],
                    from_ids=c["from_ids"],
                    to_ids=c["to_ids"],
                    time=c["at"],
                )
                for c in change_rows
            ],
        )


def _unique(edges: Sequence[EdgeView]) -> list[EdgeView]:
    """One edge per (kind, source, target), the first met (the table's key)."""
    seen: dict[tuple[str, str, str], EdgeView] = {}
    for edge in edges:
        seen.setdefault((edge.kind, edge.source, edge.target), edge)
    return list(seen.values())


def _profiled_members(conn: Connection[DictRow], owner_ids: list[str]) -> dict[str, list[str]]:
    if not owner_ids:
        return {}
    rows = conn.execute(
        "select owner_id, address from public.owner_members"
        " where owner_id = any(%s) and profiled order by address",
        (owner_ids,),
    ).fetchall()
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        found[row["owner_id"]].append(row["address"])
    return found


def _owner(row: DictRow, members: list[str]) -> Owner:
    return Owner(
        owner_id=row["owner_id"],
        run_id=row["run_id"],
        size=row["size"],
        linked_wallets=row["linked_wallets"],
        members=members,
        combined_realised_pnl_sol=row["combined_realised_pnl_sol"],
        combined_copy_edge=_exact(row["combined_copy_edge"]),
        median_copy_edge=row["median_copy_edge"],
        best_score=row["best_score"],
        shared_tokens=row["shared_tokens"],
        evidence=row["evidence"],
        current=row["current"],
        first_seen_at=row["first_seen_at"],
        updated_at=row["updated_at"],
    )


def _exact(value: Decimal | None) -> Decimal | None:
    """numeric division carries ~20 digits; enough are kept to be exact to the lamport."""
    return None if value is None else round(value, 12)

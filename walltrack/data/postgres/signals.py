"""signals (step 6), and what scoring one reads of the swaps and wallets tables: the only place
their SQL for step 6 lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from walltrack.data.models.signals import Signal, SignalQuery
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import Token
from walltrack.data.models.wallet import BuySizes
from walltrack.data.postgres.database import Database, Statement
from walltrack.data.postgres.tokens import token_read
from walltrack.data.postgres.wallets import buy_sizes_read, swap_from_row

_COLUMNS = (
    "signature", "wallet", "token_mint", "kind", "side", "owner_id", "token_amount",
    "quote_mint", "quote_amount", "onchain_at", "received_at", "scored_at", "via", "score",
    "components", "consensus_owners", "fraction_sold", "accepted", "reason",
)  # fmt: skip
_INSERT = (
    sql.SQL(
        "insert into public.signals ({}) values ({})"
        " on conflict (signature, wallet, token_mint) do nothing returning id"
    )
    .format(
        sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
        sql.SQL(", ").join(map(sql.Placeholder, _COLUMNS)),
    )
    .as_bytes()
)
"""Composed once at import (composing it on every insert was most of its client work)."""


@dataclass(frozen=True)
class WalletFacts:
    """A wallet's latest headline figures and its owner (itself when step 4 gave it none)."""

    score: float | None
    confidence: float | None
    owner_id: str


@dataclass(frozen=True)
class ScoringReads:
    """`SignalRepository.scoring_reads`: None where nothing is stored."""

    swap: Swap | None
    facts: WalletFacts
    token: Token | None
    buy_sizes: BuySizes | None


def _swap_read(signature: str, wallet: str, token_mint: str) -> Statement[Swap | None]:
    return Statement(
        "select * from public.swaps where signature = %s and wallet = %s and token_mint = %s",
        (signature, wallet, token_mint),
        lambda rows: swap_from_row(rows[0]) if rows else None,
    )


def _facts(wallet: str, rows: list[DictRow]) -> WalletFacts:
    if not rows:
        return WalletFacts(score=None, confidence=None, owner_id=wallet)
    row = rows[0]
    return WalletFacts(
        score=row["score"], confidence=row["confidence"], owner_id=row["owner_id"] or wallet
    )


def _facts_read(wallet: str) -> Statement[WalletFacts]:
    return Statement(
        "select score, confidence, owner_id from public.wallets where address = %s",
        (wallet,),
        lambda rows: _facts(wallet, rows),
    )


def signal_of(row: Mapping[str, Any]) -> Signal:
    """A `signals` row as the model (also for other repositories' reads that join it)."""
    return Signal.model_validate(dict(row) | {"consensus_owners": tuple(row["consensus_owners"])})


class SignalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- what scoring reads ------------------------------------------------------------------
    def scoring_reads(self, signature: str, wallet: str, token_mint: str) -> ScoringReads:
        """What scoring the swap reads before it decides, in one round trip (`run_all`): the
        swap, its wallet's facts, the token and the wallet's usual buy sizes (a sell needs
        neither of the last two, and reading them costs nothing more)."""
        swap, facts, token, sizes = self._db.run_all(
            _swap_read(signature, wallet, token_mint),
            _facts_read(wallet),
            token_read(token_mint),
            buy_sizes_read(wallet),
        )
        return ScoringReads(swap, facts, token, sizes)

    def lock_and_consensus(
        self, token_mint: str, *, since: datetime, until: datetime, exclude: tuple[str, str]
    ) -> set[str]:
        """Take `token_mint`'s scoring lock, held until the caller's transaction ends (a
        transaction advisory lock: inside `Database.transaction()` only), then read the
        distinct owners of the buy (entry) signals on it with an on-chain time in
        [since, until], leaving out the swap `exclude` = (signature, wallet). One round trip:
        the statements of one message run in order, so the read waits for the lock."""
        _locked, owners = self._db.run_all(
            Statement(
                "select pg_advisory_xact_lock(hashtextextended('signal:' || %s, 0))",
                (token_mint,),
                lambda _rows: None,
            ),
            Statement(
                "select distinct owner_id from public.signals"
                " where token_mint = %s and kind = 'entry' and side = 'buy'"
                " and onchain_at between %s and %s"
                " and (signature, wallet) <> (%s, %s)",
                (token_mint, since, until, *exclude),
                lambda rows: {r["owner_id"] for r in rows},
            ),
        )
        return owners

    # -- writing -----------------------------------------------------------------------------
    def add(self, signal: Signal) -> int | None:
        """Store the signal once per swap key: its new id, None when that swap has one."""
        values: dict[str, Any] = signal.model_dump(include=set(_COLUMNS))
        values["components"] = Jsonb([c.model_dump(mode="json") for c in signal.components])
        values["consensus_owners"] = list(signal.consensus_owners)
        with self._db.connection() as conn, conn.cursor() as cur:
            cur.execute(_INSERT, values)
            row = cur.fetchone()
            return int(row["id"]) if row else None

    # -- reading -----------------------------------------------------------------------------
    def get(self, signal_id: int) -> Signal | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.signals where id = %s", (signal_id,)
            ).fetchone()
        return signal_of(row) if row else None

    def page(self, query: SignalQuery) -> tuple[list[Signal], int]:
        """A page of signals, newest scored first, and how many match."""
        where: list[sql.Composable] = [sql.SQL("true")]
        params: dict[str, Any] = query.model_dump()
        for field in ("accepted", "kind", "wallet"):
            if params[field] is not None:
                where.append(
                    sql.SQL("{} = {}").format(sql.Identifier(field), sql.Placeholder(field))
                )
        if query.token is not None:
            where.append(sql.SQL("token_mint = %(token)s"))
        condition = sql.SQL(" and ").join(where)
        with self._db.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "select * from public.signals where {} order by scored_at desc, id desc"
                    " limit %(limit)s offset %(offset)s"
                ).format(condition),
                params,
            ).fetchall()
            total = conn.execute(
                sql.SQL("select count(*) as n from public.signals where {}").format(condition),
                params,
            ).fetchone()
        return [signal_of(r) for r in rows], int(total["n"]) if total else 0

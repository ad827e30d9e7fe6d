"""The database as the repositories see it: pooled connections and the transaction they share.

Every repository method asks `connection()`. Outside `transaction()` that is a pooled
connection in autocommit mode: each statement commits on its own, as Django's and SQLAlchemy's
defaults do, so a one-statement read or write costs one round trip instead of three (psycopg
sends BEGIN and COMMIT as round trips of their own; the copy loop made ~60 round trips a
delivery, most of them for that). A method whose statements must land together (several writes,
an `executemany`, a row lock held across statements) says so: `transaction()` around its
`connection()`, which joins the caller's transaction when there is one. Inside `transaction()`,
`connection()` is the transaction's connection, so several repositories' writes (a token, its
checks and the outbox message it owes) commit or roll back together; `after_commit` callbacks
(the outbox relay) run once the outermost transaction has committed. The ambient transaction
is a context variable: each thread and each asyncio task sees only its own. (Under READ
COMMITTED, statements in one transaction never shared a snapshot, so reads lose nothing.)

Postgres being unreachable is translated here, at the adapter's edge, into
`DependencyUnavailableError("postgres", ...)`: callers, and the API's error mapping, never
import psycopg.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

import psycopg
import psycopg_pool
from psycopg import ClientCursor, Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from walltrack.errors import DependencyUnavailableError
from walltrack.log import get_logger

Pool = ConnectionPool[Connection[DictRow]]
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
log = get_logger(component="database")


@dataclass
class _Transaction:
    database: Database
    connection: Connection[DictRow]
    after_commit: list[Callable[[], object]] = field(default_factory=list)


@dataclass(frozen=True)
class Statement(Generic[T]):
    """One statement for `Database.run_all`: its text and parameters, and what its rows mean
    (a read's rows; a write's RETURNING rows, or none)."""

    query: str
    params: Sequence[Any] | Mapping[str, Any]
    parse: Callable[[list[DictRow]], T]


@dataclass(frozen=True)
class Relaxed:
    """What `Database.relaxed` ran: the statement's rows (RETURNING) and row count."""

    rows: list[DictRow]
    rowcount: int


_ambient: ContextVar[_Transaction | None] = ContextVar("walltrack_transaction", default=None)
_commits_relaxed: ContextVar[bool] = ContextVar("walltrack_commits_relaxed", default=False)


@contextmanager
def relaxed_commits() -> Iterator[None]:
    """Transactions opened inside commit without waiting for the WAL flush (`synchronous_commit`
    off, each for itself). Only for the consumer of a message whose queue is a table of this
    same database (the local runtime's Postgres queues): the message's delete is written after
    the consumer's commit, in the same write-ahead log, so a crash of the machine that loses
    the commit loses the delete too, and the message is delivered again to its idempotent job.
    A crash of WallTrack alone loses no commit either way. Never where an answer has left the
    process after the commit (a webhook's 200) nor where the queue is elsewhere (SQS)."""
    token = _commits_relaxed.set(True)
    try:
        yield
    finally:
        _commits_relaxed.reset(token)


@contextmanager
def _begun(conn: Connection[DictRow], *, relaxed: bool) -> Iterator[None]:
    """A transaction on `conn` (autocommit), committed when the block ends, rolled back when it
    raises. `relaxed` (`relaxed_commits`): BEGIN and SET LOCAL synchronous_commit go as one
    message (client-side, like `Database.relaxed`), not as two round trips, and COMMIT or
    ROLLBACK follow by psycopg's own calls (which send them whatever the autocommit mode)."""
    if not relaxed:
        with conn.transaction():
            yield
        return
    with ClientCursor(conn) as cur:
        cur.execute("begin; set local synchronous_commit to off")
    try:
        yield
    except BaseException:
        with suppress(psycopg.Error):  # a broken connection: the pool discards it
            conn.rollback()
        raise
    conn.commit()


def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 5, connect_timeout_s: float = 5.0
) -> Pool:
    """Prepared statements are off (`prepare_threshold=None`): Supabase's transaction pooler
    (port 6543, Supavisor in transaction mode) cannot keep them across transactions.
    Connections are in autocommit mode (module doc): `Database.transaction()` opens the
    transactions."""
    pool: Pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=connect_timeout_s,
        kwargs={
            "prepare_threshold": None,
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": max(1, int(connect_timeout_s)),
        },
        connection_class=Connection[DictRow],
        open=False,
        name="walltrack",
    )
    # open(wait=False): the API must come up (and report 503) even when Postgres is down.
    pool.open(wait=False)
    return pool


@contextmanager
def _postgres_errors() -> Iterator[None]:
    try:
        yield
    except (psycopg_pool.PoolTimeout, psycopg.OperationalError) as exc:
        log.warning("postgres unavailable", error=type(exc).__name__)
        raise DependencyUnavailableError(
            "postgres", f"cannot reach the database ({type(exc).__name__})"
        ) from exc


class Database:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    @contextmanager
    def connection(self) -> Iterator[Connection[DictRow]]:
        """The ambient transaction's connection, or a pooled one in autocommit mode."""
        ambient = _ambient.get()
        if ambient is not None and ambient.database is self:
            yield ambient.connection
            return
        with _postgres_errors(), self._pool.connection() as conn:
            yield conn

    @contextmanager
    def own_connection(self) -> Iterator[Connection[DictRow]]:
        """A pooled connection (autocommit) outside any ambient transaction: for writes that
        must not wait for the caller's transaction (a rate-limit slot)."""
        with _postgres_errors(), self._pool.connection() as conn:
            yield conn

    def relaxed(self, query: str, params: Mapping[str, Any], *, own: bool = False) -> Relaxed:
        """Run one write whose loss in a crash of the machine is harmless — a rate-limit slot,
        an outbox row marked sent or a message marked consumed (lost, the message is sent or
        handled again and its consumer skips it), a local queue message sent, received or
        deleted, an order's attempt counted — committed
        without waiting for the WAL flush (`synchronous_commit` off for this transaction only)
        and in one round trip: BEGIN, SET LOCAL, the statement and COMMIT go as one message
        (client-side binding). The copy loop makes a dozen such writes per delivery, and
        under a busy disk each flush waited for was milliseconds. Inside a transaction the
        statement joins it instead (a row it updates may be locked by that transaction), unless
        `own` (as `own_connection`: a write that must never wait for the caller's commit)."""
        ambient = _ambient.get()
        if not own and ambient is not None and ambient.database is self:
            cur = ambient.connection.execute(query, params)
            return Relaxed(cur.fetchall() if cur.description else [], cur.rowcount)
        with (
            _postgres_errors(),
            self._pool.connection() as conn,
            ClientCursor(conn) as cur,
        ):
            cur.execute(
                f"begin; set local synchronous_commit to off; {query}; commit",
                params,
            )
            cur.nextset()  # the SET
            cur.nextset()  # the statement
            rows = cur.fetchall() if cur.description else []
            count = cur.rowcount
            while cur.nextset():  # the COMMIT
                pass
        return Relaxed(rows, count)

    @overload
    def run_all(self, a: Statement[A], b: Statement[B], /) -> tuple[A, B]: ...
    @overload
    def run_all(self, a: Statement[A], b: Statement[B], c: Statement[C], /) -> tuple[A, B, C]: ...
    @overload
    def run_all(
        self, a: Statement[A], b: Statement[B], c: Statement[C], d: Statement[D], /
    ) -> tuple[A, B, C, D]: ...
    def run_all(self, *statements: Statement[Any]) -> tuple[Any, ...]:
        """Statements that do not depend on each other's results, in ONE round trip: each bound
        on the client (psycopg's ClientCursor quotes every value), all sent as one simple-query
        message, run in order, each result parsed by its statement. A job that needs four facts
        before it decides (signal_score) paid a round trip for each, ~0.5 ms apiece under the
        local runtime's load. Inside a transaction they join it and see its writes; outside,
        the message is one implicit transaction of its own."""
        with self.connection() as conn, ClientCursor(conn) as cur:
            cur.execute("; ".join(cur.mogrify(s.query, s.params) for s in statements))
            results: list[list[DictRow]] = []
            while True:
                results.append(cur.fetchall() if cur.description else [])
                if not cur.nextset():
                    break
        if len(results) != len(statements):  # a text holding two statements (a bug of ours)
            raise ValueError(f"{len(statements)} statements gave {len(results)} results")
        return tuple(s.parse(rows) for s, rows in zip(statements, results, strict=True))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything the repositories write inside commits together (a nested call joins the
        outer transaction); after the commit, the `after_commit` callbacks run in order."""
        ambient = _ambient.get()
        if ambient is not None and ambient.database is self:
            yield
            return
        with (
            _postgres_errors(),
            self._pool.connection() as conn,
            _begun(conn, relaxed=_commits_relaxed.get()),
        ):
            current = _Transaction(self, conn)
            token = _ambient.set(current)
            try:
                yield
            finally:
                _ambient.reset(token)
        for callback in current.after_commit:
            callback()

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the current transaction commits (now, when there is none)."""
        ambient = _ambient.get()
        if ambient is not None and ambient.database is self:
            ambient.after_commit.append(callback)
        else:
            callback()

    def same_database(self, other: Database) -> bool:
        """Whether `other` reaches the same database by the same address (two pools of one
        database: the local runtime's queue store and the application's)."""
        return other is self or (
            isinstance(self._pool.conninfo, str) and self._pool.conninfo == other._pool.conninfo
        )

    def ping(self, *, timeout_s: float) -> None:
        """Raise unless a pooled connection answers within `timeout_s` (the health probe)."""
        with _postgres_errors(), self._pool.connection(timeout=timeout_s) as conn:
            conn.execute("select 1").fetchone()

    def close(self) -> None:
        self._pool.close()

"""`Database` on the session's Postgres: statements outside `transaction()` commit on their own
(autocommit: one round trip each), a transaction's writes land together or not at all, and
`relaxed` writes commit without waiting for the WAL flush, in their own transaction or the
caller's; several reads go in one round trip (`run_all`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from walltrack.data.postgres.database import Database, Statement, relaxed_commits


@pytest.fixture
def table(clean_db: Database, pg_url: str) -> Iterator[str]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("create table public.test_database_rows (k text primary key, n int)")
    yield "public.test_database_rows"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("drop table public.test_database_rows")


def _rows(pg_url: str) -> dict[str, int]:
    """What another session sees (committed rows only)."""
    with psycopg.connect(pg_url) as conn:
        return dict(conn.execute("select k, n from public.test_database_rows").fetchall())


def test_a_statement_outside_a_transaction_is_committed_by_itself(
    clean_db: Database, table: str, pg_url: str
) -> None:
    # Given no transaction / When one statement runs through connection()
    with clean_db.connection() as conn:
        conn.execute("insert into public.test_database_rows values ('a', 1)")
        # Then another session sees it at once, before the method is done with its connection
        assert _rows(pg_url) == {"a": 1}
        # And the connection holds no transaction open (autocommit: no BEGIN was sent)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_transactions_writes_commit_together_or_not_at_all(
    clean_db: Database, table: str, pg_url: str
) -> None:
    # Given a transaction that writes twice and then fails
    seen_inside: list[dict[str, int]] = []

    def failing_step() -> None:
        with clean_db.transaction():
            with clean_db.connection() as conn:
                conn.execute("insert into public.test_database_rows values ('a', 1)")
            with clean_db.connection() as conn:
                conn.execute("insert into public.test_database_rows values ('b', 2)")
            seen_inside.append(_rows(pg_url))
            raise RuntimeError("the step failed")

    with pytest.raises(RuntimeError):
        failing_step()
    # Then nothing was visible before the commit, and nothing was written
    assert seen_inside == [{}]
    assert _rows(pg_url) == {}
    # When it succeeds / Then both rows land
    with clean_db.transaction():
        with clean_db.connection() as conn:
            conn.execute("insert into public.test_database_rows values ('a', 1)")
        with clean_db.connection() as conn:
            conn.execute("insert into public.test_database_rows values ('b', 2)")
    assert _rows(pg_url) == {"a": 1, "b": 2}


def test_a_relaxed_write_commits_without_waiting_for_the_flush_and_returns_its_rows(
    clean_db: Database, table: str, pg_url: str
) -> None:
    # When a relaxed upsert runs outside any transaction
    done = clean_db.relaxed(
        "insert into public.test_database_rows values (%(k)s, 1)"
        " on conflict (k) do update set n = public.test_database_rows.n + 1"
        " returning n, current_setting('synchronous_commit') as sync",
        {"k": "a"},
    )
    # Then it ran with synchronous_commit off, returned its row and count, and is committed
    assert done.rows == [{"n": 1, "sync": "off"}]
    assert done.rowcount == 1
    assert _rows(pg_url) == {"a": 1}
    # And the pooled connection is back to the durable default for the next caller
    with clean_db.connection() as conn:
        row = conn.execute("select current_setting('synchronous_commit') as s").fetchone()
    assert row is not None
    assert row["s"] == "on"
    # And a delete's row count comes back (a local queue's delete by receipt handle)
    gone = clean_db.relaxed("delete from public.test_database_rows where k = %(k)s", {"k": "a"})
    assert gone.rowcount == 1
    assert _rows(pg_url) == {}


def test_a_relaxed_write_joins_the_callers_transaction_unless_it_is_its_own(
    clean_db: Database, table: str, pg_url: str
) -> None:
    # Given a transaction that fails after a relaxed write and an `own` one
    seen_inside: list[dict[str, int]] = []

    def failing_step() -> None:
        with clean_db.transaction():
            clean_db.relaxed("insert into public.test_database_rows values ('joined', 1)", {})
            clean_db.relaxed(
                "insert into public.test_database_rows values ('own', 1)", {}, own=True
            )
            seen_inside.append(_rows(pg_url))
            raise RuntimeError("the step failed")

    with pytest.raises(RuntimeError):
        failing_step()
    # Then the `own` write was visible at once (a rate-limit slot never waits for a commit)
    assert seen_inside == [{"own": 1}]
    # And the joined write went with the rolled-back transaction
    assert _rows(pg_url) == {"own": 1}


def test_several_reads_go_as_one_message_each_parsed_and_every_value_quoted(
    clean_db: Database, table: str
) -> None:
    # Given rows whose keys hold a quote, a percent sign and a semicolon
    with clean_db.connection() as conn:
        conn.execute(
            "insert into public.test_database_rows values"
            " ('o''brien; drop table x', 1), ('100%', 2), ('plain', 3)"
        )
    statements: list[str] = []
    # When three reads (one finding nothing) are read at once, the statements sent observed
    execute: Any = psycopg.ClientCursor.execute

    def observed(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(self, query, *args, **kwargs)

    psycopg.ClientCursor.execute = observed  # type: ignore[method-assign]
    try:
        first, second, missing = clean_db.run_all(
            Statement(
                "select n from public.test_database_rows where k = %s",
                ("o'brien; drop table x",),
                lambda rows: rows[0]["n"],
            ),
            Statement(
                "select k from public.test_database_rows where n > %(n)s order by n",
                {"n": 1},
                lambda rows: [r["k"] for r in rows],
            ),
            Statement(
                "select n from public.test_database_rows where k = %s",
                ("nobody",),
                lambda rows: rows[0]["n"] if rows else None,
            ),
        )
    finally:
        psycopg.ClientCursor.execute = execute  # type: ignore[method-assign]
    # Then each read's rows were parsed by it, every value matched as the literal it was
    assert (first, second, missing) == (1, ["100%", "plain"], None)
    # And they went as one statement text (one round trip)
    assert len(statements) == 1


def test_reads_inside_a_transaction_see_its_writes(clean_db: Database, table: str) -> None:
    # Given a transaction that wrote a row, not yet committed
    with clean_db.transaction():
        with clean_db.connection() as conn:
            conn.execute("insert into public.test_database_rows values ('mine', 7)")
        # When two reads run at once inside it
        mine, count = clean_db.run_all(
            Statement(
                "select n from public.test_database_rows where k = %s",
                ("mine",),
                lambda rows: rows[0]["n"] if rows else None,
            ),
            Statement(
                "select count(*) as c from public.test_database_rows",
                (),
                lambda rows: rows[0]["c"],
            ),
        )
    # Then they see its write
    assert (mine, count) == (7, 1)


def test_a_relaxed_transaction_commits_together_unwaited_or_leaves_nothing(
    clean_db: Database, table: str, pg_url: str
) -> None:
    # Given transactions opened under relaxed_commits (a local queue's consumer)
    with relaxed_commits():
        # When one writes two rows and commits
        with clean_db.transaction():
            with clean_db.connection() as conn:
                conn.execute("insert into public.test_database_rows values ('a', 1)")
                setting = conn.execute("show synchronous_commit").fetchone()
                conn.execute("insert into public.test_database_rows values ('b', 2)")
            # (not visible to another session before the commit)
            assert _rows(pg_url) == {}

        # And another writes a row, then fails
        def failing_job() -> None:
            with clean_db.transaction(), clean_db.connection() as conn:
                conn.execute("insert into public.test_database_rows values ('c', 3)")
                raise RuntimeError("the job failed")

        with pytest.raises(RuntimeError):
            failing_job()
    # Then the first committed both rows without waiting for the flush, the second nothing
    assert setting == {"synchronous_commit": "off"}
    assert _rows(pg_url) == {"a": 1, "b": 2}
    # And the pooled connection is back idle, its setting not kept
    with clean_db.connection() as conn:
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute("show synchronous_commit").fetchone() == {"synchronous_commit": "on"}

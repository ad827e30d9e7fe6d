"""Test-only database helpers: empty every table the migrations made, whatever they are."""

from __future__ import annotations

from walltrack.data.postgres.database import Database


def truncate_all(db: Database) -> list[str]:
    """Empty every table of the public schema (read from the catalogue, so a new migration's
    table is emptied too); returns their names."""
    with db.connection() as conn:
        tables = [
            row["tablename"]
            for row in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by tablename"
            ).fetchall()
        ]
        if tables:
            names = ", ".join(f'public."{table}"' for table in tables)
            conn.execute(f"truncate {names}")  # names from the catalogue, not from input
    return tables

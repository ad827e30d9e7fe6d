"""Applies `supabase/migrations/*.sql` in order, once each, tracked like the Supabase CLI does.

The tracking table is the CLI's own (`supabase_migrations.schema_migrations`), so a database
migrated here and one migrated with `supabase db push` agree on what has been applied. Each file
runs in its own transaction together with its tracking row; a session-level advisory lock keeps
two migrators (two Lambdas, `make run` + tests) from racing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from walltrack.log import get_logger

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "supabase" / "migrations"
_FILENAME = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_314_220_511  # arbitrary, stable advisory-lock key for "walltrack migrations"

# Supabase's API roles. On Supabase they exist already (this is then a no-op); locally they are
# created so the same RLS policies and grants apply. service_role bypasses RLS, as on Supabase.
_SUPABASE_ROLES = {
    "anon": "NOLOGIN NOINHERIT",
    "authenticated": "NOLOGIN NOINHERIT",
    "service_role": "NOLOGIN NOINHERIT BYPASSRLS",
}


class MigrationError(RuntimeError):
    """A migration file is misnamed or failed to apply."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def statements(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILENAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path.name}: migration files must be named <14-digit timestamp>_<name>.sql"
            )
        migrations.append(Migration(match["version"], match["name"], path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version timestamp")
    return migrations


def ensure_supabase_roles(conn: psycopg.Connection[object]) -> list[str]:
    """Create anon/authenticated/service_role when missing; grant as Supabase does by default."""
    created = []
    for role, options in _SUPABASE_ROLES.items():
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL(f"create role {{}} {options}").format(sql.Identifier(role)))
            created.append(role)
    if created:
        conn.execute("grant usage on schema public to anon, authenticated, service_role")
        conn.execute(
            "alter default privileges in schema public "
            "grant all on tables to anon, authenticated, service_role"
        )
        conn.execute(
            "alter default privileges in schema public "
            "grant all on sequences to anon, authenticated, service_role"
        )
    return created


def apply_migrations(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the versions applied (empty on a second run)."""
    log = get_logger(component="migrations")
    pending_files = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(url, prepare_threshold=None, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            with conn.transaction():
                created = ensure_supabase_roles(conn)
                conn.execute("create schema if not exists supabase_migrations")
                conn.execute(
                    "create table if not exists supabase_migrations.schema_migrations ("
                    " version text primary key, statements text[], name text)"
                )
            if created:
                log.info("created supabase roles", roles=created)
            rows = conn.execute("select version from supabase_migrations.schema_migrations")
            done = {row[0] for row in rows.fetchall()}
            for migration in pending_files:
                if migration.version in done:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(migration.statements.encode())
                        conn.execute(
                            "insert into supabase_migrations.schema_migrations"
                            " (version, statements, name) values (%s, %s, %s)",
                            (migration.version, [migration.statements], migration.name),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"{migration.path.name} failed: {exc}") from exc
                applied_now.append(migration.version)
                log.info("applied migration", version=migration.version, name=migration.name)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now

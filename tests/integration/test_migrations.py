"""Migrations on real Postgres: tracked, idempotent, Supabase roles, RLS on every table."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from walltrack.data.postgres.migrations import MigrationError, apply_migrations, discover


def test_a_second_run_applies_nothing(pg_url: str) -> None:
    # Given the session database already migrated / When migrating again
    applied = apply_migrations(pg_url)
    # Then nothing is applied and every file is tracked like the Supabase CLI does
    assert applied == []
    with psycopg.connect(pg_url) as conn:
        tracked = {
            r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")
        }
    assert tracked == {m.version for m in discover()}


def test_supabase_roles_exist_and_service_role_bypasses_rls(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        roles: dict[str, bool] = dict(
            conn.execute(
                "select rolname, rolbypassrls from pg_roles"
                " where rolname in ('anon', 'authenticated', 'service_role')"
            ).fetchall()
        )
    assert roles == {"anon": False, "authenticated": False, "service_role": True}


def test_every_public_table_has_row_level_security(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p')"
        ).fetchall()
    assert rows, "expected public tables"
    assert [name for name, rls in rows if not rls] == []


def test_anon_sees_no_rows_while_service_role_sees_them(pg_url: str) -> None:
    # Given a stored row
    with psycopg.connect(pg_url) as conn:
        conn.execute("insert into public.schedule_runs (job) values ('rls-probe')")
        conn.commit()
        # When the anon role reads / Then RLS hides it; the service role sees it
        conn.execute("set role anon")
        anon = conn.execute("select count(*) from public.schedule_runs").fetchone()
        conn.execute("reset role")
        conn.execute("set role service_role")
        service = conn.execute(
            "select count(*) from public.schedule_runs where job = 'rls-probe'"
        ).fetchone()
    assert anon == (0,)
    assert service == (1,)


def test_a_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "add_things.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match=re.escape("<14-digit timestamp>_<name>.sql")):
        discover(tmp_path)


def test_a_failing_migration_is_not_recorded(pg_url: str, tmp_path: Path) -> None:
    # Given a new migration that fails half-way
    (tmp_path / "29990101000000_broken.sql").write_text(
        "create table public.half_done (id int); select no_such_function();"
    )
    # When applied / Then it raises and leaves neither the table nor a tracking row
    with pytest.raises(MigrationError, match=re.escape("29990101000000_broken.sql failed")):
        apply_migrations(pg_url, tmp_path)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select to_regclass('public.half_done')").fetchone() == (None,)
        assert conn.execute(
            "select count(*) from supabase_migrations.schema_migrations"
            " where version = '29990101000000'"
        ).fetchone() == (0,)


API_ROLES = ("anon", "authenticated")
TABLE_ADMIN = ("TRUNCATE", "TRIGGER", "REFERENCES")


def _table_admin_privileges(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """MAINTAIN (PostgreSQL 17+: LOCK TABLE, VACUUM, REINDEX) joins the three older ones."""
    version = conn.execute("show server_version_num").fetchone()
    assert version is not None
    return [*TABLE_ADMIN, *(["MAINTAIN"] if int(str(version[0])) >= 170_000 else [])]


def test_api_roles_hold_no_table_administration_privilege(pg_url: str) -> None:
    # Given every public table the migrations made
    with psycopg.connect(pg_url) as conn:
        privileges = _table_admin_privileges(conn)
        tables = [
            row[0]
            for row in conn.execute(
                "select c.oid::regclass::text from pg_class c"
                " join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = 'public' and c.relkind in ('r', 'p')"
            ).fetchall()
        ]
        # When each API role's rights on each table are read from the catalogue
        held = [
            (role, table, privilege)
            for role in API_ROLES
            for table in tables
            for privilege in privileges
            if conn.execute(
                "select has_table_privilege(%s, %s, %s)", (role, table, privilege)
            ).fetchone()
            == (True,)
        ]
    # Then neither holds TRUNCATE, TRIGGER, REFERENCES (nor MAINTAIN where it exists)
    assert tables
    assert held == []


@pytest.mark.parametrize("role", API_ROLES)
def test_an_api_role_cannot_truncate_and_the_rows_stay(pg_url: str, role: str) -> None:
    # Given a stored row
    with psycopg.connect(pg_url) as conn:
        conn.execute("insert into public.schedule_runs (job) values ('truncate-probe')")
        conn.commit()
        # When the role tries to empty the table / Then it is refused
        conn.execute(f"set role {role}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("truncate public.schedule_runs cascade")
        conn.rollback()
        conn.execute("reset role")
        # And the row is still there
        left = conn.execute(
            "select count(*) from public.schedule_runs where job = 'truncate-probe'"
        ).fetchone()
        conn.execute("delete from public.schedule_runs where job = 'truncate-probe'")
        conn.commit()
    assert left == (1,)


def test_a_table_created_after_the_migrations_grants_api_roles_no_table_administration(
    pg_url: str,
) -> None:
    # Given a table created later by the role that runs migrations (default privileges apply)
    with psycopg.connect(pg_url) as conn:
        privileges = _table_admin_privileges(conn)
        conn.execute("create table public.default_privileges_probe (id int)")
        try:
            held = [
                (role, privilege)
                for role in API_ROLES
                for privilege in privileges
                if conn.execute(
                    "select has_table_privilege(%s, 'public.default_privileges_probe', %s)",
                    (role, privilege),
                ).fetchone()
                == (True,)
            ]
            # Then the API roles still read and write it (RLS decides which rows), nothing more
            reads = conn.execute(
                "select has_table_privilege('anon', 'public.default_privileges_probe', 'SELECT')"
            ).fetchone()
        finally:
            conn.rollback()
    assert held == []
    assert reads == (True,)

"""`walltrack migrate`: apply supabase/migrations to the configured (or embedded) database."""

from __future__ import annotations

import argparse
from typing import Any

from walltrack.config.settings import EnvSettings
from walltrack.log import configure_logging


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "migrate", help="apply pending SQL migrations (idempotent)"
    )
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    # psycopg and the embedded engine load only for the command that needs them
    from walltrack.app.container import resolve_database_url  # noqa: PLC0415
    from walltrack.data.postgres.migrations import apply_migrations  # noqa: PLC0415

    configure_logging()
    applied = apply_migrations(resolve_database_url(EnvSettings()))
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0

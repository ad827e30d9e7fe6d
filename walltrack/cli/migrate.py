"""`walltrack migrate`: apply supabase/migrations to the configured (or embedded) database."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "migrate", help="apply pending SQL migrations (idempotent)"
    )
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    from walltrack.config.settings import get_settings
    from walltrack.data.postgres.migrations import apply_migrations
    from walltrack.data.postgres.pool import resolve_database_url
    from walltrack.log import configure_logging

    configure_logging()
    applied = apply_migrations(resolve_database_url(get_settings()))
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0

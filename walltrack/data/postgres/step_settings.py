"""The one repository through which step settings are read and written (all SQL here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from walltrack.data.postgres.database import Database
from walltrack.errors import ConflictError


class StepSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def latest(self, step: str) -> tuple[int, dict[str, Any], datetime] | None:
        with self._db.connection() as conn:
            row = conn.execute(
                'select version, "values", created_at from public.step_settings'
                " where step = %s order by version desc limit 1",
                (step,),
            ).fetchone()
        if row is None:
            return None
        return row["version"], row["values"], row["created_at"]

    def insert_version(
        self, step: str, values: dict[str, Any], *, expected_version: int, author: str | None
    ) -> tuple[int, datetime]:
        """Store `values` as version expected_version + 1; a concurrent writer → ConflictError."""
        try:
            with self._db.connection() as conn, conn.transaction():
                current = conn.execute(
                    "select coalesce(max(version), 0) as v from public.step_settings"
                    " where step = %s",
                    (step,),
                ).fetchone()
                if current is None or current["v"] != expected_version:
                    raise ConflictError(
                        f"settings for {step} changed (now version"
                        f" {current['v'] if current else '?'}); reload and retry"
                    )
                row = conn.execute(
                    'insert into public.step_settings (step, version, "values", created_by)'
                    " values (%s, %s, %s, %s) returning version, created_at",
                    (step, expected_version + 1, Jsonb(values), author),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise ConflictError(f"settings for {step} changed concurrently; retry") from exc
        assert row is not None
        return row["version"], row["created_at"]

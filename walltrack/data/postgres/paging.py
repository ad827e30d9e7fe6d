"""One page of a filtered, sorted table and the total it was cut from (the lists' shared SQL)."""

from __future__ import annotations

from typing import Any

from psycopg import Connection, sql
from psycopg.rows import DictRow


def fetch_page(
    conn: Connection[DictRow],
    *,
    table: str,
    condition: sql.Composable,
    sort: str,
    descending: bool,
    tiebreak: str,
    params: dict[str, Any],
) -> tuple[list[DictRow], int]:
    """Rows of `public.<table>` matching `condition`, ordered by `sort` (nulls last, then
    `tiebreak`), paged by `params["limit"]`/`params["offset"]`; and the matching total."""
    target = sql.Identifier("public", table)
    order = sql.SQL("{} {} nulls last, {}").format(
        sql.Identifier(sort), sql.SQL("desc" if descending else "asc"), sql.Identifier(tiebreak)
    )
    rows = conn.execute(
        sql.SQL("select * from {} where {} order by {} limit %(limit)s offset %(offset)s").format(
            target, condition, order
        ),
        params,
    ).fetchall()
    total = conn.execute(
        sql.SQL("select count(*) as n from {} where {}").format(target, condition), params
    ).fetchone()
    return rows, int(total["n"]) if total else 0

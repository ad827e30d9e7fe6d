"""The Status tab's rows and summaries, as pure functions so they are unit-tested without a
browser: readable times with relative ages, compact run counts, errors in full where they can be
read, and wallet profiling's progress (profiling runs from a queue, so it has no scheduled runs).

Times are shown in UTC without microseconds; ages are measured against the API's `as_of` (the
market's clock locally, where it runs faster than the wall clock), never the browser's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

HEALTH_HEADERS = ["component", "status", "latency (ms)", "error"]
RUN_HEADERS = ["job", "status", "started (UTC)", "took", "counts", "error"]
SCHEDULE_HEADERS = ["job", "enabled", "every", "last run (UTC)", "next run (UTC)"]
RUN_COLUMN_WIDTHS: list[str | int] = ["13%", "9%", "22%", "7%", "33%", "16%"]
ERROR_CELL_CHARS = 60
"""An error longer than this is cut in the table; the full text is in the list above it."""
PROGRESS_KEYS = {"stage", "done", "total"}
"""A run's live progress figures: bookkeeping while it runs, noise once it has ended."""


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age(seconds: float) -> str:
    """A duration as a person says it: '45 s', '3 min', '2 h 05 min', '3 d'."""
    whole = int(abs(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} d"


def readable_time(value: str | None, now: datetime | None = None, *, empty: str = "") -> str:
    """'2026-12-06 14:02:31 (3 min ago)', or '(in 5 min)' for a time still to come."""
    if not value:
        return empty
    moment = parse_time(value).astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if now is None:
        return text
    delta = (now - moment).total_seconds()
    relative = f"{age(delta)} ago" if delta >= 0 else f"in {age(delta)}"
    return f"{text} ({relative})"


def counts_text(counts: dict[str, Any] | None, *, running: bool = False) -> str:
    """A run's counts, shortest first: zeros dropped, nested figures inline, and the progress
    bookkeeping (stage/done/total) only while the run is still going."""
    parts = []
    for key, value in (counts or {}).items():
        if key in PROGRESS_KEYS and not running:
            continue
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in value.items() if v not in (0, None, ""))
            if inner:
                parts.append(f"{key.replace('_', ' ')}: {inner}")
        elif value not in (0, None, "", False):
            parts.append(f"{key.replace('_', ' ')} {value}")
    return " · ".join(parts)


def _cut(text: str, limit: int = ERROR_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_rows(runs: list[dict[str, Any]], now: datetime | None = None) -> list[list[Any]]:
    rows = []
    for run in runs:
        took = ""
        if run.get("ended_at"):
            seconds = (parse_time(run["ended_at"]) - parse_time(run["started_at"])).total_seconds()
            took = f"{seconds:.1f} s" if seconds < 60 else age(seconds)
        rows.append(
            [
                run["job"],
                run["status"],
                readable_time(run["started_at"], now),
                took,
                counts_text(run.get("counts"), running=run["status"] == "running"),
                _cut(run.get("error") or ""),
            ]
        )
    return rows


def schedule_rows(schedules: list[dict[str, Any]], now: datetime | None = None) -> list[list[Any]]:
    return [
        [
            s["job"],
            "yes" if s["enabled"] else "no",
            f"{s['interval_minutes']} min",
            readable_time(s.get("last_started_at"), now, empty="never"),
            readable_time(s.get("next_run_at"), now, empty="—"),
        ]
        for s in schedules
    ]


def failures_markdown(
    runs: list[dict[str, Any]], now: datetime | None = None, *, limit: int = 3
) -> str:
    """The newest runs that failed or were degraded, each error in full: the table cuts them."""
    troubled = [r for r in runs if r["status"] in ("failed", "degraded") and r.get("error")]
    if not troubled:
        return ""
    lines = ["**Recent problems**"]
    for run in troubled[:limit]:
        when = readable_time(run["started_at"], now)
        lines.append(f"- **{run['job']}** {run['status']} at {when}: {run['error']}")
    return "\n".join(lines)


def profiling_markdown(
    everyone: dict[str, Any] | None,
    profiled: dict[str, Any] | None,
    failed: dict[str, Any] | None,
    now: datetime | None = None,
) -> str:
    """Wallet profiling at a glance from three pages of GET /wallets (limit 1): how many are
    profiled, waiting and failed, the latest profile and one failure's reason."""
    if everyone is None:
        return "**Wallet profiling**: the API did not answer"
    parts = [
        f"{profiled['total'] if profiled else '?'} profiled",
        f"{everyone.get('pending', 0)} waiting for a profile",
        f"{failed['total'] if failed else '?'} failed",
        f"{everyone['total']} wallets found",
    ]
    text = "**Wallet profiling**: " + " · ".join(parts)
    latest = (profiled or {}).get("items") or []
    if latest and latest[0].get("profiled_at"):
        text += f"\n\nLast profile: {readable_time(latest[0]['profiled_at'], now)}"
    else:
        text += "\n\nNo wallet profiled yet."
    failures = (failed or {}).get("items") or []
    if failures:
        wallet = failures[0]
        text += f"\n\nA failed wallet: `{wallet['address']}`: {wallet.get('error') or 'no reason'}"
    return text


# -- the pipeline panel (GET /status/pipeline) -------------------------------------------------

PIPELINE_HEADERS = ["step", "queued", "in flight", "failed", "done", "per min", "ETA", "running"]
PIPELINE_ALIGN = ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---"]


def count_text(value: int | None) -> str:
    """A whole count with thousands separators ('12,345'); '—' where the step has none."""
    return "—" if value is None else f"{value:,}"


def rate_text(per_minute: float) -> str:
    """Per-minute rates as read: '0', '0.4', '12', '1,250'."""
    if per_minute <= 0:
        return "0"
    if per_minute < 10:
        return f"{per_minute:.1f}"
    return f"{round(per_minute):,}"


def eta_text(row: dict[str, Any]) -> str:
    """'idle' with nothing waiting, 'no rate yet' while work waits and nothing has finished in
    the window, else the time to go ('4 min', '2 h 05 min')."""
    eta = row.get("eta_seconds")
    waiting = (row.get("queued") or 0) + (row.get("in_flight") or 0)
    if eta is None:
        return "no rate yet" if waiting else "—"
    if eta <= 0:
        return "idle"
    return age(eta)


def pipeline_rows(state: dict[str, Any] | None) -> list[list[Any]]:
    """One row per step: numbers as text so none is cut, rounded or shown as 'NaN'."""
    rows = []
    for row in (state or {}).get("steps", []):
        running = row.get("running")
        doing = ""
        if running:
            figures = counts_text(running.get("counts"), running=True)
            doing = "running" + (f": {figures}" if figures else "")
        if row.get("error"):
            doing = f"counts unavailable: {_cut(row['error'])}"
        rows.append(
            [
                row["label"],
                count_text(row.get("queued")),
                count_text(row.get("in_flight")),
                count_text(row.get("failed")),
                count_text(row.get("done")),
                rate_text(row.get("per_minute") or 0.0),
                eta_text(row),
                doing,
            ]
        )
    return rows


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" if n == 1 else f"{n:g} {word}s"


def pipeline_markdown(state: dict[str, Any] | None, problem: str | None = None) -> str:
    """The market clock, the window the rates are measured over, and where profiling's time
    goes: 'N Helius calls per profile · plan rate R/s → at most P profiles/min'."""
    if state is None:
        return f"**Pipeline**: the API did not answer ({problem or 'no state'})"
    clock = readable_time(state["market_time"])
    lines = [
        f"**Market clock** {clock} UTC · rates over the last {state['window_minutes']} min"
        " (done, per min: wall-clock minutes)"
    ]
    profiling = state.get("profiling") or {}
    binding = profiling.get("binding")
    plan = profiling.get("helius_plan", "?")
    if binding is None:
        lines.append(f"**Profiling**: no Helius call in the window (plan {plan})")
    elif binding.get("per_profile") is None:
        calls = binding["requests"]
        lines.append(
            f"**Profiling**: no profile finished in the window yet; {calls:,} Helius calls"
            f" ({binding['account']}) · plan rate {binding['plan_rate_per_s']:g}/s ({plan})"
        )
    else:
        ceiling = binding.get("profiles_per_minute_max") or 0.0
        lines.append(
            f"**Profiling**: {binding['per_profile']:.1f} Helius calls per profile"
            f" ({binding['account']}) · plan rate {binding['plan_rate_per_s']:g}/s ({plan})"
            f" → at most {rate_text(ceiling)} profiles/min"
            f" ({_plural(profiling.get('profiles', 0), 'profile')} in the window)"
        )
    if state.get("ingest"):
        lines.append(ingest_markdown(state["ingest"]))
    return "\n\n".join(lines)


def ingest_markdown(ingest: dict[str, Any]) -> str:
    """Step 6 at a glance: webhook deliveries in the window (received / refused for a wrong
    secret / malformed) and the last reconcile run with the swaps it recovered."""
    window = ingest.get("window_minutes", 0)
    deliveries = (
        f"**Webhook ingest** (last {window} min of market time):"
        f" {ingest['deliveries']:,} deliveries received, {ingest['refused']:,} refused"
        f" (wrong or missing secret), {ingest['malformed']:,} malformed"
        + (f", {ingest['too_large']:,} over the size cap" if ingest.get("too_large") else "")
        + f" · {ingest['swaps_new_webhook']:,} new swaps"
    )
    if ingest.get("last_reconcile_at") is None:
        return deliveries + " · reconcile: not run yet"
    when = readable_time(ingest["last_reconcile_at"])
    recovered = ingest.get("last_reconcile_recovered") or 0
    return (
        deliveries + f" · **reconcile**: last run {when} UTC ({ingest['last_reconcile_status']}),"
        f" {_plural(recovered, 'swap')} recovered"
    )


def _cell(value: Any) -> str:
    """A table cell's text, shown as written (Markdown's own characters escaped)."""
    text = str(value).replace("\n", " ")
    for special in "\\|*_`[]<>":
        text = text.replace(special, "\\" + special)
    return text or " "


def pipeline_table(state: dict[str, Any] | None) -> str:
    """The rows as a Markdown table: a plain HTML table in the page, light to draw (a Gradio
    Dataframe costs the browser far more, and this one is redrawn every few seconds)."""
    rows = pipeline_rows(state)
    if not rows:
        return ""
    lines = [
        "| " + " | ".join(PIPELINE_HEADERS) + " |",
        "|" + "|".join(PIPELINE_ALIGN) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)

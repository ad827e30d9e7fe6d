"""The Watchlist tab's text and rows from the API's JSON (no browser)."""

from __future__ import annotations

from ui.watchlist import (
    entry_rows,
    override_outcome,
    run_progress,
    shard_rows,
    webhooks_markdown,
)

ENTRY = {
    "address": "A" * 32,
    "owner_id": "own-1",
    "score": 0.42,
    "confidence": 0.8,
    "listed": False,
    "reason": "banned: insider",
    "banned": True,
    "pinned": False,
    "override": {"kind": "ban", "by": "dashboard", "reason": "insider"},
}


def test_an_entry_row_says_who_owns_it_its_figures_and_why() -> None:
    # Given a banned entry on page 2 / When shown
    [row] = entry_rows([ENTRY], offset=50)
    # Then its rank, owner, figures, followed flag, reason and the ban's author
    assert row == [
        51,
        "A" * 32,
        "own-1",
        "+0.420",
        "0.80",
        "no",
        "banned: insider",
        "banned by dashboard: insider",
    ]


def test_the_last_sync_and_its_shards_are_summarised() -> None:
    body = {
        "shards": [
            {"webhook_id": "w1", "addresses": 3, "synced_at": "t", "state": "synced"},
        ],
        "last_sync": {
            "state": "failed",
            "at": "t",
            "version": 4,
            "listed": 3,
            "created": 1,
            "error": "HTTP 429",
        },
    }
    assert shard_rows(body) == [["w1", 3, "t", "synced", ""]]
    text = webhooks_markdown(body)
    assert "Last sync **failed**" in text
    assert "1 created" in text
    assert "HTTP 429" in text
    assert webhooks_markdown({"shards": [], "last_sync": None}).startswith("**Never synced**")


def test_a_run_shows_its_stage_then_what_it_wrote() -> None:
    running = {"status": "running", "counts": {"stage": "writing", "writes": 3, "writes_done": 1}}
    assert run_progress(running) == "Sync **running**, writing webhooks: 1/3 webhook writes"
    done = {"status": "succeeded", "counts": {"listed": 5, "replaced": 1, "kept": 2}}
    assert run_progress(done) == (
        "Sync **succeeded**: 5 wallets followed; webhooks 0 created, 1 replaced, 0 deleted, 2 kept"
    )
    failed = {"status": "failed", "error": "ConfigurationError: no URL"}
    assert run_progress(failed) == "Sync **failed**: ConfigurationError: no URL"


def test_a_refused_override_shows_the_api_message() -> None:
    text = override_outcome("pin", False, 404, {"message": "unknown wallet X"})
    assert text.startswith("**Could not pin (404)**")
    assert "unknown wallet X" in text
    assert override_outcome("ban", True, 200, ENTRY).startswith(f"`{'A' * 32}` is now **not")

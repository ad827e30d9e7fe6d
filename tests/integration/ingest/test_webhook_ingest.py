"""webhook_ingest through its Function URL (the local runtime's `invoke_url`, the payload-2.0
event the real Function URL sends), on the real Postgres: the secret, the body cap, malformed
bodies, and five concurrent copies of one delivery.

Deliveries are rendered by the simulated market's own webhook renderer from its world."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sim.render import Renderer
from sim.world import World
from tests.integration.ingest.support import (
    SECRET,
    IngestStack,
    list_wallets,
    swap_transactions,
    table_counts,
)
from walltrack.app.swaps import parse_transaction
from walltrack.data.postgres.wallets import swap_from_row

FN = "WebhookIngestFunction"


def _post(stack: IngestStack, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return stack.runtime.invoke_url(
        FN, "POST", "/", {"content-type": "application/json", **headers}, body
    )


def _delivery(world: World, n: int = 12) -> tuple[bytes, list[str], set[tuple[str, str, str]]]:
    """A webhook body of `n` swap transactions, the wallets that trade in it and its swaps."""
    renderer = Renderer(world)
    txs = swap_transactions(world, n)
    items = [renderer.webhook(tx) for tx in txs]
    wallets = sorted({world.addr[world.t_wallet[tx]] for tx in txs})
    keys = {
        (s.signature, s.wallet, s.token_mint)
        for item in items
        for s in parse_transaction(item, wallets=wallets)
    }
    return json.dumps(items).encode(), wallets, keys


def test_five_concurrent_copies_of_a_delivery_store_each_swap_once_with_one_signal(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a delivery of swaps of listed wallets
    body, wallets, keys = _delivery(world)
    list_wallets(ingest_stack.container, wallets)
    assert keys
    # When Helius sends it five times at once (retries racing a duplicate)
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(
            pool.map(lambda _: _post(ingest_stack, body, {"Authorization": SECRET}), range(5))
        )
    # Then every copy is answered 200 (stored, or already stored)
    assert [a["statusCode"] for a in answers] == [200] * 5, answers
    new = sorted(json.loads(a["body"])["new"] for a in answers)
    assert sum(new) == len(keys)
    # And each swap is ingested once, stored once, and owes exactly one signal message
    counts = table_counts(ingest_stack.container)
    assert counts["ingested_swaps"] == len(keys)
    assert counts["swaps"] == len(keys)
    assert counts["signal_messages"] == len(keys)
    # And all five deliveries are in the audit
    assert counts["deliveries"] == 5


def test_a_delivery_s_swaps_are_stored_exactly_as_parsed(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a delivery of swaps of listed wallets, parsed as the product parses them
    renderer = Renderer(world)
    txs = swap_transactions(world, 8)
    items = [renderer.webhook(tx) for tx in txs]
    wallets = sorted({world.addr[world.t_wallet[tx]] for tx in txs})
    list_wallets(ingest_stack.container, wallets)
    parsed = sorted(
        (s for item in items for s in parse_transaction(item, wallets=wallets)),
        key=lambda s: (s.signature, s.wallet, s.token_mint),
    )
    assert parsed
    # When it is delivered
    answer = _post(ingest_stack, json.dumps(items).encode(), {"Authorization": SECRET})
    assert answer["statusCode"] == 200
    # Then every swap is stored with its every field as parsed (exact amounts, times, slots)
    with ingest_stack.container.db.connection() as conn:
        rows = conn.execute(
            "select * from public.swaps order by signature, wallet, token_mint"
        ).fetchall()
    assert [swap_from_row(r) for r in rows] == parsed


def test_a_wrong_or_missing_authorization_is_refused_and_nothing_is_stored(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a valid delivery of listed wallets' swaps
    body, wallets, _ = _delivery(world)
    list_wallets(ingest_stack.container, wallets)
    # When it comes with a wrong secret, a secret differing by case, or none
    answers = [
        _post(ingest_stack, body, {"Authorization": "wrong"}),
        _post(ingest_stack, body, {"Authorization": SECRET.upper()}),
        _post(ingest_stack, body, {}),
    ]
    # Then each is a 401 and nothing is written but the count of refused attempts
    assert [a["statusCode"] for a in answers] == [401, 401, 401]
    counts = table_counts(ingest_stack.container)
    assert counts | {"refused": 0} == dict.fromkeys(counts, 0)
    assert counts["refused"] == 3
    # And the Status tab's pipeline state counts them (GET /status/pipeline)
    state = ingest_stack.client.get("/status/pipeline", params={"window_minutes": 60})
    assert state.status_code == 200, state.text
    assert state.json()["ingest"]["refused"] == 3
    assert state.json()["ingest"]["deliveries"] == 0


def test_a_body_over_the_cap_is_refused_before_parsing(ingest_stack: IngestStack) -> None:
    # Given the smallest body cap
    ingest_stack.container.step_settings.update("ingest", {"max_body_bytes": 65536})
    # When a body one byte over it arrives (not even JSON: it is never parsed)
    answer = _post(ingest_stack, b"x" * 65537, {"Authorization": SECRET})
    # Then it is a 413, recorded without its body
    assert answer["statusCode"] == 413
    with ingest_stack.container.db.connection() as conn:
        rows = conn.execute("select status, bytes, body from public.webhook_deliveries").fetchall()
    assert [(r["status"], r["bytes"], r["body"]) for r in rows] == [("too_large", 65537, None)]
    # And a body at the cap is read (here: malformed, 400)
    assert _post(ingest_stack, b"x" * 65536, {"Authorization": SECRET})["statusCode"] == 400


def test_a_malformed_body_is_a_400_and_its_raw_bytes_are_kept(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a delivery cut in half (as a broken proxy would) and one that is not an array
    body, wallets, _ = _delivery(world)
    list_wallets(ingest_stack.container, wallets)
    cut = body[: len(body) // 2]
    # When they arrive
    answers = [_post(ingest_stack, raw, {"Authorization": SECRET}) for raw in (cut, b'{"a": 1}')]
    # Then each is a 400 naming its delivery, whose raw body is kept byte for byte
    assert [a["statusCode"] for a in answers] == [400, 400]
    repo = ingest_stack.container.ingest_repo
    kept = [repo.delivery_body(json.loads(a["body"])["delivery_id"]) for a in answers]
    assert kept == [cut, b'{"a": 1}']
    # And nothing of it is ingested
    counts = table_counts(ingest_stack.container)
    assert (counts["ingested_swaps"], counts["swaps"], counts["signal_messages"]) == (0, 0, 0)


def test_a_base64_body_is_decoded_and_unlisted_wallets_are_ignored(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a delivery sent with a binary content type (the Function URL base64-encodes it)
    # and only one of its traders listed
    body, wallets, keys = _delivery(world)
    list_wallets(ingest_stack.container, wallets[:1])
    mine = {k for k in keys if k[1] == wallets[0]}
    # When it arrives
    answer = ingest_stack.runtime.invoke_url(
        FN, "POST", "/", {"content-type": "application/octet-stream", "Authorization": SECRET}, body
    )
    # Then only the listed wallet's swaps are ingested
    assert answer["statusCode"] == 200, answer
    assert table_counts(ingest_stack.container)["ingested_swaps"] == len(mine) > 0


def test_each_delivery_s_audit_row_counts_its_items_swaps_new_swaps_and_item_errors(
    ingest_stack: IngestStack, world: World
) -> None:
    # Given a delivery of listed wallets' swaps, stored once already
    body, wallets, keys = _delivery(world, n=6)
    list_wallets(ingest_stack.container, wallets)
    first = _post(ingest_stack, body, {"Authorization": SECRET})
    # When it comes again with one more item that is not a transaction
    items = [*json.loads(body), {"not": "a transaction"}]
    again = _post(ingest_stack, json.dumps(items).encode(), {"Authorization": SECRET})
    # Then each audit row holds its items, the swaps found, the new ones and the item errors
    ids = [json.loads(a["body"])["delivery_id"] for a in (first, again)]
    with ingest_stack.container.db.connection() as conn:
        rows = conn.execute(
            "select items, swaps_found, swaps_new, error from public.webhook_deliveries"
            " where id = any(%s) order by id",
            (ids,),
        ).fetchall()
    assert [(r["items"], r["swaps_found"], r["swaps_new"]) for r in rows] == [
        (6, len(keys), len(keys)),
        (7, len(keys), 0),
    ]
    assert rows[0]["error"] is None
    assert str(rows[1]["error"]).startswith("item 6:")

"""Step 6's signal_score on the real embedded Postgres: a stored swap and its message become one
signal with its breakdown; a re-delivery stores nothing more; owner consensus counts owners;
an exit carries the share sold from the stored swaps; a poison record in a batch fails alone
and, through the local runtime's queues (template.yaml), ends in SignalScoreDLQ; the API lists
and opens the signals."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import base58
import pytest
from fastapi.testclient import TestClient

from functions.signal_score import handler
from tests.conftest import REPO_ROOT
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container, build_local_queue_store
from walltrack.app.process import bound
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import SignalScoreRequested
from walltrack.data.models.signals import SignalSettings
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import SafetyVerdict, Token, TokenMarket
from walltrack.data.postgres.database import Database
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.template import load_template

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
TEMPLATE = load_template(REPO_ROOT / "template.yaml")


def _address(i: int) -> str:
    return base58.b58encode(bytes([i]) * 32).decode()


MINT = _address(40)
ALICE, ALICE_2, BOB, CAROL = (_address(i) for i in (1, 2, 3, 4))  # Alice owns two wallets
OWNERS = {ALICE: "own-alice", ALICE_2: "own-alice", BOB: "own-bob"}  # Carol: no owner


def _swap(wallet: str, side: str = "buy", *, n: int = 1, tokens: str = "1000", sol: str = "1",
          at: datetime = AT) -> Swap:  # fmt: skip
    return Swap(
        signature=base58.b58encode(bytes([n, *bytes(63)])).decode() + wallet[:4],
        wallet=wallet,
        side=side,
        token_mint=MINT,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(sol),
        source="PUMP_AMM",
        timestamp=at,
        slot=1000 + n,
    )


def _message(swap: Swap, received: timedelta = timedelta(seconds=2)) -> SignalScoreRequested:
    return SignalScoreRequested.for_swap(
        signature=swap.signature,
        wallet=swap.wallet,
        token_mint=swap.token_mint,
        received_at=swap.timestamp + received,
        via="webhook",
    )


def _event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"sqs-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:SignalScoreQueue",
                "awsRegion": "eu-west-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


SCORED = AT + timedelta(seconds=5)
"""Business time when the tests score (the container's clock)."""


@pytest.fixture
def container(base_env: EnvSettings, clean_db: Database) -> Iterator[Container]:
    """The composition root on the emptied session database, its clock stopped at SCORED."""
    built = build_container(base_env, clock=ManualClock(SCORED))
    yield built
    built.close()


@pytest.fixture
def seeded(container: Container) -> Container:
    """Profiled wallets with their owners, and a young, safe, liquid token."""
    with container.db.connection() as conn:
        for wallet in (ALICE, ALICE_2, BOB, CAROL):
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at,"
                " score, confidence, owner_id) values (%s, 'profiled', %s, %s, 0.6, 0.8, %s)",
                (wallet, AT, AT, OWNERS.get(wallet)),
            )
    token = Token(
        mint=MINT,
        dex_id="raydium",
        pair_created_at=AT - timedelta(hours=2),
        market=TokenMarket(liquidity_usd=Decimal("250000")),
    )
    container.tokens.upsert_discovered(token, at=AT - timedelta(hours=1))
    container.tokens.set_safety(MINT, SafetyVerdict(verdict="pass", checks=[], checked_at=AT))
    return container


def _consume(container: Container, *bodies: str) -> dict[str, Any]:
    with bound(container):
        return handler(_event(*bodies), None)


def _rows(container: Container) -> list[dict[str, Any]]:
    with container.db.connection() as conn:
        return list(conn.execute("select * from public.signals order by id").fetchall())


def test_a_stored_buy_and_its_message_make_one_scored_signal_with_its_breakdown(
    seeded: Container,
) -> None:
    # Given a buy of Carol (her own owner) stored by ingest
    buy = _swap(CAROL)
    seeded.wallets.add_swaps([buy])
    # When its message is consumed
    response = _consume(seeded, _message(buy).model_dump_json())
    # Then one entry signal is stored, accepted, with every component and the three times
    assert response == {"batchItemFailures": []}
    [row] = _rows(seeded)
    assert (row["kind"], row["side"], row["accepted"]) == ("entry", "buy", True), row["reason"]
    assert row["owner_id"] == CAROL
    assert [c["name"] for c in row["components"]] == [
        "wallet_score", "confidence", "owner_consensus", "token_safety", "liquidity", "size",
        "age",
    ]  # fmt: skip
    assert row["score"] == pytest.approx(sum(c["contribution"] for c in row["components"]))
    assert row["onchain_at"] == AT
    assert row["received_at"] == AT + timedelta(seconds=2)
    assert row["scored_at"] == SCORED
    assert row["quote_amount"] == Decimal("1")


def test_the_same_message_twice_stores_one_signal(seeded: Container) -> None:
    # Given a stored buy
    buy = _swap(BOB)
    seeded.wallets.add_swaps([buy])
    body = _message(buy).model_dump_json()
    # When its message arrives twice through the consumer (which keeps no handled ids: the
    # signal's unique swap key makes the repeat write nothing), and is scored a third time
    _consume(seeded, body)
    _consume(seeded, body)
    seeded.signal_jobs.score(_message(buy))
    # Then one signal exists, and no handled id was recorded
    assert len(_rows(seeded)) == 1
    with seeded.db.connection() as conn:
        assert conn.execute("select count(*) as n from public.consumed_messages").fetchone() == {
            "n": 0
        }


def test_owner_consensus_counts_distinct_owners_not_wallets(seeded: Container) -> None:
    # Given Alice's two wallets bought the token, then Carol buys it, all within the window
    first, second = _swap(ALICE, n=1), _swap(ALICE_2, n=2, at=AT + timedelta(minutes=1))
    carol = _swap(CAROL, n=3, at=AT + timedelta(minutes=2))
    stale = _swap(BOB, n=4, at=AT - timedelta(hours=2))  # Bob's buy: outside the window
    seeded.wallets.add_swaps([first, second, carol, stale])
    for swap in (stale, first, second, carol):
        seeded.signal_jobs.score(_message(swap))
    rows = {r["wallet"]: r for r in _rows(seeded)}
    # Then Alice's second wallet sees one owner (her own), and Carol sees two: Alice and herself
    assert rows[ALICE_2]["consensus_owners"] == ["own-alice"]
    assert sorted(rows[CAROL]["consensus_owners"]) == sorted(["own-alice", CAROL])
    consensus = next(c for c in rows[CAROL]["components"] if c["name"] == "owner_consensus")
    assert consensus["raw"] == 2


def test_a_sell_of_half_the_holding_is_an_exit_signal_of_one_half(seeded: Container) -> None:
    # Given Bob's stored buy of 1000 tokens and his later sell of 500
    buy = _swap(BOB, n=1, tokens="1000")
    sell = _swap(BOB, "sell", n=2, tokens="500", sol="2", at=AT + timedelta(minutes=10))
    seeded.wallets.add_swaps([buy, sell])
    # When the sell is scored
    _consume(seeded, _message(sell).model_dump_json())
    # Then its exit signal says half the holding was sold
    [row] = _rows(seeded)
    assert (row["kind"], row["accepted"], row["fraction_sold"]) == ("exit", True, Decimal("0.5"))
    assert row["score"] is None


def test_a_poison_record_in_a_batch_fails_alone(seeded: Container) -> None:
    # Given a batch: a good buy, a body the model rejects, a swap never stored, another buy
    good, other = _swap(BOB, n=1), _swap(CAROL, n=2)
    seeded.wallets.add_swaps([good, other])
    missing = _swap(ALICE, n=3)  # not stored
    event = _event(
        _message(good).model_dump_json(),
        json.dumps({"message_id": "not-a-uuid", "wallet": BOB}),
        _message(missing).model_dump_json(),
        _message(other).model_dump_json(),
    )
    # When it is consumed
    with bound(seeded):
        response = handler(event, None)
    # Then only the two bad records are reported failed; the good ones are stored
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "sqs-1"}, {"itemIdentifier": "sqs-2"}]
    }
    assert {r["wallet"] for r in _rows(seeded)} == {BOB, CAROL}


def test_a_poison_message_ends_in_the_dlq_after_its_receives(
    seeded: Container, base_env: EnvSettings
) -> None:
    # Given template.yaml's signal_score function in the local runtime, its queue holding a
    # good message and one for a swap that is not stored
    runtime = LocalRuntime(
        TEMPLATE,
        clock=(clock := ManualClock(AT)),
        exclude=set(TEMPLATE.functions) - {"SignalScoreFunction"},
        env={},
        queue_store=build_local_queue_store(base_env),
    )
    runtime.invocation_scope = lambda: bound(seeded)
    try:
        good = _swap(BOB, n=1)
        seeded.wallets.add_swaps([good])
        queue = runtime.queue("SignalScoreQueue")
        queue.send(_message(good).model_dump_json())
        poison = queue.send(_message(_swap(ALICE, n=9)).model_dump_json())
        visibility = runtime.template.queues["SignalScoreQueue"].visibility_timeout
        # When the runner delivers it, and again after each visibility timeout
        runtime.run_until_idle()
        for _ in range(6):
            clock.advance(visibility)
            runtime.run_until_idle()
        # Then the good one made its signal once, the poison one sits in SignalScoreDLQ
        assert [r["wallet"] for r in _rows(seeded)] == [BOB]
        dead = runtime.queue("SignalScoreDLQ").messages()
        assert [(m.message_id, m.receive_count) for m in dead] == [(poison, 5)]
        assert len(queue) == 0
    finally:
        runtime.close()


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(seeded: Container, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(seeded), headers=auth_headers) as client:
        yield client


def test_the_api_lists_signals_newest_first_filters_them_and_opens_one(
    api: TestClient, seeded: Container
) -> None:
    # Given an accepted buy, a buy rejected by a strict threshold, and an exit
    buy = _swap(CAROL, n=1)
    seeded.wallets.add_swaps([buy])
    seeded.signal_jobs.score(_message(buy))
    seeded.step_settings.update(SignalSettings.step, {"min_score": 0.99})
    late = _swap(BOB, n=2, at=AT + timedelta(minutes=1))
    sell = _swap(BOB, "sell", n=3, tokens="250", at=AT + timedelta(minutes=2))
    seeded.wallets.add_swaps([late, sell])
    seeded.signal_jobs.score(_message(late))
    seeded.signal_jobs.score(_message(sell))
    # When the list is read, whole and filtered
    listed = api.get("/signals")
    assert listed.status_code == 200, listed.text
    page = listed.json()
    accepted = api.get("/signals", params={"status": "accepted"}).json()
    rejected = api.get("/signals", params={"status": "rejected"}).json()
    exits = api.get("/signals", params={"kind": "exit"}).json()
    bobs = api.get("/signals", params={"wallet": BOB, "limit": 1, "offset": 1}).json()
    # Then newest scored first, each filter keeps its own
    assert [s["side"] for s in page["items"]] == ["sell", "buy", "buy"]
    assert page["total"] == 3
    assert [s["wallet"] for s in accepted["items"]] == [BOB, CAROL]  # the exit and Carol's buy
    assert [(s["wallet"], s["reason"]) for s in rejected["items"]] == [
        (BOB, rejected["items"][0]["reason"])
    ]
    assert rejected["items"][0]["reason"].endswith("under 0.990")
    assert [s["fraction_sold"] for s in exits["items"]] == ["0.25"]
    assert (bobs["total"], [s["side"] for s in bobs["items"]]) == (2, ["buy"])
    # And a signal opens with its breakdown and latency
    first = page["items"][-1]
    detail = api.get(f"/signals/{first['id']}").json()
    assert len(detail["components"]) == 7
    assert detail["delivery_seconds"] == 2.0
    assert detail["latency_seconds"] == 5.0  # on-chain AT, scored at SCORED
    # And unknown or malformed ids are clear errors
    assert api.get("/signals/999999").status_code == 404
    assert api.get("/signals/abc").status_code == 422
    assert api.get("/signals", params={"status": "maybe"}).status_code == 422


def test_two_buys_scored_at_once_each_count_the_other_owner_when_it_came_first(
    seeded: Container,
) -> None:
    # Given Alice's and Bob's buys of the token a minute apart, stored by ingest, and Alice's
    # scoring held just before it stores her signal
    alice, bob = _swap(ALICE, n=1), _swap(BOB, n=2, at=AT + timedelta(minutes=1))
    seeded.wallets.add_swaps([alice, bob])
    storing, go_on = threading.Event(), threading.Event()
    add = seeded.signals.add

    def held_add(signal: Any) -> int | None:
        if signal.wallet == ALICE:
            storing.set()
            assert go_on.wait(timeout=30)
        return add(signal)

    seeded.signals.add = held_add  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def score(swap: Swap) -> None:
        try:
            seeded.signal_jobs.score(_message(swap))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    first = threading.Thread(target=score, args=(alice,))
    first.start()
    assert storing.wait(timeout=30)
    # When Bob's buy is scored meanwhile (as a second signal_score Lambda would), and Alice's
    # scoring goes on a moment later
    second = threading.Thread(target=score, args=(bob,))
    second.start()
    second.join(timeout=1.0)  # without the token's lock Bob's scoring ends here, missing Alice
    go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)
    # Then Bob's signal counts Alice's owner: his scoring waited for hers to be stored
    assert not errors, errors
    rows = {r["wallet"]: r for r in _rows(seeded)}
    assert rows[ALICE]["consensus_owners"] == ["own-alice"]
    assert sorted(rows[BOB]["consensus_owners"]) == ["own-alice", "own-bob"]

"""Step messages: typed and versioned on the wire; a body the model rejects fails alone with a
reason; a message id a consumer has handled is skipped (no database: the consumed-ids store is
an in-memory stand-in with the repository's interface)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from walltrack.app.handlers import consume, parse_message
from walltrack.data.models.messages import (
    MESSAGE_FOR_QUEUE,
    SignalScoreRequested,
    StepMessage,
    TokenScanRequested,
    WalletDiscoveryRequested,
    WalletProfileRequested,
)
from walltrack.errors import MalformedMessageError

WALLET = "11111111111111111111111111111112"
MINT = "So11111111111111111111111111111111111111112"


class MemoryConsumed:
    def __init__(self) -> None:
        self.ids: set[tuple[str, UUID]] = set()

    def seen(self, consumer: str, message_id: UUID) -> bool:
        return (consumer, message_id) in self.ids

    def mark(self, consumer: str, message_id: UUID) -> None:
        self.ids.add((consumer, message_id))


def _event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"sqs-{i}",
                "receiptHandle": f"h-{i}",
                "body": body,
                "attributes": {},
                "eventSource": "aws:sqs",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_each_queue_has_one_message_model_and_each_model_one_queue() -> None:
    assert set(MESSAGE_FOR_QUEUE) == {
        "token_scan", "wallet_discovery", "wallet_profile", "cluster_evidence", "signal_score",
        "position_open", "order_execute", "exit_check",
    }  # fmt: skip
    assert {model.queue for model in MESSAGE_FOR_QUEUE.values()} == set(MESSAGE_FOR_QUEUE)


@pytest.mark.parametrize(
    "message",
    [
        TokenScanRequested.new(run_id=UUID(int=7)),
        WalletDiscoveryRequested.new(mint=MINT),
        WalletDiscoveryRequested.new(mint=MINT, run_id=UUID(int=8)),
        WalletProfileRequested.new(address=WALLET),
    ],
)
def test_a_message_survives_the_wire_with_its_id_and_version(message: StepMessage) -> None:
    # Given a message as a producer makes it / When sent as JSON and read back
    body = message.model_dump_json()
    again = parse_message(body, type(message))
    # Then it is the same message, versioned, with the id every re-send keeps
    assert again == message
    assert json.loads(body)["schema_version"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "Invalid JSON"),
        (json.dumps({"address": WALLET}), "message_id: Field required"),
        (
            json.dumps({"message_id": str(UUID(int=1)), "address": "not-an-address"}),
            "address: Value error, not a base58 32-byte Solana address",
        ),
        (
            json.dumps({"message_id": str(UUID(int=1)), "address": WALLET, "schema_version": 2}),
            "schema_version: Input should be 1",
        ),
        (
            json.dumps({"message_id": str(UUID(int=1)), "address": WALLET, "extra": 1}),
            "extra: Extra inputs are not permitted",
        ),
    ],
)
def test_a_body_the_model_rejects_is_a_typed_error_naming_the_field(body: str, reason: str) -> None:
    with pytest.raises(MalformedMessageError, match="not a WalletProfileRequested message") as e:
        parse_message(body, WalletProfileRequested)
    assert reason in str(e.value)


def test_a_handled_message_id_is_skipped_and_an_unreadable_record_fails_alone() -> None:
    # Given a batch: a message, the same message again (a re-send), a broken body, another
    first = WalletProfileRequested.new(address=WALLET)
    other = WalletProfileRequested.new(address=MINT)
    handled: list[str] = []
    consumed = MemoryConsumed()
    event = _event(first.model_dump_json(), first.model_dump_json(), "{}", other.model_dump_json())
    # When the consumer takes it
    result = consume(
        event,
        None,
        consumer="wallet_profile",
        message=WalletProfileRequested,
        handle=lambda message: handled.append(message.address),
        consumed=consumed,  # type: ignore[arg-type]
    )
    # Then each message is handled once, and only the broken record is reported failed
    assert handled == [WALLET, MINT]
    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-2"}]}
    assert consumed.seen("wallet_profile", first.message_id)


def test_a_message_whose_handling_fails_is_not_marked_handled() -> None:
    # Given a handler that fails for one wallet / When its message is consumed with another
    message = WalletProfileRequested.new(address=WALLET)
    fine = WalletProfileRequested.new(address=MINT)
    consumed = MemoryConsumed()

    def fail(got: WalletProfileRequested) -> None:
        if got.address == WALLET:
            raise RuntimeError("helius down")

    result = consume(
        _event(message.model_dump_json(), fine.model_dump_json()),
        None,
        consumer="wallet_profile",
        message=WalletProfileRequested,
        handle=fail,
        consumed=consumed,  # type: ignore[arg-type]
    )
    # Then it is reported failed (SQS retries it) and its id is not recorded as handled
    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-0"}]}
    assert not consumed.seen("wallet_profile", message.message_id)
    assert consumed.seen("wallet_profile", fine.message_id)


def test_a_consumer_without_handled_ids_gives_every_message_to_its_idempotent_job() -> None:
    # Given a batch with one message twice (a re-send), for a consumer keeping no handled ids
    message = WalletProfileRequested.new(address=WALLET)
    handled: list[str] = []
    # When it is consumed
    result = consume(
        _event(message.model_dump_json(), message.model_dump_json()),
        None,
        consumer="position_open",
        message=WalletProfileRequested,
        handle=lambda got: handled.append(got.address),
        consumed=None,
    )
    # Then the job gets both (its own first read makes the repeat a no-op), and none failed
    assert handled == [WALLET, WALLET]
    assert result == {"batchItemFailures": []}


def test_a_swap_is_one_signal_message_whatever_delivered_it() -> None:
    # Given one swap ingested twice (a webhook delivery and reconcile), and another swap
    when = datetime(2026, 12, 7, tzinfo=UTC)
    wallet, mint = "So11111111111111111111111111111111111111112", "11111111111111111111111111111111"
    first = SignalScoreRequested.for_swap(
        signature="sig1", wallet=wallet, token_mint=mint, received_at=when, via="webhook"
    )
    again = SignalScoreRequested.for_swap(
        signature="sig1", wallet=wallet, token_mint=mint, received_at=when, via="reconcile"
    )
    other = SignalScoreRequested.for_swap(
        signature="sig2", wallet=wallet, token_mint=mint, received_at=when, via="webhook"
    )
    # Then the same swap has the same message id (the consumer skips the second), another not
    assert first.message_id == again.message_id
    assert other.message_id != first.message_id

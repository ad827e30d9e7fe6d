"""GET /status/pipeline against the real Postgres: queued, in-flight and dead-lettered messages
of the local queues, a finished profile, Helius requests counted by the shared rate limiter,
runs and the outbox; and the same queue figures from SQS (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import base58
import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from tests.support.stack import EPOCH, TEMPLATE, with_queue_urls
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container, build_local_queue_store
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import WalletProfileRequested
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.messages import ConsumedMessages, OutboxRepository
from walltrack.data.postgres.rate_limits import RateLimitSlots
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.queue_depths import SqsQueueDepths

TEMPLATE_FUNCTIONS = frozenset(
    {
        "ApiFunction",
        "TokenScanFunction",
        "TokenRefreshFunction",
        "WalletDiscoveryFunction",
        "WalletProfileFunction",
        "OutboxRelayFunction",
    }
)


@pytest.fixture
def local(base_env: EnvSettings, clean_db: Database) -> Iterator[tuple[LocalRuntime, Container]]:
    """template.yaml's queues in Postgres (no function runs), and a container that reads them."""
    variables: dict[str, str] = {}
    clock = ManualClock(EPOCH)
    runtime = LocalRuntime(
        TEMPLATE,
        clock=clock,
        exclude=set(TEMPLATE_FUNCTIONS),
        env=variables,
        apply_env=True,
        queue_store=build_local_queue_store(base_env),
    )
    container = build_container(with_queue_urls(base_env, variables), clock=clock)
    try:
        yield runtime, container
    finally:
        runtime.close()
        container.close()


def _address(n: int) -> str:
    return str(base58.b58encode(bytes([n + 1]) * 32).decode())


def _pipeline(container: Container, headers: dict[str, str]) -> dict[str, Any]:
    response = TestClient(create_app(container), headers=headers).get(
        "/status/pipeline", params={"window_minutes": 10}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["step"]: row for row in body["steps"]}


def test_local_queues_profiles_and_helius_calls_give_the_panels_numbers(
    local: tuple[LocalRuntime, Container], clean_db: Database, auth_headers: dict[str, str]
) -> None:
    runtime, container = local
    # Given 4 profile requests queued, 1 of them received (in flight), 2 in the DLQ
    profiles = runtime.queue("WalletProfileQueue")
    for n in range(4):
        profiles.send(WalletProfileRequested.new(address=_address(n)).model_dump(mode="json"))
    assert len(profiles.receive(max_messages=1)) == 1
    dead_letters = runtime.queue("WalletProfileDLQ")
    dead_letters.send("dead one")
    dead_letters.send("dead two")
    # And 3 profiles finished, 1 wallet failed for a reason of its own
    consumed = ConsumedMessages(clean_db)
    for _ in range(3):
        consumed.mark("wallet_profile", uuid4())
    with clean_db.connection() as conn:
        conn.execute(
            "insert into public.wallets (address, status, first_seen_at, error)"
            " values ('BadWallet', 'failed', now(), 'its own failure')"
        )
    # And 36 Helius DAS requests and 6 RPC requests through the shared rate limiter's slots
    slots = RateLimitSlots(clean_db)
    for _ in range(36):
        slots.reserve("helius:das", interval=timedelta(microseconds=1))
    for _ in range(6):
        slots.reserve("helius:rpc", interval=timedelta(microseconds=1))
    # And one outbox message unsent, a token refresh run ended and a token scan running
    OutboxRepository(clean_db).add([WalletProfileRequested.new(address=_address(9))])
    runs = ScheduleRunRepository(clean_db, deadline=timedelta(hours=3))
    with runs.track("token_refresh", clock=container.clock):
        pass
    scan = runs.start("token_scan", at=container.clock.now(), counts={"stage": "safety"})

    # When the pipeline's state is read through the API
    body = _pipeline(container, auth_headers)
    rows = _rows(body)

    # Then profiles: 3 waiting, 1 in flight, 2 dead-lettered + 1 failed wallet, 3 done
    profile = rows["wallet_profile"]
    assert (profile["queued"], profile["in_flight"], profile["failed"], profile["done"]) == (
        3,
        1,
        3,
        3,
    )
    window_s = body["window_seconds"]
    assert 600 <= window_s <= 660
    assert profile["per_minute"] == pytest.approx(3 * 60 / window_s, rel=0.01)
    assert profile["eta_seconds"] == pytest.approx(4 * window_s / 3, rel=0.01)
    # And the other queues are empty, with their DLQs known
    assert rows["wallet_discovery"]["queued"] == 0
    assert rows["wallet_discovery"]["failed"] == 0
    assert rows["wallet_discovery"]["eta_seconds"] == 0
    # And Helius: 36 DAS calls over 3 profiles = 12 a profile; the base plan (free) allows
    # 2 DAS requests a second → at most 10 profiles a minute; DAS binds before RPC (2 a profile
    # at 10/s: 300 a minute)
    profiling = body["profiling"]
    assert profiling["helius_plan"] == "free"
    assert profiling["profiles"] == 3
    binding = profiling["binding"]
    assert binding["account"] == "helius:das"
    assert binding["requests"] == 36
    assert binding["per_profile"] == pytest.approx(12.0)
    assert binding["plan_rate_per_s"] == pytest.approx(2.0)
    assert binding["profiles_per_minute_max"] == pytest.approx(10.0)
    rpc = next(u for u in profiling["upstreams"] if u["account"] == "helius:rpc")
    assert rpc["requests"] == 6
    # And the outbox, the refresh run and the running scan
    assert rows["outbox"]["queued"] == 1
    assert rows["token_refresh"]["done"] == 1
    assert rows["token_scan"]["running"]["id"] == str(scan)
    assert rows["token_scan"]["running"]["counts"] == {"stage": "safety"}
    # And the market clock is the container's business clock
    assert body["market_time"].startswith(EPOCH.date().isoformat())


def test_the_numbers_move_when_a_profile_finishes(
    local: tuple[LocalRuntime, Container], clean_db: Database, auth_headers: dict[str, str]
) -> None:
    runtime, container = local
    # Given two profile requests waiting and none finished: no rate, so no ETA
    profiles = runtime.queue("WalletProfileQueue")
    for n in range(2):
        profiles.send(WalletProfileRequested.new(address=_address(n)).model_dump(mode="json"))
    before = _rows(_pipeline(container, auth_headers))["wallet_profile"]
    assert (before["queued"], before["done"], before["eta_seconds"]) == (2, 0, None)
    # When one is received, handled and deleted, as the consumer does
    [message] = profiles.receive(max_messages=1)
    ConsumedMessages(clean_db).mark("wallet_profile", uuid4())
    assert message.receipt_handle is not None
    profiles.delete(message.receipt_handle)
    # Then one waits, one is done, and the ETA follows from the rate
    after = _rows(_pipeline(container, auth_headers))["wallet_profile"]
    assert (after["queued"], after["in_flight"], after["done"]) == (1, 0, 1)
    assert after["eta_seconds"] is not None
    assert after["eta_seconds"] > 0


def test_request_counts_older_than_a_day_are_dropped_as_requests_are_counted(
    clean_db: Database,
) -> None:
    # Given a count from two days ago
    with clean_db.connection() as conn:
        conn.execute(
            "insert into public.rate_limit_requests (account, minute, requests)"
            " values ('helius:das', date_trunc('minute', now()) - interval '2 days', 9)"
        )
    # When the account reserves a slot
    RateLimitSlots(clean_db).reserve("helius:das", interval=timedelta(microseconds=1))
    # Then only this minute's count is left
    with clean_db.connection() as conn:
        rows = conn.execute(
            "select requests from public.rate_limit_requests where account = 'helius:das'"
        ).fetchall()
    assert [r["requests"] for r in rows] == [1]


# -- SQS (moto) --------------------------------------------------------------------------------


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def _queue_with_dlq(client: Any, name: str) -> tuple[str, str]:
    dlq = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = client.create_queue(
        QueueName=name,
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"5"}}'},
    )["QueueUrl"]
    return url, dlq


def test_sqs_queue_and_dlq_counts_reach_the_panel(
    sqs: Any, base_env: EnvSettings, clean_db: Database, auth_headers: dict[str, str]
) -> None:
    # Given SQS queues with their DLQs: 5 profile requests, 2 of them received, 3 in the DLQ
    profile_url, profile_dlq = _queue_with_dlq(sqs, "walltrack-profile")
    discovery_url, _ = _queue_with_dlq(sqs, "walltrack-discovery")
    for n in range(5):
        sqs.send_message(QueueUrl=profile_url, MessageBody=f"profile {n}")
    received = sqs.receive_message(
        QueueUrl=profile_url, MaxNumberOfMessages=2, VisibilityTimeout=300
    )["Messages"]
    assert len(received) == 2
    for n in range(3):
        sqs.send_message(QueueUrl=profile_dlq, MessageBody=f"dead {n}")
    # And a container whose queues are those URLs (the scan queue's URL names no queue)
    env = base_env.model_copy(
        update={
            "wallet_profile_queue_url": profile_url,
            "wallet_discovery_queue_url": discovery_url,
            "token_scan_queue_url": profile_url.replace("walltrack-profile", "missing"),
        }
    )
    container = build_container(env, clock=ManualClock(EPOCH))
    try:
        # When the pipeline's state is read through the API
        rows = _rows(_pipeline(container, auth_headers))
    finally:
        container.close()
    # Then SQS's counts are the panel's
    profile = rows["wallet_profile"]
    assert (profile["queued"], profile["in_flight"], profile["failed"]) == (3, 2, 3)
    assert rows["wallet_discovery"]["queued"] == 0
    # And a queue SQS cannot read is named on its row; the rest is still served
    assert rows["token_scan"]["queued"] is None
    assert "sqs" in (rows["token_scan"]["error"] or "").lower()


def test_a_queue_without_a_redrive_policy_has_no_dlq_count(sqs: Any) -> None:
    # Given a queue with no DLQ and one message
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    # When its depth is read / Then it has one visible and no DLQ figure
    depth = SqsQueueDepths({"wallet_profile": url}, sqs).depth("wallet_profile", now=EPOCH)
    assert depth is not None
    assert (depth.visible, depth.in_flight, depth.dead_lettered) == (1, 0, None)

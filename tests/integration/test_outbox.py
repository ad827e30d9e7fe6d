"""No message between steps is lost, and none is acted on twice: the transactional outbox and
the consumers' message-id dedupe, on real Postgres, with template.yaml's functions (the
OutboxRelayFunction's sweep included) in a local runtime against the simulated market.

The producer here is token_scan's announcement of a new token to wallet_discovery (the token,
its checks and the announcement commit together); its consumer's effect is a wallet_discovery
run per delivery, so a message lost shows as a missing run and a message acted on twice as a
second run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import pytest

from sim.server import SimServer
from sim.world import World
from tests.conftest import REPO_ROOT
from tests.support.stack import Stack
from walltrack.runtime.queues import LocalQueueHandle, MessageBody

STACK_EXCLUDE = ("WalletProfileFunction",)  # profiles are not what these tests look at
DISCOVERY_QUEUE = "WalletDiscoveryQueue"


class ProcessDied(BaseException):
    """Stands for the process dying: like a SIGKILL, nothing catches it on the way out."""


class FlakyQueue:
    """The wallet-discovery queue as SQS: sends for real unless told to fail before sending
    (`down`) or to die just after the queue accepted the messages (`die_after_send`)."""

    def __init__(self) -> None:
        self.down = False
        self.die_after_send = False
        self._queue = LocalQueueHandle(DISCOVERY_QUEUE)

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        if self.down:
            raise ConnectionError("SQS endpoint unreachable")
        ids = self._queue.send_many(bodies)
        if self.die_after_send:
            raise ProcessDied
        return ids


@pytest.fixture
def flaky() -> FlakyQueue:
    return FlakyQueue()


@pytest.fixture
def stack_queues(flaky: FlakyQueue) -> dict[str, FlakyQueue]:
    """The stack's container sends to wallet_discovery through the flaky queue."""
    return {"wallet_discovery": flaky}


def _mints(world: World, count: int) -> list[str]:
    return [token.mint for token in world.tokens[-count:]]


def _unsent(stack: Stack) -> list[dict[str, Any]]:
    with stack.container.db.connection() as conn:
        rows = conn.execute(
            "select queue, body, attempts, last_error from public.outbox where sent_at is null"
        ).fetchall()
    return [dict(row) for row in rows]


def _age_outbox(stack: Stack) -> None:
    """Make every outbox row old enough for the sweep (it leaves fresh rows to their relay)."""
    with stack.container.db.connection() as conn:
        conn.execute("update public.outbox set created_at = created_at - interval '5 minutes'")


def _discovery_runs(stack: Stack) -> int:
    return len(stack.container.runs.recent(limit=500, job="wallet_discovery"))


def test_a_send_that_fails_after_the_commit_is_delivered_by_the_sweep_once(
    stack: Stack, flaky: FlakyQueue, world: World
) -> None:
    queue = stack.runtime.queue(DISCOVERY_QUEUE)
    mints = _mints(world, 2)
    # Given SQS unreachable when two new tokens are added (each owes an announcement)
    flaky.down = True
    for mint in mints:
        assert stack.client.post("/discovery/tokens", json={"mint": mint}).status_code == 201
    # Then the tokens are stored, nothing reached the queue, and both messages wait unsent
    assert all(stack.container.tokens.get(mint) for mint in mints)
    assert queue.approximate_count() == 0
    unsent = _unsent(stack)
    assert sorted(row["body"]["mint"] for row in unsent) == sorted(mints)
    assert all(row["attempts"] == 1 and "unreachable" in row["last_error"] for row in unsent)
    # When SQS is back and the outbox_relay function's schedule sweeps
    flaky.down = False
    _age_outbox(stack)
    swept = stack.runtime.fire_schedule("OutboxRelayFunction")
    # Then both are delivered, once each
    assert swept["sent"] == 2
    assert _unsent(stack) == []
    assert queue.approximate_count() == 2
    # And wallet_discovery acts on each once: one run per token
    stack.runtime.run_until_idle()
    assert _discovery_runs(stack) == 2
    # And a later sweep sends nothing again
    assert stack.runtime.fire_schedule("OutboxRelayFunction")["sent"] == 0
    stack.runtime.run_until_idle()
    assert _discovery_runs(stack) == 2


def test_a_message_sent_just_before_a_crash_is_sent_again_but_acted_on_once(
    stack: Stack, flaky: FlakyQueue, world: World
) -> None:
    queue = stack.runtime.queue(DISCOVERY_QUEUE)
    [mint] = _mints(world, 1)
    # Given a process that dies right after SQS accepted the announcement, before it could
    # mark it sent
    flaky.die_after_send = True
    with pytest.raises(ProcessDied):
        stack.container.token_jobs.add(mint)
    flaky.die_after_send = False
    # Then the token is stored and the message is in the queue, yet still unsent in the outbox
    assert stack.container.tokens.get(mint) is not None
    assert queue.approximate_count() == 1
    assert [row["body"]["mint"] for row in _unsent(stack)] == [mint]
    # When the sweep sends it again
    _age_outbox(stack)
    assert stack.runtime.fire_schedule("OutboxRelayFunction")["sent"] == 1
    assert queue.approximate_count() == 2
    # Then wallet_discovery takes both deliveries and acts once: the second is a message id
    # it has handled
    stack.runtime.run_until_idle()
    assert queue.approximate_count() == 0
    assert _discovery_runs(stack) == 1


_PRODUCER_THAT_DIES = """
import os, sys
from pydantic import SecretStr
from tests.support.stack import market_env
from walltrack.app.container import build_container
from walltrack.config.settings import EnvSettings

class DiesBeforeSending:
    def send(self, body):
        os._exit(17)
    def send_many(self, bodies):
        os._exit(17)

env = market_env(
    EnvSettings(_env_file=None, database_url=SecretStr(sys.argv[1]), data_dir=sys.argv[3]),
    sys.argv[2],
)
app = build_container(env, queues={"wallet_discovery": DiesBeforeSending()})
app.token_jobs.add(sys.argv[4])
"""


def test_a_process_that_dies_between_commit_and_send_loses_nothing(
    stack: Stack, sim: SimServer, world: World, pg_url: str, tmp_path: Any
) -> None:
    queue = stack.runtime.queue(DISCOVERY_QUEUE)
    [mint] = _mints(world, 1)
    # Given another process (a Lambda) that adds a token, commits, and dies before its send
    died = subprocess.run(
        [sys.executable, "-c", _PRODUCER_THAT_DIES, pg_url, sim.base_url, str(tmp_path), mint],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert died.returncode == 17, died.stderr[-2000:]
    # Then its state change is committed and the message it owed waits in the outbox
    assert stack.container.tokens.get(mint) is not None
    assert [row["body"]["mint"] for row in _unsent(stack)] == [mint]
    assert queue.approximate_count() == 0
    # When the sweep runs
    _age_outbox(stack)
    assert stack.runtime.fire_schedule("OutboxRelayFunction")["sent"] == 1
    # Then the message is delivered and acted on, once
    stack.runtime.run_until_idle()
    assert _discovery_runs(stack) == 1
    assert _unsent(stack) == []

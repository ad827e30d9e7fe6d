"""The messages between steps: one typed, versioned model per queue.

A step never sends or reads a raw dict: producers build these models and write them to the
outbox in the same transaction as the state change that owes them; consumers parse the body
back into the model (a body the model rejects fails that record alone, then goes to the DLQ).
Messages carry ids, not objects (ARCHITECTURE §3): a consumer re-reads the state it needs.

`message_id` is chosen by the producer (required on the wire: a body without one is not ours)
and survives every re-send, so a consumer that has handled it once skips it the next time
(SQS delivers at least once, and the outbox sweep re-sends what a crash may or may not have
sent). `schema_version` lets a consumer refuse a shape it does not know instead of misreading
it; a new field with a default keeps version 1, a changed meaning bumps it.

Plain pydantic rather than the Powertools parser: the same model is validated where it is made
(the outbox row) and where it is read (the SQS record body), and only the latter is an SQS
event; one `model_validate_json` with our own error line serves both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4, uuid5

from pydantic import BaseModel, ConfigDict

from walltrack.data.models.solana import SolanaAddress

QueueName = Literal[
    "token_scan",
    "wallet_discovery",
    "wallet_profile",
    "cluster_evidence",
    "signal_score",
    "position_open",
    "order_execute",
    "exit_check",
]
"""Logical queue names; each maps to one SQS queue in template.yaml (its URL from the env)."""


class StepMessage(BaseModel):
    """Base of every queue message."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    queue: ClassVar[QueueName]

    schema_version: Literal[1] = 1
    message_id: UUID

    @classmethod
    def new(cls, **fields: Any) -> Self:
        """A new message of this kind, with a fresh id (what producers write)."""
        return cls(message_id=uuid4(), **fields)


class TokenScanRequested(StepMessage):
    """API → token_scan: scan now and report into the run `run_id` (created with it)."""

    queue: ClassVar[QueueName] = "token_scan"
    run_id: UUID


class WalletDiscoveryRequested(StepMessage):
    """→ wallet_discovery: find one token's candidate wallets. Without `run_id` the token was
    just discovered by token_scan (a run of its own); with it, it is one token of a manual run
    started from the API (counted into that run)."""

    queue: ClassVar[QueueName] = "wallet_discovery"
    mint: SolanaAddress
    run_id: UUID | None = None


class WalletProfileRequested(StepMessage):
    """wallet_discovery → wallet_profile: (re)profile one wallet."""

    queue: ClassVar[QueueName] = "wallet_profile"
    address: SolanaAddress


class ClusterEvidenceRequested(StepMessage):
    """clustering → cluster_evidence: collect one wallet's ownership evidence (its first
    history page and its funders') for the clustering run `run_id`, which counts it."""

    queue: ClassVar[QueueName] = "cluster_evidence"
    run_id: UUID
    address: SolanaAddress


SWAP_MESSAGE_NAMESPACE = UUID("6f1d7c8e-2b4a-5e0f-9c3d-7a1b2c3d4e5f")
"""uuid5 namespace of `SignalScoreRequested.for_swap` ids: one id per swap, whoever sent it."""


class SignalScoreRequested(StepMessage):
    """webhook_ingest / reconcile → signal_score: score one newly ingested swap of a watched
    wallet (a buy → an entry signal; a sell → an exit signal). The swap itself is in
    `public.swaps`, keyed by (signature, wallet, token_mint). `received_at` is when our ingest
    took it (Helius delivery or reconcile read), so on-chain → received → scored latency shows.
    Its `message_id` is derived from the swap key (`for_swap`): a swap ingested twice (a
    duplicate delivery racing reconcile) is one message to the consumer."""

    queue: ClassVar[QueueName] = "signal_score"
    signature: str
    wallet: SolanaAddress
    token_mint: SolanaAddress
    received_at: datetime
    via: Literal["webhook", "reconcile"]

    @classmethod
    def for_swap(
        cls,
        *,
        signature: str,
        wallet: str,
        token_mint: str,
        received_at: datetime,
        via: Literal["webhook", "reconcile"],
    ) -> SignalScoreRequested:
        key = f"{signature}:{wallet}:{token_mint}"
        return cls(
            message_id=uuid5(SWAP_MESSAGE_NAMESPACE, key),
            signature=signature,
            wallet=wallet,
            token_mint=token_mint,
            received_at=received_at,
            via=via,
        )


TRADING_MESSAGE_NAMESPACE = UUID("0b6c5a4e-9d8f-5a7b-8c6d-5e4f3a2b1c0d")
"""uuid5 namespace of steps 7-8 message ids derived from what they are about."""


class PositionOpenRequested(StepMessage):
    """signal_score → position_open: open a paper position for one accepted entry signal
    (risk rules, sizing, then the position and its entry order in one transaction). The id is
    derived from the signal (`for_signal`): a re-sent message opens nothing twice."""

    queue: ClassVar[QueueName] = "position_open"
    signal_id: int

    @classmethod
    def for_signal(cls, signal_id: int) -> PositionOpenRequested:
        return cls(
            message_id=uuid5(TRADING_MESSAGE_NAMESPACE, f"open:{signal_id}"), signal_id=signal_id
        )


class OrderExecuteRequested(StepMessage):
    """position_open / exit_monitor / API → order_execute: fill one pending paper order from
    a Jupiter quote taken now, or reject it with the reason."""

    queue: ClassVar[QueueName] = "order_execute"
    order_id: UUID

    @classmethod
    def for_order(cls, order_id: UUID) -> OrderExecuteRequested:
        return cls(
            message_id=uuid5(TRADING_MESSAGE_NAMESPACE, f"order:{order_id}"), order_id=order_id
        )


class ExitCheckRequested(StepMessage):
    """signal_score → exit_monitor: a followed wallet sold (exit signal `signal_id`): check
    now, not at the next tick, the positions that follow it in that token (mirror-sell)."""

    queue: ClassVar[QueueName] = "exit_check"
    signal_id: int

    @classmethod
    def for_signal(cls, signal_id: int) -> ExitCheckRequested:
        return cls(
            message_id=uuid5(TRADING_MESSAGE_NAMESPACE, f"exit:{signal_id}"), signal_id=signal_id
        )


MESSAGE_FOR_QUEUE: dict[QueueName, type[StepMessage]] = {
    model.queue: model
    for model in (
        TokenScanRequested,
        WalletDiscoveryRequested,
        WalletProfileRequested,
        ClusterEvidenceRequested,
        SignalScoreRequested,
        PositionOpenRequested,
        OrderExecuteRequested,
        ExitCheckRequested,
    )
}

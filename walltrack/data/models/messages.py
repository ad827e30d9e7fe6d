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

from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict

from walltrack.data.models.solana import SolanaAddress

QueueName = Literal["token_scan", "wallet_discovery", "wallet_profile", "cluster_evidence"]
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


MESSAGE_FOR_QUEUE: dict[QueueName, type[StepMessage]] = {
    model.queue: model
    for model in (
        TokenScanRequested,
        WalletDiscoveryRequested,
        WalletProfileRequested,
        ClusterEvidenceRequested,
    )
}

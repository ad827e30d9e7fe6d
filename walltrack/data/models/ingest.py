"""Step 6's ingest: its settings (the Settings tab's "Webhook ingest" group) and what a
delivery and a reconcile run report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from walltrack.data.models.step_settings import StepSettings

IngestVia = Literal["webhook", "reconcile"]
DeliveryStatus = Literal["ok", "malformed", "too_large"]

MIB = 1024 * 1024


class IngestSettings(StepSettings):
    """Step 6: what webhook_ingest accepts and keeps, and how reconcile recovers what Helius
    dropped (it retries a delivery 3 times a minute apart, then drops it)."""

    step: ClassVar[str] = "ingest"
    title: ClassVar[str] = "Webhook ingest"

    max_body_bytes: int = Field(
        5 * MIB,
        ge=64 * 1024,
        le=6 * MIB,
        description="Largest delivery body accepted (413 above it, checked before parsing); "
        "Helius batches at most 100 enhanced transactions, well under 5 MiB, and a Function "
        "URL takes at most 6 MB",
    )
    audit_retention_days: int = Field(
        7, ge=1, le=90, description="Days each delivery's raw body is kept for audit"
    )
    reconcile_interval_minutes: int = Field(
        10,
        ge=1,
        le=1440,
        description="Reconcile every N minutes: each listed wallet's history since its last "
        "seen transaction, through the same ingestion path (recovers dropped deliveries)",
    )
    reconcile_max_pages_per_wallet: int = Field(
        5,
        ge=1,
        le=100,
        description="History pages (100 transactions each) read per wallet per reconcile "
        "run; the rest is read by the next run from where this one stopped",
    )


@dataclass(frozen=True)
class ReconcileCursor:
    """The newest transaction reconcile has read of a wallet's history."""

    last_signature: str
    last_time: datetime


@dataclass(frozen=True)
class DeliveryCounts:
    """A webhook delivery's audit counts known before its swaps are claimed (the new ones are
    counted by the claim itself)."""

    delivery_id: int
    items: int
    error: str | None


@dataclass(frozen=True)
class IngestResult:
    """What one ingestion (a delivery or one wallet's reconcile read) stored."""

    swaps_found: int
    swaps_new: int


@dataclass(frozen=True)
class ReconcileReport:
    run_id: str | None
    wallets: int
    wallets_done: int
    transactions_read: int
    swaps_recovered: int
    error: str | None = None


class IngestStatus(BaseModel):
    """The Status tab's ingest line: the last reconcile and the deliveries of the window."""

    window_minutes: int
    deliveries: int
    refused: int
    malformed: int
    too_large: int
    swaps_new_webhook: int
    last_reconcile_at: datetime | None
    last_reconcile_status: str | None
    last_reconcile_recovered: int | None

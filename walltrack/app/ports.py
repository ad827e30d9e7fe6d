"""The ports every step's jobs work with, given once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from walltrack.app.markets import Markets
from walltrack.app.outbox import PipelineOutbox
from walltrack.clock import Clock
from walltrack.core.ports import Atomic
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.tokens import TokenRepository


@dataclass(frozen=True)
class StepPorts:
    runs: ScheduleRunRepository
    """Each run's record (Status tab)."""
    steps: StepSettingsService
    """The steps' typed settings, read at each run (a change needs no redeploy)."""
    tokens: TokenRepository
    outbox: PipelineOutbox
    """Where a step writes the messages it owes the next one."""
    markets: Markets
    """The market clients (DexScreener, Helius, RugCheck, Jupiter) and their loop."""
    atomic: Atomic
    """Opens the transaction a state change and its messages commit in."""
    clock: Clock
    """Business time."""

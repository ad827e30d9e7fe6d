"""Step 7 as a use case: one accepted entry signal → one paper position and its entry order.

`open(message)` reads the signal (skips anything but an accepted entry, and a signal already
decided), asks the risk rules (a refusal is stored with its rule, nothing else), sizes the
entry against Jupiter quotes, then writes in ONE transaction the position (opening, its exit
plan), its pending SOL → token entry order and the `OrderExecuteRequested` it owes. A live
position already on the token turns the entry into a refusal ("one_position_per_token"); the
same signal again writes nothing. Any failure before the commit leaves nothing written and the
message is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from uuid import UUID

from walltrack.app.markets import Markets
from walltrack.app.outbox import PipelineOutbox
from walltrack.clock import Clock
from walltrack.core.ports import Atomic
from walltrack.core.position.manager import plan_open
from walltrack.core.position.sizing import SizeDecision, size_entry
from walltrack.core.risk.manager import Refusal, check_entry, headroom
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.messages import OrderExecuteRequested, PositionOpenRequested
from walltrack.data.models.risk import RiskState
from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import Position, RiskRefusal
from walltrack.data.models.trading_settings import (
    ExitSettings,
    OrderSettings,
    RiskSettings,
    SizingSettings,
    lamports,
)
from walltrack.data.postgres.positions import PositionRepository
from walltrack.errors import NotFoundError
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.jupiter.client import NoRouteError

log = get_logger(component="positions")


class SignalNotStoredError(NotFoundError):
    """A position_open message names a signal that is not stored (signal_score stores it in
    the transaction that sends the message: a message from elsewhere, or a bug)."""


class QuoteUnavailableError(Exception):
    """Jupiter gave no quote for the entry (no route, or unreachable after its retries)."""


@dataclass(frozen=True)
class OpenOutcome:
    """What `open` did: a position opened, a refusal stored, or nothing (skipped)."""

    position: Position | None = None
    refusal: RiskRefusal | None = None
    skipped: str | None = None


class PositionJobs:
    def __init__(
        self,
        *,
        positions: PositionRepository,
        steps: StepSettingsService,
        markets: Markets,
        outbox: PipelineOutbox,
        atomic: Atomic,
        clock: Clock,
    ) -> None:
        self._positions = positions
        self._steps = steps
        self._markets = markets
        self._outbox = outbox
        self._atomic = atomic
        self._clock = clock

    def open(self, message: PositionOpenRequested) -> None:
        """The position_open consumer's job."""
        self.decide(message.signal_id)

    def decide(self, signal_id: int) -> OpenOutcome:
        bound = log.bind(signal_id=signal_id)
        now = self._clock.now()
        risk = self._steps.typed(RiskSettings)
        sizing = self._steps.typed(SizingSettings)
        # the signal and the risk state its rules need, in one round trip
        entry, state = self._positions.entry_and_risk(
            signal_id,
            starting_lamports=lamports(sizing.paper_starting_sol),
            day_start=datetime.combine(now.date(), time(0), tzinfo=now.tzinfo),
            streak=risk.loss_streak,
        )
        if entry is None:
            raise SignalNotStoredError(f"signal {signal_id} is not stored")
        signal = entry.signal
        if signal.kind != "entry" or not signal.accepted:
            bound.info("not an accepted entry; nothing to open", kind=signal.kind)
            return OpenOutcome(skipped="not an accepted entry")
        if entry.decided:
            bound.info("signal decided before; nothing written")
            return OpenOutcome(skipped="decided before")
        if entry.live_position_id is not None:
            return self._refuse(signal, _one_per_token(entry.live_position_id), now)
        return self._open(signal, state=state, risk=risk, sizing=sizing, now=now)

    def _open(
        self,
        signal: Signal,
        *,
        state: RiskState,
        risk: RiskSettings,
        sizing: SizingSettings,
        now: datetime,
    ) -> OpenOutcome:
        """Risk, sizing, then the position, its entry order and its message in one commit."""
        refusal = check_entry(
            state,
            risk,
            token_mint=signal.token_mint,
            owner_id=signal.owner_id,
            size_lamports=lamports(sizing.min_size_sol),
            now=now,
        )
        if refusal is not None:
            return self._refuse(signal, refusal, now)
        room = headroom(state, risk, token_mint=signal.token_mint, owner_id=signal.owner_id)
        slippage = self._steps.typed(OrderSettings).slippage_bps  # read once, not per quote
        try:
            decision = size_entry(
                sizing,
                equity_lamports=state.equity_lamports,
                score=signal.score,
                room=room.least,
                impact_of=lambda size: self._impact(signal.token_mint, size, slippage),
            )
        except QuoteUnavailableError as exc:
            return self._refuse(signal, Refusal("quote", str(exc)), now)
        if decision.size_lamports is None:
            return self._refuse(
                signal, Refusal(decision.rule or "size", decision.detail or ""), now
            )
        return self._write(signal, decision, now)

    def _write(self, signal: Signal, decision: SizeDecision, now: datetime) -> OpenOutcome:
        assert decision.size_lamports is not None
        position, order = plan_open(
            signal,
            size_lamports=decision.size_lamports,
            exits=self._steps.typed(ExitSettings),
            now=now,
        )
        with self._atomic():
            if not self._positions.insert_position(position):
                live = self._positions.live_on_token(signal.token_mint)
                if live is None or live.signal_id == signal.id:  # this signal's, written before
                    return OpenOutcome(skipped="decided before")
                refusal = _refusal(signal, _one_per_token(live.position_id), now)
                self._positions.add_refusal(refusal)
                log.info("entry refused", signal_id=signal.id, rule=refusal.rule)
                return OpenOutcome(refusal=refusal)
            self._positions.insert_entry_order(order)
            self._outbox.put([OrderExecuteRequested.for_order(order.order_id)])
        log.info(
            "position opening",
            signal_id=signal.id,
            position_id=str(position.position_id),
            token=signal.token_mint,
            size_lamports=decision.size_lamports,
            quotes=decision.quotes,
            impact=str(decision.impact),
        )
        return OpenOutcome(position=position)

    def _impact(self, token_mint: str, size: int, slippage: int) -> Decimal:
        """The price impact (a fraction) of spending `size` lamports on `token_mint` now."""
        try:
            quote = self._markets.run(
                lambda ports: ports.quotes.quote(SOL_MINT, token_mint, size, slippage)
            )
        except NoRouteError as exc:
            raise QuoteUnavailableError(f"no route: {exc}") from exc
        except ServiceError as exc:
            raise QuoteUnavailableError(f"jupiter quote failed: {exc}") from exc
        return Decimal(str(quote.price_impact_pct))

    def _refuse(self, signal: Signal, refusal: Refusal, now: datetime) -> OpenOutcome:
        stored = _refusal(signal, refusal, now)
        self._positions.add_refusal(stored)
        log.info("entry refused", signal_id=signal.id, rule=refusal.rule, detail=refusal.detail)
        return OpenOutcome(refusal=stored)


def _one_per_token(live: UUID) -> Refusal:
    return Refusal("one_position_per_token", f"position {live} is already live on this token")


def _refusal(signal: Signal, refusal: Refusal, now: datetime) -> RiskRefusal:
    assert signal.id is not None
    return RiskRefusal(
        signal_id=signal.id,
        token_mint=signal.token_mint,
        wallet=signal.wallet,
        rule=refusal.rule,
        detail=refusal.detail,
        at=now,
    )

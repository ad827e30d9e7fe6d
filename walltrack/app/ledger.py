"""The paper ledger's reads (issue 18 item 5), as the API calls them: the account and its
positions, the equity curve, our PnL vs each followed wallet's, and the shadow PnL of rejected
signals. Each reads positions, fills and swaps once and hands them to `core.ledger`; nothing is
written, so a figure is never stale nor out of step with the orders."""

from __future__ import annotations

from datetime import datetime

from walltrack.clock import Clock
from walltrack.core.ledger.book import fills_of, ledger_of
from walltrack.core.ledger.equity import equity_curve
from walltrack.core.ledger.shadow import BLIND_SPOTS, ShadowRules, replay, side_of
from walltrack.core.ledger.versus import wallets_versus
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.ledger import EquityCurve, Ledger, ShadowReport, WalletsVersus
from walltrack.data.models.trading_settings import (
    ExitSettings,
    OrderSettings,
    SizingSettings,
    lamports,
)
from walltrack.data.postgres.ledger import LedgerRepository


class LedgerReads:
    def __init__(self, *, repo: LedgerRepository, steps: StepSettingsService, clock: Clock) -> None:
        self._repo = repo
        self._steps = steps
        self._clock = clock

    def starting_lamports(self) -> int:
        return lamports(self._steps.typed(SizingSettings).paper_starting_sol)

    def ledger(self, *, as_of: datetime | None = None) -> Ledger:
        """Totals and every position's figures at their current marks."""
        return ledger_of(
            self._repo.positions(),
            fills_of(self._repo.filled_orders()),
            starting_lamports=self.starting_lamports(),
            as_of=as_of or self._clock.now(),
        )

    def equity(self) -> EquityCurve:
        """Equity after each fill, from the first position's opening to now."""
        positions = self._repo.positions()
        marks = {p.position_id: p.last_price for p in positions if p.last_price is not None}
        return equity_curve(
            fills_of(self._repo.filled_orders()),
            starting_lamports=self.starting_lamports(),
            started_at=min((p.opened_at for p in positions), default=None),
            as_of=self._clock.now(),
            marks=marks,
        )

    def wallets(self) -> WalletsVersus:
        """Per followed wallet we copied: our net PnL and return beside its own on the same
        tokens since the buy we copied, and the share of its edge we kept."""
        now = self._clock.now()
        book = self.ledger(as_of=now)
        copied = self._repo.copied_buys()
        marks = self._repo.last_prices_sol(sorted({c.token_mint for c in copied}), until=now)
        return wallets_versus(
            book.positions, self._repo.swaps_since(copied), marks_sol=marks, as_of=now
        )

    def shadow(self, *, limit: int = 200) -> ShadowReport:
        """The latest `limit` entry signals, accepted and rejected, each replayed as if taken
        (`core.ledger.shadow`), with the totals side by side and our real net PnL beside."""
        now = self._clock.now()
        signals = self._repo.entry_signals(since=None, limit=limit)
        tapes = self._repo.token_swaps_after(
            [s.token_mint for s in signals],
            since=min((s.onchain_at for s in signals), default=now),
            until=now,
        )
        starting = self.starting_lamports()
        rules = ShadowRules(
            sizing=self._steps.typed(SizingSettings),
            exits=self._steps.typed(ExitSettings),
            orders=self._steps.typed(OrderSettings),
            equity_lamports=starting,
        )
        trades = [replay(s, tapes.get(s.token_mint, ()), rules, as_of=now) for s in signals]
        return ShadowReport(
            accepted=side_of([t for t in trades if t.accepted]),
            rejected=side_of([t for t in trades if not t.accepted]),
            actual_net_pnl_lamports=self.ledger(as_of=now).totals.net_pnl_lamports,
            trades=trades,
            blind_spots=list(BLIND_SPOTS),
            as_of=now,
        )

"""Step 3 as use cases: find a token's wallets worth profiling, and profile one wallet.

wallet_discovery: a token (announced by token_scan, or one token of a manual run over one or
every active token) → candidate wallets, one profile request each. wallet_profile: one wallet
→ its profile. The composition root (`walltrack.app.container`) gives every port.
"""

from __future__ import annotations

from uuid import UUID

from walltrack.app.ports import StepPorts
from walltrack.core.discovery.wallets import (
    DiscoveryReport,
    PriceTapeCache,
    ProfileReport,
    TapeReads,
    discover_wallets,
    profile_address,
)
from walltrack.data.models.messages import WalletDiscoveryRequested, WalletProfileRequested
from walltrack.data.models.runs import RunStart, ScheduleRun
from walltrack.data.models.solana import validate_address, validate_mint
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError
from walltrack.data.postgres.wallets import WalletRepository
from walltrack.errors import DependencyUnavailableError, NotFoundError, UpstreamError
from walltrack.log import get_logger

log = get_logger(component="wallet_discovery")

JOB = "wallet_discovery"


class WalletJobs:
    def __init__(
        self, ports: StepPorts, *, wallets: WalletRepository, price_tapes: PriceTapeCache
    ) -> None:
        self._ports = ports
        self._wallets = wallets
        self._price_tapes = price_tapes
        """One per process: a warm Lambda container (or the local runtime) profiles many
        wallets that trade the same tokens, so their price tapes are built once."""
        self.tape_reads: TapeReads = "windows"
        """How profiles read their tokens' trades: the windows the profiler needs; "full"
        (every token's whole history, as before) only for bench/profiling.py to compare."""

    def start_manual(self, mint: str | None) -> tuple[RunStart, int]:
        """The run a manual discovery reports into and its one message per token, committed
        together, with its token count: one known token, or every active one (422 malformed
        mint, 404 unknown / none active). One manual discovery at a time: while one runs, the
        answer is that run and its token count (`started` False), and nothing is queued."""
        if mint is not None:
            mint = validate_mint(mint)
            if self._ports.tokens.get(mint) is None:
                raise NotFoundError(f"unknown token {mint}: add it on the Discovery tab first")
            mints = [mint]
        else:
            mints = self._ports.tokens.active_mints()
            if not mints:
                raise NotFoundError("no active tokens: run a token scan first")
        counts = {"trigger": "manual", "tokens": len(mints), "tokens_done": 0}
        try:
            with self._ports.atomic():
                run_id = self._ports.runs.start(
                    JOB, at=self._ports.clock.now(), counts=counts, exclusive=True
                )
                self._ports.outbox.discovery_requested(run_id, mints)
        except RunAlreadyRunningError as running:
            log.info("wallet discovery already running", run_id=str(running.run_id))
            current = self._ports.runs.get(running.run_id)
            tokens = int(current.counts.get("tokens", 0)) if current else 0
            return RunStart(running.run_id, started=False), tokens
        return RunStart(run_id, started=True), len(mints)

    def discovery_requested(self, message: WalletDiscoveryRequested) -> None:
        """A wallet_discovery message: a token announced by token_scan (a run of its own), or
        one token of a manual run (counted into that run)."""
        if message.run_id is None:
            self.discover(message.mint)
        else:
            self.discover_item(message.run_id, message.mint)

    def discover(self, mint: str) -> DiscoveryReport:
        """One token's candidates as a `wallet_discovery` run of its own."""
        with self._ports.runs.track(JOB, clock=self._ports.clock) as run:
            report = self._discover_one(mint)
            run.counts.update({"tokens": 1, "tokens_done": 1} | _counts(report))
        return report

    def discover_item(self, run_id: UUID, mint: str) -> ScheduleRun | None:
        """One token of a manual run (one message per token, so no single invocation has to
        fit every token in its timeout). Counted once per token even when redelivered; the
        token that completes the count closes the run, failed only if every token failed.
        A token whose history cannot be read is counted with its error, not retried."""
        run = self._ports.runs.get(run_id)
        if run is None or run.status != "running":
            log.info("discovery item skipped", run_id=str(run_id), status=run and run.status)
            return None
        error: str | None = None
        try:
            increments = _counts(self._discover_one(mint))
        except UpstreamError as exc:
            error = f"{mint}: {exc}"
            log.warning("token history unavailable", mint=mint, error=str(exc))
            self._ports.runs.progress(run_id, {"last_error": error})
            increments = {"token_errors": 1}
        after = self._ports.runs.item_done(run_id, mint, increments | {"tokens_done": 1})
        if after is not None and after.counts.get("tokens_done") == after.counts.get("tokens"):
            every_token_failed = after.counts.get("token_errors", 0) == after.counts["tokens"]
            self._ports.runs.finish(
                run_id,
                status="failed" if every_token_failed else "succeeded",
                counts={},
                error=(error or after.counts.get("last_error")) if every_token_failed else None,
                at=self._ports.clock.now(),
            )
        return after

    def _discover_one(self, mint: str) -> DiscoveryReport:
        settings = self._ports.steps.typed(WalletDiscoverySettings)
        token = self._ports.tokens.get(mint)
        pool = [token.pair_address] if token and token.pair_address else []
        return self._ports.markets.run(
            lambda market: discover_wallets(
                mint,
                settings=settings,
                source=market.transactions,
                prices=market.prices,
                store=self._wallets,
                outbox=self._ports.outbox,
                atomic=self._ports.atomic,
                now=self._ports.clock.now(),
                exclude=pool,
            )
        )

    def profile_requested(self, message: WalletProfileRequested) -> None:
        """A wallet_profile message; raising fails only this record (SQS retries it)."""
        self.profile(message.address)

    def profile(self, address: str) -> ProfileReport:
        """One wallet's profile. Raising fails only this record, so SQS delivers it again.

        An outage (an upstream's connection refusal, 5xx, 429 or time-out, or one of our own
        components down; during Ctrl-C the market goes away mid-profile) says nothing about the
        wallet: it stays pending, its row untouched, and the redelivery profiles it once the
        dependency is back. Any other failure is the wallet's own: shown on its row, naming it
        (the cause may name a token's address whose trades were being read)."""
        address = validate_address(address)
        settings = self._ports.steps.typed(WalletProfileSettings)
        discovery = self._ports.steps.typed(WalletDiscoverySettings)
        try:
            report = self._ports.markets.run(
                lambda market: profile_address(
                    address,
                    settings=settings,
                    discovery=discovery,
                    source=market.transactions,
                    prices=market.prices,
                    store=self._wallets,
                    now=self._ports.clock.now(),
                    cache=self._price_tapes,
                    tape_reads=self.tape_reads,
                )
            )
        except Exception as exc:
            if is_outage(exc):
                log.warning(
                    "profile postponed: a dependency is down", wallet=address, error=str(exc)
                )
            else:
                self._wallets.mark_failed(
                    address, f"profile of {address} failed: {type(exc).__name__}: {exc}"
                )
            raise
        log.info(
            "wallet profiled",
            wallet=address,
            score=round(report.profile.score, 4),
            partial=report.profile.partial,
            malformed=report.malformed,
        )
        return report


def _counts(report: DiscoveryReport) -> dict[str, int]:
    return report.counts() | {"partial_tokens": int(report.partial)}


def is_outage(exc: BaseException) -> bool:
    """An upstream that is down or refusing for now (its connection refused, a 5xx, 429 or
    time-out), or one of our own components down: worth retrying, no verdict on the input."""
    if isinstance(exc, DependencyUnavailableError):
        return True
    return isinstance(exc, UpstreamError) and exc.temporary

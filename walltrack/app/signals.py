"""Step 6 as a use case: score one ingested swap of a watched wallet into one stored signal.

`score(message)` reads the swap (stored by ingest in the transaction that sent the message),
then what its kind needs — for a buy the wallet's figures, owner and usual buy size, the token,
and the owners that bought it within the window; for a sell the wallet's stored history — asks
`core.signal` for the signal and writes it once. The signal's unique swap key makes a second
delivery write nothing (its consumer keeps no handled ids: this is the check). In the transaction
that stores it, a new accepted entry signal owes step 7 a `PositionOpenRequested` and an exit
signal owes step 8 an `ExitCheckRequested` (mirror-sell), both in the outbox. A swap that is not
stored raises, so SQS retries it and then moves it to the DLQ, where it can be inspected.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from walltrack.app.outbox import PipelineOutbox
from walltrack.clock import Clock
from walltrack.core.ports import Atomic
from walltrack.core.signal.pipeline import Delivery, signal_for
from walltrack.core.signal.scorer import EntryFacts, usual_buy_of
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.messages import (
    ExitCheckRequested,
    PositionOpenRequested,
    SignalScoreRequested,
    StepMessage,
)
from walltrack.data.models.signals import Signal, SignalSettings
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import Token
from walltrack.data.postgres.signals import SignalRepository
from walltrack.data.postgres.wallets import WalletRepository
from walltrack.errors import NotFoundError, WallTrackError
from walltrack.log import get_logger

log = get_logger(component="signals")


class SwapNotStoredError(NotFoundError):
    """A signal_score message names a swap that is not in `public.swaps` (ingest stores the
    swap and its message in one transaction, so this is a message from elsewhere, or a bug)."""


class SignalJobs:
    def __init__(
        self,
        *,
        signals: SignalRepository,
        wallets: WalletRepository,
        steps: StepSettingsService,
        clock: Clock,
        outbox: PipelineOutbox,
        atomic: Atomic,
        discover_token: Callable[[str], Token] | None = None,
    ) -> None:
        self._discover_token = discover_token
        self._outbox = outbox
        self._atomic = atomic
        self._signals = signals
        self._wallets = wallets
        self._steps = steps
        self._clock = clock

    def score(self, message: SignalScoreRequested) -> None:
        """The signal_score consumer's job: the swap's signal, stored once."""
        self.judge(message)

    def judge(self, message: SignalScoreRequested) -> Signal:
        """The swap's signal, stored (a re-delivery computes it again and writes nothing)."""
        bound = log.bind(
            signature=message.signature, wallet=message.wallet, token=message.token_mint
        )
        # the swap, its wallet, token and usual buy in one round trip, before the transaction
        reads = self._signals.scoring_reads(message.signature, message.wallet, message.token_mint)
        swap = reads.swap
        if swap is None:
            raise SwapNotStoredError(
                f"swap {message.signature} of {message.wallet} on {message.token_mint}"
                " is not stored"
            )
        settings = self._steps.typed(SignalSettings)
        facts = reads.facts
        buy = swap.side == "buy"
        # a token first seen is discovered (HTTP) before the transaction below
        token = self._token(swap.token_mint, reads.token) if buy else None
        usual = usual_buy_of(reads.buy_sizes) if buy else None

        def history() -> list[Swap]:
            return self._wallets.wallet_swaps(swap.wallet, since=None, until=swap.timestamp)

        with self._atomic():
            owners: set[str] = set()
            if buy:
                # Buys of one token are scored one at a time: two scored at once would each
                # count the owners before the other's signal was stored, and both miss the
                # other in their consensus. The lock is held until this transaction ends.
                window = timedelta(minutes=settings.consensus_window_minutes)
                owners = self._signals.lock_and_consensus(
                    swap.token_mint,
                    since=swap.timestamp - window,
                    until=swap.timestamp,
                    exclude=(swap.signature, swap.wallet),
                )

            def entry_facts() -> EntryFacts:
                return EntryFacts(
                    wallet_score=facts.score,
                    confidence=facts.confidence,
                    owner_id=facts.owner_id,
                    consensus_owners=owners,
                    token=token,
                    usual_buy_sol=usual,
                )

            signal = signal_for(
                swap,
                owner_id=facts.owner_id,
                delivery=Delivery(
                    received_at=message.received_at, scored_at=self._clock.now(), via=message.via
                ),
                settings=settings,
                entry_facts=entry_facts,
                history=history,
            )
            signal_id = self._signals.add(signal)
            if signal_id is not None:
                self._outbox.put(_owed(signal, signal_id))
        if signal_id is None:
            bound.info("signal stored before; nothing written")
        else:
            bound.info(
                "signal scored",
                kind=signal.kind,
                accepted=signal.accepted,
                score=signal.score,
                reason=signal.reason,
            )
        return signal

    def _token(self, mint: str, stored: Token | None) -> Token | None:
        """The bought token as step 1 knows it; a token step 1 has not seen yet (a followed
        wallet buying minutes after launch, before any scan) is discovered and safety-checked
        now, as the Discovery tab's "add token" does: judged unknown, nearly every early buy
        of a smart wallet would be rejected. When no market knows it or a check fails, the
        signal is judged on what is known (its reason says the token was never checked)."""
        if stored is not None or self._discover_token is None:
            return stored
        try:
            return self._discover_token(mint)
        except NotFoundError:
            log.info("bought token unknown to the market", token=mint)
        except WallTrackError as exc:
            log.warning("bought token could not be checked", token=mint, error=str(exc))
        return None


def _owed(signal: Signal, signal_id: int) -> list[StepMessage]:
    """What a new signal owes the next steps: an accepted entry a position, an exit a check of
    the positions that follow its wallet (a rejected entry, nothing)."""
    if signal.kind == "entry":
        return [PositionOpenRequested.for_signal(signal_id)] if signal.accepted else []
    return [ExitCheckRequested.for_signal(signal_id)]

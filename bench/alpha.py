"""Benchmark: does the product find wallets worth copying? Measured through the product's path.

A simulated day is split at its midpoint. The world is built up to the midpoint and served on
127.0.0.1 (the real API shapes); the product's own application layer runs against it with an
embedded Postgres in a temp folder, its clock at the midpoint:
  1. `TokenDiscoveryJobs.scan` finds tokens (DexScreener feed, filters, safety checks);
  2. `WalletJobs.discover` reads each announced token's history through the Helius client
     (the product's caps and paging), parses it and picks candidates (wallet_scanner);
  3. `WalletJobs.profile` profiles each requested wallet (its own history, the tapes of the
     tokens it traded, Jupiter prices, the profiler) and stores the profile.
Only the judge reads the sim's truth: labels, copyable latencies and copy edges.

Judging (second half): the world is played on to the day's end and each ranked wallet's
second-half swaps (the market's records) are replayed by the product's copy replay
(`profile_wallet(...).copyability`: latency, slippage, fees, open copies marked at the day's
end) against the whole day's tapes. A top 20's copy PnL = the sum over its wallets (0.5 SOL per
copied buy, the product's default size).

Rankings of the qualified first-half profiles: the product's score; baselines by realised PnL,
by win rate, 20 random candidates (seeded); and the oracle: the 20 smart wallets with the best
whole-day truth copy edge at the product's latency (3 s), whether or not the product saw them.
Figures per seed: precision@20 (share of the top 20 that are smart wallets copyable at 3 s),
bot recall (sniper/wash profiles with enough trades flagged; copy bots shown apart), false-flag
rate among smart wallets with enough trades (qualified profiles are unflagged by definition, so
flags are judged on the `min_trades` population the product judges), the copy PnL of each top
20 and the share of the oracle's, Spearman of score vs truth copy edge (3 s for smart wallets,
the world's copyable edge for the others) among unflagged qualified wallets, and candidate
recall (copyable smart wallets the scanner ever made candidates, of all in the world and of
those that traded before the midpoint).

Signal quality (step 6, second half): the score's top 20 qualified wallets are followed by
the watchlist's rules (`FOLLOW`); each of their second-half buys goes through the product's
`SignalJobs.judge` on the first half's database, the market served as it stood 3 s after the
buy (so a token step 1 never stored is discovered and safety-checked then, as signal_score
does). Figures: accepted / rejected with the reasons, the share of each from copyable smart
wallets (truth at 3 s), and the copy PnL of copying the accepted vs the rejected buys (the
product's replay, split per copied buy, marked at the day's end).

Bench-only departures from a live installation (printed with the figures):
- one scan at the midpoint stands for the day's hourly scans: the feed lists every launched
  token (`feed_size`) and `min_txns_1h` is 0 (a token quiet now was busy when an hourly scan
  would have seen it); the other filters (liquidity, which judges pools only, 24 h volume,
  age) and safety are the product's defaults (seed 1 at the midpoint: 90 of 187 tokens pass;
  before bonding curves were judged without the pool liquidity rule, the bench set liquidity
  and volume to 0, as 0 of 187 passed);
- every upstream account's rate limit is raised (the sim serves with limits off), so a seed
  runs in minutes rather than the hours the free Helius plan would take;
- nothing else: the profile settings are the product's defaults (`min_trades` 10: half a
  calibrated day holds ~30 trades per smart wallet; the easy world's bench used 4, which lets
  hundreds of lucky 4-trade retail wallets into the ranking). ``--min-trades N`` overrides it.

Run: ``.venv/bin/python bench/alpha.py --seed 4 5 6 [--scenario calibrated|bench|default]
[--quick] [--min-trades N] [--dump DIR] [--check]`` from the repo root; several seeds end with
a one-line-per-seed table. Tuning seeds (item 5 of issue 13): 1, 2, 3; the others are held out.

Measured 2026-12-07 (calibrated world with insider bundles, product defaults, score shrunk
toward `score_prior` -0.3 (tuned on seeds 1-3); copy PnL in SOL over the second half):
  seed set      p@20 bot-recall smart-flagged score  rPnL    WR  random oracle share  rho cand
     1 tuning   0.75   1.00       17 %       -2.52 -3.63 -3.97  -8.71  -1.73   n/a +0.75 1.00
     2 tuning   0.75   1.00       15 %       +3.03 -6.51 +1.93  -5.05  +4.97  61 % +0.86 1.00
     3 tuning   0.90   1.00       19 %       -0.71 -1.84 -2.81  -4.69  +7.97  -9 % +0.81 0.97
     4 held out 0.90   1.00       12 %       +0.03 -1.80 -0.23  +2.64  +5.10   1 % +0.82 1.00
     5 held out 0.55   1.00       21 %       +4.00 -0.38 +1.10  -5.33 +11.41  35 % +0.68 1.00
     6 held out 0.85   1.00       20 %       +2.30 -0.19 -1.55  -1.74  +6.32  36 % +0.79 0.96
     7 held out 0.85   1.00       20 %       -2.77 -7.76 -4.92  -4.82  +1.91 -145 % +0.88 1.00
     8 held out 0.75   1.00       20 %       -0.51 -8.22 -1.78  -6.80  +4.82 -11 % +0.88 1.00
(shrunk toward 0, the same runs: p@20 0.70 0.70 0.90 | 0.85 0.50 0.75 0.80 0.75, score PnL
-2.95 +3.82 -0.71 | -0.59 +4.78 +1.17 -3.08 -0.33.) Why precision@20 stays under 0.9: of
the ~77-100 qualified wallets a seed, 47-59 are smart wallets whose truth edge at 3 s is under
the 0.03 copyable line, and the product's first-half copy edge is off the whole day's by 0.076
in the median (388 qualified smart wallets, seeds 1-5) while 27 % of them lie within 0.08 of
that line; the ceiling (copyable smart wallets among the qualified) is 1.00 except on seeds 5
(0.75: 15) and 6 (0.95: 19). The remaining misses are those near-line smart wallets and
retail wallets with 2-5 copied buys (each miss is printed with what the product saw).
Why the PnL targets are out of reach at this horizon: a copyable smart wallet's second-half
copy PnL is +0.20 / +0.03 / +0.27 SOL on average with a standard deviation of 0.49 / 0.56 /
0.57 (seeds 1-3; 45-66 % of them positive), so 20 wallets picked perfectly by label (p@20 =
1.00) would earn 4.1 / 0.5 / 5.5 SOL, sd ~2.4: 84 % / 11 % / 66 % of the oracle, whose top 20
is chosen with the whole day's truth. Half a day holds ~10 copied buys per wallet.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support

from sim.chain import T0
from sim.scenarios import named_scenario
from sim.server import SimConfig, SimServer
from sim.world import World, build_world
from tests.support.database import truncate_all
from tests.support.sim_market import (
    group,
    sol_per_usdc,
    spearman,
    swaps_of,
    token_histories,
    utc,
)
from tests.support.stack import market_env
from walltrack.app.container import Container, build_container
from walltrack.app.rate_limits import SharedRateLimiter
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.core.discovery.fifo import PRECISION, match_fifo, sol_trades
from walltrack.core.discovery.profiler import (
    MarketContext,
    _copy_fills,  # per-buy copy PnL (see copy_pnl_per_buy)
    _CopyCosts,
    profile_wallet,
)
from walltrack.core.watchlist.selection import select_watchlist
from walltrack.data.models.messages import QueueName, SignalScoreRequested
from walltrack.data.models.signals import Signal
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import Token
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.models.watchlist import WatchlistCandidate, WatchlistSettings
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations
from walltrack.data.postgres.rate_limits import RateLimitSlots
from walltrack.log import configure_logging
from walltrack.runtime.queues import MessageBody
from walltrack.services.base import RateLimit

TOP = 20
LATENCY_MS = "3000"  # the product's copy latency (WalletProfileSettings.copy_latency_seconds)
BOT_LABELS = ("sniper", "wash")
TUNING_SEEDS = (1, 2, 3)
TARGET_PRECISION = 0.9
TARGET_ORACLE_SHARE = 0.5
TARGET_CANDIDATE_RECALL = 0.8
SCAN_SETTINGS = {"min_txns_1h": 0, "scheduled_scan": False}
"""Token filters: the product's, but one midpoint scan stands for the hourly ones (module doc)."""
UNLIMITED = RateLimit(100_000, 1.0)
"""Every upstream account's rate for the bench: the sim serves with its limits off."""


class CollectingQueue:
    """A queue that keeps what the outbox relays to it: the bench runs each step itself, in
    order, instead of a runtime polling queues (the same jobs, no waiting)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        start = len(self.bodies)
        for body in bodies:
            self.bodies.append(json.loads(body) if isinstance(body, str) else dict(body))
        return [f"bench-{i}" for i in range(start, len(self.bodies))]

    def take(self, key: str) -> list[str]:
        """The `key` field of every message received since the last take, in order, once."""
        out = list(dict.fromkeys(str(b[key]) for b in self.bodies))
        self.bodies.clear()
        return out


@dataclass
class ProductRun:
    """What the product did at the midpoint."""

    tokens_launched: int
    tokens_found: list[str]
    candidates: set[str]
    profiles: dict[str, WalletProfile]
    failed_profiles: int
    timings: dict[str, float]
    scan_counts: dict[str, Any]
    tokens: dict[str, Token] = field(default_factory=dict)
    """Every token the product stored by the midpoint (what signal_score would read)."""


def _unlimited(app: Container) -> None:
    """Raise every upstream account's limit (module doc); the shared limiter stays in the path."""
    slots = RateLimitSlots(app.db)
    app.limiters = {
        account: SharedRateLimiter(slots, account, UNLIMITED) for account in app.limiters
    }


def run_product(
    world: World,
    *,
    pg_url: str,
    data_dir: Path,
    profile_settings: Mapping[str, Any],
    max_profiles: int | None,
) -> ProductRun:
    """Steps 1-3 of the product against `world` served as it stands (its now = the clock)."""
    timings: dict[str, float] = {}
    config = SimConfig(speed=0, feed_size=100_000)  # rate limits off (module doc)
    discovered, requested = CollectingQueue(), CollectingQueue()
    with SimServer(world, config) as sim:
        env = market_env(
            EnvSettings(_env_file=None, data_dir=data_dir, database_url=pg_url), sim.base_url
        )
        app = build_container(
            env,
            clock=ManualClock(utc(world.now_ms)),
            queues={"wallet_discovery": discovered, "wallet_profile": requested},
        )
        try:
            _unlimited(app)
            truncate_all(app.db)
            app.step_settings.update("token_discovery", SCAN_SETTINGS)
            app.step_settings.update("wallet_profile", dict(profile_settings))
            started = time.perf_counter()
            scan = app.token_jobs.scan()
            mints = discovered.take("mint")
            timings["scan"] = time.perf_counter() - started

            started = time.perf_counter()
            for mint in mints:
                app.wallet_jobs.discover(mint)
            wallets = requested.take("address")
            timings["discover"] = time.perf_counter() - started

            started = time.perf_counter()
            chosen = wallets
            if max_profiles is not None and len(wallets) > max_profiles:
                # sorted: the order messages arrive in follows set iteration in the product
                # (string hashing is salted per process), so the same seed sampled different
                # wallets on every run
                chosen = random.Random(world.seed).sample(sorted(wallets), max_profiles)
            profiles: dict[str, WalletProfile] = {}
            failed = 0
            for address in chosen:
                try:
                    profiles[address] = app.wallet_jobs.profile(address).profile
                except Exception as exc:  # noqa: BLE001 - counted and shown; the bench goes on
                    failed += 1
                    print(f"  profile of {address} failed: {type(exc).__name__}: {exc}")
            timings["profile"] = time.perf_counter() - started
            stored = {
                t.mint: token
                for t in world.tokens[1:]
                if t.created_ms <= world.now_ms and (token := app.tokens.get(t.mint)) is not None
            }
        finally:
            app.close()
    launched = sum(1 for t in world.tokens[1:] if t.created_ms <= world.now_ms)
    return ProductRun(
        tokens_launched=launched,
        tokens_found=mints,
        candidates=set(wallets),
        profiles=profiles,
        failed_profiles=failed,
        timings=timings,
        scan_counts=scan.counts(),
        tokens=stored,
    )


def second_half_pnl(
    world: World, wallets: Iterable[str], mid_ms: int, settings: WalletProfileSettings
) -> dict[str, float]:
    """Each wallet's out-of-sample copy PnL (SOL): the product's replay over its second-half
    swaps, the whole day's tapes, open copies marked at the day's end (`world` at the end)."""
    wanted = set(wallets)
    midpoint = utc(mid_ms)
    swaps = swaps_of(world)
    later = [s for s in swaps if s.timestamp >= midpoint and s.wallet in wanted]
    by_wallet = group(later, "wallet")
    price = sol_per_usdc(world)
    traded = {s.token_mint for s in later}
    tapes = token_histories(
        world, group((s for s in swaps if s.token_mint in traded), "token_mint"), price
    )
    # the replay on the second half alone: every trade there counts, whatever min_trades says
    judge = settings.model_copy(update={"min_trades": 1})
    now = utc(world.now_ms)
    out = dict.fromkeys(wanted, 0.0)
    for wallet, own in by_wallet.items():
        market = MarketContext(
            tokens={s.token_mint: tapes[s.token_mint] for s in own}, sol_per_usdc=price
        )
        profile = profile_wallet(wallet=wallet, swaps=own, market=market, settings=judge, now=now)
        out[wallet] = float(profile.copyability.pnl_sol)
    return out


FOLLOW = WatchlistSettings(min_score=-2.0, max_wallets=TOP)
"""Who the bench follows in the second half: the watchlist's rules (qualified, unflagged,
confidence, per-owner cap) on the first-half profiles, but the score's top 20 whatever their
sign: the default `min_score` 0 lists almost none of the calibrated world's scores (shrunk
toward the -0.3 prior), and what is measured here is step 6's filter, not that threshold (the
default selection's size is printed beside)."""


def followed_wallets(
    profiles: Mapping[str, WalletProfile], settings: WatchlistSettings = FOLLOW
) -> list[str]:
    """The wallets step 5's selection lists from these profiles (no pins or bans; no owners:
    the bench runs no clustering, each wallet is its own)."""
    candidates = [
        WatchlistCandidate(
            address=p.wallet,
            score=p.score,
            confidence=p.breakdown.confidence,
            qualified=p.qualified,
            qualification=p.qualification,
            bot_flags=tuple(f.kind for f in p.bot_flags),
        )
        for p in profiles.values()
    ]
    return [d.address for d in select_watchlist(candidates, {}, settings) if d.listed]


def product_signals(
    world: World,
    future: World,
    mid_ms: int,
    watched: Iterable[str],
    *,
    pg_url: str,
    data_dir: Path,
) -> list[Signal]:
    """Each second-half buy of a followed wallet through step 6's own job, in on-chain order,
    on the database the first half left (profiles, tokens): the swap stored as ingest stores
    it, the market served as it stood 3 s after the buy (the world played on to then), the
    business clock there, then `SignalJobs.judge` — default Signals settings, a token step 1
    never saw discovered and checked then (what signal_score does), consensus from the signals
    before it (each wallet its own owner: the bench runs no clustering). `future` is the same
    world built to the day's end: it says which buys come, never what the product reads."""
    wanted = set(watched)
    midpoint = utc(mid_ms)
    buys = sorted(
        (
            s
            for s in swaps_of(future)
            if s.timestamp >= midpoint and s.wallet in wanted and s.side == "buy"
        ),
        key=lambda s: (s.timestamp, s.slot, s.signature),
    )
    delay = timedelta(seconds=3)
    clock = ManualClock(midpoint)
    sinks: dict[QueueName, Any] = {
        queue: CollectingQueue() for queue in ("wallet_discovery", "position_open", "exit_check")
    }
    signals: list[Signal] = []
    with SimServer(world, SimConfig(speed=0, feed_size=100_000)) as sim:
        env = market_env(
            EnvSettings(_env_file=None, data_dir=data_dir, database_url=pg_url), sim.base_url
        )
        app = build_container(env, clock=clock, queues=sinks)
        try:
            _unlimited(app)
            for swap in buys:
                seen = swap.timestamp + delay
                world.advance_to(int(seen.timestamp() * 1000))
                clock.set(seen)
                app.wallets.add_swaps([swap])
                message = SignalScoreRequested.for_swap(
                    signature=swap.signature,
                    wallet=swap.wallet,
                    token_mint=swap.token_mint,
                    received_at=seen,
                    via="webhook",
                )
                signals.append(app.signal_jobs.judge(message))
        finally:
            app.close()
    return signals


def copy_pnl_per_buy(
    world: World, wallets: Iterable[str], mid_ms: int, settings: WalletProfileSettings
) -> dict[tuple[str, str], float]:
    """(signature, mint) of each copied second-half buy -> its copy PnL (SOL): the product's
    copy replay of each wallet's second half (as `second_half_pnl`), split per copied buy the
    way the replay's own stats split it (sales of its lot + the open rest marked at the day's
    end, minus its cost). The replay keeps that split inside (`_copy_stats`), so the bench
    reads its fills itself rather than change the product for a figure only it needs."""
    wanted = set(wallets)
    midpoint = utc(mid_ms)
    swaps = swaps_of(world)
    later = [s for s in swaps if s.timestamp >= midpoint and s.wallet in wanted]
    price = sol_per_usdc(world)
    traded = {s.token_mint for s in later}
    tapes = token_histories(
        world, group((s for s in swaps if s.token_mint in traded), "token_mint"), price
    )
    judge = settings.model_copy(update={"min_trades": 1})
    costs = _CopyCosts.of(judge)
    out: dict[tuple[str, str], float] = {}
    for own in group(later, "wallet").values():
        ordered: list[Swap] = sorted(own, key=lambda s: (s.timestamp, s.slot))
        market = MarketContext(
            tokens={s.token_mint: tapes[s.token_mint] for s in own}, sol_per_usdc=price
        )
        with localcontext() as ctx:
            ctx.prec = PRECISION
            trades, _ = sol_trades(ordered, sol_per_usdc=price)
            fills, _ = _copy_fills(trades, market, judge)
            ledger = match_fifo(fills)
            back: dict[str, Decimal] = defaultdict(Decimal)
            for rt in ledger.round_trips:
                back[rt.buy_signature] += rt.proceeds_sol
            for lot in ledger.open_lots:
                tape = market.tokens.get(lot.token_mint)
                mark = tape.mark_price() if tape is not None else None
                back[lot.buy_signature] += costs.exit_value(lot.quantity, mark)
            for fill in fills:
                if fill.side == "buy":
                    _, signature, mint = fill.signature.split(":", 2)
                    pnl = back[fill.signature] - costs.size_sol - costs.fee_sol
                    out[(signature, mint)] = float(pnl)
    return out


@dataclass
class SignalQuality:
    """Step 6 judged on the second half (see `signal_quality`)."""

    followed: int
    followed_copyable: int
    default_followed: int
    signals: int
    accepted: int
    accepted_copyable: int
    rejected_copyable: int
    accepted_copied: int
    rejected_copied: int
    pnl_accepted: float
    pnl_rejected: float
    unknown_token: int
    reasons: list[tuple[str, int]]

    def share(self, part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "n/a"


def signal_quality(
    world: World,
    product: ProductRun,
    signals: Sequence[Signal],
    followed: Sequence[str],
    mid_ms: int,
    settings: WalletProfileSettings,
) -> SignalQuality:
    """Step 6 on the second half (`product_signals`, `world` now at the day's end): the share
    of accepted signals
    from copyable smart wallets (the truth, at 3 s), and the copy PnL of copying the accepted
    vs the rejected buys (0.5 SOL each, the replay's fills and costs)."""
    truth = {w["address"]: w for w in world.truth()["wallets"]}
    copyable = {a for a, w in truth.items() if _copyable(w)}
    pnl = copy_pnl_per_buy(world, followed, mid_ms, settings)
    accepted = [s for s in signals if s.accepted]
    rejected = [s for s in signals if not s.accepted]

    def copied(group_: Sequence[Signal]) -> list[float]:
        return [v for s in group_ if (v := pnl.get((s.signature, s.token_mint))) is not None]

    def reason(text: str) -> str:
        """A rejection's kind (its figures left out)."""
        kinds = (
            ("unsafe token", "unsafe token"),
            ("token safety not established", text),
            ("liquidity", "liquidity too low"),
            ("token-for-token", "token-for-token"),
            ("score", "score under min_score"),
        )
        for prefix, kind in kinds:
            if text.startswith(prefix):
                return kind
        if text.startswith("token ") and " h old" in text:
            return "token too old"
        if text.startswith("buy "):
            return "buy too small" if " under " in text else "buy too large"
        return text

    kept, dropped = copied(accepted), copied(rejected)
    return SignalQuality(
        followed=len(followed),
        followed_copyable=len(copyable & set(followed)),
        default_followed=len(followed_wallets(product.profiles, WatchlistSettings())),
        signals=len(signals),
        accepted=len(accepted),
        accepted_copyable=sum(s.wallet in copyable for s in accepted),
        rejected_copyable=sum(s.wallet in copyable for s in rejected),
        accepted_copied=len(kept),
        rejected_copied=len(dropped),
        pnl_accepted=sum(kept),
        pnl_rejected=sum(dropped),
        unknown_token=sum(s.token_mint not in product.tokens for s in signals),
        reasons=Counter(reason(s.reason) for s in rejected).most_common(4),
    )


def signal_lines(q: SignalQuality) -> list[str]:
    return [
        f"signals (2nd half): following the score's top {q.followed} by the watchlist's rules"
        f" ({q.followed_copyable} copyable smart; its default min_score"
        f" {WatchlistSettings().min_score} would follow"
        f" {q.default_followed}): {q.signals} buy signals, {q.accepted} accepted"
        f" ({q.share(q.accepted, q.signals)}); {q.unknown_token} on tokens step 1 had not"
        " stored by the midpoint (discovered and checked by signal_score)",
        f"  from copyable smart wallets: accepted {q.share(q.accepted_copyable, q.accepted)},"
        f" rejected {q.share(q.rejected_copyable, q.signals - q.accepted)}",
        f"  copy PnL: accepted {q.pnl_accepted:+.2f} SOL over {q.accepted_copied} copied buys,"
        f" rejected {q.pnl_rejected:+.2f} SOL over {q.rejected_copied}",
        "  rejected because: " + ", ".join(f"{r} {n}" for r, n in q.reasons),
    ]


@dataclass
class Outcome:
    seed: int
    scenario: str
    tuned: bool
    product: ProductRun
    qualified: int
    precision: dict[str, float]
    pnl: dict[str, float]
    bot_recall: float
    bots: int
    copy_bots: int
    copy_bots_flagged: int
    smart_qualified: int
    smart_flagged: int
    rho_unflagged: float
    copyable_world: int
    copyable_first_half: int
    copyable_seen: int
    copyable_profiled: int
    copyable_qualified: int
    oracle_in_candidates: int
    top_labels: dict[str, int] = field(default_factory=dict)
    top_misses: list[str] = field(default_factory=list)
    """Each wallet of the score's top 20 that is not copyable smart: what the profile showed."""
    labels: dict[str, Any] = field(default_factory=dict)
    """Per profiled wallet: label, copyable, truth edge, 2nd-half copy PnL (for `--dump`)."""
    timings: dict[str, float] = field(default_factory=dict)
    signals: SignalQuality | None = None

    @property
    def oracle_share(self) -> float:
        oracle = self.pnl["oracle"]
        return self.pnl["score"] / oracle if oracle > 0 else float("nan")

    @property
    def ceiling(self) -> float:
        """The best precision@20 any ranking of the qualified profiles could reach."""
        return min(TOP, self.copyable_qualified) / TOP

    @property
    def candidate_recall(self) -> float:
        return self.copyable_seen / self.copyable_world if self.copyable_world else float("nan")

    def misses(self) -> list[str]:
        out = []
        if self.precision["score"] < TARGET_PRECISION:
            out.append(f"precision@{TOP} {self.precision['score']:.2f} < {TARGET_PRECISION}")
        if not self.oracle_share >= TARGET_ORACLE_SHARE:
            out.append(f"oracle share {self.oracle_share:.2f} < {TARGET_ORACLE_SHARE}")
        beaten = [
            k for k in ("realised PnL", "win rate", "random") if self.pnl["score"] <= self.pnl[k]
        ]
        if beaten:
            out.append("top-20 copy PnL not above " + ", ".join(beaten))
        if self.candidate_recall < TARGET_CANDIDATE_RECALL:
            out.append(f"candidate recall {self.candidate_recall:.2f} < {TARGET_CANDIDATE_RECALL}")
        return out


def _rho(pairs: Sequence[tuple[float, float]]) -> float:
    if len(pairs) < 3:
        return float("nan")
    return spearman([x for x, _ in pairs], [y for _, y in pairs])


def _truth_edge(entry: Mapping[str, Any]) -> float | None:
    """The truth's copy edge at the product's latency (smart wallets), else the world's
    copyable edge (the classic definition, the only one other labels carry)."""
    by_latency = entry.get("copyEdgeByLatencyMs")
    if by_latency is not None:
        edge = by_latency.get(LATENCY_MS)
        return None if edge is None else float(edge)
    edge = entry.get("copyableEdge")
    return None if edge is None else float(edge)


def _copyable(entry: Mapping[str, Any]) -> bool:
    if entry["label"] != "smart":
        return False
    if "copyableAtMs" in entry:
        return int(LATENCY_MS) in entry["copyableAtMs"]
    edge = entry.get("copyableEdge")  # the classic worlds: copyable at the sim's own latency
    return edge is not None and edge > 0


def _kind(address: str, label: Mapping[str, str], copyable: set[str]) -> str:
    """Copyable smart, smart but not copyable at our latency (the truth knows), or the label."""
    if address in copyable:
        return "copyable smart"
    name = label.get(address, "?")
    return f"smart not copyable at {int(LATENCY_MS) // 1000} s" if name == "smart" else name


MISS_HEADER = (
    f"{'rank':>4} {'kind':<26}{'score':>7}{'conf':>6}{'copied':>7}{'trades':>7}{'trips':>6}"
    f"{'capped':>8}{'w/o best':>9}{'copy WR':>8}{'pooled':>8}{'truth':>8}"
)
"""The score's inputs (copied buys, capped edge, edge without the best buy, copy win rate),
the pooled uncapped copy edge, and the truth's copy edge at 3 s (the judge's only)."""


def _miss_line(rank: int, kind: str, p: WalletProfile, truth_edge: float | None) -> str:
    c = p.copyability

    def num(value: Any) -> float:
        return float("nan") if value is None else float(value)

    return (
        f"{rank:>4} {kind:<26}{p.score:>+7.3f}{p.breakdown.confidence:>6.2f}{c.copied_buys:>7}"
        f"{p.trades:>7}{len(p.round_trips):>6}{num(c.capped_edge):>+8.3f}"
        f"{num(c.capped_edge_without_best):>+9.3f}{num(c.win_rate):>8.2f}{num(c.edge):>+8.3f}"
        f"{num(truth_edge):>+8.3f}"
    )


def judge(
    seed: int,
    scenario: str,
    world: World,
    product: ProductRun,
    mid_ms: int,
    settings: WalletProfileSettings,
    first_half_wallets: set[str],
) -> Outcome:
    """The figures (module doc); `world` has been played on to the day's end."""
    truth = {w["address"]: w for w in world.truth()["wallets"]}
    label = {a: world.role[i] for a, i in world.by_addr.items()}
    label.update({a: w["label"] for a, w in truth.items()})
    ranked = [p for p in product.profiles.values() if p.qualified]
    # Flags are judged where the product judges them: every profile with enough trades
    # (`qualified` leaves flagged wallets out, so it cannot measure a flag).
    judged_flags = [p for p in product.profiles.values() if p.trades >= settings.min_trades]
    copyable = {a for a, w in truth.items() if _copyable(w)}

    def top(key: Callable[[WalletProfile], float]) -> list[str]:
        return [p.wallet for p in sorted(ranked, key=key, reverse=True)[:TOP]]

    pool = sorted(product.candidates)
    smart_edges = sorted(
        (
            (e, a)
            for a, w in truth.items()
            if w["label"] == "smart" and (e := _truth_edge(w)) is not None
        ),
        reverse=True,
    )
    tops = {
        "score": top(lambda p: p.score),
        "realised PnL": top(lambda p: float(p.realised_pnl_sol)),
        "win rate": top(lambda p: p.win_rate or 0.0),
        "random": random.Random(seed).sample(pool, min(TOP, len(pool))),
        "oracle": [a for _, a in smart_edges[:TOP]],
    }
    judged = {a for t in tops.values() for a in t} | {p.wallet for p in ranked}
    pnl_of = second_half_pnl(world, judged, mid_ms, settings)
    bots = [p for p in judged_flags if label.get(p.wallet) in BOT_LABELS]
    copy_bots = [p for p in judged_flags if label.get(p.wallet) == "copy"]
    smart = [p for p in judged_flags if label.get(p.wallet) == "smart"]
    unflagged = [p for p in ranked if not p.is_bot]
    known = [
        (p.score, e) for p in unflagged if (e := _truth_edge(truth.get(p.wallet, {}))) is not None
    ]
    return Outcome(
        seed=seed,
        scenario=scenario,
        tuned=seed in TUNING_SEEDS,
        product=product,
        qualified=len(ranked),
        precision={k: sum(a in copyable for a in v) / TOP for k, v in tops.items()},
        pnl={k: sum(pnl_of.get(a, 0.0) for a in v) for k, v in tops.items()},
        bot_recall=sum(p.is_bot for p in bots) / len(bots) if bots else float("nan"),
        bots=len(bots),
        copy_bots=len(copy_bots),
        copy_bots_flagged=sum(p.is_bot for p in copy_bots),
        smart_qualified=len(smart),
        smart_flagged=sum(p.is_bot for p in smart),
        rho_unflagged=_rho(known),
        copyable_world=len(copyable),
        copyable_first_half=len(copyable & first_half_wallets),
        copyable_seen=len(copyable & product.candidates),
        copyable_profiled=len(copyable & set(product.profiles)),
        copyable_qualified=sum(p.wallet in copyable for p in ranked),
        oracle_in_candidates=len(set(tops["oracle"]) & product.candidates),
        labels={
            p.wallet: {
                "label": label.get(p.wallet),
                "copyable": p.wallet in copyable,
                "edge": _truth_edge(truth.get(p.wallet, {})),
                "pnl": pnl_of.get(p.wallet, 0.0),
            }
            for p in product.profiles.values()
        },
        top_labels=dict(Counter(_kind(a, label, copyable) for a in tops["score"]).most_common()),
        top_misses=[
            _miss_line(
                rank,
                _kind(a, label, copyable),
                product.profiles[a],
                _truth_edge(truth.get(a, {})),
            )
            for rank, a in enumerate(tops["score"], 1)
            if a not in copyable
        ],
    )


def run_seed(
    seed: int,
    scenario_name: str,
    *,
    pg_url: str,
    data_dir: Path,
    profile_settings: Mapping[str, Any],
    max_profiles: int | None,
) -> Outcome:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    scenario = named_scenario(scenario_name, seed)
    mid_ms = T0 * 1000 - int(scenario.history_hours * 1_800_000)
    world = build_world(scenario, until_ms=mid_ms)
    timings["world to midpoint"] = time.perf_counter() - started
    first_half = {world.addr[w] for w in set(world.t_wallet)}
    product = run_product(
        world,
        pg_url=pg_url,
        data_dir=data_dir,
        profile_settings=profile_settings,
        max_profiles=max_profiles,
    )
    timings.update(product.timings)
    started = time.perf_counter()
    followed = followed_wallets(product.profiles)
    future = build_world(scenario)
    signals = product_signals(world, future, mid_ms, followed, pg_url=pg_url, data_dir=data_dir)
    del future
    timings["signals"] = time.perf_counter() - started
    started = time.perf_counter()
    world.advance_to(world.history_end_ms)
    settings = WalletProfileSettings(**profile_settings)
    outcome = judge(seed, scenario_name, world, product, mid_ms, settings, first_half)
    timings["judge"] = time.perf_counter() - started
    started = time.perf_counter()
    outcome.signals = signal_quality(world, product, signals, followed, mid_ms, settings)
    timings["signal quality"] = time.perf_counter() - started
    outcome.timings = timings
    return outcome


RECORDED: dict[str, dict[str, Any]] = {}
"""`--dump`: each profile's inputs, as the product's profile_address passed them."""


def _record_profiler_inputs() -> None:
    """Diagnostics only (`--dump`): wrap the profiler the product calls so its inputs can be
    replayed offline while tuning; the product's path is otherwise unchanged."""
    from walltrack.core.discovery import wallets  # noqa: PLC0415

    real = wallets.profile_wallet

    def recording(**kwargs: Any) -> WalletProfile:
        RECORDED[kwargs["wallet"]] = {k: kwargs[k] for k in ("swaps", "market", "now")}
        return real(**kwargs)

    wallets.profile_wallet = recording  # type: ignore[assignment]


def _dump(path: Path, outcome: Outcome) -> None:
    import pickle  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        pickle.dump({"inputs": dict(RECORDED), "labels": outcome.labels}, out)
    RECORDED.clear()


RANKS = ("score", "realised PnL", "win rate", "random", "oracle")


def report(o: Outcome) -> str:
    p = o.product
    lines = [
        f"seed {o.seed} ({o.scenario}{', tuning seed' if o.tuned else ', held out'}): "
        f"{p.tokens_launched} tokens launched by the midpoint, {len(p.tokens_found)} found by "
        f"the scan; {len(p.candidates)} candidates, {len(p.profiles)} profiled "
        f"({p.failed_profiles} failed), {o.qualified} qualified",
        f"scan: {p.scan_counts}",
        f"bot recall {o.bot_recall:.2f} ({o.bots} sniper/wash profiles with enough trades); "
        f"copy bots flagged {o.copy_bots_flagged}/{o.copy_bots}; smart wallets flagged "
        f"{o.smart_flagged}/{o.smart_qualified} ({_share(o.smart_flagged, o.smart_qualified)})",
        f"copyable smart wallets at {LATENCY_MS} ms: {o.copyable_world} in the world, "
        f"{o.copyable_first_half} traded before the midpoint, {o.copyable_seen} made candidates "
        f"(recall {o.candidate_recall:.2f}), {o.copyable_profiled} profiled, "
        f"{o.copyable_qualified} qualified (ceiling: precision@{TOP} {o.ceiling:.2f} for a "
        f"perfect ranking of the qualified); oracle top 20 among candidates "
        f"{o.oracle_in_candidates}",
        f"spearman(score, truth copy edge) among unflagged qualified: {o.rho_unflagged:+.3f}",
        "top 20 by score: " + ", ".join(f"{k} {v}" for k, v in o.top_labels.items()),
        *(
            (f"misses in the top {TOP} (what the product saw):", MISS_HEADER)
            if o.top_misses
            else ()
        ),
        *o.top_misses,
        "",
        f"{'top 20 by':<14}{'precision@20':>13}{'2nd-half copy PnL (SOL)':>25}{'of oracle':>11}",
    ]
    oracle = o.pnl["oracle"]
    for name in RANKS:
        share = o.pnl[name] / oracle if oracle > 0 else float("nan")
        lines.append(f"{name:<14}{o.precision[name]:>13.2f}{o.pnl[name]:>+25.2f}{share:>11.0%}")
    if o.signals is not None:
        lines += ["", *signal_lines(o.signals)]
    lines += [
        "",
        "timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in o.timings.items()),
    ]
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def summary(outcomes: Sequence[Outcome]) -> str:
    lines = [
        f"{'seed':>4} {'set':<9}{'p@20':>6}{'bot rec':>8}{'smart ff':>9}{'score':>8}"
        f"{'PnL':>7}{'WR':>7}{'random':>8}{'oracle':>8}{'share':>7}{'rho':>7}{'cand rec':>9}"
    ]
    for o in outcomes:
        lines.append(
            f"{o.seed:>4} {'tuning' if o.tuned else 'held out':<9}{o.precision['score']:>6.2f}"
            f"{o.bot_recall:>8.2f}{_share(o.smart_flagged, o.smart_qualified):>9}"
            f"{o.pnl['score']:>+8.2f}{o.pnl['realised PnL']:>+7.2f}{o.pnl['win rate']:>+7.2f}"
            f"{o.pnl['random']:>+8.2f}{o.pnl['oracle']:>+8.2f}{o.oracle_share:>7.0%}"
            f"{o.rho_unflagged:>+7.2f}{o.candidate_recall:>9.2f}"
        )
    lines.append("(copy PnL in SOL over the second half, 0.5 SOL per copied buy)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, nargs="+", required=True, help="one world per seed")
    parser.add_argument("--scenario", default="calibrated", help="sim scenario (sim.scenarios)")
    parser.add_argument(
        "--min-trades", type=int, help="qualify profiles with this many trades (default: 10)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="profile a random 600 of the candidates"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--dump",
        type=Path,
        help="pickle each seed's profiler inputs, labels and truth edges here (for tuning)",
    )
    args = parser.parse_args()
    if args.dump is not None:
        _record_profiler_inputs()
    configure_logging(level="ERROR")
    profile_settings = {} if args.min_trades is None else {"min_trades": args.min_trades}
    outcomes: list[Outcome] = []
    missed = False
    with tempfile.TemporaryDirectory(prefix="wt-alpha-") as tmp:
        data_dir = Path(tmp)
        pg_url = ensure_embedded_postgres(data_dir)
        try:
            apply_migrations(pg_url)
            for seed in args.seed:
                outcome = run_seed(
                    seed,
                    args.scenario,
                    pg_url=pg_url,
                    data_dir=data_dir,
                    profile_settings=profile_settings,
                    max_profiles=600 if args.quick else None,
                )
                outcomes.append(outcome)
                if args.dump is not None:
                    _dump(args.dump / f"seed{seed}.pickle", outcome)
                print(report(outcome))
                misses = outcome.misses()
                missed = missed or bool(misses)
                print(
                    "PASS" if not misses else "MISSED: " + "; ".join(misses), end="\n\n", flush=True
                )
        finally:
            stop_embedded_postgres(data_dir)
    print(summary(outcomes))
    if args.check and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Benchmark: does the wallet score (step 3) predict which wallets are worth copying next?

A simulated day is fast-forwarded and split at its midpoint. Every wallet is profiled on the
first half only, as the product would have at the midpoint: only first-half swaps, token tapes
of first-half prints, launches and pool events up to the midpoint, the current quote = the last
first-half print, SOL/USDC as it stood then. Each wallet's realised copy edge in the second half
is the profiler's own copy replay over its second-half swaps (profile_wallet at the end of the
day on those swaps alone, `.copyability.edge`; the tapes are then the whole day's).

Qualified first-half profiles are ranked by the score and, as baselines, by realised PnL and by
win rate. Figures per ranking: precision@20 (share of the sim's smart wallets in the top 20),
bots (sniper/wash) in the top 20, Spearman's rho against the second-half copy edge (wallets
with one) and against the sim's whole-day copyable edge. Bot recall: share of the sniper and
wash profiles the profiler flags. Targets: precision@20 >= 0.9, bot recall >= 0.9, rho > 0.5.
Only the figures read the truth, never the profiler.

Settings: the product's defaults are for a 30-day lookback (10 trades to qualify). Half a
simulated day holds ~5 buys per smart wallet, so that threshold leaves most smart wallets
unqualified. The bench therefore qualifies wallets with `min_trades` 4 (two copied round
trips, the least evidence that has an average and a spread; printed with the figures);
everything else, the confidence n/(n + 10) and the copy replay's costs included, is the
product's. ``--product-defaults`` runs the product's defaults throughout.

Swaps: by default the product's own parser reads them from the world's rendered Helius enhanced
transactions (`--swaps parser`), so a parser error shows in the figures; `--swaps records`
takes them from the market's own records instead, and `--swaps both` runs each seed both ways.

Run: ``.venv/bin/python bench/alpha.py --seed 7 [11 3 ...] [--hours 24] [--product-defaults]
[--swaps parser|records|both] [--check]`` (several seeds end with a one-line-per-seed summary)
(from the repo root; ``--check`` exits 1 when a target is missed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support

from sim.chain import T0
from sim.world import World
from tests.support.sim_market import (
    day_world,
    group,
    parsed_swaps_of,
    profile_all,
    sol_per_usdc,
    spearman,
    swaps_of,
    token_histories,
    utc,
)
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

TOP = 20
BOT_LABELS = ("sniper", "wash")
TARGET_PRECISION = 0.9
TARGET_RECALL = 0.9
TARGET_RHO = 0.5
WINDOW_SETTINGS = {"min_trades": 4}
"""Evidence settings for a half-day window (module doc); everything else is the default."""


def window_settings(*, product_defaults: bool = False) -> WalletProfileSettings:
    return WalletProfileSettings(**({} if product_defaults else WINDOW_SETTINGS))


def by_score(p: WalletProfile) -> float:
    return p.score


def by_realised_pnl(p: WalletProfile) -> float:
    return float(p.realised_pnl_sol)


def by_win_rate(p: WalletProfile) -> float:
    return p.win_rate or 0.0


RANKINGS: tuple[tuple[str, Callable[[WalletProfile], float]], ...] = (
    ("score", by_score),
    ("realised PnL", by_realised_pnl),
    ("win rate", by_win_rate),
)


@dataclass(frozen=True)
class Figures:
    precision: float
    bots_in_top: int
    rho_second_half: float
    rho_truth: float


@dataclass(frozen=True)
class Outcome:
    seed: int
    swaps: str  # "parser" (the product's parser on the rendered transactions) or "records"
    hours: float
    settings: dict[str, float]
    profiled: int
    qualified: int
    with_edge: int
    bot_recall: float
    bots: int
    smart_flagged: int
    rho_unflagged: float
    smart_qualified: int
    rho_oracle: float
    figures: dict[str, Figures]
    timings: dict[str, float]

    def misses(self) -> list[str]:
        score = self.figures["score"]
        out = []
        if score.precision < TARGET_PRECISION:
            out.append(f"precision@{TOP} {score.precision:.2f} < {TARGET_PRECISION}")
        if self.bot_recall < TARGET_RECALL:
            out.append(f"bot recall {self.bot_recall:.2f} < {TARGET_RECALL}")
        if not score.rho_second_half > TARGET_RHO:
            out.append(f"spearman {score.rho_second_half:+.3f} <= {TARGET_RHO}")
        return out


def _rho(
    profiles: Sequence[WalletProfile],
    key: Callable[[WalletProfile], float],
    edge: dict[str, float | None],
) -> float:
    known = [p for p in profiles if edge.get(p.wallet) is not None]
    if len(known) < 3:
        return float("nan")
    return spearman([key(p) for p in known], [edge[p.wallet] or 0.0 for p in known])


def _labels(world: World) -> tuple[dict[str, str], dict[str, float | None]]:
    """Hidden labels (agents from the truth, anyone else by role) and whole-day copy edges."""
    truth = world.truth()["wallets"]
    label = {a: world.role[i] for a, i in world.by_addr.items()}
    label.update({w["address"]: w["label"] for w in truth})
    return label, {w["address"]: w["copyableEdge"] for w in truth}


def run(
    seed: int,
    hours: float,
    settings: WalletProfileSettings | None = None,
    *,
    source: str = "parser",
) -> Outcome:
    settings = settings or window_settings()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    # The world at the midpoint (SOL/USDC as it stood), then fast-forwarded to the day's end
    mid_ms = T0 * 1000 - int(hours * 1_800_000)  # the history runs from T0 - hours to T0
    world = day_world(seed, hours=hours, until_ms=mid_ms)
    price_mid = sol_per_usdc(world)
    world.advance_to(world.history_end_ms)
    price_end = sol_per_usdc(world)
    assert world.start_ms < mid_ms < world.history_end_ms
    lap("world")
    swaps = parsed_swaps_of(world) if source == "parser" else swaps_of(world)
    midpoint = utc(mid_ms)
    first = [s for s in swaps if s.timestamp < midpoint]
    second = [s for s in swaps if s.timestamp >= midpoint]
    lap("swaps")

    tapes_mid = token_histories(world, group(first, "token_mint"), price_mid, cutoff_ms=mid_ms - 1)
    early = profile_all(
        group(first, "wallet"), tapes_mid, price_mid, now=midpoint, settings=settings
    )
    ranked = [p for p in early.values() if p.qualified]
    lap("profile first half")

    tapes_end = token_histories(world, group(swaps, "token_mint"), price_end)
    later_swaps = group((s for s in second if s.wallet in {p.wallet for p in ranked}), "wallet")
    later = profile_all(later_swaps, tapes_end, price_end, now=utc(world.now_ms), settings=settings)
    edge: dict[str, float | None] = {
        w: None if p.copyability.edge is None else float(p.copyability.edge)
        for w, p in later.items()
    }
    lap("replay second half")

    label, truth_edge = _labels(world)
    figures = {}
    for name, key in RANKINGS:
        top = sorted(ranked, key=key, reverse=True)[:TOP]
        figures[name] = Figures(
            precision=sum(label[p.wallet] == "smart" for p in top) / TOP,
            bots_in_top=sum(label[p.wallet] in BOT_LABELS for p in top),
            rho_second_half=_rho(ranked, key, edge),
            rho_truth=_rho(ranked, key, truth_edge),
        )
    bots = [p for p in ranked if label[p.wallet] in BOT_LABELS]
    unflagged = [p for p in ranked if not p.is_bot]
    # Ceiling of the rank correlation: each wallet ranked by its true label's mean edge
    per_label: dict[str, list[float]] = {}
    for p in ranked:
        if (e := edge.get(p.wallet)) is not None:
            per_label.setdefault(label[p.wallet], []).append(e)
    label_mean = {k: statistics.mean(v) for k, v in per_label.items()}
    return Outcome(
        seed=seed,
        swaps=source,
        hours=hours,
        settings={k: getattr(settings, k) for k in ("min_trades", "confidence_k")},
        profiled=len(early),
        qualified=len(ranked),
        with_edge=sum(edge.get(p.wallet) is not None for p in ranked),
        bot_recall=sum(p.is_bot for p in bots) / len(bots) if bots else float("nan"),
        bots=len(bots),
        smart_flagged=sum(p.is_bot for p in ranked if label[p.wallet] == "smart"),
        rho_unflagged=_rho(unflagged, by_score, edge),
        smart_qualified=sum(label[p.wallet] == "smart" for p in ranked),
        rho_oracle=_rho(ranked, lambda p: label_mean.get(label[p.wallet], 0.0), edge),
        figures=figures,
        timings=timings,
    )


def report(o: Outcome, swaps_per_half: tuple[int, int] | None = None) -> str:
    lines = [
        f"seed {o.seed} (swaps: {o.swaps}), {o.hours:g} h split at the midpoint: "
        f"{o.profiled} wallets profiled on "
        f"the first half, {o.qualified} qualified, {o.with_edge} with a second-half copy edge",
        "settings: "
        + ", ".join(f"{k} {v:g}" for k, v in o.settings.items())
        + " (others: product defaults)",
        f"bot recall {o.bot_recall:.2f} ({o.bots} sniper/wash profiles; target >= "
        f"{TARGET_RECALL}), smart wallets flagged {o.smart_flagged}",
        "",
        f"{'ranking':<14}{'precision@20':>13}{'bots@20':>9}{'rho 2nd half':>14}{'rho truth':>11}",
    ]
    for name, f in o.figures.items():
        lines.append(
            f"{name:<14}{f.precision:>13.2f}{f.bots_in_top:>9}"
            f"{f.rho_second_half:>+14.3f}{f.rho_truth:>+11.3f}"
        )
    lines += [
        f"targets: precision@20 >= {TARGET_PRECISION}, rho 2nd half > {TARGET_RHO}; "
        f"score rho among unflagged wallets {o.rho_unflagged:+.3f}",
        f"ceilings (from the truth): {o.smart_qualified} smart wallets qualified -> best "
        f"precision@20 {min(o.smart_qualified, TOP) / TOP:.2f}; label oracle (each wallet "
        f"ranked by its true label's mean 2nd-half edge) rho {o.rho_oracle:+.3f}",
        "",
        "timings: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in o.timings.items())
        + f"; {o.profiled / o.timings['profile first half']:.0f} profiles/s",
    ]
    return "\n".join(lines)


def summary(outcomes: Sequence[Outcome]) -> str:
    """One line per seed: the table the issue asks for, for several worlds at once."""
    names = list(outcomes[0].figures)
    lines = [
        f"{'seed':>6} {'swaps':<8} {'p@20 ' + ' / '.join(names):<36}{'rho 2nd half':>24}"
        f"{'rho truth':>11}{'oracle rho':>12}{'bot recall':>12}"
    ]
    for o in outcomes:
        p = " / ".join(f"{o.figures[n].precision:.2f}" for n in names)
        r = " / ".join(f"{o.figures[n].rho_second_half:+.2f}" for n in names)
        lines.append(
            f"{o.seed:>6} {o.swaps:<8} {p:<36}{r:>24}{o.figures['score'].rho_truth:>+11.2f}"
            f"{o.rho_oracle:>+12.2f}{o.bot_recall:>12.2f}"
        )
    met = sum(o.figures["score"].precision >= TARGET_PRECISION for o in outcomes)
    lines.append(f"precision@20 >= {TARGET_PRECISION} on {met} of {len(outcomes)} runs")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, nargs="+", required=True, help="one world per seed")
    parser.add_argument("--hours", type=float, default=24.0, help="history of the day world")
    parser.add_argument(
        "--product-defaults",
        action="store_true",
        help="profile with the product's 30-day defaults instead of the window's settings",
    )
    parser.add_argument(
        "--swaps",
        choices=("parser", "records", "both"),
        default="parser",
        help="swaps from the product's parser on the rendered transactions, the market's "
        "records, or both (each seed twice)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    settings = window_settings(product_defaults=args.product_defaults)
    sources = ("parser", "records") if args.swaps == "both" else (args.swaps,)
    outcomes, missed = [], False
    for seed, source in ((seed, source) for seed in args.seed for source in sources):
        outcome = run(seed, args.hours, settings, source=source)
        outcomes.append(outcome)
        print(report(outcome))
        misses = outcome.misses()
        missed = missed or bool(misses)
        print("PASS" if not misses else "MISSED: " + "; ".join(misses), end="\n\n", flush=True)
    if len(outcomes) > 1:
        print(summary(outcomes))
    if args.check and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

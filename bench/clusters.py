"""Benchmark: do the owners the product groups match the simulated market's hidden owners?

On a seed given on the command line, the calibrated world's day is built and each wallet's
transactions are rendered by the sim's own renderer (`sim.render.Renderer.enhanced`: the JSON
its Helius REST routes serve, parsed by the product's `read_transaction`), the way
tests/unit/cluster/test_analyzer_sim.py does. It reads the sim's rendering, NOT the served API:
the product's collection path (Helius client, first page oldest-first, funder hops, caching) is
the clustering recipe's and is exercised by its own tests; this bench judges the analyzer and
the grouping on the same evidence that path would fetch.

Profiled wallets (what is judged): wallets whose day holds at least `--min-trades` (the product's
default `min_trades`, 10) of their own swaps by the product's swap normaliser: the population
step 3 profiles and would qualify, every label included (insiders, smart, snipers, copy bots,
wash traders, retail). Their full day's history is read (profiling's history), funders up the
chains get their first page (100 transactions, oldest first), hop by hop, `hop_limit` hops.

Printed per seed, over the profiled wallets, against the truth's `owner` of each wallet:
adjusted Rand index (ARI) of the owner partition, pairwise precision and recall of "same owner",
for the product (analyzer + grouping, default ClusterSettings) and two baselines in the same run:
"same direct first funder" (wallets whose earliest inbound SOL came from the same address) and
"co-entry only" (connected components of the CO_ENTERED edges). Targets: ARI >= 0.9, precision
>= 0.95.

Run: ``.venv/bin/python bench/clusters.py --seed 1 2 3 [--min-trades 10]`` (``make
bench-clusters``). Tuning seeds: 1, 2; the others are held out.

Measured 2026-12-07 on the bundled calibrated world (sim `cluster_bundles_*`: a launch is
bought by the 4-16 members its 1-4 Jito bundles hold, not by every member; default
ClusterSettings, min_trades 10; ~860-900 profiled wallets a seed, of them 29-48 insiders, fewer
than before since a member now trades fewer launches; ~45 s a seed on the shared machine):
  seed role      product ARI / prec / recall   first funder ARI / prec / rec   co-entry ARI / prec
     1 tuning    1.000 / 1.000 / 1.000         0.000 / 0.000 / 0.356           0.001 / 0.001
     2 tuning    1.000 / 1.000 / 1.000         0.002 / 0.001 / 0.731           0.002 / 0.002
     3 held out  0.923 / 1.000 / 0.857         0.000 / 0.000 / 0.275           0.002 / 0.001
     4 held out  0.994 / 1.000 / 0.988         0.001 / 0.001 / 0.500           0.002 / 0.001
     5 held out  0.970 / 1.000 / 0.942         0.001 / 0.001 / 0.495           0.002 / 0.001
     6 held out  0.987 / 0.991 / 0.983         0.001 / 0.001 / 0.432           0.002 / 0.001
     7 held out  0.997 / 0.993 / 1.000         0.002 / 0.001 / 0.639           0.003 / 0.002
     8 held out  0.994 / 1.000 / 0.989         0.001 / 0.001 / 0.670           0.002 / 0.001
(co-entry only: recall 1.000 on every seed, with ~70,000-80,000 predicted pairs for 59-147 true.)
Before the grouping change (`grouping._absorb`), the same world gave seed 1 0.783 / 1.000 /
0.644, seed 2 1.000, seed 3 0.458 / 1.000 / 0.297, seed 4 0.994, seed 5 0.970: with partial
participation a member that bundled few launches co-entered only part of the others, Leiden
(density 0.7) left it out, its links then counted as leaving the group, and the crowd rule
(outside share > 0.25) dissolved whole exchange-funded clusters (no money between members;
seed 1's 7-wallet cluster: a 5-clique + 2 fringe members, outside share 0.33). Honest note on
held-out status: the first absorption rule (every link into one group) was tuned on seeds 1-2;
seeds 3 and 5 were then diagnosed (seed 3's 9-wallet cluster: Leiden paired two members off,
each with 5 of 6 links into the group), which gave the rule its "under the crowd bound" form
and its strict bound (at <= 0.25 one copy bot joined its crowd on seed 5: precision 0.907), so
seeds 6-8 are the untouched held-out ones. What is still missed: seed 3 (13 pairs) and seed 5
(6) are exchange-funded clusters whose members co-entered >= 3 tokens (`merge_min_co_entries`)
with too few of the others; the 1 wrong pair on seed 6 is two retail wallets with no co-entry,
joined by one TRANSFERRED edge between them (money is proof, by design; the analyzer and the
money rule are unchanged here); seed 7's is also a retail pair.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.calibrated import CalibratedWorld
from sim.render import Renderer
from sim.world import Scenario, build_world
from walltrack.core.cluster.analyzer import analyze, earliest_inbound_sol
from walltrack.core.cluster.grouping import group_owners
from walltrack.core.swaps.normalize import normalize_transaction
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.services.helius.enhanced import read_transaction

FIRST_PAGE = 100
"""A Helius history page, oldest first (sort-order=asc): what a funder's first funding needs."""
TUNING_SEEDS = frozenset({1, 2})


def adjusted_rand_index(predicted: Mapping[str, str], actual: Mapping[str, str]) -> float:
    """Hubert & Arabie's ARI of two partitions of the same items (item -> cluster label), from
    their contingency table: (index - expected) / (max - expected), with index = sum of
    C(n_ij, 2). Written out (a dozen lines) because scikit-learn is not a dependency."""
    items = list(actual)
    if set(predicted) != set(items):
        raise ValueError("both partitions must label the same items")
    n = len(items)
    if n < 2:
        return 1.0
    cells = Counter((predicted[i], actual[i]) for i in items)
    rows = Counter(predicted[i] for i in items)
    cols = Counter(actual[i] for i in items)
    index = sum(math.comb(c, 2) for c in cells.values())
    sum_rows = sum(math.comb(c, 2) for c in rows.values())
    sum_cols = sum(math.comb(c, 2) for c in cols.values())
    expected = sum_rows * sum_cols / math.comb(n, 2)
    maximum = (sum_rows + sum_cols) / 2
    if maximum == expected:  # both partitions trivial (all alone, or all together)
        return 1.0
    return (index - expected) / (maximum - expected)


def same_owner_pairs(labels: Mapping[str, str]) -> set[tuple[str, str]]:
    """Unordered pairs of items with the same label."""
    members: dict[str, list[str]] = defaultdict(list)
    for item, label in labels.items():
        members[label].append(item)
    return {
        (a, b) if a < b else (b, a)
        for group in members.values()
        for a, b in itertools.combinations(group, 2)
    }


def pair_scores(
    predicted: Mapping[str, str], actual: Mapping[str, str]
) -> tuple[float, float, int]:
    """Pairwise precision and recall of "same owner", and the predicted pairs' count."""
    guessed, truth = same_owner_pairs(predicted), same_owner_pairs(actual)
    hit = len(guessed & truth)
    precision = hit / len(guessed) if guessed else 1.0
    recall = hit / len(truth) if truth else 1.0
    return precision, recall, len(guessed)


def components(items: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """item -> its connected component's root (union-find), every item labelled."""
    parent: dict[str, str] = {item: item for item in items}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


class Histories:
    """Rendered, parsed transactions of the world's wallets, each transaction rendered once."""

    def __init__(self, world: CalibratedWorld) -> None:
        self.world = world
        self.renderer = Renderer(world)
        self.cache: dict[int, EnhancedTx] = {}

    def of(self, address: str, limit: int | None = None) -> list[EnhancedTx]:
        entity = self.world.by_addr[address]
        txs = self.world.tx_index.get(entity, [])
        return [self._view(tx) for tx in (txs if limit is None else txs[:limit])]

    def _view(self, tx: int) -> EnhancedTx:
        found = self.cache.get(tx)
        if found is None:
            found = self.cache[tx] = read_transaction(self.renderer.enhanced(tx))
        return found


def run_seed(seed: int, min_trades: int, settings: ClusterSettings) -> dict[str, object]:
    started = time.perf_counter()
    world = build_world(Scenario.calibrated(seed=seed))
    assert isinstance(world, CalibratedWorld)
    built = time.perf_counter() - started
    truth = world.truth()["wallets"]
    source = Histories(world)
    histories: dict[str, list[EnhancedTx]] = {}
    profiled: list[str] = []
    for entry in truth:  # every labelled trader; the truth's labels are not read here
        address = entry["address"]
        if len(world.tx_index.get(world.by_addr[address], ())) < min_trades:
            continue
        history = source.of(address)
        swaps = sum(
            1
            for tx in history
            for swap in normalize_transaction(tx, wallets=(address,))
            if swap.wallet == address
        )
        if swaps >= min_trades:
            profiled.append(address)
            histories[address] = history
    frontier = set(profiled)
    for _ in range(settings.hop_limit):
        funders = {
            found.funder
            for address in frontier
            if (found := earliest_inbound_sol(address, histories[address])) is not None
        } - histories.keys()
        for funder in funders:
            if funder in world.by_addr:
                histories[funder] = source.of(funder, FIRST_PAGE)
        frontier = funders & histories.keys()
    rendered = time.perf_counter() - started - built
    started = time.perf_counter()
    evidence = analyze(histories, profiled, settings)
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    grouping = group_owners(evidence, profiled, settings, previous={})
    grouped = time.perf_counter() - started

    owner_of_truth = {entry["address"]: entry["owner"] for entry in truth}
    label_of = {entry["address"]: entry["label"] for entry in truth}
    actual = {a: owner_of_truth.get(a, a) for a in profiled}
    product = {a: grouping.owner_of[a] for a in profiled}
    first_funder = {
        a: (found.funder if (found := evidence.fundings.get(a)) is not None else a)
        for a in profiled
    }
    co_entry = components(profiled, ((e.source, e.target) for e in evidence.of_kind("CO_ENTERED")))
    co_only = {a: co_entry[a] for a in profiled}
    rows = {
        "product (analyzer + grouping)": product,
        "baseline: same direct first funder": first_funder,
        "baseline: co-entry only (components)": co_only,
    }
    results = {
        name: (adjusted_rand_index(labels, actual), *pair_scores(labels, actual))
        for name, labels in rows.items()
    }
    truth_sizes = Counter(Counter(actual.values()).values())
    wrong = _wrong_pairs(product, actual, label_of)
    missed = _missed_pairs(product, actual, label_of)
    return {
        "seed": seed,
        "profiled": len(profiled),
        "labels": dict(Counter(label_of.get(a, "?") for a in profiled)),
        "histories": len(histories),
        "edges": dict(Counter(e.kind for e in evidence.edges)),
        "owners": len(grouping.owners),
        "truth_owner_sizes": dict(sorted(truth_sizes.items())),
        "truth_pairs": len(same_owner_pairs(actual)),
        "results": results,
        "wrong_pairs_by_labels": wrong,
        "missed_pairs_by_labels": missed,
        "seconds": {
            "build": built,
            "render": rendered,
            "analyze": analysed,
            "group": grouped,
        },
    }


def _wrong_pairs(
    predicted: Mapping[str, str], actual: Mapping[str, str], label_of: Mapping[str, str]
) -> dict[str, int]:
    """Pairs put together that the truth keeps apart, by their labels (why precision is lost)."""
    pairs = same_owner_pairs(predicted) - same_owner_pairs(actual)
    return dict(
        Counter("+".join(sorted((label_of.get(a, "?"), label_of.get(b, "?")))) for a, b in pairs)
    )


def _missed_pairs(
    predicted: Mapping[str, str], actual: Mapping[str, str], label_of: Mapping[str, str]
) -> dict[str, int]:
    """Same-owner pairs the product kept apart, by label (why recall is lost)."""
    pairs = same_owner_pairs(actual) - same_owner_pairs(predicted)
    return dict(Counter(label_of.get(a, "?") for a, _ in pairs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--min-trades", type=int, default=WalletProfileSettings().min_trades)
    args = parser.parse_args(argv)
    settings = ClusterSettings()
    table = []
    for seed in args.seed:
        found = run_seed(seed, args.min_trades, settings)
        role = "tuning" if seed in TUNING_SEEDS else "held out"
        print(
            f"\nseed {seed} ({role}): {found['profiled']} profiled wallets {found['labels']}, "
            f"{found['histories']} histories, edges {found['edges']}\n"
            f"  truth: {found['truth_pairs']} same-owner pairs, owner sizes "
            f"{found['truth_owner_sizes']}; product: {found['owners']} owners\n"
            f"  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in found["seconds"].items())  # type: ignore[attr-defined]
        )
        for name, (ari, precision, recall, pairs) in found["results"].items():  # type: ignore[attr-defined]
            print(
                f"  {name:40s} ARI {ari:6.3f}  precision {precision:.3f}  recall {recall:.3f}"
                f"  pairs {pairs:>9,}"
            )
            table.append((seed, role, name, ari, precision, recall))
        print(
            f"  product's wrong pairs by labels: {found['wrong_pairs_by_labels']}\n"
            f"  product's missed pairs by label: {found['missed_pairs_by_labels']}"
        )
    print("\nseed role      ARI    prec   recall  method")
    for seed, role, name, ari, precision, recall in table:
        print(f"{seed:>4} {role:8s} {ari:6.3f} {precision:6.3f} {recall:6.3f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

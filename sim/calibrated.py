"""The calibrated market (``Scenario.calibrated``): market-stats.md's "Suggested default
scenario" on the classic world's mechanics (curves, pools, rendering, truth format).

What differs from the classic world (``sim.world``), and why:
- Launches: a Poisson day (intensity x1.5 in US hours, 14:00-22:00 UTC) whose archetypes are
  drawn per day in exact proportions (55 % no-traction, 30 % dev/insider pump-and-dump, 10 %
  bundled/funded-snipe farm, 5 % runner) and exactly 1 % of them graduating
  (``Scenario.graduation_share``; runners first, then farms), so a one-day world shows ~3
  graduates on every seed. A non-graduating curve stalls: a buy that would take it past 80 %
  of the graduation SOL is not placed (modelling choice: real curves stall far below
  completion; a random walk would let some cross).
- Most graduates are dumped the same day: insiders sell into the pool, then 90 % are pulled.
- Wallets: ~1 % smart, snipers in block 0 on most launches (exits lognormal, median 60 s, 85 %
  within 5 min, 1-3 sells), wash bots round-tripping farm coins (20+ a day each), copy bots
  following 1-3 smart wallets 1-8 slots behind (their fills crowd the leader's), insider
  clusters of 5-25 with a Beta(mean 0.35) share of supply bought in the first slots through
  1-4 Jito bundles of <= 4 buyers, a per-launch subset of the members (``cluster_bundle*``,
  ``cluster_fresh_share``: a real bundler rotates 20-50 wallets, never buys with all at once).
- Priority fees (lognormal, median 0.0005 SOL, p95 0.01) and Jito tips (lognormal, median 1e-5,
  p95 1e-3; snipers' launch buys 1e-3-1e-2) are drawn for every label; first fundings come from
  one lognormal for every label, so neither is a label's fingerprint.
- Owners hide (``Scenario.cluster_*``): a share of clusters is funded through 1-2 hop chains of
  fresh wallets, a share through exchange withdrawals only (linked by behaviour, not money), the
  rest directly; money-linked clusters sometimes share the funder as fee payer and move tokens or
  SOL between members; popular launches draw a crowd of unrelated early retail buyers. These
  draw from their own random stream (``owners_rng``).
- Smart wallets have skill, not clairvoyance: each sees a noisy signal of a token's quality
  (noise set by its skill) and buys when it is high, so it also buys losers; entry delay, size
  and hold time vary per wallet and per trade. Each has an edge decay time: its entries lead a
  burst of informed buying within that time (a few slots for fast wallets, minutes for slow
  ones), so a copier that arrives later buys the top. The truth carries each smart wallet's copy
  edge at several latencies and the latencies it is copyable at.
"""

from __future__ import annotations

import math
import random
from typing import Any

from sim.chain import BASE_FEE, LAMPORTS_PER_SOL, T0, WSOL_MINT, Pool
from sim.world import (
    COPY_SIZE,
    EVENT_BUY,
    EVENT_FUND,
    EVENT_LAUNCH,
    EVENT_LIQUIDITY_PULL,
    EVENT_RETAIL_BUY,
    EVENT_SELL,
    EVENT_TOKEN_GIFT,
    EVENT_USDC_TRANSFER,
    EVENT_WRAP,
    WORLD_MODELS,
    Scenario,
    Token,
    World,
)

ARCHETYPES = (("no_traction", 0.55), ("pump_dump", 0.30), ("farm", 0.10), ("runner", 0.05))
FATE_OF = {"no_traction": "dead", "pump_dump": "rug", "farm": "rug", "runner": "pump"}
STALL_SHARE = 0.8  # a non-graduating curve never fills past this share of the graduation SOL
US_HOURS_UTC = (14, 22)
US_INTENSITY = 1.5
SNIPE_CHANCE = {"no_traction": 0.45, "pump_dump": 0.8, "farm": 1.0, "runner": 0.8}
# fees: lognormal with the published median and p95 (sigma = ln(p95 / median) / 1.645)
PRIORITY_MEDIAN_SOL, PRIORITY_P95_SOL = 0.0005, 0.01
TIP_MEDIAN_SOL, TIP_P95_SOL = 1e-5, 1e-3
TIP_CAP_SOL = 0.02
TIP_CHANCE = {"retail": 0.2, "smart": 0.35, "sniper": 0.9, "insider": 0.5, "wash": 0.3, "copy": 0.6}
FUNDING_MEDIAN_SOL, FUNDING_SIGMA = 3.0, 1.2
# copy replay at several latencies (truth): a 0.5 SOL copy, skipped when the price ran > 25 %
FAST_EDGE_MS = 2_000  # fast edges: gone within 1-5 slots
# chance that others act on the same information, by archetype: the news is real for runners
INFORMED_FLOW = {"runner": 1.0, "pump_dump": 0.4, "farm": 0.4, "no_traction": 0.1}
SIGNAL_BAR = 1.2  # a smart wallet buys when quality + noise clears this (runner 1, P&D 0.3)
COPY_LATENCIES_MS = (400, 1_200, 3_000, 10_000, 60_000)
LATENCY_SLIPPAGE = 0.25
COPYABLE_EDGE = 0.03  # a copier nets ~+3 %/trade at best (market-stats §5)
EVENT_LATENCY_COPY_BUY, EVENT_LATENCY_COPY_SELL = 100, 101


def _sigma(median: float, p95: float) -> float:
    return math.log(p95 / median) / 1.645


class CalibratedWorld(World):
    """The classic world's mechanics with the calibrated population and launches."""

    def __init__(self, scenario: Scenario) -> None:
        self.archetype: dict[int, str] = {}  # token index -> archetype
        self.plan: list[tuple[str, bool]] = []  # launch index -> (archetype, graduates)
        self.to_graduate: set[int] = set()
        self.skill: dict[int, float] = {}
        self.entry_median_ms: dict[int, float] = {}
        self.hold_median_ms: dict[int, float] = {}
        self.size_median_sol: dict[int, float] = {}
        self.edge_decay_ms: dict[int, int] = {}
        self.followers: dict[int, list[int]] = {}
        self.copy_lag_ms: dict[int, int] = {}
        # copy replay per (wallet, latency) code: cost, proceeds, open position per token
        self.lat_cost: dict[int, int] = {}
        self.lat_proceeds: dict[int, int] = {}
        self.lat_position: dict[tuple[int, int], int] = {}
        self._launch_tip = 0  # set while a sniper's launch buy executes
        # how each cluster's owner hides: "hops", "exchange" or "direct" (own stream, so the
        # market's other draws do not move with these knobs)
        self.owners_rng = random.Random(f"{scenario.seed}:owners")
        self.cluster_funding: list[str] = []
        self.hop_wallets: list[int] = []
        self.cluster_used: dict[int, set[int]] = {}  # cluster -> members that bought a bundle
        super().__init__(scenario)

    # ------------------------------------------------------------------ population
    def _create_actors(self, rng: random.Random) -> None:
        super()._create_actors(rng)
        self._hide_owners()
        self.wallets_by_label["copy"] = [
            self._new_entity("copy", f"copy:{i}") for i in range(self.scenario.n_copy)
        ]
        smart = self.wallets_by_label["smart"]
        for wallet in smart:
            self.skill[wallet] = rng.uniform(0.3, 0.9)
            self.entry_median_ms[wallet] = math.exp(rng.uniform(math.log(5e3), math.log(3e5)))
            self.size_median_sol[wallet] = math.exp(rng.uniform(math.log(0.3), math.log(4)))
            if rng.random() < 0.4:  # fast edge: gone within a few slots
                self.edge_decay_ms[wallet] = rng.randint(1, 5) * 400
                self.hold_median_ms[wallet] = math.exp(rng.uniform(math.log(15e3), math.log(9e4)))
            else:  # slow edge: survives minutes
                self.edge_decay_ms[wallet] = int(
                    math.exp(rng.uniform(math.log(6e4), math.log(6e5)))
                )
                self.hold_median_ms[wallet] = math.exp(rng.uniform(math.log(3e5), math.log(36e5)))
        for bot in self.wallets_by_label["copy"]:
            # gRPC bots 1-2 slots behind (30 %), webhook bots 3-8 slots (market-stats §4)
            slots = rng.randint(1, 2) if rng.random() < 0.3 else rng.randint(3, 8)
            self.copy_lag_ms[bot] = slots * 400 + rng.randint(0, 399)
            if smart:
                for leader in rng.sample(smart, min(len(smart), rng.randint(1, 3))):
                    self.followers.setdefault(leader, []).append(bot)

    def _hide_owners(self) -> None:
        """Per cluster: how it is funded (hop chains of fresh wallets, exchange withdrawals or
        directly) and whether its funder pays the members' fees (money-linked clusters only)."""
        scenario = self.scenario
        orng = self.owners_rng
        n = len(self.clusters)
        n_hops = round(n * scenario.cluster_hop_share)
        n_exchange = min(n - n_hops, round(n * scenario.cluster_exchange_share))
        kinds = (
            ["hops"] * n_hops + ["exchange"] * n_exchange + ["direct"] * (n - n_hops - n_exchange)
        )
        orng.shuffle(kinds)
        self.cluster_funding = kinds
        for cluster, members in enumerate(self.clusters):
            kind = kinds[cluster]
            funder = self.cluster_funder[cluster]
            self.cluster_fee_payer[cluster] = (
                kind != "exchange" and orng.random() < scenario.cluster_fee_payer_share
            )
            if kind == "exchange":
                for member in members:
                    self.funder_of[member] = orng.choice(self.exchanges)
            elif kind == "hops":
                chains = orng.randint(1, min(3, len(members)))
                lasts = []
                for chain in range(chains):
                    parent = funder
                    for hop in range(orng.randint(1, 2)):
                        wallet = self._new_entity("funder", f"hop:{cluster}:{chain}:{hop}")
                        self.funder_of[wallet] = parent
                        self.hop_wallets.append(wallet)
                        parent = wallet
                    lasts.append(parent)
                for position, member in enumerate(members):
                    self.funder_of[member] = lasts[position % chains]

    def _schedule_funding(self, rng: random.Random) -> None:
        """Every label's first funding from one lognormal (no size fingerprint)."""
        fund_ms = self.start_ms + 1_000
        sigma = FUNDING_SIGMA
        for funder in self.wallets_by_label["funder"]:
            self.funder_of[funder] = rng.choice(self.exchanges)
            self._schedule(fund_ms, EVENT_FUND, funder, int(rng.uniform(150, 500) * 1e9))
            fund_ms += rng.randint(50, 400)
        for label in ("smart", "sniper", "wash", "copy", "retail"):
            for wallet in self.wallets_by_label[label]:
                self.funder_of.setdefault(wallet, rng.choice(self.exchanges))
                sol = rng.lognormvariate(math.log(FUNDING_MEDIAN_SOL), sigma)
                amount = max(int(sol * LAMPORTS_PER_SOL), 50_000_000)
                self._schedule(fund_ms, EVENT_FUND, wallet, amount)
                if label == "wash":
                    self._schedule(fund_ms + 2_000, EVENT_WRAP, wallet, amount // 2)
                fund_ms += rng.randint(5, 60)
        self._schedule_cluster_funding(rng)
        for wallet in self.wallets_by_label["retail"][: self.scenario.n_usdc_retail]:
            usdc = int(rng.uniform(50, 2_000) * 10**6)
            self._schedule(fund_ms, EVENT_USDC_TRANSFER, self.exchanges[0], wallet, usdc)
            fund_ms += 30

    def _schedule_cluster_funding(self, rng: random.Random) -> None:
        """Members' first SOL: from the owner, through its hop chain or from exchanges."""
        orng = self.owners_rng
        for cluster, members in enumerate(self.clusters):
            cluster_fund_ms = self.start_ms + 300_000 + cluster * 2_000
            kind = self.cluster_funding[cluster] if self.cluster_funding else "direct"
            through: dict[int, int] = {}  # hop wallet -> lamports it passes on
            for position, member in enumerate(members):
                sol = rng.lognormvariate(math.log(FUNDING_MEDIAN_SOL), FUNDING_SIGMA)
                amount = max(int(sol * LAMPORTS_PER_SOL), 50_000_000)
                at = cluster_fund_ms + position * 400
                if kind == "exchange":  # withdrawals spread over the first hours
                    at = self.start_ms + orng.randint(60_000, 4 * 3_600_000)
                elif kind == "hops":  # the chain passes the member's SOL on, a few minutes later
                    at += orng.randint(60_000, 1_800_000)
                    last_hop = self.funder_of[member]
                    through[last_hop] = through.get(last_hop, 0) + amount + BASE_FEE
                self._schedule(at, EVENT_FUND, member, amount)
            # the chain's wallets are funded first (top hop first), each with a little to
            # spare; a deeper hop's whole funding passes through the hop above it
            for hop in [h for h in self.hop_wallets if self._cluster_of_hop(h) == cluster]:
                through.setdefault(hop, 0)
            for hop in sorted(through, key=self._hop_depth, reverse=True):
                through[hop] += int(orng.uniform(0.05, 0.5) * LAMPORTS_PER_SOL)
                parent = self.funder_of[hop]
                if parent in through:
                    through[parent] += through[hop] + BASE_FEE
            for hop in sorted(through, key=self._hop_depth):
                at = cluster_fund_ms + self._hop_depth(hop) * 20_000 - 60_000
                self._schedule(at, EVENT_FUND, hop, through[hop])

    def _can_pay(
        self, time_ms: int, wallet: int, sol_needed: int, payer: int, fee: int, *, retail: bool
    ) -> bool:
        """Bots, smart wallets and insiders move more SOL in when short (retail: 30 %)."""
        if self.sol[wallet] < sol_needed and self.role[wallet] in TOPPED_UP:
            source = self.funder_of.get(wallet)
            amount = sol_needed + int(self.rng.uniform(1, 10) * LAMPORTS_PER_SOL)
            funder_short = (
                source is not None
                and self.role[source] == "funder"
                and self.sol[source] < amount + 10_000
            )
            if funder_short and source is not None:  # the cluster funder is refilled first
                self._refill(time_ms - 2, source, amount * 3)
            self._fund(time_ms - 1, wallet, amount)
        if payer != wallet and self.sol[payer] < fee:
            self._fund(time_ms - 1, payer, 10 * LAMPORTS_PER_SOL)
        return super()._can_pay(time_ms, wallet, sol_needed, payer, fee, retail=retail)

    def _hop_depth(self, wallet: int) -> int:
        """How many hop wallets sit between ``wallet`` and its cluster funder (0: first hop)."""
        depth = 0
        parent = self.funder_of[wallet]
        while parent not in self.cluster_funder and self.role[parent] == "funder":
            depth += 1
            parent = self.funder_of[parent]
        return depth

    def _cluster_of_hop(self, wallet: int) -> int:
        parent = self.funder_of[wallet]
        while parent not in self.cluster_funder:
            parent = self.funder_of[parent]
        return self.cluster_funder.index(parent)

    def _refill(self, time_ms: int, entity: int, amount: int) -> None:
        """Fund ``entity`` from its funder, refilling a short funder up the chain first."""
        parent = self.funder_of.get(entity)
        if parent is not None and self.role[parent] == "funder" and self.sol[parent] < amount:
            self._refill(time_ms - 1, parent, amount * 3)
        self._fund(time_ms, entity, amount)

    def _priority_fee_and_tip(self, wallet: int) -> tuple[int, int]:
        """Every label draws from the published distributions (median 0.0005 SOL priority)."""
        rng = self.rng
        role = self.role[wallet]
        priority = rng.lognormvariate(
            math.log(PRIORITY_MEDIAN_SOL), _sigma(PRIORITY_MEDIAN_SOL, PRIORITY_P95_SOL)
        )
        tip = self._launch_tip / LAMPORTS_PER_SOL
        if not tip and rng.random() < TIP_CHANCE.get(role, 0.0):
            tip = rng.lognormvariate(math.log(TIP_MEDIAN_SOL), _sigma(TIP_MEDIAN_SOL, TIP_P95_SOL))
        return 5_000 + int(priority * LAMPORTS_PER_SOL), int(min(tip, TIP_CAP_SOL) * 1e9)

    # ------------------------------------------------------------------ launches
    def _schedule_launches(self, rng: random.Random) -> None:
        """Per day: a Poisson count's worth of launch times (x1.5 in US hours), archetypes in
        exact proportions and 1 % graduating."""
        day_ms = 86_400_000
        block_start = self.start_ms + 600_000
        while block_start < self.horizon_ms:
            block_end = min(block_start + day_ms, self.horizon_ms)
            n = round(self.scenario.launches_per_day * (block_end - block_start) / day_ms)
            times = sorted(self._launch_time(block_start, block_end, rng) for _ in range(n))
            kinds: list[str] = []
            for name, share in ARCHETYPES:
                kinds += [name] * round(n * share)
            kinds = (kinds + ["no_traction"] * n)[:n]
            rng.shuffle(kinds)
            graduates: set[int] = set()
            n_grad = max(1, round(n * self.scenario.graduation_share))
            for wanted in ("runner", "farm"):
                pool = [i for i, kind in enumerate(kinds) if kind == wanted]
                rng.shuffle(pool)
                graduates.update(pool[: n_grad - len(graduates)])
            for i, launch_ms in enumerate(times):
                self._schedule(launch_ms, EVENT_LAUNCH, len(self.plan))
                self.plan.append((kinds[i], i in graduates))
            block_start = block_end

    def _launch_time(self, start_ms: int, end_ms: int, rng: random.Random) -> int:
        while True:  # thinning: accept off-US hours with 1 / 1.5
            at = rng.randint(start_ms, end_ms - 1)
            hour = (at // 3_600_000) % 24
            if US_HOURS_UTC[0] <= hour < US_HOURS_UTC[1] or rng.random() < 1 / US_INTENSITY:
                return at

    def _launch(self, launch_index: int, now_ms: int) -> None:
        rng = random.Random(self.seed * 1_000_003 + launch_index)
        kind, graduates = self.plan[launch_index]
        tok = self._create_launched_token(launch_index, now_ms, rng)
        tok.fate = FATE_OF[kind]
        self.archetype[tok.idx] = kind
        if graduates:
            self.to_graduate.add(tok.idx)
        lifetime_range = {
            "no_traction": (120_000, 1_200_000),
            "pump_dump": (600_000, 3_600_000),
            "farm": (1_200_000, 7_200_000),
            "runner": (3_600_000, 21_600_000),
        }[kind]
        tok.lifetime_ms = rng.randint(*lifetime_range)
        dump_ms = now_ms + int(tok.lifetime_ms * rng.uniform(0.3, 0.7))
        dev = tok.creator
        self._schedule(now_ms, EVENT_BUY, dev, tok.idx, int(rng.uniform(0.2, 1.5) * 1e9))
        if kind != "runner":
            self._schedule(
                now_ms + int(tok.lifetime_ms * rng.uniform(0.2, 0.6)), EVENT_SELL, dev, tok.idx, 100
            )
        if rng.random() < SNIPE_CHANCE[kind]:
            self._schedule_snipes(tok, now_ms, rng)
        if kind in ("pump_dump", "farm") or graduates:
            self._schedule_bundle(tok, now_ms, dump_ms, rng, graduates=graduates)
        if kind == "farm" or (kind == "pump_dump" and rng.random() < 0.2):
            self._schedule_wash(
                tok, now_ms, rng, bots=rng.randint(8, 14) if kind == "farm" else rng.randint(2, 5)
            )
        self._schedule_smart(tok, kind, now_ms, rng)
        if kind == "runner" or graduates:
            self._schedule_early_crowd(tok, now_ms)
        self._schedule_flow(tok, kind, now_ms, dump_ms, rng, graduates=graduates)

    def _schedule_early_crowd(self, tok: Token, now_ms: int) -> None:
        """A popular launch draws unrelated retail buyers within its first few slots: chance
        co-entries that must not read as one owner."""
        orng = self.owners_rng
        retail = self.wallets_by_label["retail"]
        window_ms = self.scenario.early_crowd_slots * 400
        for buyer in orng.sample(retail, min(len(retail), self.scenario.early_crowd)):
            size = int(math.exp(orng.uniform(math.log(0.05), math.log(1.0))) * 1e9)
            at = now_ms + orng.randint(400, max(window_ms, 401))
            self._schedule(at, EVENT_RETAIL_BUY, buyer, tok.idx, size)

    def _schedule_snipes(self, tok: Token, now_ms: int, rng: random.Random) -> None:
        """Block-0 buys (same slot as the create), exits spread up to minutes in 1-3 sells."""
        left_in_slot = 399 - (now_ms - T0 * 1000) % 400
        snipers = self.wallets_by_label["sniper"]
        for sniper in rng.sample(snipers, min(len(snipers), rng.randint(2, 6))):
            size = int(math.exp(rng.uniform(math.log(0.2), math.log(2.5))) * 1e9)
            self._schedule(
                now_ms + rng.randint(0, max(left_in_slot, 0)),
                EVENT_BUY_SNIPE,
                sniper,
                tok.idx,
                size,
            )
            hold = rng.lognormvariate(math.log(60_000), 1.55)
            sells = 1 if rng.random() < 0.65 else (2 if rng.random() < 0.7 else 3)
            for k in range(sells):
                at = now_ms + 400 + int(hold * (k + 1) / sells)
                self._schedule(at, EVENT_SELL, sniper, tok.idx, 100 if k == sells - 1 else 50)

    def _schedule_bundle(
        self, tok: Token, now_ms: int, dump_ms: int, rng: random.Random, *, graduates: bool
    ) -> None:
        """An insider cluster buys a Beta(mean 0.35, sd 0.15) share of supply in the first
        slots through 1-4 bundles of <= 4 of its members (``_bundle_buyers``) and dumps
        together. Every member still draws from ``rng`` as if it bought, so the knobs move
        nothing else in the launch."""
        cluster = rng.randrange(len(self.clusters))
        members = self.clusters[cluster]
        share = min(rng.betavariate(3.19, 5.92), 0.7)
        total_sol = 30 * share / (1.073 - share)
        weights = [rng.random() + 0.2 for _ in members]
        buyers = self._bundle_buyers(cluster, tok.idx)
        per_bundle = max(self.scenario.cluster_bundle_buyers, 1)
        scale = total_sol / sum(w for w, m in zip(weights, members, strict=True) if m in buyers)
        for position, member in enumerate(members):
            order = buyers.get(member)
            at = now_ms + rng.randint(0, 399)
            if order is not None:
                at += (order // per_bundle) * 400
                self._schedule(at, EVENT_BUY, member, tok.idx, int(weights[position] * scale * 1e9))
            if not graduates:  # graduates' insiders dump into the pool (``_graduate``)
                sells = 1 if rng.random() < 0.7 else 2
                for k in range(sells):
                    at = dump_ms + rng.randint(0, 3) * 400 + k * rng.randint(2_000, 60_000)
                    if order is not None:
                        percent = 100 if k == sells - 1 else 50
                        self._schedule(at, EVENT_SELL, member, tok.idx, percent)

    def _bundle_buyers(self, cluster: int, token: int) -> dict[int, int]:
        """Which members buy this launch, in bundle order: 1-4 bundles of <= 4 buyers, a random
        subset (or, for a ``cluster_fresh_share`` of launches, members never used before
        first), drawn from the launch's own stream. ``cluster_bundles_max`` 0: every member."""
        members = self.clusters[cluster]
        scenario = self.scenario
        if scenario.cluster_bundles_max <= 0:
            return {member: order for order, member in enumerate(members)}
        brng = random.Random(f"{self.seed}:bundle:{token}")
        bundles = brng.randint(scenario.cluster_bundles_min, scenario.cluster_bundles_max)
        n = min(len(members), bundles * max(scenario.cluster_bundle_buyers, 1))
        used = self.cluster_used.setdefault(cluster, set())
        if brng.random() < scenario.cluster_fresh_share:
            fresh = [m for m in members if m not in used]
            seen = [m for m in members if m in used]
            brng.shuffle(fresh)
            brng.shuffle(seen)
            chosen = (fresh + seen)[:n]
        else:
            chosen = brng.sample(members, n)
        used.update(chosen)
        return {member: order for order, member in enumerate(chosen)}

    def _schedule_wash(self, tok: Token, now_ms: int, rng: random.Random, *, bots: int) -> None:
        """Volume bots round-trip the token (buy, sell 1-3 slots later) over its life."""
        wash = self.wallets_by_label["wash"]
        for wallet in rng.sample(wash, min(len(wash), bots)):
            for _ in range(rng.randint(15, 40)):
                buy_ms = now_ms + rng.randint(2_000, tok.lifetime_ms)
                sol = int(rng.uniform(0.1, 0.8) * 1e9)
                self._schedule(buy_ms, EVENT_BUY, wallet, tok.idx, sol)
                self._schedule(buy_ms + rng.randint(1, 3) * 400, EVENT_SELL, wallet, tok.idx, 100)

    def _schedule_smart(self, tok: Token, kind: str, now_ms: int, rng: random.Random) -> None:
        """Each smart wallet sees the token's quality plus noise (its skill sets the noise) and
        buys when the signal clears its bar; entries, sizes and exits vary per trade."""
        quality = {"runner": 1.0, "pump_dump": 0.3, "farm": 0.3, "no_traction": -0.5}[kind]
        for wallet in self.wallets_by_label["smart"]:
            noise = 0.5 + (1.0 - self.skill[wallet])
            if rng.random() > 0.5 or quality + rng.gauss(0, noise) < SIGNAL_BAR:
                continue
            entry = now_ms + max(
                2_000, int(rng.lognormvariate(math.log(self.entry_median_ms[wallet]), 0.7))
            )
            size = rng.lognormvariate(math.log(self.size_median_sol[wallet]), 0.5)
            self._schedule(entry, EVENT_BUY, wallet, tok.idx, int(size * 1e9))
            tranches = rng.randint(1, 3)
            holds = sorted(
                rng.lognormvariate(math.log(self.hold_median_ms[wallet]), 0.6)
                for _ in range(tranches)
            )
            for k, hold in enumerate(holds):
                percent = 100 if k == tranches - 1 else rng.randint(30, 60)
                self._schedule(entry + 400 + int(hold), EVENT_SELL, wallet, tok.idx, percent)

    def _schedule_flow(
        self,
        tok: Token,
        kind: str,
        now_ms: int,
        dump_ms: int,
        rng: random.Random,
        *,
        graduates: bool,
    ) -> None:
        """Retail buys and sells front-loaded over the token's life, by archetype."""
        life = tok.lifetime_ms
        activity = {
            "no_traction": (0, 4),
            "pump_dump": (30, 150),
            "farm": (40, 150),
            "runner": (250, 700),
        }[kind]
        n = rng.randint(*activity)
        for _ in range(n):
            at = now_ms + 1_000 + int(rng.random() ** 1.6 * life)
            if kind == "runner":
                p_buy = 0.6 if at < now_ms + life // 2 else 0.4
            elif kind == "no_traction":
                p_buy = 0.6
            else:
                p_buy = 0.6 if at < dump_ms else 0.25
            scale = {"runner": 1.0, "no_traction": 0.3}.get(kind, 0.7)
            self._retail_action(tok, at, rng, p_buy, scale)
        if graduates:  # the wave that fills the curve
            for _ in range(rng.randint(200, 350)):
                at = now_ms + 60_000 + int(rng.random() * min(life, 5_400_000))
                self._retail_action(tok, at, rng, 0.85, 2.0)
        for _ in range(rng.randint(0, 6)):
            self._retail_action(tok, now_ms + life + rng.randint(0, 3_600_000), rng, 0.2)

    # ------------------------------------------------------------------ execution hooks
    def _buy(self, time_ms: int, wallet: int, token: int, size: int, *, retail: bool) -> None:
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        if (
            pool.is_curve
            and tok.is_pump
            and token not in self.to_graduate
            and pool.real_quote + size >= STALL_SHARE * self.scenario.graduation_sol
        ):
            return  # the curve stalls: nobody pushes a non-graduate to completion
        super()._buy(time_ms, wallet, token, size, retail=retail)

    def _after_buy(
        self,
        time_ms: int,
        tok: Token,
        pool: Pool,
        *,
        wallet: int,
        direct: bool,
        size: int,
        out: int,
        retail: bool,
    ) -> None:
        super()._after_buy(
            time_ms, tok, pool, wallet=wallet, direct=direct, size=size, out=out, retail=retail
        )
        if self.role[wallet] == "insider":
            self._maybe_member_transfer(time_ms, wallet, tok.idx)
        if self.role[wallet] != "smart" or not direct or pool.quote_mint != WSOL_MINT:
            return
        rng = self.rng
        for bot in self.followers.get(wallet, ()):
            bot_size = int(rng.uniform(0.02, 0.2) * 1e9)
            self._schedule(time_ms + self.copy_lag_ms[bot], EVENT_BUY, bot, tok.idx, bot_size)
        rate = out * 10**9 // max(size, 1)
        for index, latency in enumerate(COPY_LATENCIES_MS):
            code = wallet * len(COPY_LATENCIES_MS) + index
            self._schedule(time_ms + latency, EVENT_LATENCY_COPY_BUY, code, tok.idx, rate)
        # the information the wallet acted on reaches others within its edge decay time: a
        # burst of informed buying a few slots (fast edge) or minutes (slow edge) long
        decay = self.edge_decay_ms[wallet]
        fast = decay <= FAST_EDGE_MS
        informed = INFORMED_FLOW[self.archetype.get(tok.idx, "no_traction")]
        if rng.random() < (0.5 if fast else 1.0) * self.skill[wallet] * informed:
            burst_sol = size * (rng.uniform(1.0, 3.0) if fast else rng.uniform(3.0, 8.0))
            k = rng.randint(3, 10) if fast else rng.randint(8, 20)
            retail_wallets = self.wallets_by_label["retail"]
            for _ in range(k):
                at = time_ms + rng.randint(400, max(decay, 401))
                buyer = rng.choice(retail_wallets)
                self._schedule(at, EVENT_RETAIL_BUY, buyer, tok.idx, int(burst_sol / k))

    def _maybe_member_transfer(self, time_ms: int, wallet: int, token: int) -> None:
        """Members of money-linked clusters sometimes pass tokens or SOL to one another."""
        cluster = self.cluster_of[wallet]
        orng = self.owners_rng
        if (
            self.cluster_funding[cluster] == "exchange"
            or orng.random() >= self.scenario.cluster_transfer_rate
        ):
            return
        others = [m for m in self.clusters[cluster] if m != wallet]
        recipient = orng.choice(others)
        at = time_ms + orng.randint(5_000, 600_000)
        if orng.random() < 0.5:
            self._schedule(at, EVENT_TOKEN_GIFT, wallet, token, recipient)
        else:
            amount = int(orng.uniform(0.05, 1.0) * LAMPORTS_PER_SOL)
            self._schedule(at, EVENT_MEMBER_SOL, wallet, recipient, amount)

    def _sell(self, time_ms: int, wallet: int, token: int, percent: int) -> None:
        before = self.holdings.get((wallet, token), 0)
        n_tx = self.n_tx()
        super()._sell(time_ms, wallet, token, percent)
        if self.role[wallet] != "smart" or self.n_tx() == n_tx or before <= 0:
            return
        after = self.holdings.get((wallet, token), 0)
        share_bps = (before - after) * 10_000 // before
        for bot in self.followers.get(wallet, ()):
            at = time_ms + self.copy_lag_ms[bot]
            self._schedule(at, EVENT_SELL, bot, token, 100 if after == 0 else percent)
        for index, latency in enumerate(COPY_LATENCIES_MS):
            code = wallet * len(COPY_LATENCIES_MS) + index
            self._schedule(time_ms + latency, EVENT_LATENCY_COPY_SELL, code, token, share_bps)

    def _graduate(self, time_ms: int, tok: Token, curve: Pool) -> None:
        """Graduation, then the same-day dump: retail keeps trading the pool for a while, the
        insiders sell into it, and 90 % of the time the liquidity is pulled."""
        super()._graduate(time_ms, tok, curve)
        rng = random.Random(self.seed * 13 + tok.idx)
        for _ in range(rng.randint(100, 250)):
            self._retail_action(tok, time_ms + rng.randint(1_000, 7_200_000), rng, 0.45, 1.5)
        dump_ms = time_ms + rng.randint(600_000, 7_200_000)
        holders = [w for w in self.holders[tok.idx] if self.role[w] in ("insider", "dev")]
        for wallet in holders:
            self._schedule(dump_ms + rng.randint(0, 5) * 400, EVENT_SELL, wallet, tok.idx, 100)
        if rng.random() < 0.9:
            self._schedule(dump_ms + rng.randint(60_000, 1_800_000), EVENT_LIQUIDITY_PULL, tok.idx)

    def _extra_event(self, time_ms: int, event: int, arg1: int, arg2: int, arg3: int) -> None:
        if event == EVENT_BUY_SNIPE:
            self._snipe(time_ms, arg1, arg2, arg3)
        elif event == EVENT_LATENCY_COPY_BUY:
            self._latency_copy_buy(arg1, arg2, arg3)
        elif event == EVENT_LATENCY_COPY_SELL:
            self._latency_copy_sell(arg1, arg2, arg3)
        elif event == EVENT_MEMBER_SOL:
            # cluster members moving funds around; the sender keeps 0.05 SOL
            self._transfer_sol(time_ms, arg1, arg2, arg3, keep=50_000_000)
        else:
            super()._extra_event(time_ms, event, arg1, arg2, arg3)

    def _snipe(self, time_ms: int, wallet: int, token: int, size: int) -> None:
        """A launch buy with a launch-grade tip (1e-3-1e-2 SOL): drawn here, paid by ``_buy``."""
        self._launch_tip = int(math.exp(self.rng.uniform(math.log(1e6), math.log(1e7))))
        try:
            self._buy(time_ms, wallet, token, size, retail=False)
        finally:
            self._launch_tip = 0

    # ------------------------------------------------------------------ copy edge by latency
    def _latency_copy_buy(self, code: int, token: int, leader_rate: int) -> None:
        pool = self.pools[self.tokens[token].active_pool]
        if not pool.active or pool.quote_mint != WSOL_MINT:
            return
        out, _ = pool.buy_out(COPY_SIZE)
        if out * 10**9 // COPY_SIZE < leader_rate * (1 - LATENCY_SLIPPAGE):
            return
        self.lat_cost[code] = self.lat_cost.get(code, 0) + COPY_SIZE
        key = (code, token)
        self.lat_position[key] = self.lat_position.get(key, 0) + out

    def _latency_copy_sell(self, code: int, token: int, share_bps: int) -> None:
        key = (code, token)
        position = self.lat_position.get(key, 0)
        if position <= 0:
            return
        amount = position if share_bps >= 9_999 else position * share_bps // 10_000
        pool = self.pools[self.tokens[token].active_pool]
        proceeds = pool.sell_out(amount)[0] if pool.active else 0
        self.lat_proceeds[code] = self.lat_proceeds.get(code, 0) + proceeds
        self.lat_position[key] = position - amount

    def copy_edge_at(self, wallet: int) -> dict[int, float | None]:
        """Return per SOL of copying ``wallet`` at each latency (ms), open copies marked now."""
        edges: dict[int, float | None] = {}
        n = len(COPY_LATENCIES_MS)
        for index, latency in enumerate(COPY_LATENCIES_MS):
            code = wallet * n + index
            cost = self.lat_cost.get(code, 0)
            if not cost:
                edges[latency] = None
                continue
            value = self.lat_proceeds.get(code, 0)
            for (held_code, token), amount in self.lat_position.items():
                if held_code == code and amount:
                    value += self.mark_value(wallet, token, amount)
            edges[latency] = (value - cost) / cost
        return edges

    def truth(self) -> dict[str, Any]:
        """The classic truth plus copy bots, smart wallets' skill, edge decay and copy edge by
        latency (``copyableAtMs``: latencies whose edge >= ``COPYABLE_EDGE``), and archetypes."""
        truth = super().truth()
        by_address = {entry["address"]: entry for entry in truth["wallets"]}
        for wallet in self.wallets_by_label["smart"]:
            entry = by_address[self.addr[wallet]]
            edges = self.copy_edge_at(wallet)
            entry["skill"] = round(self.skill[wallet], 4)
            entry["edgeDecayMs"] = self.edge_decay_ms[wallet]
            entry["copyEdgeByLatencyMs"] = {
                str(latency): None if edge is None else round(edge, 6)
                for latency, edge in edges.items()
            }
            entry["copyableAtMs"] = [
                latency
                for latency, edge in edges.items()
                if edge is not None and edge >= COPYABLE_EDGE
            ]
        for bot in self.wallets_by_label["copy"]:
            edge = self.copy_edge(bot)
            truth["wallets"].append(
                {
                    "address": self.addr[bot],
                    "label": "copy",
                    "cluster": None,
                    "owner": self.addr[bot],
                    "funder": self.addr[self.funder_of[bot]] if bot in self.funder_of else None,
                    "trades": len(self.tx_index.get(bot, ())),
                    "solSpent": self.sol_spent.get(bot, 0),
                    "solReceived": self.sol_received.get(bot, 0),
                    "copyableEdge": None if edge is None else round(edge, 6),
                    "follows": [
                        self.addr[leader] for leader, bots in self.followers.items() if bot in bots
                    ],
                }
            )
        for entry in truth["clusters"]:  # how the owner hid: "hops", "exchange" or "direct"
            entry["funding"] = self.cluster_funding[entry["id"]]
        archetypes = {self.tokens[idx].mint: kind for idx, kind in self.archetype.items()}
        for entry in truth["tokens"]:
            entry["archetype"] = archetypes.get(entry["mint"], "established")
        return truth


TOPPED_UP = ("smart", "sniper", "insider", "wash", "copy")
EVENT_BUY_SNIPE = 102
EVENT_MEMBER_SOL = 103  # (sender, recipient, lamports): SOL between cluster members


WORLD_MODELS["calibrated"] = CalibratedWorld

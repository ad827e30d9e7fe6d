"""The simulated market: agents with hidden labels trading tokens on curves and pools.

Generation is event driven: every agent action is a heap entry ``(time_ms, seq, ...)``; running
the heap up to a time executes the actions against pool and wallet state, in one deterministic
order. Fast-forward runs the heap to "now" at once; live mode runs it as the clock advances.
Transactions are stored compactly in parallel integer arrays and rendered to JSON on demand.
"""

from __future__ import annotations

import heapq
import math
import random
from array import array
from dataclasses import dataclass, field
from typing import Any

from sim.chain import (
    ATA_RENT,
    BASE_FEE,
    CPMM_FEE_BPS,
    CURVE_FEE_BPS,
    CURVE_REAL_TOKENS,
    CURVE_SUPPLY,
    CURVE_VIRTUAL_SOL,
    CURVE_VIRTUAL_TOKENS,
    LAMPORTS_PER_SOL,
    MIGRATION_FEE,
    T0,
    USDC_MINT,
    WSOL_MINT,
    Pool,
    SignatureCodec,
    derive_address,
    derive_pump_mint,
    slot_at,
)

# transaction kinds
SWAP, FAILED, SOL_TRANSFER, TOKEN_TRANSFER, LIQ_WITHDRAW, WRAP = 0, 1, 2, 3, 4, 5
# flags
F_NEW_ATA, F_FUNDER_PAYS, F_MULTIHOP, F_NEW_DEST_ATA, F_STANDING_WSOL = 1, 2, 4, 8, 16
# heap event codes
(
    E_LAUNCH,
    E_BUY,
    E_SELL,
    E_RBUY,
    E_RSELL,
    E_FUND,
    E_PULL,
    E_XFER,
    E_CBUY,
    E_CSELL,
    E_GIFT,
    E_WRAP,
) = range(12)

LABELS = ("retail", "smart", "sniper", "insider", "wash", "dev", "funder", "exchange")
FATES = ("pump", "bleed", "rug", "dead")
COPY_DELAY_MS = 3_000
COPY_SLIPPAGE = 0.05
COPY_SIZE = LAMPORTS_PER_SOL // 2
_WORDS = [
    "grid",
    "cat",
    "orbit",
    "moon",
    "frog",
    "pepe",
    "doge",
    "wif",
    "bonk",
    "zap",
    "nova",
    "luna",
    "byte",
    "pixel",
    "rocket",
    "hype",
    "chad",
    "giga",
    "based",
    "turbo",
    "meme",
    "shib",
    "floki",
    "kitty",
    "bear",
    "bull",
    "apex",
    "echo",
    "flux",
    "glow",
    "jade",
    "koi",
    "lava",
    "mochi",
]


@dataclass(slots=True)
class Scenario:
    """Sizes and rates of one simulated market (defaults: the acceptance-size day)."""

    seed: int = 1
    history_hours: float = 24.0
    live_hours: float = 24.0
    launches_per_day: int = 320
    n_established: int = 8
    n_retail: int = 9_600
    n_usdc_retail: int = 200
    n_smart: int = 30
    n_snipers: int = 120
    n_wash: int = 150
    n_clusters: int = 40
    cluster_min: int = 3
    cluster_max: int = 12
    n_exchanges: int = 5
    activity: float = 1.05
    graduation_sol: int = 85 * LAMPORTS_PER_SOL

    @classmethod
    def small(cls, seed: int = 1) -> Scenario:
        """A few-second scenario for tests: same mechanics, fewer actors and hours."""
        return cls(
            seed=seed,
            history_hours=2.0,
            live_hours=2.0,
            launches_per_day=240,
            n_established=3,
            n_retail=400,
            n_usdc_retail=20,
            n_smart=8,
            n_snipers=10,
            n_wash=6,
            n_clusters=6,
            activity=0.25,
            graduation_sol=40 * LAMPORTS_PER_SOL,
        )


@dataclass(slots=True)
class Token:
    """A mint with its metadata, hidden fate and markets."""

    idx: int
    ent: int
    mint: str
    name: str
    symbol: str
    decimals: int
    supply: int
    program: str
    mint_authority: int | None
    freeze_authority: int | None
    extensions: tuple[str, ...]
    created_ms: int
    fate: str
    creator: int
    pools: list[int] = field(default_factory=list)
    active_pool: int = -1
    graduated_ms: int | None = None
    rugged_ms: int | None = None
    lp_locked_pct: float = 100.0
    lifetime_ms: int = 0
    boost: int = 0
    is_pump: bool = True


class World:
    """State and history of one simulated market, deterministic from ``scenario.seed``."""

    def __init__(self, scenario: Scenario) -> None:  # noqa: PLR0915 - one flat dispatch reads better than fragments
        self.sc = scenario
        self.seed = scenario.seed
        self.rng = random.Random(scenario.seed)
        self.sigs = SignatureCodec(scenario.seed)
        self.start_ms = T0 * 1000 - int(scenario.history_hours * 3_600_000)
        self.history_end_ms = T0 * 1000
        self.horizon_ms = T0 * 1000 + int(scenario.live_hours * 3_600_000)
        self.now_ms = self.start_ms
        # entities (anything with an address)
        self.addr: list[str] = []
        self.role: list[str] = []
        self.by_addr: dict[str, int] = {}
        self.sol: list[int] = []  # lamports held by each entity (wallet-like ones)
        self.genesis_sol: dict[int, int] = {}
        self.funder_of: dict[int, int] = {}
        self.cluster_of: dict[int, int] = {}
        self.clusters: list[list[int]] = []
        self.cluster_funder: list[int] = []
        self.cluster_fee_payer: list[bool] = []
        self.ata_cache: dict[tuple[int, int], str] = {}
        # tokens and pools
        self.tokens: list[Token] = []
        self.by_mint: dict[str, int] = {}
        self.pools: list[Pool] = []
        self.pool_ent: list[int] = []
        self.pool_init: list[tuple[int, int]] = []
        self.by_pool_addr: dict[str, int] = {}
        self.holdings: dict[tuple[int, int], int] = {}
        self.genesis_tokens: dict[tuple[int, int], int] = {}
        self.holders: dict[int, list[int]] = {}
        self.wsol: dict[int, int] = {}  # SOL wrapped in standing WSOL accounts (bots)
        # transactions (parallel arrays)
        self.t_kind = array("b")
        self.t_side = array("b")
        self.t_flags = array("b")
        self.t_ts = array("q")
        self.t_wallet = array("l")
        self.t_pool = array("l")
        self.t_token = array("l")
        self.t_in = array("q")
        self.t_out = array("q")
        self.t_vfee = array("q")
        self.t_fee = array("q")
        self.t_tip = array("q")
        self.t_rq = array("q")
        self.t_rb = array("q")
        self.t_aux = array("q")
        self.t_mid = array("q")
        self.tx_index: dict[int, list[int]] = {}
        self.pool_txs: dict[int, list[int]] = {}
        # copy-edge bookkeeping (truth only)
        self.copy_cost: dict[int, int] = {}
        self.copy_back: dict[int, int] = {}
        self.copy_pos: dict[tuple[int, int], int] = {}
        self.copy_skipped: dict[int, int] = {}
        self.pnl_in: dict[int, int] = {}
        self.pnl_out: dict[int, int] = {}
        self.heap: list[tuple[int, int, int, int, int, int]] = []
        self._seq = 0
        self._build()

    # ------------------------------------------------------------------ entities
    def _ent(self, role: str, label: str, address: str | None = None) -> int:
        eid = len(self.addr)
        text = address or derive_address(self.seed, label)
        self.addr.append(text)
        self.role.append(role)
        self.by_addr[text] = eid
        self.sol.append(0)
        return eid

    def ata(self, owner: int, token: int) -> str:
        """Associated token account of (owner, token), derived on demand."""
        key = (owner, token)
        text = self.ata_cache.get(key)
        if text is None:
            text = derive_address(self.seed, f"ata:{owner}:{token}")
            self.ata_cache[key] = text
        return text

    def _push(self, ts: int, code: int, a: int = 0, b: int = 0, c: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (ts, self._seq, code, a, b, c))

    def _build(self) -> None:  # noqa: PLR0912 - one flat dispatch reads better than fragments
        sc, rng = self.sc, self.rng
        self.exchanges = [self._ent("exchange", f"exchange:{i}") for i in range(sc.n_exchanges)]
        for ex in self.exchanges:
            self.sol[ex] = 10**9 * LAMPORTS_PER_SOL
            self.genesis_sol[ex] = self.sol[ex]
        self.wallets_by_label: dict[str, list[int]] = {k: [] for k in LABELS}
        for label, count in (
            ("retail", sc.n_retail),
            ("smart", sc.n_smart),
            ("sniper", sc.n_snipers),
            ("wash", sc.n_wash),
        ):
            for i in range(count):
                self.wallets_by_label[label].append(self._ent(label, f"{label}:{i}"))
        for c in range(sc.n_clusters):
            funder = self._ent("funder", f"funder:{c}")
            self.wallets_by_label["funder"].append(funder)
            size = rng.randint(sc.cluster_min, sc.cluster_max)
            members = [self._ent("insider", f"insider:{c}:{i}") for i in range(size)]
            self.wallets_by_label["insider"].extend(members)
            self.clusters.append(members)
            self.cluster_funder.append(funder)
            self.cluster_fee_payer.append(rng.random() < 0.4)
            for m in members:
                self.cluster_of[m] = c
                self.funder_of[m] = funder
        # SOL/USDC reference pool and the USDC token
        self._usdc_token(rng)
        for i in range(sc.n_established):
            self._established(i, rng)
        # funding: exchange -> wallets (funders first, then members)
        t = self.start_ms + 1_000
        for funder in self.wallets_by_label["funder"]:
            self.funder_of[funder] = rng.choice(self.exchanges)
            self._push(t, E_FUND, funder, int(rng.uniform(60, 200) * LAMPORTS_PER_SOL))
            t += rng.randint(50, 400)
        for label, lo, hi in (
            ("smart", 60, 300),
            ("sniper", 30, 120),
            ("wash", 20, 60),
            ("retail", 0.5, 25),
        ):
            for w in self.wallets_by_label[label]:
                self.funder_of.setdefault(w, rng.choice(self.exchanges))
                amount = int(math.exp(rng.uniform(math.log(lo), math.log(hi))) * LAMPORTS_PER_SOL)
                self._push(t, E_FUND, w, amount)
                if label == "wash":
                    self._push(t + 2_000, E_WRAP, w, amount // 2)
                t += rng.randint(5, 60)
        for c, members in enumerate(self.clusters):
            base_t = self.start_ms + 300_000 + c * 2_000
            for k, m in enumerate(members):
                self._push(base_t + k * 400, E_FUND, m, int(rng.uniform(5, 15) * LAMPORTS_PER_SOL))
        for w in self.wallets_by_label["retail"][: sc.n_usdc_retail]:
            self._push(t, E_XFER, self.exchanges[0], w, int(rng.uniform(50, 2_000) * 10**6))
            t += 30
        # launches over the whole horizon
        span = self.horizon_ms - self.start_ms
        n_launch = int(sc.launches_per_day * span / 86_400_000)
        gap = (span - 600_000) / max(n_launch, 1)  # evenly spread, jittered: stable daily counts
        for i in range(n_launch):
            self._push(self.start_ms + 600_000 + int((i + rng.random()) * gap), E_LAUNCH, i)

    def _new_token(  # noqa: PLR0917 - one flat dispatch reads better than fragments
        self,
        mint: str,
        name: str,
        symbol: str,
        decimals: int,
        supply: int,
        created_ms: int,
        fate: str,
        creator: int,
        *,
        is_pump: bool,
    ) -> Token:
        ent = self._ent("mint", "", mint)
        tok = Token(
            idx=len(self.tokens),
            ent=ent,
            mint=mint,
            name=name,
            symbol=symbol,
            decimals=decimals,
            supply=supply,
            program="TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            mint_authority=None,
            freeze_authority=None,
            extensions=(),
            created_ms=created_ms,
            fate=fate,
            creator=creator,
            is_pump=is_pump,
        )
        self.tokens.append(tok)
        self.by_mint[mint] = tok.idx
        self.holders[tok.idx] = []
        return tok

    def _new_pool(  # noqa: PLR0917 - one flat dispatch reads better than fragments
        self,
        tok: Token,
        quote_mint: str,
        venue: str,
        quote: int,
        base: int,
        ms: int,
        *,
        curve: bool,
    ) -> Pool:
        pid = len(self.pools)
        ent = self._ent("pool", f"pool:{pid}")
        fee = CURVE_FEE_BPS if curve else CPMM_FEE_BPS
        if curve:
            pool = Pool(
                pid,
                tok.idx,
                quote_mint,
                venue,
                fee,
                CURVE_VIRTUAL_SOL,
                CURVE_VIRTUAL_TOKENS,
                0,
                CURVE_REAL_TOKENS,
                ms,
                True,
                True,
            )
        else:
            pool = Pool(pid, tok.idx, quote_mint, venue, fee, quote, base, quote, base, ms)
        self.pools.append(pool)
        self.pool_ent.append(ent)
        self.pool_init.append((pool.quote, pool.base))
        self.by_pool_addr[self.addr[ent]] = pid
        self.pool_txs[pid] = []
        tok.pools.append(pid)
        return pool

    def _usdc_token(self, rng: random.Random) -> None:
        issuer = self._ent("dev", "usdc-issuer")
        tok = self._new_token(
            USDC_MINT,
            "USD Coin",
            "USDC",
            6,
            10**16,
            self.start_ms - 10**11,
            "stable",
            issuer,
            is_pump=False,
        )
        tok.mint_authority = issuer
        tok.freeze_authority = issuer
        pool = self._new_pool(
            tok,
            WSOL_MINT,
            "raydium",
            200_000 * LAMPORTS_PER_SOL,
            30_000_000 * 10**6,
            self.start_ms - 10**10,
            curve=False,
        )
        tok.active_pool = pool.pid
        self.holdings[(self.exchanges[0], tok.idx)] = 10**15
        self.genesis_tokens[(self.exchanges[0], tok.idx)] = 10**15

    def _name(self, rng: random.Random) -> tuple[str, str]:
        a, b = rng.choice(_WORDS), rng.choice(_WORDS)
        return f"{a.title()} {b.title()}", (a[:2] + b[:3]).upper()

    def _established(self, i: int, rng: random.Random) -> None:
        dev = self._ent("dev", f"est-dev:{i}")
        name, symbol = self._name(rng)
        decimals = rng.choice((6, 9, 9, 8))
        supply = rng.choice((10**8, 10**9)) * 10**decimals
        tok = self._new_token(
            derive_address(self.seed, f"est-mint:{i}"),
            name,
            symbol,
            decimals,
            supply,
            self.start_ms - rng.randint(1, 30) * 86_400_000,
            "bleed",
            dev,
            is_pump=False,
        )
        if i % 3 == 1:
            tok.mint_authority = dev
        if i % 4 == 2:
            tok.freeze_authority = dev
        if i % 5 == 3:
            tok.program = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
            tok.extensions = (
                ("permanentDelegate", "transferFeeConfig") if i % 2 else ("metadataPointer",)
            )
        tok.lp_locked_pct = 0.0 if i % 3 == 1 else 100.0
        tok.boost = rng.choice((0, 0, 100, 500))
        sol_liq = rng.randint(300, 3_000) * LAMPORTS_PER_SOL
        base = supply * rng.randint(30, 60) // 100
        pool = self._new_pool(tok, WSOL_MINT, "raydium", sol_liq, base, tok.created_ms, curve=False)
        tok.active_pool = pool.pid
        self.holdings[(dev, tok.idx)] = supply - base
        self.genesis_tokens[(dev, tok.idx)] = supply - base
        self.holders[tok.idx].append(dev)
        if i == 0:
            usdc_pool_quote = sol_liq * 150 // 1000 // 10  # a tenth of the SOL liquidity, in USDC
            ubase = base // 10
            self.holdings[(dev, tok.idx)] -= ubase
            self.genesis_tokens[(dev, tok.idx)] -= ubase
            self._new_pool(
                tok,
                USDC_MINT,
                "raydium",
                usdc_pool_quote,
                ubase,
                tok.created_ms + 86_400_000,
                curve=False,
            )
        # steady flow over the horizon
        n = int(3_000 * self.sc.activity * (self.horizon_ms - self.start_ms) / 86_400_000)
        span = self.horizon_ms - self.start_ms
        for _ in range(n):
            t = self.start_ms + 900_000 + int(rng.random() * (span - 900_000))
            self._retail_action(tok, t, rng, 0.5)

    # ------------------------------------------------------------------ scheduling
    def _retail_action(
        self, tok: Token, t: int, rng: random.Random, p_buy: float, scale: float = 1.0
    ) -> None:
        if rng.random() < p_buy:
            retail = self.wallets_by_label["retail"]
            if (
                len(tok.pools) > 1
                and not tok.is_pump
                and self.sc.n_usdc_retail
                and rng.random() < 0.4
            ):
                retail = retail[: self.sc.n_usdc_retail]  # USDC holders trade the USDC pool
            w = rng.choice(retail)
            size = int(math.exp(rng.gauss(math.log(0.25 * scale), 1.0)) * LAMPORTS_PER_SOL)
            self._push(t, E_RBUY, w, tok.idx, max(size, 10_000_000))
        else:
            self._push(t, E_RSELL, 0, tok.idx, rng.randint(30, 100))

    def _launch(self, i: int, now: int) -> None:  # noqa: PLR0912,PLR0915 - one flat dispatch reads better than fragments
        rng = random.Random(self.seed * 1_000_003 + i)
        sc = self.sc
        dev = self._ent("dev", f"dev:{i}")
        self.funder_of[dev] = rng.choice(self.exchanges)
        self._fund(now - 200, dev, int(rng.uniform(3, 8) * LAMPORTS_PER_SOL))
        name, symbol = self._name(rng)
        fate = rng.choices(FATES, weights=(15, 25, 30, 30))[0]
        tok = self._new_token(
            derive_pump_mint(self.seed, f"mint:{i}"),
            name,
            symbol,
            6,
            CURVE_SUPPLY,
            now,
            fate,
            dev,
            is_pump=True,
        )
        tok.boost = rng.choice((0, 0, 0, 10, 30))
        pool = self._new_pool(tok, WSOL_MINT, "pumpfun", 0, 0, now, curve=True)
        tok.active_pool = pool.pid
        life = {
            "pump": (3_600_000, 10_800_000),
            "bleed": (1_800_000, 7_200_000),
            "rug": (900_000, 3_600_000),
            "dead": (300_000, 1_200_000),
        }[fate]
        tok.lifetime_ms = rng.randint(*life)
        end = now + tok.lifetime_ms
        self._push(now, E_BUY, dev, tok.idx, int(rng.uniform(0.3, 2.0) * LAMPORTS_PER_SOL))
        dev_exit = now + int(tok.lifetime_ms * rng.uniform(0.2, 0.6))
        if fate in ("rug", "dead"):
            self._push(dev_exit, E_SELL, dev, tok.idx, 100)
        # snipers: first-slot buys, out within seconds
        if rng.random() < 0.6:
            for s in rng.sample(
                self.wallets_by_label["sniper"],
                min(len(self.wallets_by_label["sniper"]), rng.randint(1, 5)),
            ):
                self._push(
                    now + rng.randint(0, 399),
                    E_BUY,
                    s,
                    tok.idx,
                    int(rng.uniform(0.5, 3) * LAMPORTS_PER_SOL),
                )
                self._push(now + rng.randint(2_000, 15_000), E_SELL, s, tok.idx, 100)
        # insiders co-enter within a few slots and dump together
        rug_t = now + int(tok.lifetime_ms * rng.uniform(0.3, 0.7))
        if (
            fate in ("rug", "pump")
            and self.clusters
            and rng.random() < (0.8 if fate == "rug" else 0.3)
        ):
            c = rng.randrange(len(self.clusters))
            for m in self.clusters[c]:
                self._push(
                    now + rng.randint(0, 4) * 400 + rng.randint(0, 399),
                    E_BUY,
                    m,
                    tok.idx,
                    int(rng.uniform(0.5, 2.5) * LAMPORTS_PER_SOL),
                )
                exit_t = rug_t if fate == "rug" else now + int(tok.lifetime_ms * 0.5)
                self._push(exit_t + rng.randint(0, 3) * 400, E_SELL, m, tok.idx, 100)
        if fate == "rug":
            self._push(rug_t + 2_000, E_PULL, tok.idx)
        # smart money: early into runners, out into the rise
        smart = self.wallets_by_label["smart"]
        if smart and fate == "pump":
            for w in rng.sample(smart, min(len(smart), rng.randint(2, 6))):
                self._push(
                    now + rng.randint(60_000, 900_000),
                    E_BUY,
                    w,
                    tok.idx,
                    int(rng.uniform(0.5, 3) * LAMPORTS_PER_SOL),
                )
                self._push(
                    now + int(tok.lifetime_ms * rng.uniform(0.3, 0.5)), E_SELL, w, tok.idx, 50
                )
                self._push(
                    now + int(tok.lifetime_ms * rng.uniform(0.5, 0.6)), E_SELL, w, tok.idx, 100
                )
        elif smart and fate in ("bleed", "rug") and rng.random() < 0.6:
            # misses: smart money also buys losers, so labels are not a free lunch
            for w in rng.sample(smart, min(len(smart), rng.randint(1, 3))):
                size = int(rng.uniform(0.5, 2) * LAMPORTS_PER_SOL)
                self._push(now + rng.randint(20_000, 120_000), E_BUY, w, tok.idx, size)
                exit_t = (
                    rug_t + rng.randint(2_000, 30_000)
                    if fate == "rug"
                    else now + rng.randint(300_000, 1_500_000)
                )
                self._push(exit_t, E_SELL, w, tok.idx, 100)
        # wash traders round-trip
        if self.wallets_by_label["wash"] and rng.random() < 0.35:
            w = rng.choice(self.wallets_by_label["wash"])
            for _ in range(int(rng.randint(10, 60) * sc.activity) + 1):
                t = now + rng.randint(5_000, tok.lifetime_ms)
                self._push(t, E_BUY, w, tok.idx, int(rng.uniform(0.2, 1.5) * LAMPORTS_PER_SOL))
                self._push(t + rng.randint(1, 3) * 400, E_SELL, w, tok.idx, 100)
        # retail flow
        n_actions = {"pump": 6_000, "bleed": 2_000, "rug": 1_500, "dead": 200}[fate]
        n = int(n_actions * sc.activity * rng.uniform(0.6, 1.4))
        for _ in range(n):
            x = rng.random() ** 1.6  # front-loaded activity
            t = now + 1_000 + int(x * tok.lifetime_ms)
            frac = (t - now) / tok.lifetime_ms
            if fate == "pump":
                p = 0.64 if frac < 0.5 else 0.36
            elif fate == "bleed":
                p = 0.42
            elif fate == "rug":
                p = 0.62 if t < rug_t else 0.3
            else:
                p = 0.5
            self._retail_action(tok, t, rng, p, {"pump": 1.0, "rug": 0.9}.get(fate, 0.3))
        # retail stragglers after the end
        for _ in range(int(20 * sc.activity)):
            self._retail_action(tok, end + rng.randint(0, 3_600_000), rng, 0.2)

    # ------------------------------------------------------------------ execution
    def advance_to(self, ts_ms: int) -> int:  # noqa: PLR0912 - one flat dispatch reads better than fragments
        """Execute every scheduled action up to ``ts_ms``; returns how many txs were added."""
        before = len(self.t_kind)
        heap = self.heap
        pop = heapq.heappop
        while heap and heap[0][0] <= ts_ms:
            t, _, code, a, b, c = pop(heap)
            if code == E_RBUY:
                self._buy(t, a, b, c, retail=True)
            elif code == E_RSELL:
                holders = self.holders[b]
                for _ in range(4):
                    if not holders:
                        break
                    w = holders[self.rng.randrange(len(holders))]
                    if self.role[w] == "retail" and self.holdings.get((w, b), 0) > 0:
                        self._sell(t, w, b, c)
                        break
            elif code == E_BUY:
                self._buy(t, a, b, c, retail=False)
            elif code == E_SELL:
                self._sell(t, a, b, c)
            elif code == E_CBUY:
                self._copy_buy(a, b, c)
            elif code == E_CSELL:
                self._copy_sell(a, b, c)
            elif code == E_FUND:
                self._fund(t, a, b)
            elif code == E_XFER:
                self._token_transfer(t, a, b, 0, c)
            elif code == E_LAUNCH:
                self._launch(a, t)
            elif code == E_PULL:
                self._pull(t, a)
            elif code == E_WRAP:
                self._wrap(t, a, b)
            elif code == E_GIFT:
                self._token_transfer(t, a, c, b, self.holdings.get((a, b), 0) // 4)
        self.now_ms = max(self.now_ms, ts_ms)
        return len(self.t_kind) - before

    def _record(  # noqa: PLR0917 - one flat dispatch reads better than fragments
        self,
        kind: int,
        side: int,
        flags: int,
        ts: int,
        wallet: int,
        pool: int,
        token: int,
        a_in: int,
        a_out: int,
        vfee: int,
        fee: int,
        tip: int,
        rq: int,
        rb: int,
        aux: int,
        mid: int,
        extra: tuple[int, ...] = (),
    ) -> int:
        tx = len(self.t_kind)
        self.t_kind.append(kind)
        self.t_side.append(side)
        self.t_flags.append(flags)
        self.t_ts.append(ts)
        self.t_wallet.append(wallet)
        self.t_pool.append(pool)
        self.t_token.append(token)
        self.t_in.append(a_in)
        self.t_out.append(a_out)
        self.t_vfee.append(vfee)
        self.t_fee.append(fee)
        self.t_tip.append(tip)
        self.t_rq.append(rq)
        self.t_rb.append(rb)
        self.t_aux.append(aux)
        self.t_mid.append(mid)
        idx = self.tx_index
        for ent in (wallet, *extra):
            lst = idx.get(ent)
            if lst is None:
                idx[ent] = [tx]
            elif lst[-1] != tx:
                lst.append(tx)
        return tx

    def _fees(self, wallet: int) -> tuple[int, int]:
        role = self.role[wallet]
        rng = self.rng
        if role == "sniper":
            return BASE_FEE + int(rng.lognormvariate(math.log(300_000), 0.8)), int(
                rng.uniform(1e6, 1e7)
            )
        if role == "smart":
            return BASE_FEE + int(rng.lognormvariate(math.log(80_000), 0.7)), (
                int(rng.uniform(1e4, 1e5)) if rng.random() < 0.5 else 0
            )
        return BASE_FEE + int(rng.lognormvariate(math.log(50_000), 1.0)), 0

    def _payer(self, wallet: int) -> tuple[int, int]:
        c = self.cluster_of.get(wallet)
        if c is not None and self.cluster_fee_payer[c]:
            return self.cluster_funder[c], F_FUNDER_PAYS
        return wallet, 0

    def _fund(self, t: int, wallet: int, amount: int) -> None:
        src = self.funder_of.get(wallet) or self.exchanges[0]
        if self.sol[src] < amount + BASE_FEE:
            return
        self.sol[src] -= amount + BASE_FEE
        self.sol[wallet] += amount
        self._record(
            SOL_TRANSFER,
            0,
            0,
            t,
            src,
            -1,
            -1,
            amount,
            0,
            0,
            BASE_FEE,
            0,
            0,
            0,
            wallet,
            0,
            (wallet,),
        )

    def _wrap(self, t: int, wallet: int, amount: int) -> None:
        """Move SOL into the wallet's standing WSOL account (bots keep one open)."""
        new = wallet not in self.wsol
        cost = amount + BASE_FEE + (ATA_RENT if new else 0)
        if self.sol[wallet] < cost:
            return
        self.sol[wallet] -= cost
        self.wsol[wallet] = self.wsol.get(wallet, 0) + amount
        flags = F_NEW_ATA if new else 0
        self._record(WRAP, 0, flags, t, wallet, -1, -1, amount, 0, 0, BASE_FEE, 0, 0, 0, -1, 0)

    def _token_transfer(self, t: int, src: int, dst: int, token: int, amount: int) -> None:
        have = self.holdings.get((src, token), 0)
        amount = min(amount, have)
        if amount <= 0:
            return
        flags = 0
        cost = BASE_FEE
        if (dst, token) not in self.holdings:
            flags |= F_NEW_DEST_ATA
            cost += ATA_RENT
        if self.sol[src] < cost:
            return
        self.sol[src] -= cost
        self.holdings[(src, token)] = have - amount
        if flags & F_NEW_DEST_ATA:
            self.holders[token].append(dst)
        self.holdings[(dst, token)] = self.holdings.get((dst, token), 0) + amount
        self._record(
            TOKEN_TRANSFER,
            0,
            flags,
            t,
            src,
            -1,
            token,
            amount,
            0,
            0,
            BASE_FEE,
            0,
            0,
            0,
            dst,
            0,
            (dst, self.tokens[token].ent),
        )

    def _route(self, tok: Token, wallet: int) -> tuple[Pool, Pool | None]:
        """The pool a wallet trades on; USDC wallets use the USDC pool when one exists."""
        if tok.idx != 0 and len(tok.pools) > 1 and not tok.is_pump:
            usdc_pool = self.pools[tok.pools[1]]
            if (wallet, 0) in self.holdings and self.holdings[(wallet, 0)] > 0:
                return usdc_pool, None
            if self.rng.random() < 0.2:
                return usdc_pool, self.pools[self.tokens[0].active_pool]
        return self.pools[tok.active_pool], None

    def _buy(self, t: int, wallet: int, token: int, size: int, *, retail: bool) -> None:  # noqa: PLR0912,PLR0915 - one flat dispatch reads better than fragments
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        if not pool.active:
            return
        pool, hop = self._route(tok, wallet)
        fee, tip = self._fees(wallet)
        payer, pflag = self._payer(wallet)
        new_ata = (wallet, token) not in self.holdings
        usdc_in = pool.quote_mint == USDC_MINT and hop is None
        standing = (
            hop is None
            and not pool.is_curve
            and pool.quote_mint == WSOL_MINT
            and self.wsol.get(wallet, 0) >= size
            and self.role[wallet] == "wash"
        )
        if usdc_in:
            bal = self.holdings.get((wallet, 0), 0)
            size = min(bal, size * 150 // 1000)  # lamports -> micro-USDC at ~150 $/SOL
            if size <= 0:
                return
            need_sol = (fee if payer == wallet else 0) + tip + (ATA_RENT if new_ata else 0)
        else:
            need_sol = (
                (0 if standing else size)
                + tip
                + (fee if payer == wallet else 0)
                + (ATA_RENT if new_ata else 0)
            )
        if self.sol[wallet] < need_sol:
            if retail and self.rng.random() < 0.3:
                self._fund(t - 1, wallet, int(self.rng.uniform(1, 10) * LAMPORTS_PER_SOL))
            if self.sol[wallet] < need_sol:
                return
        if self.sol[payer] < fee:
            return
        fail_p = 0.05 if self.role[wallet] == "sniper" else 0.02
        pool_ent = self.pool_ent[pool.pid]
        if self.rng.random() < fail_p:
            self.sol[payer] -= fee
            self._record(
                FAILED,
                0,
                pflag,
                t,
                wallet,
                pool.pid,
                token,
                size,
                0,
                0,
                fee,
                0,
                0,
                0,
                0,
                0,
                (payer,) if payer != wallet else (),
            )
            return
        flags = pflag | (F_NEW_ATA if new_ata else 0) | (F_STANDING_WSOL if standing else 0)
        mid = 0
        aux = -1
        if hop is not None:
            mid, _ = hop.apply_buy(size)
            out, vfee = pool.apply_buy(mid)
            flags |= F_MULTIHOP
            aux = hop.pid
        else:
            out, vfee = pool.apply_buy(size)
        if out <= 0:
            return
        self.sol[payer] -= fee
        self.sol[wallet] -= tip + (ATA_RENT if new_ata else 0)
        if usdc_in:
            self.holdings[(wallet, 0)] -= size
        elif standing:
            self.wsol[wallet] -= size
        else:
            self.sol[wallet] -= size
        if new_ata:
            self.holders[token].append(wallet)
        self.holdings[(wallet, token)] = self.holdings.get((wallet, token), 0) + out
        extra: tuple[int, ...] = (
            (pool_ent, tok.ent) if payer == wallet else (pool_ent, tok.ent, payer)
        )
        if hop is not None:
            extra = (*extra, self.pool_ent[hop.pid])
        tx = self._record(
            SWAP,
            0,
            flags,
            t,
            wallet,
            pool.pid,
            token,
            size,
            out,
            vfee,
            fee,
            tip,
            pool.real_quote,
            pool.real_base,
            aux,
            mid,
            extra,
        )
        self.pool_txs[pool.pid].append(tx)
        if hop is not None:
            self.pool_txs[hop.pid].append(tx)
        if retail and self.rng.random() < 0.004:
            dst = self.rng.choice(self.wallets_by_label["retail"])
            if dst != wallet:
                self._push(t + self.rng.randint(5_000, 120_000), E_GIFT, wallet, token, dst)
        if pool.quote_mint == WSOL_MINT and hop is None:
            self.pnl_in[wallet] = self.pnl_in.get(wallet, 0) + size
            self._push(t + COPY_DELAY_MS, E_CBUY, wallet, token, out * 10**9 // max(size, 1))
        if pool.is_curve and (pool.real_quote >= self.sc.graduation_sol or pool.real_base <= 0):
            self._graduate(t, tok, pool)

    def _sell(self, t: int, wallet: int, token: int, pct: int) -> None:
        tok = self.tokens[token]
        have = self.holdings.get((wallet, token), 0)
        amount = have * pct // 100
        if amount <= 0:
            return
        pool = self.pools[tok.active_pool]
        if tok.pools and len(tok.pools) > 1 and not tok.is_pump and (wallet, 0) in self.holdings:
            pool = self.pools[tok.pools[1]]
        if not pool.active:
            return
        fee, tip = self._fees(wallet)
        payer, pflag = self._payer(wallet)
        if self.sol[payer] < fee + (tip if payer == wallet else 0) or self.sol[wallet] < tip:
            return
        if pool.sell_out(amount)[0] <= 0:
            return
        standing = (
            not pool.is_curve
            and pool.quote_mint == WSOL_MINT
            and wallet in self.wsol
            and self.role[wallet] == "wash"
        )
        if standing:
            pflag |= F_STANDING_WSOL
        out, vfee = pool.apply_sell(amount)
        self.sol[payer] -= fee
        self.sol[wallet] -= tip
        self.holdings[(wallet, token)] = have - amount
        if pool.quote_mint == USDC_MINT:
            self.holdings[(wallet, 0)] = self.holdings.get((wallet, 0), 0) + out
        else:
            if standing:
                self.wsol[wallet] += out
            else:
                self.sol[wallet] += out
            self.pnl_out[wallet] = self.pnl_out.get(wallet, 0) + out
            self._push(t + COPY_DELAY_MS, E_CSELL, wallet, token, amount * 10_000 // have)
        extra = (
            (self.pool_ent[pool.pid], tok.ent)
            if payer == wallet
            else (self.pool_ent[pool.pid], tok.ent, payer)
        )
        tx = self._record(
            SWAP,
            1,
            pflag,
            t,
            wallet,
            pool.pid,
            token,
            amount,
            out,
            vfee,
            fee,
            tip,
            pool.real_quote,
            pool.real_base,
            -1,
            0,
            extra,
        )
        self.pool_txs[pool.pid].append(tx)

    def _graduate(self, t: int, tok: Token, curve: Pool) -> None:
        curve.active = False
        rng = random.Random(self.seed * 7 + tok.idx)
        venue = "pumpswap" if rng.random() < 0.7 else "raydium"
        quote = curve.real_quote - MIGRATION_FEE
        base = curve.real_base + (CURVE_SUPPLY - CURVE_REAL_TOKENS)
        pool = self._new_pool(tok, WSOL_MINT, venue, quote, base, t + 400, curve=False)
        tok.active_pool = pool.pid
        tok.graduated_ms = t
        tok.lp_locked_pct = 100.0 if venue == "pumpswap" else 0.0

    def _pull(self, t: int, token: int) -> None:
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        tok.rugged_ms = t
        if pool.is_curve:
            return  # a curve cannot be pulled: the insiders' dump already was the rug
        q, b = pool.real_quote, pool.real_base
        pool.quote = pool.real_quote = 0
        pool.base = pool.real_base = 0
        pool.active = False
        dev = tok.creator
        self.sol[dev] += q - BASE_FEE
        self.holdings[(dev, token)] = self.holdings.get((dev, token), 0) + b
        if b and dev not in self.holders[token]:
            self.holders[token].append(dev)
        tx = self._record(
            LIQ_WITHDRAW,
            0,
            0,
            t,
            dev,
            pool.pid,
            token,
            q,
            b,
            0,
            BASE_FEE,
            0,
            0,
            0,
            -1,
            0,
            (self.pool_ent[pool.pid], tok.ent),
        )
        self.pool_txs[pool.pid].append(tx)

    def _copy_buy(self, wallet: int, token: int, leader_rate: int) -> None:
        pool = self.pools[self.tokens[token].active_pool]
        if not pool.active or pool.quote_mint != WSOL_MINT:
            return
        out, _ = pool.buy_out(COPY_SIZE)
        if out * 10**9 // COPY_SIZE < leader_rate * (1 - COPY_SLIPPAGE):
            self.copy_skipped[wallet] = self.copy_skipped.get(wallet, 0) + 1
            return
        self.copy_cost[wallet] = self.copy_cost.get(wallet, 0) + COPY_SIZE
        key = (wallet, token)
        self.copy_pos[key] = self.copy_pos.get(key, 0) + out

    def _copy_sell(self, wallet: int, token: int, frac_bps: int) -> None:
        key = (wallet, token)
        pos = self.copy_pos.get(key, 0)
        if pos <= 0:
            return
        amount = pos if frac_bps >= 9_999 else pos * frac_bps // 10_000
        pool = self.pools[self.tokens[token].active_pool]
        got = pool.sell_out(amount)[0] if pool.active else 0
        self.copy_back[wallet] = self.copy_back.get(wallet, 0) + got
        self.copy_pos[key] = pos - amount

    # ------------------------------------------------------------------ queries
    def slot(self, ts_ms: int | None = None) -> int:
        """Slot of a time (default: the world's now)."""
        return slot_at(self.now_ms if ts_ms is None else ts_ms)

    def n_tx(self) -> int:
        """Number of transactions executed so far."""
        return len(self.t_kind)

    def sol_usd(self) -> float:
        """SOL price in USD from the SOL/USDC pool."""
        p = self.pools[self.tokens[0].active_pool]
        return (p.base / 1e6) / (p.quote / 1e9)

    def token_price_sol(self, token: int) -> float:
        """Price of one UI token in SOL on its active pool (0 when it has no market)."""
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        if pool.base <= 0:
            return 0.0
        ui = pool.quote / pool.base * 10.0 ** (tok.decimals - 9)
        if pool.quote_mint == USDC_MINT:
            return ui * 1000.0 / self.sol_usd()
        return ui

    def mark_value(self, wallet: int, token: int, amount: int) -> int:
        """Lamports a position would fetch if sold now (0 when no active market)."""
        pool = self.pools[self.tokens[token].active_pool]
        if not pool.active or amount <= 0 or pool.quote_mint != WSOL_MINT:
            return 0
        return pool.sell_out(amount)[0]

    def copy_edge(self, wallet: int) -> float | None:
        """Return per SOL of copying this wallet's buys with a 3 s lag and 5 % slippage cap."""
        cost = self.copy_cost.get(wallet, 0)
        if cost == 0:
            return None
        back = self.copy_back.get(wallet, 0)
        for tok in self.tokens:
            pos = self.copy_pos.get((wallet, tok.idx), 0)
            if pos:
                back += self.mark_value(wallet, tok.idx, pos)
        return (back - cost) / cost

    def truth(self) -> dict[str, Any]:
        """Ground truth for tests and benchmarks: labels, clusters, copyable edge, fates."""
        wallets = []
        for label in ("smart", "sniper", "insider", "wash", "retail"):
            for w in self.wallets_by_label[label]:
                spent = self.pnl_in.get(w, 0)
                got = self.pnl_out.get(w, 0)
                edge = self.copy_edge(w)
                wallets.append(
                    {
                        "address": self.addr[w],
                        "label": label,
                        "cluster": self.cluster_of.get(w),
                        "owner": self.addr[self.cluster_funder[self.cluster_of[w]]]
                        if w in self.cluster_of
                        else self.addr[w],
                        "funder": self.addr[self.funder_of[w]] if w in self.funder_of else None,
                        "trades": len(self.tx_index.get(w, ())),
                        "solSpent": spent,
                        "solReceived": got,
                        "copyableEdge": None if edge is None else round(edge, 6),
                    }
                )
        clusters = [
            {
                "id": c,
                "funder": self.addr[self.cluster_funder[c]],
                "sharedFeePayer": self.cluster_fee_payer[c],
                "members": [self.addr[m] for m in members],
            }
            for c, members in enumerate(self.clusters)
        ]
        tokens = [
            {
                "mint": t.mint,
                "symbol": t.symbol,
                "fate": t.fate,
                "createdAt": t.created_ms // 1000,
                "graduatedAt": None if t.graduated_ms is None else t.graduated_ms // 1000,
                "ruggedAt": None if t.rugged_ms is None else t.rugged_ms // 1000,
                "creator": self.addr[t.creator],
                "pools": [self.addr[self.pool_ent[p]] for p in t.pools],
            }
            for t in self.tokens[1:]
        ]
        return {
            "seed": self.seed,
            "now": self.now_ms // 1000,
            "slot": self.slot(),
            "wallets": wallets,
            "clusters": clusters,
            "tokens": tokens,
            "exchanges": [self.addr[e] for e in self.exchanges],
        }

    def counts(self) -> dict[str, int]:
        """Sizes for the status page and benchmarks."""
        kinds = self.t_kind
        swaps = kinds.count(SWAP)
        return {
            "transactions": len(kinds),
            "swaps": swaps,
            "failed": kinds.count(FAILED),
            "solTransfers": kinds.count(SOL_TRANSFER),
            "tokenTransfers": kinds.count(TOKEN_TRANSFER),
            "liquidityPulls": kinds.count(LIQ_WITHDRAW),
            "wraps": kinds.count(WRAP),
            "tokens": len(self.tokens) - 1,
            "launched": sum(1 for t in self.tokens if t.is_pump),
            "graduated": sum(1 for t in self.tokens if t.graduated_ms is not None),
            "pools": len(self.pools),
            "wallets": sum(
                len(v) for k, v in self.wallets_by_label.items() if k not in ("exchange",)
            ),
            "walletsTraded": sum(1 for e in self.tx_index if self.role[e] in LABELS),
            "smart": len(self.wallets_by_label["smart"]),
            "clusters": len(self.clusters),
        }


def build_world(scenario: Scenario, *, until_ms: int | None = None) -> World:
    """Create a world and fast-forward it to ``until_ms`` (default: the end of its history)."""
    world = World(scenario)
    world.advance_to(world.history_end_ms if until_ms is None else until_ms)
    return world

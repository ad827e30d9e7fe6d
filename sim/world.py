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
from sim.side import (
    AIRDROPS,
    BOT_FEE_BPS,
    BOT_FEE_SHARE,
    CLAIM_STATUS_RENT,
    INTERMEDIATES,
    KNOWN_BOT_FEE_WALLETS,
    KNOWN_BOT_SHARE,
    N_UNKNOWN_BOTS,
    NFT_PRICE_MEDIAN_SOL,
    NFT_SALE_SHARE,
    ROUTE_HOP_FEE_BPS,
    ROUTE_SIZE_MEDIAN_SOL,
    SIDE_EVENT_DELAY_MS,
    SIDE_EVENT_SHARES,
    SIDE_GENESIS_MEDIAN_SOL,
    SIDE_PRIORITY_FEE_MEDIAN,
    TOP_UP_SOL,
    SideLedger,
    airdrop_mint,
    lamports,
    nft_mint,
    nft_sale_split,
)

# transaction kinds (``World.t_kind``)
SWAP, FAILED, SOL_TRANSFER, TOKEN_TRANSFER, LIQUIDITY_WITHDRAW, WRAP = 0, 1, 2, 3, 4, 5
# side transactions (``sim.side``): none is a trade
AIRDROP_CLAIM, NFT_TRADE, QUOTE_ROUTE = 6, 7, 8
# transaction flags (``World.t_flags``, a bit set)
FLAG_NEW_ATA = 1  # the trader's token account is created (rent paid)
FLAG_FUNDER_PAYS = 2  # the cluster funder pays the fee, not the trader
FLAG_MULTIHOP = 4  # a two-hop route: SOL -> USDC -> token
FLAG_NEW_DEST_ATA = 8  # a token transfer creates the recipient's token account
FLAG_STANDING_WSOL = 16  # a bot swaps from its standing WSOL account
FLAG_SIDE = 32  # an exchange's top-up of a wallet's side balance (``sim.side``)
# event codes of the schedule heap; ``World.advance_to`` lists each one's arguments
(
    EVENT_LAUNCH,
    EVENT_BUY,
    EVENT_SELL,
    EVENT_RETAIL_BUY,
    EVENT_RETAIL_SELL,
    EVENT_FUND,
    EVENT_LIQUIDITY_PULL,
    EVENT_USDC_TRANSFER,
    EVENT_COPY_BUY,
    EVENT_COPY_SELL,
    EVENT_TOKEN_GIFT,
    EVENT_WRAP,
    EVENT_AIRDROP_CLAIM,
    EVENT_NFT_TRADE,
    EVENT_QUOTE_ROUTE,
) = range(15)
SIDE_EVENTS = (EVENT_AIRDROP_CLAIM, EVENT_NFT_TRADE, EVENT_QUOTE_ROUTE)  # SIDE_EVENT_SHARES' order
_SIDE_EVENT_TOTAL = sum(SIDE_EVENT_SHARES)

LABELS = ("retail", "smart", "sniper", "insider", "wash", "dev", "funder", "exchange", "copy")
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
    side_flows: bool = True  # bot fees, claims, NFT trades, quote routes (``sim.side``)
    # "classic": this module's market; "calibrated": ``sim.calibrated`` (market-stats.md)
    model: str = "classic"
    n_copy: int = 0  # copy bots (calibrated model only)
    # how insider owners hide (calibrated model only; sim/README.md "Owners"): shares of clusters
    # funded through 1-2 hop chains and through exchange withdrawals only (the rest directly)
    cluster_hop_share: float = 0.4
    cluster_exchange_share: float = 0.3
    cluster_fee_payer_share: float = 0.4  # of the money-linked clusters: the funder pays fees
    cluster_transfer_rate: float = 0.08  # per insider buy: a token (or 1 in 2: SOL) transfer
    early_crowd: int = 40  # unrelated retail early buyers of each popular launch
    early_crowd_slots: int = 4  # ... within this many slots of the create
    # per bundled launch the cluster buys through 1-4 Jito bundles of <= 4 buyers each (create +
    # 4 txs), a random subset of its members (calibrated model only; 0: every member buys)
    cluster_bundles_min: int = 1
    cluster_bundles_max: int = 4
    cluster_bundle_buyers: int = 4
    cluster_fresh_share: float = 0.3  # of those launches: members the cluster never used first
    # share of each day's launches that graduate (calibrated model only; 1 % in the real
    # market, raised by the dense small world for tests that need pools)
    graduation_share: float = 0.01

    @classmethod
    def calibrated(cls, seed: int = 1) -> Scenario:
        """The market of ``market-stats.md``'s suggested default (``sim.calibrated``): ~300
        launches a day, ~1 % graduating, ~1 % smart wallets, bots making most trades."""
        return cls(
            seed=seed,
            launches_per_day=300,
            n_established=3,
            n_retail=8_600,
            n_usdc_retail=100,
            n_smart=100,
            n_snipers=150,
            n_wash=250,
            n_copy=300,
            n_clusters=40,
            cluster_min=5,
            cluster_max=25,
            activity=0.3,
            model="calibrated",
        )

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

    idx: int  # position in ``World.tokens`` (0 is USDC)
    entity: int  # the mint's entity id (index into ``World.addr``)
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

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.seed = scenario.seed
        self.rng = random.Random(scenario.seed)
        # the side flows' own stream and ledger: drawing or booking them never moves a trade
        self.side_rng = random.Random(f"{scenario.seed}:side")
        self.side = SideLedger()
        self.sigs = SignatureCodec(scenario.seed)
        self.start_ms = T0 * 1000 - int(scenario.history_hours * 3_600_000)
        self.history_end_ms = T0 * 1000
        self.horizon_ms = T0 * 1000 + int(scenario.live_hours * 3_600_000)
        self.now_ms = self.start_ms
        self._init_entities()
        self._init_markets()
        self._init_transaction_columns()
        self._init_copy_bookkeeping()
        self.heap: list[tuple[int, int, int, int, int, int]] = []
        self._event_seq = 0
        self._build()

    def _init_entities(self) -> None:
        """Anything with an address: wallets, exchanges, funders, devs, mints and pools."""
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

    def _init_markets(self) -> None:
        """Tokens, pools and who holds what."""
        self.tokens: list[Token] = []
        self.by_mint: dict[str, int] = {}
        self.pools: list[Pool] = []
        self.pool_entity: list[int] = []
        self.pool_initial_reserves: list[tuple[int, int]] = []  # (quote, base) at creation
        self.by_pool_addr: dict[str, int] = {}
        self.holdings: dict[tuple[int, int], int] = {}
        self.genesis_tokens: dict[tuple[int, int], int] = {}
        self.holders: dict[int, list[int]] = {}
        self.standing_wsol: dict[int, int] = {}  # SOL wrapped in standing WSOL accounts (bots)

    def _init_transaction_columns(self) -> None:
        """Transactions as parallel arrays: transaction id ``tx`` is index ``tx`` of each."""
        self.t_kind = array("b")  # SWAP, FAILED, SOL_TRANSFER, ...
        self.t_side = array("b")  # 0 buy, 1 sell
        self.t_flags = array("b")  # FLAG_* bits
        self.t_ts = array("q")  # sim time, Unix ms
        self.t_wallet = array("l")  # signer entity
        self.t_pool = array("l")  # pool id (-1 when none)
        self.t_token = array("l")  # token index (-1 when none)
        self.t_in = array("q")  # amount paid in (quote units for a buy, base units for a sell)
        self.t_out = array("q")  # amount received
        self.t_venue_fee = array("q")  # fee kept by the venue (curve fee, pool fee)
        self.t_fee = array("q")  # network fee in lamports
        self.t_tip = array("q")  # Jito tip in lamports
        self.t_reserve_quote = array("q")  # the pool's real quote reserve after the trade
        self.t_reserve_base = array("q")  # the pool's real base reserve after the trade
        # recipient entity of a transfer, first-hop pool of a two-hop swap; the airdrop, NFT
        # serial or intermediate token of a side transaction (``sim.side``); -1 otherwise
        self.t_counterpart = array("q")
        # USDC passed between the two hops of a two-hop swap; X passed in a quote route
        self.t_hop_amount = array("q")
        # a swap's trading-bot fee (``sim.side``): the bot (k > 0: known wallet k - 1, k < 0:
        # unknown bot -k - 1, 0: none) and the fee in lamports
        self.t_bot = array("b")
        self.t_bot_fee = array("q")
        self.tx_index: dict[int, list[int]] = {}  # entity -> its transaction ids, ascending
        self.pool_txs: dict[int, list[int]] = {}

    def _init_copy_bookkeeping(self) -> None:
        """What copying each wallet would have cost and returned (truth only)."""
        self.copy_cost: dict[int, int] = {}
        self.copy_proceeds: dict[int, int] = {}
        self.copy_position: dict[tuple[int, int], int] = {}
        self.copy_skipped: dict[int, int] = {}
        self.sol_spent: dict[int, int] = {}
        self.sol_received: dict[int, int] = {}

    # ------------------------------------------------------------------ entities
    def _new_entity(self, role: str, label: str, address: str | None = None) -> int:
        entity = len(self.addr)
        text = address or derive_address(self.seed, label)
        self.addr.append(text)
        self.role.append(role)
        self.by_addr[text] = entity
        self.sol.append(0)
        return entity

    def ata(self, owner: int, token: int) -> str:
        """Associated token account of (owner, token), derived on demand."""
        key = (owner, token)
        text = self.ata_cache.get(key)
        if text is None:
            text = derive_address(self.seed, f"ata:{owner}:{token}")
            self.ata_cache[key] = text
        return text

    def _schedule(
        self, time_ms: int, event: int, arg1: int = 0, arg2: int = 0, arg3: int = 0
    ) -> None:
        self._event_seq += 1
        heapq.heappush(self.heap, (time_ms, self._event_seq, event, arg1, arg2, arg3))

    def _build(self) -> None:
        rng = self.rng
        self._create_actors(rng)
        self._side_genesis()
        self._create_usdc(rng)  # the USDC token and the SOL/USDC reference pool
        for index in range(self.scenario.n_established):
            self._create_established_token(index, rng)
        self._schedule_funding(rng)
        self._schedule_launches(rng)

    def _create_actors(self, rng: random.Random) -> None:
        """Exchanges, labelled wallets and insider clusters (each with its funder)."""
        scenario = self.scenario
        self.exchanges = [
            self._new_entity("exchange", f"exchange:{i}") for i in range(scenario.n_exchanges)
        ]
        for exchange in self.exchanges:
            self.sol[exchange] = 10**9 * LAMPORTS_PER_SOL
            self.genesis_sol[exchange] = self.sol[exchange]
        self.wallets_by_label: dict[str, list[int]] = {label: [] for label in LABELS}
        for label, count in (
            ("retail", scenario.n_retail),
            ("smart", scenario.n_smart),
            ("sniper", scenario.n_snipers),
            ("wash", scenario.n_wash),
        ):
            for i in range(count):
                self.wallets_by_label[label].append(self._new_entity(label, f"{label}:{i}"))
        for cluster in range(scenario.n_clusters):
            funder = self._new_entity("funder", f"funder:{cluster}")
            self.wallets_by_label["funder"].append(funder)
            size = rng.randint(scenario.cluster_min, scenario.cluster_max)
            members = [self._new_entity("insider", f"insider:{cluster}:{i}") for i in range(size)]
            self.wallets_by_label["insider"].extend(members)
            self.clusters.append(members)
            self.cluster_funder.append(funder)
            self.cluster_fee_payer.append(rng.random() < 0.4)
            for member in members:
                self.cluster_of[member] = cluster
                self.funder_of[member] = funder

    def _schedule_funding(self, rng: random.Random) -> None:
        """Exchange -> funders and wallets, funders -> cluster members, USDC to some retail."""
        fund_ms = self.start_ms + 1_000
        for funder in self.wallets_by_label["funder"]:
            self.funder_of[funder] = rng.choice(self.exchanges)
            sol = int(rng.uniform(60, 200) * LAMPORTS_PER_SOL)
            self._schedule(fund_ms, EVENT_FUND, funder, sol)
            fund_ms += rng.randint(50, 400)
        for label, min_sol, max_sol in (
            ("smart", 60, 300),
            ("sniper", 30, 120),
            ("wash", 20, 60),
            ("retail", 0.5, 25),
        ):
            for wallet in self.wallets_by_label[label]:
                self.funder_of.setdefault(wallet, rng.choice(self.exchanges))
                log_sol = rng.uniform(math.log(min_sol), math.log(max_sol))
                amount = int(math.exp(log_sol) * LAMPORTS_PER_SOL)
                self._schedule(fund_ms, EVENT_FUND, wallet, amount)
                if label == "wash":
                    self._schedule(fund_ms + 2_000, EVENT_WRAP, wallet, amount // 2)
                fund_ms += rng.randint(5, 60)
        for cluster, members in enumerate(self.clusters):
            cluster_fund_ms = self.start_ms + 300_000 + cluster * 2_000
            for position, member in enumerate(members):
                sol = int(rng.uniform(5, 15) * LAMPORTS_PER_SOL)
                self._schedule(cluster_fund_ms + position * 400, EVENT_FUND, member, sol)
        for wallet in self.wallets_by_label["retail"][: self.scenario.n_usdc_retail]:
            usdc = int(rng.uniform(50, 2_000) * 10**6)
            self._schedule(fund_ms, EVENT_USDC_TRANSFER, self.exchanges[0], wallet, usdc)
            fund_ms += 30

    def _schedule_launches(self, rng: random.Random) -> None:
        """pump.fun launches over the whole horizon."""
        span = self.horizon_ms - self.start_ms
        n_launch = int(self.scenario.launches_per_day * span / 86_400_000)
        gap = (span - 600_000) / max(n_launch, 1)  # evenly spread, jittered: stable daily counts
        for i in range(n_launch):
            launch_ms = self.start_ms + 600_000 + int((i + rng.random()) * gap)
            self._schedule(launch_ms, EVENT_LAUNCH, i)

    def _new_token(
        self,
        *,
        mint: str,
        name: str,
        symbol: str,
        decimals: int,
        supply: int,
        created_ms: int,
        fate: str,
        creator: int,
        is_pump: bool,
    ) -> Token:
        entity = self._new_entity("mint", "", mint)
        tok = Token(
            idx=len(self.tokens),
            entity=entity,
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

    def _new_pool(
        self,
        tok: Token,
        *,
        quote_mint: str,
        venue: str,
        quote: int,
        base: int,
        created_ms: int,
        curve: bool,
    ) -> Pool:
        """A pool of ``tok``; a curve starts from the pump.fun virtual reserves instead."""
        pool_id = len(self.pools)
        entity = self._new_entity("pool", f"pool:{pool_id}")
        fee_bps = CURVE_FEE_BPS if curve else CPMM_FEE_BPS
        if curve:
            pool = Pool(
                pool_id=pool_id,
                token=tok.idx,
                quote_mint=quote_mint,
                venue=venue,
                fee_bps=fee_bps,
                quote=CURVE_VIRTUAL_SOL,
                base=CURVE_VIRTUAL_TOKENS,
                real_quote=0,
                real_base=CURVE_REAL_TOKENS,
                created_ms=created_ms,
                active=True,
                is_curve=True,
            )
        else:
            pool = Pool(
                pool_id=pool_id,
                token=tok.idx,
                quote_mint=quote_mint,
                venue=venue,
                fee_bps=fee_bps,
                quote=quote,
                base=base,
                real_quote=quote,
                real_base=base,
                created_ms=created_ms,
            )
        self.pools.append(pool)
        self.pool_entity.append(entity)
        self.pool_initial_reserves.append((pool.quote, pool.base))
        self.by_pool_addr[self.addr[entity]] = pool_id
        self.pool_txs[pool_id] = []
        tok.pools.append(pool_id)
        return pool

    def _create_usdc(self, rng: random.Random) -> None:
        issuer = self._new_entity("dev", "usdc-issuer")
        tok = self._new_token(
            mint=USDC_MINT,
            name="USD Coin",
            symbol="USDC",
            decimals=6,
            supply=10**16,
            created_ms=self.start_ms - 10**11,
            fate="stable",
            creator=issuer,
            is_pump=False,
        )
        tok.mint_authority = issuer
        tok.freeze_authority = issuer
        pool = self._new_pool(
            tok,
            quote_mint=WSOL_MINT,
            venue="raydium",
            quote=200_000 * LAMPORTS_PER_SOL,
            base=30_000_000 * 10**6,
            created_ms=self.start_ms - 10**10,
            curve=False,
        )
        tok.active_pool = pool.pool_id
        self.holdings[(self.exchanges[0], tok.idx)] = 10**15
        self.genesis_tokens[(self.exchanges[0], tok.idx)] = 10**15

    def _token_name(self, rng: random.Random) -> tuple[str, str]:
        """(name, symbol) from two random words, e.g. ("Moon Frog", "MOFRO")."""
        first_word, second_word = rng.choice(_WORDS), rng.choice(_WORDS)
        name = f"{first_word.title()} {second_word.title()}"
        return name, (first_word[:2] + second_word[:3]).upper()

    def _create_established_token(self, index: int, rng: random.Random) -> None:
        """An SPL / Token-2022 token with a Raydium CPMM pool and a steady retail flow."""
        dev = self._new_entity("dev", f"est-dev:{index}")
        name, symbol = self._token_name(rng)
        decimals = rng.choice((6, 9, 9, 8))
        supply = rng.choice((10**8, 10**9)) * 10**decimals
        tok = self._new_token(
            mint=derive_address(self.seed, f"est-mint:{index}"),
            name=name,
            symbol=symbol,
            decimals=decimals,
            supply=supply,
            created_ms=self.start_ms - rng.randint(1, 30) * 86_400_000,
            fate="bleed",
            creator=dev,
            is_pump=False,
        )
        if index % 3 == 1:
            tok.mint_authority = dev
        if index % 4 == 2:
            tok.freeze_authority = dev
        if index % 5 == 3:
            tok.program = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
            tok.extensions = (
                ("permanentDelegate", "transferFeeConfig") if index % 2 else ("metadataPointer",)
            )
        tok.lp_locked_pct = 0.0 if index % 3 == 1 else 100.0
        tok.boost = rng.choice((0, 0, 100, 500))
        sol_liquidity = rng.randint(300, 3_000) * LAMPORTS_PER_SOL
        pool_base = supply * rng.randint(30, 60) // 100
        pool = self._new_pool(
            tok,
            quote_mint=WSOL_MINT,
            venue="raydium",
            quote=sol_liquidity,
            base=pool_base,
            created_ms=tok.created_ms,
            curve=False,
        )
        tok.active_pool = pool.pool_id
        self.holdings[(dev, tok.idx)] = supply - pool_base
        self.genesis_tokens[(dev, tok.idx)] = supply - pool_base
        self.holders[tok.idx].append(dev)
        if index == 0:
            usdc_pool_quote = sol_liquidity * 150 // 1000 // 10  # a tenth of the SOL side, in USDC
            usdc_pool_base = pool_base // 10
            self.holdings[(dev, tok.idx)] -= usdc_pool_base
            self.genesis_tokens[(dev, tok.idx)] -= usdc_pool_base
            self._new_pool(
                tok,
                quote_mint=USDC_MINT,
                venue="raydium",
                quote=usdc_pool_quote,
                base=usdc_pool_base,
                created_ms=tok.created_ms + 86_400_000,
                curve=False,
            )
        # steady flow over the horizon
        n_actions = int(
            3_000 * self.scenario.activity * (self.horizon_ms - self.start_ms) / 86_400_000
        )
        span = self.horizon_ms - self.start_ms
        for _ in range(n_actions):
            action_ms = self.start_ms + 900_000 + int(rng.random() * (span - 900_000))
            self._retail_action(tok, action_ms, rng, 0.5)

    # ------------------------------------------------------------------ scheduling
    def _retail_action(
        self, tok: Token, time_ms: int, rng: random.Random, p_buy: float, scale: float = 1.0
    ) -> None:
        """Schedule a retail buy (chance ``p_buy``) or a retail sell of ``tok``."""
        if rng.random() < p_buy:
            retail = self.wallets_by_label["retail"]
            if (
                len(tok.pools) > 1
                and not tok.is_pump
                and self.scenario.n_usdc_retail
                and rng.random() < 0.4
            ):
                retail = retail[: self.scenario.n_usdc_retail]  # USDC holders trade the USDC pool
            wallet = rng.choice(retail)
            size = int(math.exp(rng.gauss(math.log(0.25 * scale), 1.0)) * LAMPORTS_PER_SOL)
            self._schedule(time_ms, EVENT_RETAIL_BUY, wallet, tok.idx, max(size, 10_000_000))
        else:
            self._schedule(time_ms, EVENT_RETAIL_SELL, 0, tok.idx, rng.randint(30, 100))

    def _launch(self, launch_index: int, now_ms: int) -> None:
        """Launch pump.fun token ``launch_index`` and schedule everyone's trades in it."""
        rng = random.Random(self.seed * 1_000_003 + launch_index)
        tok = self._create_launched_token(launch_index, now_ms, rng)
        self._schedule_dev_trades(tok, now_ms, rng)
        self._schedule_snipers(tok, now_ms, rng)
        rug_ms = now_ms + int(tok.lifetime_ms * rng.uniform(0.3, 0.7))
        self._schedule_insiders(tok, now_ms, rug_ms, rng)
        if tok.fate == "rug":
            self._schedule(rug_ms + 2_000, EVENT_LIQUIDITY_PULL, tok.idx)
        self._schedule_smart_money(tok, now_ms, rug_ms, rng)
        self._schedule_wash_trades(tok, now_ms, rng)
        self._schedule_retail_flow(tok, now_ms, rug_ms, rng)

    def _create_launched_token(self, launch_index: int, now_ms: int, rng: random.Random) -> Token:
        """A funded dev, a pump mint with a hidden fate and lifetime, and its bonding curve."""
        dev = self._new_entity("dev", f"dev:{launch_index}")
        self.funder_of[dev] = rng.choice(self.exchanges)
        self._fund(now_ms - 200, dev, int(rng.uniform(3, 8) * LAMPORTS_PER_SOL))
        name, symbol = self._token_name(rng)
        fate = rng.choices(FATES, weights=(15, 25, 30, 30))[0]
        tok = self._new_token(
            mint=derive_pump_mint(self.seed, f"mint:{launch_index}"),
            name=name,
            symbol=symbol,
            decimals=6,
            supply=CURVE_SUPPLY,
            created_ms=now_ms,
            fate=fate,
            creator=dev,
            is_pump=True,
        )
        tok.boost = rng.choice((0, 0, 0, 10, 30))
        pool = self._new_pool(
            tok,
            quote_mint=WSOL_MINT,
            venue="pumpfun",
            quote=0,
            base=0,
            created_ms=now_ms,
            curve=True,
        )
        tok.active_pool = pool.pool_id
        lifetime_range_ms = {
            "pump": (3_600_000, 10_800_000),
            "bleed": (1_800_000, 7_200_000),
            "rug": (900_000, 3_600_000),
            "dead": (300_000, 1_200_000),
        }[fate]
        tok.lifetime_ms = rng.randint(*lifetime_range_ms)
        return tok

    def _schedule_dev_trades(self, tok: Token, now_ms: int, rng: random.Random) -> None:
        """The dev buys at launch; on a rug or dead token it sells out later."""
        dev = tok.creator
        self._schedule(
            now_ms, EVENT_BUY, dev, tok.idx, int(rng.uniform(0.3, 2.0) * LAMPORTS_PER_SOL)
        )
        dev_exit_ms = now_ms + int(tok.lifetime_ms * rng.uniform(0.2, 0.6))
        if tok.fate in ("rug", "dead"):
            self._schedule(dev_exit_ms, EVENT_SELL, dev, tok.idx, 100)

    def _schedule_snipers(self, tok: Token, now_ms: int, rng: random.Random) -> None:
        """Snipers: first-slot buys, out within seconds."""
        if rng.random() < 0.6:
            snipers = self.wallets_by_label["sniper"]
            for sniper in rng.sample(snipers, min(len(snipers), rng.randint(1, 5))):
                self._schedule(
                    now_ms + rng.randint(0, 399),
                    EVENT_BUY,
                    sniper,
                    tok.idx,
                    int(rng.uniform(0.5, 3) * LAMPORTS_PER_SOL),
                )
                self._schedule(
                    now_ms + rng.randint(2_000, 15_000), EVENT_SELL, sniper, tok.idx, 100
                )

    def _schedule_insiders(self, tok: Token, now_ms: int, rug_ms: int, rng: random.Random) -> None:
        """Insiders of one cluster co-enter within a few slots and dump together."""
        fate = tok.fate
        if (
            fate in ("rug", "pump")
            and self.clusters
            and rng.random() < (0.8 if fate == "rug" else 0.3)
        ):
            cluster = rng.randrange(len(self.clusters))
            for member in self.clusters[cluster]:
                self._schedule(
                    now_ms + rng.randint(0, 4) * 400 + rng.randint(0, 399),
                    EVENT_BUY,
                    member,
                    tok.idx,
                    int(rng.uniform(0.5, 2.5) * LAMPORTS_PER_SOL),
                )
                exit_ms = rug_ms if fate == "rug" else now_ms + int(tok.lifetime_ms * 0.5)
                self._schedule(exit_ms + rng.randint(0, 3) * 400, EVENT_SELL, member, tok.idx, 100)

    def _schedule_smart_money(
        self, tok: Token, now_ms: int, rug_ms: int, rng: random.Random
    ) -> None:
        """Smart money: early into runners, out into the rise; sometimes into losers too."""
        smart = self.wallets_by_label["smart"]
        lifetime_ms = tok.lifetime_ms
        if smart and tok.fate == "pump":
            for wallet in rng.sample(smart, min(len(smart), rng.randint(2, 6))):
                self._schedule(
                    now_ms + rng.randint(60_000, 900_000),
                    EVENT_BUY,
                    wallet,
                    tok.idx,
                    int(rng.uniform(0.5, 3) * LAMPORTS_PER_SOL),
                )
                half_exit_ms = now_ms + int(lifetime_ms * rng.uniform(0.3, 0.5))
                self._schedule(half_exit_ms, EVENT_SELL, wallet, tok.idx, 50)
                full_exit_ms = now_ms + int(lifetime_ms * rng.uniform(0.5, 0.6))
                self._schedule(full_exit_ms, EVENT_SELL, wallet, tok.idx, 100)
        elif smart and tok.fate in ("bleed", "rug") and rng.random() < 0.6:
            # misses: smart money also buys losers, so labels are not a free lunch
            for wallet in rng.sample(smart, min(len(smart), rng.randint(1, 3))):
                size = int(rng.uniform(0.5, 2) * LAMPORTS_PER_SOL)
                self._schedule(
                    now_ms + rng.randint(20_000, 120_000), EVENT_BUY, wallet, tok.idx, size
                )
                exit_ms = (
                    rug_ms + rng.randint(2_000, 30_000)
                    if tok.fate == "rug"
                    else now_ms + rng.randint(300_000, 1_500_000)
                )
                self._schedule(exit_ms, EVENT_SELL, wallet, tok.idx, 100)

    def _schedule_wash_trades(self, tok: Token, now_ms: int, rng: random.Random) -> None:
        """One wash trader round-trips the token many times."""
        if self.wallets_by_label["wash"] and rng.random() < 0.35:
            wallet = rng.choice(self.wallets_by_label["wash"])
            for _ in range(int(rng.randint(10, 60) * self.scenario.activity) + 1):
                buy_ms = now_ms + rng.randint(5_000, tok.lifetime_ms)
                sol = int(rng.uniform(0.2, 1.5) * LAMPORTS_PER_SOL)
                self._schedule(buy_ms, EVENT_BUY, wallet, tok.idx, sol)
                self._schedule(buy_ms + rng.randint(1, 3) * 400, EVENT_SELL, wallet, tok.idx, 100)

    def _schedule_retail_flow(
        self, tok: Token, now_ms: int, rug_ms: int, rng: random.Random
    ) -> None:
        """Front-loaded retail buys and sells whose balance follows the fate, then stragglers."""
        fate = tok.fate
        n_by_fate = {"pump": 6_000, "bleed": 2_000, "rug": 1_500, "dead": 200}[fate]
        n_actions = int(n_by_fate * self.scenario.activity * rng.uniform(0.6, 1.4))
        for _ in range(n_actions):
            position = rng.random() ** 1.6  # front-loaded activity
            action_ms = now_ms + 1_000 + int(position * tok.lifetime_ms)
            elapsed_share = (action_ms - now_ms) / tok.lifetime_ms
            if fate == "pump":
                p_buy = 0.64 if elapsed_share < 0.5 else 0.36
            elif fate == "bleed":
                p_buy = 0.42
            elif fate == "rug":
                p_buy = 0.62 if action_ms < rug_ms else 0.3
            else:
                p_buy = 0.5
            scale = {"pump": 1.0, "rug": 0.9}.get(fate, 0.3)
            self._retail_action(tok, action_ms, rng, p_buy, scale)
        # retail stragglers after the end
        end_ms = now_ms + tok.lifetime_ms
        for _ in range(int(20 * self.scenario.activity)):
            self._retail_action(tok, end_ms + rng.randint(0, 3_600_000), rng, 0.2)

    # ------------------------------------------------------------------ execution
    def advance_to(self, ts_ms: int) -> int:  # noqa: PLR0912 - one flat dispatch on the event code
        """Execute every scheduled action up to ``ts_ms``; returns how many txs were added.

        Each heap entry is ``(time_ms, seq, event, arg1, arg2, arg3)``; the arguments per event:
        ``EVENT_BUY``/``EVENT_RETAIL_BUY`` (wallet, token, lamports), ``EVENT_SELL`` (wallet,
        token, percent held), ``EVENT_RETAIL_SELL`` (-, token, percent held by a random retail
        holder), ``EVENT_COPY_BUY`` (leader, token, leader's tokens per SOL x 1e9),
        ``EVENT_COPY_SELL`` (leader, token, share sold in bps), ``EVENT_FUND`` (wallet,
        lamports), ``EVENT_USDC_TRANSFER`` (sender, recipient, micro-USDC), ``EVENT_LAUNCH``
        (launch number), ``EVENT_LIQUIDITY_PULL`` (token), ``EVENT_WRAP`` (wallet, lamports),
        ``EVENT_TOKEN_GIFT`` (sender, token, recipient), ``EVENT_AIRDROP_CLAIM`` /
        ``EVENT_NFT_TRADE`` / ``EVENT_QUOTE_ROUTE`` (wallet).
        """
        before = len(self.t_kind)
        heap = self.heap
        pop = heapq.heappop
        while heap and heap[0][0] <= ts_ms:
            time_ms, _, event, arg1, arg2, arg3 = pop(heap)
            if event == EVENT_RETAIL_BUY:
                self._buy(time_ms, arg1, arg2, arg3, retail=True)
            elif event == EVENT_RETAIL_SELL:
                self._retail_sell(time_ms, token=arg2, percent=arg3)
            elif event == EVENT_BUY:
                self._buy(time_ms, arg1, arg2, arg3, retail=False)
            elif event == EVENT_SELL:
                self._sell(time_ms, arg1, arg2, arg3)
            elif event == EVENT_COPY_BUY:
                self._copy_buy(arg1, arg2, arg3)
            elif event == EVENT_COPY_SELL:
                self._copy_sell(arg1, arg2, arg3)
            elif event == EVENT_FUND:
                self._fund(time_ms, arg1, arg2)
            elif event == EVENT_USDC_TRANSFER:
                self._token_transfer(time_ms, arg1, arg2, 0, arg3)
            elif event == EVENT_LAUNCH:
                self._launch(arg1, time_ms)
            elif event == EVENT_LIQUIDITY_PULL:
                self._pull_liquidity(time_ms, arg1)
            elif event == EVENT_WRAP:
                self._wrap_sol(time_ms, arg1, arg2)
            elif event == EVENT_TOKEN_GIFT:
                quarter = self.holdings.get((arg1, arg2), 0) // 4
                self._token_transfer(time_ms, arg1, arg3, arg2, quarter)
            elif event == EVENT_AIRDROP_CLAIM:
                self._claim_airdrop(time_ms, arg1)
            elif event == EVENT_NFT_TRADE:
                self._trade_nft(time_ms, arg1)
            elif event == EVENT_QUOTE_ROUTE:
                self._route_sol_to_usdc(time_ms, arg1)
            else:
                self._extra_event(time_ms, event, arg1, arg2, arg3)
        self.now_ms = max(self.now_ms, ts_ms)
        return len(self.t_kind) - before

    def _extra_event(self, time_ms: int, event: int, arg1: int, arg2: int, arg3: int) -> None:
        """An event code this class does not know: a subclass's (``sim.calibrated``)."""
        raise ValueError(f"unknown event {event} at {time_ms}")

    def _retail_sell(self, time_ms: int, *, token: int, percent: int) -> None:
        """A random retail holder of ``token`` sells ``percent`` of it (four tries to find one)."""
        holders = self.holders[token]
        for _ in range(4):
            if not holders:
                break
            wallet = holders[self.rng.randrange(len(holders))]
            if self.role[wallet] == "retail" and self.holdings.get((wallet, token), 0) > 0:
                self._sell(time_ms, wallet, token, percent)
                break

    def _record(
        self,
        *,
        kind: int,
        time_ms: int,
        wallet: int,
        amount_in: int,
        fee: int,
        side: int = 0,
        flags: int = 0,
        pool: int = -1,
        token: int = -1,
        amount_out: int = 0,
        venue_fee: int = 0,
        tip: int = 0,
        reserve_quote: int = 0,
        reserve_base: int = 0,
        counterpart: int = -1,
        hop_amount: int = 0,
        bot: int = 0,
        bot_fee: int = 0,
        extra: tuple[int, ...] = (),
    ) -> int:
        """Append one transaction to the columns; index it under ``wallet`` and ``extra``."""
        tx = len(self.t_kind)
        self.t_kind.append(kind)
        self.t_side.append(side)
        self.t_flags.append(flags)
        self.t_ts.append(time_ms)
        self.t_wallet.append(wallet)
        self.t_pool.append(pool)
        self.t_token.append(token)
        self.t_in.append(amount_in)
        self.t_out.append(amount_out)
        self.t_venue_fee.append(venue_fee)
        self.t_fee.append(fee)
        self.t_tip.append(tip)
        self.t_reserve_quote.append(reserve_quote)
        self.t_reserve_base.append(reserve_base)
        self.t_counterpart.append(counterpart)
        self.t_hop_amount.append(hop_amount)
        self.t_bot.append(bot)
        self.t_bot_fee.append(bot_fee)
        index = self.tx_index
        for entity in (wallet, *extra):
            entity_txs = index.get(entity)
            if entity_txs is None:
                index[entity] = [tx]
            elif entity_txs[-1] != tx:
                entity_txs.append(tx)
        return tx

    def _priority_fee_and_tip(self, wallet: int) -> tuple[int, int]:
        """(network fee, Jito tip) in lamports; snipers pay the most, smart wallets tip at times."""
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

    def _fee_payer(self, wallet: int) -> tuple[int, int]:
        """(fee payer, flag): the cluster funder pays for members of fee-sharing clusters."""
        cluster = self.cluster_of.get(wallet)
        if cluster is not None and self.cluster_fee_payer[cluster]:
            return self.cluster_funder[cluster], FLAG_FUNDER_PAYS
        return wallet, 0

    def _fund(self, time_ms: int, wallet: int, amount: int) -> None:
        source = self.funder_of.get(wallet) or self.exchanges[0]
        self._transfer_sol(time_ms, source, wallet, amount)

    def _transfer_sol(
        self, time_ms: int, sender: int, recipient: int, amount: int, *, keep: int = 0
    ) -> None:
        """A plain SOL transfer, skipped when the sender would keep less than `keep` after it."""
        if self.sol[sender] < amount + BASE_FEE + keep:
            return
        self.sol[sender] -= amount + BASE_FEE
        self.sol[recipient] += amount
        self._record(
            kind=SOL_TRANSFER,
            time_ms=time_ms,
            wallet=sender,
            amount_in=amount,
            fee=BASE_FEE,
            counterpart=recipient,
            extra=(recipient,),
        )

    def _wrap_sol(self, time_ms: int, wallet: int, amount: int) -> None:
        """Move SOL into the wallet's standing WSOL account (bots keep one open)."""
        new = wallet not in self.standing_wsol
        cost = amount + BASE_FEE + (ATA_RENT if new else 0)
        if self.sol[wallet] < cost:
            return
        self.sol[wallet] -= cost
        self.standing_wsol[wallet] = self.standing_wsol.get(wallet, 0) + amount
        self._record(
            kind=WRAP,
            flags=FLAG_NEW_ATA if new else 0,
            time_ms=time_ms,
            wallet=wallet,
            amount_in=amount,
            fee=BASE_FEE,
        )

    def _token_transfer(
        self, time_ms: int, sender: int, recipient: int, token: int, amount: int
    ) -> None:
        have = self.holdings.get((sender, token), 0)
        amount = min(amount, have)
        if amount <= 0:
            return
        flags = 0
        cost = BASE_FEE
        if (recipient, token) not in self.holdings:
            flags |= FLAG_NEW_DEST_ATA
            cost += ATA_RENT
        if self.sol[sender] < cost:
            return
        self.sol[sender] -= cost
        self.holdings[(sender, token)] = have - amount
        if flags & FLAG_NEW_DEST_ATA:
            self.holders[token].append(recipient)
        self.holdings[(recipient, token)] = self.holdings.get((recipient, token), 0) + amount
        self._record(
            kind=TOKEN_TRANSFER,
            flags=flags,
            time_ms=time_ms,
            wallet=sender,
            token=token,
            amount_in=amount,
            fee=BASE_FEE,
            counterpart=recipient,
            extra=(recipient, self.tokens[token].entity),
        )

    def _buy_route(self, tok: Token, wallet: int) -> tuple[Pool, Pool | None]:
        """(pool, first hop): USDC wallets use the USDC pool when one exists, others sometimes
        route SOL -> USDC -> token through it; ``first hop`` is None for a direct swap."""
        if tok.idx != 0 and len(tok.pools) > 1 and not tok.is_pump:
            usdc_pool = self.pools[tok.pools[1]]
            if (wallet, 0) in self.holdings and self.holdings[(wallet, 0)] > 0:
                return usdc_pool, None
            if self.rng.random() < 0.2:
                return usdc_pool, self.pools[self.tokens[0].active_pool]
        return self.pools[tok.active_pool], None

    def _buy(self, time_ms: int, wallet: int, token: int, size: int, *, retail: bool) -> None:
        """``wallet`` buys ``token`` for ``size`` lamports (or its USDC worth), if it can pay."""
        tok = self.tokens[token]
        if not self.pools[tok.active_pool].active:
            return
        pool, first_hop = self._buy_route(tok, wallet)
        fee, tip = self._priority_fee_and_tip(wallet)
        payer, payer_flag = self._fee_payer(wallet)
        new_ata = (wallet, token) not in self.holdings
        pays_usdc = pool.quote_mint == USDC_MINT and first_hop is None
        from_standing_wsol = (
            first_hop is None
            and not pool.is_curve
            and pool.quote_mint == WSOL_MINT
            and self.standing_wsol.get(wallet, 0) >= size
            and self.role[wallet] == "wash"
        )
        if pays_usdc:
            usdc_held = self.holdings.get((wallet, 0), 0)
            size = min(usdc_held, size * 150 // 1000)  # lamports -> micro-USDC at ~150 $/SOL
            if size <= 0:
                return
        sol_needed = (
            (0 if pays_usdc or from_standing_wsol else size)
            + tip
            + (fee if payer == wallet else 0)
            + (ATA_RENT if new_ata else 0)
        )
        if not self._can_pay(time_ms, wallet, sol_needed, payer, fee, retail=retail):
            return
        if self.rng.random() < (0.05 if self.role[wallet] == "sniper" else 0.02):
            self.sol[payer] -= fee
            self._record(
                kind=FAILED,
                flags=payer_flag,
                time_ms=time_ms,
                wallet=wallet,
                pool=pool.pool_id,
                token=token,
                amount_in=size,
                fee=fee,
                counterpart=0,
                extra=(payer,) if payer != wallet else (),
            )
            return
        flags = (
            payer_flag
            | (FLAG_NEW_ATA if new_ata else 0)
            | (FLAG_STANDING_WSOL if from_standing_wsol else 0)
        )
        self._fill_buy(
            time_ms,
            tok,
            pool,
            first_hop,
            wallet=wallet,
            payer=payer,
            size=size,
            fee=fee,
            tip=tip,
            flags=flags,
            retail=retail,
        )

    def _can_pay(
        self, time_ms: int, wallet: int, sol_needed: int, payer: int, fee: int, *, retail: bool
    ) -> bool:
        """Whether ``wallet`` holds ``sol_needed`` and ``payer`` the fee; a retail wallet that
        falls short is sometimes topped up first (30 %)."""
        if self.sol[wallet] < sol_needed:
            if retail and self.rng.random() < 0.3:
                self._fund(time_ms - 1, wallet, int(self.rng.uniform(1, 10) * LAMPORTS_PER_SOL))
            if self.sol[wallet] < sol_needed:
                return False
        return self.sol[payer] >= fee

    def _fill_buy(
        self,
        time_ms: int,
        tok: Token,
        pool: Pool,
        first_hop: Pool | None,
        *,
        wallet: int,
        payer: int,
        size: int,
        fee: int,
        tip: int,
        flags: int,
        retail: bool,
    ) -> None:
        """Execute a paid buy: move the reserves and balances, record it, schedule follow-ups."""
        token = tok.idx
        hop_amount = 0
        counterpart = -1
        if first_hop is not None:
            hop_amount, _ = first_hop.apply_buy(size)
            out, venue_fee = pool.apply_buy(hop_amount)
            flags |= FLAG_MULTIHOP
            counterpart = first_hop.pool_id
        else:
            out, venue_fee = pool.apply_buy(size)
        if out <= 0:
            return
        new_ata = bool(flags & FLAG_NEW_ATA)
        self.sol[payer] -= fee
        self.sol[wallet] -= tip + (ATA_RENT if new_ata else 0)
        if pool.quote_mint == USDC_MINT and first_hop is None:
            self.holdings[(wallet, 0)] -= size
        elif flags & FLAG_STANDING_WSOL:
            self.standing_wsol[wallet] -= size
        else:
            self.sol[wallet] -= size
        if new_ata:
            self.holders[token].append(wallet)
        self.holdings[(wallet, token)] = self.holdings.get((wallet, token), 0) + out
        pool_entity = self.pool_entity[pool.pool_id]
        extra: tuple[int, ...] = (
            (pool_entity, tok.entity) if payer == wallet else (pool_entity, tok.entity, payer)
        )
        if first_hop is not None:
            extra = (*extra, self.pool_entity[first_hop.pool_id])
        bot, bot_fee = 0, 0
        if first_hop is None and pool.quote_mint == WSOL_MINT:
            bot, bot_fee = self._bot_fee(time_ms, wallet, sol_amount=size)
        tx = self._record(
            kind=SWAP,
            flags=flags,
            time_ms=time_ms,
            wallet=wallet,
            pool=pool.pool_id,
            token=token,
            amount_in=size,
            amount_out=out,
            venue_fee=venue_fee,
            fee=fee,
            tip=tip,
            reserve_quote=pool.real_quote,
            reserve_base=pool.real_base,
            counterpart=counterpart,
            hop_amount=hop_amount,
            bot=bot,
            bot_fee=bot_fee,
            extra=extra,
        )
        self.pool_txs[pool.pool_id].append(tx)
        if first_hop is not None:
            self.pool_txs[first_hop.pool_id].append(tx)
        self._schedule_side_event(time_ms, wallet)
        self._after_buy(
            time_ms,
            tok,
            pool,
            wallet=wallet,
            direct=first_hop is None,
            size=size,
            out=out,
            retail=retail,
        )

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
        """Follow-ups of a buy: a rare retail gift, the copy trade of a direct SOL buy, and the
        curve's graduation once it is full."""
        token = tok.idx
        if retail and self.rng.random() < 0.004:
            recipient = self.rng.choice(self.wallets_by_label["retail"])
            if recipient != wallet:
                gift_ms = time_ms + self.rng.randint(5_000, 120_000)
                self._schedule(gift_ms, EVENT_TOKEN_GIFT, wallet, token, recipient)
        if pool.quote_mint == WSOL_MINT and direct:
            self.sol_spent[wallet] = self.sol_spent.get(wallet, 0) + size
            tokens_per_sol = out * 10**9 // max(size, 1)
            self._schedule(time_ms + COPY_DELAY_MS, EVENT_COPY_BUY, wallet, token, tokens_per_sol)
        if pool.is_curve and (
            pool.real_quote >= self.scenario.graduation_sol or pool.real_base <= 0
        ):
            self._graduate(time_ms, tok, pool)

    def _sell(self, time_ms: int, wallet: int, token: int, percent: int) -> None:
        """``wallet`` sells ``percent`` of its ``token`` on the pool it trades (if it can pay)."""
        tok = self.tokens[token]
        have = self.holdings.get((wallet, token), 0)
        amount = have * percent // 100
        if amount <= 0:
            return
        pool = self.pools[tok.active_pool]
        if tok.pools and len(tok.pools) > 1 and not tok.is_pump and (wallet, 0) in self.holdings:
            pool = self.pools[tok.pools[1]]
        if not pool.active:
            return
        fee, tip = self._priority_fee_and_tip(wallet)
        payer, flags = self._fee_payer(wallet)
        if self.sol[payer] < fee + (tip if payer == wallet else 0) or self.sol[wallet] < tip:
            return
        if pool.sell_out(amount)[0] <= 0:
            return
        to_standing_wsol = (
            not pool.is_curve
            and pool.quote_mint == WSOL_MINT
            and wallet in self.standing_wsol
            and self.role[wallet] == "wash"
        )
        if to_standing_wsol:
            flags |= FLAG_STANDING_WSOL
        out, venue_fee = pool.apply_sell(amount)
        self.sol[payer] -= fee
        self.sol[wallet] -= tip
        self.holdings[(wallet, token)] = have - amount
        if pool.quote_mint == USDC_MINT:
            self.holdings[(wallet, 0)] = self.holdings.get((wallet, 0), 0) + out
        else:
            if to_standing_wsol:
                self.standing_wsol[wallet] += out
            else:
                self.sol[wallet] += out
            self.sol_received[wallet] = self.sol_received.get(wallet, 0) + out
            share_sold_bps = amount * 10_000 // have
            self._schedule(time_ms + COPY_DELAY_MS, EVENT_COPY_SELL, wallet, token, share_sold_bps)
        pool_entity = self.pool_entity[pool.pool_id]
        extra = (pool_entity, tok.entity) if payer == wallet else (pool_entity, tok.entity, payer)
        bot, bot_fee = 0, 0
        if pool.quote_mint == WSOL_MINT:
            bot, bot_fee = self._bot_fee(time_ms, wallet, sol_amount=out)
        tx = self._record(
            kind=SWAP,
            side=1,
            flags=flags,
            time_ms=time_ms,
            wallet=wallet,
            pool=pool.pool_id,
            token=token,
            amount_in=amount,
            amount_out=out,
            venue_fee=venue_fee,
            fee=fee,
            tip=tip,
            reserve_quote=pool.real_quote,
            reserve_base=pool.real_base,
            bot=bot,
            bot_fee=bot_fee,
            extra=extra,
        )
        self.pool_txs[pool.pool_id].append(tx)
        self._schedule_side_event(time_ms, wallet)

    def _graduate(self, time_ms: int, tok: Token, curve: Pool) -> None:
        """Close the curve and migrate its funds to a PumpSwap (70 %) or Raydium CPMM pool."""
        curve.active = False
        rng = random.Random(self.seed * 7 + tok.idx)
        venue = "pumpswap" if rng.random() < 0.7 else "raydium"
        pool = self._new_pool(
            tok,
            quote_mint=WSOL_MINT,
            venue=venue,
            quote=curve.real_quote - MIGRATION_FEE,
            base=curve.real_base + (CURVE_SUPPLY - CURVE_REAL_TOKENS),
            created_ms=time_ms + 400,
            curve=False,
        )
        tok.active_pool = pool.pool_id
        tok.graduated_ms = time_ms
        tok.lp_locked_pct = 100.0 if venue == "pumpswap" else 0.0

    def _pull_liquidity(self, time_ms: int, token: int) -> None:
        """The rug: the dev withdraws the graduated pool's reserves."""
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        tok.rugged_ms = time_ms
        if pool.is_curve:
            return  # a curve cannot be pulled: the insiders' dump already was the rug
        quote_amount, base_amount = pool.real_quote, pool.real_base
        pool.quote = pool.real_quote = 0
        pool.base = pool.real_base = 0
        pool.active = False
        dev = tok.creator
        self.sol[dev] += quote_amount - BASE_FEE
        self.holdings[(dev, token)] = self.holdings.get((dev, token), 0) + base_amount
        if base_amount and dev not in self.holders[token]:
            self.holders[token].append(dev)
        tx = self._record(
            kind=LIQUIDITY_WITHDRAW,
            time_ms=time_ms,
            wallet=dev,
            pool=pool.pool_id,
            token=token,
            amount_in=quote_amount,
            amount_out=base_amount,
            fee=BASE_FEE,
            extra=(self.pool_entity[pool.pool_id], tok.entity),
        )
        self.pool_txs[pool.pool_id].append(tx)

    def _copy_buy(self, wallet: int, token: int, leader_rate: int) -> None:
        """A follower's 0.5 SOL copy of ``wallet``'s buy, unless the price ran more than 5 %."""
        pool = self.pools[self.tokens[token].active_pool]
        if not pool.active or pool.quote_mint != WSOL_MINT:
            return
        out, _ = pool.buy_out(COPY_SIZE)
        if out * 10**9 // COPY_SIZE < leader_rate * (1 - COPY_SLIPPAGE):
            self.copy_skipped[wallet] = self.copy_skipped.get(wallet, 0) + 1
            return
        self.copy_cost[wallet] = self.copy_cost.get(wallet, 0) + COPY_SIZE
        key = (wallet, token)
        self.copy_position[key] = self.copy_position.get(key, 0) + out

    def _copy_sell(self, wallet: int, token: int, share_bps: int) -> None:
        """The follower sells the same share of its copied position as ``wallet`` sold."""
        key = (wallet, token)
        position = self.copy_position.get(key, 0)
        if position <= 0:
            return
        amount = position if share_bps >= 9_999 else position * share_bps // 10_000
        pool = self.pools[self.tokens[token].active_pool]
        proceeds = pool.sell_out(amount)[0] if pool.active else 0
        self.copy_proceeds[wallet] = self.copy_proceeds.get(wallet, 0) + proceeds
        self.copy_position[key] = position - amount

    # ------------------------------------------------------------------ side flows
    def _bot_fee(self, time_ms: int, wallet: int, *, sol_amount: int) -> tuple[int, int]:
        """(bot, lamports) of a direct SOL swap's trading-bot fee, booked on the side ledger;
        (0, 0) when the wallet traded without a bot (``sim.side.BOT_FEE_SHARE``)."""
        if not self.scenario.side_flows or self.role[wallet] not in ("retail", "smart"):
            return 0, 0
        rng = self.side_rng
        if rng.random() >= BOT_FEE_SHARE:
            return 0, 0
        if rng.random() < KNOWN_BOT_SHARE:
            bot = 1 + rng.randrange(len(KNOWN_BOT_FEE_WALLETS))
        else:
            bot = -1 - rng.randrange(N_UNKNOWN_BOTS)
        fee = sol_amount * rng.choice(BOT_FEE_BPS) // 10_000
        if fee <= 0:
            return 0, 0
        self._cover_side(time_ms, wallet, fee)
        self.side.move_sol(wallet, -fee)
        return bot, fee

    def _side_genesis(self) -> None:
        """Retail and smart wallets held some SOL before the history began (it pays their side
        flows, so exchanges top up only the heavy spenders)."""
        if not self.scenario.side_flows:
            return
        rng = self.side_rng
        for label in ("retail", "smart"):
            for wallet in self.wallets_by_label[label]:
                held = lamports(rng.lognormvariate(math.log(SIDE_GENESIS_MEDIAN_SOL), 1.0))
                self.side.genesis[wallet] = held
                self.side.sol[wallet] = held

    def _cover_side(self, time_ms: int, wallet: int, cost: int) -> None:
        """Before a side payment of ``cost`` lamports: top up the wallet's side balance from its
        exchange when it holds less, so its balance on chain never goes negative."""
        have = self.side.sol.get(wallet, 0)
        if have >= cost:
            return
        exchange = self.funder_of.get(wallet, self.exchanges[0])
        if self.role[exchange] != "exchange":
            exchange = self.exchanges[0]
        amount = cost - have + lamports(self.side_rng.uniform(*TOP_UP_SOL))
        self.side.move_sol(exchange, -amount - BASE_FEE)
        self.side.move_sol(wallet, amount)
        self.side.count_transaction(wallet)
        self._record(
            kind=SOL_TRANSFER,
            flags=FLAG_SIDE,
            time_ms=time_ms,
            wallet=exchange,
            amount_in=amount,
            fee=BASE_FEE,
            counterpart=wallet,
            extra=(wallet,),
        )

    def _schedule_side_event(self, time_ms: int, wallet: int) -> None:
        """After a retail or smart wallet's swap: sometimes a later claim, NFT trade or quote
        route of the same wallet (``sim.side.SIDE_EVENT_SHARES``)."""
        if not self.scenario.side_flows or self.role[wallet] not in ("retail", "smart"):
            return
        rng = self.side_rng
        draw = rng.random()
        if draw >= _SIDE_EVENT_TOTAL:  # most swaps: nothing follows
            return
        for event, share in zip(SIDE_EVENTS, SIDE_EVENT_SHARES, strict=True):
            if draw < share:
                self._schedule(time_ms + rng.randint(*SIDE_EVENT_DELAY_MS), event, wallet)
                return
            draw -= share

    def _side_fee(self) -> int:
        return BASE_FEE + int(self.side_rng.lognormvariate(math.log(SIDE_PRIORITY_FEE_MEDIAN), 1.0))

    def _claim_airdrop(self, time_ms: int, wallet: int) -> None:
        """The wallet claims a distributor's airdrop it has not claimed yet: tokens in, SOL out
        only as rent (its new token account, the distributor's claim record) and the fee."""
        rng = self.side_rng
        unclaimed = [i for i in range(len(AIRDROPS)) if (wallet, i) not in self.side.claimed]
        if not unclaimed:
            return
        index = rng.choice(unclaimed)
        drop = AIRDROPS[index]
        ui_amount = rng.lognormvariate(math.log(drop.median_ui), 0.8)
        amount = max(1, int(ui_amount * 10**drop.decimals))
        fee = self._side_fee()
        cost = fee + ATA_RENT + CLAIM_STATUS_RENT
        self._cover_side(time_ms, wallet, cost)
        self.side.move_sol(wallet, -cost)
        self.side.move_tokens(wallet, airdrop_mint(self.seed, index), amount)
        self.side.claimed.add((wallet, index))
        self.side.count_transaction(wallet)
        self._record(
            kind=AIRDROP_CLAIM,
            flags=FLAG_NEW_ATA,
            time_ms=time_ms,
            wallet=wallet,
            amount_in=amount,
            fee=fee,
            counterpart=index,
        )

    def _trade_nft(self, time_ms: int, wallet: int) -> None:
        """The wallet buys an NFT (one unit of a 0-decimal mint) for SOL, or sells one: bought
        earlier, or held from before the history began."""
        rng = self.side_rng
        held = self.side.nfts.setdefault(wallet, [])
        price = max(10_000_000, lamports(rng.lognormvariate(math.log(NFT_PRICE_MEDIAN_SOL), 1.0)))
        fee = self._side_fee()
        if rng.random() < NFT_SALE_SHARE:
            if held:
                serial = held.pop(rng.randrange(len(held)))
            else:  # one it held from before the history began
                serial = self.side.next_nft
                self.side.next_nft += 1
                self.side.genesis_tokens[(wallet, nft_mint(self.seed, serial))] = 1
                self.side.move_tokens(wallet, nft_mint(self.seed, serial), 1)
            proceeds, _, _ = nft_sale_split(serial=serial, side=1, price=price)
            self._cover_side(time_ms, wallet, fee)
            self.side.move_sol(wallet, proceeds + ATA_RENT - fee)  # its token account closes
            self.side.move_tokens(wallet, nft_mint(self.seed, serial), -1)
            side, flags = 1, 0
        else:
            serial = self.side.next_nft
            self.side.next_nft += 1
            cost = price + ATA_RENT + fee
            self._cover_side(time_ms, wallet, cost)
            self.side.move_sol(wallet, -cost)
            self.side.move_tokens(wallet, nft_mint(self.seed, serial), 1)
            held.append(serial)
            side, flags = 0, FLAG_NEW_ATA
        self.side.count_transaction(wallet)
        self._record(
            kind=NFT_TRADE,
            side=side,
            flags=flags,
            time_ms=time_ms,
            wallet=wallet,
            amount_in=price,
            fee=fee,
            counterpart=serial,
        )

    def _route_sol_to_usdc(self, time_ms: int, wallet: int) -> None:
        """The wallet turns SOL into USDC through a two-hop route (SOL → X → USDC, the router
        holding X in between) over pools outside the world's market: no price moves."""
        rng = self.side_rng
        index = rng.randrange(len(INTERMEDIATES))
        via = INTERMEDIATES[index]
        sol_in = max(10_000_000, lamports(rng.lognormvariate(math.log(ROUTE_SIZE_MEDIAN_SOL), 0.9)))
        keep = 1 - ROUTE_HOP_FEE_BPS / 10_000
        sol_usd = self.sol_usd()
        if via.sol_per_unit is None:  # a stablecoin: X is worth 1 USD
            x_ui = sol_in / LAMPORTS_PER_SOL * sol_usd * keep
            usdc_ui = x_ui * keep
        else:
            x_ui = sol_in / LAMPORTS_PER_SOL / via.sol_per_unit * keep
            usdc_ui = x_ui * via.sol_per_unit * sol_usd * keep
        x_raw, usdc_raw = int(x_ui * 10**via.decimals), int(usdc_ui * 10**6)
        if x_raw <= 0 or usdc_raw <= 0:
            return
        new_ata = (wallet, 0) not in self.holdings and (wallet, USDC_MINT) not in self.side.tokens
        fee = self._side_fee()
        cost = sol_in + fee + (ATA_RENT if new_ata else 0)
        self._cover_side(time_ms, wallet, cost)
        self.side.move_sol(wallet, -cost)
        self.side.move_tokens(wallet, USDC_MINT, usdc_raw)
        self.side.count_transaction(wallet)
        self._record(
            kind=QUOTE_ROUTE,
            flags=FLAG_NEW_ATA if new_ata else 0,
            time_ms=time_ms,
            wallet=wallet,
            amount_in=sol_in,
            amount_out=usdc_raw,
            fee=fee,
            counterpart=index,
            hop_amount=x_raw,
        )

    def balance(self, entity: int) -> int:
        """Lamports an entity holds on chain: the agents' SOL plus its side flows'."""
        return self.sol[entity] + self.side.sol.get(entity, 0)

    # ------------------------------------------------------------------ queries
    def slot(self, ts_ms: int | None = None) -> int:
        """Slot of a time (default: the world's now)."""
        return slot_at(self.now_ms if ts_ms is None else ts_ms)

    def n_tx(self) -> int:
        """Number of transactions executed so far."""
        return len(self.t_kind)

    def sol_usd(self) -> float:
        """SOL price in USD from the SOL/USDC pool."""
        pool = self.pools[self.tokens[0].active_pool]
        return (pool.base / 1e6) / (pool.quote / 1e9)

    def token_price_sol(self, token: int) -> float:
        """Price of one UI token in SOL on its active pool (0 when it has no market)."""
        tok = self.tokens[token]
        pool = self.pools[tok.active_pool]
        if pool.base <= 0:
            return 0.0
        ui_price = pool.quote / pool.base * 10.0 ** (tok.decimals - 9)
        if pool.quote_mint == USDC_MINT:
            return ui_price * 1000.0 / self.sol_usd()
        return ui_price

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
        value = self.copy_proceeds.get(wallet, 0)
        for tok in self.tokens:
            position = self.copy_position.get((wallet, tok.idx), 0)
            if position:
                value += self.mark_value(wallet, tok.idx, position)
        return (value - cost) / cost

    def truth(self) -> dict[str, Any]:
        """Ground truth for tests and benchmarks: labels, clusters, copyable edge, fates."""
        wallets = []
        for label in ("smart", "sniper", "insider", "wash", "retail"):
            for wallet in self.wallets_by_label[label]:
                edge = self.copy_edge(wallet)
                wallets.append(
                    {
                        "address": self.addr[wallet],
                        "label": label,
                        "cluster": self.cluster_of.get(wallet),
                        "owner": self.addr[self.cluster_funder[self.cluster_of[wallet]]]
                        if wallet in self.cluster_of
                        else self.addr[wallet],
                        "funder": self.addr[self.funder_of[wallet]]
                        if wallet in self.funder_of
                        else None,
                        # its history's length, the side flows' transactions left out
                        "trades": len(self.tx_index.get(wallet, ()))
                        - self.side.transactions.get(wallet, 0),
                        "solSpent": self.sol_spent.get(wallet, 0),
                        "solReceived": self.sol_received.get(wallet, 0),
                        "copyableEdge": None if edge is None else round(edge, 6),
                    }
                )
        clusters = [
            {
                "id": cluster,
                "funder": self.addr[self.cluster_funder[cluster]],
                "sharedFeePayer": self.cluster_fee_payer[cluster],
                "members": [self.addr[member] for member in members],
            }
            for cluster, members in enumerate(self.clusters)
        ]
        tokens = [
            {
                "mint": tok.mint,
                "symbol": tok.symbol,
                "fate": tok.fate,
                "createdAt": tok.created_ms // 1000,
                "graduatedAt": None if tok.graduated_ms is None else tok.graduated_ms // 1000,
                "ruggedAt": None if tok.rugged_ms is None else tok.rugged_ms // 1000,
                "creator": self.addr[tok.creator],
                "pools": [self.addr[self.pool_entity[pool_id]] for pool_id in tok.pools],
            }
            for tok in self.tokens[1:]
        ]
        return {
            "seed": self.seed,
            "now": self.now_ms // 1000,
            "slot": self.slot(),
            "wallets": wallets,
            "clusters": clusters,
            "tokens": tokens,
            "exchanges": [self.addr[exchange] for exchange in self.exchanges],
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
            "liquidityPulls": kinds.count(LIQUIDITY_WITHDRAW),
            "wraps": kinds.count(WRAP),
            "airdropClaims": kinds.count(AIRDROP_CLAIM),
            "nftTrades": kinds.count(NFT_TRADE),
            "quoteRoutes": kinds.count(QUOTE_ROUTE),
            "botFees": len(self.t_bot) - self.t_bot.count(0),
            "tokens": len(self.tokens) - 1,
            "launched": sum(1 for tok in self.tokens if tok.is_pump),
            "graduated": sum(1 for tok in self.tokens if tok.graduated_ms is not None),
            "pools": len(self.pools),
            "wallets": sum(
                len(members)
                for label, members in self.wallets_by_label.items()
                if label not in ("exchange",)
            ),
            "walletsTraded": sum(1 for entity in self.tx_index if self.role[entity] in LABELS),
            "smart": len(self.wallets_by_label["smart"]),
            "clusters": len(self.clusters),
        }


# world classes by ``Scenario.model``; ``sim.calibrated`` adds its own when imported (the
# package's ``__init__`` imports it, so any ``import sim.…`` registers it)
WORLD_MODELS: dict[str, type[World]] = {"classic": World}


def build_world(scenario: Scenario, *, until_ms: int | None = None) -> World:
    """Create a world and fast-forward it to ``until_ms`` (default: the end of its history)."""
    try:
        model = WORLD_MODELS[scenario.model]
    except KeyError:
        raise ValueError(f"unknown world model {scenario.model!r}") from None
    world = model(scenario)
    world.advance_to(world.history_end_ms if until_ms is None else until_ms)
    return world

"""The calibration report: the figures of a built world beside the real market's.

Each row measures one figure of ``../shared/reference/market-stats.md`` ("Suggested default
scenario" and the issue-13 table) on the world's own records and truth (the sim may read its own
labels), prints the market figure and the band it must fall in, and says in or out.

Measurements work on ``Records``, a plain view of a world (``records_of``), so unit tests can
hand-build a few trades and check each figure. Money stays in integer lamports until a ratio is
taken.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.chain import BASE_FEE, LAMPORTS_PER_SOL, WSOL_MINT, slot_at

if TYPE_CHECKING:
    from sim.world import World

BOT_LABELS = ("sniper", "wash", "copy")
TRADER_LABELS = ("retail", "smart", "sniper", "insider", "wash", "copy")
# fates of the classic world read as archetypes (a bleed is no rug trait: it just fades)
CLASSIC_ARCHETYPE = {"pump": "runner", "rug": "pump_dump", "dead": "no_traction", "bleed": "bleed"}
RUG_TRAITS = ("pump_dump", "farm", "no_traction")
SNIPER_EXIT_MS = 300_000


@dataclass(frozen=True, slots=True)
class Trade:
    """One executed swap of a launched or established token (not USDC itself)."""

    ts_ms: int
    wallet: int
    token: int
    side: int  # 0 buy, 1 sell
    sol: int  # the SOL leg in lamports; 0 when the swap is quoted in USDC
    amount: int  # the token leg, raw units
    priority_fee: int  # lamports above the base signature fee
    tip: int  # Jito tip, lamports


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What the report needs of a token: launch, graduation, archetype and end state."""

    created_ms: int
    is_pump: bool
    archetype: str
    graduated_ms: int | None = None
    pulled: bool = False  # liquidity withdrawn: its last price is zero


@dataclass(slots=True)
class Records:
    """A world reduced to what the report measures (built by ``records_of`` or by hand)."""

    labels: dict[int, str]  # trader wallet -> label
    trades: list[Trade]
    tokens: dict[int, TokenInfo]
    funding: dict[int, int] = field(default_factory=dict)  # wallet -> first SOL received
    marks: dict[tuple[int, int], int] = field(default_factory=dict)  # what a holding fetches
    clusters: list[int] = field(default_factory=list)  # insider cluster sizes
    days: float = 1.0


@dataclass(frozen=True, slots=True)
class Row:
    """One figure beside the market's, with its band (inclusive) and verdict."""

    name: str
    value: float | None
    market: str
    low: float
    high: float
    unit: str = ""  # "%" renders value and band x100

    @property
    def ok(self) -> bool:
        return self.value is not None and self.low <= self.value <= self.high

    def render(self) -> tuple[str, str, str, str, str]:
        def fmt(number: float | None) -> str:
            if number is None:
                return "n/a"
            if math.isinf(number):
                return "inf"
            if self.unit == "%":
                return f"{number * 100:.1f} %"
            if self.unit == "SOL":
                return f"{number:.2g}"
            return f"{number:.3g}"

        band = f"{fmt(self.low)} – {fmt(self.high)}"
        return self.name, fmt(self.value), self.market, band, "in" if self.ok else "OUT"


# ---------------------------------------------------------------------- records of a world
def records_of(world: World) -> Records:
    """The report's view of a built world: its swaps, labels, tokens, funding and end marks."""
    labels: dict[int, str] = {}
    for label in TRADER_LABELS:
        for wallet in world.wallets_by_label.get(label, ()):
            labels[wallet] = label
    archetypes: dict[int, str] = getattr(world, "archetype", {})
    tokens = {
        tok.idx: TokenInfo(
            created_ms=tok.created_ms,
            is_pump=tok.is_pump,
            archetype=archetypes.get(tok.idx, CLASSIC_ARCHETYPE.get(tok.fate, tok.fate)),
            graduated_ms=tok.graduated_ms,
            pulled=tok.rugged_ms is not None and not world.pools[tok.active_pool].active,
        )
        for tok in world.tokens[1:]
    }
    return Records(
        labels=labels,
        trades=list(_trades_of(world)),
        tokens=tokens,
        funding=_funding_of(world, labels),
        marks=_marks_of(world, labels),
        clusters=[len(members) for members in world.clusters],
        days=world.scenario.history_hours / 24.0,
    )


def _trades_of(world: World) -> Iterable[Trade]:
    from sim.world import FLAG_MULTIHOP, SWAP  # noqa: PLC0415 - world imports nothing of ours

    kinds, tokens, pools, flags = world.t_kind, world.t_token, world.t_pool, world.t_flags
    for tx in range(world.n_tx()):
        if kinds[tx] != SWAP or tokens[tx] <= 0:
            continue
        buy = world.t_side[tx] == 0
        sol_quoted = world.pools[pools[tx]].quote_mint == WSOL_MINT
        if buy:
            sol = world.t_in[tx] if sol_quoted or flags[tx] & FLAG_MULTIHOP else 0
        else:
            sol = world.t_out[tx] if sol_quoted else 0
        yield Trade(
            ts_ms=world.t_ts[tx],
            wallet=world.t_wallet[tx],
            token=tokens[tx],
            side=0 if buy else 1,
            sol=sol,
            amount=world.t_out[tx] if buy else world.t_in[tx],
            priority_fee=max(world.t_fee[tx] - BASE_FEE, 0),
            tip=world.t_tip[tx],
        )


def _funding_of(world: World, labels: dict[int, str]) -> dict[int, int]:
    from sim.world import FLAG_SIDE, SOL_TRANSFER  # noqa: PLC0415

    funding: dict[int, int] = {}
    for tx in range(world.n_tx()):
        if world.t_kind[tx] != SOL_TRANSFER or world.t_flags[tx] & FLAG_SIDE:
            continue
        recipient = world.t_counterpart[tx]
        if recipient in labels and recipient not in funding:
            funding[recipient] = world.t_in[tx]
    return funding


def _marks_of(world: World, labels: dict[int, str]) -> dict[tuple[int, int], int]:
    marks: dict[tuple[int, int], int] = {}
    for (wallet, token), amount in world.holdings.items():
        if token > 0 and amount > 0 and wallet in labels:
            marks[(wallet, token)] = world.mark_value(wallet, token, amount)
    return marks


# ---------------------------------------------------------------------- measurements
def label_share(records: Records, label: str) -> float:
    """Share of the trader wallets carrying ``label``."""
    if not records.labels:
        return 0.0
    return sum(1 for value in records.labels.values() if value == label) / len(records.labels)


def bot_trade_share(records: Records) -> float:
    """Share of the swaps made by bots (sniper, wash and copy wallets)."""
    if not records.trades:
        return 0.0
    bots = sum(1 for t in records.trades if records.labels.get(t.wallet) in BOT_LABELS)
    return bots / len(records.trades)


def bot_volume_share(records: Records, *, farm_only: bool = False) -> float | None:
    """Share of the SOL volume traded by bots; ``farm_only``: on tokens wash bots traded."""
    farm: set[int] = set()
    if farm_only:
        farm = {t.token for t in records.trades if records.labels.get(t.wallet) == "wash"}
        if not farm:
            return None
    total = bots = 0
    for t in records.trades:
        if farm_only and t.token not in farm:
            continue
        total += t.sol
        if records.labels.get(t.wallet) in BOT_LABELS:
            bots += t.sol
    return bots / total if total else None


def graduated_share(records: Records) -> float:
    """Share of pump.fun launches that graduated to a pool."""
    launched = [info for info in records.tokens.values() if info.is_pump]
    if not launched:
        return 0.0
    return sum(1 for info in launched if info.graduated_ms is not None) / len(launched)


def archetype_shares(records: Records) -> dict[str, float]:
    """Share of each archetype among pump.fun launches."""
    launched = [info.archetype for info in records.tokens.values() if info.is_pump]
    counts: dict[str, int] = defaultdict(int)
    for archetype in launched:
        counts[archetype] += 1
    return {name: count / len(launched) for name, count in sorted(counts.items())}


def graduates_dumped_share(records: Records, *, drop: float = 0.9) -> float | None:
    """Share of graduates whose last price is at least ``drop`` below their peak after
    graduation (a pulled pool's last price is zero)."""
    graduates = {
        token: info.graduated_ms
        for token, info in records.tokens.items()
        if info.graduated_ms is not None
    }
    if not graduates:
        return None
    peak: dict[int, float] = defaultdict(float)
    last: dict[int, float] = {}
    for t in records.trades:
        since = graduates.get(t.token)
        if since is None or t.ts_ms < since or t.sol <= 0:
            continue
        price = _price(t)
        if price is None:
            continue
        peak[t.token] = max(peak[t.token], price)
        last[t.token] = price
    dumped = 0
    for token in graduates:
        drawn_down = token in last and last[token] <= peak[token] * (1 - drop)
        if records.tokens[token].pulled or drawn_down:
            dumped += 1
    return dumped / len(graduates)


def _price(trade: Trade) -> float | None:
    """Lamports per raw token unit of a trade."""
    return trade.sol / trade.amount if trade.amount > 0 else None


def positions(records: Records, label: str) -> dict[tuple[int, int], tuple[int, int, list[Trade]]]:
    """(wallet, token) -> (SOL spent, SOL received + end mark, trades) for ``label``'s wallets,
    SOL-quoted trades only."""
    spent: dict[tuple[int, int], int] = defaultdict(int)
    got: dict[tuple[int, int], int] = defaultdict(int)
    trades: dict[tuple[int, int], list[Trade]] = defaultdict(list)
    for t in records.trades:
        if records.labels.get(t.wallet) != label or t.sol <= 0:
            continue
        key = (t.wallet, t.token)
        trades[key].append(t)
        if t.side == 0:
            spent[key] += t.sol
        else:
            got[key] += t.sol
    return {
        key: (spent[key], got[key] + records.marks.get(key, 0), trades[key])
        for key in trades
        if spent[key] > 0
    }


def position_returns(records: Records, label: str) -> list[float]:
    """Return of each position of ``label``'s wallets: (received + mark) / spent - 1."""
    return [got / spent - 1 for spent, got, _ in positions(records, label).values()]


def mean_return(records: Records, label: str) -> float | None:
    returns = position_returns(records, label)
    return statistics.fmean(returns) if returns else None


def win_rate(records: Records, label: str) -> float | None:
    returns = position_returns(records, label)
    return sum(1 for r in returns if r > 0) / len(returns) if returns else None


def sniper_exit_stats(records: Records) -> tuple[float | None, float | None, float | None]:
    """Of the snipers' positions: share fully out within 5 min of the first buy, share out in
    at most 2 sells, share profitable."""
    held = positions(records, "sniper")
    if not held:
        return None, None, None
    quick = few = profitable = 0
    for (wallet, token), (spent, got, trades) in held.items():
        first_buy = min(t.ts_ms for t in trades if t.side == 0)
        sells = [t for t in trades if t.side == 1]
        out = records.marks.get((wallet, token), 0) == 0 and sells
        if out and max(t.ts_ms for t in sells) - first_buy <= SNIPER_EXIT_MS:
            quick += 1
        if out and len(sells) <= 2:
            few += 1
        if got > spent:
            profitable += 1
    n = len(held)
    return quick / n, few / n, profitable / n


def block0_snipe_share(records: Records) -> float:
    """Share of launches bought by a sniper in their creation slot."""
    launches = {token: info for token, info in records.tokens.items() if info.is_pump}
    if not launches:
        return 0.0
    sniped = {
        t.token
        for t in records.trades
        if t.side == 0
        and records.labels.get(t.wallet) == "sniper"
        and t.token in launches
        and slot_at(t.ts_ms) == slot_at(launches[t.token].created_ms)
    }
    return len(sniped) / len(launches)


def wash_round_trips_per_day(records: Records) -> float | None:
    """Median over wash wallets of round trips (a sell closing a buy of the token) per day."""
    per_wallet: dict[int, int] = defaultdict(int)
    open_buys: dict[tuple[int, int], int] = defaultdict(int)
    for t in sorted(records.trades, key=lambda trade: trade.ts_ms):
        if records.labels.get(t.wallet) != "wash":
            continue
        key = (t.wallet, t.token)
        if t.side == 0:
            open_buys[key] += 1
        elif open_buys[key] > 0:
            open_buys[key] -= 1
            per_wallet[t.wallet] += 1
    wallets = [w for w, label in records.labels.items() if label == "wash"]
    if not wallets:
        return None
    return statistics.median(per_wallet.get(w, 0) / records.days for w in wallets)


def profitable_wallet_share(records: Records) -> float | None:
    """Share of the wallets that traded whose SOL in + end marks exceed SOL out + fees + tips."""
    pnl: dict[int, int] = defaultdict(int)
    for t in records.trades:
        if t.wallet not in records.labels:
            continue
        pnl[t.wallet] += (t.sol if t.side == 1 else -t.sol) - t.priority_fee - BASE_FEE - t.tip
    for (wallet, _), value in records.marks.items():
        if wallet in pnl:
            pnl[wallet] += value
    if not pnl:
        return None
    return sum(1 for value in pnl.values() if value > 0) / len(pnl)


def quantile(values: list[int], q: float) -> float | None:
    """The ``q`` quantile (inclusive method) of ``values`` in SOL, None when empty."""
    if not values:
        return None
    if len(values) == 1:
        return values[0] / LAMPORTS_PER_SOL
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return value / LAMPORTS_PER_SOL


def fee_values(records: Records, label: str | None, *, tips: bool) -> list[int]:
    """Priority fees (or the tips paid, zeros left out) of ``label``'s swaps (None: all)."""
    out = []
    for t in records.trades:
        wallet_label = records.labels.get(t.wallet)
        if wallet_label is None or (label is not None and wallet_label != label):
            continue
        if tips:
            if t.tip > 0:
                out.append(t.tip)
        else:
            out.append(t.priority_fee)
    return out


def tip_share(records: Records, label: str) -> float | None:
    """Share of ``label``'s swaps that pay a Jito tip."""
    own = [t for t in records.trades if records.labels.get(t.wallet) == label]
    return sum(1 for t in own if t.tip > 0) / len(own) if own else None


def funding_overlap(records: Records, label: str) -> float | None:
    """Share of ``label``'s wallets whose first funding lies within the 10th–90th percentile
    range of every other label's first fundings (pooled): 1 when sizes say nothing of labels."""
    own = [v for w, v in records.funding.items() if records.labels.get(w) == label]
    others = [v for w, v in records.funding.items() if records.labels.get(w) not in (label, None)]
    low, high = quantile(others, 0.1), quantile(others, 0.9)
    if not own or low is None or high is None:
        return None
    inside = sum(1 for v in own if low <= v / LAMPORTS_PER_SOL <= high)
    return inside / len(own)


def cluster_size_share(records: Records, low: int = 5, high: int = 25) -> float | None:
    """Share of insider clusters whose size is within [low, high]."""
    if not records.clusters:
        return None
    return sum(1 for size in records.clusters if low <= size <= high) / len(records.clusters)


# ---------------------------------------------------------------------- the report
def rows(records: Records) -> list[Row]:
    """Every row of the report for ``records``."""
    shares = archetype_shares(records)
    quick, few, sniper_profitable = sniper_exit_stats(records)
    out = [
        Row(
            "smart wallets, share of all", label_share(records, "smart"), "≈ 1 %", 0.005, 0.02, "%"
        ),
        Row(
            "bot share of trades (sniper+wash+copy)",
            bot_trade_share(records),
            "≥ 50 %",
            0.5,
            1,
            "%",
        ),
        Row(
            "bot share of SOL volume on wash-traded tokens",
            bot_volume_share(records, farm_only=True),
            "60–80 % on farm coins",
            0.6,
            0.8,
            "%",
        ),
        Row("tokens graduated", graduated_share(records), "≈ 1 % (0.66–1.2 %)", 0.004, 0.025, "%"),
        Row("archetype runner", shares.get("runner", 0.0), "≈ 4 %", 0.02, 0.07, "%"),
        Row(
            "archetypes with rug / P&D / abandon traits",
            sum(shares.get(name, 0.0) for name in RUG_TRAITS),
            "98.6 % show P&D/rug traits",
            0.9,
            1,
            "%",
        ),
        Row("archetype pump-and-dump", shares.get("pump_dump", 0.0), "≈ 30 % (U)", 0.2, 0.4, "%"),
        Row(
            "archetype farm (bundled/funded snipe)",
            shares.get("farm", 0.0),
            "≈ 10 % (U)",
            0.05,
            0.15,
            "%",
        ),
        Row("archetype no-traction", shares.get("no_traction", 0.0), "≈ 55 % (U)", 0.45, 0.65, "%"),
        Row(
            "graduates down ≥ 90 % from post-graduation peak",
            graduates_dumped_share(records),
            "90 % (93 % soft-rug)",
            0.6,
            1,
            "%",
        ),
        Row(
            "smart return per position (mean)",
            mean_return(records, "smart"),
            "+14 %",
            0.05,
            0.3,
            "%",
        ),
        Row("smart win rate per position", win_rate(records, "smart"), "40–55 %", 0.4, 0.55, "%"),
        Row("sniper positions out within 5 min", quick, "85 %", 0.75, 0.95, "%"),
        Row("sniper positions out in ≤ 2 sells", few, "90 %", 0.8, 1, "%"),
        Row(
            "sniper positions profitable", sniper_profitable, "87 % (funded snipes)", 0.6, 0.95, "%"
        ),
        Row("launches sniped in block 0", block0_snipe_share(records), "> 50 %", 0.5, 1, "%"),
        Row(
            "wash round trips / day (median wallet)",
            wash_round_trips_per_day(records),
            "20+",
            20,
            math.inf,
        ),
        Row(
            "wallets profitable", profitable_wallet_share(records), "≈ ⅓ (29–40 %)", 0.25, 0.42, "%"
        ),
        Row(
            "insider clusters of 5–25 wallets",
            cluster_size_share(records),
            "5–25 (tail to 50)",
            0.85,
            1,
            "%",
        ),
        Row(
            "priority fee median, all swaps (SOL)",
            quantile(fee_values(records, None, tips=False), 0.5),
            "0.0005",
            0.00025,
            0.001,
            "SOL",
        ),
        Row(
            "priority fee p95, all swaps (SOL)",
            quantile(fee_values(records, None, tips=False), 0.95),
            "0.01",
            0.004,
            0.025,
            "SOL",
        ),
        Row(
            "Jito tip median, tipped swaps (SOL)",
            quantile(fee_values(records, None, tips=True), 0.5),
            "1e-5",
            3e-6,
            3e-5,
            "SOL",
        ),
        Row(
            "Jito tip p95, tipped swaps (SOL)",
            quantile(fee_values(records, None, tips=True), 0.95),
            "1e-3",
            3e-4,
            3e-3,
            "SOL",
        ),
    ]
    present = [label for label in TRADER_LABELS if label in records.labels.values()]
    for label in present:
        out.append(
            Row(
                f"priority fee median, {label} (SOL)",
                quantile(fee_values(records, label, tips=False), 0.5),
                "0.0005 (every label)",
                0.0001,
                0.0025,
                "SOL",
            )
        )
        out.append(
            Row(
                f"priority fee p95, {label} (SOL)",
                quantile(fee_values(records, label, tips=False), 0.95),
                "0.01 (every label)",
                0.002,
                0.05,
                "SOL",
            )
        )
    for label in present:
        out.append(
            Row(
                f"Jito tip median, {label} tipped (SOL)",
                quantile(fee_values(records, label, tips=True), 0.5),
                "1e-5; snipers 1e-3–1e-2",
                3e-6,
                1e-2 if label == "sniper" else 3e-4,
                "SOL",
            )
        )
        out.append(
            Row(
                f"Jito tip p95, {label} tipped (SOL)",
                quantile(fee_values(records, label, tips=True), 0.95),
                "1e-3; snipers ≤ 1e-2",
                5e-5,
                3e-2 if label == "sniper" else 5e-3,
                "SOL",
            )
        )
        out.append(
            Row(
                f"swaps with a Jito tip, {label}",
                tip_share(records, label),
                "no label-only fingerprint",
                0.05,
                1,
                "%",
            )
        )
    for label in present:
        out.append(
            Row(
                f"funding of {label} within others' p10–p90",
                funding_overlap(records, label),
                "sizes overlap across labels",
                0.5,
                1,
                "%",
            )
        )
    return out


def report(world: World) -> list[Row]:
    """The report's rows for a built world."""
    return rows(records_of(world))


def format_table(table: list[Row], *, title: str = "") -> str:
    """The rows as a Markdown table (with a count of rows out of band)."""
    lines = [title] if title else []
    lines.append("| Measure | world | real market | band | verdict |")
    lines.append("|---|---|---|---|---|")
    for row in table:
        lines.append("| " + " | ".join(row.render()) + " |")
    out = sum(1 for row in table if not row.ok)
    lines.append(f"\n{len(table) - out}/{len(table)} rows in band, {out} out")
    return "\n".join(lines)

"""Evidence that wallets share an owner, with its proof, from their Helius histories (pure).

Input (`analyze_facts`): each wallet's first history page oldest first (Helius `sort-order=asc`)
as `TxFacts` (what step 4 caches of a page), the candidates' stored swaps (step 3's, for
co-entries), and the candidate wallets (the profiled ones). `analyze` takes raw `EnhancedTx`
histories instead and reduces them to the same facts and swaps. Funders met on a chain are
looked up in the same mapping: a chain ends where no page was given. Output: directed edges,
each with the transactions that prove it; grouping them into owners is `grouping`'s job.

- FUNDED_BY (wallet -> funder): the wallet's earliest inbound SOL (a native transfer into it in
  a transaction that moves none of its tokens: a funding, not a swap's proceeds), then the
  funder's, up to `hop_limit` hops.
- FEE_PAID_BY (wallet -> payer): another account paid the fee of a transaction in which the
  wallet traded or sent something.
- TRANSFERRED (sender -> receiver): SOL or tokens moved between two candidates.
- CO_ENTERED (a -> b, a < b): both bought the same token within `co_entry_window_slots`, on at
  least `co_entry_min_count` tokens; each token weighs ln(N / buyers) (inverse document
  frequency over the N candidates that bought anything), so a launch everyone bought links
  nobody. Two buys both in a token's first `sniper_slots` slots never pair: launch snipers are
  many independent bots.

Infrastructure never links wallets and ends a chain: the settings' denylist (programs, routers,
known exchanges) and any source that funds, or pays fees for, more than `infrastructure_fanout`
wallets (an exchange hot wallet, a relayer), counted over the given histories.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from walltrack.core.swaps.normalize import normalize_transaction
from walltrack.data.models.cluster_evidence import TxFacts
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.swap import Swap

EdgeKind = Literal["FUNDED_BY", "FEE_PAID_BY", "TRANSFERRED", "CO_ENTERED"]
MAX_PROOFS = 10
"""Proofs kept per edge (the count keeps the rest): enough to show, bounded to store."""


@dataclass(frozen=True, slots=True)
class Proof:
    """One transaction behind an edge. `other_signature` is the second wallet's buy of a
    co-entry; `lamports` the SOL moved, `mint`/`amount` the token moved or co-entered."""

    signature: str
    slot: int
    timestamp: datetime
    lamports: int | None = None
    mint: str | None = None
    amount: Decimal | None = None
    other_signature: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """`source` -> `target` of one kind; `count` proofs seen (only `MAX_PROOFS` kept), `hop` the
    distance up a funding chain (1 for the wallet's own funder), `weight` from the settings."""

    kind: EdgeKind
    source: str
    target: str
    weight: float
    count: int
    proofs: tuple[Proof, ...]
    hop: int = 1


@dataclass(frozen=True, slots=True)
class Funding:
    """A wallet's earliest inbound SOL."""

    wallet: str
    funder: str
    lamports: int
    proof: Proof


@dataclass(frozen=True, slots=True)
class Evidence:
    """The edges, the sources judged infrastructure, and each wallet's earliest funding."""

    edges: tuple[Edge, ...]
    infrastructure: frozenset[str]
    fundings: Mapping[str, Funding] = field(default_factory=dict)

    def of_kind(self, kind: EdgeKind) -> list[Edge]:
        return [edge for edge in self.edges if edge.kind == kind]


def earliest_inbound_sol(wallet: str, history: Iterable[EnhancedTx | TxFacts]) -> Funding | None:
    """The first SOL sent to `wallet` by someone else in its oldest-first history, in a
    transaction that moves none of its tokens (a swap's or a closed account's lamports are not
    a funding); None when the page holds none."""
    for tx in history:
        if tx.failed or any(wallet in (t.receiver, t.sender) for t in tx.token_transfers):
            continue
        for transfer in tx.native_transfers:
            if transfer.receiver == wallet and transfer.sender != wallet and transfer.lamports > 0:
                proof = Proof(tx.signature, tx.slot, tx.timestamp, lamports=transfer.lamports)
                return Funding(wallet, transfer.sender, transfer.lamports, proof)
    return None


def facts_of(wallet: str, history: Iterable[EnhancedTx]) -> tuple[TxFacts, ...]:
    """`wallet`'s history reduced to what the analyzer reads (each transaction once): the
    transfers that touch it, and whether it swapped where another account paid the fee."""
    facts: list[TxFacts] = []
    seen: set[str] = set()
    for tx in history:
        if tx.signature in seen:
            continue
        seen.add(tx.signature)
        traded = (
            not tx.failed
            and tx.fee_payer != wallet
            and bool(normalize_transaction(tx, wallets=(wallet,)))
        )
        facts.append(
            TxFacts(
                signature=tx.signature,
                slot=tx.slot,
                timestamp=tx.timestamp,
                fee_payer=tx.fee_payer,
                failed=tx.failed,
                native_transfers=tuple(
                    t for t in tx.native_transfers if wallet in (t.sender, t.receiver)
                ),
                token_transfers=tuple(
                    t for t in tx.token_transfers if wallet in (t.sender, t.receiver)
                ),
                traded=traded,
            )
        )
    return tuple(facts)


def swaps_of(wallet: str, history: Iterable[EnhancedTx]) -> list[Swap]:
    """`wallet`'s own swaps in its history (step 3's normaliser), each transaction once."""
    swaps: list[Swap] = []
    seen: set[str] = set()
    for tx in history:
        if tx.signature in seen:
            continue
        seen.add(tx.signature)
        swaps.extend(s for s in normalize_transaction(tx, wallets=(wallet,)) if s.wallet == wallet)
    return swaps


def analyze(
    histories: Mapping[str, Sequence[EnhancedTx]],
    candidates: Collection[str],
    settings: ClusterSettings,
) -> Evidence:
    """All four kinds of evidence among `candidates` from raw histories: co-entries from the
    swaps in the candidates' own histories (see the module docstring)."""
    pages = {wallet: facts_of(wallet, history) for wallet, history in histories.items()}
    wanted = frozenset(candidates)
    swaps = [
        swap
        for wallet, history in histories.items()
        if wallet in wanted
        for swap in swaps_of(wallet, history)
    ]
    return analyze_facts(pages, swaps, candidates, settings)


def analyze_facts(
    pages: Mapping[str, Sequence[TxFacts]],
    swaps: Iterable[Swap],
    candidates: Collection[str],
    settings: ClusterSettings,
) -> Evidence:
    """All four kinds of evidence among `candidates`: money evidence from each wallet's (and
    funder's) first page, co-entries from the candidates' stored `swaps`."""
    wanted = frozenset(candidates)
    fundings = {
        wallet: found
        for wallet, page in pages.items()
        if (found := earliest_inbound_sol(wallet, page)) is not None
    }
    fee_payments = _fee_payments(pages, wanted)
    infrastructure = _infrastructure(pages, fundings, fee_payments, settings)
    edges = [
        *_funding_edges(fundings, wanted, infrastructure, settings),
        *_fee_payer_edges(fee_payments, infrastructure, settings),
        *_transfer_edges(pages, wanted, infrastructure, settings),
        *_co_entry_edges(swaps, wanted, settings),
    ]
    return Evidence(tuple(edges), frozenset(infrastructure), fundings)


def _infrastructure(
    histories: Mapping[str, Sequence[TxFacts]],
    fundings: Mapping[str, Funding],
    fee_payments: Mapping[str, Mapping[str, list[Proof]]],
    settings: ClusterSettings,
) -> set[str]:
    """Denylisted sources, and those that fund or pay fees for too many wallets: distinct first
    fundings seen plus distinct receivers in the source's own history when it was given."""
    funded: dict[str, set[str]] = defaultdict(set)
    for found in fundings.values():
        funded[found.funder].add(found.wallet)
    for source, history in histories.items():
        for tx in history:
            for transfer in tx.native_transfers:
                if transfer.sender == source and transfer.receiver != source:
                    funded[source].add(transfer.receiver)
    paid_for: dict[str, set[str]] = defaultdict(set)
    for wallet, payers in fee_payments.items():
        for payer in payers:
            paid_for[payer].add(wallet)
    limit = settings.infrastructure_fanout
    infrastructure = set(settings.denylist)
    infrastructure.update(source for source, wallets in funded.items() if len(wallets) > limit)
    infrastructure.update(payer for payer, wallets in paid_for.items() if len(wallets) > limit)
    return infrastructure


def _funding_edges(
    fundings: Mapping[str, Funding],
    candidates: frozenset[str],
    infrastructure: set[str],
    settings: ClusterSettings,
) -> list[Edge]:
    """Each candidate's chain up to `hop_limit` hops; an edge met from several wallets once."""
    edges: dict[tuple[str, str], Edge] = {}
    for start in sorted(candidates):
        wallet = start
        for hop in range(1, settings.hop_limit + 1):
            found = fundings.get(wallet)
            if found is None or found.funder in infrastructure or wallet in infrastructure:
                break
            key = (wallet, found.funder)
            known = edges.get(key)
            if known is None or known.hop > hop:
                edges[key] = Edge(
                    "FUNDED_BY",
                    wallet,
                    found.funder,
                    settings.weight_funded_by,
                    1,
                    (found.proof,),
                    hop=hop,
                )
            wallet = found.funder
    return list(edges.values())


def _fee_payments(
    histories: Mapping[str, Sequence[TxFacts]], candidates: frozenset[str]
) -> dict[str, dict[str, list[Proof]]]:
    """candidate -> payer -> proofs: transactions where the candidate traded or sent SOL or
    tokens and someone else paid the fee."""
    paid: dict[str, dict[str, list[Proof]]] = defaultdict(lambda: defaultdict(list))
    for wallet in candidates:
        seen: set[str] = set()
        for tx in histories.get(wallet, ()):
            if tx.fee_payer == wallet or tx.failed or tx.signature in seen:
                continue
            seen.add(tx.signature)
            acted = any(t.sender == wallet for t in tx.native_transfers) or any(
                t.sender == wallet for t in tx.token_transfers
            )
            if acted or tx.traded:
                paid[wallet][tx.fee_payer].append(Proof(tx.signature, tx.slot, tx.timestamp))
    return paid


def _fee_payer_edges(
    fee_payments: Mapping[str, Mapping[str, list[Proof]]],
    infrastructure: set[str],
    settings: ClusterSettings,
) -> list[Edge]:
    return [
        Edge(
            "FEE_PAID_BY",
            wallet,
            payer,
            settings.weight_fee_paid_by,
            len(proofs),
            tuple(proofs[:MAX_PROOFS]),
        )
        for wallet, payers in sorted(fee_payments.items())
        for payer, proofs in sorted(payers.items())
        if payer not in infrastructure
    ]


def _transfer_edges(
    histories: Mapping[str, Sequence[TxFacts]],
    candidates: frozenset[str],
    infrastructure: set[str],
    settings: ClusterSettings,
) -> list[Edge]:
    """SOL and token transfers whose both ends are candidates (each transaction once, though
    it is in both wallets' histories)."""
    moved: dict[tuple[str, str], dict[tuple[str, str | None], Proof]] = defaultdict(dict)
    for wallet in candidates:
        for tx in histories.get(wallet, ()):
            if tx.failed:
                continue
            for native in tx.native_transfers:
                if _between_candidates(native.sender, native.receiver, candidates, infrastructure):
                    proof = Proof(tx.signature, tx.slot, tx.timestamp, lamports=native.lamports)
                    moved[(native.sender, native.receiver)][(tx.signature, None)] = proof
            for token in tx.token_transfers:
                if _between_candidates(token.sender, token.receiver, candidates, infrastructure):
                    proof = Proof(
                        tx.signature, tx.slot, tx.timestamp, mint=token.mint, amount=token.amount
                    )
                    moved[(token.sender, token.receiver)][(tx.signature, token.mint)] = proof
    edges = []
    for (sender, receiver), by_key in sorted(moved.items()):
        proofs = sorted(by_key.values(), key=lambda p: (p.slot, p.signature))
        edges.append(
            Edge(
                "TRANSFERRED",
                sender,
                receiver,
                settings.weight_transferred,
                len(proofs),
                tuple(proofs[:MAX_PROOFS]),
            )
        )
    return edges


def _between_candidates(
    sender: str, receiver: str, candidates: frozenset[str], infrastructure: set[str]
) -> bool:
    return (
        sender != receiver
        and sender in candidates
        and receiver in candidates
        and sender not in infrastructure
        and receiver not in infrastructure
    )


@dataclass(frozen=True, slots=True)
class _Buy:
    slot: int
    wallet: str
    signature: str
    timestamp: datetime
    amount: Decimal


def _co_entry_edges(
    swaps: Iterable[Swap],
    candidates: frozenset[str],
    settings: ClusterSettings,
) -> list[Edge]:
    """Pairs that bought the same tokens within the window often enough, weighted by rarity."""
    buys = _buys_by_token(swaps, candidates)
    buyers_of = {mint: {buy.wallet for buy in token_buys} for mint, token_buys in buys.items()}
    n_buyers = len(set().union(*buyers_of.values())) if buyers_of else 0
    pairs: dict[tuple[str, str], dict[str, Proof]] = defaultdict(dict)
    window, snipe = settings.co_entry_window_slots, settings.sniper_slots
    for mint, token_buys in buys.items():
        first_slot = token_buys[0].slot
        for i, a in enumerate(token_buys):
            for b in token_buys[i + 1 :]:
                if b.slot - a.slot > window:
                    break
                if a.wallet == b.wallet or b.slot < first_slot + snipe:
                    continue  # the same wallet, or two launch snipes
                first, second = (a, b) if a.wallet < b.wallet else (b, a)
                pair = pairs[(first.wallet, second.wallet)]
                if mint not in pair:  # a token counts once per pair: its earliest co-entry
                    pair[mint] = Proof(
                        first.signature,
                        first.slot,
                        first.timestamp,
                        mint=mint,
                        amount=first.amount,
                        other_signature=second.signature,
                    )
    edges = []
    for (a_wallet, b_wallet), by_mint in sorted(pairs.items()):
        if len(by_mint) < settings.co_entry_min_count:
            continue
        rarity = sum(math.log(n_buyers / len(buyers_of[mint])) for mint in by_mint)
        proofs = sorted(by_mint.values(), key=lambda p: (p.slot, p.signature))
        edges.append(
            Edge(
                "CO_ENTERED",
                a_wallet,
                b_wallet,
                settings.weight_co_entered * rarity,
                len(proofs),
                tuple(proofs[:MAX_PROOFS]),
            )
        )
    return edges


def _buys_by_token(swaps: Iterable[Swap], candidates: frozenset[str]) -> dict[str, list[_Buy]]:
    """Each candidate's own buys, per token, in slot order (a swap given twice counts once)."""
    buys: dict[str, list[_Buy]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for swap in swaps:
        key = (swap.wallet, swap.signature, swap.token_mint)
        if swap.side != "buy" or swap.wallet not in candidates or key in seen:
            continue
        seen.add(key)
        buys[swap.token_mint].append(
            _Buy(swap.slot, swap.wallet, swap.signature, swap.timestamp, swap.token_amount)
        )
    for token_buys in buys.values():
        token_buys.sort(key=lambda buy: (buy.slot, buy.wallet, buy.signature))
    return buys

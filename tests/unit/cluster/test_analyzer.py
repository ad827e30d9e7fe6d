"""The owner analyzer on hand-built enhanced transactions: each kind of evidence, its proof,
and what must never link two wallets (infrastructure, launch snipes, popular tokens)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import base58
import pytest
from pydantic import ValidationError

from tests.unit.swaps.builders import T0, TxBuilder, to_json
from walltrack.core.cluster.analyzer import (
    Evidence,
    analyze,
    analyze_facts,
    earliest_inbound_sol,
    facts_of,
    swaps_of,
)
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.services.helius.enhanced import read_transaction

SLOT0 = 405_300_000


def address(name: str) -> str:
    """A valid 32-byte base58 address per name."""
    return base58.b58encode(name.encode().ljust(32, b"\x01")[:32]).decode()


_SIGS = iter(range(1, 1_000_000))


def signature() -> str:
    return base58.b58encode(next(_SIGS).to_bytes(64, "big")).decode()


def view(builder: TxBuilder) -> EnhancedTx:
    return read_transaction(json.loads(to_json(builder.build())))


def _builder(payer: str, slot: int) -> TxBuilder:
    return TxBuilder(
        fee_payer=payer,
        signature=signature(),
        slot=slot,
        timestamp=T0 + (slot - SLOT0) * 2 // 5,
        tx_type="TRANSFER",
    )


def funding(sender: str, receiver: str, lamports: int, slot: int = SLOT0) -> EnhancedTx:
    return view(_builder(sender, slot).system_transfer(sender, receiver, lamports))


def buy(wallet: str, mint: str, slot: int, *, payer: str | None = None) -> EnhancedTx:
    """A curve buy: 0.5 SOL to the curve's vault, tokens out of the curve's account."""
    b = _builder(payer or wallet, slot)
    if payer:
        b.native.setdefault(wallet, 0)
    b.tx_type = "SWAP"
    curve = address(f"curve:{mint}")
    b.system_transfer(wallet, address(f"vault:{mint}"), 500_000_000)
    b.token_transfer(
        (curve, address(f"curve-ata:{mint}")),
        (wallet, address(f"ata:{wallet}:{mint}")),
        mint,
        1_000_000_000,
        6,
    )
    return view(b)


def sell(wallet: str, mint: str, slot: int) -> EnhancedTx:
    """A sell whose SOL proceeds are listed as a native transfer into the wallet."""
    b = _builder(wallet, slot)
    b.tx_type = "SWAP"
    b.token_transfer(
        (wallet, address(f"ata:{wallet}:{mint}")),
        (address(f"curve:{mint}"), address(f"curve-ata:{mint}")),
        mint,
        1_000_000_000,
        6,
    )
    b.system_transfer(address(f"vault:{mint}"), wallet, 400_000_000)
    return view(b)


def token_gift(sender: str, receiver: str, mint: str, slot: int) -> EnhancedTx:
    b = _builder(sender, slot)
    b.token_transfer(
        (sender, address(f"ata:{sender}:{mint}")),
        (receiver, address(f"ata:{receiver}:{mint}")),
        mint,
        250_000_000,
        6,
    )
    return view(b)


def histories(*txs: EnhancedTx) -> dict[str, list[EnhancedTx]]:
    """Each transaction under every account it touches, oldest first (as Helius lists them)."""
    out: dict[str, list[EnhancedTx]] = defaultdict(list)
    for tx in sorted(txs, key=lambda t: t.slot):
        touched = {tx.fee_payer}
        touched.update(row.account for row in tx.accounts)
        touched.update(t.sender for t in tx.token_transfers)
        touched.update(t.receiver for t in tx.token_transfers)
        for account in touched:
            out[account].append(tx)
    return out


def run(txs: Sequence[EnhancedTx], candidates: Sequence[str], **settings: Any) -> Evidence:
    return analyze(histories(*txs), candidates, ClusterSettings(**settings))


def pairs(evidence: Evidence, kind: str) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in evidence.edges if e.kind == kind}


A, B, C, D = (address(n) for n in ("wallet-a", "wallet-b", "wallet-c", "wallet-d"))
HOP, OWNER, EXCHANGE = address("hop"), address("owner"), address("exchange")
MINT_1, MINT_2, MINT_3 = address("mint-1"), address("mint-2"), address("mint-3")


def test_funding_chain_is_followed_up_to_the_hop_limit_and_stops_at_an_exchange() -> None:
    # Given A funded by a hop wallet, the hop by the owner, the owner by an exchange that also
    # funds three unrelated wallets (fan-out 4 > threshold 3)
    txs = [
        funding(EXCHANGE, OWNER, 100 * 10**9, SLOT0),
        *(funding(EXCHANGE, address(f"retail-{i}"), 10**9, SLOT0 + 1 + i) for i in range(3)),
        funding(OWNER, HOP, 20 * 10**9, SLOT0 + 10),
        funding(HOP, A, 3 * 10**9, SLOT0 + 20),
    ]
    # When A's evidence is analysed with hop limits 3 and 1
    deep = run(txs, [A], infrastructure_fanout=3, hop_limit=3)
    shallow = run(txs, [A], infrastructure_fanout=3, hop_limit=1)
    # Then the chain reaches the owner (hops 1 and 2) and never the exchange, which is infra
    funded = {(e.source, e.target): e for e in deep.of_kind("FUNDED_BY")}
    assert set(funded) == {(A, HOP), (HOP, OWNER)}
    assert funded[(A, HOP)].hop == 1
    assert funded[(HOP, OWNER)].hop == 2
    assert EXCHANGE in deep.infrastructure
    # And the proof carries the amount, time and signature of the earliest inbound SOL
    proof = funded[(A, HOP)].proofs[0]
    assert proof.lamports == 3 * 10**9
    assert proof.signature == txs[-1].signature
    assert proof.timestamp == txs[-1].timestamp
    # And a hop limit of 1 stops at the first funder
    assert pairs(shallow, "FUNDED_BY") == {(A, HOP)}


def test_exchange_and_denylisted_funders_never_link_wallets() -> None:
    # Given A and B funded by the same busy exchange, C and D by one denylisted router
    router = address("router")
    txs = [
        *(funding(EXCHANGE, w, 10**9, SLOT0 + i) for i, w in enumerate((A, B))),
        *(funding(EXCHANGE, address(f"r{i}"), 10**9, SLOT0 + 5 + i) for i in range(3)),
        funding(router, C, 10**9, SLOT0 + 9),
        funding(router, D, 10**9, SLOT0 + 10),
    ]
    # When analysed with a fan-out threshold of 3 and the router denylisted
    evidence = run(txs, [A, B, C, D], infrastructure_fanout=3, denylist=[router])
    # Then no funding edge exists at all
    assert evidence.of_kind("FUNDED_BY") == []
    assert {EXCHANGE, router} <= evidence.infrastructure


def test_earliest_inbound_sol_is_the_first_plain_transfer_in() -> None:
    # Given A's history: a funding by HOP, then a bigger one by OWNER, and before both a
    # sell whose proceeds are listed as SOL sent to A, which is not a funding
    first = funding(HOP, A, 10**9, SLOT0 + 5)
    later = funding(OWNER, A, 50 * 10**9, SLOT0 + 9)
    proceeds = sell(A, MINT_1, SLOT0)
    assert any(t.receiver == A for t in proceeds.native_transfers)
    # When its earliest inbound SOL is read
    found = earliest_inbound_sol(A, [proceeds, first, later])
    # Then it is HOP's transfer
    assert found is not None
    assert found.funder == HOP
    assert found.proof.signature == first.signature
    assert earliest_inbound_sol(B, [first]) is None


def test_fee_paid_by_another_account_is_evidence_unless_that_payer_is_a_relayer() -> None:
    # Given A's buy paid by OWNER, and a relayer paying for four wallets' buys
    relayer = address("relayer")
    paid = buy(A, MINT_1, SLOT0 + 50, payer=OWNER)
    relayed = [buy(w, MINT_2, SLOT0 + 60 + i, payer=relayer) for i, w in enumerate((A, B, C, D))]
    # When analysed with a fan-out threshold of 3
    evidence = run([paid, *relayed], [A, B, C, D], infrastructure_fanout=3)
    # Then A is linked to OWNER by its fee, with the transaction as proof; the relayer links none
    edges = evidence.of_kind("FEE_PAID_BY")
    assert [(e.source, e.target) for e in edges] == [(A, OWNER)]
    assert edges[0].proofs[0].signature == paid.signature
    assert relayer in evidence.infrastructure


def test_transfers_between_candidates_are_evidence_once_each() -> None:
    # Given A sending tokens to B (both candidates, the tx in both histories), SOL to C, and
    # tokens to a wallet that is not a candidate
    gift = token_gift(A, B, MINT_1, SLOT0 + 70)
    sol = funding(A, C, 2 * 10**9, SLOT0 + 80)
    outside = token_gift(A, address("stranger"), MINT_1, SLOT0 + 90)
    # When analysed
    evidence = run([gift, sol, outside], [A, B, C])
    # Then A->B (tokens) and A->C (SOL) are edges with their proof, counted once
    edges = {(e.source, e.target): e for e in evidence.of_kind("TRANSFERRED")}
    assert set(edges) == {(A, B), (A, C)}
    assert edges[(A, B)].count == 1
    assert edges[(A, B)].proofs[0].mint == MINT_1
    assert edges[(A, C)].proofs[0].lamports == 2 * 10**9


def test_co_entry_needs_k_tokens_within_the_window_and_leaves_launch_snipes_out() -> None:
    # Given: A and B buy MINT_1 and MINT_2 within 2 slots of each other (after the first slot);
    # C buys both 8-10 slots after A; A and D both snipe MINT_3 and MINT_1 in its first slot
    first = SLOT0 + 100
    txs = [
        buy(D, MINT_1, first),
        buy(A, MINT_1, first + 1),
        buy(B, MINT_1, first + 3),
        buy(C, MINT_1, first + 9),
        buy(A, MINT_2, first + 200),
        buy(B, MINT_2, first + 201),
        buy(C, MINT_2, first + 210),
        buy(A, MINT_3, first + 400),
        buy(D, MINT_3, first + 400),
        buy(address("other"), MINT_3, first + 405),
    ]
    # When analysed with a window of 4 slots, K = 2 and the first slot left to snipers
    evidence = run(txs, [A, B, C, D, address("other")], co_entry_window_slots=4)
    # Then only A and B co-entered, on both tokens, with both buys as proof
    edges = evidence.of_kind("CO_ENTERED")
    assert [(e.source, e.target) for e in edges] == [tuple(sorted((A, B)))]
    assert edges[0].count == 2
    assert {p.mint for p in edges[0].proofs} == {MINT_1, MINT_2}
    assert {p.signature for p in edges[0].proofs} | {
        p.other_signature for p in edges[0].proofs
    } == {txs[1].signature, txs[2].signature, txs[4].signature, txs[5].signature}
    assert evidence.edges == tuple(edges)
    # And with K = 3 there is none
    assert run(txs, [A, B, C, D], co_entry_window_slots=4, co_entry_min_count=3).edges == ()


def test_co_entering_a_token_everyone_bought_weighs_less_than_a_rare_one() -> None:
    # Given A and B co-entering a token all 6 candidates bought and a token only they bought
    crowd = [address(f"crowd-{i}") for i in range(4)]
    everyone, rare = MINT_1, MINT_2
    txs = [buy(w, everyone, SLOT0 + 300 + i) for i, w in enumerate([A, B, *crowd])]
    txs += [buy(A, rare, SLOT0 + 500), buy(B, rare, SLOT0 + 501)]
    candidates = [A, B, *crowd]
    # When analysed with K = 1 (every co-entry an edge)
    edges = {
        (e.source, e.target): e
        for e in run(txs, candidates, co_entry_min_count=1, sniper_slots=0).of_kind("CO_ENTERED")
    }
    # Then the A-B edge carries only the rare token's rarity, ln(6 / 2); crowd pairs weigh 0
    ab = edges[(min(A, B), max(A, B))]
    assert ab.weight == pytest.approx(0.1 * math.log(6 / 2))
    crowd_pair = edges[(min(crowd[:2]), max(crowd[:2]))]
    assert crowd_pair.weight == 0


def test_settings_have_bounds_and_reject_unknown_fields() -> None:
    # Given the defaults
    settings = ClusterSettings()
    assert settings.hop_limit == 3
    assert settings.co_entry_min_count == 2
    # Then out-of-bound values and unknown fields are clear errors
    with pytest.raises(ValidationError, match="hop_limit"):
        ClusterSettings(hop_limit=0)
    with pytest.raises(ValidationError, match="infrastructure_fanout"):
        ClusterSettings(infrastructure_fanout=1)
    with pytest.raises(ValidationError, match="denylist"):
        ClusterSettings(denylist=["not an address"])
    with pytest.raises(ValidationError, match="hops"):
        ClusterSettings.model_validate({"hops": 2})


def _facts_and_swaps(
    txs: Sequence[EnhancedTx], candidates: Sequence[str]
) -> tuple[dict[str, Any], list[Any]]:
    """What step 4 keeps: each account's page as facts, and the candidates' swaps as step 3
    stored them (from their own histories)."""
    by_account = histories(*txs)
    pages = {account: facts_of(account, history) for account, history in by_account.items()}
    swaps = [s for w in candidates for s in swaps_of(w, by_account.get(w, []))]
    return pages, swaps


def test_the_cached_facts_and_stored_swaps_give_the_same_evidence_as_raw_histories() -> None:
    # Given every kind of evidence at once: a 2-hop chain, a paid fee, a transfer, co-entries
    txs = [
        funding(OWNER, HOP, 50 * 10**9, SLOT0),
        funding(HOP, A, 5 * 10**9, SLOT0 + 10),
        funding(HOP, B, 5 * 10**9, SLOT0 + 11),
        buy(A, MINT_1, SLOT0 + 100, payer=OWNER),
        buy(B, MINT_1, SLOT0 + 102),
        buy(A, MINT_2, SLOT0 + 300),
        buy(B, MINT_2, SLOT0 + 301),
        token_gift(A, C, MINT_1, SLOT0 + 400),
    ]
    candidates = [A, B, C]
    pages, swaps = _facts_and_swaps(txs, candidates)
    # When analysed from facts and stored swaps, and from the raw histories
    settings = ClusterSettings()
    from_facts = analyze_facts(pages, swaps, candidates, settings)
    raw = analyze(histories(*txs), candidates, settings)
    # Then both see the same edges, each kind present, with the same proofs
    assert from_facts.edges == raw.edges
    assert {e.kind for e in from_facts.edges} == {
        "FUNDED_BY", "FEE_PAID_BY", "TRANSFERRED", "CO_ENTERED"
    }  # fmt: skip


def test_facts_keep_only_what_touches_the_wallet_and_whether_it_traded_on_a_paid_fee() -> None:
    # Given A's buy paid by OWNER, and a transfer between two other wallets in A's history
    paid = buy(A, MINT_1, SLOT0 + 50, payer=OWNER)
    others = funding(B, C, 10**9, SLOT0 + 60)
    # When reduced to A's facts
    [paid_facts, other_facts] = facts_of(A, [paid, others, paid])
    # Then each transaction is kept once; A's own transfers are kept, the others' are not
    assert paid_facts.traded is True
    assert paid_facts.fee_payer == OWNER
    assert all(A in (t.sender, t.receiver) for t in paid_facts.native_transfers)
    assert paid_facts.native_transfers
    assert paid_facts.token_transfers
    assert other_facts.native_transfers == ()
    assert other_facts.traded is False


def test_co_entries_come_from_the_stored_swaps_given_not_from_the_pages() -> None:
    # Given A and B co-entering two tokens, known only from their stored swaps (no pages)
    txs = [
        buy(A, MINT_1, SLOT0 + 100),
        buy(B, MINT_1, SLOT0 + 101),
        buy(A, MINT_2, SLOT0 + 200),
        buy(B, MINT_2, SLOT0 + 202),
    ]
    _, swaps = _facts_and_swaps(txs, [A, B])
    # When analysed without any page, each swap given twice (a re-read)
    evidence = analyze_facts({}, [*swaps, *swaps], [A, B], ClusterSettings())
    # Then A and B co-entered on both tokens, each counted once
    [edge] = evidence.of_kind("CO_ENTERED")
    assert edge.count == 2
    # And sells or a non-candidate's buys never pair
    sells = [s.model_copy(update={"side": "sell"}) for s in swaps]
    assert analyze_facts({}, sells, [A, B], ClusterSettings()).edges == ()
    assert analyze_facts({}, swaps, [A], ClusterSettings()).edges == ()

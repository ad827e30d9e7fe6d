"""Net flows of one transaction per owner: token changes, the trader, and its SOL change.

Balances (`accountData`) are exact and always win; transfers fill only what a trimmed webhook
body left out. Amounts are Decimal in UI units; the caller sets a wide decimal context.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from walltrack.core.swaps.side_payments import SIDE_PAYMENT_ACCOUNTS
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.solana import QUOTE_MINTS, SOL_MINT

SOL_DECIMALS = 9
NON_FUNGIBLE_STANDARDS = frozenset(
    {
        "NonFungible",
        "NonFungibleEdition",
        "ProgrammableNonFungible",
        "ProgrammableNonFungibleEdition",
    }
)
"""Helius `tokenStandard` values of NFTs: a trade of one is not a fungible-token trade."""
TEMPORARY_WSOL_SHARE = Decimal("0.5")
"""A wallet WSOL account missing from a trimmed body is temporary when the wallet's own native
change already carries at least this share of its WSOL flow, the same way round (the SOL went
through it and back); a standing account's owner shows only the fee and tips natively."""

Deltas = dict[str, Decimal]


def token_deltas(tx: EnhancedTx) -> dict[str, Deltas]:
    """Net non-zero change per owner and mint, in first-appearance order.

    WSOL is left out: it is SOL and `sol_change` counts it; so are NFTs (fungible tokens only).
    An (owner, mint) with at least one balance change takes the exact balances; transfers only
    fill an (owner, mint) with none.
    """
    nfts = non_fungible_mints(tx)
    exact: dict[str, Deltas] = {}
    for row in tx.accounts:
        for change in row.token_changes:
            if change.owner and change.mint != SOL_MINT and change.mint not in nfts:
                per = exact.setdefault(change.owner, {})
                per[change.mint] = per.get(change.mint, Decimal(0)) + change.amount
    moved: dict[str, Deltas] = {}
    for t in tx.token_transfers:
        if t.mint == SOL_MINT or t.sender == t.receiver or t.mint in nfts:
            continue
        for owner, signed in ((t.sender, -t.amount), (t.receiver, t.amount)):
            if owner:
                per = moved.setdefault(owner, {})
                per[t.mint] = per.get(t.mint, Decimal(0)) + signed
    merged: dict[str, Deltas] = {}
    for owner in [*exact, *(o for o in moved if o not in exact)]:
        per = dict(moved.get(owner, {}))
        per.update(exact.get(owner, {}))
        nonzero = {mint: d for mint, d in per.items() if d != 0}
        if nonzero:
            merged[owner] = nonzero
    return merged


def non_fungible_mints(tx: EnhancedTx) -> set[str]:
    """Mints this transaction moves as NFTs: Helius says so (`tokenStandard`), or, where it does
    not, a 0-decimal mint whose every balance change is a single unit."""
    stated: set[str] = set()
    nfts: set[str] = set()
    for t in tx.token_transfers:
        if t.standard is not None:
            stated.add(t.mint)
            if t.standard in NON_FUNGIBLE_STANDARDS:
                nfts.add(t.mint)
    units: set[str] = set()
    not_units: set[str] = set()
    for row in tx.accounts:
        for change in row.token_changes:
            if change.decimals == 0 and change.mint not in stated:
                (units if abs(change.amount) == 1 else not_units).add(change.mint)
    return nfts | (units - not_units)


def traders(
    tx: EnhancedTx, deltas: dict[str, Deltas], wallets: Collection[str] | None = None
) -> list[str]:
    """The wallets whose trades to report, in account order.

    With `wallets` (the watched set): each of them whose non-quote tokens changed. Without: the
    fee payer if its non-quote tokens changed; otherwise (a relayer paid the fee) the first such
    owner in `accountData` order, which Helius keeps in the message's key order, signers first,
    so the signing trader comes before the pool and curve accounts that mirror its trade.
    """

    def trades(owner: str) -> bool:
        return any(mint not in QUOTE_MINTS for mint in deltas.get(owner, {}))

    if isinstance(wallets, str):  # one address is a Collection[str] of characters too
        wallets = [wallets]
    if wallets is not None:
        # The transaction's owners looked up in the watched set, not every watched wallet
        # looked up in the transaction: the same wallets, at a cost that does not grow with
        # the watchlist (webhook_ingest parses each delivery against all listed wallets).
        watched = wallets if isinstance(wallets, set | frozenset | dict) else set(wallets)
        return sorted({w for w in deltas if w in watched and trades(w)}, key=lambda w: _rank(tx, w))
    if trades(tx.fee_payer):
        return [tx.fee_payer]
    if _moved_quote(tx, tx.fee_payer, deltas):
        return []  # the fee payer itself traded, quote for quote (SOL → X → USDC): no token trade
    candidates = [owner for owner in deltas if trades(owner)]
    return [min(candidates, key=lambda w: _rank(tx, w))] if candidates else []


RENT_DUST_LAMPORTS = 2 * 2_039_280
"""At most two token accounts' rent: a fee payer moving no more SOL than this is a relayer."""


def _moved_quote(tx: EnhancedTx, wallet: str, deltas: dict[str, Deltas]) -> bool:
    """Did the wallet pay or receive a quote asset beyond the fee, tips and some rent?"""
    if any(mint in QUOTE_MINTS for mint in deltas.get(wallet, {})):
        return True
    return abs(sol_change(tx, wallet)) > Decimal(RENT_DUST_LAMPORTS).scaleb(-SOL_DECIMALS)


def _rank(tx: EnhancedTx, owner: str) -> tuple[int, int, str]:
    """Own `accountData` row first, then a row of its token accounts, then a System transfer it
    sent (only a signer can send one, pools and curves cannot), then the rest by address.
    """
    for i, row in enumerate(tx.accounts):
        if row.account == owner:
            return (0, i, owner)
    for i, row in enumerate(tx.accounts):
        if any(c.owner == owner for c in row.token_changes):
            return (1, i, owner)
    for i, t in enumerate(tx.native_transfers):
        if t.sender == owner:
            return (2, i, owner)
    return (3, 0, owner)


def sol_change(tx: EnhancedTx, wallet: str) -> Decimal:
    """The wallet's SOL change as a trade leg: native plus WSOL, in SOL, one leg however many
    temporary WSOL accounts it passed through.

    Taken out: the network fee (priority fee included) when the wallet paid it; rent moved into
    or out of the wallet's own token accounts (ATA creation/close, temporary WSOL accounts),
    whose lamports count as the wallet's; and what the wallet paid that is not the trade
    (`_not_the_trade`: tips, bots' and platforms' fees, rent of accounts created for others).
    Everything else the wallet paid counts, such as the venue's own fees (pump.fun 1 %,
    PumpSwap's protocol and creator fees): they are part of the venue's price.
    """
    own = _own_token_accounts(tx, wallet)
    balances: dict[str, int] = {}
    for row in tx.accounts:
        balances[row.account] = balances.get(row.account, 0) + row.native_change
    aside = _not_the_trade(tx, wallet, own)
    if wallet in balances:
        return _sol_from_balances(tx, wallet, own, balances, aside)
    return _sol_from_transfers(tx, wallet, own, aside)


def _not_the_trade(tx: EnhancedTx, wallet: str, own: set[str]) -> set[str]:
    """Accounts the wallet paid SOL that is not the trade's price: known tip and fee wallets,
    anyone it paid with a top-level System instruction of its own (a tip or a bot's fee: the
    venue's payments happen inside the venue's instruction), and accounts it created for
    others (their rent: an airdrop's claim record, a program's state)."""
    aside = {
        t.receiver
        for t in tx.native_transfers
        if t.sender == wallet and t.receiver in SIDE_PAYMENT_ACCOUNTS
    }
    for op in tx.system_ops:
        if op.source == wallet and (op.top_level or op.creates_account):
            aside.add(op.target)
    aside -= own
    aside.discard(wallet)
    return aside


def _paid_aside(tx: EnhancedTx, wallet: str, aside: set[str]) -> int:
    return sum(
        t.lamports for t in tx.native_transfers if t.sender == wallet and t.receiver in aside
    )


def _sol_from_balances(
    tx: EnhancedTx, wallet: str, own: set[str], balances: dict[str, int], aside: set[str]
) -> Decimal:
    lamports = balances[wallet] + _paid_aside(tx, wallet, aside)
    lamports += tx.fee if tx.fee_payer == wallet else 0
    missing_wsol: list[str] = []
    wsol_accounts = _wsol_accounts(tx)
    for account in sorted(own):
        if account in balances:
            lamports += balances[account]
        elif account in wsol_accounts:
            missing_wsol.append(account)  # left out of a trimmed accountData: see below
        else:
            lamports += _native_net(tx, account)  # rent put into a new token account
    native = Decimal(lamports).scaleb(-SOL_DECIMALS)
    wsol = Decimal(0)
    for account in missing_wsol:
        flow = _wsol_net(tx, account)
        if not _temporary(tx, wallet, account, native, flow):
            wsol += flow  # a standing account: the SOL leg is only in its WSOL change
    return native + wsol


def _temporary(tx: EnhancedTx, wallet: str, account: str, native: Decimal, flow: Decimal) -> bool:
    """Was the wallet's WSOL account (missing from accountData) opened and closed in this
    transaction? Then the SOL that passed through it is already in the wallet's native change,
    and counting its WSOL too would count the leg twice."""
    if any(
        (t.sender == wallet and t.receiver == account)  # funded by the wallet
        or (t.sender == account and t.receiver == wallet)  # closed into the wallet
        for t in tx.native_transfers
    ):
        return True
    if any(op.source == wallet and op.target == account for op in tx.system_ops):
        return True
    same_way = (native < 0) == (flow < 0)
    return flow != 0 and same_way and abs(native) >= abs(flow) * TEMPORARY_WSOL_SHARE


def _sol_from_transfers(tx: EnhancedTx, wallet: str, own: set[str], aside: set[str]) -> Decimal:
    """No balance row for the wallet: only transfers are left, and SOL a program moves
    directly (pump.fun sell proceeds) is invisible in them.
    """
    lamports = 0
    for t in tx.native_transfers:
        if t.receiver == wallet and t.sender not in own:
            lamports += t.lamports
        if t.sender == wallet and t.receiver not in own and t.receiver not in aside:
            lamports -= t.lamports
    wsol = Decimal(0)
    for tt in tx.token_transfers:
        if tt.mint != SOL_MINT or tt.sender == tt.receiver:
            continue
        if tt.receiver == wallet:
            wsol += tt.amount
        elif tt.sender == wallet:
            wsol -= tt.amount
    return Decimal(lamports).scaleb(-SOL_DECIMALS) + wsol


def _own_token_accounts(tx: EnhancedTx, wallet: str) -> set[str]:
    own = {
        change.token_account
        for row in tx.accounts
        for change in row.token_changes
        if change.owner == wallet
    }
    for t in tx.token_transfers:
        if t.sender == wallet and t.sender_account:
            own.add(t.sender_account)
        if t.receiver == wallet and t.receiver_account:
            own.add(t.receiver_account)
    own.discard(wallet)
    return own


def _wsol_accounts(tx: EnhancedTx) -> set[str]:
    accounts = {
        change.token_account
        for row in tx.accounts
        for change in row.token_changes
        if change.mint == SOL_MINT
    }
    for t in tx.token_transfers:
        if t.mint == SOL_MINT:
            accounts.update(a for a in (t.sender_account, t.receiver_account) if a)
    return accounts


def _wsol_net(tx: EnhancedTx, account: str) -> Decimal:
    net = Decimal(0)
    for t in tx.token_transfers:
        if t.mint == SOL_MINT and t.sender_account != t.receiver_account:
            if t.receiver_account == account:
                net += t.amount
            elif t.sender_account == account:
                net -= t.amount
    return net


def _native_net(tx: EnhancedTx, account: str) -> int:
    return sum(
        (t.lamports if t.receiver == account else 0) - (t.lamports if t.sender == account else 0)
        for t in tx.native_transfers
    )

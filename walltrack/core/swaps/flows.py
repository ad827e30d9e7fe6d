"""Net flows of one transaction per owner: token changes, the trader, and its SOL change.

Balances (`accountData`) are exact and always win; transfers fill only what a trimmed webhook
body left out. Amounts are Decimal in UI units; the caller sets a wide decimal context.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.solana import QUOTE_MINTS, SOL_MINT

SOL_DECIMALS = 9
JITO_TIP_ACCOUNTS = frozenset(
    {
        "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5",
        "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
        "Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY",
        "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
        "DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh",
        "ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt",
        "DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL",
        "3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT",
    }
)
"""Jito's eight tip accounts (`getTipAccounts`): SOL sent there buys inclusion, not tokens."""

Deltas = dict[str, Decimal]


def token_deltas(tx: EnhancedTx) -> dict[str, Deltas]:
    """Net non-zero change per owner and mint, in first-appearance order.

    WSOL is left out: it is SOL and `sol_change` counts it. An (owner, mint) with at least one
    balance change takes the exact balances; transfers only fill an (owner, mint) with none.
    """
    exact: dict[str, Deltas] = {}
    for row in tx.accounts:
        for change in row.token_changes:
            if change.owner and change.mint != SOL_MINT:
                per = exact.setdefault(change.owner, {})
                per[change.mint] = per.get(change.mint, Decimal(0)) + change.amount
    moved: dict[str, Deltas] = {}
    for t in tx.token_transfers:
        if t.mint == SOL_MINT or t.sender == t.receiver:
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
        return sorted({w for w in wallets if trades(w)}, key=lambda w: _rank(tx, w))
    if trades(tx.fee_payer):
        return [tx.fee_payer]
    candidates = [owner for owner in deltas if trades(owner)]
    return [min(candidates, key=lambda w: _rank(tx, w))] if candidates else []


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
    """The wallet's SOL change as a trade leg: native plus WSOL, in SOL.

    Taken out: the network fee (priority fee included) when the wallet paid it, Jito tips, and
    rent moved into or out of the wallet's own token accounts (ATA creation/close, temporary
    WSOL accounts): those accounts' lamports count as the wallet's. Everything else the wallet
    paid counts, such as the pump.fun 1 % fee, which is part of the venue's price.
    """
    own = _own_token_accounts(tx, wallet)
    balances: dict[str, int] = {}
    for row in tx.accounts:
        balances[row.account] = balances.get(row.account, 0) + row.native_change
    if wallet in balances:
        return _sol_from_balances(tx, wallet, own, balances)
    return _sol_from_transfers(tx, wallet, own)


def _sol_from_balances(
    tx: EnhancedTx, wallet: str, own: set[str], balances: dict[str, int]
) -> Decimal:
    tips = sum(
        t.lamports
        for t in tx.native_transfers
        if t.sender == wallet and t.receiver in JITO_TIP_ACCOUNTS
    )
    lamports = balances[wallet] + tips + (tx.fee if tx.fee_payer == wallet else 0)
    wsol = Decimal(0)
    funded = {t.receiver for t in tx.native_transfers}
    wsol_accounts = _wsol_accounts(tx)
    for account in sorted(own):
        if account in balances:
            lamports += balances[account]
        elif account in wsol_accounts:
            # missing from a trimmed accountData: a temporary WSOL account is funded in this
            # transaction and closed again (nets to 0); a standing one holds the SOL leg.
            if account not in funded:
                wsol += _wsol_net(tx, account)
        else:
            lamports += _native_net(tx, account)  # rent put into a new token account
    return Decimal(lamports).scaleb(-SOL_DECIMALS) + wsol


def _sol_from_transfers(tx: EnhancedTx, wallet: str, own: set[str]) -> Decimal:
    """No balance row for the wallet: only transfers are left, and SOL a program moves
    directly (pump.fun sell proceeds) is invisible in them.
    """
    lamports = 0
    for t in tx.native_transfers:
        if t.receiver == wallet and t.sender not in own:
            lamports += t.lamports
        if t.sender == wallet and t.receiver not in own and t.receiver not in JITO_TIP_ACCOUNTS:
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

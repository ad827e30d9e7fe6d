"""The checked, exact view of one Helius enhanced transaction, as the swap normaliser reads it.

The Helius reader (`walltrack.services.helius.enhanced`) builds it from the raw JSON and checks
every field the normaliser uses, so the logic downstream never meets a KeyError, a float or an
absurd number. Plain slotted dataclasses rather than pydantic: this is the parser's hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

import base58


@dataclass(frozen=True, slots=True)
class NativeTransfer:
    """A System-program transfer; lamports the programs move directly never appear here."""

    sender: str
    receiver: str
    lamports: int


@dataclass(frozen=True, slots=True)
class TokenTransfer:
    """A token transfer; `amount` is in UI units, exact as far as the JSON number was.
    `standard` is Helius' `tokenStandard` when it sent one (Fungible, NonFungible, ...)."""

    sender: str
    receiver: str
    sender_account: str
    receiver_account: str
    mint: str
    amount: Decimal
    standard: str | None = None


@dataclass(frozen=True, slots=True)
class TokenChange:
    """A token account's balance change, exact: raw units with the mint's decimals applied."""

    owner: str
    token_account: str
    mint: str
    amount: Decimal
    decimals: int


class SystemOpKind(IntEnum):
    """System-program instructions that move lamports (their on-chain discriminators)."""

    CREATE_ACCOUNT = 0
    TRANSFER = 2
    CREATE_ACCOUNT_WITH_SEED = 3
    TRANSFER_WITH_SEED = 11


_SYSTEM_KINDS = {kind.value: kind for kind in SystemOpKind}
MAX_INSTRUCTION_DATA_CHARS = 1_700
"""A transaction is at most 1,232 bytes, so an instruction's data in base58 (~1.37 characters
per byte) is at most ~1,690 characters."""


def system_op_kind(data: str) -> SystemOpKind | None:
    """The kind of a System instruction from its base58 data (the first 4 bytes, a little-endian
    discriminator); anything unreadable or not lamport-moving is None. Data longer than a
    whole transaction can hold is unreadable, and is not decoded (the decode is quadratic)."""
    if len(data) > MAX_INSTRUCTION_DATA_CHARS:
        return None
    try:
        raw = base58.b58decode(data)
    except ValueError:
        return None
    return _SYSTEM_KINDS.get(int.from_bytes(raw[:4], "little")) if len(raw) >= 4 else None


@dataclass(frozen=True, slots=True)
class SystemOp:
    """A System-program instruction of the transaction: who funded which account, at the top
    level (an instruction the signers put there themselves: a tip, a bot fee) or inside another
    program's instruction (a venue's payment, the rent of an account a program creates).

    `data` stays base58 and `kind` is decoded when asked: the normaliser asks about a few of a
    transaction's System instructions, and decoding (pure Python) costs more than reading the
    rest of one. `accounts` has at least two entries."""

    accounts: tuple[str, ...]
    top_level: bool
    data: str

    @property
    def source(self) -> str:
        return self.accounts[0]

    @property
    def target(self) -> str:
        """The account credited: the second, or the third for a transfer with seed."""
        if len(self.accounts) > 2 and self.kind is SystemOpKind.TRANSFER_WITH_SEED:
            return self.accounts[2]
        return self.accounts[1]

    @property
    def kind(self) -> SystemOpKind | None:
        return system_op_kind(self.data)

    @property
    def creates_account(self) -> bool:
        return self.kind in (SystemOpKind.CREATE_ACCOUNT, SystemOpKind.CREATE_ACCOUNT_WITH_SEED)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One `accountData` entry; rows keep the message's account order (signers first)."""

    account: str
    native_change: int
    token_changes: tuple[TokenChange, ...]


@dataclass(frozen=True, slots=True)
class EnhancedTx:
    signature: str
    slot: int
    timestamp: datetime
    fee: int
    fee_payer: str
    source: str
    failed: bool
    native_transfers: tuple[NativeTransfer, ...]
    token_transfers: tuple[TokenTransfer, ...]
    accounts: tuple[AccountRow, ...]
    system_ops: tuple[SystemOp, ...] = ()

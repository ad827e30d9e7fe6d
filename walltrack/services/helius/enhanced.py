"""Reads a Helius enhanced transaction (a raw dict) into the checked view the normaliser uses.

Every field the normaliser uses is type- and range-checked here, so the logic downstream never
meets a KeyError, a float or an absurd number: anything unreadable is a `MalformedTransaction`
naming the field. Absent lists count as empty (webhook bodies trim them); absent identity fields
(signature, slot, timestamp, fee, feePayer) do not.

Speed: this is the parser's hot path (most of a transaction's parse time). Each field reader
checks the common case first (an exact `dict`, `list`, `int` or `str`) and builds a field's
label only when it reports an error; the checks and messages are the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from walltrack.data.models.enhanced_tx import (
    AccountRow,
    EnhancedTx,
    NativeTransfer,
    SystemOp,
    TokenChange,
    TokenTransfer,
)
from walltrack.errors import MalformedTransaction

SYSTEM_PROGRAM = "11111111111111111111111111111111"
U64_MAX = 2**64 - 1
MAX_DECIMALS = 255
"""SPL `decimals` is a u8."""
_MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second datetime can hold
_MAX_UI_DIGITS = 40  # a u64 with any decimals fits; larger is not an amount
_MIN_UI_EXPONENT = -MAX_DECIMALS
_RAW_AMOUNT = re.compile(r"[+-]?[0-9]{1,40}")


def read_transactions(txs: Iterable[Any]) -> tuple[list[EnhancedTx], list[tuple[int, str]]]:
    """The readable transactions in input order, and (index, reason) of each malformed one:
    one bad item never hides its neighbours (a webhook body or a history page is a batch)."""
    views: list[EnhancedTx] = []
    errors: list[tuple[int, str]] = []
    for index, tx in enumerate(txs):
        try:
            views.append(read_transaction(tx))
        except MalformedTransaction as exc:
            errors.append((index, str(exc)))
    return views, errors


def read_transaction(tx: Any) -> EnhancedTx:
    """The checked view of one enhanced transaction, or `MalformedTransaction`."""
    if type(tx) is not dict and not isinstance(tx, Mapping):
        raise MalformedTransaction(f"transaction is {_kind(tx)}, expected an object")
    signature = _text(tx, "signature")
    try:
        return _read_body(tx, signature)
    except MalformedTransaction as exc:
        raise MalformedTransaction(f"{exc} (signature {signature})") from None


def _read_body(tx: Mapping[str, Any], signature: str) -> EnhancedTx:
    slot = _integer(tx, "slot", "", low=0, high=U64_MAX)
    seconds = _integer(tx, "timestamp", "", low=0, high=_MAX_TIMESTAMP)
    fee = _integer(tx, "fee", "", low=0, high=U64_MAX)
    fee_payer = _text(tx, "feePayer")
    source = tx.get("source")
    if source is not None and not isinstance(source, str):
        raise MalformedTransaction(f"source is {_kind(source)}, expected a string")
    return EnhancedTx(
        signature=signature,
        slot=slot,
        timestamp=datetime.fromtimestamp(seconds, tz=UTC),
        fee=fee,
        fee_payer=fee_payer,
        source=source or "UNKNOWN",
        failed=tx.get("transactionError") is not None,
        native_transfers=tuple(
            _native_transfer(item, i) for i, item in enumerate(_objects(tx, "nativeTransfers"))
        ),
        token_transfers=tuple(
            _token_transfer(item, i) for i, item in enumerate(_objects(tx, "tokenTransfers"))
        ),
        accounts=_account_rows(_objects(tx, "accountData")),
        system_ops=_system_ops(tx),
    )


def _account_rows(items: list[Mapping[str, Any]]) -> tuple[AccountRow, ...]:
    """Rows in order; the common row (an address, an int, a list of objects or nothing for
    token changes) is read inline, anything else by `_account_row`, which checks and names
    every field. Reading inline matters: a day's body has a few hundred thousand rows."""
    rows = []
    for i, item in enumerate(items):
        account = item.get("account")
        native = item.get("nativeBalanceChange")
        listed = item.get("tokenBalanceChanges")
        if (
            type(account) is str
            and account
            and type(native) is int
            and -U64_MAX <= native <= U64_MAX
        ):
            if listed is None or (type(listed) is list and not listed):
                rows.append(AccountRow(account, native, ()))
                continue
            if type(listed) is list and all(type(change) is dict for change in listed):
                changes = [_token_change(c, account, i, j) for j, c in enumerate(listed)]
                rows.append(AccountRow(account, native, tuple(changes)))
                continue
        rows.append(_account_row(item, i))
    return tuple(rows)


def _native_transfer(item: Mapping[str, Any], i: int) -> NativeTransfer:
    sender, receiver = item.get("fromUserAccount"), item.get("toUserAccount")
    lamports = item.get("amount")
    if (  # the common, well-formed transfer, read inline
        type(sender) is str
        and type(receiver) is str
        and type(lamports) is int
        and 0 <= lamports <= U64_MAX
    ):
        return NativeTransfer(sender, receiver, lamports)
    where = f"nativeTransfers[{i}]"  # only named when something is unusual
    return NativeTransfer(
        sender=_user(item, "fromUserAccount", where),
        receiver=_user(item, "toUserAccount", where),
        lamports=_integer(item, "amount", where, low=0, high=U64_MAX),
    )


def _token_transfer(item: Mapping[str, Any], i: int) -> TokenTransfer:
    where = f"tokenTransfers[{i}]"
    return TokenTransfer(
        sender=_user(item, "fromUserAccount", where),
        receiver=_user(item, "toUserAccount", where),
        sender_account=_user(item, "fromTokenAccount", where),
        receiver_account=_user(item, "toTokenAccount", where),
        mint=_text(item, "mint", where),
        amount=_ui_amount(item.get("tokenAmount"), where, "tokenAmount"),
        standard=_standard(item, where),
    )


def _standard(item: Mapping[str, Any], where: str) -> str | None:
    value = item.get("tokenStandard")
    if value is None or type(value) is str:
        return value or None
    return _user(item, "tokenStandard", where) or None  # names what is wrong with it


def _system_ops(tx: Mapping[str, Any]) -> tuple[SystemOp, ...]:
    """The System-program instructions, top level and inner, in order (trimmed webhook bodies
    carry no instructions: then none). Most of a swap's instructions belong to other programs:
    the loop looks at their program id only, and `_objects` is called just to name what is
    wrong when a list or an item is not what it should be."""
    instructions = tx.get("instructions")
    if not instructions:
        return ()
    if type(instructions) is not list or any(type(item) is not dict for item in instructions):
        instructions = _objects(tx, "instructions")
    ops: list[SystemOp] = []
    for i, instruction in enumerate(instructions):
        if instruction.get("programId") == SYSTEM_PROGRAM:
            _add_system_op(instruction, f"instructions[{i}]", top_level=True, ops=ops)
        inner = instruction.get("innerInstructions")
        if not inner:
            continue
        if type(inner) is not list or any(type(item) is not dict for item in inner):
            inner = _objects(instruction, "innerInstructions", f"instructions[{i}]")
        for j, item in enumerate(inner):
            if item.get("programId") == SYSTEM_PROGRAM:
                where = f"instructions[{i}].innerInstructions[{j}]"
                _add_system_op(item, where, top_level=False, ops=ops)
    return tuple(ops)


def _add_system_op(
    instruction: Mapping[str, Any], where: str, *, top_level: bool, ops: list[SystemOp]
) -> None:
    accounts = instruction.get("accounts")
    if type(accounts) is not list or not all(type(a) is str for a in accounts):
        raise MalformedTransaction(f"{where}.accounts is {_kind(accounts)}, expected addresses")
    data = instruction.get("data")
    if len(accounts) >= 2:  # fewer: it funds nobody (allocate, assign)
        ops.append(SystemOp(tuple(accounts), top_level, data if type(data) is str else ""))


def _account_row(item: Mapping[str, Any], i: int) -> AccountRow:
    where = f"accountData[{i}]"
    account = _text(item, "account", where)
    listed = item.get("tokenBalanceChanges")
    changes: tuple[TokenChange, ...] = ()
    if listed is not None and (type(listed) is not list or listed):
        changes = tuple(
            [
                _token_change(change, account, i, j)
                for j, change in enumerate(_objects(item, "tokenBalanceChanges", where))
            ]
        )
    return AccountRow(
        account=account,
        native_change=_integer(item, "nativeBalanceChange", where, low=-U64_MAX, high=U64_MAX),
        token_changes=changes,
    )


def _token_change(item: Mapping[str, Any], row_account: str, i: int, j: int) -> TokenChange:
    raw = item.get("rawTokenAmount")
    if type(raw) is dict:  # the common, well-formed change, read inline
        decimals, units = raw.get("decimals"), raw.get("tokenAmount")
        owner, account, mint = item.get("userAccount"), item.get("tokenAccount"), item.get("mint")
        if (
            type(decimals) is int
            and 0 <= decimals <= MAX_DECIMALS
            and type(units) is str
            and _RAW_AMOUNT.fullmatch(units)
            and (owner is None or type(owner) is str)
            and (account is None or type(account) is str)
            and type(mint) is str
            and mint
            and abs(number := int(units)) <= U64_MAX
        ):
            return TokenChange(
                owner or "",
                account or row_account,
                mint,
                Decimal(number).scaleb(-decimals),
                decimals,
            )
    where = f"accountData[{i}].tokenBalanceChanges[{j}]"  # named only when something is wrong
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise MalformedTransaction(f"{where}.rawTokenAmount is {_kind(raw)}, expected an object")
    decimals = _integer(raw, "decimals", f"{where}.rawTokenAmount", 0, MAX_DECIMALS)
    units = _raw_units(raw.get("tokenAmount"), f"{where}.rawTokenAmount.tokenAmount")
    token_account = _user(item, "tokenAccount", where) or row_account
    return TokenChange(
        owner=_user(item, "userAccount", where),
        token_account=token_account,
        mint=_text(item, "mint", where),
        amount=Decimal(units).scaleb(-decimals),
        decimals=decimals,
    )


# ---------------------------------------------------------------------------- field readers
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for types, name in _KINDS:
        if isinstance(value, types):
            return name
    return f"a {type(value).__name__}"


_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int
    (str, "a string"),
    ((int, float, Decimal), "a number"),
    (Mapping, "an object"),
    (Sequence, "an array"),
)


def _label(where: str, key: str) -> str:
    """A field's name in messages: `key` at the top level, else `where.key`."""
    return f"{where}.{key}" if where else key


def _text(obj: Mapping[str, Any], key: str, where: str = "") -> str:
    """A required non-empty string (an address, a mint, the signature)."""
    value = obj.get(key)
    if type(value) is str and value:
        return value
    if not isinstance(value, str) or not value:
        found = "missing" if value is None else _kind(value)
        raise MalformedTransaction(f"{_label(where, key)} is {found}, expected a non-empty string")
    return value


def _user(obj: Mapping[str, Any], key: str, where: str) -> str:
    """An optional account: Helius writes "" (or omits it) when it does not know the owner."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedTransaction(f"{where}.{key} is {_kind(value)}, expected a string")
    return value


def _integer(obj: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    """An integer field; an integral JSON number parsed as Decimal or float is accepted."""
    value = obj.get(key)
    if type(value) is int and low <= value <= high:
        return value
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 40:
        number = int(value) if value == value.to_integral_value() else None
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e40:
        number = int(value)
    if number is None:
        found = "missing" if value is None else f"{_kind(value)} ({value!r:.40})"
        raise MalformedTransaction(f"{_label(where, key)} is {found}, expected an integer")
    if not low <= number <= high:
        raise MalformedTransaction(f"{_label(where, key)} is {number}, outside [{low}, {high}]")
    return number


def _raw_units(value: Any, where: str) -> int:
    """A signed base-unit amount: Helius sends a string of digits (numbers are tolerated)."""
    if isinstance(value, str) and _RAW_AMOUNT.fullmatch(value):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise MalformedTransaction(
            f"{where} is {_kind(value)} ({value!r:.40}), expected a string of digits"
        )
    if abs(number) > U64_MAX:
        raise MalformedTransaction(f"{where} is {number}, beyond a u64 amount")
    return number


def _ui_amount(value: Any, where: str, key: str) -> Decimal:
    """A non-negative UI amount; floats go through their shortest repr, never binary maths."""
    where = _label(where, key)
    amount: Decimal | None = None
    if isinstance(value, bool):
        amount = None
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise MalformedTransaction(f"{where} is {_kind(value)} ({value!r:.40}), expected a number")
    exponent = amount.as_tuple().exponent
    if (
        amount < 0
        or amount.adjusted() >= _MAX_UI_DIGITS
        or not isinstance(exponent, int)
        or exponent < _MIN_UI_EXPONENT
    ):
        raise MalformedTransaction(f"{where} is {value!r:.40}, not a token amount")
    return amount


def _objects(obj: Mapping[str, Any], key: str, where: str = "") -> list[Mapping[str, Any]]:
    """A list of objects; absent or null counts as empty."""
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is list:
        for item in value:
            if type(item) is not dict:
                break
        else:
            return value
    name = _label(where, key)
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise MalformedTransaction(f"{name} is {_kind(value)}, expected an array")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise MalformedTransaction(f"{name}[{i}] is {_kind(item)}, expected an object")
    return list(value)

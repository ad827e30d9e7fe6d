"""Step 6's delivery rules (walltrack.core.ingest), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walltrack.core.ingest import (
    MalformedDeliveryError,
    advance_cursor,
    authorized,
    decode_delivery,
    header_value,
    over_cap,
    reconcile_start,
    swaps_to_keep,
)
from walltrack.data.models.ingest import ReconcileCursor
from walltrack.data.models.swap import Swap

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
A, B = "A" * 32, "B" * 32
MINT = "M" * 32


def _swap(signature: str, wallet: str, mint: str = MINT) -> Swap:
    return Swap(
        signature=signature,
        wallet=wallet,
        side="buy",
        token_mint=mint,
        token_amount=Decimal(10),
        quote_mint="So11111111111111111111111111111111111111112",
        quote_amount=Decimal("0.5"),
        source="PUMP_AMM",
        timestamp=T0,
        slot=1,
    )


@pytest.mark.parametrize(
    ("presented", "secret", "ok"),
    [
        ("s3cret-value", "s3cret-value", True),
        ("s3cret-valuE", "s3cret-value", False),
        ("", "s3cret-value", False),
        (None, "s3cret-value", False),
        ("anything", None, False),  # no secret configured: nobody may deliver
        ("", "", False),
    ],
)
def test_only_the_configured_secret_is_authorized(
    presented: str | None, secret: str | None, ok: bool
) -> None:
    assert authorized(presented, secret) is ok


def test_the_secret_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a spy on hmac.compare_digest / When a delivery is checked / Then it decides
    import hmac  # noqa: PLC0415 - the module under the spy

    import walltrack.core.ingest.rules as rules  # noqa: PLC0415 - the module under test

    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert rules.authorized("x" * 8, "x" * 8)
    assert calls == [(b"x" * 8, b"x" * 8)]


def test_headers_are_found_whatever_their_case() -> None:
    assert header_value({"AUTHORIZATION": "v"}, "authorization") == "v"
    assert header_value({"authorization": "v"}, "Authorization") == "v"
    assert header_value({}, "authorization") is None


def test_the_cap_is_on_the_length() -> None:
    assert not over_cap(100, 100)
    assert over_cap(101, 100)


def test_a_delivery_is_a_json_array_with_exact_numbers() -> None:
    items = decode_delivery(b'[{"fee": 0.000005, "n": 1}]')
    assert items == [{"fee": Decimal("0.000005"), "n": 1}]
    for bad in (b"", b"[{", b'{"a": 1}', b"null", b"\xff\xfe"):
        with pytest.raises(MalformedDeliveryError):
            decode_delivery(bad)


def test_only_listed_wallets_swaps_are_kept_once_each_in_key_order() -> None:
    # Given a batch with an unlisted wallet's swap and a duplicate
    swaps = [_swap("s2", A), _swap("s1", B), _swap("s1", "C" * 32), _swap("s2", A)]
    # When it is filtered
    kept = swaps_to_keep(swaps, {A, B})
    # Then only listed wallets' swaps remain, once each, sorted by (signature, wallet, mint)
    assert [(s.signature, s.wallet) for s in kept] == [("s1", B), ("s2", A)]


def test_reconcile_starts_before_the_cursor_or_at_the_listing() -> None:
    overlap = timedelta(minutes=2)
    listed = T0 - timedelta(hours=1)
    assert reconcile_start(None, listed_since=listed, overlap=overlap) == listed
    cursor = ReconcileCursor("sig", T0)
    assert reconcile_start(cursor, listed_since=listed, overlap=overlap) == T0 - overlap


def test_the_cursor_only_moves_forward() -> None:
    cursor = ReconcileCursor("old", T0)
    later = advance_cursor(cursor, last_signature="new", last_time=T0 + timedelta(seconds=5))
    assert later == ReconcileCursor("new", T0 + timedelta(seconds=5))
    # an overlap re-read that ended earlier leaves it; a read of nothing too
    assert advance_cursor(cursor, last_signature="x", last_time=T0 - timedelta(1)) is cursor
    assert advance_cursor(cursor, last_signature=None, last_time=None) is cursor
    assert advance_cursor(None, last_signature=None, last_time=None) is None

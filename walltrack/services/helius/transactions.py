"""Helius Enhanced Transactions: an address's history (paged backwards) and parse-by-signature.

REST on `{helius_api_base_url}` with `?api-key=KEY` (apis.md §2.1); the key is registered as a
secret and redacted from errors. Transactions come back as raw dicts, JSON floats decoded as
`Decimal` (a UI `tokenAmount` keeps its exact text): the normaliser derives trades from them.

Paging uses the current parameters only (`before-signature`, `after-signature`, `sort-order`,
and the block-time filters `gte-time`/`lt-time` in seconds, which read one window of a busy
address's history instead of all of it):
apis.md documents no failure of them that a fallback would fix, and whether the legacy
`before`/`until` still work is unverified. A `type`-filtered scan that finds nothing in its
window answers an error object naming the signature to continue from; that becomes
`SearchPeriodExhaustedError`, which `iter_history` follows a bounded number of times.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Unpack
from urllib.parse import quote

import httpx
import msgspec
from pydantic import SecretStr

from walltrack.services.base import (
    RateLimit,
    ServiceClient,
    Transport,
)
from walltrack.services.errors import InvalidResponseError, ServiceError
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN, DEFAULT_PLAN

DEFAULT_API_BASE_URL = "https://api-mainnet.helius-rpc.com"
MAX_PAGE_SIZE = 100
"""`limit` of the history endpoint: 1-100."""
MAX_PARSE_BATCH = 100
"""Signatures per `POST /v0/transactions` (`ParseTransactionsRequest.maxItems`)."""
DEFAULT_MAX_CONTINUATIONS = 10

SortOrder = Literal["asc", "desc"]
Commitment = Literal["finalized", "confirmed"]
StopReason = Literal["exhausted", "cap", "until_time", "continuations"]

# "... query the API again with the `before-signature` parameter set to <sig>." (apis.md §2.1)
_CONTINUE_FROM = re.compile(r"parameter set to\s*`?([1-9A-HJ-NP-Za-km-z]{32,128})")
_MESSAGE_CHARS = 200
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class SearchPeriodExhaustedError(ServiceError):
    """A filtered history scan matched nothing in its window; not the end of the history.

    Query again with `before_signature=continue_before` to scan the next window.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        continue_before: str,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, service=service, status_code=status_code)
        self.continue_before = continue_before


class HeliusTransactionsClient(ServiceClient):
    service = "helius"

    def __init__(
        self,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        api_key: SecretStr | None = None,
        enhanced_rate: RateLimit = DAS_RATE_BY_PLAN[DEFAULT_PLAN],
        **transport: Unpack[Transport],
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        # Enhanced Transactions share the DAS requests-per-second limit of the plan (§2.6).
        super().__init__(
            base_url=api_base_url,
            rate_limits={"enhanced": enhanced_rate},
            secrets=[key],
            **transport,
        )
        self._key_params = {"api-key": key} if key else {}

    # --- history -----------------------------------------------------------------------------

    async def transactions_for_address(
        self,
        address: str,
        *,
        before_signature: str | None = None,
        after_signature: str | None = None,
        sort_order: SortOrder = "desc",
        type: str | None = None,
        source: str | None = None,
        gte_time: int | None = None,
        lt_time: int | None = None,
        limit: int = MAX_PAGE_SIZE,
        commitment: Commitment | None = None,
    ) -> list[dict[str, Any]]:
        """One page of enhanced transactions (newest first by default); `[]` = no more.

        Raises `SearchPeriodExhaustedError` when a `type`-filtered scan found nothing in its
        window: that is a continuation, not the end.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1..{MAX_PAGE_SIZE}")
        params = {**self._key_params, "limit": str(limit), "sort-order": sort_order}
        optional = {
            "before-signature": before_signature,
            "after-signature": after_signature,
            "type": type,
            "source": source,
            "commitment": commitment,
        }
        params |= {name: value for name, value in optional.items() if value}
        times = {"gte-time": gte_time, "lt-time": lt_time}  # block time, whole seconds
        params |= {name: str(value) for name, value in times.items() if value is not None}
        path = f"/v0/addresses/{quote(address, safe='')}/transactions"
        body = await self.request_json("GET", path, group="enhanced", params=params)
        return self._transactions(body, f"GET {path}")

    def iter_history(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        type: str | None = None,
        source: str | None = None,
        gte_time: int | None = None,
        lt_time: int | None = None,
        before_signature: str | None = None,
        ascending: bool = False,
        page_size: int = MAX_PAGE_SIZE,
        max_continuations: int = DEFAULT_MAX_CONTINUATIONS,
    ) -> HistoryWalk:
        """Walk `address`'s history backwards; `async for tx in walk`, then read `walk.partial`.

        `gte_time`/`lt_time` (block time, seconds) keep the walk inside one window;
        `before_signature` resumes a walk past a transaction already read (below it, or above
        it with `ascending`: oldest first, paged with `after-signature`)."""
        return HistoryWalk(
            self,
            address,
            max_transactions=max_transactions,
            until_time=until_time,
            type=type,
            source=source,
            window=(gte_time, lt_time),
            before_signature=before_signature,
            ascending=ascending,
            page_size=page_size,
            max_continuations=max_continuations,
        )

    # --- parse -------------------------------------------------------------------------------

    async def parse_transactions(
        self,
        signatures: Iterable[str],
        *,
        commitment: Commitment | None = None,
        batch_size: int = MAX_PARSE_BATCH,
    ) -> list[dict[str, Any]]:
        """Enhanced transactions for `signatures`, ≤ 100 per call, in the order asked.

        Results are matched by signature, never by position (the order of the answer is not
        documented); signatures Helius does not return are left out.
        """
        if not 1 <= batch_size <= MAX_PARSE_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_PARSE_BATCH}")
        wanted = list(dict.fromkeys(signatures))
        params = {**self._key_params, **({"commitment": commitment} if commitment else {})}
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            body = await self.request_json(
                "POST",
                "/v0/transactions",
                group="enhanced",
                params=params,
                json={"transactions": batch},
            )
            for tx in self._transactions(body, "POST /v0/transactions"):
                found[tx["signature"]] = tx
        missing = sum(1 for signature in wanted if signature not in found)
        if missing:
            self._log.info("signatures not returned by parse", asked=len(wanted), missing=missing)
        return [found[signature] for signature in wanted if signature in found]

    # --- decoding and errors -----------------------------------------------------------------

    def decode_json(self, response: httpx.Response, where: str) -> Any:
        """JSON with floats as Decimal: UI token amounts keep their exact decimal text.

        msgspec, not `json.loads(parse_float=Decimal)`: the same values (its `float_hook` gets a
        float's text, integers of any size stay exact) in a third to a half of the time, and
        decoding pages was a fifth of a cold profile's time (bench/profiling.py)."""
        try:
            return _DECODER.decode(response.content)
        except (msgspec.DecodeError, ValueError):
            raise InvalidResponseError(
                f"{where} returned a body that is not JSON", service=self.service
            ) from None

    def error_for_response(self, response: httpx.Response, where: str) -> ServiceError | None:
        """The filtered-scan continuation object, at whatever status it comes with."""
        message = _error_message(response)
        if message is None:
            return None
        match = _CONTINUE_FROM.search(message)
        if match is None:
            return None
        return SearchPeriodExhaustedError(
            f"{where}: no matching events in the scanned window",
            service=self.service,
            continue_before=match.group(1),
            status_code=response.status_code,
        )

    def _transactions(self, body: Any, where: str) -> list[dict[str, Any]]:
        """A JSON array of transaction objects, each with a signature (paging needs it)."""
        if not isinstance(body, list):
            detail = ""
            if isinstance(body, dict) and body.get("error") is not None:
                text = " ".join(str(body["error"]).split())[:_MESSAGE_CHARS]
                detail = f": {self._redact(text)}"
            raise InvalidResponseError(
                f"{where} returned {type(body).__name__}, expected a JSON array{detail}",
                service=self.service,
            )
        for index, tx in enumerate(body):
            if not isinstance(tx, dict) or not isinstance(tx.get("signature"), str):
                raise InvalidResponseError(
                    f"{where} item {index} is not a transaction with a signature",
                    service=self.service,
                )
        return body


class HistoryWalk:
    """One address's enhanced history, newest first, paged with `before-signature` (or oldest
    first with `after-signature`, when ascending).

    Iterate it once. It ends on an empty page ("exhausted"), at `max_transactions` ("cap"), at
    the first transaction older than `until_time` ("until_time"), or after too many filtered-scan
    continuations ("continuations"). `partial` is true when the history was cut short by a
    limit: at the cap it errs on the safe side (exactly `max_transactions` left is "partial").
    """

    def __init__(
        self,
        client: HeliusTransactionsClient,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None,
        type: str | None,
        page_size: int,
        max_continuations: int,
        source: str | None = None,
        window: tuple[int | None, int | None] = (None, None),
        before_signature: str | None = None,
        ascending: bool = False,
    ) -> None:
        if max_transactions < 1:
            raise ValueError("max_transactions must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        if until_time is not None and until_time.tzinfo is None:
            raise ValueError("until_time must be timezone-aware")
        self.address = address
        self.max_transactions = max_transactions
        self.until_time = until_time
        self.stop_reason: StopReason | None = None
        self.transactions = 0
        self.pages = 0
        self.continuations = 0
        self._client = client
        self._type = type
        self._source = source
        self._window = window
        self._before = before_signature
        self._ascending = ascending
        self._page_size = page_size
        self._max_continuations = max_continuations
        self._started = False

    @property
    def capped(self) -> bool:
        """Stopped because `max_transactions` was reached."""
        return self.stop_reason == "cap"

    @property
    def partial(self) -> bool:
        """Stopped by a limit of ours, so older history may be missing."""
        return self.stop_reason in ("cap", "continuations")

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._started:
            raise RuntimeError("a HistoryWalk can be iterated only once")
        self._started = True
        return self._walk()

    async def _walk(self) -> AsyncIterator[dict[str, Any]]:
        until_ts = self.until_time.timestamp() if self.until_time is not None else None
        seen: set[str] = set()
        before = self._before
        gte_time, lt_time = self._window
        while True:
            remaining = self.max_transactions - self.transactions
            # One transaction more than needed tells "capped" from "exactly at the end".
            limit = min(self._page_size, remaining + 1)
            try:
                page = await self._client.transactions_for_address(
                    self.address,
                    before_signature=None if self._ascending else before,
                    after_signature=before if self._ascending else None,
                    sort_order="asc" if self._ascending else "desc",
                    type=self._type,
                    source=self._source,
                    gte_time=gte_time,
                    lt_time=lt_time,
                    limit=limit,
                )
            except SearchPeriodExhaustedError as exc:
                if self.continuations >= self._max_continuations:
                    self.stop_reason = "continuations"
                    return
                self.continuations += 1
                if exc.continue_before == before or exc.continue_before in seen:
                    raise self._stuck(exc.continue_before) from None
                before = exc.continue_before
                continue
            self.pages += 1
            if not page:
                self.stop_reason = "exhausted"
                return
            fresh = [tx for tx in page if tx["signature"] not in seen]
            if not fresh:
                raise self._stuck(page[-1]["signature"])
            for tx in fresh:
                if until_ts is not None and _older_than(tx, until_ts):
                    self.stop_reason = "until_time"
                    return
                if self.transactions >= self.max_transactions:
                    self.stop_reason = "cap"
                    return
                seen.add(tx["signature"])
                self.transactions += 1
                yield tx
            if self.transactions >= self.max_transactions:
                self.stop_reason = "cap"
                return
            before = page[-1]["signature"]

    def _stuck(self, signature: str) -> InvalidResponseError:
        """A page or continuation that does not move the cursor would loop forever."""
        return InvalidResponseError(
            f"history of {self.address} did not move past {signature[:12]}…",
            service=self._client.service,
        )


def _older_than(tx: dict[str, Any], until_ts: float) -> bool:
    timestamp = tx.get("timestamp")
    return isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp < until_ts


def _error_message(response: httpx.Response) -> str | None:
    """The text of an `{"error": "..."}` / `{"error": {"message": ...}}` body, if any."""
    if response.content.lstrip()[:1] != b"{":  # a page is an array: do not decode it twice
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    return error if isinstance(error, str) else None


__all__ = [
    "DEFAULT_API_BASE_URL",
    "MAX_PAGE_SIZE",
    "MAX_PARSE_BATCH",
    "HeliusTransactionsClient",
    "HistoryWalk",
    "SearchPeriodExhaustedError",
    "StopReason",
]

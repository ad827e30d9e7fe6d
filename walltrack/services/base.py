"""The one HTTP client base of every external API client.

One request goes: per-group rate limiter (aiolimiter) → httpx → status → typed error
(`walltrack.services.errors`) or parsed JSON. Retries are tenacity's, in one place: only
temporary failures (429, 408, 5xx, timeouts, connection errors) are retried, after the pause the
server asked for in `Retry-After`, else after an exponential backoff with jitter. Sleeping and the
clock are injectable so tests never wait.

Secrets (e.g. Helius' `api-key` query parameter) never reach a log line or an exception message:
errors name the method and path only, and any text taken from a response is redacted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self, TypedDict, TypeVar

import httpx
from aiolimiter import AsyncLimiter
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential_jitter

from walltrack.clock import Clock, SystemClock
from walltrack.data.models.market import Parsed, describe_validation_error
from walltrack.log import get_logger, mask_secrets, register_secrets
from walltrack.services.errors import (
    AuthError,
    BadRequestError,
    InvalidResponseError,
    RateLimitedError,
    ServiceError,
    ServiceNotFoundError,
    ServiceTimeoutError,
    TemporaryServiceError,
)

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "walltrack/0.1"
_BODY_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` per `per_seconds`, in EVERY window of that length (no burst).

    aiolimiter's bucket holds `max_rate` tokens, so `AsyncLimiter(60, 60)` lets 60 requests out at
    once and then one per second: up to ~120 in the first minute. A bucket of one token released
    every `per_seconds / requests` keeps any sliding window at or under the documented limit.
    """

    requests: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds <= 0:
            raise ValueError("a rate limit needs requests >= 1 and per_seconds > 0")

    @property
    def interval_s(self) -> float:
        return self.per_seconds / self.requests

    def limiter(self) -> AsyncLimiter:
        """This process's own limiter (a client made alone, e.g. in a test or a script)."""
        return AsyncLimiter(1, self.interval_s)


class Limiter(Protocol):
    """Admits one request when the rate allows: `async with limiter: <send>`. aiolimiter's
    `AsyncLimiter` is one; the application layer shares one per upstream account."""

    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> object: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying a temporary failure before surfacing it."""

    attempts: int = 4
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 20.0
    jitter_s: float = 0.5
    # A server asking for a longer pause than this is not waited for: the error surfaces at once
    # (with its retry_after) so the caller can reschedule instead of holding a Lambda idle.
    max_retry_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date; None when absent/garbled."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive result means "-0000"
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


_ERROR_BY_STATUS: dict[int, type[ServiceError]] = {
    httpx.codes.TOO_MANY_REQUESTS: RateLimitedError,
    httpx.codes.REQUEST_TIMEOUT: ServiceTimeoutError,
    httpx.codes.UNAUTHORIZED: AuthError,
    httpx.codes.FORBIDDEN: AuthError,
    httpx.codes.NOT_FOUND: ServiceNotFoundError,
}


def error_class_for_status(status: int) -> type[ServiceError]:
    """The error a non-2xx status means: only 429, 408 and 5xx are temporary (retried)."""
    if status in _ERROR_BY_STATUS:
        return _ERROR_BY_STATUS[status]
    if status >= 500:
        return TemporaryServiceError
    if status >= 400:
        return BadRequestError
    return InvalidResponseError


def _failure(retry_state: RetryCallState) -> BaseException | None:
    outcome = retry_state.outcome
    return outcome.exception() if outcome is not None and outcome.failed else None


class wait_retry_after(wait_base):  # noqa: N801 (tenacity's naming for wait strategies)
    """Wait what the server asked for (`Retry-After`), else fall back to backoff."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        error = _failure(retry_state)
        if isinstance(error, TemporaryServiceError) and error.retry_after is not None:
            return error.retry_after
        return self.fallback(retry_state)


class stop_if_retry_after_exceeds(stop_base):  # noqa: N801 (tenacity's naming)
    """Give up at once when the server asks for a pause longer than we are willing to wait."""

    def __init__(self, max_wait_s: float) -> None:
        self.max_wait_s = max_wait_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        error = _failure(retry_state)
        return (
            isinstance(error, TemporaryServiceError)
            and error.retry_after is not None
            and error.retry_after > self.max_wait_s
        )


class Transport(TypedDict, total=False):
    """How any client talks HTTP, forwarded unchanged by every subclass (`**transport`): a
    shared httpx client, the timeouts, the retry policy, the sleep and clock that pace
    `Retry-After` (tests inject fakes here), and limiters shared with other clients of the
    same upstream account, by endpoint group. Defaults: `ServiceClient`."""

    http: httpx.AsyncClient | None
    timeout: float | httpx.Timeout
    retry: RetryPolicy | None
    sleep: Sleep
    clock: Clock
    limiters: Mapping[str, Limiter] | None


class ServiceClient:
    """Base of every external API client: owns (or borrows) an `httpx.AsyncClient`.

    Subclasses set `service`, declare their endpoint groups in `rate_limits` and call
    `request_json`. A client passed in as `http` is shared and never closed here.
    """

    service: ClassVar[str] = "service"

    def __init__(
        self,
        *,
        base_url: str,
        rate_limits: Mapping[str, RateLimit],
        http: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        limiters: Mapping[str, Limiter] | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.rate_limits = dict(rate_limits)
        self.retry_policy = retry or RetryPolicy()
        shared = dict(limiters or {})
        unknown = set(shared) - set(self.rate_limits)
        if unknown:
            raise ValueError(f"{self.service} has no endpoint group(s) {sorted(unknown)}")
        self._limiters: dict[str, Limiter] = {
            group: shared.get(group) or limit.limiter() for group, limit in self.rate_limits.items()
        }
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(headers={"User-Agent": USER_AGENT})
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self._secrets = [s for s in secrets if s]
        register_secrets(self._secrets)
        self._log = get_logger(service=self.service)

    # --- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- the request -------------------------------------------------------------------------

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        group: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one logical request (retried per the policy) and return its decoded JSON."""
        if group not in self._limiters:
            raise ValueError(f"{self.service} has no endpoint group {group!r}")
        policy = self.retry_policy
        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop_after_attempt(policy.attempts)
            | stop_if_retry_after_exceeds(policy.max_retry_after_s),
            wait=wait_retry_after(
                wait_exponential_jitter(
                    multiplier=policy.backoff_initial_s,
                    max=policy.backoff_max_s,
                    jitter=policy.jitter_s,
                )
            ),
            retry=retry_if_exception_type(TemporaryServiceError),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return await retrying(
            self._send_once, method, path, group=group, params=params, json=json, headers=headers
        )

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        group: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> Any:
        where = f"{method} {self._redact(path)}"
        async with self._limiters[group]:
            try:
                response = await self._http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self._timeout,
                )
            # `from None`: httpx errors hold the request, and its URL may carry the api key.
            except httpx.TimeoutException as exc:
                raise ServiceTimeoutError(
                    f"{where} timed out ({type(exc).__name__})", service=self.service
                ) from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise TemporaryServiceError(
                    f"{where} failed to connect ({type(exc).__name__})", service=self.service
                ) from None
        error = self.error_for_response(response, where) or self._error_for_status(response, where)
        if error is not None:
            raise error
        return self.decode_json(response, where)

    def decode_json(self, response: httpx.Response, where: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise InvalidResponseError(
                f"{where} returned a body that is not JSON", service=self.service
            ) from None

    def parse_list(self, body: Any, model: type[M], where: str) -> Parsed[M]:
        """A JSON array, item by item: a malformed item is skipped, counted and logged."""
        if not isinstance(body, list):
            raise InvalidResponseError(
                f"{where} returned {type(body).__name__}, expected a JSON array",
                service=self.service,
            )
        parsed = Parsed.of(model, body)
        if parsed.skipped:
            self._log.warning(
                "malformed items skipped",
                endpoint=where,
                skipped=parsed.skipped,
                kept=len(parsed.items),
                errors=parsed.errors[:5],
            )
        return parsed

    def parse_one(self, body: Any, model: type[M], where: str) -> M:
        """One object; a shape the model rejects is an invalid response (not retried)."""
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise InvalidResponseError(
                f"{where} returned an unexpected shape: {describe_validation_error(exc)}",
                service=self.service,
            ) from None

    def error_for_response(self, response: httpx.Response, where: str) -> ServiceError | None:
        """Hook for service-specific error shapes (e.g. RugCheck's 400 "not found")."""
        return None

    def _error_for_status(self, response: httpx.Response, where: str) -> ServiceError | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        message = f"{where} → HTTP {status}{self._body_excerpt(response)}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock.now())
        return error_class_for_status(status)(
            message, service=self.service, status_code=status, retry_after=retry_after
        )

    # --- secrets and logs --------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return mask_secrets(text, self._secrets)

    def _body_excerpt(self, response: httpx.Response) -> str:
        text = " ".join(response.text.split())[:_BODY_EXCERPT_CHARS]
        return f": {self._redact(text)}" if text else ""

    def _log_retry(self, retry_state: RetryCallState) -> None:
        error = _failure(retry_state)
        wait_s = retry_state.next_action.sleep if retry_state.next_action else None
        self._log.warning(
            "service call retried",
            attempt=retry_state.attempt_number,
            wait_s=wait_s,
            error=self._redact(str(error)),
        )

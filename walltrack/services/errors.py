"""The external API clients' errors: each one a kind of `walltrack.errors.UpstreamError`.

It decides retry versus give-up in one place: only `TemporaryServiceError` (and its subclasses
`RateLimitedError` and `ServiceTimeoutError`) is retried. None of them is a caller's error: an
upstream's 404 or 400 reaches our API as a 502 naming the upstream, never as our own 404/400
(`walltrack.api.errors`). Messages never carry a full URL or a secret (clients redact them
before raising).
"""

from __future__ import annotations

from typing import ClassVar

from walltrack.errors import UpstreamError


class ServiceError(UpstreamError):
    """Base of every error an external API client raises on purpose."""


class TemporaryServiceError(ServiceError):
    """5xx or connection failure: worth retrying after a pause."""

    temporary: ClassVar[bool] = True


class ServiceTimeoutError(TemporaryServiceError):
    """No answer in time (408 or our own timeout): temporary too."""

    timed_out: ClassVar[bool] = True


class RateLimitedError(TemporaryServiceError):
    """HTTP 429; `retry_after` is the server's requested pause in seconds, when it sent one."""


class InvalidResponseError(ServiceError):
    """The service answered, but not in the documented shape (not JSON, wrong type, bad fields)."""


class AuthError(ServiceError):
    """401/403: our key is missing, wrong or lacks the plan; retrying cannot help."""


class ServiceNotFoundError(ServiceError):
    """The service does not know the asked-for thing (404, RugCheck's 400 "not found", ...)."""


class BadRequestError(ServiceError):
    """Any other 4xx: the request we sent is wrong (e.g. a malformed mint)."""

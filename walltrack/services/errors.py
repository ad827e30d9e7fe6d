"""The one exception taxonomy of the external API clients.

It decides retry versus give-up in one place: only `TemporaryServiceError` (and its subclass
`RateLimitedError`) is retried. Each error also maps to HTTP through the domain errors it
extends, so the API's single error handler needs no service-specific code. Messages never carry
a full URL or a secret (clients redact them before raising).
"""

from __future__ import annotations

from walltrack.core import errors as domain


class ServiceError(domain.DomainError):
    """Base of every error an external API client raises on purpose."""

    def __init__(self, message: str, *, service: str, status_code: int | None = None) -> None:
        # Explicit base call: subclasses also extend domain errors with other constructors.
        domain.DomainError.__init__(self, f"{service}: {message}")
        self.service = service
        self.component = service
        self.status_code = status_code


class TemporaryServiceError(ServiceError, domain.DependencyUnavailableError):
    """5xx, timeout or connection failure: worth retrying after a pause."""

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, service=service, status_code=status_code)
        self.retry_after = retry_after


class RateLimitedError(TemporaryServiceError):
    """HTTP 429; `retry_after` is the server's requested pause in seconds, when it sent one."""


class InvalidResponseError(ServiceError, domain.DependencyUnavailableError):
    """The service answered, but not in the documented shape (not JSON, wrong type, bad fields)."""


class AuthError(ServiceError, domain.DependencyUnavailableError):
    """401/403: the key is missing, wrong or lacks the plan; retrying cannot help."""


class NotFoundError(ServiceError, domain.NotFoundError):
    """The service does not know the asked-for thing (404, RugCheck's 400 "not found", ...)."""


class BadRequestError(ServiceError):
    """Any other 4xx: the request itself is wrong (e.g. a malformed mint)."""

"""Domain errors. The API maps them to HTTP in one place (`walltrack.api.errors`)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the product raises on purpose."""


class NotFoundError(DomainError):
    """The thing asked for does not exist (unknown step, token, wallet, ...)."""


class InvalidInputError(DomainError):
    """Input failed validation; `errors` lists each field problem ({loc, msg, type})."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ConflictError(DomainError):
    """A concurrent change won; the caller should re-read and retry."""


class DependencyUnavailableError(DomainError):
    """A required component (database, graph, external API) cannot be reached."""

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component} unavailable: {message}")
        self.component = component

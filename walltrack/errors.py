"""The one error taxonomy of WallTrack, shared by every layer.

Each error says whose fault it is, which decides both retry-or-give-up and the HTTP answer
(mapped once, in `walltrack.api.errors`):

- the caller's: `InvalidInputError` (422), `NotFoundError` (404), `ConflictError` (409);
- our own infrastructure's: `DependencyUnavailableError` (503, naming postgres, graph, queue);
- a third party's: `UpstreamError` (502), temporary ones (`temporary`: 5xx, 429, connection
  failures; 503) and time-outs (`timed_out`; 504), always naming the upstream. An upstream's
  404 or 400 is never the caller's 404 or 400.

Adapters raise their own subclasses (`walltrack.services.errors`, the Postgres and graph
adapters) of exactly one of these; nothing inherits from two families.
"""

from __future__ import annotations

from typing import Any, ClassVar


class WallTrackError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigurationError(WallTrackError):
    """The process's configuration is missing or unsafe (no API token, a dashboard served
    beyond loopback without a password): it refuses to start rather than run open."""


class AuthenticationError(WallTrackError):
    """The caller did not prove who it is (no bearer token, or a wrong one): a 401."""


class InvalidInputError(WallTrackError):
    """Input failed validation; `errors` lists each field problem ({loc, msg, type})."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class NotFoundError(WallTrackError):
    """The thing asked for does not exist here (unknown step, token, wallet, run)."""


class ConflictError(WallTrackError):
    """A concurrent change won; the caller should re-read and retry."""


class DependencyUnavailableError(WallTrackError):
    """One of our own components (postgres, graph, queue) cannot be reached or is not set up."""

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component} unavailable: {message}")
        self.component = component


class UpstreamError(WallTrackError):
    """A third-party service failed us: it answered an error, or not in its documented shape.

    `temporary` errors are worth retrying after a pause (`retry_after` seconds when the service
    asked for one); `timed_out` ones are temporary errors where nothing came back in time.
    """

    temporary: ClassVar[bool] = False
    timed_out: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.status_code = status_code
        self.retry_after = retry_after


class MalformedMessageError(InvalidInputError):
    """A queue message that its step's message model rejects (wrong fields, unknown version)."""


class MalformedTransaction(InvalidInputError):  # noqa: N818 - the name the parser's users know
    """An enhanced transaction that cannot be read (wrong type, missing or impossible field).

    Invalid input: at the API it is the sender's body that is wrong (a 422), and a history
    reader skips and counts it.
    """

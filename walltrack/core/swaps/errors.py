"""The one error the swap normaliser raises on purpose."""

from __future__ import annotations

from walltrack.core.errors import InvalidInputError


class MalformedTransaction(InvalidInputError, ValueError):  # noqa: N818 - the API's name
    """An enhanced transaction that cannot be read (wrong type, missing or impossible field).

    A `ValueError` for callers that treat bad input generically, and an `InvalidInputError` so
    the API's single error mapping answers 400 without knowing about swaps.
    """

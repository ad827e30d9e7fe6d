"""What any input from outside may be, checked before it costs anything.

Every string a caller sends (query, path, body) is bounded in length and free of control
characters (NUL cannot even be stored in a Postgres text column; the others have no business in
a name, a mint or a search term). Numbers are strict: `"1_000"`, `" 1 "` or `"١"` are not
numbers, although Python's own parsers accept them. Error messages quote at most a short
excerpt of what was sent, however long it was.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
PRINTABLE = rf"^[^{CONTROL_CHARACTERS}]*$"
"""A JSON-Schema (ECMA-262) and Python pattern: no C0/C1 control character, DEL or NUL."""
_UNSAFE = re.compile(rf"[{CONTROL_CHARACTERS}\ud800-\udfff]")
"""Controls, and lone surrogates (a JSON body's "\\ud800"): neither UTF-8 nor Postgres take one."""

NAME_LENGTH = 64
"""Longest identifier accepted anywhere (a step, a job, a mint or address in a path)."""
SEARCH_LENGTH = 64
MAX_PAGE = 500
MAX_OFFSET = 1_000_000
"""Deepest page start a list accepts: far beyond any list a person pages through, and far
inside Postgres' bigint (an offset beyond 64 bits was a 500)."""
MAX_VERSION = 2**31 - 1
EXCERPT_LENGTH = 40

_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def excerpt(value: object, limit: int = EXCERPT_LENGTH) -> str:
    """`value` as text, cut to `limit` characters (with how much was left out), controls escaped.

    For error messages: an input of a megabyte must not come back as a megabyte."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text)} characters)"
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def has_control_characters(value: str) -> bool:
    return _UNSAFE.search(value) is not None


CONTROL_MESSAGE = "must not contain control characters (NUL, newline, tab, ...)"


def printable(value: str) -> str:
    """`value` unchanged, or ValueError when it holds a control character or lone surrogate."""
    if has_control_characters(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


PrintableText = Annotated[
    str, AfterValidator(printable), Field(json_schema_extra={"pattern": PRINTABLE})
]
"""A string with no control character (the pattern is published in the JSON schema; the check
itself gives the clearer message). Bound its length where it is used:
`Annotated[PrintableText, StringConstraints(max_length=N)]`."""
Name = Annotated[PrintableText, StringConstraints(min_length=1, max_length=NAME_LENGTH)]


def _strict_number(value: Any) -> Any:
    """JSON numbers pass; text must be a plain ASCII decimal (the dashboard sends exact decimals
    as text so no float touches them), never what Python's parsers also take."""
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value) is None:
        raise ValueError("not a plain number (digits, an optional '.' and exponent; no spaces)")
    return value


def _strict_decimal(value: Any) -> Any:
    value = _strict_number(value)
    if isinstance(value, str):
        return Decimal(value)
    return value


StrictDecimal = Annotated[Decimal, BeforeValidator(_strict_decimal), Field(strict=False)]
"""A Decimal from a JSON number or a plain decimal text."""
StrictFloat = Annotated[float, BeforeValidator(_strict_number), Field(strict=False)]
"""A float from a JSON number or a plain decimal text (the dashboard sends text)."""

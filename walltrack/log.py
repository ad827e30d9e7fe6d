"""Structured logging: JSON in Lambda (CloudWatch parses it), pretty console locally.

Secrets never reach a log line: the `redact_secrets` processor blanks any key that looks like a
credential and any value equal to a configured secret, so a careless `log.info(..., url=...)`
carrying `api-key=` in a query string is masked too. `mask_secrets` is the one redaction: the
service clients use it for their error messages as well.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

_SECRET_KEY = re.compile(r"(pass(word)?|secret|token_?key|api[-_]?key|auth(orization)?)", re.I)
_API_KEY_IN_TEXT = re.compile(r"(api[-_]?key=)[^&\s\"']+", re.I)
_known_secrets: set[str] = set()


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember secret values so any log line containing them is masked."""
    _known_secrets.update(v for v in values if v and len(v) >= 4)


def mask_secrets(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with any `api-key=` value and every known (or `extra`) secret replaced by ***."""
    masked = _API_KEY_IN_TEXT.sub(r"\1***", text)
    for secret in (*_known_secrets, *extra):
        if secret and secret in masked:
            masked = masked.replace(secret, "***")
    return masked


def _mask(value: Any) -> Any:
    return mask_secrets(value) if isinstance(value, str) else value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if _SECRET_KEY.search(key) and value is not None:
            event_dict[key] = "***"
        else:
            event_dict[key] = _mask(value)
    return event_dict


def in_lambda() -> bool:
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ and "WALLTRACK_LOCAL_RUNTIME" not in os.environ


def configure_logging(*, json_output: bool | None = None, level: str | None = None) -> None:
    """Configure structlog once per process; safe to call again (tests, CLI)."""
    use_json = in_lambda() if json_output is None else json_output
    log_level = (level or os.environ.get("WALLTRACK_LOG_LEVEL", "INFO")).upper()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(log_level, logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(**context: Any) -> Any:
    """A logger with bound context (function, wallet, token, signature, ...)."""
    return structlog.get_logger().bind(**context)


def bind_context(**context: Any) -> None:
    """Bind context for the rest of this invocation (request id, function name)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**context)

"""Shared pieces for the API client tests: fixtures on disk, respx, a sleep that never sleeps."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
import structlog

from walltrack.log import configure_logging
from walltrack.services.base import RateLimit, RetryPolicy

# Fast enough that no test waits on the limiter, slow enough to still be a real limiter.
FAST_RATE = RateLimit(1000, 1.0)
# Three attempts with visible backoff; the recorded waits, not real time, are asserted.
TEST_RETRY = RetryPolicy(attempts=3, backoff_initial_s=1.0, backoff_max_s=8.0, jitter_s=0.5)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def load_fixture(fixtures_dir: Path) -> Callable[[str], Any]:
    """Read one reference fixture (e.g. "dexscreener/search.json") as JSON."""

    def load(relative: str) -> Any:
        path = fixtures_dir / relative
        if not path.is_file():
            pytest.fail(f"reference fixture missing: {path}")
        return json.loads(path.read_text(encoding="utf-8"))

    return load


class RecordingSleep:
    """Stands in for asyncio.sleep: records each requested pause and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def mock_api() -> Iterator[respx.MockRouter]:
    """Every request must hit a declared route; nothing reaches the network."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """JSON log lines written to a buffer for the test, the console renderer restored after."""
    configure_logging(json_output=True, level="DEBUG")
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    yield buffer
    configure_logging(json_output=False)

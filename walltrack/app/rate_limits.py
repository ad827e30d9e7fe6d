"""Upstream rate limits that hold across every invocation of every function.

A plan's limit belongs to the upstream *account* (our Helius key, our IP at DexScreener), not
to one client object: two Lambdas profiling at once must share it, not spend it twice. So each
account's requests reserve their slots in Postgres (`rate_limit_slots`): one small atomic write
per request, whatever the number of processes, with no concurrency setting to keep in step.
template.yaml still bounds each SQS consumer's concurrency (`ScalingConfig`), so waiting
invocations and database connections stay few.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import TracebackType

from walltrack.config.settings import EnvSettings, JupiterPlan
from walltrack.data.postgres.rate_limits import RateLimitSlots
from walltrack.services.base import RateLimit
from walltrack.services.dexscreener.client import PAIRS_RATE, PROFILES_RATE
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN, RPC_RATE_BY_PLAN
from walltrack.services.jupiter import JUPITER_RATE_BY_PLAN
from walltrack.services.rugcheck.client import REPORTS_RATE

SEND_MARGIN = 0.01
"""Slots are 1 % further apart than the plan's rate: a request leaves a few milliseconds after
its slot (the event loop, the HTTP client), and without a margin that jitter let a 60-a-minute
account see 61 requests in one 60 s window (measured: bench/token_discovery.py)."""


class SharedRateLimiter:
    """`async with limiter:` waits for this account's next slot, shared through Postgres."""

    def __init__(
        self,
        slots: RateLimitSlots,
        account: str,
        limit: RateLimit,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.account = account
        self.limit = limit
        self._slots = slots
        self._interval = timedelta(seconds=limit.interval_s * (1 + SEND_MARGIN))
        self._sleep = sleep

    async def __aenter__(self) -> None:
        wait = self._slots.reserve(self.account, interval=self._interval)
        if wait > 0:
            await self._sleep(wait)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def upstream_accounts(env: EnvSettings) -> dict[str, RateLimit]:
    """Each upstream account and the rate our plan there allows (apis.md)."""
    keyed: JupiterPlan = "free" if env.jupiter_api_key is not None else "keyless"
    jupiter_plan = env.jupiter_plan or keyed
    return {
        "dexscreener:profiles": PROFILES_RATE,
        "dexscreener:pairs": PAIRS_RATE,
        # DAS and Enhanced Transactions share the plan's lower limit (apis.md §2.6)
        "helius:das": DAS_RATE_BY_PLAN[env.helius_plan],
        "helius:rpc": RPC_RATE_BY_PLAN[env.helius_plan],
        # webhook CRUD: no documented limit; the Enhanced/DAS rate, on an account of its own
        # (named apart from "helius:" so the profiling cost does not count it)
        "helius-webhooks": DAS_RATE_BY_PLAN[env.helius_plan],
        "rugcheck": REPORTS_RATE,
        "jupiter": JUPITER_RATE_BY_PLAN[jupiter_plan],
    }

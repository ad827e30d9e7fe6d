"""The UI's only way to the system: the WallTrack HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx


@dataclass(frozen=True)
class ApiResult:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ApiClient:
    """Every call carries the API's bearer token (`api_token`); it is never shown or logged."""

    def __init__(
        self, base_url: str, *, api_token: str | None = None, timeout_s: float = 15.0
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_s
        self._headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}

    def _request(self, method: str, path: str, **kwargs: Any) -> ApiResult:
        try:
            response = httpx.request(
                method,
                f"{self._base_url}{path}",
                timeout=self._timeout,
                headers=self._headers,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            return ApiResult(0, {"message": f"API unreachable at {self._base_url}: {exc}"})
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:500]}
        return ApiResult(response.status_code, body)

    def health(self) -> ApiResult:
        return self._request("GET", "/health")

    def steps(self) -> ApiResult:
        return self._request("GET", "/config")

    def step(self, step: str) -> ApiResult:
        return self._request("GET", f"/config/{step}")

    def save_step(self, step: str, values: dict[str, Any], *, expected_version: int) -> ApiResult:
        return self._request(
            "PUT", f"/config/{step}", json=values, params={"expected_version": expected_version}
        )

    def schedule_runs(
        self,
        *,
        limit: int = 50,
        job: str | None = None,
        status: str | None = None,
        exclusive: bool | None = None,
    ) -> ApiResult:
        params: dict[str, Any] = {"limit": limit, "job": job, "status": status}
        if exclusive is not None:
            params["exclusive"] = "true" if exclusive else "false"
        clean = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", "/status/schedule-runs", params=clean)

    def running_run(self, job: str) -> ApiResult:
        """The run of `job` started by hand or by a schedule that is running now: a list of
        at most one (one run per step at a time)."""
        return self.schedule_runs(limit=1, job=job, status="running", exclusive=True)

    def pipeline(self, *, window_minutes: int = 10) -> ApiResult:
        """Each step's queue, failures, rate and ETA, the market clock, profiling's cost."""
        return self._request("GET", "/status/pipeline", params={"window_minutes": window_minutes})

    def schedules(self) -> ApiResult:
        return self._request("GET", "/status/schedules")

    def run(self, run_id: str) -> ApiResult:
        return self._request("GET", f"/status/schedule-runs/{run_id}")

    def start_token_scan(self) -> ApiResult:
        return self._request("POST", "/discovery/tokens/run")

    def tokens(self, **params: Any) -> ApiResult:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/discovery/tokens", params=clean)

    def token(self, mint: str) -> ApiResult:
        return self._request("GET", f"/discovery/tokens/{quote(mint, safe='')}")

    def add_token(self, mint: str) -> ApiResult:
        return self._request("POST", "/discovery/tokens", json={"mint": mint})

    def block_token(self, mint: str) -> ApiResult:
        return self._request("DELETE", f"/discovery/tokens/{quote(mint, safe='')}")

    def unblock_token(self, mint: str) -> ApiResult:
        return self._request("POST", f"/discovery/tokens/{quote(mint, safe='')}/unblock")

    def start_wallet_discovery(self, mint: str | None) -> ApiResult:
        """Discover one token's wallets, or every active token's when `mint` is None."""
        return self._request("POST", "/discovery/wallets/run", json={"mint": mint} if mint else {})

    def wallets(self, **params: Any) -> ApiResult:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/wallets", params=clean)

    def wallet(self, address: str) -> ApiResult:
        return self._request("GET", f"/wallets/{quote(address, safe='')}")

    def start_clustering(self) -> ApiResult:
        return self._request("POST", "/clusters/run")

    def owners(self, **params: Any) -> ApiResult:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/clusters", params=clean)

    def owner(self, owner_id: str) -> ApiResult:
        return self._request("GET", f"/clusters/{quote(owner_id, safe='')}")

    def signals(self, **params: Any) -> ApiResult:
        """Step 6's signals, newest first (`status` accepted/rejected, `kind`, paging)."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/signals", params=clean)

    def signal(self, signal_id: int) -> ApiResult:
        return self._request("GET", f"/signals/{int(signal_id)}")

    def orders(self, **params: Any) -> ApiResult:
        """Step 8's paper orders, newest first (`side`, `status`, `position`, paging)."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/orders", params=clean)

    def order(self, order_id: str) -> ApiResult:
        """One order with its whole Jupiter quote."""
        return self._request("GET", f"/orders/{quote(order_id, safe='')}")

    def positions(self, **params: Any) -> ApiResult:
        """Step 7's paper positions, newest opened first (`status` open/closed/all, paging)."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/positions", params=clean)

    def position(self, position_id: str) -> ApiResult:
        """One position and its orders."""
        return self._request("GET", f"/positions/{quote(position_id, safe='')}")

    def close_position(self, position_id: str) -> ApiResult:
        """A manual exit of the whole holding."""
        return self._request("POST", f"/positions/{quote(position_id, safe='')}/close")

    def risk_refusals(self, *, limit: int = 20) -> ApiResult:
        return self._request("GET", "/risk/refusals", params={"limit": limit})

    def kill_switch(self) -> ApiResult:
        return self._request("GET", "/risk/kill-switch")

    def set_kill_switch(self, on: bool) -> ApiResult:
        return self._request("POST", "/risk/kill-switch", json={"on": bool(on)})

    def ledger(self) -> ApiResult:
        """The paper ledger: totals and each position's figures."""
        return self._request("GET", "/ledger")

    def ledger_equity(self) -> ApiResult:
        return self._request("GET", "/ledger/equity")

    def ledger_wallets(self) -> ApiResult:
        return self._request("GET", "/ledger/wallets")

    def ledger_shadow(self, *, limit: int = 200) -> ApiResult:
        return self._request("GET", "/ledger/shadow", params={"limit": limit})

    def watchlist(self, **params: Any) -> ApiResult:
        """Step 5's judged wallets (`listed` all/true/false, paging), followed ones first."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", "/watchlist", params=clean)

    def watchlist_webhooks(self) -> ApiResult:
        return self._request("GET", "/watchlist/webhooks")

    def start_watchlist_sync(self) -> ApiResult:
        return self._request("POST", "/watchlist/sync")

    def watchlist_override(
        self, address: str, kind: str, *, reason: str | None = None, lift: bool = False
    ) -> ApiResult:
        """Pin or ban `address` with `reason` (by "dashboard"), or lift that pin or ban."""
        path = f"/watchlist/wallets/{quote(address, safe='')}/{quote(kind, safe='')}"
        if lift:
            return self._request("DELETE", path, json={"by": "dashboard"})
        return self._request("POST", path, json={"reason": reason or "", "by": "dashboard"})

"""HTTP face of the simulated market: DexScreener, Helius, Jupiter and RugCheck on one port.

Paths, parameters, status codes and JSON shapes follow ``shared/reference/apis.md`` so that a
client only changes its base URL. ``/__sim/*`` routes are for tests and benchmarks only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import base58
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sim.chain import USDC_MINT, WSOL_MINT, slot_at
from sim.market import best_route
from sim.render import Renderer
from sim.webhooks import Deliverer, Faults
from sim.world import FAILED, Scenario, Token, World, build_world

Handler = Callable[[Request], Awaitable[Response]]
HELIUS_WALLET = "T2PKmuHX56mP7hmfAkwZeFT9hixeuogMawQCFbfCvP6"
DOCUMENTED_LIMITS = {"dex_slow": 60, "dex_fast": 300, "helius": 600, "jupiter": 60, "rugcheck": 120}
RATE_WINDOW_S = 60.0  # rate limits are per minute: at most N requests in any 60 s window
REQUEST_LOG_CAP = 100_000  # entries kept per endpoint group in the request log


@dataclass(slots=True)
class SimConfig:
    """Server knobs: keys, clock speed, rate limits (per minute, 0 = off) and faults.

    ``clock`` (seconds, monotonic) times the rate-limit windows and the request log; a test can
    inject a virtual clock that its clients' injected ``sleep`` advances. DexScreener faults:
    ``dex_error_5xx`` is the chance of a 503 per call, ``dex_malformed`` the share of list items
    (profiles, boosts, pairs) served with a broken field, chosen by seed and item so the same item
    is broken in every answer. ``feed_size`` caps the profile/boost feeds (30 like the real ones;
    a benchmark raises it to list every launched token).
    """

    api_key: str = "sim-key"
    speed: float = 0.0  # 0 = frozen after fast-forward; 1 = real time; N = N x real time
    tick_s: float = 0.2
    rate_limits: dict[str, int] = field(default_factory=dict)
    error_5xx: float = 0.0  # Helius calls
    dex_error_5xx: float = 0.0
    dex_malformed: float = 0.0
    feed_size: int = 30
    clock: Callable[[], float] = time.monotonic
    faults: Faults = field(default_factory=Faults)


class SimClock:
    """Sim time in ms: starts at the end of the fast-forwarded history and runs at ``speed``."""

    def __init__(self, start_ms: int, speed: float) -> None:
        self.start_ms = start_ms
        self.speed = speed
        self._real0 = time.monotonic()

    def now_ms(self) -> int:
        """Current sim time."""
        return self.start_ms + int((time.monotonic() - self._real0) * self.speed * 1000)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, media_type="application/json", headers=headers
    )


def _helius_error(status: int, message: str, code: int = -32602) -> Response:
    return _json({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": "1"}, status)


def _valid_address(text: str) -> bool:
    try:
        return len(base58.b58decode(text)) == 32
    except ValueError:
        return False


class SimApp:
    """Routes and shared state; one instance per served world."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config
        self.r = Renderer(world)
        self.clock = SimClock(world.now_ms, config.speed)
        self.deliverer = Deliverer(world, self.r, config.faults, world.seed)
        self.hits: dict[str, deque[float]] = {}
        # per endpoint group: (clock seconds, status, Retry-After) of every request received;
        # status is 429 (rate-limited), 503 (injected fault) or 200 (answered by the handler)
        self.requests: dict[str, deque[tuple[float, int, int | None]]] = {}
        self.injected_5xx = 0
        self.rate_limited = 0
        self.malformed_served = 0
        self._t0 = config.clock()
        self._fault_rng = random.Random(world.seed * 13 + 1)
        self._dex_fault_rng = random.Random(world.seed * 13 + 2)
        self._ticker: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ plumbing
    def _limited(self, group: str) -> Response | None:
        """Log the request; a 429 with ``Retry-After`` when ``group`` is over its limit."""
        now = self.config.clock()
        log = self.requests.setdefault(group, deque(maxlen=REQUEST_LOG_CAP))
        limit = self.config.rate_limits.get(group, 0)
        if limit:
            q = self.hits.setdefault(group, deque())
            while q and now - q[0] >= RATE_WINDOW_S:
                q.popleft()
            if len(q) >= limit:
                self.rate_limited += 1
                # whole seconds until the oldest admitted request leaves the window
                retry = max(1, math.ceil(RATE_WINDOW_S - (now - q[0])))
                log.append((now, 429, retry))
                return _json(
                    {"code": 429, "message": "You have exceeded the rate limit"},
                    429,
                    {"Retry-After": str(retry)},
                )
            q.append(now)
        log.append((now, 200, None))
        return None

    def _mark_5xx(self, group: str) -> None:
        self.injected_5xx += 1
        log = self.requests[group]
        log[-1] = (log[-1][0], 503, None)

    def _dex(self, group: str) -> Response | None:
        """Gate of every DexScreener route: rate limit, then the injected 503."""
        if limited := self._limited(group):
            return limited
        if self.config.dex_error_5xx and self._dex_fault_rng.random() < self.config.dex_error_5xx:
            self._mark_5xx(group)
            return _json({"error": "Service temporarily unavailable"}, 503)
        return None

    def is_malformed(self, kind: str, key: str) -> bool:
        """Is the ``kind`` (``pair``, ``profile``, ``boost``) item of ``key`` served broken?"""
        share = self.config.dex_malformed
        if not share:
            return False
        digest = hashlib.blake2b(f"{self.world.seed}:{kind}:{key}".encode(), digest_size=8)
        return int.from_bytes(digest.digest()) / 2**64 < share

    def _pair(self, pid: int) -> dict[str, Any]:
        item: dict[str, Any] = self.r.pair(pid)
        if not self.is_malformed("pair", item["pairAddress"]):
            return item
        self.malformed_served += 1
        base = {k: v for k, v in item["baseToken"].items() if k != "address"}
        return {**item, "baseToken": base}  # no base token address: not a usable pair

    def _profile(self, tok: Token, *, boost: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = self.r.profile(tok, boost=boost)
        if not self.is_malformed("boost" if boost else "profile", tok.mint):
            return item
        self.malformed_served += 1
        return {**item, "tokenAddress": None}

    def _key_ok(self, request: Request, *, header: bool = False) -> bool:
        key = request.headers.get("x-api-key") if header else request.query_params.get("api-key")
        return key == self.config.api_key

    def _fault(self) -> Response | None:
        if self.config.error_5xx and self._fault_rng.random() < self.config.error_5xx:
            self._mark_5xx("helius")
            return _helius_error(503, "Service temporarily unavailable", -32503)
        return None

    async def tick(self) -> None:
        """Advance the world to the clock and hand new transactions to the deliverer."""
        target = self.clock.now_ms()
        if target > self.world.now_ms:
            self.world.advance_to(target)
        await self.deliverer.dispatch()

    async def _run_ticker(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.config.tick_s)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        """Start the clock ticker with the server; stop deliveries with it."""
        self._ticker = asyncio.create_task(self._run_ticker())
        try:
            yield
        finally:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            await self.deliverer.close()

    # ------------------------------------------------------------------ DexScreener
    def _launched(self) -> list[Any]:
        now = self.world.now_ms
        return [t for t in self.world.tokens[1:] if t.created_ms <= now]

    async def profiles(self, request: Request) -> Response:
        """GET /token-profiles/latest/v1: newest token profiles first."""
        if failed := self._dex("dex_slow"):
            return failed
        toks = sorted(self._launched(), key=lambda t: (-t.created_ms, t.idx))
        return _json([self._profile(t) for t in toks[: self.config.feed_size]])

    async def boosts_latest(self, request: Request) -> Response:
        """GET /token-boosts/latest/v1."""
        if failed := self._dex("dex_slow"):
            return failed
        toks = sorted(
            (t for t in self._launched() if t.boost), key=lambda t: (-t.created_ms, t.idx)
        )
        return _json([self._profile(t, boost=True) for t in toks[: self.config.feed_size]])

    async def boosts_top(self, request: Request) -> Response:
        """GET /token-boosts/top/v1: most boosted first."""
        if failed := self._dex("dex_slow"):
            return failed
        toks = sorted((t for t in self._launched() if t.boost), key=lambda t: (-t.boost, t.idx))
        return _json([self._profile(t, boost=True) for t in toks[: self.config.feed_size]])

    def _main_pair(self, tok: Token) -> int:
        return tok.active_pool

    async def search(self, request: Request) -> Response:
        """GET /latest/dex/search?q=: fuzzy match on symbol, name or address."""
        if failed := self._dex("dex_fast"):
            return failed
        q = request.query_params.get("q", "").strip()
        if not q:
            return _json({"error": "query parameter q is required"}, 400)
        ql = q.lower()
        pairs: list[dict[str, Any]] = []
        for tok in self._launched():
            if ql in tok.symbol.lower() or ql in tok.name.lower() or ql == tok.mint.lower():
                pairs.extend(self._pair(p) for p in tok.pools)
            if len(pairs) >= 30:
                break
        return _json({"schemaVersion": "1.0.0", "pairs": pairs[:30]})

    async def tokens_v1(self, request: Request) -> Response:
        """GET /tokens/v1/{chainId}/{addresses}: one main pair per known token, bare array."""
        if failed := self._dex("dex_fast"):
            return failed
        addrs = [a for a in request.path_params["addresses"].split(",") if a]
        if len(addrs) > 30:
            return _json({"error": "at most 30 token addresses per request"}, 400)
        if request.path_params["chain"] != "solana":
            return _json([])
        out = []
        for a in addrs:
            idx = self.world.by_mint.get(a)
            if (
                idx is not None
                and idx > 0
                and self.world.tokens[idx].created_ms <= self.world.now_ms
            ):
                out.append(self._pair(self._main_pair(self.world.tokens[idx])))
        return _json(out)

    async def token_pairs(self, request: Request) -> Response:
        """GET /token-pairs/v1/{chainId}/{tokenAddress}: every pool of one token."""
        if failed := self._dex("dex_fast"):
            return failed
        idx = self.world.by_mint.get(request.path_params["address"])
        if request.path_params["chain"] != "solana" or idx is None or idx == 0:
            return _json([])
        return _json([self._pair(p) for p in self.world.tokens[idx].pools])

    async def pairs(self, request: Request) -> Response:
        """GET /latest/dex/pairs/{chainId}/{pairId}: ``pairs`` is null when unknown."""
        if failed := self._dex("dex_fast"):
            return failed
        out = []
        for pair_id in request.path_params["pair"].split(","):
            pid = self.world.by_pool_addr.get(pair_id)
            if pid is not None and request.path_params["chain"] == "solana":
                out.append(self._pair(pid))
        return _json({"schemaVersion": "1.0.0", "pairs": out or None})

    # ------------------------------------------------------------------ Helius REST
    async def history(self, request: Request) -> Response:  # noqa: PLR0911,PLR0912 - one flat dispatch reads better than fragments
        """GET /v0/addresses/{address}/transactions with the current and legacy paging params."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        if (limited := self._limited("helius")) or (limited := self._fault()):
            return limited
        address = request.path_params["address"]
        if not _valid_address(address):
            return _helius_error(400, f"invalid address: {address}")
        qp = request.query_params
        try:
            limit = int(qp.get("limit", "10"))
        except ValueError:
            return _helius_error(400, "limit must be an integer")
        if limit < 1:
            return _helius_error(400, "limit must be at least 1")
        limit = min(limit, 100)
        order = qp.get("sort-order", "desc")
        if order not in ("asc", "desc"):
            return _helius_error(400, "sort-order must be asc or desc")
        w = self.world
        ent = w.by_addr.get(address)
        txs = w.tx_index.get(ent, []) if ent is not None else []
        bounds: dict[str, int] = {}
        for name in ("before-signature", "before", "after-signature", "until"):
            if name in qp:
                tx = w.sigs.decode(qp[name])
                if tx is None:
                    return _helius_error(400, f"invalid signature for {name}")
                bounds[name] = tx
        filters = {}
        for name in (
            "gt-time",
            "gte-time",
            "lt-time",
            "lte-time",
            "gt-slot",
            "gte-slot",
            "lt-slot",
            "lte-slot",
        ):
            if name in qp:
                try:
                    filters[name] = int(qp[name])
                except ValueError:
                    return _helius_error(400, f"{name} must be an integer")
        if any("time" in k for k in filters) and any("slot" in k for k in filters):
            return _helius_error(400, "time and slot filters cannot be combined")
        tx_type, source = qp.get("type"), qp.get("source")
        hi_excl = min(bounds.get("before-signature", 1 << 62), bounds.get("before", 1 << 62))
        lo_excl = max(bounds.get("after-signature", -1), bounds.get("until", -1))
        now_tx = w.n_tx()
        seq = reversed(txs) if order == "desc" else iter(txs)
        page: list[int] = []
        for tx in seq:
            if tx >= hi_excl or tx >= now_tx:
                if order == "desc":
                    continue
                break
            if tx <= lo_excl:
                if order == "desc":
                    break
                continue
            if filters and not self._passes(tx, filters):
                continue
            if tx_type and self.r.type_of(tx) != tx_type:
                continue
            if source and self._source(tx) != source:
                continue
            page.append(tx)
            if len(page) >= limit:
                break
        return Response(
            b"[" + b",".join(orjson.dumps(self.r.enhanced(tx)) for tx in page) + b"]",
            media_type="application/json",
        )

    def _source(self, tx: int) -> str:
        return str(self.r.enhanced(tx)["source"])

    def _passes(self, tx: int, f: dict[str, int]) -> bool:
        ts = self.world.t_ts[tx] // 1000
        slot = slot_at(self.world.t_ts[tx])
        checks = {
            "gt-time": ts > f.get("gt-time", ts - 1),
            "gte-time": ts >= f.get("gte-time", ts),
            "lt-time": ts < f.get("lt-time", ts + 1),
            "lte-time": ts <= f.get("lte-time", ts),
            "gt-slot": slot > f.get("gt-slot", slot - 1),
            "gte-slot": slot >= f.get("gte-slot", slot),
            "lt-slot": slot < f.get("lt-slot", slot + 1),
            "lte-slot": slot <= f.get("lte-slot", slot),
        }
        return all(checks.values())

    async def parse(self, request: Request) -> Response:
        """POST /v0/transactions: render up to 100 signatures; unknown ones are left out."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        if (limited := self._limited("helius")) or (limited := self._fault()):
            return limited
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _helius_error(400, "invalid JSON body")
        sigs = body.get("transactions") if isinstance(body, dict) else None
        if not isinstance(sigs, list) or not all(isinstance(s, str) for s in sigs):
            return _helius_error(400, 'body must be {"transactions": [signature, ...]}')
        if len(sigs) > 100:
            return _helius_error(400, "at most 100 transactions per request")
        out = []
        for sig in sigs:
            tx = self.world.sigs.decode(sig)
            if tx is not None and tx < self.world.n_tx():
                out.append(self.r.enhanced(tx))
        return _json(out)

    # ------------------------------------------------------------------ webhooks
    def _hook_body(self, body: Any) -> dict[str, Any] | str:
        if not isinstance(body, dict):
            return "body must be a JSON object"
        if not isinstance(body.get("webhookURL"), str) or not body["webhookURL"]:
            return "webhookURL is required"
        addrs = body.get("accountAddresses", [])
        if not isinstance(addrs, list) or len(addrs) > 100_000:
            return "accountAddresses must be a list of at most 100000 addresses"
        bad = [a for a in addrs if not isinstance(a, str) or not _valid_address(a)]
        if bad:
            return f"invalid address in accountAddresses: {bad[0]}"
        if body.get("webhookType", "enhanced") not in (
            "enhanced",
            "raw",
            "discord",
            "enhancedDevnet",
            "rawDevnet",
            "discordDevnet",
        ):
            return "invalid webhookType"
        return body

    async def webhooks(self, request: Request) -> Response:
        """POST/GET /v0/webhooks: create or list."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        d = self.deliverer
        if request.method == "GET":
            return _json([h.public(HELIUS_WALLET) for h in d.hooks.values()])
        try:
            body = self._hook_body(orjson.loads(await request.body()))
        except orjson.JSONDecodeError:
            return _helius_error(400, "invalid JSON body")
        if isinstance(body, str):
            return _helius_error(400, body)
        if len(d.hooks) >= 50:
            return _helius_error(400, "webhook limit reached")
        hook = d.add(body)
        public = hook.public(HELIUS_WALLET)
        return _json(
            {
                k: public[k]
                for k in (
                    "webhookID",
                    "wallet",
                    "webhookURL",
                    "transactionTypes",
                    "accountAddresses",
                    "webhookType",
                    "authHeader",
                )
            }
        )

    async def webhook(self, request: Request) -> Response:
        """GET/PUT/PATCH/DELETE /v0/webhooks/{id}."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        hook = self.deliverer.hooks.get(request.path_params["webhook_id"])
        if hook is None:
            return _helius_error(404, "webhook not found", -32404)
        if request.method == "DELETE":
            del self.deliverer.hooks[hook.webhook_id]
            return _json({"message": "Webhook deleted"})
        if request.method in ("PUT", "PATCH"):
            try:
                raw = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return _helius_error(400, "invalid JSON body")
            merged = {**hook.body, **raw} if isinstance(raw, dict) else raw
            body = self._hook_body(merged)
            if isinstance(body, str):
                return _helius_error(400, body)
            hook.body = body
        return _json(hook.public(HELIUS_WALLET))

    # ------------------------------------------------------------------ Helius RPC
    async def rpc(self, request: Request) -> Response:
        """POST / JSON-RPC: signatures, asset, largest accounts and balance."""
        if not self._key_ok(request):
            return _json(
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32401, "message": "invalid api key provided"},
                    "id": None,
                },
                401,
            )
        if (limited := self._limited("helius")) or (limited := self._fault()):
            return limited
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json(
                {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
            )
        if isinstance(body, list):
            return _json([self._rpc_one(b) for b in body])
        return _json(self._rpc_one(body))

    def _rpc_one(self, body: Any) -> dict[str, Any]:
        rid = body.get("id") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32600, "message": "Invalid Request"},
                "id": rid,
            }
        method, params = body["method"], body.get("params")
        fn = {
            "getSignaturesForAddress": self._sigs_for,
            "getAsset": self._asset,
            "getTokenLargestAccounts": self._largest,
            "getBalance": self._balance,
        }.get(method)
        if fn is None:
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32601, "message": "Method not found"},
                "id": rid,
            }
        try:
            result = fn(params)
        except ValueError as exc:
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32602, "message": f"Invalid params: {exc}"},
                "id": rid,
            }
        return {"jsonrpc": "2.0", "result": result, "id": rid}

    def _first_address(self, params: Any) -> str:
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            raise ValueError("expected [address, config?]")
        if not _valid_address(params[0]):
            raise ValueError("Invalid param: WrongSize")
        return params[0]

    def _sigs_for(self, params: Any) -> list[dict[str, Any]]:
        w = self.world
        address = self._first_address(params)
        opts = params[1] if len(params) > 1 and isinstance(params[1], dict) else {}
        limit = opts.get("limit", 1000)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        before = w.sigs.decode(opts["before"]) if opts.get("before") else None
        until = w.sigs.decode(opts["until"]) if opts.get("until") else None
        if (opts.get("before") and before is None) or (opts.get("until") and until is None):
            raise ValueError("invalid signature")
        ent = w.by_addr.get(address)
        txs = w.tx_index.get(ent, []) if ent is not None else []
        out = []
        for tx in reversed(txs):
            if before is not None and tx >= before:
                continue
            if until is not None and tx <= until:
                break
            failed = w.t_kind[tx] == FAILED
            out.append(
                {
                    "signature": w.sigs.encode(tx),
                    "slot": slot_at(w.t_ts[tx]),
                    "err": {"InstructionError": [2, {"Custom": 6002}]} if failed else None,
                    "memo": None,
                    "blockTime": w.t_ts[tx] // 1000,
                    "confirmationStatus": "finalized",
                }
            )
            if len(out) >= limit:
                break
        return out

    def _token(self, mint: Any) -> Any:
        if not isinstance(mint, str) or not _valid_address(mint):
            raise ValueError("invalid mint address")
        idx = self.world.by_mint.get(mint)
        if idx is None or self.world.tokens[idx].created_ms > self.world.now_ms:
            return None
        return self.world.tokens[idx]

    def _asset(self, params: Any) -> dict[str, Any]:
        mint = params.get("id") if isinstance(params, dict) else None
        tok = self._token(mint)
        if tok is None:
            raise ValueError("Asset Not Found")
        w = self.world
        price = w.token_price_sol(tok.idx) * w.sol_usd() if tok.idx else 1.0
        info: dict[str, Any] = {
            "symbol": tok.symbol,
            "supply": tok.supply,
            "decimals": tok.decimals,
            "token_program": tok.program,
        }
        if tok.mint_authority is not None:
            info["mint_authority"] = w.addr[tok.mint_authority]
        if tok.freeze_authority is not None:
            info["freeze_authority"] = w.addr[tok.freeze_authority]
        info["price_info"] = {"price_per_token": float(f"{price:.10g}"), "currency": "USDC"}
        slug = tok.symbol.lower()
        out: dict[str, Any] = {
            "interface": "FungibleToken",
            "id": tok.mint,
            "content": {
                "$schema": "https://schema.metaplex.com/nft1.0.json",
                "json_uri": f"https://{slug}.example.com/metadata.json",
                "files": [{"uri": f"https://{slug}.example.com/logo.png", "mime": "image/png"}],
                "metadata": {
                    "description": f"{tok.name}: a token of the simulated market.",
                    "name": tok.name,
                    "symbol": tok.symbol,
                    "token_standard": "Fungible",
                },
                "links": {"image": f"https://{slug}.example.com/logo.png"},
            },
            "authorities": [{"address": w.addr[tok.creator], "scopes": ["full"]}],
            "compression": {
                "eligible": False,
                "compressed": False,
                "data_hash": "",
                "creator_hash": "",
                "asset_hash": "",
                "tree": "",
                "seq": 0,
                "leaf_id": 0,
            },
            "grouping": [],
            "royalty": {
                "royalty_model": "creators",
                "target": None,
                "percent": 0.0,
                "basis_points": 0,
                "primary_sale_happened": False,
                "locked": False,
            },
            "creators": [],
            "ownership": {
                "frozen": False,
                "delegated": False,
                "delegate": None,
                "ownership_model": "token",
                "owner": "",
            },
            "supply": None,
            "mutable": not tok.is_pump,
            "burnt": False,
            "token_info": info,
            "last_indexed_slot": w.slot(),
        }
        if tok.extensions:
            out["mint_extensions"] = {e: {} for e in tok.extensions}
        return out

    def _largest(self, params: Any) -> dict[str, Any]:
        w = self.world
        mint = params[0] if isinstance(params, list) and params else None
        tok = self._token(mint)
        if tok is None:
            raise ValueError("Invalid param: could not find mint")
        rows = [
            (w.pools[p].real_base, self.r.vault(p, "b"))
            for p in tok.pools
            if w.pools[p].real_base > 0
        ]
        rows += [
            (w.holdings.get((h, tok.idx), 0), w.ata(h, tok.idx)) for h in set(w.holders[tok.idx])
        ]
        rows = sorted((r for r in rows if r[0] > 0), key=lambda r: (-r[0], r[1]))[:20]
        value = []
        for amount, acc in rows:
            ui = Decimal(amount).scaleb(-tok.decimals)
            value.append(
                {
                    "address": acc,
                    "amount": str(amount),
                    "decimals": tok.decimals,
                    "uiAmount": float(ui),
                    "uiAmountString": format(ui.normalize(), "f"),
                }
            )
        return {"context": {"slot": w.slot(), "apiVersion": "2.2.0"}, "value": value}

    def _balance(self, params: Any) -> dict[str, Any]:
        w = self.world
        address = self._first_address(params)
        ent = w.by_addr.get(address)
        return {
            "context": {"slot": w.slot(), "apiVersion": "2.2.0"},
            "value": w.sol[ent] if ent is not None else 0,
        }

    # ------------------------------------------------------------------ Jupiter
    async def quote(self, request: Request) -> Response:  # noqa: PLR0911,PLR0912 - one flat dispatch reads better than fragments
        """GET /swap/v1/quote: best route of at most two hops over the live pools."""
        if not self._key_ok(request, header=True):
            return _json({"code": 401, "message": "Unauthorized"}, 401)
        if limited := self._limited("jupiter"):
            return limited
        qp = request.query_params
        in_mint, out_mint = qp.get("inputMint"), qp.get("outputMint")
        if not in_mint or not out_mint:
            return _json({"error": "inputMint and outputMint are required"}, 400)
        for m in (in_mint, out_mint):
            if not _valid_address(m):
                return _json({"error": f"Invalid mint: {m}"}, 400)
        try:
            amount = int(qp.get("amount", ""))
            slippage = int(qp.get("slippageBps", "50"))
        except ValueError:
            return _json({"error": "Invalid amount"}, 400)
        if amount <= 0 or amount >= 1 << 64:
            return _json({"error": "Invalid amount"}, 400)
        if not 0 <= slippage <= 10_000:
            return _json({"error": "Invalid slippageBps"}, 400)
        if qp.get("swapMode", "ExactIn") != "ExactIn":
            return _json(
                {
                    "error": "ExactOut is not supported by these markets",
                    "errorCode": "NOT_SUPPORTED",
                },
                400,
            )
        if in_mint == out_mint:
            return _json(
                {
                    "error": "Circular arbitrage is disabled",
                    "errorCode": "CIRCULAR_ARBITRAGE_IS_DISABLED",
                },
                400,
            )
        found = best_route(
            self.world,
            in_mint,
            out_mint,
            amount,
            direct_only=qp.get("onlyDirectRoutes", "false") == "true",
        )
        if found is None:
            for m in (in_mint, out_mint):
                idx = self.world.by_mint.get(m)
                if idx is not None and not any(
                    self.world.pools[p].active for p in self.world.tokens[idx].pools
                ):
                    return _json(
                        {
                            "error": f"The token {m} is not tradable",
                            "errorCode": "TOKEN_NOT_TRADABLE",
                        },
                        400,
                    )
            return _json(
                {"error": "Could not find any route", "errorCode": "COULD_NOT_FIND_ANY_ROUTE"}, 400
            )
        route, legs = found
        out_amount = legs[-1][1]
        keep = 1.0
        plan = []
        for hop, (a_in, a_out, fee, impact) in zip(route, legs, strict=True):
            keep *= 1 - impact
            pool = self.world.pools[hop.pool]
            info: dict[str, Any] = {
                "ammKey": self.world.addr[self.world.pool_ent[hop.pool]],
                "label": {
                    "pumpfun": "Pump.fun",
                    "pumpswap": "Pump.fun Amm",
                    "raydium": "Raydium CPMM",
                }[pool.venue],
                "inputMint": hop.input_mint,
                "outputMint": hop.output_mint,
                "inAmount": str(a_in),
                "outAmount": str(a_out),
            }
            if fee:
                info["feeAmount"] = str(fee)
                info["feeMint"] = pool.quote_mint if (pool.is_curve or hop.buy) else hop.input_mint
            plan.append({"swapInfo": info, "percent": 100, "bps": 10_000})
        return _json(
            {
                "inputMint": in_mint,
                "inAmount": str(amount),
                "outputMint": out_mint,
                "outAmount": str(out_amount),
                "otherAmountThreshold": str(out_amount * (10_000 - slippage) // 10_000),
                "swapMode": "ExactIn",
                "slippageBps": slippage,
                "platformFee": None,
                "priceImpactPct": f"{1 - keep:.16f}",
                "routePlan": plan,
                "contextSlot": self.world.slot(),
                # deterministic stand-in for the routing time, so equal seeds give equal bytes
                "timeTaken": round(0.0015 + (amount % 997) / 1e6, 9),
            }
        )

    async def price(self, request: Request) -> Response:
        """GET /price/v3?ids=: keyed by mint; mints without a market are left out."""
        if not self._key_ok(request, header=True):
            return _json({"code": 401, "message": "Unauthorized"}, 401)
        if limited := self._limited("jupiter"):
            return limited
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        if not ids:
            return _json({"error": "ids is required"}, 400)
        if len(ids) > 50:
            return _json({"error": "at most 50 ids"}, 400)
        w = self.world
        sol_usd = w.sol_usd()
        out: dict[str, Any] = {}
        for mint in ids:
            if mint == WSOL_MINT:
                out[mint] = {
                    "createdAt": "2024-06-05T08:55:25.527Z",
                    "liquidity": round(
                        w.pools[w.tokens[0].active_pool].real_quote / 1e9 * sol_usd * 2, 2
                    ),
                    "usdPrice": round(sol_usd, 6),
                    "blockId": w.slot(),
                    "decimals": 9,
                    "priceChange24h": self._change24(0, invert=True),
                }
                continue
            idx = w.by_mint.get(mint)
            if idx is None:
                continue
            tok = w.tokens[idx]
            pool = w.pools[tok.active_pool]
            if tok.created_ms > w.now_ms or not pool.active or pool.base <= 0:
                continue
            usd = 1.0 if mint == USDC_MINT else w.token_price_sol(idx) * sol_usd
            liq = (
                sum(
                    w.pools[p].real_quote
                    / (1e9 if w.pools[p].quote_mint == WSOL_MINT else 1e6 / (1 / sol_usd))
                    for p in tok.pools
                    if w.pools[p].active
                )
                * sol_usd
                * 2
            )
            txs = w.pool_txs[pool.pid]
            out[mint] = {
                "createdAt": dt.datetime.fromtimestamp(tok.created_ms / 1000, tz=dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S."
                )
                + f"{tok.created_ms % 1000:03d}Z",
                "liquidity": round(liq, 2),
                "usdPrice": float(f"{usd:.11g}"),
                "blockId": slot_at(w.t_ts[txs[-1]]) if txs else w.slot(),
                "decimals": tok.decimals,
                "priceChange24h": self._change24(idx),
            }
        return _json(out)

    def _change24(self, idx: int, *, invert: bool = False) -> float | None:
        pid = self.world.tokens[idx].active_pool
        change = self.r.pool_window(pid, 86_400)[3]
        if change is None:
            return None
        return round((1 / (1 + change / 100) - 1) * 100, 4) if invert else change

    # ------------------------------------------------------------------ RugCheck
    async def rugcheck(self, request: Request) -> Response:
        """GET /v1/tokens/{mint}/report/summary: risks from the token's real flags."""
        if limited := self._limited("rugcheck"):
            return limited
        mint = request.path_params["mint"]
        if not _valid_address(mint):
            return _json({"error": "invalid mint: failed to decode base58 public key"}, 400)
        idx = self.world.by_mint.get(mint)
        if idx is None or self.world.tokens[idx].created_ms > self.world.now_ms:
            return _json({"error": "not found"}, 400)
        tok = self.world.tokens[idx]
        w = self.world
        risks: list[dict[str, Any]] = []

        def risk(name: str, value: str, desc: str, score: int, level: str) -> None:
            risks.append(
                {"name": name, "value": value, "description": desc, "score": score, "level": level}
            )

        if tok.mint_authority is not None:
            risk(
                "Mint Authority still enabled",
                "",
                "The mint authority has not been revoked, so new supply can still be created.",
                30_000,
                "danger",
            )
        if tok.freeze_authority is not None:
            risk(
                "Freeze Authority still enabled",
                "",
                "Tokens can be frozen by the freeze authority.",
                7_500,
                "danger",
            )
        if "permanentDelegate" in tok.extensions:
            risk(
                "Permanent Control Enabled",
                "",
                "A permanent delegate can move anyone's tokens.",
                10_000,
                "danger",
            )
        if "transferFeeConfig" in tok.extensions:
            risk(
                "Fee config enabled",
                "",
                "Transfers may carry a fee set by the authority.",
                1_000,
                "warn",
            )
        pool = w.pools[tok.active_pool]
        if tok.rugged_ms is not None and not pool.active:
            risk("LP Withdrawn", "", "Liquidity has been removed from the pool.", 20_000, "danger")
        if not pool.is_curve and tok.lp_locked_pct < 50:
            risk(
                "Large Amount of LP Unlocked",
                f"{100 - tok.lp_locked_pct:.2f}%",
                "Nearly all LP tokens are "
                "unlocked; the holder can pull the pool's liquidity at any time.",
                11_000,
                "danger",
            )
        liq_usd = (
            pool.real_quote
            / (1e9 if pool.quote_mint == WSOL_MINT else 1e6 / (1 / w.sol_usd()))
            * w.sol_usd()
        )
        if liq_usd < 5_000:
            risk(
                "Low Liquidity",
                f"${liq_usd:,.2f}",
                "Low amount of liquidity in the token pool.",
                1_000,
                "danger",
            )
        held = sorted((w.holdings.get((h, idx), 0) for h in set(w.holders[idx])), reverse=True)[:10]
        if tok.supply and sum(held) * 100 // tok.supply >= 30:
            risk(
                "Top 10 holders high ownership",
                "",
                "The ten largest holders control a large share of the supply.",
                3_000,
                "warn",
            )
        if not tok.is_pump:
            risk(
                "Mutable metadata",
                "",
                "Token name, symbol or image can still be changed by the update authority.",
                100,
                "warn",
            )
        score = 1 + sum(r["score"] for r in risks)
        return _json(
            {
                "tokenProgram": tok.program,
                "tokenType": "",
                "risks": risks,
                "score": score,
                "score_normalised": min(100, score * 100 // 50_000) or 1,
                "lpLockedPct": 100 if pool.is_curve else tok.lp_locked_pct,
            }
        )

    # ------------------------------------------------------------------ sim
    async def status(self, request: Request) -> Response:
        """GET /__sim/status: clock, sizes, deliveries and injected faults."""
        w = self.world
        return _json(
            {
                "clock": {
                    "nowMs": w.now_ms,
                    "slot": w.slot(),
                    "speed": self.config.speed,
                    "startMs": w.start_ms,
                },
                "counts": w.counts(),
                "rateLimited": self.rate_limited,
                "injected5xx": self.injected_5xx,
                "malformedServed": self.malformed_served,
                "requests": {group: len(log) for group, log in sorted(self.requests.items())},
                "deliveries": self.deliverer.status(),
            }
        )

    def request_log(self, *, with_log: bool = False) -> dict[str, Any]:
        """Per endpoint group: requests received, 429s, injected 503s and the most requests in
        any 60 s window (all received, and those the rate limiter admitted)."""
        groups: dict[str, Any] = {}
        for group, log in sorted(self.requests.items()):
            entries = list(log)
            out: dict[str, Any] = {
                "limit": self.config.rate_limits.get(group, 0),
                "requests": len(entries),
                "rateLimited": sum(1 for e in entries if e[1] == 429),
                "errors5xx": sum(1 for e in entries if e[1] == 503),
                "maxPerWindow": max_in_window([e[0] for e in entries]),
                "maxAdmittedPerWindow": max_in_window([e[0] for e in entries if e[1] != 429]),
            }
            if with_log:
                out["log"] = [[round(t - self._t0, 6), status, ra] for t, status, ra in entries]
            groups[group] = out
        return {"windowS": RATE_WINDOW_S, "groups": groups}

    async def requests_route(self, request: Request) -> Response:
        """GET /__sim/requests[?log=1]: the request log per endpoint group (``log`` rows are
        ``[seconds since start, status, Retry-After]``)."""
        return _json(self.request_log(with_log=request.query_params.get("log") in ("1", "true")))

    async def truth(self, request: Request) -> Response:
        """GET /__sim/truth: hidden labels, clusters, copyable edge and fates."""
        return _json(self.world.truth())

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """Unknown routes answer 404 with a JSON body."""
        return _json({"error": f"not found: {request.url.path}"}, 404)

    async def method_not_allowed(self, request: Request, exc: Exception) -> Response:
        """Known path, wrong method."""
        code = getattr(exc, "status_code", 405)
        return _json({"error": f"{request.method} not allowed on {request.url.path}"}, code)

    def routes(self) -> list[Route]:
        """Every served route."""
        return [
            Route("/token-profiles/latest/v1", self.profiles),
            Route("/token-boosts/latest/v1", self.boosts_latest),
            Route("/token-boosts/top/v1", self.boosts_top),
            Route("/latest/dex/search", self.search),
            Route("/tokens/v1/{chain}/{addresses}", self.tokens_v1),
            Route("/token-pairs/v1/{chain}/{address}", self.token_pairs),
            Route("/latest/dex/pairs/{chain}/{pair}", self.pairs),
            Route("/v0/addresses/{address}/transactions", self.history),
            Route("/v0/transactions", self.parse, methods=["POST"]),
            Route("/v0/webhooks", self.webhooks, methods=["GET", "POST"]),
            Route(
                "/v0/webhooks/{webhook_id}", self.webhook, methods=["GET", "PUT", "PATCH", "DELETE"]
            ),
            Route("/", self.rpc, methods=["POST"]),
            Route("/swap/v1/quote", self.quote),
            Route("/price/v3", self.price),
            Route("/v1/tokens/{mint}/report/summary", self.rugcheck),
            Route("/__sim/status", self.status),
            Route("/__sim/requests", self.requests_route),
            Route("/__sim/truth", self.truth),
        ]


def max_in_window(times: list[float], window_s: float = RATE_WINDOW_S) -> int:
    """The most of ``times`` (ascending) inside any half-open window ``[t, t + window_s)``."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window_s:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def create_app(world: World, config: SimConfig | None = None) -> Starlette:
    """The ASGI app serving ``world``; ``app.state.sim`` is the SimApp (for tests)."""
    sim = SimApp(world, config or SimConfig())
    app = Starlette(
        routes=sim.routes(),
        lifespan=sim.lifespan,
        exception_handlers={404: sim.not_found, 405: sim.method_not_allowed},
    )
    app.state.sim = sim
    return app


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimServer:
    """Serve a world on 127.0.0.1 from a thread: ``with SimServer(world) as s: s.base_url``."""

    def __init__(
        self, world: World, config: SimConfig | None = None, port: int | None = None
    ) -> None:
        self.app = create_app(world, config)
        self.sim: SimApp = self.app.state.sim
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def call(self, coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """Run a coroutine on the server's event loop (e.g. ``deliverer.drain``) and wait for it."""
        loop = self._loop
        return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(timeout=60)

    def __enter__(self) -> SimServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sim server did not start")
            time.sleep(0.01)
        self._loop = self._find_loop()
        return self

    def _find_loop(self) -> asyncio.AbstractEventLoop:
        ticker = self.sim._ticker
        assert ticker is not None
        return ticker.get_loop()

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def run(  # noqa: PLR0917 - one flat dispatch reads better than fragments
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    speed: float = 1.0,
    scenario: Scenario | None = None,
    config: SimConfig | None = None,
) -> None:
    """Build the world (fast-forwarding its history) and serve it until interrupted."""
    sc = scenario or Scenario(seed=seed)
    world = build_world(sc)
    cfg = config or SimConfig()
    cfg.speed = speed
    uvicorn.run(create_app(world, cfg), host=host, port=port, log_level="warning")

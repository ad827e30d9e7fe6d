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
from collections import Counter, deque
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
from sim.market import Hop, best_route
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
        self._real_start = time.monotonic()

    def now_ms(self) -> int:
        """Current sim time."""
        return self.start_ms + int((time.monotonic() - self._real_start) * self.speed * 1000)


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
        self.renderer = Renderer(world)
        self.clock = SimClock(world.now_ms, config.speed)
        self.deliverer = Deliverer(world, self.renderer, config.faults, world.seed)
        # per endpoint group: clock seconds of the requests admitted in the current window
        self.hits: dict[str, deque[float]] = {}
        # per endpoint group: (clock seconds, status, Retry-After) of every request received;
        # status is 429 (rate-limited), 503 (injected fault) or 200 (answered by the handler)
        self.requests: dict[str, deque[tuple[float, int, int | None]]] = {}
        self.injected_5xx = 0
        self.rate_limited = 0
        self.webhook_calls: Counter[str] = Counter()  # admitted webhooks CRUD calls by method
        self.malformed_served = 0
        self._clock_start = config.clock()
        self._helius_fault_rng = random.Random(world.seed * 13 + 1)
        self._dex_fault_rng = random.Random(world.seed * 13 + 2)
        self._ticker: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ plumbing
    def _limited(self, group: str) -> Response | None:
        """Log the request; a 429 with ``Retry-After`` when ``group`` is over its limit."""
        now = self.config.clock()
        log = self.requests.setdefault(group, deque(maxlen=REQUEST_LOG_CAP))
        limit = self.config.rate_limits.get(group, 0)
        if limit:
            admitted = self.hits.setdefault(group, deque())
            while admitted and now - admitted[0] >= RATE_WINDOW_S:
                admitted.popleft()
            if len(admitted) >= limit:
                self.rate_limited += 1
                # whole seconds until the oldest admitted request leaves the window
                retry_after = max(1, math.ceil(RATE_WINDOW_S - (now - admitted[0])))
                log.append((now, 429, retry_after))
                return _json(
                    {"code": 429, "message": "You have exceeded the rate limit"},
                    429,
                    {"Retry-After": str(retry_after)},
                )
            admitted.append(now)
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

    def _pair(self, pool_id: int) -> dict[str, Any]:
        item: dict[str, Any] = self.renderer.pair(pool_id)
        if not self.is_malformed("pair", item["pairAddress"]):
            return item
        self.malformed_served += 1
        base_token = {key: value for key, value in item["baseToken"].items() if key != "address"}
        return {**item, "baseToken": base_token}  # no base token address: not a usable pair

    def _profile(self, tok: Token, *, boost: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = self.renderer.profile(tok, boost=boost)
        if not self.is_malformed("boost" if boost else "profile", tok.mint):
            return item
        self.malformed_served += 1
        return {**item, "tokenAddress": None}

    def _key_ok(self, request: Request, *, header: bool = False) -> bool:
        key = request.headers.get("x-api-key") if header else request.query_params.get("api-key")
        return key == self.config.api_key

    def _helius_fault(self) -> Response | None:
        """The injected 503 of a Helius call (chance ``config.error_5xx``)."""
        if self.config.error_5xx and self._helius_fault_rng.random() < self.config.error_5xx:
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
    def _launched(self) -> list[Token]:
        now = self.world.now_ms
        return [tok for tok in self.world.tokens[1:] if tok.created_ms <= now]

    async def profiles(self, request: Request) -> Response:
        """GET /token-profiles/latest/v1: newest token profiles first."""
        if failed := self._dex("dex_slow"):
            return failed
        newest = sorted(self._launched(), key=lambda tok: (-tok.created_ms, tok.idx))
        return _json([self._profile(tok) for tok in newest[: self.config.feed_size]])

    async def boosts_latest(self, request: Request) -> Response:
        """GET /token-boosts/latest/v1."""
        if failed := self._dex("dex_slow"):
            return failed
        newest = sorted(
            (tok for tok in self._launched() if tok.boost),
            key=lambda tok: (-tok.created_ms, tok.idx),
        )
        return _json([self._profile(tok, boost=True) for tok in newest[: self.config.feed_size]])

    async def boosts_top(self, request: Request) -> Response:
        """GET /token-boosts/top/v1: most boosted first."""
        if failed := self._dex("dex_slow"):
            return failed
        most_boosted = sorted(
            (tok for tok in self._launched() if tok.boost), key=lambda tok: (-tok.boost, tok.idx)
        )
        return _json(
            [self._profile(tok, boost=True) for tok in most_boosted[: self.config.feed_size]]
        )

    def _main_pair(self, tok: Token) -> int:
        return tok.active_pool

    async def search(self, request: Request) -> Response:
        """GET /latest/dex/search?q=: fuzzy match on symbol, name or address."""
        if failed := self._dex("dex_fast"):
            return failed
        query = request.query_params.get("q", "").strip()
        if not query:
            return _json({"error": "query parameter q is required"}, 400)
        needle = query.lower()
        pairs: list[dict[str, Any]] = []
        for tok in self._launched():
            if (
                needle in tok.symbol.lower()
                or needle in tok.name.lower()
                or needle == tok.mint.lower()
            ):
                pairs.extend(self._pair(pool_id) for pool_id in tok.pools)
            if len(pairs) >= 30:
                break
        return _json({"schemaVersion": "1.0.0", "pairs": pairs[:30]})

    async def tokens_v1(self, request: Request) -> Response:
        """GET /tokens/v1/{chainId}/{addresses}: one main pair per known token, bare array."""
        if failed := self._dex("dex_fast"):
            return failed
        mints = [mint for mint in request.path_params["addresses"].split(",") if mint]
        if len(mints) > 30:
            return _json({"error": "at most 30 token addresses per request"}, 400)
        if request.path_params["chain"] != "solana":
            return _json([])
        out = []
        for mint in mints:
            token_index = self.world.by_mint.get(mint)
            if (
                token_index is not None
                and token_index > 0
                and self.world.tokens[token_index].created_ms <= self.world.now_ms
            ):
                out.append(self._pair(self._main_pair(self.world.tokens[token_index])))
        return _json(out)

    async def token_pairs(self, request: Request) -> Response:
        """GET /token-pairs/v1/{chainId}/{tokenAddress}: every pool of one token."""
        if failed := self._dex("dex_fast"):
            return failed
        token_index = self.world.by_mint.get(request.path_params["address"])
        if request.path_params["chain"] != "solana" or token_index is None or token_index == 0:
            return _json([])
        return _json([self._pair(pool_id) for pool_id in self.world.tokens[token_index].pools])

    async def pairs(self, request: Request) -> Response:
        """GET /latest/dex/pairs/{chainId}/{pairId}: ``pairs`` is null when unknown."""
        if failed := self._dex("dex_fast"):
            return failed
        out = []
        for pair_address in request.path_params["pair"].split(","):
            pool_id = self.world.by_pool_addr.get(pair_address)
            if pool_id is not None and request.path_params["chain"] == "solana":
                out.append(self._pair(pool_id))
        return _json({"schemaVersion": "1.0.0", "pairs": out or None})

    # ------------------------------------------------------------------ Helius REST
    async def history(self, request: Request) -> Response:  # noqa: PLR0911,PLR0912 - validates each documented query parameter in turn, one 400 each
        """GET /v0/addresses/{address}/transactions with the current and legacy paging params."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        if (limited := self._limited("helius")) or (limited := self._helius_fault()):
            return limited
        address = request.path_params["address"]
        if not _valid_address(address):
            return _helius_error(400, f"invalid address: {address}")
        params = request.query_params
        try:
            limit = int(params.get("limit", "10"))
        except ValueError:
            return _helius_error(400, "limit must be an integer")
        if limit < 1:
            return _helius_error(400, "limit must be at least 1")
        limit = min(limit, 100)
        order = params.get("sort-order", "desc")
        if order not in ("asc", "desc"):
            return _helius_error(400, "sort-order must be asc or desc")
        world = self.world
        bounds: dict[str, int] = {}
        for name in ("before-signature", "before", "after-signature", "until"):
            if name in params:
                tx = world.sigs.decode(params[name])
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
            if name in params:
                try:
                    filters[name] = int(params[name])
                except ValueError:
                    return _helius_error(400, f"{name} must be an integer")
        if any("time" in key for key in filters) and any("slot" in key for key in filters):
            return _helius_error(400, "time and slot filters cannot be combined")
        entity = world.by_addr.get(address)
        page = self._history_page(
            world.tx_index.get(entity, []) if entity is not None else [],
            descending=order == "desc",
            before_tx=min(bounds.get("before-signature", 1 << 62), bounds.get("before", 1 << 62)),
            after_tx=max(bounds.get("after-signature", -1), bounds.get("until", -1)),
            filters=filters,
            tx_type=params.get("type"),
            source=params.get("source"),
            limit=limit,
        )
        return Response(
            b"[" + b",".join(orjson.dumps(self.renderer.enhanced(tx)) for tx in page) + b"]",
            media_type="application/json",
        )

    def _history_page(
        self,
        txs: list[int],
        *,
        descending: bool,
        before_tx: int,
        after_tx: int,
        filters: dict[str, int],
        tx_type: str | None,
        source: str | None,
        limit: int,
    ) -> list[int]:
        """Up to ``limit`` of an address's ``txs`` strictly between ``after_tx`` and
        ``before_tx`` (and executed by now), newest or oldest first, that pass the filters."""
        n_executed = self.world.n_tx()
        page: list[int] = []
        for tx in reversed(txs) if descending else iter(txs):
            if tx >= before_tx or tx >= n_executed:
                if descending:
                    continue
                break
            if tx <= after_tx:
                if descending:
                    break
                continue
            if filters and not self._passes_filters(tx, filters):
                continue
            if tx_type and self.renderer.type_of(tx) != tx_type:
                continue
            if source and self._source(tx) != source:
                continue
            page.append(tx)
            if len(page) >= limit:
                break
        return page

    def _source(self, tx: int) -> str:
        return str(self.renderer.enhanced(tx)["source"])

    def _passes_filters(self, tx: int, filters: dict[str, int]) -> bool:
        """Does ``tx`` pass every ``gt/gte/lt/lte-time`` (block time, s) and ``-slot`` bound?"""
        block_time = self.world.t_ts[tx] // 1000
        slot = slot_at(self.world.t_ts[tx])
        checks = {
            "gt-time": block_time > filters.get("gt-time", block_time - 1),
            "gte-time": block_time >= filters.get("gte-time", block_time),
            "lt-time": block_time < filters.get("lt-time", block_time + 1),
            "lte-time": block_time <= filters.get("lte-time", block_time),
            "gt-slot": slot > filters.get("gt-slot", slot - 1),
            "gte-slot": slot >= filters.get("gte-slot", slot),
            "lt-slot": slot < filters.get("lt-slot", slot + 1),
            "lte-slot": slot <= filters.get("lte-slot", slot),
        }
        return all(checks.values())

    async def parse(self, request: Request) -> Response:
        """POST /v0/transactions: render up to 100 signatures; unknown ones are left out."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        if (limited := self._limited("helius")) or (limited := self._helius_fault()):
            return limited
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _helius_error(400, "invalid JSON body")
        signatures = body.get("transactions") if isinstance(body, dict) else None
        if not isinstance(signatures, list) or not all(isinstance(s, str) for s in signatures):
            return _helius_error(400, 'body must be {"transactions": [signature, ...]}')
        if len(signatures) > 100:
            return _helius_error(400, "at most 100 transactions per request")
        out = []
        for signature in signatures:
            tx = self.world.sigs.decode(signature)
            if tx is not None and tx < self.world.n_tx():
                out.append(self.renderer.enhanced(tx))
        return _json(out)

    # ------------------------------------------------------------------ webhooks
    def _webhook_gate(self, request: Request) -> Response | None:
        """Gate of every webhooks CRUD call: the API key (401), then the log and rate limit of
        group ``webhooks`` (429 with ``Retry-After``); admitted calls are counted by method
        (``webhook_calls``: a test counts the writes a sync sent)."""
        if not self._key_ok(request):
            return _helius_error(401, "invalid api key provided", -32401)
        if limited := self._limited("webhooks"):
            return limited
        self.webhook_calls[request.method] += 1
        return None

    def _validated_hook_body(self, body: Any) -> dict[str, Any] | str:
        """The webhook body, or the message of the first thing wrong with it."""
        if not isinstance(body, dict):
            return "body must be a JSON object"
        if not isinstance(body.get("webhookURL"), str) or not body["webhookURL"]:
            return "webhookURL is required"
        addresses = body.get("accountAddresses", [])
        if not isinstance(addresses, list) or len(addresses) > 100_000:
            return "accountAddresses must be a list of at most 100000 addresses"
        invalid = [a for a in addresses if not isinstance(a, str) or not _valid_address(a)]
        if invalid:
            return f"invalid address in accountAddresses: {invalid[0]}"
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
        if refused := self._webhook_gate(request):
            return refused
        deliverer = self.deliverer
        if request.method == "GET":
            return _json([hook.public(HELIUS_WALLET) for hook in deliverer.hooks.values()])
        try:
            body = self._validated_hook_body(orjson.loads(await request.body()))
        except orjson.JSONDecodeError:
            return _helius_error(400, "invalid JSON body")
        if isinstance(body, str):
            return _helius_error(400, body)
        if len(deliverer.hooks) >= 50:
            return _helius_error(400, "webhook limit reached")
        hook = deliverer.add(body)
        public = hook.public(HELIUS_WALLET)
        return _json(
            {
                key: public[key]
                for key in (
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
        if refused := self._webhook_gate(request):
            return refused
        hook = self.deliverer.hooks.get(request.path_params["webhook_id"])
        if hook is None:
            return _helius_error(404, "webhook not found", -32404)
        if request.method == "DELETE":
            del self.deliverer.hooks[hook.webhook_id]
            return _json({"message": "Webhook deleted"})
        if request.method in ("PUT", "PATCH"):
            try:
                changes = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return _helius_error(400, "invalid JSON body")
            # PUT replaces the whole webhook (a field left out is gone, as on Helius); PATCH
            # changes only the fields it sends (the dashboard's toggles)
            merged = (
                {**hook.body, **changes}
                if request.method == "PATCH" and isinstance(changes, dict)
                else changes
            )
            body = self._validated_hook_body(merged)
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
        if (limited := self._limited("helius")) or (limited := self._helius_fault()):
            return limited
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json(
                {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
            )
        if isinstance(body, list):
            return _json([self._rpc_call(call) for call in body])
        return _json(self._rpc_call(body))

    def _rpc_call(self, body: Any) -> dict[str, Any]:
        """Answer one JSON-RPC call (an element of a batch, or the whole body)."""
        request_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32600, "message": "Invalid Request"},
                "id": request_id,
            }
        method, params = body["method"], body.get("params")
        handler = {
            "getSignaturesForAddress": self._signatures_for_address,
            "getAsset": self._asset,
            "getTokenLargestAccounts": self._largest_accounts,
            "getBalance": self._balance,
        }.get(method)
        if handler is None:
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32601, "message": "Method not found"},
                "id": request_id,
            }
        try:
            result = handler(params)
        except ValueError as exc:
            return {
                "jsonrpc": "2.0",
                "error": {"code": -32602, "message": f"Invalid params: {exc}"},
                "id": request_id,
            }
        return {"jsonrpc": "2.0", "result": result, "id": request_id}

    def _first_address(self, params: Any) -> str:
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            raise ValueError("expected [address, config?]")
        if not _valid_address(params[0]):
            raise ValueError("Invalid param: WrongSize")
        return params[0]

    def _signatures_for_address(self, params: Any) -> list[dict[str, Any]]:
        world = self.world
        address = self._first_address(params)
        options = params[1] if len(params) > 1 and isinstance(params[1], dict) else {}
        limit = options.get("limit", 1000)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        before = world.sigs.decode(options["before"]) if options.get("before") else None
        until = world.sigs.decode(options["until"]) if options.get("until") else None
        if (options.get("before") and before is None) or (options.get("until") and until is None):
            raise ValueError("invalid signature")
        entity = world.by_addr.get(address)
        txs = world.tx_index.get(entity, []) if entity is not None else []
        out = []
        for tx in reversed(txs):
            if before is not None and tx >= before:
                continue
            if until is not None and tx <= until:
                break
            failed = world.t_kind[tx] == FAILED
            out.append(
                {
                    "signature": world.sigs.encode(tx),
                    "slot": slot_at(world.t_ts[tx]),
                    "err": {"InstructionError": [2, {"Custom": 6002}]} if failed else None,
                    "memo": None,
                    "blockTime": world.t_ts[tx] // 1000,
                    "confirmationStatus": "finalized",
                }
            )
            if len(out) >= limit:
                break
        return out

    def _launched_token(self, mint: Any) -> Token | None:
        """The token of ``mint`` once it exists (None before its launch or when unknown)."""
        if not isinstance(mint, str) or not _valid_address(mint):
            raise ValueError("invalid mint address")
        token_index = self.world.by_mint.get(mint)
        if token_index is None or self.world.tokens[token_index].created_ms > self.world.now_ms:
            return None
        return self.world.tokens[token_index]

    def _asset(self, params: Any) -> dict[str, Any]:
        mint = params.get("id") if isinstance(params, dict) else None
        tok = self._launched_token(mint)
        if tok is None:
            raise ValueError("Asset Not Found")
        world = self.world
        price = world.token_price_sol(tok.idx) * world.sol_usd() if tok.idx else 1.0
        info: dict[str, Any] = {
            "symbol": tok.symbol,
            "supply": tok.supply,
            "decimals": tok.decimals,
            "token_program": tok.program,
        }
        if tok.mint_authority is not None:
            info["mint_authority"] = world.addr[tok.mint_authority]
        if tok.freeze_authority is not None:
            info["freeze_authority"] = world.addr[tok.freeze_authority]
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
            "authorities": [{"address": world.addr[tok.creator], "scopes": ["full"]}],
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
            "last_indexed_slot": world.slot(),
        }
        if tok.extensions:
            out["mint_extensions"] = {extension: {} for extension in tok.extensions}
        return out

    def _largest_accounts(self, params: Any) -> dict[str, Any]:
        """getTokenLargestAccounts: the 20 largest holdings, pool vaults included."""
        world = self.world
        mint = params[0] if isinstance(params, list) and params else None
        tok = self._launched_token(mint)
        if tok is None:
            raise ValueError("Invalid param: could not find mint")
        holdings = [
            (world.pools[pool_id].real_base, self.renderer.vault(pool_id, "b"))
            for pool_id in tok.pools
            if world.pools[pool_id].real_base > 0
        ]
        holdings += [
            (world.holdings.get((holder, tok.idx), 0), world.ata(holder, tok.idx))
            for holder in set(world.holders[tok.idx])
        ]
        largest = sorted(
            (row for row in holdings if row[0] > 0), key=lambda row: (-row[0], row[1])
        )[:20]
        value = []
        for amount, account in largest:
            ui_amount = Decimal(amount).scaleb(-tok.decimals)
            value.append(
                {
                    "address": account,
                    "amount": str(amount),
                    "decimals": tok.decimals,
                    "uiAmount": float(ui_amount),
                    "uiAmountString": format(ui_amount.normalize(), "f"),
                }
            )
        return {"context": {"slot": world.slot(), "apiVersion": "2.2.0"}, "value": value}

    def _balance(self, params: Any) -> dict[str, Any]:
        world = self.world
        address = self._first_address(params)
        entity = world.by_addr.get(address)
        return {
            "context": {"slot": world.slot(), "apiVersion": "2.2.0"},
            "value": world.balance(entity) if entity is not None else 0,
        }

    # ------------------------------------------------------------------ Jupiter
    async def quote(self, request: Request) -> Response:  # noqa: PLR0911 - validates each documented query parameter in turn, one 400 each
        """GET /swap/v1/quote: best route of at most two hops over the live pools."""
        if not self._key_ok(request, header=True):
            return _json({"code": 401, "message": "Unauthorized"}, 401)
        if limited := self._limited("jupiter"):
            return limited
        params = request.query_params
        in_mint, out_mint = params.get("inputMint"), params.get("outputMint")
        if not in_mint or not out_mint:
            return _json({"error": "inputMint and outputMint are required"}, 400)
        for mint in (in_mint, out_mint):
            if not _valid_address(mint):
                return _json({"error": f"Invalid mint: {mint}"}, 400)
        try:
            amount = int(params.get("amount", ""))
            slippage_bps = int(params.get("slippageBps", "50"))
        except ValueError:
            return _json({"error": "Invalid amount"}, 400)
        if amount <= 0 or amount >= 1 << 64:
            return _json({"error": "Invalid amount"}, 400)
        if not 0 <= slippage_bps <= 10_000:
            return _json({"error": "Invalid slippageBps"}, 400)
        if params.get("swapMode", "ExactIn") != "ExactIn":
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
            direct_only=params.get("onlyDirectRoutes", "false") == "true",
        )
        if found is None:
            return self._no_route(in_mint, out_mint)
        route, legs = found
        out_amount = legs[-1][1]
        route_plan, kept_share = self._route_plan(route, legs)
        return _json(
            {
                "inputMint": in_mint,
                "inAmount": str(amount),
                "outputMint": out_mint,
                "outAmount": str(out_amount),
                "otherAmountThreshold": str(out_amount * (10_000 - slippage_bps) // 10_000),
                "swapMode": "ExactIn",
                "slippageBps": slippage_bps,
                "platformFee": None,
                "priceImpactPct": f"{1 - kept_share:.16f}",
                "routePlan": route_plan,
                "contextSlot": self.world.slot(),
                # deterministic stand-in for the routing time, so equal seeds give equal bytes
                "timeTaken": round(0.0015 + (amount % 997) / 1e6, 9),
            }
        )

    def _no_route(self, in_mint: str, out_mint: str) -> Response:
        """Jupiter's 400 when nothing routes: a token without an active pool, or no path."""
        for mint in (in_mint, out_mint):
            token_index = self.world.by_mint.get(mint)
            if token_index is not None and not any(
                self.world.pools[pool_id].active for pool_id in self.world.tokens[token_index].pools
            ):
                return _json(
                    {
                        "error": f"The token {mint} is not tradable",
                        "errorCode": "TOKEN_NOT_TRADABLE",
                    },
                    400,
                )
        return _json(
            {"error": "Could not find any route", "errorCode": "COULD_NOT_FIND_ANY_ROUTE"}, 400
        )

    def _route_plan(
        self, route: list[Hop], legs: list[tuple[int, int, int, float]]
    ) -> tuple[list[dict[str, Any]], float]:
        """(``routePlan`` entries, share of the value kept after every hop's price impact)."""
        kept_share = 1.0
        route_plan = []
        for hop, (amount_in, amount_out, fee, impact) in zip(route, legs, strict=True):
            kept_share *= 1 - impact
            pool = self.world.pools[hop.pool_id]
            info: dict[str, Any] = {
                "ammKey": self.world.addr[self.world.pool_entity[hop.pool_id]],
                "label": {
                    "pumpfun": "Pump.fun",
                    "pumpswap": "Pump.fun Amm",
                    "raydium": "Raydium CPMM",
                }[pool.venue],
                "inputMint": hop.input_mint,
                "outputMint": hop.output_mint,
                "inAmount": str(amount_in),
                "outAmount": str(amount_out),
            }
            if fee:
                info["feeAmount"] = str(fee)
                fee_in_quote = pool.is_curve or hop.is_buy
                info["feeMint"] = pool.quote_mint if fee_in_quote else hop.input_mint
            route_plan.append({"swapInfo": info, "percent": 100, "bps": 10_000})
        return route_plan, kept_share

    async def price(self, request: Request) -> Response:
        """GET /price/v3?ids=: keyed by mint; mints without a market are left out."""
        if not self._key_ok(request, header=True):
            return _json({"code": 401, "message": "Unauthorized"}, 401)
        if limited := self._limited("jupiter"):
            return limited
        ids = [mint for mint in request.query_params.get("ids", "").split(",") if mint]
        if not ids:
            return _json({"error": "ids is required"}, 400)
        if len(ids) > 50:
            return _json({"error": "at most 50 ids"}, 400)
        world = self.world
        sol_usd = world.sol_usd()
        out: dict[str, Any] = {}
        for mint in ids:
            if mint == WSOL_MINT:
                out[mint] = {
                    "createdAt": "2024-06-05T08:55:25.527Z",
                    "liquidity": round(
                        world.pools[world.tokens[0].active_pool].real_quote / 1e9 * sol_usd * 2, 2
                    ),
                    "usdPrice": round(sol_usd, 6),
                    "blockId": world.slot(),
                    "decimals": 9,
                    "priceChange24h": self._price_change_24h(0, invert=True),
                }
                continue
            token_index = world.by_mint.get(mint)
            if token_index is None:
                continue
            tok = world.tokens[token_index]
            pool = world.pools[tok.active_pool]
            if tok.created_ms > world.now_ms or not pool.active or pool.base <= 0:
                continue
            usd = 1.0 if mint == USDC_MINT else world.token_price_sol(token_index) * sol_usd
            liquidity_usd = (
                sum(
                    world.pools[pool_id].real_quote
                    / (1e9 if world.pools[pool_id].quote_mint == WSOL_MINT else 1e6 / (1 / sol_usd))
                    for pool_id in tok.pools
                    if world.pools[pool_id].active
                )
                * sol_usd
                * 2
            )
            txs = world.pool_txs[pool.pool_id]
            out[mint] = {
                "createdAt": dt.datetime.fromtimestamp(tok.created_ms / 1000, tz=dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S."
                )
                + f"{tok.created_ms % 1000:03d}Z",
                "liquidity": round(liquidity_usd, 2),
                "usdPrice": float(f"{usd:.11g}"),
                "blockId": slot_at(world.t_ts[txs[-1]]) if txs else world.slot(),
                "decimals": tok.decimals,
                "priceChange24h": self._price_change_24h(token_index),
            }
        return _json(out)

    def _price_change_24h(self, token_index: int, *, invert: bool = False) -> float | None:
        """24 h price change (%) of a token's active pool; ``invert`` gives the quote's change."""
        pool_id = self.world.tokens[token_index].active_pool
        change = self.renderer.pool_window(pool_id, 86_400)[3]
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
        token_index = self.world.by_mint.get(mint)
        if token_index is None or self.world.tokens[token_index].created_ms > self.world.now_ms:
            return _json({"error": "not found"}, 400)
        tok = self.world.tokens[token_index]
        world = self.world
        risks: list[dict[str, Any]] = []

        def risk(name: str, value: str, description: str, score: int, level: str) -> None:
            risks.append(
                {
                    "name": name,
                    "value": value,
                    "description": description,
                    "score": score,
                    "level": level,
                }
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
        pool = world.pools[tok.active_pool]
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
            / (1e9 if pool.quote_mint == WSOL_MINT else 1e6 / (1 / world.sol_usd()))
            * world.sol_usd()
        )
        if liq_usd < 5_000:
            risk(
                "Low Liquidity",
                f"${liq_usd:,.2f}",
                "Low amount of liquidity in the token pool.",
                1_000,
                "danger",
            )
        top_holdings = sorted(
            (
                world.holdings.get((holder, token_index), 0)
                for holder in set(world.holders[token_index])
            ),
            reverse=True,
        )[:10]
        if tok.supply and sum(top_holdings) * 100 // tok.supply >= 30:
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
        score = 1 + sum(item["score"] for item in risks)
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
        world = self.world
        return _json(
            {
                "clock": {
                    "nowMs": world.now_ms,
                    "slot": world.slot(),
                    "speed": self.config.speed,
                    "startMs": world.start_ms,
                },
                "counts": world.counts(),
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
                "rateLimited": sum(1 for _, status, _ in entries if status == 429),
                "errors5xx": sum(1 for _, status, _ in entries if status == 503),
                "maxPerWindow": max_in_window([at for at, _, _ in entries]),
                "maxAdmittedPerWindow": max_in_window(
                    [at for at, status, _ in entries if status != 429]
                ),
            }
            if with_log:
                out["log"] = [
                    [round(at - self._clock_start, 6), status, retry_after]
                    for at, status, retry_after in entries
                ]
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
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window_s:
            first += 1
        best = max(best, last - first + 1)
    return best


def resume_world(world: World, at_ms: int) -> None:
    """Run ``world``'s live events up to ``at_ms`` (not before its history's end), so that a
    server made from it starts its clock there."""
    if at_ms < world.now_ms:
        raise ValueError(
            f"cannot resume at {at_ms} ms: before the world's history ends ({world.now_ms} ms)"
        )
    world.advance_to(at_ms)


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


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    speed: float = 1.0,
    scenario: Scenario | None = None,
    config: SimConfig | None = None,
    resume_at_ms: int | None = None,
) -> None:
    """Build the world (fast-forwarding its history) and serve it until interrupted; with
    ``resume_at_ms``, its clock starts there (a restart resuming where a client left off)."""
    world = build_world(scenario or Scenario(seed=seed))
    if resume_at_ms is not None:
        resume_world(world, resume_at_ms)
    config = config or SimConfig()
    config.speed = speed
    uvicorn.run(create_app(world, config), host=host, port=port, log_level="warning")

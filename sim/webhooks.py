"""Helius-like webhook delivery, fault injection, and a ledger proving nothing is lost."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from sim.render import Renderer
from sim.world import FAILED, World


@dataclass(slots=True)
class Faults:
    """Probabilities (0..1) of each injected delivery fault; ``delay_s`` for delayed POSTs."""

    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    delay_s: float = 0.5
    malformed: float = 0.0
    retry_delay_s: float = 60.0
    max_retries: int = 3


@dataclass(slots=True)
class Webhook:
    """One webhook as created through the CRUD API, plus its delivery ledger."""

    webhook_id: str
    body: dict[str, Any]
    cursor: int
    matched: list[str] = field(default_factory=list)
    delivered: set[str] = field(default_factory=set)
    dropped: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def public(self, wallet: str) -> dict[str, Any]:
        """The documented Webhook fields plus the undocumented extras the real list shows."""
        b = self.body
        return {
            "webhookID": self.webhook_id,
            "wallet": wallet,
            "webhookURL": b["webhookURL"],
            "transactionTypes": b.get("transactionTypes", ["ANY"]),
            "accountAddresses": b.get("accountAddresses", []),
            "webhookType": b.get("webhookType", "enhanced"),
            "authHeader": b.get("authHeader", ""),
            "txnStatus": b.get("txnStatus", "all"),
            "active": True,
        }


class Deliverer:
    """Finds new transactions for each webhook and POSTs them, retrying like Helius does."""

    def __init__(self, world: World, renderer: Renderer, faults: Faults, seed: int) -> None:
        self.world = world
        self.renderer = renderer
        self.faults = faults
        self.rng = random.Random(seed * 31 + 7)
        self.hooks: dict[str, Webhook] = {}
        self.counters: dict[str, int] = {
            "attempts": 0,
            "ok": 0,
            "non2xx": 0,
            "errors": 0,
            "retries": 0,
            "injectedDrops": 0,
            "injectedDuplicates": 0,
            "injectedReorders": 0,
            "injectedDelays": 0,
            "injectedMalformed": 0,
            "lostAfterRetries": 0,
            "transactionsMatched": 0,
        }
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def new_id(self) -> str:
        """A UUIDv4 drawn from the seeded generator (deterministic per world)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, body: dict[str, Any]) -> Webhook:
        """Register a webhook; deliveries start with transactions after this moment."""
        hook = Webhook(self.new_id(), body, self.world.n_tx())
        self.hooks[hook.webhook_id] = hook
        return hook

    def _matches(self, hook: Webhook, tx: int, watched: set[str]) -> bool:
        if self.world.t_kind[tx] == FAILED:
            return False  # enhanced webhooks do not deliver failed transactions
        types = hook.body.get("transactionTypes") or ["ANY"]
        if "ANY" not in types and self.renderer.type_of(tx) not in types:
            return False
        return any(self.world.addr[e] in watched for e in self._entities(tx))

    def _entities(self, tx: int) -> list[int]:
        w = self.world
        ents = [w.t_wallet[tx]]
        aux = w.t_aux[tx]
        if aux >= 0 and w.t_kind[tx] in (2, 3):
            ents.append(aux)
        pool = w.t_pool[tx]
        if pool >= 0:
            ents.append(w.pool_ent[pool])
        token = w.t_token[tx]
        if token >= 0:
            ents.append(w.tokens[token].ent)
        wallet = w.t_wallet[tx]
        if wallet in w.cluster_of and w.t_flags[tx] & 2:
            ents.append(w.cluster_funder[w.cluster_of[wallet]])
        return ents

    def collect(self) -> list[tuple[Webhook, list[int]]]:
        """New matching transactions per webhook since its cursor (advances the cursors)."""
        out = []
        end = self.world.n_tx()
        for hook in self.hooks.values():
            watched = set(hook.body.get("accountAddresses", []))
            txs = [tx for tx in range(hook.cursor, end) if self._matches(hook, tx, watched)]
            hook.cursor = end
            if txs:
                hook.matched.extend(self.world.sigs.encode(tx) for tx in txs)
                self.counters["transactionsMatched"] += len(txs)
                out.append((hook, txs))
        return out

    async def dispatch(self) -> None:
        """Deliver everything new, in batches of at most 100 transactions per POST."""
        for hook, txs in self.collect():
            for i in range(0, len(txs), 100):
                batch = txs[i : i + 100]
                task = asyncio.create_task(self._deliver(hook, batch))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, hook: Webhook, batch: list[int]) -> None:
        f, rng = self.faults, self.rng
        sigs = [self.world.sigs.encode(tx) for tx in batch]
        if rng.random() < f.drop:
            self.counters["injectedDrops"] += 1
            hook.dropped.extend(sigs)
            return
        body_items = [self.renderer.enhanced(tx) for tx in batch]
        if len(body_items) > 1 and rng.random() < f.reorder:
            self.counters["injectedReorders"] += 1
            body_items.reverse()
        if rng.random() < f.delay:
            self.counters["injectedDelays"] += 1
            await asyncio.sleep(f.delay_s)
        body = orjson.dumps(body_items)
        copies = 2 if rng.random() < f.duplicate else 1
        if copies == 2:
            self.counters["injectedDuplicates"] += 1
        malformed = rng.random() < f.malformed
        for _ in range(copies):
            ok = False
            for attempt in range(f.max_retries + 1):
                if attempt:
                    self.counters["retries"] += 1
                    await asyncio.sleep(f.retry_delay_s)
                payload = body
                if malformed and attempt == 0:
                    self.counters["injectedMalformed"] += 1
                    payload = body[: max(1, len(body) // 2)]
                if await self._post(hook, payload) and payload is body:
                    ok = True
                    break
            if ok:
                hook.delivered.update(sigs)
            else:
                self.counters["lostAfterRetries"] += 1
                hook.lost.extend(sigs)

    async def _post(self, hook: Webhook, payload: bytes) -> bool:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        self.counters["attempts"] += 1
        headers = {"Content-Type": "application/json"}
        auth = hook.body.get("authHeader")
        if auth:
            headers["Authorization"] = auth
        try:
            resp = await self._client.post(
                hook.body["webhookURL"], content=payload, headers=headers
            )
        except httpx.HTTPError:
            self.counters["errors"] += 1
            return False
        if 200 <= resp.status_code < 300:
            self.counters["ok"] += 1
            return True
        self.counters["non2xx"] += 1
        return False

    async def drain(self) -> None:
        """Wait until every in-flight delivery has finished (tests call this before asserting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Finish in-flight deliveries and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def status(self) -> dict[str, Any]:
        """Counters and per-webhook ledgers for ``/__sim/status``."""
        return {
            "counters": dict(self.counters),
            "inFlight": len(self._tasks),
            "webhooks": [
                {
                    "webhookID": h.webhook_id,
                    "matched": len(h.matched),
                    "delivered": len(h.delivered),
                    "dropped": len(h.dropped),
                    "lost": len(h.lost),
                    "undelivered": sorted(
                        set(h.matched) - h.delivered - set(h.dropped) - set(h.lost)
                    )[:100],
                }
                for h in self.hooks.values()
            ],
        }

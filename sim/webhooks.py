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
from sim.world import FAILED, FLAG_FUNDER_PAYS, SOL_TRANSFER, TOKEN_TRANSFER, World


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
        body = self.body
        return {
            "webhookID": self.webhook_id,
            "wallet": wallet,
            "webhookURL": body["webhookURL"],
            "transactionTypes": body.get("transactionTypes", ["ANY"]),
            "accountAddresses": body.get("accountAddresses", []),
            "webhookType": body.get("webhookType", "enhanced"),
            "authHeader": body.get("authHeader", ""),
            "txnStatus": body.get("txnStatus", "all"),
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
        return any(self.world.addr[entity] in watched for entity in self._entities(tx))

    def _entities(self, tx: int) -> list[int]:
        """Entities a transaction touches: signer, transfer recipient, pool, mint, fee payer."""
        world = self.world
        entities = [world.t_wallet[tx]]
        recipient = world.t_counterpart[tx]
        if recipient >= 0 and world.t_kind[tx] in (SOL_TRANSFER, TOKEN_TRANSFER):
            entities.append(recipient)
        pool = world.t_pool[tx]
        if pool >= 0:
            entities.append(world.pool_entity[pool])
        token = world.t_token[tx]
        if token >= 0:
            entities.append(world.tokens[token].entity)
        wallet = world.t_wallet[tx]
        if wallet in world.cluster_of and world.t_flags[tx] & FLAG_FUNDER_PAYS:
            entities.append(world.cluster_funder[world.cluster_of[wallet]])
        return entities

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
        faults, rng = self.faults, self.rng
        signatures = [self.world.sigs.encode(tx) for tx in batch]
        if rng.random() < faults.drop:
            self.counters["injectedDrops"] += 1
            hook.dropped.extend(signatures)
            return
        body_items = [self.renderer.webhook(tx) for tx in batch]  # some trimmed, as real ones
        if len(body_items) > 1 and rng.random() < faults.reorder:
            self.counters["injectedReorders"] += 1
            body_items.reverse()
        if rng.random() < faults.delay:
            self.counters["injectedDelays"] += 1
            await asyncio.sleep(faults.delay_s)
        body = orjson.dumps(body_items)
        copies = 2 if rng.random() < faults.duplicate else 1
        if copies == 2:
            self.counters["injectedDuplicates"] += 1
        malformed = rng.random() < faults.malformed
        for _ in range(copies):
            ok = False
            for attempt in range(faults.max_retries + 1):
                if attempt:
                    self.counters["retries"] += 1
                    await asyncio.sleep(faults.retry_delay_s)
                payload = body
                if malformed and attempt == 0:
                    self.counters["injectedMalformed"] += 1
                    payload = body[: max(1, len(body) // 2)]
                if await self._post(hook, payload) and payload is body:
                    ok = True
                    break
            if ok:
                hook.delivered.update(signatures)
            else:
                self.counters["lostAfterRetries"] += 1
                hook.lost.extend(signatures)

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
                    "webhookID": hook.webhook_id,
                    "matched": len(hook.matched),
                    "delivered": len(hook.delivered),
                    "dropped": len(hook.dropped),
                    "lost": len(hook.lost),
                    "undelivered": sorted(
                        set(hook.matched) - hook.delivered - set(hook.dropped) - set(hook.lost)
                    )[:100],
                }
                for hook in self.hooks.values()
            ],
        }

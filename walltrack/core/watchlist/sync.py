"""The webhook writes that make Helius hold exactly the listed addresses.

Helius charges each create/edit/delete and a PUT replaces a webhook whole, so the plan sends as
few writes as it can: an address stays in the webhook that holds it (a webhook whose set is
unchanged is not written), new addresses go first into webhooks that are being replaced anyway,
then into those with room, then into new ones; a webhook left empty is deleted. No webhook ever
holds more than `shard_size` addresses. Nothing changed: no action at all (idempotent).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

ActionKind = Literal["create", "replace", "delete"]


@dataclass(frozen=True)
class ShardAction:
    """One webhook write: create (no id yet), replace (PUT the whole list) or delete."""

    kind: ActionKind
    webhook_id: str | None
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class SyncPlan:
    actions: tuple[ShardAction, ...]
    kept: tuple[str, ...]
    """Webhooks left as they are (their addresses already right)."""

    @property
    def writes(self) -> int:
        return len(self.actions)


def plan_sync(
    desired: Sequence[str],
    existing: Mapping[str, Sequence[str]],
    *,
    shard_size: int,
    stale: Collection[str] = (),
) -> SyncPlan:
    """`desired`: the listed addresses (order kept within a new shard); `existing`: each of
    our webhooks' `accountAddresses`; `stale`: webhooks to PUT even when their addresses are
    right (their URL, auth header or types differ from ours)."""
    if shard_size < 1:
        raise ValueError("shard_size must be at least 1")
    wanted = dict.fromkeys(desired)
    placed: set[str] = set()
    shards: dict[str, list[str]] = {}
    for webhook_id in sorted(existing):
        keep: list[str] = []
        for address in existing[webhook_id]:
            if address in wanted and address not in placed and len(keep) < shard_size:
                keep.append(address)
                placed.add(address)
        shards[webhook_id] = keep

    def changed(webhook_id: str) -> bool:
        before = existing[webhook_id]
        return (
            webhook_id in stale
            or len(before) != len(set(before))
            or set(before) != set(shards[webhook_id])
        )

    waiting = [a for a in wanted if a not in placed]
    # first into webhooks written anyway, then into unchanged ones with room
    order = sorted(shards, key=lambda w: (not changed(w), w))
    for webhook_id in order:
        room = shard_size - len(shards[webhook_id])
        if room > 0 and waiting:
            shards[webhook_id].extend(waiting[:room])
            waiting = waiting[room:]
    actions: list[ShardAction] = []
    kept: list[str] = []
    for webhook_id in sorted(shards):
        addresses = shards[webhook_id]
        if not addresses:
            actions.append(ShardAction("delete", webhook_id, ()))
        elif changed(webhook_id):
            actions.append(ShardAction("replace", webhook_id, tuple(addresses)))
        else:
            kept.append(webhook_id)
    for start in range(0, len(waiting), shard_size):
        actions.append(ShardAction("create", None, tuple(waiting[start : start + shard_size])))
    return SyncPlan(tuple(actions), tuple(kept))

"""The sync plan: webhook writes that bring Helius in step, few and stable, never over the
shard size, none when nothing changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walltrack.core.watchlist.sync import ShardAction, plan_sync


def apply(existing: dict[str, list[str]], actions: tuple[ShardAction, ...]) -> dict[str, list[str]]:
    """What Helius holds after the plan's writes (created webhooks get ids new-0, new-1, ...)."""
    after = {k: list(v) for k, v in existing.items()}
    created = 0
    for action in actions:
        if action.kind == "delete":
            del after[action.webhook_id]  # type: ignore[arg-type]
        elif action.kind == "replace":
            after[action.webhook_id] = list(action.addresses)  # type: ignore[index]
        else:
            after[f"new-{created}"] = list(action.addresses)
            created += 1
    return after


def test_the_first_sync_creates_one_webhook_per_shard_none_over_the_size() -> None:
    # Given 7 addresses, no webhook and shards of 3
    plan = plan_sync([f"a{i}" for i in range(7)], {}, shard_size=3)
    # Then three webhooks are created, 3 + 3 + 1
    assert [(a.kind, len(a.addresses)) for a in plan.actions] == [
        ("create", 3),
        ("create", 3),
        ("create", 1),
    ]


def test_nothing_changed_means_no_write() -> None:
    # Given webhooks holding exactly the desired addresses (in another order)
    existing = {"w1": ["a", "b"], "w2": ["c"]}
    # When planned / Then no action
    plan = plan_sync(["c", "b", "a"], existing, shard_size=2)
    assert plan.actions == ()
    assert plan.kept == ("w1", "w2")


def test_a_change_replaces_only_the_webhook_it_touches_and_addresses_stay_put() -> None:
    # Given two full webhooks and one address removed from the second, one added
    existing = {"w1": ["a", "b"], "w2": ["c", "d"]}
    # When planned
    plan = plan_sync(["a", "b", "c", "e"], existing, shard_size=2)
    # Then one PUT of w2 with the new list (c kept in place), w1 untouched
    assert plan.actions == (ShardAction("replace", "w2", ("c", "e")),)
    assert plan.kept == ("w1",)


def test_an_emptied_webhook_is_deleted() -> None:
    existing = {"w1": ["a"], "w2": ["b"]}
    plan = plan_sync(["a"], existing, shard_size=5)
    assert plan.actions == (ShardAction("delete", "w2", ()),)


def test_a_webhook_over_the_size_is_cut_and_the_rest_moved() -> None:
    # Given a webhook holding 4 addresses while shards are now 2
    plan = plan_sync(["a", "b", "c", "d"], {"w1": ["a", "b", "c", "d"]}, shard_size=2)
    # Then it is replaced with 2 and the other 2 go to a new webhook
    assert plan.actions == (
        ShardAction("replace", "w1", ("a", "b")),
        ShardAction("create", None, ("c", "d")),
    )


def test_a_stale_webhook_is_replaced_even_with_the_right_addresses() -> None:
    plan = plan_sync(["a"], {"w1": ["a"]}, shard_size=2, stale={"w1"})
    assert plan.actions == (ShardAction("replace", "w1", ("a",)),)


def test_a_shard_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="shard_size"):
        plan_sync(["a"], {}, shard_size=0)


addresses = st.lists(st.sampled_from([f"a{i}" for i in range(30)]), unique=True, max_size=30)


@given(
    desired=addresses,
    shards=st.lists(addresses, max_size=5),
    shard_size=st.integers(min_value=1, max_value=8),
)
def test_any_plan_leaves_exactly_the_desired_addresses_never_over_size_and_is_idempotent(
    desired: list[str], shards: list[list[str]], shard_size: int
) -> None:
    # Given any webhooks (addresses possibly in several, possibly over the size)
    existing = {f"w{i}": s for i, s in enumerate(shards)}
    # When the plan is applied
    after = apply(existing, plan_sync(desired, existing, shard_size=shard_size).actions)
    # Then Helius holds each desired address exactly once, no webhook over the size or empty
    held = [a for s in after.values() for a in s]
    assert sorted(held) == sorted(desired)
    assert all(0 < len(s) <= shard_size for s in after.values())
    # and planning again changes nothing
    assert plan_sync(desired, after, shard_size=shard_size).actions == ()

"""Jupiter-style routing over the world's live pools (at most two hops).

A quote is computed with the same integer maths the world uses to execute swaps, so executing
a quoted route on the same state yields exactly the quoted output.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from sim.chain import WSOL_MINT, Pool
from sim.world import World


@dataclass(frozen=True, slots=True)
class Hop:
    """One leg of a route: a pool crossed in one direction."""

    pool_id: int
    input_mint: str
    output_mint: str
    is_buy: bool  # quote -> base


def _hops_from(world: World, mint: str) -> list[Hop]:
    """Every active pool crossing that starts with ``mint``: sells of it, then buys with it."""
    hops: list[Hop] = []
    token_index = world.by_mint.get(mint)
    if token_index is not None:
        for pool_id in world.tokens[token_index].pools:
            pool = world.pools[pool_id]
            if pool.active:
                hops.append(Hop(pool_id, mint, pool.quote_mint, is_buy=False))
    if mint == WSOL_MINT:
        for pool in world.pools:
            if pool.active and pool.quote_mint == WSOL_MINT:
                hops.append(
                    Hop(pool.pool_id, WSOL_MINT, world.tokens[pool.token].mint, is_buy=True)
                )
    if mint != WSOL_MINT:
        for pool in world.pools:
            if pool.active and pool.quote_mint == mint and pool.quote_mint != WSOL_MINT:
                hops.append(Hop(pool.pool_id, mint, world.tokens[pool.token].mint, is_buy=True))
    return hops


def routes(
    world: World, input_mint: str, output_mint: str, *, direct_only: bool = False
) -> list[list[Hop]]:
    """Every one- or two-hop path from ``input_mint`` to ``output_mint`` over active pools."""
    found: list[list[Hop]] = []
    for first in _hops_from(world, input_mint):
        if first.output_mint == output_mint:
            found.append([first])
        elif not direct_only:
            found.extend(
                [first, second]
                for second in _hops_from(world, first.output_mint)
                if second.output_mint == output_mint and second.pool_id != first.pool_id
            )
    return found


def simulate(
    pools: list[Pool] | dict[int, Pool], route: list[Hop], amount: int, *, apply: bool
) -> list[tuple[int, int, int, float]]:
    """Per hop (in, out, fee, impact); with ``apply`` the pools' reserves are moved."""
    legs = []
    for hop in route:
        pool = pools[hop.pool_id]
        impact = pool.impact(hop.is_buy, amount)
        if apply:
            out, fee = pool.apply_buy(amount) if hop.is_buy else pool.apply_sell(amount)
        else:
            out, fee = pool.buy_out(amount) if hop.is_buy else pool.sell_out(amount)
        legs.append((amount, out, fee, impact))
        amount = out
    return legs


def best_route(
    world: World, input_mint: str, output_mint: str, amount: int, *, direct_only: bool = False
) -> tuple[list[Hop], list[tuple[int, int, int, float]]] | None:
    """The route with the largest output, with its legs; None when nothing routes."""
    best: tuple[list[Hop], list[tuple[int, int, int, float]]] | None = None
    for route in routes(world, input_mint, output_mint, direct_only=direct_only):
        legs = simulate(world.pools, route, amount, apply=False)
        if legs[-1][1] <= 0:
            continue
        if best is None or legs[-1][1] > best[1][-1][1]:
            best = (route, legs)
    return best


def execute_on_copy(world: World, route: list[Hop], amount: int) -> int:
    """Output of executing ``route`` on copies of the current pools (the world is untouched)."""
    pools = {hop.pool_id: copy.copy(world.pools[hop.pool_id]) for hop in route}
    legs = simulate(pools, route, amount, apply=True)
    return legs[-1][1]

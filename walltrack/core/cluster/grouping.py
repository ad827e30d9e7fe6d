"""Owners from evidence (pure): which wallets one person controls, with ids stable across runs.

How a grouping is made, and why each step:
1. Money is proof. FUNDED_BY, FEE_PAID_BY and TRANSFERRED edges join their ends outright (union
   find): a funding tree is one owner whatever a community algorithm would say, and the analyzer
   already left infrastructure (exchanges, relayers) out of these edges.
2. Behaviour is a community. The money-joined units are the vertices of a graph weighted by
   their CO_ENTERED edges (only those with at least `merge_min_co_entries` co-entered tokens);
   Leiden (igraph + leidenalg, seeded, vertices in sorted order: same input, same owners) finds
   its communities with the settings' resolution.
3. A lone co-entry never merges. Inside a community, a co-entry link that is the only path
   between two parts (a bridge of the unit multigraph) is cut: chance co-entries of two retail
   wallets, or a copy bot trailing one leader, stay apart; a co-entry is believed when another
   path corroborates it.
4. Every wallet given ends up in exactly one owner (alone = its own owner); a group made only of
   linking wallets (a fee payer left alone) is no owner.
5. Stable ids: each new group takes the previous id it shares most wallets with (greedy, largest
   overlap first); splits, merges, new and dissolved owners are recorded, never silent.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import igraph
import leidenalg

from walltrack.core.cluster.analyzer import Edge, EdgeKind, Evidence
from walltrack.data.models.cluster_settings import ClusterSettings

LEIDEN_SEED = 20_261_217
"""Leiden's random seed: a constant, so the same evidence always gives the same owners."""
MONEY_KINDS: frozenset[EdgeKind] = frozenset({"FUNDED_BY", "FEE_PAID_BY", "TRANSFERRED"})
LINKING_KINDS: frozenset[EdgeKind] = frozenset({"FUNDED_BY", "FEE_PAID_BY"})
ChangeKind = Literal["new", "split", "merge", "dissolved"]


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """One owner: its profiled wallets (`wallets`), the other wallets linking them (funders,
    fee payers: `linking`), the edges kept (both ends inside), and the evidence tallies."""

    owner_id: str
    wallets: frozenset[str]
    linking: frozenset[str]
    edges: tuple[Edge, ...]
    evidence_counts: Mapping[EdgeKind, int]
    shared_tokens: int

    @property
    def members(self) -> frozenset[str]:
        return self.wallets | self.linking

    def role(self, address: str) -> Literal["funder", "member"]:
        """A member that funds or pays fees for another member is its funder."""
        linked = any(e.target == address for e in self.edges if e.kind in LINKING_KINDS)
        return "funder" if linked else "member"


@dataclass(frozen=True, slots=True)
class OwnerChange:
    kind: ChangeKind
    from_ids: tuple[str, ...]
    to_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grouping:
    """owner id -> group, the changes from the previous run, and how many owners kept both their
    id and their wallets (`unchanged`)."""

    owners: Mapping[str, OwnerGroup]
    changes: tuple[OwnerChange, ...]
    unchanged: int = 0
    owner_of: Mapping[str, str] = field(default_factory=dict)
    """Every member (profiled or linking) -> its owner id."""

    @property
    def members(self) -> dict[str, frozenset[str]]:
        return {owner_id: group.members for owner_id, group in self.owners.items()}


def group_owners(
    evidence: Evidence,
    wallets: Collection[str],
    settings: ClusterSettings,
    *,
    previous: Mapping[str, str],
) -> Grouping:
    """Owners of `wallets` (the profiled ones) from `evidence`; `previous` maps each wallet of
    the last run to its owner id (see the module docstring)."""
    profiled = frozenset(wallets)
    edges = [e for e in evidence.edges if e.source != e.target]
    units = _money_units(profiled, edges)
    groups = _behaviour_groups(units, edges, settings)
    kept = [group for group in groups if group & profiled]
    return _identify(kept, profiled, edges, previous)


class _UnionFind:
    """Plain union-find: a dozen lines, faster here than building a graph to find components."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller name becomes the root: the result never depends on input order
            self.parent[max(ra, rb)] = min(ra, rb)


def _money_units(profiled: frozenset[str], edges: Sequence[Edge]) -> dict[str, str]:
    """Every wallet (profiled or met on an edge) -> its money-joined unit's root."""
    found = _UnionFind()
    for wallet in profiled:
        found.find(wallet)
    for edge in edges:
        if edge.kind in MONEY_KINDS:
            found.union(edge.source, edge.target)
        else:
            found.find(edge.source)
            found.find(edge.target)
    return {x: found.find(x) for x in found.parent}


def _behaviour_groups(
    units: Mapping[str, str], edges: Sequence[Edge], settings: ClusterSettings
) -> list[frozenset[str]]:
    """Units joined by corroborated co-entry inside their Leiden community."""
    roots = sorted(set(units.values()))
    index = {root: i for i, root in enumerate(roots)}
    links: list[tuple[int, int]] = []
    weights: list[float] = []
    for edge in edges:
        if edge.kind != "CO_ENTERED" or edge.count < settings.merge_min_co_entries:
            continue
        a, b = index[units[edge.source]], index[units[edge.target]]
        if a != b:
            links.append((min(a, b), max(a, b)))
            weights.append(max(edge.weight, 1e-9))
    joined = _UnionFind()
    if links:
        order = sorted(range(len(links)), key=lambda i: (links[i], weights[i]))
        links = [links[i] for i in order]
        weights = [weights[i] for i in order]
        community = _leiden(len(roots), links, weights, settings.leiden_resolution)
        inside = [i for i, (a, b) in enumerate(links) if community[a] == community[b]]
        graph = igraph.Graph(n=len(roots), edges=[links[i] for i in inside])
        cut = set(graph.bridges())
        for position, i in enumerate(inside):
            if position not in cut:
                a, b = links[i]
                joined.union(roots[a], roots[b])
    members: dict[str, set[str]] = defaultdict(set)
    for wallet, root in units.items():
        members[joined.find(root)].add(wallet)
    return [frozenset(group) for group in members.values()]


def _leiden(
    n: int, links: list[tuple[int, int]], weights: list[float], resolution: float
) -> list[int]:
    """Leiden communities (modularity with a resolution, RB configuration model) of the unit
    graph; parallel links are summed first so the result does not depend on their order."""
    summed: dict[tuple[int, int], float] = defaultdict(float)
    for link, weight in zip(links, weights, strict=True):
        summed[link] += weight
    keys = sorted(summed)
    graph = igraph.Graph(n=n, edges=keys)
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=[summed[k] for k in keys],
        resolution_parameter=resolution,
        n_iterations=-1,
        seed=LEIDEN_SEED,
    )
    return list(partition.membership)


def _new_id(wallets: Iterable[str]) -> str:
    """A new owner's id, from its profiled wallets: the same group always gets the same id."""
    digest = hashlib.sha256("\n".join(sorted(wallets)).encode()).hexdigest()
    return f"own-{digest[:16]}"


def _identify(
    groups: list[frozenset[str]],
    profiled: frozenset[str],
    edges: Sequence[Edge],
    previous: Mapping[str, str],
) -> Grouping:
    """Ids for the groups (overlap with `previous` first), the changes, the kept edges."""
    groups.sort(key=lambda g: min(g & profiled))
    overlaps: list[tuple[int, str, int]] = []
    for position, group in enumerate(groups):
        counted = Counter(previous[w] for w in group & profiled if w in previous)
        overlaps.extend((n, old, position) for old, n in counted.items())
    overlaps.sort(key=lambda item: (-item[0], item[1], item[2]))
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for _, old, position in overlaps:
        if position not in ids and old not in taken:
            ids[position] = old
            taken.add(old)
    for position, group in enumerate(groups):
        if position not in ids:
            ids[position] = _new_id(group & profiled)
    owner_of = {wallet: ids[position] for position, group in enumerate(groups) for wallet in group}
    changes, unchanged = _changes(groups, ids, profiled, previous)
    kept: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        owner = owner_of.get(edge.source)
        if owner is not None and owner == owner_of.get(edge.target):
            kept[owner].append(edge)
    owners = {}
    for position, group in enumerate(groups):
        owner_id = ids[position]
        own_edges = tuple(kept.get(owner_id, ()))
        owners[owner_id] = OwnerGroup(
            owner_id=owner_id,
            wallets=group & profiled,
            linking=group - profiled,
            edges=own_edges,
            evidence_counts=dict(Counter(e.kind for e in own_edges)),
            shared_tokens=len({p.mint for e in own_edges for p in e.proofs if p.mint is not None}),
        )
    return Grouping(owners, tuple(changes), unchanged, owner_of)


def _changes(
    groups: list[frozenset[str]],
    ids: Mapping[int, str],
    profiled: frozenset[str],
    previous: Mapping[str, str],
) -> tuple[list[OwnerChange], int]:
    """new / split / merge / dissolved, from where each previous owner's wallets went."""
    went: dict[str, set[str]] = defaultdict(set)  # previous id -> new ids of its wallets
    came: dict[str, set[str]] = {}  # new id -> previous ids of its wallets
    for position, group in enumerate(groups):
        new = ids[position]
        came[new] = {previous[w] for w in group & profiled if w in previous}
        for old in came[new]:
            went[old].add(new)
    before: dict[str, set[str]] = defaultdict(set)
    for wallet, old in previous.items():
        before[old].add(wallet)
    changes: list[OwnerChange] = []
    unchanged = 0
    used = set(ids.values())
    for position, group in enumerate(groups):
        new = ids[position]
        olds = came[new]
        if not olds:
            changes.append(OwnerChange("new", (), (new,)))
        elif len(olds) > 1:
            changes.append(OwnerChange("merge", tuple(sorted(olds)), (new,)))
        elif olds == {new} and before[new] == group & profiled:
            unchanged += 1
    for old in sorted(before):
        targets = went.get(old, set())
        if len(targets) > 1:
            changes.append(OwnerChange("split", (old,), tuple(sorted(targets))))
        elif old not in used and not any(len(came[t]) > 1 for t in targets):
            # gone: its wallets left the run, or moved whole into an owner of another id
            changes.append(OwnerChange("dissolved", (old,), tuple(sorted(targets))))
    return changes, unchanged

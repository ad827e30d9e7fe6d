"""Owners from evidence (pure): which wallets one person controls, with ids stable across runs.

How a grouping is made, and why each step:
1. Money is proof. FUNDED_BY, FEE_PAID_BY and TRANSFERRED edges join their ends outright (union
   find): a funding tree is one owner whatever a community algorithm would say, and the analyzer
   already left infrastructure (exchanges, relayers) out of these edges.
2. Behaviour is a community. The money-joined units are the vertices (weighted by their
   wallets) of a graph whose links count the wallet pairs that co-entered (CO_ENTERED edges
   with at least `merge_min_co_entries` tokens). Leiden (igraph + leidenalg, seeded, vertices
   in sorted order: same input, same owners) with the constant Potts model finds communities
   whose wallet pairs co-entered at a density above `leiden_resolution`: an owner's wallets buy
   together. Not all of them each time: a bundler buys a launch with the 4-16 wallets its 1-4
   Jito bundles hold, so a member that bundled few launches co-entered only part of the others.
   Such a unit, left alone by Leiden, joins the group most of its co-entry links lead into,
   by at least two wallet pairs and under `merge_max_outside_share` of them elsewhere
   (`_absorb`).
3. A lone co-entry never merges. Inside a community, a co-entry link that is the only path
   between two parts (a bridge of the unit multigraph) is cut: two wallets that co-entered
   each other and nothing else stay apart; a co-entry is believed when another path
   corroborates it. And a group whose wallets' co-entry links leave it more than
   `merge_max_outside_share` of the time is a crowd, not an owner (copy bots trailing the same
   leaders co-enter those leaders and each other's other leaders too): its units stay apart.
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
    sizes = Counter(units.values())
    links: dict[tuple[int, int], int] = defaultdict(int)
    for edge in edges:
        if edge.kind != "CO_ENTERED" or edge.count < settings.merge_min_co_entries:
            continue
        a, b = index[units[edge.source]], index[units[edge.target]]
        if a != b:
            links[(min(a, b), max(a, b))] += 1
    joined = _UnionFind()
    keys = _corroborated(len(roots), links)
    if keys:
        community = _leiden(
            [sizes[root] for root in roots], keys, [links[k] for k in keys], settings
        )
        inside = [k for k in keys if community[k[0]] == community[k[1]]]
        # parallel wallet-pair links between two units are one multigraph edge each
        multi = [k for k in inside for _ in range(links[k])]
        graph = igraph.Graph(n=len(roots), edges=multi)
        cut = set(graph.bridges())
        for position, (a, b) in enumerate(multi):
            if position not in cut:
                joined.union(roots[a], roots[b])
        _absorb(sorted(links), links, roots, joined, settings.merge_max_outside_share)
    group_of = {root: joined.find(root) for root in roots}
    outside = _outside_shares(keys=sorted(links), links=links, roots=roots, group_of=group_of)
    members: dict[str, set[str]] = defaultdict(set)
    for wallet, root in units.items():
        group = group_of[root]
        if outside.get(group, 0.0) > settings.merge_max_outside_share:
            group = root  # a crowd, not an owner: its units stay apart
        members[group].add(wallet)
    return [frozenset(group) for group in members.values()]


def _absorb(
    keys: list[tuple[int, int]],
    links: Mapping[tuple[int, int], int],
    roots: list[str],
    joined: _UnionFind,
    max_outside_share: float,
) -> None:
    """A unit left alone joins the group most of its co-entry links lead into, when at least
    two wallet pairs do and under `max_outside_share` of them lead elsewhere (strictly: a
    copy bot at the crowd rule's bound would otherwise turn its crowd into an owner). An
    owner that bundles each launch with a few of its wallets leaves some members linked to
    only part of the others (density under the resolution); two links into the group
    corroborate each other, so a lone co-entry still never merges.
    One pass over the groups as Leiden left them: an absorbed unit absorbs nobody."""
    group_of = [joined.find(root) for root in roots]
    in_group = Counter(group_of)
    into: dict[int, Counter[str]] = defaultdict(Counter)
    for a, b in keys:
        into[a][group_of[b]] += links[(a, b)]
        into[b][group_of[a]] += links[(a, b)]
    for unit in sorted(into):
        if in_group[group_of[unit]] > 1:
            continue
        targets = into[unit]
        groups = [(pairs, group) for group, pairs in targets.items() if in_group[group] > 1]
        if not groups:
            continue
        pairs, group = max(groups)
        if pairs >= 2 and 1 - pairs / sum(targets.values()) < max_outside_share:
            joined.union(roots[unit], group)


def _outside_shares(
    *,
    keys: list[tuple[int, int]],
    links: Mapping[tuple[int, int], int],
    roots: list[str],
    group_of: Mapping[str, str],
) -> dict[str, float]:
    """Per co-entry group (more than one unit): the share of its wallets' co-entry links that
    leave it."""
    units_in: Counter[str] = Counter(group_of.values())
    inside: Counter[str] = Counter()
    leaving: Counter[str] = Counter()
    for a, b in keys:
        ga, gb = group_of[roots[a]], group_of[roots[b]]
        if ga == gb:
            inside[ga] += links[(a, b)]
        else:
            leaving[ga] += links[(a, b)]
            leaving[gb] += links[(a, b)]
    return {
        group: leaving[group] / (inside[group] + leaving[group])
        for group, n in units_in.items()
        if n > 1 and inside[group] + leaving[group] > 0
    }


def _corroborated(n: int, links: Mapping[tuple[int, int], int]) -> list[tuple[int, int]]:
    """The unit links another link corroborates: several wallet pairs between the two units,
    or a triangle through a third unit. The rest can never hold a dense group together, and
    dropping them first is what keeps Leiden fast on a large sparse graph (igraph lists the
    triangles in C)."""
    keys = sorted(links)
    supported = {k for k in keys if links[k] > 1}
    graph = igraph.Graph(n=n, edges=keys)
    for a, b, c in graph.list_triangles():
        for x, y in ((a, b), (b, c), (a, c)):
            supported.add((min(x, y), max(x, y)))
    return [k for k in keys if k in supported]


def _leiden(
    sizes: list[int], keys: list[tuple[int, int]], pairs: list[int], settings: ClusterSettings
) -> list[int]:
    """Leiden with the constant Potts model: a community is kept only where its wallets' pairs
    are linked at a density above the resolution (an owner's wallets all co-enter together; a
    copy bot's leaders and their other followers do not). Vertices are money units weighted
    by their wallets; a link's weight is the wallet pairs that co-entered between them."""
    used = sorted({v for key in keys for v in key})  # only linked units: the rest are alone
    local = {v: i for i, v in enumerate(used)}
    graph = igraph.Graph(n=len(used), edges=[(local[a], local[b]) for a, b in keys])
    partition = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights=pairs,
        node_sizes=[sizes[v] for v in used],
        resolution_parameter=settings.leiden_resolution,
        n_iterations=2,
        seed=LEIDEN_SEED,
    )
    membership = partition.membership
    community = [-1 - v for v in range(len(sizes))]  # an unlinked unit: a community alone
    for v, i in local.items():
        community[v] = membership[i]
    return community


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
    wallets_of = [group & profiled for group in groups]
    overlaps: list[tuple[int, str, int]] = []
    for position, wallets in enumerate(wallets_of):
        olds = [previous[w] for w in wallets if w in previous]
        if olds:
            overlaps.extend((n, old, position) for old, n in Counter(olds).items())
    overlaps.sort(key=lambda item: (-item[0], item[1], item[2]))
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for _, old, position in overlaps:
        if position not in ids and old not in taken:
            ids[position] = old
            taken.add(old)
    for position, wallets in enumerate(wallets_of):
        if position not in ids:
            ids[position] = _new_id(wallets)
    owner_of = {wallet: ids[position] for position, group in enumerate(groups) for wallet in group}
    changes, unchanged = _changes(wallets_of, ids, previous)
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
            wallets=wallets_of[position],
            linking=group - wallets_of[position] if len(group) > 1 else frozenset(),
            edges=own_edges,
            evidence_counts=dict(Counter(e.kind for e in own_edges)) if own_edges else {},
            shared_tokens=len({p.mint for e in own_edges for p in e.proofs if p.mint is not None}),
        )
    return Grouping(owners, tuple(changes), unchanged, owner_of)


def _changes(
    wallets_of: list[frozenset[str]], ids: Mapping[int, str], previous: Mapping[str, str]
) -> tuple[list[OwnerChange], int]:
    """new / split / merge / dissolved, from where each previous owner's wallets went."""
    went: dict[str, set[str]] = defaultdict(set)  # previous id -> new ids of its wallets
    came: dict[str, set[str]] = {}  # new id -> previous ids of its wallets
    for position, wallets in enumerate(wallets_of):
        new = ids[position]
        came[new] = {previous[w] for w in wallets if w in previous}
        for old in came[new]:
            went[old].add(new)
    before: dict[str, set[str]] = defaultdict(set)
    for wallet, old in previous.items():
        before[old].add(wallet)
    changes: list[OwnerChange] = []
    unchanged = 0
    used = set(ids.values())
    for position, wallets in enumerate(wallets_of):
        new = ids[position]
        olds = came[new]
        if not olds:
            changes.append(OwnerChange("new", (), (new,)))
        elif len(olds) > 1:
            changes.append(OwnerChange("merge", tuple(sorted(olds)), (new,)))
        elif olds == {new} and before[new] == wallets:
            unchanged += 1
    for old in sorted(before):
        targets = went.get(old, set())
        if len(targets) > 1:
            changes.append(OwnerChange("split", (old,), tuple(sorted(targets))))
        elif old not in used and not any(len(came[t]) > 1 for t in targets):
            # gone: its wallets left the run, or moved whole into an owner of another id
            changes.append(OwnerChange("dissolved", (old,), tuple(sorted(targets))))
    return changes, unchanged

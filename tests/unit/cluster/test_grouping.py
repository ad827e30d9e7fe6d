"""Owners from evidence: the rules a community algorithm misses, stable ids, recorded changes."""

from __future__ import annotations

from datetime import UTC, datetime

from walltrack.core.cluster.analyzer import Edge, EdgeKind, Evidence, Proof
from walltrack.core.cluster.grouping import Grouping, group_owners
from walltrack.data.models.cluster_settings import ClusterSettings

AT = datetime(2026, 12, 17, tzinfo=UTC)
SETTINGS = ClusterSettings()


def edge(kind: EdgeKind, source: str, target: str, count: int = 1, mint: str | None = None) -> Edge:
    proof = Proof(f"sig-{source}-{target}", 1, AT, mint=mint)
    return Edge(kind, source, target, 1.0, count, (proof,))


def co(a: str, b: str, count: int = 5) -> Edge:
    return edge("CO_ENTERED", min(a, b), max(a, b), count, mint=f"mint-{a}{b}")


def group(
    edges: list[Edge], wallets: list[str], previous: dict[str, str] | None = None
) -> Grouping:
    return group_owners(
        Evidence(tuple(edges), frozenset()), wallets, SETTINGS, previous=previous or {}
    )


def owners_of(grouping: Grouping) -> set[frozenset[str]]:
    return {owner.wallets for owner in grouping.owners.values()}


def test_a_funding_tree_through_hops_is_one_owner_with_its_funders_linking() -> None:
    # Given a1, a2 funded by hop h1, a3 by hop h2, both hops funded by root F (none profiled but
    # a1..a3), and a stranger s
    edges = [
        edge("FUNDED_BY", "a1", "h1"),
        edge("FUNDED_BY", "a2", "h1"),
        edge("FUNDED_BY", "a3", "h2"),
        edge("FUNDED_BY", "h1", "F"),
        edge("FUNDED_BY", "h2", "F"),
    ]
    # When grouped
    grouping = group(edges, ["a1", "a2", "a3", "s"])
    # Then the tree is one owner holding its funders as linking wallets, and s is alone
    assert owners_of(grouping) == {frozenset({"a1", "a2", "a3"}), frozenset({"s"})}
    tree = grouping.owners[grouping.owner_of["a1"]]
    assert tree.linking == {"h1", "h2", "F"}
    assert tree.role("F") == "funder"
    assert tree.role("a1") == "member"
    assert tree.evidence_counts == {"FUNDED_BY": 5}


def test_a_lone_co_entry_edge_never_merges_two_owners() -> None:
    # Given two funding trees joined by one strong co-entry edge only
    edges = [
        edge("FUNDED_BY", "a1", "A"),
        edge("FUNDED_BY", "a2", "A"),
        edge("FUNDED_BY", "b1", "B"),
        edge("FUNDED_BY", "b2", "B"),
        co("a1", "b1", count=50),
        co("s1", "s2", count=50),  # and two lone wallets that co-entered each other only
    ]
    # When grouped
    grouping = group(edges, ["a1", "a2", "b1", "b2", "s1", "s2"])
    # Then they stay apart, and the co-entry edges are kept by no owner
    assert owners_of(grouping) == {
        frozenset({"a1", "a2"}),
        frozenset({"b1", "b2"}),
        frozenset({"s1"}),
        frozenset({"s2"}),
    }
    assert all(e.kind != "CO_ENTERED" for owner in grouping.owners.values() for e in owner.edges)


def test_corroborated_co_entries_merge_but_weak_ones_do_not() -> None:
    # Given three wallets that all co-entered each other often (no money between them), and
    # three that co-entered each other below the settings' minimum
    strong = [co("x1", "x2"), co("x2", "x3"), co("x1", "x3")]
    weak_count = SETTINGS.merge_min_co_entries - 1
    weak = [co("y1", "y2", weak_count), co("y2", "y3", weak_count), co("y1", "y3", weak_count)]
    # When grouped
    grouping = group([*strong, *weak], ["x1", "x2", "x3", "y1", "y2", "y3"])
    # Then the strong triangle is one owner, the weak one three owners
    assert frozenset({"x1", "x2", "x3"}) in owners_of(grouping)
    assert {frozenset({y}) for y in ("y1", "y2", "y3")} <= owners_of(grouping)


def test_every_wallet_has_exactly_one_owner_and_a_lone_fee_payer_is_no_owner() -> None:
    # Given wallets with no evidence, and an edge to a non-profiled payer
    grouping = group([edge("FEE_PAID_BY", "p1", "payer")], ["p1", "q1", "q2"])
    # Then each profiled wallet is in one owner, alone where nothing links it
    assert owners_of(grouping) == {frozenset({"p1"}), frozenset({"q1"}), frozenset({"q2"})}
    assert {grouping.owner_of[w] for w in ("p1", "q1", "q2")} == set(grouping.owners)


def test_an_owner_keeps_its_id_when_a_member_is_added() -> None:
    # Given last run's owner of a1, a2
    first = group([edge("FUNDED_BY", "a1", "F"), edge("FUNDED_BY", "a2", "F")], ["a1", "a2"])
    (owner_id,) = first.owners
    previous = dict.fromkeys(("a1", "a2"), owner_id)
    # When a newly profiled a3, funded by the same funder, joins
    edges = [edge("FUNDED_BY", w, "F") for w in ("a1", "a2", "a3")]
    second = group(edges, ["a1", "a2", "a3"], previous)
    # Then the owner keeps its id and no split, merge or new owner is recorded
    assert second.members[owner_id] == {"a1", "a2", "a3", "F"}
    assert second.changes == ()


def test_a_split_is_recorded_and_the_larger_part_keeps_the_id() -> None:
    # Given last run's owner of a1, a2, a3
    previous = {"a1": "own-old", "a2": "own-old", "a3": "own-old"}
    # When a3 is no longer linked to the others
    edges = [edge("FUNDED_BY", "a1", "F"), edge("FUNDED_BY", "a2", "F")]
    grouping = group(edges, ["a1", "a2", "a3"], previous)
    # Then a1, a2 keep the id, a3 gets a new one, and the split names both
    assert grouping.owner_of["a1"] == "own-old"
    assert grouping.owner_of["a3"] != "own-old"
    kinds = {change.kind: change for change in grouping.changes}
    assert kinds["split"].from_ids == ("own-old",)
    assert set(kinds["split"].to_ids) == {"own-old", grouping.owner_of["a3"]}


def test_a_merge_and_a_dissolved_owner_are_recorded() -> None:
    # Given two owners last run, and a third whose wallet left
    previous = {"a1": "own-a", "b1": "own-b", "gone": "own-gone"}
    # When a1 and b1 are now funded by the same funder
    edges = [edge("FUNDED_BY", "a1", "F"), edge("FUNDED_BY", "b1", "F")]
    grouping = group(edges, ["a1", "b1"], previous)
    # Then one of the ids survives, the merge names both, the gone owner is dissolved
    assert set(grouping.owners) == {"own-a"}
    changes = {(c.kind, c.from_ids, c.to_ids) for c in grouping.changes}
    assert changes == {
        ("merge", ("own-a", "own-b"), ("own-a",)),
        ("dissolved", ("own-gone",), ()),
    }


def test_the_same_evidence_gives_the_same_owners_and_ids() -> None:
    # Given evidence with several communities, in two different orders
    edges = [
        *[co(f"c{i}", f"c{j}") for i in range(6) for j in range(i + 1, 6)],
        *[co(f"d{i}", f"d{j}") for i in range(5) for j in range(i + 1, 5)],
        co("c0", "d0", 40),
        edge("FUNDED_BY", "e1", "E"),
        edge("FUNDED_BY", "e2", "E"),
    ]
    wallets = sorted({w for e in edges for w in (e.source, e.target)} - {"E"})
    # When grouped twice
    one = group(edges, wallets)
    two = group(list(reversed(edges)), list(reversed(wallets)))
    # Then the owners and their ids are identical
    assert one.owner_of == two.owner_of
    assert len(one.owners) == 3


def test_a_crowd_whose_co_entries_mostly_leave_it_is_not_an_owner() -> None:
    # Given three wallets that co-entered each other, each also co-entering three others
    # (copy bots trailing their leaders do: their co-entries mostly leave the group)
    triangle = [co("x1", "x2"), co("x2", "x3"), co("x1", "x3")]
    trailing = [co(f"x{i}", f"y{i}{j}") for i in (1, 2, 3) for j in range(3)]
    wallets = sorted({w for e in [*triangle, *trailing] for w in (e.source, e.target)})
    # When grouped
    grouping = group([*triangle, *trailing], wallets)
    # Then no owner holds more than one wallet
    assert all(len(owner.wallets) == 1 for owner in grouping.owners.values())


def test_a_sparse_ring_of_co_entries_is_not_an_owner() -> None:
    # Given four wallets in a ring of co-entries (each pair of neighbours, no diagonals)
    ring = [co("r1", "r2"), co("r2", "r3"), co("r3", "r4"), co("r1", "r4")]
    # When grouped
    grouping = group(ring, ["r1", "r2", "r3", "r4"])
    # Then the ring's density (4 of 6 pairs) is under the resolution: four owners
    assert len(grouping.owners) == 4


def test_two_triangles_sharing_one_wallet_are_not_one_owner() -> None:
    # Given two co-entry triangles that share wallet c (6 of the 10 pairs co-entered: a density
    # under the settings' resolution, though no link is a bridge)
    bowtie = [co("c", "a1"), co("c", "a2"), co("a1", "a2"), co("c", "b1"), co("c", "b2")]
    bowtie.append(co("b1", "b2"))
    # When grouped
    grouping = group(bowtie, ["a1", "a2", "b1", "b2", "c"])
    # Then no owner holds both triangles
    assert all(len(owner.wallets) < 5 for owner in grouping.owners.values())


def test_a_member_that_bundled_with_part_of_an_owner_joins_it_but_a_lone_link_does_not() -> None:
    # Given an owner's five wallets that all co-entered each other (a clique), and three more:
    # m co-entered two of them only (it bundled few launches, with part of the owner: under
    # the resolution's density once added), t co-entered one of them only, and u two of them
    # and an outsider o too
    clique = [f"k{i}" for i in range(5)]
    edges = [co(a, b) for i, a in enumerate(clique) for b in clique[i + 1 :]]
    edges += [co("m", "k0"), co("m", "k1"), co("t", "k2"), co("u", "k3"), co("u", "k4")]
    edges.append(co("u", "o"))
    # When grouped
    grouping = group(edges, [*clique, "m", "t", "u", "o"])
    # Then m is of the owner, t (a lone link) and u (a third of its links elsewhere: over the
    # crowd rule's bound) are not
    assert frozenset({*clique, "m"}) in owners_of(grouping)
    assert {frozenset({"t"}), frozenset({"u"}), frozenset({"o"})} <= owners_of(grouping)


def test_two_members_leiden_paired_off_join_the_owner_their_links_lead_into() -> None:
    # Given an owner's six wallets that all co-entered each other, and two more of its wallets
    # n1, n2 that co-entered four of them each and each other (Leiden pairs n1 with n2 apart:
    # the eight together are under the resolution's gain, and the pair's one link is a bridge)
    clique = [f"k{i}" for i in range(6)]
    edges = [co(a, b) for i, a in enumerate(clique) for b in clique[i + 1 :]]
    edges += [co("n1", k) for k in clique[:4]] + [co("n2", k) for k in clique[2:]]
    edges.append(co("n1", "n2"))
    # When grouped
    grouping = group(edges, [*clique, "n1", "n2"])
    # Then all eight are one owner: a fifth of their links leaving the owner is under the
    # crowd rule's bound, so neither they nor the six are taken for a crowd
    assert owners_of(grouping) == {frozenset({*clique, "n1", "n2"})}


def test_a_unit_with_a_quarter_of_its_links_elsewhere_is_not_absorbed() -> None:
    # Given six copy bots k0..k5 that co-entered each other, three of them also an outsider
    # each (x0..x2), and a seventh bot c that co-entered k0..k2 and an outsider y: a quarter of
    # c's links leave the six, the crowd rule's bound; with c the six would look like an owner
    bots = [f"k{i}" for i in range(6)]
    edges = [co(a, b) for i, a in enumerate(bots) for b in bots[i + 1 :]]
    edges += [co(f"k{i}", f"x{i}") for i in range(3)]
    edges += [co("c", f"k{i}") for i in range(3)] + [co("c", "y")]
    wallets = sorted({w for e in edges for w in (e.source, e.target)})
    # When grouped
    grouping = group(edges, wallets)
    # Then c is not absorbed, so the six stay a crowd: no owner holds more than one wallet
    assert all(len(owner.wallets) == 1 for owner in grouping.owners.values())

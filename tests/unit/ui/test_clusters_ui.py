"""The Clusters tab's pure parts: the graph picture of an owner (a node per member, sized by
score and coloured by flag; edges coloured by kind with a legend; hover shows the evidence), the
owners table, paging, the empty state and the run's progress; and the Wallets tab's owner."""

from __future__ import annotations

from typing import Any

from ui.clusters import (
    EDGE_COLOURS,
    EMPTY,
    NODE_GROUPS,
    OWNER_HEADERS,
    WALLETS_META,
    clamp_page,
    count_text,
    history_rows,
    member_rows,
    node_size,
    owner_figure,
    owner_rows,
    run_progress,
)
from ui.wallets import WALLET_HEADERS, owner_markdown, owner_text, wallet_rows

A, B, C, D = ("A" * 44, "B" * 44, "C" * 44, "D" * 44)
FUNDER, HOP = "F" * 44, "H" * 44
SIGNATURE = "5" * 88


def _detail() -> dict[str, Any]:
    """An owner as GET /clusters/{owner_id} answers it: three profiled members (one qualified,
    one bot-flagged, one neither), their funder, and a hop wallet that is not a member."""
    return {
        "owner": {"owner_id": "own-00000000000000aa", "size": 3, "run_id": "r1"},
        "members": [
            {"address": A, "role": "member", "profiled": True, "score": 0.8, "qualified": True},
            {
                "address": B,
                "role": "member",
                "profiled": True,
                "score": -0.5,
                "qualified": False,
                "is_bot": True,
                "bot_flags": ["launch_sniper"],
            },
            {"address": C, "role": "member", "profiled": True, "score": None},
            {"address": FUNDER, "role": "funder", "profiled": False},
        ],
        "edges": [
            {
                "kind": "FUNDED_BY",
                "source": A,
                "target": HOP,
                "weight": 1.0,
                "count": 1,
                "proofs": [
                    {
                        "signature": SIGNATURE,
                        "slot": 9,
                        "time": "2026-12-06T10:00:00Z",
                        "lamports": 2_500_000_000,
                    }
                ],
            },
            {
                "kind": "FUNDED_BY",
                "source": HOP,
                "target": FUNDER,
                "weight": 1.0,
                "count": 1,
                "hop": 2,
                "proofs": [],
            },
            {
                "kind": "FEE_PAID_BY",
                "source": B,
                "target": FUNDER,
                "weight": 1.0,
                "count": 4,
                "proofs": [{"signature": SIGNATURE, "slot": 10, "time": "2026-12-06T11:00:00Z"}],
            },
            {
                "kind": "CO_ENTERED",
                "source": A,
                "target": C,
                "weight": 0.37,
                "count": 3,
                "proofs": [
                    {
                        "signature": SIGNATURE,
                        "slot": 11,
                        "time": "2026-12-06T12:00:00Z",
                        "mint": "M" * 44,
                        "amount": "1500.25",
                    }
                ],
            },
        ],
        "history": [
            {
                "run_id": "r1",
                "kind": "split",
                "from_ids": ["own-x"],
                "to_ids": ["own-a", "own-b"],
                "time": "2026-12-06T12:00:00Z",
            },
        ],
    }


def _traces(figure: Any, prefix: str) -> list[Any]:
    return [t for t in figure.data if str(t.meta).startswith(prefix)]


def test_the_picture_has_a_node_per_member_sized_by_score_and_coloured_by_flag() -> None:
    # Given an owner with four members and a hop wallet outside it
    detail = _detail()
    # When its picture is drawn
    figure = owner_figure(detail)
    # Then every member is one wallet point, each once
    nodes = _traces(figure, WALLETS_META)
    drawn = [text for t in nodes for text in t.hovertext]
    assert len(drawn) == len(detail["members"]) == 4
    for member in detail["members"]:
        assert sum(member["address"] in h for h in drawn) == 1
    # And the colour says what the product thinks of it, the size its score
    colour = {t.name.split(" (")[0]: t.marker.color for t in nodes}
    assert colour["bot-flagged"] == NODE_GROUPS["bot"][1]
    assert colour["qualified"] == NODE_GROUPS["qualified"][1]
    assert node_size(0.8) > node_size(None) == node_size(-1.0)
    qualified = next(t for t in nodes if t.name.startswith("qualified"))
    assert list(qualified.marker.size) == [node_size(0.8)]
    # And the hop wallet is drawn apart, as outside the owner
    (outside,) = _traces(figure, "outside")
    assert len(outside.x) == 1
    assert HOP in outside.hovertext[0]


def test_edges_are_coloured_by_kind_with_a_legend_and_hover_shows_the_evidence() -> None:
    figure = owner_figure(_detail())
    # Then each kind present is one line trace in its own colour, named in the legend
    lines = {t.meta.split(":")[1]: t for t in _traces(figure, "edges:")}
    assert set(lines) == {"FUNDED_BY", "FEE_PAID_BY", "CO_ENTERED"}
    for kind, trace in lines.items():
        assert trace.line.color == EDGE_COLOURS[kind]
        assert trace.name.startswith(kind)
        assert trace.showlegend is not False
    assert len(set(EDGE_COLOURS.values())) == 4
    # And two FUNDED_BY edges are two segments (None-separated)
    assert list(lines["FUNDED_BY"].x).count(None) == 2
    # And each edge's hover point carries kind, count, weight and its first proof
    hover = {t.meta.split(":")[1]: list(t.hovertext) for t in _traces(figure, "evidence:")}
    assert len(hover["FUNDED_BY"]) == 2
    funded = hover["FUNDED_BY"][0]
    for shown in (
        "FUNDED_BY",
        "count 1",
        "weight 1",
        "2.5 SOL",
        "2026-12-06T10:00:00Z",
        "55555555",
    ):
        assert shown in funded
    co_entry = hover["CO_ENTERED"][0]
    assert "1500.25 of MMMM…MMMM" in co_entry
    assert "count 3" in co_entry
    assert "(+2 more)" in co_entry


def test_the_same_owner_is_drawn_the_same_way() -> None:
    first, second = owner_figure(_detail()), owner_figure(_detail())
    assert [list(t.x) for t in first.data] == [list(t.x) for t in second.data]


def test_an_owner_of_one_wallet_without_evidence_is_one_point() -> None:
    figure = owner_figure({"members": [{"address": A, "profiled": True}], "edges": []})
    assert [len(t.x) for t in figure.data] == [1]


def test_owner_rows_follow_the_api_order_with_exact_money() -> None:
    body = {
        "offset": 50,
        "items": [
            {
                "owner_id": "own-1",
                "size": 7,
                "linked_wallets": 2,
                "combined_realised_pnl_sol": "12.5000000001",
                "combined_copy_edge": "0.0512",
                "median_copy_edge": None,
                "best_score": 0.41,
                "shared_tokens": 5,
                "evidence": {"CO_ENTERED": 9, "FUNDED_BY": 6},
                "updated_at": "t",
            },
        ],
    }
    (row,) = owner_rows(body)
    named = dict(zip(OWNER_HEADERS, row, strict=True))
    assert named["#"] == 51
    assert named["owner"] == "own-1"
    assert named["combined realised PnL (SOL)"] == "+12.5000"
    assert named["combined copy edge"] == "+5.1 %"
    assert named["median copy edge"] == ""
    assert named["best score"] == "+0.410"
    assert named["evidence"] == "funded 6, co-entry 9"


def test_no_owner_yet_says_what_to_do_and_pages_are_counted() -> None:
    assert count_text({"total": 0, "items": []}, 1) == EMPTY
    assert "press **Run clustering**" in EMPTY
    assert count_text({"total": 101, "limit": 50}, 2) == "**101 owners** · page 2 of 3"
    assert clamp_page(0, total=101) == 1
    assert clamp_page(9, total=101) == 3
    assert clamp_page("x", total=101) == 1


def test_the_progress_follows_the_run() -> None:
    running = {
        "status": "running",
        "counts": {"stage": "collecting", "wallets": 40, "wallets_done": 12, "wallet_errors": 1},
    }
    assert run_progress(running) == (
        "Clustering **running**, collecting evidence: 12/40 wallets (1 could not be read)"
    )
    done = {
        "status": "succeeded",
        "counts": {
            "stage": "done",
            "wallets": 40,
            "owners": 31,
            "multi_wallet_owners": 4,
            "edges": 77,
            "new": 31,
            "split": 1,
            "merge": 0,
        },
    }
    assert run_progress(done) == (
        "Clustering **succeeded**: 31 owners (4 of several wallets) from 40 wallets, 77 evidence"
        " edges; 31 new, 1 split"
    )
    failed = {"status": "failed", "error": "graph unavailable: connection refused"}
    assert run_progress(failed) == "Clustering **failed**: graph unavailable: connection refused"


def test_members_and_history_tables() -> None:
    detail = _detail()
    members = member_rows(detail["members"])
    assert members[1][2:5] == ["-0.500", "no", "launch_sniper"]
    assert members[3][1] == "funder"
    assert history_rows(detail["history"]) == [
        ["2026-12-06T12:00:00Z", "split", "own-x", "own-a, own-b", "r1"]
    ]


def test_the_wallets_tab_shows_each_wallets_owner() -> None:
    # Given a wallets page whose first wallet has an owner of three, the second none yet
    body = {
        "items": [{"address": A, "status": "profiled"}, {"address": B, "status": "candidate"}],
        "owners": {A: {"owner_id": "own-00000000000000aa", "size": 3}},
    }
    rows = wallet_rows(body)
    column = WALLET_HEADERS.index("owner")
    assert [r[column] for r in rows] == ["own-00000000000000aa (3 wallets)", ""]
    assert owner_text({"owner_id": "own-1", "size": 1}) == "own-1 (1 wallet)"
    # And a wallet's detail names its owner, or says how to get one
    assert "**own-1**, 1 wallet (a wallet alone" in owner_markdown(
        {"owner": {"owner_id": "own-1", "size": 1}}
    )
    assert "Run clustering" in owner_markdown({"owner": None})

"""Step 4's owners: wallets grouped by who controls them, the evidence kept for each owner, and
the history of how owners split and merged across clustering runs (the Clusters tab's data).

An owner's members are its profiled wallets plus the wallets that link them (funders up a chain,
fee payers); `Owner.size` counts the profiled ones, which are what signals and the watchlist
count. Money is exact: SOL as Decimal, lamports as integers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE

OwnerEdgeKind = Literal["FUNDED_BY", "FEE_PAID_BY", "TRANSFERRED", "CO_ENTERED"]
OWNER_EDGE_KINDS: tuple[OwnerEdgeKind, ...] = (
    "FUNDED_BY",
    "FEE_PAID_BY",
    "TRANSFERRED",
    "CO_ENTERED",
)
ChangeKind = Literal["new", "split", "merge", "dissolved", "unchanged"]
MemberRole = Literal["funder", "member"]
OwnerSort = Literal["size", "combined_pnl", "score"]


class EdgeProof(BaseModel):
    """One transaction behind an edge: `lamports` for SOL moved, `mint`/`amount` for a token
    moved or co-entered, `other_signature` the second wallet's buy of a co-entry."""

    model_config = ConfigDict(frozen=True)

    signature: str
    slot: int = Field(ge=0)
    time: datetime
    lamports: int | None = None
    mint: str | None = None
    amount: Decimal | None = None
    other_signature: str | None = None


class OwnerEdge(BaseModel):
    """Evidence `source` -> `target` of one kind: `count` proofs seen, a few kept in `proofs`;
    `hop` is the distance up a funding chain (1 = the wallet's own funder)."""

    model_config = ConfigDict(frozen=True)

    kind: OwnerEdgeKind
    source: str
    target: str
    weight: float = Field(ge=0)
    count: int = Field(ge=1)
    hop: int = Field(1, ge=1)
    proofs: list[EdgeProof] = Field(default_factory=list)


class Owner(BaseModel):
    """An owner's headline figures, as of the run (`run_id`) that last grouped it.

    `combined_realised_pnl_sol` sums the members' realised PnL; `combined_copy_edge` is the
    members' copy edge weighted by their trades, `median_copy_edge` its median; `best_score` the
    best member's score (what "sort by score" means)."""

    model_config = ConfigDict(frozen=True)

    owner_id: str
    run_id: str
    size: int = Field(ge=1, description="Profiled wallets in the owner")
    linked_wallets: int = Field(0, ge=0, description="Funders and fee payers that link them")
    members: list[str] = Field(description="The profiled wallets' addresses")
    combined_realised_pnl_sol: Decimal | None = None
    combined_copy_edge: Decimal | None = None
    median_copy_edge: Decimal | None = None
    best_score: float | None = None
    shared_tokens: int = Field(0, ge=0)
    evidence: dict[OwnerEdgeKind, int] = Field(default_factory=dict)
    current: bool = True
    first_seen_at: datetime
    updated_at: datetime


class OwnerMember(BaseModel):
    """A wallet of an owner with its step-3 figures (None where it was never profiled)."""

    model_config = ConfigDict(frozen=True)

    address: str
    role: MemberRole
    profiled: bool
    score: float | None = None
    qualified: bool | None = None
    is_bot: bool | None = None
    bot_flags: list[str] = Field(default_factory=list)
    realised_pnl_sol: Decimal | None = None
    copy_edge: Decimal | None = None


class OwnerChange(BaseModel):
    """How a run changed owners: `from_ids` -> `to_ids` (new: from nothing; dissolved: to
    nothing or into others; split: one into several; merge: several into one)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    kind: ChangeKind
    from_ids: list[str] = Field(default_factory=list)
    to_ids: list[str] = Field(default_factory=list)
    time: datetime


class OwnerDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    owner: Owner
    members: list[OwnerMember]
    edges: list[OwnerEdge]
    history: list[OwnerChange]


class OwnersQuery(BaseModel):
    """A sorted page of the current owners (the Clusters tab's list)."""

    model_config = ConfigDict(frozen=True)

    sort: OwnerSort = "size"
    descending: bool = True
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class OwnersPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[Owner]
    total: int = Field(ge=0)
    limit: int
    offset: int


# --- what the adapters read of a grouping ----------------------------------------------------
# The grouping itself is `walltrack.core.cluster.grouping.Grouping` (dataclasses); adapters may
# not import core (no cycle between data and core), so they read it through these shapes.


class ProofView(Protocol):
    @property
    def signature(self) -> str: ...
    @property
    def slot(self) -> int: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def lamports(self) -> int | None: ...
    @property
    def mint(self) -> str | None: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def other_signature(self) -> str | None: ...


class EdgeView(Protocol):
    @property
    def kind(self) -> OwnerEdgeKind: ...
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def count(self) -> int: ...
    @property
    def hop(self) -> int: ...
    @property
    def proofs(self) -> Sequence[ProofView]: ...


class OwnerGroupView(Protocol):
    @property
    def owner_id(self) -> str: ...
    @property
    def wallets(self) -> AbstractSet[str]: ...
    @property
    def linking(self) -> AbstractSet[str]: ...
    @property
    def members(self) -> AbstractSet[str]: ...
    @property
    def edges(self) -> Sequence[EdgeView]: ...
    @property
    def evidence_counts(self) -> Mapping[OwnerEdgeKind, int]: ...
    @property
    def shared_tokens(self) -> int: ...
    def role(self, address: str) -> MemberRole: ...


class ChangeView(Protocol):
    @property
    def kind(self) -> ChangeKind: ...
    @property
    def from_ids(self) -> Sequence[str]: ...
    @property
    def to_ids(self) -> Sequence[str]: ...


class GroupingView(Protocol):
    @property
    def owners(self) -> Mapping[str, OwnerGroupView]: ...
    @property
    def changes(self) -> Sequence[ChangeView]: ...

"""The ports the clustering recipe writes owners through (Protocols; `walltrack.data` implements
them: `OwnersStore` in Postgres for the API, `OwnersGraph` in the graph for relations)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from walltrack.core.cluster.analyzer import Edge
from walltrack.core.cluster.grouping import Grouping
from walltrack.data.models.owners import OwnerDetail, OwnersPage, OwnersQuery


class OwnersStore(Protocol):
    """Owners as the API reads them. `save_grouping` writes a whole run in one transaction:
    either every owner, member, edge, change and `wallets.owner_id` of the run is current, or
    none is."""

    def save_grouping(self, run_id: str, grouping: Grouping, *, at: datetime) -> None: ...

    def current_owner_ids(self) -> dict[str, str]:
        """Each profiled wallet of the last saved run -> its owner id (`previous` of the next
        grouping)."""
        ...

    def owners(self, query: OwnersQuery) -> OwnersPage: ...

    def owner(self, owner_id: str) -> OwnerDetail | None: ...

    def owner_of(self, addresses: Iterable[str]) -> dict[str, str]:
        """address -> current owner id, for those that have one."""
        ...

    def owner_sizes(self, owner_ids: Iterable[str]) -> dict[str, int]:
        """owner id -> its profiled wallets' count, for the current owners among them."""
        ...


class OwnersGraph(Protocol):
    """Owners and their evidence in the graph, idempotent: writing the same again changes
    nothing."""

    def write_evidence(self, edges: Sequence[Edge]) -> int: ...

    def write_owners(self, grouping: Grouping) -> int: ...

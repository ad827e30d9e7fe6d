"""Recursive shape comparison of sim JSON against the reference fixtures (keys and value types)."""

from __future__ import annotations

from typing import Any

# keys the real APIs document as optional or window-dependent
OPTIONAL_KEYS = frozenset(
    {
        "labels",
        "boosts",
        "info",
        "swap",
        "m5",
        "h1",
        "h6",
        "h24",
        "feeAmount",
        "feeMint",
        "header",
        "openGraph",
        "mint_authority",
        "freeze_authority",
        "price_info",
        "mint_extensions",
        "amount",
        "totalAmount",
        "tokenStandard",  # Helius leaves it out where it did not read the token (some NFTs)
    }
)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "null"


def shape_errors(sim: Any, ref: Any, path: str = "$") -> list[str]:
    """Differences in keys and value types; a ``null`` in the reference accepts any value."""
    if ref is None:
        return []
    if sim is None:
        return (
            []
            if path.endswith(
                (
                    "nativeInput",
                    "nativeOutput",
                    "transactionError",
                    "priceChange24h",
                    "pairs",
                    "cluster",
                )
            )
            else [f"{path}: null where {_kind(ref)} expected"]
        )
    if _kind(sim) != _kind(ref):
        return [f"{path}: {_kind(sim)} where {_kind(ref)} expected"]
    errors: list[str] = []
    if isinstance(ref, dict):
        if path.endswith(("events", "priceChange", "txns", "volume")) or path == "$.price":
            keys = sim.keys() & ref.keys()
        else:
            missing = ref.keys() - sim.keys() - OPTIONAL_KEYS
            extra = sim.keys() - ref.keys() - OPTIONAL_KEYS
            errors += [f"{path}: missing {k}" for k in sorted(missing)]
            errors += [f"{path}: unexpected {k}" for k in sorted(extra)]
            keys = sim.keys() & ref.keys()
        for k in sorted(keys):
            errors += shape_errors(sim[k], ref[k], f"{path}.{k}")
    elif isinstance(ref, list) and ref:
        for i, item in enumerate(sim):
            errors += shape_errors(
                item, ref[0] if not isinstance(ref[0], dict) else _best(item, ref), f"{path}[{i}]"
            )
    return errors


def _best(item: Any, refs: list[Any]) -> Any:
    """The reference element sharing the most keys (lists may hold several shapes, e.g. links)."""
    if not isinstance(item, dict):
        return refs[0]
    return max(refs, key=lambda r: len(item.keys() & r.keys()) - len(item.keys() ^ r.keys()) / 100)

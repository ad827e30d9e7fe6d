"""Market data as the external APIs return it: DexScreener, RugCheck, Helius DAS.

Shapes follow `shared/reference/apis.md` §1, §2.5 and §4. The models tolerate unknown fields
(services add fields without notice) and convert at the boundary: prices and amounts become
`Decimal` (floats via `str()`, so `0.1` stays `0.1`), raw supplies stay Python `int` (they exceed
2^53), and DexScreener's `pairCreatedAt` stays an int of **milliseconds**.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

SOLANA_CHAIN_ID = "solana"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"  # noqa: S105 (a program id)


def _number_to_decimal(value: Any) -> Any:
    """JSON numbers → Decimal via their shortest text: 0.1 stays 0.1, not 0.1000000000000000055."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float | int):
        return Decimal(str(value))
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_to_empty_dict(value: Any) -> Any:
    return {} if value is None else value


Number = Annotated[Decimal, BeforeValidator(_number_to_decimal), Field(allow_inf_nan=False)]
"""A price, amount or percentage as an exact Decimal."""


class _ApiModel(BaseModel):
    """Immutable, snake_case in Python, camelCase on the wire, unknown fields ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )


class _SnakeApiModel(BaseModel):
    """Same, for APIs that already speak snake_case (Helius DAS)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


# --- DexScreener (§1.2, §1.3) -------------------------------------------------------------


class Link(_ApiModel):
    """A profile link or pair website/social: websites carry `label`, socials carry `type`."""

    url: str | None = None
    label: str | None = None
    type: str | None = None


class TokenProfile(_ApiModel):
    """`/token-profiles/latest/v1` item. `description` and `links` are untrusted user text."""

    url: str | None = None
    chain_id: str
    token_address: str
    icon: str | None = None
    header: str | None = None
    open_graph: str | None = None
    description: str | None = None
    links: Annotated[list[Link], BeforeValidator(_none_to_empty_list)] = []

    @property
    def is_solana(self) -> bool:
        return self.chain_id == SOLANA_CHAIN_ID


class TokenBoost(TokenProfile):
    """`/token-boosts/{latest,top}/v1` item: promotion spend, not organic activity."""

    amount: Number | None = None
    total_amount: Number | None = None


class PairToken(_ApiModel):
    address: str
    name: str | None = None
    symbol: str | None = None


class TxnCounts(_ApiModel):
    buys: int = 0
    sells: int = 0


class Liquidity(_ApiModel):
    """Pool liquidity: `usd` in dollars, `base`/`quote` as UI amounts of the reserves."""

    usd: Number | None = None
    base: Number | None = None
    quote: Number | None = None


class PairInfo(_ApiModel):
    image_url: str | None = None
    header: str | None = None
    open_graph: str | None = None
    websites: Annotated[list[Link], BeforeValidator(_none_to_empty_list)] = []
    socials: Annotated[list[Link], BeforeValidator(_none_to_empty_list)] = []


class PairBoosts(_ApiModel):
    active: Number = Decimal(0)


class Pair(_ApiModel):
    """One pool (or pump.fun curve) of a token. The queried mint may be the *quote* side."""

    chain_id: str
    dex_id: str
    url: str | None = None
    pair_address: str
    labels: Annotated[list[str], BeforeValidator(_none_to_empty_list)] = []
    base_token: PairToken
    quote_token: PairToken
    price_native: Number | None = None
    price_usd: Number | None = None
    txns: Annotated[dict[str, TxnCounts], BeforeValidator(_none_to_empty_dict)] = {}
    volume: Annotated[dict[str, Number], BeforeValidator(_none_to_empty_dict)] = {}
    price_change: Annotated[dict[str, Number], BeforeValidator(_none_to_empty_dict)] = {}
    liquidity: Liquidity | None = None
    fdv: Number | None = None
    market_cap: Number | None = None
    pair_created_at: int | None = Field(default=None, description="milliseconds since epoch")
    info: PairInfo | None = None
    boosts: PairBoosts | None = None

    @property
    def liquidity_usd(self) -> Decimal:
        """Liquidity in USD, 0 when absent (pump.fun curves often have none)."""
        if self.liquidity is None or self.liquidity.usd is None:
            return Decimal(0)
        return self.liquidity.usd

    def trades_token(self, mint: str, *, chain_id: str = SOLANA_CHAIN_ID) -> bool:
        """Is `mint` this pair's base token on `chain_id` (so `price_usd` is its price)?"""
        return self.chain_id == chain_id and self.base_token.address == mint


# --- RugCheck (§4.1) ------------------------------------------------------------------------


class RugCheckRisk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    value: str = ""
    description: str = ""
    score: int = 0
    level: str = Field(default="", description="observed: info, warn, danger")

    @field_validator("value", "description", "level", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def is_danger(self) -> bool:
        return self.level == "danger"


class RugCheckSummary(BaseModel):
    """`GET /v1/tokens/{mint}/report/summary`. It has NO authority fields: use DAS for those."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    mint: str | None = None
    token_program: str | None = Field(default=None, alias="tokenProgram")
    token_type: str | None = Field(default=None, alias="tokenType")
    risks: Annotated[list[RugCheckRisk], BeforeValidator(_none_to_empty_list)] = []
    score: int | None = None
    score_normalised: int | None = Field(
        default=None, description="0-100, higher = riskier (British spelling on the wire)"
    )
    lp_locked_pct: Number | None = Field(default=None, alias="lpLockedPct")

    @property
    def danger_risks(self) -> list[RugCheckRisk]:
        return [risk for risk in self.risks if risk.is_danger]


# --- Helius DAS getAsset (§2.5) -------------------------------------------------------------


class AssetMetadata(_SnakeApiModel):
    name: str | None = None
    symbol: str | None = None
    token_standard: str | None = None


class AssetContent(_SnakeApiModel):
    metadata: AssetMetadata | None = None
    json_uri: str | None = None


class AssetAuthority(_SnakeApiModel):
    """A metadata authority (e.g. the update authority, scope `full`); not the mint authority."""

    address: str
    scopes: Annotated[list[str], BeforeValidator(_none_to_empty_list)] = []


class AssetPriceInfo(_SnakeApiModel):
    price_per_token: Number | None = None
    currency: str | None = None
    total_price: Number | None = None


def _exact_int(value: Any) -> Any:
    """Raw amounts must be exact: accept ints and digit strings, never a float."""
    if isinstance(value, bool | float):
        raise ValueError("a raw amount must be an integer, not a float or boolean")
    return value


RawAmount = Annotated[int, BeforeValidator(_exact_int)]


class AssetTokenInfo(_SnakeApiModel):
    """The fungible part of an asset. An absent or null authority means it was revoked."""

    symbol: str | None = None
    supply: RawAmount | None = None
    decimals: int | None = None
    token_program: str | None = None
    mint_authority: str | None = None
    freeze_authority: str | None = None
    price_info: AssetPriceInfo | None = None

    @field_validator("mint_authority", "freeze_authority", mode="before")
    @classmethod
    def _blank_is_revoked(cls, value: Any) -> Any:
        return None if value == "" else value


class DasAsset(_SnakeApiModel):
    """A Helius DAS asset (`getAsset` result), trimmed to what token safety needs."""

    id: str
    interface: str | None = None
    content: AssetContent | None = None
    authorities: Annotated[list[AssetAuthority], BeforeValidator(_none_to_empty_list)] = []
    mutable: bool | None = None
    burnt: bool | None = None
    token_info: AssetTokenInfo | None = None
    mint_extensions: Annotated[dict[str, Any], BeforeValidator(_none_to_empty_dict)] = {}
    last_indexed_slot: int | None = None

    @property
    def mint_authority_revoked(self) -> bool:
        return self.token_info is None or self.token_info.mint_authority is None

    @property
    def freeze_authority_revoked(self) -> bool:
        return self.token_info is None or self.token_info.freeze_authority is None

    @property
    def is_token_2022(self) -> bool:
        return self.token_info is not None and self.token_info.token_program == TOKEN_2022_PROGRAM


class TokenAccountBalance(_ApiModel):
    """`getTokenLargestAccounts` item: a token *account* (owner unknown) and its raw amount."""

    address: str
    amount: RawAmount
    decimals: int
    ui_amount_string: str | None = None


# --- Lists where one bad item must not sink the rest -----------------------------------------

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """The valid items of a list response, and how many were skipped (with why)."""

    items: list[T] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, model: type[T], raw_items: Iterable[Any]) -> Parsed[T]:
        """Validate each item on its own; a malformed one is skipped and counted."""
        items: list[T] = []
        errors: list[str] = []
        for index, raw in enumerate(raw_items):
            try:
                items.append(model.model_validate(raw))
            except ValidationError as exc:
                errors.append(f"item {index}: {describe_validation_error(exc)}")
        return cls(items=items, skipped=len(errors), errors=errors)

    def __add__(self, other: Parsed[T]) -> Parsed[T]:
        return Parsed(
            items=self.items + other.items,
            skipped=self.skipped + other.skipped,
            errors=self.errors + other.errors,
        )


def describe_validation_error(exc: ValidationError, *, limit: int = 3) -> str:
    """A short, value-free description (field path + reason) safe to log and store."""
    parts = [
        f"{'.'.join(str(loc) for loc in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


__all__ = [
    "SOLANA_CHAIN_ID",
    "TOKEN_2022_PROGRAM",
    "AssetAuthority",
    "AssetContent",
    "AssetMetadata",
    "AssetPriceInfo",
    "AssetTokenInfo",
    "DasAsset",
    "Link",
    "Liquidity",
    "Pair",
    "PairBoosts",
    "PairInfo",
    "PairToken",
    "Parsed",
    "RugCheckRisk",
    "RugCheckSummary",
    "TokenBoost",
    "TokenProfile",
    "TxnCounts",
    "describe_validation_error",
]

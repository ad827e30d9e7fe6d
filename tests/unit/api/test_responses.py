"""`JsonBody` serialises a model as FastAPI does for a route's `response_model`: the same bytes,
so a list route that answers through it says exactly what it said before (Decimal money as
strings, datetimes, floats, aliases, non-ASCII text)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.responses import JsonBody


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    name: str
    pnl_sol: Decimal
    win_rate: float | None
    flags: tuple[str, ...]
    seen_at: datetime
    kind: str = Field(alias="type")


class Page(BaseModel):
    items: list[Row]
    total: int


PAGE = Page(
    items=[
        Row(
            name="Ωmega 🐸",
            pnl_sol=Decimal("-0.000000010"),
            win_rate=0.1 + 0.2,
            flags=("bot",),
            seen_at=datetime(2026, 12, 6, 21, 0, 0, 123456, tzinfo=UTC),
            kind="early_buyer",
        ),
        Row(
            name="plain",
            pnl_sol=Decimal("12345678901234567890.5"),
            win_rate=None,
            flags=(),
            seen_at=datetime(2026, 1, 1, tzinfo=UTC),
            kind="top_trader",
        ),
    ],
    total=2,
)


def test_a_json_body_is_byte_for_byte_what_fastapi_answers_for_the_model() -> None:
    # Given one route answering the model through FastAPI, one through JsonBody
    app = FastAPI()
    body = JsonBody(Page)

    @app.get("/fastapi", response_model=Page)
    def by_fastapi() -> Page:
        return PAGE

    @app.get("/ours", response_model=Page)
    def by_us() -> Response:
        return body.response(PAGE)

    # When both are called
    with TestClient(app) as client:
        theirs, ours = client.get("/fastapi"), client.get("/ours")
    # Then the bodies and content types are identical (money stays an exact string)
    assert ours.status_code == theirs.status_code == 200
    assert ours.content == theirs.content
    assert ours.headers["content-type"] == theirs.headers["content-type"]
    first = ours.json()["items"][0]
    assert first["pnl_sol"] == str(Decimal("-0.000000010"))
    assert first["type"] == "early_buyer"

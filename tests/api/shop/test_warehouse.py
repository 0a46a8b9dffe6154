"""Shop contract: /api/warehouse/ and supply deliveries against the document (seed 000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import MoveKind, StockItem, StockMove, SupplyDelivery, SupplyPosition
from core.runtime import Runtime
from core.stock import ledger_balance
from tests.factories import make_shop, make_stock_item, owner_headers

EXAMPLE = {
    "supplier": "Flower Direct",
    "farm": "Ecuador Roses",
    "delivery_date": "2024-12-20T10:00:00",
    "currency": "USD",
    "rate": 470.0,
    "positions": [{"variety": "Роза Красная", "height_cm": 50, "qty": 200, "cost_per_stem": 0.5}],
}
ITEM_KEYS = {
    "id": int,
    "name": str,
    "variety": (str, type(None)),
    "supplier": (str, type(None)),
    "farm": (str, type(None)),
    "height_cm": (int, type(None)),
    "quantity": (int, float),
    "unit": str,
    "min_quantity": (int, float),
    "price_per_unit": (int, type(None)),
    "on_showcase": bool,
    "to_write_off": bool,
    "updated_at": str,
}


def assert_shape(item: dict[str, Any], keys: dict[str, Any]) -> None:
    assert set(item) == set(keys)
    for key, kind in keys.items():
        assert isinstance(item[key], kind), (key, item[key])


async def deliver(api: TestClient, headers: dict[str, str], payload: dict[str, Any]) -> Any:
    response = await api.post("/api/warehouse/deliveries", json=payload, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_a_usd_delivery_becomes_stock_through_the_ledger_in_whole_tenge(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    delivery = await deliver(api, headers, EXAMPLE)
    assert delivery["supplier"] == "Flower Direct"
    assert delivery["farm"] == "Ecuador Roses"
    assert delivery["delivery_date"] == "2024-12-20T10:00:00"
    assert (delivery["currency"], delivery["rate"]) == ("USD", 470)
    assert delivery["total_cost_kzt"] == 47000  # 200 stems x 0.5 USD x 470
    (position,) = delivery["positions"]
    assert position["variety"] == "Роза Красная"
    assert (position["height_cm"], position["qty"], position["cost_per_stem"]) == (50, 200, 0.5)
    assert (position["cost_per_stem_kzt"], position["total_cost_kzt"]) == (235, 47000)

    item = await StockItem.get(id=position["stock_item_id"])
    assert await ledger_balance(item.id) == Decimal(200)
    move = await StockMove.get(stock_item_id=item.id)
    assert (move.kind, move.unit_cost, move.supply_id) == (  # type: ignore[attr-defined]
        MoveKind.SUPPLY,
        235,
        delivery["id"],
    )
    listed = await (await api.get("/api/warehouse/", headers=headers)).json()
    assert listed["total"] == 1
    (row,) = listed["items"]
    assert_shape(row, ITEM_KEYS)
    assert (row["quantity"], row["price_per_unit"], row["supplier"]) == (
        200,
        235,
        "Flower Direct",
    )
    one = await (await api.get(f"/api/warehouse/{item.id}", headers=headers)).json()
    assert one == row


async def test_a_second_delivery_adds_to_the_same_item_and_rounding_is_per_total(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    first = await deliver(api, headers, EXAMPLE)
    euro = {
        **EXAMPLE,
        "currency": "EUR",
        "rate": 512.3456,
        "positions": [
            {"variety": "Роза Красная", "height_cm": 50, "qty": 3, "cost_per_stem": 0.3333},
            {"variety": "Эвкалипт", "qty": 10.5, "cost_per_stem": 1},
        ],
    }
    second = await deliver(api, headers, euro)
    rose, eucalyptus = second["positions"]
    assert rose["stock_item_id"] == first["positions"][0]["stock_item_id"]
    # 0.3333 x 512.3456 = 170.76 -> 171 a stem; 3 stems = 512.29 -> 512 (not 3 x 171).
    assert (rose["cost_per_stem_kzt"], rose["total_cost_kzt"]) == (171, 512)
    assert (eucalyptus["qty"], eucalyptus["total_cost_kzt"]) == (10.5, 5380)
    assert second["total_cost_kzt"] == 512 + 5380
    assert await ledger_balance(rose["stock_item_id"]) == Decimal(203)
    kzt = await deliver(
        api,
        headers,
        {
            **EXAMPLE,
            "currency": "KZT",
            "rate": None,
            "positions": [{"variety": "Хризантема", "qty": 5, "cost_per_stem": 700}],
        },
    )
    assert (kzt["rate"], kzt["total_cost_kzt"]) == (1, 3500)
    listed = await (await api.get("/api/warehouse/deliveries", headers=headers)).json()
    assert listed["total"] == 3
    one = await api.get(f"/api/warehouse/deliveries/{first['id']}", headers=headers)
    assert await one.json() == first


async def test_every_filter_changes_the_answer(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    rose = await make_stock_item(
        shop, "Роза Red Naomi", variety="Роза Red Naomi", supplier="Flower Direct", quantity=10
    )
    tulip = await make_stock_item(
        shop, "Тюльпан", variety="Тюльпан", supplier="Голландия", on_showcase=True
    )
    wilted = await make_stock_item(
        shop,
        "Роза пионовидная",
        variety="Роза пионовидная",
        supplier="Голландия",
        to_write_off=True,
    )

    async def ids(query: str) -> list[int]:
        response = await api.get(f"/api/warehouse/?{query}", headers=headers)
        assert response.status == 200, await response.text()
        return [i["id"] for i in (await response.json())["items"]]

    assert await ids("") == [rose.id, tulip.id, wilted.id]
    assert await ids("variety=Роза") == [rose.id, wilted.id]
    assert await ids("variety=naomi") == [rose.id]
    assert await ids("supplier=Голландия") == [tulip.id, wilted.id]
    assert await ids("onShowcase=true") == [tulip.id]
    assert await ids("onShowcase=false") == [rose.id, wilted.id]
    assert await ids("toWriteOff=true") == [wilted.id]
    assert await ids("toWriteOff=false&supplier=Голландия") == [tulip.id]
    assert await ids("limit=1&page=2") == [tulip.id]


async def test_flags_are_set_on_an_item_but_its_quantity_is_not(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    rose = await make_stock_item(shop, "Роза", quantity=10)
    response = await api.patch(
        f"/api/warehouse/{rose.id}",
        json={"on_showcase": True, "min_quantity": 20, "quantity": 999},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    item = await response.json()
    assert (item["on_showcase"], item["min_quantity"], item["quantity"]) == (True, 20, 10)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"currency": "RUB"}, ["body", "currency"]),
        ({"rate": None}, ["body", "rate"]),
        ({"rate": 0}, ["body", "rate"]),
        ({"rate": "много"}, ["body", "rate"]),
        ({"currency": "KZT", "rate": 470}, ["body", "rate"]),
        ({"positions": []}, ["body", "positions"]),
        ({"supplier": ""}, ["body", "supplier"]),
        ({"delivery_date": "вчера"}, ["body", "delivery_date"]),
        ({"delivery_date": "0001-01-01T00:00:00+05:00"}, ["body", "delivery_date"]),
        (
            {"positions": [{"variety": "Роза", "qty": 0, "cost_per_stem": 1}]},
            ["body", "positions", 0, "qty"],
        ),
        (
            {"positions": [{"variety": "Роза", "qty": 5, "cost_per_stem": -1}]},
            ["body", "positions", 0, "cost_per_stem"],
        ),
        ({"positions": [{"qty": 5, "cost_per_stem": 1}]}, ["body", "positions", 0, "variety"]),
        (
            {"positions": [{"variety": "Роза", "qty": "десять", "cost_per_stem": 1}]},
            ["body", "positions", 0, "qty"],
        ),
    ],
)
async def test_bad_deliveries_are_refused_and_nothing_is_written(
    api: TestClient, runtime: Runtime, change: dict[str, Any], loc: list[Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    payload = {**EXAMPLE, **change}
    response = await api.post("/api/warehouse/deliveries", json=payload, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await SupplyDelivery.all().count() == 0
    assert await StockItem.all().count() == 0
    assert await StockMove.all().count() == 0


async def test_a_delivery_fails_whole_when_a_later_position_is_bad(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    payload = {
        **EXAMPLE,
        "positions": [
            {"variety": "Роза", "qty": 5, "cost_per_stem": 1},
            {"variety": "   ", "qty": 5, "cost_per_stem": 1},
        ],
    }
    response = await api.post("/api/warehouse/deliveries", json=payload, headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "positions", 1, "variety"]
    assert await SupplyPosition.all().count() == 0
    assert await StockMove.all().count() == 0


async def test_another_shops_stock_and_deliveries_are_not_found(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    _, _, other = await owner_headers(runtime, await make_shop("Чужой"))
    theirs = await deliver(api, other, EXAMPLE)
    item_id = theirs["positions"][0]["stock_item_id"]
    assert (await api.get(f"/api/warehouse/{item_id}", headers=headers)).status == 404
    patched = await api.patch(
        f"/api/warehouse/{item_id}", json={"to_write_off": True}, headers=headers
    )
    assert patched.status == 404
    assert not (await StockItem.get(id=item_id)).to_write_off
    assert (
        await api.get(f"/api/warehouse/deliveries/{theirs['id']}", headers=headers)
    ).status == 404
    assert (await (await api.get("/api/warehouse/", headers=headers)).json())["total"] == 0
    listed = await (await api.get("/api/warehouse/deliveries", headers=headers)).json()
    assert listed == {"items": [], "total": 0}


@pytest.mark.parametrize("query", ["page=0", "limit=500", "onShowcase=maybe", "toWriteOff=2"])
async def test_bad_list_queries_are_a_422(api: TestClient, runtime: Runtime, query: str) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.get(f"/api/warehouse/?{query}", headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"][0] == "query"

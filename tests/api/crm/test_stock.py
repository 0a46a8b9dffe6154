"""Stock follows composition: assembling an order takes its components out through the
ledger, cancelling an assembled order gives them back, nothing goes below zero, and
falling below the minimum raises the low-stock event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient

from core import events
from core.models import MoveKind, Order, OrderStatus, OrderStatusEvent, ProductComponent, StockMove
from core.stock import ledger_balance
from tests.api.crm.conftest import Flowers, Staff, ok, place, quantity_of, send
from tests.factories import make_product, make_stock_item


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[events.DomainEvent]:
    """Every domain event emitted during the test (the subscribers still run)."""
    seen: list[events.DomainEvent] = []
    original = events.bus.emit

    async def record(event: events.DomainEvent) -> None:
        seen.append(event)
        await original(event)

    monkeypatch.setattr(events.bus, "emit", record)
    return seen


async def test_assembling_takes_exactly_the_composition_and_cancelling_gives_it_back(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    wrap = await make_stock_item(staff.shop, "Крафт", quantity=5, unit="шт")
    mini = await make_product(staff.shop, "Мини-букет", price=6000)
    await ProductComponent.create(product=mini, stock_item=flowers.roses, quantity=Decimal(3))
    await ProductComponent.create(product=mini, stock_item=wrap, quantity=Decimal(1))
    order = await place(
        crm,
        staff,
        flowers,
        items=[
            {"product_id": flowers.bouquet.id, "quantity": 2},
            {"product_id": mini.id, "quantity": 1},
            {"product_id": flowers.plant.id, "quantity": 1},
        ],
    )
    path = f"/api/orders/{order['id']}/status"
    await ok(crm, "PUT", path, staff.headers, {"new_status": "собран"})
    assert await quantity_of(flowers.roses) == 100 - 2 * 11 - 3
    assert await quantity_of(flowers.ribbon) == 10 - 2 * Decimal("1.5")
    assert await quantity_of(wrap) == 5 - 1
    taken = await StockMove.filter(order_id=order["id"]).order_by("stock_item_id")
    assert [(m.stock_item_id, m.kind, m.quantity) for m in taken] == [  # type: ignore[attr-defined]
        (flowers.roses.id, MoveKind.ASSEMBLY, Decimal(-25)),
        (flowers.ribbon.id, MoveKind.ASSEMBLY, Decimal(-3)),
        (wrap.id, MoveKind.ASSEMBLY, Decimal(-1)),
    ]

    await ok(crm, "PUT", path, staff.headers, {"new_status": "отменен"})
    for item, start in ((flowers.roses, 100), (flowers.ribbon, 10), (wrap, 5)):
        assert await quantity_of(item) == start
        assert await ledger_balance(item.id) == start
    returned = await StockMove.filter(order_id=order["id"], kind=MoveKind.RETURN).count()
    assert returned == 3


async def test_cancelling_an_order_never_assembled_moves_no_stock(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="в работе")
    await ok(
        crm, "PUT", f"/api/orders/{order['id']}/status", staff.headers, {"new_status": "отменен"}
    )
    assert await StockMove.filter(order_id=order["id"]).count() == 0
    assert await quantity_of(flowers.roses) == 100


async def test_assembling_without_enough_stock_is_a_409_naming_the_short_items(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, quantity=10)
    path = f"/api/orders/{order['id']}/status"
    history = await OrderStatusEvent.filter(order_id=order["id"]).count()
    for word in ("собран", "доставлен"):
        status, answer = await send(crm, "PUT", path, staff.headers, {"new_status": word})
        assert status == 409
        assert answer == {
            "detail": "Not enough stock: Роза красная (need 110, have 100); "
            "Лента (need 15, have 10)"
        }
    assert (await Order.get(id=order["id"])).status is OrderStatus.NEW
    assert await OrderStatusEvent.filter(order_id=order["id"]).count() == history
    assert await StockMove.filter(order_id=order["id"]).count() == 0
    assert await quantity_of(flowers.roses) == 100


async def test_creating_an_order_assembled_without_stock_writes_nothing(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    body = {
        "client_id": flowers.client.id,
        "recipient_id": flowers.client.id,
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10",
        "status": "собран",
        "items": [{"product_id": flowers.bouquet.id, "quantity": 20}],
    }
    status, answer = await send(crm, "POST", "/api/orders/", staff.headers, body)
    assert status == 409
    assert "Роза красная (need 220, have 100)" in answer["detail"]
    assert await Order.filter(shop_id=staff.shop.id).count() == 0


async def test_an_explicit_adjustment_sets_stock_but_never_below_zero(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    path = f"/api/inventory/{flowers.roses.id}"
    status, answer = await send(crm, "PUT", path, staff.headers, {"quantity": -1})
    assert status == 422
    assert answer["detail"][0]["loc"] == ["body", "quantity"]
    emptied = await ok(crm, "PUT", path, staff.headers, {"quantity": 0})
    assert emptied["quantity"] == 0.0
    last = await StockMove.filter(stock_item_id=flowers.roses.id).order_by("-id").first()
    assert last is not None
    assert (last.kind, last.quantity) == (MoveKind.ADJUSTMENT, Decimal(-100))
    assert await ledger_balance(flowers.roses.id) == 0


async def test_falling_below_the_minimum_raises_the_low_stock_event_once(
    crm: TestClient, staff: Staff, flowers: Flowers, emitted: list[events.DomainEvent]
) -> None:
    await ok(crm, "PUT", f"/api/inventory/{flowers.roses.id}", staff.headers, {"min_quantity": 80})
    first = await place(crm, staff, flowers)
    second = await place(crm, staff, flowers)
    for order in (first, second):
        await ok(
            crm,
            "PUT",
            f"/api/orders/{order['id']}/status",
            staff.headers,
            {"new_status": "собран"},
        )
    low = [e for e in emitted if e.name == events.STOCK_LOW]
    assert [e.payload for e in low] == [
        {
            "stock_item_id": flowers.roses.id,
            "name": "Роза красная",
            "quantity": "78",
            "min_quantity": "80",
        }
    ]
    listed = await ok(crm, "GET", "/api/inventory/?low_stock=true", staff.headers)
    assert [i["id"] for i in listed] == [flowers.roses.id]
    board = await ok(crm, "GET", "/api/stats/dashboard", staff.headers)
    assert board["low_stock_count"] == 1


async def test_items_cannot_change_once_the_order_is_assembled(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="собран")
    path = f"/api/orders/{order['id']}/items"
    status, answer = await send(
        crm, "POST", path, staff.headers, {"product_id": flowers.plant.id, "quantity": 1}
    )
    assert status == 409
    assert "собран" in answer["detail"]
    status, _ = await send(crm, "DELETE", f"{path}/{order['items'][0]['id']}", staff.headers)
    assert status == 409


async def test_assembling_again_after_a_change_request_takes_stock_once(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="собран")
    path = f"/api/orders/{order['id']}/status"
    await ok(crm, "PUT", path, staff.headers, {"new_status": "в работе"})
    await ok(crm, "PUT", path, staff.headers, {"new_status": "собран"})
    assert await quantity_of(flowers.roses) == 100 - 11

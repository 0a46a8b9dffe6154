"""Order placement, totals, status changes, history, stock and the outbox."""

from __future__ import annotations

import pytest

from core.actors import Actor
from core.errors import Conflict, ValidationFailed
from core.models import (
    IssueType,
    Order,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    ProductComponent,
    StockItem,
)
from core.orders.service import ItemRequest, change_status, place_order, report_issue, resolve_issue
from core.orders.status import InvalidTransition
from tests.factories import make_product, make_shop, make_stock_item

pytestmark = pytest.mark.usefixtures("db")


async def test_items_are_priced_from_the_catalog_and_totals_computed() -> None:
    shop = await make_shop()
    rose = await make_product(shop, price=25000, discount_price=20000)
    tulip = await make_product(shop, name="Тюльпаны", price=9000)
    order = await place_order(
        shop_id=shop.id,
        customer_phone="+77011234567",
        recipient_name="Айгуль",
        items=[ItemRequest(rose.id, 2), ItemRequest(tulip.id, 1)],
        delivery_fee=2000,
    )
    assert order.flower_sum == 2 * 20000 + 9000
    assert order.total == order.flower_sum + 2000
    assert order.number == 1
    assert len(order.tracking_token) >= 22
    second = await place_order(shop_id=shop.id, flower_sum=1000, delivery_fee=0)
    assert second.number == 2


async def test_a_claimed_total_that_disagrees_is_refused_and_nothing_is_written() -> None:
    shop = await make_shop()
    with pytest.raises(ValidationFailed) as raised:
        await place_order(
            shop_id=shop.id,
            customer_phone="+77011234567",
            flower_sum=25000,
            delivery_fee=2000,
            total=26000,
        )
    assert raised.value.problems[0].loc == ("total",)
    assert await Order.all().count() == 0
    assert await OutboxEvent.all().count() == 0


async def test_another_shops_product_cannot_be_ordered() -> None:
    mine, theirs = await make_shop("A"), await make_shop("B")
    foreign = await make_product(theirs)
    with pytest.raises(ValidationFailed) as raised:
        await place_order(shop_id=mine.id, items=[ItemRequest(foreign.id, 1)])
    assert raised.value.problems[0].loc == ("items", 0, "product_id")


async def test_status_changes_write_history_and_refuse_forbidden_moves() -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=5000)
    actor = Actor(user_id=None, label="test")
    for status in (
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.IN_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ):
        order = await change_status(shop_id=shop.id, order_id=order.id, to=status, actor=actor)
    history = (
        await OrderStatusEvent.filter(order_id=order.id)
        .order_by("id")
        .values_list("to_status", flat=True)
    )
    assert [OrderStatus(s) for s in history] == [
        OrderStatus.NEW,
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.IN_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ]
    with pytest.raises(InvalidTransition):
        await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.NEW)


async def test_issue_and_resolution_return_to_the_previous_status() -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=5000)
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    order, issue = await report_issue(
        shop_id=shop.id, order_id=order.id, issue_type=IssueType.WRONG_ADDRESS, comment="нет дома"
    )
    assert order.status is OrderStatus.ISSUE and issue.status_before is OrderStatus.PAID
    order = await resolve_issue(shop_id=shop.id, order_id=order.id)
    assert order.status is OrderStatus.PAID


async def test_assembling_takes_the_composition_and_cancelling_returns_it() -> None:
    shop = await make_shop()
    rose = await make_stock_item(shop, "Роза белая", quantity=20)
    wrap = await make_stock_item(shop, "Упаковка", quantity=5)
    bouquet = await make_product(shop, "Нежность", price=15000)
    await ProductComponent.create(product=bouquet, stock_item=rose, quantity=15)
    await ProductComponent.create(product=bouquet, stock_item=wrap, quantity=1)
    order = await place_order(shop_id=shop.id, items=[ItemRequest(bouquet.id, 1)])
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.ASSEMBLED)
    assert (await StockItem.get(id=rose.id)).quantity == 5
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.CANCELLED)
    assert (await StockItem.get(id=rose.id)).quantity == 20
    assert (await StockItem.get(id=wrap.id)).quantity == 5


async def test_assembling_without_enough_stock_is_a_conflict_naming_the_short_items() -> None:
    shop = await make_shop()
    rose = await make_stock_item(shop, "Роза белая", quantity=10)
    bouquet = await make_product(shop, "Нежность", price=15000)
    await ProductComponent.create(product=bouquet, stock_item=rose, quantity=15)
    order = await place_order(shop_id=shop.id, items=[ItemRequest(bouquet.id, 1)])
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    with pytest.raises(Conflict, match="Роза белая"):
        await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.ASSEMBLED)
    assert (await Order.get(id=order.id)).status is OrderStatus.PAID
    assert (await StockItem.get(id=rose.id)).quantity == 10


async def test_only_managers_assign_a_team_and_roles_are_read_from_the_shop() -> None:
    from core.errors import Forbidden
    from core.models import Role
    from core.orders.service import set_team
    from tests.factories import make_member

    shop = await make_shop()
    owner = await make_member(shop, Role.OWNER)
    courier = await make_member(shop, Role.COURIER)
    florist = await make_member(shop, Role.FLORIST)
    order = await place_order(shop_id=shop.id, flower_sum=5000)
    with pytest.raises(Forbidden):
        await set_team(
            shop_id=shop.id,
            order_id=order.id,
            florist_ids=[florist.id],
            actor=Actor(user_id=courier.id, label="c", role=Role.COURIER),
        )
    assert await (await Order.get(id=order.id)).florists.all().count() == 0
    # A token that claims a role the person no longer holds does not help.
    with pytest.raises(Forbidden):
        await change_status(
            shop_id=shop.id,
            order_id=order.id,
            to=OrderStatus.PAID,
            actor=Actor(user_id=courier.id, label="c", role=Role.OWNER),
        )
    await set_team(
        shop_id=shop.id,
        order_id=order.id,
        florist_ids=[florist.id],
        actor=Actor(user_id=owner.id, label="o", role=Role.OWNER),
    )
    assert [u.id for u in await (await Order.get(id=order.id)).florists.all()] == [florist.id]

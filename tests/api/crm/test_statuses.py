"""Order statuses in the crm's words: one table onto the canonical machine, round trips
here, canonical statuses everywhere else, jumps walked step by step."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from core.dialects.crm import READS, STATUS_TABLE, WRITES, plan_walk, status_word
from core.models import DeliveryMethod, IssueType, Order, OrderStatus, OrderStatusEvent
from core.orders.service import change_status, report_issue
from tests.api.crm.conftest import Flowers, Staff, ok, place, quantity_of, send

S = OrderStatus

CANONICAL = {
    "новый": S.NEW,
    "в работе": S.IN_PRODUCTION,
    "оплачен": S.PAID,
    "собран": S.ASSEMBLED,
    "готов": S.ASSEMBLED,
    "доставлен": S.DELIVERED,
    "отменен": S.CANCELLED,
}


def test_every_canonical_status_reads_as_exactly_one_word_and_every_word_writes_one() -> None:
    assert set(READS) == set(OrderStatus) - {S.ISSUE}
    assert dict(WRITES) == CANONICAL
    assert [word for word, _, _ in STATUS_TABLE] == [
        "новый",
        "в работе",
        "готов",
        "доставлен",
        "оплачен",
        "собран",
        "отменен",
    ]
    assert status_word(S.ASSEMBLED) == "собран"
    assert status_word(S.ASSEMBLED, "готов") == "готов"
    assert status_word(S.ASSEMBLED, "assembled") == "собран"
    assert status_word(S.IN_DELIVERY, "собран") == "готов"
    assert status_word(S.COMPLETED) == "доставлен"
    assert status_word(S.ISSUE, None, S.ASSEMBLED) == "собран"


def test_walks_avoid_paid_and_take_the_branch_of_the_delivery_method() -> None:
    assert plan_walk(S.NEW, S.DELIVERED) == [
        S.IN_PRODUCTION,
        S.ASSEMBLED,
        S.IN_DELIVERY,
        S.DELIVERED,
    ]
    assert plan_walk(S.NEW, S.DELIVERED, delivery_method=DeliveryMethod.PICKUP) == [
        S.IN_PRODUCTION,
        S.ASSEMBLED,
        S.AWAITING_PICKUP,
        S.DELIVERED,
    ]
    assert plan_walk(S.PAID, S.DELIVERED) == [S.ASSEMBLED, S.IN_DELIVERY, S.DELIVERED]
    assert plan_walk(S.NEW, S.PAID) == [S.PAID]
    assert plan_walk(S.IN_PRODUCTION, S.PAID) is None
    assert plan_walk(S.ISSUE, S.ASSEMBLED, before_issue=S.ASSEMBLED) == [S.ASSEMBLED]
    assert plan_walk(S.CANCELLED, S.NEW) is None


@pytest.mark.parametrize("word", list(CANONICAL))
async def test_each_word_reads_back_as_written_while_core_keeps_the_canonical_status(
    crm: TestClient, staff: Staff, flowers: Flowers, word: str
) -> None:
    order = await place(crm, staff, flowers)
    path = f"/api/orders/{order['id']}"
    changed = await ok(crm, "PUT", path + "/status", staff.headers, {"new_status": word})
    assert changed["status"] == word
    assert (await ok(crm, "GET", path, staff.headers))["status"] == word
    assert (await Order.get(id=order["id"])).status is CANONICAL[word]


async def test_a_jump_is_walked_step_by_step_with_its_history(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, quantity=2)
    await ok(
        crm,
        "PUT",
        f"/api/orders/{order['id']}/status",
        staff.headers,
        {"new_status": "доставлен", "comment": "Вручено лично"},
    )
    history = await OrderStatusEvent.filter(order_id=order["id"]).order_by("id")
    assert [(e.from_status, e.to_status) for e in history] == [
        (None, S.NEW),
        (S.NEW, S.IN_PRODUCTION),
        (S.IN_PRODUCTION, S.ASSEMBLED),
        (S.ASSEMBLED, S.IN_DELIVERY),
        (S.IN_DELIVERY, S.DELIVERED),
    ]
    assert [e.comment for e in history] == [None, None, None, None, "Вручено лично"]
    assert history[-1].actor_id == staff.owner.id  # type: ignore[attr-defined]
    # Assembling on the way took the composition out of stock.
    assert await quantity_of(flowers.roses) == 100 - 22


async def test_a_word_the_machine_cannot_reach_is_a_400_naming_the_allowed_words(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="в работе")
    path = f"/api/orders/{order['id']}/status"
    status, answer = await send(crm, "PUT", path, staff.headers, {"new_status": "оплачен"})
    assert status == 400
    assert answer == {
        "detail": "Cannot change status from 'в работе' to 'оплачен'. "
        "Allowed: 'готов', 'доставлен', 'собран', 'отменен'"
    }
    assert (await Order.get(id=order["id"])).status is S.IN_PRODUCTION
    await ok(crm, "PUT", path, staff.headers, {"new_status": "отменен"})
    status, answer = await send(crm, "PUT", path, staff.headers, {"new_status": "новый"})
    assert status == 400
    assert answer["detail"].endswith("Allowed: none (the order is closed)")


async def test_an_unknown_word_is_a_422_listing_the_documented_words(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers)
    status, answer = await send(
        crm, "PUT", f"/api/orders/{order['id']}/status", staff.headers, {"new_status": "paid"}
    )
    assert status == 422
    problem = answer["detail"][0]
    assert problem["loc"] == ["body", "new_status"]
    assert "'новый'" in problem["msg"] and "'отменен'" in problem["msg"]


async def test_writing_the_word_an_order_reads_as_changes_nothing(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="готов")
    path = f"/api/orders/{order['id']}/status"
    before = await OrderStatusEvent.filter(order_id=order["id"]).count()
    again = await ok(crm, "PUT", path, staff.headers, {"new_status": "готов"})
    assert again["status"] == "готов"
    await change_status(shop_id=staff.shop.id, order_id=order["id"], to=S.IN_DELIVERY)
    out = await ok(crm, "PUT", path, staff.headers, {"new_status": "готов"})
    assert out["status"] == "готов"
    assert (await Order.get(id=order["id"])).status is S.IN_DELIVERY
    assert await OrderStatusEvent.filter(order_id=order["id"]).count() == before + 1


async def test_собран_and_готов_differ_only_by_the_label_and_take_stock_once(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers)
    path = f"/api/orders/{order['id']}/status"
    await ok(crm, "PUT", path, staff.headers, {"new_status": "собран"})
    events = await OrderStatusEvent.filter(order_id=order["id"]).count()
    ready = await ok(crm, "PUT", path, staff.headers, {"new_status": "готов"})
    assert ready["status"] == "готов"
    stored = await Order.get(id=order["id"])
    assert (stored.status, stored.status_label) == (S.ASSEMBLED, "готов")
    back = await ok(crm, "PUT", path, staff.headers, {"new_status": "собран"})
    assert back["status"] == "собран"
    assert await OrderStatusEvent.filter(order_id=order["id"]).count() == events
    assert await quantity_of(flowers.roses) == 100 - 11


async def test_an_order_with_an_issue_reads_as_before_and_a_word_moves_it_on(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers, status="собран")
    await report_issue(
        shop_id=staff.shop.id, order_id=order["id"], issue_type=IssueType.QUALITY_ISSUE
    )
    path = f"/api/orders/{order['id']}"
    assert (await ok(crm, "GET", path, staff.headers))["status"] == "собран"
    moved = await ok(crm, "PUT", path + "/status", staff.headers, {"new_status": "готов"})
    assert moved["status"] == "готов"
    stored = await Order.get(id=order["id"])
    assert (stored.status, stored.status_before_issue) == (S.ASSEMBLED, None)
    assert await quantity_of(flowers.roses) == 100 - 11


async def test_the_status_filter_finds_orders_by_the_word_they_read_as(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    assembled = await place(crm, staff, flowers, status="собран")
    ready = await place(crm, staff, flowers, status="готов")
    travelling = await place(crm, staff, flowers, status="собран")
    await change_status(shop_id=staff.shop.id, order_id=travelling["id"], to=S.IN_DELIVERY)
    troubled = await place(crm, staff, flowers, status="в работе")
    await report_issue(shop_id=staff.shop.id, order_id=troubled["id"], issue_type=IssueType.OTHER)
    done = await place(crm, staff, flowers, status="доставлен")
    await change_status(shop_id=staff.shop.id, order_id=done["id"], to=S.COMPLETED)
    fresh = await place(crm, staff, flowers)

    async def ids(word: str) -> list[int]:
        found = await ok(crm, "GET", f"/api/orders/?status={word}", staff.headers)
        assert {o["status"] for o in found} <= {word}
        return sorted(o["id"] for o in found)

    assert await ids("собран") == [assembled["id"]]
    assert await ids("готов") == sorted([ready["id"], travelling["id"]])
    assert await ids("в работе") == [troubled["id"]]
    assert await ids("доставлен") == [done["id"]]
    assert await ids("новый") == [fresh["id"]]
    assert await ids("оплачен") == []


async def test_an_order_created_in_a_later_status_is_walked_there(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    paid = await place(crm, staff, flowers, status="оплачен")
    assert paid["status"] == "оплачен"
    assert (await Order.get(id=paid["id"])).status is S.PAID
    made = await place(crm, staff, flowers, status="собран")
    assert made["status"] == "собран"
    assert await quantity_of(flowers.roses) == 100 - 11

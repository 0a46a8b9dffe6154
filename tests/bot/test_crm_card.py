"""One core under the crm contract and the staff bot: an order created over HTTP on the
CRM port with a team shows up in the shop's linked staff chat as an order card with the
same items and the canonical status; each status the crm sets edits that card in place,
and a press on the card reads back in the crm's words. On both stacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import Order, OrderStatus, Role
from core.runtime import Runtime
from tests.bot.conftest import BotHarness
from tests.bot.staff_world import STAFF_CHAT, World, build_world
from tests.factories import auth, make_member, token_for
from tests.fakes.telegram import FakeTelegram

Apps = Callable[[], Awaitable[dict[int, TestClient]]]


async def ok(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: Any = None
) -> Any:
    response = await client.request(method, path, headers=headers, json=body)
    payload = await response.json()
    assert response.status == 200, (method, path, response.status, payload)
    return payload


async def crm_order_with_a_team(
    world: World, runtime: Runtime, serve_apps: Apps
) -> tuple[TestClient, dict[str, str], dict[str, Any]]:
    """The CRM client, the owner's headers, and an order placed there: a client, a product
    made in the crm and the world's roses, a manager, two florists and the courier."""
    shop = world.shop
    manager = await make_member(shop, Role.MANAGER, name="Aliya")
    second_florist = await make_member(shop, Role.FLORIST, name="Gulnara")
    headers = auth(token_for(runtime, world.users["owner"], shop))
    crm = (await serve_apps())[runtime.settings.crm_port]

    client = await ok(
        crm,
        "POST",
        "/api/clients/",
        headers,
        {"name": "Айгуль", "phone": "+7 701 555 11 22", "client_type": "оба"},
    )
    tulips = await ok(
        crm,
        "POST",
        "/api/products/",
        headers,
        {"name": "Tulips in a box", "price": 18000, "category": "композиция"},
    )
    local_today = world.clock.now().astimezone(ZoneInfo(shop.timezone)).date()
    placed = await ok(
        crm,
        "POST",
        "/api/orders/",
        headers,
        {
            "client_id": client["id"],
            "recipient_id": client["id"],
            "manager_id": manager.id,
            "florist_ids": [world.users["florist"].id, second_florist.id],
            "courier_id": world.users["courier"].id,
            "delivery_date": datetime.combine(local_today, time(14, 0)).isoformat(),
            "delivery_address": "Abay ave 10, flat 5",
            "comment": "Call an hour ahead",
            "items": [
                {"product_id": world.product_id, "quantity": 2},
                {"product_id": tulips["id"], "quantity": 1},
            ],
        },
    )
    assert placed["status"] == "новый"
    return crm, headers, placed


async def test_an_order_created_in_crm_is_carded_in_the_staff_chat_and_follows_crm_statuses(
    bot_harness: BotHarness,
    telegram: FakeTelegram,
    runtime: Runtime,
    clock: FrozenClock,
    serve_apps: Apps,
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    crm, headers, placed = await crm_order_with_a_team(world, runtime, serve_apps)
    await world.drain()

    card = world.card()
    message_id = card["message_id"]
    order = await Order.get(id=placed["id"])
    assert order.status is OrderStatus.NEW
    assert (order.staff_card_chat_id, order.staff_card_message_id) == (STAFF_CHAT, message_id)
    text = card["text"]
    assert text.startswith(f"🧾 Order #{order.number} — 68,000 ₸")
    assert "Status: New" in text
    lines = text.split("\n")
    seen = await ok(crm, "GET", f"/api/orders/{placed['id']}", headers)
    items = [f"💐 {i['product_name']} × {i['quantity']}" for i in seen["items"]]
    assert items == ["💐 Bouquet of 9 roses × 2", "💐 Tulips in a box × 1"]
    assert [line for line in lines if line.startswith("💐 ")] == items
    assert seen["total_price"] == 68000
    assert "📍 Abay ave 10, flat 5" in lines
    assert "👤 Айгуль +77015551122" in lines
    assert "💬 Call an hour ahead" in lines
    assert "👩‍🌾 Florists: Dana, Gulnara" in lines
    assert "🚚 Courier: Erlan Bekov" in lines
    assert "💳 Mark paid" in [
        b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row
    ]

    for word, status, shown in (
        ("оплачен", OrderStatus.PAID, "Paid"),
        ("в работе", OrderStatus.IN_PRODUCTION, "Being made"),
        ("собран", OrderStatus.ASSEMBLED, "Assembled"),
        ("доставлен", OrderStatus.DELIVERED, "Delivered"),
    ):
        answer = await ok(
            crm, "PUT", f"/api/orders/{placed['id']}/status", headers, {"new_status": word}
        )
        assert answer["status"] == word
        assert (await Order.get(id=order.id)).status is status
        await world.drain()
        edited = world.card_edits(message_id)[-1]
        assert f"Status: {shown}" in (edited.text or ""), word
    # Edited in place all along: one card in the staff chat.
    assert world.card()["message_id"] == message_id
    posted = [
        c
        for c in telegram.calls_of("sendMessage")
        if c.chat_id == STAFF_CHAT and (c.text or "").startswith("🧾")
    ]
    assert len(posted) == 1
    # "доставлен" walked through out-for-delivery; the card's history shows each step.
    history = world.card_edits(message_id)[-1].text or ""
    for shown in ("Paid", "Being made", "Assembled", "Out for delivery", "Delivered"):
        assert f" {shown} — " in history


async def test_a_press_on_the_card_reads_back_in_crm_and_a_crm_cancel_closes_the_card(
    bot_harness: BotHarness,
    telegram: FakeTelegram,
    runtime: Runtime,
    clock: FrozenClock,
    serve_apps: Apps,
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    crm, headers, placed = await crm_order_with_a_team(world, runtime, serve_apps)
    path = f"/api/orders/{placed['id']}"
    await world.drain()
    message_id = world.card()["message_id"]

    await world.group["cashier"].press("Mark paid")
    assert world.last_answer().params.get("show_alert") is not True
    assert (await ok(crm, "GET", path, headers))["status"] == "оплачен"
    await world.drain()
    assert "Status: Paid" in (world.card_edits(message_id)[-1].text or "")

    await ok(crm, "PUT", path + "/status", headers, {"new_status": "отменен"})
    assert (await Order.get(id=placed["id"])).status is OrderStatus.CANCELLED
    await world.drain()
    closed = world.card_edits(message_id)[-1]
    assert "Status: Cancelled" in (closed.text or "")
    assert not (closed.params.get("reply_markup") or {}).get("inline_keyboard")

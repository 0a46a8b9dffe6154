"""A Shopify store synced and kept in step over real HTTP: a fake Admin API on loopback
(cursor-paginated orders, signed webhooks), the outbox jobs, the signed webhook, and
the staff chat's order cards through the real bot against the fake Bot API.

Every Shopify order exists once here, with its items, its money to the cent and its
status, whether it came by the sync, by a webhook, or by both; replayed webhooks change
nothing and forged ones are refused."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import Order, OrderItem, OutboxEvent, OutboxStatus, Shop
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.api.commerce.helpers import json_of, sign_in, sign_up
from tests.bot.conftest import bot_harness, telegram  # noqa: F401 (fixtures)
from tests.fakes.shopify import API_SECRET, FakeShopify
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.fakes.whatsapp import FakeGraph

V1 = "/api/v1"
STAFF_CHAT = -100700800
ACCESS_TOKEN = "shpat_0123456789abcdef"
WORDS = {"new": "pending", "paid": "paid", "delivered": "fulfilled", "cancelled": "cancelled"}


@pytest.fixture
def settings_overrides(
    shopify: FakeShopify,
    graph: FakeGraph,
    telegram: FakeTelegram,  # noqa: F811
) -> dict[str, Any]:
    return {
        "shopify_admin_url": shopify.admin_url,
        "shopify_api_version": shopify.version,
        "public_base_url": "https://sauda.example",
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
    }


def expected(order: dict[str, Any]) -> dict[str, Any]:
    """What the contract must show for a Shopify order."""
    if order["cancelled_at"] or order["financial_status"] == "voided":
        status = "cancelled"
    elif order["fulfillment_status"] == "fulfilled":
        status = "fulfilled"
    elif order["financial_status"] == "paid":
        status = "paid"
    else:
        status = "pending"
    return {
        "status": status,
        "items": [
            {"name": i["title"], "quantity": i["quantity"], "price": float(Decimal(i["price"]))}
            for i in order["line_items"]
        ],
        "total": float(Decimal(order["total_price"])),
        "currency": order["currency"],
    }


def shown(order: dict[str, Any]) -> dict[str, Any]:
    return {k: order[k] for k in ("status", "items", "total", "currency")}


async def drain(runtime: Runtime, clock: FrozenClock) -> int:
    # Some subscribers date rows by the wall clock: make everything pending due now.
    await OutboxEvent.filter(status=OutboxStatus.PENDING, next_attempt_at__gt=clock.now()).update(
        next_attempt_at=clock.now()
    )
    return await build_outbox_worker(runtime).drain(max_rounds=100)


async def all_orders(api: TestClient, pid: str, headers: dict[str, str]) -> dict[str, Any]:
    listed = await json_of(
        await api.get(f"{V1}/orders/{pid}?provider=shopify&page_size=200", headers=headers), 200
    )
    return {o["external_id"]: o for o in listed}


async def test_a_store_of_120_orders_syncs_page_by_page_and_webhooks_keep_it_in_step(
    api: TestClient,
    runtime: Runtime,
    clock: FrozenClock,
    shopify: FakeShopify,
    telegram: FakeTelegram,  # noqa: F811
    bot_harness: Any,  # noqa: F811
) -> None:
    shopify.access_token = ACCESS_TOKEN
    chance = random.Random(13)
    for n in range(120):
        items = [
            (
                f"Product {chr(65 + k)}",
                chance.randint(1, 3),
                f"{chance.randint(100, 9999) / 100:.2f}",
            )
            for k in range(chance.randint(1, 3))
        ]
        kind = n % 4
        order = shopify.add_order(
            items=items,
            financial_status="pending" if kind == 0 else "paid",
            customer={"first_name": f"Buyer{n}", "last_name": "Test", "email": f"b{n}@example.com",
                      "phone": f"+7701{5000000 + n:07d}"},
        )  # fmt: skip
        if kind == 2:
            shopify.update_order(order["id"], fulfillment_status="fulfilled")
        elif kind == 3 and n % 8 == 3:
            shopify.cancel_order(order["id"])
    headers = await sign_up(api, clock, "seller@example.com", "Seller")
    project = await json_of(
        await api.post(
            f"{V1}/projects",
            json={"name": "My Store", "timezone": "America/New_York", "currency": "USD",
                  "language": "en"},
            headers=headers,
        ),
        201,
    )  # fmt: skip
    pid = project["id"]
    await Shop.filter(public_id=pid).update(staff_chat_id=STAFF_CHAT)
    config = {
        "api_key": "your-api-key",
        "api_secret": API_SECRET,
        "shop_url": "https://YourStore.myshopify.com/admin",
        "access_token": ACCESS_TOKEN,
    }
    integration = await json_of(
        await api.post(
            f"{V1}/integrations/{pid}/connect",
            json={"provider": "shopify", "config": config},
            headers=headers,
        ),
        201,
    )
    assert integration["config"]["access_token"] == "shpa...def"
    assert integration["config"]["shop_url"] == "yourstore.myshopify.com"
    iid = integration["id"]
    await json_of(await api.post(f"{V1}/integrations/{pid}/{iid}/sync", headers=headers), 202)
    shopify.requests.clear()
    await drain(runtime, clock)

    # Three pages of at most 50, the later ones by their cursor alone.
    pages = [path for method, path in shopify.requests if "/orders.json" in path]
    assert len(pages) == 3, pages
    assert "status=any" in pages[0] and "limit=50" in pages[0]
    assert all("page_info=" in p and "status=" not in p for p in pages[1:])
    stored = await all_orders(api, pid, headers)
    assert len(stored) == 120
    for order in shopify.orders.values():
        assert shown(stored[str(order["id"])]) == expected(order), order["id"]
    assert await Order.filter(external_provider="shopify").count() == 120
    statuses = {o["status"] for o in stored.values()}
    assert statuses == {"pending", "paid", "fulfilled", "cancelled"}

    headers = await sign_in(api, clock, "seller@example.com")
    # Every order reached the staff chat as a card with its total to the cent.
    cards = [c for c in telegram.calls_of("sendMessage") if c.chat_id == STAFF_CHAT]
    assert len(cards) == 120
    texts = "\n".join(c.text or "" for c in cards)
    for order in shopify.orders.values():
        total = Decimal(order["total_price"])
        assert f"{total:,.2f} USD" in texts, order["total_price"]
    first = next(iter(shopify.orders.values()))
    card = next(c for c in cards if f"{Decimal(first['total_price']):,.2f} USD" in (c.text or ""))
    assert first["line_items"][0]["title"] in (card.text or "")

    # A new order by webhook, the same delivery replayed, then the sync: one order.
    hook = str(api.make_url(f"{V1}/webhooks/shopify"))
    clock.advance(seconds=120)
    shopify.now = clock.now()
    fresh = shopify.add_order(items=[("Gift box", 1, "19.99"), ("Ribbon", 3, "0.35")])
    body, _ = shopify.signed("orders/create", fresh["id"], webhook_id="wh-1")
    assert await shopify.deliver("orders/create", fresh["id"], url=hook, webhook_id="wh-1") == (
        200,
        {"status": "processed"},
    )
    assert await shopify.deliver("orders/create", fresh["id"], url=hook, webhook_id="wh-1") == (
        200,
        {"status": "duplicate"},
    )
    # Forged: another secret, a body changed after signing, a store nobody connected.
    status, error = await shopify.deliver("orders/create", fresh["id"], url=hook, secret="guess")
    assert (status, error["code"]) == (401, "UNAUTHORIZED")
    status, _ = await shopify.deliver("orders/create", fresh["id"], url=hook, tamper=True)
    assert status == 401
    shopify.shop, real = "other.myshopify.com", shopify.shop
    status, _ = await shopify.deliver("orders/create", fresh["id"], url=hook)
    shopify.shop = real
    assert status == 401
    assert await Order.filter(external_id=str(fresh["id"])).count() == 1

    # Updated (another quantity and total) and cancelled, by webhook.
    clock.advance(seconds=60)
    shopify.now = clock.now()
    changed = next(o for o in shopify.orders.values() if o["financial_status"] == "paid"
                   and not o["fulfillment_status"] and not o["cancelled_at"])  # fmt: skip
    line = changed["line_items"][0]
    line["quantity"] += 1
    changed["total_price"] = f"{Decimal(changed['total_price']) + Decimal(line['price']):.2f}"
    shopify.update_order(changed["id"])
    assert (await shopify.deliver("orders/updated", changed["id"], url=hook))[0] == 200
    cancelled = shopify.cancel_order(fresh["id"])
    assert (await shopify.deliver("orders/cancelled", cancelled["id"], url=hook))[0] == 200
    await drain(runtime, clock)

    # The next sync asks only for what changed since the last one and adds nothing.
    headers = await sign_in(api, clock, "seller@example.com")
    shopify.requests.clear()
    await json_of(await api.post(f"{V1}/integrations/{pid}/{iid}/sync", headers=headers), 202)
    await drain(runtime, clock)
    pages = [path for method, path in shopify.requests if "/orders.json" in path]
    assert len(pages) == 1 and "updated_at_min=" in pages[0]
    stored = await all_orders(api, pid, headers)
    assert len(stored) == 121
    for order in shopify.orders.values():
        assert shown(stored[str(order["id"])]) == expected(order), order["id"]
    assert await Order.filter(external_provider="shopify").count() == 121
    row = await Order.get(external_id=str(changed["id"]))
    assert await OrderItem.filter(order_id=row.id).count() == len(changed["line_items"])
    assert stored[str(fresh["id"])]["status"] == "cancelled"
    assert stored[str(fresh["id"])]["total"] == 21.04
    # The cards of the new and the cancelled order: posted, then edited in place.
    edits = [c for c in telegram.calls_of("editMessageText") if c.chat_id == STAFF_CHAT]
    assert any("Cancelled" in (c.text or "") and "21.04 USD" in (c.text or "") for c in edits)

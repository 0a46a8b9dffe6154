"""An integrator walks the shop document (seed 000) top to bottom over real HTTP, on both
stacks: OTP login, the catalog, a customer with an important date, an order with items
paid by a signed payment webhook and moved to `completed`, an issue on another order, a
production task, a supply delivery in dollars, public tracking (JSON and page), and the
three webhooks received by a receiver on loopback and checked with the document's own
`verify_webhook`.

Each stage is a helper that asserts on the answers as the document shows them; the one
test runs them in the order an integrator would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from core import webhooks
from core.clock import FrozenClock
from core.models import OutboxEvent, OutboxStatus
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.api.shop import shapes
from tests.api.shop.shapes import PRODUCT_KEYS, assert_shape
from tests.api.shop.test_payments import signed
from tests.api.test_webhooks_out import Receiver
from tests.factories import auth

# Orders in this walk always have a customer.
ORDER_KEYS = {**shapes.ORDER_KEYS, "customer_phone": str, "customer": dict}

OWNER_PHONE = "+77011234567"
WEBHOOK_SECRET = "integrator-webhook-secret-0123456789"
WINDOW = {"from_time": "2024-12-26T14:00:00", "to_time": "2024-12-26T16:00:00"}
PERSONAL = ("Мария", "Иванова", "Айгуль", "7017654321", "Достык", "кв. 45")


def verify_webhook(payload: bytes, signature: str, secret: str) -> bool:
    """The document's verification function, character for character."""
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Debug delivery answers with the code; the receiver listens on loopback.
    return {"otp_delivery": "debug", "allow_private_webhooks": True}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/sauda", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("/hooks/sauda"))
    yield state
    await server.close()


def assert_document_time(text: str) -> None:
    """`2024-12-26T14:30:00`: ISO 8601, seconds, no offset (UTC)."""
    assert len(text) == 19 and datetime.fromisoformat(text).tzinfo is None, text


@dataclass
class Walk:
    api: TestClient
    clock: FrozenClock
    headers: dict[str, str] = field(default_factory=dict)
    shop_id: int = 0

    async def call(self, method: str, path: str, status: int, **kw: Any) -> Any:
        response = await self.api.request(method, path, headers=self.headers, **kw)
        assert response.status == status, (method, path, await response.text())
        return None if status == 204 else await response.json()

    async def move(self, order_id: int, status: str) -> dict[str, Any]:
        return await self.call(
            "PATCH", f"/api/orders/{order_id}/status", 200, json={"status": status}
        )


# --- stages ------------------------------------------------------------------------------


async def log_in(walk: Walk) -> None:
    response = await walk.api.post("/api/auth/request-otp", json={"phone": OWNER_PHONE})
    assert response.status == 200, await response.text()
    sent = await response.json()
    assert set(sent) == {"message", "delivery_method", "otp_code"}
    assert sent["delivery_method"] == "debug" and len(sent["otp_code"]) == 6
    assert response.headers["X-RateLimit-Limit"]

    response = await walk.api.post(
        "/api/auth/verify-otp", json={"phone": OWNER_PHONE, "otp_code": sent["otp_code"]}
    )
    assert response.status == 200, await response.text()
    token = await response.json()
    assert_shape(token, {"access_token": str, "token_type": str, "shop_id": int, "shop_name": str})
    assert (token["token_type"], token["shop_name"]) == ("bearer", "Цветочный магазин 4567")
    walk.headers = auth(token["access_token"])
    walk.shop_id = token["shop_id"]

    response = await walk.api.get("/api/orders/", headers=walk.headers)
    assert await response.json() == {"items": [], "total": 0}
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert int(response.headers["X-RateLimit-Remaining"]) < 1000
    assert int(response.headers["X-RateLimit-Reset"]) > walk.clock.now().timestamp()


async def connect_receiver(walk: Walk, receiver: Receiver) -> str:
    """Configure the shop's webhook endpoint and its payment secret; the latter is returned."""
    endpoint = await walk.call(
        "POST", "/api/webhooks/", 201, json={"url": receiver.url, "secret": WEBHOOK_SECRET}
    )
    assert (endpoint["url"], endpoint["secret"], endpoint["is_active"]) == (
        receiver.url,
        WEBHOOK_SECRET,
        True,
    )
    assert set(endpoint["events"]) == set(webhooks.EVENTS)
    answer = await walk.call("PUT", "/api/shop/payment-secret", 200)
    assert len(answer["payment_secret"]) >= 32
    assert answer["signature_header"] == "X-Webhook-Signature"
    return answer["payment_secret"]


async def build_catalog(walk: Walk) -> dict[str, dict[str, Any]]:
    roses = await walk.call(
        "POST",
        "/api/products/",
        201,
        json={
            "name": "Букет роз 'Классика'",
            "category": "bouquet",
            "description": "25 красных роз премиум класса",
            "cost_price": 12000,
            "retail_price": 25000,
            "is_popular": True,
        },
    )
    assert_shape(roses, PRODUCT_KEYS)
    assert {k: v for k, v in roses.items() if k != "id"} == {
        "name": "Букет роз 'Классика'",
        "category": "bouquet",
        "description": "25 красных роз премиум класса",
        "cost_price": 12000,
        "retail_price": 25000,
        "sale_price": None,
        "is_active": True,
        "is_popular": True,
        "is_new": False,
        "current_price": 25000,
        "discount_percentage": 0,
    }
    tenderness = await walk.call(
        "POST",
        "/api/products/",
        201,
        json={
            "name": "Композиция 'Нежность'",
            "category": "composition",
            "retail_price": 20000,
            "sale_price": 15000,
            "is_new": True,
        },
    )
    assert (tenderness["current_price"], tenderness["discount_percentage"]) == (15000, 25)
    card = await walk.call(
        "POST",
        "/api/products/",
        201,
        json={"name": "Открытка", "category": "gift", "retail_price": 1000},
    )

    everything = await walk.call("GET", "/api/products/", 200)
    assert everything["total"] == 3
    for item in everything["items"]:
        assert_shape(item, PRODUCT_KEYS)
    bouquets = await walk.call("GET", "/api/products/", 200, params={"category": "bouquet"})
    assert bouquets == {"items": [roses], "total": 1}
    on_sale = await walk.call("GET", "/api/products/", 200, params={"on_sale": "true"})
    assert [p["id"] for p in on_sale["items"]] == [tenderness["id"]]
    pricey = await walk.call("GET", "/api/products/", 200, params={"min_price": 16000})
    assert [p["id"] for p in pricey["items"]] == [roses["id"]]
    return {"roses": roses, "tenderness": tenderness, "card": card}


async def register_customer(walk: Walk) -> dict[str, Any]:
    created = await walk.call(
        "POST",
        "/api/customers/",
        201,
        json={
            "phone": "+77017654321",
            "name": "Мария Иванова",
            "email": "maria@example.com",
            "address": "ул. Сатпаева 22",
            "birth_date": "1990-05-15",
            "preferences": "Любит белые розы",
        },
    )
    assert (created["phone"], created["name"], created["birth_date"]) == (
        "+77017654321",
        "Мария Иванова",
        "1990-05-15",
    )
    assert (created["orders_count"], created["total_spent"], created["important_dates"]) == (
        0,
        0,
        [],
    )
    birthday = await walk.call(
        "POST",
        f"/api/customers/{created['id']}/important-dates",
        201,
        json={
            "date_type": "birthday",
            "date": "1990-05-15",
            "description": "День рождения",
            "reminder_days": 3,
        },
    )
    assert {k: v for k, v in birthday.items() if k != "id"} == {
        "customer_id": created["id"],
        "date_type": "birthday",
        "date": "1990-05-15",
        "description": "День рождения",
        "reminder_days": 3,
    }
    customer = await walk.call("GET", f"/api/customers/{created['id']}", 200)
    assert customer["important_dates"] == [birthday]
    found = await walk.call("GET", "/api/customers/", 200, params={"search": "Мария"})
    assert [c["id"] for c in found["items"]] == [created["id"]]
    return customer


async def order_with_items(
    walk: Walk, customer: dict[str, Any], catalog: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    order = await walk.call(
        "POST",
        "/api/orders/with-items",
        201,
        json={
            "customer_phone": customer["phone"],
            "recipient_name": "Айгуль",
            "address": "г. Алматы, пр. Достык 89, кв. 45",
            "delivery_method": "delivery",
            "delivery_window": WINDOW,
            "delivery_fee": 2000,
            "items": [
                # A price sent by the client is not the catalog's and is ignored.
                {"product_id": catalog["roses"]["id"], "quantity": 2, "price": 1},
                {"product_id": catalog["card"]["id"], "quantity": 1},
            ],
        },
    )
    assert_shape(order, ORDER_KEYS)
    assert order["status"] == "new"
    assert (order["flower_sum"], order["delivery_fee"], order["total"]) == (51000, 2000, 53000)
    assert order["delivery_window"] == {"from": WINDOW["from_time"], "to": WINDOW["to_time"]}
    assert [(i["product_name"], i["quantity"], i["price"], i["total"]) for i in order["items"]] == [
        ("Букет роз 'Классика'", 2, 25000, 50000),
        ("Открытка", 1, 1000, 1000),
    ]
    assert order["customer_phone"] == customer["phone"]
    assert {k: order["customer"][k] for k in ("id", "name", "orders_count", "total_spent")} == {
        "id": customer["id"],
        "name": "Мария Иванова",
        "orders_count": 1,
        "total_spent": 0,
    }
    assert_document_time(order["created_at"])
    return order


async def pay_by_webhook(walk: Walk, order: dict[str, Any], payment_secret: str) -> None:
    notice = {
        "payment_method": "kaspi",
        "payment_id": "KASPI-12345",
        "amount": order["total"],
        "status": "success",
    }
    path = f"/api/orders/{order['id']}/payment-webhook"
    body = json.dumps(notice).encode()
    # The document's unsigned call would let anyone mark an order paid: refused.
    bare = await walk.api.post(path, data=body, headers={"Content-Type": "application/json"})
    assert bare.status == 401
    response = await walk.api.post(
        path, data=body, headers=signed(body, walk.clock, secret=payment_secret)
    )
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer == {
        "order_id": order["id"],
        "payment_id": "KASPI-12345",
        "payment_method": "kaspi",
        "amount": 53000,
        "payment_status": "success",
        "order_status": "paid",
    }
    # The provider retries: the same answer, nothing paid twice.
    walk.clock.advance(seconds=20)
    replay = await walk.api.post(
        path, data=body, headers=signed(body, walk.clock, secret=payment_secret)
    )
    assert (replay.status, await replay.json()) == (200, answer)


async def check_tracking(walk: Walk, order: dict[str, Any]) -> None:
    token = order["tracking_token"]
    response = await walk.api.get(f"/api/tracking/{token}")  # no Authorization
    assert response.status == 200
    text = await response.text()
    tracking = await response.json()
    assert set(tracking) == {
        "status",
        "updated_at",
        "delivery_method",
        "delivery_window",
        "address",
        "photos",
        "tracking_token",
    }
    assert tracking["status"] == "delivery"
    assert tracking["delivery_method"] == "delivery"
    assert tracking["delivery_window"] == {"from": WINDOW["from_time"], "to": WINDOW["to_time"]}
    assert tracking["address"] == "г. Алматы, пр. ***** д. 89"
    assert (tracking["photos"], tracking["tracking_token"]) == ([], token)
    assert_document_time(tracking["updated_at"])
    for personal in PERSONAL:
        assert personal not in text, personal

    page = await walk.api.get(f"/tracking/{token}")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = await page.text()
    assert "г. Алматы, пр. ***** д. 89" in html
    for personal in PERSONAL:
        assert personal not in html, personal
    assert (await walk.api.get("/api/tracking/no-such-token")).status == 404


async def walk_to_completed(walk: Walk, order: dict[str, Any]) -> dict[str, Any]:
    """paid -> assembled -> delivery -> delivered -> completed, tracking on the way."""
    for status in ("assembled", "delivery"):
        moved = await walk.move(order["id"], status)
        assert moved["status"] == status
    await check_tracking(walk, order)
    for status in ("delivered", "completed"):
        moved = await walk.move(order["id"], status)
        assert moved["status"] == status
    response = await walk.api.patch(
        f"/api/orders/{order['id']}/status", json={"status": "paid"}, headers=walk.headers
    )
    assert response.status == 400
    assert "completed" in (await response.json())["detail"]
    return moved


async def list_orders(walk: Walk, order: dict[str, Any], customer: dict[str, Any]) -> None:
    completed = await walk.call("GET", "/api/orders/", 200, params={"status": "completed"})
    assert completed["total"] == 1
    (listed,) = completed["items"]
    assert_shape(listed, ORDER_KEYS)
    assert listed["id"] == order["id"]
    assert (listed["customer"]["orders_count"], listed["customer"]["total_spent"]) == (1, 53000)
    found = await walk.call("GET", "/api/orders/", 200, params={"search": "7017654321"})
    assert [o["id"] for o in found["items"]] == [order["id"]]
    spenders = await walk.call("GET", "/api/customers/", 200, params={"min_spent": 50000})
    assert [c["id"] for c in spenders["items"]] == [customer["id"]]


async def order_with_issue(walk: Walk) -> dict[str, Any]:
    """The document's plain order (a new customer), a production task for it, then an issue."""
    order = await walk.call(
        "POST",
        "/api/orders/",
        201,
        json={
            "customer_phone": "+77011234567",
            "recipient_phone": "+77017654321",
            "recipient_name": "Айгуль Касымова",
            "address": "г. Алматы, пр. Достык 89, кв. 45",
            "delivery_method": "delivery",
            "delivery_window": WINDOW,
            "flower_sum": 25000,
            "delivery_fee": 2000,
            "total": 27000,
        },
    )
    assert_shape(order, ORDER_KEYS)
    assert (order["status"], order["total"], order["items"]) == ("new", 27000, [])

    task = await walk.call(
        "POST",
        "/api/production/tasks/",
        201,
        json={
            "order_id": order["id"],
            "task_type": "bouquet",
            "priority": "urgent",
            "deadline": "2024-12-26T14:00:00",
            "items": [
                {
                    "product_name": "Букет роз",
                    "quantity": 1,
                    "special_requests": "Добавить открытку",
                }
            ],
        },
    )
    assert (task["order_id"], task["task_type"], task["priority"], task["status"]) == (
        order["id"],
        "bouquet",
        "urgent",
        "pending",
    )
    assert task["deadline"] == "2024-12-26T14:00:00"
    assert task["items"] == [
        {"product_name": "Букет роз", "quantity": 1, "special_requests": "Добавить открытку"}
    ]
    queue = await walk.call("GET", "/api/production/tasks/", 200, params={"priority": "urgent"})
    assert [t["id"] for t in queue["items"]] == [task["id"]]

    issued = await walk.call(
        "PATCH",
        f"/api/orders/{order['id']}/issue",
        200,
        json={"issue_type": "wrong_address", "comment": "Клиент указал неправильный адрес"},
    )
    assert issued["status"] == "issue"
    return issued


async def receive_supply(walk: Walk) -> None:
    delivery = await walk.call(
        "POST",
        "/api/warehouse/deliveries",
        201,
        json={
            "supplier": "Flower Direct",
            "farm": "Ecuador Roses",
            "delivery_date": "2024-12-20T10:00:00",
            "currency": "USD",
            "rate": 470.0,
            "positions": [
                {"variety": "Роза Красная", "height_cm": 50, "qty": 200, "cost_per_stem": 0.5}
            ],
        },
    )
    assert (delivery["currency"], delivery["rate"], delivery["total_cost_kzt"]) == (
        "USD",
        470,
        47000,
    )
    (position,) = delivery["positions"]
    assert (position["cost_per_stem_kzt"], position["total_cost_kzt"]) == (235, 47000)

    stock = await walk.call("GET", "/api/warehouse/", 200, params={"variety": "роза"})
    assert stock["total"] == 1
    (item,) = stock["items"]
    assert item["id"] == position["stock_item_id"]
    assert (item["quantity"], item["price_per_unit"], item["supplier"]) == (
        200,
        235,
        "Flower Direct",
    )
    assert isinstance(item["quantity"], int) and isinstance(item["price_per_unit"], int)
    other = await walk.call("GET", "/api/warehouse/", 200, params={"supplier": "Someone Else"})
    assert other == {"items": [], "total": 0}


async def check_webhooks(
    walk: Walk,
    runtime: Runtime,
    receiver: Receiver,
    *,
    paid: dict[str, Any],
    issued: dict[str, Any],
    customer: dict[str, Any],
) -> None:
    worker = build_outbox_worker(runtime)
    await worker.drain()
    queued = await OutboxEvent.filter(topic=webhooks.TOPIC)
    assert queued and all(row.status == OutboxStatus.DELIVERED for row in queued)
    assert len(receiver.calls) == len(queued)
    assert len(set(receiver.ids)) == len(receiver.ids)

    for call in receiver.calls:
        assert verify_webhook(call.body, call.headers["X-Webhook-Signature"], WEBHOOK_SECRET)
        assert not verify_webhook(call.body, call.headers["X-Webhook-Signature"], "other")
        payload = call.payload
        assert set(payload) == {"event", "timestamp", "shop_id", "data"}
        assert payload["event"] == call.headers["X-Webhook-Event"]
        assert payload["shop_id"] == walk.shop_id
        assert_document_time(payload["timestamp"])

    def of(event: str) -> list[dict[str, Any]]:
        return [c.payload["data"] for c in receiver.calls if c.payload["event"] == event]

    changes = of("order.status_changed")
    for data in changes:
        assert set(data) == {"order_id", "old_status", "new_status", "tracking_token"}
    assert [(d["old_status"], d["new_status"]) for d in changes if d["order_id"] == paid["id"]] == [
        ("new", "paid"),
        ("paid", "assembled"),
        ("assembled", "delivery"),
        ("delivery", "delivered"),
        ("delivered", "completed"),
    ]
    assert {d["tracking_token"] for d in changes if d["order_id"] == paid["id"]} == {
        paid["tracking_token"]
    }
    assert [
        (d["old_status"], d["new_status"]) for d in changes if d["order_id"] == issued["id"]
    ] == [("new", "issue")]
    assert of("payment.received") == [
        {
            "order_id": paid["id"],
            "payment_id": "KASPI-12345",
            "payment_method": "kaspi",
            "amount": 53000,
            "tracking_token": paid["tracking_token"],
        }
    ]
    registered = of("customer.registered")
    assert registered == [
        {"customer_id": customer["id"], "phone": "+77017654321", "name": "Мария Иванова"},
        {"customer_id": issued["customer"]["id"], "phone": "+77011234567", "name": ""},
    ]

    # Drained once means delivered once.
    before = len(receiver.calls)
    assert await worker.drain() == 0
    assert len(receiver.calls) == before


# --- the walk ----------------------------------------------------------------------------


async def test_an_integrator_walks_the_document_from_login_to_signed_webhooks(
    api: TestClient, runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    walk = Walk(api=api, clock=clock)
    await log_in(walk)
    payment_secret = await connect_receiver(walk, receiver)
    catalog = await build_catalog(walk)
    customer = await register_customer(walk)
    order = await order_with_items(walk, customer, catalog)
    await pay_by_webhook(walk, order, payment_secret)
    completed = await walk_to_completed(walk, order)
    assert (completed["status"], completed["customer"]["total_spent"]) == ("completed", 53000)
    await list_orders(walk, order, customer)
    issued = await order_with_issue(walk)
    await receive_supply(walk)
    await check_webhooks(walk, runtime, receiver, paid=order, issued=issued, customer=customer)

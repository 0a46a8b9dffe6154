"""An integrator walks every endpoint of the commerce document (seed 002) over real HTTP
with the document's own bodies, on SQLite + in-process store and PostgreSQL + Redis:
auth, projects, integrations (a fake Shopify store and Meta's Graph API on loopback),
orders, messages, the assistant, reports, the inbound webhooks (Shopify's, WhatsApp's,
and Telegram's: the bot runs in webhook mode at `/api/v1/webhooks/telegram` with its
secret token, answering on the fake Bot API)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runner import SECRET_HEADER, BotService, start_bot
from core.clock import FrozenClock
from core.customers import link_chat
from core.models import Customer, Shop, TelegramUpdate
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.api.commerce.conftest import PUBLIC_BASE_URL
from tests.api.commerce.helpers import json_of, sign_up
from tests.bot.conftest import telegram, virtual_sleep  # noqa: F401 (fixture)
from tests.fakes.shopify import FakeShopify
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN, FakeGraph, WhatsAppCustomer

V1 = "/api/v1"
WA_ID = "77011234567"
PHONE = "+" + WA_ID
DOC_PROJECT = {
    "name": "My Store",
    "description": "E-commerce store",
    "timezone": "America/New_York",
    "settings": {},
}
DOC_CONNECT = {
    "provider": "shopify",
    "config": {
        "api_key": "your-api-key",
        "api_secret": "your-api-secret",
        "shop_url": "yourstore.myshopify.com",
    },
}


TELEGRAM_PATH = f"{V1}/webhooks/telegram"
TELEGRAM_SECRET = "telegram-webhook-secret-of-the-walk-0123"
TG_USER = 7_400_001


@pytest.fixture
def settings_overrides(
    settings_overrides: dict[str, Any],
    telegram: FakeTelegram,  # noqa: F811
) -> dict[str, Any]:
    """The commerce settings, and the bot in webhook mode at the document's path."""
    return {
        **settings_overrides,
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "telegram_webhook_url": PUBLIC_BASE_URL + TELEGRAM_PATH,
        "telegram_webhook_secret": TELEGRAM_SECRET,
    }


@pytest.fixture
async def bot(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[BotService]:
    runtime.extras["sleep"] = virtual_sleep(clock)
    cleanup = await start_bot(runtime)
    assert cleanup is not None
    yield runtime.extras["bot_service"]
    await cleanup()


@pytest.fixture
async def api(
    bot: BotService,
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]],
    runtime: Runtime,
) -> TestClient:
    """The API port, served once the bot has put its webhook route on it."""
    return (await serve_apps())[runtime.settings.api_port]


async def drain(runtime: Runtime) -> int:
    return await build_outbox_worker(runtime).drain(max_rounds=50)


def problem(body: Any, code: str) -> None:
    assert set(body) >= {"detail", "code", "timestamp"}, body
    assert body["code"] == code, body
    assert body["timestamp"].endswith("Z")


async def test_an_integrator_walks_every_endpoint_with_the_documents_bodies(
    api: TestClient,
    runtime: Runtime,
    clock: FrozenClock,
    shopify: FakeShopify,
    graph: FakeGraph,
    telegram: FakeTelegram,  # noqa: F811
    bot: BotService,
) -> None:
    headers = await sign_up(api, clock, "user@example.com")

    # --- projects ---------------------------------------------------------------------
    created = await json_of(
        await api.post(f"{V1}/projects", json=DOC_PROJECT, headers=headers), 201
    )
    assert {k: created[k] for k in DOC_PROJECT if k != "settings"} == {
        "name": "My Store",
        "description": "E-commerce store",
        "timezone": "America/New_York",
    }
    assert created["is_active"] is True and created["created_at"].endswith("Z")
    pid = created["id"]
    listed = await json_of(await api.get(f"{V1}/projects", headers=headers), 200)
    assert [p["id"] for p in listed] == [pid]
    assert set(listed[0]) >= {"id", "name", "description", "timezone", "is_active", "created_at"}
    assert await json_of(await api.get(f"{V1}/projects/{pid}", headers=headers), 200) == created
    patched = await json_of(
        await api.patch(
            f"{V1}/projects/{pid}",
            json={"description": "Flowers and gifts", "currency": "USD", "language": "en"},
            headers=headers,
        ),
        200,
    )
    assert (patched["description"], patched["currency"], patched["name"]) == (
        "Flowers and gifts",
        "USD",
        "My Store",
    )
    error = await json_of(
        await api.patch(f"{V1}/projects/{pid}", json={"timezone": "Mars/Base"}, headers=headers),
        422,
    )
    problem(error, "VALIDATION_ERROR")
    assert error["detail"][0]["loc"] == ["body", "timezone"]

    # --- integrations: Shopify ---------------------------------------------------------
    first = shopify.add_order(
        items=[("Product A", 2, "29.99")],
        customer={"first_name": "John", "last_name": "Doe", "email": "john@example.com",
                  "phone": PHONE},
    )  # fmt: skip
    shopify.add_order(items=[("Bouquet", 1, "45.50"), ("Card", 1, "3.25")], financial_status="paid")
    wrong = {**DOC_CONNECT, "config": {**DOC_CONNECT["config"], "api_secret": "guess"}}
    error = await json_of(
        await api.post(f"{V1}/integrations/{pid}/connect", json=wrong, headers=headers), 400
    )
    problem(error, "INTEGRATION_CREDENTIALS_REFUSED")
    integration = await json_of(
        await api.post(f"{V1}/integrations/{pid}/connect", json=DOC_CONNECT, headers=headers), 201
    )
    assert (integration["provider"], integration["status"], integration["project_id"]) == (
        "shopify",
        "connected",
        pid,
    )
    assert integration["config"]["api_key"] == "your...key"
    assert integration["config"]["shop_url"] == "yourstore.myshopify.com"
    assert "your-api-secret" not in str(integration) and "api_secret" not in integration["config"]
    assert integration["last_sync"] is None
    await drain(runtime)
    assert sorted(w["topic"] for w in shopify.webhooks.values()) == [
        "orders/cancelled",
        "orders/create",
        "orders/fulfilled",
        "orders/updated",
    ]
    assert {w["address"] for w in shopify.webhooks.values()} == {
        "https://sauda.example/api/v1/webhooks/shopify"
    }
    iid = integration["id"]
    queued = await json_of(
        await api.post(f"{V1}/integrations/{pid}/{iid}/sync", headers=headers), 202
    )
    assert queued == {"status": "queued", "message": "Sync task queued for shopify integration"}
    await drain(runtime)
    listed = await json_of(await api.get(f"{V1}/integrations/{pid}", headers=headers), 200)
    assert [i["id"] for i in listed] == [iid]
    assert listed[0]["last_sync"] is not None and listed[0]["config"]["api_key"] == "your...key"

    # WhatsApp: the same connect with provider whatsapp.
    number = await json_of(
        await api.post(
            f"{V1}/integrations/{pid}/connect",
            json={
                "provider": "whatsapp",
                "config": {"phone_number_id": PHONE_NUMBER_ID, "access_token": TOKEN},
            },
            headers=headers,
        ),
        201,
    )
    assert number["config"] == {"phone_number_id": PHONE_NUMBER_ID, "access_token": "EAAG...001"}
    graph.add_number(PHONE_NUMBER_ID, TOKEN)

    # --- orders --------------------------------------------------------------------------
    orders = await json_of(
        await api.get(
            f"{V1}/orders/{pid}?status=pending&days=30&page=1&page_size=50", headers=headers
        ),
        200,
    )
    assert len(orders) == 1
    order = orders[0]
    assert order == {
        "id": order["id"],
        "project_id": pid,
        "external_id": str(first["id"]),
        "number": order["number"],
        "provider": "shopify",
        "status": "pending",
        "customer": {"name": "John Doe", "email": "john@example.com", "phone": PHONE},
        "items": [{"name": "Product A", "quantity": 2, "price": 29.99}],
        "total": 59.98,
        "currency": "USD",
        "order_date": order["order_date"],
        "fulfilled_date": None,
    }
    every = await json_of(
        await api.get(f"{V1}/orders/{pid}?provider=shopify", headers=headers), 200
    )
    assert sorted((o["status"], o["total"]) for o in every) == [
        ("paid", 48.75),
        ("pending", 59.98),
    ]
    oid = order["id"]
    assert await json_of(await api.get(f"{V1}/orders/{pid}/{oid}", headers=headers), 200) == order
    stats = await json_of(
        await api.get(f"{V1}/orders/{pid}/stats/summary?days=30", headers=headers), 200
    )
    assert stats == {
        "period_days": 30,
        "total_orders": 2,
        "total_revenue": 108.73,
        "currency": "USD",
        "orders_by_status": {"pending": 1, "paid": 1},
        "average_order_value": 54.37,
    }

    # --- messages ----------------------------------------------------------------------
    async def post_whatsapp(raw: bytes, hook_headers: dict[str, str]) -> Any:
        response = await api.post(f"{V1}/webhooks/whatsapp", data=raw, headers=hook_headers)
        return response.status, await response.json()

    customer = WhatsAppCustomer(graph, post_whatsapp, wa_id=WA_ID, name="John Doe")
    assert await customer.send("Where is my order?") == (
        200,
        {"stored": 1, "repeated": 0, "statuses": 0},
    )
    inbox = await json_of(
        await api.get(
            f"{V1}/messages/{pid}/inbox?direction=inbound&days=7&page=1", headers=headers
        ),
        200,
    )
    assert len(inbox) == 1
    inbound = inbox[0]
    assert {k: inbound[k] for k in ("project_id", "order_id", "direction", "provider")} == {
        "project_id": pid,
        "order_id": oid,
        "direction": "inbound",
        "provider": "whatsapp",
    }
    assert inbound["content"] == "Where is my order?"
    assert inbound["sender"] == {"phone": PHONE, "name": "John Doe"}
    assert (inbound["is_read"], inbound["ai_generated"]) == (False, False)
    doc_send = {
        "recipient": {"phone": "+1234567890", "name": "John Doe"},
        "content": "Your order has been shipped!",
        "provider": "whatsapp",
        "content_type": "text",
        "order_id": oid,
    }
    # The document's placeholder phone is no number.
    error = await json_of(
        await api.post(f"{V1}/messages/{pid}/send", json=doc_send, headers=headers), 422
    )
    assert error["detail"][0]["loc"] == ["body", "recipient", "phone"]
    doc_send["recipient"] = {"phone": PHONE, "name": "John Doe"}
    keyed = {**headers, "Idempotency-Key": "send-1"}
    sent = await json_of(
        await api.post(f"{V1}/messages/{pid}/send", json=doc_send, headers=keyed), 201
    )
    again = await api.post(f"{V1}/messages/{pid}/send", json=doc_send, headers=keyed)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await json_of(again, 201) == sent
    assert (sent["direction"], sent["status"], sent["order_id"]) == ("outbound", "queued", oid)
    assert sent["recipient"] == {"phone": PHONE, "name": "John Doe"}
    await drain(runtime)
    assert [c.text for c in graph.messages(to=WA_ID)] == ["Your order has been shipped!"]
    on_telegram = {**doc_send, "provider": "telegram"}
    error = await json_of(
        await api.post(f"{V1}/messages/{pid}/send", json=on_telegram, headers=headers), 400
    )
    problem(error, "TELEGRAM_CHAT_UNKNOWN")
    thread = await json_of(
        await api.get(f"{V1}/messages/{pid}/conversation/{oid}", headers=headers), 200
    )
    assert [(m["direction"], m["content"], m["status"]) for m in thread] == [
        ("inbound", "Where is my order?", "received"),
        ("outbound", "Your order has been shipped!", "sent"),
    ]
    read = await json_of(
        await api.patch(f"{V1}/messages/{pid}/{inbound['id']}/read", headers=headers), 200
    )
    assert read["is_read"] is True
    unread = await json_of(
        await api.get(
            f"{V1}/messages/{pid}/inbox?is_read=false&direction=inbound", headers=headers
        ),
        200,
    )
    assert unread == []
    message_stats = await json_of(
        await api.get(f"{V1}/messages/{pid}/stats/summary?days=30", headers=headers), 200
    )
    assert {k: message_stats[k] for k in ("sent", "received", "read_rate", "unread")} == {
        "sent": 1,
        "received": 1,
        "read_rate": 1.0,
        "unread": 0,
    }
    assert message_stats["by_provider"] == {"whatsapp": {"sent": 1, "received": 1}}
    assert message_stats["median_first_response_seconds"] is not None

    # --- the assistant -------------------------------------------------------------------
    answer = await json_of(
        await api.post(
            f"{V1}/assistant/query",
            json={
                "project_id": pid,
                "message": f"What is the status of order #{first['id']}?",
                "use_function_calling": True,
                "context": {},
                "order_id": oid,
            },
            headers=headers,
        ),
        200,
    )
    assert set(answer) == {"reply", "function_calls", "tokens_used", "cost", "model"}
    assert str(first["id"]) in answer["reply"]
    assert answer["function_calls"][0]["name"] == "fetch_order_details"
    reply = await json_of(
        await api.post(
            f"{V1}/assistant/generate-reply",
            params={"project_id": pid, "order_id": oid, "customer_message": "Where is it?"},
            headers=headers,
        ),
        200,
    )
    assert reply["reply"]
    sentiment = await json_of(
        await api.post(
            f"{V1}/assistant/analyze-sentiment",
            params={"project_id": pid, "message": "My order is late, where is my order?!!"},
            headers=headers,
        ),
        200,
    )
    assert (sentiment["sentiment"], sentiment["urgency"]) == ("negative", "high")
    assert {"delivery delay", "order status"} <= set(sentiment["concerns"])
    usage = await json_of(
        await api.get(f"{V1}/assistant/usage/{pid}?days=30", headers=headers), 200
    )
    assert set(usage) == {
        "period_days",
        "total_api_calls",
        "total_tokens_used",
        "total_cost_usd",
        "average_cost_per_call",
    }

    # --- orders: PATCH with the document's body -----------------------------------------
    updated = await json_of(
        await api.patch(
            f"{V1}/orders/{pid}/{oid}",
            json={"status": "fulfilled", "fulfilled_date": "2025-01-12T12:00:00Z"},
            headers=headers,
        ),
        200,
    )
    assert (updated["status"], updated["fulfilled_date"]) == ("fulfilled", "2025-01-12T12:00:00Z")
    error = await json_of(
        await api.patch(f"{V1}/orders/{pid}/{oid}", json={"status": "pending"}, headers=headers),
        400,
    )
    problem(error, "BAD_REQUEST")
    error = await json_of(
        await api.patch(f"{V1}/orders/{pid}/{oid}", json={"status": "lost"}, headers=headers),
        422,
    )
    assert error["detail"][0]["loc"] == ["body", "status"]

    # --- reports -------------------------------------------------------------------------
    doc_report = {
        "report_type": "sales",
        "start_date": "2025-01-01T00:00:00Z",
        "end_date": "2025-01-31T23:59:59Z",
        "filters": {},
    }
    old = await json_of(
        await api.post(f"{V1}/reports/{pid}/generate", json=doc_report, headers=headers), 201
    )
    assert old["payload"]["total_orders"] == 0
    today = clock.now()
    period = {
        "start_date": (today.replace(hour=0, minute=0, second=0) - _days(29)).isoformat(),
        "end_date": today.isoformat(),
    }
    sales = await json_of(
        await api.post(
            f"{V1}/reports/{pid}/generate",
            json={**doc_report, **period},
            headers=headers,
        ),
        201,
    )
    assert set(sales) >= {"id", "project_id", "report_type", "summary", "payload", "generated_at"}
    assert sales["payload"]["total_orders"] == 2
    assert sales["payload"]["total_revenue"] == "108.73"
    assert "2 orders" in sales["summary"] and "$108.73" in sales["summary"]
    messages_report = await json_of(
        await api.post(
            f"{V1}/reports/{pid}/generate",
            json={**doc_report, **period, "report_type": "messages"},
            headers=headers,
        ),
        201,
    )
    assert (messages_report["payload"]["sent"], messages_report["payload"]["received"]) == (1, 1)
    performance = await json_of(
        await api.post(
            f"{V1}/reports/{pid}/generate",
            json={**doc_report, **period, "report_type": "performance"},
            headers=headers,
        ),
        201,
    )
    assert performance["payload"]["fulfilled_orders"] == 1
    listed = await json_of(
        await api.get(f"{V1}/reports/{pid}?report_type=sales&page=1", headers=headers), 200
    )
    assert [r["id"] for r in listed] == [sales["id"], old["id"]]
    rid = sales["id"]
    assert await json_of(await api.get(f"{V1}/reports/{pid}/{rid}", headers=headers), 200) == sales
    chart = await api.get(f"{V1}/reports/{pid}/{rid}/chart.png", headers=headers)
    assert chart.status == 200 and chart.content_type == "image/png"
    assert (await chart.read()).startswith(b"\x89PNG")
    exported = await api.get(f"{V1}/reports/{pid}/{rid}/export.csv", headers=headers)
    text = await exported.text()
    assert exported.content_type == "text/csv" and "total_revenue,108.73" in text
    await json_of(await api.delete(f"{V1}/reports/{pid}/{old['id']}", headers=headers), 204)
    problem(
        await json_of(await api.get(f"{V1}/reports/{pid}/{old['id']}", headers=headers), 404),
        "NOT_FOUND",
    )

    # --- webhooks: Shopify ---------------------------------------------------------------
    hook = str(api.make_url(f"{V1}/webhooks/shopify"))
    fresh = shopify.add_order(items=[("Product B", 1, "10.00")])
    assert await shopify.deliver("orders/create", fresh["id"], url=hook) == (
        200,
        {"status": "processed"},
    )
    status, body = await shopify.deliver("orders/create", fresh["id"], url=hook, secret="forged")
    assert status == 401
    problem(body, "UNAUTHORIZED")

    # --- webhooks: Telegram (the bot's webhook mode) ------------------------------------
    assert telegram.webhook["url"] == PUBLIC_BASE_URL + TELEGRAM_PATH
    assert telegram.webhook["secret_token"] == TELEGRAM_SECRET
    shop_row = await Shop.get(public_id=pid)
    slug = shop_row.slug
    tg_user = telegram.user_dict(TG_USER, "Jane", "en", None)

    def update(text: str) -> dict[str, Any]:
        message = telegram.message_update(tg_user, text=text, date=int(clock.now().timestamp()))
        return message.model_dump(mode="json", exclude_none=True)

    start = update(f"/start shop_{slug}")
    for wrong in ({}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: ""}):
        response = await api.post(TELEGRAM_PATH, json=start, headers=wrong)
        assert response.status == 401, wrong
        problem(await response.json(), "UNAUTHORIZED")
    await bot.idle()
    assert await TelegramUpdate.filter(update_id=start["update_id"]).count() == 0
    assert telegram.texts(TG_USER) == []
    tg_headers = {SECRET_HEADER: TELEGRAM_SECRET}
    assert await json_of(await api.post(TELEGRAM_PATH, json=start, headers=tg_headers), 200) == {
        "ok": True
    }
    await bot.idle()
    assert telegram.texts(TG_USER)[0].startswith("Hello, Jane! Welcome to My Store.")
    # John Doe (the WhatsApp customer above) has this chat linked too, as a customer
    # who ordered in the bot would: his Telegram words join his thread in the inbox.
    john = await Customer.get(shop_id=shop_row.id, phone=PHONE)
    await link_chat(
        shop_id=shop_row.id,
        customer_id=john.id,
        address=ChatAddress(ChannelName.TELEGRAM, str(TG_USER)),
    )
    clock.advance(seconds=60)
    question = update("Do you deliver on Sundays?")
    await json_of(await api.post(TELEGRAM_PATH, json=question, headers=tg_headers), 200)
    await bot.idle()
    assert telegram.texts(TG_USER)[-1].startswith("Thank you!")
    inbox = await json_of(
        await api.get(f"{V1}/messages/{pid}/inbox?provider=telegram", headers=headers), 200
    )
    assert [(m["direction"], m["provider"], m["content"]) for m in inbox] == [
        ("inbound", "telegram", "Do you deliver on Sundays?")
    ]
    assert inbox[0]["sender"]["phone"] == PHONE

    # --- disconnect and delete -----------------------------------------------------------
    await json_of(await api.delete(f"{V1}/integrations/{pid}/{iid}", headers=headers), 204)
    await drain(runtime)
    assert shopify.webhooks == {}
    problem(
        await json_of(await api.post(f"{V1}/integrations/{pid}/{iid}/sync", headers=headers), 409),
        "CONFLICT",
    )
    await json_of(await api.delete(f"{V1}/projects/{pid}", headers=headers), 204)
    assert await json_of(await api.get(f"{V1}/projects", headers=headers), 200) == []
    gone = await json_of(await api.get(f"{V1}/projects/{pid}", headers=headers), 200)
    assert gone["is_active"] is False
    orders = await json_of(await api.get(f"{V1}/orders/{pid}", headers=headers), 200)
    assert len(orders) == 3
    response = await api.get(f"{V1}/orders/{pid}", headers=headers)
    assert response.headers["X-RateLimit-Limit"] == "100"


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)

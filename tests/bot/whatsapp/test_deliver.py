"""WhatsApp messages out through the outbox, the real Graph client and the fake Graph
server, on both stacks: free-form within 24 hours of the customer's last message (by its
own timestamp), templates outside it, Meta's errors (rate limit, re-engagement, invalid
number, missing template) and what staff are told, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.channels.whatsapp_out import tell_whatsapp
from core.clock import FrozenClock
from core.models import Message, MessageDirection, MessageStatus, OutboxEvent, OutboxStatus, Shop
from core.photos import photos_dir
from core.ports.chat import Action, ChannelName, ChatAddress, OutgoingMessage
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.factories import make_shop
from tests.fakes.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeGraph,
    WhatsAppCustomer,
)

WA_ID = "77011234567"
ADDRESS = ChatAddress(ChannelName.WHATSAPP, WA_ID)
STAFF_CHAT = -100777
PAID = "We have received the payment for order #{number}. Thank you!"
REMINDER = "🎂 {who} has a birthday on {date}.\nShall we prepare flowers?"
TEMPLATES = {
    "order_update": {
        "name": "order_update",
        "languages": {"ru": "ru", "en": "en_US"},
        "params": ["number"],
    },
    "date_reminder": {
        "name": "flowers_reminder",
        "language": "ru",
        "params": ["who", "date"],
        "quick_replies": 1,
    },
}


@pytest.fixture
async def graph(clock: FrozenClock) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(clock=clock, enforce_window=True)
    fake.add_number(PHONE_NUMBER_ID, TOKEN)
    fake.add_template("order_update", "ru", params=1)
    fake.add_template("order_update", "en_US", params=1)
    fake.add_template("flowers_reminder", "ru", params=2, quick_replies=1)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(graph: FakeGraph) -> dict[str, Any]:
    return {
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": VERSION,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "public_base_url": "https://shop.example.kz",
        # The deliverer on its own: staff answer; the shop chat's own replies are
        # tests/bot/test_shop_dialogue.py's.
        "whatsapp_dialogue": False,
    }


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    return await make_shop("Гүлдер", slug="gulder")


@pytest.fixture
async def configured(shop: Shop) -> Shop:
    shop.staff_chat_id = STAFF_CHAT
    shop.settings = {"whatsapp_templates": TEMPLATES}
    await shop.save()
    return shop


@pytest.fixture
def customer(api: TestClient, graph: FakeGraph) -> WhatsAppCustomer:
    async def post(raw: bytes, headers: dict[str, str]) -> Any:
        response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        return await response.json()

    return WhatsAppCustomer(graph, post, wa_id=WA_ID, name="Айгерим")


async def tell(
    runtime: Runtime, shop: Shop, message: OutgoingMessage, event_type: str = "message"
) -> OutboxEvent:
    return await tell_whatsapp(
        address=ADDRESS,
        message=message,
        shop_id=shop.id,
        event_type=event_type,
        now=runtime.clock.now(),
    )


async def drain(runtime: Runtime, rounds: int = 5) -> int:
    """Rows delivered by a few rounds of the worker (a round that only kills rows ends
    OutboxWorker.drain early; rows of one customer go one per round)."""
    worker = build_outbox_worker(runtime)
    return sum([await worker.run_once() for _ in range(rounds)])


async def staff_notices(shop: Shop) -> list[OutboxEvent]:
    """What staff are told about deliveries (not the customer's messages themselves,
    which the staff chat shows too: bot.staff_inbox)."""
    return (
        await OutboxEvent.filter(topic="telegram", shop_id=shop.id)
        .exclude(event_type="staff.inbox_message")
        .order_by("id")
    )


def menu(language: str = "ru") -> OutgoingMessage:
    return OutgoingMessage(
        PAID,
        {"number": 12},
        language=language,
        actions=[
            [Action("menu", "orders", "📦 My orders"), Action("menu", "catalog", "🌸 Catalog")]
        ],
        order_id=None,
    )


async def test_within_the_window_text_buttons_list_and_image_go_out_and_are_recorded(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    await customer.send("Сәлем")
    photo = photos_dir(runtime.settings.data_dir)
    photo.mkdir(parents=True, exist_ok=True)
    (photo / ("d" * 32 + ".jpg")).write_bytes(b"\xff\xd8courier photo")

    await tell(runtime, configured, OutgoingMessage(PAID, {"number": 12}, language="kk"))
    await tell(runtime, configured, menu("kk"))
    days = [[Action("checkout.day", f"2026-12-{d:02d}", f"{d:02d}.12")] for d in range(1, 6)]
    await tell(
        runtime, configured, OutgoingMessage("Choose an option:", language="en", actions=days)
    )
    delivered = OutgoingMessage(
        "Your order #{number} has been delivered. Thank you!",
        {"number": 12},
        language="en",
        photos=[f"https://shop.example.kz/photos/{'d' * 32}.jpg", "https://cdn.example.kz/b.jpg"],
    )
    await tell(runtime, configured, delivered, "customer.order_delivered")
    assert await drain(runtime) == 4

    text, buttons, listing, uploaded, linked = graph.messages(to=WA_ID)
    assert text.type == "text" and text.text.startswith("№12")
    assert buttons.titles() == ["Менің тапсырыстарым", "🌸 Каталог"]
    assert [b["id"] for b in buttons.buttons()] == ["menu:orders", "menu:catalog"]
    assert listing.interactive["type"] == "list" and len(listing.rows()) == 5
    assert listing.rows()[0] == {"id": "checkout.day:2026-12-01", "title": "01.12"}
    (upload,) = graph.uploads()
    assert upload.files["file"] == b"\xff\xd8courier photo"
    assert uploaded.body["image"] == {
        "id": upload.answer["id"],
        "caption": "Your order #12 has been delivered. Thank you!",
    }
    assert linked.body["image"] == {"link": "https://cdn.example.kz/b.jpg"}

    ours = await Message.filter(direction=MessageDirection.OUTBOUND).order_by("id")
    assert [m.external_id for m in ours] == [c.message_id for c in graph.messages(to=WA_ID)]
    assert all(m.status == MessageStatus.QUEUED for m in ours)
    assert ours[0].text.startswith("№12") and ours[0].conversation_id is not None
    assert ours[0].customer_id is not None

    await customer.deliver()  # an empty delivery changes nothing
    status = graph.status_update(ours[1].external_id, "read", wa_id=WA_ID)
    raw, headers = graph.signed(graph.delivery(statuses=[status]))
    await customer.post(raw, headers)
    assert (await Message.get(id=ours[1].id)).status == MessageStatus.READ


async def test_outside_the_window_an_order_notice_goes_as_its_template(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
) -> None:
    await customer.send("Букет бар ма?", at=clock.now() - timedelta(hours=25))
    await tell(runtime, configured, menu("en"), "customer.order_paid")
    assert await drain(runtime) == 1
    (sent,) = graph.messages(to=WA_ID, ok=None)  # no free-form attempt first
    assert sent.type == "template"
    assert sent.template == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "12"}]}],
    }
    ours = await Message.get(external_id=sent.message_id)
    assert ours.payload["template"] == "order_update"
    assert ours.text == "We have received the payment for order #12. Thank you!"


async def test_the_window_is_the_customers_own_timestamp_not_when_meta_delivered_it(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
) -> None:
    await customer.send("hi", at=clock.now() - timedelta(hours=23, minutes=59))
    await tell(runtime, configured, menu(), "customer.order_paid")
    assert await drain(runtime) == 1
    assert graph.messages(to=WA_ID)[-1].type == "interactive"

    clock.advance(minutes=2)  # now 24 h and 1 min after the customer wrote
    await tell(runtime, configured, menu(), "customer.order_paid")
    assert await drain(runtime) == 1
    assert [c.type for c in graph.messages(to=WA_ID, ok=None)] == ["interactive", "template"]


async def test_a_reminder_outside_the_window_is_a_template_whose_button_reorders(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
) -> None:
    from core import events

    reminder = OutgoingMessage(
        REMINDER,
        {"who": "Мама", "date": "03.12"},
        language="ru",
        actions=[[Action("order.reorder", "7", "🔁 Order the same as last time")]],
    )
    await tell(runtime, configured, reminder, "date_reminder")
    assert await drain(runtime) == 1
    (sent,) = graph.messages(to=WA_ID)
    assert sent.template["name"] == "flowers_reminder"
    assert sent.template["components"] == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Мама"}, {"type": "text", "text": "03.12"}],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": "order.reorder:7"}],
        },
    ]

    seen: list[events.DomainEvent] = []

    async def record(event: events.DomainEvent) -> None:
        seen.append(event)

    events.bus.subscribe(events.CONVERSATION_MESSAGE_RECEIVED, record)
    try:
        await customer.press_quick_reply("Повторить заказ")
    finally:
        events.bus._subscribers[events.CONVERSATION_MESSAGE_RECEIVED].remove(record)
    (pressed,) = seen
    assert pressed.payload["action"] == {"kind": "order.reorder", "value": "7"}
    assert pressed.payload["data"]["context"] == sent.message_id


async def test_re_engagement_from_meta_falls_back_to_the_template(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
) -> None:
    await customer.send("hi")
    graph.fail(code=131047, to=WA_ID)
    await tell(runtime, configured, menu(), "customer.order_paid")
    assert await drain(runtime) == 1
    refused, sent = graph.messages(to=WA_ID, ok=None)
    assert refused.error_code == 131047 and refused.type == "interactive"
    assert sent.ok and sent.type == "template" and sent.template["name"] == "order_update"


async def test_a_late_re_engagement_failure_sends_the_template_after_all(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
) -> None:
    await customer.send("hi")
    await tell(runtime, configured, menu(), "customer.order_paid")
    assert await drain(runtime) == 1
    (first,) = graph.messages(to=WA_ID)
    failed = graph.status_update(first.message_id, "failed", wa_id=WA_ID, error_code=131047)
    raw, headers = graph.signed(graph.delivery(statuses=[failed]))
    await customer.post(raw, headers)
    assert await drain(runtime) == 1
    assert graph.messages(to=WA_ID)[-1].type == "template"
    await customer.post(raw, headers)  # Meta repeats the callback: no second template
    assert await drain(runtime) == 0
    assert len(graph.messages(to=WA_ID)) == 2


async def test_a_missing_template_is_dead_at_once_and_staff_are_told_once(
    runtime: Runtime, configured: Shop, graph: FakeGraph
) -> None:
    configured.settings = {"whatsapp_templates": {}}
    await configured.save()
    first = await tell(runtime, configured, menu(), "customer.order_assembled")
    second = await tell(runtime, configured, menu(), "customer.order_delivered")
    await drain(runtime)
    for row in (first, second):
        stored = await OutboxEvent.get(id=row.id)
        assert stored.status == OutboxStatus.DEAD and stored.attempts == 1
        assert "no template for 'order_update'" in (stored.last_error or "")
    assert graph.messages(to=WA_ID, ok=None) == []
    (notice,) = await staff_notices(configured)
    assert notice.payload["chat_id"] == STAFF_CHAT
    assert notice.payload["params"]["template"] == "order_update"
    assert "+77011234567" in notice.payload["params"]["customer"]


async def test_a_template_meta_does_not_know_is_reported_once(
    runtime: Runtime, configured: Shop, graph: FakeGraph
) -> None:
    graph.templates.clear()
    await tell(runtime, configured, menu(), "customer.order_paid")
    await tell(runtime, configured, menu(), "customer.order_paid")
    await drain(runtime)
    assert [c.error_code for c in graph.messages(to=WA_ID, ok=None)] == [132001, 132001]
    assert await OutboxEvent.filter(topic="whatsapp", status=OutboxStatus.DEAD).count() == 2
    assert len(await staff_notices(configured)) == 1


async def test_an_invalid_number_is_dead_and_staff_are_told_once(
    runtime: Runtime, configured: Shop, customer: WhatsAppCustomer, graph: FakeGraph
) -> None:
    await customer.send("hi")
    graph.fail(code=131026, to=WA_ID, times=2)
    first = await tell(runtime, configured, menu())
    second = await tell(runtime, configured, menu())
    await drain(runtime)
    for row in (first, second):
        stored = await OutboxEvent.get(id=row.id)
        assert stored.status == OutboxStatus.DEAD and stored.attempts == 1
    (notice,) = await staff_notices(configured)
    assert "Айгерим" in notice.payload["params"]["customer"]
    assert notice.event_type == "whatsapp_undeliverable"


async def test_a_rate_limit_backs_off_and_the_message_goes_out_once_later(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
) -> None:
    await customer.send("hi")
    graph.fail(code=130429)
    row = await tell(runtime, configured, menu())
    assert await drain(runtime) == 0
    waiting = await OutboxEvent.get(id=row.id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at >= clock.now() + timedelta(seconds=5)
    assert "RateLimited" in (waiting.last_error or "")
    assert await drain(runtime) == 0  # not due yet
    clock.advance(seconds=6)
    graph.fail(code=131056)
    assert await drain(runtime) == 0
    clock.advance(seconds=11)
    assert await drain(runtime) == 1
    assert [c.error_code for c in graph.messages(to=WA_ID, ok=None)] == [130429, 131056, None]
    assert await Message.filter(direction=MessageDirection.OUTBOUND).count() == 1


async def test_a_retry_does_not_send_the_parts_that_already_went_out(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
) -> None:
    await customer.send("hi")
    days = [[Action("checkout.day", str(d), f"Day {d}")] for d in range(1, 6)]
    message = OutgoingMessage(
        "Choose an option:", language="en", photos=["https://cdn.example.kz/a.jpg"], actions=days
    )
    row = await tell(runtime, configured, message)
    graph.fail(code=131000, status=500)
    original = graph._take_failure

    def fail_second(path: str, to: str | None) -> Any:
        # The image goes out; the list after it meets Meta's 500.
        if len(graph.messages(to=WA_ID)) == 0:
            return None
        return original(path, to)

    graph._take_failure = fail_second  # type: ignore[method-assign]
    assert await drain(runtime) == 0
    assert (await OutboxEvent.get(id=row.id)).payload["sent_parts"] == 1
    clock.advance(seconds=10)
    assert await drain(runtime) == 1
    types = [c.type for c in graph.messages(to=WA_ID)]
    assert types == ["image", "interactive"]


async def test_a_shop_without_a_number_cannot_send(runtime: Runtime, shop: Shop) -> None:
    other = await make_shop("Другой", slug="other")
    row = await tell(runtime, other, menu())
    await drain(runtime)
    stored = await OutboxEvent.get(id=row.id)
    assert stored.status == OutboxStatus.DEAD and "no WhatsApp number" in (stored.last_error or "")


async def test_a_photo_the_customer_sent_is_downloaded_with_the_shops_token(
    runtime: Runtime, configured: Shop, customer: WhatsAppCustomer, graph: FakeGraph
) -> None:
    from bot.whatsapp.deliver import download_photo

    await customer.send_photo(b"\xff\xd8customer bouquet idea")
    stored = await Message.get(channel="whatsapp", direction=MessageDirection.INBOUND)
    content, mime = await download_photo(
        runtime, shop_id=configured.id, media_id=stored.payload["media_id"]
    )
    assert (content, mime) == (b"\xff\xd8customer bouquet idea", "image/jpeg")


async def test_a_date_reminder_of_a_customer_on_both_messengers_goes_to_each_and_as_a_template_to_whatsapp(
    runtime: Runtime,
    configured: Shop,
    customer: WhatsAppCustomer,
    graph: FakeGraph,
    clock: FrozenClock,
) -> None:
    """The fan-out writes one row per chat; WhatsApp, outside the 24-hour window, sends
    the approved template whose quick reply is the reorder of the last order for that
    recipient. The Telegram row (no bot in this deployment) waits and blocks nothing."""
    from datetime import UTC, date, datetime

    from core.models import Customer, DateType, ImportantDate
    from core.orders.service import ItemRequest, place_order
    from core.reminders import send_date_reminders
    from tests.factories import give_chats, make_product

    clock.set(datetime(2026, 5, 12, 5, 0, tzinfo=UTC))  # 10:00 in Almaty
    await customer.send("Сәлем", at=clock.now() - timedelta(days=3))
    person = await Customer.get(shop=configured, phone="+" + WA_ID)
    await give_chats(person, telegram=555)
    roses = await make_product(configured, "Розы")
    order = await place_order(
        shop_id=configured.id,
        customer_id=person.id,
        recipient_name="Мама",
        items=[ItemRequest(roses.id, 1)],
    )
    await ImportantDate.create(
        shop=configured,
        customer=person,
        date_type=DateType.BIRTHDAY,
        date=date(1960, 5, 15),
        recipient_name="Мама",
    )
    assert await send_date_reminders(shop_id=configured.id, now=clock.now()) == 1
    rows = await OutboxEvent.filter(event_type="date_reminder").order_by("id")
    assert [(r.topic, r.destination) for r in rows] == [("whatsapp", WA_ID), ("telegram", "555")]

    await drain(runtime)
    (sent,) = graph.messages(to=WA_ID, ok=None)
    assert sent.type == "template"
    assert sent.template["name"] == "flowers_reminder"
    assert sent.template["components"][-1]["parameters"] == [
        {"type": "payload", "payload": f"order.reorder:{order.id}"}
    ]
    whatsapp_row, telegram_row = [await OutboxEvent.get(id=r.id) for r in rows]
    assert whatsapp_row.status is OutboxStatus.DELIVERED
    assert telegram_row.status is OutboxStatus.PENDING

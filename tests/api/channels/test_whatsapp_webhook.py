"""Meta's webhook at /api/v1/webhooks/whatsapp over real HTTP, on both stacks: the
handshake, signed / unsigned / wrongly signed / replayed / repeated deliveries, every
message kind, status callbacks, and the 24-hour window by the message's own timestamp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core import events
from core.channels.inbox import record_outbound, window_open
from core.clock import FrozenClock
from core.customers import chat_addresses
from core.models import Conversation, Customer, Message, MessageDirection, MessageStatus, Shop
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from tests.factories import make_customer, make_shop
from tests.fakes.whatsapp import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraph, WhatsAppCustomer

PATH = "/api/v1/webhooks/whatsapp"
VERIFY_TOKEN = "sauda-verify-token-42"
WA_ID = "77011234567"
ADDRESS = ChatAddress(ChannelName.WHATSAPP, WA_ID)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
    }


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    return await make_shop("Гүлдер", slug="gulder")


@pytest.fixture
def graph(clock: FrozenClock) -> FakeGraph:
    # Only builds deliveries here: nothing is sent to Meta in these tests.
    return FakeGraph(clock=clock)


@pytest.fixture
def received() -> AsyncIterator[list[events.DomainEvent]]:
    seen: list[events.DomainEvent] = []

    async def record(event: events.DomainEvent) -> None:
        seen.append(event)

    names = (events.CONVERSATION_MESSAGE_RECEIVED, events.CONVERSATION_MESSAGE_FAILED)
    for name in names:
        events.bus.subscribe(name, record)
    yield seen  # type: ignore[misc]
    for name in names:
        events.bus._subscribers[name].remove(record)


async def post(api: TestClient, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    response = await api.post(PATH, data=raw, headers=headers)
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, body


@pytest.fixture
def customer(api: TestClient, graph: FakeGraph) -> WhatsAppCustomer:
    async def send(raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        return await post(api, raw, headers)

    return WhatsAppCustomer(graph, send, wa_id=WA_ID, name="Айгерим")


async def test_the_handshake_answers_the_challenge_for_the_right_token(
    api: TestClient, runtime: Runtime
) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await api.get(PATH, params=query)
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"
    for wrong in ({"hub.verify_token": "guess"}, {"hub.mode": "unsubscribe"}):
        response = await api.get(PATH, params={**query, **wrong})
        assert response.status == 403
    runtime.settings = runtime.settings.model_copy(update={"whatsapp_verify_token": ""})
    response = await api.get(PATH, params={**query, "hub.verify_token": ""})
    assert response.status == 403


async def test_a_signed_text_is_stored_with_its_customer_before_the_answer(
    shop: Shop,
    customer: WhatsAppCustomer,
    clock: FrozenClock,
    received: list[events.DomainEvent],
) -> None:
    status, body = await customer.send("Сәлеметсіз бе! Букет бар ма?")
    assert (status, body) == (200, {"stored": 1, "repeated": 0, "statuses": 0})

    stored = await Message.get(channel="whatsapp")
    assert stored.direction == MessageDirection.INBOUND
    assert stored.text == "Сәлеметсіз бе! Букет бар ма?"
    assert stored.external_id.startswith("wamid.")
    assert stored.sent_at == clock.now()
    person = await Customer.get(id=stored.customer_id)
    assert (person.shop_id, person.phone, person.name) == (shop.id, "+77011234567", "Айгерим")
    assert await chat_addresses(customer_id=person.id) == [ChatAddress(ChannelName.WHATSAPP, WA_ID)]
    conversation = await Conversation.get(id=stored.conversation_id)
    assert (conversation.shop_id, conversation.channel, conversation.external_id) == (
        shop.id,
        "whatsapp",
        WA_ID,
    )
    assert conversation.customer_id == person.id
    assert conversation.last_inbound_at == clock.now()

    (event,) = received
    assert event.name == events.CONVERSATION_MESSAGE_RECEIVED
    assert event.shop_id == shop.id
    assert event.payload["message_id"] == stored.id
    assert event.payload["address"] == {"channel": "whatsapp", "external_id": WA_ID}
    assert event.payload["kind"] == "text" and event.payload["customer_id"] == person.id


async def test_a_customer_known_from_telegram_is_the_same_customer(
    shop: Shop, customer: WhatsAppCustomer
) -> None:
    known = await make_customer(
        shop=shop, phone="+77011234567", name="Aigerim", telegram=555, language="kk"
    )
    await customer.send("hi")
    assert await Customer.filter(shop=shop).count() == 1
    again = await Customer.get(id=known.id)
    assert again.name == "Aigerim" and again.language == "kk"
    assert await chat_addresses(customer_id=known.id) == [
        ChatAddress(ChannelName.TELEGRAM, "555"),
        ChatAddress(ChannelName.WHATSAPP, WA_ID),
    ]
    assert (await Message.get(channel="whatsapp")).customer_id == known.id


async def test_unsigned_and_wrongly_signed_deliveries_are_refused_and_use_up_nothing(
    shop: Shop,
    api: TestClient,
    graph: FakeGraph,
    received: list[events.DomainEvent],
) -> None:
    delivery = graph.delivery(messages=[graph.text(WA_ID, "hello", message_id="wamid.ONE")])
    raw, headers = graph.signed(delivery)
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    forged = graph.signed(delivery, secret="not-the-app-secret")[1]
    for attempt in (
        unsigned,
        forged,
        {**headers, "X-Hub-Signature-256": "sha1=" + headers["X-Hub-Signature-256"][7:]},
        {**headers, "X-Hub-Signature-256": "sha256="},
    ):
        status, body = await post(api, raw, attempt)
        assert status == 401, attempt
        assert body == {"detail": "Invalid signature"}
    tampered = raw.replace(b"hello", b"HELLO")
    assert (await post(api, tampered, headers))[0] == 401
    assert await Message.all().count() == 0 and not received

    status, body = await post(api, raw, headers)
    assert (status, body["stored"]) == (200, 1)
    assert (await Message.get(external_id="wamid.ONE")).text == "hello"
    assert len(received) == 1


async def test_without_an_app_secret_every_delivery_is_refused(
    shop: Shop, api: TestClient, runtime: Runtime, graph: FakeGraph
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"whatsapp_app_secret": ""})
    raw, headers = graph.signed(graph.delivery(messages=[graph.text(WA_ID, "hi")]))
    status, body = await post(api, raw, headers)
    assert status == 403 and body == {"detail": "WhatsApp webhook is not configured"}
    assert await Message.all().count() == 0


async def test_a_repeated_or_replayed_delivery_takes_effect_once(
    shop: Shop,
    api: TestClient,
    graph: FakeGraph,
    clock: FrozenClock,
    received: list[events.DomainEvent],
) -> None:
    raw, headers = graph.signed(
        graph.delivery(messages=[graph.text(WA_ID, "one bouquet please", message_id="wamid.X")])
    )
    assert (await post(api, raw, headers))[1]["stored"] == 1
    assert (await post(api, raw, headers))[1] == {"stored": 0, "repeated": 1, "statuses": 0}
    first_seen = (await Conversation.get(external_id=WA_ID)).last_inbound_at

    clock.advance(hours=30)
    status, body = await post(api, raw, headers)  # replayed a day later, by anybody
    assert (status, body["repeated"]) == (200, 1)
    assert await Message.filter(external_id="wamid.X").count() == 1
    assert len(received) == 1
    assert (await Conversation.get(external_id=WA_ID)).last_inbound_at == first_seen
    assert not await window_open(shop_id=shop.id, address=ADDRESS, now=clock.now())


async def test_two_copies_of_a_message_in_one_delivery_count_once(
    shop: Shop, api: TestClient, graph: FakeGraph, received: list[events.DomainEvent]
) -> None:
    message = graph.text(WA_ID, "twice", message_id="wamid.TWICE")
    raw, headers = graph.signed(graph.delivery(messages=[message, message]))
    assert (await post(api, raw, headers))[1] == {"stored": 1, "repeated": 1, "statuses": 0}
    assert len(received) == 1


async def test_the_window_follows_the_newest_message_timestamp_even_out_of_order(
    shop: Shop, customer: WhatsAppCustomer, clock: FrozenClock
) -> None:
    await customer.send("newer", at=clock.now() - timedelta(hours=2))
    await customer.send("older, delivered late", at=clock.now() - timedelta(hours=20))
    conversation = await Conversation.get(external_id=WA_ID)
    assert conversation.last_inbound_at == clock.now() - timedelta(hours=2)
    clock.advance(hours=21, minutes=59)
    assert await window_open(shop_id=shop.id, address=ADDRESS, now=clock.now())
    clock.advance(minutes=1)
    assert not await window_open(shop_id=shop.id, address=ADDRESS, now=clock.now())


async def test_a_message_retried_late_by_meta_opens_no_window(
    shop: Shop, customer: WhatsAppCustomer, clock: FrozenClock
) -> None:
    status, body = await customer.send("written yesterday", at=clock.now() - timedelta(hours=25))
    assert (status, body["stored"]) == (200, 1)
    assert not await window_open(shop_id=shop.id, address=ADDRESS, now=clock.now())


async def test_every_kind_of_message_is_read_into_core_terms(
    shop: Shop, customer: WhatsAppCustomer, graph: FakeGraph, received: list[events.DomainEvent]
) -> None:
    await customer.deliver(
        graph.button_reply(WA_ID, "approval.approve:12", "Нравится", context="wamid.OURS"),
        graph.list_reply(WA_ID, "checkout.day:2026-12-03", "Завтра", description="3 декабря"),
        graph.quick_reply(WA_ID, "order.reorder:7", "Повторить заказ"),
        graph.location(WA_ID, 43.238949, 76.889709, name="Абая 10"),
        graph.image(WA_ID, b"\xff\xd8photo", caption="вот такой"),
        graph.contacts(WA_ID, "+7 701 999 88 77", name="Aliya", contact_wa_id="77019998877"),
        graph._message(WA_ID, "sticker", {"sticker": {"id": "1"}}, at=None, message_id=None),
    )
    by_kind = [(e.payload["kind"], e.payload["text"], e.payload["action"]) for e in received]
    assert by_kind == [
        ("action", "Нравится", {"kind": "approval.approve", "value": "12"}),
        ("action", "Завтра", {"kind": "checkout.day", "value": "2026-12-03"}),
        ("action", "Повторить заказ", {"kind": "order.reorder", "value": "7"}),
        ("location", "Абая 10", None),
        ("photo", "вот такой", None),
        ("contact", "Aliya", None),
        ("unsupported", "", None),
    ]
    data = [e.payload["data"] for e in received]
    assert data[0]["context"] == "wamid.OURS"
    assert data[1]["description"] == "3 декабря"
    assert (data[3]["latitude"], data[3]["longitude"]) == (43.238949, 76.889709)
    assert data[4]["media_id"] in graph.media and data[4]["mime_type"] == "image/jpeg"
    assert data[5]["contacts"][0]["phones"] == [
        {"phone": "+7 701 999 88 77", "wa_id": "77019998877"}
    ]
    assert data[6]["type"] == "sticker"
    stored = await Message.filter(channel="whatsapp").order_by("id")
    assert [m.payload["kind"] for m in stored] == [k for k, _, _ in by_kind]


async def test_status_callbacks_move_our_message_forward_only(
    shop: Shop,
    api: TestClient,
    graph: FakeGraph,
    clock: FrozenClock,
    received: list[events.DomainEvent],
) -> None:
    ours = await record_outbound(
        shop_id=shop.id, address=ADDRESS, external_id="wamid.OUT", text="Ready", sent_at=clock.now()
    )
    assert ours.status == MessageStatus.QUEUED

    async def callback(status: str, **extra: Any) -> dict[str, Any]:
        update = graph.status_update("wamid.OUT", status, wa_id=WA_ID, **extra)
        raw, headers = graph.signed(graph.delivery(statuses=[update]))
        code, body = await post(api, raw, headers)
        assert code == 200
        return dict(body)

    assert (await callback("delivered"))["statuses"] == 1  # "sent" came late, below
    assert (await callback("sent"))["statuses"] == 0
    assert (await Message.get(id=ours.id)).status == MessageStatus.DELIVERED
    assert (await callback("read"))["statuses"] == 1
    assert (await callback("read"))["statuses"] == 0
    assert (await Message.get(id=ours.id)).status == MessageStatus.READ
    assert not received

    other = await record_outbound(
        shop_id=shop.id, address=ADDRESS, external_id="wamid.LOST", text="x", sent_at=clock.now()
    )
    update = graph.status_update("wamid.LOST", "failed", wa_id=WA_ID, error_code=131047)
    raw, headers = graph.signed(graph.delivery(statuses=[update]))
    assert (await post(api, raw, headers))[1]["statuses"] == 1
    assert (await post(api, raw, headers))[1]["statuses"] == 0
    failed = await Message.get(id=other.id)
    assert failed.status == MessageStatus.FAILED
    assert failed.status_detail == "131047 Re-engagement message"
    (event,) = received
    assert event.name == events.CONVERSATION_MESSAGE_FAILED
    assert event.payload["message_id"] == other.id and event.payload["error_code"] == 131047


async def test_a_delivery_for_a_number_we_do_not_serve_stores_nothing(
    shop: Shop, api: TestClient, graph: FakeGraph
) -> None:
    raw, headers = graph.signed(
        graph.delivery(messages=[graph.text(WA_ID, "hi")], phone_number_id="999000")
    )
    assert await post(api, raw, headers) == (200, {"stored": 0, "repeated": 0, "statuses": 0})
    assert await Message.all().count() == 0


async def test_a_signed_delivery_that_is_not_json_is_a_400(
    shop: Shop, api: TestClient, graph: FakeGraph
) -> None:
    raw = b"not json"
    status, _ = await post(
        api, raw, {"X-Hub-Signature-256": graph.signed({})[1]["X-Hub-Signature-256"]}
    )
    assert status == 401  # a signature of another body
    from tests.fakes.whatsapp import signature

    status, body = await post(api, raw, {"X-Hub-Signature-256": signature(raw)})
    assert status == 400 and body == {"detail": "The delivery is not JSON"}


async def test_signed_deliveries_are_not_rate_limited_but_refused_ones_are(
    shop: Shop, api: TestClient, runtime: Runtime, graph: FakeGraph
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"rate_limit_per_hour": 3})
    for index in range(5):
        raw, headers = graph.signed(graph.delivery(messages=[graph.text(WA_ID, f"m{index}")]))
        assert (await post(api, raw, headers))[0] == 200
    raw, _ = graph.signed(graph.delivery(messages=[graph.text(WA_ID, "forged")]))
    statuses = [(await post(api, raw, {"X-Hub-Signature-256": "sha256=00"}))[0] for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_a_customer_who_ordered_in_telegram_sees_the_same_orders_from_whatsapp(
    shop: Shop, customer: WhatsAppCustomer, clock: FrozenClock
) -> None:
    from core import storefront
    from core.models import DeliveryMethod
    from tests.factories import make_product

    telegram = ChatAddress(ChannelName.TELEGRAM, "555")
    roses = await make_product(shop, "Розы")
    day = storefront.bookable_days(shop, clock.now())[0]
    window = storefront.open_slots(shop, day, clock.now())[0].label
    checkout = storefront.ChatCheckout(
        checkout_id="tg-1",
        cart={str(roses.id): 2},
        phone="+77011234567",
        name="Aigerim",
        recipient_name="Мама",
        recipient_phone="+77017654321",
        delivery_method=DeliveryMethod.PICKUP,
        address="",
        latitude=None,
        longitude=None,
        day=day,
        window=window,
        card_text=None,
        language="kk",
        chat=telegram,
    )
    order, placed = await storefront.place_chat_order(shop=shop, checkout=checkout, clock=clock)
    assert placed and order.channel == "telegram"
    assert await storefront.customer_orders(shop_id=shop.id, address=ADDRESS) == []

    await customer.send("Сәлем! Менің тапсырысым қайда?")
    seen = await storefront.customer_orders(shop_id=shop.id, address=ADDRESS)
    assert [o.id for o in seen] == [order.id]
    mine, items = await storefront.customer_order(
        shop_id=shop.id, address=ADDRESS, order_id=order.id
    )
    assert mine.id == order.id and [i.quantity for i in items] == [2]
    assert await storefront.saved_language(address=ADDRESS) == "kk"
    assert await Customer.filter(shop=shop).count() == 1
    # Another WhatsApp number sees none of them.
    stranger = ChatAddress(ChannelName.WHATSAPP, "77019998877")
    assert await storefront.customer_orders(shop_id=shop.id, address=stranger) == []

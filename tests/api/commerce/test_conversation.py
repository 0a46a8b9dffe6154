"""One inbox across messengers: a customer writes on WhatsApp, another on Telegram;
staff answer one from `messages/send` and the other from the staff bot (a reply to the
notice in the staff chat); the inbox and conversation endpoints show one thread per
customer in time order, with read flags and stats that add up. Real HTTP to our API,
Meta's Graph API faked on loopback, the real bot against the fake Bot API."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.customers import link_chat
from core.models import Customer, Shop, User
from core.orders.service import FreeLine, place_order
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.api.commerce.helpers import json_of, sign_in, sign_up
from tests.bot.conftest import bot_harness, telegram  # noqa: F401 (fixtures)
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.fakes.whatsapp import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraph, WhatsAppCustomer

V1 = "/api/v1"
STAFF_CHAT = -100900100
STAFF_TG = 7_300_001
ARU_WA = "77011234567"
BEK_TG = 7_300_002
BEK_PHONE = "+77017654321"


@pytest.fixture
def settings_overrides(
    shopify: Any,
    graph: FakeGraph,
    telegram: FakeTelegram,  # noqa: F811
) -> dict[str, Any]:
    return {
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": graph.version,
        "whatsapp_app_secret": APP_SECRET,
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        # The commerce inbox is the integrator's: no shop chat answers its WhatsApp
        # messages (tests/bot/test_shop_dialogue.py has the shop chat on).
        "whatsapp_dialogue": False,
    }


async def drain(runtime: Runtime) -> int:
    return await build_outbox_worker(runtime).drain(max_rounds=50)


async def test_two_customers_on_two_messengers_are_two_threads_that_add_up(
    api: TestClient,
    runtime: Runtime,
    clock: FrozenClock,
    graph: FakeGraph,
    telegram: FakeTelegram,  # noqa: F811
    bot_harness: Any,  # noqa: F811
) -> None:
    headers = await sign_up(api, clock, "seller@example.com", "Dana")
    project = await json_of(
        await api.post(
            f"{V1}/projects", json={"name": "Flowers", "language": "en"}, headers=headers
        ),
        201,
    )
    pid = project["id"]
    await json_of(
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
    graph.add_number(PHONE_NUMBER_ID, TOKEN)
    shop = await Shop.get(public_id=pid)
    shop.staff_chat_id = STAFF_CHAT
    await shop.save(update_fields=["staff_chat_id"])
    await User.filter(email="seller@example.com").update(telegram_id=STAFF_TG, language="en")
    aru_order = await place_order(
        shop_id=shop.id,
        customer_phone="+" + ARU_WA,
        customer_name="Aru",
        lines=[FreeLine(name="Roses", quantity=1, price=25000)],
        flower_sum=25000,
    )
    bek_order = await place_order(
        shop_id=shop.id,
        customer_phone=BEK_PHONE,
        customer_name="Bek",
        lines=[FreeLine(name="Tulips", quantity=3, price=5000)],
        flower_sum=15000,
    )
    bek = await Customer.get(phone=BEK_PHONE)
    await Customer.filter(id=bek.id).update(language="en")
    await link_chat(
        shop_id=shop.id, customer_id=bek.id, address=ChatAddress(ChannelName.TELEGRAM, str(BEK_TG))
    )
    orders = {o["external_id"]: o["id"] for o in await json_of(
        await api.get(f"{V1}/orders/{pid}", headers=headers), 200)}  # fmt: skip
    aru_oid, bek_oid = orders[str(aru_order.number)], orders[str(bek_order.number)]
    await drain(runtime)  # the new orders' cards
    start = clock.now()

    async def post_whatsapp(raw: bytes, hook_headers: dict[str, str]) -> Any:
        response = await api.post(f"{V1}/webhooks/whatsapp", data=raw, headers=hook_headers)
        return response.status, await response.json()

    aru = WhatsAppCustomer(graph, post_whatsapp, wa_id=ARU_WA, name="Aru")
    bek = bot_harness.user(user_id=BEK_TG, first_name="Bek", language_code="en")
    staff = bot_harness.group_member(
        STAFF_CHAT, user_id=STAFF_TG, first_name="Dana", language_code="en"
    )

    # Aru writes on WhatsApp, Bek on Telegram a minute later.
    assert (await aru.send("Where is my order?", at=start))[0] == 200
    clock.advance(seconds=60)
    await bot_harness.feed(
        telegram.message_update(
            bek.user, text="Can I change the address?", date=int(clock.now().timestamp())
        )
    )
    # Kept and passed on (or drafted by the assistant for staff): he is thanked either way.
    assert (telegram.texts(BEK_TG) or [""])[-1].startswith("Thank you!")
    await drain(runtime)
    notices = [
        c
        for c in telegram.calls_of("sendMessage")
        if c.chat_id == STAFF_CHAT and "Reply to this message" in (c.text or "")
    ]
    assert len(notices) == 2
    assert "Aru (+77011234567) on WhatsApp" in (notices[0].text or "")
    assert "Bek (+77017654321) on Telegram" in (notices[1].text or "")

    # Staff answer Aru from the API two minutes after she wrote ...
    clock.advance(seconds=60)
    sent = await json_of(
        await api.post(
            f"{V1}/messages/{pid}/send",
            json={
                "recipient": {"phone": "+" + ARU_WA, "name": "Aru"},
                "content": "It leaves at 15:00 today.",
                "provider": "whatsapp",
                "order_id": aru_oid,
            },
            headers=headers,
        ),
        201,
    )
    assert sent["status"] == "queued"
    # ... and Bek from the staff chat, replying to his notice three minutes after he wrote.
    clock.advance(seconds=120)
    await bot_harness.feed(
        telegram.message_update(
            staff.user,
            chat=staff.chat,
            text="Yes, send us the new one.",
            date=int(clock.now().timestamp()),
            reply_to_message=notices[1].result,
        )
    )
    assert "Sent to the customer" in (telegram.texts(STAFF_CHAT) or [""])[-1]
    await drain(runtime)
    assert [c.text for c in graph.messages(to=ARU_WA)] == ["It leaves at 15:00 today."]
    assert "Yes, send us the new one." in telegram.texts(BEK_TG)

    # A stranger in the staff chat cannot answer customers.
    stranger = bot_harness.group_member(
        STAFF_CHAT, user_id=7_300_099, first_name="Eve", language_code="en"
    )
    await bot_harness.feed(
        telegram.message_update(
            stranger.user, chat=stranger.chat, text="Hi", reply_to_message=notices[0].result
        )
    )
    assert "Only the shop's staff" in (telegram.texts(STAFF_CHAT) or [""])[-1]

    # Aru thanks them.
    clock.advance(seconds=60)
    assert (await aru.send("Thanks!", at=clock.now()))[0] == 200
    await drain(runtime)

    headers = await sign_in(api, clock, "seller@example.com")
    inbox = await json_of(await api.get(f"{V1}/messages/{pid}/inbox", headers=headers), 200)
    assert [(m["provider"], m["direction"], m["content"]) for m in inbox] == [
        ("whatsapp", "inbound", "Thanks!"),
        ("telegram", "outbound", "Yes, send us the new one."),
        ("whatsapp", "outbound", "It leaves at 15:00 today."),
        ("telegram", "inbound", "Can I change the address?"),
        ("whatsapp", "inbound", "Where is my order?"),
    ]
    assert all(m["status"] in ("sent", "received") for m in inbox), inbox
    by_order = {m["content"]: m["order_id"] for m in inbox}
    assert by_order["Where is my order?"] == by_order["Thanks!"] == aru_oid
    assert by_order["Can I change the address?"] == by_order["Yes, send us the new one."] == bek_oid
    aru_thread = await json_of(
        await api.get(f"{V1}/messages/{pid}/conversation/{aru_oid}", headers=headers), 200
    )
    assert [(m["direction"], m["content"]) for m in aru_thread] == [
        ("inbound", "Where is my order?"),
        ("outbound", "It leaves at 15:00 today."),
        ("inbound", "Thanks!"),
    ]
    assert {m["provider"] for m in aru_thread} == {"whatsapp"}
    assert aru_thread[0]["sender"] == {"phone": "+" + ARU_WA, "name": "Aru"}
    assert aru_thread[1]["sender"]["name"] == "Dana"
    bek_thread = await json_of(
        await api.get(f"{V1}/messages/{pid}/conversation/{bek_oid}", headers=headers), 200
    )
    assert [(m["provider"], m["direction"], m["content"]) for m in bek_thread] == [
        ("telegram", "inbound", "Can I change the address?"),
        ("telegram", "outbound", "Yes, send us the new one."),
    ]

    # Read flags: inbound messages arrive unread; staff read one of Aru's.
    unread = await json_of(
        await api.get(f"{V1}/messages/{pid}/inbox?is_read=false", headers=headers), 200
    )
    assert [m["content"] for m in unread] == [
        "Thanks!",
        "Can I change the address?",
        "Where is my order?",
    ]
    await json_of(
        await api.patch(f"{V1}/messages/{pid}/{aru_thread[0]['id']}/read", headers=headers), 200
    )
    unread = await json_of(
        await api.get(f"{V1}/messages/{pid}/inbox?is_read=false", headers=headers), 200
    )
    assert [m["content"] for m in unread] == ["Thanks!", "Can I change the address?"]
    telegram_only = await json_of(
        await api.get(f"{V1}/messages/{pid}/inbox?provider=telegram", headers=headers), 200
    )
    assert len(telegram_only) == 2

    stats = await json_of(
        await api.get(f"{V1}/messages/{pid}/stats/summary?days=1", headers=headers), 200
    )
    assert stats == {
        "period_days": 1,
        "total_messages": 5,
        "sent": 2,
        "received": 3,
        "unread": 2,
        "by_provider": {
            "telegram": {"sent": 1, "received": 1},
            "whatsapp": {"sent": 1, "received": 2},
        },
        "read_rate": 0.3333,
        # Aru waited 120 s, Bek 180 s: the median of the two.
        "median_first_response_seconds": 150.0,
        "ai_generated": 0,
    }

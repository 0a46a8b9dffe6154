"""A Telegram customer of a service firm asks for a consultation in the bot (real
aiogram against the fake Bot API); the consultation reaches the firm's fake Chatwoot and
fake 1C over real HTTP, the customer is told 1C's number, and when Chatwoot calls the
running app's signed webhook (an agent's reply, then "resolved") the customer reads the
reply and the closing message in the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.consultations import connections
from core.customers import chat_addresses
from core.models import Consultation, ConsultationStatus, Customer, OutboxEvent, Shop
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from core.vault import Vault
from tests.bot.conftest import BotHarness, deliver_outbox
from tests.factories import make_shop
from tests.fakes.chatwoot import FakeChatwoot
from tests.fakes.onec import FakeOneC
from tests.fakes.telegram import TelegramUser

CW_TOKEN = "cw-api-token-of-the-firm-0123"
CW_SECRET = "cw-webhook-secret-of-the-firm-0123"
STAFF_CHAT = -100700700


@dataclass
class Firm:
    shop: Shop
    chatwoot: FakeChatwoot
    onec: FakeOneC
    webhook_url: str


@pytest.fixture
async def firm(
    runtime: Runtime, serve_apps: Callable[[], Awaitable[dict[int, TestClient]]]
) -> AsyncIterator[Firm]:
    shop = await make_shop("Бухгалтерия Ташкент", slug="buh", timezone="Asia/Tashkent")
    chatwoot = await FakeChatwoot(token=CW_TOKEN, account_id=3).start()
    onec = await FakeOneC(username="bot", password="1c-password").start()
    vault = Vault(runtime.settings.secrets_key)
    integration = await connections.connect_chatwoot(
        shop_id=shop.id,
        base_url=chatwoot.base_url,
        account_id=3,
        inbox_id=7,
        api_access_token=CW_TOKEN,
        webhook_secret=CW_SECRET,
        vault=vault,
    )
    await connections.connect_onec(
        shop_id=shop.id, base_url=onec.base_url, username="bot", password="1c-password", vault=vault
    )
    consult = (await serve_apps())[runtime.settings.consult_port]
    url = str(consult.make_url(f"/api/chatwoot/webhook/{integration.public_id}"))
    yield Firm(shop, chatwoot, onec, url)
    await chatwoot.stop()
    await onec.stop()


async def _ask(user: TelegramUser) -> None:
    await user.send("/consultation")
    assert user.last_text == "О чём консультация? Напишите тему в нескольких словах."
    await user.send("НДС")
    assert user.last_text == "Опишите ваш вопрос одним сообщением."
    await user.send("Нужна консультация по НДС")
    assert user.last_text.startswith("Когда вам удобно получить консультацию?")
    await user.send("вчера")
    assert user.last_text.startswith("Пожалуйста, отправьте будущие дату и время")
    await user.send("Как можно скорее")
    assert user.last_text.startswith("Поделитесь номером телефона")
    await user.send("+998901234567")
    assert user.last_text.startswith("Пожалуйста, нажмите кнопку")
    await user.share_contact("+998901234567")
    assert user.last_text.startswith("Спасибо! Ваша заявка на консультацию зарегистрирована.")


async def test_a_customer_asks_for_a_consultation_and_sees_it_closed_by_chatwoot_s_webhook(
    bot_harness: BotHarness, runtime: Runtime, clock: FrozenClock, firm: Firm
) -> None:
    await Shop.filter(id=firm.shop.id).update(staff_chat_id=STAFF_CHAT)
    user = bot_harness.user(first_name="Dilnoza", language_code="ru")
    await _ask(user)

    consultation = await Consultation.get(shop_id=firm.shop.id)
    assert (consultation.topic, consultation.comment) == ("НДС", "Нужна консультация по НДС")
    assert consultation.source == "TELEGRAM" and consultation.scheduled_at is None
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    assert customer.phone == "+998901234567"
    assert await chat_addresses(customer_id=customer.id) == [
        ChatAddress(ChannelName.TELEGRAM, str(user.chat_id))
    ]
    topics = await OutboxEvent.filter(shop_id=firm.shop.id).values_list("topic", flat=True)
    assert sorted(topics) == ["chatwoot", "onec", "telegram"]  # the sync, the staff chat

    # The outbox syncs it: one conversation in the firm's inbox, one 1C document, the
    # staff chat sees it, and the customer is told 1C's number.
    await deliver_outbox(runtime, clock)
    assert bot_harness.telegram.texts(STAFF_CHAT) == [
        "Новая заявка на консультацию: НДС\nНужна консультация по НДС\n"
        "Клиент: +998901234567\nКогда: как можно скорее\nИсточник: TELEGRAM"
    ]
    [conversation] = firm.chatwoot.conversations
    assert conversation["inbox_id"] == 7
    assert conversation["message"] == {"content": "Нужна консультация по НДС"}
    assert conversation["custom_attributes"]["source"] == "TELEGRAM"
    [document] = firm.onec.all()
    number = document["Number"]
    assert user.last_text == f"Вашей заявке на консультацию присвоен номер {number}."
    consultation = await Consultation.get(id=consultation.id)
    assert consultation.chatwoot_conversation_id == str(conversation["id"])
    assert consultation.number == number

    # An agent schedules it in Chatwoot: the customer reads the time in the firm's zone.
    status, body = await firm.chatwoot.send_webhook(
        firm.webhook_url,
        secret=CW_SECRET,
        at=int(clock.now().timestamp()),
        delivery="scheduled-1",
        payload={
            "event": "conversation_updated",
            "id": conversation["id"],
            "custom_attributes": {"scheduled_at": "2030-01-15T05:00:00Z"},
        },
    )
    assert (status, body) == (200, {"outcome": "applied"})
    await deliver_outbox(runtime, clock)
    assert user.last_text == (
        "Ваша консультация назначена на 15.01.2030 10:00 (время Asia/Tashkent)."
    )

    # Chatwoot calls the running app: forged deliveries change nothing and tell nobody.
    resolved = {
        "event": "conversation_status_changed",
        "id": conversation["id"],
        "status": "resolved",
    }
    now = int(clock.now().timestamp())
    told = len(user.texts())
    for forged in (
        {"secret": "not-the-firm-s-secret", "at": now},
        {"secret": CW_SECRET, "at": now - 3600},
        {"secret": CW_SECRET, "at": now, "tamper": True},
    ):
        status, body = await firm.chatwoot.send_webhook(
            firm.webhook_url, payload=resolved, delivery="forged", **forged
        )
        assert status == 401 and set(body) == {"detail"}, (forged, body)
    await deliver_outbox(runtime, clock)
    assert (await Consultation.get(id=consultation.id)).status == ConsultationStatus.NEW
    assert len(user.texts()) == told

    # An agent's private note stays in Chatwoot, the public reply reaches the chat, and
    # resolving the conversation closes the consultation; a replay takes no effect.
    now = int(clock.now().timestamp())
    for delivery, private, content in (
        ("note-1", True, "заметка"),
        ("reply-1", False, "Здравствуйте! Позвоню в 15:00."),
    ):
        status, body = await firm.chatwoot.send_webhook(
            firm.webhook_url,
            secret=CW_SECRET,
            at=now,
            delivery=delivery,
            payload={
                "event": "message_created",
                "content": content,
                "message_type": "outgoing",
                "private": private,
                "conversation": {"id": conversation["id"]},
            },
        )
        assert status == 200, body
    status, body = await firm.chatwoot.send_webhook(
        firm.webhook_url, secret=CW_SECRET, at=now, delivery="resolved-1", payload=resolved
    )
    assert (status, body) == (200, {"outcome": "applied"})
    status, body = await firm.chatwoot.send_webhook(
        firm.webhook_url, secret=CW_SECRET, at=now, delivery="resolved-1", payload=resolved
    )
    assert (status, body) == (200, {"outcome": "duplicate"})
    await deliver_outbox(runtime, clock)
    assert user.texts()[told:] == [
        "Консультант пишет:\nЗдравствуйте! Позвоню в 15:00.",
        "Ваша консультация закрыта. Спасибо за обращение!",
    ]
    assert (await Consultation.get(id=consultation.id)).status == ConsultationStatus.CLOSED

    await user.send("/consultations")
    assert user.last_text == f"Ваши консультации:\n№{number} — НДС: закрыта, 15.01.2030 10:00"


async def test_a_phone_the_firm_cannot_take_is_answered_in_the_customer_s_language(
    bot_harness: BotHarness, firm: Firm
) -> None:
    user = bot_harness.user(first_name="Aziz", language_code="uz")
    await user.send("/consultation")
    await user.send("QQS")
    await user.send("QQS bo‘yicha savol")
    await user.send("Imkon qadar tezroq")
    await user.share_contact("+99890")
    assert user.last_text == (
        "Bu telefon raqami noto‘g‘ri ko‘rinadi. Iltimos, raqamingizni tugma orqali yuboring."
    )
    assert await Consultation.filter(shop_id=firm.shop.id).count() == 0

"""A Telegram customer of a service firm asks for a consultation in the bot (real
aiogram against the fake Bot API), and is told in the chat when Chatwoot resolves it."""

from __future__ import annotations

from core.clock import FrozenClock
from core.consultations import chatwoot_events, service
from core.customers import chat_addresses
from core.models import Consultation, ConsultationStatus, Customer, OutboxEvent
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from tests.bot.conftest import BotHarness, deliver_outbox
from tests.factories import make_shop


async def test_a_customer_asks_for_a_consultation_and_sees_it_closed(
    bot_harness: BotHarness, runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await make_shop("Бухгалтерия Ташкент", slug="buh", timezone="Asia/Tashkent")
    user = bot_harness.user(first_name="Dilnoza", language_code="ru")
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

    consultation = await Consultation.get(shop_id=shop.id)
    assert (consultation.topic, consultation.comment) == ("НДС", "Нужна консультация по НДС")
    assert consultation.source == "TELEGRAM" and consultation.scheduled_at is None
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    assert customer.phone == "+998901234567"
    assert await chat_addresses(customer_id=customer.id) == [
        ChatAddress(ChannelName.TELEGRAM, str(user.chat_id))
    ]
    topics = await OutboxEvent.filter(shop_id=shop.id).values_list("topic", flat=True)
    assert sorted(topics) == ["chatwoot", "onec"]

    # Chatwoot answered with its conversation, then an agent resolves it.
    await service.record_chatwoot(consultation_id=consultation.id, conversation_id="555")
    for delivery, private in (("note-1", True), ("reply-1", False)):
        await chatwoot_events.apply_event(
            shop_id=shop.id,
            delivery_id=delivery,
            payload={
                "event": "message_created",
                "content": "Здравствуйте! Позвоню в 15:00." if not private else "заметка",
                "message_type": "outgoing",
                "private": private,
                "conversation": {"id": 555},
            },
            now=clock.now(),
        )
    outcome = await chatwoot_events.apply_event(
        shop_id=shop.id,
        delivery_id="delivery-1",
        payload={"event": "conversation_status_changed", "id": 555, "status": "resolved"},
        now=clock.now(),
    )
    assert outcome == chatwoot_events.Outcome.APPLIED
    await deliver_outbox(runtime, clock)
    assert "Ваша консультация закрыта. Спасибо за обращение!" in user.texts()
    assert "Консультант пишет:\nЗдравствуйте! Позвоню в 15:00." in user.texts()
    assert not any("заметка" in text for text in user.texts())
    assert (await Consultation.get(id=consultation.id)).status == ConsultationStatus.CLOSED

    await user.send("/consultations")
    assert user.last_text == "Ваши консультации:\n№— — НДС: закрыта"

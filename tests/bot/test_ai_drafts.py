"""The assistant in a Telegram customer's chat: free text outside any flow becomes a
draft in the staff chat (through the outbox, fake Bot API), Send delivers it to the
customer, and the commerce inbox shows it as ai_generated."""

from __future__ import annotations

from core.commerce.threads import inbox
from core.models import AiUsage, Message, MessageDirection, MessageStatus, Shop
from core.shoptime import format_window
from tests.bot.staff_world import CUSTOMER_TG, STAFF_CHAT, build_world


def staff_drafts(telegram) -> list[dict]:
    return [
        m
        for (chat, _), m in sorted(telegram.messages.items())
        if chat == STAFF_CHAT and str(m.get("text", "")).startswith("🤖")
    ]


async def test_free_text_is_drafted_for_staff_and_send_delivers_it(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await world.place_order()
    await world.drain()
    assert world.customer is not None
    await world.customer.send("Hi, where is my order?")
    assert telegram.texts(CUSTOMER_TG)[-1] == "Thank you! The shop will get back to you soon."
    await world.drain()
    [draft] = staff_drafts(telegram)
    window = format_window(world.shop, order.delivery_from, order.delivery_to)
    assert "Customer: Hi, where is my order?" in draft["text"]
    assert f"Order #{order.number}: New. Delivery:" in draft["text"] and window in draft["text"]
    assert "complaint" not in draft["text"]
    # Nothing reached the customer yet but the acknowledgement.
    assert not await Message.filter(direction=MessageDirection.OUTBOUND).exists()

    send_data = draft["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.group["owner"].press("Send")
    await world.drain()
    reply = telegram.texts(CUSTOMER_TG)[-1]
    assert reply.startswith(f"Order #{order.number}: New. Delivery:") and window in reply
    # The customer's own text is in the inbox too (bot.routers.customer.inbox).
    [sent] = await inbox(shop=world.shop, now=clock.now(), direction="outbound")
    assert (sent.ai_generated, sent.text, sent.channel) == (True, reply, "telegram")
    assert sent.status is MessageStatus.SENT and sent.sent_by_id == world.users["owner"].id
    edited = telegram.calls_of("editMessageText", ok=True)[-1]
    assert edited.chat_id == STAFF_CHAT and "✅ Sent by Aigerim" in edited.text
    assert (await AiUsage.get(shop_id=world.shop.id)).model == "offline"

    # A second press (another member, the same button) sends nothing more.
    await world.group["florist"].press_data(send_data)
    answer = telegram.calls_of("answerCallbackQuery")[-1]
    assert answer.params.get("show_alert") is True
    assert answer.params["text"] == "This draft was already sent or discarded."
    count = await Message.filter(direction=MessageDirection.OUTBOUND).count()
    assert count == 1


async def test_a_complaint_is_flagged_and_discard_sends_nothing(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    await world.place_order()
    await world.drain()
    assert world.customer is not None
    await world.customer.send("This is terrible, the courier is late! I want a refund!!")
    await world.drain()
    [draft] = staff_drafts(telegram)
    assert "⚠️ A complaint" in draft["text"]
    await world.group["owner"].press("Discard")
    await world.drain()
    assert not await Message.filter(direction=MessageDirection.OUTBOUND).exists()
    assert "🗑 Discarded by Aigerim" in telegram.calls_of("editMessageText", ok=True)[-1].text


async def test_auto_mode_answers_order_status_at_once(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    await Shop.filter(id=world.shop.id).update(
        settings={"bouquet_approval": {"enabled": False}, "assistant": {"mode": "auto"}}
    )
    order = await world.place_order()
    await world.drain()
    assert world.customer is not None
    await world.customer.send("Where is my order?")
    await world.drain()
    assert telegram.texts(CUSTOMER_TG)[-1].startswith(f"Order #{order.number}: New.")
    assert staff_drafts(telegram) == []
    # The customer's own text is in the inbox too (bot.routers.customer.inbox).
    [sent] = await inbox(shop=world.shop, now=clock.now(), direction="outbound")
    assert sent.ai_generated and sent.sent_by_id is None


async def test_edit_sends_the_members_text_instead(bot_harness, telegram, runtime, clock) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    await world.place_order()
    await world.drain()
    assert world.customer is not None
    await world.customer.send("Do you sell balloons?")
    await world.drain()
    await world.group["owner"].press("Edit")
    prompt = telegram.calls_of("sendMessage")[-1]
    assert prompt.chat_id == STAFF_CHAT and prompt.params["reply_markup"]["force_reply"] is True
    prompt_message = next(
        m
        for (chat, _), m in sorted(telegram.messages.items())
        if chat == STAFF_CHAT and str(m.get("text", "")).startswith("Reply to this message")
    )
    owner = world.group["owner"]
    update = telegram.message_update(
        owner.user, chat=owner.chat, text="Yes! Balloons from 500 ₸.",
        reply_to_message=prompt_message,
    )  # fmt: skip
    await bot_harness.feed(update)
    await world.drain()
    assert telegram.texts(CUSTOMER_TG)[-1] == "Yes! Balloons from 500 ₸."
    [sent] = await inbox(shop=world.shop, now=clock.now(), direction="outbound")
    assert sent.ai_generated and sent.text == "Yes! Balloons from 500 ₸."
    assert sent.sent_by_id == world.users["owner"].id

"""Bouquet approval in the chats: the florist's photo, the customer's answer, the florist
hears a change request; switched off, "Assembled" needs no photo."""

from __future__ import annotations

import copy

from core.models import ApprovalStatus, Customer, Order, OrderStatus
from core.orders.service import change_status, set_team
from tests.bot.staff_world import CUSTOMER_TG, STAFF_CHAT, World, build_world
from tests.core.test_photos import jpeg_with_gps


async def in_production(world: World) -> Order:
    order = await world.place_order()
    await set_team(
        shop_id=world.shop.id, order_id=order.id, florist_ids=[world.users["florist"].id]
    )
    await change_status(shop_id=world.shop.id, order_id=order.id, to=OrderStatus.PAID)
    order = await change_status(
        shop_id=world.shop.id, order_id=order.id, to=OrderStatus.IN_PRODUCTION
    )
    await world.drain()
    return order


async def test_change_request_sends_the_bouquet_back_and_tells_the_florist_why(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await in_production(world)
    florist = world.group["florist"]
    await florist.press("Assembled")
    # Text where the photo goes: asked again, nothing changes.
    await florist.send("here it is")
    assert "photo of the bouquet" in telegram.texts(STAFF_CHAT)[-1]
    await florist.send_photo(jpeg_with_gps())
    await world.drain()

    customer = world.customer
    await customer.press("Ask for a change")
    assert "What should the florist change?" in customer.last_text
    await customer.send_photo(jpeg_with_gps())
    assert "in words" in customer.last_text
    await customer.send("Please add more white roses")
    stored = await Order.get(id=order.id)
    assert stored.status is OrderStatus.IN_PRODUCTION
    assert stored.approval_status is ApprovalStatus.CHANGE_REQUESTED
    assert "new photo" in customer.last_text
    await world.drain()
    told = telegram.texts(world.private["florist"].id)[-1]
    assert "Please add more white roses" in told and f"#{order.number}" in told
    card = world.card_edits(world.card()["message_id"])[-1].text
    assert "asked for a change: Please add more white roses" in card

    # The old photo's buttons are stale now.
    await customer.press("Approve")
    answer = telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True and "already been answered" in answer["text"]

    # A new photo, a new question; this time approved.
    await florist.press("Assembled")
    await florist.send_photo(jpeg_with_gps())
    await world.drain()
    requests = [c for c in telegram.calls_of("sendPhoto", ok=True) if c.chat_id == CUSTOMER_TG]
    assert len(requests) == 2
    await customer.press("Approve")
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.APPROVED
    assert "Thank you" in customer.last_text


async def test_someone_else_cannot_answer_the_customers_bouquet(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await in_production(world)
    await world.group["florist"].press("Assembled")
    await world.group["florist"].send_photo(jpeg_with_gps())
    await world.drain()
    intruder = world.harness.user(user_id=9_999_001, language_code="en")
    await intruder.send("/start")
    await intruder.press_data(f"approval:approve:{order.id}")
    answer = telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True and answer["text"] == "This is not your order."
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.PENDING


async def test_without_approval_assembled_needs_no_photo(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await in_production(world)
    await world.group["florist"].press("Assembled")
    stored = await Order.get(id=order.id)
    assert stored.status is OrderStatus.ASSEMBLED
    assert stored.approval_status is ApprovalStatus.NOT_REQUIRED
    await world.drain()
    assert not [c for c in telegram.calls_of("sendPhoto") if c.chat_id == CUSTOMER_TG]
    await world.group["owner"].press("Out for delivery")
    assert (await Order.get(id=order.id)).status is OrderStatus.IN_DELIVERY


async def test_an_outdated_photo_loses_its_buttons_and_a_press_on_it_approves_nothing(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await in_production(world)
    florist, customer = world.group["florist"], world.customer
    await florist.press("Assembled")
    await florist.send_photo(jpeg_with_gps())
    await world.drain()
    first = copy.deepcopy(telegram.find_button(CUSTOMER_TG, "Approve")[0])
    await customer.press("Ask for a change")
    await customer.send("Please add more white roses")
    await florist.press("Assembled")
    await florist.send_photo(jpeg_with_gps())
    await world.drain()

    photos = [c for c in telegram.calls_of("sendPhoto", ok=True) if c.chat_id == CUSTOMER_TG]
    assert len(photos) == 2
    closed = [
        c
        for c in telegram.calls_of("editMessageReplyMarkup", ok=True)
        if c.chat_id == CUSTOMER_TG and c.params.get("message_id") == first["message_id"]
    ]
    assert len(closed) == 1 and not closed[0].buttons()
    assert "reply_markup" not in telegram.messages[(CUSTOMER_TG, first["message_id"])]

    # A press that was on its way (or an old client) on the first photo: refused.
    for label in ("Approve", "Ask for a change"):
        button = next(
            b for row in first["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
        )
        await bot_harness.feed(
            telegram.callback_update(customer.user, data=button["callback_data"], message=first)
        )
        answer = world.last_answer().params
        assert answer["show_alert"] is True and "outdated" in answer["text"]
    stored = await Order.get(id=order.id)
    assert stored.approval_status is ApprovalStatus.PENDING
    assert stored.status is OrderStatus.ASSEMBLED
    assert "What should the florist change?" not in customer.last_text

    await customer.press("Approve")
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.APPROVED
    assert "Thank you" in customer.last_text


async def test_staff_cancelling_in_the_bot_tells_the_customer_in_their_language(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await world.place_order()
    await Customer.filter(id=order.customer_id).update(language="ru")
    await world.drain()
    await world.group["owner"].press("Cancel")
    await world.group["owner"].press("Yes, cancel the order")
    assert (await Order.get(id=order.id)).status is OrderStatus.CANCELLED
    await world.drain()
    assert telegram.texts(CUSTOMER_TG)[-1] == (
        f"Ваш заказ №{order.number} отменён. Если это неожиданно, напишите нам."
    )

"""Order cards in the staff chat: every status by button presses, edited in place; refused
presses answer an alert and change nothing."""

from __future__ import annotations

from core.models import (
    ApprovalStatus,
    IssueType,
    Order,
    OrderIssue,
    OrderPhoto,
    OrderStatus,
    OrderStatusEvent,
    PhotoKind,
)
from tests.bot.staff_world import CUSTOMER_TG, STAFF_CHAT, World, build_world
from tests.core.test_photos import jpeg_with_gps
from tests.fakes.telegram import Call


def uploaded(call: Call) -> bytes:
    [content] = call.files.values()
    return content


async def status_of(order: Order) -> OrderStatus:
    return (await Order.get(id=order.id)).status


async def press_and_drain(world: World, who: str, label: str) -> None:
    await world.group[who].press(label)
    await world.drain()


async def test_card_moves_through_every_status_by_button_presses(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await world.place_order()
    await world.drain()
    card = world.card()
    message_id = card["message_id"]
    assert "Order #1" in card["text"] and "Status: New" in card["text"]
    assert "Bouquet of 9 roses × 2" in card["text"]
    assert "пр. Достык 89" in card["text"]
    assert "52,000 ₸" in card["text"]
    stored = await Order.get(id=order.id)
    assert (stored.staff_card_chat_id, stored.staff_card_message_id) == (STAFF_CHAT, message_id)

    await press_and_drain(world, "cashier", "Mark paid")
    assert await status_of(order) is OrderStatus.PAID
    assert world.last_answer().params.get("show_alert") is not True
    edit = world.card_edits(message_id)[-1]
    assert "Status: Paid" in edit.text and "Paid — Saule" in edit.text

    await world.group["owner"].press("Florists")
    await world.group["owner"].press("Dana")
    await world.group["owner"].press("Done")
    await world.drain()
    assert [u.name for u in await (await Order.get(id=order.id)).florists.all()] == ["Dana"]
    assert "Florists: Dana" in world.card_edits(message_id)[-1].text

    await world.group["owner"].press("Courier")
    await world.group["owner"].press("Erlan Bekov")
    await world.drain()
    assert (await Order.get(id=order.id)).courier_id == world.users["courier"].id
    assert "Courier: Erlan Bekov" in world.card_edits(message_id)[-1].text
    assert any("order #1" in t for t in telegram.texts(world.private["courier"].id))

    await press_and_drain(world, "florist", "Start production")
    assert await status_of(order) is OrderStatus.IN_PRODUCTION
    assert "In production — Dana" not in world.card_edits(message_id)[-1].text
    assert "Being made — Dana" in world.card_edits(message_id)[-1].text

    # Assembled: the florist is asked for the bouquet photo, which goes to the customer.
    await world.group["florist"].press("Assembled")
    assert await status_of(order) is OrderStatus.IN_PRODUCTION
    ask = telegram.calls_of("sendMessage")[-1]
    assert ask.chat_id == STAFF_CHAT and "photo of the bouquet" in ask.text
    assert ask.params["reply_markup"]["force_reply"] is True
    await world.group["florist"].send_photo(jpeg_with_gps())
    stored = await Order.get(id=order.id)
    assert stored.status is OrderStatus.ASSEMBLED
    assert stored.approval_status is ApprovalStatus.PENDING
    echo = telegram.calls_of("sendPhoto")[-1]
    assert echo.chat_id == STAFF_CHAT and b"Exif" not in uploaded(echo)
    await world.drain()
    request = [c for c in telegram.calls_of("sendPhoto") if c.chat_id == CUSTOMER_TG][-1]
    assert "Do you like it?" in request.text
    assert request.button_texts() == ["Approve", "Ask for a change"]
    assert b"Exif" not in telegram.files[request.params["photo"]]
    assert "Waiting for the customer" in world.card_edits(message_id)[-1].text

    # Out for delivery is refused until the customer answers.
    await world.group["owner"].press("Out for delivery")
    assert world.last_answer().params["show_alert"] is True
    assert "approve" in world.last_answer().params["text"]
    assert await status_of(order) is OrderStatus.ASSEMBLED

    await world.customer.press("Approve")
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.APPROVED
    await world.drain()
    assert "approved the bouquet" in world.card_edits(message_id)[-1].text

    await press_and_drain(world, "owner", "Out for delivery")
    assert await status_of(order) is OrderStatus.IN_DELIVERY
    await press_and_drain(world, "owner", "Delivered")
    assert await status_of(order) is OrderStatus.DELIVERED
    await press_and_drain(world, "owner", "Complete")
    assert await status_of(order) is OrderStatus.COMPLETED

    final = world.card_edits(message_id)[-1]
    assert "Status: Completed" in final.text
    assert "reply_markup" not in final.params or not final.params["reply_markup"]
    history = [
        (e.to_status, e.actor_label)
        for e in await OrderStatusEvent.filter(order_id=order.id).order_by("id")
    ]
    assert history == [
        (OrderStatus.NEW, "system"),
        (OrderStatus.PAID, "Saule"),
        (OrderStatus.IN_PRODUCTION, "Dana"),
        (OrderStatus.ASSEMBLED, "Dana"),
        (OrderStatus.IN_DELIVERY, "Aigerim"),
        (OrderStatus.DELIVERED, "Aigerim"),
        (OrderStatus.COMPLETED, "Aigerim"),
    ]
    # One card for the whole life of the order: always edited, never posted again.
    cards = [
        c
        for c in telegram.calls_of("sendMessage", ok=True)
        if c.chat_id == STAFF_CHAT and (c.text or "").startswith("🧾")
    ]
    assert len(cards) == 1
    assert await OrderPhoto.filter(order_id=order.id, kind=PhotoKind.ASSEMBLED).count() == 1


async def test_problem_resolve_and_cancel_from_the_card(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await world.place_order()
    await world.drain()
    message_id = world.card()["message_id"]

    await world.group["florist"].press("Report a problem")
    await world.group["florist"].press("Wrong address")
    assert await status_of(order) is OrderStatus.ISSUE
    issue = await OrderIssue.get(order_id=order.id)
    assert issue.issue_type is IssueType.WRONG_ADDRESS
    assert issue.reported_by_id == world.users["florist"].id
    await world.drain()
    alert = [t for t in telegram.texts(STAFF_CHAT) if t.startswith("❗")][-1]
    assert "order #1" in alert and "Wrong address" in alert and "Dana" in alert
    assert "Problem: Wrong address" in world.card_edits(message_id)[-1].text

    # A florist may report but not resolve.
    await world.group["florist"].press("Resolve")
    assert world.last_answer().params["show_alert"] is True
    assert await status_of(order) is OrderStatus.ISSUE

    await press_and_drain(world, "owner", "Resolve")
    assert await status_of(order) is OrderStatus.NEW

    await world.group["owner"].press("Cancel")
    assert await status_of(order) is OrderStatus.NEW
    await world.group["owner"].press("Yes, cancel the order")
    assert await status_of(order) is OrderStatus.CANCELLED
    await world.drain()
    final = world.card_edits(message_id)[-1]
    assert "Status: Cancelled" in final.text
    assert not final.params.get("reply_markup")


async def test_refused_presses_answer_an_alert_and_change_nothing(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await world.place_order()
    await world.drain()
    message_id = world.card()["message_id"]
    edits_before = len(world.card_edits(message_id))
    events_before = await OrderStatusEvent.filter(order_id=order.id).count()

    # The role may not: a courier marking paid, a florist cancelling or assigning.
    for who, label in (("courier", "Mark paid"), ("florist", "Cancel"), ("florist", "Courier")):
        await world.group[who].press(label)
        answer = world.last_answer().params
        assert answer["show_alert"] is True
        assert answer["text"] == "Your role cannot do this."

    # The machine forbids: a new order cannot be assembled yet.
    await world.group["owner"].press("Assembled")
    answer = world.last_answer().params
    assert answer["show_alert"] is True
    assert answer["text"] == "Not possible now: the order is “New”."

    # Someone who never linked their chat.
    stranger = world.harness.group_member(STAFF_CHAT, user_id=7_999_999, language_code="en")
    await stranger.press("Mark paid")
    assert world.last_answer().params["show_alert"] is True
    assert "/staff" in world.last_answer().params["text"]

    # A forged press on an order of another shop answers like a missing one.
    await world.group["owner"].press_data("sc:paid:999999")
    assert world.last_answer().params["text"] == "Order not found."

    assert await status_of(order) is OrderStatus.NEW
    assert await OrderStatusEvent.filter(order_id=order.id).count() == events_before
    await world.drain()
    assert len(world.card_edits(message_id)) == edits_before


async def test_card_flags_flowers_that_todays_orders_need_beyond_stock(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, stock=30)
    await world.place_order()
    await world.drain()
    assert "Low stock" not in world.card()["text"]
    await world.place_order()
    await world.drain()
    text = world.card()["text"]
    assert "Low stock: Red rose — today's orders need 36, 30 on hand" in text


async def test_orders_command_lists_today_by_status_and_florist_tasks(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    first = await world.place_order()
    second = await world.place_order(recipient_name="Марат")
    await second.florists.add(world.users["florist"])
    await world.group["owner"].send("/orders")
    listing = telegram.texts(STAFF_CHAT)[-1]
    assert "New (2)" in listing and "#1" in listing and "#2" in listing

    await world.private["florist"].send("/orders")
    tasks = telegram.texts(world.private["florist"].id)[-1]
    assert "Your production tasks" in tasks and "#2" in tasks and "#1 " not in tasks
    assert first.id != second.id


async def test_card_speaks_the_shops_language_and_alerts_the_pressers(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, locale="ru")
    await world.place_order()
    await world.drain()
    card = world.card()
    assert "Заказ №1" in card["text"] and "Статус: Новый" in card["text"]
    # The card is Russian; the courier reads alerts in the language of their own chat.
    ru_label = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row][0]
    assert ru_label == "💳 Отметить оплату"
    await world.group["courier"].press(ru_label)
    assert world.last_answer().params["text"] == "Your role cannot do this."
    await world.group["cashier"].press(ru_label)
    await world.drain()
    assert "Статус: Оплачен" in world.card_edits(card["message_id"])[-1].text

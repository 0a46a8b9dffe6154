"""Couriers: today's deliveries, picked up, proof photos (cleaned, on the tracking page and
with the customer), delivered only with a photo, problems alert the staff chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.models import (
    ApprovalStatus,
    IssueType,
    Order,
    OrderIssue,
    OrderPhoto,
    OrderStatus,
    PhotoKind,
    Role,
)
from core.orders.service import change_status, set_team
from tests.bot.staff_world import CUSTOMER_TG, STAFF_CHAT, World, build_world
from tests.core.test_photos import jpeg_with_gps, noise_png
from tests.factories import make_member
from tests.fakes.telegram import Call, TelegramUser


async def ready_for_courier(world: World, **extra: Any) -> Order:
    """An order assembled (stock taken) and given to the world's courier."""
    order = await world.place_order(**extra)
    await set_team(shop_id=world.shop.id, order_id=order.id, courier_id=world.users["courier"].id)
    await change_status(shop_id=world.shop.id, order_id=order.id, to=OrderStatus.PAID)
    return await change_status(shop_id=world.shop.id, order_id=order.id, to=OrderStatus.ASSEMBLED)


async def send_document(
    person: TelegramUser, content: bytes, *, mime: str = "image/jpeg", size: int | None = None
) -> None:
    """A photo sent as a file: Telegram keeps it byte for byte, EXIF and GPS included."""
    file_id = person.fake.add_file(content)
    document = {
        "file_id": file_id,
        "file_unique_id": "d" + file_id[-12:],
        "file_name": "IMG_0001.JPG",
        "mime_type": mime,
        "file_size": len(content) if size is None else size,
    }
    update = person.fake.message_update(person.user, chat=person.chat, document=document)
    await person.feed(update)


def stored_file(world: World, call: Call) -> bytes:
    if call.files:
        [content] = call.files.values()
        return content
    return world.telegram.files[call.params["photo"]]


async def status_of(order: Order) -> OrderStatus:
    return (await Order.get(id=order.id)).status


async def test_deliveries_lists_todays_assigned_orders_in_window_order(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False, stock=100)
    later = await ready_for_courier(world)
    sooner = await ready_for_courier(
        world,
        address="ул. Абая 10",
        recipient_phone="+77015550011",
        delivery_from=clock.now() + timedelta(hours=1),
        delivery_to=clock.now() + timedelta(hours=2),
        latitude=None,
        longitude=None,
    )
    await world.place_order(address="not assigned to this courier")
    courier = world.private["courier"]
    telegram.clear()
    await courier.send("/deliveries")
    sent = telegram.sent(courier.id)
    texts = [c.text for c in sent if c.method == "sendMessage"]
    assert len(texts) == 2
    assert f"Order #{sooner.number}" in texts[0] and "ул. Абая 10" in texts[0]
    assert "+77015550011" in texts[0]
    assert f"Order #{later.number}" in texts[1] and "пр. Достык 89" in texts[1]
    assert "12:00–14:00" in texts[1]
    [pin] = [c for c in sent if c.method == "sendLocation"]
    assert (float(pin.params["latitude"]), float(pin.params["longitude"])) == (43.2389, 76.9454)
    assert sent[-1].method == "sendLocation"
    buttons = [c for c in sent if c.method == "sendMessage"][0].button_texts()
    assert buttons == ["🛵 Picked up", "📷 Photo", "✅ Delivered", "⚠️ Problem"]


async def test_courier_photo_reaches_the_tracking_page_and_the_customer(
    bot_harness, telegram, runtime, clock, api
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await ready_for_courier(world)
    courier = world.private["courier"]
    await courier.send("/deliveries")

    await courier.press("Picked up")
    assert await status_of(order) is OrderStatus.IN_DELIVERY
    await world.drain()
    assert any("on its way" in t for t in telegram.texts(CUSTOMER_TG))

    # Delivered needs a photo first.
    await courier.press("✅ Delivered")
    answer = telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True and "photo" in answer["text"]
    assert await status_of(order) is OrderStatus.IN_DELIVERY

    # A photo sent as a file, straight from the phone's camera with its GPS position.
    original = jpeg_with_gps(320, 240)
    assert b"Exif" in original
    await send_document(courier, original)
    echo = telegram.calls_of("sendPhoto")[-1]
    assert echo.chat_id == courier.id and "Photo saved" in echo.text
    assert b"Exif" not in stored_file(world, echo)
    # And one more, sent compressed.
    await courier.send_photo(jpeg_with_gps(200, 100))
    photos = await OrderPhoto.filter(order_id=order.id, kind=PhotoKind.DELIVERED).order_by("id")
    assert len(photos) == 2 and all(p.telegram_file_id for p in photos)

    await courier.press("✅ Delivered")
    assert await status_of(order) is OrderStatus.DELIVERED
    await world.drain()

    tracking = await api.get(f"/api/tracking/{order.tracking_token}")
    assert tracking.status == 200
    body = await tracking.json()
    assert body["photos"] == [p.url for p in photos]
    picture = await api.get(body["photos"][0])
    assert picture.status == 200
    assert b"Exif" not in await picture.read()

    delivered = [c for c in telegram.calls_of("sendPhoto", ok=True) if c.chat_id == CUSTOMER_TG]
    assert delivered, "the customer got no delivery photo"
    assert "delivered" in delivered[-1].text
    shown = stored_file(world, delivered[-1])
    assert shown[:2] == b"\xff\xd8" and b"Exif" not in shown and b"PhoneCam" not in shown


async def test_photos_that_are_too_large_or_not_images_are_refused(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await ready_for_courier(world)
    courier = world.private["courier"]
    await courier.send("/deliveries")
    await courier.press("Picked up")

    big = noise_png(1900)
    await send_document(courier, big, mime="image/png")
    assert "larger than 10 MB" in courier.last_text
    # Declared small, really large: the bytes are checked too.
    await send_document(courier, big, mime="image/png", size=1000)
    assert "larger than 10 MB" in courier.last_text
    await send_document(courier, b"%PDF-1.4 not a picture", mime="image/jpeg")
    assert "not a photo" in courier.last_text
    assert await OrderPhoto.filter(order_id=order.id).count() == 0
    assert await status_of(order) is OrderStatus.IN_DELIVERY


async def test_only_the_assigned_courier_moves_a_delivery(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await ready_for_courier(world)
    other_user = await make_member(world.shop, Role.COURIER, name="Other courier")
    other = world.harness.user(user_id=7_000_099, language_code="en", phone=other_user.phone)
    await other.send("/staff")
    await other.share_contact()
    await world.drain()
    # The other courier presses "Out for delivery" on the staff card.
    await world.harness.group_member(STAFF_CHAT, user_id=7_000_099, language_code="en").press(
        "Out for delivery"
    )
    answer = telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True
    assert answer["text"] == "This delivery is assigned to another courier."
    assert await status_of(order) is OrderStatus.ASSEMBLED
    await other.send("/deliveries")
    assert other.last_text == "No deliveries for you today."


async def test_courier_waits_for_the_customers_approval(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    order = await ready_for_courier(world)
    await Order.filter(id=order.id).update(approval_status=ApprovalStatus.PENDING)
    courier = world.private["courier"]
    await courier.send("/deliveries")
    await courier.press("Picked up")
    answer = telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True and "approve" in answer["text"]
    assert await status_of(order) is OrderStatus.ASSEMBLED


async def test_courier_problem_moves_the_order_to_issue_and_alerts_the_staff_chat(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock, approval=False)
    order = await ready_for_courier(world)
    courier = world.private["courier"]
    await courier.send("/deliveries")
    await courier.press("Picked up")
    await courier.press("Problem")
    await courier.press("Recipient unavailable")
    assert await status_of(order) is OrderStatus.ISSUE
    issue = await OrderIssue.get(order_id=order.id)
    assert issue.issue_type is IssueType.RECIPIENT_UNAVAILABLE
    assert "Problem reported" in courier.last_text
    await world.drain()
    alert = [t for t in telegram.texts(STAFF_CHAT) if t.startswith("❗")][-1]
    assert f"order #{order.number}" in alert and "Recipient unavailable" in alert
    assert "Erlan Bekov" in alert

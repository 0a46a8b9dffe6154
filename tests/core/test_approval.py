"""Bouquet approval: the customer sees the assembled bouquet and answers (or time does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import approval
from core.actors import Actor
from core.clock import FrozenClock
from core.errors import BadRequest, Conflict, Forbidden
from core.models import (
    ApprovalStatus,
    Customer,
    Order,
    OrderPhoto,
    OrderStatus,
    OutboxEvent,
    PhotoKind,
    Role,
    Shop,
)
from core.orders import rules
from core.orders.service import change_status, place_order
from core.ports.chat import ChannelName, ChatAddress, OutgoingMessage
from tests.core.test_photos import jpeg_with_gps
from tests.factories import give_chats, make_member, make_shop

pytestmark = pytest.mark.usefixtures("db")

CUSTOMER_TG = 555001
NOW = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def paid_order(
    shop: Shop, *, telegram: bool = True, window_in: timedelta | None = timedelta(hours=1)
) -> Order:
    order = await place_order(
        shop_id=shop.id,
        customer_phone="+77011234567",
        customer_name="Айгуль",
        flower_sum=25000,
        address="пр. Достык 89",
        delivery_from=NOW + window_in if window_in is not None else None,
        delivery_to=NOW + window_in + timedelta(hours=2) if window_in is not None else None,
    )
    if telegram:
        await Customer.filter(id=order.customer_id).update(language="kk")
        await give_chats(await Customer.get(id=order.customer_id), telegram=CUSTOMER_TG)
    return await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)


async def assemble(shop: Shop, order: Order, tmp_path: Path, clock: FrozenClock) -> Order:
    florist = await make_member(shop, Role.FLORIST, name="Дана")
    return await approval.mark_assembled(
        shop_id=shop.id,
        order_id=order.id,
        actor=Actor(user_id=florist.id, label="Дана", role=Role.FLORIST),
        data_dir=tmp_path,
        photo=jpeg_with_gps(),
        telegram_file_id="AgADphoto",
        clock=clock,
    )


APPROVAL_EVENTS = (
    "approval_request",
    "approval_change_requested",
    "approval_auto",
    "order_released",
)


def tg(user_id: int) -> ChatAddress:
    return ChatAddress(ChannelName.TELEGRAM, str(user_id))


async def chat_rows(chat_id: int) -> list[OutboxEvent]:
    """What approval queued for a chat (other plugins on the bus may queue more)."""
    return await OutboxEvent.filter(
        topic="telegram", destination=str(chat_id), event_type__in=APPROVAL_EVENTS
    ).order_by("id")


def test_approval_is_on_with_a_30_minute_timeout_by_default() -> None:
    assert approval.approval_config(Shop(settings={})) == approval.ApprovalConfig(True, 30)
    assert approval.approval_config(Shop(settings={"bouquet_approval": False})).enabled is False
    custom = Shop(settings={"bouquet_approval": {"enabled": True, "approval_timeout_minutes": 45}})
    assert approval.approval_config(custom).timeout_minutes == 45
    broken = Shop(settings={"bouquet_approval": {"approval_timeout_minutes": "soon"}})
    assert approval.approval_config(broken) == approval.ApprovalConfig(True, 30)


async def test_assembled_bouquet_is_sent_to_the_customer_for_approval(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    order = await assemble(shop, await paid_order(shop), tmp_path, clock)
    assert order.status is OrderStatus.ASSEMBLED
    assert order.approval_status is ApprovalStatus.PENDING
    assert order.approval_requested_at == NOW
    assert await OrderPhoto.filter(order_id=order.id, kind=PhotoKind.ASSEMBLED).count() == 1
    [row] = await chat_rows(CUSTOMER_TG)
    assert row.payload["address"] == {"channel": "telegram", "external_id": str(CUSTOMER_TG)}
    message = OutgoingMessage.from_dict(row.payload["message"])
    assert message.text == approval.ASK_CUSTOMER
    assert message.params == {"number": order.number}
    assert message.language == "kk"
    assert message.photos == ("AgADphoto",)
    # Domain actions of this order's photo; each channel encodes them (tests/bot/test_actions.py).
    photo = await OrderPhoto.get(order_id=order.id, kind=PhotoKind.ASSEMBLED)
    assert [(a.kind, a.value, a.label) for a in message.actions[0]] == [
        ("approval.approve", f"{order.id}.{photo.id}", approval.APPROVE_BUTTON),
        ("approval.change", f"{order.id}.{photo.id}", approval.CHANGE_BUTTON),
    ]


async def test_switched_off_approval_releases_the_bouquet_at_once(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    shop.settings = {"bouquet_approval": {"enabled": False}}
    await shop.save()
    order = await paid_order(shop)
    assert await approval.needs_approval(shop_id=shop.id, order_id=order.id) is False
    order = await assemble(shop, order, tmp_path, clock)
    assert order.approval_status is ApprovalStatus.NOT_REQUIRED
    assert await chat_rows(CUSTOMER_TG) == []


async def test_customer_outside_telegram_is_not_asked(tmp_path: Path, clock: FrozenClock) -> None:
    shop = await make_shop()
    order = await paid_order(shop, telegram=False)
    assert await approval.needs_approval(shop_id=shop.id, order_id=order.id) is False
    order = await assemble(shop, order, tmp_path, clock)
    assert order.approval_status is ApprovalStatus.NOT_REQUIRED


async def test_customer_approves_once_and_the_courier_is_told(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    courier = await make_member(shop, Role.COURIER, name="Ерлан")
    courier.telegram_chat_id = 777
    await courier.save()
    order = await paid_order(shop)
    await Order.filter(id=order.id).update(courier_id=courier.id)
    order = await assemble(shop, order, tmp_path, clock)
    with pytest.raises(Forbidden):
        await approval.approve(order_id=order.id, address=tg(999), clock=clock)
    order = await approval.approve(order_id=order.id, address=tg(CUSTOMER_TG), clock=clock)
    assert order.approval_status is ApprovalStatus.APPROVED
    [told] = await chat_rows(777)
    assert told.payload["text"] == approval.RELEASED_FOR_COURIER
    with pytest.raises(Conflict):
        await approval.approve(order_id=order.id, address=tg(CUSTOMER_TG), clock=clock)


async def test_change_request_returns_the_order_to_production_and_tells_the_florist(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    florist = await make_member(shop, Role.FLORIST, name="Алия")
    florist.telegram_chat_id = 4242
    await florist.save()
    order = await paid_order(shop)
    await order.florists.add(florist)
    order = await assemble(shop, order, tmp_path, clock)
    with pytest.raises(BadRequest):
        await approval.request_change(
            order_id=order.id, address=tg(CUSTOMER_TG), comment="  ", clock=clock
        )
    order = await approval.request_change(
        order_id=order.id, address=tg(CUSTOMER_TG), comment="Больше белых роз", clock=clock
    )
    assert order.status is OrderStatus.IN_PRODUCTION
    stored = await Order.get(id=order.id)
    assert stored.approval_status is ApprovalStatus.CHANGE_REQUESTED
    assert stored.approval_comment == "Больше белых роз"
    [told] = await chat_rows(4242)
    assert told.payload["text"] == approval.CHANGE_REQUESTED_FOR_FLORIST
    assert told.payload["params"]["comment"] == "Больше белых роз"
    with pytest.raises(Conflict):
        await approval.approve(order_id=order.id, address=tg(CUSTOMER_TG), clock=clock)


async def test_change_request_without_florists_goes_to_the_staff_chat(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    shop.staff_chat_id = -100500
    await shop.save()
    order = await assemble(shop, await paid_order(shop), tmp_path, clock)
    await approval.request_change(
        order_id=order.id, address=tg(CUSTOMER_TG), comment="Без лилий", clock=clock
    )
    [told] = await chat_rows(-100500)
    assert told.payload["params"]["comment"] == "Без лилий"


async def test_unanswered_bouquet_is_auto_approved_when_the_window_is_near(
    tmp_path: Path, clock: FrozenClock
) -> None:
    shop = await make_shop()
    soon = await assemble(
        shop, await paid_order(shop, window_in=timedelta(minutes=50)), tmp_path, clock
    )
    later = await assemble(
        shop, await paid_order(shop, window_in=timedelta(days=1)), tmp_path, clock
    )
    assert await approval.auto_approve_due(NOW + timedelta(minutes=29)) == []
    released = await approval.auto_approve_due(NOW + timedelta(minutes=30))
    assert released == [soon.id]
    assert (await Order.get(id=soon.id)).approval_status is ApprovalStatus.AUTO_APPROVED
    assert (await Order.get(id=later.id)).approval_status is ApprovalStatus.PENDING
    texts = [row.payload["message"]["text"] for row in await chat_rows(CUSTOMER_TG)]
    assert texts.count(approval.AUTO_APPROVED_FOR_CUSTOMER) == 1
    assert await approval.auto_approve_due(NOW + timedelta(minutes=31)) == []
    # The later order is released once its own window comes close.
    assert await approval.auto_approve_due(NOW + timedelta(hours=23, minutes=31)) == [later.id]


async def test_shop_timeout_setting_is_respected(tmp_path: Path, clock: FrozenClock) -> None:
    shop = await make_shop()
    shop.settings = {"bouquet_approval": {"approval_timeout_minutes": 10}}
    await shop.save()
    order = await assemble(
        shop, await paid_order(shop, window_in=timedelta(minutes=5)), tmp_path, clock
    )
    assert await approval.auto_approve_due(NOW + timedelta(minutes=9)) == []
    assert await approval.auto_approve_due(NOW + timedelta(minutes=10)) == [order.id]


def test_pending_bouquet_may_not_leave() -> None:
    with pytest.raises(rules.AwaitingApproval):
        rules.check_released(Order(approval_status=ApprovalStatus.PENDING))
    for status in (
        ApprovalStatus.NOT_REQUIRED,
        ApprovalStatus.APPROVED,
        ApprovalStatus.AUTO_APPROVED,
    ):
        rules.check_released(Order(approval_status=status))


async def test_a_whatsapp_press_on_an_outdated_photo_approves_nothing(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """The photo's buttons name it (`<order id>.<photo id>`), so a press that reaches the
    shop chat from WhatsApp (whose old buttons cannot be taken away) is checked against
    the newest photo too, not only Telegram's."""
    from core.flows import shop_chat

    shop = await make_shop("Гүлдер", locale="ru")
    order = await paid_order(shop, telegram=False)
    customer = await Customer.get(id=order.customer_id)
    await give_chats(customer, whatsapp="77011234567")
    wa = ChatAddress(ChannelName.WHATSAPP, "77011234567")

    async def press(kind: str, value: str) -> shop_chat.Turn:
        return await shop_chat.answer(
            shop=shop,
            address=wa,
            session=shop_chat.Session(),
            said=shop_chat.Said("action", action=shop_chat.Action(kind, value)),
            phone="77011234567",
            name="Айгуль",
            language="en",
            clock=clock,
        )

    async def shown_value() -> str:
        row = (
            await OutboxEvent.filter(topic="whatsapp", event_type="approval_request")
            .order_by("-id")
            .first()
        )
        assert row is not None
        [[approve, change]] = row.payload["message"]["actions"]
        assert approve["value"] == change["value"]
        return str(approve["value"])

    order = await assemble(shop, order, tmp_path, clock)
    first = await shown_value()
    first_photo = await OrderPhoto.filter(order_id=order.id).order_by("-id").first()
    assert first_photo is not None and first == f"{order.id}.{first_photo.id}"
    await approval.request_change(
        order_id=order.id, address=wa, comment="More white roses", clock=clock
    )
    await assemble(shop, await Order.get(id=order.id), tmp_path, clock)
    newest = await shown_value()
    assert newest != first

    for kind in ("approval.approve", "approval.change"):
        turn = await press(kind, first)
        assert [r.text for r in turn.replies] == [shop_chat.OUTDATED]
    stored = await Order.get(id=order.id)
    assert stored.approval_status is ApprovalStatus.PENDING

    await press("approval.approve", newest)
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.APPROVED

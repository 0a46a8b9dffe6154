"""Delivery watch: alerts before a delivery window goes wrong, and after it went wrong.

| when (shop clock)                  | which orders                          | who hears       |
|------------------------------------|---------------------------------------|-----------------|
| 60 min before the window opens     | not assembled yet (new, paid, in prod) | staff chat      |
| 30 min before the window opens     | delivery with a courier, still open    | the courier     |
| the window has ended               | delivery, not delivered (nor closed)   | the manager *   |

* the order's manager, else the shop's owners, else the staff chat. Each alert goes
once per order and window (Notification period = the window's start), so a moved
window is watched again. Windows that ended more than OVERDUE_LOOKBACK ago are left
alone, so a first start on an old database does not flood anyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q

from core.channels.telegram_out import send_chat_message
from core.jobs.once import do_once
from core.models import DeliveryMethod, Membership, Order, Role, Shop, User
from core.orders.status import BEFORE_ASSEMBLY, HANDED_OVER_OR_CLOSED
from core.shoptime import format_day, format_window, local_now

ASSEMBLY_LEAD = timedelta(minutes=60)
COURIER_LEAD = timedelta(minutes=30)
OVERDUE_LOOKBACK = timedelta(hours=48)

NOT_ASSEMBLED = list(BEFORE_ASSEMBLY)
DONE = list(HANDED_OVER_OR_CLOSED)

KIND_NOT_ASSEMBLED = "order_not_assembled"
KIND_COURIER = "courier_reminder"
KIND_OVERDUE = "delivery_overdue"


def _(message: str) -> str:
    return message


STAFF_NOT_ASSEMBLED = _(
    "⏰ Order #{number} is not assembled yet, and its delivery window opens at {start}.\n"
    "Window: {date} {window}"
)
COURIER_SOON = _(
    "🚚 Delivery soon: order #{number}\nWindow: {date} {window}\nAddress: {address}\n"
    "Recipient: {recipient} {phone}"
)
MANAGER_OVERDUE = _(
    "⚠️ Order #{number} was not delivered within its window {date} {window}.\nAddress: {address}"
)


def _period(order: Order) -> str:
    assert order.delivery_from is not None
    return order.delivery_from.strftime("%Y%m%dT%H%MZ")


def _params(order: Order, shop: Shop) -> dict[str, object]:
    start = order.delivery_from
    assert start is not None
    return {
        "number": order.number,
        "date": format_day(local_now(shop, start).date()),
        "window": format_window(shop, start, order.delivery_to),
        "start": format_window(shop, start, None),
        "address": order.address or "—",
        "recipient": order.recipient_name or "—",
        "phone": order.recipient_phone or "",
    }


async def _alert(
    order: Order,
    shop: Shop,
    kind: str,
    text: str,
    chats: list[tuple[int, str]],
    now: datetime,
) -> bool:
    if not chats:
        return False
    params = _params(order, shop)

    async def send() -> None:
        for chat_id, language in chats:
            await send_chat_message(
                chat_id=chat_id,
                text=text,
                params=params,
                language=language,
                shop_id=shop.id,
                event_type=kind,
                order_id=order.id,
                now=now,
            )

    return await do_once(
        shop_id=shop.id,
        kind=kind,
        ref=str(order.id),
        period=_period(order),
        now=now,
        action=send,
        payload={"chats": [chat for chat, _lang in chats]},
    )


async def _managers(order: Order, shop: Shop) -> list[tuple[int, str]]:
    manager_id = order.manager_id  # type: ignore[attr-defined]
    if manager_id is not None:
        manager = await User.get_or_none(id=manager_id)
        if manager is not None and manager.telegram_chat_id is not None:
            return [(manager.telegram_chat_id, manager.language)]
    owner_ids = await Membership.filter(shop_id=shop.id, role=Role.OWNER).values_list(
        "user_id", flat=True
    )
    owners = await User.filter(
        id__in=list(owner_ids), telegram_chat_id__not_isnull=True, is_active=True
    ).order_by("id")
    if owners:
        return [(u.telegram_chat_id, u.language) for u in owners if u.telegram_chat_id]
    return [(shop.staff_chat_id, shop.locale)] if shop.staff_chat_id is not None else []


async def watch_deliveries(*, shop_id: int, now: datetime) -> int:
    """Send the shop's due delivery alerts; returns how many alerts went out now."""
    shop = await Shop.get(id=shop_id)
    sent = 0
    if shop.staff_chat_id is not None:
        staff = [(shop.staff_chat_id, shop.locale)]
        for order in await Order.filter(
            shop_id=shop_id,
            delivery_from__gt=now,
            delivery_from__lte=now + ASSEMBLY_LEAD,
            status__in=NOT_ASSEMBLED,
        ).order_by("delivery_from", "id"):
            sent += await _alert(order, shop, KIND_NOT_ASSEMBLED, STAFF_NOT_ASSEMBLED, staff, now)

    for order in (
        await Order.filter(
            shop_id=shop_id,
            delivery_method=DeliveryMethod.DELIVERY,
            courier_id__not_isnull=True,
            delivery_from__gt=now,
            delivery_from__lte=now + COURIER_LEAD,
        )
        .exclude(status__in=DONE)
        .order_by("delivery_from", "id")
    ):
        courier = await User.get_or_none(id=order.courier_id)  # type: ignore[attr-defined]
        if courier is not None and courier.telegram_chat_id is not None:
            chats = [(courier.telegram_chat_id, courier.language)]
            sent += await _alert(order, shop, KIND_COURIER, COURIER_SOON, chats, now)

    ended = Q(delivery_to__lte=now, delivery_to__gt=now - OVERDUE_LOOKBACK) | Q(
        delivery_to__isnull=True,
        delivery_from__lte=now,
        delivery_from__gt=now - OVERDUE_LOOKBACK,
    )
    for order in (
        await Order.filter(
            ended,
            shop_id=shop_id,
            delivery_method=DeliveryMethod.DELIVERY,
            delivery_from__not_isnull=True,
        )
        .exclude(status__in=DONE)
        .order_by("delivery_from", "id")
    ):
        chats = await _managers(order, shop)
        sent += await _alert(order, shop, KIND_OVERDUE, MANAGER_OVERDUE, chats, now)
    return sent

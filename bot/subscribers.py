"""The bot as a plugin of the process (sauda.wiring.PLUGINS), without aiogram.

Every process that changes orders (the API, the bot, the scheduler) runs these
subscribers: each turns a domain event into outbox rows of topic `telegram` on the
caller's transaction, and needs nothing of Telegram to do so. Rendering and sending
those rows is the outbox deliverer's work (bot.notify, which imports aiogram): it is
loaded on the first row a process delivers, so a process that delivers none (`sauda
serve --no-bot` without a bot token, or with `--no-outbox`) never imports aiogram.

- a customer is told in their language on every chat they have (Telegram, WhatsApp)
  when their order is paid, assembled, out for delivery (with the courier's first
  name), delivered (with the delivery photo) or cancelled (core.notify.tell);
- the staff chat's order card is (re)rendered on every change of an order, and a
  problem with an order is announced there (bot.staff_cards renders both);
- a customer's message is noticed in the staff chat (bot.staff_inbox renders it);
- a new or sent-back task is announced to its assignee (bot.routers.staff_tasks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core import approval, staff, storefront, task_board
from core.channels.telegram_out import TELEGRAM
from core.events import (
    CONVERSATION_MESSAGE_RECEIVED,
    ORDER_CREATED,
    ORDER_ISSUE_REPORTED,
    ORDER_STATUS_CHANGED,
    ORDER_TEAM_CHANGED,
    DomainEvent,
    bus,
)
from core.models import Customer, IssueType, OutboxEvent, Shop
from core.notify import tell
from core.orders.status import OrderStatus
from core.outbox import enqueue
from core.ports.chat import OutgoingMessage
from core.runtime import Runtime


def _(message: str) -> str:
    return message


N_ = _

CARD_EVENT = "staff.order_card"
ISSUE_ALERT_EVENT = "staff.issue_alert"
INBOX_EVENT = "staff.inbox_message"
TASK_NOTICE_EVENT = "staff.task_notice"

STATUS_NOTICES: dict[str, str] = {
    OrderStatus.PAID.value: _("We have received the payment for order #{number}. Thank you!"),
    OrderStatus.ASSEMBLED.value: _("Your order #{number} is assembled."),
    OrderStatus.IN_DELIVERY.value: _(
        "Your order #{number} is on its way. Your courier is {courier}."
    ),
    OrderStatus.DELIVERED.value: _("Your order #{number} has been delivered. Thank you!"),
    OrderStatus.CANCELLED.value: _(
        "Your order #{number} has been cancelled. If this is unexpected, please write to us."
    ),
}
IN_DELIVERY_NO_COURIER = _("Your order #{number} is on its way.")

INBOX_NOTICE = N_("💬 {name} ({phone}) on {channel}:\n{text}\n\nReply to this message to answer.")
CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram"}


async def notify_customer_of_status(event: DomainEvent) -> None:
    status = str(event.payload.get("new_status"))
    if status not in STATUS_NOTICES:
        return
    notice = await storefront.order_notice(order_id=int(event.payload["order_id"]))
    if notice is None:
        return
    text = STATUS_NOTICES[status]
    if status == OrderStatus.IN_DELIVERY.value and not notice.courier_name:
        text = IN_DELIVERY_NO_COURIER
    photo = notice.delivered_photo if status == OrderStatus.DELIVERED.value else None
    await tell(
        notice.addresses,
        OutgoingMessage(
            text=text,
            params={"number": notice.number, "courier": notice.courier_name},
            language=notice.language,
            photos=(photo,) if photo else (),
            order_id=notice.order_id,
        ),
        shop_id=notice.shop_id,
        event_type=f"customer.order_{status}",
    )


async def queue_card(event: DomainEvent) -> None:
    """Queue a (re)render of the order's card when the shop has a staff chat."""
    order_id = event.payload.get("order_id")
    if order_id is None or event.shop_id is None:
        return
    if await staff.staff_chat_of_shop(shop_id=event.shop_id) is None:
        return
    await enqueue(
        topic=TELEGRAM,
        event_type=CARD_EVENT,
        payload={"order_id": int(order_id), "reason": event.name},
        shop_id=event.shop_id,
        key=f"card:{order_id}",
        destination="staff_chat",
    )


async def queue_issue_alert(event: DomainEvent) -> None:
    """A problem with an order is announced in the staff chat (after its card's edit)."""
    if event.shop_id is None:
        return
    chat_id = await staff.staff_chat_of_shop(shop_id=event.shop_id)
    if chat_id is None:
        return
    await enqueue(
        topic=TELEGRAM,
        event_type=ISSUE_ALERT_EVENT,
        payload={
            "order_id": int(event.payload["order_id"]),
            "issue_type": event.payload.get("issue_type") or IssueType.OTHER.value,
            "comment": event.payload.get("comment"),
        },
        shop_id=event.shop_id,
        key=f"card:{event.payload['order_id']}",
        destination=str(chat_id),
    )


async def queue_inbox_notice(event: DomainEvent) -> None:
    """Queue the notice of a customer's message for the shop's staff chat."""
    if event.shop_id is None:
        return
    shop = await Shop.get_or_none(id=event.shop_id)
    if shop is None or shop.staff_chat_id is None:
        return
    customer = (
        await Customer.get_or_none(id=event.payload["customer_id"])
        if event.payload.get("customer_id")
        else None
    )
    channel = str((event.payload.get("address") or {}).get("channel", ""))
    await enqueue(
        topic=TELEGRAM,
        event_type=INBOX_EVENT,
        payload={
            "chat_id": shop.staff_chat_id,
            "text": INBOX_NOTICE,
            "params": {
                "name": (customer.name if customer else "") or event.payload.get("name") or "—",
                "phone": customer.phone if customer else "—",
                "channel": CHANNELS.get(channel, channel),
                "text": str(event.payload.get("text") or "")[:3000],
            },
            "language": shop.locale or "ru",
            "inbox_message_id": event.payload["message_id"],
        },
        shop_id=shop.id,
        key=f"chat:{shop.staff_chat_id}",
        destination=str(shop.staff_chat_id),
    )


async def queue_task_notice(event: DomainEvent) -> None:
    """A new or sent-back task is announced to its assignee's linked chat."""
    notice = await task_board.task_notice(task_id=int(event.payload["task_id"]))
    if notice is None or notice.chat_id is None:
        return
    reason = "rejected" if event.name == task_board.TASK_REJECTED else "assigned"
    await enqueue(
        topic=TELEGRAM,
        event_type=TASK_NOTICE_EVENT,
        payload={
            "task_id": notice.task.id,
            "reason": reason,
            "comment": event.payload.get("comment") or "",
        },
        shop_id=event.shop_id,
        key=f"task:{notice.task.id}",
        destination=str(notice.chat_id),
    )


def register(runtime: Runtime) -> None:
    bus.subscribe(ORDER_STATUS_CHANGED, notify_customer_of_status)
    for name in (ORDER_CREATED, ORDER_STATUS_CHANGED, ORDER_TEAM_CHANGED):
        bus.subscribe(name, queue_card)
    bus.subscribe(approval.ORDER_APPROVAL_CHANGED, queue_card)
    bus.subscribe(ORDER_ISSUE_REPORTED, queue_issue_alert)
    bus.subscribe(CONVERSATION_MESSAGE_RECEIVED, queue_inbox_notice)
    bus.subscribe(task_board.TASK_ASSIGNED, queue_task_notice)
    bus.subscribe(task_board.TASK_REJECTED, queue_task_notice)


def deliverers(runtime: Runtime) -> dict[str, Callable[[OutboxEvent], Awaitable[None]]]:
    """{"telegram": deliver} with a bot token; the Telegram side is imported on first use."""
    if not runtime.settings.telegram_bot_token:
        return {}
    loaded: list[Callable[[OutboxEvent], Awaitable[None]]] = []

    async def deliver(row: OutboxEvent) -> None:
        if not loaded:
            from bot.notify import telegram_deliverer

            loaded.append(telegram_deliverer(runtime))
        await loaded[0](row)

    return {TELEGRAM: deliver}

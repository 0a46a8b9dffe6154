"""The inbox in the staff chat: a customer's message (WhatsApp or Telegram) is shown to
staff, and a staff member's reply to it goes back to the customer on its channel.

- A plugin (sauda.wiring.PLUGINS): on `conversation.message_received` a `telegram`
  outbox row of event type `staff.inbox_message` is queued for the shop's staff chat
  (none without one); its renderer posts the notice and remembers which inbox message
  that chat message shows (a Notification `staff_inbox`, ref `<chat id>:<message id>`).
- A router (bot.routers ROUTER_MODULES): a text that *replies* to such a notice, from
  a member of that shop, is answered to the customer through
  core.commerce.threads.reply_to (the same outbox as `messages/send`), and the staff
  member is told it went (or why not: WhatsApp's window closed).
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.types import Message as TgMessage
from aiogram.utils.i18n import gettext as _

from bot.i18n import render
from bot.notify import register_renderer
from core.channels.telegram_out import TELEGRAM
from core.commerce import threads
from core.errors import BadRequest
from core.events import CONVERSATION_MESSAGE_RECEIVED, DomainEvent, bus
from core.models import Customer, Message, Notification, OutboxEvent, Shop, User
from core.outbox import PermanentFailure, enqueue
from core.runtime import Runtime
from core.shops import member_roles

log = logging.getLogger(__name__)

INBOX_EVENT = "staff.inbox_message"
NOTICE_KIND = "staff_inbox"


def N_(message: str) -> str:
    return message


INBOX_NOTICE = N_("💬 {name} ({phone}) on {channel}:\n{text}\n\nReply to this message to answer.")
CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram"}


async def on_message_received(event: DomainEvent) -> None:
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


async def render_notice(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    payload = row.payload
    chat_id = int(payload["chat_id"])
    text = render(payload["text"], str(payload.get("language") or "ru"), payload.get("params"))
    try:
        sent = await bot.send_message(chat_id=chat_id, text=text)
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise PermanentFailure(f"telegram refused the notice: {error}") from error
    await Notification.get_or_create(
        shop_id=row.shop_id,
        kind=NOTICE_KIND,
        ref=f"{chat_id}:{sent.message_id}",
        period="",
        defaults={"payload": {"message_id": int(payload["inbox_message_id"])}},
    )


def register(runtime: Runtime) -> None:
    bus.subscribe(CONVERSATION_MESSAGE_RECEIVED, on_message_received)
    register_renderer(INBOX_EVENT, render_notice)


async def replied_notice(message: TgMessage) -> dict[str, Any] | bool:
    """The filter: a reply to one of our inbox notices gives the handler `notice`."""
    replied = message.reply_to_message
    if replied is None:
        return False
    notice = await Notification.get_or_none(
        kind=NOTICE_KIND, ref=f"{message.chat.id}:{replied.message_id}"
    )
    return {"notice": notice} if notice is not None else False


async def on_staff_reply(message: TgMessage, notice: Notification, runtime: Runtime) -> None:
    """A staff member answers a customer by replying to the notice of their message."""
    shop = await Shop.get(id=notice.shop_id)  # type: ignore[attr-defined]
    sender = message.from_user
    user = await User.get_or_none(telegram_id=sender.id) if sender else None
    if user is None or not await member_roles(shop_id=shop.id, user_id=user.id):
        await message.reply(_("Only the shop's staff can answer customers from here."))
        return
    inbound = await Message.get(id=int(notice.payload["message_id"]))
    try:
        await threads.reply_to(
            shop=shop,
            message_id=inbound.id,
            content=message.text or "",
            user_id=user.id,
            now=runtime.clock.now(),
        )
    except BadRequest as error:
        await message.reply(_("Not sent: {reason}").format(reason=error.detail))
        return
    await message.reply(_("✅ Sent to the customer."))


def create_router() -> Router:
    router = Router(name="staff.inbox")
    router.message.filter(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    router.message.register(on_staff_reply, F.text, replied_notice)
    return router

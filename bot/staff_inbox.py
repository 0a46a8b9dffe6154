"""The inbox in the staff chat: a customer's message (WhatsApp or Telegram) is shown to
staff, and a staff member's reply to it goes back to the customer on its channel.

- On `conversation.message_received` bot.subscribers queues a `telegram` outbox row of
  event type `staff.inbox_message` for the shop's staff chat (none without one); its
  renderer (`register_renderers`) posts the notice and remembers which inbox message
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
from bot.subscribers import INBOX_EVENT
from core.commerce import threads
from core.errors import BadRequest
from core.models import Message, Notification, OutboxEvent, Shop, User
from core.outbox import PermanentFailure
from core.runtime import Runtime
from core.shops import member_roles

log = logging.getLogger(__name__)

NOTICE_KIND = "staff_inbox"


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


def register_renderers() -> None:
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

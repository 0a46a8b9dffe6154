"""Messages to staff chats, which are on Telegram only (people in the staff chat, a
florist, a courier, an owner's login code). Customers are told things through the
channel-neutral fan-out `core.notify.tell`, never from here.

A message is stored as a template (a gettext message id of the `messages` domain) with
its parameters and the reader's language, and rendered by the bot at delivery, so the
text is in the language of whoever reads it. Payload of such a `telegram` row:

    {"chat_id": int, "text": msgid, "params": {...}, "language": "ru",
     "photo": optional file_id or URL, "buttons": optional [[{"text": msgid, "data": str}]],
     "order_id": optional int, "message_id": optional int (an inbox Message)}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.errors import BadRequest
from core.models import User
from core.outbox import enqueue

TELEGRAM = "telegram"


async def send_chat_message(
    *,
    chat_id: int,
    text: str,
    params: dict[str, Any] | None = None,
    language: str = "ru",
    shop_id: int | None = None,
    event_type: str = "message",
    key: str | None = None,
    photo: str | None = None,
    buttons: list[list[dict[str, str]]] | None = None,
    order_id: int | None = None,
    message_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Queue a Telegram message to a staff chat (or a reply staff write to a customer
    through the commerce inbox); the outbox delivers it with the bot's sender.
    `message_id` names the queued inbox `Message` it sends (the deliverer records the
    Telegram message id on it)."""
    payload: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "params": params or {},
        "language": language,
    }
    if photo:
        payload["photo"] = photo
    if buttons:
        payload["buttons"] = buttons
    if order_id is not None:
        payload["order_id"] = order_id
    if message_id is not None:
        payload["message_id"] = message_id
    await enqueue(
        topic=TELEGRAM,
        event_type=event_type,
        payload=payload,
        shop_id=shop_id,
        key=key if key is not None else f"chat:{chat_id}",
        destination=str(chat_id),
        now=now,
    )


# Texts queued from core for the bot to render (extracted by Babel from here too).
def _(message: str) -> str:
    return message


OTP_MESSAGE = _(
    "Your Sauda login code: {code}\nIt is valid for 5 minutes. Do not share it with anyone."
)


async def deliver_login_code(*, phone: str, code: str) -> None:
    """Send a one-time code to the Telegram chat linked to the phone.

    Raises BadRequest when no chat is linked yet (the owner must open the bot and share
    their contact first).
    """
    user = await User.get_or_none(phone=phone)
    if user is None or user.telegram_chat_id is None:
        raise BadRequest(
            "This phone is not linked to Telegram yet: open our Telegram bot, press /start "
            "and share your contact, then request the code again"
        )
    await send_chat_message(
        chat_id=user.telegram_chat_id,
        text=OTP_MESSAGE,
        params={"code": code},
        language=user.language,
        event_type="otp",
        key=f"otp:{user.telegram_chat_id}",
    )

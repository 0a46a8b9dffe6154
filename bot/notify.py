"""The bot as a plugin of the process (sauda.wiring.PLUGINS).

- `register(runtime)` subscribes to domain events: when an order is paid, assembled,
  out for delivery (with the courier's first name), delivered (with the delivery
  photo) or cancelled (by staff in the bot or over any contract), its customer is told in their language on every chat they have (Telegram,
  WhatsApp). The subscriber only writes outbox rows (`core.notify.tell`, one per chat)
  on the caller's transaction. Staff-side modules hook in through `STAFF_NOTIFIER_MODULES`:
  each module's `register_notifications(runtime)` is called here (the staff chat's
  order cards, courier alerts).
- `deliverers(runtime)` returns {"telegram": deliver}: an outbox row of topic
  `telegram` is rendered in its language and sent
  through the bot, i.e. through the one Sender with Telegram's limits. Rows with an
  `event_type` someone registered with `register_renderer` are handed to that renderer
  instead (e.g. an order card edited in place). A row is either a staff message
  (core.channels.telegram_out: `chat_id`, `buttons` with callback data) or a
  channel-neutral one (core.notify: `address` + `message`, whose actions are encoded
  here by `bot.actions`); `telegram_view` reads both as the former.

A 400/403 from Telegram (chat gone, bot blocked) is a PermanentFailure: the outbox stops
retrying that row. Anything else is retried by the outbox with back-off.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.actions import encode
from bot.i18n import render
from core import storefront
from core.channels.telegram_out import TELEGRAM
from core.events import ORDER_STATUS_CHANGED, DomainEvent, bus
from core.models import Message, MessageStatus, OutboxEvent
from core.notify import tell
from core.orders.status import OrderStatus
from core.outbox import PermanentFailure
from core.ports.chat import OutgoingMessage
from core.runtime import Runtime

log = logging.getLogger(__name__)


def _(message: str) -> str:
    return message


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

# Modules of the staff side that subscribe their own notifications.
STAFF_NOTIFIER_MODULES = ("bot.routers.staff", "bot.routers.courier", "bot.routers.staff_tasks")

Renderer = Callable[[Runtime, Bot, OutboxEvent], Awaitable[None]]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(event_type: str, renderer: Renderer) -> None:
    """Deliver outbox rows of `event_type` (topic telegram) with `renderer`."""
    RENDERERS[event_type] = renderer


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


def register(runtime: Runtime) -> None:
    bus.subscribe(ORDER_STATUS_CHANGED, notify_customer_of_status)
    for name in STAFF_NOTIFIER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        hook = getattr(module, "register_notifications", None)
        if hook is not None:
            hook(runtime)


def keyboard(
    buttons: list[list[dict[str, str]]] | None, language: str
) -> InlineKeyboardMarkup | None:
    """Inline keyboard from payload buttons: {"text": msgid, "data": ...} or {"url": ...}."""
    if not buttons:
        return None
    rows = []
    for row in buttons:
        rendered = []
        for button in row:
            label = render(button["text"], language, button.get("params"))  # type: ignore[arg-type]
            if "url" in button:
                rendered.append(InlineKeyboardButton(text=label, url=button["url"]))
            else:
                rendered.append(InlineKeyboardButton(text=label, callback_data=button["data"]))
        rows.append(rendered)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def telegram_view(payload: dict[str, Any]) -> dict[str, Any]:
    """A row's payload as a Telegram message: `chat_id`, `text`, `params`, `language`,
    optional `photo`, `buttons` (callback data encoded by bot.actions), `order_id`.
    A channel-neutral row (core.notify) is translated; a staff row is as it is."""
    if "message" not in payload:
        return payload
    message = OutgoingMessage.from_dict(payload["message"])
    view: dict[str, Any] = {
        "chat_id": int(payload["address"]["external_id"]),
        "text": message.text,
        "params": dict(message.params),
        "language": message.language,
    }
    if message.photos:
        view["photo"] = message.photos[0]
    if message.actions:
        view["buttons"] = [
            [
                {"text": action.label, "data": encode(action), "params": dict(action.label_params)}
                if action.label_params
                else {"text": action.label, "data": encode(action)}
                for action in row
            ]
            for row in message.actions
        ]
    if message.order_id is not None:
        view["order_id"] = message.order_id
    return view


async def send_payload(bot: Bot, payload: dict[str, Any]) -> None:
    """Render a row's payload (see `telegram_view`) in its language and send it."""
    payload = telegram_view(payload)
    language = str(payload.get("language") or "ru")
    text = render(payload["text"], language, payload.get("params"))
    markup = keyboard(payload.get("buttons"), language)
    chat_id = int(payload["chat_id"])
    try:
        if payload.get("photo"):
            sent = await bot.send_photo(
                chat_id=chat_id, photo=payload["photo"], caption=text[:1024], reply_markup=markup
            )
        else:
            sent = await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise PermanentFailure(f"telegram refused the message: {error}") from error
    if payload.get("message_id") is not None:
        # An inbox message queued by the commerce contract: it went out now.
        await Message.filter(id=int(payload["message_id"]), external_id__isnull=True).update(
            external_id=f"{chat_id}:{sent.message_id}", status=MessageStatus.SENT
        )


def telegram_bot(runtime: Runtime) -> Bot:
    """The process's Bot (the running bot's, or one made for delivery only)."""
    bot = runtime.extras.get("telegram_bot")
    if bot is None:
        from bot.app import create_bot

        bot = create_bot(runtime)
        runtime.extras["telegram_bot"] = bot
    return bot  # type: ignore[no-any-return]


def deliverers(runtime: Runtime) -> dict[str, Callable[[OutboxEvent], Awaitable[None]]]:
    if not runtime.settings.telegram_bot_token:
        return {}

    async def deliver(row: OutboxEvent) -> None:
        bot = telegram_bot(runtime)
        renderer = RENDERERS.get(row.event_type)
        if renderer is not None:
            await renderer(runtime, bot, row)
        else:
            await send_payload(bot, row.payload)

    return {TELEGRAM: deliver}

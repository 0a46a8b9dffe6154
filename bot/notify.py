"""The outbox deliverer of topic `telegram`: rows rendered and sent through the bot.

The events that queue these rows are subscribed by bot.subscribers (no aiogram), which
loads this module on the first row a process delivers (`telegram_deliverer`).

- `telegram_deliverer(runtime)`: an outbox row of topic
  `telegram` is rendered in its language and sent
  through the bot, i.e. through the one Sender with Telegram's limits. Rows with an
  `event_type` someone registered with `register_renderer` are handed to that renderer
  instead (e.g. an order card edited in place): each module of `RENDERER_MODULES` has
  its `register_renderers()` called when the deliverer is made. A row is either a staff message
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
from core.models import Message, MessageStatus, OutboxEvent
from core.outbox import PermanentFailure
from core.ports.chat import OutgoingMessage
from core.runtime import Runtime

log = logging.getLogger(__name__)


# Modules that render their own rows (each has `register_renderers()`).
RENDERER_MODULES = (
    "bot.staff_cards",
    "bot.staff_inbox",
    "bot.ai_drafts",
    "bot.routers.staff_tasks",
)

Renderer = Callable[[Runtime, Bot, OutboxEvent], Awaitable[None]]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(event_type: str, renderer: Renderer) -> None:
    """Deliver outbox rows of `event_type` (topic telegram) with `renderer`."""
    RENDERERS[event_type] = renderer


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


def telegram_deliverer(runtime: Runtime) -> Callable[[OutboxEvent], Awaitable[None]]:
    """The deliverer of topic `telegram`, with every module's renderers registered."""
    for name in RENDERER_MODULES:
        importlib.import_module(name).register_renderers()

    async def deliver(row: OutboxEvent) -> None:
        bot = telegram_bot(runtime)
        renderer = RENDERERS.get(row.event_type)
        if renderer is not None:
            await renderer(runtime, bot, row)
        else:
            await send_payload(bot, row.payload)

    return deliver

"""What the customer routers share: the shop of the conversation, replying, the menu.

`show` puts a view (the catalog's sections, a product card, the menu) in place of the
message whose button was pressed, so browsing keeps one message in the chat:

    pressed message   view        how
    text              text        editMessageText
    photo             photo       editMessageMedia (the caption is the text)
    text / photo      the other   the view is sent, then the pressed message deleted
    (a command)       any         a new message

A picture Telegram cannot fetch leaves the view as text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    TelegramObject,
)
from aiogram.utils.i18n import gettext as _

from bot.routers.customer import keyboards
from bot.routers.customer.states import SHOP_KEY
from core import storefront
from core.models import Shop

Markup = Any
# A picture a view shows: a web address or Telegram file id, or a file to upload.
Picture = str | InputFile | None


class ShopMiddleware(BaseMiddleware):
    """Gives handlers `shop`: the conversation's shop, else the only shop; without one
    the person is asked to open the shop's link and the handler is not called."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext = data["state"]
        shop = await storefront.get_shop((await state.get_data()).get(SHOP_KEY))
        if shop is None:
            shop = await storefront.shop_for_start(None)
            if shop is not None:
                await state.update_data({SHOP_KEY: shop.id})
        if shop is None:
            text = _("Please open the bot through your shop's link to start shopping.")
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            elif isinstance(event, Message):
                await event.answer(text)
            return None
        data["shop"] = shop
        return await handler(event, data)


async def say(event: Message | CallbackQuery, text: str, reply_markup: Markup = None) -> Message:
    """Answer with a new message in the event's chat (a pressed button is acknowledged)."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        assert isinstance(event.message, Message)
        return await event.message.answer(text, reply_markup=reply_markup)
    return await event.answer(text, reply_markup=reply_markup)


async def replace(
    event: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message whose button was pressed (or send anew if it cannot be edited)."""
    await event.answer()
    message = event.message
    if not isinstance(message, Message) or message.text is None:
        await say_in_chat(event, text, reply_markup)
        return
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            await say_in_chat(event, text, reply_markup)


async def say_in_chat(event: CallbackQuery, text: str, reply_markup: Markup = None) -> None:
    if event.message is not None:
        await event.bot.send_message(  # type: ignore[union-attr]
            chat_id=event.message.chat.id, text=text, reply_markup=reply_markup
        )


CAPTION_LIMIT = 1024


def _not_modified(error: TelegramBadRequest) -> bool:
    return "not modified" in str(error)


async def _edit(
    message: Message, text: str, reply_markup: Markup, photo: Picture
) -> Message | bool:
    """Edit `message` into the view: the edited message (True when nothing changed);
    False when it cannot be (of the other kind, gone)."""
    try:
        if photo and message.photo:
            return await message.edit_media(
                InputMediaPhoto(media=photo, caption=text[:CAPTION_LIMIT]),
                reply_markup=reply_markup,
            )
        if not photo and message.text is not None:
            return await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        return _not_modified(error)
    return False


async def _send(
    event: Message | CallbackQuery, text: str, reply_markup: Markup, photo: Picture
) -> Message:
    bot = event.bot
    chat = event.message.chat if isinstance(event, CallbackQuery) else event.chat
    assert bot is not None and chat is not None
    if photo:
        try:
            return await bot.send_photo(
                chat_id=chat.id,
                photo=photo,
                caption=text[:CAPTION_LIMIT],
                reply_markup=reply_markup,
            )
        except TelegramBadRequest:
            pass  # Telegram could not fetch the picture: the view goes out as text.
    return await bot.send_message(chat_id=chat.id, text=text, reply_markup=reply_markup)


async def show(
    event: Message | CallbackQuery,
    text: str,
    reply_markup: Markup = None,
    *,
    photo: Picture = None,
) -> Message | None:
    """Show a view in place of the pressed message (see the module docstring); a
    command's view is a new message. `photo` (a URL or file id, or a file to upload)
    makes it a photo card. Returns the message now showing the view, when Telegram
    said which (None for an edit that changed nothing)."""
    if not isinstance(event, CallbackQuery):
        return await _send(event, text, reply_markup, photo)
    await event.answer()
    pressed = event.message if isinstance(event.message, Message) else None
    if pressed is not None:
        edited = await _edit(pressed, text, reply_markup, photo)
        if edited:
            return edited if isinstance(edited, Message) else None
    if event.message is None:
        return None
    sent = await _send(event, text, reply_markup, photo)
    if pressed is not None:
        # Too old to delete (48 hours): it stays above the new view.
        with contextlib.suppress(TelegramBadRequest):
            await pressed.delete()
    return sent


def menu_text(shop: Shop | None) -> str:
    return _("What would you like to do?")


async def show_menu(event: Message | CallbackQuery, shop: Shop | None, lead: str = "") -> None:
    text = menu_text(shop)
    if lead:
        text = f"{lead}\n\n{text}"
    await say(event, text, keyboards.main_menu())

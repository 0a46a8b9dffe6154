"""The customer side of the bot (private chats only): start and menu, catalog, cart,
checkout, my orders, a question to the shop. States are in `states` (with a table).

    customer                      (private chats)
    ├── start                     /start, /cancel, /menu, /language: no shop needed
    ├── reorder                   the reminder's `reorder:<order_id>`: the order names the shop
    ├── shop                      ShopMiddleware gives handlers `shop`
    │   ├── menu, catalog, cart, orders, question
    │   ├── checkout              the Checkout states
    │   ├── inbox                 a known customer's free text: kept in the shop's inbox
    │   ├── assistant             free text outside a state: the assistant's draft
    │   └── inbox (thanks)        kept text the assistant did not take: "passed on"
    └── fallback                  anything else without a state: a hint and the menu
                                  (a sticker, photo, voice, file...: what the bot
                                  can do, and the menu)
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.routers.customer import (
    assistant,
    cart,
    catalog,
    checkout,
    inbox,
    orders,
    question,
    reorder,
    start,
)
from bot.routers.customer.common import ShopMiddleware, show_menu


async def on_unknown(message: Message) -> None:
    await show_menu(message, None, _("Sorry, I did not understand that. Please use the menu."))


# What a person may send that the bot cannot take outside a conversation; contacts are
# left to the staff side (linking), texts to the handlers above.
NOT_TEXT = frozenset(
    {
        ContentType.STICKER,
        ContentType.PHOTO,
        ContentType.VOICE,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.VIDEO,
        ContentType.VIDEO_NOTE,
        ContentType.ANIMATION,
        ContentType.LOCATION,
        ContentType.VENUE,
        ContentType.POLL,
        ContentType.DICE,
    }
)


async def on_not_text(message: Message) -> None:
    await show_menu(
        message,
        None,
        _(
            "I cannot take stickers, photos, voice messages or files here. I can show you "
            "the catalog, take your order, show your orders and pass your question to the "
            "shop: please choose below."
        ),
    )


async def on_unknown_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button is no longer active."), show_alert=True)


def create_router() -> Router:
    root = Router(name="customer")
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_router(start.create_router())
    root.include_router(reorder.create_router())

    shop = Router(name="customer.shop")
    shop.message.middleware(ShopMiddleware())
    shop.callback_query.middleware(ShopMiddleware())
    for module in (catalog, cart, orders, question, checkout, inbox, assistant):
        shop.include_router(module.create_router())
    shop.include_router(inbox.create_thanks_router())
    root.include_router(shop)

    fallback = Router(name="customer.fallback")
    fallback.message.register(on_unknown, StateFilter(None), F.text)
    fallback.message.register(on_not_text, StateFilter(None), F.content_type.in_(NOT_TEXT))
    fallback.callback_query.register(on_unknown_button)
    root.include_router(fallback)
    return root

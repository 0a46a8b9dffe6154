"""A known customer's own words outside any dialogue (a chat linked to a customer of the
shop: they shared their contact or ordered here): kept in the shop's inbox (the commerce
contract's inbox, one thread per customer across messengers) and shown to staff, who
answer from the staff chat or the API (bot.staff_inbox, core.commerce.threads)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from core.channels.inbox import InboundMessage, customer_of_address, receive
from core.models import Shop
from core.ports.chat import ChannelName, ChatAddress


async def on_free_text(message: Message, shop: Shop) -> None:
    """A known customer's text is kept (and shown to staff); then it goes on to the
    assistant (bot.routers.customer.assistant), which may draft or send an answer."""
    sender = message.from_user
    address = ChatAddress(ChannelName.TELEGRAM, str(message.chat.id))
    if await customer_of_address(shop_id=shop.id, address=address) is None:
        raise SkipHandler()
    await receive(
        shop_id=shop.id,
        messages=[
            InboundMessage(
                address=address,
                external_id=f"{message.chat.id}:{message.message_id}",
                sent_at=message.date,
                kind="text",
                text=message.text or "",
                name=sender.full_name if sender else "",
            )
        ],
    )
    raise SkipHandler()


async def on_kept_text(message: Message, shop: Shop) -> None:
    """Kept text the assistant did not take: the customer hears it was passed on."""
    address = ChatAddress(ChannelName.TELEGRAM, str(message.chat.id))
    if await customer_of_address(shop_id=shop.id, address=address) is None:
        raise SkipHandler()
    await message.answer(_("Thank you! We passed your message to the shop."))


def create_router() -> Router:
    router = Router(name="customer.inbox")
    router.message.register(on_free_text, StateFilter(None), F.text, ~F.text.startswith("/"))
    return router


def create_thanks_router() -> Router:
    router = Router(name="customer.inbox.thanks")
    router.message.register(on_kept_text, StateFilter(None), F.text, ~F.text.startswith("/"))
    return router

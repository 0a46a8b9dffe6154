"""A customer's free text outside any flow goes to the assistant (core.assistant.drafts):
a draft for the staff chat, or in `auto` mode a simple answer at once. Text the
assistant does not take (an unknown person, mode `off`, no staff chat) goes on to the
fallback's hint."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from core.assistant import drafts
from core.models import Shop
from core.runtime import Runtime


async def on_free_text(message: Message, shop: Shop, runtime: Runtime) -> None:
    if message.from_user is None:
        raise SkipHandler()
    outcome = await drafts.on_customer_text(
        assistant=runtime.assistant,
        kv=runtime.kv,
        shop=shop,
        address=telegram_address(message.from_user.id),
        text=message.text or "",
        now=runtime.clock.now(),
    )
    if outcome is drafts.Outcome.NOT_HANDLED:
        raise SkipHandler()
    if outcome is drafts.Outcome.DRAFTED:
        await message.answer(_("Thank you! The shop will get back to you soon."))


def create_router() -> Router:
    router = Router(name="customer.assistant")
    router.message.register(on_free_text, StateFilter(None), F.text, ~F.text.startswith("/"))
    return router

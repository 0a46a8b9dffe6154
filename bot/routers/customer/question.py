"""Ask a question: the person's text goes to the shop's staff chat through the outbox."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _

from bot.routers.customer import keyboards
from bot.routers.customer.common import say, show_menu
from bot.routers.customer.keyboards import MenuCb
from bot.routers.customer.states import Question
from core import storefront
from core.models import Shop


async def on_ask(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Question.text)
    await say(
        event,
        _("Write your question in one message and we will pass it to the shop."),
        keyboards.only_cancel(),
    )


async def on_question(
    message: Message, shop: Shop, state: FSMContext, event_from_user: User
) -> None:
    contact = (
        f"@{event_from_user.username}" if event_from_user.username else f"id {event_from_user.id}"
    )
    sent = await storefront.ask_question(
        shop=shop,
        text=message.text or "",
        name=event_from_user.full_name,
        contact=contact,
    )
    await state.set_state(None)
    if sent:
        await show_menu(message, shop, _("Thank you! The shop will get back to you soon."))
    else:
        lead = _("Sorry, the shop cannot take questions in the chat right now.")
        if shop.phone:
            lead += " " + _("Please call {phone}.").format(phone=shop.phone)
        await show_menu(message, shop, lead)


async def on_not_text(message: Message) -> None:
    await message.answer(
        _("Please send your question as text.")
        + "\n\n"
        + _("Write your question in one message and we will pass it to the shop."),
        reply_markup=keyboards.only_cancel(),
    )


def create_router() -> Router:
    router = Router(name="customer.question")
    router.callback_query.register(on_ask, MenuCb.filter(F.action == "ask"))
    router.message.register(on_question, Question.text, F.text, ~F.text.startswith("/"))
    router.message.register(on_not_text, Question.text)
    return router

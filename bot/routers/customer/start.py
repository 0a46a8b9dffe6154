"""/start with the shop's deep link, /cancel, the language switch and the main menu.

A person whose Telegram speaks none of our languages (ru, kk, uz, en), with no language
saved before, is asked to pick one at their first /start (in all four at once); the
pick opens the menu in that language. Later starts greet them in what they use.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from bot.i18n import LANGUAGE_ASKED_KEY, render, set_language
from bot.routers.customer import keyboards
from bot.routers.customer.common import menu_text, say, show, show_menu
from bot.routers.customer.keyboards import LanguageCb, MenuCb
from bot.routers.customer.states import CART_KEY, CHECKOUT_KEY, SHOP_KEY
from bot.texts import N_
from core import storefront
from core.errors import NotFound
from core.i18n import LANGUAGES

PICK_LANGUAGE = N_("Please choose your language:")

DEEP_LINK_PREFIX = "shop_"


async def on_start(
    message: Message, command: CommandObject, state: FSMContext, event_from_user: User
) -> None:
    payload = (command.args or "").strip()
    slug = payload.removeprefix(DEEP_LINK_PREFIX) if payload.startswith(DEEP_LINK_PREFIX) else None
    data = await state.get_data()
    try:
        shop = await storefront.shop_for_start(slug)
    except NotFound:
        await message.answer(_("This shop link is not valid. Please ask the shop for its link."))
        return
    if shop is None:
        shop = await storefront.get_shop(data.get(SHOP_KEY))
    if shop is None:
        await message.answer(
            _("Hello! Please open the bot through your shop's link to start shopping.")
        )
        return
    changes: dict[str, object] = {SHOP_KEY: shop.id, CHECKOUT_KEY: None}
    if data.get(SHOP_KEY) != shop.id:
        changes[CART_KEY] = {}
    await state.set_state(None)
    await state.update_data(changes)
    if await _should_ask_language(data, event_from_user):
        await state.update_data({LANGUAGE_ASKED_KEY: True})
        lines = [render(PICK_LANGUAGE, code) for code in LANGUAGES]
        await message.answer("\n".join(dict.fromkeys(lines)), reply_markup=keyboards.languages())
        return
    greeting = _("Hello, {name}! Welcome to {shop}.").format(
        name=event_from_user.first_name, shop=shop.name
    )
    await show_menu(message, shop, greeting)


def _speaks_ours(code: str | None) -> bool:
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return not code or base in LANGUAGES


async def _should_ask_language(data: dict[str, object], person: User) -> bool:
    if data.get(LANGUAGE_ASKED_KEY) or _speaks_ours(person.language_code):
        return False
    saved = await storefront.saved_language(address=telegram_address(person.id))
    return saved is None


async def on_cancel(event: Message | CallbackQuery, state: FSMContext) -> None:
    current = await state.get_state()
    await state.set_state(None)
    await state.update_data({CHECKOUT_KEY: None})
    if current is None:
        lead = _("There is nothing to cancel.")
    else:
        lead = _("Cancelled. Your cart is kept.")
    if isinstance(event, CallbackQuery):
        await event.answer()
    chat = event.message.chat.id if isinstance(event, CallbackQuery) else event.chat.id  # type: ignore[union-attr]
    bot = event.bot
    assert bot is not None
    await bot.send_message(chat_id=chat, text=lead, reply_markup=ReplyKeyboardRemove())
    await bot.send_message(
        chat_id=chat, text=_("What would you like to do?"), reply_markup=keyboards.main_menu()
    )


async def on_menu(event: Message | CallbackQuery) -> None:
    """/menu: a new menu; "⬅️ Menu" under a view: the menu in its place."""
    if isinstance(event, CallbackQuery):
        await show(event, menu_text(None), keyboards.main_menu())
        return
    await show_menu(event, None)


async def on_language_menu(event: Message | CallbackQuery) -> None:
    await say(event, _("Choose your language:"), keyboards.languages())


async def on_language(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    i18n: I18n,
    event_from_user: User,
) -> None:
    language = await set_language(state, i18n, callback_data.code)
    await state.update_data({LANGUAGE_ASKED_KEY: True})
    await storefront.save_language(address=telegram_address(event_from_user.id), language=language)
    await show_menu(callback, None, _("The language is now English."))


async def on_noop(callback: CallbackQuery) -> None:
    await callback.answer()


def create_router() -> Router:
    router = Router(name="customer.start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_cancel, MenuCb.filter(F.action == "cancel"))
    router.message.register(on_menu, Command("menu"))
    router.callback_query.register(on_menu, MenuCb.filter(F.action == "home"))
    router.message.register(on_language_menu, Command("language"))
    router.callback_query.register(on_language_menu, MenuCb.filter(F.action == "language"))
    router.callback_query.register(on_language, LanguageCb.filter())
    router.callback_query.register(on_noop, F.data == "noop")
    return router

"""Checkout in Telegram: the channel-neutral flow (core.flows.shop_chat) rendered.

The steps, their questions, choices, validators and order are the flow's table
(`shop_chat.STEPS`, its diagram in the module docstring); this module only translates:

    update ──► `said_of` (text, contact, location, photo, or a press decoded by
               bot.actions into the flow's action) ──► shop_chat.respond
           ──► `render`: each reply a message in the chat, its actions an inline
               keyboard (callback data of bot.actions), a `request.contact` /
               `request.location` a reply keyboard; the flow's menu is the bot's main
               menu; a notice about a press a popup

The flow's session is the person's FSM context: the step is the `Checkout` state (so a
bot restart resumes at the same step), the collected answers are under `checkout`, the
cart under `cart` (bot.routers.customer.states). Nothing is written to the database
before the person confirms; then the order is placed by ONE core call
(`core.storefront.place_chat_order`), idempotent per checkout. The phone is the
person's own Telegram contact, asked once per checkout (a reorder knows it).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)
from aiogram.utils.i18n import gettext as _

from bot.actions import decode, encode, telegram_address
from bot.i18n import render as render_label
from bot.routers.customer import keyboards
from bot.routers.customer.keyboards import CartCb, CheckoutCb
from bot.routers.customer.states import CART_KEY, CHECKOUT_KEY, Checkout
from bot.texts import current_language
from core.flows import shop_chat
from core.models import Shop
from core.ports.chat import Action, OutgoingMessage
from core.runtime import Runtime

Event = Message | CallbackQuery

# The steps whose question is a reply keyboard: once answered, the keyboard goes.
REPLY_KEYBOARD_STEPS = frozenset({"phone", "address"})


def step_of(state_name: str | None) -> str | None:
    """The flow's step of an FSM state (None outside checkout)."""
    prefix = f"{Checkout.__name__}:"
    if state_name and state_name.startswith(prefix):
        step = state_name[len(prefix) :]
        return step if step in shop_chat.STEPS else None
    return None


def said_of(message: Message) -> shop_chat.Said:
    if message.contact is not None:
        contact = message.contact
        return shop_chat.Said(
            "contact",
            contact_phone=contact.phone_number,
            contact_name=" ".join(p for p in (contact.first_name, contact.last_name) if p),
            own_contact=message.from_user is not None and contact.user_id == message.from_user.id,
        )
    if message.location is not None:
        return shop_chat.Said(
            "location", latitude=message.location.latitude, longitude=message.location.longitude
        )
    if message.text is not None:
        return shop_chat.Said("text", text=message.text)
    return shop_chat.Said("photo" if message.photo else "other")


def pressed(callback: CallbackQuery) -> shop_chat.Said:
    action = decode(callback.data) or Action("checkout.unknown")
    return shop_chat.Said("action", action=action)


# --- rendering ---------------------------------------------------------------------------


def label(action: Action, language: str) -> str:
    return render_label(action.label, language, dict(action.label_params))


def markup(reply: OutgoingMessage) -> Any:
    rows = [list(row) for row in reply.actions]
    if not rows:
        return None
    requests = [a for row in rows for a in row if a.kind.startswith("request.")]
    if requests:
        return ReplyKeyboardMarkup(
            keyboard=[
                [
                    KeyboardButton(
                        text=label(a, reply.language),
                        request_contact=a.kind == shop_chat.REQUEST_CONTACT,
                        request_location=a.kind == shop_chat.REQUEST_LOCATION,
                    )
                ]
                for a in requests
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if rows == shop_chat.menu_actions():
        return keyboards.main_menu()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=label(a, reply.language), callback_data=encode(a))
                for a in row
            ]
            for row in rows
        ]
    )


async def render(event: Event, turn: shop_chat.Turn, *, before: str | None) -> None:
    """The turn's notices and replies in the event's chat."""
    message = event.message if isinstance(event, CallbackQuery) else event
    assert isinstance(message, Message)
    if isinstance(event, CallbackQuery):
        if turn.alerts:
            await event.answer(turn.alerts[0], show_alert=True)
        else:
            await event.answer()
    else:
        for alert in turn.alerts:
            await message.answer(alert)
    if before in REPLY_KEYBOARD_STEPS and turn.session.step != before:
        await message.answer(_("Thank you!"), reply_markup=ReplyKeyboardRemove())
    for reply in turn.replies:
        await message.answer(reply.text, reply_markup=markup(reply))


# --- a turn ------------------------------------------------------------------------------


async def load(state: FSMContext) -> shop_chat.Session:
    data = await state.get_data()
    return shop_chat.Session(
        step=step_of(await state.get_state()),
        cart={str(k): int(v) for k, v in (data.get(CART_KEY) or {}).items()},
        data=dict(data.get(CHECKOUT_KEY) or {}),
    )


async def save(state: FSMContext, session: shop_chat.Session, before: str | None) -> None:
    if session.step != before:
        step = getattr(Checkout, session.step) if session.step else None
        await state.set_state(step)
    await state.update_data({CART_KEY: session.cart, CHECKOUT_KEY: session.data or None})


def turn_for(
    session: shop_chat.Session, *, shop: Shop, runtime: Runtime, user: User
) -> shop_chat.Turn:
    return shop_chat.Turn(
        shop=shop,
        address=telegram_address(user.id),
        session=session,
        language=current_language(),
        phone="",  # Telegram shares the person's own contact at checkout
        name=user.first_name,
        clock=runtime.clock,
        public_base_url=runtime.settings.public_base_url,
    )


async def run(
    event: Event,
    said: shop_chat.Said,
    *,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
    user: User,
) -> None:
    session = await load(state)
    before = session.step
    turn = turn_for(session, shop=shop, runtime=runtime, user=user)
    await shop_chat.respond(turn, said)
    await save(state, session, before)
    await render(event, turn, before=before)


async def start_checkout(
    event: Event,
    *,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
    user: User,
    known: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    """Begin a new checkout of the cart: at `recipient` when the phone is `known`, else
    at `phone` (bot.routers.customer.reorder)."""
    session = await load(state)
    before = session.step
    turn = turn_for(session, shop=shop, runtime=runtime, user=user)
    await shop_chat.begin_checkout(turn, known=known, note=note)
    await save(state, session, before)
    await render(event, turn, before=before)


# --- handlers ----------------------------------------------------------------------------


async def on_checkout(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime, event_from_user: User
) -> None:
    said = shop_chat.Said("action", action=Action("flow.checkout"))
    await run(callback, said, shop=shop, state=state, runtime=runtime, user=event_from_user)


async def on_answer(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime, event_from_user: User
) -> None:
    await run(
        message, said_of(message), shop=shop, state=state, runtime=runtime, user=event_from_user
    )


async def on_press(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime, event_from_user: User
) -> None:
    await run(
        callback, pressed(callback), shop=shop, state=state, runtime=runtime, user=event_from_user
    )


def create_router() -> Router:
    r = Router(name="customer.checkout")
    r.callback_query.register(on_checkout, CartCb.filter(F.action == "checkout"))
    r.message.register(on_answer, StateFilter(Checkout))
    r.callback_query.register(on_press, CheckoutCb.filter())
    return r

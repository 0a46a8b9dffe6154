"""Checkout as a conversation (the states and their answers: see `states`).

Each step has one question (`ask`). A wrong answer gets a short explanation and the same
question again; nothing is written to the database before the person confirms, and
then the order is placed by ONE core call (`core.storefront.place_chat_order`), which
is idempotent per checkout (a second Confirm answers with the same order) and
remembers the occasion the customer accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, User
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from bot.routers.customer import keyboards
from bot.routers.customer.common import say
from bot.routers.customer.keyboards import CartCb, CheckoutCb
from bot.routers.customer.states import CART_KEY, CHECKOUT_KEY, Checkout
from bot.texts import N_, current_language, day_label, money
from core import storefront
from core.errors import ValidationFailed
from core.models import DateType, DeliveryMethod, Shop
from core.occasions import OCCASION_KINDS, Occasion, parse_occasion_date
from core.runtime import Runtime
from core.shoptime import shop_today

Event = Message | CallbackQuery

QUESTIONS: dict[State, Callable[[], str]] = {
    Checkout.phone: lambda: (
        _("To place the order, please share your phone number with the button below.")
        + "\n"
        + _("Send /cancel to stop.")
    ),
    Checkout.recipient: lambda: _(
        "Who will receive the order? Send the recipient's name, or press “It's me”."
    ),
    Checkout.recipient_phone: lambda: _(
        "Send the recipient's phone number, for example +7 701 123 45 67."
    ),
    Checkout.method: lambda: _("Delivery or pickup?"),
    Checkout.address: lambda: (
        _(
            "Send the delivery address (street, house, flat), or share a location with the "
            "button below."
        )
        + "\n"
        + _("Send /cancel to stop.")
    ),
    Checkout.day: lambda: _("Which day? Choose one below or type a date like 25.12."),
    Checkout.card: lambda: _("Text for the greeting card? Send it, or press “No card”."),
    Checkout.occasion: lambda: _(
        "Is it a special occasion? We can remember the date and remind you a few days "
        "before it next time."
    ),
}

OCCASION_DATE_QUESTIONS: dict[str, Callable[[], str]] = {
    DateType.BIRTHDAY.value: lambda: _(
        "When is the birthday? Send the date like 25.12 or 25.12.1990."
    ),
    DateType.ANNIVERSARY.value: lambda: _(
        "When is the anniversary? Send the date like 25.12 or 25.12.2015."
    ),
}

OCCASION_NAMES: dict[str, str] = {
    DateType.BIRTHDAY.value: N_("Birthday"),
    DateType.ANNIVERSARY.value: N_("Anniversary"),
}


# --- the conversation's data ---------------------------------------------------------


async def collected(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(CHECKOUT_KEY) or {})


async def remember(state: FSMContext, **fields: Any) -> dict[str, Any]:
    checkout = await collected(state)
    checkout.update(fields)
    await state.update_data({CHECKOUT_KEY: checkout})
    return checkout


def now_of(runtime: Runtime) -> datetime:
    return runtime.clock.now()


# --- asking --------------------------------------------------------------------------


async def ask(
    step: State,
    event: Event,
    *,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
    problem: str = "",
) -> None:
    """Move to `step` and ask its question (after `problem`: why it is asked again, or a
    note that leads to it)."""
    await state.set_state(step)
    lead = f"{problem}\n\n" if problem else ""
    now = now_of(runtime)
    if step == Checkout.day:
        today = shop_today(shop, now)
        days = storefront.bookable_days(shop, now)
        await say(event, lead + QUESTIONS[step](), keyboards.days(days, today))
        return
    if step == Checkout.window:
        checkout = await collected(state)
        day = date.fromisoformat(checkout["day"])
        slots = storefront.open_slots(shop, day, now)
        if not slots:
            await ask(
                Checkout.day,
                event,
                shop=shop,
                state=state,
                runtime=runtime,
                problem=_(
                    "There are no open time windows left on that day. Please choose another day."
                ),
            )
            return
        question = _("Which time window on {day}?").format(day=day_label(day))
        await say(event, lead + question, keyboards.windows(slots))
        return
    if step == Checkout.occasion_date:
        kind = (await collected(state)).get("occasion_type") or DateType.BIRTHDAY.value
        await say(event, lead + OCCASION_DATE_QUESTIONS[kind](), keyboards.occasion_date())
        return
    if step == Checkout.confirm:
        await say(event, lead + await summary(shop, state), keyboards.confirm())
        return
    if step == Checkout.recipient:
        again = (await collected(state)).get("again") or {}
        await say(event, lead + QUESTIONS[step](), keyboards.recipient(again.get("name")))
        return
    markups: dict[State, Callable[[], Any]] = {
        Checkout.phone: keyboards.share_phone,
        Checkout.recipient_phone: keyboards.only_cancel,
        Checkout.method: keyboards.method,
        Checkout.address: keyboards.share_location,
        Checkout.card: keyboards.card,
        Checkout.occasion: keyboards.occasion,
    }
    await say(event, lead + QUESTIONS[step](), markups[step]())


async def summary(shop: Shop, state: FSMContext) -> str:
    data = await state.get_data()
    checkout = dict(data.get(CHECKOUT_KEY) or {})
    method = DeliveryMethod(checkout["method"])
    quote = await storefront.quote(shop=shop, cart=data.get(CART_KEY) or {}, delivery_method=method)
    currency = shop.currency
    lines = [_("Please check your order:"), ""]
    for item in quote.items:
        lines.append(f"• {item.product.name} × {item.quantity} — {money(item.total, currency)}")
    lines.append("")
    lines.append(_("Items: {sum}").format(sum=money(quote.flower_sum, currency)))
    if method is DeliveryMethod.DELIVERY:
        lines.append(_("Delivery: {sum}").format(sum=money(quote.delivery_fee, currency)))
    lines.append(_("Total: {sum}").format(sum=money(quote.total, currency)))
    lines.append("")
    lines.append(
        _("Recipient: {name}, {phone}").format(
            name=checkout["recipient_name"], phone=checkout["recipient_phone"]
        )
    )
    if method is DeliveryMethod.DELIVERY:
        lines.append(_("Delivery to: {address}").format(address=checkout["address"]))
    else:
        lines.append(_("Pickup from: {address}").format(address=shop.address or shop.name))
    day = date.fromisoformat(checkout["day"])
    lines.append(_("When: {day}, {window}").format(day=day_label(day), window=checkout["window"]))
    card = checkout.get("card")
    lines.append(_("Card: {text}").format(text=card) if card else _("Card: none"))
    occasion = checkout.get("occasion")
    if occasion:
        kind_msgid = OCCASION_NAMES[occasion["type"]]
        lines.append(
            _("We will remember: {occasion}, {date}").format(
                occasion=_(kind_msgid),
                date=f"{date.fromisoformat(occasion['date']):%d.%m}",
            )
        )
    lines.append("")
    lines.append(_("Is everything right?"))
    return "\n".join(lines)


def reask(step: State, problem: Callable[[], str]) -> Callable[..., Awaitable[None]]:
    """A handler for anything the step does not take: the explanation and the question."""

    async def handler(message: Message, shop: Shop, state: FSMContext, runtime: Runtime) -> None:
        await ask(step, message, shop=shop, state=state, runtime=runtime, problem=problem())

    return handler


async def thanks(message: Message) -> None:
    """Acknowledge an answer given with a reply-keyboard button, and take that keyboard away."""
    await message.answer(_("Thank you!"), reply_markup=ReplyKeyboardRemove())


# --- steps ---------------------------------------------------------------------------


async def start_checkout(
    event: Event,
    *,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
    known: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    """Begin a new checkout: at `recipient` when the phone is `known`, else at `phone`."""
    checkout = {"id": uuid.uuid4().hex, **(known or {})}
    await state.update_data({CHECKOUT_KEY: checkout})
    step = Checkout.recipient if checkout.get("phone") else Checkout.phone
    await ask(step, event, shop=shop, state=state, runtime=runtime, problem=note)


async def on_checkout(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    cart = (await state.get_data()).get(CART_KEY) or {}
    quote = await storefront.quote(shop=shop, cart=cart)
    if not quote.items:
        await callback.answer(_("Your cart is empty."), show_alert=True)
        return
    await start_checkout(callback, shop=shop, state=state, runtime=runtime)


async def on_phone(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime, event_from_user: User
) -> None:
    contact = message.contact
    assert contact is not None
    if contact.user_id != event_from_user.id:
        await ask(
            Checkout.phone,
            message,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_(
                "That is not your contact. Please share your own phone number with the "
                "button below."
            ),
        )
        return
    try:
        phone = storefront.check_phone(contact.phone_number)
    except ValidationFailed:
        await ask(
            Checkout.phone,
            message,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_("This phone number does not look valid."),
        )
        return
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    await storefront.recognise(
        shop_id=shop.id, address=telegram_address(event_from_user.id), phone=phone
    )
    await remember(state, phone=phone, name=name or event_from_user.first_name)
    await thanks(message)
    await ask(Checkout.recipient, message, shop=shop, state=state, runtime=runtime)


async def on_recipient_me(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    checkout = await collected(state)
    await remember(state, recipient_name=checkout["name"], recipient_phone=checkout["phone"])
    await ask(Checkout.method, callback, shop=shop, state=state, runtime=runtime)


async def on_recipient_again(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    """The recipient of the order being repeated; their phone is asked when not known."""
    again = (await collected(state)).get("again")
    if not again:
        await on_stale_button(callback, shop, state, runtime)
        return
    await remember(state, recipient_name=again["name"], recipient_phone=again.get("phone"))
    step = Checkout.method if again.get("phone") else Checkout.recipient_phone
    await ask(step, callback, shop=shop, state=state, runtime=runtime)


async def on_recipient_name(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    try:
        name = storefront.check_person_name(message.text)
    except ValidationFailed as error:
        problem = {
            "not_a_name": _(
                "That looks like a number, not a name. Please send the recipient's name."
            ),
            "too_long": _("The name is too long. Please send a shorter one."),
        }.get(error.problems[0].type, _("Please send the recipient's name."))
        await ask(
            Checkout.recipient, message, shop=shop, state=state, runtime=runtime, problem=problem
        )
        return
    await remember(state, recipient_name=name)
    await ask(Checkout.recipient_phone, message, shop=shop, state=state, runtime=runtime)


async def on_recipient_phone(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    raw = message.contact.phone_number if message.contact else message.text
    try:
        phone = storefront.check_phone(raw)
    except ValidationFailed:
        await ask(
            Checkout.recipient_phone,
            message,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_("That is not a phone number we can call. Please check it."),
        )
        return
    await remember(state, recipient_phone=phone)
    await ask(Checkout.method, message, shop=shop, state=state, runtime=runtime)


async def on_method(
    callback: CallbackQuery,
    callback_data: CheckoutCb,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
) -> None:
    if callback_data.action == "pickup":
        await remember(state, method=DeliveryMethod.PICKUP.value, address="", lat=None, lon=None)
        await ask(Checkout.day, callback, shop=shop, state=state, runtime=runtime)
    else:
        await remember(state, method=DeliveryMethod.DELIVERY.value)
        await ask(Checkout.address, callback, shop=shop, state=state, runtime=runtime)


async def on_address(message: Message, shop: Shop, state: FSMContext, runtime: Runtime) -> None:
    if message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
        await remember(state, address=f"{lat:.6f}, {lon:.6f}", lat=lat, lon=lon)
    else:
        try:
            address = storefront.check_address(message.text)
        except ValidationFailed as error:
            problem = (
                _("The address is too long. Please shorten it.")
                if error.problems[0].type == "too_long"
                else _("The address is empty or too short. Please send the full address.")
            )
            await ask(
                Checkout.address, message, shop=shop, state=state, runtime=runtime, problem=problem
            )
            return
        await remember(state, address=address, lat=None, lon=None)
    await thanks(message)
    await ask(Checkout.day, message, shop=shop, state=state, runtime=runtime)


DAY_PROBLEMS: dict[str, Callable[[], str]] = {
    "past": lambda: _("That day has already passed. Please choose another day."),
    "too_far": lambda: _("We do not take orders that far ahead. Please choose an earlier day."),
}


async def _take_day(
    event: Event, day: date | None, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    if day is None:
        await ask(
            Checkout.day,
            event,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_("I could not read the date. Please use the buttons or type it like 25.12."),
        )
        return
    try:
        storefront.check_day(shop, day, now_of(runtime))
    except ValidationFailed as error:
        await ask(
            Checkout.day,
            event,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=DAY_PROBLEMS[error.problems[0].type](),
        )
        return
    await remember(state, day=day.isoformat())
    await ask(Checkout.window, event, shop=shop, state=state, runtime=runtime)


async def on_day_button(
    callback: CallbackQuery,
    callback_data: CheckoutCb,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
) -> None:
    try:
        day: date | None = datetime.strptime(callback_data.value, "%Y%m%d").date()
    except ValueError:
        day = None
    await _take_day(callback, day, shop, state, runtime)


async def on_day_text(message: Message, shop: Shop, state: FSMContext, runtime: Runtime) -> None:
    today = shop_today(shop, now_of(runtime))
    await _take_day(message, storefront.parse_day(message.text or "", today), shop, state, runtime)


async def _take_window(
    event: Event, label: str, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    checkout = await collected(state)
    day = date.fromisoformat(checkout["day"])
    try:
        slot = storefront.check_slot(shop, day, label, now_of(runtime))
    except ValidationFailed as error:
        if error.problems[0].loc[0] == "day":
            await ask(
                Checkout.day,
                event,
                shop=shop,
                state=state,
                runtime=runtime,
                problem=DAY_PROBLEMS[error.problems[0].type](),
            )
            return
        problem = (
            _("This window has already closed. Please choose another one.")
            if error.problems[0].type == "closed"
            else _("Please choose a time window with the buttons.")
        )
        await ask(Checkout.window, event, shop=shop, state=state, runtime=runtime, problem=problem)
        return
    await remember(state, window=slot.label)
    await ask(Checkout.card, event, shop=shop, state=state, runtime=runtime)


async def on_window_button(
    callback: CallbackQuery,
    callback_data: CheckoutCb,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
) -> None:
    await _take_window(callback, keyboards.slot_label(callback_data.value), shop, state, runtime)


async def on_window_text(message: Message, shop: Shop, state: FSMContext, runtime: Runtime) -> None:
    await _take_window(message, message.text or "", shop, state, runtime)


async def on_other_day(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    await ask(Checkout.day, callback, shop=shop, state=state, runtime=runtime)


async def on_card_text(message: Message, shop: Shop, state: FSMContext, runtime: Runtime) -> None:
    try:
        card = storefront.check_card_text(message.text)
    except ValidationFailed:
        await ask(
            Checkout.card,
            message,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_("The card text is too long (at most 500 characters)."),
        )
        return
    checkout = await remember(state, card=card)
    await ask(after_card(checkout), message, shop=shop, state=state, runtime=runtime)


async def on_no_card(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    checkout = await remember(state, card=None)
    await ask(after_card(checkout), callback, shop=shop, state=state, runtime=runtime)


def after_card(checkout: dict[str, Any]) -> State:
    """The occasion is asked once per checkout: when the card is asked again (a window
    closed before confirming), its answer leads straight to the summary."""
    return Checkout.confirm if "occasion" in checkout else Checkout.occasion


async def on_occasion(
    callback: CallbackQuery,
    callback_data: CheckoutCb,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
) -> None:
    kind = callback_data.value
    if kind == keyboards.NO_OCCASION:
        await remember(state, occasion=None, occasion_type=None)
        await ask(Checkout.confirm, callback, shop=shop, state=state, runtime=runtime)
    elif kind in {k.value for k in OCCASION_KINDS}:
        await remember(state, occasion_type=kind)
        await ask(Checkout.occasion_date, callback, shop=shop, state=state, runtime=runtime)
    else:
        await ask(
            Checkout.occasion,
            callback,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=_("Please choose one of the buttons."),
        )


async def on_occasion_date(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    today = shop_today(shop, now_of(runtime))
    try:
        day = parse_occasion_date(message.text, today)
    except ValidationFailed as error:
        problem = (
            _("That year does not look right.")
            if error.problems[0].type == "year"
            else _("I could not read that date.")
        )
        await ask(
            Checkout.occasion_date,
            message,
            shop=shop,
            state=state,
            runtime=runtime,
            problem=problem,
        )
        return
    checkout = await collected(state)
    kind = checkout.get("occasion_type") or DateType.BIRTHDAY.value
    await remember(state, occasion={"type": kind, "date": day.isoformat()})
    await ask(Checkout.confirm, message, shop=shop, state=state, runtime=runtime)


async def on_confirm(
    callback: CallbackQuery,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
    event_from_user: User,
) -> None:
    data = await state.get_data()
    checkout = dict(data.get(CHECKOUT_KEY) or {})
    assert callback.message is not None
    occasion = checkout.get("occasion")
    order_input = storefront.ChatCheckout(
        checkout_id=checkout["id"],
        cart=data.get(CART_KEY) or {},
        phone=checkout["phone"],
        name=checkout["name"],
        recipient_name=checkout["recipient_name"],
        recipient_phone=checkout["recipient_phone"],
        delivery_method=DeliveryMethod(checkout["method"]),
        address=checkout.get("address") or "",
        latitude=checkout.get("lat"),
        longitude=checkout.get("lon"),
        day=date.fromisoformat(checkout["day"]),
        window=checkout["window"],
        card_text=checkout.get("card"),
        language=current_language(),
        chat=telegram_address(event_from_user.id),
        occasion=(
            Occasion(DateType(occasion["type"]), date.fromisoformat(occasion["date"]))
            if occasion
            else None
        ),
    )
    try:
        order, _placed = await storefront.place_chat_order(
            shop=shop, checkout=order_input, clock=runtime.clock
        )
    except ValidationFailed as error:
        where = error.problems[0].loc[0]
        if where in {"day", "window"}:
            await ask(
                Checkout.day if where == "day" else Checkout.window,
                callback,
                shop=shop,
                state=state,
                runtime=runtime,
                problem=_("Sorry, that time is no longer available. Please choose again."),
            )
            return
        await state.set_state(None)
        await say(
            callback,
            _("Some products are no longer available. Please check your cart."),
            keyboards.inline([[keyboards.button(_("🛒 Cart"), keyboards.MenuCb(action="cart"))]]),
        )
        return
    await state.set_state(None)
    await state.update_data({CHECKOUT_KEY: None, CART_KEY: {}})
    lines = [_("Thank you! Your order #{number} is placed.").format(number=order.number)]
    base = runtime.settings.public_base_url.rstrip("/")
    if base:
        lines.append(
            _("Follow it here: {link}").format(link=f"{base}/tracking/{order.tracking_token}")
        )
    else:
        lines.append(_("Your tracking code: {token}").format(token=order.tracking_token))
    info = storefront.delivery_options(shop).payment_info
    lines.append("")
    lines.append(
        _("How to pay: {info}").format(info=info)
        if info
        else _("How to pay: the shop will contact you shortly to arrange the payment.")
    )
    lines.append(_("Total to pay: {sum}").format(sum=money(order.total, shop.currency)))
    if occasion:
        lines.append("")
        lines.append(
            _("We will remind you a few days before {date}.").format(
                date=f"{date.fromisoformat(occasion['date']):%d.%m}"
            )
        )
    await say(callback, "\n".join(lines), keyboards.main_menu())


async def on_confirm_other(
    message: Message, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    await ask(
        Checkout.confirm,
        message,
        shop=shop,
        state=state,
        runtime=runtime,
        problem=_("Please confirm the order or cancel it."),
    )


async def on_stale_button(
    callback: CallbackQuery, shop: Shop, state: FSMContext, runtime: Runtime
) -> None:
    """A checkout button from an earlier step: say so, and ask the current question again."""
    await callback.answer(_("This button is no longer active."), show_alert=True)
    current = await state.get_state()
    step = next((s for s in Checkout.__states__ if s.state == current), None)
    if step is not None and isinstance(callback.message, Message):
        await ask(step, callback.message, shop=shop, state=state, runtime=runtime)


async def on_finished_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This checkout is already finished."), show_alert=True)


def create_router() -> Router:
    r = Router(name="customer.checkout")
    msg, cb = r.message.register, r.callback_query.register
    cb(on_checkout, CartCb.filter(F.action == "checkout"))

    msg(on_phone, Checkout.phone, F.contact)
    msg(
        reask(Checkout.phone, lambda: _("Please use the button below to share your phone number.")),
        Checkout.phone,
    )

    cb(on_recipient_me, Checkout.recipient, CheckoutCb.filter(F.action == "me"))
    cb(on_recipient_again, Checkout.recipient, CheckoutCb.filter(F.action == "again"))
    msg(on_recipient_name, Checkout.recipient, F.text)
    msg(
        reask(Checkout.recipient, lambda: _("Please send the recipient's name as text.")),
        Checkout.recipient,
    )

    msg(on_recipient_phone, Checkout.recipient_phone, F.text | F.contact)
    msg(
        reask(Checkout.recipient_phone, lambda: _("Please send the phone number as text.")),
        Checkout.recipient_phone,
    )

    cb(on_method, Checkout.method, CheckoutCb.filter(F.action.in_({"delivery", "pickup"})))
    msg(reask(Checkout.method, lambda: _("Please choose one of the buttons.")), Checkout.method)

    msg(on_address, Checkout.address, F.text | F.location)
    msg(
        reask(Checkout.address, lambda: _("Please send the address as text or share a location.")),
        Checkout.address,
    )

    cb(on_day_button, Checkout.day, CheckoutCb.filter(F.action == "day"))
    msg(on_day_text, Checkout.day, F.text)
    msg(
        reask(Checkout.day, lambda: _("Please choose a day with the buttons or type a date.")),
        Checkout.day,
    )

    cb(on_window_button, Checkout.window, CheckoutCb.filter(F.action == "window"))
    cb(on_other_day, Checkout.window, CheckoutCb.filter(F.action == "otherday"))
    msg(on_window_text, Checkout.window, F.text)
    msg(
        reask(Checkout.window, lambda: _("Please choose a time window with the buttons.")),
        Checkout.window,
    )

    cb(on_no_card, Checkout.card, CheckoutCb.filter(F.action == "nocard"))
    msg(on_card_text, Checkout.card, F.text)
    msg(
        reask(
            Checkout.card, lambda: _("Please send the card text as a message, or press “No card”.")
        ),
        Checkout.card,
    )

    occasion_steps = StateFilter(Checkout.occasion, Checkout.occasion_date)
    cb(on_occasion, occasion_steps, CheckoutCb.filter(F.action == "occasion"))
    msg(
        reask(Checkout.occasion, lambda: _("Please choose one of the buttons.")),
        Checkout.occasion,
    )
    msg(on_occasion_date, Checkout.occasion_date, F.text)
    msg(
        reask(Checkout.occasion_date, lambda: _("Please send the date as a message.")),
        Checkout.occasion_date,
    )

    cb(on_confirm, Checkout.confirm, CheckoutCb.filter(F.action == "confirm"))
    msg(on_confirm_other, Checkout.confirm)

    cb(on_stale_button, StateFilter(Checkout), CheckoutCb.filter())
    cb(on_finished_button, CheckoutCb.filter())
    return r

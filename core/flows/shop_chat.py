"""The shop's chat with a customer, channel-neutral: menu, catalog, cart and checkout.

    any message ──► MENU (catalog · my orders)
    flow.catalog ──► the bouquets ──flow.product:<id>──► added (catalog · checkout)
    flow.checkout ──► recipient ──checkout.me──────────────────► method
                        └── a name ──► recipient_phone ────────► method
    method ──checkout.method:delivery──► address (text or location) ──► day
           └─checkout.method:pickup───────────────────────────────────► day
    day (checkout.day:<date> or typed 25.12) ──► window (checkout.window:<09:00-12:00>)
    window ──► card (text, or checkout.nocard) ──► confirm
    confirm ──checkout.confirm──► the order is placed (core.storefront.place_chat_order)

    order.reorder:<id> (a reminder's button) ──► the cart of that order ──► recipient
    approval.approve:<id> ──► approved (core.approval)
    approval.change:<id> ──► approval_change: the change in words ──► back in production

    flow.consultation (a service firm's menu: Chatwoot or 1C connected)
        ──► consult_topic (text) ──► consult_question (text)
        ──► consult_when (typed 25.12 15:00, or consult.soonest) ──► registered
            (core.consultations.service.request_consultation, as from the site and
            Telegram: synced to Chatwoot and 1C; 1C's number and Chatwoot's moves are
            told here later)

    A wrong answer at any step: why it is wrong, then the same question again; the
    session does not move. `checkout.cancel` at any step: the menu, the cart kept.

`STEPS` is the table: step name → `Step(question, read)`. `question` builds what the
shop asks (a msgid and its choices as domain actions, rendered by the channel);
`read` takes the person's answer, keeps what it needs in the session and names the
next step, or raises `Reask` with the reason. The customer's phone is never asked
here: the channel knows it (a WhatsApp id is the phone; Telegram shares a contact
in its own checkout, bot.routers.customer.checkout). Texts are the msgids the Telegram
checkout uses, so both channels say the same words in the same four languages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from core import approval, storefront
from core.clock import Clock
from core.consultations import clients, connections, service
from core.customers import link_chat
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.models import DeliveryMethod, Product, Shop
from core.ports.chat import Action, ChatAddress, OutgoingMessage
from core.shoptime import shop_today


def _(message: str) -> str:
    """Marks a text for Babel; the channel renders it in the reader's language."""
    return message


MENU = _("What would you like to do?")
CATALOG = _("🌸 Catalog")
MY_ORDERS = _("📦 My orders")
CHOOSE_SECTION = _("Choose a section:")
EMPTY_CATALOG = _("The catalog is empty for now. Please come back later.")
ADDED = _("Added to the cart: {name} × {qty}")
CHECKOUT = _("✅ Checkout")
EMPTY_CART = _("Your cart is empty.")
CANCELLED = _("Cancelled. Your cart is kept.")
NO_ORDERS = _("You have no orders yet.")
YOUR_ORDERS = _("Your orders:")
ORDER_LINE = _("Order #{number}")
GONE = _("Sorry, this product is no longer available.")

RECIPIENT = _("Who will receive the order? Send the recipient's name, or press “It's me”.")
ITS_ME = _("🙋 It's me")
NAME_AS_TEXT = _("Please send the recipient's name as text.")
NOT_A_NAME = _("That looks like a number, not a name. Please send the recipient's name.")
NAME_TOO_LONG = _("The name is too long. Please send a shorter one.")
RECIPIENT_PHONE = _("Send the recipient's phone number, for example +7 701 123 45 67.")
BAD_PHONE = _("That is not a phone number we can call. Please check it.")
PHONE_AS_TEXT = _("Please send the phone number as text.")
METHOD = _("Delivery or pickup?")
DELIVERY = _("🚚 Delivery")
PICKUP = _("🏪 Pickup")
USE_BUTTONS = _("Please choose one of the buttons.")
ADDRESS = _(
    "Send the delivery address (street, house, flat), or share a location with the button below."
)
ADDRESS_AS_TEXT = _("Please send the address as text or share a location.")
ADDRESS_SHORT = _("The address is empty or too short. Please send the full address.")
ADDRESS_LONG = _("The address is too long. Please shorten it.")
DAY = _("Which day? Choose one below or type a date like 25.12.")
DAY_UNREAD = _("I could not read the date. Please use the buttons or type it like 25.12.")
DAY_BY_BUTTON = _("Please choose a day with the buttons or type a date.")
DAY_PAST = _("That day has already passed. Please choose another day.")
DAY_TOO_FAR = _("We do not take orders that far ahead. Please choose an earlier day.")
NO_WINDOWS = _("There are no open time windows left on that day. Please choose another day.")
WINDOW = _("Which time window on {day}?")
WINDOW_BY_BUTTON = _("Please choose a time window with the buttons.")
WINDOW_CLOSED = _("This window has already closed. Please choose another one.")
CARD = _("Text for the greeting card? Send it, or press “No card”.")
NO_CARD = _("No card")
CARD_AS_TEXT = _("Please send the card text as a message, or press “No card”.")
CARD_TOO_LONG = _("The card text is too long (at most 500 characters).")
TOTAL = _("Total: {sum}")
RIGHT = _("Is everything right?")
CONFIRM = _("✅ Confirm the order")
CANCEL = _("✖ Cancel")
CONFIRM_OR_CANCEL = _("Please confirm the order or cancel it.")
TIME_GONE = _("Sorry, that time is no longer available. Please choose again.")
PLACED = _("Thank you! Your order #{number} is placed.")
REORDER_NOTE = _("Your cart now has the products of order #{number}.")
NOT_YOURS = _("This order is not one of yours.")
APPROVED = _("Thank you! Order #{number} is on its way to you soon.")
ANSWERED = _("This bouquet has already been answered. Thank you!")
WHAT_CHANGE = _("What should the florist change? Write it in one message.")
CHANGE_IN_WORDS = _("Please describe the change in words (or /cancel).")
CHANGE_NOTED = _(
    "Thank you! We passed it to the florist: order #{number} is being remade. "
    "You will get a new photo."
)

CONSULTATION = _("📝 Consultation")
CONSULT_TOPIC = _("What is your consultation about? Write the topic in a few words.")
CONSULT_QUESTION = _("Describe your question in one message.")
CONSULT_WHEN = _("When would you like the consultation? Send a date and time like 25.12 15:00.")
CONSULT_FUTURE = _("Please send a future date and time like 25.12 15:00.")
CONSULT_SOONEST = _("Earliest time")
CONSULT_AS_TEXT = _("Please write it as text.")
CONSULT_REGISTERED = _(
    "Thank you! Your consultation request is registered. We will tell you here when it is taken and when it is closed."
)
CONSULT_OTHER_CLIENT = _(
    "This phone number belongs to another client of the firm. Please contact the firm directly."
)
CONSULT_FAILED = _("Sorry, we could not register your request. Please try again later.")

MAX_PRODUCTS = 10


# --- what a turn works with ------------------------------------------------------------


@dataclass
class Session:
    """What the dialogue remembers between messages (kept by the channel, as JSON)."""

    step: str | None = None
    cart: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "cart": dict(self.cart), "data": dict(self.data)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Session:
        raw = raw or {}
        return cls(
            step=raw.get("step"),
            cart={str(k): int(v) for k, v in (raw.get("cart") or {}).items()},
            data=dict(raw.get("data") or {}),
        )


@dataclass(frozen=True)
class Said:
    """What the person did, as the channel read it."""

    kind: str  # "text", "action", "location", "photo", "contact", ...
    text: str = ""
    action: Action | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Turn:
    shop: Shop
    address: ChatAddress
    session: Session
    language: str
    phone: str
    name: str
    clock: Clock
    replies: list[OutgoingMessage] = field(default_factory=list)
    # A service firm's chat: the menu offers consultations.
    firm: bool = False

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def say(self, text: str, actions: Sequence[Sequence[Action]] = (), **params: Any) -> None:
        self.replies.append(
            OutgoingMessage(
                text=text,
                params=params,
                language=self.language,
                actions=tuple(tuple(row) for row in actions),
            )
        )


class Reask(Exception):
    """The answer does not fit the step: say `problem`, ask the step's question again."""

    def __init__(self, problem: str, **params: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.params = params


def cancel_row() -> list[Action]:
    return [Action("checkout.cancel", label=CANCEL)]


def money(amount: int, shop: Shop, language: str) -> str:
    number = format_decimal(int(amount), locale=language if language != "uz" else "uz_Latn")
    return f"{number} {'₸' if str(shop.currency) == 'KZT' else 'soʻm'}"


# --- the steps -------------------------------------------------------------------------


Question = Callable[[Turn], Awaitable[None]]
Read = Callable[[Turn, Said], Awaitable[str]]


@dataclass(frozen=True)
class Step:
    question: Question
    read: Read


def _text(said: Said, problem: str) -> str:
    if said.kind != "text" or not said.text.strip():
        raise Reask(problem)
    return said.text


def _pressed(said: Said, kind: str, problem: str) -> Action:
    if said.action is None or said.action.kind != kind:
        raise Reask(problem)
    return said.action


async def ask_recipient(turn: Turn) -> None:
    turn.say(RECIPIENT, [[Action("checkout.me", label=ITS_ME)], cancel_row()])


async def read_recipient(turn: Turn, said: Said) -> str:
    data = turn.session.data
    if said.action is not None and said.action.kind == "checkout.me":
        data.update(recipient_name=turn.name or turn.phone, recipient_phone=turn.phone)
        return "method"
    try:
        data["recipient_name"] = storefront.check_person_name(_text(said, NAME_AS_TEXT))
    except ValidationFailed as error:
        raise Reask(NAME_TOO_LONG if error.problems[0].type == "too_long" else NOT_A_NAME) from None
    return "recipient_phone"


async def ask_recipient_phone(turn: Turn) -> None:
    turn.say(RECIPIENT_PHONE, [cancel_row()])


async def read_recipient_phone(turn: Turn, said: Said) -> str:
    try:
        turn.session.data["recipient_phone"] = storefront.check_phone(_text(said, PHONE_AS_TEXT))
    except ValidationFailed:
        raise Reask(BAD_PHONE) from None
    return "method"


async def ask_method(turn: Turn) -> None:
    turn.say(
        METHOD,
        [
            [Action("checkout.method", DeliveryMethod.DELIVERY.value, DELIVERY)],
            [Action("checkout.method", DeliveryMethod.PICKUP.value, PICKUP)],
            cancel_row(),
        ],
    )


async def read_method(turn: Turn, said: Said) -> str:
    action = _pressed(said, "checkout.method", USE_BUTTONS)
    try:
        method = DeliveryMethod(action.value)
    except ValueError:
        raise Reask(USE_BUTTONS) from None
    turn.session.data["method"] = method.value
    return "address" if method is DeliveryMethod.DELIVERY else "day"


async def ask_address(turn: Turn) -> None:
    turn.say(ADDRESS, [cancel_row()])


async def read_address(turn: Turn, said: Said) -> str:
    data = turn.session.data
    if said.kind == "location" and said.latitude is not None and said.longitude is not None:
        data.update(
            address=f"📍 {said.latitude:.5f}, {said.longitude:.5f}",
            lat=said.latitude,
            lon=said.longitude,
        )
        return "day"
    try:
        data["address"] = storefront.check_address(_text(said, ADDRESS_AS_TEXT))
    except ValidationFailed as error:
        raise Reask(
            ADDRESS_LONG if error.problems[0].type == "too_long" else ADDRESS_SHORT
        ) from None
    data.pop("lat", None)
    data.pop("lon", None)
    return "day"


async def ask_day(turn: Turn) -> None:
    days = storefront.bookable_days(turn.shop, turn.now)
    turn.say(
        DAY,
        [
            [Action("checkout.day", day.isoformat(), label=f"{day:%d.%m}")]
            for day in days[:MAX_PRODUCTS]
        ]
        + [cancel_row()],
    )


async def read_day(turn: Turn, said: Said) -> str:
    if said.action is not None and said.action.kind == "checkout.day":
        try:
            day: date | None = date.fromisoformat(said.action.value)
        except ValueError:
            day = None
    elif said.kind == "text":
        day = storefront.parse_day(said.text, shop_today(turn.shop, turn.now))
    else:
        raise Reask(DAY_BY_BUTTON)
    if day is None:
        raise Reask(DAY_UNREAD)
    try:
        storefront.check_day(turn.shop, day, turn.now)
    except ValidationFailed as error:
        raise Reask(DAY_PAST if error.problems[0].type == "past" else DAY_TOO_FAR) from None
    if not storefront.open_slots(turn.shop, day, turn.now):
        raise Reask(NO_WINDOWS)
    turn.session.data["day"] = day.isoformat()
    return "window"


async def ask_window(turn: Turn) -> None:
    day = date.fromisoformat(turn.session.data["day"])
    slots = storefront.open_slots(turn.shop, day, turn.now)
    turn.say(
        WINDOW,
        [[Action("checkout.window", slot.label, label=slot.label)] for slot in slots]
        + [cancel_row()],
        day=f"{day:%d.%m}",
    )


async def read_window(turn: Turn, said: Said) -> str:
    if said.action is not None and said.action.kind == "checkout.window":
        label = said.action.value
    elif said.kind == "text":
        label = said.text.strip()
    else:
        raise Reask(WINDOW_BY_BUTTON)
    day = date.fromisoformat(turn.session.data["day"])
    try:
        slot = storefront.check_slot(turn.shop, day, label, turn.now)
    except ValidationFailed as error:
        raise Reask(
            WINDOW_CLOSED if error.problems[0].type == "closed" else WINDOW_BY_BUTTON
        ) from None
    turn.session.data["window"] = slot.label
    return "card"


async def ask_card(turn: Turn) -> None:
    turn.say(CARD, [[Action("checkout.nocard", label=NO_CARD)], cancel_row()])


async def read_card(turn: Turn, said: Said) -> str:
    if said.action is not None and said.action.kind == "checkout.nocard":
        turn.session.data["card"] = None
        return "confirm"
    try:
        turn.session.data["card"] = storefront.check_card_text(_text(said, CARD_AS_TEXT))
    except ValidationFailed:
        raise Reask(CARD_TOO_LONG) from None
    return "confirm"


async def ask_confirm(turn: Turn) -> None:
    method = DeliveryMethod(turn.session.data["method"])
    quote = await storefront.quote(shop=turn.shop, cart=turn.session.cart, delivery_method=method)
    turn.say(TOTAL, sum=money(quote.total, turn.shop, turn.language))
    turn.say(
        RIGHT,
        [[Action("checkout.confirm", label=CONFIRM)], cancel_row()],
    )


async def read_confirm(turn: Turn, said: Said) -> str:
    _pressed(said, "checkout.confirm", CONFIRM_OR_CANCEL)
    data = turn.session.data
    checkout = storefront.ChatCheckout(
        checkout_id=str(data["id"]),
        cart=turn.session.cart,
        phone=turn.phone,
        name=turn.name,
        recipient_name=data["recipient_name"],
        recipient_phone=data["recipient_phone"],
        delivery_method=DeliveryMethod(data["method"]),
        address=data.get("address") or "",
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        day=date.fromisoformat(data["day"]),
        window=data["window"],
        card_text=data.get("card"),
        language=turn.language,
        chat=turn.address,
    )
    try:
        order, _placed = await storefront.place_chat_order(
            shop=turn.shop, checkout=checkout, clock=turn.clock
        )
    except ValidationFailed as error:
        if error.problems[0].loc[:1] in (("day",), ("window",)):
            turn.say(TIME_GONE)
            return "day"
        turn.session.step = None
        turn.say(GONE)
        return "menu"
    turn.session.cart = {}
    turn.session.data = {}
    turn.say(PLACED, number=order.number)
    return "menu"


async def ask_approval_change(turn: Turn) -> None:
    turn.say(WHAT_CHANGE)


async def read_approval_change(turn: Turn, said: Said) -> str:
    comment = _text(said, CHANGE_IN_WORDS)
    try:
        order = await approval.request_change(
            order_id=int(turn.session.data["approval_order"]),
            address=turn.address,
            comment=comment,
            clock=turn.clock,
        )
    except (Conflict, Forbidden):
        turn.say(ANSWERED)
        return "menu"
    turn.session.data.pop("approval_order", None)
    turn.say(CHANGE_NOTED, number=order.number)
    return "menu"


async def ask_consult_topic(turn: Turn) -> None:
    turn.say(CONSULT_TOPIC, [cancel_row()])


async def read_consult_topic(turn: Turn, said: Said) -> str:
    turn.session.data["topic"] = _text(said, CONSULT_AS_TEXT).strip()[:200]
    return "consult_question"


async def ask_consult_question(turn: Turn) -> None:
    turn.say(CONSULT_QUESTION, [cancel_row()])


async def read_consult_question(turn: Turn, said: Said) -> str:
    turn.session.data["question"] = _text(said, CONSULT_AS_TEXT).strip()
    return "consult_when"


async def ask_consult_when(turn: Turn) -> None:
    turn.say(CONSULT_WHEN, [[Action("consult.soonest", label=CONSULT_SOONEST)], cancel_row()])


async def read_consult_when(turn: Turn, said: Said) -> str:
    when = None
    if said.action is None or said.action.kind != "consult.soonest":
        typed = _text(said, CONSULT_FUTURE)
        when = service.parse_when(typed, zone=ZoneInfo(turn.shop.timezone), now=turn.now)
        if when is None:
            raise Reask(CONSULT_FUTURE)
    data = turn.session.data
    phone = turn.phone if turn.phone.startswith("+") else "+" + turn.phone
    try:
        requested = await service.request_consultation(
            shop_id=turn.shop.id,
            details=service.ConsultationData(
                comment=str(data.get("question", "")),
                topic=data.get("topic"),
                scheduled_at=when,
                lang=service.chat_language(turn.language),
            ),
            client=clients.ClientData(phone_number=phone),
            source=turn.address.channel.value.upper(),
            now=turn.now,
        )
    except Conflict:
        turn.say(CONSULT_OTHER_CLIENT)
    except DomainError:
        turn.say(CONSULT_FAILED)
    else:
        await link_chat(
            shop_id=turn.shop.id, customer_id=requested.client.customer.id, address=turn.address
        )
        turn.say(CONSULT_REGISTERED)
    turn.session.data = {}
    return "menu"


STEPS: dict[str, Step] = {
    "recipient": Step(ask_recipient, read_recipient),
    "recipient_phone": Step(ask_recipient_phone, read_recipient_phone),
    "method": Step(ask_method, read_method),
    "address": Step(ask_address, read_address),
    "day": Step(ask_day, read_day),
    "window": Step(ask_window, read_window),
    "card": Step(ask_card, read_card),
    "confirm": Step(ask_confirm, read_confirm),
    "approval_change": Step(ask_approval_change, read_approval_change),
    "consult_topic": Step(ask_consult_topic, read_consult_topic),
    "consult_question": Step(ask_consult_question, read_consult_question),
    "consult_when": Step(ask_consult_when, read_consult_when),
}


# --- outside the checkout ----------------------------------------------------------------


def menu_actions(firm: bool = False) -> list[list[Action]]:
    actions = [[Action("flow.catalog", label=CATALOG)], [Action("flow.orders", label=MY_ORDERS)]]
    if firm:
        actions.append([Action("flow.consultation", label=CONSULTATION)])
    return actions


async def show_menu(turn: Turn) -> None:
    turn.session.step = None
    turn.say(MENU, menu_actions(turn.firm))


async def show_catalog(turn: Turn) -> None:
    products = (
        await Product.filter(shop_id=turn.shop.id, is_active=True)
        .order_by("-is_popular", "name", "id")
        .limit(MAX_PRODUCTS)
    )
    if not products:
        turn.say(EMPTY_CATALOG, menu_actions(turn.firm))
        return
    turn.say(
        CHOOSE_SECTION,
        [[Action("flow.product", str(p.id), label=p.name)] for p in products],
    )


async def add_product(turn: Turn, value: str) -> None:
    try:
        product = await storefront.get_product(
            shop_id=turn.shop.id, product_id=int(value) if value.isdigit() else 0
        )
    except NotFound:
        turn.say(GONE)
        await show_catalog(turn)
        return
    turn.session.cart = storefront.cart_add(turn.session.cart, product.id, 1)
    turn.say(
        ADDED,
        [[Action("flow.catalog", label=CATALOG)], [Action("flow.checkout", label=CHECKOUT)]],
        name=product.name,
        qty=turn.session.cart[str(product.id)],
    )


async def show_orders(turn: Turn) -> None:
    orders = await storefront.customer_orders(shop_id=turn.shop.id, address=turn.address)
    if not orders:
        turn.say(NO_ORDERS, menu_actions(turn.firm))
        return
    turn.say(YOUR_ORDERS)
    for order in orders:
        turn.say(ORDER_LINE, number=order.number)
    turn.say(MENU, menu_actions(turn.firm))


async def start_reorder(turn: Turn, value: str) -> None:
    try:
        again = await storefront.reorder(
            address=turn.address, order_id=int(value) if value.isdigit() else 0
        )
    except NotFound:
        turn.say(NOT_YOURS)
        await show_menu(turn)
        return
    if again.shop.id != turn.shop.id or not again.cart:
        turn.say(GONE)
        await show_menu(turn)
        return
    turn.session.cart = dict(again.cart)
    turn.session.data = {"id": checkout_id(turn)}
    turn.say(REORDER_NOTE, number=again.number)
    await go(turn, "recipient")


async def answer_approval(turn: Turn, action: Action) -> None:
    order_id = int(action.value) if action.value.isdigit() else 0
    if action.kind == "approval.change":
        turn.session.data["approval_order"] = order_id
        await go(turn, "approval_change")
        return
    try:
        order = await approval.approve(order_id=order_id, address=turn.address, clock=turn.clock)
    except (Conflict, Forbidden):
        turn.say(ANSWERED)
        return
    turn.say(APPROVED, number=order.number)


def checkout_id(turn: Turn) -> str:
    return f"{turn.address.channel.value}-{turn.address.external_id}-{int(turn.now.timestamp())}"


async def go(turn: Turn, step: str) -> None:
    if step == "menu":
        await show_menu(turn)
        return
    turn.session.step = step
    await STEPS[step].question(turn)


async def answer(
    *,
    shop: Shop,
    address: ChatAddress,
    session: Session,
    said: Said,
    phone: str,
    name: str,
    language: str,
    clock: Clock,
) -> list[OutgoingMessage]:
    """The shop's answer to what the person did; `session` is updated in place.

    Outcomes: the menu, catalog, cart and checkout moves of the module docstring; at a
    checkout step a wrong answer gets its reason and the same question again.
    """
    turn = Turn(shop, address, session, language, phone, name, clock)
    turn.firm = await connections.is_firm(shop.id)
    action = said.action
    kind = action.kind if action is not None else ""
    if kind == "checkout.cancel":
        session.step = None
        session.data = {}
        turn.say(CANCELLED)
        await show_menu(turn)
    elif kind == "flow.catalog":
        await show_catalog(turn)
    elif kind == "flow.product" and action is not None:
        await add_product(turn, action.value)
    elif kind == "flow.orders":
        await show_orders(turn)
    elif kind == "flow.consultation" and turn.firm:
        session.data = {}
        await go(turn, "consult_topic")
    elif kind == "flow.checkout":
        if not session.cart:
            turn.say(EMPTY_CART)
            await show_catalog(turn)
        else:
            session.data = {"id": checkout_id(turn)}
            await go(turn, "recipient")
    elif kind == "order.reorder" and action is not None:
        await start_reorder(turn, action.value)
    elif kind in ("approval.approve", "approval.change") and action is not None:
        await answer_approval(turn, action)
    elif session.step in STEPS:
        step = STEPS[session.step]
        try:
            following = await step.read(turn, said)
        except Reask as wrong:
            turn.say(wrong.problem, **wrong.params)
            await step.question(turn)
        else:
            await go(turn, following)
    else:
        await show_menu(turn)
    return turn.replies

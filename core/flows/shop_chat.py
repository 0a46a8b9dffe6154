"""The shop's chat with a customer, channel-neutral: menu, catalog, cart and checkout.

    any message ──► MENU (catalog · my orders)
    flow.catalog ──► the bouquets ──flow.product:<id>──► added (catalog · checkout)
    flow.checkout ──► phone (only when the channel does not know it: a shared contact)
                        ──► recipient ──checkout.me / checkout.again────► method
                                └── a name ──► recipient_phone ─────────► method
    method ──checkout.method:delivery──► address (text or location) ──► day
           └─checkout.method:pickup───────────────────────────────────► day
    day (checkout.day:<date> or typed 25.12) ──► window (checkout.window:<09:00-12:00>)
    window ──checkout.otherday──► day
    window ──► card (text, or checkout.nocard) ──► occasion ──► confirm
    occasion ──checkout.occasion:birthday|anniversary──► occasion_date (25.12) ──► confirm
             └─checkout.occasion:none─────────────────────────────────────────► confirm
    (the occasion is asked once: a card asked again goes straight to confirm)
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

    A wrong answer at any step: why it is wrong, then the same question (one message);
    the session does not move. A checkout button of another step: "no longer active",
    the current question again; after the order is placed: "already finished".
    `checkout.cancel` (or /cancel) at any step: the menu, the cart kept.

`STEPS` is the table: step name → `Step(question, read, accepts)`. `question` builds what
the shop asks (the text in the reader's language and its choices as domain actions,
rendered by the channel: bot.routers.customer.checkout for Telegram, bot.whatsapp for
WhatsApp); `read` takes the person's answer, keeps what it needs in the session and
names the next step, or raises `Reask` with the reason; `accepts` names the checkout
buttons the step takes. An action `request.contact` / `request.location` asks the
channel for a shared contact / location (a Telegram reply keyboard, a WhatsApp location
request). The phone is asked only when the channel does not know it (a WhatsApp id is
the phone; Telegram asks its own contact once per checkout).

Texts are rendered here in the turn's language (core.i18n.translate), so a question can
be several translated lines (the summary) and a reason and its question one message;
action labels stay msgids (each channel fits them to its limits).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import approval, storefront
from core.catalog_texts import product_text
from core.clock import Clock
from core.consultations import clients, connections, service
from core.customers import link_chat
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.i18n import day_label, format_money, translate
from core.models import DateType, DeliveryMethod, Product, Shop
from core.occasions import OCCASION_KINDS, Occasion, parse_occasion_date
from core.ports.chat import Action, ChatAddress, OutgoingMessage
from core.shoptime import shop_today


def _(message: str) -> str:
    """Marks a text for Babel; it is translated where it is said."""
    return message


MENU = _("What would you like to do?")
CATALOG = _("🌸 Catalog")
MY_ORDERS = _("📦 My orders")
CART = _("🛒 Cart")
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
STALE = _("This button is no longer active.")
FINISHED = _("This checkout is already finished.")
SEND_CANCEL = _("Send /cancel to stop.")

PHONE = _("To place the order, please share your phone number with the button below.")
SHARE_PHONE = _("📱 Share my phone number")
USE_SHARE = _("Please use the button below to share your phone number.")
NOT_YOUR_CONTACT = _(
    "That is not your contact. Please share your own phone number with the button below."
)
PHONE_INVALID = _("This phone number does not look valid.")
RECIPIENT = _("Who will receive the order? Send the recipient's name, or press “It's me”.")
ITS_ME = _("🙋 It's me")
AGAIN = _("🔁 To {name} again")
NAME_AS_TEXT = _("Please send the recipient's name as text.")
NOT_A_NAME = _("That looks like a number, not a name. Please send the recipient's name.")
NAME_TOO_LONG = _("The name is too long. Please send a shorter one.")
SEND_NAME = _("Please send the recipient's name.")
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
SEND_LOCATION = _("📍 Send my location")
ADDRESS_AS_TEXT = _("Please send the address as text or share a location.")
ADDRESS_SHORT = _("The address is empty or too short. Please send the full address.")
ADDRESS_LONG = _("The address is too long. Please shorten it.")
DAY = _("Which day? Choose one below or type a date like 25.12.")
TODAY = _("Today, {day}")
TOMORROW = _("Tomorrow, {day}")
DAY_UNREAD = _("I could not read the date. Please use the buttons or type it like 25.12.")
DAY_BY_BUTTON = _("Please choose a day with the buttons or type a date.")
DAY_PAST = _("That day has already passed. Please choose another day.")
DAY_TOO_FAR = _("We do not take orders that far ahead. Please choose an earlier day.")
NO_WINDOWS = _("There are no open time windows left on that day. Please choose another day.")
WINDOW = _("Which time window on {day}?")
OTHER_DAY = _("⬅️ Another day")
WINDOW_BY_BUTTON = _("Please choose a time window with the buttons.")
WINDOW_CLOSED = _("This window has already closed. Please choose another one.")
CARD = _("Text for the greeting card? Send it, or press “No card”.")
NO_CARD = _("No card")
CARD_AS_TEXT = _("Please send the card text as a message, or press “No card”.")
CARD_TOO_LONG = _("The card text is too long (at most 500 characters).")
OCCASION = _(
    "Is it a special occasion? We can remember the date and remind you a few days "
    "before it next time."
)
BIRTHDAY = _("🎂 Birthday")
ANNIVERSARY = _("💍 Anniversary")
NO_THANKS = _("No, thanks")
NO_OCCASION = "none"
OCCASION_DATE: dict[str, str] = {
    DateType.BIRTHDAY.value: _("When is the birthday? Send the date like 25.12 or 25.12.1990."),
    DateType.ANNIVERSARY.value: _(
        "When is the anniversary? Send the date like 25.12 or 25.12.2015."
    ),
}
OCCASION_NAMES: dict[str, str] = {
    DateType.BIRTHDAY.value: _("Birthday"),
    DateType.ANNIVERSARY.value: _("Anniversary"),
}
YEAR_WRONG = _("That year does not look right.")
DATE_UNREAD = _("I could not read that date.")
DATE_AS_TEXT = _("Please send the date as a message.")
CHECK = _("Please check your order:")
ITEMS = _("Items: {sum}")
DELIVERY_FEE = _("Delivery: {sum}")
TOTAL = _("Total: {sum}")
RECIPIENT_LINE = _("Recipient: {name}, {phone}")
DELIVERY_TO = _("Delivery to: {address}")
PICKUP_FROM = _("Pickup from: {address}")
WHEN = _("When: {day}, {window}")
CARD_LINE = _("Card: {text}")
CARD_NONE = _("Card: none")
REMEMBER = _("We will remember: {occasion}, {date}")
RIGHT = _("Is everything right?")
CONFIRM = _("✅ Confirm the order")
CANCEL = _("✖ Cancel")
CONFIRM_OR_CANCEL = _("Please confirm the order or cancel it.")
TIME_GONE = _("Sorry, that time is no longer available. Please choose again.")
PRODUCTS_GONE = _("Some products are no longer available. Please check your cart.")
PLACED = _("Thank you! Your order #{number} is placed.")
FOLLOW = _("Follow it here: {link}")
TRACKING_CODE = _("Your tracking code: {token}")
HOW_TO_PAY = _("How to pay: {info}")
PAY_LATER = _("How to pay: the shop will contact you shortly to arrange the payment.")
TO_PAY = _("Total to pay: {sum}")
REMIND = _("We will remind you a few days before {date}.")
REORDER_NOTE = _("Your cart now has the products of order #{number}.")
SKIPPED = _("No longer sold, so left out: {names}.")
NOTHING_LEFT = _(
    "The products of order #{number} are no longer sold. Please choose something in the catalog."
)
NOT_YOURS = _("This order is not one of yours.")
APPROVED = _("Thank you! Order #{number} is on its way to you soon.")
ANSWERED = _("This bouquet has already been answered. Thank you!")
OUTDATED = _("This photo is outdated: please answer the newest photo of your bouquet.")
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
REQUEST_CONTACT = "request.contact"
REQUEST_LOCATION = "request.location"


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
    # A shared contact: its phone, its name, whether it is the person's own.
    contact_phone: str = ""
    contact_name: str = ""
    own_contact: bool = False


@dataclass
class Turn:
    shop: Shop
    address: ChatAddress
    session: Session
    language: str
    phone: str  # "" when the channel does not know it (checkout then asks a contact)
    name: str
    clock: Clock
    public_base_url: str = ""
    replies: list[OutgoingMessage] = field(default_factory=list)
    # Short notices about a press ("no longer active"): a popup where the channel has one.
    alerts: list[str] = field(default_factory=list)
    lead: str = ""  # said before the next question, in the same message
    # A service firm's chat: the menu offers consultations.
    firm: bool = False

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.language, params)

    def money(self, amount: int) -> str:
        return format_money(amount, self.shop.currency, self.language)

    def day(self, day: date) -> str:
        return day_label(day, self.language)

    def product_name(self, product: Product) -> str:
        """The product's name in the reader's language, else the shop's (core.catalog_texts)."""
        return product_text(product, self.language, self.shop.locale).name

    def say(self, text: str, actions: Sequence[Sequence[Action]] = (), **params: Any) -> None:
        """Say msgid `text` (with `params`) in the reader's language."""
        self.say_lines([self.t(text, **params)], actions)

    def say_lines(self, lines: Sequence[str], actions: Sequence[Sequence[Action]] = ()) -> None:
        """Say translated `lines` as one message (after the lead, when there is one)."""
        text = "\n".join(lines)
        if self.lead:
            text, self.lead = f"{self.lead}\n\n{text}", ""
        self.replies.append(
            OutgoingMessage(
                text=text,
                language=self.language,
                actions=tuple(tuple(row) for row in actions if row),
            )
        )


class Reask(Exception):
    """The answer does not fit the step: say `problem`, ask the step's question again
    (or the question of `step`, when the answer showed an earlier choice is wrong)."""

    def __init__(self, problem: str, *, step: str | None = None, **params: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.step = step
        self.params = params


def cancel_row() -> list[Action]:
    return [Action("checkout.cancel", label=CANCEL)]


# --- the steps -------------------------------------------------------------------------


Question = Callable[[Turn], Awaitable[None]]
Read = Callable[[Turn, Said], Awaitable[str]]


@dataclass(frozen=True)
class Step:
    question: Question
    read: Read
    accepts: frozenset[str] = frozenset()  # the checkout.* buttons the step takes


def _text(said: Said, problem: str) -> str:
    if said.kind != "text" or not said.text.strip():
        raise Reask(problem)
    return said.text


def _pressed(said: Said, kind: str, problem: str) -> Action:
    if said.action is None or said.action.kind != kind:
        raise Reask(problem)
    return said.action


async def ask_phone(turn: Turn) -> None:
    turn.say_lines(
        [turn.t(PHONE), turn.t(SEND_CANCEL)], [[Action(REQUEST_CONTACT, label=SHARE_PHONE)]]
    )


async def read_phone(turn: Turn, said: Said) -> str:
    if said.kind != "contact":
        raise Reask(USE_SHARE)
    if not said.own_contact:
        raise Reask(NOT_YOUR_CONTACT)
    try:
        phone = storefront.check_phone(said.contact_phone)
    except ValidationFailed:
        raise Reask(PHONE_INVALID) from None
    await storefront.recognise(shop_id=turn.shop.id, address=turn.address, phone=phone)
    turn.session.data.update(phone=phone, name=said.contact_name or turn.name)
    return "recipient"


async def ask_recipient(turn: Turn) -> None:
    again = turn.session.data.get("again") or {}
    rows = [[Action("checkout.me", label=ITS_ME)]]
    if again.get("name"):
        name = again["name"] if len(again["name"]) <= 40 else again["name"][:39] + "…"
        rows.append([Action("checkout.again", label=AGAIN, label_params={"name": name})])
    turn.say_lines([turn.t(RECIPIENT)], [*rows, cancel_row()])


async def read_recipient(turn: Turn, said: Said) -> str:
    data = turn.session.data
    if said.action is not None and said.action.kind == "checkout.me":
        data.update(recipient_name=data["name"], recipient_phone=data["phone"])
        return "method"
    if said.action is not None and said.action.kind == "checkout.again":
        again = data.get("again")
        if not again:  # no earlier order's recipient in this checkout
            turn.alerts.append(turn.t(STALE))
            return "recipient"
        data.update(recipient_name=again["name"], recipient_phone=again.get("phone"))
        return "method" if again.get("phone") else "recipient_phone"
    try:
        data["recipient_name"] = storefront.check_person_name(_text(said, NAME_AS_TEXT))
    except ValidationFailed as error:
        problem = {"not_a_name": NOT_A_NAME, "too_long": NAME_TOO_LONG}
        raise Reask(problem.get(error.problems[0].type, SEND_NAME)) from None
    return "recipient_phone"


async def ask_recipient_phone(turn: Turn) -> None:
    turn.say(RECIPIENT_PHONE, [cancel_row()])


async def read_recipient_phone(turn: Turn, said: Said) -> str:
    raw = said.contact_phone if said.kind == "contact" else _text(said, PHONE_AS_TEXT)
    try:
        turn.session.data["recipient_phone"] = storefront.check_phone(raw)
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
    data = turn.session.data
    data["method"] = method.value
    if method is DeliveryMethod.PICKUP:
        data.update(address="", lat=None, lon=None)
        return "day"
    return "address"


async def ask_address(turn: Turn) -> None:
    turn.say_lines(
        [turn.t(ADDRESS), turn.t(SEND_CANCEL)], [[Action(REQUEST_LOCATION, label=SEND_LOCATION)]]
    )


async def read_address(turn: Turn, said: Said) -> str:
    data = turn.session.data
    if said.kind == "location" and said.latitude is not None and said.longitude is not None:
        lat, lon = said.latitude, said.longitude
        data.update(address=f"{lat:.6f}, {lon:.6f}", lat=lat, lon=lon)
        return "day"
    try:
        data["address"] = storefront.check_address(_text(said, ADDRESS_AS_TEXT))
    except ValidationFailed as error:
        raise Reask(
            ADDRESS_LONG if error.problems[0].type == "too_long" else ADDRESS_SHORT
        ) from None
    data.update(lat=None, lon=None)
    return "day"


def day_choice(turn: Turn, day: date, today: date) -> Action:
    label, params = "{day}", {"day": turn.day(day)}
    if day == today:
        label = TODAY
    elif (day - today).days == 1:
        label = TOMORROW
    return Action("checkout.day", day.isoformat(), label=label, label_params=params)


async def ask_day(turn: Turn) -> None:
    today = shop_today(turn.shop, turn.now)
    days = storefront.bookable_days(turn.shop, turn.now)
    turn.say(DAY, [[day_choice(turn, day, today)] for day in days] + [cancel_row()])


DAY_PROBLEMS = {"past": DAY_PAST, "too_far": DAY_TOO_FAR}


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
        raise Reask(DAY_PROBLEMS.get(error.problems[0].type, DAY_UNREAD)) from None
    if not storefront.open_slots(turn.shop, day, turn.now):
        raise Reask(NO_WINDOWS)
    turn.session.data["day"] = day.isoformat()
    return "window"


async def ask_window(turn: Turn) -> None:
    day = date.fromisoformat(turn.session.data["day"])
    slots = storefront.open_slots(turn.shop, day, turn.now)
    if not slots:  # the last window closed since the day was chosen
        turn.lead = turn.lead or turn.t(NO_WINDOWS)
        await go(turn, "day")
        return
    turn.say(
        WINDOW,
        [[Action("checkout.window", slot.label, label=slot.label)] for slot in slots]
        + [[Action("checkout.otherday", label=OTHER_DAY)], cancel_row()],
        day=turn.day(day),
    )


async def read_window(turn: Turn, said: Said) -> str:
    if said.action is not None and said.action.kind == "checkout.otherday":
        return "day"
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
        problem = error.problems[0]
        if problem.loc[:1] == ("day",):
            raise Reask(DAY_PROBLEMS.get(problem.type, DAY_UNREAD), step="day") from None
        raise Reask(WINDOW_CLOSED if problem.type == "closed" else WINDOW_BY_BUTTON) from None
    turn.session.data["window"] = slot.label
    return "card"


async def ask_card(turn: Turn) -> None:
    turn.say(CARD, [[Action("checkout.nocard", label=NO_CARD)], cancel_row()])


def after_card(turn: Turn) -> str:
    """The occasion is asked once per checkout: when the card is asked again (a window
    closed before confirming), its answer leads straight to the summary."""
    return "confirm" if "occasion" in turn.session.data else "occasion"


async def read_card(turn: Turn, said: Said) -> str:
    if said.action is not None and said.action.kind == "checkout.nocard":
        turn.session.data["card"] = None
        return after_card(turn)
    try:
        turn.session.data["card"] = storefront.check_card_text(_text(said, CARD_AS_TEXT))
    except ValidationFailed:
        raise Reask(CARD_TOO_LONG) from None
    return after_card(turn)


def no_occasion_row() -> list[Action]:
    return [Action("checkout.occasion", NO_OCCASION, label=NO_THANKS)]


async def ask_occasion(turn: Turn) -> None:
    turn.say(
        OCCASION,
        [
            [
                Action("checkout.occasion", DateType.BIRTHDAY.value, label=BIRTHDAY),
                Action("checkout.occasion", DateType.ANNIVERSARY.value, label=ANNIVERSARY),
            ],
            no_occasion_row(),
            cancel_row(),
        ],
    )


async def read_occasion(turn: Turn, said: Said) -> str:
    kind = _pressed(said, "checkout.occasion", USE_BUTTONS).value
    data = turn.session.data
    if kind == NO_OCCASION:
        data.update(occasion=None, occasion_type=None)
        return "confirm"
    if kind not in {k.value for k in OCCASION_KINDS}:
        raise Reask(USE_BUTTONS)
    data["occasion_type"] = kind
    return "occasion_date"


async def ask_occasion_date(turn: Turn) -> None:
    kind = turn.session.data.get("occasion_type") or DateType.BIRTHDAY.value
    turn.say(OCCASION_DATE[kind], [no_occasion_row(), cancel_row()])


async def read_occasion_date(turn: Turn, said: Said) -> str:
    if said.action is not None:
        return await read_occasion(turn, said)
    text = _text(said, DATE_AS_TEXT)
    try:
        day = parse_occasion_date(text, shop_today(turn.shop, turn.now))
    except ValidationFailed as error:
        raise Reask(YEAR_WRONG if error.problems[0].type == "year" else DATE_UNREAD) from None
    data = turn.session.data
    kind = data.get("occasion_type") or DateType.BIRTHDAY.value
    data["occasion"] = {"type": kind, "date": day.isoformat()}
    return "confirm"


async def ask_confirm(turn: Turn) -> None:
    data = turn.session.data
    method = DeliveryMethod(data["method"])
    quote = await storefront.quote(shop=turn.shop, cart=turn.session.cart, delivery_method=method)
    t = turn.t
    lines = [t(CHECK), ""]
    for item in quote.items:
        name = turn.product_name(item.product)
        lines.append(f"• {name} × {item.quantity} — {turn.money(item.total)}")
    lines += ["", t(ITEMS, sum=turn.money(quote.flower_sum))]
    if method is DeliveryMethod.DELIVERY:
        lines.append(t(DELIVERY_FEE, sum=turn.money(quote.delivery_fee)))
    lines.append(t(TOTAL, sum=turn.money(quote.total)))
    lines.append("")
    lines.append(t(RECIPIENT_LINE, name=data["recipient_name"], phone=data["recipient_phone"]))
    if method is DeliveryMethod.DELIVERY:
        lines.append(t(DELIVERY_TO, address=data["address"]))
    else:
        lines.append(t(PICKUP_FROM, address=turn.shop.address or turn.shop.name))
    day = date.fromisoformat(data["day"])
    lines.append(t(WHEN, day=turn.day(day), window=data["window"]))
    card = data.get("card")
    lines.append(t(CARD_LINE, text=card) if card else t(CARD_NONE))
    occasion = data.get("occasion")
    if occasion:
        lines.append(
            t(
                REMEMBER,
                occasion=t(OCCASION_NAMES[occasion["type"]]),
                date=f"{date.fromisoformat(occasion['date']):%d.%m}",
            )
        )
    lines += ["", t(RIGHT)]
    turn.say_lines(lines, [[Action("checkout.confirm", label=CONFIRM)], cancel_row()])


async def read_confirm(turn: Turn, said: Said) -> str:
    _pressed(said, "checkout.confirm", CONFIRM_OR_CANCEL)
    data = turn.session.data
    occasion = data.get("occasion")
    checkout = storefront.ChatCheckout(
        checkout_id=str(data["id"]),
        cart=turn.session.cart,
        phone=data["phone"],
        name=data.get("name") or "",
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
        occasion=(
            Occasion(DateType(occasion["type"]), date.fromisoformat(occasion["date"]))
            if occasion
            else None
        ),
    )
    try:
        order, _placed = await storefront.place_chat_order(
            shop=turn.shop, checkout=checkout, clock=turn.clock
        )
    except ValidationFailed as error:
        where = error.problems[0].loc[:1]
        if where in (("day",), ("window",)):
            raise Reask(TIME_GONE, step=where[0]) from None
        turn.session.step = None
        turn.say(PRODUCTS_GONE, [[Action("flow.cart", label=CART)]])
        return "none"
    turn.session.cart = {}
    turn.session.data = {}
    t = turn.t
    lines = [t(PLACED, number=order.number)]
    base = turn.public_base_url.rstrip("/")
    if base:
        lines.append(t(FOLLOW, link=f"{base}/tracking/{order.tracking_token}"))
    else:
        lines.append(t(TRACKING_CODE, token=order.tracking_token))
    info = storefront.delivery_options(turn.shop).payment_info
    lines += ["", t(HOW_TO_PAY, info=info) if info else t(PAY_LATER)]
    lines.append(t(TO_PAY, sum=turn.money(order.total)))
    if occasion:
        lines += ["", t(REMIND, date=f"{date.fromisoformat(occasion['date']):%d.%m}")]
    turn.session.step = None
    turn.say_lines(lines, menu_actions())
    return "none"


async def ask_approval_change(turn: Turn) -> None:
    turn.say(WHAT_CHANGE)


async def read_approval_change(turn: Turn, said: Said) -> str:
    comment = _text(said, CHANGE_IN_WORDS)
    photo_id = turn.session.data.pop("approval_photo", None)
    try:
        order = await approval.request_change(
            order_id=int(turn.session.data["approval_order"]),
            address=turn.address,
            comment=comment,
            photo_id=int(photo_id) if photo_id is not None else None,
            clock=turn.clock,
        )
    except approval.OutdatedPhoto:
        turn.say(OUTDATED)
        return "menu"
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
    "phone": Step(ask_phone, read_phone),
    "recipient": Step(ask_recipient, read_recipient, frozenset({"checkout.me", "checkout.again"})),
    "recipient_phone": Step(ask_recipient_phone, read_recipient_phone),
    "method": Step(ask_method, read_method, frozenset({"checkout.method"})),
    "address": Step(ask_address, read_address),
    "day": Step(ask_day, read_day, frozenset({"checkout.day"})),
    "window": Step(ask_window, read_window, frozenset({"checkout.window", "checkout.otherday"})),
    "card": Step(ask_card, read_card, frozenset({"checkout.nocard"})),
    "occasion": Step(ask_occasion, read_occasion, frozenset({"checkout.occasion"})),
    "occasion_date": Step(ask_occasion_date, read_occasion_date, frozenset({"checkout.occasion"})),
    "confirm": Step(ask_confirm, read_confirm, frozenset({"checkout.confirm"})),
    "approval_change": Step(ask_approval_change, read_approval_change),
    "consult_topic": Step(ask_consult_topic, read_consult_topic),
    "consult_question": Step(ask_consult_question, read_consult_question),
    "consult_when": Step(ask_consult_when, read_consult_when),
}
CHECKOUT_STEPS = tuple(
    name for name in STEPS if name != "approval_change" and not name.startswith("consult_")
)


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
        [[Action("flow.product", str(p.id), label=turn.product_name(p))] for p in products],
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
        name=turn.product_name(product),
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


async def show_cart(turn: Turn) -> None:
    quote = await storefront.quote(shop=turn.shop, cart=turn.session.cart)
    if not quote.items:
        turn.say(EMPTY_CART, menu_actions())
        return
    lines = [
        f"• {turn.product_name(item.product)} × {item.quantity} — {turn.money(item.total)}"
        for item in quote.items
    ]
    turn.say_lines(
        lines,
        [[Action("flow.checkout", label=CHECKOUT)], [Action("flow.catalog", label=CATALOG)]],
    )


async def begin_checkout(
    turn: Turn, *, known: Mapping[str, Any] | None = None, note: str = ""
) -> None:
    """A new checkout of the session's cart: at `recipient` when the phone is known (by
    the channel, or in `known` from a reorder), else at `phone`; `note` leads the
    first question."""
    data: dict[str, Any] = {"id": uuid.uuid4().hex, **(known or {})}
    if not data.get("phone") and turn.phone:
        data.update(phone=turn.phone, name=turn.name or turn.phone)
    turn.session.data = data
    turn.lead = note
    await go(turn, "recipient" if data.get("phone") else "phone")


async def start_checkout(turn: Turn) -> None:
    quote = await storefront.quote(shop=turn.shop, cart=turn.session.cart)
    if not quote.items:
        turn.alerts.append(turn.t(EMPTY_CART))
        return
    await begin_checkout(turn)


async def start_reorder(turn: Turn, value: str) -> None:
    try:
        again = await storefront.reorder(
            address=turn.address,
            order_id=int(value) if value.isdigit() else 0,
            language=turn.language,
        )
    except NotFound:
        turn.alerts.append(turn.t(NOT_YOURS))
        return
    if again.shop.id != turn.shop.id:  # another shop's order: not through this chat
        turn.alerts.append(turn.t(NOT_YOURS))
        return
    await reorder_into(turn, again)


async def reorder_into(turn: Turn, again: storefront.Reorder) -> None:
    """Checkout of what order `again` had (its products still sold), offering its
    recipient again; when nothing of it is sold any more, the menu."""
    turn.session.step = None
    if not again.cart:
        turn.session.data = {}
        turn.say(NOTHING_LEFT, menu_actions(), number=again.number)
        return
    turn.session.cart = dict(again.cart)
    note = turn.t(REORDER_NOTE, number=again.number)
    if again.skipped:
        note += "\n" + turn.t(SKIPPED, names=", ".join(again.skipped))
    known: dict[str, Any] = {}
    if again.phone:
        known = {"phone": again.phone, "name": again.name or turn.name}
    if again.recipient_name:
        known["again"] = {"name": again.recipient_name, "phone": again.recipient_phone}
    await begin_checkout(turn, known=known, note=note)


async def answer_approval(turn: Turn, action: Action) -> None:
    order_id, photo_id = approval.pressed(action.value)
    try:
        if action.kind == "approval.change":
            await approval.check_current(order_id=order_id, address=turn.address, photo_id=photo_id)
            turn.session.data["approval_order"] = order_id
            turn.session.data["approval_photo"] = photo_id
            await go(turn, "approval_change")
            return
        order = await approval.approve(
            order_id=order_id, address=turn.address, photo_id=photo_id, clock=turn.clock
        )
    except approval.OutdatedPhoto:
        turn.say(OUTDATED)
        return
    except (Conflict, Forbidden, NotFound):
        turn.say(ANSWERED)
        return
    turn.say(APPROVED, number=order.number)


async def go(turn: Turn, step: str) -> None:
    """Move to `step` and ask its question ("menu": the menu; "none": stay out of a
    step, what was said is all)."""
    if step == "menu":
        await show_menu(turn)
        return
    if step == "none":
        turn.session.step = None
        return
    turn.session.step = step
    await STEPS[step].question(turn)


async def take(turn: Turn, said: Said) -> None:
    """What the person said at the session's checkout step."""
    assert turn.session.step is not None
    name = turn.session.step
    step = STEPS[name]
    action = said.action
    if (
        action is not None
        and action.kind.startswith("checkout.")
        and (action.kind not in step.accepts)
    ):
        turn.alerts.append(turn.t(STALE))
        await step.question(turn)
        return
    try:
        following = await step.read(turn, said)
    except Reask as wrong:
        turn.lead = turn.t(wrong.problem, **wrong.params)
        await go(turn, wrong.step or name)
    else:
        await go(turn, following)


def is_cancel(said: Said) -> bool:
    if said.action is not None:
        return said.action.kind == "checkout.cancel"
    return said.kind == "text" and said.text.strip().lower() == "/cancel"


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
    public_base_url: str = "",
) -> Turn:
    """The shop's answer to what the person did (`replies` and `alerts` of the turn);
    `session` is updated in place.

    Outcomes: the menu, catalog, cart and checkout moves of the module docstring; at a
    checkout step a wrong answer gets its reason and the same question again.
    """
    turn = Turn(shop, address, session, language, phone, name, clock, public_base_url)
    turn.firm = await connections.is_firm(shop.id)
    await respond(turn, said)
    return turn


async def respond(turn: Turn, said: Said) -> None:
    """The moves of `answer` on a turn the channel built."""
    session = turn.session
    action = said.action
    kind = action.kind if action is not None else ""
    if is_cancel(said):
        session.step = None
        session.data = {}
        turn.say(CANCELLED)
        await show_menu(turn)
    elif kind == "flow.catalog":
        await show_catalog(turn)
    elif kind == "flow.product" and action is not None:
        await add_product(turn, action.value)
    elif kind == "flow.cart":
        await show_cart(turn)
    elif kind == "flow.orders":
        await show_orders(turn)
    elif kind == "flow.consultation" and turn.firm:
        session.data = {}
        await go(turn, "consult_topic")
    elif kind == "flow.checkout":
        await start_checkout(turn)
    elif kind == "order.reorder" and action is not None:
        await start_reorder(turn, action.value)
    elif kind in ("approval.approve", "approval.change") and action is not None:
        await answer_approval(turn, action)
    elif session.step in STEPS:
        await take(turn, said)
    elif kind.startswith("checkout."):
        turn.alerts.append(turn.t(FINISHED))
    else:
        await show_menu(turn)

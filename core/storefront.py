"""The shop as a customer meets it in a chat: which shop, its catalog, delivery days and
windows, the quote, placing the order, the customer's orders and language.

Chat channels (the Telegram bot, later WhatsApp) call these; nothing here knows a
channel. Rules about what a customer may pick live here once:

- Shop settings (`shop.settings`, all optional): `slots` (["10:00-12:00", ...], default
  four three-hour windows 09-21), `delivery_fee` (whole units, default 0),
  `days_ahead` (how many days can be booked, today included, default 7),
  `lead_minutes` (a window is closed for today once its end is nearer than this,
  default 60), `payment_info` (the shop's own words on how to pay).
- A day before the shop's today (in its timezone) is refused as `past`; a day beyond
  `days_ahead` as `too_far`. A window that is not one of the shop's is `unknown`; one
  that ends within `lead_minutes` of now is `closed`.

Problems are `ValidationFailed` whose problem `type` names the reason, so a channel can
say it in the person's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core.catalog_texts import item_name
from core.channels.telegram_out import send_chat_message
from core.clock import Clock, SystemClock
from core.customers import chat_addresses, customers_of_address, link_chat
from core.errors import NotFound, ValidationFailed
from core.models import (
    Category,
    Channel,
    Customer,
    CustomerChat,
    DeliveryMethod,
    Order,
    OrderItem,
    OrderPhoto,
    PhotoKind,
    Product,
    ProductKind,
    Shop,
    User,
)
from core.occasions import Occasion, remember_occasion
from core.orders.service import ItemRequest, PricedItem, compute_totals, place_order, price_items
from core.phones import InvalidPhone, normalize_phone
from core.ports.chat import ChannelName, ChatAddress
from core.shoptime import at_local_time, shop_today

DEFAULT_SLOTS = ("09:00-12:00", "12:00-15:00", "15:00-18:00", "18:00-21:00")
DEFAULT_DAYS_AHEAD = 7
DEFAULT_LEAD_MINUTES = 60
MAX_NAME = 100
MAX_ADDRESS = 500
MAX_CARD_TEXT = 500
MAX_QUESTION = 2000
MAX_QUANTITY = 99
CHAT_PROVIDER = ChannelName.TELEGRAM.value


def _(message: str) -> str:
    """Marks a text for Babel; the channel translates it when it is delivered."""
    return message


QUESTION_MESSAGE = _("Question from a customer {name} ({contact}):\n\n{text}")


# --- which shop ----------------------------------------------------------------------


async def shop_for_start(slug: str | None) -> Shop | None:
    """The shop a chat opens: by its slug, else the only active shop.

    Outcomes: the shop; None when there are several shops (or none) and no slug;
    NotFound when the slug names no active shop.
    """
    if slug:
        shop = await Shop.get_or_none(slug=slug, is_active=True)
        if shop is None:
            raise NotFound("Shop")
        return shop
    shops = await Shop.filter(is_active=True).limit(2)
    return shops[0] if len(shops) == 1 else None


async def get_shop(shop_id: int | None) -> Shop | None:
    if shop_id is None:
        return None
    return await Shop.get_or_none(id=shop_id, is_active=True)


# --- language ------------------------------------------------------------------------


async def _staff_user(address: ChatAddress) -> User | None:
    # Staff are on Telegram only: a Telegram chat may also be a staff member's.
    if address.channel is not ChannelName.TELEGRAM or not address.external_id.isdigit():
        return None
    return await User.get_or_none(telegram_id=int(address.external_id))


async def saved_language(*, address: ChatAddress) -> str | None:
    """The language a person chose before (as a customer, else as staff), if any."""
    customers = await customers_of_address(address=address)
    if customers:
        return customers[0].language
    user = await _staff_user(address)
    return user.language if user is not None else None


async def save_language(*, address: ChatAddress, language: str) -> None:
    """Remember the language on every customer record and the staff user of this chat."""
    customer_ids = [c.id for c in await customers_of_address(address=address)]
    if customer_ids:
        await Customer.filter(id__in=customer_ids).update(language=language)
    user = await _staff_user(address)
    if user is not None:
        user.language = language
        await user.save(update_fields=["language", "updated_at"])


# --- who is writing -----------------------------------------------------------------


async def recognise(*, shop_id: int, address: ChatAddress, phone: str) -> Customer | None:
    """A chat whose person proved their phone (their own contact shared in Telegram, a
    WhatsApp id) joins the shop's customer with that phone, when there is one: the same
    orders, dates and language on every messenger. None when the phone is new here (the
    order that follows registers the customer)."""
    customer = await Customer.get_or_none(shop_id=shop_id, phone=phone)
    if customer is not None:
        await link_chat(shop_id=shop_id, customer_id=customer.id, address=address)
    return customer


# --- catalog -------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A shelf of the catalog: a category, or a product kind for uncategorised products."""

    kind: str  # "c" (category) or "k" (product kind)
    key: str  # category id or ProductKind value
    name: str  # the category's name; empty for a kind (the channel names it)
    count: int


async def catalog_sections(*, shop_id: int) -> list[Section]:
    """Categories with active products, then product kinds of uncategorised ones."""
    rows = await Product.filter(shop_id=shop_id, is_active=True).values_list("category_id", "kind")
    by_category: dict[int, int] = {}
    by_kind: dict[str, int] = {}
    for category_id, kind in rows:
        if category_id is not None:
            by_category[category_id] = by_category.get(category_id, 0) + 1
        else:
            by_kind[str(kind)] = by_kind.get(str(kind), 0) + 1
    sections: list[Section] = []
    categories = await Category.filter(shop_id=shop_id, id__in=list(by_category)).order_by("name")
    for category in categories:
        sections.append(Section("c", str(category.id), category.name, by_category[category.id]))
    for kind in ProductKind:
        if kind.value in by_kind:
            sections.append(Section("k", kind.value, "", by_kind[kind.value]))
    return sections


def _section_query(shop_id: int, kind: str, key: str) -> Any:
    query = Product.filter(shop_id=shop_id, is_active=True)
    if kind == "c":
        if not key.isdigit():
            raise NotFound("Category")
        return query.filter(category_id=int(key))
    if key not in {k.value for k in ProductKind}:
        raise NotFound("Category")
    return query.filter(category_id__isnull=True, kind=key)


async def section_product(
    *, shop_id: int, kind: str, key: str, index: int
) -> tuple[Product | None, int]:
    """The product at `index` of a section (clamped) and how many the section has."""
    query = _section_query(shop_id, kind, key)
    total = await query.count()
    if total == 0:
        return None, 0
    index = min(max(index, 0), total - 1)
    product = await query.order_by("-is_popular", "name", "id").offset(index).first()
    return product, total


async def get_product(*, shop_id: int, product_id: int) -> Product:
    product = await Product.get_or_none(id=product_id, shop_id=shop_id, is_active=True)
    if product is None:
        raise NotFound("Product")
    return product


# --- cart and quote ------------------------------------------------------------------


def cart_add(cart: Mapping[str, int], product_id: int, quantity: int) -> dict[str, int]:
    """A new cart with `quantity` more of the product (at most MAX_QUANTITY; 0 removes)."""
    result = {k: int(v) for k, v in cart.items()}
    total = result.get(str(product_id), 0) + quantity
    if total <= 0:
        result.pop(str(product_id), None)
    else:
        result[str(product_id)] = min(total, MAX_QUANTITY)
    return result


@dataclass(frozen=True)
class Quote:
    items: list[PricedItem]
    flower_sum: int
    delivery_fee: int
    total: int
    unavailable: list[int]


async def quote(
    *, shop: Shop, cart: Mapping[str, int], delivery_method: DeliveryMethod | None = None
) -> Quote:
    """Prices and totals for a cart, computed by the order service's own rules.

    Products that are gone or no longer sold are left out and listed in `unavailable`.
    Without a delivery method the fee is not counted yet.
    """
    requested = [ItemRequest(int(k), int(v)) for k, v in cart.items() if int(v) > 0]
    ids = [r.product_id for r in requested]
    available = set(
        await Product.filter(shop_id=shop.id, id__in=ids, is_active=True).values_list(
            "id", flat=True
        )
    )
    unavailable = [i for i in ids if i not in available]
    priced = await price_items(
        shop_id=shop.id, items=[r for r in requested if r.product_id in available]
    )
    flower_sum = sum(p.total for p in priced)
    fee = delivery_fee(shop, delivery_method)
    total = compute_totals(flower_sum=flower_sum, delivery_fee=fee)
    return Quote(priced, flower_sum, fee, total, unavailable)


# --- delivery days and windows -------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class DeliveryOptions:
    slots: tuple[Slot, ...]
    delivery_fee: int
    days_ahead: int
    lead_minutes: int
    payment_info: str


def _parse_slot(text: str) -> Slot | None:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        return None
    start = time(h1, m1)
    end = time(23, 59) if h2 == 24 else time(h2, m2)
    return Slot(start, end) if end > start else None


def _int_setting(settings: Mapping[str, Any], name: str, default: int, minimum: int) -> int:
    try:
        value = int(settings.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if value >= minimum else default


def delivery_options(shop: Shop) -> DeliveryOptions:
    """The shop's delivery settings with defaults for what it did not set (or set wrong)."""
    settings = shop.settings if isinstance(shop.settings, dict) else {}
    raw_slots = settings.get("slots")
    slots = [
        s
        for s in (_parse_slot(t) for t in (raw_slots if isinstance(raw_slots, list) else []))
        if s is not None
    ]
    if not slots:
        slots = [s for s in (_parse_slot(t) for t in DEFAULT_SLOTS) if s is not None]
    return DeliveryOptions(
        slots=tuple(sorted(set(slots), key=lambda s: (s.start, s.end))),
        delivery_fee=_int_setting(settings, "delivery_fee", 0, 0),
        days_ahead=_int_setting(settings, "days_ahead", DEFAULT_DAYS_AHEAD, 1),
        lead_minutes=_int_setting(settings, "lead_minutes", DEFAULT_LEAD_MINUTES, 0),
        payment_info=str(settings.get("payment_info") or ""),
    )


def delivery_fee(shop: Shop, method: DeliveryMethod | str | None) -> int:
    if method is None or DeliveryMethod(method) is DeliveryMethod.PICKUP:
        return 0
    return delivery_options(shop).delivery_fee


def bookable_days(shop: Shop, now: datetime) -> list[date]:
    """Today (in the shop's timezone) and the following days the shop takes orders for,
    leaving out today when none of its windows is open any more."""
    today = shop_today(shop, now)
    days = [today + timedelta(days=n) for n in range(delivery_options(shop).days_ahead)]
    if not open_slots(shop, today, now):
        days = days[1:]
    return days


def parse_day(text: str, today: date) -> date | None:
    """A day typed by a person: 25.12, 25.12.2026, 25/12/26 or 2026-12-25."""
    text = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?", text)
        if not match:
            return None
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else today.year
        if year < 100:
            year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_day(shop: Shop, day: date, now: datetime) -> date:
    """The day if it can be booked; ValidationFailed typed `past` or `too_far` otherwise."""
    today = shop_today(shop, now)
    if day < today:
        raise ValidationFailed.field("day", msg="The day is in the past", type="past")
    if day >= today + timedelta(days=delivery_options(shop).days_ahead):
        raise ValidationFailed.field("day", msg="The day is too far ahead", type="too_far")
    return day


def _slot_open(shop: Shop, day: date, slot: Slot, now: datetime, lead_minutes: int) -> bool:
    end = at_local_time(shop, day, slot.end)
    return end - timedelta(minutes=lead_minutes) > now


def open_slots(shop: Shop, day: date, now: datetime) -> list[Slot]:
    """The shop's windows on `day` that are still open at `now`."""
    options = delivery_options(shop)
    return [s for s in options.slots if _slot_open(shop, day, s, now, options.lead_minutes)]


def check_slot(shop: Shop, day: date, label: str, now: datetime) -> Slot:
    """The window named `label` on `day`; ValidationFailed typed `unknown` or `closed`."""
    check_day(shop, day, now)
    options = delivery_options(shop)
    slot = _parse_slot(label)
    if slot is None or slot not in options.slots:
        raise ValidationFailed.field("window", msg="Not one of the shop's windows", type="unknown")
    if not _slot_open(shop, day, slot, now, options.lead_minutes):
        raise ValidationFailed.field("window", msg="The window is already closed", type="closed")
    return slot


def window_bounds(shop: Shop, day: date, slot: Slot) -> tuple[datetime, datetime]:
    """The window as UTC datetimes."""
    return at_local_time(shop, day, slot.start), at_local_time(shop, day, slot.end)


# --- what people type ----------------------------------------------------------------


def check_person_name(text: str | None) -> str:
    """A recipient's name: letters required (a number is refused), at most 100 chars."""
    name = " ".join((text or "").split())
    if not name:
        raise ValidationFailed.field("name", msg="The name is empty", type="empty")
    if not any(ch.isalpha() for ch in name):
        raise ValidationFailed.field("name", msg="A name needs letters", type="not_a_name")
    if len(name) > MAX_NAME:
        raise ValidationFailed.field("name", msg="The name is too long", type="too_long")
    return name


def check_phone(text: str | None) -> str:
    """A phone in E.164; a Telegram contact's number comes without the plus."""
    raw = (text or "").strip()
    digits = re.sub(r"[\s()-]", "", raw)
    if digits.isdigit() and len(digits) > 10:
        raw = "+" + digits
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        raise ValidationFailed.field("phone", msg="Not a phone number", type="invalid") from None


def check_address(text: str | None) -> str:
    address = " ".join((text or "").split())
    if not address:
        raise ValidationFailed.field("address", msg="The address is empty", type="empty")
    if sum(ch.isalnum() for ch in address) < 3:
        raise ValidationFailed.field("address", msg="The address is too short", type="too_short")
    if len(address) > MAX_ADDRESS:
        raise ValidationFailed.field("address", msg="The address is too long", type="too_long")
    return address


def check_card_text(text: str | None) -> str:
    card = (text or "").strip()
    if not card:
        raise ValidationFailed.field("card_text", msg="The card text is empty", type="empty")
    if len(card) > MAX_CARD_TEXT:
        raise ValidationFailed.field("card_text", msg="The card text is too long", type="too_long")
    return card


# --- placing the order ---------------------------------------------------------------


@dataclass(frozen=True)
class ChatCheckout:
    """Everything a chat conversation collected, as plain values."""

    checkout_id: str
    cart: Mapping[str, int]
    phone: str
    name: str
    recipient_name: str
    recipient_phone: str
    delivery_method: DeliveryMethod
    address: str
    latitude: float | None
    longitude: float | None
    day: date
    window: str
    card_text: str | None
    language: str
    # The chat the customer ordered from; it is linked to the customer (by the phone).
    chat: ChatAddress | None = None
    occasion: Occasion | None = None


def _provider(chat: ChatAddress | None) -> str:
    return chat.channel.value if chat is not None else CHAT_PROVIDER


async def find_chat_order(
    *, shop_id: int, checkout_id: str, chat: ChatAddress | None = None
) -> Order | None:
    return await Order.get_or_none(
        shop_id=shop_id, external_provider=_provider(chat), external_id=checkout_id
    )


async def place_chat_order(
    *, shop: Shop, checkout: ChatCheckout, clock: Clock | None = None
) -> tuple[Order, bool]:
    """Place the order a chat collected; link the customer to the chat; remember the
    occasion (an important date of the recipient) when the customer asked for it.

    Outcomes: (order, True) when placed; (the earlier order, False) when this checkout
    was placed already (a repeated confirm); ValidationFailed when the day or window
    closed meanwhile, the cart is empty, or a product is no longer sold.
    """
    clock = clock or SystemClock()
    existing = await find_chat_order(
        shop_id=shop.id, checkout_id=checkout.checkout_id, chat=checkout.chat
    )
    if existing is not None:
        return existing, False
    now = clock.now()
    slot = check_slot(shop, checkout.day, checkout.window, now)
    start, end = window_bounds(shop, checkout.day, slot)
    items = [ItemRequest(int(k), int(v)) for k, v in checkout.cart.items() if int(v) > 0]
    if not items:
        raise ValidationFailed.field("items", msg="The cart is empty", type="empty")
    pickup = checkout.delivery_method is DeliveryMethod.PICKUP
    async with in_transaction():
        order = await place_order(
            shop_id=shop.id,
            customer_phone=checkout.phone,
            customer_name=checkout.name,
            recipient_name=checkout.recipient_name,
            recipient_phone=checkout.recipient_phone,
            address="" if pickup else checkout.address,
            latitude=None if pickup else checkout.latitude,
            longitude=None if pickup else checkout.longitude,
            delivery_method=checkout.delivery_method,
            delivery_from=start,
            delivery_to=end,
            items=items,
            delivery_fee=delivery_fee(shop, checkout.delivery_method),
            card_text=checkout.card_text,
            channel=Channel(_provider(checkout.chat)),
            external_provider=_provider(checkout.chat),
            external_id=checkout.checkout_id,
            language=checkout.language,
            clock=clock,
        )
        order.delivery_time_range = slot.label
        await order.save(update_fields=["delivery_time_range", "updated_at"])
        customer_id: int = order.customer_id  # type: ignore[attr-defined]
        await Customer.filter(id=customer_id).update(language=checkout.language)
        if checkout.chat is not None:
            await link_chat(shop_id=shop.id, customer_id=customer_id, address=checkout.chat)
        if checkout.occasion is not None:
            await remember_occasion(
                shop_id=shop.id,
                customer_id=customer_id,
                date_type=checkout.occasion.date_type,
                date=checkout.occasion.date,
                recipient_name=checkout.recipient_name,
            )
    return order, True


# --- ordering again ------------------------------------------------------------------


@dataclass(frozen=True)
class Reorder:
    """A chat checkout prepared from an earlier order ("order the same as last time")."""

    shop: Shop
    number: int
    cart: dict[str, int]
    skipped: list[str]
    phone: str | None
    name: str
    recipient_name: str | None
    recipient_phone: str | None


def _valid(check: Callable[[str | None], str], value: str | None) -> str | None:
    try:
        return check(value) if value else None
    except ValidationFailed:
        return None


async def _customer_ids(address: ChatAddress, shop_id: int | None = None) -> list[int]:
    query = CustomerChat.filter(channel=address.channel.value, external_id=address.external_id)
    if shop_id is not None:
        query = query.filter(shop_id=shop_id)
    ids: list[Any] = await query.values_list("customer_id", flat=True)
    return [int(i) for i in ids]


async def reorder(*, address: ChatAddress, order_id: int, language: str | None = None) -> Reorder:
    """The cart and the known answers for ordering again what order `order_id` had.

    The order must be this chat's own, as a customer of the order's shop (an active
    one); another person's order, or an unknown id, is NotFound. Its catalog
    products go into the cart (priced anew whenever the cart is quoted, so at today's
    prices); products no longer sold and lines that were never catalog products are
    named in `skipped` (in `language`, else the order's, as they were sold: core.catalog_texts),
    and an empty cart means nothing is left to order. The
    customer's phone is given when it is a valid one (checkout need not ask it), and
    the order's recipient as far as it is a valid name and phone.
    """
    order = await Order.get_or_none(
        id=order_id, customer_id__in=await _customer_ids(address), shop__is_active=True
    ).prefetch_related("shop", "customer")
    if order is None or order.customer is None:
        raise NotFound("Order")
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    product_ids = [i.product_id for i in items if i.product_id is not None]  # type: ignore[attr-defined]
    sold = set(
        await Product.filter(shop_id=order.shop.id, id__in=product_ids, is_active=True).values_list(
            "id", flat=True
        )
    )
    cart: dict[str, int] = {}
    skipped: list[str] = []
    for item in items:
        product_id = item.product_id  # type: ignore[attr-defined]
        if product_id in sold and item.quantity > 0:
            cart = cart_add(cart, product_id, item.quantity)
        else:
            name = item_name(
                item.product_name, item.product_names, language or order.language, order.shop.locale
            )
            if name not in skipped:
                skipped.append(name)
    return Reorder(
        shop=order.shop,
        number=order.number,
        cart=cart,
        skipped=skipped,
        phone=_valid(check_phone, order.customer.phone),
        name=order.customer.name or "",
        recipient_name=_valid(check_person_name, order.recipient_name),
        recipient_phone=_valid(check_phone, order.recipient_phone),
    )


# --- the customer's orders -----------------------------------------------------------


async def customer_orders(*, shop_id: int, address: ChatAddress, limit: int = 10) -> list[Order]:
    """The newest orders of the shop's customer behind this chat (whichever messenger
    they ordered from)."""
    return (
        await Order.filter(shop_id=shop_id, customer_id__in=await _customer_ids(address, shop_id))
        .order_by("-id")
        .limit(limit)
    )


async def customer_order(
    *, shop_id: int, address: ChatAddress, order_id: int
) -> tuple[Order, list[OrderItem]]:
    """One of this person's orders with its items; NotFound for anybody else's."""
    order = await Order.get_or_none(
        id=order_id, shop_id=shop_id, customer_id__in=await _customer_ids(address, shop_id)
    )
    if order is None:
        raise NotFound("Order")
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    return order, items


# --- questions -----------------------------------------------------------------------


async def ask_question(
    *, shop: Shop, text: str, name: str, contact: str, language: str | None = None
) -> bool:
    """Queue a customer's question for the shop's staff chat.

    Outcomes: True when queued; False when the shop has no staff chat linked.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.field("text", msg="The question is empty", type="empty")
    if shop.staff_chat_id is None:
        return False
    await send_chat_message(
        chat_id=shop.staff_chat_id,
        text=QUESTION_MESSAGE,
        params={"name": name, "contact": contact, "text": text[:MAX_QUESTION]},
        language=language or shop.locale,
        shop_id=shop.id,
        event_type="customer.question",
    )
    return True


# --- notices to the customer ---------------------------------------------------------


@dataclass(frozen=True)
class OrderNotice:
    shop_id: int
    order_id: int
    number: int
    addresses: tuple[ChatAddress, ...]
    language: str
    courier_name: str
    delivered_photo: str | None
    tracking_token: str


async def order_notice(*, order_id: int) -> OrderNotice | None:
    """What a customer notice about this order needs; None when the customer has no chat."""
    order = await Order.get_or_none(id=order_id).prefetch_related("customer", "courier")
    if order is None or order.customer is None:
        return None
    addresses = await chat_addresses(customer_id=order.customer.id)
    if not addresses:
        return None
    courier = order.courier
    photo = (
        await OrderPhoto.filter(
            order_id=order.id, kind=PhotoKind.DELIVERED, telegram_file_id__isnull=False
        )
        .order_by("-id")
        .first()
    )
    return OrderNotice(
        shop_id=order.shop_id,  # type: ignore[attr-defined]
        order_id=order.id,
        number=order.number,
        addresses=tuple(addresses),
        language=order.customer.language or order.language,
        courier_name=(courier.name.split()[0] if courier is not None and courier.name else ""),
        delivered_photo=photo.telegram_file_id if photo is not None else None,
        tracking_token=order.tracking_token,
    )


def sections_by_key(sections: Sequence[Section]) -> dict[tuple[str, str], Section]:
    return {(s.kind, s.key): s for s in sections}

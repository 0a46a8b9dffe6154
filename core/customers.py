"""Customers: one per shop and person, found by phone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import events
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Customer, CustomerChat, DateType, ImportantDate, Order
from core.orders.queries import CustomerStats, customer_stats
from core.phones import phone_or_422
from core.ports.chat import ChatAddress
from core.tenancy import get_owned, scoped


async def find_or_register_customer(
    *, shop_id: int, phone: str, name: str = "", loc: tuple[str, ...] = ("phone",), **extra: Any
) -> tuple[Customer, bool]:
    """The shop's customer with this phone; registered (and announced) when new."""
    phone = phone_or_422(phone, *loc)
    customer = await Customer.get_or_none(shop_id=shop_id, phone=phone)
    if customer is not None:
        if name and not customer.name:
            customer.name = name
            await customer.save(update_fields=["name", "updated_at"])
        return customer, False
    customer = await Customer.create(shop_id=shop_id, phone=phone, name=name, **extra)
    await announce_registration(customer)
    return customer, True


async def announce_registration(customer: Customer) -> None:
    await events.emit(
        events.DomainEvent(
            name=events.CUSTOMER_REGISTERED,
            shop_id=customer.shop_id,  # type: ignore[attr-defined]
            key=f"customer:{customer.id}",
            payload={
                "customer_id": customer.id,
                "phone": customer.phone,
                "name": customer.name,
            },
        )
    )


# --- a customer's chats (core.ports.chat.ChatAddress) ------------------------------------


async def chat_addresses(*, customer_id: int) -> list[ChatAddress]:
    """Where a customer can be told something, in the order the chats were linked."""
    chats = await CustomerChat.filter(customer_id=customer_id).order_by("id")
    return [chat.address() for chat in chats]


async def customer_by_address(*, shop_id: int, address: ChatAddress) -> Customer | None:
    """The shop's customer behind a chat address, when one is linked."""
    chat = await CustomerChat.get_or_none(
        shop_id=shop_id, channel=address.channel.value, external_id=address.external_id
    ).prefetch_related("customer")
    return chat.customer if chat is not None else None


async def customers_of_address(*, address: ChatAddress) -> list[Customer]:
    """Every shop's customer behind a chat address, the most recently changed first."""
    ids = await CustomerChat.filter(
        channel=address.channel.value, external_id=address.external_id
    ).values_list("customer_id", flat=True)
    return list(await Customer.filter(id__in=list(ids)).order_by("-updated_at", "-id"))


async def link_chat(*, shop_id: int, customer_id: int, address: ChatAddress) -> bool:
    """Attach a chat address to a customer of the shop; an address held by another of
    the shop's customers moves (one chat is one person). Returns whether it changed."""
    chat = await CustomerChat.get_or_none(
        shop_id=shop_id, channel=address.channel.value, external_id=address.external_id
    )
    if chat is not None:
        if chat.customer_id == customer_id:  # type: ignore[attr-defined]
            return False
        chat.customer_id = customer_id  # type: ignore[attr-defined]
        await chat.save(update_fields=["customer_id", "updated_at"])
        return True
    try:
        async with in_transaction():
            await CustomerChat.create(
                shop_id=shop_id,
                customer_id=customer_id,
                channel=address.channel.value,
                external_id=address.external_id,
            )
    except IntegrityError:
        # Linked concurrently: the address now exists, move it if it went elsewhere.
        return await link_chat(shop_id=shop_id, customer_id=customer_id, address=address)
    return True


async def customer_for_chat(
    *, shop_id: int, address: ChatAddress, phone: str, name: str = ""
) -> tuple[Customer, bool]:
    """The shop's customer with this (verified) phone, registered when new, with the chat
    linked to them: a Telegram contact share and a WhatsApp message of the same phone
    find the same customer. Returns (customer, registered now)."""
    customer, created = await find_or_register_customer(shop_id=shop_id, phone=phone, name=name)
    await link_chat(shop_id=shop_id, customer_id=customer.id, address=address)
    return customer, created


# --- managing customers (the shop contract's CRM endpoints and the bot call these) -------

EDITABLE = ("phone", "name", "email", "address", "birth_date", "preferences", "notes")
MAX_REMINDER_DAYS = 365


@dataclass(frozen=True)
class CustomerFilter:
    search: str | None = None
    has_orders: bool | None = None
    min_spent: int | None = None


def _search_condition(text: str) -> Q:
    """Name, email, or the phone in any spelling a person types (8 701 …, +7 701 …)."""
    text = text.strip()
    condition = Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__contains=text)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3:
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        condition |= Q(phone__contains=digits)
    return condition


async def list_customers(
    *, shop_id: int, spec: CustomerFilter, offset: int = 0, limit: int = 50
) -> tuple[list[tuple[Customer, CustomerStats]], int]:
    """One page of the shop's customers (by id) with their order summary, and the count.

    `has_orders` and `min_spent` use the same summary the order list shows
    (core.orders.queries.customer_stats): cancelled orders do not count, unpaid ones
    do not add to the amount spent.
    """
    query = scoped(Customer, shop_id)
    if spec.search and spec.search.strip():
        query = query.filter(_search_condition(spec.search))
    if spec.has_orders is not None or spec.min_spent:
        buyers: list[Any] = await (
            Order.filter(shop_id=shop_id, customer_id__not_isnull=True)
            .distinct()
            .values_list("customer_id", flat=True)
        )
        summary = await customer_stats(shop_id=shop_id, customer_ids=[int(i) for i in buyers])
        with_orders = [i for i, s in summary.items() if s.orders_count > 0]
        if spec.has_orders is True:
            query = query.filter(id__in=with_orders)
        elif spec.has_orders is False:
            query = query.exclude(id__in=with_orders)
        if spec.min_spent:
            query = query.filter(
                id__in=[i for i, s in summary.items() if s.total_spent >= spec.min_spent]
            )
    total = await query.count()
    rows = list(await query.order_by("id").offset(offset).limit(limit))
    stats = await customer_stats(shop_id=shop_id, customer_ids=[c.id for c in rows])
    return [(c, stats.get(c.id, CustomerStats())) for c in rows], total


async def customer_summary(*, shop_id: int, customer_id: int) -> tuple[Customer, CustomerStats]:
    """One of the shop's customers with their order summary; NotFound otherwise."""
    customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
    stats = await customer_stats(shop_id=shop_id, customer_ids=[customer.id])
    return customer, stats.get(customer.id, CustomerStats())


def _cleaned(values: Mapping[str, Any], *, loc_prefix: tuple[str, ...]) -> dict[str, Any]:
    data = {name: values[name] for name in EDITABLE if name in values}
    if "phone" in data:
        if not data["phone"]:
            raise ValidationFailed.field(*loc_prefix, "phone", msg="must not be empty")
        data["phone"] = phone_or_422(data["phone"], *loc_prefix, "phone")
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    if data.get("email"):
        data["email"] = str(data["email"]).strip().lower()
    return data


async def _phone_taken(shop_id: int, phone: str, *, except_id: int | None = None) -> bool:
    query = Customer.filter(shop_id=shop_id, phone=phone)
    if except_id is not None:
        query = query.exclude(id=except_id)
    return await query.exists()


def _duplicate(phone: str) -> Conflict:
    return Conflict(f"A customer with phone {phone} already exists")


async def register_customer(
    *, shop_id: int, values: Mapping[str, Any], loc_prefix: tuple[str, ...] = ()
) -> Customer:
    """Add a customer; the phone is normalised and unique per shop (a duplicate is a 409).

    The registration is announced (`customer.registered`) in the same transaction.
    """
    data = _cleaned(values, loc_prefix=loc_prefix)
    if "phone" not in data:
        raise ValidationFailed.field(*loc_prefix, "phone", msg="Field required", type="missing")
    async with in_transaction():
        if await _phone_taken(shop_id, data["phone"]):
            raise _duplicate(data["phone"])
        try:
            customer = await Customer.create(shop_id=shop_id, **data)
        except IntegrityError:
            raise _duplicate(data["phone"]) from None
        await announce_registration(customer)
    return customer


async def update_customer(
    *,
    shop_id: int,
    customer_id: int,
    changes: Mapping[str, Any],
    loc_prefix: tuple[str, ...] = (),
) -> Customer:
    """Change the given fields; moving to a phone another customer has is a 409."""
    data = _cleaned(changes, loc_prefix=loc_prefix)
    async with in_transaction():
        customer = await get_owned(Customer, shop_id=shop_id, id=customer_id, for_update=True)
        if "phone" in data and await _phone_taken(shop_id, data["phone"], except_id=customer.id):
            raise _duplicate(data["phone"])
        for name, value in data.items():
            setattr(customer, name, value)
        if data:
            try:
                await customer.save(update_fields=[*data, "updated_at"])
            except IntegrityError:
                raise _duplicate(data["phone"]) from None
    return customer


async def delete_customer(*, shop_id: int, customer_id: int) -> None:
    """Remove a customer and their dates; their orders stay, without the link."""
    async with in_transaction():
        customer = await get_owned(Customer, shop_id=shop_id, id=customer_id, for_update=True)
        await customer.delete()


async def add_important_date(
    *,
    shop_id: int,
    customer_id: int,
    date_type: DateType,
    date: dt.date,
    description: str = "",
    reminder_days: int = 3,
    recipient_name: str | None = None,
) -> ImportantDate:
    """Remember a date of one of the shop's customers, with a reminder offset in days."""
    if not 0 <= reminder_days <= MAX_REMINDER_DAYS:
        raise ValidationFailed.field(
            "reminder_days", msg=f"must be between 0 and {MAX_REMINDER_DAYS}"
        )
    async with in_transaction():
        customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
        return await ImportantDate.create(
            shop_id=shop_id,
            customer=customer,
            date_type=date_type,
            date=date,
            description=description,
            reminder_days=reminder_days,
            recipient_name=recipient_name,
        )


async def important_dates(*, shop_id: int, customer_id: int) -> list[ImportantDate]:
    """A customer's dates, in calendar order."""
    customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
    return list(
        await ImportantDate.filter(shop_id=shop_id, customer_id=customer.id).order_by("date", "id")
    )


async def remove_important_date(*, shop_id: int, customer_id: int, date_id: int) -> None:
    """Forget one date of a customer; another customer's date id is NotFound."""
    deleted = await ImportantDate.filter(
        shop_id=shop_id, customer_id=customer_id, id=date_id
    ).delete()
    if not deleted:
        raise NotFound("Important date")

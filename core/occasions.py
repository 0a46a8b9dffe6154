"""Occasion memory: at checkout the customer may ask us to remember the occasion (a
birthday, an anniversary) of the recipient; it becomes an important date that the
scheduler reminds them of (core.reminders), with the shop's default offset."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from core.errors import ValidationFailed
from core.models import Customer, DateType, ImportantDate, Shop
from core.tenancy import get_owned

DEFAULT_REMINDER_DAYS = 3
MAX_REMINDER_DAYS = 365
EARLIEST_YEAR = 1900
OCCASION_KINDS = (DateType.BIRTHDAY, DateType.ANNIVERSARY)


@dataclass(frozen=True)
class Occasion:
    """An occasion a customer asked to remember at checkout, as plain values."""

    date_type: DateType
    date: date


def parse_occasion_date(text: str | None, today: date) -> date:
    """A date typed as DD.MM or DD.MM.YYYY ('/' also separates); without a year, this
    year's (29.02 falls in the latest leap year, the reminders only read day and month).

    Outcomes: the date; ValidationFailed typed `unreadable` (no such day, or not in
    that form) or `year` (before 1900 or after next year).
    """
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?", (text or "").strip())
    if not match:
        raise ValidationFailed.field("date", msg="Not a date like 25.12", type="unreadable")
    day, month = int(match.group(1)), int(match.group(2))
    if match.group(3):
        year = int(match.group(3))
        if not EARLIEST_YEAR <= year <= today.year + 1:
            raise ValidationFailed.field("date", msg="The year is out of range", type="year")
    else:
        year = today.year
        if (month, day) == (2, 29):
            while not calendar.isleap(year):
                year -= 1
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationFailed.field("date", msg="No such day", type="unreadable") from None


def default_reminder_days(shop: Shop) -> int:
    """The shop's offset (`settings["reminder_days"]`, 3 unless the shop set another)."""
    value = (shop.settings or {}).get("reminder_days", DEFAULT_REMINDER_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS
    return days if 0 <= days <= MAX_REMINDER_DAYS else DEFAULT_REMINDER_DAYS


async def remember_occasion(
    *,
    shop_id: int,
    customer_id: int,
    date_type: DateType | str,
    date: date,
    recipient_name: str | None = None,
) -> ImportantDate:
    """The customer's important date for this occasion, created when new.

    Outcomes: a new ImportantDate with the shop's reminder offset, or the existing one
    for the same recipient, kind and day of the year (remembering twice keeps one).
    Raises NotFound for another shop's customer, ValidationFailed for an unknown kind.
    """
    try:
        kind = DateType(date_type)
    except ValueError:
        raise ValidationFailed.field(
            "date_type", msg=f"date_type must be one of {', '.join(t.value for t in DateType)}"
        ) from None
    customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
    shop = await Shop.get(id=shop_id)
    name = (recipient_name or "").strip() or None
    for existing in await ImportantDate.filter(
        shop_id=shop_id, customer_id=customer.id, date_type=kind, recipient_name=name
    ):
        if (existing.date.month, existing.date.day) == (date.month, date.day):
            return existing
    return await ImportantDate.create(
        shop_id=shop_id,
        customer_id=customer.id,
        date_type=kind,
        date=date,
        description="",
        reminder_days=default_reminder_days(shop),
        recipient_name=name,
    )

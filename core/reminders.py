"""Important dates: a reminder to the customer before each one, and the staff's digest.

A date recurs every year on its day and month (29 February falls on the 28th in other
years). Its reminder is due at 10:00 on the shop's clock, `reminder_days` before the
occurrence, and stays due until the occurrence's day ends, so a scheduler that was
down at 10:00 catches up later. It is sent once per date and occurrence year, recorded
as Notification(kind="date_reminder", ref=<date id>, period=<year>), and listed by
`customer_reminders` (GET /api/customers/{id}/reminders).

The customer is told on every chat they have linked (core.notify: Telegram, WhatsApp;
customers without one are skipped until they link one), in their language. When they
ordered before for that recipient, it carries one action `order.reorder` of that order:
the channel opens checkout with that order's items (Telegram's callback `reorder:<id>`,
WhatsApp's quick reply of the approved template outside the 24-hour window).

The staff chat gets a digest each morning (09:00 local) of the dates of the next 7
days, once per local day (kind="dates_digest", period=<local date>).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.channels.telegram_out import send_chat_message
from core.customers import chat_addresses
from core.jobs.once import do_once
from core.models import (
    Customer,
    CustomerChat,
    DateType,
    ImportantDate,
    Notification,
    Order,
    OrderItem,
    Shop,
)
from core.notify import tell
from core.orders.status import OrderStatus
from core.ports.chat import Action, OutgoingMessage
from core.shoptime import (
    at_local,
    day_bounds,
    format_day,
    local_now,
    yearly_occurrence,
)
from core.tenancy import get_owned

REMINDER_HOUR = 10
DIGEST_HOUR = 9
DIGEST_DAYS = 7
REMINDER_KIND = "date_reminder"
DIGEST_KIND = "dates_digest"
REORDER = "order.reorder"
RECENT_ORDERS = 50


# Texts queued for the bot to render in the reader's language (extracted by Babel).
def _(message: str) -> str:
    return message


REMINDER_NAMED = {
    DateType.BIRTHDAY: _("🎂 {who} has a birthday on {date}.\nShall we prepare flowers?"),
    DateType.ANNIVERSARY: _("💍 {who}: an anniversary on {date}.\nShall we prepare flowers?"),
    DateType.OTHER: _("📅 {who}: an important date on {date}.\nShall we prepare flowers?"),
}
REMINDER_UNNAMED = {
    DateType.BIRTHDAY: _(
        "🎂 A birthday you asked us to remember is on {date}.\nShall we prepare flowers?"
    ),
    DateType.ANNIVERSARY: _(
        "💍 An anniversary you asked us to remember is on {date}.\nShall we prepare flowers?"
    ),
    DateType.OTHER: _(
        "📅 An important date you asked us to remember is on {date}.\nShall we prepare flowers?"
    ),
}
REORDER_BUTTON = _("🔁 Order the same as last time")
DATES_DIGEST = _("📅 Important dates of the next {days} days:\n{lines}")

ICONS = {DateType.BIRTHDAY: "🎂", DateType.ANNIVERSARY: "💍", DateType.OTHER: "📅"}


def reminder_schedule(important: ImportantDate, shop: Shop, year: int) -> tuple[date, datetime]:
    """The occurrence of the date in `year` and the UTC moment its reminder is due."""
    occurrence = yearly_occurrence(important.date, year)
    remind_day = occurrence - timedelta(days=max(0, important.reminder_days))
    return occurrence, at_local(shop, remind_day, REMINDER_HOUR)


def due_occurrence(important: ImportantDate, shop: Shop, now: datetime) -> date | None:
    """The occurrence whose reminder is due at `now` (None when none is)."""
    today = local_now(shop, now).date()
    for year in (today.year, today.year + 1):
        occurrence, remind_at = reminder_schedule(important, shop, year)
        if remind_at <= now < day_bounds(shop, occurrence)[1]:
            return occurrence
    return None


def next_occurrence(important: ImportantDate, shop: Shop, now: datetime) -> date:
    """The first occurrence whose day has not ended on the shop's clock."""
    today = local_now(shop, now).date()
    occurrence = yearly_occurrence(important.date, today.year)
    return occurrence if occurrence >= today else yearly_occurrence(important.date, today.year + 1)


async def last_order_for(
    *, shop_id: int, customer_id: int, recipient_name: str | None
) -> Order | None:
    """The customer's latest order with items, for that recipient when one is named
    (names compared case-insensitively, in Python: SQLite folds only ASCII)."""
    wanted = (recipient_name or "").strip().casefold()
    orders = (
        await Order.filter(shop_id=shop_id, customer_id=customer_id)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-created_at", "-id")
        .limit(RECENT_ORDERS)
    )
    for order in orders:
        if wanted and (order.recipient_name or "").strip().casefold() != wanted:
            continue
        if await OrderItem.filter(order_id=order.id, product_id__not_isnull=True).exists():
            return order
    return None


def _date_type(important: ImportantDate) -> DateType:
    try:
        return DateType(important.date_type)
    except ValueError:
        return DateType.OTHER


async def _remind(important: ImportantDate, shop: Shop, occurrence: date, now: datetime) -> bool:
    customer: Customer = important.customer
    addresses = await chat_addresses(customer_id=customer.id)
    if not addresses:
        return False
    kind = _date_type(important)
    who = (important.recipient_name or "").strip()
    text = REMINDER_NAMED[kind] if who else REMINDER_UNNAMED[kind]
    order = await last_order_for(shop_id=shop.id, customer_id=customer.id, recipient_name=who)
    actions = ((Action(REORDER, str(order.id), label=REORDER_BUTTON),),) if order else ()

    async def send() -> None:
        await tell(
            addresses,
            OutgoingMessage(
                text=text,
                params={"who": who, "date": format_day(occurrence)},
                language=customer.language,
                actions=actions,
            ),
            shop_id=shop.id,
            event_type=REMINDER_KIND,
            now=now,
        )

    return await do_once(
        shop_id=shop.id,
        kind=REMINDER_KIND,
        ref=str(important.id),
        period=str(occurrence.year),
        now=now,
        action=send,
        payload={
            "customer_id": customer.id,
            "occurrence": occurrence.isoformat(),
            "channel": addresses[0].channel.value,
            "channels": [a.channel.value for a in addresses],
            "reorder_order_id": order.id if order else None,
        },
    )


async def send_date_reminders(*, shop_id: int, now: datetime) -> int:
    """Send the shop's due date reminders; returns how many were sent now."""
    shop = await Shop.get(id=shop_id)
    linked = await CustomerChat.filter(shop_id=shop_id).values_list("customer_id", flat=True)
    dates = await ImportantDate.filter(
        shop_id=shop_id, customer_id__in=list(set(linked))
    ).select_related("customer")
    sent = 0
    for important in dates:
        occurrence = due_occurrence(important, shop, now)
        if occurrence is not None and await _remind(important, shop, occurrence, now):
            sent += 1
    return sent


async def send_dates_digest(*, shop_id: int, now: datetime) -> bool:
    """Once a local day after 09:00, the staff chat gets the next 7 days' dates.

    Outcomes: True (sent now), False (too early, no staff chat, or done today). A day
    with no dates is recorded without a message.
    """
    shop = await Shop.get(id=shop_id)
    local = local_now(shop, now)
    if shop.staff_chat_id is None or local.hour < DIGEST_HOUR:
        return False
    today = local.date()
    upcoming: list[tuple[date, ImportantDate]] = []
    for important in await ImportantDate.filter(shop_id=shop_id).select_related("customer"):
        occurrence = next_occurrence(important, shop, now)
        if occurrence <= today + timedelta(days=DIGEST_DAYS):
            upcoming.append((occurrence, important))
    upcoming.sort(key=lambda pair: (pair[0], pair[1].id))
    lines = [
        f"{format_day(occurrence)} {ICONS[_date_type(important)]} "
        f"{important.recipient_name or important.description or '—'} ← "
        f"{important.customer.name or '—'}, {important.customer.phone}"
        for occurrence, important in upcoming
    ]
    chat_id = shop.staff_chat_id

    async def send() -> None:
        if lines:
            await send_chat_message(
                chat_id=chat_id,
                text=DATES_DIGEST,
                params={"days": DIGEST_DAYS, "lines": "\n".join(lines)},
                language=shop.locale,
                shop_id=shop.id,
                event_type=DIGEST_KIND,
                now=now,
            )

    done = await do_once(
        shop_id=shop.id,
        kind=DIGEST_KIND,
        ref=str(shop.id),
        period=today.isoformat(),
        now=now,
        action=send,
        payload={"count": len(lines)},
    )
    return done and bool(lines)


@dataclass(frozen=True)
class ReminderView:
    important_date_id: int
    date_type: str
    date: dt.date
    recipient_name: str | None
    occurrence: dt.date
    remind_at: datetime
    status: str  # "sent", "scheduled", or "no_channel" (no chat linked yet)
    # The first chat it goes (went) to; a customer with several chats is told on each.
    sent_at: datetime | None
    channel: str | None
    reorder_order_id: int | None


async def customer_reminders(
    *, shop_id: int, customer_id: int, now: datetime
) -> list[ReminderView]:
    """Reminders of the customer's dates: those sent, then the next one of each date."""
    customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
    shop = await Shop.get(id=shop_id)
    dates = await ImportantDate.filter(shop_id=shop_id, customer_id=customer.id).order_by("id")
    by_id = {d.id: d for d in dates}
    records = await Notification.filter(
        shop_id=shop_id, kind=REMINDER_KIND, ref__in=[str(i) for i in by_id]
    ).order_by("period", "id")
    views: list[ReminderView] = []
    sent_years: set[tuple[int, int]] = set()
    for record in records:
        important = by_id[int(record.ref)]
        payload: dict[str, Any] = record.payload or {}
        occurrence, remind_at = reminder_schedule(important, shop, int(record.period))
        sent_years.add((important.id, occurrence.year))
        views.append(
            ReminderView(
                important_date_id=important.id,
                date_type=str(important.date_type),
                date=important.date,
                recipient_name=important.recipient_name,
                occurrence=occurrence,
                remind_at=remind_at,
                status="sent",
                sent_at=datetime.fromisoformat(payload["at"]) if "at" in payload else None,
                channel=payload.get("channel", "telegram"),
                reorder_order_id=payload.get("reorder_order_id"),
            )
        )
    chats = await chat_addresses(customer_id=customer.id)
    linked = bool(chats)
    for important in dates:
        occurrence = next_occurrence(important, shop, now)
        if (important.id, occurrence.year) in sent_years:
            occurrence = yearly_occurrence(important.date, occurrence.year + 1)
        _, remind_at = reminder_schedule(important, shop, occurrence.year)
        views.append(
            ReminderView(
                important_date_id=important.id,
                date_type=str(important.date_type),
                date=important.date,
                recipient_name=important.recipient_name,
                occurrence=occurrence,
                remind_at=remind_at,
                status="scheduled" if linked else "no_channel",
                sent_at=None,
                channel=chats[0].channel.value if chats else None,
                reorder_order_id=None,
            )
        )
    return views

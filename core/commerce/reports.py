"""Reports: a period's figures kept as they were, with a sentence in the shop's language.

    sales        order_figures: orders, revenue, average, by status and provider, per day
    messages     message_figures: sent, received, by provider, read rate, median first
                 response, per day
    performance  both, as rates: fulfilment, cancellation, read, response, orders per day

The figures come from the same functions the stats endpoints answer from, so a report
equals the API's numbers for its period. Amounts in a payload are decimal strings
("12500.50": exact, whatever the reader's JSON library does with floats) next to the
currency; the contract writes them as numbers.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from core.commerce.orders import order_figures
from core.commerce.public_ids import parse_uuid
from core.commerce.threads import message_figures
from core.errors import NotFound, ValidationFailed
from core.i18n import gettext_for
from core.models import Report, ReportType, Shop

MAX_PERIOD_DAYS = 731


def _(message: str) -> str:
    return message


SALES_SUMMARY = _(
    "{orders} orders with {revenue} in total revenue from {start} to {end}; "
    "the average order was {average}."
)
MESSAGES_SUMMARY = _(
    "{sent} messages sent and {received} received from {start} to {end}; "
    "{read_rate} of incoming messages were read."
)
PERFORMANCE_SUMMARY = _(
    "From {start} to {end}: {orders} orders, {fulfilled} fulfilled, {cancelled} cancelled; "
    "{messages} messages, median first response {response}."
)
NO_RESPONSE = _("none yet")


def _money(amount: Decimal, currency: str, language: str) -> str:
    return format_currency(amount, currency, locale=language)


def _day(day: date) -> str:
    return day.isoformat()


def _duration(seconds: float | None, language: str) -> str:
    if seconds is None:
        return gettext_for("messages", language)(NO_RESPONSE)
    minutes = Decimal(str(seconds)) / 60
    return f"{format_decimal(minutes.quantize(Decimal('0.1')), locale=language)} min"


async def figures_payload(
    *, shop: Shop, report_type: ReportType, start: datetime, end: datetime
) -> tuple[dict[str, Any], str]:
    """(payload, summary) of a report of this type over [start, end)."""
    language = shop.locale or "ru"
    tr = gettext_for("messages", language)
    period = {"start": _day(start.date()), "end": _day(end.date())}
    if report_type is ReportType.SALES:
        orders = await order_figures(shop=shop, start=start, end=end)
        payload = {
            "total_orders": orders.total_orders,
            "total_revenue": str(orders.total_revenue),
            "average_order_value": str(orders.average_order_value),
            "currency": orders.currency,
            "orders_by_status": orders.orders_by_status,
            "orders_by_provider": orders.orders_by_provider,
            "revenue_by_day": {_day(d): str(v) for d, v in orders.revenue_by_day.items()},
            "orders_by_day": {_day(d): n for d, n in orders.orders_by_day.items()},
        }
        summary = tr(SALES_SUMMARY).format(
            orders=orders.total_orders,
            revenue=_money(orders.total_revenue, orders.currency, language),
            average=_money(orders.average_order_value, orders.currency, language),
            **period,
        )
        return payload, summary
    messages = await message_figures(shop=shop, start=start, end=end)
    message_part = {
        "total_messages": messages.total,
        "sent": messages.sent,
        "received": messages.received,
        "read_rate": messages.read_rate,
        "by_provider": messages.by_provider,
        "median_first_response_seconds": messages.median_first_response_seconds,
        "messages_by_day": {_day(d): n for d, n in messages.by_day.items()},
    }
    if report_type is ReportType.MESSAGES:
        summary = tr(MESSAGES_SUMMARY).format(
            sent=messages.sent,
            received=messages.received,
            read_rate=f"{format_decimal(round(messages.read_rate * 100, 1), locale=language)}%",
            **period,
        )
        return message_part, summary
    orders = await order_figures(shop=shop, start=start, end=end)
    fulfilled = orders.orders_by_status.get("fulfilled", 0)
    cancelled = orders.orders_by_status.get("cancelled", 0)
    days = max(1, len(orders.orders_by_day))
    payload = {
        "total_orders": orders.total_orders,
        "total_revenue": str(orders.total_revenue),
        "currency": orders.currency,
        "fulfilled_orders": fulfilled,
        "cancelled_orders": cancelled,
        "fulfillment_rate": round(fulfilled / orders.total_orders, 4)
        if orders.total_orders
        else 0.0,
        "cancellation_rate": (
            round(cancelled / orders.total_orders, 4) if orders.total_orders else 0.0
        ),
        "orders_per_day": round(orders.total_orders / days, 2),
        "total_messages": messages.total,
        "read_rate": messages.read_rate,
        "median_first_response_seconds": messages.median_first_response_seconds,
        "ai_generated_messages": messages.ai_generated,
        "orders_by_day": {_day(d): n for d, n in orders.orders_by_day.items()},
        "messages_by_day": {_day(d): n for d, n in messages.by_day.items()},
    }
    summary = tr(PERFORMANCE_SUMMARY).format(
        orders=orders.total_orders,
        fulfilled=fulfilled,
        cancelled=cancelled,
        messages=messages.total,
        response=_duration(messages.median_first_response_seconds, language),
        **period,
    )
    return payload, summary


async def generate_report(
    *,
    shop: Shop,
    report_type: ReportType,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None = None,
    user_id: int | None,
    now: datetime,
) -> Report:
    """A new report over [start, end] (the end instant included)."""
    if end <= start:
        raise ValidationFailed.field("end_date", msg="end_date must be after start_date")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed.field(
            "end_date", msg=f"A report covers at most {MAX_PERIOD_DAYS} days"
        )
    from datetime import timedelta

    until = end + timedelta(microseconds=1)
    payload, summary = await figures_payload(
        shop=shop, report_type=report_type, start=start, end=until
    )
    return await Report.create(
        shop_id=shop.id,
        report_type=report_type,
        start_date=start,
        end_date=end,
        filters=dict(filters or {}),
        summary=summary,
        payload=payload,
        generated_at=now,
        created_by_id=user_id,
    )


async def list_reports(
    *, shop: Shop, report_type: ReportType | None = None, page: int = 1, page_size: int = 50
) -> list[Report]:
    query = Report.filter(shop_id=shop.id)
    if report_type is not None:
        query = query.filter(report_type=report_type)
    return list(
        await query.order_by("-generated_at", "-id").offset((page - 1) * page_size).limit(page_size)
    )


async def report_of(*, shop: Shop, report_id: uuid.UUID | str) -> Report:
    public_id = parse_uuid(report_id)
    report = await Report.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
    if report is None:
        raise NotFound("Report")
    return report


async def delete_report(*, shop: Shop, report_id: uuid.UUID | str) -> None:
    report = await report_of(shop=shop, report_id=report_id)
    await report.delete()


def daily_series(report: Report) -> tuple[str, list[tuple[str, Decimal]]]:
    """What the report's chart shows: (what, [(day, value)]): revenue per day for sales,
    messages per day otherwise."""
    payload = report.payload or {}
    if ReportType(report.report_type) is ReportType.SALES:
        return "revenue", [(d, Decimal(v)) for d, v in payload.get("revenue_by_day", {}).items()]
    return "messages", [(d, Decimal(v)) for d, v in payload.get("messages_by_day", {}).items()]


def report_csv(report: Report) -> str:
    """The report as CSV: its figures as `metric,value` rows, then the daily series."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "value"])
    series_keys = {"revenue_by_day", "orders_by_day", "messages_by_day"}
    for key, value in (report.payload or {}).items():
        if key in series_keys:
            continue
        if isinstance(value, dict):
            for sub, item in value.items():
                writer.writerow([f"{key}.{sub}", item if not isinstance(item, dict) else ""])
                if isinstance(item, dict):
                    for leaf, number in item.items():
                        writer.writerow([f"{key}.{sub}.{leaf}", number])
        else:
            writer.writerow([key, "" if value is None else value])
    days: dict[str, dict[str, Any]] = {}
    columns = [
        k
        for k in ("orders_by_day", "revenue_by_day", "messages_by_day")
        if k in (report.payload or {})
    ]
    for key in columns:
        for day, number in report.payload[key].items():
            days.setdefault(day, {})[key] = number
    if columns:
        writer.writerow([])
        writer.writerow(["date", *[c.removesuffix("_by_day") for c in columns]])
        for day in sorted(days):
            writer.writerow([day, *[days[day].get(c, 0) for c in columns]])
    return out.getvalue()

"""A shop's wall clock: times are stored in UTC and read in the shop's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.models import Shop

DEFAULT_TIMEZONE = "Asia/Almaty"


def shop_zone(shop: Shop) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_now(shop: Shop, now: datetime) -> datetime:
    """`now` (aware) on the shop's wall clock."""
    return now.astimezone(shop_zone(shop))


def at_local(shop: Shop, day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC moment when the shop's clock shows `day` `hour:minute`."""
    return datetime.combine(day, time(hour, minute), tzinfo=shop_zone(shop)).astimezone(UTC)


def day_bounds(shop: Shop, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of the shop's local `day`."""
    return at_local(shop, day, 0), at_local(shop, day + timedelta(days=1), 0)


def yearly_occurrence(day: date, year: int) -> date:
    """A yearly date in `year` (29 February falls on the 28th in other years)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def format_day(day: date) -> str:
    return day.strftime("%d.%m")


def format_window(shop: Shop, start: datetime | None, end: datetime | None) -> str:
    """'14:00–16:00' on the shop's clock ('14:00' when the window has no end)."""
    if start is None:
        return ""
    zone = shop_zone(shop)
    text = start.astimezone(zone).strftime("%H:%M")
    if end is not None:
        text += "–" + end.astimezone(zone).strftime("%H:%M")
    return text

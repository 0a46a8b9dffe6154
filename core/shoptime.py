"""A shop's wall clock, defined once: times are stored in UTC and read in the shop's
timezone (orders of a day, bookable days and windows, statistics, reminders, the crm
dialect's local times all go through here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.models import Shop

DEFAULT_TIMEZONE = "Asia/Almaty"


def zone_named(name: str | None) -> ZoneInfo:
    """The zone `name`, or the default one when it is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def shop_zone(shop: Shop) -> ZoneInfo:
    return zone_named(shop.timezone)


def local_now(shop: Shop, now: datetime) -> datetime:
    """`now` (aware) on the shop's wall clock."""
    return now.astimezone(shop_zone(shop))


def shop_today(shop: Shop, now: datetime) -> date:
    """The day the shop's clock shows at `now`."""
    return local_now(shop, now).date()


def at_local_time(shop: Shop, day: date, moment: time) -> datetime:
    """The UTC moment when the shop's clock shows `day` `moment`."""
    return datetime.combine(day, moment, tzinfo=shop_zone(shop)).astimezone(UTC)


def at_local(shop: Shop, day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC moment when the shop's clock shows `day` `hour:minute`."""
    return at_local_time(shop, day, time(hour, minute))


def zone_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC start of `day` in `zone`."""
    # In UTC: SQLite compares stored datetimes as text, so the offset must match.
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def day_bounds(shop: Shop, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of the shop's local `day`."""
    zone = shop_zone(shop)
    return zone_day_start(day, zone), zone_day_start(day + timedelta(days=1), zone)


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

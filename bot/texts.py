"""Rendering helpers shared by the bot's routers: money, dates, status and kind names.

They translate in the language of the current update (aiogram's i18n context).
Module-level texts are marked with `N_` for Babel and translated where they are used.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n.context import get_i18n
from babel.dates import format_date

from core import catalog_texts
from core.i18n import DEFAULT_LANGUAGE, format_money
from core.i18n import day_label as core_day_label
from core.models import OrderItem, Product, ProductKind, Shop
from core.orders.names import STATUS_NAMES
from core.orders.status import OrderStatus


def N_(message: str) -> str:  # noqa: N802 - the gettext marker's customary name
    return message


KIND_NAMES: dict[str, str] = {
    ProductKind.BOUQUET.value: N_("Bouquets"),
    ProductKind.COMPOSITION.value: N_("Compositions"),
    ProductKind.POTTED.value: N_("Potted plants"),
    ProductKind.GIFT.value: N_("Gifts"),
    ProductKind.OTHER.value: N_("Other"),
}


def current_language() -> str:
    try:
        return get_i18n().current_locale
    except LookupError:
        return DEFAULT_LANGUAGE


def product_text(product: Product, shop: Shop) -> catalog_texts.ProductText:
    """The product's name and description in the update's language, else the shop's."""
    return catalog_texts.product_text(product, current_language(), shop.locale)


def item_name(item: OrderItem, shop: Shop) -> str:
    """An order item's name in the update's language, as it was sold."""
    return catalog_texts.item_name(
        item.product_name, item.product_names, current_language(), shop.locale
    )


def money(amount: int, currency: str) -> str:
    """`25 000 ₸` / `250 000 so'm` / `29.99 USD` in the update's language
    (core.i18n.format_money)."""
    return format_money(amount, currency, current_language())


def day_label(day: date) -> str:
    return core_day_label(day, current_language())


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{format_date(local.date(), 'd MMMM', locale=current_language())} {local:%H:%M}"


def status_name(status: str) -> str:
    return _(STATUS_NAMES[OrderStatus(status)])


def kind_name(kind: str) -> str:
    return _(KIND_NAMES.get(kind, KIND_NAMES[ProductKind.OTHER.value]))

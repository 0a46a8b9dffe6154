"""The `shop` contract's words (seed 000) for core's canonical vocabulary.

One table per concept; the API handlers and the webhook payloads both read them, so an
integrator sees the same word in a response, a filter and a webhook.

Order statuses (canonical -> shop):

    new -> new              paid -> paid                in_production -> in_production
    assembled -> assembled  in_delivery -> delivery     awaiting_pickup -> self_pickup
    delivered -> delivered  completed -> completed      cancelled -> cancelled
    issue -> issue

`in_production` and `cancelled` are not in the document's flow; orders reach them
through the bot and other contracts, so the shop dialect shows the canonical word
rather than pretend the order is in another state.

Product categories: bouquet, composition, gift, other; a `potted` product (a kind other
contracts know) reads as `other` here and keeps its kind unless the client changes it.

Times: the document writes `2024-12-26T14:30:00`, in UTC. `format_datetime` writes that
form; `as_utc` reads a naive time as UTC and converts an aware one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from core.models import ProductKind
from core.orders.status import OrderStatus

S = OrderStatus

ORDER_STATUS_WORDS: dict[OrderStatus, str] = {
    S.NEW: "new",
    S.PAID: "paid",
    S.IN_PRODUCTION: "in_production",
    S.ASSEMBLED: "assembled",
    S.IN_DELIVERY: "delivery",
    S.AWAITING_PICKUP: "self_pickup",
    S.DELIVERED: "delivered",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.ISSUE: "issue",
}

ORDER_STATUS_FROM_WORD: dict[str, OrderStatus] = {
    word: status for status, word in ORDER_STATUS_WORDS.items()
}

ShopOrderStatus = Literal[
    "new",
    "paid",
    "in_production",
    "assembled",
    "delivery",
    "self_pickup",
    "delivered",
    "completed",
    "cancelled",
    "issue",
]


def order_status_word(status: OrderStatus | str) -> str:
    """The shop word for a canonical status."""
    return ORDER_STATUS_WORDS[OrderStatus(status)]


def order_status_from_word(word: str) -> OrderStatus:
    """The canonical status for a shop word; KeyError for a word the dialect lacks."""
    return ORDER_STATUS_FROM_WORD[word]


ShopCategory = Literal["bouquet", "composition", "gift", "other"]

CATEGORY_WORDS: dict[ProductKind, str] = {
    ProductKind.BOUQUET: "bouquet",
    ProductKind.COMPOSITION: "composition",
    ProductKind.GIFT: "gift",
    ProductKind.OTHER: "other",
    ProductKind.POTTED: "other",
}


def category_word(kind: ProductKind | str) -> str:
    return CATEGORY_WORDS[ProductKind(kind)]


def kinds_of_category(word: str) -> list[ProductKind]:
    """Every canonical kind the shop shows under this category word."""
    return [kind for kind, shown in CATEGORY_WORDS.items() if shown == word]


def kind_of_category(word: str) -> ProductKind:
    """The kind a shop client means when it writes this category."""
    return ProductKind(word)


def as_utc(moment: datetime) -> datetime:
    """A naive time is UTC (the document's convention); an aware one is converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime | None) -> str | None:
    """`2024-12-26T14:30:00`: UTC, to the second, without an offset (as the document)."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = as_utc(moment)
    return moment.isoformat(timespec="seconds")[:19]

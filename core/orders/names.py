"""What an order status is called to a person (gettext msgids of the `messages` domain),
shared by the bot's cards and the assistant's answers."""

from __future__ import annotations

from core.orders.status import OrderStatus


def N_(message: str) -> str:  # noqa: N802 - the gettext marker's customary name
    return message


STATUS_NAMES: dict[OrderStatus, str] = {
    OrderStatus.NEW: N_("New"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.IN_PRODUCTION: N_("Being made"),
    OrderStatus.ASSEMBLED: N_("Assembled"),
    OrderStatus.IN_DELIVERY: N_("Out for delivery"),
    OrderStatus.AWAITING_PICKUP: N_("Ready for pickup"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.COMPLETED: N_("Completed"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.ISSUE: N_("Needs attention"),
}

"""Domain events. A use case emits one inside its transaction; subscribers (webhooks,
the bot's notifications, the AI inbox) turn it into outbox rows in that same
transaction, so what leaves the process is committed together with the change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    name: str
    shop_id: int | None
    payload: dict[str, Any]
    # Events with the same key are delivered in the order they were emitted.
    key: str = ""


Subscriber = Callable[[DomainEvent], Awaitable[None]]

ORDER_CREATED = "order.created"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_ISSUE_REPORTED = "order.issue_reported"
ORDER_TEAM_CHANGED = "order.team_changed"
ORDER_PHOTO_ADDED = "order.photo_added"
# Fields of an order were edited (window, address, items, sums): payload order_id, fields.
ORDER_UPDATED = "order.updated"
PAYMENT_RECEIVED = "payment.received"
CUSTOMER_REGISTERED = "customer.registered"
STOCK_LOW = "stock.low"
OTP_REQUESTED = "auth.otp_requested"
# A customer's message arrived on a channel (stored once per provider message id).
CONVERSATION_MESSAGE_RECEIVED = "conversation.message_received"
# One of our messages to a customer failed, as its channel reported later.
CONVERSATION_MESSAGE_FAILED = "conversation.message_failed"


class EventBus:
    """Subscribers by event name. One bus per process, built by the composition root."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = {}

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        """Add a subscriber; subscribing the same function twice keeps one."""
        subscribers = self._subscribers.setdefault(name, [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)

    async def emit(self, event: DomainEvent) -> None:
        """Call every subscriber; they write outbox rows on the caller's transaction."""
        for subscriber in self._subscribers.get(event.name, []):
            await subscriber(event)


# The process's bus. Like a signal registry it is filled once at start-up by the
# composition root (sauda.wiring) with module-level subscriber functions.
bus = EventBus()


async def emit(event: DomainEvent) -> None:
    await bus.emit(event)

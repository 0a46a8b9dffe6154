"""Telling a person something: core's one way out to customers, whatever the messenger.

    core (approval, order notices, reminders, ...)
        │  OutgoingMessage: a msgid with params, photos, actions with a domain meaning
        ▼
    tell(addresses, message) ── one outbox row per address, topic = the address's
        │                        channel, in the caller's transaction
        ├──► row of channel A ──► A's deliverer renders and encodes the actions its own way
        └──► row of channel B ──► B's deliverer (its own lane: a failing one never
                                   blocks another)

Row payload, the same for every channel:

    {"address": ChatAddress.as_dict(), "message": OutgoingMessage.as_dict()}

The row's `event_type` names what the message is (`customer.order_paid`,
`date_reminder`, `approval_request`, ...), so a channel may pick its own form for it
(an approved template outside a messenger's free-form window, a photo edited in place).
Rows of one chat share the key `<channel>:<external id>` and go out in order.

This module names no channel: which channels exist is the adapters' business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.customers import chat_addresses
from core.outbox import enqueue
from core.ports.chat import ChatAddress, OutgoingMessage


def chat_payload(address: ChatAddress, message: OutgoingMessage) -> dict[str, object]:
    return {"address": address.as_dict(), "message": message.as_dict()}


def chat_key(address: ChatAddress, key: str | None = None) -> str:
    """The outbox key of a row to this chat: a caller's key is kept apart per channel,
    so one channel's stuck row never holds back another's."""
    base = f"{address.channel.value}:{address.external_id}"
    return base if key is None else f"{key}@{base}"


class OutboxNotifier:
    """The fan-out composite of the Notifier port (core.ports.chat.Notifier)."""

    async def tell(
        self,
        addresses: Sequence[ChatAddress],
        message: OutgoingMessage,
        *,
        shop_id: int | None,
        event_type: str = "message",
        key: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Queue `message` once for each distinct address; returns how many rows."""
        written = 0
        for address in dict.fromkeys(addresses):
            await enqueue(
                topic=address.channel.value,
                event_type=event_type,
                payload=chat_payload(address, message),
                shop_id=shop_id,
                key=chat_key(address, key),
                destination=address.external_id,
                now=now,
            )
            written += 1
        return written


notifier = OutboxNotifier()


async def tell(
    addresses: Sequence[ChatAddress],
    message: OutgoingMessage,
    *,
    shop_id: int | None,
    event_type: str = "message",
    key: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `message` for each address (see the module docstring)."""
    return await notifier.tell(
        addresses, message, shop_id=shop_id, event_type=event_type, key=key, now=now
    )


async def tell_customer(
    *,
    customer_id: int,
    message: OutgoingMessage,
    shop_id: int,
    event_type: str = "message",
    key: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `message` on every chat of the customer; 0 when they have none linked."""
    addresses = await chat_addresses(customer_id=customer_id)
    return await tell(addresses, message, shop_id=shop_id, event_type=event_type, key=key, now=now)

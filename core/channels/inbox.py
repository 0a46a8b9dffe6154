"""The inbox: customers' messages in, ours out, on any channel, each stored once.

Receiving (`receive`, and `receive_whatsapp` for a webhook delivery of one number):

    message from the channel ──► already stored (channel, external id)? ──► nothing (a repeat)
                                 │ no
                                 ▼
         customer found or registered by phone (a WhatsApp id is the E.164 phone
         without "+"), conversation upserted (shop + channel + external id), Message
         stored, `conversation.message_received` emitted ── one transaction

The message id is claimed by the unique (channel, external_id) of `messages`, so a
delivery the provider repeats, or two deliveries racing, take effect once. The
conversation's `last_inbound_at` is the newest *message timestamp* seen (the channel's
own clock, not ours): a delivery retried hours later neither opens the 24-hour window
again nor moves it back, and messages arriving out of order keep the newest.

`conversation.message_received` (core.events.CONVERSATION_MESSAGE_RECEIVED) is what the
customer flows subscribe to. Payload:

    {"message_id": int, "conversation_id": int, "customer_id": int | None,
     "address": {"channel": "whatsapp", "external_id": "77011234567"},
     "external_message_id": "wamid...", "kind": "text" | "action" | "location" |
     "photo" | "contact" | "unsupported", "text": str,
     "action": {"kind": str, "value": str} | None, "data": {...},
     "sent_at": ISO 8601, "name": str}

`data` carries the rest of the message: a location's latitude/longitude (and name,
address), a photo's media id, mime type and caption, a shared contact's phones, the id
of our message a press answered (`context`).

Delivery states (`record_statuses`): sent → delivered → read only move forward (a late
or repeated callback never moves a message back); `failed` is final and emits
`conversation.message_failed` once, with the channel's error code, so the channel's
plugin can react (fall back to a template, tell staff).

`window_open` answers whether free-form messages may go out: the customer wrote within
24 hours, by their message's own timestamp.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import events
from core.channels.whatsapp_numbers import DefaultNumber, number_by_phone_number_id
from core.customers import customer_by_address, customer_for_chat
from core.models import Conversation, Customer, Message, MessageDirection, MessageStatus, Order
from core.orders.status import OPEN
from core.phones import InvalidPhone, normalize_phone
from core.ports.chat import Action, ChannelName, ChatAddress
from core.vault import Vault

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)

# How far along an outbound message is; statuses only move up.
STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
}


@dataclass(frozen=True)
class InboundMessage:
    """A customer's message as a channel adapter read it (no channel types inside)."""

    address: ChatAddress
    external_id: str
    sent_at: datetime
    kind: str
    text: str = ""
    action: Action | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    # The person's name as the channel shows it, and their phone when the channel
    # knows it (a WhatsApp id is the phone).
    name: str = ""
    phone: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """What a channel reported about one of our messages."""

    channel: ChannelName
    external_id: str
    status: MessageStatus
    at: datetime
    error_code: int | None = None
    error_title: str = ""


@dataclass
class Receipt:
    """What a delivery changed: messages stored, repeats ignored, statuses applied."""

    stored: int = 0
    repeated: int = 0
    statuses: int = 0
    unknown_number: bool = False
    message_ids: list[int] = field(default_factory=list)


def later(first: datetime | None, second: datetime) -> datetime:
    return second if first is None or second > first else first


async def _customer_for(shop_id: int, message: InboundMessage) -> Customer | None:
    if not message.phone:
        return None
    try:
        phone = normalize_phone(message.phone)
    except InvalidPhone:
        log.info("inbound %s message from an invalid phone", message.address.channel)
        return None
    customer, _ = await customer_for_chat(
        shop_id=shop_id, address=message.address, phone=phone, name=message.name.strip()[:200]
    )
    return customer


async def latest_open_order_id(shop_id: int, customer: Customer | None) -> int | None:
    """The customer's newest order that is not closed: what their message is about."""
    if customer is None:
        return None
    order = (
        await Order.filter(shop_id=shop_id, customer_id=customer.id, status__in=list(OPEN))
        .order_by("-created_at", "-id")
        .only("id")
        .first()
    )
    return order.id if order is not None else None


async def conversation_for(
    *, shop_id: int, address: ChatAddress, customer_id: int | None = None
) -> Conversation:
    """The shop's conversation with this chat address, created when first needed."""
    conversation, _ = await Conversation.get_or_create(
        shop_id=shop_id,
        channel=address.channel.value,
        external_id=address.external_id,
        defaults={"customer_id": customer_id},
    )
    if customer_id is not None and conversation.customer_id != customer_id:
        conversation.customer_id = customer_id
        await conversation.save(update_fields=["customer_id", "updated_at"])
    return conversation


async def _store(shop_id: int, message: InboundMessage) -> Message | None:
    channel = message.address.channel.value
    if await Message.filter(channel=channel, external_id=message.external_id).exists():
        return None
    try:
        async with in_transaction():
            customer = await _customer_for(shop_id, message)
            conversation = await conversation_for(
                shop_id=shop_id,
                address=message.address,
                customer_id=customer.id if customer is not None else None,
            )
            order_id = await latest_open_order_id(shop_id, customer)
            payload: dict[str, Any] = {"kind": message.kind, **dict(message.data)}
            if message.action is not None:
                payload["action"] = {"kind": message.action.kind, "value": message.action.value}
            stored = await Message.create(
                shop_id=shop_id,
                conversation=conversation,
                customer_id=customer.id if customer is not None else None,
                order_id=order_id,
                channel=channel,
                direction=MessageDirection.INBOUND,
                text=message.text,
                payload=payload,
                external_id=message.external_id,
                status=MessageStatus.RECEIVED,
                sent_at=message.sent_at,
            )
            conversation.last_inbound_at = later(conversation.last_inbound_at, message.sent_at)
            conversation.last_message_at = later(conversation.last_message_at, message.sent_at)
            await conversation.save(
                update_fields=["last_inbound_at", "last_message_at", "updated_at"]
            )
            await events.emit(
                events.DomainEvent(
                    name=events.CONVERSATION_MESSAGE_RECEIVED,
                    shop_id=shop_id,
                    key=f"conversation:{conversation.id}",
                    payload={
                        "message_id": stored.id,
                        "conversation_id": conversation.id,
                        "customer_id": customer.id if customer is not None else None,
                        "address": message.address.as_dict(),
                        "external_message_id": message.external_id,
                        "kind": message.kind,
                        "text": message.text,
                        "action": payload.get("action"),
                        "data": dict(message.data),
                        "sent_at": message.sent_at.isoformat(),
                        "name": message.name,
                    },
                )
            )
    except IntegrityError:
        # Another delivery of the same message won the race: it takes effect, not this.
        if await Message.filter(channel=channel, external_id=message.external_id).exists():
            return None
        raise
    return stored


async def record_statuses(*, shop_id: int, statuses: Sequence[StatusUpdate]) -> int:
    """Apply delivery states to our outbound messages; returns how many changed one."""
    changed = 0
    for update in statuses:
        behind = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[update.status]]
        values: dict[str, Any] = {"status": update.status}
        if update.status is MessageStatus.FAILED:
            values["status_detail"] = (
                f"{update.error_code} {update.error_title}".strip()
                if update.error_code is not None
                else update.error_title or "failed"
            )
        async with in_transaction():
            # A compare-and-set: of two callbacks racing, one moves the message.
            moved = await Message.filter(
                shop_id=shop_id,
                channel=update.channel.value,
                external_id=update.external_id,
                direction=MessageDirection.OUTBOUND,
                status__in=behind,
            ).update(**values)
            if not moved:
                continue
            changed += 1
            if update.status is not MessageStatus.FAILED:
                continue
            message = await Message.get(
                shop_id=shop_id, channel=update.channel.value, external_id=update.external_id
            )
            await events.emit(
                events.DomainEvent(
                    name=events.CONVERSATION_MESSAGE_FAILED,
                    shop_id=shop_id,
                    key=f"conversation:{message.conversation_id}",
                    payload={
                        "message_id": message.id,
                        "conversation_id": message.conversation_id,
                        "channel": update.channel.value,
                        "external_message_id": update.external_id,
                        "error_code": update.error_code,
                        "error_title": update.error_title,
                    },
                )
            )
    return changed


async def receive(
    *, shop_id: int, messages: Sequence[InboundMessage], statuses: Sequence[StatusUpdate] = ()
) -> Receipt:
    """Store a delivery's new messages (repeats change nothing) and apply its statuses."""
    receipt = Receipt()
    for message in messages:
        stored = await _store(shop_id, message)
        if stored is None:
            receipt.repeated += 1
        else:
            receipt.stored += 1
            receipt.message_ids.append(stored.id)
    receipt.statuses = await record_statuses(shop_id=shop_id, statuses=statuses)
    return receipt


@dataclass
class NumberDelivery:
    """What one webhook delivery carries for one WhatsApp number (Meta's phone number id)."""

    phone_number_id: str
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)


async def receive_whatsapp(
    *, deliveries: Sequence[NumberDelivery], vault: Vault, default: DefaultNumber | None
) -> Receipt:
    """A webhook delivery: each number's messages and statuses go to that number's shop.

    Outcomes: the Receipt; a number we do not serve stores nothing (`unknown_number`),
    so Meta stops redelivering what nobody here can read.
    """
    total = Receipt()
    for delivery in deliveries:
        number = await number_by_phone_number_id(
            delivery.phone_number_id, vault=vault, default=default
        )
        if number is None:
            log.warning(
                "whatsapp delivery for a number we do not serve: %s", delivery.phone_number_id
            )
            total.unknown_number = True
            continue
        receipt = await receive(
            shop_id=number.shop_id, messages=delivery.messages, statuses=delivery.statuses
        )
        total.stored += receipt.stored
        total.repeated += receipt.repeated
        total.statuses += receipt.statuses
        total.message_ids.extend(receipt.message_ids)
    return total


async def window_open(*, shop_id: int, address: ChatAddress, now: datetime) -> bool:
    """Whether free-form messages may go to this chat: its person wrote within 24 hours
    (by their message's own timestamp)."""
    conversation = await Conversation.get_or_none(
        shop_id=shop_id, channel=address.channel.value, external_id=address.external_id
    )
    if conversation is None or conversation.last_inbound_at is None:
        return False
    return now - conversation.last_inbound_at < WINDOW


async def customer_of_address(*, shop_id: int, address: ChatAddress) -> Customer | None:
    """The shop's customer behind a chat address, when one is known."""
    linked = await customer_by_address(shop_id=shop_id, address=address)
    if linked is not None or address.channel is not ChannelName.WHATSAPP:
        return linked
    # A WhatsApp id is the phone without "+".
    return await Customer.filter(shop_id=shop_id, phone="+" + address.external_id).first()


async def record_outbound(
    *,
    shop_id: int,
    address: ChatAddress,
    external_id: str,
    text: str,
    sent_at: datetime,
    payload: Mapping[str, Any] | None = None,
    order_id: int | None = None,
    ai_generated: bool = False,
    message_id: int | None = None,
) -> Message:
    """Store a message we sent (the channel's id of it names it in status callbacks).

    `message_id` names a message stored when it was queued (the commerce contract's
    `messages/send` answers with it at once): that row gets the channel's id and
    `sent`, instead of a second row."""
    if message_id is not None:
        queued = await Message.get_or_none(id=message_id, shop_id=shop_id)
        if queued is not None and queued.external_id is None:
            queued.external_id = external_id
            queued.status = MessageStatus.SENT
            queued.sent_at = sent_at
            queued.payload = {**(queued.payload or {}), **dict(payload or {})}
            await queued.save(update_fields=["external_id", "status", "sent_at", "payload"])
            return queued
    async with in_transaction():
        conversation = await Conversation.get_or_none(
            shop_id=shop_id, channel=address.channel.value, external_id=address.external_id
        )
        if conversation is None or conversation.customer_id is None:
            customer = await customer_of_address(shop_id=shop_id, address=address)
            conversation = await conversation_for(
                shop_id=shop_id,
                address=address,
                customer_id=customer.id if customer is not None else None,
            )
        message = await Message.create(
            shop_id=shop_id,
            conversation=conversation,
            customer_id=conversation.customer_id,
            order_id=order_id,
            channel=address.channel.value,
            direction=MessageDirection.OUTBOUND,
            text=text,
            payload=dict(payload or {}),
            external_id=external_id,
            status=MessageStatus.QUEUED,
            is_read=True,
            ai_generated=ai_generated,
            sent_at=sent_at,
        )
        conversation.last_message_at = later(conversation.last_message_at, sent_at)
        await conversation.save(update_fields=["last_message_at", "updated_at"])
    return message

"""The commerce inbox: one shop's messages on every messenger, as threads per customer.

Sending (`send_message`), through the outbox, in one transaction with the stored
message (status `queued`; the channel's deliverer fills in its id and `sent`):

    provider whatsapp ── customer wrote < 24 h ago? ── yes ─► free-form text
        │                      │ no
        │                      ├─ a template given (content_type "template") ─► that template
        │                      └─ none ─► BadRequest naming the template to use (nothing stored)
    provider telegram ── the customer's Telegram chat known? ── no ─► BadRequest

Reading: the inbox filters (direction, provider, order, read flag, days) newest first;
a conversation is every message of the order's customer on every channel (and any
other message about that order), oldest first. Inbound messages are linked to the
customer and their latest open order when they arrive (core.channels.inbox).

Figures (`message_figures`, the stats endpoint and the reports): sent = outbound,
received = inbound, by provider, read rate = read inbound / inbound, first-response
time = for each customer turn (inbound messages after the last answer) the time from
its first message to the next outbound message of that conversation; the median of
those (in seconds), turns still unanswered are left out.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.channels.inbox import conversation_for, window_open
from core.channels.telegram_out import send_chat_message
from core.channels.whatsapp_out import tell_whatsapp
from core.commerce.public_ids import parse_uuid
from core.customers import chat_addresses, find_or_register_customer
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import Customer, Message, MessageDirection, MessageStatus, Order, Shop
from core.ports.chat import ChannelName, ChatAddress, OutgoingMessage
from core.shoptime import shop_zone

PROVIDERS = ("whatsapp", "telegram")
TEMPLATES_SETTING = "whatsapp_templates"
FREE_FORM_KIND = "message"
MAX_CONTENT = 4096


class WindowClosed(BadRequest):
    """WhatsApp's 24-hour window is closed: only a template may go out."""

    code = "whatsapp_window_closed"


class NotOnTelegram(BadRequest):
    """The customer never started the bot: Telegram lets it write to them not at all."""

    code = "telegram_chat_unknown"


@dataclass(frozen=True)
class Recipient:
    phone: str
    name: str = ""


def _template_hint(shop: Shop) -> str:
    configured = (shop.settings or {}).get(TEMPLATES_SETTING) or {}
    for key in (FREE_FORM_KIND, "order_update"):
        entry = configured.get(key)
        if isinstance(entry, dict) and entry.get("name"):
            return f"send it as the template '{entry['name']}' (content_type \"template\")"
    return (
        'send an approved WhatsApp template (content_type "template", content = its '
        "name); none is configured for this project yet"
    )


async def send_message(
    *,
    shop: Shop,
    recipient: Recipient,
    content: str,
    provider: str,
    content_type: str = "text",
    order_id: uuid.UUID | str | None = None,
    template_language: str | None = None,
    user_id: int | None,
    now: datetime,
    ai_generated: bool = False,
) -> Message:
    """Queue a message to a customer by phone (see the module docstring); an
    assistant's answer is marked `ai_generated`."""
    if provider not in PROVIDERS:
        raise ValidationFailed.field("provider", msg="provider must be whatsapp or telegram")
    if content_type not in ("text", "template"):
        raise ValidationFailed.field("content_type", msg="content_type must be text or template")
    if content_type == "template" and provider != "whatsapp":
        raise ValidationFailed.field("content_type", msg="templates are WhatsApp's")
    content = content.strip()
    if not content or len(content) > MAX_CONTENT:
        raise ValidationFailed.field(
            "content", msg=f"content must be 1 to {MAX_CONTENT} characters"
        )
    order: Order | None = None
    if order_id is not None:
        public_id = parse_uuid(order_id)
        order = await Order.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
        if order is None:
            raise ValidationFailed.field("order_id", msg="No such order in this project")
    async with in_transaction():
        customer, _ = await find_or_register_customer(
            shop_id=shop.id,
            phone=recipient.phone,
            name=recipient.name.strip()[:200],
            loc=("recipient", "phone"),
        )
        template: str | None = None
        chats = await chat_addresses(customer_id=customer.id)
        if provider == "whatsapp":
            address = next(
                (a for a in chats if a.channel is ChannelName.WHATSAPP),
                ChatAddress(ChannelName.WHATSAPP, customer.phone.lstrip("+")),
            )
            if content_type == "template":
                template = content
            elif not await window_open(shop_id=shop.id, address=address, now=now):
                raise WindowClosed(
                    "The customer has not written on WhatsApp in the last 24 hours, so "
                    "WhatsApp refuses free-form text: " + _template_hint(shop)
                )
        else:
            telegram = next((a for a in chats if a.channel is ChannelName.TELEGRAM), None)
            if telegram is None:
                raise NotOnTelegram(
                    "This customer has not written to the project's Telegram bot yet: "
                    "Telegram lets a bot write only to people who started it"
                )
            address = telegram
        conversation = await conversation_for(
            shop_id=shop.id, address=address, customer_id=customer.id
        )
        payload: dict[str, Any] = {"content_type": content_type}
        if template:
            payload["template"] = template
        message = await Message.create(
            shop_id=shop.id,
            conversation=conversation,
            customer_id=customer.id,
            order_id=order.id if order else None,
            channel=provider,
            direction=MessageDirection.OUTBOUND,
            text=content,
            payload=payload,
            status=MessageStatus.QUEUED,
            is_read=True,
            ai_generated=ai_generated,
            sent_by_id=user_id,
            sent_at=now,
        )
        conversation.last_message_at = now
        await conversation.save(update_fields=["last_message_at", "updated_at"])
        language = customer.language or shop.locale or "ru"
        if provider == "whatsapp":
            await tell_whatsapp(
                address=address,
                message=OutgoingMessage(
                    text=content, language=language, order_id=order.id if order else None
                ),
                shop_id=shop.id,
                template_only=template is not None,
                extra={
                    "message_id": message.id,
                    **(
                        {"template": {"name": template, "language": template_language or language}}
                        if template
                        else {}
                    ),
                },
                now=now,
            )
        else:
            await send_chat_message(
                chat_id=int(address.external_id),
                text=content,
                language=language,
                shop_id=shop.id,
                order_id=order.id if order else None,
                message_id=message.id,
                now=now,
            )
    return message


def _since(now: datetime, days: int) -> datetime:
    if not 1 <= days <= 3660:
        raise ValidationFailed.field("days", msg="days must be between 1 and 3660")
    return now - timedelta(days=days)


async def inbox(
    *,
    shop: Shop,
    now: datetime,
    days: int = 30,
    direction: str | None = None,
    provider: str | None = None,
    order_id: uuid.UUID | str | None = None,
    is_read: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> list[Message]:
    """The project's messages of the last `days`, newest first, one page."""
    query = Message.filter(shop_id=shop.id, sent_at__gte=_since(now, days))
    if direction is not None:
        query = query.filter(direction=direction)
    if provider is not None:
        query = query.filter(channel=provider)
    if is_read is not None:
        query = query.filter(is_read=is_read)
    if order_id is not None:
        public_id = parse_uuid(order_id)
        order = await Order.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
        if order is None:
            return []
        query = query.filter(order_id=order.id)
    return list(
        await query.order_by("-sent_at", "-id").offset((page - 1) * page_size).limit(page_size)
    )


async def conversation(*, shop: Shop, order_id: uuid.UUID | str) -> list[Message]:
    """Every message with the order's customer (all channels) and about the order,
    oldest first; NotFound for an order of another project."""
    public_id = parse_uuid(order_id)
    order = await Order.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
    if order is None:
        raise NotFound("Order")
    condition = Q(order_id=order.id)
    if order.customer_id is not None:  # type: ignore[attr-defined]
        condition |= Q(customer_id=order.customer_id)  # type: ignore[attr-defined]
    return list(await Message.filter(condition, shop_id=shop.id).order_by("sent_at", "id"))


async def message_of(*, shop: Shop, message_id: uuid.UUID | str) -> Message:
    public_id = parse_uuid(message_id)
    message = await Message.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
    if message is None:
        raise NotFound("Message")
    return message


async def mark_read(*, shop: Shop, message_id: uuid.UUID | str) -> Message:
    """The message marked read (again: no change)."""
    message = await message_of(shop=shop, message_id=message_id)
    if not message.is_read:
        message.is_read = True
        await message.save(update_fields=["is_read", "updated_at"])
    return message


async def senders(messages: list[Message]) -> dict[int, Customer]:
    ids = {m.customer_id for m in messages if m.customer_id}  # type: ignore[attr-defined]
    return {c.id: c for c in await Customer.filter(id__in=list(ids))}


async def order_public_ids(messages: list[Message]) -> dict[int, uuid.UUID]:
    from core.commerce.public_ids import ensure_public_id

    ids = {m.order_id for m in messages if m.order_id}  # type: ignore[attr-defined]
    result: dict[int, uuid.UUID] = {}
    for order in await Order.filter(id__in=list(ids)).only("id", "public_id"):
        await ensure_public_id(order)
        result[order.id] = order.public_id  # type: ignore[assignment]
    return result


@dataclass
class MessageFigures:
    start: datetime
    end: datetime
    sent: int = 0
    received: int = 0
    read: int = 0
    by_provider: dict[str, dict[str, int]] = field(default_factory=dict)
    by_day: dict[date, int] = field(default_factory=dict)
    response_seconds: list[float] = field(default_factory=list)
    ai_generated: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.received

    @property
    def read_rate(self) -> float:
        return round(self.read / self.received, 4) if self.received else 0.0

    @property
    def median_first_response_seconds(self) -> float | None:
        if not self.response_seconds:
            return None
        return round(statistics.median(self.response_seconds), 1)


async def message_figures(*, shop: Shop, start: datetime, end: datetime) -> MessageFigures:
    zone = shop_zone(shop)
    figures = MessageFigures(start=start, end=end)
    day = start.astimezone(zone).date()
    while day <= (end - timedelta(microseconds=1)).astimezone(zone).date():
        figures.by_day[day] = 0
        day += timedelta(days=1)
    rows = (
        await Message.filter(shop_id=shop.id, sent_at__gte=start, sent_at__lt=end)
        .order_by("sent_at", "id")
        .values("conversation_id", "direction", "channel", "is_read", "sent_at", "ai_generated")
    )
    by_provider: dict[str, dict[str, int]] = defaultdict(lambda: {"sent": 0, "received": 0})
    waiting: dict[int, datetime] = {}
    for row in rows:
        inbound = row["direction"] == MessageDirection.INBOUND.value
        counts = by_provider[row["channel"]]
        local_day = row["sent_at"].astimezone(zone).date()
        figures.by_day[local_day] = figures.by_day.get(local_day, 0) + 1
        if row["ai_generated"]:
            figures.ai_generated += 1
        if inbound:
            figures.received += 1
            counts["received"] += 1
            figures.read += 1 if row["is_read"] else 0
            waiting.setdefault(row["conversation_id"], row["sent_at"])
        else:
            figures.sent += 1
            counts["sent"] += 1
            asked = waiting.pop(row["conversation_id"], None)
            if asked is not None:
                figures.response_seconds.append((row["sent_at"] - asked).total_seconds())
    figures.by_provider = dict(sorted(by_provider.items()))
    return figures

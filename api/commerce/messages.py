"""Commerce messages: send, inbox, conversation by order, read flags, stats/summary."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.commerce import contract
from api.commerce.common import Paging, now_of, project, shop_from_path, utc
from core.auth.tokens import Account
from core.commerce import threads
from core.models import Customer, Message, MessageDirection, Shop, User


class RecipientIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, examples=["+77011234567"])
    name: str = Field("", max_length=200, examples=["John Doe"])


class SendIn(BaseModel):
    recipient: RecipientIn
    content: str = Field(min_length=1, max_length=threads.MAX_CONTENT)
    provider: Literal["whatsapp", "telegram"]
    content_type: Literal["text", "template"] = "text"
    order_id: uuid.UUID | None = None
    template_language: str | None = Field(None, max_length=16)


class PersonOut(BaseModel):
    phone: str | None
    name: str


class MessageOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    order_id: uuid.UUID | None
    direction: str
    provider: str
    content: str
    content_type: str
    sender: PersonOut
    recipient: PersonOut
    status: str
    is_read: bool
    ai_generated: bool
    created_at: str


class InboxQuery(Paging):
    direction: Literal["inbound", "outbound"] | None = None
    provider: Literal["whatsapp", "telegram"] | None = None
    order_id: uuid.UUID | None = None
    is_read: bool | None = None
    days: int = Field(30, ge=1, le=3660)


class DaysQuery(BaseModel):
    days: int = Field(30, ge=1, le=3660)


class ProviderCounts(BaseModel):
    sent: int
    received: int


class MessageStatsOut(BaseModel):
    period_days: int
    total_messages: int
    sent: int
    received: int
    unread: int
    by_provider: dict[str, ProviderCounts]
    read_rate: float
    median_first_response_seconds: float | None
    ai_generated: int


async def messages_out(shop: Shop, messages: list[Message]) -> list[MessageOut]:
    customers = await threads.senders(messages)
    orders = await threads.order_public_ids(messages)
    staff_ids = {m.sent_by_id for m in messages if m.sent_by_id}  # type: ignore[attr-defined]
    staff = {u.id: u for u in await User.filter(id__in=list(staff_ids))}
    result = []
    for m in messages:
        customer: Customer | None = customers.get(m.customer_id)  # type: ignore[attr-defined]
        person = PersonOut(
            phone=customer.phone if customer else None, name=customer.name if customer else ""
        )
        if m.direction == MessageDirection.INBOUND:
            sender, recipient = person, PersonOut(phone=shop.phone, name=shop.name)
        else:
            user = staff.get(m.sent_by_id)  # type: ignore[attr-defined]
            sender = PersonOut(phone=None, name=(user.name if user else "") or shop.name)
            recipient = person
        result.append(
            MessageOut(
                id=m.public_id,
                project_id=shop.public_id,  # type: ignore[arg-type]
                order_id=orders.get(m.order_id),  # type: ignore[attr-defined, arg-type]
                direction=str(m.direction),
                provider=m.channel,
                content=m.text,
                content_type=str((m.payload or {}).get("content_type") or "text"),
                sender=sender,
                recipient=recipient,
                status=str(m.status),
                is_read=m.is_read,
                ai_generated=m.ai_generated,
                created_at=utc(m.sent_at) or "",
            )
        )
    return result


@contract.post(
    "/messages/{project_id}/send",
    response=MessageOut,
    status=201,
    tags=("messages",),
    idempotent=True,
    shop_from=shop_from_path,
    responses={
        400: "WhatsApp's 24-hour window is closed (use a template), or the customer "
        "never started the Telegram bot"
    },
)
async def send(
    request: web.Request, *, account: Account, project_id: uuid.UUID, body: SendIn
) -> MessageOut:
    """Send a message to a customer on WhatsApp or Telegram (through the outbox)."""
    shop = await project(account, project_id)
    message = await threads.send_message(
        shop=shop,
        recipient=threads.Recipient(phone=body.recipient.phone, name=body.recipient.name),
        content=body.content,
        provider=body.provider,
        content_type=body.content_type,
        order_id=body.order_id,
        template_language=body.template_language,
        user_id=account.user_id,
        now=now_of(request),
    )
    return (await messages_out(shop, [message]))[0]


@contract.get("/messages/{project_id}/inbox", response=list[MessageOut], tags=("messages",))
async def inbox(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: InboxQuery
) -> list[MessageOut]:
    """Messages in and out, newest first."""
    shop = await project(account, project_id)
    found = await threads.inbox(
        shop=shop,
        now=now_of(request),
        days=query.days,
        direction=query.direction,
        provider=query.provider,
        order_id=query.order_id,
        is_read=query.is_read,
        page=query.page,
        page_size=query.page_size,
    )
    return await messages_out(shop, found)


@contract.get(
    "/messages/{project_id}/conversation/{order_id}",
    response=list[MessageOut],
    tags=("messages",),
)
async def conversation(
    request: web.Request, *, account: Account, project_id: uuid.UUID, order_id: uuid.UUID
) -> list[MessageOut]:
    """The thread with the order's customer, on every channel, oldest first."""
    shop = await project(account, project_id)
    return await messages_out(shop, await threads.conversation(shop=shop, order_id=order_id))


@contract.patch("/messages/{project_id}/{message_id}/read", response=MessageOut, tags=("messages",))
async def mark_read(
    request: web.Request, *, account: Account, project_id: uuid.UUID, message_id: uuid.UUID
) -> MessageOut:
    """Mark a message read."""
    shop = await project(account, project_id)
    message = await threads.mark_read(shop=shop, message_id=message_id)
    return (await messages_out(shop, [message]))[0]


async def stats_of(shop: Shop, *, days: int, request: web.Request) -> MessageStatsOut:
    now = now_of(request)
    # Up to and including this moment.
    until = now + timedelta(microseconds=1)
    figures = await threads.message_figures(shop=shop, start=now - timedelta(days=days), end=until)
    return MessageStatsOut(
        period_days=days,
        total_messages=figures.total,
        sent=figures.sent,
        received=figures.received,
        unread=figures.received - figures.read,
        by_provider={k: ProviderCounts(**v) for k, v in figures.by_provider.items()},
        read_rate=figures.read_rate,
        median_first_response_seconds=figures.median_first_response_seconds,
        ai_generated=figures.ai_generated,
    )


@contract.get("/messages/{project_id}/stats/summary", response=MessageStatsOut, tags=("messages",))
async def message_stats(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: DaysQuery
) -> MessageStatsOut:
    """Sent, received, by provider, read rate, median first-response time."""
    shop = await project(account, project_id)
    return await stats_of(shop, days=query.days, request=request)

"""Builders for the scheduler's tests: shops in both timezones, customers with chats."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from bot.notify import telegram_view
from core.customers import chat_addresses
from core.models import Customer, OutboxEvent, Shop
from core.runtime import Runtime
from scheduler.runner import JobRunner
from tests.factories import make_customer, make_shop, next_phone

_chats = itertools.count(700001)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def shop_in(timezone: str, *, staff_chat_id: int | None = None, **extra: Any) -> Shop:
    shop = await make_shop(f"Shop {timezone}", timezone=timezone)
    if staff_chat_id is not None or extra:
        if staff_chat_id is not None:
            shop.staff_chat_id = staff_chat_id
        for name, value in extra.items():
            setattr(shop, name, value)
        await shop.save()
    return shop


async def customer_of(
    shop: Shop, *, name: str = "Мария", language: str = "ru", linked: bool = True
) -> Customer:
    return await make_customer(
        shop=shop,
        phone=next_phone(),
        name=name,
        language=language,
        telegram=next(_chats) if linked else None,
    )


async def chat_id_of(customer: Customer) -> int:
    """The customer's one Telegram chat."""
    [address] = await chat_addresses(customer_id=customer.id)
    return int(address.external_id)


def shown(row: OutboxEvent) -> dict[str, Any]:
    """A telegram row as the bot sends it (chat_id, text, params, buttons...)."""
    return telegram_view(row.payload)


async def chat_rows(event_type: str | None = None, **filters: Any) -> list[OutboxEvent]:
    query = OutboxEvent.filter(topic="telegram", **filters)
    if event_type is not None:
        query = query.filter(event_type=event_type)
    return await query.order_by("id")


def runner_for(runtime: Runtime, **options: Any) -> JobRunner:
    return JobRunner(runtime, **options)

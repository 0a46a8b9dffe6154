"""Do a thing once: a Notification row, unique per (shop, kind, ref, period), is
written in the same transaction as the outbox rows of the thing itself. A second run,
or a second scheduler racing the first, hits the unique constraint and sends nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.models import Notification


async def already_done(*, shop_id: int, kind: str, ref: str, period: str = "") -> bool:
    return await Notification.filter(shop_id=shop_id, kind=kind, ref=ref, period=period).exists()


async def do_once(
    *,
    shop_id: int,
    kind: str,
    ref: str,
    period: str = "",
    now: datetime,
    action: Callable[[], Awaitable[Any]],
    payload: dict[str, Any] | None = None,
) -> bool:
    """Record (shop, kind, ref, period) and run `action` in one transaction.

    Outcomes: True (done now), False (done before, by this or another instance).
    """
    if await already_done(shop_id=shop_id, kind=kind, ref=ref, period=period):
        return False
    try:
        async with in_transaction():
            await Notification.create(
                shop_id=shop_id,
                kind=kind,
                ref=ref,
                period=period,
                payload={"at": now.isoformat(), **(payload or {})},
            )
            await action()
    except IntegrityError:
        return False
    return True

"""Incoming updates take effect once: the inbox of `TelegramUpdate` rows.

Every update is stored (by `update_id`) before it is handled: the webhook route stores
it before answering 200, and `UpdateOnceMiddleware` stores it on the way in when it came
from polling or a re-feed. The middleware then

- drops the update when its row is already processed (Telegram delivered it twice),
- claims it in the key-value store (`SET NX` with a lease), so two workers handed the
  same update concurrently run it once,
- runs the handlers and marks the row processed, with the error if one escaped;
  except when the error is a down dependency (core.dependencies): then the row stays
  unprocessed, and the sweep feeds it again once Redis or the database is back
  (it runs before aiogram's FSM, which reads the store, so this holds from the start).

A crash between storing and marking leaves the row unprocessed; `process_stored`
(called at start and periodically by the runner) feeds such rows again once their
lease has run out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.methods.base import TelegramMethod
from aiogram.types import Update
from tortoise.exceptions import IntegrityError

from core.clock import Clock, SystemClock
from core.dependencies import log_failure, unavailable_from
from core.models import TelegramUpdate

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.types import TelegramObject

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
_CLAIM_PREFIX = "tg:update:"


def update_payload(update: Update) -> dict[str, Any]:
    return update.model_dump(mode="json", exclude_none=True, exclude_unset=True)


async def store_update(payload: dict[str, Any]) -> TelegramUpdate:
    """The stored row of this update, created when first seen."""
    update_id = int(payload["update_id"])
    row = await TelegramUpdate.get_or_none(update_id=update_id)
    if row is not None:
        return row
    try:
        return await TelegramUpdate.create(update_id=update_id, payload=payload)
    except IntegrityError:
        return await TelegramUpdate.get(update_id=update_id)


async def claim(kv: Any, update_id: int) -> bool:
    return bool(await kv.set(f"{_CLAIM_PREFIX}{update_id}", "1", nx=True, ex=CLAIM_SECONDS))


async def release(kv: Any, update_id: int) -> None:
    await kv.delete(f"{_CLAIM_PREFIX}{update_id}")


class UpdateOnceMiddleware(BaseMiddleware):
    """Outer middleware on `dp.update`: store, skip duplicates, claim, mark processed."""

    def __init__(self, kv: Any, clock: Clock) -> None:
        self.kv = kv
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        row = await store_update(update_payload(event))
        if row.processed_at is not None:
            log.info("update %s already processed; ignored", event.update_id)
            return None
        if not await claim(self.kv, event.update_id):
            log.info("update %s is being processed elsewhere; ignored", event.update_id)
            return None
        try:
            result = await handler(event, data)
        except Exception as error:
            if unavailable_from(error) is None:
                await TelegramUpdate.filter(id=row.id).update(
                    processed_at=self.clock.now(), error=f"{type(error).__name__}: {error}"[:2000]
                )
            raise
        else:
            await TelegramUpdate.filter(id=row.id).update(processed_at=self.clock.now())
        finally:
            try:
                await release(self.kv, event.update_id)
            except Exception as error:  # the lease runs out by itself
                log_failure(log, error, "update %s: claim not released", event.update_id)
        return result


async def feed_payload(bot: Bot, dp: Dispatcher, payload: dict[str, Any]) -> None:
    """Handle one stored update; a failure is logged (the row keeps the error)."""
    update = Update.model_validate(payload, context={"bot": bot})
    try:
        result = await dp.feed_update(bot, update)
        if isinstance(result, TelegramMethod):
            await bot(result)
    except Exception as error:
        log_failure(log, error, "update %s failed", update.update_id)


async def process_stored(bot: Bot, dp: Dispatcher, *, min_age_seconds: float = 0) -> int:
    """Feed stored updates that were never processed (oldest first); returns how many.

    Row times are the database's wall clock, so the age is measured on the system clock.
    """
    cutoff = SystemClock().now() - timedelta(seconds=min_age_seconds)
    rows = await TelegramUpdate.filter(processed_at__isnull=True, created_at__lte=cutoff).order_by(
        "update_id"
    )
    for row in rows:
        await feed_payload(bot, dp, row.payload)
    return len(rows)

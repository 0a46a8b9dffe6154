"""Housekeeping: what piles up in the key-value store and the outbox.

- One-time codes and their locks (`otp:*`, core.auth.otp; counters of older versions) carry the
  moment they end in their value; the store's TTLs only clean up eventually, so
  records whose moment has passed are deleted here (only if unchanged meanwhile).
- Conversation states: the bot keeps aiogram's FSM in the store under `sauda:fsm:`
  (bot/app.py) and writes them with a 30-day TTL, so abandoned ones expire by
  themselves. A key found without a TTL (written by an older version, or by hand) gets
  one of FSM_MAX_AGE, so no conversation state outlives 30 days untouched.
- Outbox rows delivered more than 30 days ago are deleted, and so are stored Telegram
  updates handled more than 7 days ago (long past any redelivery Telegram makes), and
  idempotency keys older than 24 h (core.idempotency).
- Dead outbox rows (past their last retry) are reported to the shop's staff chat
  once (`reported_at`); rows of no shop are logged. A report that itself dies is not
  reported again, so a broken staff chat cannot feed a loop.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from core.channels.telegram_out import send_chat_message
from core.leader import delete_if_equals
from core.models import OutboxEvent, OutboxStatus, Shop, TelegramUpdate

log = logging.getLogger(__name__)

OUTBOX_KEEP = timedelta(days=30)
UPDATES_KEEP = timedelta(days=7)
FSM_PREFIX = "sauda:fsm"  # bot/app.py FSM_PREFIX (core does not import the bot)
FSM_MAX_AGE = timedelta(days=30)
DEAD_REPORT_TYPE = "dead_outbox_report"
DEAD_REPORT_LINES = 20


def _(message: str) -> str:
    return message


# The catalogues word the count plural-free ("... ({count}):") in ru, kk and uz.
DEAD_OUTBOX_REPORT = _(
    "❗ {count} outgoing messages could not be delivered after all retries:\n{lines}"
)


def _expired_otp(key: str, value: str | None, now: int) -> bool:
    if value is None:
        return False
    parts = key.split(":")
    try:
        if key.startswith("otp:code:"):
            return int(json.loads(value)["expires"]) <= now
        if key.startswith("otp:lock:"):
            return int(value) <= now
        if key.startswith("otp:rate:"):
            return (int(parts[-1]) + 1) * 60 <= now
    except (ValueError, KeyError, TypeError):
        return False
    return False


async def clear_expired_codes(kv: Any, *, now: datetime) -> int:
    """Delete one-time codes, locks and counters whose time has passed; returns how many."""
    moment = int(now.timestamp())
    cleared = 0
    async for raw_key in kv.scan_iter(match="otp:*", count=500):
        key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
        value = await kv.get(key)
        if isinstance(value, bytes):
            value = value.decode()
        if _expired_otp(key, value, moment) and await delete_if_equals(kv, key, value):
            cleared += 1
    return cleared


async def expire_stale_conversations(
    kv: Any, *, prefix: str = FSM_PREFIX, max_age: timedelta = FSM_MAX_AGE
) -> int:
    """Give conversation-state keys without a TTL one of `max_age`; returns how many."""
    seconds = int(max_age.total_seconds())
    marked = 0
    async for key in kv.scan_iter(match=f"{prefix}:*", count=500):
        if await kv.ttl(key) == -1 and await kv.expire(key, seconds):
            marked += 1
    return marked


async def prune_delivered_outbox(*, now: datetime, keep: timedelta = OUTBOX_KEEP) -> int:
    """Delete outbox rows delivered before `now - keep`; returns how many."""
    return await OutboxEvent.filter(
        status=OutboxStatus.DELIVERED, delivered_at__lt=now - keep
    ).delete()


async def prune_handled_updates(*, now: datetime, keep: timedelta = UPDATES_KEEP) -> int:
    """Delete Telegram updates handled before `now - keep`; unhandled ones stay."""
    return await TelegramUpdate.filter(processed_at__lt=now - keep).delete()


def _is_postgres() -> bool:
    connection = Tortoise.get_connection("default")
    return "postgres" in type(connection).__module__ or "asyncpg" in type(connection).__module__


def _line(row: OutboxEvent) -> str:
    error = (row.last_error or "").splitlines()[0][:120] if row.last_error else "—"
    return f"• {row.topic}/{row.event_type} → {row.destination or '—'}: {error}"


async def report_dead_outbox(*, shop_id: int | None, now: datetime) -> int:
    """Report the shop's unreported dead rows to its staff chat once; returns how many.

    Rows of no shop (`shop_id=None`), or of a shop without a staff chat, are logged
    and marked reported.
    """
    async with in_transaction():
        query = OutboxEvent.filter(
            status=OutboxStatus.DEAD, reported_at__isnull=True, shop_id=shop_id
        ).order_by("id")
        if _is_postgres():
            query = query.select_for_update(skip_locked=True)
        rows = await query
        if not rows:
            return 0
        reportable = [row for row in rows if row.event_type != DEAD_REPORT_TYPE]
        shop = await Shop.get_or_none(id=shop_id) if shop_id is not None else None
        if reportable and shop is not None and shop.staff_chat_id is not None:
            lines = [_line(row) for row in reportable[:DEAD_REPORT_LINES]]
            if len(reportable) > DEAD_REPORT_LINES:
                lines.append(f"… +{len(reportable) - DEAD_REPORT_LINES}")
            await send_chat_message(
                chat_id=shop.staff_chat_id,
                text=DEAD_OUTBOX_REPORT,
                params={"count": len(reportable), "lines": "\n".join(lines)},
                language=shop.locale,
                shop_id=shop.id,
                event_type=DEAD_REPORT_TYPE,
                now=now,
            )
        elif reportable:
            for row in reportable:
                log.warning("dead outbox row %s (shop %s): %s", row.event_id, shop_id, _line(row))
        await OutboxEvent.filter(id__in=[row.id for row in rows]).update(reported_at=now)
    return len(reportable)


async def shops_with_dead_outbox() -> list[int | None]:
    """Shop ids (None for rows of no shop) that have unreported dead rows."""
    ids: list[int | None] = await (  # type: ignore[assignment]
        OutboxEvent.filter(status=OutboxStatus.DEAD, reported_at__isnull=True)
        .distinct()
        .values_list("shop_id", flat=True)
    )
    return sorted(set(ids), key=lambda value: (value is not None, value or 0))

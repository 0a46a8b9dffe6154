"""The transactional outbox: rows written with the change, delivered by a worker.

A row is claimed for a short lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
several workers compete safely), delivered outside any transaction, then marked
delivered, or rescheduled with exponential back-off. Rows that share a `key` go out
in the order they were written: a row waits while an earlier one with its key is
still pending. A crash mid-delivery only delays a row until its lease runs out;
receivers de-duplicate on the row's `event_id`, which never changes across retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from core.clock import Clock, SystemClock
from core.models import OutboxEvent, OutboxStatus

log = logging.getLogger(__name__)

Deliverer = Callable[[OutboxEvent], Awaitable[None]]


class PermanentFailure(Exception):
    """Delivery can never succeed (the destination is gone); do not retry."""


async def enqueue(
    *,
    topic: str,
    event_type: str,
    payload: dict[str, Any],
    shop_id: int | None = None,
    key: str = "",
    destination: str = "",
    now: datetime | None = None,
) -> OutboxEvent:
    """Write one outbound message; call it inside the transaction of the change."""
    return await OutboxEvent.create(
        topic=topic,
        event_type=event_type,
        payload=payload,
        shop_id=shop_id,
        key=key,
        destination=destination,
        next_attempt_at=now or SystemClock().now(),
    )


def backoff(attempts: int, *, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """Delay before attempt number `attempts + 1`: 5 s, 10 s, 20 s ... at most 15 min."""
    return timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


class OutboxWorker:
    """Delivers due outbox rows through the deliverer registered for each topic."""

    def __init__(
        self,
        deliverers: dict[str, Deliverer],
        *,
        clock: Clock | None = None,
        batch_size: int = 50,
        max_attempts: int = 25,
        lease: timedelta = timedelta(seconds=120),
    ) -> None:
        self.deliverers = deliverers
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.lease = lease

    def _is_postgres(self) -> bool:
        connection = Tortoise.get_connection("default")
        return "postgres" in type(connection).__module__ or "asyncpg" in type(connection).__module__

    async def _claim(self) -> list[OutboxEvent]:
        now = self.clock.now()
        topics = list(self.deliverers)
        async with in_transaction():
            query = (
                OutboxEvent.filter(
                    status=OutboxStatus.PENDING, next_attempt_at__lte=now, topic__in=topics
                )
                .order_by("id")
                .limit(self.batch_size)
            )
            if self._is_postgres():
                query = query.select_for_update(skip_locked=True)
            rows = await query
            claimed: list[OutboxEvent] = []
            seen_keys: set[str] = set()
            for row in rows:
                if row.key:
                    if row.key in seen_keys:
                        continue
                    seen_keys.add(row.key)
                    earlier = await OutboxEvent.filter(
                        key=row.key, status=OutboxStatus.PENDING, id__lt=row.id
                    ).exists()
                    if earlier:
                        continue
                claimed.append(row)
            if claimed:
                await OutboxEvent.filter(id__in=[r.id for r in claimed]).update(
                    next_attempt_at=now + self.lease
                )
        return claimed

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were delivered."""
        delivered = 0
        for row in await self._claim():
            if await self._deliver(row):
                delivered += 1
        return delivered

    async def drain(self, *, max_rounds: int = 20) -> int:
        """Run until nothing is due (tests, shutdown); returns rows delivered."""
        total = 0
        for _ in range(max_rounds):
            count = await self.run_once()
            total += count
            if count == 0:
                break
        return total

    async def _deliver(self, row: OutboxEvent) -> bool:
        deliverer = self.deliverers[row.topic]
        now = self.clock.now()
        try:
            await deliverer(row)
        except PermanentFailure as error:
            await OutboxEvent.filter(id=row.id).update(
                status=OutboxStatus.DEAD, attempts=row.attempts + 1, last_error=str(error)[:2000]
            )
            log.warning("outbox %s %s dead: %s", row.topic, row.event_id, error)
            return False
        except Exception as error:
            attempts = row.attempts + 1
            status = OutboxStatus.DEAD if attempts >= self.max_attempts else OutboxStatus.PENDING
            await OutboxEvent.filter(id=row.id).update(
                status=status,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
            log.info("outbox %s %s attempt %s failed: %s", row.topic, row.event_id, attempts, error)
            return False
        await OutboxEvent.filter(id=row.id).update(
            status=OutboxStatus.DELIVERED,
            attempts=row.attempts + 1,
            delivered_at=now,
            last_error=None,
        )
        return True

    async def run_forever(self, stop: asyncio.Event, *, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox worker round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

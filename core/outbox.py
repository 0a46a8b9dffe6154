"""The transactional outbox: rows written with the change, delivered by a worker.

Claiming. A worker claims due rows for a short lease in one statement (on PostgreSQL
with `FOR UPDATE SKIP LOCKED`, so several workers compete safely) and then leases them
in a second. Rows that share a `key` go out in the order they were written: only the
*head* of a key (its oldest pending row) is ever claimable, which the claim query asks
of the database in a subquery (no query per row). A crash mid-delivery only delays a
row until its lease runs out.

Delivering. Rows are grouped into *lanes* by destination (`topic`, `destination`: a
webhook endpoint, a chat). Lanes are delivered concurrently, at most `concurrency` at a
time; a lane takes at most `per_lane` rows per claim, one after another, and each
delivery is cut at `delivery_timeout`. `run_forever` keeps claiming while lanes are in
flight, and never for a lane it is already delivering: a receiver that hangs holds one
slot of the pool and its own rows, nobody else's.

Circuit breaker. `threshold` failures in a row open a lane's circuit for a cool-off
(30 s, doubling up to 10 min); while open, the worker claims none of its rows and puts
back the rows it had claimed, without counting an attempt. After the cool-off one row
is tried: a success closes the circuit, a failure opens it again for longer. Each row
still has its own back-off (`backoff`) and `max_attempts`. The breaker is per worker
process: several workers each learn it for themselves.

At least once. Delivery happens outside any transaction, then the row is marked
delivered, or rescheduled with exponential back-off. A delivery that timed out, or
whose answer was lost, is sent again: receivers de-duplicate on the row's `event_id`
(webhooks: `X-Webhook-Id`), which never changes across retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q, Subquery
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from core.clock import Clock, SystemClock
from core.dependencies import log_failure
from core.models import OutboxEvent, OutboxStatus

log = logging.getLogger(__name__)

Deliverer = Callable[[OutboxEvent], Awaitable[None]]
Lane = tuple[str, str]  # (topic, destination)
STOP_GRACE_SECONDS = 5.0


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


@dataclass
class _Circuit:
    failures: int = 0
    opened: int = 0
    open_until: datetime | None = None


class CircuitBreaker:
    """Per lane: `threshold` failures in a row open it for a cool-off that doubles each
    time it opens again (up to `max_cool_off`); a success closes it."""

    def __init__(
        self,
        *,
        threshold: int = 3,
        cool_off: timedelta = timedelta(seconds=30),
        max_cool_off: timedelta = timedelta(minutes=10),
    ) -> None:
        self.threshold = threshold
        self.cool_off = cool_off
        self.max_cool_off = max_cool_off
        self._circuits: dict[Lane, _Circuit] = {}

    def open_until(self, lane: Lane, now: datetime) -> datetime | None:
        """When the lane's circuit closes again; None when it is closed (or half-open)."""
        circuit = self._circuits.get(lane)
        if circuit is None or circuit.open_until is None or circuit.open_until <= now:
            return None
        return circuit.open_until

    def open_lanes(self, now: datetime) -> set[Lane]:
        return {lane for lane in self._circuits if self.open_until(lane, now) is not None}

    def succeeded(self, lane: Lane) -> None:
        self._circuits.pop(lane, None)

    def failed(self, lane: Lane, now: datetime) -> None:
        circuit = self._circuits.setdefault(lane, _Circuit())
        circuit.failures += 1
        if circuit.failures >= self.threshold:
            pause = min(self.max_cool_off, self.cool_off * (2**circuit.opened))
            circuit.opened += 1
            circuit.open_until = now + pause
            log.warning("outbox lane %s/%s: circuit open until %s", *lane, circuit.open_until)


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
        concurrency: int = 16,
        per_lane: int = 5,
        delivery_timeout: float = 20.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        if per_lane * delivery_timeout >= lease.total_seconds():
            raise ValueError("a lane's rows must be delivered within their lease")
        self.deliverers = deliverers
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.lease = lease
        self.concurrency = concurrency
        self.per_lane = per_lane
        self.delivery_timeout = delivery_timeout
        self.breaker = breaker or CircuitBreaker()

    def _is_postgres(self) -> bool:
        connection = Tortoise.get_connection("default")
        return "postgres" in type(connection).__module__ or "asyncpg" in type(connection).__module__

    async def _claim(self, *, busy: set[Lane], max_lanes: int) -> dict[Lane, list[OutboxEvent]]:
        """Lease due rows, grouped by lane: heads of their key only, none of `busy` lanes
        or of lanes whose circuit is open, at most `max_lanes` lanes."""
        now = self.clock.now()
        if max_lanes <= 0:
            return {}
        heads = Subquery(
            OutboxEvent.filter(status=OutboxStatus.PENDING)
            .exclude(key="")
            .group_by("key")
            .annotate(head=Min("id"))
            .values("head")
        )
        async with in_transaction():
            query = OutboxEvent.filter(
                Q(key="") | Q(id__in=heads),
                status=OutboxStatus.PENDING,
                next_attempt_at__lte=now,
                topic__in=list(self.deliverers),
            )
            for topic, destination in busy | self.breaker.open_lanes(now):
                query = query.filter(~Q(topic=topic, destination=destination))
            query = query.order_by("id").limit(self.batch_size)
            if self._is_postgres():
                query = query.select_for_update(skip_locked=True)
            lanes: dict[Lane, list[OutboxEvent]] = {}
            for row in await query:
                lane = (row.topic, row.destination)
                if lane not in lanes and len(lanes) >= max_lanes:
                    continue
                rows = lanes.setdefault(lane, [])
                if len(rows) < self.per_lane:
                    rows.append(row)
            claimed = [row.id for rows in lanes.values() for row in rows]
            if claimed:
                await OutboxEvent.filter(id__in=claimed).update(next_attempt_at=now + self.lease)
        return lanes

    async def run_once(self) -> int:
        """Claim what is due now and deliver it (lanes concurrently); returns how many
        rows were delivered."""
        lanes = await self._claim(busy=set(), max_lanes=self.batch_size)
        pool = asyncio.Semaphore(self.concurrency)

        async def bounded(lane: Lane, rows: list[OutboxEvent]) -> int:
            async with pool:
                return await self._run_lane(lane, rows)

        return sum(await asyncio.gather(*(bounded(lane, rows) for lane, rows in lanes.items())))

    async def drain(self, *, max_rounds: int = 20) -> int:
        """Run until nothing is due (tests, shutdown); returns rows delivered."""
        total = 0
        for _ in range(max_rounds):
            count = await self.run_once()
            total += count
            if count == 0:
                break
        return total

    async def _run_lane(self, lane: Lane, rows: list[OutboxEvent]) -> int:
        delivered = 0
        for index, row in enumerate(rows):
            until = self.breaker.open_until(lane, self.clock.now())
            if until is not None:
                # Put the rest back for when the circuit closes, no attempt counted.
                rest = [r.id for r in rows[index:]]
                await OutboxEvent.filter(id__in=rest).update(next_attempt_at=until)
                break
            outcome = await self._deliver(row)
            if outcome is True:
                self.breaker.succeeded(lane)
                delivered += 1
            elif outcome is False:
                self.breaker.failed(lane, self.clock.now())
        return delivered

    async def _deliver(self, row: OutboxEvent) -> bool | None:
        """Deliver one row: True (delivered), False (failed, retried later), None (dead)."""
        deliverer = self.deliverers[row.topic]
        try:
            async with asyncio.timeout(self.delivery_timeout):
                await deliverer(row)
        except PermanentFailure as error:
            await OutboxEvent.filter(id=row.id).update(
                status=OutboxStatus.DEAD, attempts=row.attempts + 1, last_error=str(error)[:2000]
            )
            log.warning("outbox %s %s dead: %s", row.topic, row.event_id, error)
            return None
        except Exception as error:
            now = self.clock.now()
            attempts = row.attempts + 1
            status = OutboxStatus.DEAD if attempts >= self.max_attempts else OutboxStatus.PENDING
            reason = "TimeoutError: no answer in time" if isinstance(error, TimeoutError) else ""
            await OutboxEvent.filter(id=row.id).update(
                status=status,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=(reason or f"{type(error).__name__}: {error}")[:2000],
            )
            log.info("outbox %s %s attempt %s failed: %s", row.topic, row.event_id, attempts, error)
            return False
        await OutboxEvent.filter(id=row.id).update(
            status=OutboxStatus.DELIVERED,
            attempts=row.attempts + 1,
            delivered_at=self.clock.now(),
            last_error=None,
        )
        return True

    async def run_forever(self, stop: asyncio.Event, *, interval: float = 1.0) -> None:
        """Claim and deliver until `stop` is set, lanes in flight meanwhile; on stop,
        lanes get STOP_GRACE_SECONDS to finish (an unfinished row is retried after its
        lease)."""
        in_flight: dict[Lane, asyncio.Task[int]] = {}
        woken = asyncio.Event()

        def finished(lane: Lane) -> Callable[[asyncio.Task[int]], None]:
            def done(task: asyncio.Task[int]) -> None:
                in_flight.pop(lane, None)
                woken.set()
                if not task.cancelled() and task.exception() is not None:
                    log.error("outbox lane %s/%s failed", *lane, exc_info=task.exception())

            return done

        try:
            while not stop.is_set():
                woken.clear()
                full = False
                try:
                    lanes = await self._claim(
                        busy=set(in_flight), max_lanes=self.concurrency - len(in_flight)
                    )
                    full = sum(len(rows) for rows in lanes.values()) >= self.batch_size
                    for lane, rows in lanes.items():
                        task = asyncio.create_task(self._run_lane(lane, rows))
                        in_flight[lane] = task
                        task.add_done_callback(finished(lane))
                except Exception as error:
                    log_failure(log, error, "outbox worker round failed")
                if full and len(in_flight) < self.concurrency:
                    continue
                await _first_of(stop, woken, seconds=interval)
        finally:
            if in_flight:
                _, pending = await asyncio.wait(
                    list(in_flight.values()), timeout=STOP_GRACE_SECONDS
                )
                for task in pending:
                    task.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.gather(*pending, return_exceptions=True)


async def _first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until one of `events` is set, at most `seconds`."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()

"""Several outbox workers on one PostgreSQL database: `FOR UPDATE SKIP LOCKED` hands
each row to one of them, so nothing is delivered twice and per-key order holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.db import close_db
from core.models import OutboxEvent, OutboxStatus
from core.outbox import OutboxWorker, enqueue
from tests.conftest import open_database


@pytest.fixture
async def postgres(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    url = await open_database("postgres", request, tmp_path)
    yield url
    await close_db()


async def test_competing_workers_never_deliver_a_row_twice(
    postgres: str, clock: FrozenClock
) -> None:
    rows = 240
    for n in range(rows):
        # Every third row shares a key with others: those go out in written order.
        key = f"chat:{n % 8}" if n % 3 == 0 else ""
        await enqueue(topic="telegram", event_type="m", payload={"n": n}, key=key, now=clock.now())
    delivered: list[int] = []
    by_worker: Counter[int] = Counter()

    def deliverer(worker: int):
        async def deliver(row: OutboxEvent) -> None:
            delivered.append(row.payload["n"])
            by_worker[worker] += 1
            await asyncio.sleep(0)  # let the other workers claim meanwhile

        return deliver

    workers = [
        OutboxWorker({"telegram": deliverer(i)}, clock=clock, batch_size=7) for i in range(4)
    ]
    totals = await asyncio.gather(*(w.drain(max_rounds=200) for w in workers))

    assert sum(totals) == rows
    assert sorted(delivered) == list(range(rows))  # each row once
    assert len([w for w in by_worker if by_worker[w]]) > 1  # the work was shared
    for key in range(8):
        keyed = [n for n in delivered if n % 3 == 0 and n % 8 == key]
        assert keyed == sorted(keyed)
    assert await OutboxEvent.filter(status=OutboxStatus.DELIVERED).count() == rows

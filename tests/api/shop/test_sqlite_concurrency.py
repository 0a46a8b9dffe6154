"""The SQLite default under concurrent writes: 64 concurrent creates, while another
process holds the write lock for a moment, all succeed; none sees "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from aiohttp.test_utils import TestClient

from core.models import Order
from core.runtime import Runtime
from tests.factories import owner_headers

ORDER = {
    "customer_phone": "+77011234567",
    "customer_name": "Иван Петров",
    "recipient_name": "Айгуль",
    "address": "г. Алматы, ул. Абая 10",
    "delivery_method": "delivery",
    "flower_sum": 25000,
}


def hold_write_lock(path: str, seconds: float, started: threading.Event) -> None:
    """What another process (a `sauda` command) does: a write transaction that lasts
    longer than SQLite's default 5-second busy wait."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE shops SET name = name")
        started.set()
        threading.Event().wait(seconds)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_64_concurrent_creates_on_sqlite_never_see_a_locked_database(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    path = runtime.settings.effective_database_url.removeprefix("sqlite://")
    started = threading.Event()
    other = threading.Thread(target=hold_write_lock, args=(path, 6.5, started))
    other.start()
    await asyncio.to_thread(started.wait, 10)

    async def create(n: int) -> tuple[int, str]:
        response = await api.post(
            "/api/orders/", json={**ORDER, "comment": f"order {n}"}, headers=headers
        )
        return response.status, await response.text()

    answers = await asyncio.gather(*(create(n) for n in range(64)))
    await asyncio.to_thread(other.join, 30)
    failures = [text for status, text in answers if status != 201]
    assert failures == []
    assert await Order.all().count() == 64
    assert sorted(o.number for o in await Order.all()) == list(range(1, 65))

"""The hot reads cost a fixed, small number of SQL statements per request.

Counted at the driver (every statement asyncpg sends PostgreSQL, transaction control and
pool resets included), over real HTTP against the shop port: a page of 50 orders is at
most three statements however many items and customers it shows, and a tracking read
one (none while its view is cached). The token's check is cached in Redis
deployments (AUTH_CACHE_SECONDS), as here; without a cache (the in-process store) it is
one statement more, tested on its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from asyncpg.connection import Connection

from core.models import Order, OrderPhoto, PhotoKind
from core.orders.service import ItemRequest, place_order
from core.runtime import Runtime
from tests.factories import make_product, next_phone, owner_headers

LIST_STATEMENTS = 3
TRACKING_STATEMENTS = 1


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_cache_seconds": 30}


class Statements:
    """Every statement sent to PostgreSQL while installed (the driver, nothing else)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        do_execute = Connection._do_execute
        execute = Connection.execute

        async def recorded_do_execute(connection: Any, query: str, *args: Any, **kw: Any) -> Any:
            self.sent.append(query)
            return await do_execute(connection, query, *args, **kw)

        async def recorded_execute(connection: Any, query: str, *args: Any, **kw: Any) -> Any:
            if not args:  # with arguments it goes through _do_execute
                self.sent.append(query)
            return await execute(connection, query, *args, **kw)

        monkeypatch.setattr(Connection, "_do_execute", recorded_do_execute)
        monkeypatch.setattr(Connection, "execute", recorded_execute)

    async def during(self, call: Any) -> list[str]:
        self.sent.clear()
        await call
        return list(self.sent)


async def _orders(shop_id: int, count: int) -> list[Order]:
    products = [await make_product_for(shop_id, n) for n in range(3)]
    phones = [next_phone() for _ in range(7)]
    placed = []
    for n in range(count):
        placed.append(
            await place_order(
                shop_id=shop_id,
                customer_phone=phones[n % len(phones)],
                recipient_name="Айгуль",
                address="г. Алматы, пр. Достык 89, кв. 45",
                items=[
                    ItemRequest(product_id=p.id, quantity=1 + n % 2) for p in products[: 1 + n % 3]
                ],
            )
        )
    return placed


async def make_product_for(shop_id: int, n: int) -> Any:
    from core.models import Shop

    return await make_product(await Shop.get(id=shop_id), name=f"Букет {n}", price=10000 + n)


@pytest.mark.parametrize("stack", ["real"], indirect=True)
async def test_a_page_of_fifty_orders_is_three_statements(
    api: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, owner, headers = await owner_headers(runtime)
    await _orders(shop.id, 120)
    # Making the member left a marker that keeps its facts uncached for a few seconds.
    await runtime.kv.delete(f"auth:user:{owner.id}")
    statements = Statements(monkeypatch)

    async def page(path: str) -> dict[str, Any]:
        response = await api.get(path, headers=headers)
        assert response.status == 200, await response.text()
        return await response.json()

    await page("/api/orders/?limit=50&page=1")  # the principal is looked up once, then kept
    full: dict[str, Any] = {}

    async def second_page() -> None:
        full.update(await page("/api/orders/?limit=50&page=2"))

    sent = await statements.during(second_page())
    assert full["total"] == 120 and len(full["items"]) == 50
    assert all(order["items"] and order["customer"] for order in full["items"])
    assert len(sent) <= LIST_STATEMENTS, sent

    # The last, short page and a filtered one cost no more.
    last: dict[str, Any] = {}

    async def last_page() -> None:
        last.update(await page("/api/orders/?limit=50&page=3"))

    sent = await statements.during(last_page())
    assert last["total"] == 120 and len(last["items"]) == 20
    assert len(sent) <= LIST_STATEMENTS, sent
    sent = await statements.during(page("/api/orders/?limit=50&status=new&search=Айгуль"))
    assert len(sent) <= LIST_STATEMENTS, sent


@pytest.mark.parametrize("stack", ["real"], indirect=True)
async def test_a_pages_items_and_customers_are_read_by_the_same_statements_whatever_it_holds(
    api: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One statement text however many orders and customers a page holds (an id array,
    not one placeholder per id): the driver prepares it once and keeps it."""
    shop, _, headers = await owner_headers(runtime)
    await _orders(shop.id, 60)
    statements = Statements(monkeypatch)
    await api.get("/api/orders/?limit=50&page=1", headers=headers)  # the principal, kept
    texts = []
    for path in ("/api/orders/?limit=50&page=1", "/api/orders/?limit=3&page=4"):
        sent = await statements.during(api.get(path, headers=headers))
        texts.append(sent[-2:])  # after the page itself: its items, its customers
    assert texts[0] == texts[1], texts


@pytest.mark.parametrize("stack", ["real"], indirect=True)
async def test_a_tracking_read_is_one_statement_and_none_once_cached(
    api: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _, _ = await owner_headers(runtime)
    order = (await _orders(shop.id, 3))[2]
    await OrderPhoto.create(order=order, kind=PhotoKind.ASSEMBLED, url="https://x.test/1.jpg")
    statements = Statements(monkeypatch)
    answers: list[dict[str, Any]] = []

    async def track() -> None:
        response = await api.get(f"/api/tracking/{order.tracking_token}")
        assert response.status == 200, await response.text()
        answers.append(await response.json())

    sent = await statements.during(track())
    assert answers[0]["photos"] == ["https://x.test/1.jpg"]
    assert len(sent) == TRACKING_STATEMENTS, sent
    assert await statements.during(track()) == []
    assert answers[1] == answers[0]


@pytest.mark.parametrize("stack", ["real"], indirect=True)
@pytest.mark.parametrize("settings_overrides", [{"auth_cache_seconds": 0}])
async def test_an_uncached_token_check_is_one_statement(
    api: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _, headers = await owner_headers(runtime)
    statements = Statements(monkeypatch)
    for _ in range(2):
        sent = await statements.during(api.get("/api/orders/?limit=50", headers=headers))
        # The token's user and memberships, then an empty first page (nothing to count).
        assert len(sent) == 2, sent

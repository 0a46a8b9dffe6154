"""PostgreSQL connections go back to the pool without a reset statement per query."""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.models import Shop
from tests.factories import make_shop


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_read_is_one_statement_and_an_open_transaction_is_still_rolled_back(
    db: str,
) -> None:
    await make_shop()
    client = connections.get("default")
    pool = client._pool
    assert pool.get_max_size() == 10
    seen: list[str] = []
    # The pool's one idle connection records what it is sent from now on.
    async with pool.acquire() as connection:
        connection.add_query_logger(lambda record: seen.append(record.query))
    # Queries one after another take that same connection (len(seen) proves it).
    for _ in range(3):
        assert await Shop.all().count() == 1
    statements = [query for query in seen if "RESET" in query or "UNLISTEN" in query]
    assert statements == [], seen
    assert len(seen) == 3, seen

    # A transaction abandoned on a connection is rolled back before anyone reuses it.
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("UPDATE shops SET name = 'changed'")
    async with in_transaction():
        assert await Shop.filter(name="changed").count() == 0

"""Every foreign key is indexed, and the hot reads never scan a big table.

The first test reads the models: a foreign key column must lead some index (its own, a
composite one, or a unique constraint), so a model that gains a foreign key without an
index fails here. The second seeds PostgreSQL with the benchmark's data size (20,000
orders, 50,000 items, 72,000 status events), records the statements the hot core reads
issue (the order list page, one order, tracking) and EXPLAINs each: a sequential scan of
a table with more than a few thousand rows fails it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.indexes import Index

from core.db import tortoise_config
from core.orders.queries import get_order_details, list_orders
from core.tracking import get_tracking

BIG_TABLE_ROWS = 5000


def _leading_columns(model: Any) -> set[str]:
    meta = model._meta

    def column(name: str) -> str:
        field = meta.fields_map.get(name)
        return (field.source_field or name) if field is not None else name

    leading = {column(fields[0]) for fields in meta.unique_together or ()}
    for index in meta.indexes or ():
        names = index.fields if isinstance(index, Index) else index
        leading.add(column(names[0]))
    for name, field in meta.fields_map.items():
        if field.pk or getattr(field, "index", False) or getattr(field, "unique", False):
            leading.add(field.source_field or name)
    return leading


@pytest.fixture
async def models() -> AsyncIterator[list[Any]]:
    await Tortoise.init(config=tortoise_config("sqlite://:memory:"))
    yield list(Tortoise.apps["models"].values())
    await Tortoise.close_connections()


async def test_every_foreign_key_leads_an_index(models: list[Any]) -> None:
    missing = []
    for model in models:
        leading = _leading_columns(model)
        for name, field in model._meta.fields_map.items():
            if isinstance(field, OneToOneFieldInstance):
                continue  # unique, hence indexed
            if isinstance(field, ForeignKeyFieldInstance):
                column = field.source_field or f"{name}_id"
                if column not in leading:
                    missing.append(f"{model._meta.db_table}.{column}")
    assert not missing, f"foreign keys without an index: {missing}"


UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
  )
ORDER BY 1, 2
"""


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_every_foreign_key_of_the_migrated_database_leads_an_index(db: str) -> None:
    """The migrations agree with the models, many-to-many tables included."""
    _, rows = await Tortoise.get_connection("default").execute_query(UNINDEXED_FOREIGN_KEYS)
    assert [f"{row['tbl']}.{row['col']}" for row in rows] == []


# --- EXPLAIN on a seeded PostgreSQL ---------------------------------------------------

SEED = """
INSERT INTO shops (name, slug, timezone, currency, locale, settings, is_active, created_at, updated_at)
SELECT 'Shop ' || s, 'shop-' || s, 'Asia/Almaty', 'KZT', 'ru', '{}', true, now(), now()
FROM generate_series(1, 2) AS s;

INSERT INTO customers (shop_id, phone, name, client_type, language, public_id, created_at, updated_at)
SELECT 1 + (c % 2), '+7701' || lpad(c::text, 7, '0'), 'Customer ' || c, 'both', 'ru',
       md5(c::text)::uuid, now(), now()
FROM generate_series(1, 4000) AS c;

INSERT INTO orders (shop_id, number, customer_id, recipient_name, address, delivery_method,
                    status, flower_sum, delivery_fee, discount, total, channel,
                    tracking_token, language, approval_status, created_at, updated_at)
SELECT 1 + (o % 2), o, 1 + (o % 4000), 'Recipient', 'Abai 1', 'delivery',
       (ARRAY['new','paid','in_production','delivered','completed','cancelled'])[1 + o % 6],
       10000, 1000, 0, 11000, 'api', md5('t' || o), 'ru', 'not_required',
       now() - (o || ' minutes')::interval, now()
FROM generate_series(1, 20000) AS o;

INSERT INTO order_items (order_id, product_name, quantity, price, total, created_at, updated_at)
SELECT 1 + (i % 20000), 'Roses', 1, 5000, 5000, now(), now()
FROM generate_series(1, 50000) AS i;

INSERT INTO order_status_events (order_id, from_status, to_status, actor_label, created_at, updated_at)
SELECT 1 + (e % 20000), NULL, 'new', 'system', now(), now()
FROM generate_series(1, 72000) AS e;
"""


class Recorder:
    """Records the SELECTs Tortoise sends to asyncpg (instrumenting the driver only)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[Any]]] = []

    def wrap(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for method in ("execute_query", "execute_query_dict"):
            original = getattr(AsyncpgDBClient, method)

            async def recorded(client: Any, query: str, values: Any = None, *, _o=original) -> Any:
                if query.lstrip().upper().startswith("SELECT"):
                    self.statements.append((query, list(values or [])))
                return await _o(client, query, values)

            monkeypatch.setattr(AsyncpgDBClient, method, recorded)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(plan.get("Node Type", ""), plan.get("Relation Name", ""))]
    for child in plan.get("Plans", []):
        found.extend(_scans(child))
    return found


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_hot_reads_use_indexes_on_a_seeded_database(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = Tortoise.get_connection("default")
    await connection.execute_script(SEED)
    # Statistics and the visibility map as a live database has them (autovacuum's work):
    # tests before this one emptied the tables by DELETE, leaving dead rows behind.
    await connection.execute_script("VACUUM ANALYZE")
    _, rows = await connection.execute_query(
        "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'"
    )
    big = {row["relname"] for row in rows if row["reltuples"] > BIG_TABLE_ROWS}
    assert {"orders", "order_items", "order_status_events"} <= big

    recorder = Recorder()
    recorder.wrap(monkeypatch)
    page, total = await list_orders(shop_id=1, offset=100, limit=50)
    assert total == 10000 and len(page) == 50
    await get_order_details(shop_id=1, order_id=page[0].order["id"])
    tracking = await get_tracking(token=page[0].order["tracking_token"])
    assert tracking.number == page[0].order["number"]
    monkeypatch.undo()

    assert recorder.statements
    offenders = []
    async with connection.acquire_connection() as raw:
        for sql, values in recorder.statements:
            plan = json.loads(await raw.fetchval("EXPLAIN (FORMAT JSON) " + sql, *values))
            for node, relation in _scans(plan[0]["Plan"]):
                if node == "Seq Scan" and relation in big:
                    offenders.append(f"{relation}: {sql}")
    assert not offenders, "sequential scans of big tables:\n" + "\n".join(offenders)

"""Dependencies die under load: a private Redis is killed and started again, then a
private PostgreSQL crashes and comes back, while clients keep creating orders over real
HTTP, each retrying with its `Idempotency-Key` until it gets a 2xx.

Holds: every order that got a 2xx exists once (no duplicate from a retry, none lost),
nothing was created without a 2xx for its key, every replay names the same order, and
service is normal within a few seconds of each dependency's return. While a dependency
is down the answer is never a 500 but a 503 with Retry-After (api.errors maps what
core.dependencies recognises), and the outage is felt as 503s.

Every third order is sent once more after its 2xx (as if the answer was lost): that
must be a replay (`Idempotent-Replayed: true`) of the same order.

Bounded (the load stops after 40 s at the latest; about 15 s when all goes well),
loopback only: the private servers of tests.private_servers (own ports and data
directories), never the shared ones. Skipped when initdb/pg_ctl, runuser (as root) or
redis-server are missing; a failure under SAUDA_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from tortoise import Tortoise

from api.app import create_apps
from core.db import close_db, init_db
from core.kv import create_kv
from core.models import IdempotencyRecord, Order, Role
from sauda.wiring import build_runtime
from tests.api.shop.test_orders import EXAMPLE
from tests.conftest import _unavailable, make_settings
from tests.factories import auth, make_member, make_shop, token_for
from tests.private_servers import Missing, PrivatePostgres, PrivateRedis

CLIENTS = 4
DOWN_SECONDS = 2.0
RECOVERY_LIMIT = 5.0  # the first create after a dependency returns comes within this
SETTLE_SECONDS = 1.0  # then, after this, not one request fails (normal service)


@dataclass
class Servers:
    postgres: PrivatePostgres
    redis: PrivateRedis


@pytest.fixture
async def servers() -> AsyncIterator[Servers]:
    made: list[Any] = []
    try:
        postgres = PrivatePostgres()
        made.append(postgres)
        redis = PrivateRedis()
        made.append(redis)
        await postgres.init()
        await redis.start()
    except (Missing, RuntimeError, TimeoutError) as error:
        for server in made:
            await server.destroy()
        _unavailable("a private PostgreSQL/Redis", error)
    yield Servers(postgres=postgres, redis=redis)
    for server in made:
        await server.destroy()


@pytest.fixture
async def database(servers: Servers) -> AsyncIterator[str]:
    """The ORM on the private PostgreSQL, with the schema from the models (what the
    migrations make: replaying them is 30 s and more of Python on a busy machine, and
    this test is about outages)."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    await init_db(servers.postgres.url)
    try:
        await Tortoise.generate_schemas()
        yield servers.postgres.url
    finally:
        await close_db()


@dataclass
class Load:
    """What the clients saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    outage_answers: list[tuple[int, str]] = field(default_factory=list)
    created: dict[str, set[int]] = field(default_factory=dict)  # key -> order ids answered
    successes: list[float] = field(default_factory=list)  # loop time of each 2xx
    unexpected: list[str] = field(default_factory=list)
    replayed: int = 0  # 2xx answers marked Idempotent-Replayed
    phase: str = "before"  # what the test is doing to the dependencies now
    failed_in: Counter[str] = field(default_factory=Counter)  # failed attempts per phase


async def place_until_done(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    key: str,
    load: Load,
    deadline: float,
) -> None:
    """One logical order: the same request with the same key until a 2xx (a replay
    when an earlier attempt was committed after all)."""
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        try:
            async with session.post(
                url, json=EXAMPLE, headers={**headers, "Idempotency-Key": key}
            ) as answer:
                load.statuses[answer.status] += 1
                text = await answer.text()
                if 200 <= answer.status < 300:
                    replayed = answer.headers.get("Idempotent-Replayed") == "true"
                    load.replayed += replayed
                    if key in load.created and not replayed:
                        load.unexpected.append(f"{key}: a second 2xx that is no replay")
                    load.created.setdefault(key, set()).add((await answer.json())["id"])
                    load.successes.append(loop.time())
                    return
                if answer.status >= 500 or answer.status == 409:
                    load.failed_in[load.phase] += 1
                    load.outage_answers.append(
                        (answer.status, answer.headers.get("Retry-After", ""))
                    )
                else:
                    load.unexpected.append(f"{answer.status}: {text[:200]}")
                    return
        except (aiohttp.ClientError, TimeoutError) as error:
            load.errors[type(error).__name__] += 1
            load.failed_in[load.phase] += 1
        await asyncio.sleep(0.1)
    load.unexpected.append(f"{key}: no 2xx before the deadline")


async def client(
    url: str, headers: dict[str, str], load: Load, stop: asyncio.Event, deadline: float
) -> None:
    timeout = aiohttp.ClientTimeout(total=8)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for n in itertools.count():
            if stop.is_set():
                return
            key = f"fault-{uuid.uuid4().hex}"
            await place_until_done(session, url, headers, key, load, deadline)
            if n % 3 == 0:  # as if the answer was lost: the same request, the same key
                await place_until_done(session, url, headers, key, load, deadline)
            await asyncio.sleep(0.02)


async def first_success_after(load: Load, moment: float, *, limit: float) -> float:
    loop = asyncio.get_running_loop()
    while True:
        later = [t for t in load.successes if t >= moment]
        if later:
            return min(later) - moment
        assert loop.time() - moment < limit, "no successful create after the dependency returned"
        await asyncio.sleep(0.05)


async def test_restarting_redis_and_postgresql_under_load_loses_and_doubles_nothing(
    servers: Servers, database: str, tmp_path: Path
) -> None:
    kv = create_kv(servers.redis.url)
    settings = make_settings(
        tmp_path, database, redis_url=servers.redis.url, rate_limit_per_hour=100_000
    )
    runtime = build_runtime(settings, kv=kv)
    shop = await make_shop("Под нагрузкой")
    owner = await make_member(shop, Role.OWNER)
    headers = auth(token_for(runtime, owner, shop))
    server = TestServer(create_apps(runtime)[settings.api_port], host="127.0.0.1")
    await server.start_server()
    loop = asyncio.get_running_loop()
    load, stop = Load(), asyncio.Event()
    deadline = loop.time() + 40
    url = str(server.make_url("/api/orders/"))
    clients = [
        asyncio.create_task(client(url, headers, load, stop, deadline)) for _ in range(CLIENTS)
    ]
    try:
        await asyncio.sleep(1.0)
        before = len(load.successes)
        assert before > 0 and not load.outage_answers, "the load did not start cleanly"

        load.phase = "redis down"
        await servers.redis.kill()
        await asyncio.sleep(DOWN_SECONDS)
        await servers.redis.start()
        redis_back = loop.time()
        redis_recovery = await first_success_after(load, redis_back, limit=RECOVERY_LIMIT)
        load.phase = "redis returning"  # stale connections may fail once here
        await asyncio.sleep(SETTLE_SECONDS)
        load.phase = "redis back"
        await asyncio.sleep(1.0)

        load.phase = "postgres down"
        await servers.postgres.stop(mode="immediate")  # a crash: no shutdown checkpoint
        await asyncio.sleep(DOWN_SECONDS)
        await servers.postgres.start()
        postgres_back = loop.time()
        postgres_recovery = await first_success_after(load, postgres_back, limit=RECOVERY_LIMIT)
        load.phase = "postgres returning"
        await asyncio.sleep(SETTLE_SECONDS)
        load.phase = "postgres back"
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*clients, return_exceptions=True), timeout=45)
        await server.close()
        with contextlib.suppress(Exception):
            await kv.aclose()

    assert load.unexpected == []
    assert redis_recovery < RECOVERY_LIMIT and postgres_recovery < RECOVERY_LIMIT
    # Each key answered one order, every time it was answered (a replay included).
    assert all(len(ids) == 1 for ids in load.created.values()), load.created
    answered = set(itertools.chain.from_iterable(load.created.values()))
    stored = set(await Order.filter(shop_id=shop.id).values_list("id", flat=True))
    # Nothing lost, nothing doubled, nothing created that no 2xx answered.
    assert stored == answered
    assert len(answered) == len(load.created)
    assert load.replayed > 0  # the retries after a 2xx were replays (checked above)
    assert await IdempotencyRecord.filter(shop_id=shop.id).count() == len(load.created)
    # Each outage was felt, and soon after a create went through again, service was
    # normal: not one failure.
    assert load.failed_in["redis down"] > 0 and load.failed_in["postgres down"] > 0
    assert load.failed_in["redis back"] == load.failed_in["postgres back"] == 0, load.failed_in
    # A down dependency is a 503 with Retry-After, never a 500.
    assert 500 not in load.statuses, load.statuses
    assert 503 in load.statuses, load.statuses
    assert all(retry for status, retry in load.outage_answers if status == 503)

"""A dependency that is down answers 503 with Retry-After in each contract's error shape,
never a 500 and never a silent bypass of a limit; /health says which one is down; and
service is normal again when it returns, without a restart.

Redis here is a private redis-server (tests.private_servers: its own loopback port),
killed and started again by the test; the shared one is never touched. The database is
SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.exceptions
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_apps, load_contracts
from api.errors import problem_for
from core.clock import FrozenClock
from core.kv import create_kv
from core.models import Role
from core.runtime import Runtime
from sauda.wiring import build_runtime
from tests.conftest import _unavailable, make_settings
from tests.factories import auth, make_member, make_shop, token_for
from tests.private_servers import Missing, PrivateRedis


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    try:
        server = PrivateRedis()
        await server.start()
    except (Missing, RuntimeError, TimeoutError) as error:
        _unavailable("a private Redis", error)
    yield server
    await server.destroy()


@pytest.fixture
async def outage_runtime(
    db: str, private_redis: PrivateRedis, tmp_path: Path, clock: FrozenClock
) -> AsyncIterator[Runtime]:
    settings = make_settings(tmp_path, db, redis_url=private_redis.url)
    kv = create_kv(settings.redis_url)
    yield build_runtime(settings, clock=clock, kv=kv)
    with contextlib.suppress(Exception):
        await kv.aclose()


@pytest.fixture
async def clients(outage_runtime: Runtime) -> AsyncIterator[dict[str, TestClient]]:
    settings = outage_runtime.settings
    apps = create_apps(outage_runtime)
    made = {
        "api": TestClient(TestServer(apps[settings.api_port], host="127.0.0.1")),
        "crm": TestClient(TestServer(apps[settings.crm_port], host="127.0.0.1")),
    }
    for client in made.values():
        await client.start_server()
    yield made
    for client in made.values():
        await client.close()


async def calls(clients: dict[str, TestClient], headers: dict[str, str]) -> list[Any]:
    """One call of each kind: shop-authenticated (shop and crm contracts), public (per
    address), the login's code request (per phone)."""
    api, crm = clients["api"], clients["crm"]
    return [
        await api.get("/api/orders/", headers=headers),
        await crm.get("/api/clients/", headers=headers),
        await api.get("/api/tracking/no-such-token"),
        await api.post("/api/auth/request-otp", json={"phone": "+77011234567"}),
    ]


async def test_redis_down_is_503_with_retry_after_then_normal_without_a_restart(
    outage_runtime: Runtime, private_redis: PrivateRedis, clients: dict[str, TestClient]
) -> None:
    shop = await make_shop("Без Redis")
    owner = await make_member(shop, Role.OWNER)
    headers = auth(token_for(outage_runtime, owner, shop))
    assert [a.status for a in await calls(clients, headers)] == [200, 200, 404, 200]

    await private_redis.kill()
    answers = await calls(clients, headers)
    assert [a.status for a in answers] == [503, 503, 503, 503]
    for answer in answers:
        retry = int(answer.headers["Retry-After"])
        assert retry > 0
        body = await answer.json()
        assert body == {"detail": body["detail"], "retry_after": retry}
        assert "redis" in body["detail"]
    for client, path in (
        (clients["api"], "/health"),
        (clients["api"], "/api/health"),
        (clients["crm"], "/health"),
    ):
        answer = await client.get(path)
        assert answer.status == 503, path
        body = await answer.json()
        assert (body["database"], body["redis"]) == ("ok", "down"), path
        assert int(answer.headers["Retry-After"]) > 0

    await private_redis.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while (await clients["api"].get("/api/orders/", headers=headers)).status != 200:
        assert loop.time() < deadline, "no recovery within 5 s of Redis returning"
        await asyncio.sleep(0.1)
    for _ in range(3):
        assert [a.status for a in await calls(clients, headers)] == [200, 200, 404, 200]
    for client in (clients["api"], clients["crm"]):
        body = await (await client.get("/health")).json()
        assert (body["database"], body["redis"]) == ("ok", "ok")


@pytest.mark.parametrize("name", sorted(load_contracts()))
def test_every_contract_writes_a_down_dependency_as_503_in_its_shape(name: str) -> None:
    """Contracts to come get the mapping too: it lives in the one error path."""
    dialect = load_contracts()[name].errors
    problem = problem_for(redis.exceptions.ConnectionError("Connection refused"))
    assert problem is not None
    response = dialect.respond(problem)
    assert response.status == 503
    assert int(response.headers["Retry-After"]) > 0
    # A socket error raised by the database driver is an outage too, anything else not.
    assert problem_for(ValueError("a bug")) is None

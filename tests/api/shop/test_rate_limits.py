"""Shop contract: rate limits over real HTTP (1000 calls an hour per shop, here made small,
and 3 one-time codes a minute per phone), with X-RateLimit-* headers on every answer.

Both are sliding windows (core.ratelimit): X-RateLimit-Reset is when the oldest counted
call leaves the window (a slot frees), and there is no hour edge to straddle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import Order
from core.runtime import Runtime
from tests.factories import auth, make_shop, owner_headers

LIMIT = 5


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_per_hour": LIMIT}


def quota(response: Any) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["X-RateLimit-Limit"]),
        int(headers["X-RateLimit-Remaining"]),
        int(headers["X-RateLimit-Reset"]),
    )


async def test_every_answer_carries_the_headers_success_or_error(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, headers = await owner_headers(runtime)
    answers = [
        await api.get("/api/orders/", headers=headers),
        await api.get("/api/orders/999", headers=headers),
        await api.get("/api/orders/", params={"page": "0"}, headers=headers),
        await api.post("/api/orders/", json={}, headers=headers),
    ]
    assert [a.status for a in answers] == [200, 404, 422, 422]
    remaining = [quota(a)[1] for a in answers]
    assert remaining == [LIMIT - 1, LIMIT - 2, LIMIT - 3, LIMIT - 4]
    # All four came at one moment (the clock stands still): a slot frees an hour later.
    assert {quota(a)[2] for a in answers} == {int(clock.now().timestamp()) + 3600}
    assert {quota(a)[0] for a in answers} == {LIMIT}
    # Public endpoints and refused tokens count against the caller's address.
    for response in (
        await api.get("/api/tracking/unknown-token"),
        await api.get("/api/orders/", headers=auth("not-a-token")),
        await api.post("/api/auth/request-otp", json={"phone": "1"}),
    ):
        assert response.status in (401, 404, 422)
        assert quota(response)[0] == LIMIT


async def test_past_the_limit_a_shop_gets_429_until_its_oldest_call_is_an_hour_old(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    # One second before an hour's edge (earlier, not later: tokens carry `iat`).
    clock.set(clock.now().replace(minute=0, second=0) - timedelta(seconds=1))
    _, _, headers = await owner_headers(runtime)
    _, _, neighbour = await owner_headers(runtime, await make_shop("Соседи"))
    for _ in range(LIMIT):
        response = await api.get("/api/orders/", headers=headers)
        assert response.status == 200, await response.text()
    clock.advance(seconds=2)  # past the hour's edge: a fixed window would start again here
    response = await api.post(
        "/api/orders/",
        json={"customer_phone": "+77011234567", "flower_sum": 1000},
        headers=headers,
    )
    assert response.status == 429
    body = await response.json()
    assert body == {"detail": "Rate limit exceeded", "retry_after": 3598}
    assert response.headers["Retry-After"] == "3598"
    assert quota(response)[:2] == (LIMIT, 0)
    assert await Order.all().count() == 0
    assert (await api.get("/api/orders/", headers=neighbour)).status == 200
    clock.advance(seconds=3597)
    assert (await api.get("/api/orders/", headers=headers)).status == 429
    clock.advance(seconds=1)
    response = await api.get("/api/orders/", headers=headers)
    assert response.status == 200
    assert quota(response)[1] == LIMIT - 1


async def test_public_callers_are_limited_by_address(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    for _ in range(LIMIT):
        assert (await api.get("/api/tracking/nope")).status == 404
    response = await api.get("/api/tracking/nope")
    assert response.status == 429
    assert (await response.json())["detail"] == "Rate limit exceeded"
    response = await api.get("/api/orders/", headers=auth("guessing"))
    assert response.status == 429


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_three_codes_a_minute_per_phone_whatever_the_hourly_budget(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    clock.set(clock.now().replace(second=30))
    for _ in range(3):
        response = await api.post("/api/auth/request-otp", json={"phone": "+77011234567"})
        assert response.status == 200
        assert quota(response)[0] == 1000
    response = await api.post("/api/auth/request-otp", json={"phone": "+77011234567"})
    assert response.status == 429
    # The first of the three leaves the minute's window 60 s after it came.
    assert await response.json() == {"detail": "Rate limit exceeded", "retry_after": 60}
    assert quota(response)[0] == 1000

"""Shared steps of the commerce contract tests: sign-up and sign-in over HTTP."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from core.clock import FrozenClock

PASSWORD = "SecurePass123"


async def sign_up(
    api: TestClient, clock: FrozenClock, email: str, name: str = "John Doe"
) -> dict[str, str]:
    """Register and log in; the Authorization header. The auth limit is 5 a minute per
    address, so the clock moves on a minute first."""
    clock.advance(seconds=61)
    response = await api.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert response.status == 201, await response.text()
    response = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status == 200, await response.text()
    tokens = await response.json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def json_of(response: Any, status: int) -> Any:
    text = await response.text()
    assert response.status == status, f"{response.status}: {text}"
    return await response.json() if text else None


async def sign_in(api: TestClient, clock: FrozenClock, email: str) -> dict[str, str]:
    """Log in again (access tokens live 15 minutes; the test's clock runs on)."""
    clock.advance(seconds=61)
    response = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    tokens = await json_of(response, 200)
    return {"Authorization": f"Bearer {tokens['access_token']}"}

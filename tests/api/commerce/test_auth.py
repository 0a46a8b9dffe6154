"""Commerce auth over HTTP: register, login, rotating refresh tokens with reuse
detection, me, logout; the error dialect and the auth rate limit."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from tests.api.commerce.helpers import PASSWORD, json_of


async def _login(api: TestClient, email: str) -> dict[str, str]:
    response = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return await json_of(response, 200)


async def test_register_login_me_with_the_documents_bodies(
    api: TestClient, clock: FrozenClock
) -> None:
    response = await api.post(
        "/api/v1/auth/register",
        json={"email": "user@example.com", "password": "SecurePass123", "name": "John Doe"},
    )
    user = await json_of(response, 201)
    assert set(user) == {"id", "email", "name", "role", "is_active", "created_at"}
    assert (user["email"], user["name"], user["role"], user["is_active"]) == (
        "user@example.com",
        "John Doe",
        "user",
        True,
    )
    assert user["created_at"].endswith("Z")
    # The same email in another case is the same account.
    response = await api.post(
        "/api/v1/auth/register",
        json={"email": "User@Example.COM", "password": "SecurePass123", "name": "Again"},
    )
    error = await json_of(response, 409)
    assert set(error) == {"detail", "code", "timestamp"} and error["code"] == "CONFLICT"
    response = await api.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": "short", "name": ""}
    )
    error = await json_of(response, 422)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["detail"][0]["loc"] == ["body", "password"]
    clock.advance(seconds=61)
    tokens = await _login(api, "USER@example.com")
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (tokens["token_type"], tokens["expires_in"]) == ("bearer", 900)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await json_of(await api.get("/api/v1/auth/me", headers=headers), 200)
    assert me == user
    response = await api.post(
        "/api/v1/auth/login", json={"email": "user@example.com", "password": "WrongPass123"}
    )
    error = await json_of(response, 401)
    assert error["detail"] == "Incorrect email or password"
    error = await json_of(await api.get("/api/v1/auth/me"), 401)
    assert error["code"] == "UNAUTHORIZED"
    # Access tokens live 15 minutes.
    clock.advance(seconds=901)
    await json_of(await api.get("/api/v1/auth/me", headers=headers), 401)


async def test_refresh_rotates_and_a_reused_token_revokes_the_whole_login(
    api: TestClient, clock: FrozenClock
) -> None:
    await json_of(
        await api.post(
            "/api/v1/auth/register",
            json={"email": "rotate@example.com", "password": PASSWORD, "name": "R"},
        ),
        201,
    )
    first = await _login(api, "rotate@example.com")
    other_login = await _login(api, "rotate@example.com")
    second = await json_of(
        await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}),
        200,
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == 900
    clock.advance(seconds=61)
    third = await json_of(
        await api.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}),
        200,
    )
    live = {"Authorization": f"Bearer {third['access_token']}"}
    await json_of(await api.get("/api/v1/auth/me", headers=live), 200)
    # The first token again: a reuse. The family is revoked, the newest pair with it.
    error = await json_of(
        await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}),
        401,
    )
    assert error["detail"] == "Invalid or expired refresh token"
    await json_of(await api.get("/api/v1/auth/me", headers=live), 401)
    clock.advance(seconds=61)
    await json_of(
        await api.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}),
        401,
    )
    # Another login of the same user is its own family and still works.
    again = await json_of(
        await api.post(
            "/api/v1/auth/refresh", json={"refresh_token": other_login["refresh_token"]}
        ),
        200,
    )
    headers = {"Authorization": f"Bearer {again['access_token']}"}
    await json_of(await api.get("/api/v1/auth/me", headers=headers), 200)
    await json_of(await api.post("/api/v1/auth/logout", headers=headers), 204)
    await json_of(await api.get("/api/v1/auth/me", headers=headers), 401)


async def test_auth_is_limited_to_five_calls_a_minute_with_the_headers(
    api: TestClient, clock: FrozenClock
) -> None:
    body = {"email": "nobody@example.com", "password": "WrongPass123"}
    for left in range(4, -1, -1):
        response = await api.post("/api/v1/auth/login", json=body)
        assert response.status == 401
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(left)
    response = await api.post("/api/v1/auth/login", json=body)
    error = await json_of(response, 429)
    assert error["code"] == "RATE_LIMITED" and int(response.headers["Retry-After"]) >= 1
    assert int(response.headers["X-RateLimit-Reset"]) > int(clock.now().timestamp())
    clock.advance(seconds=61)
    response = await api.post("/api/v1/auth/login", json=body)
    assert response.status == 401

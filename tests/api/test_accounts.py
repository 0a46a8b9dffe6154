"""`account: Account` endpoints: one user-level login across the shops the user is a
member of (the commerce shape), with the role read from the shop on every request."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_apps
from api.keys import RUNTIME
from api.routing import Contract
from core.auth import refresh
from core.auth.access import member_role
from core.auth.tokens import Account
from core.models import Role
from core.runtime import Runtime
from core.shops import add_member, remove_member, set_member_role
from tests.factories import auth, make_member, make_shop


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The cache on: every change below must invalidate it, not wait for it to expire.
    return {"auth_cache_seconds": 60}


projects = Contract("commerce", title="Projects", version="1", mount="/api/v1")


@projects.get("/me")
async def me(request: Any, *, account: Account) -> dict[str, Any]:
    return {"user_id": account.user_id}


@projects.get("/projects/{project_id}")
async def project(request: Any, *, project_id: int, account: Account) -> dict[str, Any]:
    role = await member_role(user_id=account.user_id, shop_id=project_id, what="Project")
    return {"id": project_id, "role": role.value}


@projects.post("/auth/logout", status=204)
async def logout(request: Any, *, account: Account) -> None:
    now = request.config_dict[RUNTIME].clock.now()
    await refresh.logout(jti=account.jti, expires_at=account.expires_at, now=now)


async def test_a_user_level_token_reaches_every_shop_of_the_user_with_its_role(
    runtime: Runtime,
) -> None:
    first, second, foreign = await make_shop("A"), await make_shop("B"), await make_shop("C")
    user = await make_member(first, Role.OWNER)
    await add_member(shop_id=second.id, user_id=user.id, role=Role.MANAGER)
    await make_member(foreign, Role.OWNER)
    token = runtime.issuer.issue(user_id=user.id, shop_id=None, role=None)
    apps = create_apps(runtime, contracts={"commerce": projects})
    async with TestClient(TestServer(apps[8000], host="127.0.0.1")) as client:
        response = await client.get("/api/v1/me", headers=auth(token))
        assert (response.status, await response.json()) == (200, {"user_id": user.id})
        response = await client.get(f"/api/v1/projects/{second.id}", headers=auth(token))
        assert (await response.json())["role"] == "manager"
        response = await client.get(f"/api/v1/projects/{foreign.id}", headers=auth(token))
        assert (response.status, await response.json()) == (404, {"detail": "Project not found"})
        await set_member_role(shop_id=second.id, user_id=user.id, role=Role.FLORIST)
        response = await client.get(f"/api/v1/projects/{second.id}", headers=auth(token))
        assert (await response.json())["role"] == "florist"
        await remove_member(shop_id=second.id, user_id=user.id)
        response = await client.get(f"/api/v1/projects/{second.id}", headers=auth(token))
        assert response.status == 404
        # A shop-scoped token is an account too; an API key is not.
        shop_token = runtime.issuer.issue(user_id=user.id, shop_id=first.id, role=Role.OWNER)
        response = await client.get("/api/v1/me", headers=auth(shop_token))
        assert response.status == 200
        response = await client.get("/api/v1/me", headers={"X-API-Key": "sk_abc_def"})
        assert response.status == 401
        response = await client.post("/api/v1/auth/logout", headers=auth(token))
        assert response.status == 204
        response = await client.get("/api/v1/me", headers=auth(token))
        assert response.status == 401
        response = await client.get("/api/v1/me", headers=auth(shop_token))
        assert response.status == 200

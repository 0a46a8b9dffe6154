"""Shop contract: a correctly signed token is only as good as the truth behind it, checked
at every request (core.auth.access), with the facts cache on (it must be invalidated, not
waited out): a token naming a shop its user is not a member of, a token whose user is
gone or switched off, a removed member's token, a logged-out token (its jti revoked):
each is refused at the next request, and a role change counts at once."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.auth.access import revoke_access_token
from core.auth.tokens import decode_claims
from core.models import Order, Role, User
from core.orders.status import OrderStatus
from core.runtime import Runtime
from core.shops import remove_member, set_member_role, set_user_active
from tests.factories import auth, make_member, make_shop, token_for

GONE = {"detail": "Authentication token is no longer valid"}
ORDER = {"customer_phone": "+77011234567", "flower_sum": 1000}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_cache_seconds": 60}


async def orders(api: TestClient, token: str) -> tuple[int, Any]:
    response = await api.get("/api/orders/", headers=auth(token))
    return response.status, await response.json()


async def test_a_signed_token_for_a_shop_the_user_is_not_a_member_of_is_refused(
    api: TestClient, runtime: Runtime
) -> None:
    mine, theirs = await make_shop("Моя"), await make_shop("Чужая")
    user = await make_member(mine, Role.OWNER)
    owner_b = await make_member(theirs, Role.OWNER)
    created = await api.post(
        "/api/orders/", json=ORDER, headers=auth(token_for(runtime, owner_b, theirs))
    )
    assert created.status == 201
    forged = token_for(runtime, user, theirs)  # signed with the real secret
    assert await orders(api, forged) == (401, GONE)
    response = await api.get(f"/api/orders/{(await created.json())['id']}", headers=auth(forged))
    assert response.status == 401
    assert (await orders(api, token_for(runtime, user, mine)))[0] == 200


async def test_a_token_whose_user_is_gone_or_switched_off_is_refused(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    gone, off = await make_member(shop, Role.MANAGER), await make_member(shop, Role.MANAGER)
    gone_token, off_token = token_for(runtime, gone, shop), token_for(runtime, off, shop)
    assert (await orders(api, gone_token))[0] == 200  # the facts are now cached
    assert (await orders(api, off_token))[0] == 200
    await (await User.get(id=gone.id)).delete()
    await set_user_active(user_id=off.id, active=False)
    assert await orders(api, gone_token) == (401, GONE)
    assert await orders(api, off_token) == (401, GONE)
    # A token for a user id that never existed.
    never = runtime.issuer.issue(user_id=10**9, shop_id=shop.id, role=Role.OWNER)
    assert await orders(api, never) == (401, GONE)


async def test_a_removed_member_is_refused_at_the_next_request_and_roles_count_at_once(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    await make_member(shop, Role.OWNER)
    member = await make_member(shop, Role.MANAGER)
    token = token_for(runtime, member, shop, Role.MANAGER)
    created = await api.post("/api/orders/", json=ORDER, headers=auth(token))
    assert created.status == 201
    order_id = (await created.json())["id"]
    # Down to courier: a courier may not cancel (core.permissions), whatever the token says.
    await set_member_role(shop_id=shop.id, user_id=member.id, role=Role.COURIER)
    response = await api.delete(f"/api/orders/{order_id}", headers=auth(token))
    assert response.status == 403, await response.text()
    assert (await Order.get(id=order_id)).status == OrderStatus.NEW
    await remove_member(shop_id=shop.id, user_id=member.id)
    assert await orders(api, token) == (401, GONE)


async def test_logout_revokes_the_tokens_jti(api: TestClient, runtime: Runtime) -> None:
    shop = await make_shop()
    user = await make_member(shop, Role.OWNER)
    token, other = token_for(runtime, user, shop), token_for(runtime, user, shop)
    assert (await orders(api, token))[0] == 200
    claims = decode_claims(token, secret=runtime.settings.jwt_secret, now=runtime.clock.now())
    assert (
        claims.jti
        and claims.jti
        != decode_claims(other, secret=runtime.settings.jwt_secret, now=runtime.clock.now()).jti
    )
    await revoke_access_token(jti=claims.jti, expires_at=claims.expires_at, now=runtime.clock.now())
    assert await orders(api, token) == (401, GONE)
    assert (await orders(api, other))[0] == 200  # another login of the same user stays

"""Rotating refresh tokens with families: one use each, reuse revokes the login, a race
gives one pair, audiences do not mix; on SQLite + in-process store and PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from core.auth import access, refresh
from core.auth.tokens import decode_claims
from core.clock import FrozenClock
from core.errors import Unauthorized
from core.models import RefreshToken, Role
from core.runtime import Runtime
from core.shops import remove_member, set_user_active
from tests.factories import make_member, make_shop

HOUR = 3600
DAY = 86400


async def _login(runtime: Runtime, *, shop: bool = True) -> tuple[refresh.TokenPair, int, int]:
    shop_row = await make_shop()
    user = await make_member(shop_row, Role.MANAGER)
    pair = await refresh.issue_pair(
        issuer=runtime.issuer,
        user_id=user.id,
        shop_id=shop_row.id if shop else None,
        role=Role.MANAGER if shop else None,
        audience="erp",
        access_ttl=900,
        refresh_ttl=DAY,
    )
    return pair, user.id, shop_row.id


async def _rotate(runtime: Runtime, token: str, audience: str = "erp") -> refresh.TokenPair:
    return await refresh.rotate(
        issuer=runtime.issuer,
        refresh_token=token,
        audience=audience,
        access_ttl=900,
        refresh_ttl=DAY,
    )


async def _usable(runtime: Runtime, access_token: str) -> bool:
    try:
        await access.account_for_token(
            access_token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
        )
    except Unauthorized:
        return False
    return True


async def test_a_login_gives_a_pair_and_stores_only_the_refresh_tokens_hash(
    runtime: Runtime,
) -> None:
    pair, user_id, shop_id = await _login(runtime)
    assert (pair.token_type, pair.expires_in, pair.refresh_expires_in) == ("bearer", 900, DAY)
    claims = decode_claims(
        pair.access_token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
    )
    assert (claims.user_id, claims.shop_id) == (user_id, shop_id)
    row = await RefreshToken.get(user_id=user_id)
    assert row.token_hash == hashlib.sha256(pair.refresh_token.encode()).hexdigest()
    assert pair.refresh_token not in {str(v) for v in row.__dict__.values()}
    assert (row.audience, row.access_jti) == ("erp", claims.jti)


async def test_a_refresh_token_works_once_and_the_new_one_works(runtime: Runtime) -> None:
    pair, user_id, shop_id = await _login(runtime)
    second = await _rotate(runtime, pair.refresh_token)
    assert second.refresh_token != pair.refresh_token
    claims = decode_claims(
        second.access_token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
    )
    assert (claims.user_id, claims.shop_id, claims.role) == (user_id, shop_id, Role.MANAGER)
    third = await _rotate(runtime, second.refresh_token)
    assert await _usable(runtime, third.access_token)
    assert await RefreshToken.filter(user_id=user_id).count() == 3
    assert (
        len(set(await RefreshToken.filter(user_id=user_id).values_list("family", flat=True))) == 1
    )


async def test_reusing_a_spent_token_revokes_the_whole_family(runtime: Runtime) -> None:
    pair, user_id, _ = await _login(runtime)
    second = await _rotate(runtime, pair.refresh_token)
    assert await _usable(runtime, second.access_token)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token)  # the thief replays the old one
    # The legitimate holder's newer tokens die with the family: access and refresh.
    with pytest.raises(Unauthorized):
        await _rotate(runtime, second.refresh_token)
    assert not await _usable(runtime, second.access_token)
    assert not await _usable(runtime, pair.access_token)
    assert await RefreshToken.filter(user_id=user_id, revoked_at__isnull=True).count() == 0


async def test_another_login_of_the_same_user_survives_a_reuse(runtime: Runtime) -> None:
    pair, user_id, shop_id = await _login(runtime)
    other = await refresh.issue_pair(
        issuer=runtime.issuer,
        user_id=user_id,
        shop_id=shop_id,
        role=Role.MANAGER,
        audience="erp",
        access_ttl=900,
        refresh_ttl=DAY,
    )
    await _rotate(runtime, pair.refresh_token)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token)
    assert await _usable(runtime, other.access_token)
    await _rotate(runtime, other.refresh_token)


async def test_unknown_expired_and_other_audience_tokens_are_refused(
    runtime: Runtime, clock: FrozenClock
) -> None:
    pair, _, _ = await _login(runtime)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, "not-a-token")
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token, audience="commerce")
    # Refused for the other audience, still good for its own.
    live = await _rotate(runtime, pair.refresh_token)
    clock.advance(seconds=DAY)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, live.refresh_token)


async def test_concurrent_double_use_gives_one_pair_at_most(runtime: Runtime) -> None:
    pair, user_id, _ = await _login(runtime)
    results = await asyncio.gather(
        *(_rotate(runtime, pair.refresh_token) for _ in range(4)), return_exceptions=True
    )
    pairs = [r for r in results if isinstance(r, refresh.TokenPair)]
    refused = [r for r in results if isinstance(r, Unauthorized)]
    assert len(pairs) == 1 and len(refused) == 3
    # Only one row was ever spent from the presented token, and at most one child exists.
    assert await RefreshToken.filter(user_id=user_id).count() == 1 + len(pairs)
    # The race is a reuse: the family is revoked, the winner's pair too.
    for won in pairs:
        assert not await _usable(runtime, won.access_token)
        with pytest.raises(Unauthorized):
            await _rotate(runtime, won.refresh_token)


async def test_user_level_pairs_have_no_shop_and_rotate(runtime: Runtime) -> None:
    pair, user_id, _ = await _login(runtime, shop=False)
    claims = decode_claims(
        pair.access_token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
    )
    assert (claims.user_id, claims.shop_id, claims.role) == (user_id, None, None)
    second = await _rotate(runtime, pair.refresh_token)
    assert await _usable(runtime, second.access_token)


async def test_rotation_reads_the_role_from_the_shop_and_refuses_a_removed_member(
    runtime: Runtime,
) -> None:
    pair, user_id, shop_id = await _login(runtime)
    await remove_member(shop_id=shop_id, user_id=user_id)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token)
    assert await RefreshToken.filter(user_id=user_id, revoked_at__isnull=True).count() == 0


async def test_an_inactive_user_cannot_rotate(runtime: Runtime) -> None:
    pair, user_id, _ = await _login(runtime, shop=False)
    await set_user_active(user_id=user_id, active=False)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token)


async def test_logout_revokes_the_access_token_and_its_family(runtime: Runtime) -> None:
    pair, _, _ = await _login(runtime)
    second = await _rotate(runtime, pair.refresh_token)
    claims = decode_claims(
        second.access_token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
    )
    await refresh.logout(jti=claims.jti, expires_at=claims.expires_at, now=runtime.clock.now())
    assert not await _usable(runtime, second.access_token)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, second.refresh_token)


async def test_revoke_family_by_refresh_token_and_unknown_tokens_are_ignored(
    runtime: Runtime,
) -> None:
    pair, _, _ = await _login(runtime)
    now = runtime.clock.now()
    assert not await refresh.revoke_family(refresh_token="nope", audience="erp", now=now)
    assert not await refresh.revoke_family(
        refresh_token=pair.refresh_token, audience="commerce", now=now
    )
    assert await _usable(runtime, pair.access_token)
    assert await refresh.revoke_family(refresh_token=pair.refresh_token, audience="erp", now=now)
    assert not await _usable(runtime, pair.access_token)
    with pytest.raises(Unauthorized):
        await _rotate(runtime, pair.refresh_token)

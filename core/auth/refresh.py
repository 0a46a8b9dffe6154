"""Rotating refresh tokens with families (OAuth 2.0 Security BCP, "refresh token rotation").

A login starts a *family*: `issue_pair` gives an access token and a refresh token.
`rotate` trades a refresh token for a new pair of the same family, and the presented
refresh token is spent. Presenting a spent one again means it leaked (the thief or the
owner used it first): the whole family is revoked, every refresh token of that login and
the access tokens issued with them (by jti, core.auth.access), and the answer is
Unauthorized. Two requests racing with the same token count the same way: the database
lets exactly one of them spend it (a conditional UPDATE ... WHERE used_at IS NULL, by its
row count), the other is a reuse, so a race never yields two pairs (and revokes the
family, as a reuse does).

Refresh tokens are opaque random strings (not JWTs; clients never read them), stored as
their SHA-256 only. Each belongs to one `audience`, the contract that issued it ("erp",
"commerce"): one contract's token is refused by another. Each rotation gives a fresh
`refresh_ttl` (a sliding lifetime). The new access token's role is read from the shop at
rotation time, and a user who is gone, inactive or no longer a member of the family's
shop gets Unauthorized (and the family is revoked).

    from core.auth import refresh

    pair = await refresh.issue_pair(
        issuer=runtime.issuer, user_id=user.id, shop_id=None, role=None,
        audience="commerce", access_ttl=900, refresh_ttl=30 * 86400,
    )  # TokenPair(access_token, refresh_token, expires_in=900, refresh_expires_in=...)
    pair = await refresh.rotate(
        issuer=runtime.issuer, refresh_token=pair.refresh_token, audience="commerce",
        access_ttl=900, refresh_ttl=30 * 86400,
    )
    await refresh.logout(
        jti=account.jti, expires_at=account.expires_at, now=runtime.clock.now(),
        refresh_token=body.refresh_token, audience="commerce",
    )

Errors are `core.errors.Unauthorized` with one detail for every refused refresh token
("Invalid or expired refresh token"), so an attacker learns nothing from it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from core.auth import access
from core.auth.service import TokenIssuer
from core.errors import NotFound, Unauthorized, ValidationFailed
from core.models import RefreshToken, Role

INVALID = "Invalid or expired refresh token"
MAX_AUDIENCE = 32


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: str = "bearer"


def _digest(token: str) -> str:
    # 384 random bits: a fast hash is enough (nothing to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


def _check_audience(audience: str) -> None:
    if not audience or len(audience) > MAX_AUDIENCE:
        raise ValueError(f"audience must be 1..{MAX_AUDIENCE} characters")


async def _new_member(
    *,
    issuer: TokenIssuer,
    family: uuid.UUID,
    user_id: int,
    shop_id: int | None,
    role: Role | None,
    audience: str,
    access_ttl: int,
    refresh_ttl: int,
) -> TokenPair:
    now = issuer.clock.now()
    issued = issuer.issue_token(user_id=user_id, shop_id=shop_id, role=role, ttl_seconds=access_ttl)
    token = secrets.token_urlsafe(48)
    await RefreshToken.create(
        family=family,
        user_id=user_id,
        shop_id=shop_id,
        audience=audience,
        token_hash=_digest(token),
        access_jti=issued.jti,
        access_expires_at=issued.expires_at,
        issued_at=now,
        expires_at=now + timedelta(seconds=refresh_ttl),
    )
    return TokenPair(
        access_token=issued.token,
        refresh_token=token,
        expires_in=access_ttl,
        refresh_expires_in=refresh_ttl,
    )


async def issue_pair(
    *,
    issuer: TokenIssuer,
    user_id: int,
    shop_id: int | None,
    role: Role | None,
    audience: str,
    access_ttl: int,
    refresh_ttl: int,
) -> TokenPair:
    """Start a login's family: an access token (shop-scoped, or user-level when
    `shop_id` is None) and its refresh token. The caller has checked the login."""
    _check_audience(audience)
    if access_ttl <= 0 or refresh_ttl <= 0:
        raise ValueError("token lifetimes must be positive")
    return await _new_member(
        issuer=issuer,
        family=uuid.uuid4(),
        user_id=user_id,
        shop_id=shop_id,
        role=role,
        audience=audience,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
    )


async def _role_now(user_id: int, shop_id: int | None) -> Role | None:
    """The role to put in the new access token; Unauthorized when the login no longer
    holds (user gone or inactive, no longer a member of the shop)."""
    if shop_id is None:
        if not (await access.user_facts(user_id=user_id)).active:
            raise Unauthorized(INVALID)
        return None
    try:
        return await access.member_role(user_id=user_id, shop_id=shop_id)
    except NotFound:
        raise Unauthorized(INVALID) from None


async def rotate(
    *,
    issuer: TokenIssuer,
    refresh_token: str,
    audience: str,
    access_ttl: int,
    refresh_ttl: int,
) -> TokenPair:
    """A new pair for a live refresh token, which is spent by it.

    Unauthorized for an unknown, expired, revoked or other-audience token; for a spent
    one (or the loser of a race) also revokes the whole family first.
    """
    _check_audience(audience)
    now = issuer.clock.now()
    row = await RefreshToken.get_or_none(token_hash=_digest(refresh_token))
    if row is None or row.audience != audience or row.revoked_at is not None:
        raise Unauthorized(INVALID)
    if row.used_at is not None:
        await _revoke(row.family, now=now)
        raise Unauthorized(INVALID)
    if row.expires_at <= now:
        raise Unauthorized(INVALID)
    user_id: int = row.user_id  # type: ignore[attr-defined]
    shop_id: int | None = row.shop_id  # type: ignore[attr-defined]
    try:
        role = await _role_now(user_id, shop_id)
    except Unauthorized:
        await _revoke(row.family, now=now)
        raise
    pair: TokenPair | None = None
    async with in_transaction():
        spent = await RefreshToken.filter(
            id=row.id, used_at__isnull=True, revoked_at__isnull=True
        ).update(used_at=now)
        if spent == 1:
            pair = await _new_member(
                issuer=issuer,
                family=row.family,
                user_id=user_id,
                shop_id=shop_id,
                role=role,
                audience=audience,
                access_ttl=access_ttl,
                refresh_ttl=refresh_ttl,
            )
    if pair is None:
        # Someone spent it between our read and our update: a reuse.
        await _revoke(row.family, now=now)
        raise Unauthorized(INVALID)
    return pair


async def _revoke(family: uuid.UUID, *, now: datetime) -> int:
    """Revoke every refresh token of the family and the live access tokens issued
    with them. Returns how many refresh tokens were still unrevoked."""
    count = await RefreshToken.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)
    rows = await RefreshToken.filter(
        family=family, access_jti__isnull=False, access_expires_at__gt=now
    ).values_list("access_jti", "access_expires_at")
    for jti, expires_at in rows:
        await access.revoke_access_token(jti=str(jti), expires_at=expires_at, now=now)
    return count


async def revoke_family(*, refresh_token: str, audience: str, now: datetime) -> bool:
    """Revoke the family of `refresh_token` (spent or not); False when the token is
    unknown or of another audience (nothing is revoked then)."""
    _check_audience(audience)
    row = await RefreshToken.get_or_none(token_hash=_digest(refresh_token))
    if row is None or row.audience != audience:
        return False
    await _revoke(row.family, now=now)
    return True


async def logout(
    *,
    jti: str | None,
    expires_at: datetime | None,
    now: datetime,
    refresh_token: str | None = None,
    audience: str | None = None,
) -> None:
    """End a login: the access token `jti` is revoked, and so is the family it was issued
    in (if any) and the family of `refresh_token` (when given, with its `audience`).
    Idempotent; an unknown refresh token is ignored."""
    if jti is not None and expires_at is not None:
        await access.revoke_access_token(jti=jti, expires_at=expires_at, now=now)
        families = await RefreshToken.filter(access_jti=jti).values_list("family", flat=True)
        for family in set(families):
            await _revoke(family, now=now)  # type: ignore[arg-type]
    if refresh_token is not None:
        if audience is None:
            raise ValidationFailed.field("audience", msg="audience is required")
        await revoke_family(refresh_token=refresh_token, audience=audience, now=now)


async def revoke_user(*, user_id: int, now: datetime) -> int:
    """Revoke every family of the user (password change, account switched off).
    Returns how many refresh tokens were still unrevoked."""
    families = await RefreshToken.filter(user_id=user_id, revoked_at__isnull=True).values_list(
        "family", flat=True
    )
    total = 0
    for family in set(families):
        total += await _revoke(family, now=now)  # type: ignore[arg-type]
    return total


async def purge_expired(*, now: datetime, keep_days: int = 7) -> int:
    """Delete refresh tokens that expired more than `keep_days` ago (housekeeping)."""
    return await RefreshToken.filter(expires_at__lt=now - timedelta(days=keep_days)).delete()

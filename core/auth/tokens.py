"""Access tokens (JWT, HS256) and who they say is calling.

Two kinds of access token, one format:

- shop-scoped (`shop` claim set): one user acting in one shop, for contracts whose login
  lands in a shop (shop, erp, crm). Requests get a `Principal`.
- user-level (no `shop` claim): one user across every shop they are a member of, for
  contracts where one login spans many shops (commerce: a user sees their projects).
  Requests get an `Account`; the handler asks `core.auth.access.member_role` for the
  role in the shop its path names.

Every token carries a `jti` (its id, for logout: core.auth.access keeps a revocation
list) and `exp`. The `role` claim is informational only: each request reads the roles
from the shop (core.auth.access), so a role change or a removal takes effect at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from core.errors import Unauthorized
from core.models import Role

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a shop, a role in it, and the user or API key behind it."""

    shop_id: int
    role: Role
    user_id: int | None = None
    api_key_id: int | None = None
    # The access token's id and expiry (None for API keys).
    jti: str | None = None
    expires_at: datetime | None = None

    @property
    def label(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"api_key:{self.api_key_id}"


@dataclass(frozen=True)
class Account:
    """A signed-in user, whatever shop (user-level and shop-scoped tokens alike)."""

    user_id: int
    jti: str
    expires_at: datetime

    @property
    def label(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class AccessClaims:
    """What a correctly signed, unexpired access token says (not yet checked against
    the database)."""

    user_id: int
    shop_id: int | None
    role: Role | None
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


def new_jti() -> str:
    return secrets.token_hex(16)


def issue_token(
    *,
    secret: str,
    user_id: int,
    shop_id: int | None,
    role: Role | None,
    now: datetime,
    ttl_seconds: int,
) -> IssuedToken:
    """A signed access token; `shop_id=None` makes a user-level one."""
    jti = new_jti()
    expires = int((now + timedelta(seconds=ttl_seconds)).timestamp())
    payload: dict[str, object] = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": expires,
        "typ": "access",
        "jti": jti,
    }
    if shop_id is not None:
        payload["shop"] = shop_id
        if role is not None:
            payload["role"] = Role(role).value
    token = jwt.encode(payload, secret, algorithm=ALGORITHM)
    return IssuedToken(token=token, jti=jti, expires_at=datetime.fromtimestamp(expires, UTC))


def issue_access_token(
    *,
    secret: str,
    user_id: int,
    shop_id: int | None,
    role: Role | None,
    now: datetime,
    ttl_seconds: int,
) -> str:
    return issue_token(
        secret=secret,
        user_id=user_id,
        shop_id=shop_id,
        role=role,
        now=now,
        ttl_seconds=ttl_seconds,
    ).token


def decode_claims(token: str, *, secret: str, now: datetime) -> AccessClaims:
    """The claims of a valid token; Unauthorized for a bad or expired one."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # Times are checked below against the injected clock, not PyJWT's wall clock.
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise Unauthorized("Invalid authentication token") from None
    if payload.get("typ") != "access":
        raise Unauthorized("Invalid authentication token")
    try:
        expires = int(payload["exp"])
        shop = payload.get("shop")
        role = payload.get("role")
        claims = AccessClaims(
            user_id=int(payload["sub"]),
            shop_id=None if shop is None else int(shop),
            role=None if role is None else Role(role),
            # Tokens from before jti existed get one derived from their signature, so
            # logout can still revoke them.
            jti=str(payload.get("jti") or token.rsplit(".", 1)[-1][:32]),
            expires_at=datetime.fromtimestamp(expires, UTC),
        )
    except (KeyError, ValueError, TypeError, OverflowError):
        raise Unauthorized("Invalid authentication token") from None
    if expires <= int(now.timestamp()):
        raise Unauthorized("Authentication token has expired")
    return claims


def decode_access_token(token: str, *, secret: str, now: datetime) -> Principal:
    """The principal a valid shop-scoped token names, as the token says it (the
    database check is core.auth.access.principal_for_token); Unauthorized otherwise."""
    claims = decode_claims(token, secret=secret, now=now)
    if claims.shop_id is None or claims.role is None:
        raise Unauthorized("Invalid authentication token")
    return Principal(
        shop_id=claims.shop_id,
        role=claims.role,
        user_id=claims.user_id,
        jti=claims.jti,
        expires_at=claims.expires_at,
    )

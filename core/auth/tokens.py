"""Access tokens (JWT, HS256) and the principal they carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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

    @property
    def label(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"api_key:{self.api_key_id}"


def issue_access_token(
    *, secret: str, user_id: int, shop_id: int, role: Role, now: datetime, ttl_seconds: int
) -> str:
    payload = {
        "sub": str(user_id),
        "shop": shop_id,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str, now: datetime) -> Principal:
    """The principal of a valid token; Unauthorized for a bad or expired one."""
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
    if int(payload["exp"]) <= int(now.timestamp()):
        raise Unauthorized("Authentication token has expired")
    try:
        return Principal(
            shop_id=int(payload["shop"]), role=Role(payload["role"]), user_id=int(payload["sub"])
        )
    except (KeyError, ValueError):
        raise Unauthorized("Invalid authentication token") from None

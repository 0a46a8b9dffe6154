"""Commerce auth: email/password users, access + rotating refresh tokens (see the
package docstring)."""

from __future__ import annotations

import uuid
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.commerce import contract
from api.commerce.common import runtime_of, utc
from core.auth import refresh
from core.auth.tokens import Account
from core.commerce.accounts import authenticate_email, register_user
from core.commerce.public_ids import ensure_public_id
from core.errors import NotFound
from core.models import User

AUDIENCE = "commerce"
ACCESS_TTL = 900
REFRESH_TTL = 30 * 86400
AUTH_LIMIT = "commerce_auth_per_minute"


class RegisterIn(BaseModel):
    email: str = Field(max_length=254, examples=["user@example.com"])
    password: str = Field(max_length=128, examples=["SecurePass123"])
    name: str = Field("", max_length=200, examples=["John Doe"])


class LoginIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: Literal["user"] = "user"
    is_active: bool
    created_at: str


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


async def user_out(user: User) -> UserOut:
    await ensure_public_id(user)
    return UserOut(
        id=user.public_id,  # type: ignore[arg-type]
        email=user.email or "",
        name=user.name,
        is_active=user.is_active,
        created_at=utc(user.created_at) or "",
    )


def tokens_out(pair: refresh.TokenPair) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@contract.post(
    "/auth/register",
    response=UserOut,
    status=201,
    tags=("auth",),
    per_minute=AUTH_LIMIT,
    responses={409: "The email is taken", 422: "Invalid email or password"},
    rules=("password has 8 to 128 characters, at least one a letter and one a digit.",),
)
async def register(request: web.Request, *, body: RegisterIn) -> UserOut:
    """Register a user (email + password)."""
    user = await register_user(email=body.email, password=body.password, name=body.name.strip())
    return await user_out(user)


@contract.post(
    "/auth/login",
    response=TokensOut,
    tags=("auth",),
    per_minute=AUTH_LIMIT,
    responses={401: "Incorrect email or password"},
)
async def login(request: web.Request, *, body: LoginIn) -> TokensOut:
    """Sign in: an access token (15 minutes) and a refresh token."""
    user = await authenticate_email(email=body.email, password=body.password)
    pair = await refresh.issue_pair(
        issuer=runtime_of(request).issuer,
        user_id=user.id,
        shop_id=None,
        role=None,
        audience=AUDIENCE,
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
    )
    return tokens_out(pair)


@contract.post(
    "/auth/refresh",
    response=TokensOut,
    tags=("auth",),
    per_minute=AUTH_LIMIT,
    responses={401: "Unknown, expired, revoked or already used refresh token"},
)
async def refresh_tokens(request: web.Request, *, body: RefreshIn) -> TokensOut:
    """Trade a refresh token for a new pair (the old one is spent; reusing it revokes
    the login)."""
    pair = await refresh.rotate(
        issuer=runtime_of(request).issuer,
        refresh_token=body.refresh_token,
        audience=AUDIENCE,
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
    )
    return tokens_out(pair)


@contract.get("/auth/me", response=UserOut, tags=("auth",))
async def me(request: web.Request, *, account: Account) -> UserOut:
    """The signed-in user."""
    user = await User.get_or_none(id=account.user_id)
    if user is None:
        raise NotFound("User")
    return await user_out(user)


@contract.post("/auth/logout", status=204, tags=("auth",), per_minute=AUTH_LIMIT)
async def logout(request: web.Request, *, account: Account) -> None:
    """End this login: its access token and its refresh tokens stop working."""
    await refresh.logout(
        jti=account.jti, expires_at=account.expires_at, now=runtime_of(request).clock.now()
    )

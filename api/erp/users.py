"""erp users: register (a user, their store, tokens), login, token refresh, profile."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, field_validator
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.erp import contract
from api.erp.common import envelope
from api.keys import RUNTIME
from core.auth import refresh
from core.auth.passwords import hash_password
from core.auth.service import sign_in_with_password
from core.auth.tokens import Principal
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import Role, Shop, User
from core.phones import InvalidPhone, normalize_phone
from core.shops import add_member, create_shop, member_roles

AUDIENCE = "erp"
REFRESH_TTL = 30 * 86400
USERNAME = r"^[\w.@+-]{3,150}$"
# The shape of an address (one @, a dotted domain); whether it exists is not ours to say.
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class RegisterIn(BaseModel):
    username: str = Field(pattern=USERNAME)
    email: str = Field(pattern=EMAIL, max_length=254)
    password: str = Field(min_length=1, max_length=128)
    password2: str = Field(max_length=128)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    store_name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)

    @field_validator("store_name")
    @classmethod
    def _store(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(BaseModel):
    refresh: str = Field(min_length=1, max_length=512)


def check_password_strength(password: str, username: str) -> None:
    """8+ characters, a letter and a digit, and not the username inside it."""
    problems = []
    if len(password) < 8:
        problems.append("This password is too short. It must contain at least 8 characters.")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        problems.append("The password must contain letters and digits.")
    if username and username.lower() in password.lower():
        problems.append("The password is too similar to the username.")
    if problems:
        raise ValidationFailed.field("password", msg=" ".join(problems))


def _names(user: User) -> tuple[str, str]:
    first, _, last = (user.name or "").partition(" ")
    return first, last


async def user_out(user: User, shop: Shop) -> dict[str, Any]:
    first, last = _names(user)
    roles = await member_roles(shop_id=shop.id, user_id=user.id)
    role = next((r.value for r in Role if r in roles), None)
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": first,
        "last_name": last,
        "phone": user.phone,
        "role": role,
        "store": {"id": shop.id, "name": shop.name, "currency": str(shop.currency)},
        "is_active": user.is_active,
        "date_joined": user.created_at.isoformat(),
    }


def _tokens(pair: refresh.TokenPair) -> dict[str, str]:
    return {"access": pair.access_token, "refresh": pair.refresh_token}


async def _pair(request: web.Request, user: User, shop: Shop, role: Role) -> refresh.TokenPair:
    runtime = request.config_dict[RUNTIME]
    return await refresh.issue_pair(
        issuer=runtime.issuer,
        user_id=user.id,
        shop_id=shop.id,
        role=role,
        audience=AUDIENCE,
        access_ttl=runtime.settings.jwt_ttl_seconds,
        refresh_ttl=REFRESH_TTL,
    )


@contract.post("/users/auth/register/", status=201, tags=("users",))
async def register(request: web.Request, *, body: RegisterIn) -> dict[str, Any]:
    """Register a user with a new store they own; answers the user and tokens."""
    if body.password != body.password2:
        raise ValidationFailed.field("password2", msg="Passwords do not match")
    check_password_strength(body.password, body.username)
    phone = None
    if body.phone:
        try:
            phone = normalize_phone(body.phone)
        except InvalidPhone as error:
            raise ValidationFailed.field("phone", msg=str(error)) from None
    email = str(body.email).lower()
    uzbek = phone is not None and phone.startswith("+998")
    try:
        async with in_transaction():
            for field, taken in (
                ("username", User.filter(username=body.username)),
                ("email", User.filter(email=email)),
                ("phone", User.filter(phone=phone) if phone else None),
            ):
                if taken is not None and await taken.exists():
                    raise ValidationFailed.field(
                        field, msg=f"A user with this {field} already exists"
                    )
            user = await User.create(
                username=body.username,
                email=email,
                phone=phone,
                password_hash=hash_password(body.password),
                name=" ".join(p for p in (body.first_name.strip(), body.last_name.strip()) if p),
            )
            shop = await create_shop(
                name=body.store_name,
                timezone="Asia/Tashkent" if uzbek else "Asia/Almaty",
                currency="UZS" if uzbek else "KZT",
            )
            if phone:
                shop.phone = phone
                await shop.save(update_fields=["phone", "updated_at"])
            await add_member(shop_id=shop.id, user_id=user.id, role=Role.OWNER)
            pair = await _pair(request, user, shop, Role.OWNER)
    except IntegrityError:
        raise BadRequest("A user with this username, email or phone already exists") from None
    return envelope(
        "Пользователь успешно зарегистрирован",
        {"user": await user_out(user, shop), "tokens": _tokens(pair)},
    )


@contract.post("/users/auth/login/", tags=("users",), responses={401: "Wrong username or password"})
async def login(request: web.Request, *, body: LoginIn) -> dict[str, Any]:
    """Username (or email) and password: the user and tokens for their store."""
    runtime = request.config_dict[RUNTIME]
    signed = await sign_in_with_password(
        login=body.username, password=body.password, issuer=runtime.issuer
    )
    pair = await _pair(request, signed.user, signed.shop, Role(signed.membership.role))
    return envelope(
        "Вход выполнен успешно",
        {"user": await user_out(signed.user, signed.shop), "tokens": _tokens(pair)},
    )


@contract.post(
    "/users/auth/token/refresh/",
    tags=("users",),
    responses={401: "Unknown, expired, revoked or already used refresh token"},
)
async def token_refresh(request: web.Request, *, body: RefreshIn) -> dict[str, str]:
    """A new access and refresh token for a live refresh token (which is spent)."""
    runtime = request.config_dict[RUNTIME]
    pair = await refresh.rotate(
        issuer=runtime.issuer,
        refresh_token=body.refresh,
        audience=AUDIENCE,
        access_ttl=runtime.settings.jwt_ttl_seconds,
        refresh_ttl=REFRESH_TTL,
    )
    return _tokens(pair)


@contract.get("/users/profile/", tags=("users",))
async def profile(request: web.Request, *, principal: Principal) -> dict[str, Any]:
    """The signed-in user and their store."""
    if principal.user_id is None:
        raise NotFound("User")
    user = await User.get(id=principal.user_id)
    shop = await Shop.get(id=principal.shop_id)
    return envelope("Профиль пользователя", await user_out(user, shop))

"""Sign-in use cases. All of them end in the same kind of access token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.auth.passwords import hash_password, verify_password
from core.auth.tokens import IssuedToken, issue_token
from core.clock import Clock
from core.errors import Unauthorized, ValidationFailed
from core.models import Membership, Role, Shop, User
from core.shops import add_member, create_shop, primary_membership


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    ttl_seconds: int
    clock: Clock

    def issue(self, *, user_id: int, shop_id: int | None, role: Role | None) -> str:
        """An access token; `shop_id=None` makes a user-level one (core.auth.tokens)."""
        return self.issue_token(user_id=user_id, shop_id=shop_id, role=role).token

    def issue_token(
        self,
        *,
        user_id: int,
        shop_id: int | None,
        role: Role | None,
        ttl_seconds: int | None = None,
    ) -> IssuedToken:
        """An access token with its jti and expiry; `ttl_seconds` defaults to the issuer's."""
        return issue_token(
            secret=self.secret,
            user_id=user_id,
            shop_id=shop_id,
            role=role,
            now=self.clock.now(),
            ttl_seconds=self.ttl_seconds if ttl_seconds is None else ttl_seconds,
        )


@dataclass(frozen=True)
class SignedIn:
    user: User
    shop: Shop
    membership: Membership
    access_token: str


async def _signed_in(issuer: TokenIssuer, user: User, membership: Membership) -> SignedIn:
    shop = await Shop.get(id=membership.shop_id)  # type: ignore[attr-defined]
    token = issuer.issue(user_id=user.id, shop_id=shop.id, role=Role(membership.role))
    return SignedIn(user=user, shop=shop, membership=membership, access_token=token)


async def sign_in_by_phone(*, phone: str, issuer: TokenIssuer, new_shop_name: str) -> SignedIn:
    """After a verified one-time code: the user's shop, or a new shop they own when the
    phone is seen for the first time."""
    async with in_transaction():
        user = await User.get_or_none(phone=phone)
        if user is None:
            user = await User.create(phone=phone)
        membership = await primary_membership(user_id=user.id)
        if membership is None:
            shop = await create_shop(name=new_shop_name)
            membership = await add_member(shop_id=shop.id, user_id=user.id, role=Role.OWNER)
    return await _signed_in(issuer, user, membership)


def _max_length(model: Any, column: str) -> int:
    return int(model._meta.fields_map[column].max_length)


async def sign_in_with_password(
    *, login: str, password: str, issuer: TokenIssuer, shop_id: int | None = None
) -> SignedIn:
    """Email or username + password; the same answer for an unknown user and a wrong
    password."""
    login = login.strip()
    # Only the columns that can hold the text are asked (a 200-character login is no
    # username, whose column holds 150: the database would refuse the query itself).
    lookups = [
        Q(**{column: value})
        for column, value in (("email", login.lower()), ("username", login))
        if len(value) <= _max_length(User, column)
    ]
    user = await User.get_or_none(Q(*lookups, join_type="OR")) if lookups else None
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("Incorrect login or password")
    if not user.is_active:
        raise Unauthorized("Incorrect login or password")
    if shop_id is not None:
        membership = (
            await Membership.filter(user_id=user.id, shop_id=shop_id).order_by("id").first()
        )
    else:
        membership = await primary_membership(user_id=user.id)
    if membership is None:
        raise Unauthorized("This account has no shop")
    return await _signed_in(issuer, user, membership)


async def set_password(*, user: User, password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed.field("password", msg="Password must be at least 8 characters")
    user.password_hash = hash_password(password)
    await user.save(update_fields=["password_hash", "updated_at"])

"""Shops and their members."""

from __future__ import annotations

import re
import secrets

from core.errors import Conflict, ValidationFailed
from core.models import Membership, Role, Shop, User
from core.phones import InvalidPhone, normalize_phone

TIMEZONES = ("Asia/Almaty", "Asia/Tashkent")


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:40] or "shop"


async def create_shop(
    *,
    name: str,
    slug: str | None = None,
    timezone: str = "Asia/Almaty",
    currency: str = "KZT",
    locale: str = "ru",
) -> Shop:
    """Create a shop with a unique slug (a free one is picked when none is given)."""
    if timezone not in TIMEZONES:
        raise ValidationFailed.field(
            "timezone", msg=f"timezone must be one of {', '.join(TIMEZONES)}"
        )
    if slug:
        if await Shop.filter(slug=slug).exists():
            raise Conflict(f"Shop slug '{slug}' is taken")
    else:
        slug = _slugify(name)
        while await Shop.filter(slug=slug).exists():
            slug = f"{_slugify(name)[:32]}-{secrets.token_hex(3)}"
    return await Shop.create(
        name=name, slug=slug, timezone=timezone, currency=currency, locale=locale
    )


async def add_member(*, shop_id: int, user_id: int, role: Role) -> Membership:
    """Give a user a role in a shop (idempotent)."""
    membership, _ = await Membership.get_or_create(shop_id=shop_id, user_id=user_id, role=role)
    return membership


async def get_or_create_user_by_phone(*, phone: str, name: str = "") -> tuple[User, bool]:
    """The user with this phone, created when first seen."""
    try:
        phone = normalize_phone(phone)
    except InvalidPhone as error:
        raise ValidationFailed.field("phone", msg=str(error)) from None
    user = await User.get_or_none(phone=phone)
    if user is not None:
        return user, False
    return await User.create(phone=phone, name=name), True


async def member_roles(*, shop_id: int, user_id: int) -> set[Role]:
    rows = await Membership.filter(shop_id=shop_id, user_id=user_id)
    return {Role(m.role) for m in rows}


async def primary_membership(*, user_id: int) -> Membership | None:
    """The membership a login lands in: the owner one first, then the oldest."""
    memberships = await Membership.filter(user_id=user_id).order_by("id")
    owners = [m for m in memberships if m.role is Role.OWNER]
    chosen = owners or memberships
    return chosen[0] if chosen else None

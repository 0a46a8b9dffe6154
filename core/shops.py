"""Shops and their members."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.auth.access import forget_user
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Membership, Role, Shop, User
from core.phones import InvalidPhone, normalize_phone

TIMEZONES = ("Asia/Almaty", "Asia/Tashkent")


# Russian, Kazakh and Uzbek Cyrillic to Latin, as people spell shop names in links.
_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziiklmnoprstufye", strict=True)),
        **dict(zip("ғқңөұүһіәў", "gqnouuhiao", strict=True)),
        "ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
        "ю": "yu", "я": "ya", "ъ": "", "ь": "", "ҳ": "h",
        "ʻ": "", "ʼ": "", "‘": "", "’": "", "'": "", "`": "",
    }
)  # fmt: skip


def slugify(name: str) -> str:
    """A link-safe slug of a shop name: `Гүлдер` -> `gulder`, `Oʻzbek gullari` -> `ozbek-gullari`."""
    latin = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLIT))
    ascii_only = latin.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    return slug[:40].strip("-") or "shop"


async def create_shop(
    *,
    name: str,
    slug: str | None = None,
    timezone: str = "Asia/Almaty",
    currency: str = "KZT",
    locale: str = "ru",
    description: str = "",
    settings: dict[str, object] | None = None,
    any_timezone: bool = False,
) -> Shop:
    """Create a shop with a unique slug (a free one is picked when none is given).

    The timezone is Asia/Almaty or Asia/Tashkent, or with `any_timezone` any IANA zone
    (a commerce project may sell from New York); else a 422 on `timezone`."""
    if any_timezone:
        check_timezone(timezone)
    elif timezone not in TIMEZONES:
        raise ValidationFailed.field(
            "timezone", msg=f"timezone must be one of {', '.join(TIMEZONES)}"
        )
    if slug:
        if await Shop.filter(slug=slug).exists():
            raise Conflict(f"Shop slug '{slug}' is taken")
    else:
        base = slugify(name)
        slug, n = base, 1
        while await Shop.filter(slug=slug).exists():
            n += 1
            slug = f"{base[:36]}-{n}"
    return await Shop.create(
        name=name,
        slug=slug,
        timezone=timezone,
        currency=currency,
        locale=locale,
        description=description,
        settings=dict(settings or {}),
    )


def check_timezone(name: str, *loc: str | int) -> None:
    """A 422 unless `name` is an IANA timezone this machine knows."""
    try:
        ZoneInfo(name)
        valid = bool(name) and "/" in name or name == "UTC"
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        valid = False
    if not valid:
        raise ValidationFailed.field(
            *(loc or ("timezone",)), msg=f"Unknown timezone '{name}' (use an IANA name)"
        )


async def add_member(*, shop_id: int, user_id: int, role: Role) -> Membership:
    """Give a user a role in a shop (idempotent); effective from the next request."""
    membership, _ = await Membership.get_or_create(shop_id=shop_id, user_id=user_id, role=role)
    await forget_user(user_id=user_id)
    return membership


async def remove_member(*, shop_id: int, user_id: int, role: Role | None = None) -> int:
    """Take the user's role (or, without `role`, every role) in the shop away; their
    tokens for the shop stop working at the next request. Returns how many went."""
    query = Membership.filter(shop_id=shop_id, user_id=user_id)
    if role is not None:
        query = query.filter(role=role)
    removed = await query.delete()
    await forget_user(user_id=user_id)
    return removed


async def set_member_role(*, shop_id: int, user_id: int, role: Role) -> Membership:
    """Make `role` the user's only role in the shop (NotFound when not a member);
    effective from the next request."""
    if not await Membership.filter(shop_id=shop_id, user_id=user_id).exists():
        raise NotFound("Member")
    membership, _ = await Membership.get_or_create(shop_id=shop_id, user_id=user_id, role=role)
    await Membership.filter(shop_id=shop_id, user_id=user_id).exclude(role=role).delete()
    await forget_user(user_id=user_id)
    return membership


async def set_user_active(*, user_id: int, active: bool) -> User:
    """Switch a user off (every token and login refused from the next request) or on."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("User")
    user.is_active = active
    await user.save(update_fields=["is_active", "updated_at"])
    await forget_user(user_id=user_id)
    return user


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

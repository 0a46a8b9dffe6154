"""Projects: a commerce user's shops.

A project is a `Shop`; the user who creates it is its owner (a Membership), and a user
sees only the projects they are a member of: any other id, existing or not, is
NotFound("Project") (404). Deleting is soft: `is_active` becomes false, the shop's data
stays, and it leaves the list (`include_inactive` shows it); it can still be read and
switched back on with a PATCH of `is_active`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from core.auth.access import member_role, member_shop_ids
from core.commerce.public_ids import ensure_public_id, parse_uuid
from core.errors import NotFound, ValidationFailed
from core.i18n import LANGUAGES
from core.models import Currency, Role, Shop
from core.shops import add_member, check_timezone, create_shop

PROJECT = "Project"
UPDATABLE = ("name", "description", "timezone", "settings", "currency", "language", "is_active")


def _check_currency(currency: str) -> str:
    code = str(currency).upper()
    if code not in {c.value for c in Currency}:
        raise ValidationFailed.field(
            "currency", msg=f"currency must be one of {', '.join(c.value for c in Currency)}"
        )
    return code


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationFailed.field(
            "language", msg=f"language must be one of {', '.join(LANGUAGES)}"
        )
    return language


async def create_project(
    *,
    user_id: int,
    name: str,
    description: str = "",
    timezone: str = "Asia/Almaty",
    currency: str = "KZT",
    language: str = "ru",
    settings: Mapping[str, Any] | None = None,
) -> Shop:
    """A new shop owned by the user."""
    shop = await create_shop(
        name=name,
        timezone=timezone,
        currency=_check_currency(currency),
        locale=_check_language(language),
        description=description,
        settings=dict(settings or {}),
        any_timezone=True,
    )
    await add_member(shop_id=shop.id, user_id=user_id, role=Role.OWNER)
    return shop


async def project_of(*, user_id: int, project_id: uuid.UUID | str) -> Shop:
    """The user's project with this public id; NotFound for anything else."""
    public_id = parse_uuid(project_id)
    if public_id is None:
        raise NotFound(PROJECT)
    shop = await Shop.get_or_none(public_id=public_id)
    if shop is None:
        raise NotFound(PROJECT)
    await member_role(user_id=user_id, shop_id=shop.id, what=PROJECT)
    return shop


async def list_projects(*, user_id: int, include_inactive: bool = False) -> list[Shop]:
    """The user's projects, oldest first."""
    ids = await member_shop_ids(user_id=user_id)
    query = Shop.filter(id__in=ids)
    if not include_inactive:
        query = query.filter(is_active=True)
    shops = await query.order_by("created_at", "id")
    for shop in shops:
        await ensure_public_id(shop)
    return shops


async def update_project(
    *, user_id: int, project_id: uuid.UUID, changes: Mapping[str, Any]
) -> Shop:
    """Change the fields given (UPDATABLE); the others stay as they are."""
    shop = await project_of(user_id=user_id, project_id=project_id)
    fields: list[str] = []
    for name, value in changes.items():
        if name not in UPDATABLE:
            continue
        if value is None:
            raise ValidationFailed.field(name, msg=f"{name} may not be null")
        if name == "timezone":
            check_timezone(value)
        if name == "currency":
            value = _check_currency(value)
        if name == "language":
            name, value = "locale", _check_language(value)
        setattr(shop, name, value)
        fields.append(name)
    if fields:
        await shop.save(update_fields=[*fields, "updated_at"])
    return shop


async def deactivate_project(*, user_id: int, project_id: uuid.UUID) -> Shop:
    """Soft delete: the project is switched off, its data stays."""
    shop = await project_of(user_id=user_id, project_id=project_id)
    if shop.is_active:
        shop.is_active = False
        await shop.save(update_fields=["is_active", "updated_at"])
    return shop

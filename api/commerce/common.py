"""What commerce handlers share: the caller's project, paging, times, money."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.keys import RUNTIME
from core.actors import Actor
from core.auth.access import member_role
from core.auth.tokens import Account
from core.commerce.projects import PROJECT, project_of
from core.commerce.public_ids import ensure_public_id
from core.models import Role, Shop
from core.runtime import Runtime

MAX_PAGE_SIZE = 200


class Paging(BaseModel):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def runtime_of(request: web.Request) -> Runtime:
    return request.config_dict[RUNTIME]


def now_of(request: web.Request) -> datetime:
    return runtime_of(request).clock.now()


async def project(account: Account, project_id: uuid.UUID) -> Shop:
    shop = await project_of(user_id=account.user_id, project_id=project_id)
    return await ensure_public_id(shop)


async def actor_of(account: Account, shop: Shop) -> Actor:
    role = await member_role(user_id=account.user_id, shop_id=shop.id, what=PROJECT)
    return Actor(user_id=account.user_id, label=f"user:{account.user_id}", role=Role(role))


async def shop_from_path(request: web.Request, kwargs: dict[str, Any]) -> int:
    """The project of the path (for Idempotency-Key scoping); 404 when not the user's."""
    return (await project(kwargs["account"], kwargs["project_id"])).id


def utc(moment: datetime | None) -> str | None:
    """`2025-01-12T10:00:00Z` (UTC, seconds), as the document writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

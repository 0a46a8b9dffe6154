"""Commerce projects (a project is a shop): create, list, get, PATCH, soft DELETE."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.commerce import contract
from api.commerce.common import project, utc
from api.openapi import refuses_null
from core.auth.access import member_role
from core.auth.tokens import Account
from core.commerce import projects as service
from core.commerce.public_ids import ensure_public_id
from core.errors import Forbidden
from core.i18n import LANGUAGES
from core.models import Currency, Role, Shop

MANAGING = {Role.OWNER, Role.ADMIN}
LANGUAGE_ENUM: dict[str, Any] = {"enum": list(LANGUAGES)}
PROJECT_RULES = (
    "timezone is an IANA time zone name (e.g. Asia/Almaty).",
    f"currency is one of {', '.join(c.value for c in Currency)} (in any case).",
)


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["My Store"])
    description: str = Field("", max_length=2000, examples=["E-commerce store"])
    timezone: str = Field("Asia/Almaty", max_length=64, examples=["America/New_York"])
    settings: dict[str, Any] = Field(default_factory=dict)
    currency: str = Field("KZT", max_length=3, examples=["USD"])
    language: str = Field("ru", max_length=8, examples=["en"], json_schema_extra=LANGUAGE_ENUM)


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200, examples=["My Store"])
    description: str | None = Field(None, max_length=2000, examples=["Flowers and gifts"])
    timezone: str | None = Field(None, max_length=64, examples=["America/New_York"])
    settings: dict[str, Any] | None = Field(None, examples=[{}])
    currency: str | None = Field(None, max_length=3, examples=["USD"])
    language: str | None = Field(
        None, max_length=8, examples=["en"], json_schema_extra=LANGUAGE_ENUM
    )
    is_active: bool | None = Field(None, examples=[True])

    @field_validator(
        "name", "description", "timezone", "settings", "currency", "language", "is_active"
    )
    @classmethod
    @refuses_null
    def _not_null(cls, value: object) -> object:
        """A field left out stays as it is; null is no value for any of them."""
        if value is None:
            raise ValueError("may not be null")
        return value


class ProjectOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    timezone: str
    currency: str
    language: str
    settings: dict[str, Any]
    is_active: bool
    created_at: str


class ListQuery(BaseModel):
    include_inactive: bool = False


async def project_out(shop: Shop) -> ProjectOut:
    await ensure_public_id(shop)
    return ProjectOut(
        id=shop.public_id,  # type: ignore[arg-type]
        name=shop.name,
        description=shop.description or "",
        timezone=shop.timezone,
        currency=str(shop.currency),
        language=shop.locale,
        settings=shop.settings or {},
        is_active=shop.is_active,
        created_at=utc(shop.created_at) or "",
    )


async def _managing(account: Account, shop: Shop) -> None:
    role = await member_role(user_id=account.user_id, shop_id=shop.id, what="Project")
    if role not in MANAGING:
        raise Forbidden("Only the project's owner or admin may change it")


@contract.post(
    "/projects", response=ProjectOut, status=201, tags=("projects",), rules=PROJECT_RULES
)
async def create_project(request: web.Request, *, account: Account, body: ProjectIn) -> ProjectOut:
    """Create a project (the caller becomes its owner)."""
    shop = await service.create_project(
        user_id=account.user_id,
        name=body.name.strip(),
        description=body.description,
        timezone=body.timezone,
        currency=body.currency,
        language=body.language,
        settings=body.settings,
    )
    return await project_out(shop)


@contract.get("/projects", response=list[ProjectOut], tags=("projects",))
async def list_projects(
    request: web.Request, *, account: Account, query: ListQuery
) -> list[ProjectOut]:
    """The caller's projects."""
    shops = await service.list_projects(
        user_id=account.user_id, include_inactive=query.include_inactive
    )
    return [await project_out(s) for s in shops]


@contract.get("/projects/{project_id}", response=ProjectOut, tags=("projects",))
async def get_project(
    request: web.Request, *, account: Account, project_id: uuid.UUID
) -> ProjectOut:
    """One of the caller's projects."""
    return await project_out(await project(account, project_id))


@contract.patch(
    "/projects/{project_id}", response=ProjectOut, tags=("projects",), rules=PROJECT_RULES
)
async def update_project(
    request: web.Request, *, account: Account, project_id: uuid.UUID, body: ProjectPatch
) -> ProjectOut:
    """Change the fields sent."""
    await _managing(account, await project(account, project_id))
    shop = await service.update_project(
        user_id=account.user_id,
        project_id=project_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return await project_out(shop)


@contract.delete("/projects/{project_id}", status=204, tags=("projects",))
async def delete_project(request: web.Request, *, account: Account, project_id: uuid.UUID) -> None:
    """Switch the project off (soft delete: its data stays)."""
    await _managing(account, await project(account, project_id))
    await service.deactivate_project(user_id=account.user_id, project_id=project_id)

"""The firm's own settings for its Chatwoot inbox and its 1C:ЦЛ (not in the document;
the same as `sauda consult connect`):

    GET    /api/connections              both connections, secrets masked
    PUT    /api/connections/chatwoot     connect or reconnect Chatwoot
    PUT    /api/connections/onec         connect or reconnect 1C
    DELETE /api/connections/chatwoot     stop syncing to it (204; likewise .../onec)

Only the firm's owner or admin (a user token with that role, or the firm's API key,
which is admin) may see or change them: 403 otherwise. Secrets are sealed at rest and
every answer masks them (`cw-a...789`); the one exception is a Chatwoot webhook secret
the server made up because none was given nor stored: it is shown once, in that answer,
for the firm to paste into Chatwoot next to `webhook_url`.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.consult import contract
from api.keys import RUNTIME
from core.auth.tokens import Principal
from core.consultations import connections
from core.errors import Forbidden, NotFound
from core.models import Integration, Role
from core.urls import WebUrl
from core.vault import Vault

TAGS = ("Connections",)
MANAGING = {Role.OWNER, Role.ADMIN}
WEBHOOK_PATH = "/chatwoot/webhook/{id}"
REFUSALS = {403: "Only the firm's owner or admin may see or change its connections"}


class ChatwootIn(BaseModel):
    base_url: WebUrl = Field(examples=["https://chat.firm.uz"])
    account_id: int = Field(ge=1, le=2**31 - 1, examples=[3])
    inbox_id: int = Field(ge=1, le=2**31 - 1, examples=[7])
    api_access_token: str = Field(min_length=1, max_length=500, examples=["cw-agent-api-token"])
    webhook_secret: str | None = Field(
        None, min_length=16, max_length=500, examples=["a-long-random-webhook-secret"]
    )


class OneCIn(BaseModel):
    base_url: WebUrl = Field(examples=["https://1c.firm.uz/cl"])
    username: str = Field(min_length=1, max_length=200, examples=["site"])
    password: str = Field(max_length=500, examples=["1c-password"])
    document: str | None = Field(None, max_length=200, examples=[connections.DEFAULT_DOCUMENT])


class ConnectionOut(BaseModel):
    id: str
    provider: Literal["chatwoot", "onec"]
    status: str
    base_url: str
    account_id: int | None = None
    inbox_id: int | None = None
    api_access_token: str | None = None
    webhook_secret: str | None = None
    webhook_url: str | None = None
    new_webhook_secret: str | None = None
    username: str | None = None
    password: str | None = None
    document: str | None = None


def _managing(principal: Principal) -> None:
    if principal.role not in MANAGING:
        raise Forbidden(REFUSALS[403])


def _vault(request: web.Request) -> Vault:
    return Vault(request.config_dict[RUNTIME].settings.secrets_key)


def _mount(request: web.Request, suffix: str) -> str:
    """The public origin and path prefix this contract is served under."""
    path = request.path
    base = path[: -len(suffix)] if path.endswith(suffix) else path.rsplit("/connections", 1)[0]
    return f"{request.scheme}://{request.host}{base}"


def _out(
    request: web.Request,
    integration: Integration,
    *,
    suffix: str,
    new_secret: str | None = None,
) -> ConnectionOut:
    view: dict[str, Any] = connections.masked_view(integration, vault=_vault(request))
    if integration.provider == connections.CHATWOOT:
        view["webhook_url"] = _mount(request, suffix) + WEBHOOK_PATH.format(id=view["id"])
        view["new_webhook_secret"] = new_secret
    return ConnectionOut.model_validate(view)


@contract.get("/connections", response=list[ConnectionOut], tags=TAGS, responses=REFUSALS)
async def list_connections(request: web.Request, *, principal: Principal) -> list[ConnectionOut]:
    """The firm's Chatwoot and 1C connections (secrets masked)"""
    _managing(principal)
    rows = await Integration.filter(
        shop_id=principal.shop_id, provider__in=[connections.CHATWOOT, connections.ONEC]
    ).order_by("provider")
    return [_out(request, row, suffix="/connections") for row in rows]


@contract.put("/connections/chatwoot", response=ConnectionOut, tags=TAGS, responses=REFUSALS)
async def connect_chatwoot(
    request: web.Request, *, body: ChatwootIn, principal: Principal
) -> ConnectionOut:
    """Connect or reconnect the firm's Chatwoot inbox"""
    _managing(principal)
    done = await connections.set_up_chatwoot(
        shop_id=principal.shop_id,
        base_url=body.base_url,
        account_id=body.account_id,
        inbox_id=body.inbox_id,
        api_access_token=body.api_access_token,
        webhook_secret=body.webhook_secret,
        vault=_vault(request),
    )
    return _out(
        request,
        done.integration,
        suffix="/connections/chatwoot",
        new_secret=done.new_webhook_secret,
    )


@contract.put("/connections/onec", response=ConnectionOut, tags=TAGS, responses=REFUSALS)
async def connect_onec(
    request: web.Request, *, body: OneCIn, principal: Principal
) -> ConnectionOut:
    """Connect or reconnect the firm's 1C:ЦЛ (its OData REST interface)"""
    _managing(principal)
    done = await connections.set_up_onec(
        shop_id=principal.shop_id,
        base_url=body.base_url,
        username=body.username,
        password=body.password,
        document=body.document,
        vault=_vault(request),
    )
    return _out(request, done.integration, suffix="/connections/onec")


def _disconnect(provider: Literal["chatwoot", "onec"]) -> None:
    # One fixed path per provider, as for PUT: a `{provider}` path next to the fixed
    # PUT paths told clients (and schemathesis) that PUT /connections/chatwoot is none.
    async def disconnect(request: web.Request, *, principal: Principal) -> None:
        _managing(principal)
        if not await connections.disconnect(shop_id=principal.shop_id, provider=provider):
            raise NotFound("Connection")

    disconnect.__name__ = f"disconnect_{provider}"
    disconnect.__doc__ = (
        f"Stop syncing to the firm's {'Chatwoot' if provider == 'chatwoot' else '1C'}"
        " (its settings are kept, sealed)"
    )
    contract.delete(
        f"/connections/{provider}",
        status=204,
        tags=TAGS,
        responses={**REFUSALS, 404: "Connection not found"},
    )(disconnect)


_disconnect("chatwoot")
_disconnect("onec")

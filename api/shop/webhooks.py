"""Shop contract: configuring outgoing webhooks (`/api/webhooks/`).

The document says "contact support to configure webhook URLs"; here a shop's owner or
admin does it (as does `sauda webhook set`). Each endpoint has a URL, a secret and the
events it wants (`order.status_changed`, `payment.received`, `customer.registered`;
all three when left out). The secret signs every call (`X-Webhook-Signature`, see
api.webhooks_out); it is returned in full once, when the endpoint is created (generated
when not given), and masked (`****abcd`) everywhere else. A URL pointing at loopback,
private or link-local addresses is a 422 unless the deployment allows private webhooks.
At most five endpoints per shop; the same URL twice is a 409.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.keys import RUNTIME
from api.openapi import not_null
from api.shop import contract
from core import webhooks
from core.auth.tokens import Principal
from core.dialects.shop import format_datetime
from core.models import WebhookEndpoint
from core.urls import WEB_URL_PATTERN

# Printable is Unicode's idea (no control, format or separator character but the
# space), which no regular expression of the document can say.
SECRET_RULES = ("secret is printable text without spaces around it.",)
EventName = Literal["order.status_changed", "payment.received", "customer.registered"]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: str = Field(
        min_length=1,
        max_length=webhooks.MAX_URL_LENGTH,
        json_schema_extra={"pattern": WEB_URL_PATTERN},
    )
    secret: str | None = Field(
        None, min_length=webhooks.MIN_SECRET_LENGTH, max_length=webhooks.MAX_SECRET_LENGTH
    )
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(webhooks.EVENTS))


class WebhookChanges(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: str | None = Field(
        None,
        min_length=1,
        max_length=webhooks.MAX_URL_LENGTH,
        json_schema_extra={"pattern": WEB_URL_PATTERN},
    )
    secret: str | None = Field(
        None, min_length=webhooks.MIN_SECRET_LENGTH, max_length=webhooks.MAX_SECRET_LENGTH
    )
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(webhooks.EVENTS))
    is_active: StrictBool | None = None

    _not_null = field_validator("url", "secret", "events", "is_active")(not_null)


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    is_active: bool
    secret: str = Field(description="Masked, except in the answer that created the endpoint")
    created_at: str


class WebhookList(BaseModel):
    items: list[WebhookOut]
    total: int


def webhook_out(endpoint: WebhookEndpoint, *, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events or []),
        is_active=endpoint.is_active,
        secret=secret or webhooks.mask_secret(endpoint.secret),
        created_at=format_datetime(endpoint.created_at) or "",
    )


def _allow_private(request: web.Request) -> bool:
    return bool(request.config_dict[RUNTIME].settings.allow_private_webhooks)


@contract.get("/webhooks/", response=WebhookList, tags=("webhooks",))
async def list_webhooks(request: web.Request, *, principal: Principal) -> WebhookList:
    """The shop's webhook endpoints (secrets masked)."""
    rows = await webhooks.list_endpoints(shop_id=principal.shop_id, role=principal.role)
    return WebhookList(items=[webhook_out(r) for r in rows], total=len(rows))


DELIVERY = (
    "Each event is POSTed to the URL as JSON with `X-Webhook-Signature: sha256=<hex "
    "HMAC-SHA256 of the exact body with the endpoint's secret>`, `X-Webhook-Event`, "
    "`X-Webhook-Timestamp` and `X-Webhook-Id`. Delivery is at least once: a call that "
    "fails, times out or whose answer is lost is sent again later with the same "
    "`X-Webhook-Id`, body and signature, so receivers de-duplicate on `X-Webhook-Id`. "
    "Answer 2xx within 15 s. Events of one order (or customer) arrive in order; an "
    "endpoint that keeps failing is paused (30 s, doubling up to 10 min) without delaying "
    "any other endpoint."
)


@contract.post(
    "/webhooks/",
    response=WebhookOut,
    status=201,
    tags=("webhooks",),
    description=DELIVERY,
    rules=SECRET_RULES,
)
async def create_webhook(
    request: web.Request, *, body: WebhookIn, principal: Principal
) -> WebhookOut:
    """Add an endpoint; the answer carries its secret in full, this once."""
    endpoint, secret = await webhooks.create_endpoint(
        shop_id=principal.shop_id,
        url=body.url,
        secret=body.secret,
        events_wanted=body.events,
        allow_private=_allow_private(request),
        role=principal.role,
    )
    return webhook_out(endpoint, secret=secret)


@contract.get("/webhooks/{webhook_id}", response=WebhookOut, tags=("webhooks",))
async def get_webhook(request: web.Request, *, webhook_id: int, principal: Principal) -> WebhookOut:
    """One endpoint (secret masked)."""
    endpoint = await webhooks.get_endpoint(
        shop_id=principal.shop_id, endpoint_id=webhook_id, role=principal.role
    )
    return webhook_out(endpoint)


@contract.put("/webhooks/{webhook_id}", response=WebhookOut, tags=("webhooks",), rules=SECRET_RULES)
async def update_webhook(
    request: web.Request, *, webhook_id: int, body: WebhookChanges, principal: Principal
) -> WebhookOut:
    """Change an endpoint's URL, secret, events or whether it is active."""
    endpoint = await webhooks.update_endpoint(
        shop_id=principal.shop_id,
        endpoint_id=webhook_id,
        url=body.url,
        secret=body.secret,
        events_wanted=body.events,
        is_active=body.is_active,
        allow_private=_allow_private(request),
        role=principal.role,
    )
    return webhook_out(endpoint)


@contract.delete("/webhooks/{webhook_id}", status=204, tags=("webhooks",))
async def delete_webhook(request: web.Request, *, webhook_id: int, principal: Principal) -> None:
    """Remove an endpoint; events still queued for it are dropped."""
    await webhooks.delete_endpoint(
        shop_id=principal.shop_id, endpoint_id=webhook_id, role=principal.role
    )

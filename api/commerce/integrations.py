"""Commerce integrations: connect (Shopify, WhatsApp), list, sync, disconnect."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.commerce import contract
from api.commerce.common import now_of, project, runtime_of, utc
from core.auth.tokens import Account
from core.commerce import integrations as service
from core.errors import BadRequest
from core.models import Integration, Shop
from core.vault import Vault
from integrations.shopify.client import AccessDenied, NotFoundError, ShopifyError, Unavailable
from integrations.shopify.jobs import client_for, store_of


class ConnectIn(BaseModel):
    provider: Literal["shopify", "whatsapp"]
    config: dict[str, Any] = Field(
        examples=[
            {
                "api_key": "your-api-key",
                "api_secret": "your-api-secret",
                "shop_url": "yourstore.myshopify.com",
            }
        ]
    )


class IntegrationOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    provider: str
    status: str
    config: dict[str, Any]
    last_sync: str | None
    created_at: str


class SyncQueued(BaseModel):
    status: Literal["queued"] = "queued"
    message: str


class CredentialsRefused(BadRequest):
    code = "integration_credentials_refused"


class ProviderUnreachable(BadRequest):
    code = "integration_unreachable"


def integration_out(integration: Integration, shop: Shop, vault: Vault) -> IntegrationOut:
    return IntegrationOut(
        id=integration.public_id,
        project_id=shop.public_id,  # type: ignore[arg-type]
        provider=integration.provider,
        status=str(integration.status),
        config=service.masked_config(integration, vault),
        last_sync=utc(integration.last_sync),
        created_at=utc(integration.created_at) or "",
    )


def _vault(request: web.Request) -> Vault:
    return Vault(runtime_of(request).settings.secrets_key)


async def _check_shopify(request: web.Request, secrets: service.ShopifySecrets) -> str:
    """The store's name, read with these credentials (they work), else a 400."""
    async with client_for(runtime_of(request)) as client:
        try:
            store = await store_of(client, secrets).shop()
        except (AccessDenied, NotFoundError) as error:
            raise CredentialsRefused(
                f"Shopify refused these credentials for {secrets.shop_domain}: {error}"
            ) from None
        except Unavailable as error:
            raise ProviderUnreachable(f"Shopify could not be reached, try again: {error}") from None
        except ShopifyError as error:
            raise CredentialsRefused(f"Shopify answered unexpectedly: {error}") from None
    return str(store.get("name") or secrets.shop_domain)


@contract.post(
    "/integrations/{project_id}/connect",
    response=IntegrationOut,
    status=201,
    tags=("integrations",),
    responses={400: "The provider refused the credentials", 409: "Connected to another project"},
    rules=(
        "config holds what the provider needs: shopify a shop_url (the store's domain), "
        "api_key and api_secret; whatsapp a phone_number_id and an access_token.",
    ),
)
async def connect(
    request: web.Request, *, account: Account, project_id: uuid.UUID, body: ConnectIn
) -> IntegrationOut:
    """Connect a Shopify store (credentials checked, webhooks registered) or a WhatsApp
    number."""
    shop = await project(account, project_id)
    vault = _vault(request)
    if body.provider == "shopify":
        secrets = service.check_shopify_config(body.config)
        name = await _check_shopify(request, secrets)
        integration = await service.connect_shopify(
            shop=shop, secrets=secrets, store_name=name, vault=vault, now=now_of(request)
        )
    else:
        integration = await service.connect_whatsapp(shop=shop, config=body.config, vault=vault)
    return integration_out(integration, shop, vault)


@contract.get("/integrations/{project_id}", response=list[IntegrationOut], tags=("integrations",))
async def list_integrations(
    request: web.Request, *, account: Account, project_id: uuid.UUID
) -> list[IntegrationOut]:
    """The project's integrations, secrets masked."""
    shop = await project(account, project_id)
    vault = _vault(request)
    return [integration_out(i, shop, vault) for i in await service.list_integrations(shop=shop)]


@contract.post(
    "/integrations/{project_id}/{integration_id}/sync",
    response=SyncQueued,
    status=202,
    tags=("integrations",),
    responses={409: "The integration is disconnected"},
)
async def sync(
    request: web.Request, *, account: Account, project_id: uuid.UUID, integration_id: uuid.UUID
) -> SyncQueued:
    """Queue a pull of the orders changed since the last sync."""
    shop = await project(account, project_id)
    integration = await service.queue_sync(
        shop=shop, integration_id=integration_id, now=now_of(request)
    )
    return SyncQueued(message=f"Sync task queued for {integration.provider} integration")


@contract.delete("/integrations/{project_id}/{integration_id}", status=204, tags=("integrations",))
async def disconnect(
    request: web.Request, *, account: Account, project_id: uuid.UUID, integration_id: uuid.UUID
) -> None:
    """Disconnect: no more syncs or webhooks (the orders stay)."""
    shop = await project(account, project_id)
    await service.disconnect(shop=shop, integration_id=integration_id, now=now_of(request))

"""A project's integrations: Shopify stores and WhatsApp numbers.

An `Integration` row each (core.models.integrations): `external_key` is how the provider
names it when it calls us (the store's myshopify domain, the number's phone number id),
unique per provider, so an inbound webhook finds its project, and a store or number
serves one project (a second project connecting it is a Conflict). Secrets are sealed
with the deployment's key (core.vault) and every view masks them (`your...key`).

Shopify config: `shop_url` (the store's domain; `https://` and paths are dropped),
`api_key`, `api_secret` (signs the store's webhooks), optional `access_token` (the
Admin API token of a custom app; without one the key and secret authenticate, as
legacy private apps do). Connecting and reconnecting queue the webhook registration;
`queue_sync` queues a pull of the orders updated since the last sync; disconnecting
marks the row disconnected (it stays, with its orders) and queues the unsubscription.
All Shopify calls go out from the outbox (topic `shopify`, integrations.shopify.jobs).

WhatsApp config: `phone_number_id`, `access_token`: core.channels.whatsapp_numbers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.channels import whatsapp_numbers
from core.commerce.public_ids import parse_uuid
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Integration, IntegrationStatus, Shop
from core.outbox import enqueue
from core.vault import SealedSecretError, Vault, mask

SHOPIFY = "shopify"
WHATSAPP = whatsapp_numbers.PROVIDER
PROVIDERS = (SHOPIFY, WHATSAPP)
SHOPIFY_TOPIC = "shopify"
SHOPIFY_SECRETS = ("api_key", "api_secret", "access_token")
REGISTER, SYNC, UNREGISTER = "shopify.register_webhooks", "shopify.sync", "shopify.unregister"


@dataclass(frozen=True)
class ShopifySecrets:
    shop_domain: str
    api_key: str
    api_secret: str
    access_token: str = ""


def shop_domain(raw: str) -> str:
    """`https://YourStore.myshopify.com/admin` -> `yourstore.myshopify.com`."""
    text = (raw or "").strip().lower()
    text = text.removeprefix("https://").removeprefix("http://").split("/")[0]
    if not text or "." not in text or any(c.isspace() for c in text) or len(text) > 200:
        raise ValidationFailed.field(
            "config", "shop_url", msg="shop_url must be the store's domain"
        )
    return text


def _required(config: dict[str, Any], name: str) -> str:
    value = config.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.field("config", name, msg="Field required", type="missing")
    return value.strip()


def check_shopify_config(config: dict[str, Any]) -> ShopifySecrets:
    """The config's Shopify credentials; a 422 at `config.<field>` when one is missing."""
    domain = shop_domain(_required(config, "shop_url"))
    access_token = config.get("access_token") or ""
    if not isinstance(access_token, str):
        raise ValidationFailed.field("config", "access_token", msg="access_token must be text")
    api_key = _required(config, "api_key")
    if ":" in api_key:
        raise ValidationFailed.field("config", "api_key", msg="api_key may not contain ':'")
    return ShopifySecrets(
        shop_domain=domain,
        api_key=api_key,
        api_secret=_required(config, "api_secret"),
        access_token=access_token.strip(),
    )


def open_shopify(integration: Integration, vault: Vault) -> ShopifySecrets:
    sealed = integration.secrets or {}
    values = {k: vault.open(str(sealed[k])) if sealed.get(k) else "" for k in SHOPIFY_SECRETS}
    return ShopifySecrets(shop_domain=str(integration.external_key), **values)


def masked_config(integration: Integration, vault: Vault) -> dict[str, Any]:
    """What answers show of the config: plain fields as they are, secrets masked (the
    API secret, which signs webhooks, not even masked)."""
    shown: dict[str, Any] = dict(integration.config or {})
    for name, sealed in (integration.secrets or {}).items():
        if name == "api_secret":
            continue
        try:
            shown[name] = mask(vault.open(str(sealed)))
        except SealedSecretError:
            shown[name] = "(sealed with another SECRETS_KEY: reconnect)"
    return shown


async def _queue(integration: Integration, event_type: str, now: datetime, **extra: Any) -> None:
    await enqueue(
        topic=SHOPIFY_TOPIC,
        event_type=event_type,
        payload={"integration_id": integration.id, **extra},
        shop_id=integration.shop_id,  # type: ignore[attr-defined]
        key=f"shopify:{integration.id}",
        destination=str(integration.external_key),
        now=now,
    )


async def connect_shopify(
    *, shop: Shop, secrets: ShopifySecrets, store_name: str, vault: Vault, now: datetime
) -> Integration:
    """Store a checked Shopify connection (new or reconnected) and queue its webhooks."""
    sealed = {k: vault.seal(getattr(secrets, k)) for k in SHOPIFY_SECRETS if getattr(secrets, k)}
    config = {"shop_url": secrets.shop_domain, "shop_name": store_name}
    async with in_transaction():
        existing = (
            await Integration.filter(provider=SHOPIFY, external_key=secrets.shop_domain)
            .select_for_update()
            .first()
        )
        if existing is not None and existing.shop_id != shop.id:  # type: ignore[attr-defined]
            raise Conflict("This Shopify store is connected to another project")
        if existing is None:
            integration = await Integration.create(
                shop_id=shop.id,
                provider=SHOPIFY,
                external_key=secrets.shop_domain,
                config=config,
                secrets=sealed,
            )
        else:
            integration = existing
            integration.config, integration.secrets = config, sealed
            integration.status = IntegrationStatus.CONNECTED
            integration.last_error = None  # type: ignore[assignment]
            await integration.save(
                update_fields=["config", "secrets", "status", "last_error", "updated_at"]
            )
        await _queue(integration, REGISTER, now)
    return integration


async def connect_whatsapp(*, shop: Shop, config: dict[str, Any], vault: Vault) -> Integration:
    phone_number_id = config.get("phone_number_id")
    token = config.get("access_token")
    try:
        integration, _ = await whatsapp_numbers.connect_number(
            shop_id=shop.id,
            phone_number_id=str(phone_number_id or ""),
            access_token=str(token or ""),
            vault=vault,
            display_phone_number=str(config.get("display_phone_number") or ""),
        )
    except ValidationFailed as error:
        raise ValidationFailed.field(
            "config", *error.problems[0].loc, msg=error.problems[0].msg
        ) from None
    if not integration.config.get("phone_number_id"):
        integration.config = {**integration.config, "phone_number_id": integration.external_key}
        await integration.save(update_fields=["config", "updated_at"])
    return integration


async def list_integrations(*, shop: Shop) -> list[Integration]:
    return list(await Integration.filter(shop_id=shop.id).order_by("created_at", "id"))


async def integration_of(*, shop: Shop, integration_id: uuid.UUID | str) -> Integration:
    public_id = parse_uuid(integration_id)
    found = (
        await Integration.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
    )
    if found is None:
        raise NotFound("Integration")
    return found


async def queue_sync(*, shop: Shop, integration_id: uuid.UUID | str, now: datetime) -> Integration:
    """Queue a sync; Conflict for a disconnected integration, BadRequest for a provider
    with nothing to sync."""
    integration = await integration_of(shop=shop, integration_id=integration_id)
    if integration.provider != SHOPIFY:
        raise ValidationFailed.field(
            "integration_id", msg=f"A {integration.provider} integration has nothing to sync"
        )
    if IntegrationStatus(integration.status) is IntegrationStatus.DISCONNECTED:
        raise Conflict("This integration is disconnected: connect it again first")
    await _queue(integration, SYNC, now)
    return integration


async def queue_next_page(
    *, integration: Integration, page_url: str, started: str, now: datetime
) -> None:
    """The next page of a running sync (its cursor URL), after the one just done."""
    await _queue(integration, SYNC, now, page_url=page_url, started=started)


async def disconnect(*, shop: Shop, integration_id: uuid.UUID | str, now: datetime) -> None:
    """Stop syncing and receiving webhooks (the row and the orders stay)."""
    integration = await integration_of(shop=shop, integration_id=integration_id)
    async with in_transaction():
        integration.status = IntegrationStatus.DISCONNECTED
        await integration.save(update_fields=["status", "updated_at"])
        if integration.provider == SHOPIFY:
            await _queue(integration, UNREGISTER, now)


async def connected_store(*, domain: str) -> Integration | None:
    """The connected Shopify integration of a store domain (webhooks name it)."""
    try:
        key = shop_domain(domain)
    except ValidationFailed:
        return None
    return await Integration.get_or_none(
        provider=SHOPIFY, external_key=key, status__not=IntegrationStatus.DISCONNECTED
    )


async def record_sync(
    *, integration_id: int, at: datetime | None, error: str | None = None
) -> None:
    values: dict[str, Any] = {"last_error": error}
    if at is not None:
        values["last_sync"] = at
    values["status"] = IntegrationStatus.ERROR if error else IntegrationStatus.CONNECTED
    await Integration.filter(id=integration_id, status__not=IntegrationStatus.DISCONNECTED).update(
        **values
    )

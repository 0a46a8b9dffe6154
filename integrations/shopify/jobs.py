"""The outbox deliverer of topic `shopify` (a plugin of sauda.wiring.PLUGINS).

Rows (queued by core.commerce.integrations, payload {"integration_id"}):

- `shopify.register_webhooks`: subscribes <PUBLIC_BASE_URL>/api/v1/webhooks/shopify to
  the order topics (existing subscriptions are kept, so a retry adds nothing);
- `shopify.sync`: pulls one page of the orders updated since the last sync
  (`updated_at_min`), imports each (core.orders.imported: created once, updated
  after), and queues the next page (its `Link` URL) as the next row of the same key, so
  every job is short and a crash resumes at the page it was on; after the last page
  `last_sync` becomes the moment the pull started, so an order updated meanwhile comes
  again next time (importing it twice changes nothing);
- `shopify.unregister`: removes the subscriptions of a disconnected store.

Shopify being down or rate limiting raises (the outbox retries with back-off); wrong
credentials mark the integration `error` with the reason and stop (PermanentFailure).
An order Shopify sends that cannot be read is skipped and logged, not retried forever.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.commerce import integrations as store_links
from core.models import Integration, IntegrationStatus, OutboxEvent
from core.orders.imported import import_order
from core.outbox import PermanentFailure
from core.runtime import Runtime
from core.vault import SealedSecretError, Vault
from integrations.shopify.client import (
    ORDER_TOPICS,
    AccessDenied,
    Credentials,
    NotFoundError,
    ShopifyClient,
    Store,
)
from integrations.shopify.orders import UnreadableOrder, external_order

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/api/v1/webhooks/shopify"
# Overlap between syncs: Shopify's updated_at may lag our clock a little.
SYNC_OVERLAP = timedelta(minutes=1)


def webhook_address(runtime: Runtime) -> str:
    return runtime.settings.public_base_url.rstrip("/") + WEBHOOK_PATH


def client_for(runtime: Runtime) -> ShopifyClient:
    settings = runtime.settings
    return ShopifyClient(admin_url=settings.shopify_admin_url, version=settings.shopify_api_version)


def store_of(client: ShopifyClient, secrets: store_links.ShopifySecrets) -> Store:
    return client.store(
        shop=secrets.shop_domain,
        credentials=Credentials(
            api_key=secrets.api_key,
            api_secret=secrets.api_secret,
            access_token=secrets.access_token,
        ),
    )


async def sync_page(
    runtime: Runtime, integration: Integration, store: Store, row: OutboxEvent
) -> int:
    """Import one page of the orders updated since the last sync and queue the next
    page (or record the sync as done); how many orders were read."""
    payload = row.payload
    started = payload.get("started") or runtime.clock.now().isoformat()
    since = integration.last_sync - SYNC_OVERLAP if integration.last_sync else None
    orders, next_url = await store.orders_page(
        page_url=payload.get("page_url"), updated_at_min=since.isoformat() if since else None
    )
    read = 0
    for raw in orders:
        try:
            incoming = external_order(raw)
        except UnreadableOrder as error:
            log.warning("shopify %s: an order skipped: %s", integration.external_key, error)
            continue
        result = await import_order(
            shop_id=integration.shop_id,  # type: ignore[attr-defined]
            incoming=incoming,
            clock=runtime.clock,
        )
        if result.refused:
            log.info("shopify order %s: %s", incoming.external_id, result.refused)
        read += 1
    if next_url is not None:
        await store_links.queue_next_page(
            integration=integration, page_url=next_url, started=started, now=runtime.clock.now()
        )
    else:
        await store_links.record_sync(
            integration_id=integration.id, at=datetime.fromisoformat(started)
        )
    return read


async def deliver_row(runtime: Runtime, row: OutboxEvent) -> None:
    integration = await Integration.get_or_none(id=row.payload.get("integration_id"))
    if integration is None:
        raise PermanentFailure("the integration is gone")
    disconnected = IntegrationStatus(integration.status) is IntegrationStatus.DISCONNECTED
    if disconnected and row.event_type != store_links.UNREGISTER:
        return  # disconnected since it was queued: nothing to do
    try:
        secrets = store_links.open_shopify(integration, Vault(runtime.settings.secrets_key))
    except SealedSecretError as error:
        raise PermanentFailure(f"the store's secrets cannot be opened: {error}") from error
    async with client_for(runtime) as client:
        store = store_of(client, secrets)
        try:
            if row.event_type == store_links.REGISTER:
                await store.ensure_webhooks(address=webhook_address(runtime), topics=ORDER_TOPICS)
            elif row.event_type == store_links.SYNC:
                await sync_page(runtime, integration, store, row)
            elif row.event_type == store_links.UNREGISTER:
                await store.remove_webhooks(address=webhook_address(runtime))
            else:
                raise PermanentFailure(f"unknown shopify job {row.event_type}")
        except (AccessDenied, NotFoundError) as error:
            if row.event_type != store_links.UNREGISTER:
                await store_links.record_sync(
                    integration_id=integration.id, at=None, error=str(error)
                )
            raise PermanentFailure(str(error)) from error


def deliverers(runtime: Runtime) -> dict[str, Callable[[OutboxEvent], Awaitable[None]]]:
    async def deliver(row: OutboxEvent) -> None:
        await deliver_row(runtime, row)

    return {store_links.SHOPIFY_TOPIC: deliver}

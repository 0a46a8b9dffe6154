"""Shopify's order webhooks: verified, de-duplicated, applied once.

    X-Shopify-Shop-Domain ─► a connected store? ── no ──► Unauthorized (as a bad signature)
    X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256(raw body, the store's API secret)?
                                                 ── no ──► Unauthorized; nothing read
    X-Shopify-Webhook-Id seen before? ── yes ──► "duplicate", nothing changes
    topic orders/create | updated | cancelled | fulfilled ─► import_order (once by id)
    any other topic ─► "ignored"

The webhook id is recorded (a Notification row) in the same transaction as the import,
so a delivery that failed half-way leaves no mark and Shopify's retry applies it; two
deliveries of one id racing apply it once. The body is read as an order by the caller
(integrations.shopify.orders), so core never sees Shopify's format.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.commerce.integrations import connected_store, open_shopify
from core.errors import Unauthorized
from core.jobs.once import do_once
from core.models import Integration
from core.orders.imported import ExternalOrder, import_order
from core.vault import SealedSecretError, Vault

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled")
SEEN_KIND = "shopify_webhook"
REFUSED = "Invalid webhook signature"


def signature(raw: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


async def verified_store(
    *, raw: bytes, shop_domain: str | None, signature_header: str | None, vault: Vault
) -> Integration:
    """The connected store that signed this body; Unauthorized otherwise."""
    integration = await connected_store(domain=shop_domain or "")
    if integration is None or not signature_header:
        raise Unauthorized(REFUSED)
    try:
        secret = open_shopify(integration, vault).api_secret
    except SealedSecretError:
        raise Unauthorized(REFUSED) from None
    if not secret or not hmac.compare_digest(
        signature(raw, secret).encode(), signature_header.strip().encode()
    ):
        raise Unauthorized(REFUSED)
    return integration


async def apply_webhook(
    *,
    integration: Integration,
    topic: str,
    webhook_id: str,
    order: Callable[[], ExternalOrder],
    now: datetime,
) -> str:
    """Apply a verified delivery: "processed", "duplicate" or "ignored"."""
    if topic not in ORDER_TOPICS:
        return "ignored"
    shop_id: int = integration.shop_id  # type: ignore[attr-defined]
    incoming = order()
    result: dict[str, Any] = {}

    async def apply() -> None:
        result["import"] = await import_order(shop_id=shop_id, incoming=incoming)

    ref = (webhook_id or "").strip()[:64]
    if not ref:
        await apply()
        return "processed"
    done = await do_once(
        shop_id=shop_id,
        kind=SEEN_KIND,
        ref=ref,
        now=now,
        action=apply,
        payload={"topic": topic, "order": incoming.external_id},
    )
    return "processed" if done else "duplicate"

"""`POST /api/v1/webhooks/shopify`: a connected store's order events (signed with its
API secret; see core.commerce.shopify_webhooks). 401 for a forged or unknown delivery,
400 for a signed body that is no order, 200 `{"status": processed | duplicate |
ignored}` otherwise. WhatsApp's webhook is api.channels'; Telegram's is the bot's."""

from __future__ import annotations

import json
from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from api.commerce import contract
from api.commerce.common import now_of, runtime_of
from api.routing import apply_rate_limit, client_address
from core.commerce.shopify_webhooks import apply_webhook, verified_store
from core.errors import BadRequest, Unauthorized
from core.orders.imported import ExternalOrder
from core.vault import Vault
from integrations.shopify.orders import UnreadableOrder, external_order


class WebhookOut(BaseModel):
    status: Literal["processed", "duplicate", "ignored"]


@contract.post(
    "/webhooks/shopify",
    response=WebhookOut,
    tags=("webhooks",),
    rate_limit=False,
    per_minute=None,
    responses={401: "Missing or wrong X-Shopify-Hmac-Sha256, or a store nobody connected"},
)
async def shopify_webhook(request: web.Request, *, raw: bytes) -> WebhookOut:
    """Order events from a connected Shopify store."""
    runtime = runtime_of(request)
    headers = request.headers
    try:
        integration = await verified_store(
            raw=raw,
            shop_domain=headers.get("X-Shopify-Shop-Domain"),
            signature_header=headers.get("X-Shopify-Hmac-Sha256"),
            vault=Vault(runtime.settings.secrets_key),
        )
    except Unauthorized:
        await apply_rate_limit(request, runtime, f"ip:{client_address(request)}")
        raise

    def order() -> ExternalOrder:
        try:
            return external_order(json.loads(raw))
        except (ValueError, UnicodeDecodeError, UnreadableOrder) as error:
            raise BadRequest(f"The delivery is not a Shopify order: {error}") from None

    status = await apply_webhook(
        integration=integration,
        topic=headers.get("X-Shopify-Topic", ""),
        webhook_id=headers.get("X-Shopify-Webhook-Id", ""),
        order=order,
        now=now_of(request),
    )
    return WebhookOut(status=status)  # type: ignore[arg-type]

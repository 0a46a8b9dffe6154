"""The inbound webhooks of the commerce document.

- `POST /api/v1/webhooks/shopify`: a connected store's order events (signed with its
  API secret; see core.commerce.shopify_webhooks). 401 for a forged or unknown
  delivery, 400 for a signed body that is no order, 200 `{"status": processed |
  duplicate | ignored}` otherwise.
- `POST /api/v1/webhooks/telegram`: the bot's updates in webhook mode (bot.runner
  receives them: `X-Telegram-Bot-Api-Secret-Token` must be TELEGRAM_WEBHOOK_SECRET,
  401 otherwise; 400 for a body that is no update; 200 `{"ok": true}` once the update
  is stored). When this server's bot is not in webhook mode at this path (polling, no
  bot token, or a webhook URL with another path) it is a 404 with code
  `TELEGRAM_WEBHOOK_OFF`: the operation is always there, in the contract's error shape.
- WhatsApp's webhook is api.channels'.
"""

from __future__ import annotations

import json
from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from api.commerce import contract
from api.commerce.common import now_of, runtime_of
from api.routing import apply_rate_limit, client_address
from bot.webhook import SECRET_HEADER, WEBHOOK_RECEIVER, WebhookReceiver
from core.commerce.shopify_webhooks import apply_webhook, verified_store
from core.errors import BadRequest, NotFound, Unauthorized
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


class TelegramAck(BaseModel):
    ok: Literal[True] = True


class TelegramWebhookOff(NotFound):
    code = "telegram_webhook_off"

    def __init__(self) -> None:
        super().__init__("Telegram webhook")
        self.detail = (
            "The bot does not receive Telegram updates by webhook here "
            "(TELEGRAM_WEBHOOK_URL does not name this path)"
        )


@contract.post(
    "/webhooks/telegram",
    response=TelegramAck,
    tags=("webhooks",),
    rate_limit=False,
    per_minute=None,
    json_raw=True,
    responses={
        400: "The body is not a Telegram update",
        401: "Missing or wrong X-Telegram-Bot-Api-Secret-Token",
        404: "The bot is not in webhook mode at this path (code TELEGRAM_WEBHOOK_OFF)",
    },
)
async def telegram_webhook(request: web.Request, *, raw: bytes) -> TelegramAck:
    """Receives bot updates from Telegram (the bot's webhook mode, with its secret token)."""
    runtime = runtime_of(request)
    receiver = runtime.extras.get(WEBHOOK_RECEIVER)
    try:
        if not isinstance(receiver, WebhookReceiver) or receiver.path != request.path:
            raise TelegramWebhookOff()
        await receiver.receive(request.headers.get(SECRET_HEADER), raw)
    except (Unauthorized, TelegramWebhookOff):
        await apply_rate_limit(request, runtime, f"ip:{client_address(request)}")
        raise
    return TelegramAck()

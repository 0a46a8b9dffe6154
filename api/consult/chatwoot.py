"""Chatwoot's webhook for a firm's inbox: `POST /api/chatwoot/webhook/{integration_id}`
(the URL the firm pastes into Chatwoot, the id being its Chatwoot connection's).
Signed, fresh and de-duplicated (core.consultations.chatwoot_events); a forged or stale
delivery is a 401 `{"detail": ...}`."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import BaseModel

from api.consult import contract
from api.keys import RUNTIME
from api.routing import apply_rate_limit, client_address
from core.consultations import chatwoot_events, connections
from core.errors import BadRequest, NotFound, Unauthorized
from core.vault import Vault


class WebhookReceived(BaseModel):
    outcome: str


@contract.post(
    "/chatwoot/webhook/{integration_id}",
    response=WebhookReceived,
    tags=("Chatwoot",),
    responses={401: "Missing, wrong or stale X-Chatwoot-Signature", 404: "Unknown connection"},
    rate_limit=False,
)
async def chatwoot_webhook(
    request: web.Request, *, integration_id: str, raw: bytes
) -> WebhookReceived:
    """A delivery from the firm's Chatwoot (conversation status changes)"""
    runtime = request.config_dict[RUNTIME]
    try:
        connection = await connections.chatwoot_by_id(
            integration_id, vault=Vault(runtime.settings.secrets_key)
        )
        chatwoot_events.verify(
            secret=connection.webhook_secret,
            signature_header=request.headers.get("X-Chatwoot-Signature"),
            timestamp=request.headers.get("X-Chatwoot-Timestamp"),
            body=raw,
            now=runtime.clock.now(),
        )
    except (NotFound, Unauthorized):
        # Guessing signatures or connection ids counts against the caller's address.
        await apply_rate_limit(request, runtime, f"ip:{client_address(request)}")
        raise
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The delivery is not JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("The delivery is not a JSON object")
    outcome = await chatwoot_events.apply_event(
        shop_id=connection.shop_id,
        delivery_id=request.headers.get("X-Chatwoot-Delivery", ""),
        payload=payload,
        now=runtime.clock.now(),
    )
    return WebhookReceived(outcome=outcome.value)

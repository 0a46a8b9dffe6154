"""`/api/v1/webhooks/whatsapp`: Meta's webhook for WhatsApp Cloud API numbers.

- `GET` is Meta's verification handshake: `hub.mode=subscribe`, `hub.verify_token` equal
  to WHATSAPP_VERIFY_TOKEN (compared in constant time) → 200 with `hub.challenge` as
  plain text; anything else, or no verify token configured → 403.
- `POST` is a delivery (messages, status callbacks), answered 200 only once what it
  carries is stored (core.channels.inbox). It must be signed: `X-Hub-Signature-256` =
  `sha256=` + hex HMAC-SHA256 of the raw body with WHATSAPP_APP_SECRET. Missing or wrong
  → 401, and nothing is read from the body, so a forged delivery cannot use up the id
  of a real message. No app secret configured → 403 for every delivery (never open).
  A signed delivery that is not JSON → 400. Repeats answer 200 and change nothing.

Meta delivers from a few addresses at its own pace, so signed deliveries are not
counted against the per-address rate limit; refused ones are.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.channels import contract
from api.keys import RUNTIME
from api.routing import apply_rate_limit, client_address
from bot.whatsapp.webhook import SIGNATURE_HEADER, read_delivery, signature_valid
from core import jsontext
from core.channels import whatsapp_numbers
from core.channels.inbox import receive_whatsapp
from core.errors import BadRequest, Forbidden, Unauthorized
from core.vault import Vault


class Handshake(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    # Bounded like the challenge: a longer value is no handshake (and a request line
    # beyond the server's 8 KiB is refused before any handler could answer it).
    mode: str = Field("", alias="hub.mode", max_length=32)
    verify_token: str = Field("", alias="hub.verify_token", max_length=512)
    challenge: str = Field("", alias="hub.challenge", max_length=512)


class DeliveryReceived(BaseModel):
    stored: int = Field(description="New messages stored by this delivery")
    repeated: int = Field(description="Messages seen before (a repeat changes nothing)")
    statuses: int = Field(description="Status callbacks that moved one of our messages")


@contract.get(
    "/webhooks/whatsapp",
    tags=("webhooks",),
    responses={403: "Wrong verify token, or none configured"},
    rate_limit=True,
)
async def whatsapp_handshake(request: web.Request, *, query: Handshake) -> web.Response:
    """Meta's verification handshake: answers hub.challenge for the right verify token."""
    expected = request.config_dict[RUNTIME].settings.whatsapp_verify_token
    if (
        not expected
        or query.mode != "subscribe"
        or not hmac.compare_digest(query.verify_token.encode(), expected.encode())
    ):
        raise Forbidden("Verification failed")
    return web.Response(text=query.challenge, content_type="text/plain")


@contract.post(
    "/webhooks/whatsapp",
    response=DeliveryReceived,
    tags=("webhooks",),
    responses={
        401: "Missing or wrong X-Hub-Signature-256",
        403: "No WHATSAPP_APP_SECRET configured: every delivery is refused",
    },
    rate_limit=False,
)
async def whatsapp_delivery(request: web.Request, *, raw: bytes) -> DeliveryReceived:
    """A delivery from Meta (messages, status callbacks), signed with the app secret."""
    runtime = request.config_dict[RUNTIME]
    settings = runtime.settings
    if not settings.whatsapp_app_secret:
        await apply_rate_limit(request, runtime, f"ip:{client_address(request)}")
        raise Forbidden("WhatsApp webhook is not configured")
    if not signature_valid(
        raw, request.headers.get(SIGNATURE_HEADER), settings.whatsapp_app_secret
    ):
        await apply_rate_limit(request, runtime, f"ip:{client_address(request)}")
        raise Unauthorized("Invalid signature")
    try:
        body = jsontext.loads(raw)
    except jsontext.JsonRejected:
        raise BadRequest("The delivery is not JSON") from None
    vault = Vault(settings.secrets_key)
    default = whatsapp_numbers.default_number(
        token=settings.whatsapp_token, phone_number_id=settings.whatsapp_phone_number_id
    )
    receipt = await receive_whatsapp(deliveries=read_delivery(body), vault=vault, default=default)
    return DeliveryReceived(
        stored=receipt.stored, repeated=receipt.repeated, statuses=receipt.statuses
    )

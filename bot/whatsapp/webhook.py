"""Meta's webhook deliveries: the signature, and what a delivery says, in core's terms.

`signature_valid(raw, header, secret)`: `X-Hub-Signature-256` is `sha256=` and the hex
HMAC-SHA256 of the raw body with the app secret, compared in constant time. No secret,
no header, or another value: not valid (the webhook never fails open).

`read_delivery(body)` turns Meta's envelope
(`{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
"value": {"metadata": {"phone_number_id"}, "contacts", "messages", "statuses"}}]}]}`)
into one `NumberDelivery` (core.channels.inbox) per phone number id: `InboundMessage`s and `StatusUpdate`s
of core.channels.inbox. Message kinds:

| WhatsApp message                          | kind          | text             | action / data                  |
|-------------------------------------------|---------------|------------------|--------------------------------|
| text                                      | `text`        | body             |                                |
| interactive button_reply / list_reply     | `action`      | title            | action from the id             |
| button (a template's quick reply)         | `action`      | button text      | action from the payload        |
| location                                  | `location`    | name or address  | latitude, longitude, ...       |
| image                                     | `photo`       | caption          | media_id, mime_type            |
| contacts                                  | `contact`     | formatted name   | phones (phone, wa_id)          |
| anything else (audio, sticker, reaction…) | `unsupported` |                  | type                           |

The sender's WhatsApp id is their phone without "+": the message carries that phone
(`+<wa_id>`) for core to find the customer. Times are the message's own `timestamp`.
Messages without an id, a sender or a readable timestamp are skipped (logged).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime
from typing import Any

from bot.whatsapp.actions import decode_action
from core.channels.inbox import InboundMessage, NumberDelivery, StatusUpdate
from core.models import MessageStatus
from core.ports.chat import ChannelName, ChatAddress

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
STATUSES = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
}


def signature_valid(raw: bytes, header: str | None, secret: str) -> bool:
    """Whether `header` is Meta's signature of `raw` with `secret`."""
    if not secret or not header:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _content(message: dict[str, Any]) -> tuple[str, str, Any, dict[str, Any]]:
    """(kind, text, action, data) of one WhatsApp message."""
    kind = str(message.get("type") or "")
    data: dict[str, Any] = {}
    context = _dict(message.get("context"))
    if context.get("id"):
        data["context"] = str(context["id"])
    if kind == "text":
        return "text", str(_dict(message.get("text")).get("body") or ""), None, data
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(str(interactive.get("type") or "")))
        title = str(reply.get("title") or "")
        if reply.get("description"):
            data["description"] = str(reply["description"])
        action = decode_action(str(reply.get("id") or ""), label=title)
        if action is not None:
            return "action", title, action, data
        return "unsupported", "", None, {**data, "type": "interactive"}
    if kind == "button":
        button = _dict(message.get("button"))
        text = str(button.get("text") or "")
        action = decode_action(str(button.get("payload") or ""), label=text)
        if action is not None:
            return "action", text, action, data
        return "text", text, None, data
    if kind == "location":
        place = _dict(message.get("location"))
        data.update(
            {
                "latitude": place.get("latitude"),
                "longitude": place.get("longitude"),
                "name": str(place.get("name") or ""),
                "address": str(place.get("address") or ""),
            }
        )
        return "location", data["name"] or data["address"], None, data
    if kind == "image":
        image = _dict(message.get("image"))
        data.update(
            {
                "media_id": str(image.get("id") or ""),
                "mime_type": str(image.get("mime_type") or ""),
                "caption": str(image.get("caption") or ""),
            }
        )
        return "photo", data["caption"], None, data
    if kind == "contacts":
        cards = []
        for card in message.get("contacts") or []:
            card = _dict(card)
            cards.append(
                {
                    "name": str(_dict(card.get("name")).get("formatted_name") or ""),
                    "phones": [
                        {"phone": str(p.get("phone") or ""), "wa_id": str(p.get("wa_id") or "")}
                        for p in card.get("phones") or []
                        if isinstance(p, dict)
                    ],
                }
            )
        data["contacts"] = cards
        return "contact", str(cards[0]["name"]) if cards else "", None, data
    return "unsupported", "", None, {**data, "type": kind or "unknown"}


def _inbound(message: dict[str, Any], names: dict[str, str]) -> InboundMessage | None:
    wa_id = str(message.get("from") or "").lstrip("+")
    message_id = str(message.get("id") or "")
    sent_at = _moment(message.get("timestamp"))
    if not wa_id or not message_id or sent_at is None:
        log.warning("whatsapp message without id, sender or timestamp skipped")
        return None
    kind, text, action, data = _content(message)
    return InboundMessage(
        address=ChatAddress(ChannelName.WHATSAPP, wa_id),
        external_id=message_id,
        sent_at=sent_at,
        kind=kind,
        text=text,
        action=action,
        data=data,
        name=names.get(wa_id, ""),
        phone="+" + wa_id if wa_id.isdigit() else None,
    )


def _status(update: dict[str, Any]) -> StatusUpdate | None:
    status = STATUSES.get(str(update.get("status") or ""))
    at = _moment(update.get("timestamp"))
    message_id = str(update.get("id") or "")
    if status is None or at is None or not message_id:
        return None
    errors = [e for e in update.get("errors") or [] if isinstance(e, dict)]
    code: int | None = None
    title = ""
    if errors:
        try:
            code = int(str(errors[0].get("code")))
        except (TypeError, ValueError):
            code = None
        title = str(errors[0].get("title") or errors[0].get("message") or "")
    return StatusUpdate(
        channel=ChannelName.WHATSAPP,
        external_id=message_id,
        status=status,
        at=at,
        error_code=code,
        error_title=title,
    )


def read_delivery(body: Any) -> list[NumberDelivery]:
    """What a (signed) delivery says, per phone number id; [] for anything not ours."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return []
    deliveries: dict[str, NumberDelivery] = {}
    for entry in body.get("entry") or []:
        for change in _dict(entry).get("changes") or []:
            change = _dict(change)
            if change.get("field") != "messages":
                continue
            value = _dict(change.get("value"))
            phone_number_id = str(_dict(value.get("metadata")).get("phone_number_id") or "")
            if not phone_number_id:
                continue
            delivery = deliveries.setdefault(phone_number_id, NumberDelivery(phone_number_id))
            names = {
                str(_dict(c).get("wa_id") or ""): str(
                    _dict(_dict(c).get("profile")).get("name") or ""
                )
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                inbound = _inbound(_dict(message), names)
                if inbound is not None:
                    delivery.messages.append(inbound)
            for update in value.get("statuses") or []:
                status = _status(_dict(update))
                if status is not None:
                    delivery.statuses.append(status)
    return list(deliveries.values())

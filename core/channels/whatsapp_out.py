"""Telling a WhatsApp customer something: one outbox row of topic `whatsapp`, written in
the caller's transaction and delivered by bot.whatsapp.deliver. The channel seam's
fan-out (core.notify.tell) writes the same rows for a person's WhatsApp address;
`tell_whatsapp` is for what only WhatsApp needs (a message that must go as its
template).

Row payload (what the deliverer reads):

    {"address": {"channel": "whatsapp", "external_id": "<wa_id>"},
     "message": OutgoingMessage.as_dict(),
     "template_only": true,      # optional: skip free-form, send the approved template
     "message_id": 12,           # optional: the queued Message this row sends
     "template": {"name": "...", "language": "en_US"}}   # optional: this template

The row's `event_type` names what the message is (`customer.order_paid`,
`date_reminder`, `message`, ...): outside the 24-hour window it picks the shop's
template (bot.whatsapp.deliver). Rows of one customer share the key
`whatsapp:<wa_id>`, so they go out in order.
"""

from __future__ import annotations

from datetime import datetime

from core.models import OutboxEvent
from core.notify import chat_key, chat_payload
from core.outbox import enqueue
from core.ports.chat import ChannelName, ChatAddress, OutgoingMessage

WHATSAPP_TOPIC = "whatsapp"


def whatsapp_payload(
    address: ChatAddress,
    message: OutgoingMessage,
    *,
    template_only: bool = False,
    extra: dict[str, object] | None = None,
) -> dict[str, object]:
    payload = chat_payload(address, message)
    if template_only:
        payload["template_only"] = True
    payload.update(extra or {})
    return payload


async def tell_whatsapp(
    *,
    address: ChatAddress,
    message: OutgoingMessage,
    shop_id: int,
    event_type: str = "message",
    key: str | None = None,
    template_only: bool = False,
    extra: dict[str, object] | None = None,
    now: datetime | None = None,
) -> OutboxEvent:
    """Queue `message` for a WhatsApp address of the shop's customer (caller's transaction).

    `extra` goes into the row's payload: `message_id` (a `Message` stored when queued,
    which the deliverer completes instead of recording a second one) and `template`
    ({"name", "language"}: the template to send, whatever the shop's settings say)."""
    if address.channel is not ChannelName.WHATSAPP:
        raise ValueError(f"not a WhatsApp address: {address}")
    return await enqueue(
        topic=WHATSAPP_TOPIC,
        event_type=event_type,
        payload=whatsapp_payload(address, message, template_only=template_only, extra=extra),
        shop_id=shop_id,
        key=chat_key(address, key),
        destination=address.external_id,
        now=now,
    )

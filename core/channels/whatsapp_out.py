"""Telling a WhatsApp customer something: one outbox row of topic `whatsapp`, written in
the caller's transaction and delivered by bot.whatsapp.deliver. The channel seam's
fan-out (core.notify.tell) writes the same rows for a person's WhatsApp address;
`tell_whatsapp` is for what only WhatsApp needs (a message that must go as its
template).

Row payload (what the deliverer reads):

    {"address": {"channel": "whatsapp", "external_id": "<wa_id>"},
     "message": OutgoingMessage.as_dict(),
     "template_only": true}      # optional: skip free-form, send the approved template

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
    address: ChatAddress, message: OutgoingMessage, *, template_only: bool = False
) -> dict[str, object]:
    payload = chat_payload(address, message)
    if template_only:
        payload["template_only"] = True
    return payload


async def tell_whatsapp(
    *,
    address: ChatAddress,
    message: OutgoingMessage,
    shop_id: int,
    event_type: str = "message",
    key: str | None = None,
    template_only: bool = False,
    now: datetime | None = None,
) -> OutboxEvent:
    """Queue `message` for a WhatsApp address of the shop's customer (caller's transaction)."""
    if address.channel is not ChannelName.WHATSAPP:
        raise ValueError(f"not a WhatsApp address: {address}")
    return await enqueue(
        topic=WHATSAPP_TOPIC,
        event_type=event_type,
        payload=whatsapp_payload(address, message, template_only=template_only),
        shop_id=shop_id,
        key=chat_key(address, key),
        destination=address.external_id,
        now=now,
    )

"""WhatsApp runs the channel-neutral shop chat (core.flows.shop_chat): a plugin of
sauda.wiring.PLUGINS.

    webhook ──► core.channels.inbox stores the message once ──► conversation.message_received
        ──► here (WhatsApp only): the person's session from the key-value store, their
            answer read into a `Said`, `shop_chat.answer`, the session saved, each reply
            queued through core.notify (outbox topic `whatsapp`, in the webhook's
            transaction) ──► bot.whatsapp.deliver renders buttons, lists and images

The phone is the WhatsApp id, so checkout never asks it. On by default; the setting
`WHATSAPP_DIALOGUE=0` leaves WhatsApp messages to staff in the inbox. The reader's language is the
customer's (remembered across messengers), else the shop's. A repeated delivery of the
same message id never reaches here (the inbox stores each message once).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from core.channels.inbox import WINDOW
from core.customers import customer_by_address
from core.events import CONVERSATION_MESSAGE_RECEIVED, DomainEvent, bus
from core.flows import shop_chat
from core.models import Shop
from core.notify import tell
from core.ports.chat import Action, ChannelName, ChatAddress, OutgoingMessage
from core.runtime import Runtime

log = logging.getLogger(__name__)

SESSION_TTL = timedelta(days=7)
EVENT_TYPE = "dialogue"


def session_key(shop_id: int, address: ChatAddress) -> str:
    return f"sauda:flow:{shop_id}:{address.channel.value}:{address.external_id}"


def said_of(payload: dict[str, Any]) -> shop_chat.Said:
    """A `conversation.message_received` payload as what the person did."""
    raw_action = payload.get("action")
    data = payload.get("data") or {}
    return shop_chat.Said(
        kind=str(payload.get("kind") or ""),
        text=str(payload.get("text") or ""),
        action=(
            Action(kind=str(raw_action["kind"]), value=str(raw_action.get("value", "")))
            if raw_action
            else None
        ),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
    )


class Dialogue:
    """The subscriber, holding the process's runtime (key-value store, clock, settings)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def __call__(self, event: DomainEvent) -> None:
        payload = event.payload
        address = ChatAddress.from_dict(payload["address"])
        if address.channel is not ChannelName.WHATSAPP or event.shop_id is None:
            return
        if not self.runtime.settings.whatsapp_dialogue:
            return
        kv, clock = self.runtime.kv, self.runtime.clock
        sent_at = datetime.fromisoformat(str(payload["sent_at"]))
        if clock.now() - sent_at >= WINDOW:
            # Meta delivered it too late for a free-form answer: staff see it in the inbox.
            return
        shop = await Shop.get_or_none(id=event.shop_id, is_active=True)
        if shop is None:
            return
        key = session_key(shop.id, address)
        stored = await kv.get(key)
        session = shop_chat.Session.from_dict(json.loads(stored) if stored else None)
        customer = await customer_by_address(shop_id=shop.id, address=address)
        language = customer.language if customer is not None else shop.locale
        turn = await shop_chat.answer(
            shop=shop,
            address=address,
            session=session,
            said=said_of(payload),
            phone=customer.phone if customer is not None else "+" + address.external_id,
            name=(customer.name if customer is not None else "") or str(payload.get("name") or ""),
            language=language or "ru",
            clock=clock,
            public_base_url=self.runtime.settings.public_base_url,
        )
        await kv.set(key, json.dumps(session.as_dict()), ex=int(SESSION_TTL.total_seconds()))
        # WhatsApp has no popups: a notice about a press is a message of its own.
        notices = [OutgoingMessage(text=alert, language=turn.language) for alert in turn.alerts]
        for reply in [*notices, *turn.replies]:
            await tell([address], reply, shop_id=shop.id, event_type=EVENT_TYPE, now=clock.now())


_subscriber: Dialogue | None = None


def register(runtime: Runtime) -> None:
    """Answer WhatsApp customers with the shop chat (one subscriber per process; a new
    runtime replaces the previous one's store and clock)."""
    global _subscriber
    if _subscriber is None:
        _subscriber = Dialogue(runtime)
        bus.subscribe(CONVERSATION_MESSAGE_RECEIVED, _subscriber)
    else:
        _subscriber.runtime = runtime

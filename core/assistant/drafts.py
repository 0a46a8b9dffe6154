"""The assistant in a customer's Telegram chat: free text outside any flow gets a draft
answer that staff send, and a shop may let simple answers go out at once.

    customer's free text (no flow step) ── known customer of the shop? ── no ──► not handled
        │ yes                                                              (the bot's hint)
        ▼
    shop setting assistant.mode:  off ──► not handled
        │ draft (default) / auto
        ▼
    assistant reply (core.assistant.service, scoped to this customer)
        │
        ├─ auto, an order-status or opening-hours answer, not a complaint ──► sent at once
        │                                                  (ai_generated, commerce inbox)
        └─ otherwise: a draft kept DRAFT_TTL in the key-value store, and a `staff.ai_draft`
           outbox row for the staff chat (Send / Discard); a complaint is flagged in it

`send_draft` sends the draft (or the text staff wrote instead) to the customer through
the commerce inbox's send path (core.commerce.threads.send_message), marked
`ai_generated`; the draft is taken from the store atomically, so two presses send once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.assistant.offline import analyze
from core.assistant.service import AssistantService
from core.assistant.tools import Scope
from core.assistant.usage import assistant_settings
from core.channels.telegram_out import TELEGRAM
from core.commerce.threads import Recipient, send_message
from core.customers import customer_by_address
from core.errors import NotFound
from core.models import Customer, Message, Shop
from core.outbox import enqueue
from core.ports.chat import ChatAddress

DRAFT_EVENT = "staff.ai_draft"
DRAFT_TTL = 2 * 24 * 3600
AUTO_INTENTS = ("order_status", "hours")
MODES = ("draft", "auto", "off")


class Outcome(StrEnum):
    NOT_HANDLED = "not_handled"
    DRAFTED = "drafted"
    SENT = "sent"


@dataclass(frozen=True)
class Draft:
    id: str
    shop_id: int
    customer_id: int
    customer_name: str
    question: str
    reply: str
    intent: str
    model: str
    complaint: bool
    language: str
    # The messenger the question came from; the answer goes back there.
    channel: str = "telegram"


def _key(draft_id: str) -> str:
    return f"sauda:ai_draft:{draft_id}"


def mode_of(shop: Shop) -> str:
    mode = assistant_settings(shop).get("mode")
    return mode if mode in MODES else "draft"


async def on_customer_text(
    *,
    assistant: AssistantService,
    kv: Any,
    shop: Shop,
    address: ChatAddress,
    text: str,
    now: datetime,
) -> Outcome:
    """A customer's free text (see the module docstring for the outcomes)."""
    mode = mode_of(shop)
    if mode == "off" or not text.strip():
        return Outcome.NOT_HANDLED
    customer = await customer_by_address(shop_id=shop.id, address=address)
    if customer is None:
        return Outcome.NOT_HANDLED
    if mode == "draft" and shop.staff_chat_id is None:
        return Outcome.NOT_HANDLED
    language = customer.language or shop.locale or "ru"
    answer = await assistant.reply(
        scope=Scope.customer(shop, customer.id, language), message=text, feature="conversation"
    )
    complaint = answer.intent == "complaint" or analyze(text).is_complaint
    if mode == "auto" and answer.intent in AUTO_INTENTS and not complaint and answer.reply:
        await send_message(
            shop=shop,
            recipient=Recipient(phone=customer.phone),
            content=answer.reply,
            provider=address.channel.value,
            user_id=None,
            now=now,
            ai_generated=True,
        )
        return Outcome.SENT
    if shop.staff_chat_id is None:
        return Outcome.NOT_HANDLED
    draft = Draft(
        id=secrets.token_urlsafe(9),
        shop_id=shop.id,
        customer_id=customer.id,
        customer_name=customer.name,
        question=text[:1000],
        reply=answer.reply,
        intent=answer.intent,
        model=answer.model,
        complaint=complaint,
        language=language,
        channel=address.channel.value,
    )
    await kv.set(_key(draft.id), json.dumps(asdict(draft), ensure_ascii=False), ex=DRAFT_TTL)
    await enqueue(
        topic=TELEGRAM,
        event_type=DRAFT_EVENT,
        payload={"draft_id": draft.id},
        shop_id=shop.id,
        key=f"ai_draft:{customer.id}",
        destination=str(shop.staff_chat_id),
    )
    return Outcome.DRAFTED


async def draft_of(*, kv: Any, draft_id: str) -> Draft | None:
    raw = await kv.get(_key(draft_id))
    return Draft(**json.loads(raw)) if raw else None


async def send_draft(
    *, kv: Any, shop_id: int, draft_id: str, user_id: int, now: datetime, text: str | None = None
) -> Message:
    """Send the draft (or `text` instead) to its customer; NotFound when it was sent,
    discarded or expired, or is another shop's."""
    draft = await draft_of(kv=kv, draft_id=draft_id)
    if draft is None or draft.shop_id != shop_id:
        raise NotFound("draft")
    raw = await kv.getdel(_key(draft_id))
    if raw is None:
        raise NotFound("draft")
    shop = await Shop.get(id=shop_id)
    customer = await Customer.get(id=draft.customer_id, shop_id=shop_id)
    try:
        return await send_message(
            shop=shop,
            recipient=Recipient(phone=customer.phone),
            content=text or draft.reply,
            provider=draft.channel,
            user_id=user_id,
            now=now,
            ai_generated=True,
        )
    except Exception:
        # Nothing went out: the draft stays for another try.
        await kv.set(_key(draft_id), raw, ex=DRAFT_TTL)
        raise


async def discard_draft(*, kv: Any, shop_id: int, draft_id: str) -> None:
    draft = await draft_of(kv=kv, draft_id=draft_id)
    if draft is None or draft.shop_id != shop_id:
        raise NotFound("draft")
    await kv.delete(_key(draft_id))

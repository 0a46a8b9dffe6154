"""What Chatwoot tells us back (its webhook): a conversation's status moves the
consultation's.

Verification: `X-Chatwoot-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>" with
the webhook's secret>`, `X-Chatwoot-Timestamp` (unix seconds) within FRESHNESS of now;
each `X-Chatwoot-Delivery` takes effect once (a Notification row per delivery id,
written in the transaction of the change).

An agent's public reply (`message_created`, outgoing, not private) is relayed to the
customer's Telegram chat when the consultation came from there.

Statuses: open -> pending (an agent has it), pending/snoozed -> pending, resolved ->
closed (the end date is recorded). An agent setting or changing the conversation's
custom attribute `scheduled_at` (re)schedules the consultation, and the customer is
told the new time (core.consultations.service.schedule).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.consultations.service import schedule, set_status
from core.errors import Unauthorized
from core.models import Consultation, ConsultationStatus, Customer, Notification
from core.notify import tell_customer
from core.ports.chat import OutgoingMessage


# Texts queued for the bot to render in the reader's language (extracted by Babel).
def _(message: str) -> str:
    return message


TOLD = {
    ConsultationStatus.PENDING: _("Your consultation has been taken by a consultant."),
    ConsultationStatus.CLOSED: _("Your consultation is closed. Thank you for contacting us!"),
}
AGENT_REPLY = _("A consultant writes:\n{reply}")

FRESHNESS_SECONDS = 300
DELIVERY_KIND = "chatwoot.delivery"
STATUSES = {
    "open": ConsultationStatus.PENDING,
    "pending": ConsultationStatus.PENDING,
    "snoozed": ConsultationStatus.PENDING,
    "resolved": ConsultationStatus.CLOSED,
}
STATUS_EVENTS = ("conversation_status_changed", "conversation_updated", "conversation_resolved")


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(
    *, secret: str, signature_header: str | None, timestamp: str | None, body: bytes, now: datetime
) -> None:
    """Raise Unauthorized unless the delivery is signed with `secret` and fresh."""
    if not secret or not signature_header or not timestamp:
        raise Unauthorized("Invalid signature")
    if not hmac.compare_digest(signature(secret, timestamp, body), signature_header.strip()):
        raise Unauthorized("Invalid signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized("Invalid signature") from None
    if abs(now.timestamp() - sent) > FRESHNESS_SECONDS:
        raise Unauthorized("Stale webhook")


def _conversation(payload: dict[str, Any]) -> dict[str, Any]:
    inner = payload.get("conversation")
    return inner if isinstance(inner, dict) and "id" in inner else payload


async def apply_event(
    *, shop_id: int, delivery_id: str, payload: dict[str, Any], now: datetime
) -> Outcome:
    """Apply one verified delivery. Outcomes: applied (the consultation moved, or was
    already there), duplicate (this delivery id was seen), ignored (not a status event,
    or a conversation that is no consultation of the firm)."""
    event = str(payload.get("event", ""))
    conversation = _conversation(payload)
    status = STATUSES.get(str(conversation.get("status", "")))
    async with in_transaction():
        if delivery_id:
            try:
                async with in_transaction():
                    await Notification.create(
                        shop_id=shop_id, kind=DELIVERY_KIND, ref=delivery_id[:64]
                    )
            except IntegrityError:
                return Outcome.DUPLICATE
        if event == "message_created":
            return await _relay_reply(shop_id, payload, conversation, now=now)
        when = _scheduled_at(conversation)
        if event not in STATUS_EVENTS or (status is None and when is None):
            return Outcome.IGNORED
        if "id" not in conversation:
            return Outcome.IGNORED
        consultation = (
            await Consultation.filter(
                shop_id=shop_id, chatwoot_conversation_id=str(conversation["id"])
            )
            .select_for_update()
            .first()
        )
        if consultation is None:
            return Outcome.IGNORED
        if status is not None:
            moved = await set_status(consultation=consultation, status=status, now=now)
            if moved and status in TOLD:
                await _tell_customer(consultation, TOLD[status], now=now)
        if when is not None:
            await schedule(consultation=consultation, at=when, now=now)
    return Outcome.APPLIED


def _scheduled_at(conversation: dict[str, Any]) -> datetime | None:
    """The time an agent set on the conversation (custom attribute `scheduled_at`, ISO
    8601; without an offset it is UTC), or None."""
    attributes = conversation.get("custom_attributes")
    raw = attributes.get("scheduled_at") if isinstance(attributes, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _relay_reply(
    shop_id: int, payload: dict[str, Any], conversation: dict[str, Any], *, now: datetime
) -> Outcome:
    """An agent's public reply goes to the customer's chat (private notes and the
    customer's own messages do not)."""
    content = str(payload.get("content") or "").strip()
    if payload.get("message_type") != "outgoing" or payload.get("private") or not content:
        return Outcome.IGNORED
    if "id" not in conversation or conversation is payload:
        return Outcome.IGNORED
    consultation = await Consultation.filter(
        shop_id=shop_id, chatwoot_conversation_id=str(conversation["id"])
    ).first()
    if consultation is None:
        return Outcome.IGNORED
    await _tell_customer(consultation, AGENT_REPLY, now=now, params={"reply": content[:3500]})
    return Outcome.APPLIED


async def _tell_customer(
    consultation: Consultation,
    text: str,
    *,
    now: datetime,
    params: dict[str, Any] | None = None,
) -> None:
    """The customer hears of the move on every chat they have (none: nobody is told)."""
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    await tell_customer(
        customer_id=customer.id,
        message=OutgoingMessage(text=text, params=params or {}, language=customer.language),
        shop_id=consultation.shop_id,  # type: ignore[attr-defined]
        event_type="consultation.status_changed",
        now=now,
    )

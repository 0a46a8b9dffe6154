"""What Chatwoot tells us back (its webhook): a conversation's status moves the
consultation's.

Verification: `X-Chatwoot-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>" with
the webhook's secret>`, `X-Chatwoot-Timestamp` (unix seconds) within FRESHNESS of now;
each `X-Chatwoot-Delivery` takes effect once (a Notification row per delivery id,
written in the transaction of the change).

Statuses: open -> pending (an agent has it), pending/snoozed -> pending, resolved ->
closed (the end date is recorded).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.consultations.service import set_status
from core.errors import Unauthorized
from core.models import Consultation, ConsultationStatus, Notification

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
        if event not in STATUS_EVENTS or status is None or "id" not in conversation:
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
        await set_status(consultation=consultation, status=status, now=now)
    return Outcome.APPLIED

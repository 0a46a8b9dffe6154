"""The service desk: consultations a firm's clients ask for (the `consult` contract,
the bot), synced to the firm's Chatwoot inbox and its 1C:ЦЛ database."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class ConsultationStatus(StrEnum):
    NEW = "new"
    PENDING = "pending"
    CLOSED = "closed"
    OTHER = "other"


class Consultation(TimestampedModel):
    """One request for a consultation.

    `public_id` is our own id for it, answered as `cons_id` until Chatwoot has given its
    conversation id (`chatwoot_conversation_id`) and accepted as `cons_id` forever after;
    `onec_ref_key` and `number` arrive from 1C. `fingerprint` (client, question, schedule)
    recognises a repeated request within the de-duplication window.
    """

    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="consultations", on_delete=fields.CASCADE
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="consultations", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ConsultationStatus, max_length=16, default=ConsultationStatus.NEW)
    lang = fields.CharField(max_length=8, default="ru")
    comment = fields.TextField()
    topic = fields.CharField(max_length=200, null=True)
    online_question_cat = fields.CharField(max_length=64, null=True)
    online_question = fields.CharField(max_length=64, null=True)
    importance = fields.IntField(null=True)
    org_inn = fields.CharField(max_length=20, null=True)
    scheduled_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    source = fields.CharField(max_length=32, default="SITE")
    fingerprint = fields.CharField(max_length=64)
    chatwoot_conversation_id = fields.CharField(max_length=32, null=True)
    onec_ref_key = fields.CharField(max_length=64, null=True)
    number = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "consultations"
        indexes = (
            ("shop_id", "chatwoot_conversation_id"),
            ("customer_id", "fingerprint"),
        )

"""Conversations with customers on any messenger, and every message in and out.

One `Conversation` per shop and chat address (channel + external id); its messages are
the inbox the commerce contract and staff read. `Message.external_id` is the provider's
id of the message (WhatsApp `wamid...`; Telegram `<chat id>:<message id>`), unique per
channel, so a delivery the provider repeats is stored once.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    """Delivery state of an outbound message as its channel reported it."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    RECEIVED = "received"  # inbound


class Conversation(TimestampedModel):
    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="conversations", on_delete=fields.CASCADE
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="conversations", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=64)
    # The customer's last message (by its own timestamp): WhatsApp's 24-hour window.
    last_inbound_at = fields.DatetimeField(null=True)
    last_message_at = fields.DatetimeField(null=True)

    class Meta:
        table = "conversations"
        unique_together = (("shop", "channel", "external_id"),)
        indexes = (("customer_id",),)


class Message(TimestampedModel):
    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    conversation = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    order = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharField(max_length=16)
    direction = fields.CharEnumField(MessageDirection, max_length=16)
    text = fields.TextField(default="")
    # What else the message carried (buttons, a photo, a location, the template used).
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    external_id = fields.CharField(max_length=128, null=True)
    status = fields.CharEnumField(MessageStatus, max_length=16, default=MessageStatus.QUEUED)
    status_detail = fields.TextField(null=True)
    is_read = fields.BooleanField(default=False)
    ai_generated = fields.BooleanField(default=False)
    sent_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # When it was sent or received, by the provider's own timestamp where it gives one.
    sent_at = fields.DatetimeField()

    class Meta:
        table = "messages"
        unique_together = (("channel", "external_id"),)
        indexes = (
            ("conversation_id", "sent_at"),
            ("shop_id", "sent_at"),
            ("customer_id",),
            ("order_id",),
            ("sent_by_id",),
        )

"""Ways out of the process: webhook endpoints and the transactional outbox."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class IntegrationStatus(StrEnum):
    CONNECTED = "connected"
    ERROR = "error"
    DISCONNECTED = "disconnected"


class Integration(TimestampedModel):
    """A shop's connection to an outside system (Shopify store, WhatsApp number, Chatwoot
    inbox, 1C database).

    `config` holds the values that may be shown; `secrets` maps a field name to its value
    sealed with `core.vault` (answers show them masked). `external_key` is how the provider
    names this connection when it calls us (a Shopify shop domain, a WhatsApp phone number
    id), unique per provider, so an inbound webhook finds its shop.
    """

    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="integrations", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=32)
    status = fields.CharEnumField(
        IntegrationStatus, max_length=16, default=IntegrationStatus.CONNECTED
    )
    external_key = fields.CharField(max_length=200, null=True)
    config: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    secrets: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    last_sync = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "integrations"
        unique_together = (("provider", "external_key"),)
        indexes = (("shop_id", "provider"),)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookEndpoint(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="webhooks", on_delete=fields.CASCADE)
    url = fields.CharField(max_length=1000)
    secret = fields.CharField(max_length=128)
    events: list = fields.JSONField(default=list)  # type: ignore[assignment]
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "webhook_endpoints"
        indexes = (("shop_id",),)


class OutboxEvent(TimestampedModel):
    """One message to deliver outside: a webhook call, a chat message, a sync to Chatwoot/1C.

    Written in the same transaction as the change it reports; delivered by the worker,
    retried with back-off, in order per `key`.
    """

    event_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField(
        "models.Shop", related_name=False, null=True, on_delete=fields.CASCADE
    )
    topic = fields.CharField(max_length=32, db_index=True)
    event_type = fields.CharField(max_length=64)
    key = fields.CharField(max_length=128, default="", db_index=True)
    destination = fields.CharField(max_length=200, default="")
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_events"
        indexes = (("shop_id",),)


class Notification(TimestampedModel):
    """A record that something was sent once (a reminder for a date in a year, an alert
    for an order window). Jobs check it, so running twice sends nothing twice."""

    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=48)
    ref = fields.CharField(max_length=64)
    period = fields.CharField(max_length=32, default="")
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]

    class Meta:
        table = "notifications"
        unique_together = (("shop", "kind", "ref", "period"),)


class TelegramUpdate(TimestampedModel):
    """An incoming Telegram update, stored before it is acknowledged. Its id takes effect once."""

    update_id = fields.BigIntField(unique=True)
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    processed_at = fields.DatetimeField(null=True)
    error = fields.TextField(null=True)

    class Meta:
        table = "telegram_updates"

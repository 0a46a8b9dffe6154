"""Shops and the people who work in them."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    FLORIST = "florist"
    COURIER = "courier"
    CASHIER = "cashier"


class Currency(StrEnum):
    KZT = "KZT"
    UZS = "UZS"
    # A commerce project (seed 002) may sell in other currencies (Shopify stores).
    USD = "USD"
    EUR = "EUR"
    RUB = "RUB"
    GBP = "GBP"


class Shop(TimestampedModel):
    # The id the commerce contract shows (a project is a shop); null for shops made
    # before it existed until first shown (core.public_ids).
    public_id = fields.UUIDField(null=True, unique=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    slug = fields.CharField(max_length=64, unique=True)
    timezone = fields.CharField(max_length=64, default="Asia/Almaty")
    currency = fields.CharEnumField(Currency, max_length=3, default=Currency.KZT)
    locale = fields.CharField(max_length=8, default="ru")
    phone = fields.CharField(max_length=20, null=True)
    address = fields.CharField(max_length=500, null=True)
    # HMAC secret the payment provider signs its webhooks with; unset = webhook refused.
    payment_secret = fields.CharField(max_length=128, null=True)
    staff_chat_id = fields.BigIntField(null=True)
    settings: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "shops"


class User(TimestampedModel):
    public_id = fields.UUIDField(null=True, unique=True, default=uuid.uuid4)
    phone = fields.CharField(max_length=20, unique=True, null=True)
    email = fields.CharField(max_length=254, unique=True, null=True)
    username = fields.CharField(max_length=150, unique=True, null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    name = fields.CharField(max_length=200, default="")
    telegram_id = fields.BigIntField(unique=True, null=True)
    telegram_chat_id = fields.BigIntField(null=True)
    language = fields.CharField(max_length=8, default="ru")
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "users"


class Membership(TimestampedModel):
    user = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="memberships", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=16)

    class Meta:
        table = "memberships"
        unique_together = (("user", "shop", "role"),)
        indexes = (("shop_id", "role"),)


class ApiKey(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="api_keys", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16, db_index=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=16, default=Role.ADMIN)
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
        indexes = (("shop_id",), ("created_by_id",))

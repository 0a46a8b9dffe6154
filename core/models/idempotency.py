"""Idempotency keys: the first answer to a create, kept per shop and key (core.idempotency)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models.base import WithoutSourceComments


class IdempotencyRecord(Model, metaclass=WithoutSourceComments):
    """One `Idempotency-Key` of a shop: the request's fingerprint and its first answer.

    Written in the transaction of the create it answers, so it exists exactly when the
    create was committed; unique per (shop, key), so two concurrent requests with one
    key cannot both create. Kept 24 h from `created_at` (housekeeping prunes it).

    `shop_id` is a plain column, not a foreign key: the record is inserted first in the
    create's transaction, and a foreign key would take a KEY SHARE lock on the shop row
    there, which deadlocks with a create that then locks the shop FOR UPDATE (order
    numbers do). A deleted shop's records go with the 24 h prune.
    """

    id = fields.IntField(primary_key=True)
    shop_id = fields.IntField()
    key = fields.CharField(max_length=255)
    fingerprint = fields.CharField(max_length=64)
    status = fields.IntField(default=0)
    body = fields.TextField(default="")
    headers: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("shop_id", "key"),)

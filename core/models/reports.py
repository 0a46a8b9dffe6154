"""Reports made on request (the commerce contract's sales, messages and performance)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class ReportType(StrEnum):
    SALES = "sales"
    MESSAGES = "messages"
    PERFORMANCE = "performance"


class Report(TimestampedModel):
    """A report's figures as they were when it was generated (`payload`), its summary
    sentence in the shop's language, and the period it covers."""

    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)
    shop = fields.ForeignKeyField("models.Shop", related_name="reports", on_delete=fields.CASCADE)
    report_type = fields.CharEnumField(ReportType, max_length=16)
    start_date = fields.DatetimeField()
    end_date = fields.DatetimeField()
    filters: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    summary = fields.TextField(default="")
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    generated_at = fields.DatetimeField()
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "reports"
        indexes = (("shop_id", "generated_at"), ("created_by_id",))

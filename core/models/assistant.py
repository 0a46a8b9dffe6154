"""What every assistant call cost: one `AiUsage` row per answer (core.assistant.usage).

`model` is the model that answered (`offline` when none did); `fallback_reason` says why
a model call fell back to offline (rate_limited, timeout, server_error, blocked, error,
budget). Tokens are the model's own counts, `cost_usd` comes from the price table of
core.assistant.usage at the time of the call.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TimestampedModel


class AiUsage(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    # query, reply, sentiment, conversation
    feature = fields.CharField(max_length=16)
    model = fields.CharField(max_length=64)
    tokens_in = fields.IntField(default=0)
    tokens_out = fields.IntField(default=0)
    cost_usd = fields.DecimalField(max_digits=14, decimal_places=8, default=0)
    latency_ms = fields.IntField(default=0)
    tool_calls = fields.IntField(default=0)
    fallback = fields.BooleanField(default=False)
    fallback_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "ai_usage"
        indexes = (("shop_id", "created_at"),)

"""The cash desk: shifts (cash sessions), sales with their items, payments and refunds."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SaleStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    MOBILE = "mobile"
    TRANSFER = "transfer"


class RefundKind(StrEnum):
    REFUND = "refund"
    CANCELLATION = "cancellation"


class CashSession(TimestampedModel):
    """One cashier's shift at one till: the cash drawer from opening to closing."""

    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    cashier = fields.ForeignKeyField("models.User", related_name=False, on_delete=fields.CASCADE)
    till = fields.CharField(max_length=64, default="main")
    status = fields.CharEnumField(SessionStatus, max_length=8, default=SessionStatus.OPEN)
    opening_balance = fields.BigIntField(default=0)
    expected_cash = fields.BigIntField(null=True)
    actual_cash = fields.BigIntField(null=True)
    opened_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Set while open, so the database itself keeps one open shift per cashier and till.
    open_key = fields.CharField(max_length=200, null=True, unique=True)

    class Meta:
        table = "cash_sessions"
        indexes = (("shop_id", "status"), ("cashier_id",), ("closed_by_id",))


class Sale(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    session = fields.ForeignKeyField(
        "models.CashSession", related_name="sales", on_delete=fields.CASCADE
    )
    cashier = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="sales", null=True, on_delete=fields.SET_NULL
    )
    seq = fields.IntField()
    receipt_number = fields.CharField(max_length=64)
    status = fields.CharEnumField(SaleStatus, max_length=16, default=SaleStatus.PENDING)
    # Whole currency units (DESIGN.md §3); computed by core.cashdesk from the items.
    subtotal = fields.BigIntField(default=0)
    discount_amount = fields.BigIntField(default=0)
    tax_amount = fields.BigIntField(default=0)
    total_amount = fields.BigIntField(default=0)
    paid_amount = fields.BigIntField(default=0)
    change_amount = fields.BigIntField(default=0)
    refunded_amount = fields.BigIntField(default=0)
    notes = fields.TextField(null=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    refunded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sales"
        unique_together = (("shop", "seq"), ("shop", "receipt_number"))
        indexes = (
            ("shop_id", "status"),
            ("shop_id", "completed_at"),
            ("session_id",),
            ("cashier_id",),
            ("customer_id",),
        )


class SaleItem(TimestampedModel):
    sale = fields.ForeignKeyField("models.Sale", related_name="items", on_delete=fields.CASCADE)
    product = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    product_name = fields.CharField(max_length=300)
    product_sku = fields.CharField(max_length=64, null=True)
    quantity = fields.DecimalField(max_digits=14, decimal_places=3)
    refunded_quantity = fields.DecimalField(max_digits=14, decimal_places=3, default=0)
    unit_price = fields.BigIntField()
    cost_price = fields.BigIntField(default=0)
    tax_rate = fields.IntField(default=0)
    discount_amount = fields.BigIntField(default=0)
    line_total = fields.BigIntField()

    class Meta:
        table = "sale_items"
        indexes = (("sale_id",), ("product_id",))


class SalePayment(TimestampedModel):
    sale = fields.ForeignKeyField("models.Sale", related_name="payments", on_delete=fields.CASCADE)
    method = fields.CharEnumField(PaymentMethod, max_length=16)
    amount = fields.BigIntField()
    received_amount = fields.BigIntField(null=True)
    change_amount = fields.BigIntField(default=0)
    card_last4 = fields.CharField(max_length=4, null=True)
    transaction_id = fields.CharField(max_length=100, null=True)
    provider = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "sale_payments"
        indexes = (("sale_id",),)


class SaleRefund(TimestampedModel):
    """Money and goods given back for a completed sale (a refund, or the cancellation of
    the whole sale); `lines` are [{"item_id", "quantity", "amount"}], `by_method` the
    money per payment method."""

    sale = fields.ForeignKeyField("models.Sale", related_name="refunds", on_delete=fields.CASCADE)
    session = fields.ForeignKeyField(
        "models.CashSession", related_name="refunds", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(RefundKind, max_length=16, default=RefundKind.REFUND)
    amount = fields.BigIntField()
    cash_amount = fields.BigIntField(default=0)
    by_method: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    lines: list = fields.JSONField(default=list)  # type: ignore[assignment]
    reason = fields.CharField(max_length=500, default="")
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "sale_refunds"
        indexes = (("sale_id",), ("session_id",), ("created_by_id",))
